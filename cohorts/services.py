"""Enrollment operations, used by views, the invitation flow and seeding."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from cohorts.errors import DomainError
from cohorts.models import Cohort, Membership, OrganizationMembership


def participant_count(cohort: Cohort) -> int:
    return cohort.memberships.filter(role=Membership.Role.PARTICIPANT).count()


def ensure_organization_member(*, organization_id: int, user, role=None) -> OrganizationMembership:
    """Add `user` to the organization if absent; never demotes an HR admin."""
    membership, created = OrganizationMembership.objects.get_or_create(
        organization_id=organization_id,
        user=user,
        defaults={"role": role or OrganizationMembership.Role.MEMBER},
    )
    if not created and role == OrganizationMembership.Role.HR_ADMIN and (
        membership.role != role
    ):
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def enroll(*, cohort: Cohort, user, role: str, leader=None) -> Membership:
    """Put `user` in `cohort` in `role`, refusing a participant past capacity.

    The cohort row is locked so that two enrollments at once cannot both take
    the last seat. Enrolling someone already enrolled updates their role and
    leader instead of adding a second membership.
    """
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    existing = Membership.objects.filter(cohort=cohort, user=user).first()
    becomes_participant = role == Membership.Role.PARTICIPANT and (
        existing is None or existing.role != Membership.Role.PARTICIPANT
    )
    if becomes_participant and participant_count(cohort) >= cohort.capacity:
        raise DomainError(
            _("%(cohort)s is full: it holds %(capacity)d participants.")
            % {"cohort": cohort.name, "capacity": cohort.capacity},
            code="cohort_full",
        )
    if leader is not None and leader.pk == user.pk:
        raise DomainError(_("A participant cannot be their own leader."), code="own_leader")
    ensure_organization_member(organization_id=cohort.organization_id, user=user)
    if leader is not None:
        ensure_organization_member(organization_id=cohort.organization_id, user=leader)
    if existing is not None:
        existing.role = role
        if leader is not None:
            existing.leader = leader
        existing.save(update_fields=["role", "leader"])
        return existing
    return Membership.objects.create(cohort=cohort, user=user, role=role, leader=leader)
