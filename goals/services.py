"""Goals, check-ins and partners: every write goes through these functions.

Each takes the caller's CohortAccess (from cohorts.permissions) and checks the
rule itself, so views and the cohort consumer cannot disagree. A broken rule
raises DomainError and leaves the data as it was. Live events are appended to
the cohort stream inside the same transaction and sent after commit.
"""

from __future__ import annotations

import datetime
import random
import uuid
import zoneinfo
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from cohorts import permissions
from cohorts.errors import DomainError
from cohorts.models import Membership
from cohorts.permissions import CohortAccess
from goals import events, partners, periods
from goals.models import (
    TEXT_MAX_LENGTH,
    CheckIn,
    CheckInReply,
    CohortRhythm,
    Goal,
    GoalNote,
    GoalRevision,
    Milestone,
    PartnerGroup,
    PartnerRound,
    PartnerSlot,
    ProgressUpdate,
)

TITLE_MAX_LENGTH = 200
# Past rounds a rotation tries not to repeat.
ROTATION_MEMORY = 3


def _forbidden() -> DomainError:
    return DomainError(_("You may not do this."), code="forbidden")


def _text(value: str | None, *, label: str, required: bool = False, limit=TEXT_MAX_LENGTH):
    value = (value or "").strip()
    if required and not value:
        raise DomainError(
            _("%(field)s cannot be empty.") % {"field": label.capitalize()}, code="empty"
        )
    if len(value) > limit:
        raise DomainError(
            _("%(field)s can be at most %(limit)d characters.")
            % {"field": label.capitalize(), "limit": limit},
            code="too_long",
        )
    return value


def _day(value: datetime.date) -> str:
    return formats.date_format(value, "DATE_FORMAT")


# Rhythm ----------------------------------------------------------------------


@transaction.atomic
def update_rhythm(
    *,
    access: CohortAccess,
    cadence: str,
    weekday: int,
    time_zone: str,
    participants_see_leader_goals: bool,
) -> CohortRhythm:
    if not access.is_facilitator:
        raise _forbidden()
    if cadence not in CohortRhythm.Cadence.values:
        raise DomainError(_("Choose weekly or every two weeks."), code="invalid")
    if weekday not in CohortRhythm.Weekday.values:
        raise DomainError(_("Choose a day of the week."), code="invalid")
    if time_zone not in zoneinfo.available_timezones():
        raise DomainError(_("Choose a known time zone."), code="invalid")
    rhythm = periods.rhythm_for(access.cohort)
    rhythm = CohortRhythm.objects.select_for_update().get(pk=rhythm.pk)
    rhythm.cadence = cadence
    rhythm.weekday = weekday
    rhythm.time_zone = time_zone
    rhythm.participants_see_leader_goals = participants_see_leader_goals
    rhythm.save(update_fields=["cadence", "weekday", "time_zone", "participants_see_leader_goals"])
    return rhythm


# Goals -----------------------------------------------------------------------


def _clean_goal_fields(*, cohort, title, why, success_measure, target_date) -> dict:
    fields = {
        "title": _text(title, label=_("title"), required=True, limit=TITLE_MAX_LENGTH),
        "why": _text(why, label=_("why it matters")),
        "success_measure": _text(success_measure, label=_("success measure")),
        "target_date": target_date,
    }
    if target_date is not None and not (cohort.starts_on <= target_date <= cohort.ends_on):
        raise DomainError(
            _("The target date must fall inside the program: %(start)s to %(end)s.")
            % {"start": _day(cohort.starts_on), "end": _day(cohort.ends_on)},
            code="invalid",
        )
    return fields


@transaction.atomic
def create_shared_goal(
    *,
    access: CohortAccess,
    title: str,
    why: str = "",
    success_measure: str = "",
    target_date: datetime.date | None = None,
) -> Goal:
    """A cohort goal, written by a facilitator with the cohort: agreed at once."""
    if not access.is_facilitator:
        raise _forbidden()
    now = timezone.now()
    goal = Goal.objects.create(
        cohort=access.cohort,
        kind=Goal.Kind.SHARED,
        status=Goal.Status.AGREED,
        visibility=Goal.Visibility.COHORT,
        facilitator_agreed_at=now,
        facilitator_agreed_by=access.user,
        agreed_at=now,
        created_by=access.user,
        **_clean_goal_fields(
            cohort=access.cohort,
            title=title,
            why=why,
            success_measure=success_measure,
            target_date=target_date,
        ),
    )
    events.goal_changed(goal)
    return goal


@transaction.atomic
def draft_personal_goal(
    *,
    access: CohortAccess,
    owner: Membership,
    title: str,
    why: str = "",
    success_measure: str = "",
    target_date: datetime.date | None = None,
    visibility: str = Goal.Visibility.PRIVATE,
) -> Goal:
    """A participant drafts their own goal, or a facilitator proposes one.

    Only the participant chooses who else reads it: a proposal starts private.
    """
    if owner.cohort_id != access.cohort.pk or not owner.is_participant:
        raise DomainError(_("Goals belong to participants of this cohort."), code="invalid")
    own = access.membership is not None and access.membership.pk == owner.pk
    if not (own or access.is_facilitator):
        raise _forbidden()
    if visibility not in Goal.Visibility.values:
        raise DomainError(_("Choose who may see the goal."), code="invalid")
    goal = Goal.objects.create(
        cohort=access.cohort,
        kind=Goal.Kind.PERSONAL,
        owner=owner,
        status=Goal.Status.DRAFT,
        visibility=visibility if own else Goal.Visibility.PRIVATE,
        created_by=access.user,
        **_clean_goal_fields(
            cohort=access.cohort,
            title=title,
            why=why,
            success_measure=success_measure,
            target_date=target_date,
        ),
    )
    events.goal_changed(goal)
    return goal


def _lock(goal: Goal) -> Goal:
    # of=("self",): PostgreSQL cannot lock the nullable side of the owner join.
    return (
        Goal.objects.select_for_update(of=("self",))
        .select_related("owner__user", "cohort")
        .get(pk=goal.pk)
    )


def _json_value(value):
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _apply_changes(*, access: CohortAccess, goal: Goal, changes: dict) -> Goal:
    """Save changed fields; an agreed goal keeps each change as history, a
    draft needs both sides to agree again."""
    changed = {
        name: [_json_value(getattr(goal, name)), _json_value(value)]
        for name, value in changes.items()
        if getattr(goal, name) != value
    }
    if not changed:
        return goal
    for name, value in changes.items():
        setattr(goal, name, value)
    goal.updated_at = timezone.now()
    update_fields = [*changes, "updated_at"]
    if goal.agreed_at is not None:
        GoalRevision.objects.create(goal=goal, changed_by=access.user, changes=changed)
    elif goal.is_draft and set(changed) & {"title", "why", "success_measure", "target_date"}:
        goal.participant_agreed_at = None
        goal.facilitator_agreed_at = None
        goal.facilitator_agreed_by = None
        update_fields += [
            "participant_agreed_at",
            "facilitator_agreed_at",
            "facilitator_agreed_by",
        ]
    goal.save(update_fields=update_fields)
    events.goal_changed(goal)
    return goal


@transaction.atomic
def edit_goal(
    *,
    access: CohortAccess,
    goal: Goal,
    title: str,
    why: str = "",
    success_measure: str = "",
    target_date: datetime.date | None = None,
) -> Goal:
    goal = _lock(goal)
    if not permissions.can_edit_goal(access, goal):
        raise _forbidden()
    fields = _clean_goal_fields(
        cohort=goal.cohort,
        title=title,
        why=why,
        success_measure=success_measure,
        target_date=target_date,
    )
    return _apply_changes(access=access, goal=goal, changes=fields)


@transaction.atomic
def agree_goal(*, access: CohortAccess, goal: Goal) -> Goal:
    """Record the caller's side of the agreement; with both sides the draft is agreed."""
    goal = _lock(goal)
    if not permissions.can_edit_goal(access, goal):
        raise _forbidden()
    if not goal.is_draft:
        raise DomainError(_("This goal is already agreed."), code="invalid")
    now = timezone.now()
    if permissions.is_goal_author(access, goal):
        goal.participant_agreed_at = goal.participant_agreed_at or now
    if access.is_facilitator:
        if goal.facilitator_agreed_at is None:
            goal.facilitator_agreed_at = now
            goal.facilitator_agreed_by = access.user
    if goal.participant_agreed_at and goal.facilitator_agreed_at:
        goal.status = Goal.Status.AGREED
        goal.agreed_at = now
    goal.updated_at = now
    goal.save()
    events.goal_changed(goal)
    return goal


@transaction.atomic
def set_goal_status(*, access: CohortAccess, goal: Goal, status: str) -> Goal:
    goal = _lock(goal)
    if not permissions.can_edit_goal(access, goal):
        raise _forbidden()
    if status not in Goal.Status.values or status == Goal.Status.DRAFT:
        raise DomainError(_("Choose a status."), code="invalid")
    if goal.is_draft:
        raise DomainError(
            _("A draft goal must be agreed by the participant and a facilitator first."),
            code="invalid",
        )
    return _apply_changes(access=access, goal=goal, changes={"status": status})


@transaction.atomic
def set_goal_visibility(*, access: CohortAccess, goal: Goal, visibility: str) -> Goal:
    goal = _lock(goal)
    if not permissions.can_set_goal_visibility(access, goal):
        raise _forbidden()
    if visibility not in Goal.Visibility.values:
        raise DomainError(_("Choose who may see the goal."), code="invalid")
    before = permissions.goal_reader_ids(goal)
    goal = _apply_changes(access=access, goal=goal, changes={"visibility": visibility})
    # Readers who lost the goal are told to drop it from their page.
    events.goal_hidden(goal, user_ids=before - permissions.goal_reader_ids(goal))
    return goal


@transaction.atomic
def add_milestone(
    *, access: CohortAccess, goal: Goal, title: str, due_on: datetime.date | None = None
) -> Milestone:
    goal = _lock(goal)
    if not permissions.can_edit_goal(access, goal):
        raise _forbidden()
    title = _text(title, label=_("milestone"), required=True, limit=TITLE_MAX_LENGTH)
    last = goal.milestones.order_by("-position").values_list("position", flat=True).first()
    milestone = Milestone.objects.create(
        goal=goal, title=title, due_on=due_on, position=(last or 0) + 1
    )
    events.goal_changed(goal)
    return milestone


def _locked_milestone(access: CohortAccess, milestone: Milestone) -> Milestone:
    milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
    goal = _lock(milestone.goal)
    if not permissions.can_post_progress(access, goal):
        raise _forbidden()
    milestone.goal = goal
    return milestone


@transaction.atomic
def set_milestone_done(
    *, access: CohortAccess, milestone: Milestone, done: bool, checkin: CheckIn | None = None
) -> Milestone:
    """Tick or untick; ticking also records a progress update, so the goal's
    history shows when it happened."""
    milestone = _locked_milestone(access, milestone)
    if milestone.done == done:
        return milestone
    milestone.done = done
    milestone.done_at = timezone.now() if done else None
    milestone.save(update_fields=["done", "done_at"])
    if done:
        rhythm = periods.rhythm_for(milestone.goal.cohort)
        ProgressUpdate.objects.create(
            goal=milestone.goal,
            author=access.user,
            note=_("Milestone reached: %(title)s") % {"title": milestone.title},
            on=periods.local_today(rhythm),
            milestone=milestone,
            checkin=checkin,
        )
    events.goal_changed(milestone.goal)
    return milestone


@transaction.atomic
def move_milestone(*, access: CohortAccess, milestone: Milestone, up: bool) -> Milestone:
    milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
    goal = _lock(milestone.goal)
    if not permissions.can_edit_goal(access, goal):
        raise _forbidden()
    ordered = list(goal.milestones.order_by("position", "pk"))
    index = next(i for i, item in enumerate(ordered) if item.pk == milestone.pk)
    other = index - 1 if up else index + 1
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
        for position, item in enumerate(ordered, start=1):
            if item.position != position:
                item.position = position
                item.save(update_fields=["position"])
        events.goal_changed(goal)
    return milestone


@transaction.atomic
def delete_milestone(*, access: CohortAccess, milestone: Milestone) -> None:
    milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
    goal = _lock(milestone.goal)
    if not permissions.can_edit_goal(access, goal):
        raise _forbidden()
    milestone.delete()
    events.goal_changed(goal)


@transaction.atomic
def post_progress(
    *,
    access: CohortAccess,
    goal: Goal,
    note: str = "",
    value: int | None = None,
    on: datetime.date | None = None,
    checkin: CheckIn | None = None,
) -> ProgressUpdate:
    goal = _lock(goal)
    if not permissions.can_post_progress(access, goal):
        raise _forbidden()
    if goal.is_draft:
        raise DomainError(_("Progress is posted once the goal is agreed."), code="invalid")
    note = _text(note, label=_("note"))
    if value is not None and not (0 <= value <= 100):
        raise DomainError(_("Progress is a figure from 0 to 100."), code="invalid")
    if not note and value is None:
        raise DomainError(_("Write a note or give a figure."), code="empty")
    today = periods.local_today(periods.rhythm_for(goal.cohort))
    on = on or today
    if on > today:
        raise DomainError(_("Progress cannot be dated in the future."), code="invalid")
    update = ProgressUpdate.objects.create(
        goal=goal, author=access.user, note=note, value=value, on=on, checkin=checkin
    )
    events.goal_changed(goal)
    return update


@transaction.atomic
def add_goal_note(
    *,
    access: CohortAccess,
    goal: Goal,
    kind: str,
    body: str,
    on: datetime.date | None = None,
) -> GoalNote:
    goal = _lock(goal)
    allowed = {
        GoalNote.Kind.COMMENT: permissions.can_comment_goal,
        GoalNote.Kind.ENCOURAGEMENT: permissions.can_encourage_goal,
        GoalNote.Kind.ALIGNMENT: permissions.can_record_alignment,
    }
    if kind not in allowed or not allowed[kind](access, goal):
        raise _forbidden()
    body = _text(body, label=_("note"), required=True)
    today = periods.local_today(periods.rhythm_for(goal.cohort))
    on = on or today
    if on > today:
        raise DomainError(_("A note cannot be dated in the future."), code="invalid")
    note = GoalNote.objects.create(goal=goal, kind=kind, author=access.user, body=body, on=on)
    events.goal_changed(goal)
    return note


def commitments_for(access: CohortAccess, goal: Goal):
    """Commitments of the goal's author (or, on a shared goal, of the caller)
    that may be tied to the goal."""
    from board.models import Commitment

    if goal.is_personal:
        if not permissions.is_goal_author(access, goal):
            return Commitment.objects.none()
        author = goal.owner
    else:
        if not access.is_participant:
            return Commitment.objects.none()
        author = access.membership
    return Commitment.objects.filter(author=author, session__cohort=goal.cohort).select_related(
        "session"
    )


@transaction.atomic
def tie_commitment(*, access: CohortAccess, goal: Goal, commitment_id, tied: bool = True) -> None:
    """A participant ties one of their own commitments to a goal they work on
    (or unties it)."""
    goal = _lock(goal)
    try:
        commitment = commitments_for(access, goal).get(pk=int(commitment_id))
    except (ValueError, TypeError) as error:
        raise DomainError(_("No such commitment."), code="not_found") from error
    except commitments_for(access, goal).model.DoesNotExist as error:
        raise DomainError(_("No such commitment."), code="not_found") from error
    if tied:
        goal.commitments.add(commitment)
    else:
        goal.commitments.remove(commitment)
    events.goal_changed(goal)


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
    if not access.is_participant:
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
        % {"closed": _day(period_start), "open": _day(current.start)},
        code="closed",
    )


@transaction.atomic
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
    if not access.is_participant:
        raise DomainError(_("Only participants write check-ins."), code="forbidden")
    cohort = access.cohort
    rhythm = periods.rhythm_for(cohort)
    current = periods.current_period(rhythm, now)
    if period_start != current.start:
        raise _closed(period_start, current)
    if current.end < cohort.starts_on or current.start > cohort.ends_on:
        raise DomainError(
            _("Check-ins are written during the program, from %(start)s to %(end)s.")
            % {"start": _day(cohort.starts_on), "end": _day(cohort.ends_on)},
            code="closed",
        )
    if energy not in range(1, 6):
        raise DomainError(_("Energy is a number from 1 to 5."), code="invalid")
    texts = {
        "win": _text(win, label=_("win")),
        "challenge": _text(challenge, label=_("challenge")),
        "ask": _text(ask, label=_("ask for support")),
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
            partner_round=current_round(cohort),
            created_at=stamp,
            updated_at=stamp,
            **texts,
        )
    else:
        before = permissions.checkin_reader_ids(checkin)
        for name, value in texts.items():
            setattr(checkin, name, value)
        checkin.energy = energy
        checkin.shared_with_cohort = shared_with_cohort
        checkin.updated_at = stamp
        checkin.save()
        events.checkin_hidden(checkin, user_ids=before - permissions.checkin_reader_ids(checkin))
        # Figures given with the earlier submission are replaced by these.
        checkin.progress.filter(milestone__isnull=True).delete()

    today = periods.local_today(rhythm, now)
    for entry in progress:
        goal = goals[entry.goal_id]
        if entry.value is not None:
            ProgressUpdate.objects.create(
                goal=goal,
                author=access.user,
                note=_("From the check-in of %(day)s") % {"day": _day(current.start)},
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


@transaction.atomic
def reply_to_checkin(
    *, access: CohortAccess, checkin: CheckIn, body: str, client_id: uuid.UUID | None = None
) -> tuple[CheckInReply, bool]:
    """Answer in the check-in's thread; a resend with the same client_id
    returns the stored reply. Returns (reply, created)."""
    if not permissions.can_reply_checkin(access, checkin):
        raise DomainError(
            _("Only the author, their partners and the facilitators reply here."),
            code="forbidden",
        )
    body = _text(body, label=_("reply"), required=True)
    if client_id is not None:
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


# Partners --------------------------------------------------------------------


def current_round(cohort) -> PartnerRound | None:
    return PartnerRound.objects.filter(cohort=cohort).first()


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


def _participants(cohort):
    return cohort.memberships.filter(role=Membership.Role.PARTICIPANT).select_related("user")


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


@transaction.atomic
def rotate_partners(*, access: CohortAccess, rng: random.Random | None = None) -> PartnerRound:
    """A new round of pairs and triads at random, avoiding the pairs of the
    last rounds where it can; earlier rounds stay as history."""
    if not access.is_facilitator:
        raise _forbidden()
    ids = list(_participants(access.cohort).values_list("pk", flat=True))
    if len(ids) < 2:
        raise DomainError(
            _("Partners need at least two participants in the cohort."), code="invalid"
        )
    history = [
        [[m.pk for m in group] for group in round_groups(past)]
        for past in PartnerRound.objects.filter(cohort=access.cohort)[:ROTATION_MEMORY]
    ]
    return _store_round(access=access, groups=partners.split(ids, history=history, rng=rng))


@transaction.atomic
def edit_partner_groups(
    *, access: CohortAccess, round: PartnerRound, assignment: dict[int, int]
) -> PartnerRound:
    """Rearrange the round in force: `assignment` maps each participant's
    membership id to a group number. Everyone must be placed, in groups of at
    least two."""
    if not access.is_facilitator:
        raise _forbidden()
    round = PartnerRound.objects.select_for_update().get(pk=round.pk)
    if round.cohort_id != access.cohort.pk or round != current_round(access.cohort):
        raise DomainError(_("Only the pairing in force can be edited."), code="invalid")
    ids = set(_participants(access.cohort).values_list("pk", flat=True))
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
