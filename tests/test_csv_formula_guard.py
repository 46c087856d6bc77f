"""CSV exports keep typed text as text: a cell that a spreadsheet would read as
a formula gets a leading apostrophe, whatever form its first sign takes."""

import pytest

from lib.spreadsheets import csv_cell


@pytest.mark.parametrize(
    "start",
    [
        "＝",  # full-width equals sign
        "＋",  # full-width plus sign
        "－",  # full-width hyphen-minus
        "＠",  # full-width commercial at
        "﹦",  # small equals sign
        "﹢",  # small plus sign
        "﹣",  # small hyphen-minus
        "﹫",  # small commercial at
        "⁼",  # superscript equals sign
        "⁺",  # superscript plus sign
        "₊",  # subscript plus sign
        "₌",  # subscript equals sign
    ],
)
def test_a_formula_sign_in_another_form_is_kept_as_text(start):
    value = f'{start}HYPERLINK("http://evil.example","x")'
    assert csv_cell(value) == "'" + value


@pytest.mark.parametrize("prefix", [" ", "  ", "\u00a0", "\u3000", "\ufeff", "\u200b", " \ufeff"])
@pytest.mark.parametrize("sign", ["=", "+", "-", "@", "＝"])
def test_a_formula_behind_spaces_or_invisible_characters_is_kept_as_text(prefix, sign):
    """An import may trim what comes before the sign."""
    value = f"{prefix}{sign}1+1"
    assert csv_cell(value) == "'" + value


@pytest.mark.parametrize(
    "value",
    [
        "Ｈello",
        "１０ people",
        "“=quoted”",
        "a=b",
        "  plain words",
        "\ufeffBOM text",
        "   ",
        "é=mc²",
    ],
)
def test_text_that_starts_no_formula_is_left_as_it_is(value):
    assert csv_cell(value) == value
