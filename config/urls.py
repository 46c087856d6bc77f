from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from cohorts import urls as cohorts_urls
from config import health
from insight.views import home

# Staff sign in where everyone does: allauth's login, with its throttle and its
# email verification. Django's own admin login form has neither, and staff
# accounts see every organization.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    # gettext for every script under static/js (the board, the cohort panel):
    # Django's djangojs catalogs of the project (LOCALE_PATHS) and its apps.
    path("jsi18n/", JavaScriptCatalog.as_view(), name="jsi18n"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("insight.urls")),
    path("", include("notifications.urls")),
    path("", include("audit.urls")),
    path("", include("privacy.urls")),
    # The home page shows every feature's figures, so its view sits above
    # them (insight.views.home); it keeps its name, `cohorts:home`, by which
    # every page and email links home.
    path("", include(([path("", home.home, name="home"), *cohorts_urls.urlpatterns], "cohorts"))),
    path("", include("goals.urls")),
    path("", include("board.urls")),
]
