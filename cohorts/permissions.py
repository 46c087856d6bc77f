"""Who may see and do what: every rule lives here, used by every view and consumer.

A refusal looks exactly like absence: whether a cohort is missing, belongs to
another organization, or is simply not the user's, the caller gets the same
Http404, so ids reveal nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Q
from django.http import Http404

from cohorts.models import (
    BackgroundNote,
    BackgroundNoteRevision,
    Cohort,
    Membership,
    Organization,
    OrganizationMembership,
)
from lib.sql import marks


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

    # Enrollment ------------------------------------------------------------
    @property
    def can_manage(self) -> bool:
        """Edit the cohort, invite, revoke and resend invitations, link leaders."""
        return self.is_hr_admin or self.is_facilitator

    @property
    def can_view_roster(self) -> bool:
        return self.is_hr_admin or self.is_member

    @property
    def can_read_background(self) -> bool:
        """Background notes: the cohort's facilitators and the org's HR admins."""
        return self.is_hr_admin or self.is_facilitator

    @property
    def can_write_background(self) -> bool:
        return self.is_hr_admin or self.is_facilitator

    def can_change_note(self, note) -> bool:
        """Edit or delete a background note: HR admins, and its own author.
        A coach adds notes but never rewrites what HR told them."""
        return self.is_hr_admin or (self.can_write_background and note.author_id == self.user.pk)

    @property
    def can_read_note_history(self) -> bool:
        """Earlier and deleted versions of notes: HR admins, who keep the record."""
        return self.is_hr_admin


def _not_found() -> Http404:
    return Http404("No such page.")


def access_cohort(user, cohort_id) -> CohortAccess:
    """Return what `user` is to the cohort, or raise Http404 if they are nothing.

    Anyone with a relation gets access: a facilitator or participant, an HR
    admin of the cohort's organization, or the leader of one of its participants.
    What each may then see is decided by the properties of CohortAccess.
    """
    if not getattr(user, "is_authenticated", False):
        raise _not_found()
    try:
        cohort = Cohort.objects.select_related("organization").get(pk=int(cohort_id))
    except (Cohort.DoesNotExist, TypeError, ValueError):
        raise _not_found() from None
    membership = Membership.objects.filter(cohort=cohort, user=user).select_related("user").first()
    is_hr_admin = OrganizationMembership.objects.filter(
        organization_id=cohort.organization_id,
        user=user,
        role=OrganizationMembership.Role.HR_ADMIN,
    ).exists()
    # Only confirmed links: a leader named by HR or a facilitator is nobody's
    # leader until the participant confirms (Membership.leader_confirmed_at).
    led = frozenset(
        Membership.objects.filter(
            cohort=cohort,
            leader=user,
            role=Membership.Role.PARTICIPANT,
            leader_confirmed_at__isnull=False,
        ).values_list("pk", flat=True)
    )
    if membership is None and not is_hr_admin and not led:
        raise _not_found()
    return CohortAccess(
        user=user,
        cohort=cohort,
        membership=membership,
        is_hr_admin=is_hr_admin,
        led_participant_ids=led,
    )


def access_managed_cohort(user, cohort_id) -> CohortAccess:
    """The cohort, for someone who may manage it (HR admin or facilitator)."""
    access = access_cohort(user, cohort_id)
    if not access.can_manage:
        raise _not_found()
    return access


def access_organization_admin(user, organization_id) -> Organization:
    """The organization, for one of its HR admins; Http404 for anyone else."""
    if not getattr(user, "is_authenticated", False):
        raise _not_found()
    try:
        return Organization.objects.get(
            pk=int(organization_id),
            memberships__user=user,
            memberships__role=OrganizationMembership.Role.HR_ADMIN,
        )
    except (Organization.DoesNotExist, TypeError, ValueError):
        raise _not_found() from None


def is_hr_admin_of(user, organization_id) -> bool:
    return OrganizationMembership.objects.filter(
        organization_id=organization_id, user=user, role=OrganizationMembership.Role.HR_ADMIN
    ).exists()


# Enrollment: roster, invitations, background notes --------------------------


def access_roster(user, cohort_id) -> CohortAccess:
    """The cohort's roster, for its facilitators, participants and HR admins.

    A leader reaches the cohort page through their participant but not the
    roster: who else is coached is not theirs to know.
    """
    access = access_cohort(user, cohort_id)
    if not access.can_view_roster:
        raise _not_found()
    return access


def access_cohort_membership(access: CohortAccess, membership_id) -> Membership:
    """A membership of the cohort `access` is about; Http404 for any other id."""
    try:
        return Membership.objects.select_related("user", "leader").get(
            pk=int(membership_id), cohort=access.cohort
        )
    except (Membership.DoesNotExist, TypeError, ValueError):
        raise _not_found() from None


def access_own_participation(user, cohort_id, membership_id) -> CohortAccess:
    """The user's own participant membership, to confirm or decline the leader
    named for them; Http404 for anyone else's, the cohort's managers included."""
    access = access_cohort(user, cohort_id)
    try:
        own = access.is_participant and access.membership.pk == int(membership_id)
    except (TypeError, ValueError):
        own = False
    if not own:
        raise _not_found()
    return access


def access_cohort_invitation(access: CohortAccess, invitation_id):
    """An invitation to the cohort, for someone who may manage it."""
    from accounts.models import Invitation  # accounts imports cohorts: avoid a cycle

    if not access.can_manage:
        raise _not_found()
    try:
        return Invitation.objects.select_related("cohort").get(
            pk=int(invitation_id), cohort=access.cohort
        )
    except (Invitation.DoesNotExist, TypeError, ValueError):
        raise _not_found() from None


def access_background(user, cohort_id) -> CohortAccess:
    """Background notes of a cohort: its facilitators and the org's HR admins only."""
    access = access_cohort(user, cohort_id)
    if not access.can_read_background:
        raise _not_found()
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
    """One note seen from a cohort's notes page, for someone who may change it
    (`CohortAccess.can_change_note`)."""
    access = access_background(user, cohort_id)
    try:
        note = background_notes_for_cohort(access).get(pk=int(note_id))
    except (BackgroundNote.DoesNotExist, TypeError, ValueError):
        raise _not_found() from None
    if not access.can_change_note(note):
        raise _not_found()
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
        raise _not_found() from None
    return organization, note


# Goals, check-ins and partners (owner: goals app) ----------------------------
#
# docs/confidentiality.md, "Who sees what":
#   personal goal, private           facilitators, the author
#   personal goal, shared w/ cohort  facilitators, the author, other participants
#   personal goal, shared w/ leader  facilitators, the author, the author's leader,
#                                    other participants only if the cohort's flag is on
#   check-in                         facilitators, the author, the author's partners
#                                    (the whole cohort's participants when shared so)
# Shared cohort goals are the cohort's: its facilitators and participants.
# Replies follow their check-in; progress and milestones follow their goal.
# Co-creation comments are between the author and the facilitators; leader
# encouragement and alignment notes are also the author's leader's while the
# goal is shared with them. HR admins see none of this, nor does anyone else.


def access_goals(user, cohort_id) -> CohortAccess:
    """Goal pages: the cohort's members and the leaders of its participants.

    HR admins get the same 404 as strangers: they see counts elsewhere, never
    goals.
    """
    access = access_cohort(user, cohort_id)
    if not (access.is_member or access.is_leader):
        raise _not_found()
    return access


def access_checkins(user, cohort_id) -> CohortAccess:
    """Check-in pages and the cohort stream: the cohort's facilitators and
    participants only (a leader never reads check-ins)."""
    access = access_cohort(user, cohort_id)
    if not access.is_member:
        raise _not_found()
    return access


def access_cohort_facilitation(user, cohort_id) -> CohortAccess:
    """Partner groups and the check-in rhythm: the cohort's facilitators."""
    access = access_cohort(user, cohort_id)
    if not access.is_facilitator:
        raise _not_found()
    return access


def participants_see_leader_goals(cohort) -> bool:
    from goals.models import CohortRhythm  # goals imports cohorts: avoid a cycle

    return CohortRhythm.objects.filter(cohort=cohort, participants_see_leader_goals=True).exists()


def visible_goals(access: CohortAccess):
    """The goals of the access's cohort that its user may read."""
    from goals.models import Goal

    goals = Goal.objects.filter(cohort=access.cohort)
    if access.is_facilitator:
        return goals
    allowed = Q(pk__in=[])
    if access.is_participant:
        allowed |= Q(kind=Goal.Kind.SHARED) | Q(owner=access.membership)
        allowed |= Q(kind=Goal.Kind.PERSONAL, visibility=Goal.Visibility.COHORT)
        if participants_see_leader_goals(access.cohort):
            allowed |= Q(kind=Goal.Kind.PERSONAL, visibility=Goal.Visibility.LEADER)
    if access.led_participant_ids:
        allowed |= Q(
            kind=Goal.Kind.PERSONAL,
            visibility=Goal.Visibility.LEADER,
            owner_id__in=access.led_participant_ids,
        )
    return goals.filter(allowed)


def access_goal(user, cohort_id, goal_id):
    """(access, goal) for someone who may read the goal; Http404 otherwise."""
    from django.core.exceptions import ObjectDoesNotExist

    access = access_goals(user, cohort_id)
    try:
        goal = (
            visible_goals(access)
            .select_related("owner__user", "owner__leader", "cohort")
            .get(pk=int(goal_id))
        )
    except (ObjectDoesNotExist, TypeError, ValueError):
        raise _not_found() from None
    return access, goal


def is_goal_author(access: CohortAccess, goal) -> bool:
    return (
        goal.is_personal
        and access.membership is not None
        and (goal.owner_id == access.membership.pk)
    )


def is_goal_leader(access: CohortAccess, goal) -> bool:
    """The goal's author's leader, while the goal is shared with them."""
    from goals.models import Goal

    return (
        goal.is_personal
        and goal.visibility == Goal.Visibility.LEADER
        and goal.owner_id in access.led_participant_ids
    )


def can_edit_goal(access: CohortAccess, goal) -> bool:
    if goal.is_shared:
        return access.is_facilitator
    return access.is_facilitator or is_goal_author(access, goal)


def can_agree_goal(access: CohortAccess, goal) -> bool:
    return goal.is_personal and goal.is_draft and can_edit_goal(access, goal)


def can_set_goal_visibility(access: CohortAccess, goal) -> bool:
    """Only the author decides who reads their goal."""
    return is_goal_author(access, goal)


def can_post_progress(access: CohortAccess, goal) -> bool:
    """Any member on a shared goal; the author and facilitators on a personal one."""
    if goal.is_shared:
        return access.is_member
    return access.is_facilitator or is_goal_author(access, goal)


def can_comment_goal(access: CohortAccess, goal) -> bool:
    return goal.is_personal and (access.is_facilitator or is_goal_author(access, goal))


def can_encourage_goal(access: CohortAccess, goal) -> bool:
    return is_goal_leader(access, goal)


def can_record_alignment(access: CohortAccess, goal) -> bool:
    """Coach, participant or leader, on a goal shared with a linked leader."""
    from goals.models import Goal

    if not (goal.is_personal and goal.visibility == Goal.Visibility.LEADER):
        return False
    if not goal.owner.leader_is_confirmed:
        return False
    return access.is_facilitator or is_goal_author(access, goal) or is_goal_leader(access, goal)


def can_write_goal_note(access: CohortAccess, goal) -> bool:
    """Any of the three kinds of note (the service checks the kind)."""
    return (
        can_comment_goal(access, goal)
        or can_encourage_goal(access, goal)
        or can_record_alignment(access, goal)
    )


def can_tie_commitment(access: CohortAccess, goal) -> bool:
    """A participant ties their own session commitments to their goal, or to a
    shared goal."""
    if goal.is_shared:
        return access.is_participant
    return is_goal_author(access, goal)


def visible_goal_note_kinds(access: CohortAccess, goal) -> list[str]:
    from goals.models import GoalNote

    if goal.is_shared:
        return []
    if access.is_facilitator or is_goal_author(access, goal):
        return list(GoalNote.Kind.values)
    if is_goal_leader(access, goal):
        return [GoalNote.Kind.ENCOURAGEMENT, GoalNote.Kind.ALIGNMENT]
    return []


def visible_goal_notes(access: CohortAccess, goal):
    """Call only with a goal from `access_goal` or `visible_goals`."""
    return goal.notes.filter(kind__in=visible_goal_note_kinds(access, goal)).select_related(
        "author"
    )


def goal_reader_ids(goal) -> set[int]:
    """Every user who may read `goal` now: the audience of its live events."""
    from goals.models import Goal

    members = Membership.objects.filter(cohort_id=goal.cohort_id)
    facilitators = set(
        members.filter(role=Membership.Role.FACILITATOR).values_list("user_id", flat=True)
    )
    participants = set(
        members.filter(role=Membership.Role.PARTICIPANT).values_list("user_id", flat=True)
    )
    if goal.is_shared:
        return facilitators | participants
    readers = facilitators | {goal.owner.user_id}
    if goal.visibility == Goal.Visibility.COHORT:
        readers |= participants
    elif goal.visibility == Goal.Visibility.LEADER:
        if goal.owner.leader_is_confirmed:
            readers.add(goal.owner.leader_id)
        if participants_see_leader_goals(goal.cohort):
            readers |= participants
    return readers


def visible_checkins(access: CohortAccess):
    """The check-ins of the access's cohort that its user may read."""
    from django.db.models import Exists, OuterRef

    from goals.models import CheckIn, PartnerSlot

    checkins = CheckIn.objects.filter(cohort=access.cohort)
    if access.is_facilitator:
        return checkins
    if not access.is_participant:
        return checkins.none()
    # Partners are those of the round in force when the check-in was written.
    same_group = PartnerSlot.objects.filter(
        round=OuterRef("partner_round"),
        membership=access.membership,
        group__slots__membership=OuterRef("author"),
    )
    return checkins.filter(
        Q(author=access.membership) | Q(shared_with_cohort=True) | Exists(same_group)
    )


def access_checkin(user, cohort_id, checkin_id):
    """(access, check-in) for someone who may read it; Http404 otherwise."""
    from django.core.exceptions import ObjectDoesNotExist

    access = access_checkins(user, cohort_id)
    try:
        checkin = (
            visible_checkins(access)
            .select_related("author__user", "cohort")
            .get(pk=int(checkin_id))
        )
    except (ObjectDoesNotExist, TypeError, ValueError):
        raise _not_found() from None
    return access, checkin


def visible_checkin_progress(access: CohortAccess, checkin):
    """The progress a check-in reports that `access` may read: figures and
    milestones of the goals in `visible_goals(access)` only. Who reads a
    check-in is not who reads each of its author's goals (a private or
    leader-only goal reported in a check-in shared with partners)."""
    return checkin.progress.filter(goal__in=visible_goals(access))


def checkin_partner_ids(checkin) -> set[int]:
    """Membership ids of the author's partners in the check-in's round."""
    from goals.models import PartnerSlot

    if checkin.partner_round_id is None:
        return set()
    group = PartnerSlot.objects.filter(
        round_id=checkin.partner_round_id, membership_id=checkin.author_id
    ).values("group_id")
    return set(
        PartnerSlot.objects.filter(group_id__in=group)
        .exclude(membership_id=checkin.author_id)
        .values_list("membership_id", flat=True)
    )


def can_reply_checkin(access: CohortAccess, checkin) -> bool:
    """The author, their partners and the facilitators answer in the thread."""
    if access.is_facilitator:
        return True
    if not access.is_participant:
        return False
    return access.membership.pk == checkin.author_id or (
        access.membership.pk in checkin_partner_ids(checkin)
    )


def checkin_reader_ids(checkin) -> set[int]:
    """Every user who may read `checkin` (and its replies): its live audience."""
    members = Membership.objects.filter(cohort_id=checkin.cohort_id)
    readers = set(
        members.filter(role=Membership.Role.FACILITATOR).values_list("user_id", flat=True)
    )
    if checkin.shared_with_cohort:
        readers |= set(
            members.filter(role=Membership.Role.PARTICIPANT).values_list("user_id", flat=True)
        )
    else:
        partners = checkin_partner_ids(checkin) | {checkin.author_id}
        readers |= set(members.filter(pk__in=partners).values_list("user_id", flat=True))
    return readers


# Session board: sessions, agendas, the live board, summaries ----------------


@dataclass(frozen=True)
class SessionAccess:
    """What one member of the cohort is to one of its sessions. Built only here
    (`access_session` and the rechecks); only facilitators and participants
    ever get one."""

    user: object
    session: object  # board.models.CohortSession, with its cohort
    membership: Membership

    @property
    def is_facilitator(self) -> bool:
        return self.membership.is_facilitator

    @property
    def is_participant(self) -> bool:
        return self.membership.is_participant

    @property
    def can_run(self) -> bool:
        """Start and end, move phases, timer, spotlight, hide, lock, edit the agenda."""
        return self.is_facilitator

    @property
    def can_post_while_locked(self) -> bool:
        return self.is_facilitator

    def can_see_reflection(self, reflection) -> bool:
        """Hidden reflections vanish for participants, their authors included."""
        if reflection.deleted_at is not None or reflection.session_id != self.session.pk:
            return False
        return not reflection.hidden or self.is_facilitator

    def can_change_reflection(self, reflection) -> bool:
        """Edit or delete: only the author, whatever their role."""
        return reflection.author_id == self.membership.pk

    def can_see_commitment(self, commitment) -> bool:
        return self.is_facilitator or commitment.author_id == self.membership.pk

    @property
    def can_see_all_attendance(self) -> bool:
        """Facilitators see who attended; a participant sees only their own."""
        return self.is_facilitator


def _board_membership(user, session):
    # order_by(): the model's default order joins users, for nothing here.
    return (
        Membership.objects.filter(cohort_id=session.cohort_id, user=user)
        .select_related("user")
        .order_by()
        .first()
    )


def access_session(user, session_id) -> SessionAccess:
    """A session and its board, for the cohort's facilitators and participants.

    Leaders, HR admins and everyone else get the same Http404 as for a session
    that does not exist.
    """
    from board.models import CohortSession  # board imports cohorts: avoid a cycle

    if not getattr(user, "is_authenticated", False):
        raise _not_found()
    try:
        session = CohortSession.objects.select_related("cohort__organization").get(
            pk=int(session_id)
        )
    except (CohortSession.DoesNotExist, TypeError, ValueError):
        raise _not_found() from None
    membership = _board_membership(user, session)
    if membership is None:
        raise _not_found()
    return SessionAccess(user=user, session=session, membership=membership)


def recheck_session_accesses(accesses) -> list[SessionAccess | None]:
    """Each open board socket's access as it stands now, in one light query:
    None when its user has left the cohort; the same access when nothing
    changed; else one rebuilt with their current membership (a role changed,
    or they left and joined again). Sessions never change cohort and are
    deleted only with it, so the membership alone decides."""
    if not accesses:
        return []
    current = _memberships_of(
        {access.user.pk for access in accesses}, {access.session.cohort_id for access in accesses}
    )
    found = []
    for access in accesses:
        now = current.get((access.user.pk, access.session.cohort_id))
        if now is None:
            found.append(None)
        elif now == (access.membership.pk, access.membership.role):
            found.append(access)
        else:
            membership = Membership.objects.select_related("user").get(pk=now[0])
            found.append(
                SessionAccess(user=access.user, session=access.session, membership=membership)
            )
    return found


def _memberships_of(user_ids, cohort_ids) -> dict[tuple, tuple]:
    """(membership id, role) by (user id, cohort id). Plain SQL: this runs
    before every batch of board frames (lib/sql.py says why)."""
    users, cohorts = sorted(user_ids), sorted(cohort_ids)
    table = connection.ops.quote_name(Membership._meta.db_table)
    query = (
        f"SELECT user_id, cohort_id, id, role FROM {table}"  # noqa: S608 (a quoted table name and placeholders only)
        f" WHERE user_id IN ({marks(users)}) AND cohort_id IN ({marks(cohorts)})"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, [*users, *cohorts])
        return {(user_id, cohort_id): (pk, role) for user_id, cohort_id, pk, role in cursor}


def recheck_session_access(access) -> SessionAccess:
    """`access` as it stands now, before a board frame runs (PermissionDenied
    once its user has left the cohort)."""
    [found] = recheck_session_accesses([access])
    if found is None:
        raise PermissionDenied
    return found


def access_session_management(user, session_id) -> SessionAccess:
    """A session, for one of its cohort's facilitators (agenda, start, end)."""
    access = access_session(user, session_id)
    if not access.can_run:
        raise _not_found()
    return access


def access_session_scheduling(user, cohort_id) -> CohortAccess:
    """A cohort, for one of its facilitators, who schedule its sessions and own
    agenda templates."""
    access = access_cohort(user, cohort_id)
    if not access.is_facilitator:
        raise _not_found()
    return access


def can_see_sessions(access: CohortAccess) -> bool:
    """The cohort's sessions are listed for the people in the room only."""
    return access.is_member


def access_agenda_template(user, template_id, *, organization_id):
    """A saved agenda template: only its owner, only in the organization it was
    saved in (nothing crosses organizations)."""
    from board.models import AgendaTemplate

    try:
        return AgendaTemplate.objects.get(
            pk=int(template_id), owner=user, organization_id=organization_id
        )
    except (AgendaTemplate.DoesNotExist, TypeError, ValueError):
        raise _not_found() from None
