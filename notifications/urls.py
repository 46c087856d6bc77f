from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("settings/", views.settings_page, name="settings"),
    path("emails/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
