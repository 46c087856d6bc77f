"""In real Chromium: a browser tells the server its time zone and the next page
shows times there; a zone chosen in the settings wins, on pages and on the
live board alike."""

import datetime
import re
import zoneinfo

import pytest
from django.conf import settings
from django.test import Client
from django.utils import formats
from playwright.sync_api import expect

from board.models import Reflection
from tests.board_helpers import live_session, post
from tests.browser.conftest import assert_no_axe_violations
from tests.factories import CohortSessionFactory

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
# 09:00 in Paris in winter: 08:00 UTC, 17:00 in Tokyo, 03:00 in New York.
NINE_IN_PARIS = datetime.datetime(2027, 1, 11, 9, 0, tzinfo=PARIS)


def wall_clock(hour: int) -> str:
    """How a page writes that day at `hour` o'clock (DATETIME_FORMAT)."""
    return formats.date_format(
        datetime.datetime.combine(NINE_IN_PARIS.date(), datetime.time(hour)), "DATETIME_FORMAT"
    )


@pytest.fixture
def tokyo_page(browser, live_server_url):
    """A fresh browser in Tokyo, signed in as a given user (no page seen yet)."""
    contexts, errors = [], []

    def open_as(user):
        context = browser.new_context(timezone_id="Asia/Tokyo", locale="en-GB")
        context.set_default_timeout(10_000)
        contexts.append(context)
        client = Client()
        client.force_login(user)
        context.add_cookies(
            [
                {
                    "name": "sessionid",
                    "value": client.cookies["sessionid"].value,
                    "url": live_server_url,
                }
            ]
        )
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(error))
        return page

    yield open_as
    for context in contexts:
        context.close()
    assert not errors, [str(error) for error in errors]


@pytest.fixture
def paris_cohort(cohort):
    cohort.time_zone = "Europe/Paris"
    cohort.save()
    CohortSessionFactory(cohort=cohort, title="Morning session", starts_at=NINE_IN_PARIS)
    return cohort


def test_the_second_page_shows_times_in_the_browsers_zone(
    live_server_url, tokyo_page, paris_cohort, participant
):
    assert settings.TIME_ZONE == "UTC"
    page = tokyo_page(participant)
    url = f"{live_server_url}/cohorts/{paris_cohort.pk}/sessions/"

    # The first page is written before the server knows the browser's zone.
    page.goto(url)
    expect(page.locator("footer")).to_contain_text("Times in UTC")
    expect(page.locator("main")).to_contain_text(wall_clock(8))
    page.wait_for_function("document.cookie.includes('tz=Asia/Tokyo')")

    page.goto(url)
    expect(page.locator("footer")).to_contain_text("Times in Asia/Tokyo")
    expect(page.locator("main")).to_contain_text(wall_clock(17))
    assert page.locator("html").get_attribute("data-time-zone") == "Asia/Tokyo"
    assert_no_axe_violations(page)


def test_a_chosen_zone_wins_over_the_browsers_on_pages_and_on_the_board(
    live_server_url, tokyo_page, paris_cohort, facilitator, participant
):
    participant.time_zone = "America/New_York"
    participant.save()
    session = live_session(paris_cohort, facilitator)
    reflection = post(session, participant, "Said at five past eight, UTC")
    Reflection.objects.filter(pk=reflection.pk).update(
        created_at=datetime.datetime(2027, 1, 11, 8, 5, tzinfo=datetime.UTC)
    )
    page = tokyo_page(participant)

    for _ in range(2):
        page.goto(f"{live_server_url}/cohorts/{paris_cohort.pk}/sessions/")
        expect(page.locator("footer")).to_contain_text("Times in America/New_York")
        expect(page.locator("main")).to_contain_text(wall_clock(3))
    # The browser still reports where it is; the setting is what counts.
    assert {"name": "tz", "value": "Asia/Tokyo"}.items() <= next(
        cookie for cookie in page.context.cookies() if cookie["name"] == "tz"
    ).items()

    # The board formats the times it receives over the socket in the same zone.
    page.goto(f"{live_server_url}/sessions/{session.pk}/board/")
    expect(page.locator("#board-connection")).to_have_text("Connected.")
    item = page.locator("li.reflection", has_text="Said at five past eight, UTC")
    expect(item.locator("time")).to_have_text(re.compile(r"^03:05$"))
