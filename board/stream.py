"""The session board's event stream and the shapes of what it sends.

Shapes follow docs/realtime-protocol.md, part 2 (PHASE, TIMER, REFLECTION,
COMMITMENT, PRESENCE). Payloads built for events carry an opaque author key
instead of "mine" (realtime.streams.render fills it per recipient); payloads
built for one viewer (snapshot, acks) compute "mine" directly.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from board.models import BoardEvent, CohortSession, Presence, Reaction
from cohorts.models import Membership
from realtime import streams
from realtime.models import Audience
from realtime.tunables import presence_timeout

BOARD = streams.Stream(
    name="board", owner_model=CohortSession, event_model=BoardEvent, owner_field="session"
)
EMOJIS = tuple(Reaction.Emoji.values)


@dataclass(frozen=True)
class Addressed:
    """Who a board event is for: an audience of the stream
    (realtime.models.Audience) and users who get it whatever the audience.
    The board's rule book (board/rules.py) says who each item is for."""

    audience: str
    user_ids: tuple[int, ...] = ()


EVERYONE = Addressed(Audience.EVERYONE)
FACILITATORS = Addressed(Audience.FACILITATORS)
NOBODY = Addressed(Audience.USERS)


def emit(session_id: int, event_type: str, payload: dict, *, to: Addressed = EVERYONE):
    """Append a board event (inside the caller's transaction) and broadcast it after commit."""
    return streams.append_event(
        BOARD, session_id, event_type, payload, audience=to.audience, user_ids=to.user_ids
    )


def emit_many(session_id: int, events):
    """`emit` for several events, as (event_type, payload, to) triples."""
    return streams.append_events(
        BOARD,
        session_id,
        [(event_type, payload, to.audience, to.user_ids) for event_type, payload, to in events],
    )


def withdraw_reflection(session_id: int, reflection_id: int, *, to: Addressed) -> None:
    """Keep the earlier events that carry a reflection's text from replaying to
    those it was hidden from (participants) or deleted for (everyone): `to`
    is who the reflection is for now (`board.rules.reflection_audience`)."""
    streams.withdraw_past_events(
        BOARD,
        session_id,
        Q(payload__reflection__id=reflection_id),
        audience=to.audience,
        keep_user_ids=to.user_ids,
    )


def person(membership) -> dict:
    return {"id": membership.user_id, "name": membership.user.get_full_name()}


def phase_payload(phase) -> dict:
    return {
        "id": phase.pk,
        "position": phase.position,
        "kind": phase.kind,
        "title": phase.title,
        "prompt": phase.prompt,
        "timebox_minutes": phase.timebox_minutes,
        "anonymous": phase.anonymous,
    }


def phases_payload(session) -> list[dict]:
    return [phase_payload(phase) for phase in session.phases.order_by("position", "pk")]


def timer_payload(session) -> dict:
    """The timer; "server_now" is set again when each frame is sent."""
    return {
        "state": session.timer_state,
        "ends_at": streams.iso(session.timer_ends_at),
        "remaining_seconds": session.timer_remaining_seconds,
        streams.SERVER_NOW: streams.iso(timezone.now()),
    }


def session_payload(session) -> dict:
    return {
        "id": session.pk,
        "title": session.title,
        "status": session.status,
        "posting_locked": session.posting_locked,
        "current_phase": session.current_phase_id,
        "spotlight": session.spotlight_id,
        "starts_at": streams.iso(session.starts_at),
        "duration_minutes": session.duration_minutes,
        "cohort": {"id": session.cohort_id, "name": session.cohort.name},
    }


def empty_counts() -> dict[str, int]:
    return dict.fromkeys(EMOJIS, 0)


def reaction_counts(reflection_ids) -> dict[int, dict[str, int]]:
    counts = defaultdict(empty_counts)
    rows = (
        Reaction.objects.filter(reflection_id__in=list(reflection_ids))
        .values("reflection_id", "emoji")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        counts[row["reflection_id"]][row["emoji"]] = row["n"]
    return counts


def my_reactions(reflection_ids, membership) -> dict[int, list[str]]:
    mine = defaultdict(list)
    rows = Reaction.objects.filter(
        reflection_id__in=list(reflection_ids), member=membership
    ).order_by("emoji")
    for reaction in rows:
        mine[reaction.reflection_id].append(reaction.emoji)
    return mine


def reflection_payload(reflection, *, counts=None, viewer=None, mine_reactions=None) -> dict:
    """REFLECTION. With `viewer` (a SessionAccess): "mine" and "my_reactions"
    for that person. Without: an author key for the event log instead."""
    payload = {
        "id": reflection.pk,
        "phase": reflection.phase_id,
        "text": reflection.text,
        "author": None if reflection.anonymous else person(reflection.author),
        "hidden": reflection.hidden,
        "created_at": streams.iso(reflection.created_at),
        "edited": reflection.edited_at is not None,
        "reactions": counts
        if counts is not None
        else reaction_counts([reflection.pk])[reflection.pk],
    }
    if viewer is None:
        payload[streams.AUTHOR_KEY] = streams.author_key(
            BOARD, reflection.session_id, reflection.author.user_id
        )
    else:
        payload["mine"] = reflection.author_id == viewer.membership.pk
        if mine_reactions is None:
            mine_reactions = my_reactions([reflection.pk], viewer.membership)[reflection.pk]
        payload["my_reactions"] = mine_reactions
    return payload


def commitment_payload(commitment, *, viewer=None) -> dict:
    payload = {
        "id": commitment.pk,
        "text": commitment.text,
        "author": person(commitment.author),
        "created_at": streams.iso(commitment.created_at),
    }
    if viewer is None:
        payload[streams.AUTHOR_KEY] = streams.author_key(
            BOARD, commitment.session_id, commitment.author.user_id
        )
    else:
        payload["mine"] = commitment.author_id == viewer.membership.pk
    return payload


def present_memberships(session_id: int):
    """Memberships with a live connection on the board, from every process."""
    since = timezone.now() - datetime.timedelta(seconds=presence_timeout())
    rows = (
        Presence.objects.filter(session_id=session_id, seen_at__gte=since)
        .select_related("membership__user")
        .order_by("membership_id")
    )
    unique = {row.membership_id: row.membership for row in rows}
    # Facilitators first, as Membership.Role lists the roles.
    return sorted(
        unique.values(),
        key=lambda m: (_ROLE_ORDER[m.role], m.user.get_full_name().casefold(), m.pk),
    )


_ROLE_ORDER = {role: index for index, role in enumerate(Membership.Role.values)}


def presence_payload(session_id: int) -> list[dict]:
    return [
        {"user": m.user_id, "name": m.user.get_full_name(), "role": m.role}
        for m in present_memberships(session_id)
    ]
