"""Live sessions of a cohort: agenda, board content and the board's event log.

Every change to a board is made by a function in board/services/, which
stores it, appends a `BoardEvent` with the session's next `seq` and broadcasts
it after commit (realtime/streams.py).
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cohorts.models import Cohort, Membership, Organization
from realtime.models import StreamEvent

REFLECTION_MAX_LENGTH = 1000
COMMITMENT_MAX_LENGTH = 1000


class PhaseKind(models.TextChoices):
    CHECKIN = "checkin", _("Check-in round")
    REFLECTION = "reflection", _("Reflection prompt")
    DISCUSSION = "discussion", _("Discussion")
    COMMITMENTS = "commitments", _("Commitments")
    CLOSE = "close", _("Close")


class AgendaTemplate(models.Model):
    """A facilitator's saved agenda, reusable in their cohorts of one organization.

    `phases` is a list of {kind, title, prompt, timebox_minutes, anonymous}.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="agenda_templates",
        verbose_name=_("owner"),
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="agenda_templates"
    )
    name = models.CharField(_("name"), max_length=120)
    phases = models.JSONField(_("phases"), default=list)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("agenda template")
        verbose_name_plural = _("agenda templates")
        ordering = ["name", "-created_at"]

    def __str__(self):
        return self.name


class CohortSession(models.Model):
    """One live facilitated meeting of a cohort, and the state of its board."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        LIVE = "live", _("Live")
        ENDED = "ended", _("Ended")
        CANCELLED = "cancelled", _("Cancelled")

    class TimerState(models.TextChoices):
        IDLE = "idle", _("Idle")
        RUNNING = "running", _("Running")
        PAUSED = "paused", _("Paused")

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="sessions")
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), default=90)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED
    )
    current_phase = models.ForeignKey(
        "Phase",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("current phase"),
    )
    posting_locked = models.BooleanField(_("posting locked"), default=False)
    spotlight = models.ForeignKey(
        "Reflection",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("spotlight"),
    )
    timer_state = models.CharField(
        _("timer"), max_length=10, choices=TimerState.choices, default=TimerState.IDLE
    )
    timer_ends_at = models.DateTimeField(_("timer ends at"), null=True, blank=True)
    timer_remaining_seconds = models.PositiveIntegerField(
        _("seconds left on the paused timer"), null=True, blank=True
    )
    # The board's event counter: raised by one, under the transaction that
    # writes the change, for every event (realtime.streams.append_event).
    last_seq = models.PositiveIntegerField(_("last event number"), default=0)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    # Sessions planned together as a series share this id.
    series = models.UUIDField(_("series"), null=True, blank=True, db_index=True)
    # Raised whenever the time, title or status changes, so that calendars
    # (ICS SEQUENCE) replace the event they hold instead of adding one.
    sequence = models.PositiveIntegerField(_("calendar revision"), default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=1), name="session_duration_positive"
            )
        ]

    def __str__(self):
        return self.title

    @property
    def is_live(self) -> bool:
        return self.status == self.Status.LIVE

    @property
    def is_ended(self) -> bool:
        return self.status == self.Status.ENDED

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def ends_at(self):
        return self.starts_at + datetime.timedelta(minutes=self.duration_minutes)


class Phase(models.Model):
    """One step of a session's agenda, in `position` order (1, 2, ...)."""

    Kind = PhaseKind

    session = models.ForeignKey(CohortSession, on_delete=models.CASCADE, related_name="phases")
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=20, choices=PhaseKind.choices)
    title = models.CharField(_("title"), max_length=200)
    prompt = models.TextField(_("prompt"), blank=True, max_length=1000)
    timebox_minutes = models.PositiveSmallIntegerField(_("timebox (minutes)"), default=10)
    anonymous = models.BooleanField(
        _("anonymous posts"),
        default=False,
        help_text=_("Nobody, not even the facilitators, sees who wrote a reflection."),
    )

    class Meta:
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        ordering = ["session", "position"]

    def __str__(self):
        return f"{self.position}. {self.title}"


class ReflectionQuerySet(models.QuerySet):
    def on_board(self):
        """Not deleted: what a board or a summary may show (hidden ones included)."""
        return self.filter(deleted_at__isnull=True)


class Reflection(models.Model):
    """A short text posted to a phase.

    `anonymous` is copied from the phase when posted, so that a later change to
    the phase never reveals who wrote it. Deletion is soft (`deleted_at`), so a
    resend of the same `client_id` is recognised and never stored again.
    """

    phase = models.ForeignKey(Phase, on_delete=models.PROTECT, related_name="reflections")
    session = models.ForeignKey(
        CohortSession, on_delete=models.CASCADE, related_name="reflections"
    )
    author = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="reflections", verbose_name=_("author")
    )
    text = models.TextField(_("reflection"), max_length=REFLECTION_MAX_LENGTH)
    client_id = models.UUIDField(_("client id"))
    anonymous = models.BooleanField(_("anonymous"), default=False)
    hidden = models.BooleanField(_("hidden"), default=False)
    spotlighted_at = models.DateTimeField(_("first spotlighted at"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)

    objects = ReflectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("reflection")
        verbose_name_plural = _("reflections")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "client_id"], name="reflection_client_id_once"
            )
        ]

    def __str__(self):
        return self.text[:60]

    @property
    def concealed_in_admin(self) -> bool:
        """The admin never ties an anonymous reflection to its author (lib.admin)."""
        return self.anonymous


class Reaction(models.Model):
    class Emoji(models.TextChoices):
        PLUS_ONE = "plus_one", _("+1")
        HEART = "heart", _("Heart")
        CLAP = "clap", _("Clap")
        BULB = "bulb", _("Light bulb")
        SMILE = "smile", _("Smile")

    reflection = models.ForeignKey(Reflection, on_delete=models.CASCADE, related_name="reactions")
    member = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="reactions")
    emoji = models.CharField(_("emoji"), max_length=20, choices=Emoji.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("reaction")
        verbose_name_plural = _("reactions")
        constraints = [
            models.UniqueConstraint(
                fields=["reflection", "member", "emoji"], name="one_reaction_per_emoji"
            )
        ]

    def __str__(self):
        return self.emoji


class Commitment(models.Model):
    """What a member commits to do before the next session; seen by them and facilitators."""

    session = models.ForeignKey(
        CohortSession, on_delete=models.CASCADE, related_name="commitments"
    )
    author = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="commitments", verbose_name=_("author")
    )
    text = models.TextField(_("commitment"), max_length=COMMITMENT_MAX_LENGTH)
    client_id = models.UUIDField(_("client id"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "client_id"], name="commitment_client_id_once"
            )
        ]

    def __str__(self):
        return self.text[:60]


class BoardEvent(StreamEvent):
    """One event of a session board, kept so that a reconnecting client can resume."""

    session = models.ForeignKey(CohortSession, on_delete=models.CASCADE, related_name="events")

    class Meta(StreamEvent.Meta):
        verbose_name = _("board event")
        verbose_name_plural = _("board events")
        constraints = [
            models.UniqueConstraint(fields=["session", "seq"], name="one_board_event_per_seq")
        ]


class Presence(models.Model):
    """One open board connection. Rows from every Daphne process live here, so
    all processes agree on who is present; `seen_at` is refreshed by a heartbeat
    and stale rows (a crashed process) stop counting after a timeout."""

    session = models.ForeignKey(CohortSession, on_delete=models.CASCADE, related_name="presences")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    channel_name = models.CharField(max_length=200, unique=True)
    connected_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("presence")
        verbose_name_plural = _("presences")

    def __str__(self):
        return f"{self.membership} on {self.session}"


class Attendance(models.Model):
    """A member who was on the board while the session was live (for the summary)."""

    session = models.ForeignKey(
        CohortSession, on_delete=models.CASCADE, related_name="attendances"
    )
    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="attendances"
    )
    first_joined_at = models.DateTimeField(_("first joined at"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last seen at"), default=timezone.now)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["first_joined_at"]
        constraints = [
            models.UniqueConstraint(fields=["session", "membership"], name="attended_once")
        ]

    def __str__(self):
        return f"{self.membership} at {self.session}"


class CalendarFeed(models.Model):
    """A person's private calendar feed of their sessions (board/calendar.py).

    The feed's URL carries a token signed from the user's id and `version`, so
    no secret is stored here: resetting the token raises the version, and
    every earlier URL stops working.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    version = models.PositiveIntegerField(default=1)
    reset_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self):
        return f"{self.user} · v{self.version}"
