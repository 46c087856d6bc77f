"""A person's own data to download, and HR's requests for a person's erasure."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from privacy import erasure, export, rules
from privacy.models import ErasureRecord


def _download(content, *, content_type: str, extension: str) -> HttpResponse:
    name = f"cohorts-data-{timezone.localdate():%Y-%m-%d}.{extension}"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    # Someone's whole record: no shared cache keeps a copy.
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def export_json(request):
    return _download(
        export.export_json(request.user),
        content_type="application/json; charset=utf-8",
        extension="json",
    )


@login_required
@require_GET
def export_zip(request):
    return _download(
        export.export_zip(request.user), content_type="application/zip", extension="zip"
    )


@login_required
@require_http_methods(["GET", "POST"])
def erasure_requests(request, organization_id):
    """HR admins ask for a person's erasure; the operator carries it out."""
    access = rules.access_erasure_requests(request.user, organization_id)
    if request.method == "POST":
        subject = rules.access_erasure_subject(access, request.POST.get("person"))
        erasure.request_erasure(access=access, subject=subject)
        messages.success(
            request,
            _("Erasure requested. The operator carries it out; it then shows here as done."),
        )
        return redirect("privacy:erasure_requests", access.organization.pk)
    records = ErasureRecord.objects.filter(organization=access.organization).select_related(
        "requested_by"
    )
    pending_ids = {record.subject_id for record in records if not record.is_done}
    return render(
        request,
        "privacy/erasure_requests.html",
        {
            "access": access,
            "organization": access.organization,
            "people": rules.erasable_people(access),
            "pending_ids": pending_ids,
            "records": records,
        },
    )
