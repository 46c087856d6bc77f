from django.urls import path

from audit import views

app_name = "audit"

urlpatterns = [
    path(
        "organizations/<int:organization_id>/changes/",
        views.organization_changes,
        name="organization_changes",
    ),
]
