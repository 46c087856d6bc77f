"""The strict Content-Security-Policy in real Chromium: the pages with scripts
(the live board, the cohort page, the dashboards, the settings page, the
admin) work under it, and the browser refuses nothing on them.

Every page records the `securitypolicyviolation` events of its documents
and every console message; a refusal shows in both.
"""

import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.board_helpers import live_session

# Runs in each document before the page's own scripts.
RECORDER = """
window.policyViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.policyViolations.push(
    `${event.effectiveDirective} refused ${event.blockedURI || "inline code"}`
    + ` at ${event.sourceFile}:${event.lineNumber}`
  );
});
"""


class Watched:
    """A page, what its console said and what its policy refused."""

    def __init__(self, page):
        self.page = page
        self.console = []
        page.add_init_script(RECORDER)
        page.on("console", self._heard)

    def _heard(self, message):
        # The site has no icon: the browser's own request for /favicon.ico
        # fails, which is no page's doing.
        if not message.location.get("url", "").endswith("/favicon.ico"):
            self.console.append(f"{message.type}: {message.text} at {message.location['url']}")

    def violations(self) -> list[str]:
        return self.page.evaluate("window.policyViolations")

    def assert_quiet(self):
        """Nothing refused in the current document, nothing said on the console
        since the page opened (a refusal is also logged there)."""
        assert self.violations() == [], self.page.url
        assert self.console == [], "\n".join(self.console)


@pytest.fixture
def watched(new_page, log_in):
    def open_as(email):
        page = Watched(new_page())
        log_in(page.page, email)
        page.assert_quiet()
        return page

    return open_as


@pytest.fixture
def staff(db):
    """An operator with the Django admin."""
    return factories.UserFactory(email="ops@example.test", is_staff=True, is_superuser=True)


def reflection(page, text):
    return page.locator("li.reflection").filter(
        has=page.locator(".reflection-text").get_by_text(text, exact=True)
    )


def test_the_recorder_sees_a_refusal(watched, participant):
    """The watch can fail: content from elsewhere is refused and recorded."""
    pat = watched("p1@acme.test")
    pat.page.evaluate(
        "() => { const img = document.createElement('img');"
        " img.src = 'https://elsewhere.invalid/pixel.png'; document.body.append(img); }"
    )
    pat.page.wait_for_function("window.policyViolations.length > 0")
    [violation] = pat.violations()
    assert violation.startswith("img-src refused https://elsewhere.invalid/pixel.png"), violation
    assert any("Content Security Policy" in line for line in pat.console), pat.console


def test_the_live_board_works_under_the_policy(
    watched, live_server_url, cohort, facilitator, participant
):
    session = live_session(cohort, facilitator)
    board_url = f"{live_server_url}/sessions/{session.pk}/board/"
    coach = watched("coach@acme.test")
    pat = watched("p1@acme.test")
    for person in (coach, pat):
        person.page.goto(board_url)
        expect(person.page.locator("#board-connection")).to_have_text("Connected.")

    pat.page.get_by_role("textbox", name="Reflection", exact=True).fill("Listening first helped.")
    pat.page.get_by_role("button", name="Post", exact=True).click()
    expect(reflection(coach.page, "Listening first helped.")).to_have_count(1)
    expect(reflection(pat.page, "Listening first helped.")).to_have_count(1)
    for person in (coach, pat):
        person.assert_quiet()


def test_the_cohort_page_dashboards_and_settings_work_under_the_policy(
    watched, live_server_url, cohort, facilitator, participant, leader, hr_admin
):
    coach = watched("coach@acme.test")
    coach.page.goto(f"{live_server_url}/cohorts/{cohort.pk}/")
    expect(coach.page.locator("#cohort-live-status")).to_contain_text("Live")
    coach.assert_quiet()
    coach.page.goto(f"{live_server_url}/cohorts/{cohort.pk}/dashboard/")
    expect(coach.page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    coach.assert_quiet()

    pat = watched("p1@acme.test")
    pat.page.goto(f"{live_server_url}/cohorts/{cohort.pk}/")
    expect(pat.page.locator("#cohort-live-status")).to_contain_text("Live")
    pat.assert_quiet()
    for path in ("/me/rhythm/", "/settings/"):
        pat.page.goto(f"{live_server_url}{path}")
        pat.page.wait_for_load_state("networkidle")
        pat.assert_quiet()

    lee = watched("lead1@acme.test")
    lee.page.goto(f"{live_server_url}/me/people/")
    lee.assert_quiet()

    # The HR admin's dashboard is their home page, opened on signing in.
    watched("hr@acme.test").assert_quiet()


def test_the_admin_works_under_the_policy(watched, live_server_url, cohort, participant, staff):
    ops = watched("ops@example.test")
    for path in (
        "/admin/",
        "/admin/cohorts/cohort/",
        f"/admin/cohorts/cohort/{cohort.pk}/change/",
        f"/admin/accounts/user/{participant.pk}/change/",
    ):
        ops.page.goto(f"{live_server_url}{path}")
        ops.page.wait_for_load_state("networkidle")
        ops.assert_quiet()
    # The admin's own scripts ran: the navigation sidebar toggles.
    ops.page.goto(f"{live_server_url}/admin/cohorts/cohort/")
    expect(ops.page.locator("#main")).to_have_class(re.compile(r"\bshifted\b"))
    ops.page.locator("#toggle-nav-sidebar").click()
    expect(ops.page.locator("#main")).not_to_have_class(re.compile(r"\bshifted\b"))
    ops.assert_quiet()
