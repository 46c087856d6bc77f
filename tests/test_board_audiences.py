"""A board event reaches exactly the people whose board shows its item.

Over the demo (`manage.py seed_demo`) and its live session, with an anonymous
prompt answered, reflections hidden, unhidden, edited and deleted, and
commitments added, for every reflection and commitment and every demo user:
receiving the item's live event, getting it back on a resume, and seeing it
in the board's snapshot and the session summary all agree.
"""

import uuid
from functools import partial

import pytest
from django.core.management import call_command
from django.http import Http404

from accounts.models import User
from board import services
from board.consumers import BoardConsumer
from board.demo import LIVE_TITLE
from board.models import BoardEvent, CohortSession, Commitment, PhaseKind, Reflection
from board.rules import access_session
from board.stream import BOARD
from realtime import streams

pytestmark = pytest.mark.django_db


def _post(user, session, phase, text):
    return services.post_reflection(
        access=access_session(user, session.pk),
        phase_id=phase.pk,
        text=text,
        client_id=uuid.uuid4(),
    ).reflection


@pytest.fixture
def demo_board():
    """The demo's live board, with every kind of reflection and commitments."""
    call_command("seed_demo", password="demo-password-1")
    session = CohortSession.objects.get(title=LIVE_TITLE)
    coach = session.cohort.memberships.get(role="facilitator").user
    people = [m.user for m in session.cohort.memberships.filter(role="participant")]
    as_coach = partial(access_session, coach, session.pk)
    unsaid = session.phases.get(anonymous=True)
    services.goto_phase(access=as_coach(), phase_id=unsaid.pk)
    anonymous = [_post(person, session, unsaid, f"Unsaid {n}") for n, person in enumerate(people)]
    named = list(Reflection.objects.filter(session=session, anonymous=False).order_by("pk"))
    # Hidden: a named one that has reactions, and an anonymous one.
    services.hide_reflection(access=as_coach(), reflection_id=named[2].pk, hidden=True)
    services.hide_reflection(access=as_coach(), reflection_id=anonymous[0].pk, hidden=True)
    # Hidden, then shown again.
    services.hide_reflection(access=as_coach(), reflection_id=anonymous[1].pk, hidden=True)
    services.hide_reflection(access=as_coach(), reflection_id=anonymous[1].pk, hidden=False)
    # Edited, and deleted, by their authors.
    for reflection, change in ((named[0], "edit"), (anonymous[2], "delete"), (named[1], "delete")):
        author = access_session(reflection.author.user, session.pk)
        if change == "edit":
            services.edit_reflection(access=author, reflection_id=reflection.pk, text="Edited")
        else:
            services.delete_reflection(access=author, reflection_id=reflection.pk)
    services.goto_phase(
        access=as_coach(), phase_id=session.phases.get(kind=PhaseKind.COMMITMENTS).pk
    )
    for who in (people[0], people[1], coach):
        services.add_commitment(
            access=access_session(who, session.pk), text="I will", client_id=uuid.uuid4()
        )
    return session


def _board_access(user, session):
    try:
        return access_session(user, session.pk)
    except Http404:
        return None


def _shown(access) -> tuple[set, set]:
    """The reflections and commitments the snapshot and the summary show."""
    snapshot = services.board_snapshot(access)
    summary = services.session_summary(access=access)
    reflections = {r["id"] for r in snapshot["reflections"]}
    in_summary = {e["id"] for phase in summary["phases"] for e in phase["reflections"]}
    assert reflections == in_summary
    commitments = {c["id"] for c in snapshot["commitments"]}
    assert len(summary["commitments"]) == len(commitments)
    return reflections, commitments


def _resumed(access, recipient) -> tuple[set, set]:
    """The reflections and commitments carried by the events a resume from
    the start of the log gives back."""
    frames = streams.events_for(
        BOARD,
        access.session.pk,
        recipient,
        after=0,
        recheck=partial(services.replayable_events, access),
    )
    reflections = {f["reflection"]["id"] for f in frames if isinstance(f.get("reflection"), dict)}
    commitments = {f["commitment"]["id"] for f in frames if "commitment" in f}
    return reflections, commitments


def _live_events(session) -> dict:
    """For each reflection on the board, the event of a reaction added now;
    for each commitment, the event that announced it."""
    coach = session.cohort.memberships.get(role="facilitator").user
    events = {}
    for reflection in Reflection.objects.on_board().filter(session=session):
        services.add_reaction(
            access=access_session(coach, session.pk), reflection_id=reflection.pk, emoji="bulb"
        )
        event = BoardEvent.objects.filter(session=session).order_by("seq").last()
        assert (event.type, event.payload["reflection"]) == ("reaction.changed", reflection.pk)
        events[("reflection", reflection.pk)] = event
    for event in BoardEvent.objects.filter(session=session, type="commitment.added"):
        events[("commitment", event.payload["commitment"]["id"])] = event
    return events


def test_every_board_event_reaches_exactly_those_whose_board_shows_its_item(demo_board):
    session = demo_board
    reflections = Reflection.objects.filter(session__cohort=session.cohort)
    kinds = {
        "named": reflections.filter(anonymous=False, hidden=False, deleted_at=None),
        "anonymous": reflections.filter(anonymous=True, hidden=False, deleted_at=None),
        "hidden": reflections.filter(hidden=True, deleted_at=None),
        "deleted": reflections.exclude(deleted_at=None),
    }
    assert all(kind.exists() for kind in kinds.values()), "the demo covers every kind"
    live = _live_events(session)
    all_reflections = set(reflections.values_list("pk", flat=True))
    all_commitments = set(
        Commitment.objects.filter(session__cohort=session.cohort).values_list("pk", flat=True)
    )
    assert all_commitments
    openers = 0
    for user in User.objects.all():
        access = _board_access(user, session)
        if access is None:
            # Leaders, HR admins, the other organization: no board, no socket.
            continue
        openers += 1
        recipient = BoardConsumer.make_recipient(None, access)
        shown_reflections, shown_commitments = _shown(access)
        for pk in all_reflections:
            event = live.get(("reflection", pk))
            receives = event is not None and streams.is_for(
                event.audience, event.user_ids, recipient
            )
            assert receives == (pk in shown_reflections), (user.email, "reflection", pk)
        for pk in all_commitments:
            event = live[("commitment", pk)]
            receives = streams.is_for(event.audience, event.user_ids, recipient)
            assert receives == (pk in shown_commitments), (user.email, "commitment", pk)
        assert _resumed(access, recipient) == (shown_reflections, shown_commitments), user.email
    assert openers == session.cohort.memberships.count()


def test_the_demo_board_shows_each_kind_to_the_right_people(demo_board):
    """The agreement above is not empty: participants see named and anonymous
    reflections and their own commitments; the facilitator also sees hidden
    ones and everyone's commitments; nobody sees a deleted one."""
    session = demo_board
    coach = session.cohort.memberships.get(role="facilitator").user
    hidden = set(
        Reflection.objects.filter(session=session, hidden=True, deleted_at=None).values_list(
            "pk", flat=True
        )
    )
    deleted = set(
        Reflection.objects.filter(session=session)
        .exclude(deleted_at=None)
        .values_list("pk", flat=True)
    )
    coach_reflections, coach_commitments = _shown(access_session(coach, session.pk))
    assert hidden <= coach_reflections
    assert not deleted & coach_reflections
    assert coach_commitments == set(
        Commitment.objects.filter(session=session).values_list("pk", flat=True)
    )
    author = Commitment.objects.filter(session=session).exclude(author__user=coach).first()
    pat = access_session(author.author.user, session.pk)
    pat_reflections, pat_commitments = _shown(pat)
    assert not (hidden | deleted) & pat_reflections
    assert Reflection.objects.filter(pk__in=pat_reflections, anonymous=True).exists()
    assert pat_commitments == set(
        Commitment.objects.filter(session=session, author=pat.membership).values_list(
            "pk", flat=True
        )
    )
