"""Demo sessions for `manage.py seed_demo`: three ended sessions with their
attendance, a live board to open at once, and one scheduled session.
Idempotent: sessions are found by title, made once.

The ended sessions give the facilitator's dashboard a history: one or two
people missed each, and the demo's quiet participant (`demo.quiet`) missed the
last two. Their past is written straight to the models: the services start
and end a session now, not weeks ago.
"""

from __future__ import annotations

import datetime
import uuid

from django.utils import timezone

from board import services
from board.models import Attendance, CohortSession, PhaseKind
from board.rules import access_session
from cohorts.permissions import access_cohort

LIVE_TITLE = "Session 3: Leading through ambiguity"
SCHEDULED_TITLE = "Session 4: Difficult conversations"
# (title, weeks ago, who was absent: indexes into the demo's participants,
# whether the quiet participant was absent too). The quiet one misses the
# last two, and nobody else misses two in a row.
ENDED = [
    ("Kick-off: Why change is hard", 12, (6,), False),
    ("Session 1: Leading yourself first", 8, (), True),
    ("Session 2: Trust in a new team", 4, (7,), True),
]
_NAMESPACE = uuid.UUID("6c0b7f53-3b8e-4f57-9d59-0b1d9a6f1e21")

CHECKINS = [
    "Tired but curious: the reorg announcement finally landed.",
    "Arriving calmer than last time. I said no to two meetings this week.",
]
REFLECTIONS = [
    "I noticed I fill silence with plans. My team needed the question, not the answer.",
    "When priorities changed twice, I froze. Asking 'what do we know for sure?' helped.",
    "I kept my calendar open on Friday afternoons for whoever needed to talk. Three came.",
    "I am learning to say 'I don't know yet' in front of my team <and mean it>.",
]


def _client_id(*parts) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, ":".join(str(part) for part in parts))


def seed(demo) -> None:
    """Seed the board demo into `demo.cohort` (a seed_demo DemoCohort)."""
    cohort, coach = demo.cohort, demo.facilitator
    for title, weeks_ago, absent, quiet_absent in ENDED:
        if not CohortSession.objects.filter(cohort=cohort, title=title).exists():
            missing = [demo.participants[n] for n in absent if n < len(demo.participants)]
            if quiet_absent and demo.quiet is not None:
                missing.append(demo.quiet)
            _seed_ended(cohort, coach, demo.participants, title, weeks_ago, missing)
    if not CohortSession.objects.filter(cohort=cohort, title=LIVE_TITLE).exists():
        _seed_live(cohort, coach, demo.participants)
    if not CohortSession.objects.filter(cohort=cohort, title=SCHEDULED_TITLE).exists():
        services.create_session(
            access=access_cohort(coach, cohort.pk),
            title=SCHEDULED_TITLE,
            starts_at=_in_window(cohort, timezone.now() + datetime.timedelta(days=14)),
            duration_minutes=90,
        )


def _in_window(cohort, moment):
    last = timezone.make_aware(datetime.datetime.combine(cohort.ends_on, datetime.time(9)))
    return min(moment, last)


def _tuesday_morning(cohort, weeks_ago: int) -> datetime.datetime:
    """9:00 in the cohort's time zone on the Tuesday of the week `weeks_ago`
    weeks back, kept inside the program (the cohort meets on Tuesdays)."""
    day = timezone.localdate(timezone=cohort.zone) - datetime.timedelta(weeks=weeks_ago)
    day = max(day - datetime.timedelta(days=(day.weekday() - 1) % 7), cohort.starts_on)
    return datetime.datetime.combine(day, datetime.time(9), tzinfo=cohort.zone)


def _seed_ended(cohort, coach, participants, title, weeks_ago, absent) -> None:
    starts_at = _tuesday_morning(cohort, weeks_ago)
    session = services.create_session(
        access=access_cohort(coach, cohort.pk),
        title=title,
        starts_at=starts_at,
        duration_minutes=90,
    )
    ended_at = starts_at + datetime.timedelta(minutes=90)
    CohortSession.objects.filter(pk=session.pk).update(
        status=CohortSession.Status.ENDED, started_at=starts_at, ended_at=ended_at
    )
    memberships = cohort.memberships.filter(user__in=[coach, *participants]).exclude(
        user__in=absent
    )
    Attendance.objects.bulk_create(
        Attendance(
            session=session,
            membership=membership,
            first_joined_at=starts_at + datetime.timedelta(minutes=number % 4),
            last_seen_at=ended_at,
        )
        for number, membership in enumerate(memberships)
    )


def _seed_live(cohort, coach, participants) -> None:
    session = services.create_session(
        access=access_cohort(coach, cohort.pk),
        title=LIVE_TITLE,
        starts_at=timezone.now() - datetime.timedelta(minutes=20),
        duration_minutes=90,
    )

    def as_coach():
        return access_session(coach, session.pk)

    reflection = session.phases.get(kind=PhaseKind.REFLECTION)
    services.update_phase(
        access=as_coach(),
        phase_id=reflection.pk,
        kind=PhaseKind.REFLECTION,
        title="Reflection: ambiguity",
        prompt="Think of a moment of ambiguity since we last met. What did it ask of you?",
        timebox_minutes=15,
        anonymous=False,
    )
    services.add_phase(
        access=as_coach(),
        kind=PhaseKind.REFLECTION,
        title="What goes unsaid",
        prompt="What are you not saying out loud at work right now? (anonymous)",
        timebox_minutes=10,
        anonymous=True,
    )
    order = [p.pk for p in session.phases.order_by("position")]
    unsaid = order.pop()
    order.insert(order.index(reflection.pk) + 1, unsaid)
    services.reorder_phases(access=as_coach(), phase_ids=order)

    services.start_session(access=as_coach())
    checkin = session.phases.get(kind=PhaseKind.CHECKIN)
    for number, (person, text) in enumerate(zip(participants, CHECKINS, strict=False)):
        services.post_reflection(
            access=access_session(person, session.pk),
            phase_id=checkin.pk,
            text=text,
            client_id=_client_id(session.pk, "checkin", number),
        )
    services.goto_phase(access=as_coach(), phase_id=reflection.pk)
    posted = []
    for number, (person, text) in enumerate(zip(participants[2:], REFLECTIONS, strict=False)):
        posted.append(
            services.post_reflection(
                access=access_session(person, session.pk),
                phase_id=reflection.pk,
                text=text,
                client_id=_client_id(session.pk, "reflection", number),
            ).reflection
        )
    reactions = [
        (0, 1, "plus_one"),
        (0, 3, "plus_one"),
        (1, 0, "bulb"),
        (1, 4, "heart"),
        (2, 5, "clap"),
        (3, 2, "plus_one"),
        (3, 6, "smile"),
    ]
    for index, reactor, emoji in reactions:
        if index < len(posted) and reactor < len(participants):
            services.add_reaction(
                access=access_session(participants[reactor], session.pk),
                reflection_id=posted[index].pk,
                emoji=emoji,
            )
    if posted:
        services.set_spotlight(access=as_coach(), reflection_id=posted[0].pk)
    services.start_timer(access=as_coach())
