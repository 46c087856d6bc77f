"""The user model (email login, display name) and the invitation model."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Invitation, User, hash_token
from tests import factories

pytestmark = pytest.mark.django_db


def test_create_user_lowercases_the_email_and_has_no_username():
    user = User.objects.create_user(email="Ada@Example.TEST", password="pw")
    assert user.email == "ada@example.test"
    assert user.check_password("pw")
    assert not user.is_staff and not user.is_superuser
    assert User.USERNAME_FIELD == "email"
    assert not hasattr(user, "first_name") or user.first_name is None


def test_create_user_needs_an_email():
    with pytest.raises(ValueError):
        User.objects.create_user(email="", password="pw")


def test_create_superuser_is_staff_and_superuser():
    user = User.objects.create_superuser(email="root@example.test", password="pw")
    assert user.is_staff and user.is_superuser


def test_email_is_unique():
    User.objects.create_user(email="a@example.test")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(email="A@example.test")


def test_names_fall_back_to_the_email():
    named = User(email="ada@example.test", display_name="Ada Lovelace")
    unnamed = User(email="bob@example.test")
    assert (str(named), named.get_full_name(), named.get_short_name()) == ("Ada Lovelace",) * 3
    assert (str(unnamed), unnamed.get_full_name()) == ("bob@example.test",) * 2
    assert unnamed.get_short_name() == "bob"


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
