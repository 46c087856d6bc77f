"""Check-in pages: the period's check-ins, writing one, a thread and its replies."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cohorts.models import Membership
from cohorts.permissions import not_found
from goals import periods, rules, services
from goals.forms import CheckInForm, ReplyForm
from goals.models import CheckIn
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
        rules.visible_checkins(access)
        .filter(period_start=period.start)
        .select_related("author__user")
        .prefetch_related("replies__author")
    )
    mine = None
    if access.can_write_checkins:
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
    if not access.has_partners:
        return []
    if mine is None:
        return services.partners_of(access.membership)
    return list(
        Membership.objects.filter(pk__in=rules.checkin_partner_ids(mine))
        .select_related("user")
        .order_by("pk")
    )


@login_required
@require_GET
def checkin_list(request, cohort_id):
    access = rules.access_checkins(request.user, cohort_id)
    return _render_checkins(request, access)


@login_required
@require_POST
def checkin_submit(request, cohort_id):
    access = rules.access_checkins(request.user, cohort_id)
    if not access.is_open_for_work:
        # A page opened before the cohort was completed: say why, change nothing.
        messages.error(request, access.stage.closed_message)
        return redirect("goals:checkins", cohort_id=access.cohort.pk)
    if not access.can_write_checkins:
        raise not_found()
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
            "progress": rules.visible_checkin_progress(access, checkin).select_related(
                "goal", "milestone"
            ),
            "replies": checkin.replies.select_related("author"),
            "can_reply": rules.can_reply_checkin(access, checkin),
            "form": form or ReplyForm(),
        },
        status=status,
    )


@login_required
@require_GET
def checkin_detail(request, cohort_id, checkin_id):
    access, checkin = rules.access_checkin(request.user, cohort_id, checkin_id)
    return _render_checkin(request, access, checkin)


@login_required
@require_POST
def checkin_reply(request, cohort_id, checkin_id):
    access, checkin = rules.access_checkin(request.user, cohort_id, checkin_id)
    if not access.is_open_for_work:
        messages.error(request, access.stage.closed_message)
        return redirect(checkin)
    if not rules.can_reply_checkin(access, checkin):
        raise not_found()
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
