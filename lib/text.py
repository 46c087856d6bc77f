"""Text that people typed where a single line is expected: names and titles.

A name travels into email subjects, CSV rows, page titles and log lines, where
a line break splits it (an email header with a line break is refused by the
mail library) and an invisible character makes two names look alike (a
right-to-left override reverses what follows it). Names and titles therefore
hold no control character (Unicode category Cc: line feed, tab, escape...),
no format character (Cf: zero-width spaces, direction overrides, soft
hyphen) and no line or paragraph separator (Zl, Zp). Two kinds of format
character stay allowed, because names and titles need them: the zero-width
joiner and non-joiner (Persian and Indic spellings, emoji such as 👩‍💻) and
the tag characters of flag emoji.
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

NOT_SINGLE_LINE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})
JOINERS = frozenset({"\u200c", "\u200d"})
EMOJI_TAGS = range(0xE0020, 0xE0080)


def _allowed(char: str) -> bool:
    if unicodedata.category(char) not in NOT_SINGLE_LINE_CATEGORIES:
        return True
    return char in JOINERS or ord(char) in EMOJI_TAGS


def is_single_line(value: str) -> bool:
    """True if `value` has no character of NOT_SINGLE_LINE_CATEGORIES but
    the joiners and emoji tags."""
    return all(_allowed(char) for char in value)


def single_line_message(field: str = "") -> str:
    """The refusal, translated now: a DomainError may end up in a JSON frame."""
    if field:
        return gettext(
            "%(field)s must be a single line: remove line breaks, tabs and invisible characters."
        ) % {"field": field[:1].upper() + field[1:]}
    return gettext("Use a single line: remove line breaks, tabs and invisible characters.")


def validate_single_line(value: str) -> None:
    """Django validator for a form field of a name or a title."""
    if not is_single_line(value):
        raise ValidationError(single_line_message(), code="not_single_line")
