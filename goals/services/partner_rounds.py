"""Accountability partners: rounds of pairs and triads, rotation and editing."""

from __future__ import annotations

import random

from django.utils.translation import gettext as _

from cohorts.permissions import CohortAccess
from goals import partners, rules
from goals.models import (
    PartnerGroup,
    PartnerRound,
    PartnerSlot,
)
from goals.rounds import current_round, has_checkins, round_groups
from goals.services.common import (
    ROTATION_MEMORY,
    forbidden,
    in_open_cohort,
)
from lib.errors import DomainError

# Partners --------------------------------------------------------------------


def _store_round(*, access: CohortAccess, groups: list[list[int]]) -> PartnerRound:
    round = PartnerRound.objects.create(cohort=access.cohort, created_by=access.user)
    _store_groups(round, groups)
    return round


def _store_groups(round: PartnerRound, groups: list[list[int]]) -> None:
    round.slots.all().delete()
    round.groups.all().delete()
    for position, member_ids in enumerate(groups, start=1):
        group = PartnerGroup.objects.create(round=round, position=position)
        PartnerSlot.objects.bulk_create(
            PartnerSlot(round=round, group=group, membership_id=member_id)
            for member_id in member_ids
        )


@in_open_cohort
def rotate_partners(*, access: CohortAccess, rng: random.Random | None = None) -> PartnerRound:
    """A new round of pairs and triads at random, avoiding the pairs of the
    last rounds where it can; earlier rounds stay as history."""
    if not rules.can_arrange_partners(access):
        raise forbidden(access)
    ids = list(rules.partner_candidates(access.cohort).values_list("pk", flat=True))
    if len(ids) < 2:
        raise DomainError(
            _("Partners need at least two participants in the cohort."), code="invalid"
        )
    history = [
        [[m.pk for m in group] for group in round_groups(past)]
        for past in PartnerRound.objects.filter(cohort=access.cohort)[:ROTATION_MEMORY]
    ]
    return _store_round(access=access, groups=partners.split(ids, history=history, rng=rng))


@in_open_cohort
def edit_partner_groups(
    *, access: CohortAccess, round: PartnerRound, assignment: dict[int, int]
) -> PartnerRound:
    """Rearrange the round in force: `assignment` maps each participant's
    membership id to a group number. Everyone must be placed, in groups of at
    least two.

    Refused once a check-in was written in the round: its readers are the
    partners of the moment it was written, and rearranging would hand it to
    others. Rotating starts a new round instead, which can be rearranged
    until someone checks in."""
    if not rules.can_arrange_partners(access):
        raise forbidden(access)
    round = PartnerRound.objects.select_for_update().get(pk=round.pk)
    if round.cohort_id != access.cohort.pk or round != current_round(access.cohort):
        raise DomainError(_("Only the pairing in force can be edited."), code="invalid")
    if has_checkins(round):
        raise DomainError(
            _(
                "Check-ins were already written to these partner groups, so the groups "
                "stay as they are: each check-in is read by the partners it was written "
                "for. To change partners, press “Rotate partners”; you can "
                "rearrange the new groups until someone checks in."
            ),
            code="in_use",
        )
    ids = set(rules.partner_candidates(access.cohort).values_list("pk", flat=True))
    if set(assignment) != ids:
        raise DomainError(_("Place every participant in a group."), code="invalid")
    by_number: dict[int, list[int]] = {}
    for member_id, number in sorted(assignment.items()):
        by_number.setdefault(number, []).append(member_id)
    groups = [by_number[number] for number in sorted(by_number)]
    if any(len(group) < 2 for group in groups):
        raise DomainError(
            _("Each group needs at least two people: a pair or a triad."), code="invalid"
        )
    _store_groups(round, groups)
    return round
