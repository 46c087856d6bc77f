"""The generic part of an event stream: one row per event, in a gapless order.

A stream is owned by a row that holds the counter (for example
`CohortSession.last_seq`); its events live in a concrete subclass of
`StreamEvent` that adds the foreign key to that owner and a unique constraint
on (owner, seq). See realtime/streams.py for how events are written and read.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Audience(models.TextChoices):
    """Who in the stream receives an event, besides the users in `user_ids`."""

    EVERYONE = "everyone", _("Everyone in the stream")
    FACILITATORS = "facilitators", _("Facilitators only")
    USERS = "users", _("Only the listed users")


class StreamEvent(models.Model):
    seq = models.PositiveIntegerField(_("sequence number"))
    type = models.CharField(_("type"), max_length=40)
    # The event as sent, minus "type" and "seq"; items may carry an opaque
    # "_author" key that is replaced by "mine" for each recipient.
    payload = models.JSONField(_("payload"), default=dict)
    audience = models.CharField(
        _("audience"), max_length=20, choices=Audience.choices, default=Audience.EVERYONE
    )
    # Users who receive the event whatever the audience (an author, say).
    user_ids = models.JSONField(_("also for users"), default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["seq"]

    def __str__(self):
        return f"#{self.seq} {self.type}"
