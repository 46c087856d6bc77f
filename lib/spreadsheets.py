"""Text that people typed, made safe to open in a spreadsheet."""

import unicodedata

# A cell starting with one of these is a formula to a spreadsheet; a leading
# apostrophe keeps a participant's text as text (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _starts_a_formula(text: str) -> bool:
    """Whether a spreadsheet may read `text` as a formula.

    Its first character counts as the one it stands for (NFKC): a full-width
    "＝" or a small "﹢" is "=" or "+" once a spreadsheet or a converter
    normalizes it. Spaces and invisible characters in front count for nothing,
    since an import may trim them.
    """
    if text.startswith(FORMULA_START):
        return True
    for char in text:
        if char.isspace() or unicodedata.category(char) == "Cf":
            continue
        return unicodedata.normalize("NFKC", char).startswith(FORMULA_START)
    return False


def csv_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if _starts_a_formula(text) else text
