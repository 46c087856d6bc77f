"""Resending an invitation is throttled: once a minute, five times an hour per
invitation. A refused resend says when to try again and changes nothing: no
email, the same link, the same row."""

import datetime
import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from cohorts import invitations
from cohorts.models import Invitation
from lib.errors import DomainError

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The resends of the hour are counted in the cache."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def invitation(cohort, hr_admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return invitations.invite(
            cohort=cohort, invited_by=hr_admin, email="newcomer@acme.test", role="participant"
        )


def minutes_ago(invitation, minutes: float) -> None:
    """Move the last sending back, as if that much time had passed."""
    Invitation.objects.filter(pk=invitation.pk).update(
        sent_at=timezone.now() - datetime.timedelta(minutes=minutes)
    )


def resend(invitation, callbacks):
    with callbacks(execute=True):
        return invitations.resend_invitation(invitation=invitation)


def refused_resend(invitation, callbacks) -> DomainError:
    """A resend that is refused, and proof that it changed nothing."""
    before = Invitation.objects.values().get(pk=invitation.pk)
    sent = len(mail.outbox)
    with callbacks(execute=True), pytest.raises(DomainError) as refused:
        invitations.resend_invitation(invitation=invitation)
    assert Invitation.objects.values().get(pk=invitation.pk) == before
    assert len(mail.outbox) == sent
    assert refused.value.code == "resend_too_soon"
    return refused.value


def test_a_resend_within_a_minute_of_the_last_sending_is_refused(
    invitation, django_capture_on_commit_callbacks
):
    minutes_ago(invitation, 0.5)
    error = refused_resend(invitation, django_capture_on_commit_callbacks)
    assert "less than a minute ago" in error.message
    # Thirty seconds left, give or take the time the test takes.
    assert re.search(r"You can resend it in (29|30) seconds\.", error.message)


def test_a_resend_a_minute_later_goes_out(invitation, django_capture_on_commit_callbacks):
    minutes_ago(invitation, 1)
    resent = resend(invitation, django_capture_on_commit_callbacks)
    assert resent.send_count == 2
    assert len(mail.outbox) == 2


def test_a_sixth_resend_within_the_hour_is_refused_until_the_first_is_an_hour_old(
    invitation, django_capture_on_commit_callbacks, monkeypatch
):
    for _ in range(invitations.RESENDS_PER_HOUR):
        minutes_ago(invitation, 2)
        resend(invitation, django_capture_on_commit_callbacks)
    minutes_ago(invitation, 2)
    error = refused_resend(invitation, django_capture_on_commit_callbacks)
    assert "resent 5 times in the last hour" in error.message
    assert "You can resend it again in 60 minutes." in error.message

    later = timezone.now() + datetime.timedelta(hours=1, seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    resent = resend(invitation, django_capture_on_commit_callbacks)
    assert resent.send_count == 2 + invitations.RESENDS_PER_HOUR


def test_the_roster_says_when_a_refused_resend_can_be_tried_again(
    client, cohort, hr_admin, invitation, django_capture_on_commit_callbacks
):
    client.force_login(hr_admin)
    before = Invitation.objects.values().get(pk=invitation.pk)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("cohorts:invitation_resend", args=[cohort.pk, invitation.pk]), follow=True
        )
    text = response.content.decode()
    assert "sent less than a minute ago" in text and "You can resend it in" in text
    assert "A new link was sent" not in text
    assert Invitation.objects.values().get(pk=invitation.pk) == before
    assert len(mail.outbox) == 1  # the invitation itself


def test_a_rolled_back_resend_is_not_counted(invitation, django_capture_on_commit_callbacks):
    """Only resends that were sent count toward the hour."""
    for _ in range(invitations.RESENDS_PER_HOUR + 1):
        minutes_ago(invitation, 2)
        invitations.resend_invitation(invitation=invitation)  # never committed
    minutes_ago(invitation, 2)
    resend(invitation, django_capture_on_commit_callbacks)
