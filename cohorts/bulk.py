"""Bulk invitations from CSV text: parse, validate every row, then invite.

Columns: email, name, role, leader_email. The header row is optional; with a
header the columns may come in any order. Every row is checked before anything
is written, and the valid rows are invited in one transaction: either all of
them get their invitation, or (if a rule broke meanwhile) none does.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from cohorts import invitations, lifecycle
from cohorts.models import Cohort, Invitation
from lib.errors import DomainError

COLUMNS = ("email", "name", "role", "leader_email")
HEADER_ALIASES = {
    "email": "email",
    "e-mail": "email",
    "name": "name",
    "role": "role",
    "leader_email": "leader_email",
    "leader email": "leader_email",
    "leader": "leader_email",
}
MAX_ROWS = 500
MAX_CHARACTERS = 200_000
DEFAULT_ROLE = Invitation.Role.PARTICIPANT


@dataclass
class BulkRow:
    line: int
    email: str = ""
    name: str = ""
    role: str = ""
    leader_email: str = ""
    error: str = ""
    invitation: Invitation | None = None

    @property
    def ok(self) -> bool:
        return not self.error


@dataclass
class BulkReport:
    rows: list[BulkRow]

    @property
    def invited(self) -> list[BulkRow]:
        return [row for row in self.rows if row.invitation is not None]

    @property
    def refused(self) -> list[BulkRow]:
        return [row for row in self.rows if row.error]


def parse(text: str) -> list[BulkRow]:
    """Turn CSV text into rows; raise DomainError if the text as a whole is unusable."""
    if len(text) > MAX_CHARACTERS:
        raise DomainError(
            _("The CSV is too large: at most %(count)d characters.") % {"count": MAX_CHARACTERS},
            code="too_large",
        )
    reader = csv.reader(io.StringIO(text.replace("\x00", "")), strict=True)
    rows: list[BulkRow] = []
    columns: tuple[str, ...] | None = None
    try:
        for cells in reader:
            cells = [cell.strip() for cell in cells]
            if not any(cells):
                continue
            if columns is None:
                columns = _header(cells)
                if columns is not None:
                    continue
                columns = COLUMNS
            rows.append(_row(reader.line_num, cells, columns))
            if len(rows) > MAX_ROWS:
                raise DomainError(
                    _("Too many rows: at most %(count)d at a time.") % {"count": MAX_ROWS},
                    code="too_many_rows",
                )
    except csv.Error as error:
        raise DomainError(
            _("This is not readable CSV (line %(line)d): %(error)s")
            % {"line": reader.line_num, "error": error},
            code="bad_csv",
        ) from None
    if not rows:
        raise DomainError(_("There are no rows to invite."), code="empty")
    return rows


def _header(cells: list[str]) -> tuple[str, ...] | None:
    """The column order if `cells` is a header row, else None."""
    names = [cell.lower() for cell in cells]
    if names[0] not in HEADER_ALIASES:
        return None
    unknown = [cell for cell in cells if cell and cell.lower() not in HEADER_ALIASES]
    if unknown:
        raise DomainError(
            _("Unknown column “%(column)s”: the columns are email, name, role, leader_email.")
            % {"column": unknown[0]},
            code="bad_header",
        )
    return tuple(HEADER_ALIASES.get(name, "") for name in names)


def _row(line: int, cells: list[str], columns: tuple[str, ...]) -> BulkRow:
    row = BulkRow(line=line)
    if len(cells) > len(columns) and any(cells[len(columns) :]):
        row.error = _("Too many columns: expected email, name, role, leader_email.")
    for column, cell in zip(columns, cells, strict=False):
        if column:
            setattr(row, column, cell)
    row.email = row.email.lower()
    row.leader_email = row.leader_email.lower()
    row.role = row.role.lower() or DEFAULT_ROLE
    return row


def validate(cohort: Cohort, rows: list[BulkRow], *, invited_by=None) -> None:
    """Set `error` on every row that cannot be invited by `invited_by`, as if
    the earlier valid rows were already invited (duplicates, seats taken,
    leaders added)."""
    seen: dict[str, int] = {}
    for row in rows:
        if row.error:
            continue
        if not row.email:
            row.error = _("The email is missing.")
        elif row.email in seen:
            row.error = _("Duplicate of line %(line)d.") % {"line": seen[row.email]}
        else:
            seen[row.email] = row.line
    # A leader is never in the cohort: no row may name as leader someone
    # another row invites into it, whichever line comes first. Rows refused
    # for their own person (their leader aside) invite no one.
    members = frozenset(
        row.email
        for row in rows
        if row.ok
        and row.role != Invitation.Role.LEADER
        and _can_join(cohort, row, invited_by=invited_by)
    )
    # Leader rows first, so that a participant row may name a leader invited
    # further down the same file.
    batch_leaders: set[str] = set()
    for row in rows:
        if row.ok and row.role == Invitation.Role.LEADER:
            _check(
                cohort,
                row,
                invited_by=invited_by,
                extra_participants=0,
                batch_leaders=frozenset(),
                batch_members=members,
            )
            if row.ok:
                batch_leaders.add(row.email)
    seats = 0
    for row in rows:
        if row.ok and row.role != Invitation.Role.LEADER:
            _check(
                cohort,
                row,
                invited_by=invited_by,
                extra_participants=seats,
                batch_leaders=frozenset(batch_leaders),
                batch_members=members,
            )
            if row.ok and row.role == Invitation.Role.PARTICIPANT:
                seats += 1


def _can_join(cohort, row: BulkRow, *, invited_by) -> bool:
    """Whether the row's person may be invited into the cohort, whoever their
    leader and whatever the seats left."""
    try:
        invitations.check_can_invite(
            cohort=cohort, email=row.email, role=row.role, name=row.name, invited_by=invited_by
        )
    except DomainError as error:
        return error.code == "cohort_full"
    return True


def _batch_members(rows: list[BulkRow]) -> frozenset[str]:
    """The emails that rows (not refused so far) invite as facilitators or
    participants."""
    return frozenset(row.email for row in rows if row.ok and row.role != Invitation.Role.LEADER)


def _check(
    cohort,
    row: BulkRow,
    *,
    invited_by,
    extra_participants: int,
    batch_leaders,
    batch_members,
) -> None:
    try:
        invitations.check_can_invite(
            cohort=cohort,
            email=row.email,
            role=row.role,
            leader_email=row.leader_email,
            name=row.name,
            invited_by=invited_by,
            extra_participants=extra_participants,
            batch_leaders=batch_leaders,
            batch_members=batch_members,
        )
    except DomainError as error:
        row.error = str(error.message)


def bulk_invite(*, cohort: Cohort, text: str, invited_by) -> BulkReport:
    """Invite every valid row of `text`; report each row.

    The cohort row stays locked from validation to the last invitation, so no
    concurrent invitation can take a seat that a row was promised.
    """
    rows = parse(text)
    with transaction.atomic():
        cohort = (
            Cohort.objects.select_for_update().select_related("organization").get(pk=cohort.pk)
        )
        lifecycle.check_accepts_invitations(cohort)
        validate(cohort, rows, invited_by=invited_by)
        leaders = frozenset(
            row.email for row in rows if row.ok and row.role == Invitation.Role.LEADER
        )
        members = _batch_members(rows)
        # Leaders first: a participant's check then finds their pending invitation.
        for row in sorted(
            (row for row in rows if row.ok), key=lambda r: r.role != Invitation.Role.LEADER
        ):
            row.invitation = invitations.invite(
                cohort=cohort,
                email=row.email,
                role=row.role,
                invited_by=invited_by,
                name=row.name,
                leader_email=row.leader_email,
                batch_leaders=leaders,
                batch_members=members,
            )
    return BulkReport(rows=rows)
