"""Email written inside a transaction, sent after it commits."""

from __future__ import annotations

from django.core.mail import EmailMessage
from django.db import transaction


def send_after_commit(*, subject: str, body: str, to: list[str]) -> EmailMessage:
    """Write the email now and send it once the caller's transaction commits.

    Written first, so that what the mail library refuses (BadHeaderError: a
    line break in the subject, from a name saved before names had to be one
    line) raises in the caller's transaction and rolls its change back, rather
    than failing after the commit with the change made and no email sent. Sent
    after commit, so that a change rolled back reaches no inbox.
    """
    message = EmailMessage(subject=subject, body=body, to=to)
    message.message()  # builds the MIME message, which checks every header
    transaction.on_commit(message.send)
    return message
