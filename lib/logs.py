"""Secrets that travel in URLs, kept out of logs.

An invitation link carries its token in its path, and whoever reads a log line
holding it can accept the invitation. Django logs request paths (a 404 or a
410 as "Not Found: /path", a refused CSRF check, the development server's
request lines), and Daphne writes every request line to its access log. The
patterns given here (regular expressions) match the secret part only, which
becomes MASK.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

MASK = "[secret]"


def compile_patterns(patterns: Iterable[str | re.Pattern]) -> tuple[re.Pattern, ...]:
    return tuple(re.compile(pattern) for pattern in patterns)


def mask(text: str, patterns: Iterable[re.Pattern]) -> str:
    for pattern in patterns:
        text = pattern.sub(MASK, text)
    return text


class MaskSecretsFilter(logging.Filter):
    """A logging filter (LOGGING "filters") that masks secrets in a record.

    The message is formatted first, so that a secret passed as an argument
    ("Not Found: %s", path) is masked too; the record then carries the masked
    text and no arguments. A traceback is masked as well. It lets every record
    through: it changes records, it does not drop them.
    """

    def __init__(self, patterns: Iterable[str] = (), name: str = ""):
        super().__init__(name)
        self.patterns = compile_patterns(patterns)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 (a broken record is logging's to report)
            return True
        record.msg, record.args = mask(message, self.patterns), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text, self.patterns)
        return True


def mask_daphne_access_log(patterns: Iterable[str]) -> None:
    """Mask secrets in the request lines of Daphne's access log.

    Daphne's command line (`daphne ...`, verbosity 1 by default) writes its
    access log straight to stdout or to the --access-log file through
    daphne.access.AccessLogGenerator, not through logging: no logging filter
    ever sees those lines. Every line passes through its write_entry, which
    this wraps. Calling it again replaces the patterns.
    """
    from daphne.access import AccessLogGenerator

    compiled = compile_patterns(patterns)
    current = AccessLogGenerator.write_entry
    if hasattr(current, "masked_patterns"):
        current.masked_patterns = compiled
        return

    def write_entry(self, host, date, request, *args, **kwargs):
        request = mask(request, write_entry.masked_patterns)
        return current(self, host, date, request, *args, **kwargs)

    write_entry.masked_patterns = compiled
    AccessLogGenerator.write_entry = write_entry
