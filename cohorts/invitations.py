"""Invitations: check, invite, resend, revoke, find. Views and bulk import call
these; accepting one is in cohorts.invitation_acceptance."""

from __future__ import annotations

import math
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import BadHeaderError
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from cohorts import lifecycle
from cohorts import services as cohort_services
from cohorts.models import Cohort, Invitation, Membership, OrganizationMembership, hash_token
from lib.errors import DomainError
from lib.mail import send_after_commit
from lib.text import is_single_line, single_line_message

NAME_MAX_LENGTH = Invitation._meta.get_field("name").max_length


def invitation_url(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("cohorts:invitation", args=[token])


def _send(invitation: Invitation, token: str) -> None:
    """Write the invitation's email in the caller's transaction, so that an
    email that cannot be written rolls the invitation back (no seat held with
    no email sent); it is sent after commit."""
    context = {
        "invitation": invitation,
        "cohort": invitation.cohort,
        "url": invitation_url(token),
        "expiry_days": settings.INVITATION_EXPIRY_DAYS,
    }
    try:
        send_after_commit(
            subject=render_to_string("emails/invitation_subject.txt", context).strip(),
            body=render_to_string("emails/invitation.txt", context),
            to=[invitation.email],
        )
    except BadHeaderError:
        raise DomainError(
            _(
                "The invitation email cannot be written: the cohort's name holds a line "
                "break. Edit the cohort's name, then send the invitation again."
            ),
            code="email_not_written",
        ) from None


def _known_leader_emails(cohort: Cohort) -> set[str]:
    """Emails that may be named as a participant's leader: the organization's
    members, and people with a pending leader invitation in the organization."""
    members = User.objects.filter(
        organization_memberships__organization_id=cohort.organization_id
    ).values_list("email", flat=True)
    invited = (
        Invitation.objects.pending()
        .filter(cohort__organization_id=cohort.organization_id, role=Invitation.Role.LEADER)
        .values_list("email", flat=True)
    )
    return {email.lower() for email in members} | {email.lower() for email in invited}


def _is_hr_admin_email(cohort: Cohort, email: str) -> bool:
    """`cohorts.permissions.is_hr_admin_of`, by email: an invitee may have no
    account yet."""
    return OrganizationMembership.objects.filter(
        organization_id=cohort.organization_id,
        user__email__iexact=email,
        role=OrganizationMembership.Role.HR_ADMIN,
    ).exists()


def check_can_invite(
    *,
    cohort: Cohort,
    email: str,
    role: str,
    leader_email: str = "",
    name: str = "",
    invited_by=None,
    extra_participants: int = 0,
    batch_leaders: frozenset[str] = frozenset(),
    batch_members: frozenset[str] = frozenset(),
) -> None:
    """Raise DomainError if `invited_by` cannot invite `email` to `cohort` as `role`.

    A bulk import passes what its other rows will add: `extra_participants`
    seats taken, `batch_leaders` invited as leaders and `batch_members`
    invited as facilitators or participants in the same file.
    """
    email = email.strip().lower()
    leader_email = leader_email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise DomainError(
            _("“%(email)s” is not a valid email address.") % {"email": email},
            code="bad_email",
        ) from None
    if role not in Invitation.Role.values:
        raise DomainError(
            _("Unknown role “%(role)s”: use participant, facilitator or leader.") % {"role": role},
            code="bad_role",
        )
    if len(name.strip()) > NAME_MAX_LENGTH:
        raise DomainError(
            _("The name is longer than %(max)d characters.") % {"max": NAME_MAX_LENGTH},
            code="bad_name",
        )
    if not is_single_line(name.strip()):
        raise DomainError(single_line_message(_("the name")), code="bad_name")
    if invited_by is not None and invited_by.email.lower() == email:
        raise DomainError(
            _(
                "You cannot invite yourself: ask another HR admin or a facilitator of the "
                "cohort to invite you."
            ),
            code="self_invited",
        )
    if _is_hr_admin_email(cohort, email):
        raise DomainError(
            (
                _(
                    "%(email)s is an HR admin of %(organization)s, and an HR admin cannot "
                    "be a participant's leader: invite the participant's own manager."
                )
                if role == Invitation.Role.LEADER
                else _(
                    "%(email)s is an HR admin of %(organization)s, and an HR admin cannot "
                    "be a facilitator or participant in its cohorts: invite someone else."
                )
            )
            % {"email": email, "organization": cohort.organization.name},
            code="hr_admin",
        )
    if role == Invitation.Role.LEADER:
        if OrganizationMembership.objects.filter(
            organization_id=cohort.organization_id, user__email__iexact=email
        ).exists():
            raise DomainError(
                _(
                    "%(email)s is already a member of %(organization)s: link them as a "
                    "leader from the roster."
                )
                % {"email": email, "organization": cohort.organization.name},
                code="already_member",
            )
    elif Membership.objects.filter(cohort=cohort, user__email__iexact=email).exists():
        raise DomainError(
            _("%(email)s is already in this cohort.") % {"email": email}, code="already_member"
        )
    elif (
        Membership.objects.filter(cohort=cohort, leader__email__iexact=email).exists()
        or Invitation.objects.pending().filter(cohort=cohort, leader_email__iexact=email).exists()
    ):
        raise DomainError(
            _(
                "%(email)s is the leader of a participant of this cohort, and a leader "
                "cannot join the cohort of the person they lead: unlink them as that "
                "participant's leader first."
            )
            % {"email": email},
            code="leads_participant",
        )
    if Invitation.objects.pending().filter(cohort=cohort, email__iexact=email).exists():
        raise DomainError(
            _("%(email)s already has a pending invitation to this cohort.") % {"email": email},
            code="already_invited",
        )
    if leader_email:
        _check_leader(
            cohort=cohort,
            email=email,
            role=role,
            leader_email=leader_email,
            invited_by=invited_by,
            batch_leaders=batch_leaders,
            batch_members=batch_members,
        )
    if role == Invitation.Role.PARTICIPANT:
        taken = (
            cohort_services.participant_count(cohort)
            + Invitation.objects.pending()
            .filter(cohort=cohort, role=Invitation.Role.PARTICIPANT)
            .count()
            + extra_participants
        )
        if taken >= cohort.capacity:
            raise DomainError(
                ngettext(
                    "%(cohort)s is full: it holds %(capacity)d participant, counting "
                    "pending invitations.",
                    "%(cohort)s is full: it holds %(capacity)d participants, counting "
                    "pending invitations.",
                    cohort.capacity,
                )
                % {"cohort": cohort.name, "capacity": cohort.capacity},
                code="cohort_full",
            )


def _check_leader(
    *, cohort, email, role, leader_email, invited_by, batch_leaders, batch_members
) -> None:
    """The invitation's `leader_email` follows cohorts.services.check_leader's
    rules, by email: the person may have no account yet."""
    if role != Invitation.Role.PARTICIPANT:
        raise DomainError(_("Only participants have a leader."), code="leader_not_allowed")
    try:
        validate_email(leader_email)
    except ValidationError:
        raise DomainError(
            _("The leader email “%(email)s” is not a valid email address.")
            % {"email": leader_email},
            code="bad_leader_email",
        ) from None
    if leader_email == email:
        raise DomainError(_("A participant cannot be their own leader."), code="own_leader")
    if invited_by is not None and invited_by.email.lower() == leader_email:
        raise DomainError(
            _("You cannot name yourself as a participant's leader: name their own manager."),
            code="leader_is_you",
        )
    if _is_hr_admin_email(cohort, leader_email):
        raise DomainError(
            _(
                "The leader %(email)s is an HR admin of %(organization)s, and an HR admin "
                "cannot be a participant's leader: name the participant's own manager."
            )
            % {"email": leader_email, "organization": cohort.organization.name},
            code="leader_hr_admin",
        )
    if (
        leader_email in batch_members
        or Membership.objects.filter(cohort=cohort, user__email__iexact=leader_email).exists()
        or Invitation.objects.pending()
        .filter(cohort=cohort, email__iexact=leader_email)
        .exclude(role=Invitation.Role.LEADER)
        .exists()
    ):
        raise DomainError(
            _(
                "The leader %(email)s is in this cohort or invited to it, and a leader "
                "cannot be one of its facilitators or participants: name someone outside "
                "the cohort."
            )
            % {"email": leader_email},
            code="leader_in_cohort",
        )
    if leader_email not in batch_leaders and leader_email not in _known_leader_emails(cohort):
        raise DomainError(
            _(
                "The leader %(email)s is not a member of %(organization)s: invite them "
                "as a leader first."
            )
            % {"email": leader_email, "organization": cohort.organization.name},
            code="leader_not_member",
        )


@transaction.atomic
def invite(
    *,
    cohort: Cohort,
    email: str,
    role: str,
    invited_by,
    name: str = "",
    leader_email: str = "",
    batch_leaders: frozenset[str] = frozenset(),
    batch_members: frozenset[str] = frozenset(),
) -> Invitation:
    """Create an invitation and email its link; the cohort row is locked for capacity."""
    cohort = Cohort.objects.select_for_update().select_related("organization").get(pk=cohort.pk)
    lifecycle.check_accepts_invitations(cohort)
    email = email.strip().lower()
    leader_email = leader_email.strip().lower()
    check_can_invite(
        cohort=cohort,
        email=email,
        role=role,
        leader_email=leader_email,
        name=name,
        invited_by=invited_by,
        batch_leaders=batch_leaders,
        batch_members=batch_members,
    )
    token, token_hash = Invitation.new_token()
    now = timezone.now()
    invitation = Invitation.objects.create(
        cohort=cohort,
        email=email,
        name=name.strip(),
        role=role,
        leader_email=leader_email,
        token_hash=token_hash,
        invited_by=invited_by,
        created_at=now,
        sent_at=now,
        expires_at=now + timedelta(days=settings.INVITATION_EXPIRY_DAYS),
    )
    _send(invitation, token)
    return invitation


# Resending is throttled per invitation: each resend emails the invitee, so
# that a manager's account (or a double click) cannot flood an inbox.
RESEND_INTERVAL = timedelta(minutes=1)
RESENDS_PER_HOUR = 5


def _resends_key(invitation: Invitation) -> str:
    # The creation time tells apart two invitations that got the same id (a
    # deleted one's, reused by SQLite).
    return f"invitation-resends:{invitation.pk}:{invitation.created_at.timestamp()}"


def _check_resend_allowed(invitation: Invitation, now) -> list[float]:
    """Raise DomainError, saying when to try again, if `invitation` was sent
    less than RESEND_INTERVAL ago or resent RESENDS_PER_HOUR times within the
    hour; else return the times (epoch seconds) of its resends in the hour.

    The last sending is the row's `sent_at`; the resends of the hour are in
    the cache (CACHE_REDIS_URL shares them between processes), where the
    interval, read under the row's lock, bounds what a race could add.
    """
    wait = (invitation.sent_at + RESEND_INTERVAL - now).total_seconds()
    if wait > 0:
        seconds = math.ceil(wait)
        raise DomainError(
            ngettext(
                "This invitation was sent less than a minute ago: give it time to "
                "arrive. You can resend it in %(seconds)d second.",
                "This invitation was sent less than a minute ago: give it time to "
                "arrive. You can resend it in %(seconds)d seconds.",
                seconds,
            )
            % {"seconds": seconds},
            code="resend_too_soon",
        )
    hour_ago = now.timestamp() - 3600
    recent = sorted(t for t in cache.get(_resends_key(invitation), []) if t > hour_ago)
    if len(recent) >= RESENDS_PER_HOUR:
        minutes = math.ceil((recent[0] - hour_ago) / 60)
        raise DomainError(
            ngettext(
                "This invitation was resent %(count)d times in the last hour. You can "
                "resend it again in %(minutes)d minute.",
                "This invitation was resent %(count)d times in the last hour. You can "
                "resend it again in %(minutes)d minutes.",
                minutes,
            )
            % {"count": len(recent), "minutes": minutes},
            code="resend_too_soon",
        )
    return recent


@transaction.atomic
def resend_invitation(*, invitation: Invitation) -> Invitation:
    """Send a fresh link (the old one stops working) and restart the expiry clock.

    Throttled (_check_resend_allowed): a refused resend changes nothing.
    """
    invitation = (
        Invitation.objects.select_for_update().select_related("cohort").get(pk=invitation.pk)
    )
    lifecycle.check_accepts_invitations(invitation.cohort)
    if invitation.status in ("accepted", "revoked"):
        raise DomainError(
            _("This invitation was %(status)s and cannot be resent.")
            % {"status": invitation.get_status_display().lower()},
            code="not_pending",
        )
    now = timezone.now()
    recent = _check_resend_allowed(invitation, now)
    token, invitation.token_hash = Invitation.new_token()
    invitation.sent_at = now
    invitation.expires_at = invitation.sent_at + timedelta(days=settings.INVITATION_EXPIRY_DAYS)
    invitation.send_count += 1
    invitation.save(update_fields=["token_hash", "sent_at", "expires_at", "send_count"])
    _send(invitation, token)
    key = _resends_key(invitation)
    # Counted once sent: a rolled-back resend sent nothing.
    transaction.on_commit(lambda: cache.set(key, [*recent, now.timestamp()], 3600))
    return invitation


@transaction.atomic
def revoke_invitation(*, invitation: Invitation) -> Invitation:
    invitation = (
        Invitation.objects.select_for_update().select_related("cohort").get(pk=invitation.pk)
    )
    lifecycle.check_accepts_invitations(invitation.cohort)
    if invitation.status == "accepted":
        raise DomainError(_("This invitation was already accepted."), code="already_accepted")
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
    return invitation


def find_invitation(token: str) -> Invitation | None:
    """The invitation for a link's token, whatever its state; None if unknown."""
    if not token or len(token) > 100:
        return None
    return (
        Invitation.objects.select_related("cohort__organization")
        .filter(token_hash=hash_token(token))
        .first()
    )


def check_usable(invitation: Invitation | None) -> Invitation:
    """Raise DomainError with a clear reason unless the invitation can be accepted."""
    if invitation is None:
        raise DomainError(
            _("This invitation link is not valid. Check that you copied the whole link."),
            code="unknown",
        )
    reasons = {
        "accepted": _("This invitation has already been used."),
        "revoked": _("This invitation was withdrawn. Ask the person who invited you."),
        "expired": _("This invitation has expired. Ask the person who invited you to resend it."),
    }
    if invitation.status in reasons:
        raise DomainError(reasons[invitation.status], code=invitation.status)
    if not lifecycle.stage_of(invitation.cohort).accepts_invitations:
        raise DomainError(
            _(
                "%(cohort)s has ended and takes no new members, so this invitation "
                "can no longer be accepted."
            )
            % {"cohort": invitation.cohort.name},
            code="cohort_closed",
        )
    return invitation
