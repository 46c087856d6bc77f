"""factory_boy factories: one per model, named after it."""

import datetime

import factory
from django.utils import timezone

from accounts.models import Invitation, User, hash_token
from cohorts.models import (
    BackgroundNote,
    Cohort,
    Membership,
    Organization,
    OrganizationMembership,
)


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
    class Meta:
        model = BackgroundNote

    organization = factory.SubFactory(OrganizationFactory)
    body = "Restructuring in Q3; the team lost two managers."


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
    expires_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=7))
