"""Invitations end to end: invite, the email's link, accepting as a new or an
existing user, and every way a link can be unusable (nothing changes then)."""

import datetime
import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from cohorts import invitation_acceptance, invitations
from cohorts.models import Invitation, Membership, OrganizationMembership, hash_token
from lib.errors import DomainError
from tests import factories

LINK = re.compile(r"https?://\S+/invitations/(?P<token>[^/\s]+)/")

pytestmark = pytest.mark.django_db


def invite(cohort, hr_admin, django_capture_on_commit_callbacks, **fields):
    """Invite through the service and return (invitation, token from the email)."""
    fields = {"email": "newcomer@acme.test", "role": "participant", **fields}
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invitations.invite(cohort=cohort, invited_by=hr_admin, **fields)
    token = LINK.search(mail.outbox[-1].body)["token"]
    return invitation, token


def snapshot(cohort):
    """What an accepted invitation would change."""
    return (
        User.objects.count(),
        Membership.objects.filter(cohort=cohort).count(),
        OrganizationMembership.objects.count(),
        sorted(Invitation.objects.values_list("pk", "accepted_at", "revoked_at")),
    )


def signup_data(**overrides):
    return {
        "display_name": "Nova Newcomer",
        "password1": "a-long-and-rare-passphrase",
        "password2": "a-long-and-rare-passphrase",
        **overrides,
    }


# Inviting --------------------------------------------------------------------


def test_invite_emails_a_single_use_link_and_stores_only_its_hash(
    cohort, hr_admin, django_capture_on_commit_callbacks
):
    invitation, token = invite(
        cohort, hr_admin, django_capture_on_commit_callbacks, name="Nova Newcomer"
    )
    assert mail.outbox[-1].to == ["newcomer@acme.test"]
    assert "Leading Through Change" in mail.outbox[-1].subject
    assert invitation.token_hash == hash_token(token)
    assert token not in invitation.token_hash
    assert invitation.status == "pending"
    assert invitation.expires_at - invitation.created_at == datetime.timedelta(days=7)


def test_invitation_email_is_not_sent_when_the_transaction_rolls_back(cohort, hr_admin):
    """The email goes out on commit; a rolled-back invitation reaches no inbox."""
    invitations.invite(cohort=cohort, invited_by=hr_admin, email="x@acme.test", role="participant")
    assert mail.outbox == []  # the test transaction never commits


def test_expiry_follows_the_setting(
    cohort, hr_admin, settings, django_capture_on_commit_callbacks
):
    settings.INVITATION_EXPIRY_DAYS = 2
    invitation, _token = invite(cohort, hr_admin, django_capture_on_commit_callbacks)
    assert invitation.expires_at - invitation.created_at == datetime.timedelta(days=2)


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"email": "not-an-email"}, "bad_email"),
        ({"role": "boss"}, "bad_role"),
        ({"email": "p1@acme.test"}, "already_member"),
        ({"leader_email": "newcomer@acme.test"}, "own_leader"),
        ({"leader_email": "stranger@elsewhere.test"}, "leader_not_member"),
        ({"role": "facilitator", "leader_email": "lead1@acme.test"}, "leader_not_allowed"),
        ({"role": "leader", "email": "lead1@acme.test"}, "already_member"),
    ],
)
def test_invite_refuses_broken_rules_and_creates_nothing(
    cohort, hr_admin, participant, fields, code
):
    fields = {"email": "newcomer@acme.test", "role": "participant", **fields}
    with pytest.raises(DomainError) as refused:
        invitations.invite(cohort=cohort, invited_by=hr_admin, **fields)
    assert refused.value.code == code
    assert not Invitation.objects.exists()


def test_second_pending_invitation_for_the_same_email_is_refused(
    cohort, hr_admin, django_capture_on_commit_callbacks
):
    invite(cohort, hr_admin, django_capture_on_commit_callbacks)
    with pytest.raises(DomainError) as refused:
        invitations.invite(
            cohort=cohort, invited_by=hr_admin, email="NEWCOMER@acme.test", role="participant"
        )
    assert refused.value.code == "already_invited"
    assert Invitation.objects.count() == 1


def test_capacity_counts_members_and_pending_invitations(cohort, hr_admin, participant):
    cohort.capacity = 2
    cohort.save()
    invitations.invite(cohort=cohort, invited_by=hr_admin, email="a@acme.test", role="participant")
    with pytest.raises(DomainError) as refused:
        invitations.invite(
            cohort=cohort, invited_by=hr_admin, email="b@acme.test", role="participant"
        )
    assert refused.value.code == "cohort_full"
    assert "full" in refused.value.message
    # Facilitators and leaders take no seat.
    invitations.invite(cohort=cohort, invited_by=hr_admin, email="c@acme.test", role="facilitator")
    assert Invitation.objects.count() == 2


def test_leader_may_be_named_while_their_own_invitation_is_pending(cohort, hr_admin):
    invitations.invite(cohort=cohort, invited_by=hr_admin, email="boss@acme.test", role="leader")
    invitation = invitations.invite(
        cohort=cohort,
        invited_by=hr_admin,
        email="report@acme.test",
        role="participant",
        leader_email="boss@acme.test",
    )
    assert invitation.leader_email == "boss@acme.test"


# Resend and revoke -------------------------------------------------------------


def test_resend_sends_a_new_link_and_the_old_one_stops_working(
    client, cohort, hr_admin, django_capture_on_commit_callbacks
):
    invitation, old_token = invite(cohort, hr_admin, django_capture_on_commit_callbacks)
    # Past the resend throttle's minute.
    Invitation.objects.filter(pk=invitation.pk).update(
        sent_at=timezone.now() - datetime.timedelta(minutes=2)
    )
    with django_capture_on_commit_callbacks(execute=True):
        invitations.resend_invitation(invitation=invitation)
    new_token = LINK.search(mail.outbox[-1].body)["token"]
    invitation.refresh_from_db()
    assert new_token != old_token
    assert invitation.send_count == 2
    assert client.get(reverse("cohorts:invitation", args=[old_token])).status_code == 404
    assert client.get(reverse("cohorts:invitation", args=[new_token])).status_code == 200


def test_resend_restarts_the_clock_of_an_expired_invitation(cohort):
    invitation = factories.InvitationFactory(
        cohort=cohort,
        sent_at=timezone.now() - datetime.timedelta(days=8),
        expires_at=timezone.now() - datetime.timedelta(days=1),
    )
    invitations.resend_invitation(invitation=invitation)
    invitation.refresh_from_db()
    assert invitation.status == "pending"


@pytest.mark.parametrize("state", ["accepted", "revoked"])
def test_resend_refuses_a_used_or_revoked_invitation(cohort, participant, state):
    invitation = factories.InvitationFactory(cohort=cohort)
    if state == "accepted":
        Invitation.objects.filter(pk=invitation.pk).update(
            accepted_at=timezone.now(), accepted_by=participant
        )
    else:
        Invitation.objects.filter(pk=invitation.pk).update(revoked_at=timezone.now())
    before = Invitation.objects.values().get(pk=invitation.pk)
    with pytest.raises(DomainError):
        invitations.resend_invitation(invitation=invitation)
    assert Invitation.objects.values().get(pk=invitation.pk) == before


def test_revoke_refuses_an_accepted_invitation(cohort, participant):
    invitation = factories.InvitationFactory(
        cohort=cohort, accepted_at=timezone.now(), accepted_by=participant
    )
    with pytest.raises(DomainError) as refused:
        invitations.revoke_invitation(invitation=invitation)
    assert refused.value.code == "already_accepted"
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


# Accepting as a new user -----------------------------------------------------------


def test_new_user_signs_up_from_the_link_verified_logged_in_and_enrolled(
    client, cohort, hr_admin, leader, django_capture_on_commit_callbacks
):
    _invitation, token = invite(
        cohort,
        hr_admin,
        django_capture_on_commit_callbacks,
        name="Nova Newcomer",
        leader_email="lead1@acme.test",
    )
    url = reverse("cohorts:invitation", args=[token])
    page = client.get(url)
    assert page.status_code == 200
    assert "newcomer@acme.test" in page.content.decode()
    assert page.context["form"].initial["display_name"] == "Nova Newcomer"

    response = client.post(url, signup_data())
    assert response.status_code == 302
    assert response["Location"] == reverse("cohorts:home")
    user = User.objects.get(email="newcomer@acme.test")
    assert user.display_name == "Nova Newcomer"
    assert user.check_password("a-long-and-rare-passphrase")
    address = EmailAddress.objects.get(user=user)
    assert (address.email, address.verified, address.primary) == (user.email, True, True)
    membership = Membership.objects.get(cohort=cohort, user=user)
    assert membership.role == Membership.Role.PARTICIPANT
    assert membership.leader == leader
    assert OrganizationMembership.objects.filter(organization=cohort.organization, user=user)
    # Logged in: the home page lists the cohort.
    home = client.get(reverse("cohorts:home"))
    assert "Leading Through Change" in home.content.decode()


def test_signup_with_bad_passwords_shows_errors_and_creates_nothing(client, cohort):
    factories.InvitationFactory(cohort=cohort, token="tok", email="newcomer@acme.test")
    before = snapshot(cohort)
    url = reverse("cohorts:invitation", args=["tok"])
    mismatch = client.post(url, signup_data(password2="something-else-entirely"))
    weak = client.post(url, signup_data(password1="123", password2="123"))
    nameless = client.post(url, signup_data(display_name="   "))
    assert mismatch.status_code == weak.status_code == nameless.status_code == 200
    assert mismatch.context["form"].errors["password2"]
    assert weak.context["form"].errors["password1"]
    assert nameless.context["form"].errors["display_name"]
    assert snapshot(cohort) == before


def test_double_submit_of_the_signup_accepts_once(client, cohort):
    factories.InvitationFactory(cohort=cohort, token="tok", email="newcomer@acme.test")
    url = reverse("cohorts:invitation", args=["tok"])
    first = client.post(url, signup_data())
    # The second click left the browser before the first answer set the cookie.
    second = client.__class__().post(url, signup_data())
    assert first.status_code == 302
    assert second.status_code == 410
    assert User.objects.filter(email="newcomer@acme.test").count() == 1
    assert Membership.objects.filter(cohort=cohort, user__email="newcomer@acme.test").count() == 1


def test_signup_into_a_full_cohort_is_refused_and_leaves_no_account(client, cohort, participant):
    cohort.capacity = 1
    cohort.save()
    # Invited when there was room; the seat was taken since.
    Invitation.objects.create(
        cohort=cohort,
        email="late@acme.test",
        role="participant",
        token_hash=hash_token("late"),
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )
    before = snapshot(cohort)
    response = client.post(reverse("cohorts:invitation", args=["late"]), signup_data())
    assert response.status_code == 200
    assert "full" in str(response.context["form"].non_field_errors())
    assert snapshot(cohort) == before


# Accepting as an existing user ----------------------------------------------------


def test_existing_user_is_asked_to_log_in_and_comes_back_to_accept(client, cohort, outsider):
    factories.InvitationFactory(cohort=cohort, token="tok", email=outsider.email)
    url = reverse("cohorts:invitation", args=["tok"])
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["mode"] == "login"
    assert page.context["login_url"] == reverse("account_login") + "?next=" + url.replace(
        "/", "%2F"
    )
    # Signing up again with that email is not offered, and a forged POST does nothing.
    before = snapshot(cohort)
    assert client.post(url, signup_data()).status_code == 200
    assert snapshot(cohort) == before

    login = client.post(
        reverse("account_login") + "?next=" + url,
        {"login": outsider.email, "password": "pw-for-tests"},
    )
    assert login.status_code == 302
    assert login["Location"] == url
    page = client.get(url)
    assert page.context["mode"] == "accept"
    response = client.post(url)
    assert response.status_code == 302
    assert Membership.objects.get(cohort=cohort, user=outsider).role == "participant"


def test_existing_user_double_submit_accepts_once(client, cohort, outsider):
    factories.InvitationFactory(cohort=cohort, token="tok", email=outsider.email)
    client.force_login(outsider)
    url = reverse("cohorts:invitation", args=["tok"])
    first = client.post(url)
    second = client.post(url)
    assert first.status_code == second.status_code == 302
    assert second["Location"] == reverse("cohorts:home")
    assert Membership.objects.filter(cohort=cohort, user=outsider).count() == 1


def test_accepting_keeps_an_existing_display_name(client, cohort, outsider):
    factories.InvitationFactory(cohort=cohort, token="tok", email=outsider.email, name="Other")
    client.force_login(outsider)
    client.post(reverse("cohorts:invitation", args=["tok"]))
    outsider.refresh_from_db()
    assert outsider.display_name == "Sam Else"


def test_logged_in_as_another_email_gets_a_clear_page_and_nothing_changes(
    client, cohort, facilitator
):
    factories.InvitationFactory(cohort=cohort, token="tok", email="newcomer@acme.test")
    client.force_login(facilitator)
    before = snapshot(cohort)
    url = reverse("cohorts:invitation", args=["tok"])
    page = client.get(url)
    posted = client.post(url, signup_data())
    assert page.status_code == posted.status_code == 403
    text = page.content.decode()
    assert "newcomer@acme.test" in text and "coach@acme.test" in text
    assert snapshot(cohort) == before


def test_facilitator_invitation_makes_a_facilitator(client, cohort, outsider):
    factories.InvitationFactory(
        cohort=cohort, token="tok", email=outsider.email, role="facilitator"
    )
    client.force_login(outsider)
    client.post(reverse("cohorts:invitation", args=["tok"]))
    assert Membership.objects.get(cohort=cohort, user=outsider).role == "facilitator"


def report_accepts_before_their_leader(leader_cohort, cohort, hr_admin, callbacks):
    """boss@ invited as a leader through `leader_cohort`, then report@ invited
    to `cohort` naming boss@ as leader; report@ accepts. Returns report@."""
    invite(leader_cohort, hr_admin, callbacks, email="boss@acme.test", role="leader")
    participant_invitation, _ = invite(
        cohort, hr_admin, callbacks, email="report@acme.test", leader_email="boss@acme.test"
    )
    report = factories.UserFactory(email="report@acme.test")
    invitation_acceptance.accept_invitation(invitation=participant_invitation, user=report)
    return report


def leader_accepts():
    boss = factories.UserFactory(email="boss@acme.test")
    invitation = Invitation.objects.get(email="boss@acme.test")
    invitation_acceptance.accept_invitation(invitation=invitation, user=boss)
    return boss


def test_leader_invitation_joins_the_organization_and_links_waiting_participants(
    cohort, hr_admin, django_capture_on_commit_callbacks
):
    report = report_accepts_before_their_leader(
        cohort, cohort, hr_admin, django_capture_on_commit_callbacks
    )
    membership = Membership.objects.get(cohort=cohort, user=report)
    assert membership.leader is None  # the leader has not joined yet

    boss = leader_accepts()
    membership.refresh_from_db()
    assert membership.leader == boss
    assert not Membership.objects.filter(cohort=cohort, user=boss).exists()
    assert OrganizationMembership.objects.get(
        organization=cohort.organization, user=boss
    ).role == ("member")


def test_a_leader_invited_through_another_cohort_is_linked_when_they_accept(
    cohort, hr_admin, django_capture_on_commit_callbacks
):
    """The leader check allows a leader invited anywhere in the organization."""
    sister = factories.CohortFactory(organization=cohort.organization, name="Second cohort")
    report = report_accepts_before_their_leader(
        sister, cohort, hr_admin, django_capture_on_commit_callbacks
    )
    boss = leader_accepts()
    assert Membership.objects.get(cohort=cohort, user=report).leader == boss


def test_the_invitation_email_is_plain_text(cohort, hr_admin, django_capture_on_commit_callbacks):
    cohort.name = "R&D <Leads>"
    cohort.save()
    invite(cohort, hr_admin, django_capture_on_commit_callbacks, email="o'neil@acme.test")
    message = mail.outbox[-1]
    assert message.subject == "You are invited to join R&D <Leads>"
    assert "“R&D <Leads>”" in message.body
    assert "&amp;" not in message.body and "&lt;" not in message.body


def test_named_leader_of_another_organization_is_not_linked(cohort, globex_user):
    """A leader email matching someone outside Acme links nobody across tenants."""
    invitation = factories.InvitationFactory(
        cohort=cohort, email="report@acme.test", leader_email=globex_user.email
    )
    report = factories.UserFactory(email="report@acme.test")
    invitation_acceptance.accept_invitation(invitation=invitation, user=report)
    assert Membership.objects.get(cohort=cohort, user=report).leader is None
    assert not OrganizationMembership.objects.filter(
        organization=cohort.organization, user=globex_user
    ).exists()


# Unusable links ---------------------------------------------------------------------


@pytest.fixture
def spent_invitations(cohort, outsider):
    """One invitation per unusable state, each for `outsider`'s email."""
    now = timezone.now()
    factories.InvitationFactory(
        cohort=cohort,
        token="used",
        email=outsider.email,
        accepted_at=now,
        accepted_by=factories.UserFactory(),
    )
    factories.InvitationFactory(
        cohort=cohort, token="revoked", email=outsider.email, revoked_at=now
    )
    factories.InvitationFactory(
        cohort=cohort,
        token="expired",
        email=outsider.email,
        expires_at=now - datetime.timedelta(minutes=1),
    )


@pytest.mark.parametrize(
    ("token", "status", "phrase"),
    [
        ("used", 410, "already been used"),
        ("revoked", 410, "withdrawn"),
        ("expired", 410, "expired"),
        ("unknown-token", 404, "not valid"),
        ("x" * 300, 404, "not valid"),
    ],
)
@pytest.mark.parametrize("who", ["anonymous", "invitee"])
def test_unusable_link_shows_a_clear_page_and_changes_nothing(
    client, cohort, outsider, spent_invitations, token, status, phrase, who
):
    if who == "invitee":
        client.force_login(outsider)
    before = snapshot(cohort)
    url = reverse("cohorts:invitation", args=[token])
    for response in (client.get(url), client.post(url, signup_data())):
        assert response.status_code == status
        assert phrase in response.content.decode()
        assert "This invitation cannot be used" in response.content.decode()
    assert snapshot(cohort) == before


def test_accept_service_refuses_another_email(cohort, outsider, facilitator):
    invitation = factories.InvitationFactory(cohort=cohort, email=outsider.email)
    with pytest.raises(DomainError) as refused:
        invitation_acceptance.accept_invitation(invitation=invitation, user=facilitator)
    assert refused.value.code == "foreign"
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_sign_up_service_refuses_a_registered_email(cohort, outsider):
    invitation = factories.InvitationFactory(cohort=cohort, email=outsider.email.upper())
    before = snapshot(cohort)
    with pytest.raises(DomainError) as refused:
        invitation_acceptance.sign_up_with_invitation(
            invitation=invitation, display_name="Copy", password="a-long-and-rare-passphrase"
        )
    assert refused.value.code == "account_exists"
    assert snapshot(cohort) == before
