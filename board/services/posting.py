"""Reflections on a live board: posting them (one at a time or a writer's
batch at once), editing and deleting one's own."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from board import queries, rules
from board.models import REFLECTION_MAX_LENGTH, Phase, Reflection
from board.services.common import (
    clean_text,
    client_uuid,
    locked_session,
    refuse,
    require_live,
    visible_reflection,
)
from board.services.facilitating import put_in_spotlight
from board.stream import emit, emit_many, empty_counts, reflection_payload, withdraw_reflection
from lib.errors import DomainError


def require_may_post(access, session) -> None:
    """Posting (reflections, commitments) is open: live, and not paused for `access`."""
    require_live(session)
    if session.posting_locked and not access.can_post_while_locked:
        raise refuse("locked", _("Posting is paused by the facilitator."))


def _reflection_text(text) -> str:
    return clean_text(
        text,
        limit=REFLECTION_MAX_LENGTH,
        too_long_message=_("A reflection can be at most %(limit)d characters.")
        % {"limit": REFLECTION_MAX_LENGTH},
    )


@dataclass(frozen=True)
class PostRequest:
    """One `reflection.post`: who, to which phase, what, with which client id."""

    access: object
    phase_id: object
    text: str
    client_id: object


@dataclass(frozen=True)
class Posted:
    """A post's outcome: the reflection, and whether this call stored it
    (False: a resend of a client id already used, which stored nothing)."""

    reflection: Reflection
    created: bool


def post_reflection(*, access, phase_id, text: str, client_id) -> Posted:
    """Store a reflection, then broadcast it after commit.

    A resend with a `client_id` this member already used returns the stored
    reflection and stores nothing, whatever the board's state now.
    """
    [outcome] = post_reflections(
        [PostRequest(access=access, phase_id=phase_id, text=text, client_id=client_id)]
    )
    if isinstance(outcome, DomainError):
        raise outcome
    return outcome


@transaction.atomic
def post_reflections(requests) -> list[Posted | DomainError]:
    """`post_reflection` for many posts at once, in one query of each kind
    whatever their number (the websocket writer's batches): for each request,
    what was posted, or the DomainError that refuses it. Sessions are locked
    in id order."""
    outcomes: list[Posted | DomainError | None] = [None] * len(requests)
    client_ids: dict[int, uuid.UUID] = {}
    for index, request in enumerate(requests):
        try:
            client_ids[index] = client_uuid(request.client_id)
        except DomainError as error:
            outcomes[index] = error
    if not client_ids:
        return outcomes
    sessions = queries.locked_boards({requests[index].access.session.pk for index in client_ids})
    stored = _already_posted(
        {requests[index].access.membership.pk for index in client_ids}, set(client_ids.values())
    )
    other_phases = _phases_posted_to(requests, client_ids, sessions)
    new: dict[tuple, Reflection] = {}
    for index, client_id in client_ids.items():
        request = requests[index]
        key = (request.access.membership.pk, client_id)
        try:
            outcomes[index] = _one_post(request, key, sessions, stored, new, other_phases)
        except DomainError as error:
            outcomes[index] = error
    Reflection.objects.bulk_create(new.values())
    by_session: dict[int, list[Reflection]] = {}
    for reflection in new.values():
        by_session.setdefault(reflection.session_id, []).append(reflection)
    for session_id, reflections in by_session.items():
        emit_many(
            session_id,
            [
                (
                    "reflection.posted",
                    {"reflection": reflection_payload(r, counts=empty_counts())},
                    rules.reflection_audience(r),
                )
                for r in reflections
            ],
        )
    return outcomes


def _already_posted(author_ids, client_ids) -> dict[tuple, Reflection]:
    """Reflections stored before under these client ids, by (author, client id).
    A resend is rare: a light query first, the full rows only when one is found."""
    found = queries.reflections_posted_as(author_ids, client_ids)
    if not found:
        return {}
    rows = Reflection.objects.select_related("author__user").filter(pk__in=found)
    return {(reflection.author_id, reflection.client_id): reflection for reflection in rows}


def _phases_posted_to(requests, client_ids, sessions) -> dict[int, Phase]:
    """The phases named by posts that are not their session's current phase."""
    wanted = set()
    for index in client_ids:
        session = sessions.get(requests[index].access.session.pk)
        current = session.current_phase_id if session else None
        if str(requests[index].phase_id) != str(current):
            wanted.add(requests[index].phase_id)
    ids = [phase_id for phase_id in wanted if isinstance(phase_id, int)]
    return {phase.pk: phase for phase in Phase.objects.filter(pk__in=ids)} if ids else {}


def _one_post(request, key, sessions, stored, new, other_phases) -> Posted:
    access = request.access
    session = sessions[access.session.pk]
    existing = stored.get(key) or new.get(key)  # a double click lands in one batch
    if existing is not None:
        if not access.can_see_reflection(existing):
            # Deleted since, or hidden from this participant by a facilitator.
            raise refuse("not_found", _("This reflection is no longer on the board."))
        return Posted(reflection=existing, created=False)
    require_may_post(access, session)
    current = session.current_phase
    if current is not None and str(request.phase_id) == str(current.pk):
        phase = current  # most posts answer the current phase
    else:
        phase = other_phases.get(request.phase_id)
        if phase is None or phase.session_id != session.pk:
            raise refuse("not_found", _("There is no such phase in this session."))
    if current is None or phase.position > current.position:
        raise refuse("invalid", _("That prompt is not open yet."))
    new[key] = reflection = Reflection(
        phase=phase,
        session_id=session.pk,
        author=access.membership,
        text=_reflection_text(request.text),
        client_id=key[1],
        anonymous=phase.anonymous,
    )
    return Posted(reflection=reflection, created=True)


def _own_reflection(access, session, reflection_id) -> Reflection:
    reflection = visible_reflection(access, session, reflection_id)
    if not access.can_change_reflection(reflection):
        raise refuse("forbidden", _("Only its author can change a reflection."))
    return reflection


@transaction.atomic
def edit_reflection(*, access, reflection_id, text: str) -> Reflection:
    """Change the text of one's own reflection while the session is live."""
    session = locked_session(access)
    reflection = _own_reflection(access, session, reflection_id)
    require_may_post(access, session)
    text = _reflection_text(text)
    if text == reflection.text:
        return reflection
    reflection.text = text
    reflection.edited_at = timezone.now()
    reflection.save(update_fields=["text", "edited_at"])
    emit(
        session.pk,
        "reflection.edited",
        {"reflection": reflection_payload(reflection)},
        to=rules.reflection_audience(reflection),
    )
    return reflection


@transaction.atomic
def delete_reflection(*, access, reflection_id) -> None:
    """Take one's own reflection off the board while the session is live."""
    session = locked_session(access)
    reflection = _own_reflection(access, session, reflection_id)
    require_live(session)
    reflection.deleted_at = timezone.now()
    reflection.save(update_fields=["deleted_at"])
    withdraw_reflection(session.pk, reflection.pk, to=rules.reflection_audience(reflection))
    emit(session.pk, "reflection.deleted", {"reflection": reflection.pk})
    if session.spotlight_id == reflection.pk:
        put_in_spotlight(session, None)
