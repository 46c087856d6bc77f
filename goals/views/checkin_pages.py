"""Check-in pages, partner groups and the check-in rhythm."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cohorts import permissions
from cohorts.models import Membership
from goals import periods, services
from goals.forms import (
    CheckInForm,
    PartnerEditForm,
    ReplyForm,
    RhythmForm,
)
from goals.models import CheckIn
from goals.views.exports import csv_response
from lib.errors import DomainError

# Check-ins -------------------------------------------------------------------


def _parse_period(value, rhythm, current):
    try:
        day = datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        return current
    return periods.period_containing(rhythm, day)


def _render_checkins(request, access, *, form=None, status=200):
    rhythm = periods.rhythm_for(access.cohort)
    current = periods.current_period(rhythm)
    period = _parse_period(request.GET.get("period"), rhythm, current)
    checkins = (
        permissions.visible_checkins(access)
        .filter(period_start=period.start)
        .select_related("author__user")
        .prefetch_related("replies__author")
    )
    mine = None
    if access.is_participant:
        mine = CheckIn.objects.filter(author=access.membership, period_start=current.start).first()
        if form is None:
            form = CheckInForm(
                initial=CheckInForm.initial_for(mine, current.start),
                goals=services.checkin_goals(access),
            )
    past = periods.program_periods(rhythm, until=periods.local_today(rhythm))
    return render(
        request,
        "goals/checkin_list.html",
        {
            "access": access,
            "cohort": access.cohort,
            "rhythm": rhythm,
            "current": current,
            "period": period,
            "is_current": period.start == current.start,
            "checkins": checkins,
            "mine": mine,
            "form": form,
            "periods": list(reversed(past)),
            "partners": _readers_of_mine(access, mine),
        },
        status=status,
    )


def _readers_of_mine(access, mine) -> list[Membership]:
    """The partners who read the participant's check-in of the open period:
    those of the round it was written in, once written (a rotation since
    does not change them), else the partners in force."""
    if not access.is_participant:
        return []
    if mine is None:
        return services.partners_of(access.membership)
    return list(
        Membership.objects.filter(pk__in=permissions.checkin_partner_ids(mine))
        .select_related("user")
        .order_by("pk")
    )


@login_required
@require_GET
def checkin_list(request, cohort_id):
    access = permissions.access_checkins(request.user, cohort_id)
    return _render_checkins(request, access)


@login_required
@require_POST
def checkin_submit(request, cohort_id):
    access = permissions.access_checkins(request.user, cohort_id)
    if not access.is_participant:
        raise Http404
    form = CheckInForm(request.POST, goals=services.checkin_goals(access))
    if form.is_valid():
        data = form.cleaned_data
        try:
            _checkin, created = services.submit_checkin(
                access=access,
                period_start=data["period_start"],
                energy=data["energy"],
                win=data["win"],
                challenge=data["challenge"],
                ask=data["ask"],
                shared_with_cohort=data["shared_with_cohort"],
                progress=form.progress_entries(),
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Check-in sent.") if created else _("Check-in updated."))
            return redirect("goals:checkins", cohort_id=access.cohort.pk)
    return _render_checkins(request, access, form=form, status=400)


def _render_checkin(request, access, checkin, *, form=None, status=200):
    return render(
        request,
        "goals/checkin_detail.html",
        {
            "access": access,
            "cohort": access.cohort,
            "checkin": checkin,
            "progress": permissions.visible_checkin_progress(access, checkin).select_related(
                "goal", "milestone"
            ),
            "replies": checkin.replies.select_related("author"),
            "can_reply": permissions.can_reply_checkin(access, checkin),
            "form": form or ReplyForm(),
        },
        status=status,
    )


@login_required
@require_GET
def checkin_detail(request, cohort_id, checkin_id):
    access, checkin = permissions.access_checkin(request.user, cohort_id, checkin_id)
    return _render_checkin(request, access, checkin)


@login_required
@require_POST
def checkin_reply(request, cohort_id, checkin_id):
    access, checkin = permissions.access_checkin(request.user, cohort_id, checkin_id)
    if not permissions.can_reply_checkin(access, checkin):
        raise Http404
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            services.reply_to_checkin(
                access=access,
                checkin=checkin,
                body=form.cleaned_data["body"],
                client_id=form.cleaned_data["client_id"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Reply posted."))
            return redirect(checkin)
    return _render_checkin(request, access, checkin, form=form, status=400)


@login_required
@require_GET
def checkins_export(request, cohort_id):
    """The check-ins the requester may read, as CSV."""
    access = permissions.access_checkins(request.user, cohort_id)
    checkins = permissions.visible_checkins(access).select_related("author__user")
    rows = [
        [
            c.period_start.isoformat(),
            str(c.author.user),
            c.energy,
            c.win,
            c.challenge,
            c.ask,
            _("yes") if c.shared_with_cohort else _("no"),
        ]
        for c in checkins
    ]
    header = [
        _("period start"),
        _("participant"),
        _("energy"),
        _("win"),
        _("challenge"),
        _("ask for support"),
        _("shared with the cohort"),
    ]
    return csv_response(f"checkins-cohort-{access.cohort.pk}.csv", header, rows)


# Partners and rhythm ----------------------------------------------------------


def _render_partners(request, access, *, edit_form=None, status=200):
    round = services.current_round(access.cohort)
    groups = services.round_groups(round) if round else []
    context = {"access": access, "cohort": access.cohort, "round": round}
    if access.is_facilitator:
        # Groups someone checked in to stay as they are (see
        # services.edit_partner_groups): no form, the way to rotate instead.
        fixed = round is not None and services.has_checkins(round)
        participants = list(
            access.cohort.memberships.filter(role=Membership.Role.PARTICIPANT).select_related(
                "user"
            )
        )
        history = [
            (past, services.round_groups(past)) for past in access.cohort.partner_rounds.all()[1:]
        ]
        context.update(
            groups=groups,
            history=history,
            groups_fixed=fixed,
            edit_form=None
            if fixed
            else edit_form
            or (PartnerEditForm(participants=participants, groups=groups) if round else None),
        )
    else:
        context["partners"] = services.partners_of(access.membership)
    return render(request, "goals/partners.html", context, status=status)


@login_required
@require_GET
def partner_list(request, cohort_id):
    access = permissions.access_checkins(request.user, cohort_id)
    return _render_partners(request, access)


@login_required
@require_POST
def partners_rotate(request, cohort_id):
    access = permissions.access_cohort_facilitation(request.user, cohort_id)
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
    access = permissions.access_cohort_facilitation(request.user, cohort_id)
    round = services.current_round(access.cohort)
    if round is None:
        raise Http404
    participants = access.cohort.memberships.filter(role=Membership.Role.PARTICIPANT)
    form = PartnerEditForm(
        request.POST, participants=participants, groups=services.round_groups(round)
    )
    if form.is_valid():
        try:
            services.edit_partner_groups(access=access, round=round, assignment=form.assignment())
        except DomainError as error:
            if error.code == "in_use":
                # The page shows no form for fixed groups: the message goes above.
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
    access = permissions.access_cohort_facilitation(request.user, cohort_id)
    current = periods.rhythm_for(access.cohort)
    form = RhythmForm(
        request.POST or None,
        initial={
            "cadence": current.cadence,
            "weekday": current.weekday,
            "time_zone": current.time_zone,
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
        {"access": access, "cohort": access.cohort, "form": form, "period": period},
        status=400 if form.errors else 200,
    )
