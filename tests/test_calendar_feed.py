"""The personal calendar feed, a session's single event, and resetting the link.

The feed is read back with `icalendar` and checked field by field. It lists
every session of the reader's cohorts (archived ones left out) and nothing of
anyone else's; its URL is the key, so a reset one answers 404 and the token
never reaches a log line.
"""

from __future__ import annotations

import datetime
import logging
import re

import icalendar
import pytest
from django.conf import settings
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from board import calendar, services
from board.models import CalendarFeed, CohortSession
from board.rules import access_session
from cohorts.models import Cohort, Membership
from lib.logs import MASK, MaskSecretsFilter
from tests import factories
from tests.board_helpers import end, live_session, post, scheduled_session

pytestmark = pytest.mark.django_db

HOST = "http://testserver"


def feed_path(user) -> str:
    return reverse("board:calendar_feed", args=[calendar.feed_token(user)])


def fetch(path, client=None):
    return (client or Client()).get(path)


def parse(response) -> icalendar.Calendar:
    assert response.status_code == 200, response.status_code
    return icalendar.Calendar.from_ical(response.content)


def events(response) -> dict[str, icalendar.Event]:
    """The feed's events by their session's title."""
    found = {}
    for event in parse(response).walk("VEVENT"):
        found[str(event["summary"]).split(" · ")[0].removeprefix("Cancelled: ")] = event
    return found


def uid(session) -> str:
    return f"session-{session.pk}@localhost"


# The feed, field by field -----------------------------------------------------


def test_the_calendar_is_published_with_its_name_and_refresh(cohort, facilitator, participant):
    scheduled_session(cohort, facilitator)
    response = fetch(feed_path(participant))
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == "inline; filename=cohorts.ics"
    assert set(re.split(r",\s*", response["Cache-Control"])) == {"private", "max-age=300"}
    feed = parse(response)
    assert str(feed["prodid"]) == calendar.PRODUCT_ID
    assert str(feed["version"]) == "2.0"
    assert str(feed["calscale"]) == "GREGORIAN"
    assert str(feed["method"]) == "PUBLISH"
    assert str(feed["x-wr-calname"]) == "Cohorts: Pat One"
    assert feed["refresh-interval"].dt == datetime.timedelta(hours=1)
    assert feed["refresh-interval"].params["VALUE"] == "DURATION"
    assert b"X-PUBLISHED-TTL:PT1H" in response.content
    assert b"\r\n" in response.content  # lines end as RFC 5545 says


def test_each_session_is_an_event_with_its_time_title_page_and_revision(
    cohort, facilitator, participant
):
    session = scheduled_session(cohort, facilitator, title="Session 1: Purpose")
    session.refresh_from_db()
    before = timezone.now().replace(microsecond=0)
    event = events(fetch(feed_path(participant)))["Session 1: Purpose"]
    page = f"{HOST}{reverse('board:detail', args=[session.pk])}"
    assert str(event["uid"]) == uid(session)
    assert event["dtstamp"].dt >= before
    assert event["dtstart"].dt == session.starts_at.replace(microsecond=0)
    assert event["dtstart"].dt.utcoffset() == datetime.timedelta(0)
    assert event["dtend"].dt - event["dtstart"].dt == datetime.timedelta(minutes=90)
    assert str(event["summary"]) == "Session 1: Purpose · Leading Through Change"
    assert str(event["url"]) == page
    assert str(event["description"]) == f"Session page: {page}"
    assert event["sequence"] == 0
    assert event["last-modified"].dt == session.updated_at.replace(microsecond=0)
    assert event["created"].dt == session.created_at.replace(microsecond=0)
    assert str(event["status"]) == "CONFIRMED"


def test_a_moved_session_keeps_its_uid_with_a_higher_sequence(cohort, facilitator, participant):
    session = scheduled_session(cohort, facilitator, title="Moved")
    first = events(fetch(feed_path(participant)))["Moved"]
    later = session.starts_at + datetime.timedelta(days=2)
    services.update_session(
        access=access_session(facilitator, session.pk),
        title="Moved",
        starts_at=later,
        duration_minutes=90,
    )
    second = events(fetch(feed_path(participant)))["Moved"]
    assert str(second["uid"]) == str(first["uid"]) == uid(session)
    assert second["sequence"] == first["sequence"] + 1
    assert second["dtstart"].dt == later.replace(microsecond=0)
    assert second["last-modified"].dt >= first["last-modified"].dt


def test_a_cancelled_session_stays_with_status_cancelled(cohort, facilitator, participant):
    session = scheduled_session(cohort, facilitator, title="Called off")
    services.cancel_session(access=access_session(facilitator, session.pk))
    event = events(fetch(feed_path(participant)))["Called off"]
    assert str(event["status"]) == "CANCELLED"
    assert str(event["summary"]) == "Cancelled: Called off · Leading Through Change"
    assert event["sequence"] == 1


def test_every_status_is_listed(cohort, facilitator, participant):
    scheduled_session(cohort, facilitator, title="Upcoming")
    live_session(cohort, facilitator, title="Now")
    end(live_session(cohort, facilitator, title="Done"), facilitator)
    found = events(fetch(feed_path(participant)))
    assert set(found) == {"Upcoming", "Now", "Done"}
    assert {str(event["status"]) for event in found.values()} == {"CONFIRMED"}


def test_the_feed_carries_no_member_content(cohort, facilitator, participant):
    session = live_session(cohort, facilitator, title="Live")
    post(session, participant, "My private worry about the reorganisation")
    services.goto_phase(
        access=access_session(facilitator, session.pk),
        phase_id=session.phases.get(kind="commitments").pk,
    )
    services.add_commitment(
        access=access_session(participant, session.pk),
        text="Talk to my team about it",
        client_id="6c1f0d9e-0b7a-4d43-9f0a-2f5c3f0a9a11",
    )
    for user in (facilitator, participant):
        body = fetch(feed_path(user)).content.decode()
        assert "worry" not in body and "Talk to my team" not in body
        assert "Live · Leading Through Change" in body


# Whose sessions ---------------------------------------------------------------


def test_only_the_reader_s_cohorts_appear(cohort, facilitator, participant, globex_user):
    scheduled_session(cohort, facilitator, title="Ours")
    other_cohort = factories.CohortFactory(organization=cohort.organization, name="Elsewhere")
    other_coach = factories.UserFactory(email="coach2@acme.test")
    factories.MembershipFactory(
        cohort=other_cohort, user=other_coach, role=Membership.Role.FACILITATOR
    )
    scheduled_session(other_cohort, other_coach, title="Another cohort's")
    globex_cohort = Cohort.objects.get(name="Globex Leaders")
    scheduled_session(globex_cohort, globex_user, title="Globex's")
    assert set(events(fetch(feed_path(participant)))) == {"Ours"}
    assert set(events(fetch(feed_path(facilitator)))) == {"Ours"}
    assert set(events(fetch(feed_path(other_coach)))) == {"Another cohort's"}
    assert set(events(fetch(feed_path(globex_user)))) == {"Globex's"}


@pytest.mark.parametrize("role", ["leader", "hr_admin", "outsider"])
def test_people_outside_the_room_get_an_empty_calendar(cohort, facilitator, request, role):
    scheduled_session(cohort, facilitator, title="Ours")
    assert events(fetch(feed_path(request.getfixturevalue(role)))) == {}


def test_an_archived_cohort_s_sessions_leave_the_feed(cohort, facilitator, participant):
    scheduled_session(cohort, facilitator, title="Ours")
    Cohort.objects.filter(pk=cohort.pk).update(status=Cohort.Status.ARCHIVED)
    assert events(fetch(feed_path(participant))) == {}


def test_a_person_who_left_the_cohort_no_longer_gets_its_sessions(
    cohort, facilitator, participant
):
    scheduled_session(cohort, facilitator, title="Ours")
    Membership.objects.filter(cohort=cohort, user=participant).delete()
    assert events(fetch(feed_path(participant))) == {}


def test_the_feed_costs_the_same_queries_at_3_and_30_sessions(cohort, facilitator, participant):
    path = feed_path(participant)
    counts = []
    for total in (3, 30):
        while CohortSession.objects.filter(cohort=cohort).count() < total:
            scheduled_session(cohort, facilitator, title=f"S{timezone.now().timestamp()}")
        with CaptureQueriesContext(connection) as queries:
            found = events(fetch(path))
        assert len(found) == total
        counts.append(len(queries))
    assert counts[0] == counts[1] == 2


# The token -------------------------------------------------------------------


def test_the_feed_url_is_absolute_and_carries_the_token(rf_request, participant):
    url = calendar.feed_url(rf_request, participant)
    assert url == f"{HOST}/calendar/{calendar.feed_token(participant)}.ics"


@pytest.fixture
def rf_request():
    return RequestFactory().get("/settings/")


def test_a_reset_invalidates_the_old_url(cohort, facilitator, participant):
    scheduled_session(cohort, facilitator)
    old = feed_path(participant)
    assert fetch(old).status_code == 200
    feed = calendar.reset_feed(participant)
    assert feed.version == 2 and feed.reset_at is not None
    assert fetch(old).status_code == 404
    new = feed_path(participant)
    assert new != old
    assert fetch(new).status_code == 200
    calendar.reset_feed(participant)
    assert fetch(new).status_code == 404
    assert CalendarFeed.objects.get(user=participant).version == 3


def bad_tokens(participant, facilitator) -> dict[str, str]:
    token = calendar.feed_token(participant)
    user_id, version, signature = token.split("-")
    return {
        "malformed": "not-a-token",
        "no parts": "abc",
        "forged signature": f"{user_id}-{version}-{'0' * len(signature)}",
        "another user's id": f"{facilitator.pk}-{version}-{signature}",
        "a future version": f"{user_id}-{int(version) + 1}-{signature}",
        "truncated": token[:-1],
    }


def test_a_bad_token_is_a_plain_404(client, participant, facilitator):
    missing = client.get("/no/such/page/")
    for name, token in bad_tokens(participant, facilitator).items():
        response = client.get(reverse("board:calendar_feed", args=[token]))
        assert response.status_code == 404, name
        assert response.content == missing.content, name


def test_a_deactivated_account_s_feed_stops(participant):
    path = feed_path(participant)
    participant.is_active = False
    participant.save()
    assert fetch(path).status_code == 404


def test_the_feed_needs_no_sign_in_and_answers_head(participant):
    assert fetch(feed_path(participant)).status_code == 200
    assert Client().head(feed_path(participant)).status_code == 200
    assert Client().post(feed_path(participant)).status_code == 405


def test_the_token_is_masked_in_logs(client, participant, caplog):
    caplog.set_level(logging.DEBUG)
    token = calendar.feed_token(participant)
    calendar.reset_feed(participant)  # the old token now answers 404, which is logged
    assert client.get(reverse("board:calendar_feed", args=[token])).status_code == 404
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert token not in logged
    assert f"/calendar/{MASK}" in logged


@pytest.mark.parametrize(
    ("path", "masked"),
    [
        ("/calendar/12-1-abcdef.ics", f"/calendar/{MASK}"),
        ("/calendar/12-1-abcdef", f"/calendar/{MASK}"),
        ("/settings/calendar/reset/", "/settings/calendar/reset/"),
    ],
)
def test_the_pattern_masks_the_token_only(path, masked):
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "Not Found: %s", (path,), None)
    MaskSecretsFilter(settings.SECRET_URL_PATTERNS).filter(record)
    assert record.getMessage() == f"Not Found: {masked}"


# Resetting the link (POST /settings/calendar/reset/) -----------------------------


ROLES = ["facilitator", "participant", "leader", "hr_admin", "outsider", "globex_user"]


@pytest.mark.parametrize("role", ROLES)
def test_anyone_signed_in_resets_their_own_link_only(client, request, role, participant):
    user = request.getfixturevalue(role)
    other = participant if role != "participant" else request.getfixturevalue("facilitator")
    other_path = feed_path(other)
    client.force_login(user)
    old = feed_path(user)
    response = client.post(reverse("notifications:calendar_reset"))
    assert response.status_code == 302
    assert response["Location"] == "/settings/"
    assert fetch(old).status_code == 404
    assert fetch(other_path).status_code == 200


def test_the_reset_says_what_it_did(client, participant):
    client.force_login(participant)
    response = client.post(reverse("notifications:calendar_reset"))
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == [
        "Your calendar link is new. Subscribe your calendar app to it: the old link "
        "no longer works."
    ]


def test_an_anonymous_reset_goes_to_log_in_and_a_get_changes_nothing(client, participant):
    response = client.post(reverse("notifications:calendar_reset"))
    assert response.status_code == 302 and "/login/" in response["Location"]
    client.force_login(participant)
    assert client.get(reverse("notifications:calendar_reset")).status_code == 405
    assert not CalendarFeed.objects.filter(user=participant).exists()


# One session's event (GET /sessions/<id>/event.ics) --------------------------------


@pytest.mark.parametrize("role", ["facilitator", "participant"])
def test_a_member_downloads_one_session_s_event(client, cohort, facilitator, request, role):
    session = scheduled_session(cohort, facilitator, title="One")
    scheduled_session(cohort, facilitator, title="Another")
    client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("board:event_ics", args=[session.pk]))
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == f"attachment; filename=session-{session.pk}.ics"
    feed = parse(response)
    assert str(feed["method"]) == "PUBLISH"
    [event] = feed.walk("VEVENT")
    assert str(event["uid"]) == uid(session)
    assert str(event["summary"]) == "One · Leading Through Change"


@pytest.mark.parametrize("role", ["leader", "hr_admin", "outsider", "globex_user"])
def test_others_get_404_for_a_session_s_event(client, cohort, facilitator, request, role):
    session = scheduled_session(cohort, facilitator)
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("board:event_ics", args=[session.pk])).status_code == 404


def test_an_anonymous_visitor_is_sent_to_log_in_for_an_event(client, cohort, facilitator):
    session = scheduled_session(cohort, facilitator)
    response = client.get(reverse("board:event_ics", args=[session.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]


# The settings page's part ---------------------------------------------------------


def test_the_partial_shows_the_link_a_copy_button_and_the_reset_form(rf_request, participant):
    rf_request.user = participant
    url = calendar.feed_url(rf_request, participant)
    html = render_to_string(
        "notifications/_calendar_feed.html", {"calendar_feed_url": url}, request=rf_request
    )
    assert f'value="{url}" readonly' in html
    assert '<label for="calendar-feed-url">' in html
    assert "data-calendar-feed-copy" in html
    assert f'action="{reverse("notifications:calendar_reset")}"' in html
    assert "csrfmiddlewaretoken" in html
    assert "old one stop receiving your sessions" in html
    # The copy button's script is a file: no inline script (CSP).
    scripts = re.findall(r"<script[^>]*>(.*?)</script>", html, flags=re.S)
    assert scripts == [""]
    assert 'src="/static/js/calendar_feed.js"' in html
    assert "style=" not in html
