"""The home page: each organization the person is something to, with the HR
dashboard of those they administer and their own cohorts in the others.

It is served under the name `cohorts:home` (config/urls.py): every page and
email links home by that name, and the page sits above every feature.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cohorts import permissions
from cohorts.lifecycle import stage_of
from cohorts.models import Cohort, Membership
from insight.organization_dashboard import organization_dashboards

# The home page's list for each of the user's own cohort roles.
HOME_LISTS = {
    Membership.Role.FACILITATOR: "facilitating",
    Membership.Role.PARTICIPANT: "participating",
}


def _home_groups(user, dashboards) -> list[dict]:
    """Everything the user is to each organization: its dashboard for an HR
    admin, and their cohorts by role. Archived cohorts are left out."""
    groups: dict[int, dict] = {}

    def group(organization):
        return groups.setdefault(
            organization.pk,
            {
                "organization": organization,
                "dashboard": None,
                "facilitating": [],
                "participating": [],
                # Participants whose leader link names this user: confirmed
                # ones (whose cohort page they reach), and those awaiting it.
                "leading": [],
                "leading_pending": [],
                # This user's own memberships whose leader awaits their answer.
                "leader_requests": [],
            },
        )

    for dashboard in dashboards:
        group(dashboard.organization)["dashboard"] = dashboard
    for membership in (
        Membership.objects.filter(user=user)
        .exclude(cohort__status=Cohort.Status.ARCHIVED)
        .select_related("cohort__organization", "leader")
    ):
        key = HOME_LISTS[membership.role]
        group(membership.cohort.organization)[key].append(membership.cohort)
        # A closed cohort takes no answer: asking for one would only be refused.
        if (
            permissions.awaits_leader_answer(membership)
            and stage_of(membership.cohort).open_for_work
        ):
            group(membership.cohort.organization)["leader_requests"].append(membership)
    for membership in (
        Membership.objects.filter(leader=user, role=Membership.Role.PARTICIPANT)
        .exclude(cohort__status=Cohort.Status.ARCHIVED)
        .select_related("user", "cohort__organization")
    ):
        key = "leading" if membership.leader_is_confirmed else "leading_pending"
        group(membership.cohort.organization)[key].append(membership)
    # The dashboards first; the person's own cohorts follow.
    return sorted(
        groups.values(), key=lambda g: (g["dashboard"] is None, g["organization"].name.lower())
    )


@login_required
@require_GET
def home(request):
    dashboards = organization_dashboards(permissions.dashboard_organizations(request.user))
    groups = _home_groups(request.user, dashboards)
    return render(
        request,
        "cohorts/home.html",
        {
            "groups": groups,
            # An HR admin's home is their organization's dashboard first.
            "heading": _("Overview") if dashboards else _("My cohorts"),
            # Links to the person's own pages, when they have something to show.
            "shows_rhythm": any(g["participating"] for g in groups),
            "shows_people": any(g["leading"] for g in groups),
        },
    )
