"""Reactions to reflections on a live board: added or taken back, one emoji
at a time. They are the board's most frequent frame after posts, so their
statements are plain SQL (board/queries.py says what that bought)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from board import queries, rules
from board.models import Reaction, Reflection
from board.services.common import refuse, require_live
from board.stream import EMOJIS, emit, empty_counts
from lib import sql


@dataclass(frozen=True)
class Reactions:
    """A reflection's reaction counts, and the caller's own reactions to it."""

    reflection_id: int
    counts: dict
    mine: list


_REACTION_KEY = ("reflection", "member", "emoji")  # its unique constraint


@transaction.atomic
def add_reaction(*, access, reflection_id, emoji: str) -> Reactions:
    return _react(access, reflection_id, emoji, add=True)


@transaction.atomic
def remove_reaction(*, access, reflection_id, emoji: str) -> Reactions:
    return _react(access, reflection_id, emoji, add=False)


def _react(access, reflection_id, emoji, *, add: bool) -> Reactions:
    """One reaction added or taken back: four statements before the event's,
    where the ORM took five to eight."""
    if emoji not in EMOJIS:
        raise refuse("invalid", _("Choose one of the offered reactions."))
    session_id = access.session.pk
    [session] = queries.locked_boards([session_id]).values()
    reflection = _reflection_to_react_to(access, reflection_id)
    require_live(session)
    reaction = Reaction(reflection_id=reflection.pk, member_id=access.membership.pk, emoji=emoji)
    if add:
        changed = sql.insert_new(reaction, unique=_REACTION_KEY)
    else:
        changed = sql.delete_same(reaction, _REACTION_KEY)
    found, mine = queries.reactions_to(reflection.pk, access.membership.pk)
    counts = empty_counts()
    counts.update(found)
    if changed:
        emit(
            session_id,
            "reaction.changed",
            {"reflection": reflection.pk, "reactions": counts},
            to=rules.reflection_audience(reflection),
        )
    return Reactions(reflection_id=reflection.pk, counts=counts, mine=mine)


def _reflection_to_react_to(access, reflection_id) -> Reflection:
    """A reflection on this board that `access` may see; not_found for any
    other, deleted or hidden from this member alike."""
    found = queries.reflection_on_board(access.session.pk, reflection_id)
    if found is None or not access.can_see_reflection(found):
        raise refuse("not_found", _("There is no such reflection on this board."))
    return found
