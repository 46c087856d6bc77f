"""The session summary's Markdown file: what people typed stays text."""

import re

import pytest

from board import services
from board.exports import summary_markdown
from board.rules import access_session
from lib.markdown import escape
from tests.board_helpers import end, live_session, post

pytestmark = pytest.mark.django_db

TYPED = [
    "<script>alert('x')</script>",
    "<img src=x onerror=alert(1)>",
    "[Click me](https://evil.test/steal)",
    "![tracker](https://evil.test/pixel.png)",
    "See https://evil.test/path and www.evil.test, or mail me@evil.test",
    "# Not a heading",
    "> not a quote",
    "- not a list",
    "1. not a numbered list",
    "**not bold** and _not italic_ and `not code`",
    "| not | a table |",
    "&lt;entity&gt; &amp; ~~struck~~",
    "a\\*backslash",
]


def unescape(markdown: str) -> str:
    """What a Markdown viewer shows for text with only backslash escapes in it."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)


@pytest.mark.parametrize("text", TYPED)
def test_escaped_text_reads_as_typed(text):
    assert unescape(escape(text)) == text


@pytest.mark.parametrize("text", TYPED)
def test_escaped_text_starts_no_markup(text):
    escaped = escape(text)
    # Every character that starts HTML, a link, an image, emphasis, code or an
    # entity is escaped, as is a block marker at the start of the line.
    assert not re.search(r"(?<!\\)[<>\[\]*_`&|~@]", escaped), escaped
    assert not re.match(r"\s*(#|>|-|\+|=|\d+[.)])", escaped), escaped
    assert not re.search(r"(?i)(https?|mailto):|www\.", escaped), escaped


def test_escape_keeps_line_breaks_and_plain_sentences():
    assert escape("First line.\n\nThird, with a comma.") == "First line.\n\nThird, with a comma."


def test_summary_markdown_carries_no_markup_from_reflections_commitments_or_titles(
    cohort, facilitator, participant
):
    session = live_session(cohort, facilitator, title="<b>Session</b> [x](https://evil.test)")
    for text in TYPED:
        post(session, participant, text)
    commitments = session.phases.get(kind="commitments")
    services.goto_phase(access=access_session(facilitator, session.pk), phase_id=commitments.pk)
    services.add_commitment(
        access=access_session(participant, session.pk),
        text="[Do it](javascript:alert(1)) <u>now</u>",
        client_id="5b1f0f7a-6c1d-4d7e-9a55-3f2f7f1c1a01",
    )
    session = end(session, facilitator)

    markdown = summary_markdown(
        services.session_summary(access=access_session(facilitator, session.pk))
    )

    assert markdown.startswith("# \\<b\\>Session\\</b\\> \\[x\\](https\\://evil.test)\n")
    for line in markdown.splitlines():
        assert not re.search(r"(?<!\\)[<\[`]", line), line
        assert not re.search(r"(?i)\bhttps?:", line), line
    for text in TYPED:
        assert "> " + escape(text) in markdown
    assert "- Pat One: \\[Do it\\](javascript:alert(1)) \\<u\\>now\\</u\\>" in markdown
