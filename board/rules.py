"""The session board's rule book: who may see and do what with sessions,
agendas, agenda templates, the live board and its summary.

Only a cohort's facilitators and participants ever get a SessionAccess.
Everyone else (leaders, HR admins, strangers) gets the same Http404 as for a
session that does not exist (`cohorts.permissions.not_found`).

What a page or a snapshot shows and who receives a live event come from one
predicate per kind of item: `reflection_audience` and `commitment_audience`
say who an item is for, in the terms its events are addressed in; services
address the item's events with them, and `SessionAccess.can_see_reflection`
and `can_see_commitment` ask whether the access is in that audience. The
board, its events, a resume and the summary cannot drift apart.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied

from board import queries
from board.models import AgendaTemplate, CohortSession
from board.stream import BOARD, EVERYONE, FACILITATORS, NOBODY, Addressed
from cohorts import permissions
from cohorts.lifecycle import Stage, stage_of
from cohorts.models import Membership
from cohorts.permissions import CohortAccess, access_cohort, not_found
from realtime import streams

# Who an item is for ---------------------------------------------------------


def reflection_audience(reflection) -> Addressed:
    """Everyone on the board; only the facilitators once it is hidden (its
    author included: hidden means gone for participants); nobody once deleted.
    A reaction count follows its reflection."""
    if reflection.deleted_at is not None:
        return NOBODY
    return FACILITATORS if reflection.hidden else EVERYONE


def commitment_audience(commitment) -> Addressed:
    """The facilitators and the commitment's author. Needs `commitment.author`
    (select it with the commitment)."""
    return Addressed(FACILITATORS.audience, (commitment.author.user_id,))


# Sessions of a cohort (CohortAccess) ---------------------------------------


def can_see_sessions(access: CohortAccess) -> bool:
    """The cohort's sessions are listed for the people in the room only."""
    return access.is_member


def access_sessions(user, cohort_id) -> CohortAccess:
    """A cohort's list of sessions, for the people in the room (`can_see_sessions`)."""
    access = access_cohort(user, cohort_id)
    if not can_see_sessions(access):
        raise not_found()
    return access


def can_schedule_sessions(access: CohortAccess) -> bool:
    """The cohort's facilitators schedule its sessions and own agenda
    templates, while the cohort is open (a draft plans ahead)."""
    return access.is_facilitator and access.is_open_for_work


def access_session_scheduling(user, cohort_id) -> CohortAccess:
    """A cohort, for one of its facilitators, in any state: whether it takes
    new sessions now is `can_schedule_sessions`."""
    access = access_cohort(user, cohort_id)
    if not access.is_facilitator:
        raise not_found()
    return access


def access_agenda_template(user, template_id, *, organization_id) -> AgendaTemplate:
    """A saved agenda template: only its owner, only in the organization it was
    saved in (nothing crosses organizations)."""
    try:
        return AgendaTemplate.objects.get(
            pk=int(template_id), owner=user, organization_id=organization_id
        )
    except (AgendaTemplate.DoesNotExist, TypeError, ValueError):
        raise not_found() from None


# One session (SessionAccess) ------------------------------------------------


@dataclass(frozen=True)
class SessionAccess:
    """What one member of the cohort is to one of its sessions. Built only
    here (`access_session` and the rechecks). Cheap: the board rechecks it
    before every batch of frames."""

    user: object
    session: CohortSession  # with its cohort
    membership: Membership

    @property
    def is_facilitator(self) -> bool:
        return self.membership.is_facilitator

    @property
    def is_participant(self) -> bool:
        return self.membership.is_participant

    @functools.cached_property
    def recipient(self) -> streams.Recipient:
        """This member as a recipient of the board's events."""
        return streams.recipient(
            BOARD, self.session.pk, user_id=self.user.pk, is_facilitator=self.is_facilitator
        )

    def receives(self, addressed: Addressed) -> bool:
        """Whether an event addressed so reaches this member."""
        return streams.is_for(addressed.audience, addressed.user_ids, self.recipient)

    # Running the session -------------------------------------------------
    @property
    def stage(self) -> Stage:
        """What the cohort's state allows (cohorts/lifecycle.py), as read
        with the session."""
        return stage_of(self.session.cohort)

    @property
    def can_run(self) -> bool:
        """Start and end, move phases, timer, spotlight, hide, lock, edit the
        session's details and its agenda, save it as a template: the
        facilitators, while the cohort is open (draft or active)."""
        return self.is_facilitator and self.stage.open_for_work

    @property
    def can_start(self) -> bool:
        """Open the board: only in an active cohort (a draft plans ahead)."""
        return self.can_run and self.stage.runs_sessions

    @property
    def can_cancel(self) -> bool:
        """Cancel a session that has not started (and the rest of its series):
        whoever runs the session."""
        return self.can_run

    @property
    def can_open_board(self) -> bool:
        """A cancelled session has no board to join: its page says so."""
        return not self.session.is_cancelled

    @property
    def can_post_while_locked(self) -> bool:
        return self.is_facilitator

    @property
    def is_asked_for_commitments(self) -> bool:
        """The board offers the commitment form to participants; a facilitator
        may add one too (docs/realtime-protocol.md) but is not asked."""
        return self.is_participant

    # What the board shows -----------------------------------------------
    def can_see_reflection(self, reflection) -> bool:
        """A reflection of this board, in its audience (`reflection_audience`)."""
        return reflection.session_id == self.session.pk and self.receives(
            reflection_audience(reflection)
        )

    @property
    def can_see_hidden_reflections(self) -> bool:
        """Hidden reflections stay on this member's board, marked (they are in
        a hidden reflection's audience, `reflection_audience`)."""
        return self.receives(FACILITATORS)

    def can_change_reflection(self, reflection) -> bool:
        """Edit or delete: only the author, whatever their role."""
        return reflection.author_id == self.membership.pk

    def can_see_commitment(self, commitment) -> bool:
        """A commitment of this board, in its audience (`commitment_audience`)."""
        return commitment.session_id == self.session.pk and self.receives(
            commitment_audience(commitment)
        )

    @property
    def can_see_all_commitments(self) -> bool:
        """Everyone's commitments (with their authors), not only one's own."""
        return self.receives(FACILITATORS)

    @property
    def can_see_all_attendance(self) -> bool:
        """Facilitators see who attended; a participant sees only their own."""
        return self.is_facilitator


def can_read_attendance_of(user, membership) -> bool:
    """Whose attendance (attended of held sessions) a person reads on their own
    pages: their own, and that of a participant who confirmed them as leader.
    (Facilitators read everyone's in their cohort: `can_see_all_attendance`.)"""
    return membership.user_id == user.pk or permissions.leads(user, membership)


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
    if not getattr(user, "is_authenticated", False):
        raise not_found()
    try:
        session = CohortSession.objects.select_related("cohort__organization").get(
            pk=int(session_id)
        )
    except (CohortSession.DoesNotExist, TypeError, ValueError):
        raise not_found() from None
    membership = _board_membership(user, session)
    if membership is None:
        raise not_found()
    # HR admins never reach a board: only the members' state rule applies.
    if not permissions.opens_to(session.cohort, membership=membership, is_hr_admin=False):
        raise not_found()
    return SessionAccess(user=user, session=session, membership=membership)


def access_session_management(user, session_id) -> SessionAccess:
    """A session, for one of its cohort's facilitators (agenda, start, end),
    in any state of the cohort: whether it may change now is `can_run`."""
    access = access_session(user, session_id)
    if not access.is_facilitator:
        raise not_found()
    return access


def recheck_session_accesses(accesses) -> list[SessionAccess | None]:
    """Each open board socket's access as it stands now, in one light query:
    None when its user has left the cohort; the same access when nothing
    changed; else one rebuilt with their current membership (a role changed,
    or they left and joined again). Sessions never change cohort and are
    deleted only with it, so the membership alone decides."""
    if not accesses:
        return []
    current = queries.memberships_of(
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


def recheck_session_access(access) -> SessionAccess:
    """`access` as it stands now, before a board frame runs (PermissionDenied
    once its user has left the cohort)."""
    [found] = recheck_session_accesses([access])
    if found is None:
        raise PermissionDenied
    return found
