"""Check-ins: the cohort's rhythm, one check-in per participant per period, replies."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cohorts.models import Membership
from cohorts.permissions import CohortAccess
from goals import events, periods, rules
from goals.models import (
    CheckIn,
    CheckInReply,
    CohortRhythm,
    Goal,
    Milestone,
    ProgressUpdate,
)
from goals.rounds import current_round
from goals.services.common import clean_text, day_text, forbidden, in_open_cohort
from goals.services.goal_changes import set_milestone_done
from lib.errors import DomainError

# Rhythm ----------------------------------------------------------------------


@in_open_cohort
def update_rhythm(
    *,
    access: CohortAccess,
    cadence: str,
    weekday: int,
    participants_see_leader_goals: bool,
) -> CohortRhythm:
    """The cohort's check-in cadence, day and leader-goals setting. Its time
    zone, where periods start at midnight, is the cohort's own."""
    if not rules.can_set_rhythm(access):
        raise forbidden(access)
    if cadence not in CohortRhythm.Cadence.values:
        raise DomainError(_("Choose weekly or every two weeks."), code="invalid")
    if weekday not in CohortRhythm.Weekday.values:
        raise DomainError(_("Choose a day of the week."), code="invalid")
    rhythm = periods.rhythm_for(access.cohort)
    rhythm = CohortRhythm.objects.select_for_update().get(pk=rhythm.pk)
    # The setting decides who reads the goals shared with leaders: those who
    # lose them are told to drop them (and never get them back on a resume),
    # those who gain them get them live.
    leader_goals = []
    if rhythm.participants_see_leader_goals != participants_see_leader_goals:
        leader_goals = list(
            Goal.objects.filter(
                cohort=access.cohort, kind=Goal.Kind.PERSONAL, visibility=Goal.Visibility.LEADER
            ).select_related("owner__user", "cohort")
        )
    before = {goal.pk: rules.goal_reader_ids(goal) for goal in leader_goals}
    rhythm.cadence = cadence
    rhythm.weekday = weekday
    rhythm.participants_see_leader_goals = participants_see_leader_goals
    rhythm.save(update_fields=["cadence", "weekday", "participants_see_leader_goals"])
    for goal in leader_goals:
        after = rules.goal_reader_ids(goal)
        events.goal_hidden(goal, user_ids=before[goal.pk] - after)
        if after - before[goal.pk]:
            events.goal_changed(goal)
    return rhythm


# Check-ins -------------------------------------------------------------------


@dataclass(frozen=True)
class GoalProgressEntry:
    """One line of the check-in form: a figure and/or a milestone ticked."""

    goal_id: int
    value: int | None = None
    milestone_id: int | None = None


def checkin_goals(access: CohortAccess):
    """The goals a participant reports on in a check-in: their active personal
    goals and the cohort's active shared goals."""
    if not rules.can_write_checkins(access):
        return Goal.objects.none()
    return (
        Goal.objects.filter(cohort=access.cohort, status__in=Goal.ACTIVE_STATUSES)
        .filter(Q(owner=access.membership) | Q(kind=Goal.Kind.SHARED))
        .prefetch_related("milestones")
        .order_by("kind", "created_at", "pk")
    )


def _closed(period_start: datetime.date, current: periods.Period) -> DomainError:
    return DomainError(
        _(
            "The check-in period that started on %(closed)s is closed. "
            "The open period started on %(open)s: write that check-in instead."
        )
        % {"closed": day_text(period_start), "open": day_text(current.start)},
        code="closed",
    )


@in_open_cohort
def submit_checkin(
    *,
    access: CohortAccess,
    period_start: datetime.date,
    energy: int,
    win: str = "",
    challenge: str = "",
    ask: str = "",
    shared_with_cohort: bool = False,
    progress: list[GoalProgressEntry] = (),
    now: datetime.datetime | None = None,
) -> tuple[CheckIn, bool]:
    """Write the participant's check-in for the open period; a second
    submission in the same period edits it. Returns (check-in, created)."""
    if not rules.can_write_checkins(access):
        if not access.is_open_for_work:
            raise forbidden(access)
        raise DomainError(_("Only participants write check-ins."), code="forbidden")
    cohort = access.cohort
    rhythm = periods.rhythm_for(cohort)
    current = periods.current_period(rhythm, now)
    if period_start != current.start:
        raise _closed(period_start, current)
    if current.end < cohort.starts_on or current.start > cohort.ends_on:
        raise DomainError(
            _("Check-ins are written during the program, from %(start)s to %(end)s.")
            % {"start": day_text(cohort.starts_on), "end": day_text(cohort.ends_on)},
            code="closed",
        )
    if energy not in range(1, 6):
        raise DomainError(_("Energy is a number from 1 to 5."), code="invalid")
    texts = {
        "win": clean_text(win, label=_("win")),
        "challenge": clean_text(challenge, label=_("challenge")),
        "ask": clean_text(ask, label=_("ask for support")),
    }
    goals = {goal.pk: goal for goal in checkin_goals(access)}
    for entry in progress:
        if entry.goal_id not in goals:
            raise DomainError(_("That goal is not one of your active goals."), code="not_found")
        if entry.value is not None and not (0 <= entry.value <= 100):
            raise DomainError(_("Progress is a figure from 0 to 100."), code="invalid")
        if (
            entry.milestone_id is not None
            and not Milestone.objects.filter(pk=entry.milestone_id, goal_id=entry.goal_id).exists()
        ):
            raise DomainError(_("No such milestone on that goal."), code="not_found")

    # Lock the author's membership row: locking the check-in row alone locks
    # nothing the first time, and a double-clicked first submission would then
    # hit the one-per-period constraint instead of becoming an edit.
    _lock_membership(access.membership)
    checkin = (
        CheckIn.objects.select_for_update()
        .filter(author=access.membership, period_start=current.start)
        .first()
    )
    created = checkin is None
    stamp = now or timezone.now()
    if created:
        checkin = CheckIn.objects.create(
            cohort=cohort,
            author=access.membership,
            period_start=current.start,
            energy=energy,
            shared_with_cohort=shared_with_cohort,
            # Locked: the groups cannot be rearranged under a check-in being
            # written to them (`edit_partner_groups` takes the same lock).
            partner_round=current_round(cohort, lock=True),
            created_at=stamp,
            updated_at=stamp,
            **texts,
        )
    else:
        before = rules.checkin_reader_ids(checkin)
        for name, value in texts.items():
            setattr(checkin, name, value)
        checkin.energy = energy
        checkin.shared_with_cohort = shared_with_cohort
        checkin.updated_at = stamp
        checkin.save()
        events.checkin_hidden(checkin, user_ids=before - rules.checkin_reader_ids(checkin))
        # Figures given with the earlier submission are replaced by these.
        checkin.progress.filter(milestone__isnull=True).delete()

    today = periods.local_today(rhythm, now)
    for entry in progress:
        goal = goals[entry.goal_id]
        if entry.value is not None:
            ProgressUpdate.objects.create(
                goal=goal,
                author=access.user,
                note=_("From the check-in of %(day)s") % {"day": day_text(current.start)},
                value=entry.value,
                on=today,
                checkin=checkin,
            )
        if entry.milestone_id is not None:
            set_milestone_done(
                access=access,
                milestone=Milestone.objects.get(pk=entry.milestone_id),
                done=True,
                checkin=checkin,
            )
        if entry.value is not None:
            events.goal_changed(goal)
    events.checkin_saved(checkin, created=created)
    return checkin, created


def _lock_membership(membership: Membership) -> None:
    """Serialize one member's writes; must run inside their transaction."""
    list(Membership.objects.select_for_update().filter(pk=membership.pk).values_list("pk"))


@in_open_cohort
def reply_to_checkin(
    *, access: CohortAccess, checkin: CheckIn, body: str, client_id: uuid.UUID | None = None
) -> tuple[CheckInReply, bool]:
    """Answer in the check-in's thread; a resend with the same client_id
    returns the stored reply. Returns (reply, created)."""
    if not rules.can_reply_checkin(access, checkin):
        if not access.is_open_for_work:
            raise forbidden(access)
        raise DomainError(
            _("Only the author, their partners and the facilitators reply here."),
            code="forbidden",
        )
    body = clean_text(body, label=_("reply"), required=True)
    if client_id is not None:
        # Two sends of one reply at once: the second waits, then finds the first.
        _lock_membership(access.membership)
        existing = CheckInReply.objects.filter(author=access.user, client_id=client_id).first()
        if existing is not None:
            if existing.checkin_id != checkin.pk:
                raise DomainError(_("That client_id was used for another reply."), code="invalid")
            return existing, False
    reply = CheckInReply.objects.create(
        checkin=checkin, author=access.user, body=body, client_id=client_id
    )
    events.reply_posted(reply)
    return reply, True
