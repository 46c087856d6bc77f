"""Reminder emails: who turned which kind off, and which reminder went to whom.

A `SentReminder` row is the claim that makes a reminder go out at most once:
it is inserted, in a transaction of its own, before the email is sent, and
the unique (user, kind, key) lets only one run have it (notifications/reminders.py).
"""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReminderKind(models.TextChoices):
    SESSION = "session", _("Session reminders")
    CHECKIN = "checkin", _("Check-in due")
    AGENDA = "agenda", _("Agenda still to prepare")
    QUIET = "quiet", _("A participant has gone quiet")


class EmailOptOut(models.Model):
    """A person turned one kind of reminder off (on is the default)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_opt_outs"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ReminderKind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("email opt-out")
        verbose_name_plural = _("email opt-outs")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_opt_out_per_kind")
        ]

    def __str__(self):
        return f"{self.user}: {self.get_kind_display()}"


# A claim still without an outcome after this long was left by a run that
# died: the admin says so, for an operator to decide (deleting it resends).
OUTCOME_EXPECTED_WITHIN = datetime.timedelta(minutes=10)


class SentReminder(models.Model):
    """One reminder to one person, claimed before it is sent.

    States: claimed (sent_at and failed_at empty: being sent, or the process
    died between sending and recording, and it is never sent again), sent, or
    failed (the mail server refused it: the next run claims it again).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sent_reminders"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ReminderKind.choices)
    # What the reminder is about, specific enough that a changed subject (a
    # session moved to another time) makes a new key and a new reminder.
    key = models.CharField(_("key"), max_length=200)
    claimed_at = models.DateTimeField(_("claimed at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=1)
    # The mail library's exception class and message, for the operator.
    last_error = models.CharField(_("last error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("sent reminder")
        verbose_name_plural = _("sent reminders")
        ordering = ["-claimed_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "key"], name="one_reminder_per_key")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.user} ({self.key})"

    @property
    def state(self) -> str:
        if self.sent_at:
            return _("sent")
        if self.failed_at:
            return _("failed")
        if timezone.now() - self.claimed_at > OUTCOME_EXPECTED_WITHIN:
            # No run takes this long: it died between claiming and recording.
            return _("no outcome: perhaps sent, never retried")
        return _("claimed")
