"""Accepting an invitation: by a signed-in user, or by signing up from its link."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import email_is_registered
from cohorts import lifecycle
from cohorts import services as cohort_services
from cohorts.invitations import check_usable
from cohorts.models import Invitation, Membership
from cohorts.permissions import is_hr_admin_of
from lib.errors import DomainError
from lib.text import is_single_line, single_line_message


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
    _check_acceptor(invitation, user)
    if invitation.role == Invitation.Role.LEADER:
        cohort_services.ensure_organization_member(
            organization_id=cohort.organization_id, user=user
        )
        # Link the participants whose invitation named this leader, in any
        # cohort of the organization: a leader invited through one cohort may
        # be named by participants of another. Never in a cohort the leader is
        # a member of, nor by an invitation they sent themselves
        # (cohorts.services.check_leader).
        named = (
            Invitation.objects.filter(
                cohort__organization_id=cohort.organization_id,
                leader_email__iexact=user.email,
                accepted_by__isnull=False,
            )
            .exclude(cohort__in=Membership.objects.filter(user=user).values("cohort_id"))
            .exclude(invited_by=user)
            .values_list("cohort_id", "accepted_by")
        )
        if named:
            enrolled = Q()
            for cohort_id, participant_id in named:
                enrolled |= Q(cohort_id=cohort_id, user_id=participant_id)
            # Confirmed: each participant accepted an invitation naming them.
            # Not in a closed cohort: its leader links no longer change.
            Membership.objects.filter(
                enrolled,
                role=Membership.Role.PARTICIPANT,
                leader__isnull=True,
                cohort__status__in=lifecycle.OPEN_STATUSES,
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
        if leader is not None:
            try:
                cohort_services.check_leader(
                    cohort=cohort,
                    leader=leader,
                    participant=user,
                    changed_by=invitation.invited_by,
                )
            except DomainError:
                # The person named can no longer lead (they joined the cohort
                # or became an HR admin since): the participant still joins,
                # and HR or a facilitator can link their leader later.
                leader = None
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


def _check_acceptor(invitation: Invitation, user: User) -> None:
    """Refuse, before anything changes, a role the accepting user may not hold:
    their own invitation, an HR admin in a cohort of their organization or as
    a leader, the leader of a participant joining that participant's cohort.
    cohorts.services.enroll checks the cohort roles again, as the last line."""
    cohort = invitation.cohort
    if invitation.invited_by_id == user.pk:
        raise DomainError(
            _(
                "You sent this invitation yourself, and no one can invite themselves: ask "
                "another HR admin or a facilitator of the cohort to invite you."
            ),
            code="self_invited",
        )
    if is_hr_admin_of(user, cohort.organization_id):
        raise DomainError(
            (
                _(
                    "You are an HR admin of %(organization)s, and an HR admin cannot be a "
                    "participant's leader. Ask the person who invited you to name someone "
                    "else."
                )
                if invitation.role == Invitation.Role.LEADER
                else _(
                    "You are an HR admin of %(organization)s, and an HR admin cannot be a "
                    "facilitator or participant in its cohorts. Ask the person who invited "
                    "you to invite someone else."
                )
            )
            % {"organization": cohort.organization.name},
            code="hr_admin",
        )
    if (
        invitation.role != Invitation.Role.LEADER
        and Membership.objects.filter(cohort=cohort, leader=user).exists()
    ):
        raise DomainError(
            _(
                "You are the leader of a participant of %(cohort)s, and a leader cannot join "
                "the cohort of the person they lead. Ask the person who invited you."
            )
            % {"cohort": cohort.name},
            code="leads_participant",
        )


@transaction.atomic
def sign_up_with_invitation(*, invitation: Invitation, display_name: str, password: str) -> User:
    """Create the invited person's account and accept the invitation in one step.

    The email is verified already: the link reached its inbox. If accepting
    fails (expired meanwhile, cohort full), no account is left behind.

    An account that holds the address without having verified it
    (email_is_registered) is taken over rather than duplicated: it gets this
    password and name, and the invitation's address, verified, as its only
    address. Whoever opened it keeps nothing: its other addresses (a way to
    reset its password) are removed, and its sessions end, since they hang on
    the password. An unverified claim of the address by another account is
    removed too (one account per address).
    """
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    check_usable(invitation)
    if email_is_registered(invitation.email):
        raise DomainError(
            _("An account with %(email)s already exists: log in to accept the invitation.")
            % {"email": invitation.email},
            code="account_exists",
        )
    display_name = display_name.strip()
    if not is_single_line(display_name):
        raise DomainError(single_line_message(_("your name")), code="bad_name")
    user = User.objects.select_for_update().filter(email__iexact=invitation.email).first()
    if user is not None and not user.is_active:
        raise DomainError(
            _(
                "The account of %(email)s is disabled. Ask the person who invited you to "
                "have it enabled."
            )
            % {"email": invitation.email},
            code="account_inactive",
        )
    EmailAddress.objects.filter(email__iexact=invitation.email).delete()
    if user is None:
        user = User.objects.create_user(
            email=invitation.email, password=password, display_name=display_name
        )
    else:
        EmailAddress.objects.filter(user=user).delete()
        user.set_password(password)
        user.display_name = display_name
        user.save(update_fields=["password", "display_name"])
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    accept_invitation(invitation=invitation, user=user)
    return user
