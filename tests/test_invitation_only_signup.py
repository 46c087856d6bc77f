"""Invitations are the only way in: public sign-up is closed, and an account
whose address was never verified neither blocks an invitation (by sending its
invitee to log in) nor survives it in the hands of whoever opened it."""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from accounts.adapter import AccountAdapter
from accounts.models import User
from cohorts import invitation_acceptance
from cohorts.models import Invitation, Membership
from lib.errors import DomainError
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-and-rare-passphrase"


def signup_data(**overrides):
    return {
        "display_name": "Nova Newcomer",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **overrides,
    }


# Public sign-up is closed ---------------------------------------------------------------


def test_the_adapter_closes_public_signup(rf):
    assert AccountAdapter().is_open_for_signup(rf.get("/")) is False


def test_the_signup_page_says_it_is_closed_and_a_post_creates_nobody(client):
    page = client.get(reverse("account_signup"))
    assert "Sign up is closed" in page.content.decode()
    response = client.post(
        reverse("account_signup"),
        {
            "email": "intruder@acme.test",
            "display_name": "Intruder",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert "Sign up is closed" in response.content.decode()
    assert not User.objects.exists()
    assert not EmailAddress.objects.exists()


@pytest.mark.parametrize("url_name", ["account_login", "account_reset_password"])
def test_no_page_offers_signup(client, url_name):
    text = client.get(reverse(url_name)).content.decode()
    assert reverse("account_signup") not in text
    assert "Sign up" not in text


def test_the_invitation_page_still_signs_people_up(client, cohort):
    factories.InvitationFactory(cohort=cohort, token="tok", email="newcomer@acme.test")
    response = client.post(reverse("cohorts:invitation", args=["tok"]), signup_data())
    assert response.status_code == 302
    user = User.objects.get(email="newcomer@acme.test")
    assert Membership.objects.filter(cohort=cohort, user=user).exists()


# An unverified account does not block or hijack an invitation ------------------------------


@pytest.fixture
def squatter():
    """An account someone opened for newcomer@acme.test without ever verifying
    it, with a second address of their own, verified."""
    user = User.objects.create_user(
        email="newcomer@acme.test", password="the-squatters-password", display_name="Squatter"
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    EmailAddress.objects.create(user=user, email="squatter@evil.test", verified=True)
    return user


def test_an_unverified_account_does_not_send_the_invitee_to_log_in(client, cohort, squatter):
    factories.InvitationFactory(cohort=cohort, token="tok", email="newcomer@acme.test")
    page = client.get(reverse("cohorts:invitation", args=["tok"]))
    assert page.status_code == 200
    assert page.context["mode"] == "signup"
    assert page.context["unverified_account"] is True
    assert "never confirmed" in page.content.decode()


def test_signing_up_from_the_invitation_takes_the_unverified_account_over(
    client, cohort, squatter
):
    """Same account row (nothing dangles), but the invitee's password and name,
    the invitation's address verified as its only one, and the squatter's
    session ended."""
    factories.InvitationFactory(cohort=cohort, token="tok", email="newcomer@acme.test")
    squatter_client = Client()
    squatter_client.force_login(squatter)
    users_before = User.objects.count()

    response = client.post(reverse("cohorts:invitation", args=["tok"]), signup_data())

    assert response.status_code == 302
    assert User.objects.count() == users_before
    user = User.objects.get(email="newcomer@acme.test")
    assert user.pk == squatter.pk
    assert user.check_password(PASSWORD)
    assert not user.check_password("the-squatters-password")
    assert user.display_name == "Nova Newcomer"
    assert list(EmailAddress.objects.filter(user=user).values_list("email", "verified")) == [
        ("newcomer@acme.test", True)
    ]
    assert Membership.objects.filter(cohort=cohort, user=user).exists()
    assert Invitation.objects.get().accepted_by == user
    # The invitee is logged in; the squatter's session no longer is.
    assert int(client.session[SESSION_KEY]) == user.pk
    assert not squatter_client.get(reverse("cohorts:home")).wsgi_request.user.is_authenticated


def test_the_squatter_cannot_reset_the_taken_over_account_s_password(client, cohort, squatter):
    factories.InvitationFactory(cohort=cohort, token="tok", email="newcomer@acme.test")
    client.post(reverse("cohorts:invitation", args=["tok"]), signup_data())
    assert not EmailAddress.objects.filter(email="squatter@evil.test").exists()


def test_an_unverified_claim_of_the_address_on_another_account_gives_way(client, cohort):
    """Another account listing the address, unverified, as a second one keeps
    its own address and loses that claim; the invitee gets a new account."""
    other = factories.UserFactory(email="other@acme.test")
    EmailAddress.objects.create(user=other, email="newcomer@acme.test", verified=False)
    factories.InvitationFactory(cohort=cohort, token="tok", email="newcomer@acme.test")

    page = client.get(reverse("cohorts:invitation", args=["tok"]))
    assert page.context["mode"] == "signup"
    response = client.post(reverse("cohorts:invitation", args=["tok"]), signup_data())

    assert response.status_code == 302
    user = User.objects.get(email="newcomer@acme.test")
    assert user.pk != other.pk
    assert list(EmailAddress.objects.filter(user=other).values_list("email", flat=True)) == [
        "other@acme.test"
    ]
    assert EmailAddress.objects.get(email="newcomer@acme.test").user == user


def test_a_verified_account_is_still_asked_to_log_in(client, cohort, outsider):
    factories.InvitationFactory(cohort=cohort, token="tok", email=outsider.email)
    page = client.get(reverse("cohorts:invitation", args=["tok"]))
    assert page.context["mode"] == "login"


def test_a_disabled_unverified_account_is_not_taken_over(client, cohort, squatter):
    squatter.is_active = False
    squatter.save()
    factories.InvitationFactory(cohort=cohort, token="tok", email="newcomer@acme.test")
    before = sorted(EmailAddress.objects.values_list("pk", "email", "verified"))
    response = client.post(reverse("cohorts:invitation", args=["tok"]), signup_data())
    assert response.status_code == 200
    assert "disabled" in str(response.context["form"].non_field_errors())
    squatter.refresh_from_db()
    assert squatter.check_password("the-squatters-password")
    assert sorted(EmailAddress.objects.values_list("pk", "email", "verified")) == before
    assert Invitation.objects.get().accepted_at is None


def test_a_takeover_that_cannot_accept_leaves_the_unverified_account_as_it_was(
    cohort, participant, squatter
):
    """A full cohort refuses the acceptance; the account is not changed either."""
    cohort.capacity = 1
    cohort.save()
    invitation = factories.InvitationFactory(cohort=cohort, email="newcomer@acme.test")
    before = sorted(EmailAddress.objects.values_list("pk", "email", "verified"))
    with pytest.raises(DomainError) as refused:
        invitation_acceptance.sign_up_with_invitation(
            invitation=invitation, display_name="Nova", password=PASSWORD
        )
    assert refused.value.code == "cohort_full"
    squatter.refresh_from_db()
    assert squatter.check_password("the-squatters-password")
    assert squatter.display_name == "Squatter"
    assert sorted(EmailAddress.objects.values_list("pk", "email", "verified")) == before
