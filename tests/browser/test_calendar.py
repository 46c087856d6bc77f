"""In real Chromium: a facilitator plans a weekly series and cancels the rest of
it, and a participant copies and resets their calendar link; every page
passes axe."""

import datetime

from playwright.sync_api import expect

from board.models import CohortSession
from tests.browser.conftest import assert_no_axe_violations


def test_a_series_is_planned_then_its_following_sessions_cancelled(
    daphne_server, new_page, log_in, cohort, facilitator
):
    cohort.time_zone = "Europe/Paris"
    cohort.save()
    start = (cohort.starts_on + datetime.timedelta(days=70)).isoformat()
    page = log_in(new_page(), "coach@acme.test")
    page.goto(f"{daphne_server.url}/cohorts/{cohort.pk}/sessions/new/")
    assert_no_axe_violations(page)
    page.get_by_label("Title").fill("Practice")
    page.get_by_label("Starts at (time in Europe/Paris)").fill(f"{start}T09:00")
    page.get_by_label("Repeat").select_option(label="Every week")
    page.get_by_label("Number of sessions").fill("3")
    page.get_by_role("button", name="Schedule").click()
    expect(page.locator(".messages")).to_contain_text("3 sessions scheduled")
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Session 2 of 3: Practice").click()
    page.get_by_role("button", name="Cancel this and the following sessions of the series").click()
    expect(page.locator(".messages")).to_contain_text("2 sessions cancelled.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Cancelled")
    assert_no_axe_violations(page)
    assert list(CohortSession.objects.order_by("starts_at").values_list("status", flat=True)) == [
        "scheduled",
        "cancelled",
        "cancelled",
    ]

    page.get_by_role("link", name="Sessions", exact=True).click()
    struck = page.locator("s a")
    expect(struck).to_have_count(2)
    expect(struck.first).to_have_text("Session 2 of 3: Practice")
    assert_no_axe_violations(page)


def test_the_calendar_link_is_copied_and_reset(daphne_server, new_page, log_in, participant):
    page = log_in(new_page(), "p1@acme.test")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=daphne_server.url)
    page.goto(f"{daphne_server.url}/settings/")
    field = page.get_by_label("Your private calendar link")
    link = field.input_value()
    assert link.startswith(f"{daphne_server.url}/calendar/") and link.endswith(".ics")

    page.get_by_role("button", name="Copy the link").click()
    expect(page.locator("[data-calendar-feed-status]")).to_have_text("Link copied.")
    assert page.evaluate("navigator.clipboard.readText()") == link
    assert_no_axe_violations(page)

    page.get_by_role("button", name="Reset the link").click()
    expect(page.locator(".messages")).to_contain_text("Your calendar link is new.")
    assert page.get_by_label("Your private calendar link").input_value() != link
    assert page.request.get(link).status == 404
