from django.urls import path

from goals import views

app_name = "goals"

urlpatterns = [
    # Goals
    path("cohorts/<int:cohort_id>/goals/", views.goal_list, name="list"),
    path("cohorts/<int:cohort_id>/goals/new/", views.goal_new, name="new"),
    path("cohorts/<int:cohort_id>/goals/export.csv", views.goals_export, name="export"),
    path("cohorts/<int:cohort_id>/goals/<int:goal_id>/", views.goal_detail, name="detail"),
    path("cohorts/<int:cohort_id>/goals/<int:goal_id>/edit/", views.goal_edit, name="edit"),
    path("cohorts/<int:cohort_id>/goals/<int:goal_id>/agree/", views.goal_agree, name="agree"),
    path("cohorts/<int:cohort_id>/goals/<int:goal_id>/status/", views.goal_status, name="status"),
    path(
        "cohorts/<int:cohort_id>/goals/<int:goal_id>/visibility/",
        views.goal_visibility,
        name="visibility",
    ),
    path(
        "cohorts/<int:cohort_id>/goals/<int:goal_id>/progress/",
        views.goal_progress,
        name="progress",
    ),
    path("cohorts/<int:cohort_id>/goals/<int:goal_id>/notes/", views.goal_note, name="note"),
    path(
        "cohorts/<int:cohort_id>/goals/<int:goal_id>/milestones/",
        views.milestone_add,
        name="milestone_add",
    ),
    path(
        "cohorts/<int:cohort_id>/goals/<int:goal_id>/milestones/<int:milestone_id>/<str:action>/",
        views.milestone_action,
        name="milestone_action",
    ),
    path(
        "cohorts/<int:cohort_id>/goals/<int:goal_id>/commitments/",
        views.goal_commitment,
        name="commitment",
    ),
    # Check-ins
    path("cohorts/<int:cohort_id>/checkins/", views.checkin_list, name="checkins"),
    path("cohorts/<int:cohort_id>/checkins/submit/", views.checkin_submit, name="checkin_submit"),
    path(
        "cohorts/<int:cohort_id>/checkins/export.csv",
        views.checkins_export,
        name="checkins_export",
    ),
    path(
        "cohorts/<int:cohort_id>/checkins/<int:checkin_id>/", views.checkin_detail, name="checkin"
    ),
    path(
        "cohorts/<int:cohort_id>/checkins/<int:checkin_id>/reply/",
        views.checkin_reply,
        name="checkin_reply",
    ),
    # Partners and rhythm
    path("cohorts/<int:cohort_id>/partners/", views.partner_list, name="partners"),
    path(
        "cohorts/<int:cohort_id>/partners/rotate/", views.partners_rotate, name="partners_rotate"
    ),
    path("cohorts/<int:cohort_id>/partners/edit/", views.partners_edit, name="partners_edit"),
    path("cohorts/<int:cohort_id>/rhythm/", views.rhythm, name="rhythm"),
]
