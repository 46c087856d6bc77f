"""Reminder emails: what is due now, and sending each one at most once.

`send_due_reminders()` is the whole job; `manage.py send_reminders` runs it,
and cron runs that every few minutes. Each run works out afresh what is due,
so a reminder whose moment has passed (the session started) is never sent
late. Four kinds, for ACTIVE cohorts only:

- **session**: to every member, when a scheduled session starts within 24
  hours, and again when it starts within the hour (a session planned 90
  minutes ahead or less gets only the second, not two emails minutes apart).
  Keyed on the start time, so a session moved to another time reminds again;
  a cancelled one never does.
- **checkin**: to a participant with no check-in for the open period, from
  9:00 on the period's second-to-last day, in the cohort's time zone (the
  zone the periods are counted in), until the period ends.
- **agenda**: to the facilitators, when a scheduled session starts within
  three days and has no agenda yet: no phases, or still exactly the default
  agenda every new session starts from (board.services.default_agenda), which
  has no reflection prompt written. Once per session.
- **quiet**: to the facilitators, when a participant goes quiet
  (goals/quiet.py): once per spell of missed check-ins and once per spell of
  absences, told apart by the day the spell began.

At most once: before an email goes, a `SentReminder` row is inserted in a
transaction of its own; the unique (user, kind, key) lets one run have it,
however many overlap. The email is sent after, and the row then records the
outcome. A mail server that refuses it marks the row failed, and the next run
takes it back (a conditional UPDATE that only one run can win) while it is
still due, at most MAX_ATTEMPTS times in all. A process that dies between
sending and recording leaves a claim without outcome, which is never sent
again: a reminder missed beats a reminder twice.

No email holds what anyone wrote (check-ins, reflections, goals): only names,
titles of sessions, dates and links.
"""

from __future__ import annotations

import datetime
import logging
import zoneinfo
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import BadHeaderError, get_connection
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from board.models import CohortSession, Phase
from board.services import default_agenda
from cohorts.models import Cohort, Membership
from goals.models import CheckIn, CohortRhythm
from goals.periods import local_today, period_containing
from goals.quiet import quiet_participants
from lib.mail import write_email
from lib.timezones import is_time_zone
from notifications import preferences, rules
from notifications.models import ReminderKind, SentReminder

logger = logging.getLogger(__name__)

SESSION_DAY_AHEAD = datetime.timedelta(hours=24)
SESSION_HOUR_AHEAD = datetime.timedelta(hours=1)
# No day-before reminder when the hour's would follow within half an hour.
SESSION_DAY_REMINDER_LAST = datetime.timedelta(minutes=90)
AGENDA_AHEAD = datetime.timedelta(days=3)
# The check-in reminder: the period's last two days, from this hour on.
CHECKIN_LAST_DAYS = 2
CHECKIN_FROM = datetime.time(9)
# A reminder the mail server keeps refusing is given up after this many tries.
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Due:
    """One reminder that should reach one person now."""

    user: Any
    cohort: Cohort
    kind: ReminderKind
    key: str
    # The templates' name under emails/reminders/, and what they show.
    template: str
    context: dict = field(hash=False, compare=False)

    @property
    def identity(self) -> tuple[int, str, str]:
        return (self.user.pk, self.kind, self.key)


@dataclass
class Summary:
    """What one run did, by kind."""

    sent: Counter = field(default_factory=Counter)
    failed: Counter = field(default_factory=Counter)
    # Due, but claimed before (sent by an earlier or an overlapping run, given
    # up after MAX_ATTEMPTS, or lost to a crash after sending).
    already_claimed: int = 0
    turned_off: int = 0
    # The mail library refused to write it (a line break in a name).
    unwritable: int = 0

    def __str__(self) -> str:
        def by_kind(counter: Counter) -> str:
            return ", ".join(f"{kind}: {counter[kind]}" for kind in ReminderKind.values)

        return (
            f"Sent {sum(self.sent.values())} reminder(s) ({by_kind(self.sent)}). "
            f"Failed {sum(self.failed.values())}, retried on the next run "
            f"({by_kind(self.failed)}). "
            f"Already claimed: {self.already_claimed}. Turned off by the recipient: "
            f"{self.turned_off}. Not written: {self.unwritable}."
        )


def send_due_reminders(now: datetime.datetime | None = None) -> Summary:
    """Send every reminder due at `now` that no run has claimed yet.

    Call it outside a transaction (the command does): each claim must commit
    on its own before its email goes, or a rollback would forget what was sent.
    """
    now = now or timezone.now()
    summary = Summary()
    due = due_reminders(now)
    turned_off = preferences.opted_out({item.user.pk for item in due})
    claims = _earlier_claims(due)
    connection = get_connection()
    for item in due:
        if (item.user.pk, item.kind) in turned_off:
            summary.turned_off += 1
            continue
        earlier = claims.get(item.identity)
        if earlier is not None and not _may_retry(earlier):
            summary.already_claimed += 1
            continue
        try:
            message = _write(item)
        except BadHeaderError:
            logger.warning(
                "Reminder %s %s to user %s cannot be written", *item.identity[1:], item.user.pk
            )
            summary.unwritable += 1
            continue
        claim_id = _claim(item, earlier)
        if claim_id is None:
            summary.already_claimed += 1
            continue
        message.connection = connection
        try:
            message.send()
        except Exception as error:  # whatever the backend raises: retried next run
            _record_failure(claim_id, error)
            logger.warning(
                "Reminder %s %s not sent: %s", item.kind, item.key, type(error).__name__
            )
            summary.failed[item.kind] += 1
            continue
        _record_sent(claim_id)
        summary.sent[item.kind] += 1
    return summary


# What is due -----------------------------------------------------------------


def due_reminders(now: datetime.datetime) -> list[Due]:
    """Every reminder due at `now`, claimed or not, in a fixed order.

    A fixed number of queries, however many cohorts, people and sessions.
    """
    cohorts = {
        cohort.pk: cohort
        for cohort in Cohort.objects.filter(status=Cohort.Status.ACTIVE)
        .select_related("organization")
        .order_by("pk")
    }
    if not cohorts:
        return []
    members = defaultdict(list)
    for membership in (
        Membership.objects.filter(cohort_id__in=cohorts, user__is_active=True)
        .select_related("user")
        .order_by("cohort_id", "pk")
    ):
        membership.cohort = cohorts[membership.cohort_id]
        members[membership.cohort_id].append(rules.member_access(membership))
    sessions = list(
        CohortSession.objects.filter(
            cohort_id__in=cohorts,
            status=CohortSession.Status.SCHEDULED,
            starts_at__gt=now,
            starts_at__lte=now + max(SESSION_DAY_AHEAD, AGENDA_AHEAD),
        ).order_by("starts_at", "pk")
    )
    for session in sessions:
        session.cohort = cohorts[session.cohort_id]
    return [
        *_session_reminders(sessions, members, now),
        *_agenda_reminders(sessions, members, now),
        *_checkin_reminders(cohorts, members, now),
        *_quiet_reminders(cohorts, members, now),
    ]


def _absolute(name: str, *args) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, args=args)


def _session_reminders(sessions, members, now) -> Iterable[Due]:
    for session in sessions:
        left = session.starts_at - now
        if left > SESSION_DAY_AHEAD:
            continue
        if left <= SESSION_HOUR_AHEAD:
            moment = "1h"
        elif left <= SESSION_DAY_REMINDER_LAST:
            continue  # the hour's reminder is near: one email, not two minutes apart
        else:
            moment = "24h"
        key = f"session:{session.pk}:{moment}:{session.starts_at.isoformat()}"
        context = {
            "session": session,
            "soon": moment == "1h",
            "url": _absolute("board:detail", session.pk),
        }
        for access in members[session.cohort_id]:
            if rules.gets_session_reminders(access):
                yield Due(
                    access.user, session.cohort, ReminderKind.SESSION, key, "session", context
                )


def _default_agendas() -> set[tuple]:
    """The default agenda as each configured language writes it: a session
    keeps the wording of the language it was created in."""
    agendas = set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            agendas.add(tuple(_phase_shape(**phase) for phase in default_agenda()))
    return agendas


def _phase_shape(*, kind, title, prompt, timebox_minutes, anonymous) -> tuple:
    return (str(kind), title, prompt, timebox_minutes, anonymous)


def _agenda_reminders(sessions, members, now) -> Iterable[Due]:
    soon = [session for session in sessions if session.starts_at - now <= AGENDA_AHEAD]
    if not soon:
        return
    agendas = defaultdict(list)
    for session_id, *shape in (
        Phase.objects.filter(session__in=soon)
        .order_by("session_id", "position", "pk")
        .values_list("session_id", "kind", "title", "prompt", "timebox_minutes", "anonymous")
    ):
        agendas[session_id].append(tuple(shape))
    untouched = _default_agendas()
    for session in soon:
        phases = tuple(agendas[session.pk])
        if phases and phases not in untouched:
            continue
        context = {
            "session": session,
            "empty": not phases,
            "url": _absolute("board:agenda", session.pk),
        }
        for access in members[session.cohort_id]:
            if rules.gets_agenda_reminders(access):
                yield Due(
                    access.user,
                    session.cohort,
                    ReminderKind.AGENDA,
                    f"agenda:{session.pk}",
                    "agenda",
                    context,
                )


def _checkin_reminders(cohorts, members, now) -> Iterable[Due]:
    rhythms = {r.cohort_id: r for r in CohortRhythm.objects.filter(cohort_id__in=cohorts)}
    open_periods = {}
    for cohort_id, cohort in cohorts.items():
        # A cohort whose rhythm was never set up runs on the defaults.
        rhythm = rhythms.get(cohort_id) or CohortRhythm(cohort=cohort)
        rhythm.cohort = cohort
        today = local_today(rhythm, now)
        if not cohort.starts_on <= today <= cohort.ends_on:
            continue
        period = period_containing(rhythm, today)
        last_day = min(period.end, cohort.ends_on)
        first_day = last_day - datetime.timedelta(days=CHECKIN_LAST_DAYS - 1)
        if now >= datetime.datetime.combine(first_day, CHECKIN_FROM, tzinfo=cohort.zone):
            open_periods[cohort_id] = (period, last_day)
    if not open_periods:
        return
    written = set(
        CheckIn.objects.filter(
            cohort_id__in=open_periods,
            period_start__in={period.start for period, _last in open_periods.values()},
        ).values_list("author_id", "period_start")
    )
    for cohort_id, (period, last_day) in open_periods.items():
        cohort = cohorts[cohort_id]
        context = {
            "last_day": last_day,
            "url": _absolute("goals:checkins", cohort_id),
        }
        for access in members[cohort_id]:
            if (access.membership.pk, period.start) in written:
                continue
            if rules.gets_checkin_reminders(access):
                key = f"checkin:{cohort_id}:{period.start.isoformat()}"
                yield Due(access.user, cohort, ReminderKind.CHECKIN, key, "checkin", context)


def _quiet_reminders(cohorts, members, now) -> Iterable[Due]:
    for cohort_id, quiet in quiet_participants(cohorts.values(), now=now).items():
        cohort = cohorts[cohort_id]
        told = [access for access in members[cohort_id] if rules.hears_who_went_quiet(access)]
        for person in quiet:
            spells = []
            if person.checkins_missed_since is not None:
                spells.append(("checkins", person.checkins_missed_since.isoformat()))
            if person.absent_since is not None:
                spells.append(("absences", person.absent_since.isoformat()))
            for reason, since in spells:
                key = f"quiet:{person.membership.pk}:{reason}:{since}"
                context = {
                    "participant": person.membership.user,
                    "reason": reason,
                    "missed_periods": person.missed_periods,
                    "missed_sessions": person.missed_sessions,
                    # The facilitator's dashboard, where the quiet are listed with why.
                    "url": _absolute("insight:cohort_dashboard", cohort_id),
                }
                for access in told:
                    yield Due(access.user, cohort, ReminderKind.QUIET, key, "quiet", context)


# Writing ---------------------------------------------------------------------


def recipient_zone(user, cohort: Cohort) -> zoneinfo.ZoneInfo:
    """The person's own time zone, else the cohort's (where it meets)."""
    if user.time_zone and is_time_zone(user.time_zone):
        return zoneinfo.ZoneInfo(user.time_zone)
    return cohort.zone


def _write(item: Due):
    unsubscribe = preferences.unsubscribe_url(item.user.pk, item.kind)
    context = {
        **item.context,
        "user": item.user,
        "cohort": item.cohort,
        "zone": recipient_zone(item.user, item.cohort),
        "kind_label": item.kind.label,
        "unsubscribe_url": unsubscribe,
        "settings_url": _absolute("notifications:settings"),
    }
    name = f"emails/reminders/{item.template}"
    # One line: a subject never holds a line break, whatever the template's layout.
    subject = " ".join(render_to_string(f"{name}_subject.txt", context).split())
    context["subject"] = subject
    return write_email(
        subject=subject,
        body=render_to_string(f"{name}.txt", context),
        html=render_to_string(f"{name}.html", context),
        to=[item.user.email],
        headers={
            # RFC 8058: a mail client unsubscribes with one POST to this address.
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


# Claiming and recording ------------------------------------------------------


@dataclass(frozen=True)
class _Claim:
    pk: int
    failed: bool
    attempts: int


def _earlier_claims(due: list[Due]) -> dict[tuple[int, str, str], _Claim]:
    """The rows already claimed for these reminders, in one query."""
    if not due:
        return {}
    rows = SentReminder.objects.filter(
        user_id__in={item.user.pk for item in due}, key__in={item.key for item in due}
    ).values_list("pk", "user_id", "kind", "key", "failed_at", "attempts")
    return {
        (user_id, kind, key): _Claim(pk, failed_at is not None, attempts)
        for pk, user_id, kind, key, failed_at, attempts in rows
    }


def _may_retry(claim: _Claim) -> bool:
    return claim.failed and claim.attempts < MAX_ATTEMPTS


def _claim(item: Due, earlier: _Claim | None) -> int | None:
    """The id of the row this run now holds for `item`, or None if another run
    holds it. Committed before the email is sent (see the module docstring)."""
    if earlier is None:
        try:
            with transaction.atomic():
                return SentReminder.objects.create(
                    user=item.user, kind=item.kind, key=item.key, claimed_at=timezone.now()
                ).pk
        except IntegrityError:
            return None  # an overlapping run inserted it first
    # A failed claim goes back to exactly one run: the first UPDATE clears
    # failed_at, and the condition then matches nothing for the others.
    taken = SentReminder.objects.filter(
        pk=earlier.pk, failed_at__isnull=False, attempts__lt=MAX_ATTEMPTS
    ).update(failed_at=None, claimed_at=timezone.now(), attempts=F("attempts") + 1)
    return earlier.pk if taken == 1 else None


def _record_sent(claim_id: int) -> None:
    SentReminder.objects.filter(pk=claim_id).update(sent_at=timezone.now())


def _record_failure(claim_id: int, error: Exception) -> None:
    SentReminder.objects.filter(pk=claim_id).update(
        failed_at=timezone.now(), last_error=f"{type(error).__name__}: {error}"[:300]
    )
