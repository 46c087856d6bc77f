from django.urls import path

from privacy import views

app_name = "privacy"

urlpatterns = [
    path("settings/data.json", views.export_json, name="export_json"),
    path("settings/data.zip", views.export_zip, name="export_zip"),
    path(
        "organizations/<int:organization_id>/erasure/",
        views.erasure_requests,
        name="erasure_requests",
    ),
]
