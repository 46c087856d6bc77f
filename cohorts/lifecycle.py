"""A cohort's lifecycle: draft → active → completed → archived.

Each state says what it allows (`Stage`); `MOVES` lists the changes of state
there are. The rule book (`cohorts.permissions.CohortAccess`) turns a stage
into capabilities, and the services of every app refuse a write with
`closed_error` when the cohort's stage does not allow it, so a page, a form
and a websocket frame all get the same sentence.

docs/lifecycle.md says what each state allows and why.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cohorts.models import Cohort
from lib.errors import DomainError

Status = Cohort.Status


@dataclass(frozen=True)
class Stage:
    """What a cohort in one state allows."""

    status: str
    # Shown on the cohort page: what this state allows, in one sentence.
    sentence: Promise
    # Goals, check-ins, replies, partners, sessions, leader links, the
    # cohort's own details: the cohort's work, open in draft and active.
    open_for_work: bool
    accepts_invitations: bool
    # A session may start and be live.
    runs_sessions: bool
    # Background notes may be added and changed (see docs/lifecycle.md).
    takes_background_notes: bool
    # Everyone who belongs to it finds it (an archived cohort is put away:
    # only the organization's HR admins and its facilitators open it).
    open_to_everyone: bool
    # Why a write is refused, when one is (an active cohort refuses none).
    closed_message: Promise | None = None

    def refusal(self) -> DomainError:
        """The refusal of a write that this state does not allow."""
        return DomainError(self.closed_message, code="cohort_closed")


STAGES = {
    Status.DRAFT: Stage(
        status=Status.DRAFT,
        sentence=_(
            "Draft: invitations can go out and sessions can be planned; sessions cannot "
            "start until the cohort is active."
        ),
        open_for_work=True,
        accepts_invitations=True,
        runs_sessions=False,
        takes_background_notes=True,
        open_to_everyone=True,
        closed_message=_(
            "This cohort is still a draft: sessions cannot start until an HR admin "
            "makes it active."
        ),
    ),
    Status.ACTIVE: Stage(
        status=Status.ACTIVE,
        sentence=_("Active: sessions run, and goals, check-ins and invitations are open."),
        open_for_work=True,
        accepts_invitations=True,
        runs_sessions=True,
        takes_background_notes=True,
        open_to_everyone=True,
    ),
    Status.COMPLETED: Stage(
        status=Status.COMPLETED,
        sentence=_(
            "Completed: everything stays readable, and nothing changes any more "
            "(background notes aside)."
        ),
        open_for_work=False,
        accepts_invitations=False,
        runs_sessions=False,
        takes_background_notes=True,
        open_to_everyone=True,
        closed_message=_("This cohort is completed: it is read-only, and nothing was changed."),
    ),
    Status.ARCHIVED: Stage(
        status=Status.ARCHIVED,
        sentence=_(
            "Archived: read-only, and listed only on the organization's page for its HR admins."
        ),
        open_for_work=False,
        accepts_invitations=False,
        runs_sessions=False,
        takes_background_notes=False,
        open_to_everyone=False,
        closed_message=_("This cohort is archived: it is read-only, and nothing was changed."),
    ),
}


def stage_of(cohort: Cohort) -> Stage:
    return STAGES[cohort.status]


# The states whose work may still change (draft, active): for filtering rows.
OPEN_STATUSES = tuple(status for status, stage in STAGES.items() if stage.open_for_work)


@dataclass(frozen=True)
class Move:
    """One allowed change of state, as the cohort page offers it."""

    source: str
    target: str
    label: Promise  # the button
    done: Promise  # the message once made


MOVES = {
    (move.source, move.target): move
    for move in (
        Move(Status.DRAFT, Status.ACTIVE, _("Make the cohort active"), _("The cohort is active.")),
        Move(
            Status.ACTIVE,
            Status.COMPLETED,
            _("Complete the cohort"),
            _("The cohort is completed."),
        ),
        Move(
            Status.COMPLETED,
            Status.ACTIVE,
            _("Reopen the cohort"),
            _("The cohort is active again."),
        ),
        Move(
            Status.COMPLETED,
            Status.ARCHIVED,
            _("Archive the cohort"),
            _("The cohort is archived."),
        ),
        Move(
            Status.ARCHIVED,
            Status.COMPLETED,
            _("Restore the cohort from the archive"),
            _("The cohort is out of the archive, completed."),
        ),
    )
}


def moves_from(status: str) -> list[Move]:
    return [move for (source, _target), move in MOVES.items() if source == status]


# Refusals ----------------------------------------------------------------------


def closed_error(cohort: Cohort) -> DomainError:
    """The refusal of a write that the cohort's state does not allow."""
    return stage_of(cohort).refusal()


def check_open_for_work(cohort: Cohort) -> None:
    """Raise the cohort's refusal unless its work may change (draft, active).
    Pass a cohort read in the caller's transaction, so that a change of state
    committed meanwhile is seen."""
    if not stage_of(cohort).open_for_work:
        raise closed_error(cohort)


def check_accepts_invitations(cohort: Cohort) -> None:
    if not stage_of(cohort).accepts_invitations:
        raise closed_error(cohort)


def check_runs_sessions(cohort: Cohort) -> None:
    if not stage_of(cohort).runs_sessions:
        raise closed_error(cohort)


def check_takes_background_notes(cohort: Cohort | None) -> None:
    """Notes about the organization itself (`cohort` None) follow no cohort."""
    if cohort is not None and not stage_of(cohort).takes_background_notes:
        raise closed_error(cohort)
