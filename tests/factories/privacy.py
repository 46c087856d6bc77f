"""Factories of the erasure records."""

import factory
from django.utils import timezone

from privacy.models import ErasureRecord


class ErasureRecordFactory(factory.django.DjangoModelFactory):
    """A request from an HR admin, not yet carried out (trait `done`)."""

    class Meta:
        model = ErasureRecord

    subject_id = factory.Sequence(lambda n: 10_000 + n)
    subject_label = factory.Sequence(lambda n: f"Person {n}")
    organization = factory.SubFactory("tests.factories.people.OrganizationFactory")
    requested_by = factory.SubFactory("tests.factories.people.UserFactory")
    requested_at = factory.LazyFunction(timezone.now)

    class Params:
        done = factory.Trait(
            done_at=factory.LazyFunction(timezone.now), subject_label="A former participant"
        )
