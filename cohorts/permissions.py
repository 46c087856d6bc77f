"""The cohorts rule book: what one user is to a cohort or an organization
(facilitator, participant, leader, HR admin), and what that lets them see and do
on cohort pages: the roster, member emails, invitations, leader links and
background notes. The board (board/rules.py) and goals (goals/rules.py) build
their rules on `access_cohort`.

A refusal looks exactly like absence: whether a cohort is missing, belongs to
another organization, or is simply not the user's, every `access_*` of every
rule book raises the same Http404 (`not_found`), so ids reveal nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext

from cohorts.lifecycle import Move, Stage, moves_from, stage_of
from cohorts.models import (
    BackgroundNote,
    BackgroundNoteRevision,
    Cohort,
    Invitation,
    Membership,
    Organization,
    OrganizationMembership,
)


@dataclass(frozen=True)
class CohortAccess:
    """What one user is to one cohort. Built only by `access_cohort`."""

    user: object
    cohort: Cohort
    membership: Membership | None = None
    is_hr_admin: bool = False
    # Participants (membership ids) whose leader this user is.
    led_participant_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_facilitator(self) -> bool:
        return self.membership is not None and self.membership.is_facilitator

    @property
    def is_participant(self) -> bool:
        return self.membership is not None and self.membership.is_participant

    @property
    def is_leader(self) -> bool:
        return bool(self.led_participant_ids)

    @property
    def is_member(self) -> bool:
        """Facilitator or participant: the people in the room."""
        return self.membership is not None

    # Lifecycle (cohorts/lifecycle.py) ----------------------------------------
    @property
    def stage(self) -> Stage:
        """What the cohort's state allows, and the sentence that says it."""
        return stage_of(self.cohort)

    @property
    def is_open_for_work(self) -> bool:
        """Draft or active: goals, check-ins, replies, partners, sessions,
        leader links and the cohort's details may change. Every write
        capability of the three rule books includes it."""
        return self.stage.open_for_work

    @property
    def accepts_invitations(self) -> bool:
        return self.stage.accepts_invitations

    @property
    def can_run_sessions(self) -> bool:
        """A session may start and be live: the cohort is active."""
        return self.stage.runs_sessions

    @property
    def is_archived(self) -> bool:
        return self.cohort.status == Cohort.Status.ARCHIVED

    @property
    def can_change_status(self) -> bool:
        """Move the cohort along its lifecycle: the organization's HR admins,
        who enroll it (docs/lifecycle.md says why not its facilitators)."""
        return self.is_hr_admin

    @property
    def status_moves(self) -> list[Move]:
        """The changes of state this user may make now (the cohort page's buttons)."""
        return moves_from(self.cohort.status) if self.can_change_status else []

    # Enrollment ------------------------------------------------------------
    @property
    def is_manager(self) -> bool:
        """An HR admin or a facilitator: who manages the cohort while it is
        open, and reads its invitations and enrollment pages in any state."""
        return self.is_hr_admin or self.is_facilitator

    @property
    def can_manage(self) -> bool:
        """Edit the cohort, invite, revoke and resend invitations, link leaders."""
        return self.is_manager and self.is_open_for_work

    @property
    def can_view_roster(self) -> bool:
        return self.is_hr_admin or self.is_member

    @property
    def can_see_member_emails(self) -> bool:
        """Email addresses on the roster: the cohort's facilitators and the
        organization's HR admins, never participants or leaders."""
        return self.is_hr_admin or self.is_facilitator

    def can_link_leader_of(self, membership) -> bool:
        """Name or unlink the leader of `membership` (a member of this cohort):
        someone who manages the cohort, for a participant."""
        return self.can_manage and may_have_leader(membership)

    @property
    def can_answer_leader_request(self) -> bool:
        """Confirm or decline the leader someone else named for the user (their
        own participation only)."""
        return (
            self.is_open_for_work
            and self.membership is not None
            and awaits_leader_answer(self.membership)
        )

    @property
    def can_administer_organization(self) -> bool:
        """The organization's own page: its cohorts, people and invitations."""
        return self.is_hr_admin

    @property
    def role_in_room(self) -> str:
        """The user's own place in the room, as the cohort page names it ("" for
        someone outside it: a leader or an HR admin)."""
        if self.is_facilitator:
            return gettext("a facilitator")
        if self.is_participant:
            return gettext("a participant")
        return ""

    @property
    def can_read_background(self) -> bool:
        """Background notes: the cohort's facilitators and the org's HR admins."""
        return self.is_hr_admin or self.is_facilitator

    @property
    def can_write_background(self) -> bool:
        """Add notes: the cohort's facilitators and the org's HR admins, until
        the cohort is archived (closing notes go in while it is completed)."""
        return (self.is_hr_admin or self.is_facilitator) and self.stage.takes_background_notes

    def may_change_note(self, note) -> bool:
        """Whose note it is to change, in any state of the cohort: HR admins',
        and its own author's. A coach adds notes but never rewrites what HR
        told them."""
        return self.is_hr_admin or (self.is_facilitator and note.author_id == self.user.pk)

    def can_change_note(self, note) -> bool:
        """Edit or delete a background note now (`may_change_note`, while the
        cohort takes notes)."""
        return self.stage.takes_background_notes and self.may_change_note(note)

    @property
    def can_read_note_history(self) -> bool:
        """Earlier and deleted versions of notes: HR admins, who keep the record."""
        return self.is_hr_admin

    @property
    def can_view_cohort_dashboard(self) -> bool:
        """The facilitator's dashboard: attendance and check-ins person by
        person, and who has gone quiet. The cohort's facilitators only; HR
        admins and leaders read aggregates, never one person's record."""
        return self.is_facilitator


def not_found() -> Http404:
    """The one refusal of every rule book, for a missing id, another
    organization's object and a forbidden one alike."""
    return Http404("No such page.")


def may_have_leader(membership) -> bool:
    """Only participants have a leader: a coach has none in the cohort."""
    return membership.is_participant


def awaits_leader_answer(membership) -> bool:
    """A participant whose leader was named by someone else and who has not
    confirmed it yet: that leader reads nothing of theirs until then."""
    return (
        may_have_leader(membership)
        and membership.leader_id is not None
        and not membership.leader_is_confirmed
    )


def access_cohort(user, cohort_id) -> CohortAccess:
    """Return what `user` is to the cohort, or raise Http404 if they are nothing.

    Anyone with a relation gets access: a facilitator or participant, an HR
    admin of the cohort's organization, or the leader of one of its participants.
    What each may then see is decided by the properties of CohortAccess.
    """
    if not getattr(user, "is_authenticated", False):
        raise not_found()
    try:
        cohort = Cohort.objects.select_related("organization").get(pk=int(cohort_id))
    except (Cohort.DoesNotExist, TypeError, ValueError):
        raise not_found() from None
    membership = Membership.objects.filter(cohort=cohort, user=user).select_related("user").first()
    is_hr_admin = OrganizationMembership.objects.filter(
        organization_id=cohort.organization_id,
        user=user,
        role=OrganizationMembership.Role.HR_ADMIN,
    ).exists()
    led = frozenset(led_participants(user).filter(cohort=cohort).values_list("pk", flat=True))
    if membership is None and not is_hr_admin and not led:
        raise not_found()
    if not opens_to(cohort, membership=membership, is_hr_admin=is_hr_admin):
        raise not_found()
    return CohortAccess(
        user=user,
        cohort=cohort,
        membership=membership,
        is_hr_admin=is_hr_admin,
        led_participant_ids=led,
    )


def opens_to(cohort, *, membership, is_hr_admin: bool) -> bool:
    """Whether the cohort's pages open to this member or HR admin in its
    state: an archived cohort is put away, read only by those who ran it, its
    facilitators and HR (docs/lifecycle.md)."""
    if stage_of(cohort).open_to_everyone:
        return True
    return is_hr_admin or (membership is not None and membership.is_facilitator)


def leads(user, membership) -> bool:
    """Whether `user` is the confirmed leader of this participant: the one
    object test of what `led_participants` selects."""
    return (
        membership.is_participant
        and membership.leader_id == user.pk
        and membership.leader_confirmed_at is not None
    )


def led_participants(user):
    """The participants, in every cohort, whose leader `user` is.

    Only confirmed links: a leader named by HR or a facilitator is nobody's
    leader until the participant confirms (Membership.leader_confirmed_at).
    """
    return Membership.objects.filter(
        leader=user, role=Membership.Role.PARTICIPANT, leader_confirmed_at__isnull=False
    )


def access_managed_cohort(user, cohort_id) -> CohortAccess:
    """The cohort, for someone who manages it (HR admin or facilitator), in
    any state: whether it may change now is `can_manage`."""
    access = access_cohort(user, cohort_id)
    if not access.is_manager:
        raise not_found()
    return access


def access_organization_admin(user, organization_id) -> Organization:
    """The organization, for one of its HR admins; Http404 for anyone else."""
    if not getattr(user, "is_authenticated", False):
        raise not_found()
    try:
        return Organization.objects.get(
            pk=int(organization_id),
            memberships__user=user,
            memberships__role=OrganizationMembership.Role.HR_ADMIN,
        )
    except (Organization.DoesNotExist, TypeError, ValueError):
        raise not_found() from None


def is_hr_admin_of(user, organization_id) -> bool:
    return OrganizationMembership.objects.filter(
        organization_id=organization_id, user=user, role=OrganizationMembership.Role.HR_ADMIN
    ).exists()


def administered_organizations(user):
    """The organizations `user` is an HR admin of (their organization pages)."""
    return Organization.objects.filter(
        memberships__user=user, memberships__role=OrganizationMembership.Role.HR_ADMIN
    )


# Dashboards of aggregates (insight) ------------------------------------------


def dashboard_organizations(user):
    """The organizations whose dashboard `user` reads on their home page: those
    they are an HR admin of. It holds their cohorts' aggregates, never a word a
    participant wrote nor a figure about one person."""
    return administered_organizations(user)


def access_cohort_dashboard(user, cohort_id) -> CohortAccess:
    """A cohort's dashboard (and its exports), for its facilitators."""
    access = access_cohort(user, cohort_id)
    if not access.can_view_cohort_dashboard:
        raise not_found()
    return access


def access_organization_dashboard(user, organization_id) -> Organization:
    """An organization's dashboard (and its export), for one of its HR admins."""
    return access_organization_admin(user, organization_id)


def shows_rates_to_hr(participant_count: int) -> bool:
    """Whether HR admins see a cohort's rates and goal counts: not below
    INSIGHT_MIN_PARTICIPANTS participants, where a rate points at a person."""
    return participant_count >= settings.INSIGHT_MIN_PARTICIPANTS


# Enrollment: roster, invitations, background notes --------------------------


def access_roster(user, cohort_id) -> CohortAccess:
    """The cohort's roster, for its facilitators, participants and HR admins.

    A leader reaches the cohort page through their participant but not the
    roster: who else is coached is not theirs to know.
    """
    access = access_cohort(user, cohort_id)
    if not access.can_view_roster:
        raise not_found()
    return access


def access_cohort_membership(access: CohortAccess, membership_id) -> Membership:
    """A membership of the cohort `access` is about; Http404 for any other id."""
    try:
        return Membership.objects.select_related("user", "leader").get(
            pk=int(membership_id), cohort=access.cohort
        )
    except (Membership.DoesNotExist, TypeError, ValueError):
        raise not_found() from None


def access_own_participation(user, cohort_id, membership_id) -> CohortAccess:
    """The user's own participant membership, to confirm or decline the leader
    named for them; Http404 for anyone else's, the cohort's managers included."""
    access = access_cohort(user, cohort_id)
    try:
        own = access.is_participant and access.membership.pk == int(membership_id)
    except (TypeError, ValueError):
        own = False
    if not own:
        raise not_found()
    return access


def access_cohort_invitation(access: CohortAccess, invitation_id):
    """An invitation to the cohort, for someone who manages it."""
    if not access.is_manager:
        raise not_found()
    try:
        return Invitation.objects.select_related("cohort").get(
            pk=int(invitation_id), cohort=access.cohort
        )
    except (Invitation.DoesNotExist, TypeError, ValueError):
        raise not_found() from None


def access_background(user, cohort_id) -> CohortAccess:
    """Background notes of a cohort: its facilitators and the org's HR admins only."""
    access = access_cohort(user, cohort_id)
    if not access.can_read_background:
        raise not_found()
    return access


def background_notes_for_cohort(access: CohortAccess):
    """The notes a cohort's coach works with: about the organization, the cohort,
    or one of its participants. Call only with an access from `access_background`."""
    assert access.can_read_background
    cohort = access.cohort
    return (
        BackgroundNote.objects.with_edited()
        .filter(organization_id=cohort.organization_id)
        .filter(Q(cohort__isnull=True) | Q(cohort=cohort))
        .select_related("author", "cohort", "participant__user")
    )


def access_background_note(user, cohort_id, note_id) -> tuple[CohortAccess, BackgroundNote]:
    """One note seen from a cohort's notes page, for someone whose note it is
    to change (`CohortAccess.may_change_note`; whether the cohort's state lets
    it change now is `can_change_note`)."""
    access = access_background(user, cohort_id)
    try:
        note = background_notes_for_cohort(access).get(pk=int(note_id))
    except (BackgroundNote.DoesNotExist, TypeError, ValueError):
        raise not_found() from None
    if not access.may_change_note(note):
        raise not_found()
    return access, note


def background_note_revisions(*, organization_id: int, cohort_id: int | None = None):
    """The recorded earlier states of an organization's notes (with cohort_id,
    of those seen from that cohort's notes page: its own and the organization's).
    For HR admins only (`can_read_note_history`)."""
    revisions = BackgroundNoteRevision.objects.filter(organization_id=organization_id)
    if cohort_id is not None:
        revisions = revisions.filter(Q(cohort__isnull=True) | Q(cohort_id=cohort_id))
    else:
        revisions = revisions.filter(cohort__isnull=True)
    return revisions.select_related("changed_by")


def access_organization_note(
    user, organization_id, note_id
) -> tuple[Organization, BackgroundNote]:
    """A note about the organization itself, for one of its HR admins."""
    organization = access_organization_admin(user, organization_id)
    try:
        note = BackgroundNote.objects.get(
            pk=int(note_id), organization=organization, cohort__isnull=True
        )
    except (BackgroundNote.DoesNotExist, TypeError, ValueError):
        raise not_found() from None
    return organization, note
