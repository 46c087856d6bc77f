"""Display helpers for the session pages (no rules here: those are in services)."""

from django.utils.translation import gettext_lazy as _

# The same glyphs and names as the board (static/js/board/view.js).
REACTIONS = {
    "plus_one": ("👍", _("Plus one")),
    "heart": ("❤️", _("Heart")),
    "clap": ("👏", _("Applause")),
    "bulb": ("💡", _("Idea")),
    "smile": ("🙂", _("Smile")),
}


def reaction_items(counts: dict) -> list[dict]:
    """The reactions a reflection received, for display: glyph, name, count."""
    return [
        {"glyph": REACTIONS[emoji][0], "label": REACTIONS[emoji][1], "count": count}
        for emoji, count in counts.items()
        if count and emoji in REACTIONS
    ]
