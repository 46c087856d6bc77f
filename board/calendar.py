"""Sessions in people's calendars: a personal ICS feed and single events.

A person subscribes their calendar app to one private URL that lists every
session of every cohort they are a member of (docs/calendar.md). Calendar
apps cannot sign in, so the URL itself is the key: its token is signed from
the user's id and their `CalendarFeed.version` with the project's secret key,
and nothing secret is stored. Resetting the link raises the version, and
every earlier URL answers 404 like any missing page.

An event carries the session's title, its cohort's name and a link to the
session page, never what anyone wrote there. Times are given in UTC: each
session is stored as its own instant (a series is planned occurrence by
occurrence in the cohort's zone), so UTC is exact and every calendar app
shows it in its reader's zone, with no time zone definitions to ship.
"""

from __future__ import annotations

import datetime
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from board.models import CalendarFeed, CohortSession
from cohorts.models import Cohort

FEED_SALT = "board.calendar.feed"
# How often calendar apps are asked to fetch the feed again (RFC 7986
# REFRESH-INTERVAL, and Outlook's X-PUBLISHED-TTL).
REFRESH_INTERVAL = datetime.timedelta(hours=1)
PRODUCT_ID = "-//Cohorts//Session calendar//EN"

Status = CohortSession.Status


# The feed's token ----------------------------------------------------------


def _signature(user_id: int, version: int) -> str:
    return salted_hmac(FEED_SALT, f"{user_id}.{version}", algorithm="sha256").hexdigest()[:40]


def _version(user) -> int:
    return CalendarFeed.objects.filter(user=user).values_list("version", flat=True).first() or 1


def feed_token(user) -> str:
    """`<user id>-<version>-<signature>`: the feed's key, valid until reset."""
    version = _version(user)
    return f"{user.pk}-{version}-{_signature(user.pk, version)}"


def feed_url(request, user) -> str:
    """The absolute URL a calendar app subscribes to."""
    return request.build_absolute_uri(reverse("board:calendar_feed", args=[feed_token(user)]))


def feed_owner(token: str):
    """The active user whose current feed token this is, or None (a forged,
    malformed or reset token). One query."""
    try:
        user_id, version, signature = str(token).split("-")
        user_id, version = int(user_id), int(version)
    except ValueError:
        return None
    if not constant_time_compare(signature, _signature(user_id, version)):
        return None
    user = (
        get_user_model()
        .objects.filter(pk=user_id, is_active=True)
        .select_related("calendar_feed")
        .first()
    )
    if user is None:
        return None
    feed = getattr(user, "calendar_feed", None)
    current = feed.version if feed is not None else 1
    return user if version == current else None


@transaction.atomic
def reset_feed(user) -> CalendarFeed:
    """Give the user a new feed URL: every earlier one stops working."""
    feed, _created = CalendarFeed.objects.select_for_update().get_or_create(user=user)
    CalendarFeed.objects.filter(pk=feed.pk).update(
        version=F("version") + 1, reset_at=timezone.now()
    )
    feed.refresh_from_db()
    return feed


# What goes in a calendar ---------------------------------------------------


def feed_sessions(user):
    """Every session, in every status, of every cohort the user is a member of
    (facilitator or participant), archived cohorts left out. One query; a
    person has one membership per cohort, so no session comes twice."""
    return (
        CohortSession.objects.filter(cohort__memberships__user=user)
        .exclude(cohort__status=Cohort.Status.ARCHIVED)
        .select_related("cohort")
        .order_by("starts_at", "pk")
    )


def _uid_host() -> str:
    # The site's own name, not the request's: a UID must never change, or a
    # calendar would show the same session twice.
    return urlsplit(settings.SITE_URL).hostname or "cohorts"


def _utc(moment: datetime.datetime) -> datetime.datetime:
    return moment.astimezone(datetime.UTC).replace(microsecond=0)


def session_event(request, session: CohortSession, *, stamp: datetime.datetime):
    """One VEVENT: the session's time, title and cohort, and its page."""
    page = request.build_absolute_uri(reverse("board:detail", args=[session.pk]))
    summary = f"{session.title} · {session.cohort.name}"
    if session.is_cancelled:
        # Some calendar apps ignore STATUS in a subscribed feed: the title
        # says it as well.
        summary = _("Cancelled: %(summary)s") % {"summary": summary}
    event = icalendar.Event()
    event.add("uid", f"session-{session.pk}@{_uid_host()}")
    event.add("dtstamp", stamp)
    event.add("dtstart", _utc(session.starts_at))
    event.add("dtend", _utc(session.ends_at))
    event.add("summary", summary)
    event.add("url", page)
    event.add("description", _("Session page: %(url)s") % {"url": page})
    event.add("sequence", session.sequence)
    event.add("created", _utc(session.created_at))
    event.add("last-modified", _utc(session.updated_at))
    event.add("status", "CANCELLED" if session.is_cancelled else "CONFIRMED")
    return event


def calendar_for(request, sessions, *, name: str) -> bytes:
    """A published VCALENDAR of `sessions` (with their cohorts), as bytes."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    # X- properties have no known type for the library: give it, so that
    # commas and semicolons in a name are escaped as TEXT.
    calendar.add("x-wr-calname", icalendar.vText(name))
    calendar.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", icalendar.vDuration(REFRESH_INTERVAL))
    # With METHOD, DTSTAMP is when this copy of the calendar was made (RFC 5545).
    stamp = _utc(timezone.now())
    for session in sessions:
        calendar.add_component(session_event(request, session, stamp=stamp))
    return calendar.to_ical()


def feed_name(user) -> str:
    return _("Cohorts: %(name)s") % {"name": str(user)}
