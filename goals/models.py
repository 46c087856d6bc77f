"""Goals, check-ins and accountability partners: the months between sessions.

Who may see each of these rows is decided in cohorts/permissions.py (section
"Goals, check-ins and partners"), never here.
"""

import datetime
import zoneinfo

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cohorts.models import Cohort, Membership
from realtime.models import StreamEvent

TEXT_MAX_LENGTH = 2000


class CohortRhythm(models.Model):
    """A cohort's check-in cadence and goal-sharing setting, created on demand.

    Kept beside the cohort rather than on it: the cohorts app owns Cohort.
    """

    class Cadence(models.TextChoices):
        WEEKLY = "weekly", _("Weekly")
        FORTNIGHTLY = "fortnightly", _("Every two weeks")

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    # The cohort's id is also this row's: the cohort stream is addressed by it.
    cohort = models.OneToOneField(
        Cohort, on_delete=models.CASCADE, primary_key=True, related_name="rhythm"
    )
    cadence = models.CharField(
        _("check-in cadence"), max_length=12, choices=Cadence.choices, default=Cadence.WEEKLY
    )
    weekday = models.PositiveSmallIntegerField(
        _("check-in day"),
        choices=Weekday.choices,
        default=Weekday.MONDAY,
        help_text=_("Each check-in period starts on this day."),
    )
    participants_see_leader_goals = models.BooleanField(
        _("participants may see goals shared with leaders"),
        default=False,
        help_text=_(
            "When on, every participant of the cohort may read the goals that a "
            "participant has shared with their leader."
        ),
    )
    # The cohort stream's event counter (see CohortEvent).
    last_seq = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("cohort rhythm")
        verbose_name_plural = _("cohort rhythms")

    def __str__(self):
        return str(self.cohort)

    @property
    def period_days(self) -> int:
        return 14 if self.cadence == self.Cadence.FORTNIGHTLY else 7

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The cohort's time zone: each period starts at midnight there."""
        return self.cohort.zone


class Goal(models.Model):
    class Kind(models.TextChoices):
        SHARED = "shared", _("Shared cohort goal")
        PERSONAL = "personal", _("Personal goal")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        AGREED = "agreed", _("Agreed")
        ON_TRACK = "on_track", _("On track")
        AT_RISK = "at_risk", _("At risk")
        ACHIEVED = "achieved", _("Achieved")
        DROPPED = "dropped", _("Dropped")

    class Visibility(models.TextChoices):
        PRIVATE = "private", _("Private: me and the facilitators")
        COHORT = "cohort", _("Shared with the cohort")
        LEADER = "leader", _("Shared with my leader")

    ACTIVE_STATUSES = (Status.AGREED, Status.ON_TRACK, Status.AT_RISK)
    # Fields whose later changes to an agreed goal are kept as history.
    TRACKED_FIELDS = ("title", "why", "success_measure", "target_date", "status", "visibility")

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="goals")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    owner = models.ForeignKey(
        Membership,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="goals",
        verbose_name=_("participant"),
        help_text=_("The participant a personal goal belongs to; empty for a shared goal."),
    )
    title = models.CharField(_("title"), max_length=200)
    why = models.TextField(_("why it matters"), max_length=TEXT_MAX_LENGTH, blank=True)
    success_measure = models.TextField(
        _("success measure"), max_length=TEXT_MAX_LENGTH, blank=True
    )
    target_date = models.DateField(_("target date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    participant_agreed_at = models.DateTimeField(_("participant agreed at"), null=True, blank=True)
    facilitator_agreed_at = models.DateTimeField(_("facilitator agreed at"), null=True, blank=True)
    facilitator_agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("facilitator who agreed"),
    )
    agreed_at = models.DateTimeField(_("agreed at"), null=True, blank=True)
    # Commitments made in live sessions, tied to this goal by their author.
    commitments = models.ManyToManyField(
        "board.Commitment", blank=True, related_name="goals", verbose_name=_("commitments")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["kind", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="shared", owner__isnull=True) | Q(kind="personal"))
                & (Q(kind="shared") | Q(owner__isnull=False)),
                name="goal_owner_matches_kind",
            )
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("goals:detail", args=[self.cohort_id, self.pk])

    @property
    def is_shared(self) -> bool:
        return self.kind == self.Kind.SHARED

    @property
    def is_personal(self) -> bool:
        return self.kind == self.Kind.PERSONAL

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES


class Milestone(models.Model):
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="milestones")
    position = models.PositiveSmallIntegerField(_("position"))
    title = models.CharField(_("milestone"), max_length=200)
    due_on = models.DateField(_("date"), null=True, blank=True)
    done = models.BooleanField(_("done"), default=False)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["goal", "position", "pk"]

    def __str__(self):
        return self.title


class GoalRevision(models.Model):
    """A change made to a goal after it was agreed: {field: [before, after]}."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="revisions")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    changes = models.JSONField(_("changes"), default=dict)

    class Meta:
        verbose_name = _("goal revision")
        verbose_name_plural = _("goal revisions")
        ordering = ["-changed_at", "-pk"]

    def __str__(self):
        return f"{self.goal} @ {self.changed_at:%Y-%m-%d}"


class GoalNote(models.Model):
    """A note on a goal: co-creation comment, leader encouragement or alignment.

    Comments are between the participant and the facilitators; encouragement
    and the three-way alignment are also seen by the participant's leader.
    """

    class Kind(models.TextChoices):
        COMMENT = "comment", _("Comment")
        ENCOURAGEMENT = "encouragement", _("Encouragement")
        ALIGNMENT = "alignment", _("Alignment")

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="notes")
    kind = models.CharField(_("kind"), max_length=14, choices=Kind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(_("note"), max_length=TEXT_MAX_LENGTH)
    # The day of an alignment conversation; the day written for other notes.
    on = models.DateField(_("date"), default=datetime.date.today)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("goal note")
        verbose_name_plural = _("goal notes")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.body[:60]


class PartnerRound(models.Model):
    """One split of a cohort into accountability pairs and triads.

    The newest round is in force; older rounds are the history that a rotation
    tries not to repeat.
    """

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="partner_rounds")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("partner round")
        verbose_name_plural = _("partner rounds")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.cohort} @ {self.created_at:%Y-%m-%d}"


class PartnerGroup(models.Model):
    round = models.ForeignKey(PartnerRound, on_delete=models.CASCADE, related_name="groups")
    position = models.PositiveSmallIntegerField()

    class Meta:
        verbose_name = _("partner group")
        verbose_name_plural = _("partner groups")
        ordering = ["round", "position"]

    def __str__(self):
        return ", ".join(str(slot.membership.user) for slot in self.slots.all())


class PartnerSlot(models.Model):
    round = models.ForeignKey(PartnerRound, on_delete=models.CASCADE, related_name="slots")
    group = models.ForeignKey(PartnerGroup, on_delete=models.CASCADE, related_name="slots")
    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="partner_slots"
    )

    class Meta:
        verbose_name = _("partner slot")
        verbose_name_plural = _("partner slots")
        constraints = [
            models.UniqueConstraint(fields=["round", "membership"], name="one_group_per_round")
        ]

    def __str__(self):
        return str(self.membership)


class CheckIn(models.Model):
    """A participant's update for one period; one per participant per period."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="checkins")
    author = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="checkins", verbose_name=_("author")
    )
    period_start = models.DateField(_("period start"))
    win = models.TextField(_("a win"), max_length=TEXT_MAX_LENGTH, blank=True)
    challenge = models.TextField(_("a challenge"), max_length=TEXT_MAX_LENGTH, blank=True)
    ask = models.TextField(_("an ask for support"), max_length=TEXT_MAX_LENGTH, blank=True)
    energy = models.PositiveSmallIntegerField(
        _("energy"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    shared_with_cohort = models.BooleanField(_("shared with the whole cohort"), default=False)
    # The partners who read it are those of the round in force when it was
    # first written, so a later rotation does not hand it to new partners.
    partner_round = models.ForeignKey(
        PartnerRound, on_delete=models.SET_NULL, null=True, blank=True, related_name="checkins"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ["-period_start", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "period_start"], name="one_checkin_per_period"
            ),
            models.CheckConstraint(
                condition=Q(energy__gte=1) & Q(energy__lte=5), name="checkin_energy_1_to_5"
            ),
        ]

    def __str__(self):
        return f"{self.author.user} · {self.period_start:%Y-%m-%d}"

    def get_absolute_url(self):
        return reverse("goals:checkin", args=[self.cohort_id, self.pk])


class ProgressUpdate(models.Model):
    """Progress on a goal: a note, an optional 0-100 figure, a date."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    note = models.TextField(_("note"), max_length=TEXT_MAX_LENGTH, blank=True)
    value = models.PositiveSmallIntegerField(
        _("progress (0-100)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    on = models.DateField(_("date"))
    checkin = models.ForeignKey(
        CheckIn, on_delete=models.CASCADE, null=True, blank=True, related_name="progress"
    )
    milestone = models.ForeignKey(
        Milestone, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        ordering = ["on", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(value__lte=100), name="progress_0_to_100"
            )
        ]

    def __str__(self):
        return f"{self.goal} · {self.on:%Y-%m-%d}"


class CheckInReply(models.Model):
    checkin = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(_("reply"), max_length=TEXT_MAX_LENGTH)
    client_id = models.UUIDField(_("client id"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("check-in reply")
        verbose_name_plural = _("check-in replies")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "client_id"],
                condition=Q(client_id__isnull=False),
                name="reply_client_id_once",
            )
        ]

    def __str__(self):
        return self.body[:60]


class CohortEvent(StreamEvent):
    """One event of a cohort's stream (check-ins, replies, goal updates), kept so
    that a reconnecting client can resume; the counter is CohortRhythm.last_seq."""

    rhythm = models.ForeignKey(CohortRhythm, on_delete=models.CASCADE, related_name="events")

    class Meta(StreamEvent.Meta):
        verbose_name = _("cohort event")
        verbose_name_plural = _("cohort events")
        constraints = [
            models.UniqueConstraint(fields=["rhythm", "seq"], name="one_cohort_event_per_seq")
        ]
