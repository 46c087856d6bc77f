"""Factories of people and their places: users, organizations, cohorts,
memberships, background notes and invitations."""

import datetime

import factory
from django.utils import timezone

from accounts.models import User
from cohorts.models import (
    BackgroundNote,
    BackgroundNoteRevision,
    Cohort,
    Invitation,
    Membership,
    Organization,
    OrganizationMembership,
    hash_token,
)


def facilitator_of(cohort) -> User:
    """A facilitator of `cohort` (its first, else a new one)."""
    found = cohort.memberships.filter(role=Membership.Role.FACILITATOR).first()
    if found is not None:
        return found.user
    return MembershipFactory(cohort=cohort, role=Membership.Role.FACILITATOR).user


def hr_admin_of(organization) -> User:
    """An HR admin of `organization` (its first, else a new one)."""
    found = organization.memberships.filter(role=OrganizationMembership.Role.HR_ADMIN).first()
    if found is not None:
        return found.user
    return OrganizationMembershipFactory(
        organization=organization, role=OrganizationMembership.Role.HR_ADMIN
    ).user


def next_position(queryset) -> int:
    last = queryset.order_by("-position").values_list("position", flat=True).first()
    return (last or 0) + 1


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    display_name = factory.Faker("name")
    password = factory.django.Password("pw-for-tests")

    @factory.post_generation
    def verified(user, create, extracted, **kwargs):
        """Give every user a verified primary address, as allauth expects."""
        if create:
            from allauth.account.models import EmailAddress

            EmailAddress.objects.get_or_create(
                user=user, email=user.email, defaults={"verified": True, "primary": True}
            )


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Organization {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")


class OrganizationMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrganizationMembership

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    role = OrganizationMembership.Role.MEMBER


class CohortFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cohort

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Cohort {n}")
    kind = Cohort.Kind.GROUP
    purpose = "Grow as leaders through change."
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=60))
    ends_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=120))
    status = Cohort.Status.ACTIVE


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership
        skip_postgeneration_save = True

    cohort = factory.SubFactory(CohortFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.PARTICIPANT
    leader = None
    # As after an accepted invitation that named the leader.
    leader_confirmed_at = factory.LazyAttribute(
        lambda membership: timezone.now() if membership.leader else None
    )

    @factory.post_generation
    def in_organization(membership, create, extracted, **kwargs):
        if create:
            OrganizationMembership.objects.get_or_create(
                organization_id=membership.cohort.organization_id, user=membership.user
            )


class BackgroundNoteFactory(factory.django.DjangoModelFactory):
    """About the organization; pass `cohort`, or a `participant` (a membership),
    for a note about them: the note then belongs to their organization."""

    class Meta:
        model = BackgroundNote

    participant = None
    cohort = factory.LazyAttribute(lambda o: o.participant.cohort if o.participant else None)
    organization = factory.LazyAttribute(
        lambda o: o.cohort.organization if o.cohort else OrganizationFactory()
    )
    body = "Restructuring in Q3; the team lost two managers."
    author = factory.LazyAttribute(lambda o: hr_admin_of(o.organization))


class BackgroundNoteRevisionFactory(factory.django.DjangoModelFactory):
    """The text a note had before an edit (trait `deleted`: before its deletion,
    which leaves no link to the note)."""

    class Meta:
        model = BackgroundNoteRevision
        exclude = ("of",)

    of = factory.SubFactory(BackgroundNoteFactory)
    note = factory.SelfAttribute("of")
    organization = factory.SelfAttribute("of.organization")
    cohort = factory.SelfAttribute("of.cohort")
    action = BackgroundNoteRevision.Action.EDITED
    subject = factory.LazyAttribute(lambda o: o.of.subject[:200])
    body = factory.SelfAttribute("of.body")
    changed_by = factory.LazyAttribute(lambda o: hr_admin_of(o.of.organization))

    class Params:
        deleted = factory.Trait(action=BackgroundNoteRevision.Action.DELETED, note=None)


class InvitationFactory(factory.django.DjangoModelFactory):
    """Pass `token="..."` to know the link's token; the hash is derived from it."""

    class Meta:
        model = Invitation
        exclude = ("token",)

    cohort = factory.SubFactory(CohortFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.test")
    role = Invitation.Role.PARTICIPANT
    token = factory.Sequence(lambda n: f"token-{n}")
    token_hash = factory.LazyAttribute(lambda o: hash_token(o.token))
    # A facilitator of the cohort (its first, else a new one) sent it.
    invited_by = factory.LazyAttribute(lambda o: facilitator_of(o.cohort))
    expires_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=7))

    class Params:
        accepted = factory.Trait(
            accepted_at=factory.LazyFunction(timezone.now),
            accepted_by=factory.LazyAttribute(lambda o: UserFactory(email=o.email)),
        )
        revoked = factory.Trait(revoked_at=factory.LazyFunction(timezone.now))
        expired = factory.Trait(
            expires_at=factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))
        )
