"""Partner rounds as they stand: the round in force, its groups, a
participant's partners. Reads only; goals/services/partner_rounds.py writes."""

from __future__ import annotations

from cohorts.models import Membership
from goals.models import PartnerRound, PartnerSlot


def current_round(cohort, *, lock: bool = False) -> PartnerRound | None:
    """The round in force; with `lock`, its row locked until the caller's
    transaction ends."""
    rounds = PartnerRound.objects.filter(cohort=cohort)
    if lock:
        rounds = rounds.select_for_update()
    return rounds.first()


def has_checkins(round: PartnerRound) -> bool:
    """Whether a check-in was written in the round (its groups are then fixed)."""
    return round.checkins.exists()


def round_groups(round: PartnerRound) -> list[list[Membership]]:
    groups = round.groups.prefetch_related("slots__membership__user")
    return [[slot.membership for slot in group.slots.all()] for group in groups]


def partners_of(membership: Membership) -> list[Membership]:
    """The participant's partners in the round in force."""
    round = current_round(membership.cohort)
    if round is None:
        return []
    slot = PartnerSlot.objects.filter(round=round, membership=membership).first()
    if slot is None:
        return []
    return [
        other.membership
        for other in slot.group.slots.select_related("membership__user")
        if other.membership_id != membership.pk
    ]
