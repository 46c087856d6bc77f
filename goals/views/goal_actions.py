"""The small forms of a goal's page: agreement, status, visibility,
progress, notes, milestones and tied commitments.

Each posts about one goal: on success back to the goal, else the goal page
again with the form's errors (goal_pages.render_goal).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cohorts.permissions import not_found
from goals import rules, services
from goals.forms import (
    CommitmentTieForm,
    MilestoneForm,
    NoteForm,
    ProgressForm,
    StatusForm,
    VisibilityForm,
)
from goals.models import Milestone
from goals.views.goal_pages import render_goal
from lib.errors import DomainError


def _goal_action(
    request, cohort_id, goal_id, form_class, form_name, action, done_message, *, permitted
):
    """POST a small form about one goal: on success back to the goal, else the
    goal page again with the form's errors. A reader without the right gets
    404, as for a goal they cannot see."""
    access, goal = rules.access_goal(request.user, cohort_id, goal_id)
    if not access.is_open_for_work:
        # A page opened before the cohort was completed: say why, change nothing.
        messages.error(request, access.stage.closed_message)
        return redirect(goal)
    if not permitted(access, goal):
        raise not_found()
    form = form_class(request.POST) if form_class else None
    if form is None or form.is_valid():
        try:
            action(access, goal, form.cleaned_data if form else {})
        except DomainError as error:
            if form is None:
                messages.error(request, error.message)
                return redirect(goal)
            form.add_error(None, error.message)
        else:
            messages.success(request, done_message)
            return redirect(goal)
    return render_goal(request, access, goal, status=400, **{form_name: form})


@login_required
@require_POST
def goal_agree(request, cohort_id, goal_id):
    return _goal_action(
        request,
        cohort_id,
        goal_id,
        None,
        None,
        lambda access, goal, data: services.agree_goal(access=access, goal=goal),
        _("Your agreement is recorded."),
        permitted=rules.can_edit_goal,
    )


@login_required
@require_POST
def goal_status(request, cohort_id, goal_id):
    return _goal_action(
        request,
        cohort_id,
        goal_id,
        StatusForm,
        "status_form",
        lambda access, goal, data: services.set_goal_status(
            access=access, goal=goal, status=data["status"]
        ),
        _("Status changed."),
        permitted=rules.can_edit_goal,
    )


@login_required
@require_POST
def goal_visibility(request, cohort_id, goal_id):
    return _goal_action(
        request,
        cohort_id,
        goal_id,
        VisibilityForm,
        "visibility_form",
        lambda access, goal, data: services.set_goal_visibility(
            access=access, goal=goal, visibility=data["visibility"]
        ),
        _("Who may see this goal is changed."),
        permitted=rules.can_set_goal_visibility,
    )


@login_required
@require_POST
def goal_progress(request, cohort_id, goal_id):
    return _goal_action(
        request,
        cohort_id,
        goal_id,
        ProgressForm,
        "progress_form",
        lambda access, goal, data: services.post_progress(access=access, goal=goal, **data),
        _("Progress posted."),
        permitted=rules.can_post_progress,
    )


@login_required
@require_POST
def goal_note(request, cohort_id, goal_id):
    return _goal_action(
        request,
        cohort_id,
        goal_id,
        NoteForm,
        "note_form",
        lambda access, goal, data: services.add_goal_note(access=access, goal=goal, **data),
        _("Note added."),
        permitted=rules.can_write_goal_note,
    )


@login_required
@require_POST
def milestone_add(request, cohort_id, goal_id):
    return _goal_action(
        request,
        cohort_id,
        goal_id,
        MilestoneForm,
        "milestone_form",
        lambda access, goal, data: services.add_milestone(access=access, goal=goal, **data),
        _("Milestone added."),
        permitted=rules.can_edit_goal,
    )


@login_required
@require_POST
def milestone_action(request, cohort_id, goal_id, milestone_id, action):
    actions = {
        "done": lambda access, m: services.set_milestone_done(
            access=access, milestone=m, done=True
        ),
        "undone": lambda access, m: services.set_milestone_done(
            access=access, milestone=m, done=False
        ),
        "up": lambda access, m: services.move_milestone(access=access, milestone=m, up=True),
        "down": lambda access, m: services.move_milestone(access=access, milestone=m, up=False),
        "delete": lambda access, m: services.delete_milestone(access=access, milestone=m),
    }
    if action not in actions:
        raise not_found()
    access, goal = rules.access_goal(request.user, cohort_id, goal_id)
    if not access.is_open_for_work:
        messages.error(request, access.stage.closed_message)
        return redirect(goal)
    permitted = rules.can_post_progress if action in {"done", "undone"} else rules.can_edit_goal
    if not permitted(access, goal):
        raise not_found()
    milestone = Milestone.objects.filter(pk=milestone_id, goal=goal).first()
    if milestone is None:
        raise not_found()
    try:
        actions[action](access, milestone)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(goal)


@login_required
@require_POST
def goal_commitment(request, cohort_id, goal_id):
    return _goal_action(
        request,
        cohort_id,
        goal_id,
        CommitmentTieForm,
        "commitment_form",
        lambda access, goal, data: services.tie_commitment(
            access=access, goal=goal, commitment_id=data["commitment"], tied=data["tied"]
        ),
        _("Commitments updated."),
        permitted=rules.can_tie_commitment,
    )
