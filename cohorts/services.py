"""Enrollment operations, used by views, the invitation flow and seeding."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import BadHeaderError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from cohorts import lifecycle, signals
from cohorts.models import (
    BackgroundNote,
    BackgroundNoteRevision,
    Cohort,
    Membership,
    Organization,
    OrganizationMembership,
)
from cohorts.permissions import is_hr_admin_of, may_have_leader
from lib.errors import DomainError
from lib.mail import send_after_commit
from lib.text import is_single_line, single_line_message


def participant_count(cohort: Cohort) -> int:
    return cohort.memberships.filter(role=Membership.Role.PARTICIPANT).count()


def ensure_organization_member(*, organization_id: int, user, role=None) -> OrganizationMembership:
    """Add `user` to the organization if absent; never demotes an HR admin."""
    membership, created = OrganizationMembership.objects.get_or_create(
        organization_id=organization_id,
        user=user,
        defaults={"role": role or OrganizationMembership.Role.MEMBER},
    )
    if not created and role == OrganizationMembership.Role.HR_ADMIN and (membership.role != role):
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


def _check_can_hold_role(*, cohort: Cohort, user, added_by) -> None:
    """Refuse a place in `cohort` to someone adding themselves, to an HR admin
    of its organization (a facilitator or participant reads what HR must
    never read) and to the leader of one of its participants (a leader is
    not in the room)."""
    if added_by is not None and added_by.pk == user.pk:
        raise DomainError(
            _(
                "No one can add themselves to a cohort: ask another HR admin or a "
                "facilitator to invite you."
            ),
            code="self_invited",
        )
    if is_hr_admin_of(user, cohort.organization_id):
        raise DomainError(
            _(
                "%(person)s is an HR admin of %(organization)s, and an HR admin cannot be "
                "a facilitator or participant in its cohorts: invite someone else."
            )
            % {"person": user, "organization": cohort.organization.name},
            code="hr_admin",
        )
    if Membership.objects.filter(cohort=cohort, leader=user).exists():
        raise DomainError(
            _(
                "%(person)s is the leader of a participant of %(cohort)s, and a leader "
                "cannot join the cohort of the person they lead: unlink them as that "
                "participant's leader first."
            )
            % {"person": user, "cohort": cohort.name},
            code="leads_participant",
        )


def check_leader(*, cohort: Cohort, leader, participant, changed_by=None) -> None:
    """Raise DomainError unless `leader` may be the leader of `participant` (a
    user) in `cohort`.

    A leader reads what the participant shares with them, and nothing of the
    room: never the participant, a member of the cohort, an HR admin of the
    organization, or the person naming them (who would otherwise name
    themselves to read those goals).
    """
    if leader.pk == participant.pk:
        raise DomainError(_("A participant cannot be their own leader."), code="own_leader")
    if changed_by is not None and leader.pk == changed_by.pk:
        raise DomainError(
            _("You cannot name yourself as a participant's leader: name their own manager."),
            code="leader_is_you",
        )
    if is_hr_admin_of(leader, cohort.organization_id):
        raise DomainError(
            _(
                "%(person)s is an HR admin of %(organization)s, and an HR admin cannot be "
                "a participant's leader: name the participant's own manager."
            )
            % {"person": leader, "organization": cohort.organization.name},
            code="leader_hr_admin",
        )
    if Membership.objects.filter(cohort=cohort, user=leader).exists():
        raise DomainError(
            _(
                "%(person)s is in this cohort, and a leader cannot be one of its "
                "facilitators or participants: name someone outside the cohort."
            )
            % {"person": leader},
            code="leader_in_cohort",
        )


@transaction.atomic
def enroll(*, cohort: Cohort, user, role: str, leader=None, added_by=None) -> Membership:
    """Put `user` in `cohort` in `role`, refusing a participant past capacity.

    The cohort row is locked so that two enrollments at once cannot both take
    the last seat. Enrolling someone already enrolled updates their role and
    leader instead of adding a second membership. A leader given here counts
    as confirmed: enrolling happens when the participant accepts an invitation
    that names that leader (or when the demo is seeded). `added_by` is who
    appointed them (an invitation's sender), shown to the cohort's participants.

    Refused (`_check_can_hold_role`) to an HR admin of the organization, to
    the leader of one of the cohort's participants and to someone adding
    themselves; a leader given must pass `check_leader`.
    """
    cohort = Cohort.objects.select_for_update().select_related("organization").get(pk=cohort.pk)
    # Read under the lock: a cohort completed while an invitation was being
    # accepted takes no one.
    lifecycle.check_accepts_invitations(cohort)
    _check_can_hold_role(cohort=cohort, user=user, added_by=added_by)
    existing = Membership.objects.filter(cohort=cohort, user=user).first()
    becomes_participant = role == Membership.Role.PARTICIPANT and (
        existing is None or existing.role != Membership.Role.PARTICIPANT
    )
    if becomes_participant and participant_count(cohort) >= cohort.capacity:
        raise DomainError(
            ngettext(
                "%(cohort)s is full: it holds %(capacity)d participant.",
                "%(cohort)s is full: it holds %(capacity)d participants.",
                cohort.capacity,
            )
            % {"cohort": cohort.name, "capacity": cohort.capacity},
            code="cohort_full",
        )
    if leader is not None:
        if role != Membership.Role.PARTICIPANT:
            raise DomainError(_("Only participants have a leader."), code="not_participant")
        check_leader(cohort=cohort, leader=leader, participant=user, changed_by=added_by)
    ensure_organization_member(organization_id=cohort.organization_id, user=user)
    if leader is not None:
        ensure_organization_member(organization_id=cohort.organization_id, user=leader)
    confirmed_at = timezone.now() if leader is not None else None
    if existing is not None:
        if existing.role != role and added_by is not None:
            existing.added_by = added_by
        existing.role = role
        existing.save(update_fields=["role", "added_by"])
        if leader is not None and leader.pk != existing.leader_id:
            _relink(existing, leader, confirmed_at=confirmed_at)
        return existing
    return Membership.objects.create(
        cohort=cohort,
        user=user,
        role=role,
        leader=leader,
        leader_confirmed_at=confirmed_at,
        added_by=added_by,
    )


def _clean_name(name: str) -> str:
    """A cohort's name is one line: it goes into email subjects (lib/text.py)."""
    name = name.strip()
    if not is_single_line(name):
        raise DomainError(single_line_message(_("the cohort's name")), code="bad_name")
    return name


def _check_window(*, starts_on, ends_on) -> None:
    if starts_on and ends_on and ends_on <= starts_on:
        raise DomainError(_("The program must end after it starts."), code="bad_window")


def capacity_range(kind: str) -> tuple[int, int]:
    """(fewest, most) participants a cohort of `kind` holds (COHORT_CAPACITY)."""
    return tuple(settings.COHORT_CAPACITY[kind])


def check_capacity_fits_kind(*, kind: str, capacity: int) -> None:
    low, high = capacity_range(kind)
    if not low <= capacity <= high:
        raise DomainError(
            _("A %(kind)s cohort holds %(low)d to %(high)d participants.")
            % {"kind": Cohort.Kind(kind).label.lower(), "low": low, "high": high},
            code="capacity_out_of_range",
        )


@transaction.atomic
def create_cohort(
    *,
    organization: Organization,
    name: str,
    starts_on,
    ends_on,
    kind: str = Cohort.Kind.GROUP,
    purpose: str = "",
    capacity: int = 10,
    time_zone: str = settings.TIME_ZONE,
    status: str = Cohort.Status.DRAFT,
) -> Cohort:
    """A new cohort, a draft unless told (the demo seeds active ones)."""
    _check_window(starts_on=starts_on, ends_on=ends_on)
    check_capacity_fits_kind(kind=kind, capacity=capacity)
    return Cohort.objects.create(
        organization=organization,
        name=_clean_name(name),
        kind=kind,
        purpose=purpose.strip(),
        capacity=capacity,
        starts_on=starts_on,
        ends_on=ends_on,
        time_zone=time_zone,
        status=status,
    )


# The state is not among them: it changes only by `change_status`.
COHORT_EDITABLE_FIELDS = (
    "name",
    "kind",
    "purpose",
    "capacity",
    "starts_on",
    "ends_on",
    "time_zone",
)


@transaction.atomic
def update_cohort(*, cohort: Cohort, **changes) -> Cohort:
    """Change the cohort's editable fields while it is open (draft, active);
    capacity never drops below the participants already enrolled (the row is
    locked against a concurrent enroll)."""
    unknown = set(changes) - set(COHORT_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    if "name" in changes:
        changes["name"] = _clean_name(changes["name"])
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    lifecycle.check_open_for_work(cohort)
    for name, value in changes.items():
        setattr(cohort, name, value)
    _check_window(starts_on=cohort.starts_on, ends_on=cohort.ends_on)
    if {"kind", "capacity"} & set(changes):
        check_capacity_fits_kind(kind=cohort.kind, capacity=cohort.capacity)
    enrolled = participant_count(cohort)
    if cohort.capacity < enrolled:
        raise DomainError(
            ngettext(
                "Capacity cannot be below the %(count)d participant already enrolled.",
                "Capacity cannot be below the %(count)d participants already enrolled.",
                enrolled,
            )
            % {"count": enrolled},
            code="capacity_below_enrolled",
        )
    cohort.save(update_fields=list(changes))
    return cohort


@transaction.atomic
def change_status(*, cohort: Cohort, shown: str, target: str) -> Cohort:
    """Move the cohort from `shown` (the state the person's page showed) to
    `target`, if `lifecycle.MOVES` has that move. Who may is the rule book's
    (`CohortAccess.can_change_status`).

    The row is locked: a second click, or a page older than another
    person's change, finds the cohort no longer in `shown` and changes
    nothing. Receivers of `signals.status_changing` may refuse the move
    (the board refuses to leave the active state while a session is live).
    """
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    if cohort.status != shown:
        raise DomainError(
            _(
                "This cohort is %(status)s already: someone changed it meanwhile, or the "
                "form was sent twice. Nothing was changed; check its state below."
            )
            % {"status": cohort.get_status_display().lower()},
            code="stale_status",
        )
    move = lifecycle.MOVES.get((shown, target))
    if move is None:
        raise DomainError(
            _("A cohort cannot go from %(source)s to %(target)s.")
            % {
                "source": Cohort.Status(shown).label.lower(),
                "target": (
                    Cohort.Status(target).label.lower()
                    if target in Cohort.Status.values
                    else target
                ),
            },
            code="bad_move",
        )
    # Apps above refuse a move their state forbids (the board: a live
    # session), raising DomainError; this transaction then changes nothing.
    signals.status_changing.send(sender=Cohort, cohort=cohort, target=target)
    cohort.status = target
    cohort.save(update_fields=["status"])
    return cohort


def organization_members(organization_id: int):
    """The users of an organization, for choosing a participant's leader."""
    return User.objects.filter(organization_memberships__organization_id=organization_id)


def leader_candidates(*, cohort: Cohort, changed_by):
    """Whom `changed_by` may name as the leader of one of the cohort's
    participants: `check_leader`'s rules as a queryset, for a form's choices.
    The organization's members, less the cohort's members, the organization's
    HR admins and `changed_by`."""
    return (
        organization_members(cohort.organization_id)
        .exclude(pk__in=Membership.objects.filter(cohort=cohort).values("user_id"))
        .exclude(
            pk__in=OrganizationMembership.objects.filter(
                organization_id=cohort.organization_id,
                role=OrganizationMembership.Role.HR_ADMIN,
            ).values("user_id")
        )
        .exclude(pk=changed_by.pk)
    )


def _relink(membership: Membership, leader, *, confirmed_at) -> Membership:
    """Save the participant's new leader link and send `leader_changed`, whose
    receivers take the participant's leader-only goals from the previous
    leader. Should be called inside a transaction holding the membership."""
    previous_leader_id = membership.leader_id
    previous_confirmed = membership.leader_is_confirmed
    membership.leader, membership.leader_confirmed_at = leader, confirmed_at
    membership.save(update_fields=["leader", "leader_confirmed_at"])
    signals.leader_changed.send(
        sender=Membership,
        membership=membership,
        previous_leader_id=previous_leader_id,
        previous_confirmed=previous_confirmed,
    )
    return membership


def _tell_participant(membership: Membership, *, changed_by) -> None:
    """Email the participant that `changed_by` named (or unlinked) their leader."""
    cohort = membership.cohort
    context = {
        "participant": membership.user,
        "leader": membership.leader,
        "changed_by": changed_by,
        "cohort": cohort,
        "url": settings.SITE_URL.rstrip("/") + cohort.get_absolute_url(),
    }
    try:
        send_after_commit(
            subject=render_to_string("emails/leader_changed_subject.txt", context).strip(),
            body=render_to_string("emails/leader_changed.txt", context),
            to=[membership.user.email],
        )
    except BadHeaderError:
        raise DomainError(
            _(
                "The email to the participant cannot be written: a name in it holds a line "
                "break. Edit the cohort's or the person's name, then try again."
            ),
            code="email_not_written",
        ) from None


def _locked_participant(membership: Membership) -> Membership:
    """The membership, locked after its cohort's row: `enroll` holds that lock
    while it checks who leads whom, so a leader cannot be linked while they
    join the cohort, nor join it while they are linked."""
    list(Cohort.objects.select_for_update().filter(pk=membership.cohort_id).values_list("pk"))
    # of=("self",): only the membership is locked (and PostgreSQL refuses to
    # lock the nullable side of the outer join to the leader).
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("cohort__organization", "user", "leader")
        .get(pk=membership.pk)
    )
    # Leader links are the cohort's work: they stay as they were once it closes.
    lifecycle.check_open_for_work(membership.cohort)
    if not may_have_leader(membership):
        raise DomainError(_("Only participants have a leader."), code="not_participant")
    return membership


@transaction.atomic
def set_leader(*, membership: Membership, leader, changed_by) -> Membership:
    """Link a participant to their leader, or unlink with leader=None.

    `changed_by` is the HR admin or facilitator making the change. The leader
    is a member of the organization who passes `check_leader`. A new link
    waits for the participant to confirm it (`confirm_leader`) before the
    leader reads anything, and the participant is told by email. The previous
    leader loses the participant's leader-only goals at once, live and on
    resume (`_relink`).
    """
    membership = _locked_participant(membership)
    if leader is not None:
        if (
            not organization_members(membership.cohort.organization_id)
            .filter(pk=leader.pk)
            .exists()
        ):
            raise DomainError(
                _("The leader must be a member of the organization."), code="leader_not_member"
            )
        check_leader(
            cohort=membership.cohort,
            leader=leader,
            participant=membership.user,
            changed_by=changed_by,
        )
    if membership.leader_id == (leader.pk if leader is not None else None):
        return membership  # Nothing changes: a confirmation given stands.
    _relink(membership, leader, confirmed_at=None)
    _tell_participant(membership, changed_by=changed_by)
    return membership


def _check_shown_leader(membership: Membership, leader_id) -> None:
    # The participant answers about the leader their page showed: a link
    # changed since then is not confirmed (or declined) blindly.
    if membership.leader_id is None or membership.leader_id != leader_id:
        raise DomainError(
            _("Your leader was changed meanwhile: check who is named now and answer again."),
            code="leader_changed",
        )


@transaction.atomic
def confirm_leader(*, membership: Membership, leader_id: int) -> Membership:
    """The participant confirms that `leader_id` (the leader their page showed)
    is their leader, who may then read the goals they share with their leader.
    Call only for the participant's own membership."""
    membership = _locked_participant(membership)
    _check_shown_leader(membership, leader_id)
    if membership.leader_confirmed_at is None:
        check_leader(
            cohort=membership.cohort, leader=membership.leader, participant=membership.user
        )
        membership.leader_confirmed_at = timezone.now()
        membership.save(update_fields=["leader_confirmed_at"])
        signals.leader_confirmed.send(sender=Membership, membership=membership)
    return membership


@transaction.atomic
def decline_leader(*, membership: Membership, leader_id: int) -> Membership:
    """The participant says `leader_id` is not their leader: the link is
    removed. Call only for the participant's own membership."""
    membership = _locked_participant(membership)
    _check_shown_leader(membership, leader_id)
    return _relink(membership, None, confirmed_at=None)


def add_background_note(
    *,
    organization: Organization,
    author,
    body: str,
    cohort: Cohort | None = None,
    participant: Membership | None = None,
) -> BackgroundNote:
    """A note about the organization, a cohort of it, or a participant of that
    cohort (not of an archived cohort: docs/lifecycle.md)."""
    body = body.strip()
    if not body:
        raise DomainError(_("A note cannot be empty."), code="empty")
    if cohort is not None:
        lifecycle.check_takes_background_notes(Cohort.objects.get(pk=cohort.pk))
    if cohort is not None and cohort.organization_id != organization.pk:
        raise DomainError(_("That cohort belongs to another organization."), code="foreign")
    if participant is not None and (cohort is None or participant.cohort_id != cohort.pk):
        raise DomainError(_("That person is not in this cohort."), code="foreign")
    return BackgroundNote.objects.create(
        organization=organization,
        cohort=cohort,
        participant=participant,
        body=body,
        author=author,
    )


def _keep_revision(note: BackgroundNote, *, action: str, changed_by) -> None:
    BackgroundNoteRevision.objects.create(
        note=note if action == BackgroundNoteRevision.Action.EDITED else None,
        organization_id=note.organization_id,
        cohort_id=note.cohort_id,
        action=action,
        subject=note.subject[:200],
        body=note.body,
        changed_by=changed_by,
    )


@transaction.atomic
def update_background_note(*, note: BackgroundNote, body: str, changed_by) -> BackgroundNote:
    """Change a note's text, keeping the text it had. Who may is decided by
    `CohortAccess.can_change_note` (HR admins and the note's author)."""
    body = body.strip()
    if not body:
        raise DomainError(_("A note cannot be empty."), code="empty")
    note = BackgroundNote.objects.select_for_update().get(pk=note.pk)
    lifecycle.check_takes_background_notes(note.cohort)
    if body == note.body:
        return note
    _keep_revision(note, action=BackgroundNoteRevision.Action.EDITED, changed_by=changed_by)
    note.body = body
    note.save(update_fields=["body", "updated_at"])
    return note


@transaction.atomic
def delete_background_note(*, note: BackgroundNote, deleted_by) -> None:
    """Delete a note; its last text stays in the organization's history."""
    note = BackgroundNote.objects.select_for_update().get(pk=note.pk)
    lifecycle.check_takes_background_notes(note.cohort)
    _keep_revision(note, action=BackgroundNoteRevision.Action.DELETED, changed_by=deleted_by)
    note.delete()
