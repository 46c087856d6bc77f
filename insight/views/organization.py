"""The HR dashboard's export (the dashboard itself is on the home page)."""

from django.contrib.auth.decorators import login_required
from django.views.decorators.http import require_GET

from cohorts import permissions
from insight import organization_dashboard
from insight.exports import streamed_csv


@login_required
@require_GET
def organization_export(request, organization_id):
    """One organization's table of cohorts, for its HR admins."""
    organization = permissions.access_organization_dashboard(request.user, organization_id)
    [dashboard] = organization_dashboard.organization_dashboards([organization])
    header, rows = organization_dashboard.dashboard_csv(dashboard)
    return streamed_csv(f"dashboard-{organization.slug}.csv", header, rows)
