"""Factories of the reminders' records: opt-outs and sent reminders."""

import factory
from django.utils import timezone

from notifications.models import EmailOptOut, ReminderKind, SentReminder


class EmailOptOutFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmailOptOut
        django_get_or_create = ("user", "kind")

    user = factory.SubFactory("tests.factories.people.UserFactory")
    kind = ReminderKind.SESSION


class SentReminderFactory(factory.django.DjangoModelFactory):
    """A reminder claimed and sent (trait `failed`: refused by the mail server)."""

    class Meta:
        model = SentReminder

    user = factory.SubFactory("tests.factories.people.UserFactory")
    kind = ReminderKind.CHECKIN
    key = factory.Sequence(lambda n: f"checkin:{n}:2026-11-16")
    claimed_at = factory.LazyFunction(timezone.now)
    sent_at = factory.LazyFunction(timezone.now)

    class Params:
        failed = factory.Trait(
            sent_at=None,
            failed_at=factory.LazyFunction(timezone.now),
            last_error="SMTPServerDisconnected: Connection unexpectedly closed",
        )
