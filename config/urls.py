from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from config import health

# Staff sign in where everyone does: allauth's login, with its throttle and its
# email verification. Django's own admin login form has neither, and staff
# accounts see every organization.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("cohorts.urls")),
    path("", include("goals.urls")),
    path("", include("board.urls")),
]
