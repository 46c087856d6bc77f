from django.urls import path

from insight.views import cohort, organization, people

app_name = "insight"

urlpatterns = [
    # The facilitator's dashboard of a cohort and its tables as CSV.
    path("cohorts/<int:cohort_id>/dashboard/", cohort.cohort_dashboard, name="cohort_dashboard"),
    path(
        "cohorts/<int:cohort_id>/dashboard/<slug:table>.csv",
        cohort.cohort_dashboard_export,
        name="cohort_dashboard_export",
    ),
    # A person's own dashboards, and the HR dashboard's export (the HR
    # dashboard is on the home page, served in config/urls.py).
    path("me/people/", people.people_led, name="people"),
    path("me/people.csv", people.people_led_export, name="people_export"),
    path("me/rhythm/", people.rhythm, name="rhythm"),
    path("me/rhythm/cohorts.csv", people.rhythm_cohorts_export, name="rhythm_cohorts_export"),
    path("me/rhythm/goals.csv", people.rhythm_goals_export, name="rhythm_goals_export"),
    path(
        "organizations/<int:organization_id>/dashboard.csv",
        organization.organization_export,
        name="organization_export",
    ),
]
