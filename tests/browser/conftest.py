"""Browser tests: headless Debian Chromium driven by Playwright's sync API.

They run in their own pytest process (`pytest -m e2e`): Playwright's event loop
and pytest-asyncio cannot share one. Every test here is marked e2e.
"""

import os

import pytest

from tests.servers import DaphneServer

# Playwright's sync API runs an event loop in this thread; the ORM calls that
# set up test data are still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS
        )
        yield browser
        browser.close()


@pytest.fixture
def daphne_server(transactional_db):
    """A real Daphne serving the test database; data must be committed to be seen.

    Its emails go to files: `daphne_server.emails()` reads them. (Not named
    `live_server`: that is pytest-django's fixture.)"""
    server = DaphneServer()
    yield server
    server.stop()


@pytest.fixture
def live_server_url(daphne_server):
    return daphne_server.url


@pytest.fixture
def new_page(browser):
    """Open a page in a fresh browser context (its own cookies), as another person.

    An uncaught error in any page's scripts fails the test."""
    contexts = []
    errors = []

    def open_page():
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(error))
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not errors, [str(error) for error in errors]


@pytest.fixture
def log_in(live_server_url):
    """Log a page in through the real login form."""

    def log_in_as(page, email, password="pw-for-tests"):
        page.goto(f"{live_server_url}/accounts/login/")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign In").click()
        page.wait_for_url(f"{live_server_url}/")
        return page

    return log_in_as


@pytest.fixture(autouse=True)
def _fast_password_hasher():
    """Keep Django's default hasher: the Daphne process must verify these passwords."""


AXE_SCRIPT = os.path.join(os.path.dirname(__file__), "vendor", "axe-core", "axe.min.js")


def axe_violations(page) -> list[dict]:
    """Run axe-core (vendored, tests only) on the page as it is now; return its
    violations, each with its rule id, help text and the failing nodes."""
    # Evaluated by the test driver, which the page's Content-Security-Policy
    # does not govern: an added inline <script> tag would be refused.
    with open(AXE_SCRIPT, encoding="utf-8") as axe_source:
        page.evaluate(axe_source.read())
    result = page.evaluate(
        "async () => { const r = await axe.run(document); return r.violations.map("
        "v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' '))})); }"
    )
    return result


def assert_no_axe_violations(page):
    violations = axe_violations(page)
    assert violations == [], "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {', '.join(v['nodes'][:5])}"
        for v in violations
    )
