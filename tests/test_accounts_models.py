"""The user model: email login, display name."""

import pytest
from django.db import IntegrityError, transaction

from accounts.models import User

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
