"""Text that people typed, made safe to open in a spreadsheet."""

# A cell starting with one of these is a formula to a spreadsheet; a leading
# apostrophe keeps a participant's text as text (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text
