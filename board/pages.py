"""Display helpers for the session pages (no rules here: those are in board/rules.py).

The board's script gets what it shows from `board_config`: text limits from
the models, each reaction's glyph with the model's own label and the phase
kinds' names, so no script or template restates them.
"""

from django.urls import reverse

from board.models import COMMITMENT_MAX_LENGTH, REFLECTION_MAX_LENGTH, PhaseKind, Reaction
from board.services.common import MAX_TIMER_SECONDS

Emoji = Reaction.Emoji

GLYPHS = {
    Emoji.PLUS_ONE: "👍",
    Emoji.HEART: "❤️",
    Emoji.CLAP: "👏",
    Emoji.BULB: "💡",
    Emoji.SMILE: "🙂",
}

TEXT_LIMITS = {"reflection": REFLECTION_MAX_LENGTH, "commitment": COMMITMENT_MAX_LENGTH}
# The facilitator's timer field, in whole minutes, up to what the service accepts.
LIMITS = {**TEXT_LIMITS, "timer_minutes": MAX_TIMER_SECONDS // 60}


def reactions() -> list[dict]:
    """Every reaction in the board's order: its key, glyph and label."""
    return [
        {"emoji": emoji.value, "glyph": GLYPHS[emoji], "label": emoji.label} for emoji in Emoji
    ]


def reaction_items(counts: dict) -> list[dict]:
    """The reactions a reflection received, for display: glyph, name, count."""
    return [
        {"glyph": GLYPHS[emoji], "label": Emoji(emoji).label, "count": count}
        for emoji, count in counts.items()
        if count and emoji in Emoji.values
    ]


def board_config(access) -> dict:
    """What the board's script needs from the page (json_script "board-config"):
    the session, what this member may do there (from board/rules.py), the text
    limits, the reactions and the names of phase kinds."""
    session = access.session
    return {
        "session": session.pk,
        "user": access.user.pk,
        "ws_path": f"/ws/sessions/{session.pk}/",
        "summary_url": reverse("board:summary", args=[session.pk]),
        "can": {
            "run": access.can_run,
            "post_while_locked": access.can_post_while_locked,
            "see_hidden": access.can_see_hidden_reflections,
            "see_all_commitments": access.can_see_all_commitments,
        },
        "limits": LIMITS,
        "reactions": reactions(),
        "phase_kinds": dict(PhaseKind.choices),
    }
