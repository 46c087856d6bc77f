"""Background notes pages: a cohort's notes (its facilitators and the
organization's HR admins) and the organization's own (its HR admins), with
their history. Every view asks cohorts.permissions first; a refusal is a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cohorts import permissions, services
from cohorts.forms import BackgroundNoteEditForm, BackgroundNoteForm, posted_data
from cohorts.models import BackgroundNote, Membership
from lib.errors import DomainError


@login_required
@require_http_methods(["GET", "POST"])
def notes(request, cohort_id):
    access = permissions.access_background(request.user, cohort_id)
    cohort = access.cohort
    participants = cohort.memberships.filter(role=Membership.Role.PARTICIPANT).select_related(
        "user"
    )
    form = BackgroundNoteForm(posted_data(request), cohort=cohort, participants=participants)
    if request.method == "POST" and not access.can_write_background:
        # Archived since the page was opened (cohorts/lifecycle.py).
        messages.error(request, access.stage.closed_message)
        return redirect("cohorts:notes", cohort_id=cohort.pk)
    if request.method == "POST" and form.is_valid():
        subject, participant = form.subject()
        try:
            services.add_background_note(
                organization=cohort.organization,
                author=request.user,
                body=form.cleaned_data["body"],
                cohort=None if subject == "organization" else cohort,
                participant=participant,
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Note added."))
        return redirect("cohorts:notes", cohort_id=cohort.pk)
    all_notes = list(permissions.background_notes_for_cohort(access))
    for note in all_notes:
        note.can_change = access.can_change_note(note)
    history = None
    if access.can_read_note_history:
        history = permissions.background_note_revisions(
            organization_id=cohort.organization_id, cohort_id=cohort.pk
        )
    context = {
        "access": access,
        "cohort": cohort,
        "form": form if access.can_write_background else None,
        "organization_notes": [n for n in all_notes if n.cohort_id is None],
        "cohort_notes": [n for n in all_notes if n.cohort_id and not n.participant_id],
        "participant_notes": [n for n in all_notes if n.participant_id],
        "history": history,
    }
    return render(request, "cohorts/notes.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def note_edit(request, cohort_id, note_id):
    access, note = permissions.access_background_note(request.user, cohort_id, note_id)
    if not access.can_change_note(note):
        messages.error(request, access.stage.closed_message)
        return redirect("cohorts:notes", cohort_id=access.cohort.pk)
    form = BackgroundNoteEditForm(posted_data(request), initial={"body": note.body})
    if request.method == "POST" and form.is_valid():
        try:
            services.update_background_note(
                note=note, body=form.cleaned_data["body"], changed_by=request.user
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Note saved."))
        return redirect("cohorts:notes", cohort_id=access.cohort.pk)
    return render(
        request,
        "cohorts/note_form.html",
        {"form": form, "note": note, "cohort": access.cohort, "back_url": "cohorts:notes"},
    )


@login_required
@require_POST
def note_delete(request, cohort_id, note_id):
    access, note = permissions.access_background_note(request.user, cohort_id, note_id)
    if not access.can_change_note(note):
        messages.error(request, access.stage.closed_message)
        return redirect("cohorts:notes", cohort_id=access.cohort.pk)
    try:
        services.delete_background_note(note=note, deleted_by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Note deleted."))
    return redirect("cohorts:notes", cohort_id=access.cohort.pk)


@login_required
@require_http_methods(["GET", "POST"])
def organization_notes(request, organization_id):
    organization = permissions.access_organization_admin(request.user, organization_id)
    form = BackgroundNoteForm(posted_data(request), cohort=None)
    if request.method == "POST" and form.is_valid():
        services.add_background_note(
            organization=organization, author=request.user, body=form.cleaned_data["body"]
        )
        messages.success(request, _("Note added."))
        return redirect("cohorts:organization_notes", organization_id=organization.pk)
    organization_notes = list(
        BackgroundNote.objects.with_edited()
        .filter(organization=organization, cohort__isnull=True)
        .select_related("author")
    )
    for note in organization_notes:
        note.can_change = True  # an HR admin changes every note of their organization
    history = permissions.background_note_revisions(organization_id=organization.pk)
    return render(
        request,
        "cohorts/organization_notes.html",
        {
            "organization": organization,
            "form": form,
            "notes": organization_notes,
            "history": history,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def organization_note_edit(request, organization_id, note_id):
    organization, note = permissions.access_organization_note(
        request.user, organization_id, note_id
    )
    form = BackgroundNoteEditForm(posted_data(request), initial={"body": note.body})
    if request.method == "POST" and form.is_valid():
        services.update_background_note(
            note=note, body=form.cleaned_data["body"], changed_by=request.user
        )
        messages.success(request, _("Note saved."))
        return redirect("cohorts:organization_notes", organization_id=organization.pk)
    return render(
        request,
        "cohorts/note_form.html",
        {"form": form, "note": note, "organization": organization},
    )


@login_required
@require_POST
def organization_note_delete(request, organization_id, note_id):
    organization, note = permissions.access_organization_note(
        request.user, organization_id, note_id
    )
    services.delete_background_note(note=note, deleted_by=request.user)
    messages.success(request, _("Note deleted."))
    return redirect("cohorts:organization_notes", organization_id=organization.pk)
