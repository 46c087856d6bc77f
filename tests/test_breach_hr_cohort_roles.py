"""An HR admin never holds a role in their organization's cohorts, and no one
invites themselves.

HR sees aggregates, never private content: as a facilitator or a participant
an HR admin would read private goals, partners' check-ins and session
summaries. Refused when invited (one by one or by CSV), when accepting, and by
`enroll` itself. Who appointed each facilitator is shown to the participants.
"""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import formats, timezone

from cohorts import bulk, invitation_acceptance, invitations, services
from cohorts.models import Invitation, Membership, OrganizationMembership
from lib.errors import DomainError
from tests import factories

pytestmark = pytest.mark.django_db


def enrollment_state(cohort) -> dict:
    """Everything a refused invitation, acceptance or enrollment must leave as it was."""
    return {
        "memberships": sorted(
            Membership.objects.filter(cohort__organization=cohort.organization).values_list(
                "user__email", "cohort_id", "role", "leader_id", "added_by_id"
            )
        ),
        "organization": sorted(
            OrganizationMembership.objects.filter(organization=cohort.organization).values_list(
                "user__email", "role"
            )
        ),
        "invitations": sorted(
            Invitation.objects.filter(cohort__organization=cohort.organization).values_list(
                "email", "role", "accepted_at", "accepted_by_id"
            )
        ),
    }


def other_hr_admin(acme):
    user = factories.UserFactory(email="hr2@acme.test", display_name="Hana HR")
    factories.OrganizationMembershipFactory(
        organization=acme, user=user, role=OrganizationMembership.Role.HR_ADMIN
    )
    return user


# Inviting --------------------------------------------------------------------


@pytest.mark.parametrize("role", ["facilitator", "participant"])
def test_hr_admin_inviting_themselves_into_the_cohort_is_refused(
    client, cohort, hr_admin, role, mailoutbox
):
    """The reported path: HR invites their own email as facilitator; no invitation exists."""
    before = enrollment_state(cohort)
    client.force_login(hr_admin)
    response = client.post(
        reverse("cohorts:invite", args=[cohort.pk]), {"email": "hr@acme.test", "role": role}
    )
    assert response.status_code == 200
    assert "You cannot invite yourself" in response.context["form"].errors["email"][0]
    assert enrollment_state(cohort) == before
    assert mailoutbox == []


@pytest.mark.parametrize("role", ["facilitator", "participant", "leader"])
def test_no_one_can_invite_themselves_in_any_role(cohort, facilitator, role):
    before = enrollment_state(cohort)
    with pytest.raises(DomainError) as refused:
        invitations.invite(
            cohort=cohort, email="COACH@acme.test", role=role, invited_by=facilitator
        )
    assert refused.value.code == "self_invited"
    assert enrollment_state(cohort) == before


@pytest.mark.parametrize("role", ["facilitator", "participant", "leader"])
def test_a_facilitator_cannot_invite_an_hr_admin_into_the_cohort(
    client, cohort, facilitator, hr_admin, role
):
    """Whoever invites, an HR admin of the organization holds no role around its cohorts."""
    before = enrollment_state(cohort)
    client.force_login(facilitator)
    response = client.post(
        reverse("cohorts:invite", args=[cohort.pk]), {"email": "hr@acme.test", "role": role}
    )
    error = response.context["form"].errors["email"][0]
    assert "hr@acme.test is an HR admin of Acme" in error
    assert enrollment_state(cohort) == before


def test_csv_rows_inviting_an_hr_admin_or_oneself_are_refused(cohort, hr_admin, acme):
    other_hr_admin(acme)
    before = enrollment_state(cohort)
    report = bulk.bulk_invite(
        cohort=cohort,
        text=(
            "hr@acme.test,Harper,facilitator,\n"
            "hr2@acme.test,Hana,participant,\n"
            "hr2@acme.test,Hana,leader,\n"
            "new@acme.test,Nia New,participant,\n"
        ),
        invited_by=hr_admin,
    )
    errors = {row.line: row.error for row in report.rows}
    assert errors[1].startswith("You cannot invite yourself")
    assert "hr2@acme.test is an HR admin of Acme" in errors[2]
    assert errors[3].startswith("Duplicate of line 2")
    assert errors[4] == ""
    after = enrollment_state(cohort)
    assert after["memberships"] == before["memberships"]
    assert [email for email, *_ in after["invitations"]] == ["new@acme.test"]


def test_a_csv_leader_row_for_an_hr_admin_is_refused(cohort, facilitator, acme):
    other_hr_admin(acme)
    report = bulk.bulk_invite(
        cohort=cohort, text="hr2@acme.test,Hana,leader,\n", invited_by=facilitator
    )
    assert "an HR admin cannot be a participant's leader" in report.rows[0].error
    assert not Invitation.objects.exists()


# Accepting -------------------------------------------------------------------


@pytest.mark.parametrize("role", ["facilitator", "participant"])
def test_an_hr_admin_cannot_accept_a_cohort_role(
    client, cohort, facilitator, hr_admin, participant, role
):
    """An invitation sent before the rule existed (or around it) is refused on accepting,
    and the private goals stay out of reach."""
    from tests.goals_support import personal_goal

    goal = personal_goal(cohort, participant, title="Private: my own burnout")
    invitation = factories.InvitationFactory(
        cohort=cohort, email="hr@acme.test", role=role, token="hr-token", invited_by=facilitator
    )
    before = enrollment_state(cohort)
    client.force_login(hr_admin)
    response = client.post(reverse("cohorts:invitation", args=["hr-token"]), follow=True)
    assert "You are an HR admin of Acme" in response.content.decode()
    assert enrollment_state(cohort) == before
    invitation.refresh_from_db()
    assert invitation.status == "pending"
    assert client.get(reverse("goals:detail", args=[cohort.pk, goal.pk])).status_code == 404


def test_accepting_an_invitation_one_sent_oneself_is_refused(cohort, hr_admin, outsider):
    """A person who invited their own email (before the invite-time check) cannot use it."""
    invitation = factories.InvitationFactory(
        cohort=cohort, email=outsider.email, role="facilitator", invited_by=outsider
    )
    before = enrollment_state(cohort)
    with pytest.raises(DomainError) as refused:
        invitation_acceptance.accept_invitation(invitation=invitation, user=outsider)
    assert refused.value.code == "self_invited"
    assert enrollment_state(cohort) == before


def test_an_hr_admin_cannot_accept_a_leader_invitation(cohort, facilitator, hr_admin):
    invitation = factories.InvitationFactory(
        cohort=cohort, email="hr@acme.test", role="leader", invited_by=facilitator
    )
    before = enrollment_state(cohort)
    with pytest.raises(DomainError) as refused:
        invitation_acceptance.accept_invitation(invitation=invitation, user=hr_admin)
    assert refused.value.code == "hr_admin"
    assert "cannot be a participant's leader" in refused.value.message
    assert enrollment_state(cohort) == before


# The service, the last line ----------------------------------------------------


@pytest.mark.parametrize("role", ["facilitator", "participant"])
def test_enroll_refuses_an_hr_admin_of_the_organization(cohort, hr_admin, role):
    before = enrollment_state(cohort)
    with pytest.raises(DomainError) as refused:
        services.enroll(cohort=cohort, user=hr_admin, role=role)
    assert refused.value.code == "hr_admin"
    assert "Harper HR is an HR admin of Acme" in refused.value.message
    assert enrollment_state(cohort) == before


def test_enroll_accepts_another_organizations_hr_admin(cohort, globex_user):
    """The rule is about one's own organization: Globex's HR admin may be coached at Acme."""
    services.enroll(cohort=cohort, user=globex_user, role="participant")
    assert Membership.objects.filter(cohort=cohort, user=globex_user).exists()


def test_enroll_refuses_someone_adding_themselves(cohort, outsider):
    before = enrollment_state(cohort)
    with pytest.raises(DomainError) as refused:
        services.enroll(cohort=cohort, user=outsider, role="facilitator", added_by=outsider)
    assert refused.value.code == "self_invited"
    assert enrollment_state(cohort) == before


# Appointing a facilitator is on record, and shown to the participants ----------


def test_participants_see_who_appointed_each_facilitator(
    client, cohort, hr_admin, participant, django_capture_on_commit_callbacks
):
    """The new coach's membership records the HR admin who invited them; the roster
    and the cohort page show "added by <name> on <date>" to a participant."""
    coach = factories.UserFactory(email="coach2@acme.test", display_name="Kim Coach")
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invitations.invite(
            cohort=cohort, email=coach.email, role="facilitator", invited_by=hr_admin
        )
    invitation_acceptance.accept_invitation(invitation=invitation, user=coach)
    membership = Membership.objects.get(cohort=cohort, user=coach)
    assert membership.role == "facilitator" and membership.added_by == hr_admin

    client.force_login(participant)
    day = formats.date_format(timezone.localtime(membership.joined_at).date(), "DATE_FORMAT")
    for url in (
        reverse("cohorts:roster", args=[cohort.pk]),
        reverse("cohorts:detail", args=[cohort.pk]),
    ):
        text = client.get(url).content.decode()
        assert f'Kim Coach <span class="muted">(added by Harper HR on {day})' in text


def test_a_facilitator_added_without_an_inviter_shows_the_date_only(client, cohort, participant):
    """The demo and the admin record no inviter: the date still shows, with no name."""
    coach = factories.UserFactory(email="coach3@acme.test", display_name="Lou Coach")
    factories.MembershipFactory(
        cohort=cohort,
        user=coach,
        role=Membership.Role.FACILITATOR,
        joined_at=timezone.now() - datetime.timedelta(days=3),
    )
    client.force_login(participant)
    text = client.get(reverse("cohorts:roster", args=[cohort.pk])).content.decode()
    assert 'Lou Coach <span class="muted">(added on ' in text
