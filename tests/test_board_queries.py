"""board.queries: each plain statement reads (or writes) exactly what the ORM
query it replaces does, on the same data."""

import datetime
import uuid

import pytest
from django.db import transaction
from django.db.models import Count, Exists, OuterRef
from django.utils import timezone

from board import queries
from board.models import Attendance, CohortSession, Presence, Reaction, Reflection
from cohorts.models import Membership
from tests import factories
from tests.board_helpers import live_session, scheduled_session

pytestmark = pytest.mark.django_db


def member(session, user):
    return session.cohort.memberships.get(user=user)


def reflection(session, author, text="A thought", *, phase=None, **fields):
    return Reflection.objects.create(
        session=session,
        phase=phase or session.current_phase,
        author=author,
        text=text,
        client_id=uuid.uuid4(),
        **fields,
    )


@pytest.fixture
def live(cohort, facilitator, participant):
    return live_session(cohort, facilitator)


@pytest.fixture
def other_live(cohort, facilitator, participant):
    """A second live session, on its anonymous first phase, with posting paused."""
    session = live_session(cohort, facilitator, phase_position=1, title="Another")
    session.current_phase.anonymous = True
    session.current_phase.save(update_fields=["anonymous"])
    CohortSession.objects.filter(pk=session.pk).update(posting_locked=True)
    return CohortSession.objects.get(pk=session.pk)


def test_memberships_of_reads_what_the_orm_reads(
    acme, cohort, facilitator, participant, other_participant, outsider
):
    other_cohort = factories.CohortFactory(organization=acme, name="Another cohort")
    factories.MembershipFactory(
        cohort=other_cohort, user=facilitator, role=Membership.Role.PARTICIPANT
    )
    users = {facilitator.pk, participant.pk, other_participant.pk, outsider.pk}
    cohorts = {cohort.pk, other_cohort.pk}
    expected = {
        (m.user_id, m.cohort_id): (m.pk, m.role)
        for m in Membership.objects.filter(user_id__in=users, cohort_id__in=cohorts)
    }
    assert queries.memberships_of(users, cohorts) == expected
    assert expected[(facilitator.pk, other_cohort.pk)][1] == Membership.Role.PARTICIPANT
    assert expected[(facilitator.pk, cohort.pk)][1] == Membership.Role.FACILITATOR
    assert not any(user == outsider.pk for user, _cohort in expected)
    assert queries.memberships_of(set(), cohorts) == {}


def test_locked_boards_reads_what_the_orm_reads(live, other_live, cohort, facilitator):
    scheduled = scheduled_session(cohort, facilitator, title="Not started")
    ids = {live.pk, other_live.pk, scheduled.pk, 999_999}
    with transaction.atomic():
        boards = queries.locked_boards(ids)
    expected = {
        s.pk: (
            s.status,
            s.posting_locked,
            s.current_phase_id,
            s.current_phase.position if s.current_phase else None,
            s.current_phase.anonymous if s.current_phase else None,
        )
        for s in CohortSession.objects.filter(pk__in=ids).select_related("current_phase")
    }
    assert {
        pk: (
            b.status,
            b.posting_locked,
            b.current_phase_id,
            b.current_phase.position if b.current_phase else None,
            b.current_phase.anonymous if b.current_phase else None,
        )
        for pk, b in boards.items()
    } == expected
    assert list(boards) == sorted(expected)  # locked in id order
    assert expected[other_live.pk][1:] == (True, other_live.current_phase_id, 1, True)
    assert expected[scheduled.pk][2] is None


def test_locked_boards_of_nothing_is_empty():
    assert queries.locked_boards(set()) == {}


def test_reflections_posted_as_finds_what_the_orm_finds(
    live, other_live, participant, other_participant
):
    pat, robin = member(live, participant), member(live, other_participant)
    kept = reflection(live, pat)
    deleted = reflection(live, pat, deleted_at=timezone.now())
    elsewhere = reflection(other_live, pat)
    robins = reflection(live, robin)
    same_id_as_robins = Reflection.objects.create(
        session=live,
        phase=live.current_phase,
        author=pat,
        text="Robin's client id, another author",
        client_id=robins.client_id,
    )
    reflection(live, pat, "Not asked for")
    client_ids = {
        kept.client_id,
        deleted.client_id,
        elsewhere.client_id,
        robins.client_id,
        uuid.uuid4(),
    }
    for authors in ({pat.pk}, {pat.pk, robin.pk}, {robin.pk}):
        expected = Reflection.objects.filter(
            author_id__in=authors, client_id__in=client_ids
        ).values_list("pk", flat=True)
        found = queries.reflections_posted_as(authors, client_ids)
        assert sorted(found) == sorted(expected)
        assert len(found) == len(set(found))
    assert set(queries.reflections_posted_as({pat.pk}, client_ids)) == {
        kept.pk,
        deleted.pk,
        elsewhere.pk,
        same_id_as_robins.pk,
    }


def test_reflections_posted_as_nothing_is_empty(live, participant):
    assert queries.reflections_posted_as(set(), {uuid.uuid4()}) == []
    assert queries.reflections_posted_as({member(live, participant).pk}, set()) == []


def test_reflection_on_board_reads_what_the_orm_reads(
    live, other_live, participant, other_participant
):
    pat = member(live, participant)
    shown = reflection(live, pat)
    hidden = reflection(live, member(live, other_participant), hidden=True)
    deleted = reflection(live, pat, deleted_at=timezone.now())
    elsewhere = reflection(other_live, pat)
    for reflection_id in (shown.pk, hidden.pk, deleted.pk, elsewhere.pk, 999_999):
        orm = (
            Reflection.objects.filter(pk=reflection_id, session=live, deleted_at__isnull=True)
            .only("pk", "session_id", "author_id", "hidden")
            .first()
        )
        found = queries.reflection_on_board(live.pk, reflection_id)
        if orm is None:
            assert found is None
        else:
            read = ("pk", "session_id", "author_id", "hidden", "deleted_at")
            assert [getattr(found, f) for f in read] == [getattr(orm, f) for f in read]
    assert queries.reflection_on_board(live.pk, hidden.pk).hidden is True
    assert queries.reflection_on_board(live.pk, deleted.pk) is None


def test_reactions_to_counts_what_the_orm_counts(
    live, facilitator, participant, other_participant
):
    pat, robin, coach = (member(live, u) for u in (participant, other_participant, facilitator))
    liked, quiet = reflection(live, pat), reflection(live, robin)
    other = reflection(live, robin, "Other")
    for who, emoji in [
        (pat, "heart"),
        (pat, "clap"),
        (robin, "heart"),
        (coach, "heart"),
        (coach, "bulb"),
    ]:
        Reaction.objects.create(reflection=liked, member=who, emoji=emoji)
    Reaction.objects.create(reflection=other, member=pat, emoji="smile")
    for target in (liked, quiet):
        for who in (pat, robin, coach):
            counts, mine = queries.reactions_to(target.pk, who.pk)
            rows = (
                Reaction.objects.filter(reflection=target)
                .values("emoji")
                .annotate(n=Count("pk"))
                .values_list("emoji", "n")
            )
            assert counts == dict(rows)
            assert mine == sorted(
                Reaction.objects.filter(reflection=target, member=who).values_list(
                    "emoji", flat=True
                )
            )
    assert queries.reactions_to(liked.pk, pat.pk) == (
        {"heart": 3, "clap": 1, "bulb": 1},
        ["clap", "heart"],
    )
    assert queries.reactions_to(quiet.pk, pat.pk) == ({}, [])


def test_touch_presence_writes_what_the_orm_would(
    live, other_live, cohort, facilitator, participant, other_participant
):
    """Presence rows of the channels named, and the attendance of their members
    on live sessions only, exactly the rows the ORM's two updates touch."""
    scheduled = scheduled_session(cohort, facilitator, title="Not started")
    then = timezone.now() - datetime.timedelta(minutes=10)
    pat, robin = member(live, participant), member(live, other_participant)
    channels = {
        "pat-live": (live, pat),
        "robin-live": (live, robin),
        "pat-other": (other_live, pat),
        "pat-scheduled": (scheduled, pat),
    }
    for name, (session, who) in channels.items():
        Presence.objects.create(channel_name=name, session=session, membership=who, seen_at=then)
    for session in (live, other_live, scheduled):
        for who in (pat, robin):
            Attendance.objects.create(
                session=session, membership=who, first_joined_at=then, last_seen_at=then
            )
    named = ["pat-live", "pat-other", "pat-scheduled", "gone"]
    present = Presence.objects.filter(
        channel_name__in=named,
        session_id=OuterRef("session_id"),
        membership_id=OuterRef("membership_id"),
    )
    touched_presence = set(
        Presence.objects.filter(channel_name__in=named).values_list("pk", flat=True)
    )
    touched_attendance = set(
        Attendance.objects.filter(
            Exists(present), session__status=CohortSession.Status.LIVE
        ).values_list("pk", flat=True)
    )
    now = timezone.now()
    queries.touch_presence(named, now)
    assert {p.pk for p in Presence.objects.filter(seen_at=now)} == touched_presence
    assert {a.pk for a in Attendance.objects.filter(last_seen_at=now)} == touched_attendance
    assert Presence.objects.exclude(pk__in=touched_presence).filter(seen_at=then).count() == 1
    assert (
        Attendance.objects.exclude(pk__in=touched_attendance).filter(last_seen_at=then).count()
        == 4
    )
    assert {
        (a.session_id, a.membership_id) for a in Attendance.objects.filter(last_seen_at=now)
    } == {
        (live.pk, pat.pk),
        (other_live.pk, pat.pk),
    }


def test_touch_presence_of_nothing_runs_no_statement(django_assert_num_queries):
    with django_assert_num_queries(0):
        queries.touch_presence([], timezone.now())
