from django.urls import path

from cohorts import invitation_views, note_views, views

app_name = "cohorts"

urlpatterns = [
    # The home page, `cohorts:home`, joins these in config/urls.py.
    # Organization admin (HR admins)
    path("organizations/<int:organization_id>/", views.organization, name="organization"),
    path(
        "organizations/<int:organization_id>/cohorts/new/",
        views.cohort_create,
        name="cohort_create",
    ),
    path(
        "organizations/<int:organization_id>/notes/",
        note_views.organization_notes,
        name="organization_notes",
    ),
    path(
        "organizations/<int:organization_id>/notes/<int:note_id>/edit/",
        note_views.organization_note_edit,
        name="organization_note_edit",
    ),
    path(
        "organizations/<int:organization_id>/notes/<int:note_id>/delete/",
        note_views.organization_note_delete,
        name="organization_note_delete",
    ),
    # Cohort
    path("cohorts/<int:cohort_id>/", views.cohort_detail, name="detail"),
    path("cohorts/<int:cohort_id>/edit/", views.cohort_edit, name="edit"),
    path("cohorts/<int:cohort_id>/status/", views.cohort_status, name="status"),
    path("cohorts/<int:cohort_id>/roster/", views.roster, name="roster"),
    path(
        "cohorts/<int:cohort_id>/members/<int:membership_id>/leader/",
        views.set_leader,
        name="set_leader",
    ),
    path(
        "cohorts/<int:cohort_id>/members/<int:membership_id>/leader/confirm/",
        views.leader_confirm,
        name="leader_confirm",
    ),
    path(
        "cohorts/<int:cohort_id>/members/<int:membership_id>/leader/decline/",
        views.leader_decline,
        name="leader_decline",
    ),
    path("cohorts/<int:cohort_id>/invite/", views.invite, name="invite"),
    path("cohorts/<int:cohort_id>/invite/bulk/", views.bulk_invite, name="bulk_invite"),
    path(
        "cohorts/<int:cohort_id>/invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path(
        "cohorts/<int:cohort_id>/invitations/<int:invitation_id>/resend/",
        views.invitation_resend,
        name="invitation_resend",
    ),
    # The link in invitation emails: emails already sent hold this path.
    path("invitations/<str:token>/", invitation_views.invitation, name="invitation"),
    path("cohorts/<int:cohort_id>/notes/", note_views.notes, name="notes"),
    path(
        "cohorts/<int:cohort_id>/notes/<int:note_id>/edit/", note_views.note_edit, name="note_edit"
    ),
    path(
        "cohorts/<int:cohort_id>/notes/<int:note_id>/delete/",
        note_views.note_delete,
        name="note_delete",
    ),
]
