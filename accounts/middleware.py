"""The reader's time zone: pages show every time in it, the database keeps UTC."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from lib.timezones import is_time_zone

# Written by static/js/lib/timezone.js with the zone the browser reports.
TIME_ZONE_COOKIE = "tz"


def reader_time_zone(request) -> str:
    """The zone chosen in the person's settings; else the one their browser
    reported; else the site's. A name that is not a known zone (a forged or
    outdated cookie, a row edited by hand) is passed over, never an error."""
    user = getattr(request, "user", None)
    chosen = getattr(user, "time_zone", "") if user is not None and user.is_authenticated else ""
    if chosen and is_time_zone(chosen):
        return chosen
    reported = request.COOKIES.get(TIME_ZONE_COOKIE, "")
    if reported and is_time_zone(reported):
        return reported
    return settings.TIME_ZONE


class TimeZoneMiddleware:
    """Activates the reader's zone for the request: the `date` and `time`
    filters, `localtime` and form fields then convert to it. Goes after
    AuthenticationMiddleware, which sets request.user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with timezone.override(reader_time_zone(request)):
            return self.get_response(request)
