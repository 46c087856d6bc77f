"""Session pages: list, schedule, cancel, agenda, start and end, the board,
the summary, and calendars (a personal ICS feed, one event).

Thin function views: rights come from board/rules.py, every change
from board/services/, whose DomainError is shown as a form error or message.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
    require_safe,
)

from board import calendar, exports, pages, rules, services
from board.forms import (
    ApplyTemplateForm,
    CancelSessionForm,
    PhaseForm,
    SaveTemplateForm,
    SessionForm,
)
from board.models import CohortSession, Phase
from cohorts.permissions import not_found
from lib.errors import DomainError

Status = CohortSession.Status


def _agenda_url(session_id, phase_id=None) -> str:
    url = reverse("board:agenda", args=[session_id])
    return f"{url}#phase-{phase_id}" if phase_id else url


def _session_phase(access, phase_id) -> Phase:
    try:
        return Phase.objects.get(pk=int(phase_id), session=access.session)
    except (Phase.DoesNotExist, TypeError, ValueError):
        raise not_found() from None


def _templates(access):
    return services.agenda_templates_for(
        user=access.user, organization_id=access.session.cohort.organization_id
    )


# Sessions of a cohort -----------------------------------------------------------


@login_required
@require_GET
def session_list(request, cohort_id):
    access = rules.access_sessions(request.user, cohort_id)
    sessions = list(services.sessions_for_cohort(access))
    now = timezone.now()

    def is_past(session) -> bool:
        # A cancelled session moves to the past once its time has gone by.
        return session.is_ended or (session.is_cancelled and session.ends_at < now)

    context = {
        "can_schedule": rules.can_schedule_sessions(access),
        "cohort": access.cohort,
        "upcoming": [s for s in sessions if not is_past(s)],
        "past": [s for s in reversed(sessions) if is_past(s)],
    }
    return render(request, "board/session_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def schedule_session(request, cohort_id):
    access = rules.access_session_scheduling(request.user, cohort_id)
    templates = services.agenda_templates_for(
        user=request.user, organization_id=access.cohort.organization_id
    )
    form = SessionForm(request.POST or None, zone=access.cohort.zone, templates=templates)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            sessions = services.schedule_sessions(
                access=access,
                title=data["title"],
                starts_at=data["starts_at"],
                duration_minutes=data["duration_minutes"],
                template_id=data["agenda"].pk if data.get("agenda") else None,
                every_weeks=data["repeat"] or None,
                count=data.get("count") or 1,
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            if len(sessions) == 1:
                messages.success(request, _("Session scheduled. Check its agenda."))
                return redirect("board:agenda", sessions[0].pk)
            messages.success(
                request,
                _("%(count)d sessions scheduled, each with the default agenda or yours.")
                % {"count": len(sessions)},
            )
            return redirect("board:sessions", access.cohort.pk)
    context = {"cohort": access.cohort, "form": form}
    return render(request, "board/session_form.html", context)


# One session ----------------------------------------------------------------------


@login_required
@require_GET
def session_detail(request, session_id):
    access = rules.access_session(request.user, session_id)
    session = access.session
    cohort = session.cohort
    context = {
        "session": session,
        "cohort": cohort,
        "access": access,
        "phases": session.phases.order_by("position", "pk"),
        "has_following": access.can_cancel
        and session.series is not None
        and CohortSession.objects.filter(
            series=session.series,
            cohort_id=cohort.pk,
            status=Status.SCHEDULED,
            starts_at__gt=session.starts_at,
        ).exists(),
    }
    return render(request, "board/session_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def edit_session(request, session_id):
    access = rules.access_session_management(request.user, session_id)
    session = access.session
    if session.status == Status.ENDED:
        messages.info(request, _("This session has ended; its details stay as they were."))
        return redirect("board:detail", session.pk)
    if session.is_cancelled:
        messages.info(request, _("This session was cancelled; its details stay as they were."))
        return redirect("board:detail", session.pk)
    initial = {
        "title": session.title,
        "starts_at": session.starts_at,
        "duration_minutes": session.duration_minutes,
    }
    form = SessionForm(request.POST or None, zone=session.cohort.zone, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_session(
                access=access,
                title=data["title"],
                starts_at=data["starts_at"],
                duration_minutes=data["duration_minutes"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Session updated."))
            return redirect("board:detail", session.pk)
    context = {"cohort": session.cohort, "session": session, "form": form}
    return render(request, "board/session_form.html", context)


@login_required
@require_POST
def cancel_session(request, session_id):
    access = rules.access_session_management(request.user, session_id)
    form = CancelSessionForm(request.POST)
    following = form.is_valid() and form.cleaned_data["following"]
    try:
        cancelled = services.cancel_session(access=access, following=following)
    except DomainError as error:
        messages.info(request, error.message)
    else:
        messages.success(
            request,
            ngettext(
                "Session cancelled. It stays listed, struck through, and calendars show it "
                "as cancelled.",
                "%(count)d sessions cancelled. They stay listed, struck through, and "
                "calendars show them as cancelled.",
                len(cancelled),
            )
            % {"count": len(cancelled)},
        )
    return redirect("board:detail", access.session.pk)


@login_required
@require_POST
def start_session(request, session_id):
    access = rules.access_session_management(request.user, session_id)
    try:
        services.start_session(access=access)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("board:detail", access.session.pk)
    return redirect("board:board", access.session.pk)


@login_required
@require_POST
def end_session(request, session_id):
    access = rules.access_session_management(request.user, session_id)
    try:
        services.end_session(access=access)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("board:detail", access.session.pk)
    messages.success(request, _("The session has ended."))
    return redirect("board:summary", access.session.pk)


# The agenda -----------------------------------------------------------------------


def _render_agenda(request, access, *, phase_form=None, save_form=None, apply_form=None):
    session = access.session
    templates = _templates(access)
    context = {
        "session": session,
        "cohort": session.cohort,
        "phases": session.phases.order_by("position", "pk"),
        "phase_form": phase_form or PhaseForm(),
        "save_form": save_form or SaveTemplateForm(),
        "apply_form": apply_form or ApplyTemplateForm(templates=templates),
        "has_templates": templates.exists(),
        "can_apply": session.status == Status.SCHEDULED,
    }
    status = 400 if any(f and f.errors for f in (phase_form, save_form, apply_form)) else 200
    return render(request, "board/agenda.html", context, status=status)


def _editable_agenda(request, session_id):
    """The session for agenda editing, or a redirect once it has ended or
    was cancelled."""
    access = rules.access_session_management(request.user, session_id)
    if access.session.status == Status.ENDED:
        messages.info(request, _("This session has ended; its agenda stays as it was."))
        return access, redirect("board:detail", access.session.pk)
    if access.session.is_cancelled:
        messages.info(request, _("This session was cancelled; its agenda stays as it was."))
        return access, redirect("board:detail", access.session.pk)
    return access, None


@login_required
@require_GET
def agenda(request, session_id):
    access, ended = _editable_agenda(request, session_id)
    return ended or _render_agenda(request, access)


@login_required
@require_POST
def add_phase(request, session_id):
    access, ended = _editable_agenda(request, session_id)
    if ended:
        return ended
    form = PhaseForm(request.POST)
    if form.is_valid():
        try:
            phase = services.add_phase(access=access, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Phase added."))
            return redirect(_agenda_url(access.session.pk, phase.pk))
    return _render_agenda(request, access, phase_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def edit_phase(request, session_id, phase_id):
    access, ended = _editable_agenda(request, session_id)
    if ended:
        return ended
    phase = _session_phase(access, phase_id)
    initial = {
        "kind": phase.kind,
        "title": phase.title,
        "prompt": phase.prompt,
        "timebox_minutes": phase.timebox_minutes,
        "anonymous": phase.anonymous,
    }
    form = PhaseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_phase(access=access, phase_id=phase.pk, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Phase saved."))
            return redirect(_agenda_url(access.session.pk, phase.pk))
    context = {"session": access.session, "phase": phase, "form": form}
    return render(request, "board/phase_form.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def move_phase(request, session_id, phase_id):
    access, ended = _editable_agenda(request, session_id)
    if ended:
        return ended
    phase = _session_phase(access, phase_id)
    offsets = {"up": -1, "down": 1}
    if request.POST.get("direction") not in offsets:
        return HttpResponseBadRequest(_("Move a phase up or down."))
    try:
        services.move_phase(
            access=access, phase_id=phase.pk, offset=offsets[request.POST["direction"]]
        )
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(_agenda_url(access.session.pk, phase.pk))


@login_required
@require_POST
def remove_phase(request, session_id, phase_id):
    access, ended = _editable_agenda(request, session_id)
    if ended:
        return ended
    phase = _session_phase(access, phase_id)
    try:
        services.remove_phase(access=access, phase_id=phase.pk)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Phase “%(title)s” removed.") % {"title": phase.title})
    return redirect("board:agenda", access.session.pk)


@login_required
@require_POST
def save_template(request, session_id):
    access, ended = _editable_agenda(request, session_id)
    if ended:
        return ended
    form = SaveTemplateForm(request.POST)
    if form.is_valid():
        try:
            template = services.save_agenda_template(access=access, name=form.cleaned_data["name"])
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Agenda saved as the template “%(name)s”.") % {"name": template.name},
            )
            return redirect("board:agenda", access.session.pk)
    return _render_agenda(request, access, save_form=form)


@login_required
@require_POST
def apply_template(request, session_id):
    access, ended = _editable_agenda(request, session_id)
    if ended:
        return ended
    form = ApplyTemplateForm(request.POST, templates=_templates(access))
    if form.is_valid():
        try:
            services.apply_agenda_template(
                access=access, template_id=form.cleaned_data["template"].pk
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("The agenda now follows “%(name)s”.") % {"name": form.cleaned_data["template"]},
            )
            return redirect("board:agenda", access.session.pk)
    return _render_agenda(request, access, apply_form=form)


# The board ------------------------------------------------------------------------


@login_required
@require_GET
def board(request, session_id):
    access = rules.access_session(request.user, session_id)
    session = access.session
    if not access.can_open_board:
        messages.info(request, _("This session was cancelled; it has no board."))
        return redirect("board:detail", session.pk)
    context = {
        "session": session,
        "cohort": session.cohort,
        "access": access,
        "limits": pages.TEXT_LIMITS,
        "board_config": pages.board_config(access),
    }
    return render(request, "board/board.html", context)


# After the session ------------------------------------------------------------------


def _ended_summary(request, session_id):
    access = rules.access_session(request.user, session_id)
    if access.session.status != Status.ENDED:
        return access, None
    return access, services.session_summary(access=access)


@login_required
@require_GET
def summary(request, session_id):
    access, summary = _ended_summary(request, session_id)
    if summary is None:
        messages.info(request, _("The summary is ready once the session has ended."))
        return redirect("board:detail", access.session.pk)
    for phase in summary["phases"]:
        for entry in phase["reflections"]:
            entry["reaction_items"] = pages.reaction_items(entry["reactions"])
    context = {**summary, "access": access}
    return render(request, "board/summary.html", context)


def _export(request, session_id, *, render_file, extension: str, content_type: str):
    access, summary = _ended_summary(request, session_id)
    if summary is None:
        raise not_found()
    response = HttpResponse(render_file(summary), content_type=content_type)
    filename = f"session-{access.session.pk}-summary.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def summary_markdown(request, session_id):
    return _export(
        request,
        session_id,
        render_file=exports.summary_markdown,
        extension="md",
        content_type="text/markdown; charset=utf-8",
    )


@login_required
@require_GET
def summary_csv(request, session_id):
    return _export(
        request,
        session_id,
        render_file=exports.summary_csv,
        extension="csv",
        content_type="text/csv; charset=utf-8",
    )


# Calendars --------------------------------------------------------------------


def _ics_response(body: bytes, *, filename: str, disposition: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f"{disposition}; filename={filename}"
    return response


@require_safe
def calendar_feed(request, token):
    """A person's sessions as a calendar. No sign-in (calendar apps cannot):
    the token is the key, and a bad or reset one is a plain 404."""
    user = calendar.feed_owner(token)
    if user is None:
        raise not_found()
    body = calendar.calendar_for(
        request, calendar.feed_sessions(user), name=calendar.feed_name(user)
    )
    response = _ics_response(body, filename="cohorts.ics", disposition="inline")
    patch_cache_control(response, private=True, max_age=300)
    return response


@login_required
@require_GET
def session_event(request, session_id):
    """One session as a calendar file to open in a calendar app."""
    access = rules.access_session(request.user, session_id)
    session = access.session
    body = calendar.calendar_for(request, [session], name=session.cohort.name)
    return _ics_response(body, filename=f"session-{session.pk}.ics", disposition="attachment")
