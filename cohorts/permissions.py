"""Who may see and do what: every rule lives here, used by every view and consumer.

A refusal looks exactly like absence: whether a cohort is missing, belongs to
another organization, or is simply not the user's, the caller gets the same
Http404, so ids reveal nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import Http404

from cohorts.models import Cohort, Membership, Organization, OrganizationMembership


@dataclass(frozen=True)
class CohortAccess:
    """What one user is to one cohort. Built only by `access_cohort`."""

    user: object
    cohort: Cohort
    membership: Membership | None = None
    is_hr_admin: bool = False
    # Participants (membership ids) whose leader this user is.
    led_participant_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_facilitator(self) -> bool:
        return self.membership is not None and self.membership.is_facilitator

    @property
    def is_participant(self) -> bool:
        return self.membership is not None and self.membership.is_participant

    @property
    def is_leader(self) -> bool:
        return bool(self.led_participant_ids)

    @property
    def is_member(self) -> bool:
        """Facilitator or participant: the people in the room."""
        return self.membership is not None

    # Enrollment ------------------------------------------------------------
    @property
    def can_manage(self) -> bool:
        """Edit the cohort, invite, revoke and resend invitations, link leaders."""
        return self.is_hr_admin or self.is_facilitator

    @property
    def can_view_roster(self) -> bool:
        return self.is_hr_admin or self.is_member

    @property
    def can_read_background(self) -> bool:
        """Background notes: the cohort's facilitators and the org's HR admins."""
        return self.is_hr_admin or self.is_facilitator

    @property
    def can_write_background(self) -> bool:
        return self.is_hr_admin or self.is_facilitator


def _not_found() -> Http404:
    return Http404("No such page.")


def access_cohort(user, cohort_id) -> CohortAccess:
    """Return what `user` is to the cohort, or raise Http404 if they are nothing.

    Anyone with a relation gets access: a facilitator or participant, an HR
    admin of the cohort's organization, or the leader of one of its participants.
    What each may then see is decided by the properties of CohortAccess.
    """
    if not getattr(user, "is_authenticated", False):
        raise _not_found()
    try:
        cohort = Cohort.objects.select_related("organization").get(pk=int(cohort_id))
    except (Cohort.DoesNotExist, TypeError, ValueError):
        raise _not_found() from None
    membership = (
        Membership.objects.filter(cohort=cohort, user=user).select_related("user").first()
    )
    is_hr_admin = OrganizationMembership.objects.filter(
        organization_id=cohort.organization_id,
        user=user,
        role=OrganizationMembership.Role.HR_ADMIN,
    ).exists()
    led = frozenset(
        Membership.objects.filter(
            cohort=cohort, leader=user, role=Membership.Role.PARTICIPANT
        ).values_list("pk", flat=True)
    )
    if membership is None and not is_hr_admin and not led:
        raise _not_found()
    return CohortAccess(
        user=user,
        cohort=cohort,
        membership=membership,
        is_hr_admin=is_hr_admin,
        led_participant_ids=led,
    )


def access_managed_cohort(user, cohort_id) -> CohortAccess:
    """The cohort, for someone who may manage it (HR admin or facilitator)."""
    access = access_cohort(user, cohort_id)
    if not access.can_manage:
        raise _not_found()
    return access


def access_organization_admin(user, organization_id) -> Organization:
    """The organization, for one of its HR admins; Http404 for anyone else."""
    if not getattr(user, "is_authenticated", False):
        raise _not_found()
    try:
        return Organization.objects.get(
            pk=int(organization_id),
            memberships__user=user,
            memberships__role=OrganizationMembership.Role.HR_ADMIN,
        )
    except (Organization.DoesNotExist, TypeError, ValueError):
        raise _not_found() from None


def is_hr_admin_of(user, organization_id) -> bool:
    return OrganizationMembership.objects.filter(
        organization_id=organization_id, user=user, role=OrganizationMembership.Role.HR_ADMIN
    ).exists()
