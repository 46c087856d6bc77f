"""The demo data for goals and check-ins: alive, and seeded only once."""

import datetime

import pytest
from django.core.management import call_command

from cohorts.models import Cohort, Membership
from goals.models import CheckIn, CheckInReply, Goal, PartnerRound, ProgressUpdate

pytestmark = pytest.mark.django_db


def counts(cohort):
    return (
        Goal.objects.filter(cohort=cohort).count(),
        CheckIn.objects.filter(cohort=cohort).count(),
        CheckInReply.objects.filter(checkin__cohort=cohort).count(),
        ProgressUpdate.objects.filter(goal__cohort=cohort).count(),
        PartnerRound.objects.filter(cohort=cohort).count(),
    )


@pytest.mark.slow  # seeds the whole demo
def test_seed_demo_fills_the_acme_cohort_once(capsys):
    call_command("seed_demo", password="pw-for-tests")
    cohort = Cohort.objects.get(organization__slug="acme", name="Leading Through Change")
    participants = Membership.objects.filter(cohort=cohort, role=Membership.Role.PARTICIPANT)

    assert Goal.objects.filter(cohort=cohort, kind=Goal.Kind.SHARED).count() == 2
    for member in participants:
        assert Goal.objects.filter(owner=member).exists(), member
    personal = Goal.objects.filter(cohort=cohort, kind=Goal.Kind.PERSONAL)
    assert len(set(personal.values_list("status", flat=True))) >= 4
    assert set(personal.values_list("visibility", flat=True)) == set(Goal.Visibility.values)

    starts = sorted(
        set(CheckIn.objects.filter(cohort=cohort).values_list("period_start", flat=True))
    )
    assert starts[-1] - starts[0] >= datetime.timedelta(weeks=12)
    expected = participants.count() * len(starts)
    assert CheckIn.objects.filter(cohort=cohort).count() < expected  # there are gaps
    assert CheckInReply.objects.filter(checkin__cohort=cohort).exists()
    assert PartnerRound.objects.filter(cohort=cohort).count() == 2

    before = counts(cohort)
    call_command("seed_demo", password="pw-for-tests")
    assert counts(cohort) == before
