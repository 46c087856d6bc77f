"""Which reminders a person receives, and the signed one-click unsubscribe link.

Every kind is on until the person turns it off, on the settings page or with
the link in any reminder of that kind. The link needs no login: its token is
the user's id and the kind, signed with the site's secret key under a salt of
its own, so it cannot be made for another person or another kind, and it never
expires (an old email's link keeps working).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse

from accounts.models import User
from notifications.models import EmailOptOut, ReminderKind

UNSUBSCRIBE_SALT = "notifications.unsubscribe"


def unsubscribe_token(user_id: int, kind: str) -> str:
    return signing.dumps([user_id, kind], salt=UNSUBSCRIBE_SALT, compress=False)


def unsubscribe_url(user_id: int, kind: str) -> str:
    path = reverse("notifications:unsubscribe", args=[unsubscribe_token(user_id, kind)])
    return settings.SITE_URL.rstrip("/") + path


@dataclass(frozen=True)
class Unsubscribe:
    user: User
    kind: ReminderKind


def read_unsubscribe_token(token: str) -> Unsubscribe | None:
    """The person and kind the token names, or None for a forged, garbled or
    stale one (the person no longer exists, the kind is gone)."""
    try:
        user_id, kind = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if kind not in ReminderKind.values or not isinstance(user_id, int):
        return None
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return None
    return Unsubscribe(user=user, kind=ReminderKind(kind))


def enabled_kinds(user: User) -> set[str]:
    turned_off = set(EmailOptOut.objects.filter(user=user).values_list("kind", flat=True))
    return set(ReminderKind.values) - turned_off


def opted_out(users: Iterable[int]) -> set[tuple[int, str]]:
    """(user id, kind) of every kind each of `users` turned off, in one query."""
    return set(EmailOptOut.objects.filter(user_id__in=users).values_list("user_id", "kind"))


def turn_off(*, user: User, kind: str) -> None:
    """Turn one kind off; doing it twice (a second click) changes nothing."""
    EmailOptOut.objects.get_or_create(user=user, kind=kind)


@transaction.atomic
def set_enabled_kinds(*, user: User, kinds: Iterable[str]) -> None:
    """Keep exactly `kinds` on for `user`, and every other kind off."""
    on = set(kinds)
    off = set(ReminderKind.values) - on
    EmailOptOut.objects.filter(user=user, kind__in=on).delete()
    existing = set(
        EmailOptOut.objects.filter(user=user, kind__in=off).values_list("kind", flat=True)
    )
    EmailOptOut.objects.bulk_create(
        [EmailOptOut(user=user, kind=kind) for kind in sorted(off - existing)]
    )
