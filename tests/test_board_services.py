"""board.services on their own: sessions, agendas, templates, the event log, summaries."""

import csv
import datetime
import io
import uuid

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from board import demo, services
from board.exports import summary_csv, summary_markdown
from board.models import (
    AgendaTemplate,
    Attendance,
    BoardEvent,
    CohortSession,
    Phase,
    Presence,
    Reaction,
    Reflection,
)
from board.rules import access_session
from board.stream import BOARD, EMOJIS, presence_payload
from cohorts.permissions import access_cohort
from lib.errors import DomainError
from realtime import streams
from realtime.models import Audience
from realtime.ratelimit import RateLimiter
from tests import factories
from tests.realtime.conftest import schedule_session, start_live

pytestmark = pytest.mark.django_db


def as_(user, session):
    return access_session(user, session.pk)


def refused(code, operation, **kwargs):
    with pytest.raises(DomainError) as error:
        operation(**kwargs)
    assert error.value.code == code
    return error.value


def snapshot_of_db():
    return (
        list(CohortSession.objects.values()),
        list(Phase.objects.values()),
        list(Reflection.objects.values()),
        BoardEvent.objects.count(),
        AgendaTemplate.objects.count(),
    )


def post(user, session, text="A thought", phase=None):
    return services.post_reflection(
        access=as_(user, session),
        phase_id=phase or CohortSession.objects.get(pk=session.pk).current_phase_id,
        text=text,
        client_id=uuid.uuid4(),
    ).reflection


@pytest.fixture
def live(cohort, facilitator, participant, other_participant):
    """A live session on its reflection phase."""
    return start_live(schedule_session(cohort, facilitator), facilitator)


# Scheduling ----------------------------------------------------------------------------


def test_new_session_gets_the_default_agenda(cohort, facilitator):
    session = schedule_session(cohort, facilitator)
    phases = list(
        session.phases.order_by("position").values_list(
            "position", "kind", "title", "prompt", "timebox_minutes", "anonymous"
        )
    )
    assert phases == [
        (
            1,
            "checkin",
            "Check-in round",
            "In one sentence: how are you arriving today?",
            10,
            False,
        ),
        (2, "reflection", "Reflection", "", 15, False),
        (3, "discussion", "Discussion", "", 25, False),
        (4, "commitments", "Commitments", "What will you do before we meet again?", 10, False),
        (5, "close", "Close", "", 5, False),
    ]
    assert session.status == "scheduled" and session.last_seq == 0
    assert session.created_by == facilitator


@pytest.mark.parametrize("days", [-61, 121])
def test_sessions_stay_inside_the_program_window(cohort, facilitator, days):
    before = snapshot_of_db()
    refused(
        "invalid",
        services.create_session,
        access=access_cohort(facilitator, cohort.pk),
        title="Outside",
        starts_at=timezone.now() + datetime.timedelta(days=days),
        duration_minutes=60,
    )
    assert snapshot_of_db() == before


def test_participants_cannot_schedule_sessions(cohort, participant):
    refused(
        "forbidden",
        services.create_session,
        access=access_cohort(participant, cohort.pk),
        title="Mine",
        starts_at=timezone.now(),
        duration_minutes=60,
    )
    assert not CohortSession.objects.exists()


@pytest.mark.parametrize(
    ("title", "starts_at", "duration", "code"),
    [
        ("", timezone.now(), 60, "empty"),
        ("x" * 201, timezone.now(), 60, "too_long"),
        ("Naive", datetime.datetime(2030, 1, 1, 10), 60, "invalid"),
        ("Zero", timezone.now(), 0, "invalid"),
    ],
)
def test_session_fields_are_checked(cohort, facilitator, title, starts_at, duration, code):
    refused(
        code,
        services.create_session,
        access=access_cohort(facilitator, cohort.pk),
        title=title,
        starts_at=starts_at,
        duration_minutes=duration,
    )
    assert not CohortSession.objects.exists()


def test_update_session_broadcasts_the_change(cohort, facilitator):
    session = schedule_session(cohort, facilitator)
    services.update_session(
        access=as_(facilitator, session),
        title="Renamed",
        starts_at=session.starts_at,
        duration_minutes=120,
    )
    event = BoardEvent.objects.get(session=session)
    assert event.type == "session.changed"
    assert event.payload["session"]["title"] == "Renamed"
    assert event.payload["session"]["duration_minutes"] == 120


def test_sessions_are_listed_for_people_in_the_room(cohort, facilitator, participant, hr_admin):
    session = schedule_session(cohort, facilitator)
    assert list(services.sessions_for_cohort(access_cohort(participant, cohort.pk))) == [session]
    assert not services.sessions_for_cohort(access_cohort(hr_admin, cohort.pk)).exists()


# Agenda --------------------------------------------------------------------------------


def agenda(session):
    return list(session.phases.order_by("position").values_list("title", flat=True))


def test_add_update_move_and_remove_phases(cohort, facilitator):
    session = schedule_session(cohort, facilitator)
    access = as_(facilitator, session)
    phase = services.add_phase(
        access=access, kind="reflection", title="Extra", prompt="Why?", timebox_minutes=7
    )
    assert agenda(session)[-1] == "Extra" and phase.position == 6
    services.update_phase(
        access=access,
        phase_id=phase.pk,
        kind="discussion",
        title="Extra talk",
        prompt="",
        timebox_minutes=8,
        anonymous=True,
    )
    services.move_phase(access=access, phase_id=phase.pk, offset=-1)
    assert agenda(session)[-2:] == ["Extra talk", "Close"]
    services.remove_phase(access=access, phase_id=phase.pk)
    assert agenda(session) == [
        "Check-in round",
        "Reflection",
        "Discussion",
        "Commitments",
        "Close",
    ]
    assert list(session.phases.order_by("position").values_list("position", flat=True)) == [
        1,
        2,
        3,
        4,
        5,
    ]
    events = list(BoardEvent.objects.filter(session=session).values_list("seq", "type"))
    assert events == [(n, "agenda.changed") for n in range(1, 5)]


def test_moving_the_first_phase_up_changes_nothing(cohort, facilitator):
    session = schedule_session(cohort, facilitator)
    first = session.phases.get(position=1)
    services.move_phase(access=as_(facilitator, session), phase_id=first.pk, offset=-1)
    assert agenda(session)[0] == "Check-in round"
    assert not BoardEvent.objects.exists()


def test_reorder_needs_every_phase_once(cohort, facilitator):
    session = schedule_session(cohort, facilitator)
    ids = list(session.phases.order_by("position").values_list("pk", flat=True))
    before = snapshot_of_db()
    for wrong in (ids[:-1], ids + [ids[0]], [*ids[:-1], 999999], ["a"]):
        refused(
            "invalid", services.reorder_phases, access=as_(facilitator, session), phase_ids=wrong
        )
    assert snapshot_of_db() == before
    services.reorder_phases(access=as_(facilitator, session), phase_ids=list(reversed(ids)))
    assert agenda(session)[0] == "Close"


def test_the_current_phase_and_phases_with_reflections_stay(live, facilitator, participant):
    post(participant, live)
    checkin = live.phases.get(kind="checkin")
    services.goto_phase(access=as_(facilitator, live), phase_id=checkin.pk)
    reflection = live.phases.get(kind="reflection")
    before = snapshot_of_db()
    refused("invalid", services.remove_phase, access=as_(facilitator, live), phase_id=checkin.pk)
    refused(
        "invalid", services.remove_phase, access=as_(facilitator, live), phase_id=reflection.pk
    )
    assert snapshot_of_db() == before


def test_participants_cannot_edit_the_agenda(live, participant):
    before = snapshot_of_db()
    refused(
        "forbidden",
        services.add_phase,
        access=as_(participant, live),
        kind="close",
        title="Bye",
    )
    assert snapshot_of_db() == before


def test_agenda_of_an_ended_session_is_frozen(live, facilitator):
    services.end_session(access=as_(facilitator, live))
    before = snapshot_of_db()
    refused(
        "not_live", services.add_phase, access=as_(facilitator, live), kind="close", title="Late"
    )
    assert snapshot_of_db() == before


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "party", "title": "Fun", "timebox_minutes": 5},
        {"kind": "close", "title": " ", "timebox_minutes": 5},
        {"kind": "close", "title": "Long", "timebox_minutes": 241},
        {"kind": "close", "title": "Prompt", "prompt": "p" * 1001, "timebox_minutes": 5},
    ],
)
def test_phase_fields_are_checked(cohort, facilitator, fields):
    session = schedule_session(cohort, facilitator)
    before = snapshot_of_db()
    with pytest.raises(DomainError):
        services.add_phase(access=as_(facilitator, session), **fields)
    assert snapshot_of_db() == before


def test_turning_anonymity_off_never_reveals_earlier_authors(live, facilitator, participant):
    phase = live.phases.get(kind="reflection")
    fields = {"kind": "reflection", "title": "Unsaid", "prompt": "", "timebox_minutes": 5}
    services.update_phase(
        access=as_(facilitator, live), phase_id=phase.pk, anonymous=True, **fields
    )
    secret = post(participant, live, "Secret")
    services.update_phase(
        access=as_(facilitator, live), phase_id=phase.pk, anonymous=False, **fields
    )
    snapshot = services.board_snapshot(as_(facilitator, live))
    (shown,) = [r for r in snapshot["reflections"] if r["id"] == secret.pk]
    assert shown["author"] is None


# Templates -----------------------------------------------------------------------------


def test_save_and_apply_an_agenda_template(cohort, facilitator):
    first = schedule_session(cohort, facilitator, title="First")
    services.add_phase(
        access=as_(facilitator, first), kind="reflection", title="Energy", timebox_minutes=3
    )
    template = services.save_agenda_template(access=as_(facilitator, first), name="My agenda")
    assert template.organization == cohort.organization and template.owner == facilitator
    assert [p["title"] for p in template.phases][-1] == "Energy"
    assert set(template.phases[0]) == {"kind", "title", "prompt", "timebox_minutes", "anonymous"}

    second = schedule_session(cohort, facilitator, title="Second")
    services.apply_agenda_template(access=as_(facilitator, second), template_id=template.pk)
    assert agenda(second) == agenda(first)
    assert BoardEvent.objects.filter(session=second, type="agenda.changed").count() == 1

    third = services.create_session(
        access=access_cohort(facilitator, cohort.pk),
        title="Third",
        starts_at=timezone.now(),
        duration_minutes=60,
        template_id=template.pk,
    )
    assert agenda(third) == agenda(first)


def test_templates_are_the_owners_and_stay_in_their_organization(
    cohort, facilitator, globex_user, acme
):
    session = schedule_session(cohort, facilitator)
    other_coach = factories.UserFactory(email="coach2@acme.test")
    factories.MembershipFactory(cohort=cohort, user=other_coach, role="facilitator")
    theirs = AgendaTemplate.objects.create(
        owner=other_coach, organization=acme, name="Theirs", phases=services.default_agenda()
    )
    globex = globex_user.organization_memberships.get().organization
    mine_elsewhere = AgendaTemplate.objects.create(
        owner=facilitator, organization=globex, name="Elsewhere", phases=services.default_agenda()
    )
    before = snapshot_of_db()
    for template in (theirs, mine_elsewhere):
        refused(
            "not_found",
            services.apply_agenda_template,
            access=as_(facilitator, session),
            template_id=template.pk,
        )
    assert snapshot_of_db() == before
    assert list(services.agenda_templates_for(user=facilitator, organization_id=acme.pk)) == []


def test_a_template_replaces_the_agenda_only_before_the_start(live, facilitator):
    template = services.save_agenda_template(access=as_(facilitator, live), name="Again")
    before = snapshot_of_db()
    refused(
        "invalid",
        services.apply_agenda_template,
        access=as_(facilitator, live),
        template_id=template.pk,
    )
    assert snapshot_of_db() == before


# Start, end, seq -----------------------------------------------------------------------


def test_start_opens_the_first_phase_and_records_who_is_there(cohort, facilitator, participant):
    session = schedule_session(cohort, facilitator)
    services.join_board(access=as_(participant, session), channel_name="chan-1")
    assert not Attendance.objects.exists()
    services.start_session(access=as_(facilitator, session))
    session.refresh_from_db()
    assert session.status == "live" and session.started_at is not None
    assert session.current_phase.position == 1
    assert list(Attendance.objects.values_list("membership__user", flat=True)) == [participant.pk]
    assert BoardEvent.objects.get(session=session).type == "session.started"
    refused("invalid", services.start_session, access=as_(facilitator, session))


def test_participants_cannot_start_or_end(cohort, facilitator, participant):
    session = schedule_session(cohort, facilitator)
    refused("forbidden", services.start_session, access=as_(participant, session))
    services.start_session(access=as_(facilitator, session))
    refused("forbidden", services.end_session, access=as_(participant, session))


def test_an_empty_agenda_cannot_start(cohort, facilitator):
    session = schedule_session(cohort, facilitator)
    session.phases.all().delete()
    refused("invalid", services.start_session, access=as_(facilitator, session))


def test_seq_is_gapless_and_kept_in_the_database(live, facilitator, participant):
    for text in ("a", "b"):
        post(participant, live, text)
    services.start_timer(access=as_(facilitator, live), seconds=60)
    seqs = list(BoardEvent.objects.filter(session=live).values_list("seq", flat=True))
    assert seqs == [1, 2, 3, 4, 5]
    assert CohortSession.objects.get(pk=live.pk).last_seq == 5


def test_a_rolled_back_change_uses_no_number(live, participant):
    with pytest.raises(RuntimeError), transaction.atomic():
        post(participant, live, "Never committed")
        raise RuntimeError
    assert CohortSession.objects.get(pk=live.pk).last_seq == 2
    assert not Reflection.objects.exists()
    post(participant, live, "Committed")
    assert BoardEvent.objects.order_by("-seq").first().seq == 3


@pytest.mark.django_db(transaction=True)
def test_events_need_the_writing_transaction(live):
    with pytest.raises(RuntimeError):
        streams.append_event(BOARD, live.pk, "timer.changed", {})


def test_refusals_store_no_event(live, participant):
    before = snapshot_of_db()
    refused("too_long", post, user=participant, session=live, text="x" * 1001)
    refused("forbidden", services.set_posting_locked, access=as_(participant, live), locked=True)
    assert snapshot_of_db() == before


def test_group_messages_hold_back_narrow_events(live, participant):
    """A commitment travels as its number only; its text is read from the log."""
    commitments = live.phases.get(kind="commitments")
    live.current_phase = commitments
    live.save(update_fields=["current_phase"])
    services.add_commitment(access=as_(participant, live), text="Private", client_id=uuid.uuid4())
    event = BoardEvent.objects.get(type="commitment.added")
    message = streams._group_message(event)
    assert message["payload"] is None
    assert message["user_ids"] == [participant.pk]


# Presence ------------------------------------------------------------------------------


def test_stale_presence_stops_counting(live, participant, settings):
    services.join_board(access=as_(participant, live), channel_name="chan-old")
    assert [p["user"] for p in presence_payload(live.pk)] == [participant.pk]
    Presence.objects.update(seen_at=timezone.now() - datetime.timedelta(seconds=91))
    assert presence_payload(live.pk) == []
    services.touch_presence(channel_names=["chan-old"])
    assert [p["user"] for p in presence_payload(live.pk)] == [participant.pk]
    services.leave_board(channel_name="chan-old")
    assert presence_payload(live.pk) == []


def test_the_heartbeat_keeps_attendance_current_on_live_sessions_only(
    live, facilitator, participant, other_participant
):
    services.join_board(access=as_(participant, live), channel_name="chan-pat")
    services.join_board(access=as_(other_participant, live), channel_name="chan-robin")
    long_ago = timezone.now() - datetime.timedelta(hours=1)
    Attendance.objects.update(last_seen_at=long_ago)
    Presence.objects.update(seen_at=long_ago)
    services.touch_presence(channel_names=["chan-pat", "chan-unknown"])
    seen = dict(Attendance.objects.values_list("membership__user", "last_seen_at"))
    assert seen[participant.pk] > long_ago
    assert seen[other_participant.pk] == long_ago  # not in this heartbeat
    touched = dict(Presence.objects.values_list("channel_name", "seen_at"))
    assert touched["chan-pat"] > long_ago
    assert touched["chan-robin"] == long_ago
    services.end_session(access=as_(facilitator, live))
    Attendance.objects.update(last_seen_at=long_ago)
    services.touch_presence(channel_names=["chan-pat"])
    assert Attendance.objects.get(membership__user=participant).last_seen_at == long_ago
    services.touch_presence(channel_names=[])  # a process with no sockets


def test_presence_lists_facilitators_first(live, facilitator, participant, other_participant):
    for number, user in enumerate((other_participant, participant, facilitator)):
        services.join_board(access=as_(user, live), channel_name=f"chan-{number}")
    assert [p["name"] for p in presence_payload(live.pk)] == [
        "Casey Coach",
        "Pat One",
        "Robin Two",
    ]


# Summary and exports -------------------------------------------------------------------


@pytest.fixture
def ended(live, facilitator, participant, other_participant):
    """An ended session: two named posts (one spotlighted, one hidden), an
    anonymous one, a reaction, commitments of both participants, attendance."""
    for channel, user in enumerate((facilitator, participant, other_participant)):
        services.join_board(access=as_(user, live), channel_name=f"c{channel}")
    spotlit = post(participant, live, "=SUM(A1) is how I count wins")
    hidden = post(other_participant, live, "Off topic")
    services.add_reaction(
        access=as_(other_participant, live), reflection_id=spotlit.pk, emoji="clap"
    )
    coach = as_(facilitator, live)
    services.set_spotlight(access=coach, reflection_id=spotlit.pk)
    services.hide_reflection(access=as_(facilitator, live), reflection_id=hidden.pk, hidden=True)
    discussion = live.phases.get(kind="discussion")
    services.update_phase(
        access=as_(facilitator, live),
        phase_id=discussion.pk,
        kind="discussion",
        title="Discussion",
        prompt="",
        timebox_minutes=25,
        anonymous=True,
    )
    services.goto_phase(access=as_(facilitator, live), phase_id=discussion.pk)
    post(other_participant, live, "Quiet truth")
    services.goto_phase(
        access=as_(facilitator, live), phase_id=live.phases.get(kind="commitments").pk
    )
    for user in (participant, other_participant):
        services.add_commitment(
            access=as_(user, live), text=f"Do it, {user.display_name}", client_id=uuid.uuid4()
        )
    services.end_session(access=as_(facilitator, live))
    return live


def test_summary_for_the_facilitator(ended, facilitator):
    summary = services.session_summary(access=as_(facilitator, ended))
    by_kind = {p["kind"]: p for p in summary["phases"]}
    texts = [r["text"] for r in by_kind["reflection"]["reflections"]]
    assert texts == ["=SUM(A1) is how I count wins", "Off topic"]
    assert by_kind["reflection"]["reflections"][1]["hidden"] is True
    (quiet,) = by_kind["discussion"]["reflections"]
    assert quiet["author"] is None
    assert [s["text"] for s in summary["spotlighted"]] == ["=SUM(A1) is how I count wins"]
    assert summary["spotlighted"][0]["reactions"]["clap"] == 1
    assert len(summary["commitments"]) == 2
    assert {a["name"] for a in summary["attendance"]} == {"Casey Coach", "Pat One", "Robin Two"}
    assert summary["attendance_is_everyones"] is True


def test_summary_for_a_participant(ended, participant):
    summary = services.session_summary(access=as_(participant, ended))
    texts = [r["text"] for p in summary["phases"] for r in p["reflections"]]
    assert "Off topic" not in texts
    assert [c["text"] for c in summary["commitments"]] == ["Do it, Pat One"]
    assert [a["name"] for a in summary["attendance"]] == ["Pat One"]
    assert summary["member_count"] is None


def test_markdown_export(ended, facilitator):
    text = summary_markdown(services.session_summary(access=as_(facilitator, ended)))
    assert text.startswith("# Session 3: Leading through ambiguity\n")
    assert "> Quiet truth\n\n— anonymous" in text
    assert "— Pat One; clap 1; spotlighted" in text
    assert "- Robin Two: Do it, Robin Two" in text
    assert "Robin Two (Participant)" in text


def test_csv_export_keeps_text_as_text(ended, facilitator):
    rows = list(
        csv.DictReader(
            io.StringIO(summary_csv(services.session_summary(access=as_(facilitator, ended))))
        )
    )
    reflections = [r for r in rows if r["record"] == "reflection"]
    assert reflections[0]["text"] == "'=SUM(A1) is how I count wins"
    assert reflections[0]["clap"] == "1" and reflections[0]["spotlighted"] == "yes"
    quiet = next(r for r in reflections if r["text"] == "Quiet truth")
    assert quiet["author"] == ""
    assert [r["record"] for r in rows].count("commitment") == 2
    assert [r["record"] for r in rows].count("attendance") == 3


# Demo and rate limit -------------------------------------------------------------------


@pytest.mark.slow  # seeds the whole demo
def test_seed_demo_makes_the_board_demo_once():
    call_command("seed_demo", password="demo-pass-1", stdout=io.StringIO())
    call_command("seed_demo", password="demo-pass-1", stdout=io.StringIO())
    live = CohortSession.objects.get(title=demo.LIVE_TITLE)
    assert live.status == "live" and live.current_phase.kind == "reflection"
    assert live.cohort.organization.slug == "acme"
    assert live.reflections.count() == len(demo.CHECKINS) + len(demo.REFLECTIONS)
    assert CohortSession.objects.get(title=demo.SCHEDULED_TITLE).status == "scheduled"
    ended = CohortSession.objects.filter(status="ended")
    assert sorted(ended.values_list("title", flat=True)) == sorted(t for t, *_ in demo.ENDED)
    assert all(session.attendances.count() >= 8 for session in ended)
    assert CohortSession.objects.count() == 2 + len(demo.ENDED)


def test_rate_limiter_refills():
    limiter = RateLimiter()
    assert all(limiter.allow("u", now=0.0) for _ in range(40))
    assert not limiter.allow("u", now=0.0)
    assert limiter.allow("u", now=0.5)  # 2 a second
    assert limiter.allow("other", now=0.0)


# Posts in bulk (the websocket writer's batches) ------------------------------------------


def request(user, session, text="A thought", client_id=None, phase=None):
    return services.PostRequest(
        access=as_(user, session),
        phase_id=phase or CohortSession.objects.get(pk=session.pk).current_phase_id,
        text=text,
        client_id=client_id or str(uuid.uuid4()),
    )


def test_posts_in_one_call_are_judged_one_by_one(live, participant, other_participant):
    later = live.phases.get(position=3).pk
    twice = str(uuid.uuid4())
    outcomes = services.post_reflections(
        [
            request(participant, live, "First"),
            request(participant, live, "   "),
            request(other_participant, live, "Clicked twice", client_id=twice),
            request(other_participant, live, "Clicked twice", client_id=twice),
            request(participant, live, "Too early", phase=later),
            request(participant, live, "Bad id", client_id="not-a-uuid"),
            request(participant, live, "No such phase", phase=999_999),
        ]
    )
    assert [getattr(o, "code", "stored") for o in outcomes] == [
        "stored",
        "empty",
        "stored",
        "stored",
        "invalid",
        "invalid",
        "not_found",
    ]
    # The second click gets the first's reflection, stored once.
    assert outcomes[2].reflection is outcomes[3].reflection
    assert [outcomes[2].created, outcomes[3].created] == [True, False]
    assert sorted(Reflection.objects.values_list("text", flat=True)) == ["Clicked twice", "First"]
    events = list(BoardEvent.objects.filter(type="reflection.posted").order_by("seq"))
    assert [e.payload["reflection"]["text"] for e in events] == ["First", "Clicked twice"]
    assert events[1].seq == events[0].seq + 1


def test_a_post_says_whether_it_stored_and_a_new_one_is_acked_without_a_query(
    live, participant, other_participant, django_assert_num_queries
):
    client_id = str(uuid.uuid4())
    pat = as_(participant, live)
    posted = services.post_reflection(
        access=pat, phase_id=live.current_phase_id, text="Once", client_id=client_id
    )
    assert posted.created is True
    with django_assert_num_queries(0):
        ack = services.posted_for(pat, posted)
    assert ack["id"] == posted.reflection.pk and ack["mine"] is True
    assert ack["my_reactions"] == [] and set(ack["reactions"].values()) == {0}
    services.add_reaction(
        access=as_(other_participant, live), reflection_id=posted.reflection.pk, emoji="heart"
    )
    again = services.post_reflection(
        access=as_(participant, live),
        phase_id=live.current_phase_id,
        text="Once",
        client_id=client_id,
    )
    assert again.created is False and again.reflection.pk == posted.reflection.pk
    assert services.posted_for(pat, again)["reactions"]["heart"] == 1
    assert Reflection.objects.count() == 1


def test_posts_in_one_call_all_refused_store_nothing(live, participant):
    [outcome] = services.post_reflections([request(participant, live, client_id="nope")])
    assert outcome.code == "invalid"
    assert not Reflection.objects.exists()


def test_a_post_in_bulk_resent_later_is_not_stored_again(live, participant):
    client_id = str(uuid.uuid4())
    [first] = services.post_reflections([request(participant, live, "Once", client_id)])
    [again] = services.post_reflections([request(participant, live, "Once", client_id)])
    assert again.reflection.pk == first.reflection.pk
    assert [first.created, again.created] == [True, False]
    assert Reflection.objects.count() == 1


def test_posts_in_bulk_to_two_sessions_each_get_their_own_seq(
    live, cohort, facilitator, participant
):
    other = start_live(schedule_session(cohort, facilitator, title="Another"), facilitator)
    before = {s.pk: s.last_seq for s in CohortSession.objects.all()}
    services.post_reflections(
        [request(participant, live, "Here"), request(participant, other, "There")]
    )
    after = {s.pk: s.last_seq for s in CohortSession.objects.all()}
    assert after[live.pk] == before[live.pk] + 1 and after[other.pk] == before[other.pk] + 1


# Reactions -----------------------------------------------------------------------------


def react(user, session, reflection, emoji, *, add=True):
    operation = services.add_reaction if add else services.remove_reaction
    return operation(access=as_(user, session), reflection_id=reflection.pk, emoji=emoji)


def reaction_events(session):
    return list(
        BoardEvent.objects.filter(session=session, type="reaction.changed").values_list(
            "payload", "audience"
        )
    )


def test_reactions_count_members_once_per_emoji_and_tell_each_their_own(
    live, facilitator, participant, other_participant
):
    reflection = post(participant, live)
    react(other_participant, live, reflection, "heart")
    react(other_participant, live, reflection, "clap")
    react(facilitator, live, reflection, "heart")

    again = react(other_participant, live, reflection, "heart")
    assert again.counts == {**dict.fromkeys(EMOJIS, 0), "heart": 2, "clap": 1}
    assert again.mine == ["clap", "heart"]
    assert react(participant, live, reflection, "clap", add=False).mine == []
    taken_back = react(other_participant, live, reflection, "heart", add=False)
    assert (taken_back.counts["heart"], taken_back.mine) == (1, ["clap"])
    # A second click and taking back what one never gave change nothing.
    assert [payload["reactions"]["heart"] for payload, _ in reaction_events(live)] == [1, 1, 2, 1]
    assert Reaction.objects.filter(reflection=reflection).count() == 2


def test_a_reaction_to_a_deleted_reflection_or_one_of_another_board_is_not_found(
    live, cohort, facilitator, participant, other_participant
):
    deleted = post(participant, live)
    services.delete_reflection(access=as_(participant, live), reflection_id=deleted.pk)
    elsewhere = start_live(schedule_session(cohort, facilitator), facilitator)
    foreign = post(participant, elsewhere)
    for reflection in (deleted, foreign):
        refused(
            "not_found",
            services.add_reaction,
            access=as_(other_participant, live),
            reflection_id=reflection.pk,
            emoji="heart",
        )
    assert not Reaction.objects.exists() and reaction_events(live) == []


def test_a_hidden_reflection_takes_reactions_from_facilitators_only_and_tells_only_them(
    live, facilitator, participant
):
    reflection = post(participant, live)
    services.hide_reflection(
        access=as_(facilitator, live), reflection_id=reflection.pk, hidden=True
    )
    # Its author too: a hidden reflection vanishes for every participant.
    refused(
        "not_found",
        services.add_reaction,
        access=as_(participant, live),
        reflection_id=reflection.pk,
        emoji="heart",
    )
    assert react(facilitator, live, reflection, "bulb").counts["bulb"] == 1
    [(payload, audience)] = reaction_events(live)
    assert payload == {
        "reflection": reflection.pk,
        "reactions": {**dict.fromkeys(EMOJIS, 0), "bulb": 1},
    }
    assert audience == Audience.FACILITATORS
