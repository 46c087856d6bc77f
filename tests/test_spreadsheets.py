import pytest

from lib.spreadsheets import csv_cell


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_formula_start_is_kept_as_text(start):
    assert csv_cell(f"{start}SUM(A1)") == f"'{start}SUM(A1)"


@pytest.mark.parametrize(
    ("value", "cell"), [("", ""), (None, ""), (4, "4"), ("Plain text", "Plain text")]
)
def test_other_values_are_left_as_they_are(value, cell):
    assert csv_cell(value) == cell
