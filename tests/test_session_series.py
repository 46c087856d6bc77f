"""Sessions planned as a series in the cohort's time zone, and cancelled ones.

A series keeps the same wall time where the cohort meets, across a
daylight-saving change; it fits the program or is refused whole. A
facilitator cancels a session that has not started (and, if asked, the rest
of its series); a cancelled session stays listed, struck and labelled, and
can no longer start, change or take posts. Every change a calendar shows
raises the session's calendar revision.
"""

from __future__ import annotations

import datetime
import uuid
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from board import services
from board.models import CohortSession, Phase
from board.rules import access_session
from cohorts.permissions import access_cohort
from lib.errors import DomainError
from tests import factories
from tests.board_helpers import end, live_session, scheduled_session, start_live
from tests.streams import BoardClient

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
UTC = datetime.UTC
Status = CohortSession.Status


@pytest.fixture
def paris_cohort(cohort):
    """The cohort meets in Paris, over the spring clock change of 2027
    (Sunday 28 March), from January to the end of June."""
    cohort.time_zone = "Europe/Paris"
    cohort.starts_on = datetime.date(2027, 1, 4)
    cohort.ends_on = datetime.date(2027, 6, 30)
    cohort.save()
    return cohort


def schedule(client, cohort, **data):
    fields = {"title": "Leading through change", "duration_minutes": 90, **data}
    return client.post(reverse("board:schedule", args=[cohort.pk]), fields)


def series_of(cohort):
    return list(CohortSession.objects.filter(cohort=cohort).order_by("starts_at"))


def local(session) -> datetime.datetime:
    return session.starts_at.astimezone(PARIS)


# A series ---------------------------------------------------------------------


def test_a_weekly_series_keeps_nine_o_clock_in_paris_across_the_clock_change(
    client, paris_cohort, facilitator
):
    """Typed in the cohort's zone, whatever the reader's: 09:00 stays 09:00
    local while the UTC hour moves from 08:00 to 07:00."""
    facilitator.time_zone = "Asia/Tokyo"
    facilitator.save()
    client.force_login(facilitator)
    response = schedule(client, paris_cohort, starts_at="2027-03-19T09:00", repeat="1", count="4")
    assert response.status_code == 302
    assert response["Location"] == reverse("board:sessions", args=[paris_cohort.pk])
    sessions = series_of(paris_cohort)
    assert [local(s).strftime("%a %d %b %H:%M") for s in sessions] == [
        "Fri 19 Mar 09:00",
        "Fri 26 Mar 09:00",
        "Fri 02 Apr 09:00",
        "Fri 09 Apr 09:00",
    ]
    assert [s.starts_at.astimezone(UTC).hour for s in sessions] == [8, 8, 7, 7]


def test_a_series_shares_one_id_numbers_its_titles_and_gives_each_the_default_agenda(
    client, paris_cohort, facilitator
):
    client.force_login(facilitator)
    schedule(client, paris_cohort, starts_at="2027-02-01T14:30", repeat="2", count="3")
    sessions = series_of(paris_cohort)
    assert [s.title for s in sessions] == [
        "Session 1 of 3: Leading through change",
        "Session 2 of 3: Leading through change",
        "Session 3 of 3: Leading through change",
    ]
    assert len({s.series for s in sessions}) == 1 and sessions[0].series is not None
    assert [local(s).date() for s in sessions] == [
        datetime.date(2027, 2, 1),
        datetime.date(2027, 2, 15),
        datetime.date(2027, 3, 1),
    ]
    for session in sessions:
        assert session.duration_minutes == 90
        assert session.status == Status.SCHEDULED
        assert list(session.phases.order_by("position").values_list("title", flat=True)) == [
            "Check-in round",
            "Reflection",
            "Discussion",
            "Commitments",
            "Close",
        ]


def test_every_four_weeks_with_a_saved_agenda_gives_each_session_that_agenda(
    client, paris_cohort, facilitator
):
    template = factories.AgendaTemplateFactory(
        owner=facilitator,
        organization=paris_cohort.organization,
        phases=[
            {
                "kind": "checkin",
                "title": "Arrive",
                "prompt": "",
                "timebox_minutes": 5,
                "anonymous": False,
            }
        ],
    )
    client.force_login(facilitator)
    schedule(
        client,
        paris_cohort,
        starts_at="2027-01-11T09:00",
        repeat="4",
        count="5",
        agenda=str(template.pk),
    )
    sessions = series_of(paris_cohort)
    assert len(sessions) == 5
    assert (local(sessions[-1]).date() - local(sessions[0]).date()).days == 4 * 7 * 4
    assert {tuple(s.phases.values_list("title", flat=True)) for s in sessions} == {("Arrive",)}


def test_a_single_session_is_typed_in_the_cohort_s_zone_too(client, paris_cohort, facilitator):
    client.force_login(facilitator)
    response = schedule(client, paris_cohort, starts_at="2027-05-01T09:00")
    [session] = series_of(paris_cohort)
    assert response["Location"] == reverse("board:agenda", args=[session.pk])
    assert session.series is None
    assert session.title == "Leading through change"
    assert session.starts_at == datetime.datetime(2027, 5, 1, 7, 0, tzinfo=UTC)


def test_a_series_past_the_program_s_end_is_refused_whole_naming_the_last_date_that_fits(
    client, paris_cohort, facilitator
):
    client.force_login(facilitator)
    response = schedule(client, paris_cohort, starts_at="2027-06-02T09:00", repeat="1", count="6")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Session 5 of 6 would fall on 2027-06-30" not in text  # 30 June still fits
    assert "Session 6 of 6 would fall on 2027-07-07" in text
    assert "The last date that fits is 2027-06-30: plan 5 sessions" in text
    assert series_of(paris_cohort) == []


def test_a_series_whose_second_session_is_past_the_end_is_refused(
    client, paris_cohort, facilitator
):
    client.force_login(facilitator)
    response = schedule(client, paris_cohort, starts_at="2027-06-28T09:00", repeat="1", count="2")
    assert "Schedule a single session instead." in response.content.decode()
    assert series_of(paris_cohort) == []


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"repeat": "1"}, "count", "Say how many sessions the series has, from 2 to 26."),
        ({"repeat": "1", "count": "1"}, "count", "greater than or equal to 2"),
        ({"repeat": "1", "count": "27"}, "count", "less than or equal to 26"),
        ({"repeat": "3", "count": "4"}, "repeat", "Select a valid choice."),
    ],
)
def test_a_series_needs_a_known_rhythm_and_2_to_26_sessions(
    client, paris_cohort, facilitator, data, field, message
):
    client.force_login(facilitator)
    response = schedule(client, paris_cohort, starts_at="2027-02-01T09:00", **data)
    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    assert series_of(paris_cohort) == []


def test_a_series_is_one_transaction(paris_cohort, facilitator, monkeypatch):
    """A failure while creating the third session leaves no session at all."""
    from board.services import agenda

    created = []
    original = agenda._create_phases

    def failing(session, phases):
        created.append(session.pk)
        if len(created) == 3:
            raise RuntimeError("the database went away")
        original(session, phases)

    monkeypatch.setattr(agenda, "_create_phases", failing)
    with pytest.raises(RuntimeError):
        services.schedule_sessions(
            access=access_cohort(facilitator, paris_cohort.pk),
            title="Weekly",
            starts_at=datetime.datetime(2027, 2, 1, 9, tzinfo=PARIS),
            duration_minutes=60,
            every_weeks=1,
            count=5,
        )
    assert len(created) == 3
    assert not CohortSession.objects.filter(cohort=paris_cohort).exists()
    assert not Phase.objects.filter(session__cohort=paris_cohort).exists()


def test_a_long_title_leaves_room_for_the_series_numbering(paris_cohort, facilitator):
    with pytest.raises(DomainError) as refused:
        services.schedule_sessions(
            access=access_cohort(facilitator, paris_cohort.pk),
            title="x" * 190,
            starts_at=datetime.datetime(2027, 2, 1, 9, tzinfo=PARIS),
            duration_minutes=60,
            every_weeks=1,
            count=12,
        )
    assert "at most 182 characters" in refused.value.message
    assert not CohortSession.objects.filter(cohort=paris_cohort).exists()


@pytest.mark.parametrize("role", ["participant", "leader", "hr_admin", "outsider", "globex_user"])
def test_only_a_facilitator_schedules_a_series(client, paris_cohort, facilitator, request, role):
    client.force_login(request.getfixturevalue(role))
    response = schedule(client, paris_cohort, starts_at="2027-02-01T09:00", repeat="1", count="3")
    assert response.status_code == 404
    assert series_of(paris_cohort) == []


def test_the_form_says_which_zone_the_time_is_typed_in(client, paris_cohort, facilitator):
    client.force_login(facilitator)
    text = client.get(reverse("board:schedule", args=[paris_cohort.pk])).content.decode()
    assert "Starts at (time in Europe/Paris)" in text
    assert "09:00 means 09:00 in Europe/Paris" in text
    assert "Every 2 weeks" in text and "Number of sessions" in text


# Editing in the cohort's zone ---------------------------------------------------


def test_the_edit_form_shows_and_takes_the_time_in_the_cohort_s_zone(
    client, paris_cohort, facilitator
):
    facilitator.time_zone = "America/New_York"
    facilitator.save()
    [session] = services.schedule_sessions(
        access=access_cohort(facilitator, paris_cohort.pk),
        title="Kick-off",
        starts_at=datetime.datetime(2027, 2, 1, 9, tzinfo=PARIS),
        duration_minutes=60,
    )
    client.force_login(facilitator)
    url = reverse("board:edit", args=[session.pk])
    assert 'value="2027-02-01T09:00"' in client.get(url).content.decode()
    response = client.post(
        url, {"title": "Kick-off", "starts_at": "2027-04-05T09:30", "duration_minutes": 60}
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.starts_at == datetime.datetime(2027, 4, 5, 7, 30, tzinfo=UTC)


def test_a_wall_time_the_clock_change_skips_is_refused(client, paris_cohort, facilitator):
    client.force_login(facilitator)
    response = schedule(client, paris_cohort, starts_at="2027-03-28T02:30")
    assert response.status_code == 200
    assert "may not exist" in " ".join(response.context["form"].errors["starts_at"])
    assert series_of(paris_cohort) == []


def test_the_session_page_shows_the_time_where_the_cohort_meets(client, paris_cohort, facilitator):
    [session] = services.schedule_sessions(
        access=access_cohort(facilitator, paris_cohort.pk),
        title="Kick-off",
        starts_at=datetime.datetime(2027, 2, 1, 9, tzinfo=PARIS),
        duration_minutes=60,
    )
    client.force_login(facilitator)
    text = client.get(reverse("board:detail", args=[session.pk])).content.decode()
    assert "9 a.m. in Europe/Paris, where the cohort meets" in text
    assert reverse("board:event_ics", args=[session.pk]) in text


# The calendar revision --------------------------------------------------------------


def revision(session) -> tuple[int, datetime.datetime]:
    session.refresh_from_db()
    return session.sequence, session.updated_at


def update(session, facilitator, **changes):
    fields = {
        "title": session.title,
        "starts_at": session.starts_at,
        "duration_minutes": session.duration_minutes,
        **changes,
    }
    return services.update_session(access=access_session(facilitator, session.pk), **fields)


@pytest.mark.parametrize(
    "change",
    [
        {"title": "Renamed"},
        {"duration_minutes": 120},
        {"starts_at": timezone.now() + datetime.timedelta(days=2)},
    ],
    ids=["title", "duration", "time"],
)
def test_each_change_a_calendar_shows_raises_the_revision_by_one(cohort, facilitator, change):
    session = scheduled_session(cohort, facilitator)
    sequence, updated_at = revision(session)
    update(session, facilitator, **change)
    assert revision(session)[0] == sequence + 1
    assert revision(session)[1] > updated_at


def test_saving_the_same_details_keeps_the_revision(cohort, facilitator):
    session = scheduled_session(cohort, facilitator)
    before = revision(session)
    update(session, facilitator)
    assert revision(session) == before


def test_starting_ending_and_cancelling_raise_the_revision(cohort, facilitator):
    session = scheduled_session(cohort, facilitator)
    assert revision(session)[0] == 0
    start_live(session, facilitator)
    assert revision(session)[0] == 1
    end(session, facilitator)
    assert revision(session)[0] == 2
    other = scheduled_session(cohort, facilitator)
    services.cancel_session(access=access_session(facilitator, other.pk))
    assert revision(other)[0] == 1


# Cancelling ------------------------------------------------------------------------


def cancel(client, session, **data):
    return client.post(reverse("board:cancel", args=[session.pk]), data, follow=True)


def test_a_facilitator_cancels_a_scheduled_session(client, cohort, facilitator):
    session = scheduled_session(cohort, facilitator)
    client.force_login(facilitator)
    response = cancel(client, session)
    assert response.redirect_chain[-1][0] == reverse("board:detail", args=[session.pk])
    assert "Session cancelled." in response.content.decode()
    session.refresh_from_db()
    assert session.status == Status.CANCELLED
    assert session.sequence == 1


def test_a_second_click_says_it_is_already_cancelled_and_changes_nothing(
    client, cohort, facilitator
):
    session = scheduled_session(cohort, facilitator)
    client.force_login(facilitator)
    cancel(client, session)
    before = revision(session)
    response = cancel(client, session)
    assert "This session is already cancelled." in response.content.decode()
    assert revision(session) == before


@pytest.mark.parametrize("state", ["live", "ended"])
def test_a_session_that_has_started_cannot_be_cancelled(client, cohort, facilitator, state):
    session = live_session(cohort, facilitator)
    if state == "ended":
        session = end(session, facilitator)
    before = (session.status, *revision(session))
    client.force_login(facilitator)
    response = cancel(client, session)
    assert "A session that has started can no longer be cancelled." in response.content.decode()
    session.refresh_from_db()
    assert (session.status, *revision(session)) == before


def make_series(cohort, facilitator, count=4):
    return services.schedule_sessions(
        access=access_cohort(facilitator, cohort.pk),
        title="Weekly",
        starts_at=timezone.now() + datetime.timedelta(days=1),
        duration_minutes=60,
        every_weeks=1,
        count=count,
    )


def test_cancelling_this_and_the_following_leaves_earlier_sessions_and_other_series(
    client, cohort, facilitator
):
    first, second, third, fourth = make_series(cohort, facilitator)
    other_series = make_series(cohort, facilitator, count=2)
    single = scheduled_session(cohort, facilitator)
    client.force_login(facilitator)
    response = cancel(client, second, following="1")
    assert "3 sessions cancelled." in response.content.decode()
    statuses = {s.pk: s.status for s in CohortSession.objects.filter(cohort=cohort).order_by("pk")}
    assert [statuses[s.pk] for s in (first, second, third, fourth)] == [
        Status.SCHEDULED,
        Status.CANCELLED,
        Status.CANCELLED,
        Status.CANCELLED,
    ]
    assert {statuses[s.pk] for s in (*other_series, single)} == {Status.SCHEDULED}


def test_cancelling_one_session_of_a_series_leaves_the_rest(client, cohort, facilitator):
    first, second, third = make_series(cohort, facilitator, count=3)
    client.force_login(facilitator)
    cancel(client, second)
    assert list(
        CohortSession.objects.filter(series=first.series)
        .order_by("starts_at")
        .values_list("status", flat=True)
    ) == [Status.SCHEDULED, Status.CANCELLED, Status.SCHEDULED]


def test_the_session_page_offers_cancelling_the_following_only_within_a_series(
    client, cohort, facilitator
):
    first, last = make_series(cohort, facilitator, count=2)
    single = scheduled_session(cohort, facilitator)
    client.force_login(facilitator)
    following = "Cancel this and the following sessions of the series"
    assert following in client.get(reverse("board:detail", args=[first.pk])).content.decode()
    assert following not in client.get(reverse("board:detail", args=[last.pk])).content.decode()
    page = client.get(reverse("board:detail", args=[single.pk])).content.decode()
    assert "Cancel this session" in page and following not in page


@pytest.mark.parametrize("role", ["participant", "leader", "hr_admin", "outsider", "globex_user"])
def test_only_a_facilitator_may_cancel(client, cohort, facilitator, request, role):
    session = scheduled_session(cohort, facilitator)
    client.force_login(request.getfixturevalue(role))
    response = client.post(reverse("board:cancel", args=[session.pk]))
    assert response.status_code == 404
    session.refresh_from_db()
    assert (session.status, session.sequence) == (Status.SCHEDULED, 0)


def test_an_anonymous_visitor_is_sent_to_log_in_and_nothing_is_cancelled(
    client, cohort, facilitator
):
    session = scheduled_session(cohort, facilitator)
    response = client.post(reverse("board:cancel", args=[session.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]
    session.refresh_from_db()
    assert session.status == Status.SCHEDULED


def test_a_participant_sees_no_cancel_button(client, cohort, facilitator, participant):
    session = scheduled_session(cohort, facilitator)
    client.force_login(participant)
    page = client.get(reverse("board:detail", args=[session.pk])).content.decode()
    assert "Cancel this session" not in page
    assert reverse("board:event_ics", args=[session.pk]) in page


# A cancelled session is refused where a scheduled one would be used --------------------


@pytest.fixture
def cancelled(cohort, facilitator):
    session = scheduled_session(cohort, facilitator, title="Called off")
    services.cancel_session(access=access_session(facilitator, session.pk))
    session.refresh_from_db()
    return session


def test_a_cancelled_session_cannot_start(client, cancelled, facilitator):
    client.force_login(facilitator)
    response = client.post(reverse("board:start", args=[cancelled.pk]), follow=True)
    assert "This session was cancelled; it cannot start." in response.content.decode()
    before = revision(cancelled)
    cancelled.refresh_from_db()
    assert cancelled.status == Status.CANCELLED and cancelled.started_at is None
    assert revision(cancelled) == before


def test_a_cancelled_session_cannot_be_edited_nor_its_agenda(cancelled, facilitator):
    access = access_session(facilitator, cancelled.pk)
    with pytest.raises(DomainError):
        services.update_session(
            access=access,
            title="Back on",
            starts_at=cancelled.starts_at,
            duration_minutes=60,
        )
    with pytest.raises(DomainError):
        services.add_phase(access=access, kind="discussion", title="More")
    cancelled.refresh_from_db()
    assert cancelled.title == "Called off" and cancelled.phases.count() == 5


@pytest.mark.parametrize("name", ["board:edit", "board:agenda", "board:board"])
def test_the_pages_that_change_or_run_it_send_back_to_the_session_page(
    client, cancelled, facilitator, name
):
    client.force_login(facilitator)
    response = client.get(reverse(name, args=[cancelled.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("board:detail", args=[cancelled.pk])
    assert "cancelled" in response.content.decode()


def test_its_page_shows_it_struck_and_labelled_without_board_or_start(
    client, cancelled, facilitator
):
    client.force_login(facilitator)
    page = client.get(reverse("board:detail", args=[cancelled.pk])).content.decode()
    assert '<s>Called off</s> <span class="badge danger">Cancelled</span>' in page
    for absent in ("Open the board", "Start the session", "Edit details", "Cancel this session"):
        assert absent not in page


def test_lists_show_it_struck_with_a_label(client, cohort, cancelled, participant):
    client.force_login(participant)
    link = f'<s><a href="{reverse("board:detail", args=[cancelled.pk])}">Called off</a></s>'
    for url in (
        reverse("board:sessions", args=[cohort.pk]),
        reverse("cohorts:detail", args=[cohort.pk]),
    ):
        page = client.get(url).content.decode()
        assert link in page, url
        assert '<span class="badge danger">Cancelled</span>' in page, url


def test_a_cancelled_session_takes_no_posts(cancelled, participant):
    with pytest.raises(DomainError) as refused:
        services.post_reflection(
            access=access_session(participant, cancelled.pk),
            phase_id=cancelled.phases.first().pk,
            text="Anyone here?",
            client_id=uuid.uuid4(),
        )
    assert refused.value.message == "This session was cancelled."
    assert not cancelled.reflections.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_its_board_socket_is_refused(cohort, facilitator, participant):
    from channels.db import database_sync_to_async

    session = await database_sync_to_async(scheduled_session)(cohort, facilitator)
    await database_sync_to_async(services.cancel_session)(
        access=await database_sync_to_async(access_session)(facilitator, session.pk)
    )
    for user in (facilitator, participant):
        client = await BoardClient.open(user, session.pk)
        assert await client.close_code() == 4404


def test_the_session_page_shows_one_time_when_the_reader_is_where_the_cohort_meets(
    client, paris_cohort, facilitator
):
    facilitator.time_zone = "Europe/Paris"
    facilitator.save()
    [session] = services.schedule_sessions(
        access=access_cohort(facilitator, paris_cohort.pk),
        title="Kick-off",
        starts_at=datetime.datetime(2027, 2, 1, 9, tzinfo=PARIS),
        duration_minutes=60,
    )
    client.force_login(facilitator)
    with timezone.override("Europe/Paris"):
        text = client.get(reverse("board:detail", args=[session.pk])).content.decode()
    assert "9 a.m." in text
    assert "where the cohort meets" not in text
