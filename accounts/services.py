"""Invitations: invite, resend, revoke, accept. Views and bulk import call these."""

from __future__ import annotations

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Invitation, User, hash_token
from cohorts import services as cohort_services
from cohorts.errors import DomainError
from cohorts.models import Cohort, Membership, OrganizationMembership

NAME_MAX_LENGTH = Invitation._meta.get_field("name").max_length


def invitation_url(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("accounts:invitation", args=[token])


def _send(invitation: Invitation, token: str) -> None:
    context = {
        "invitation": invitation,
        "cohort": invitation.cohort,
        "url": invitation_url(token),
        "expiry_days": settings.INVITATION_EXPIRY_DAYS,
    }
    subject = render_to_string("emails/invitation_subject.txt", context).strip()
    body = render_to_string("emails/invitation.txt", context)
    # Sent after commit: a rolled-back invitation must not reach an inbox.
    transaction.on_commit(
        lambda: send_mail(subject, body, None, [invitation.email], fail_silently=False)
    )


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


def check_can_invite(
    *,
    cohort: Cohort,
    email: str,
    role: str,
    leader_email: str = "",
    name: str = "",
    extra_participants: int = 0,
    batch_leaders: frozenset[str] = frozenset(),
) -> None:
    """Raise DomainError if `email` cannot be invited to `cohort` as `role`.

    A bulk import passes what its earlier rows will add: `extra_participants`
    seats taken, and `batch_leaders` invited as leaders in the same file.
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
            batch_leaders=batch_leaders,
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


def _check_leader(*, cohort, email, role, leader_email, batch_leaders) -> None:
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
) -> Invitation:
    """Create an invitation and email its link; the cohort row is locked for capacity."""
    cohort = Cohort.objects.select_for_update().select_related("organization").get(pk=cohort.pk)
    email = email.strip().lower()
    leader_email = leader_email.strip().lower()
    check_can_invite(
        cohort=cohort,
        email=email,
        role=role,
        leader_email=leader_email,
        name=name,
        batch_leaders=batch_leaders,
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


@transaction.atomic
def resend_invitation(*, invitation: Invitation) -> Invitation:
    """Send a fresh link (the old one stops working) and restart the expiry clock."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status in ("accepted", "revoked"):
        raise DomainError(
            _("This invitation was %(status)s and cannot be resent.")
            % {"status": invitation.get_status_display().lower()},
            code="not_pending",
        )
    token, invitation.token_hash = Invitation.new_token()
    invitation.sent_at = timezone.now()
    invitation.expires_at = invitation.sent_at + timedelta(days=settings.INVITATION_EXPIRY_DAYS)
    invitation.send_count += 1
    invitation.save(update_fields=["token_hash", "sent_at", "expires_at", "send_count"])
    _send(invitation, token)
    return invitation


@transaction.atomic
def revoke_invitation(*, invitation: Invitation) -> Invitation:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
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
    return invitation


@transaction.atomic
def accept_invitation(*, invitation: Invitation, user: User) -> Invitation:
    """Add `user` to the cohort in the invited role; the link then stops working.

    The row is locked so that a double click or two tabs accept it once.
    """
    invitation = (
        Invitation.objects.select_for_update().select_related("cohort").get(pk=invitation.pk)
    )
    check_usable(invitation)
    if user.email.lower() != invitation.email.lower():
        raise DomainError(
            _("This invitation is for %(email)s. Log out and open the link again.")
            % {"email": invitation.email},
            code="foreign",
        )
    cohort = invitation.cohort
    if invitation.role == Invitation.Role.LEADER:
        cohort_services.ensure_organization_member(
            organization_id=cohort.organization_id, user=user
        )
        # Link the participants whose invitation named this leader, in any
        # cohort of the organization: a leader invited through one cohort may
        # be named by participants of another.
        named = Invitation.objects.filter(
            cohort__organization_id=cohort.organization_id,
            leader_email__iexact=user.email,
            accepted_by__isnull=False,
        ).values_list("cohort_id", "accepted_by")
        if named:
            enrolled = Q()
            for cohort_id, participant_id in named:
                enrolled |= Q(cohort_id=cohort_id, user_id=participant_id)
            # Confirmed: each participant accepted an invitation naming them.
            Membership.objects.filter(
                enrolled, role=Membership.Role.PARTICIPANT, leader__isnull=True
            ).update(leader=user, leader_confirmed_at=timezone.now())
    else:
        # The named leader is linked now if already in the organization, else
        # when they accept their own leader invitation (see above).
        leader = None
        if invitation.leader_email:
            leader = (
                cohort_services.organization_members(cohort.organization_id)
                .filter(email__iexact=invitation.leader_email)
                .first()
            )
        cohort_services.enroll(
            cohort=cohort,
            user=user,
            role=invitation.role,
            leader=leader,
            added_by=invitation.invited_by,
        )
    if invitation.name and not user.display_name:
        user.display_name = invitation.name
        user.save(update_fields=["display_name"])
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return invitation


def email_is_registered(email: str) -> bool:
    """True if an account (or an allauth address of one) already uses `email`."""
    return (
        User.objects.filter(email__iexact=email).exists()
        or EmailAddress.objects.filter(email__iexact=email).exists()
    )


@transaction.atomic
def sign_up_with_invitation(*, invitation: Invitation, display_name: str, password: str) -> User:
    """Create the invited person's account and accept the invitation in one step.

    The email is verified already: the link reached its inbox. If accepting
    fails (expired meanwhile, cohort full), no account is left behind.
    """
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    check_usable(invitation)
    if email_is_registered(invitation.email):
        raise DomainError(
            _("An account with %(email)s already exists: log in to accept the invitation.")
            % {"email": invitation.email},
            code="account_exists",
        )
    user = User.objects.create_user(
        email=invitation.email, password=password, display_name=display_name.strip()
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    accept_invitation(invitation=invitation, user=user)
    return user
