from django.urls import path

from cohorts import views

app_name = "cohorts"

urlpatterns = [
    path("", views.home, name="home"),
    path("cohorts/<int:cohort_id>/", views.cohort_detail, name="detail"),
    path("organizations/<int:organization_id>/", views.organization, name="organization"),
]
