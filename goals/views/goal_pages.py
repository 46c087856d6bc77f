"""Goal pages: list, create, edit, and the small forms of a goal page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cohorts import permissions
from cohorts.models import Membership
from goals import charts, services
from goals.forms import (
    CommitmentTieForm,
    GoalForm,
    MilestoneForm,
    NewGoalForm,
    NoteForm,
    ProgressForm,
    StatusForm,
    VisibilityForm,
)
from goals.models import Goal, GoalNote, Milestone
from goals.views.exports import csv_response
from lib.errors import DomainError

# Goals -----------------------------------------------------------------------


@login_required
@require_GET
def goal_list(request, cohort_id):
    access = permissions.access_goals(request.user, cohort_id)
    goals = (
        permissions.visible_goals(access)
        .select_related("owner__user")
        .prefetch_related("updates", "milestones")
    )
    shared = [g for g in goals if g.is_shared]
    mine = [g for g in goals if g.is_personal and permissions.is_goal_author(access, g)]
    others = [g for g in goals if g.is_personal and not permissions.is_goal_author(access, g)]
    return render(
        request,
        "goals/goal_list.html",
        {
            "access": access,
            "cohort": access.cohort,
            "shared_goals": shared,
            "my_goals": mine,
            "other_goals": others,
            "can_create": access.is_member,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def goal_new(request, cohort_id):
    access = permissions.access_goals(request.user, cohort_id)
    if not access.is_member:
        raise Http404
    participants = access.cohort.memberships.filter(
        role=Membership.Role.PARTICIPANT
    ).select_related("user")
    form = NewGoalForm(
        request.POST or None,
        cohort=access.cohort,
        participants=participants,
        is_facilitator=access.is_facilitator,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {
            "title": data["title"],
            "why": data["why"],
            "success_measure": data["success_measure"],
            "target_date": data["target_date"],
        }
        try:
            if access.is_facilitator and data["for_whom"] == NewGoalForm.SHARED:
                goal = services.create_shared_goal(access=access, **fields)
            elif access.is_facilitator:
                owner = get_object_or_404(participants, pk=data["for_whom"])
                goal = services.draft_personal_goal(access=access, owner=owner, **fields)
            else:
                goal = services.draft_personal_goal(
                    access=access,
                    owner=access.membership,
                    visibility=data["visibility"],
                    **fields,
                )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Goal saved."))
            return redirect(goal)
    return render(
        request,
        "goals/goal_form.html",
        {"access": access, "cohort": access.cohort, "form": form, "goal": None},
        status=400 if form.errors else 200,
    )


def _revisions(goal):
    """Each change since agreement, with its fields' names as people read them."""
    labels = {name: Goal._meta.get_field(name).verbose_name for name in Goal.TRACKED_FIELDS}
    choices = {"status": dict(Goal.Status.choices), "visibility": dict(Goal.Visibility.choices)}

    def shown(name, value):
        return choices.get(name, {}).get(value, value)

    return [
        (
            revision,
            [
                (labels.get(name, name), shown(name, before), shown(name, after))
                for name, (before, after) in revision.changes.items()
            ],
        )
        for revision in goal.revisions.select_related("changed_by")
    ]


def _render_goal(request, access, goal, *, status=200, **forms):
    updates = list(goal.updates.select_related("author", "milestone"))
    note_kinds = permissions.visible_goal_note_kinds(access, goal)
    notes = list(permissions.visible_goal_notes(access, goal))
    can_post = permissions.can_post_progress(access, goal)
    can_edit = permissions.can_edit_goal(access, goal)
    note_forms = {}
    for kind, allowed in (
        (GoalNote.Kind.COMMENT, permissions.can_comment_goal(access, goal)),
        (GoalNote.Kind.ENCOURAGEMENT, permissions.can_encourage_goal(access, goal)),
        (GoalNote.Kind.ALIGNMENT, permissions.can_record_alignment(access, goal)),
    ):
        if allowed:
            bound = forms.get("note_form")
            if bound is not None and bound.data.get("kind") == kind:
                note_forms[kind] = bound
            else:
                # Several note forms share the page: keep their ids apart.
                note_forms[kind] = NoteForm(initial={"kind": kind}, auto_id=f"id_{kind}_%s")
    tie_candidates = []
    if permissions.can_tie_commitment(access, goal):
        tied = set(goal.commitments.values_list("pk", flat=True))
        tie_candidates = [c for c in services.commitments_for(access, goal) if c.pk not in tied]
    context = {
        "access": access,
        "cohort": access.cohort,
        "goal": goal,
        "milestones": goal.milestones.all(),
        "updates": updates,
        "chart": charts.progress_chart(updates),
        "figures": [u for u in updates if u.value is not None],
        "comments": [n for n in notes if n.kind == GoalNote.Kind.COMMENT],
        "encouragements": [n for n in notes if n.kind == GoalNote.Kind.ENCOURAGEMENT],
        "alignments": [n for n in notes if n.kind == GoalNote.Kind.ALIGNMENT],
        "note_kinds": note_kinds,
        "note_forms": note_forms,
        "revisions": _revisions(goal) if can_edit else [],
        "commitments": goal.commitments.select_related("author__user", "session"),
        "tie_candidates": tie_candidates,
        "can_edit": can_edit,
        "can_post": can_post,
        "can_agree": permissions.can_agree_goal(access, goal),
        "can_set_visibility": permissions.can_set_goal_visibility(access, goal),
        "is_author": permissions.is_goal_author(access, goal),
        "progress_form": forms.get("progress_form") or ProgressForm(),
        "milestone_form": forms.get("milestone_form") or MilestoneForm(),
        "status_form": forms.get("status_form") or StatusForm(initial={"status": goal.status}),
        "visibility_form": forms.get("visibility_form")
        or VisibilityForm(initial={"visibility": goal.visibility}),
    }
    return render(request, "goals/goal_detail.html", context, status=status)


@login_required
@require_GET
def goal_detail(request, cohort_id, goal_id):
    access, goal = permissions.access_goal(request.user, cohort_id, goal_id)
    return _render_goal(request, access, goal)


@login_required
@require_http_methods(["GET", "POST"])
def goal_edit(request, cohort_id, goal_id):
    access, goal = permissions.access_goal(request.user, cohort_id, goal_id)
    if not permissions.can_edit_goal(access, goal):
        raise Http404
    initial = {
        "title": goal.title,
        "why": goal.why,
        "success_measure": goal.success_measure,
        "target_date": goal.target_date,
    }
    form = GoalForm(request.POST or None, initial=initial, cohort=access.cohort)
    if request.method == "POST" and form.is_valid():
        try:
            services.edit_goal(access=access, goal=goal, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Goal saved."))
            return redirect(goal)
    return render(
        request,
        "goals/goal_form.html",
        {"access": access, "cohort": access.cohort, "form": form, "goal": goal},
        status=400 if form.errors else 200,
    )


def _goal_action(
    request, cohort_id, goal_id, form_class, form_name, action, done_message, *, permitted
):
    """POST a small form about one goal: on success back to the goal, else the
    goal page again with the form's errors. A reader without the right gets
    404, as for a goal they cannot see."""
    access, goal = permissions.access_goal(request.user, cohort_id, goal_id)
    if not permitted(access, goal):
        raise Http404
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
    return _render_goal(request, access, goal, status=400, **{form_name: form})


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
        permitted=permissions.can_edit_goal,
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
        permitted=permissions.can_edit_goal,
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
        permitted=permissions.can_set_goal_visibility,
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
        permitted=permissions.can_post_progress,
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
        permitted=permissions.can_write_goal_note,
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
        permitted=permissions.can_edit_goal,
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
        raise Http404
    access, goal = permissions.access_goal(request.user, cohort_id, goal_id)
    permitted = (
        permissions.can_post_progress
        if action in {"done", "undone"}
        else permissions.can_edit_goal
    )
    if not permitted(access, goal):
        raise Http404
    milestone = get_object_or_404(Milestone, pk=milestone_id, goal=goal)
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
        permitted=permissions.can_tie_commitment,
    )


@login_required
@require_GET
def goals_export(request, cohort_id):
    """The goals the requester may read, with their latest figure, as CSV."""
    access = permissions.access_goals(request.user, cohort_id)
    goals = (
        permissions.visible_goals(access).select_related("owner__user").prefetch_related("updates")
    )
    rows = []
    for goal in goals:
        figures = [u for u in goal.updates.all() if u.value is not None]
        rows.append(
            [
                goal.get_kind_display(),
                str(goal.owner.user) if goal.owner else "",
                goal.title,
                goal.why,
                goal.success_measure,
                goal.target_date.isoformat() if goal.target_date else "",
                goal.get_status_display(),
                goal.get_visibility_display() if goal.is_personal else "",
                figures[-1].value if figures else "",
                figures[-1].on.isoformat() if figures else "",
            ]
        )
    header = [
        _("kind"),
        _("participant"),
        _("title"),
        _("why it matters"),
        _("success measure"),
        _("target date"),
        _("status"),
        _("visibility"),
        _("latest progress"),
        _("progress date"),
    ]
    return csv_response(f"goals-cohort-{access.cohort.pk}.csv", header, rows)
