"""The invitation model: its token, its status, its label."""

import datetime

import pytest
from django.utils import timezone

from cohorts.models import Invitation, hash_token
from tests import factories

pytestmark = pytest.mark.django_db


def test_invitation_token_is_random_and_only_its_hash_is_kept():
    token, token_hash = Invitation.new_token()
    other_token, _ = Invitation.new_token()
    assert token != other_token and len(token) >= 40
    assert token_hash == hash_token(token) and len(token_hash) == 64
    assert token not in token_hash


@pytest.mark.parametrize(
    ("fields", "status", "label"),
    [
        ({}, "pending", "Pending"),
        ({"accepted_at": timezone.now()}, "accepted", "Accepted"),
        ({"revoked_at": timezone.now()}, "revoked", "Revoked"),
        ({"expires_at": timezone.now() - datetime.timedelta(seconds=1)}, "expired", "Expired"),
    ],
)
def test_invitation_status(cohort, fields, status, label):
    invitation = factories.InvitationFactory(cohort=cohort, **fields)
    assert invitation.status == status
    assert invitation.get_status_display() == label
    assert (invitation in Invitation.objects.pending()) is (status == "pending")


def test_invitation_string(cohort):
    invitation = factories.InvitationFactory(cohort=cohort, email="x@acme.test")
    assert str(invitation) == "x@acme.test → Leading Through Change (Participant)"
