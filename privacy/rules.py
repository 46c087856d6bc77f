"""Who may ask for a person's erasure: an HR admin, for people of their organization.

Everyone exports their own data (a signed-in person, nothing more to decide);
the operator erases anyone with `manage.py erase_person`.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Q

from cohorts.models import Organization, OrganizationMembership
from cohorts.permissions import access_organization_admin, not_found


@dataclass(frozen=True)
class ErasureAccess:
    """An HR admin's view of their organization's erasures."""

    user: object
    organization: Organization

    @property
    def can_request_erasure(self) -> bool:
        return True


def access_erasure_requests(user, organization_id) -> ErasureAccess:
    """For the organization's HR admins; the one Http404 for anyone else."""
    return ErasureAccess(user, access_organization_admin(user, organization_id))


def erasable_people(access: ErasureAccess):
    """Whom the HR admin may ask to erase: active people of the organization
    (its members and its cohorts' members), not its HR admins (the operator
    erases those) and not themselves."""
    organization = access.organization
    hr_admins = OrganizationMembership.objects.filter(
        organization=organization, role=OrganizationMembership.Role.HR_ADMIN
    ).values("user_id")
    return (
        get_user_model()
        .objects.filter(
            Q(organization_memberships__organization=organization)
            | Q(memberships__cohort__organization=organization),
            is_active=True,
        )
        .exclude(pk__in=hr_admins)
        .exclude(pk=access.user.pk)
        .distinct()
        .order_by("display_name", "email")
    )


def access_erasure_subject(access: ErasureAccess, user_id):
    """A person the HR admin may ask to erase, or the one Http404."""
    try:
        return erasable_people(access).get(pk=int(user_id))
    except (ValueError, TypeError, get_user_model().DoesNotExist):
        raise not_found() from None
