from django.urls import path

from board import views

app_name = "board"

urlpatterns = [
    path("cohorts/<int:cohort_id>/sessions/", views.session_list, name="sessions"),
    path("cohorts/<int:cohort_id>/sessions/new/", views.schedule_session, name="schedule"),
    path("sessions/<int:session_id>/", views.session_detail, name="detail"),
    path("sessions/<int:session_id>/edit/", views.edit_session, name="edit"),
    path("sessions/<int:session_id>/cancel/", views.cancel_session, name="cancel"),
    path("sessions/<int:session_id>/event.ics", views.session_event, name="event_ics"),
    path("sessions/<int:session_id>/start/", views.start_session, name="start"),
    path("sessions/<int:session_id>/end/", views.end_session, name="end"),
    path("sessions/<int:session_id>/agenda/", views.agenda, name="agenda"),
    path("sessions/<int:session_id>/agenda/add/", views.add_phase, name="phase_add"),
    path(
        "sessions/<int:session_id>/agenda/<int:phase_id>/",
        views.edit_phase,
        name="phase_edit",
    ),
    path(
        "sessions/<int:session_id>/agenda/<int:phase_id>/move/",
        views.move_phase,
        name="phase_move",
    ),
    path(
        "sessions/<int:session_id>/agenda/<int:phase_id>/remove/",
        views.remove_phase,
        name="phase_remove",
    ),
    path(
        "sessions/<int:session_id>/agenda/save-template/",
        views.save_template,
        name="template_save",
    ),
    path(
        "sessions/<int:session_id>/agenda/apply-template/",
        views.apply_template,
        name="template_apply",
    ),
    path("sessions/<int:session_id>/board/", views.board, name="board"),
    path("sessions/<int:session_id>/summary/", views.summary, name="summary"),
    path("sessions/<int:session_id>/summary.md", views.summary_markdown, name="summary_md"),
    path("sessions/<int:session_id>/summary.csv", views.summary_csv, name="summary_csv"),
    # The feed's token is a secret: config/settings.py masks it in logs.
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
]
