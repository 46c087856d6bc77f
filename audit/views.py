from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from audit import trail
from cohorts import permissions


@login_required
@require_GET
def organization_changes(request, organization_id):
    """Who changed what in the organization, newest first: for its HR admins
    only, and read-only for everyone."""
    organization = permissions.access_organization_admin(request.user, organization_id)
    kinds = trail.kinds()
    kind = request.GET.get("kind")
    if kind not in dict(kinds):
        kind = None
    page, rows = trail.organization_trail(
        organization.pk,
        kind=kind,
        page_number=request.GET.get("page"),
        per_page=settings.AUDIT_PAGE_SIZE,
    )
    return render(
        request,
        "audit/changes.html",
        {"organization": organization, "kinds": kinds, "kind": kind, "page": page, "rows": rows},
    )
