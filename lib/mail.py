"""Email written inside a transaction, sent after it commits; and email
written now, for callers that send it themselves (the reminders)."""

from __future__ import annotations

from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction


def write_email(
    *,
    subject: str,
    body: str,
    to: list[str],
    html: str | None = None,
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    """The email, plain text with an HTML alternative when `html` is given.

    Built at once (`message()` checks every header), so that what the mail
    library refuses (BadHeaderError: a line break in the subject) raises here,
    where the caller can still decide, rather than when it is sent.
    """
    if html is None:
        message = EmailMessage(subject=subject, body=body, to=to, headers=headers)
    else:
        message = EmailMultiAlternatives(subject=subject, body=body, to=to, headers=headers)
        message.attach_alternative(html, "text/html")
    message.message()
    return message


def send_after_commit(
    *,
    subject: str,
    body: str,
    to: list[str],
    html: str | None = None,
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    """Write the email now and send it once the caller's transaction commits.

    Written first, so that what the mail library refuses (BadHeaderError: a
    line break in the subject, from a name saved before names had to be one
    line) raises in the caller's transaction and rolls its change back, rather
    than failing after the commit with the change made and no email sent. Sent
    after commit, so that a change rolled back reaches no inbox.
    """
    message = write_email(subject=subject, body=body, to=to, html=html, headers=headers)
    transaction.on_commit(message.send)
    return message
