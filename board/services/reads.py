"""Reading a board: the snapshot, presence and the summary after the session."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from board import queries
from board.models import (
    Attendance,
    CohortSession,
    Commitment,
    Presence,
    Reflection,
)
from board.services.common import (
    Status,
    locked_session,
    record_attendance,
)
from board.services.posting import Posted
from board.stream import (
    commitment_payload,
    empty_counts,
    my_reactions,
    phases_payload,
    presence_payload,
    reaction_counts,
    reflection_payload,
    session_payload,
    timer_payload,
)
from cohorts.models import Membership
from realtime import protocol
from realtime.tunables import presence_timeout


# The board as one person sees it ----------------------------------------------
def board_snapshot(access) -> dict:
    """The `board.snapshot` frame for one member.

    Read with the session row locked, as every change takes that lock first:
    the board and its `seq` are read together, consistent.
    """
    with transaction.atomic():
        session = locked_session(access)
        reflections = list(
            Reflection.objects.on_board()
            .filter(session=session)
            .select_related("author__user")
            .order_by("created_at", "pk")
        )
        reflections = [r for r in reflections if access.can_see_reflection(r)]
        ids = [r.pk for r in reflections]
        counts = reaction_counts(ids)
        mine = my_reactions(ids, access.membership)
        commitments = [
            c
            for c in Commitment.objects.filter(session=session).select_related("author__user")
            if access.can_see_commitment(c)
        ]
        return {
            "type": "board.snapshot",
            "protocol": protocol.PROTOCOL_VERSION,
            "seq": session.last_seq,
            "me": {
                "user": access.user.pk,
                "name": access.user.get_full_name(),
                "role": access.membership.role,
                "membership": access.membership.pk,
            },
            "session": session_payload(session),
            "timer": timer_payload(session),
            "phases": phases_payload(session),
            "reflections": [
                reflection_payload(
                    r, counts=counts[r.pk], viewer=access, mine_reactions=mine[r.pk]
                )
                for r in reflections
            ],
            "presence": presence_payload(session.pk),
            "commitments": [commitment_payload(c, viewer=access) for c in commitments],
        }


def reflection_for(access, reflection: Reflection) -> dict:
    """REFLECTION as `access` sees it (for acks)."""
    return reflection_payload(reflection, viewer=access)


def posted_for(access, posted: Posted) -> dict:
    """The posted REFLECTION as its author sees it (for the post's ack); one
    just stored has no reactions yet, which takes no query to know."""
    if posted.created:
        return reflection_payload(
            posted.reflection, viewer=access, counts=empty_counts(), mine_reactions=[]
        )
    return reflection_for(access, posted.reflection)


def commitment_for(access, commitment: Commitment) -> dict:
    return commitment_payload(commitment, viewer=access)


def replayable_events(access, events: list) -> list:
    """Of the board events read back from the log for `access` (a resume or
    a catch-up), those it may still receive now, as the snapshot would show
    their items.

    An event carrying a reflection is dropped when `access` may no longer see
    it (deleted, or hidden from a participant) and otherwise carries the
    reflection's current text, hidden flag and edited mark: a member who
    joined after an edit never reads the text from before it. A reaction
    count follows its reflection, a commitment `can_see_commitment`. Events
    that carry only an id (hidden, deleted, spotlight) are kept: they tell
    the client to drop or move what it shows.
    """
    reflection_ids, commitment_ids = set(), set()
    for event in events:
        reflection = event.payload.get("reflection")
        if isinstance(reflection, dict):
            reflection_ids.add(reflection.get("id"))
        elif event.type == "reaction.changed":
            reflection_ids.add(reflection)
        commitment = event.payload.get("commitment")
        if isinstance(commitment, dict):
            commitment_ids.add(commitment.get("id"))
    session_id = access.session.pk
    reflections = {
        r.pk: r
        for r in Reflection.objects.filter(session_id=session_id, pk__in=reflection_ids).only(
            "pk", "session_id", "author_id", "text", "hidden", "edited_at", "deleted_at"
        )
    }
    commitments = {
        c.pk: c
        for c in Commitment.objects.filter(session_id=session_id, pk__in=commitment_ids)
        .select_related("author")
        .only("pk", "session_id", "author__user_id")
    }
    kept = []
    for event in events:
        item = event.payload.get("reflection")
        if isinstance(item, dict) or (item is not None and event.type == "reaction.changed"):
            current = reflections.get(item.get("id") if isinstance(item, dict) else item)
            if current is None or not access.can_see_reflection(current):
                continue
            if isinstance(item, dict):
                event.payload = {
                    **event.payload,
                    "reflection": {
                        **item,
                        "text": current.text,
                        "hidden": current.hidden,
                        "edited": current.edited_at is not None,
                    },
                }
        commitment = event.payload.get("commitment")
        if isinstance(commitment, dict):
            current = commitments.get(commitment.get("id"))
            if current is None or not access.can_see_commitment(current):
                continue
        kept.append(event)
    return kept


# Presence and attendance --------------------------------------------------------


@transaction.atomic
def join_board(*, access, channel_name: str) -> None:
    """Count this connection as present; on a live session, its member attends.

    Rows left by a process that died without closing its sockets are dropped
    here, once they are past the presence timeout.
    """
    Presence.objects.filter(
        seen_at__lt=timezone.now() - datetime.timedelta(seconds=presence_timeout())
    ).delete()
    Presence.objects.update_or_create(
        channel_name=channel_name,
        defaults={
            "session": access.session,
            "membership": access.membership,
            "seen_at": timezone.now(),
        },
    )
    if CohortSession.objects.filter(pk=access.session.pk, status=Status.LIVE).exists():
        record_attendance(access.session, [access.membership.pk])


def leave_board(*, channel_name: str) -> None:
    Presence.objects.filter(channel_name=channel_name).delete()


@transaction.atomic
def touch_presence(*, channel_names) -> None:
    """Heartbeat of a process's open sockets: still here. Also keeps
    attendance's last_seen_at current on live sessions. Two statements,
    however many sockets, in plain SQL: the heartbeat runs in the writer,
    between batches of posts (board/queries.py says what that bought)."""
    queries.touch_presence(list(channel_names), timezone.now())


def presence_frame(session_id: int) -> dict:
    return {"type": "presence.changed", "presence": presence_payload(session_id)}


# After the session ------------------------------------------------------------


def session_summary(*, access) -> dict:
    """What the summary page and its exports show to `access`: the agenda,
    reflections per phase with reactions, spotlighted ones, commitments and
    attendance, each as this person may see it (hidden reflections and
    everyone's commitments and attendance for facilitators only)."""
    session = CohortSession.objects.select_related("cohort").get(pk=access.session.pk)
    reflections = [
        r
        for r in Reflection.objects.on_board()
        .filter(session=session)
        .select_related("author__user")
        .order_by("created_at", "pk")
        if access.can_see_reflection(r)
    ]
    counts = reaction_counts([r.pk for r in reflections])

    def entry(reflection):
        return {
            "id": reflection.pk,
            "phase_id": reflection.phase_id,
            "text": reflection.text,
            "author": None if reflection.anonymous else reflection.author.user.get_full_name(),
            "reactions": counts[reflection.pk],
            "reaction_total": sum(counts[reflection.pk].values()),
            "spotlighted": reflection.spotlighted_at is not None,
            "hidden": reflection.hidden,
            "edited": reflection.edited_at is not None,
            "created_at": reflection.created_at,
        }

    entries = [entry(r) for r in reflections]
    phases = [
        {
            "id": phase.pk,
            "position": phase.position,
            "kind": phase.kind,
            "kind_label": phase.get_kind_display(),
            "title": phase.title,
            "prompt": phase.prompt,
            "timebox_minutes": phase.timebox_minutes,
            "anonymous": phase.anonymous,
            "reflections": [e for e in entries if e["phase_id"] == phase.pk],
        }
        for phase in session.phases.order_by("position", "pk")
    ]
    commitments = [
        {
            "text": c.text,
            "author": c.author.user.get_full_name(),
            "mine": c.author_id == access.membership.pk,
            "created_at": c.created_at,
        }
        for c in Commitment.objects.filter(session=session).select_related("author__user")
        if access.can_see_commitment(c)
    ]
    attendance = Attendance.objects.filter(session=session).select_related("membership__user")
    if not access.can_see_all_attendance:
        attendance = attendance.filter(membership=access.membership)
    attended = [
        {
            "name": a.membership.user.get_full_name(),
            "role": a.membership.role,
            "role_label": a.membership.get_role_display(),
            "first_joined_at": a.first_joined_at,
        }
        for a in attendance
    ]
    members = Membership.objects.filter(cohort=session.cohort)
    return {
        "session": session,
        "cohort": session.cohort,
        "phases": phases,
        "spotlighted": [e for e in entries if e["spotlighted"]],
        "commitments": commitments,
        "attendance": attended,
        "attendance_is_everyones": access.can_see_all_attendance,
        "member_count": members.count() if access.can_see_all_attendance else None,
    }
