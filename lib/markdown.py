"""Text that people typed, made inert in a Markdown file.

A reflection, a title or a name goes into an export as the words that were
typed: no heading, list, link, image, emphasis or raw HTML may come of it when
the file is opened in a Markdown viewer, and a bare address must not turn
into a clickable link someone did not choose to share.
"""

from __future__ import annotations

import re

# CommonMark lets any ASCII punctuation be escaped with a backslash; these are
# the ones that start emphasis, code, links, images, HTML, entities, tables,
# strike-through or an email autolink anywhere in a line ("![" is no image once
# its bracket is escaped).
_INLINE = re.compile(r"([\\`*_\[\]<>&|~@])")
# What starts a block at the beginning of a line: a heading, a quote, a list
# item, a thematic break or a setext underline, an ordered list ("1." "1)").
_LINE_START = re.compile(r"^(\s*)([#>+\-=]|\d+(?=[.)]))")
# Bare addresses that GitHub-flavoured viewers turn into links by themselves.
_AUTOLINK = re.compile(r"(?i)\b(https?|ftp|mailto)(:)|\b(www)(\.)")


def _escape_line(line: str) -> str:
    line = _INLINE.sub(r"\\\1", line)
    line = _AUTOLINK.sub(
        lambda m: (m.group(1) or m.group(3)) + "\\" + (m.group(2) or m.group(4)), line
    )
    match = _LINE_START.match(line)
    if match:
        lead, marker = match.groups()
        if marker.isdigit():
            # "1." stays a number: escape the dot or parenthesis after it.
            rest = line[match.end() :]
            return f"{lead}{marker}\\{rest}"
        return f"{lead}\\{marker}{line[match.end() :]}"
    return line


def escape(text: str) -> str:
    """`text` as literal Markdown, line by line."""
    return "\n".join(_escape_line(line) for line in str(text).splitlines())
