import hashlib
import secrets
import zoneinfo

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lib.timezones import time_zone_choices


class Organization(models.Model):
    """The tenant: everything below belongs to exactly one organization."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("cohorts:organization", args=[self.pk])


class OrganizationMembership(models.Model):
    """A person's place in an organization: HR admin, or member (leaders, staff)."""

    class Role(models.TextChoices):
        HR_ADMIN = "hr_admin", _("HR admin")
        MEMBER = "member", _("Member")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="organization_memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("organization membership")
        verbose_name_plural = _("organization memberships")
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="one_org_membership")
        ]

    def __str__(self):
        return f"{self.user} @ {self.organization} ({self.get_role_display()})"


class Cohort(models.Model):
    class Kind(models.TextChoices):
        GROUP = "group", _("Group")
        TEAM = "team", _("Team")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        COMPLETED = "completed", _("Completed")
        ARCHIVED = "archived", _("Archived")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="cohorts"
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.GROUP)
    purpose = models.TextField(_("purpose"), blank=True)
    capacity = models.PositiveSmallIntegerField(
        _("capacity"), default=10, help_text=_("Most participants the cohort can hold.")
    )
    starts_on = models.DateField(_("program start"))
    ends_on = models.DateField(_("program end"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    # Sessions are planned and check-in periods start at midnight here; each
    # reader sees times in their own zone (accounts.User.time_zone).
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        choices=time_zone_choices,
        default=settings.TIME_ZONE,
        help_text=_("Where the cohort meets: sessions are planned in this time zone."),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("cohort")
        verbose_name_plural = _("cohorts")
        ordering = ["organization__name", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gt=models.F("starts_on")), name="cohort_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="cohort_capacity_positive"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("cohorts:detail", args=[self.pk])

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class Membership(models.Model):
    """A person in a cohort, as facilitator or participant.

    A participant may have a leader (their manager, the sponsor), who belongs to
    the same organization and is not a member of the cohort.
    """

    class Role(models.TextChoices):
        FACILITATOR = "facilitator", _("Facilitator")
        PARTICIPANT = "participant", _("Participant")

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sponsored_memberships",
        verbose_name=_("leader"),
    )
    # Set when the participant confirms who their leader is (accepting an
    # invitation that names the leader counts). A leader linked by someone else
    # reads no leader-only goal until then: a wrong link must not leak them.
    leader_confirmed_at = models.DateTimeField(_("leader confirmed at"), null=True, blank=True)
    # Who put this person in the cohort (None for the demo and the admin):
    # participants see who appointed each facilitator.
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added by"),
    )
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("cohort membership")
        verbose_name_plural = _("cohort memberships")
        ordering = ["role", "user__display_name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["cohort", "user"], name="one_cohort_membership")
        ]

    def __str__(self):
        return f"{self.user} in {self.cohort} ({self.get_role_display()})"

    @property
    def is_facilitator(self) -> bool:
        return self.role == self.Role.FACILITATOR

    @property
    def is_participant(self) -> bool:
        return self.role == self.Role.PARTICIPANT

    @property
    def leader_is_confirmed(self) -> bool:
        return self.leader_id is not None and self.leader_confirmed_at is not None


class BackgroundNoteQuerySet(models.QuerySet):
    def with_edited(self):
        """Each note with `edited`: whether its text was ever changed."""
        revisions = BackgroundNoteRevision.objects.filter(
            note=models.OuterRef("pk"), action=BackgroundNoteRevision.Action.EDITED
        )
        return self.annotate(edited=models.Exists(revisions))


class BackgroundNote(models.Model):
    """What HR tells the coach about a participant, a cohort or the organization.

    Seen only by the cohort's facilitators and the organization's HR admins.
    About exactly one of: the organization (cohort and participant empty), a
    cohort (participant empty), or a participant (a membership of that cohort).
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="background_notes"
    )
    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, null=True, blank=True, related_name="background_notes"
    )
    participant = models.ForeignKey(
        Membership,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="background_notes",
        verbose_name=_("participant"),
    )
    body = models.TextField(_("note"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = BackgroundNoteQuerySet.as_manager()

    class Meta:
        verbose_name = _("background note")
        verbose_name_plural = _("background notes")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(participant__isnull=True) | Q(cohort__isnull=False),
                name="participant_note_has_cohort",
            )
        ]

    def __str__(self):
        return self.body[:60]

    @property
    def subject(self) -> str:
        if self.participant_id:
            return str(self.participant.user)
        if self.cohort_id:
            return str(self.cohort)
        return str(self.organization)


class BackgroundNoteRevision(models.Model):
    """One earlier state of a background note, kept when it is edited or
    deleted: notes shape how a coach sees a person, so changes stay on record."""

    class Action(models.TextChoices):
        EDITED = "edited", _("Edited")
        DELETED = "deleted", _("Deleted")

    # Kept when the note is deleted; the organization keeps the history.
    note = models.ForeignKey(
        BackgroundNote,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="revisions",
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="background_note_revisions"
    )
    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    # Whom the note was about, as it read then: a deleted note leaves no link.
    subject = models.CharField(_("about"), max_length=200)
    body = models.TextField(_("text before the change"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("background note revision")
        verbose_name_plural = _("background note revisions")
        ordering = ["-changed_at", "-pk"]

    def __str__(self):
        return f"{self.get_action_display()} {self.changed_at:%Y-%m-%d %H:%M}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )


class Invitation(models.Model):
    """An email invited to a cohort in a role.

    Only a hash of the token is stored: the link in the email is the one secret,
    and a leaked database row cannot be turned into a working link.
    """

    class Role(models.TextChoices):
        PARTICIPANT = "participant", _("Participant")
        FACILITATOR = "facilitator", _("Facilitator")
        LEADER = "leader", _("Leader")

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email"))
    name = models.CharField(_("name"), max_length=120, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    leader_email = models.EmailField(_("leader email"), blank=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(default=timezone.now)
    send_count = models.PositiveIntegerField(default=1)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="accepted_invitations",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        # The table keeps the name it had when invitations lived in accounts
        # (cohorts/migrations/0003_invitation).
        db_table = "accounts_invitation"
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email} → {self.cohort} ({self.get_role_display()})"

    @staticmethod
    def new_token() -> tuple[str, str]:
        """Return (token for the link, hash to store)."""
        token = secrets.token_urlsafe(32)
        return token, hash_token(token)

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"

    def get_status_display(self) -> str:
        return {
            "accepted": _("Accepted"),
            "revoked": _("Revoked"),
            "expired": _("Expired"),
            "pending": _("Pending"),
        }[self.status]
