"""Enrollment operations, used by views, the invitation flow and seeding."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from cohorts.errors import DomainError
from cohorts.models import (
    BackgroundNote,
    Cohort,
    Membership,
    Organization,
    OrganizationMembership,
)


def participant_count(cohort: Cohort) -> int:
    return cohort.memberships.filter(role=Membership.Role.PARTICIPANT).count()


def ensure_organization_member(*, organization_id: int, user, role=None) -> OrganizationMembership:
    """Add `user` to the organization if absent; never demotes an HR admin."""
    membership, created = OrganizationMembership.objects.get_or_create(
        organization_id=organization_id,
        user=user,
        defaults={"role": role or OrganizationMembership.Role.MEMBER},
    )
    if not created and role == OrganizationMembership.Role.HR_ADMIN and (membership.role != role):
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def enroll(*, cohort: Cohort, user, role: str, leader=None, added_by=None) -> Membership:
    """Put `user` in `cohort` in `role`, refusing a participant past capacity.

    The cohort row is locked so that two enrollments at once cannot both take
    the last seat. Enrolling someone already enrolled updates their role and
    leader instead of adding a second membership. A leader given here counts
    as confirmed: enrolling happens when the participant accepts an invitation
    that names that leader (or when the demo is seeded).
    """
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    existing = Membership.objects.filter(cohort=cohort, user=user).first()
    becomes_participant = role == Membership.Role.PARTICIPANT and (
        existing is None or existing.role != Membership.Role.PARTICIPANT
    )
    if becomes_participant and participant_count(cohort) >= cohort.capacity:
        raise DomainError(
            ngettext(
                "%(cohort)s is full: it holds %(capacity)d participant.",
                "%(cohort)s is full: it holds %(capacity)d participants.",
                cohort.capacity,
            )
            % {"cohort": cohort.name, "capacity": cohort.capacity},
            code="cohort_full",
        )
    if leader is not None and leader.pk == user.pk:
        raise DomainError(_("A participant cannot be their own leader."), code="own_leader")
    ensure_organization_member(organization_id=cohort.organization_id, user=user)
    if leader is not None:
        ensure_organization_member(organization_id=cohort.organization_id, user=leader)
    confirmed_at = timezone.now() if leader is not None else None
    if existing is not None:
        existing.role = role
        if leader is not None:
            existing.leader, existing.leader_confirmed_at = leader, confirmed_at
        existing.save(update_fields=["role", "leader", "leader_confirmed_at"])
        return existing
    return Membership.objects.create(
        cohort=cohort,
        user=user,
        role=role,
        leader=leader,
        leader_confirmed_at=confirmed_at,
        added_by=added_by,
    )


def _check_window(*, starts_on, ends_on) -> None:
    if starts_on and ends_on and ends_on <= starts_on:
        raise DomainError(_("The program must end after it starts."), code="bad_window")


@transaction.atomic
def create_cohort(
    *,
    organization: Organization,
    name: str,
    starts_on,
    ends_on,
    kind: str = Cohort.Kind.GROUP,
    purpose: str = "",
    capacity: int = 10,
    status: str = Cohort.Status.DRAFT,
) -> Cohort:
    _check_window(starts_on=starts_on, ends_on=ends_on)
    return Cohort.objects.create(
        organization=organization,
        name=name.strip(),
        kind=kind,
        purpose=purpose.strip(),
        capacity=capacity,
        starts_on=starts_on,
        ends_on=ends_on,
        status=status,
    )


COHORT_EDITABLE_FIELDS = ("name", "kind", "purpose", "capacity", "starts_on", "ends_on", "status")


@transaction.atomic
def update_cohort(*, cohort: Cohort, **changes) -> Cohort:
    """Change the cohort's editable fields; capacity never drops below the
    participants already enrolled (the row is locked against a concurrent enroll)."""
    unknown = set(changes) - set(COHORT_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    for name, value in changes.items():
        setattr(cohort, name, value)
    _check_window(starts_on=cohort.starts_on, ends_on=cohort.ends_on)
    enrolled = participant_count(cohort)
    if cohort.capacity < enrolled:
        raise DomainError(
            ngettext(
                "Capacity cannot be below the %(count)d participant already enrolled.",
                "Capacity cannot be below the %(count)d participants already enrolled.",
                enrolled,
            )
            % {"count": enrolled},
            code="capacity_below_enrolled",
        )
    cohort.save(update_fields=list(changes))
    return cohort


def organization_members(organization_id: int):
    """The users of an organization, for choosing a participant's leader."""
    return User.objects.filter(organization_memberships__organization_id=organization_id)


@transaction.atomic
def set_leader(*, membership: Membership, leader) -> Membership:
    """Link a participant to their leader (a member of the organization), or unlink
    with leader=None."""
    membership = (
        Membership.objects.select_for_update().select_related("cohort").get(pk=membership.pk)
    )
    if not membership.is_participant:
        raise DomainError(_("Only participants have a leader."), code="not_participant")
    if leader is not None:
        if leader.pk == membership.user_id:
            raise DomainError(_("A participant cannot be their own leader."), code="own_leader")
        if (
            not organization_members(membership.cohort.organization_id)
            .filter(pk=leader.pk)
            .exists()
        ):
            raise DomainError(
                _("The leader must be a member of the organization."), code="leader_not_member"
            )
    membership.leader = leader
    membership.save(update_fields=["leader"])
    return membership


def add_background_note(
    *,
    organization: Organization,
    author,
    body: str,
    cohort: Cohort | None = None,
    participant: Membership | None = None,
) -> BackgroundNote:
    """A note about the organization, a cohort of it, or a participant of that cohort."""
    body = body.strip()
    if not body:
        raise DomainError(_("A note cannot be empty."), code="empty")
    if cohort is not None and cohort.organization_id != organization.pk:
        raise DomainError(_("That cohort belongs to another organization."), code="foreign")
    if participant is not None and (cohort is None or participant.cohort_id != cohort.pk):
        raise DomainError(_("That person is not in this cohort."), code="foreign")
    return BackgroundNote.objects.create(
        organization=organization,
        cohort=cohort,
        participant=participant,
        body=body,
        author=author,
    )


def update_background_note(*, note: BackgroundNote, body: str) -> BackgroundNote:
    body = body.strip()
    if not body:
        raise DomainError(_("A note cannot be empty."), code="empty")
    note.body = body
    note.save(update_fields=["body", "updated_at"])
    return note


def delete_background_note(*, note: BackgroundNote) -> None:
    note.delete()
