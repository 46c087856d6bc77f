from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cohorts import permissions
from cohorts.models import Membership


@login_required
@require_GET
def home(request):
    memberships = Membership.objects.filter(user=request.user).select_related(
        "cohort__organization"
    )
    return render(request, "cohorts/home.html", {"memberships": memberships})


@login_required
@require_GET
def cohort_detail(request, cohort_id):
    access = permissions.access_cohort(request.user, cohort_id)
    return render(request, "cohorts/detail.html", {"access": access, "cohort": access.cohort})


@login_required
@require_GET
def organization(request, organization_id):
    organization = permissions.access_organization_admin(request.user, organization_id)
    return render(request, "cohorts/organization.html", {"organization": organization})
