"""Helpers for the goals, check-ins and partners tests."""

from __future__ import annotations

import datetime

from cohorts.models import Membership
from cohorts.permissions import access_cohort
from goals.models import (
    CheckIn,
    CohortRhythm,
    Goal,
    PartnerGroup,
    PartnerRound,
    PartnerSlot,
)
from tests import factories


def membership(user, cohort) -> Membership:
    return Membership.objects.get(user=user, cohort=cohort)


def access(user, cohort):
    return access_cohort(user, cohort.pk)


def add_participant(cohort, email, name, leader=None):
    user = factories.UserFactory(email=email, display_name=name)
    factories.MembershipFactory(cohort=cohort, user=user, leader=leader)
    return user


def pair_up(cohort, *groups, created_by=None, created_at=None) -> PartnerRound:
    """A partner round in force with the given groups of users."""
    round = PartnerRound.objects.create(cohort=cohort, created_by=created_by)
    if created_at is not None:
        PartnerRound.objects.filter(pk=round.pk).update(created_at=created_at)
    for position, users in enumerate(groups, start=1):
        group = PartnerGroup.objects.create(round=round, position=position)
        for user in users:
            PartnerSlot.objects.create(
                round=round, group=group, membership=membership(user, cohort)
            )
    return round


def personal_goal(
    cohort,
    user,
    *,
    visibility=Goal.Visibility.PRIVATE,
    title="Delegate more",
    status=Goal.Status.ON_TRACK,
    **extra,
) -> Goal:
    """`user`'s goal; past draft, agreed by both sides (tests/factories)."""
    return factories.GoalFactory(
        cohort=cohort,
        owner=membership(user, cohort),
        title=title,
        status=status,
        visibility=visibility,
        **extra,
    )


def shared_goal(cohort, *, title="Psychological safety", **extra) -> Goal:
    """A cohort goal, agreed by a facilitator when written."""
    return factories.GoalFactory(cohort=cohort, shared=True, title=title, **extra)


def set_rhythm(cohort, **fields) -> CohortRhythm:
    rhythm, _created = CohortRhythm.objects.get_or_create(cohort=cohort)
    for name, value in fields.items():
        setattr(rhythm, name, value)
    rhythm.save()
    return rhythm


# The round in force when the check-in is written, as the service takes it.
IN_FORCE = object()


def checkin(
    cohort,
    user,
    *,
    period_start: datetime.date,
    shared=False,
    round=IN_FORCE,
    win="Shipped the plan",
    **extra,
) -> CheckIn:
    if round is not IN_FORCE:
        extra["partner_round"] = round
    return factories.CheckInFactory(
        cohort=cohort,
        author=membership(user, cohort),
        period_start=period_start,
        energy=extra.pop("energy", 4),
        win=win,
        shared_with_cohort=shared,
        **extra,
    )
