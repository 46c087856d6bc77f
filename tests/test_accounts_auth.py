"""allauth in the site: log in (throttled), email verification, password reset
in all its steps, password change, log out. Sign-up is closed: people join from
an invitation (tests/test_invitation_only_signup.py)."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from accounts.models import User
from tests import factories

pytestmark = pytest.mark.django_db

URL = re.compile(r"https?://[^/\s]+(?P<path>/\S+)")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """allauth counts failed logins in the cache; each test starts from zero."""
    cache.clear()
    yield
    cache.clear()


def link_in_last_email() -> str:
    return URL.search(mail.outbox[-1].body)["path"]


def log_in(client, email, password="pw-for-tests"):
    return client.post(reverse("account_login"), {"login": email, "password": password})


# Log in --------------------------------------------------------------------------------


def test_login_page_matches_the_site_and_keeps_its_labels(client):
    response = client.get(reverse("account_login"))
    text = response.content.decode()
    assert response.status_code == 200
    assert 'class="skip-link"' in text  # base.html
    assert '<label for="id_login">Email:</label>' in text
    assert '<label for="id_password">Password:</label>' in text
    assert ">Sign In</button>" in text
    assert reverse("account_reset_password") in text
    assert reverse("account_signup") not in text


def test_login_goes_to_my_cohorts(client, participant):
    response = log_in(client, "P1@acme.test")
    assert response.status_code == 302
    assert response["Location"] == reverse("cohorts:home")
    assert client.get(reverse("cohorts:home")).context["user"] == participant


def test_wrong_password_is_refused_with_a_message(client, participant):
    response = log_in(client, participant.email, "wrong")
    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    assert not response.context["user"].is_authenticated


def test_failed_logins_are_throttled_per_email(client, participant):
    for _attempt in range(5):
        assert log_in(client, participant.email, "wrong").status_code == 200
    # Even the right password waits now: allauth's "5/5m/key" limit.
    response = log_in(client, participant.email)
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert not response.context["user"].is_authenticated


def test_unverified_email_cannot_log_in_and_gets_a_new_link(client):
    user = User.objects.create_user(email="new@example.test", password="a-long-passphrase-1")
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    response = log_in(client, user.email, "a-long-passphrase-1")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert mail.outbox[-1].to == [user.email]


# Email verification -------------------------------------------------------------------------


def test_an_unverified_address_is_confirmed_from_the_emailed_link(client):
    """A login with an unverified address sends a confirmation link; once
    confirmed, the login goes through."""
    user = User.objects.create_user(email="ada@example.test", password="an-analytical-engine")
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    response = log_in(client, "ada@example.test", "an-analytical-engine")
    assert response["Location"] == reverse("account_email_verification_sent")
    sent = client.get(response["Location"])
    assert "Check your email" in sent.content.decode()

    confirm_url = link_in_last_email()
    confirm_page = client.get(confirm_url)
    assert "Confirm that ada@example.test is your email address." in (
        confirm_page.content.decode()
    )
    client.post(confirm_url)
    assert EmailAddress.objects.get(user=user).verified
    assert log_in(client, "ada@example.test", "an-analytical-engine").status_code == 302


def test_a_bad_confirmation_link_says_so(client):
    response = client.get(reverse("account_confirm_email", args=["nonsense"]))
    assert "has expired or is not valid" in response.content.decode()


# Password reset, all steps -------------------------------------------------------------------


def test_password_reset_from_request_to_new_password(client, participant):
    page = client.get(reverse("account_reset_password")).content.decode()
    assert "Reset your password" in page
    response = client.post(reverse("account_reset_password"), {"email": participant.email})
    assert response["Location"] == reverse("account_reset_password_done")
    assert "Check your email" in client.get(response["Location"]).content.decode()

    key_url = link_in_last_email()
    # allauth moves the key into the session and redirects to a key-less URL.
    form_url = client.get(key_url)["Location"]
    form_page = client.get(form_url)
    assert "Choose a new password" in form_page.content.decode()
    done = client.post(
        form_url, {"password1": "a-brand-new-passphrase", "password2": "a-brand-new-passphrase"}
    )
    assert done["Location"] == reverse("account_reset_password_from_key_done")
    assert "Password changed" in client.get(done["Location"]).content.decode()
    participant.refresh_from_db()
    assert participant.check_password("a-brand-new-passphrase")

    # The link works once.
    again = client.__class__().get(key_url, follow=True)
    assert "This link does not work" in again.content.decode()


def test_password_reset_for_an_unknown_email_reveals_nothing(client):
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.test"})
    assert response["Location"] == reverse("account_reset_password_done")


# Password change and log out ----------------------------------------------------------------


def test_password_change(client, participant):
    client.force_login(participant)
    page = client.get(reverse("account_change_password")).content.decode()
    assert "Logged in as p1@acme.test." in page
    response = client.post(
        reverse("account_change_password"),
        {
            "oldpassword": "pw-for-tests",
            "password1": "a-brand-new-passphrase",
            "password2": "a-brand-new-passphrase",
        },
    )
    assert response.status_code == 302
    participant.refresh_from_db()
    assert participant.check_password("a-brand-new-passphrase")


def test_password_change_with_a_wrong_current_password_changes_nothing(client, participant):
    client.force_login(participant)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": "wrong", "password1": "a-new-passphrase", "password2": "a-new-passphrase"},
    )
    assert response.status_code == 200
    participant.refresh_from_db()
    assert participant.check_password("pw-for-tests")


def test_log_out(client, participant):
    client.force_login(participant)
    page = client.get(reverse("account_logout")).content.decode()
    assert "Are you sure you want to log out?" in page
    client.post(reverse("account_logout"))
    response = client.get(reverse("cohorts:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_pages_without_their_own_template_still_use_the_site_layout(client):
    user = factories.UserFactory()
    client.force_login(user)
    text = client.get(reverse("account_email")).content.decode()
    assert 'class="skip-link"' in text and "<title>" in text
