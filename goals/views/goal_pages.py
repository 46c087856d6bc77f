"""Goal pages: the list, a new goal, a goal's page and its edit form.

The small forms posted from a goal's page are in goal_actions.py.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from cohorts.permissions import not_found
from goals import charts, rules, services
from goals.forms import (
    GoalForm,
    MilestoneForm,
    NewGoalForm,
    NoteForm,
    ProgressForm,
    StatusForm,
    VisibilityForm,
)
from goals.models import Goal, GoalNote
from lib.errors import DomainError

# Goals -----------------------------------------------------------------------


@login_required
@require_GET
def goal_list(request, cohort_id):
    access = rules.access_goals(request.user, cohort_id)
    goals = (
        rules.visible_goals(access)
        .select_related("owner__user")
        .prefetch_related("updates", "milestones")
    )
    shared = [g for g in goals if g.is_shared]
    mine = [g for g in goals if g.is_personal and rules.is_goal_author(access, g)]
    others = [g for g in goals if g.is_personal and not rules.is_goal_author(access, g)]
    return render(
        request,
        "goals/goal_list.html",
        {
            "access": access,
            "cohort": access.cohort,
            "shared_goals": shared,
            "my_goals": mine,
            "other_goals": others,
            "can_create": access.can_create_goals,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def goal_new(request, cohort_id):
    access = rules.access_goals(request.user, cohort_id)
    if not access.is_open_for_work:
        # Completed or archived since the page was opened: say so.
        messages.error(request, access.stage.closed_message)
        return redirect("goals:list", cohort_id=access.cohort.pk)
    if not access.can_create_goals:
        raise not_found()
    participants = rules.goal_owners(access.cohort)
    form = NewGoalForm(
        request.POST or None,
        cohort=access.cohort,
        participants=participants,
        can_propose=access.can_propose_goals,
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
            if access.can_propose_goals and data["for_whom"] == NewGoalForm.SHARED:
                goal = services.create_shared_goal(access=access, **fields)
            elif access.can_propose_goals:
                owner = participants.filter(pk=data["for_whom"]).first()
                if owner is None:
                    raise not_found()
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


def render_goal(request, access, goal, *, status=200, **forms):
    updates = list(goal.updates.select_related("author", "milestone"))
    note_kinds = rules.visible_goal_note_kinds(access, goal)
    notes = list(rules.visible_goal_notes(access, goal))
    can_post = rules.can_post_progress(access, goal)
    can_edit = rules.can_edit_goal(access, goal)
    note_forms = {}
    for kind, allowed in (
        (GoalNote.Kind.COMMENT, rules.can_comment_goal(access, goal)),
        (GoalNote.Kind.ENCOURAGEMENT, rules.can_encourage_goal(access, goal)),
        (GoalNote.Kind.ALIGNMENT, rules.can_record_alignment(access, goal)),
    ):
        if allowed:
            bound = forms.get("note_form")
            if bound is not None and bound.data.get("kind") == kind:
                note_forms[kind] = bound
            else:
                # Several note forms share the page: keep their ids apart.
                note_forms[kind] = NoteForm(initial={"kind": kind}, auto_id=f"id_{kind}_%s")
    # Commitments the user may tie to the goal, and those they may untie.
    tie_candidates, untie_ids = [], set()
    if rules.can_tie_commitment(access, goal):
        tied = set(goal.commitments.values_list("pk", flat=True))
        tieable = list(services.commitments_for(access, goal))
        tie_candidates = [c for c in tieable if c.pk not in tied]
        untie_ids = {c.pk for c in tieable if c.pk in tied}
    context = {
        "access": access,
        "cohort": access.cohort,
        "goal": goal,
        "milestones": goal.milestones.all(),
        "updates": updates,
        "chart": charts.progress_chart(
            goal, updates, participants=charts.participant_user_ids(goal, updates)
        ),
        "comments": [n for n in notes if n.kind == GoalNote.Kind.COMMENT],
        "encouragements": [n for n in notes if n.kind == GoalNote.Kind.ENCOURAGEMENT],
        "alignments": [n for n in notes if n.kind == GoalNote.Kind.ALIGNMENT],
        "note_kinds": note_kinds,
        "note_forms": note_forms,
        "revisions": _revisions(goal) if can_edit else [],
        "commitments": goal.commitments.select_related("author__user", "session"),
        "tie_candidates": tie_candidates,
        "untie_ids": untie_ids,
        "can_edit": can_edit,
        "can_post": can_post,
        "can_agree": rules.can_agree_goal(access, goal),
        "can_set_visibility": rules.can_set_goal_visibility(access, goal),
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
    access, goal = rules.access_goal(request.user, cohort_id, goal_id)
    return render_goal(request, access, goal)


@login_required
@require_http_methods(["GET", "POST"])
def goal_edit(request, cohort_id, goal_id):
    access, goal = rules.access_goal(request.user, cohort_id, goal_id)
    if not access.is_open_for_work:
        messages.error(request, access.stage.closed_message)
        return redirect(goal)
    if not rules.can_edit_goal(access, goal):
        raise not_found()
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
