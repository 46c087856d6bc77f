"""Partner groups and the check-in rhythm: set by the cohort's facilitators,
the groups read by its participants."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cohorts.permissions import not_found
from goals import periods, rules, services
from goals.forms import PartnerEditForm, RhythmForm
from lib.errors import DomainError


def _render_partners(request, access, *, edit_form=None, status=200):
    round = services.current_round(access.cohort)
    groups = services.round_groups(round) if round else []
    context = {"access": access, "cohort": access.cohort, "round": round}
    if access.sees_every_partner_group:
        # Groups someone checked in to stay as they are (see
        # services.edit_partner_groups): no form, the way to rotate instead.
        fixed = round is not None and services.has_checkins(round)
        participants = list(rules.partner_candidates(access.cohort))
        history = [
            (past, services.round_groups(past)) for past in access.cohort.partner_rounds.all()[1:]
        ]
        context.update(
            groups=groups,
            history=history,
            groups_fixed=fixed,
            edit_form=None
            if fixed or not access.can_arrange_partners
            else edit_form
            or (PartnerEditForm(participants=participants, groups=groups) if round else None),
        )
    else:
        context["partners"] = services.partners_of(access.membership)
    return render(request, "goals/partners.html", context, status=status)


@login_required
@require_GET
def partner_list(request, cohort_id):
    access = rules.access_checkins(request.user, cohort_id)
    return _render_partners(request, access)


@login_required
@require_POST
def partners_rotate(request, cohort_id):
    access = rules.access_cohort_facilitation(request.user, cohort_id)
    try:
        services.rotate_partners(access=access)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("New partner groups are in force."))
    return redirect("goals:partners", cohort_id=access.cohort.pk)


@login_required
@require_POST
def partners_edit(request, cohort_id):
    access = rules.access_cohort_facilitation(request.user, cohort_id)
    round = services.current_round(access.cohort)
    if round is None:
        raise not_found()
    participants = rules.partner_candidates(access.cohort)
    form = PartnerEditForm(
        request.POST, participants=participants, groups=services.round_groups(round)
    )
    if form.is_valid():
        try:
            services.edit_partner_groups(access=access, round=round, assignment=form.assignment())
        except DomainError as error:
            if error.code in ("in_use", "cohort_closed"):
                # The page shows no form for fixed groups, nor once the
                # cohort is closed: the message goes above.
                messages.error(request, error.message)
            else:
                form.add_error(None, error.message)
        else:
            messages.success(request, _("Partner groups saved."))
            return redirect("goals:partners", cohort_id=access.cohort.pk)
    return _render_partners(request, access, edit_form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def rhythm(request, cohort_id):
    access = rules.access_cohort_facilitation(request.user, cohort_id)
    current = periods.rhythm_for(access.cohort)
    form = RhythmForm(
        request.POST or None,
        initial={
            "cadence": current.cadence,
            "weekday": current.weekday,
            "participants_see_leader_goals": current.participants_see_leader_goals,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_rhythm(access=access, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Check-in rhythm saved."))
            return redirect("goals:rhythm", cohort_id=access.cohort.pk)
    period = periods.current_period(current)
    return render(
        request,
        "goals/rhythm.html",
        {
            "access": access,
            "cohort": access.cohort,
            "form": form,
            "period": period,
            "can_set_rhythm": rules.can_set_rhythm(access),
        },
        status=400 if form.errors else 200,
    )
