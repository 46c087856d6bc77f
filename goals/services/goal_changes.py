"""Goals: shared and personal, co-creation, milestones, progress, notes, commitments."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from cohorts.models import Membership
from cohorts.permissions import CohortAccess
from goals import events, periods, rules
from goals.models import (
    CheckIn,
    Goal,
    GoalNote,
    GoalRevision,
    Milestone,
    ProgressUpdate,
)
from goals.services.common import TITLE_MAX_LENGTH, clean_text, day_text, forbidden, in_open_cohort
from lib.errors import DomainError

# Goals -----------------------------------------------------------------------


def _clean_goal_fields(*, cohort, title, why, success_measure, target_date) -> dict:
    fields = {
        "title": clean_text(
            title, label=_("title"), required=True, limit=TITLE_MAX_LENGTH, single_line=True
        ),
        "why": clean_text(why, label=_("why it matters")),
        "success_measure": clean_text(success_measure, label=_("success measure")),
        "target_date": target_date,
    }
    if target_date is not None and not (cohort.starts_on <= target_date <= cohort.ends_on):
        raise DomainError(
            _("The target date must fall inside the program: %(start)s to %(end)s.")
            % {"start": day_text(cohort.starts_on), "end": day_text(cohort.ends_on)},
            code="invalid",
        )
    return fields


@in_open_cohort
def create_shared_goal(
    *,
    access: CohortAccess,
    title: str,
    why: str = "",
    success_measure: str = "",
    target_date: datetime.date | None = None,
) -> Goal:
    """A cohort goal, written by a facilitator with the cohort: agreed at once."""
    if not rules.can_propose_goals(access):
        raise forbidden(access)
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


@in_open_cohort
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
    if owner.cohort_id != access.cohort.pk or not rules.may_own_goals(owner):
        raise DomainError(_("Goals belong to participants of this cohort."), code="invalid")
    if not rules.can_draft_goal_for(access, owner):
        raise forbidden(access)
    own = access.membership is not None and access.membership.pk == owner.pk
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


@in_open_cohort
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
    if not rules.can_edit_goal(access, goal):
        raise forbidden(access)
    fields = _clean_goal_fields(
        cohort=goal.cohort,
        title=title,
        why=why,
        success_measure=success_measure,
        target_date=target_date,
    )
    return _apply_changes(access=access, goal=goal, changes=fields)


@in_open_cohort
def agree_goal(*, access: CohortAccess, goal: Goal) -> Goal:
    """Record the caller's side of the agreement; with both sides the draft is agreed."""
    goal = _lock(goal)
    if not rules.can_edit_goal(access, goal):
        raise forbidden(access)
    if not goal.is_draft:
        raise DomainError(_("This goal is already agreed."), code="invalid")
    now = timezone.now()
    if rules.is_goal_author(access, goal):
        goal.participant_agreed_at = goal.participant_agreed_at or now
    if rules.agrees_for_facilitators(access):
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


@in_open_cohort
def set_goal_status(*, access: CohortAccess, goal: Goal, status: str) -> Goal:
    goal = _lock(goal)
    if not rules.can_edit_goal(access, goal):
        raise forbidden(access)
    if status not in Goal.Status.values or status == Goal.Status.DRAFT:
        raise DomainError(_("Choose a status."), code="invalid")
    if goal.is_draft:
        raise DomainError(
            _("A draft goal must be agreed by the participant and a facilitator first."),
            code="invalid",
        )
    return _apply_changes(access=access, goal=goal, changes={"status": status})


@in_open_cohort
def set_goal_visibility(*, access: CohortAccess, goal: Goal, visibility: str) -> Goal:
    goal = _lock(goal)
    if not rules.can_set_goal_visibility(access, goal):
        raise forbidden(access)
    if visibility not in Goal.Visibility.values:
        raise DomainError(_("Choose who may see the goal."), code="invalid")
    before = rules.goal_reader_ids(goal)
    goal = _apply_changes(access=access, goal=goal, changes={"visibility": visibility})
    # Readers who lost the goal are told to drop it from their page.
    events.goal_hidden(goal, user_ids=before - rules.goal_reader_ids(goal))
    return goal


@in_open_cohort
def add_milestone(
    *, access: CohortAccess, goal: Goal, title: str, due_on: datetime.date | None = None
) -> Milestone:
    goal = _lock(goal)
    if not rules.can_edit_goal(access, goal):
        raise forbidden(access)
    title = clean_text(
        title, label=_("milestone"), required=True, limit=TITLE_MAX_LENGTH, single_line=True
    )
    last = goal.milestones.order_by("-position").values_list("position", flat=True).first()
    milestone = Milestone.objects.create(
        goal=goal, title=title, due_on=due_on, position=(last or 0) + 1
    )
    events.goal_changed(goal)
    return milestone


def _locked_milestone(access: CohortAccess, milestone: Milestone) -> Milestone:
    milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
    goal = _lock(milestone.goal)
    if not rules.can_post_progress(access, goal):
        raise forbidden(access)
    milestone.goal = goal
    return milestone


@in_open_cohort
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


@in_open_cohort
def move_milestone(*, access: CohortAccess, milestone: Milestone, up: bool) -> Milestone:
    milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
    goal = _lock(milestone.goal)
    if not rules.can_edit_goal(access, goal):
        raise forbidden(access)
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


@in_open_cohort
def delete_milestone(*, access: CohortAccess, milestone: Milestone) -> None:
    milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
    goal = _lock(milestone.goal)
    if not rules.can_edit_goal(access, goal):
        raise forbidden(access)
    milestone.delete()
    events.goal_changed(goal)


@in_open_cohort
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
    if not rules.can_post_progress(access, goal):
        raise forbidden(access)
    if goal.is_draft:
        raise DomainError(_("Progress is posted once the goal is agreed."), code="invalid")
    note = clean_text(note, label=_("note"))
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


@in_open_cohort
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
        GoalNote.Kind.COMMENT: rules.can_comment_goal,
        GoalNote.Kind.ENCOURAGEMENT: rules.can_encourage_goal,
        GoalNote.Kind.ALIGNMENT: rules.can_record_alignment,
    }
    if kind not in allowed or not allowed[kind](access, goal):
        raise forbidden(access)
    body = clean_text(body, label=_("note"), required=True)
    today = periods.local_today(periods.rhythm_for(goal.cohort))
    on = on or today
    if on > today:
        raise DomainError(_("A note cannot be dated in the future."), code="invalid")
    note = GoalNote.objects.create(goal=goal, kind=kind, author=access.user, body=body, on=on)
    events.goal_note_added(note)
    return note


def commitments_for(access: CohortAccess, goal: Goal):
    """Commitments of the goal's author (or, on a shared goal, of the caller)
    that may be tied to the goal."""
    from board.models import Commitment

    if not rules.can_tie_commitment(access, goal):
        return Commitment.objects.none()
    author = goal.owner if goal.is_personal else access.membership
    return Commitment.objects.filter(author=author, session__cohort=goal.cohort).select_related(
        "session"
    )


@in_open_cohort
def tie_commitment(*, access: CohortAccess, goal: Goal, commitment_id, tied: bool = True) -> None:
    """A participant ties one of their own commitments to a goal they work on
    (or unties it)."""
    goal = _lock(goal)
    if not rules.can_tie_commitment(access, goal):
        raise forbidden(access)
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
