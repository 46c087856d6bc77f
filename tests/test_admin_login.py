"""The Django admin signs staff in through allauth: same throttle, same
email verification, no second door."""

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests"  # the factories' password


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff(db):
    """An operator's staff account, which the admin shows every organization to."""
    return factories.UserFactory(email="ops@example.test", is_staff=True, is_superuser=True)


def admin_login(client, password):
    return client.post(
        reverse("admin:login"),
        {"username": "ops@example.test", "password": password, "next": "/admin/"},
    )


def test_admin_login_page_sends_to_the_site_login(client):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login") + "?next=")


def test_admin_login_form_signs_no_one_in_even_with_the_right_password(client, staff):
    response = admin_login(client, PASSWORD)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session


def test_twelve_wrong_passwords_at_the_admin_door_then_the_throttle_holds(client, staff):
    for _attempt in range(12):
        assert admin_login(client, "wrong").status_code == 302
    assert "_auth_user_id" not in client.session
    # The only way in is allauth's login, whose per-email limit counts.
    for _attempt in range(5):
        client.post(reverse("account_login"), {"login": staff.email, "password": "wrong"})
    response = client.post(reverse("account_login"), {"login": staff.email, "password": PASSWORD})
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_staff_with_an_unverified_address_cannot_reach_the_admin(client, staff):
    EmailAddress.objects.filter(user=staff).update(verified=False)
    response = client.post(reverse("account_login"), {"login": staff.email, "password": PASSWORD})
    assert response["Location"] == reverse("account_email_verification_sent")
    assert client.get(reverse("admin:index")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_staff_signed_in_through_allauth_reaches_the_admin(client, staff):
    response = client.post(
        reverse("account_login"), {"login": staff.email, "password": PASSWORD, "next": "/admin/"}
    )
    assert response["Location"] == "/admin/"
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_signed_in_non_staff_user_is_refused_at_the_admin_login(client, participant):
    client.force_login(participant)
    assert client.get(reverse("admin:login")).status_code == 403
