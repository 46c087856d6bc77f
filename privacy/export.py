"""A person's own data, as one JSON document or a zip of CSV files.

Everything they wrote and everything kept about them, never another person's
words: a reply to their check-in by someone else is counted, not quoted; a
reaction names the reflection it is on by id, not by text; a goal note they
wrote on someone else's goal names the goal by id. Anonymous reflections are
included with the rest: they are the person's own.

One query per table, whatever the amount of data.
"""

import csv
import datetime
import io
import json
import zipfile
from dataclasses import dataclass

from django.db.models import Count, F, Q
from django.db.models.query import QuerySet

from board.models import Attendance, Commitment, Reaction, Reflection
from cohorts.models import Membership, OrganizationMembership
from goals.models import CheckIn, CheckInReply, Goal, GoalNote, ProgressUpdate
from lib.spreadsheets import csv_cell
from notifications.models import EmailOptOut


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    rows: list[dict]


def _table(name: str, queryset: QuerySet, *fields: str, **named) -> Table:
    """A table of `fields` and of `named` expressions (column name: expression)."""
    columns = (*fields, *named)
    return Table(name, columns, list(queryset.values(*fields, **named)))


def person_tables(user) -> list[Table]:
    """Every table of the export, in the order they are written."""
    profile = Table(
        "profile",
        ("id", "display_name", "email", "time_zone", "date_joined"),
        [
            {
                "id": user.pk,
                "display_name": user.display_name,
                "email": user.email,
                "time_zone": user.time_zone,
                "date_joined": user.date_joined,
            }
        ],
    )
    own_checkins = CheckIn.objects.filter(author__user=user).annotate(
        replies_total=Count("replies"),
        replies_mine=Count("replies", filter=Q(replies__author=user)),
    )
    return [
        profile,
        _table(
            "organization_memberships",
            OrganizationMembership.objects.filter(user=user).order_by("pk"),
            "id",
            "role",
            "created_at",
            organization_name=F("organization__name"),
        ),
        _table(
            "cohort_memberships",
            Membership.objects.filter(user=user).order_by("pk"),
            "id",
            "role",
            "joined_at",
            "leader_confirmed_at",
            cohort_name=F("cohort__name"),
            leader_name=F("leader__display_name"),
            leader_email=F("leader__email"),
        ),
        _table(
            "reflections",
            Reflection.objects.filter(author__user=user).order_by("pk"),
            "id",
            "session_id",
            "text",
            "anonymous",
            "created_at",
            "edited_at",
            "deleted_at",
            session_title=F("session__title"),
            cohort_name=F("session__cohort__name"),
        ),
        _table(
            "reactions",
            Reaction.objects.filter(member__user=user).order_by("pk"),
            "id",
            "reflection_id",
            "emoji",
            "created_at",
        ),
        _table(
            "commitments",
            Commitment.objects.filter(author__user=user).order_by("pk"),
            "id",
            "session_id",
            "text",
            "created_at",
            session_title=F("session__title"),
        ),
        _table(
            "goals",
            Goal.objects.filter(owner__user=user).order_by("pk"),
            "id",
            "title",
            "why",
            "success_measure",
            "target_date",
            "status",
            "visibility",
            "created_at",
            cohort_name=F("cohort__name"),
        ),
        _table(
            "goal_notes",
            GoalNote.objects.filter(author=user).order_by("pk"),
            "id",
            "goal_id",
            "kind",
            "body",
            "on",
            "created_at",
        ),
        _table(
            "progress_updates",
            ProgressUpdate.objects.filter(author=user).order_by("pk"),
            "id",
            "goal_id",
            "checkin_id",
            "note",
            "value",
            "on",
            "created_at",
        ),
        _table(
            "checkins",
            own_checkins.order_by("pk"),
            "id",
            "period_start",
            "win",
            "challenge",
            "ask",
            "energy",
            "shared_with_cohort",
            "created_at",
            "updated_at",
            cohort_name=F("cohort__name"),
            # Others' replies are theirs: only how many there are.
            replies_from_others=F("replies_total") - F("replies_mine"),
        ),
        _table(
            "checkin_replies",
            CheckInReply.objects.filter(author=user).order_by("pk"),
            "id",
            "checkin_id",
            "body",
            "created_at",
        ),
        _table(
            "attendance",
            Attendance.objects.filter(membership__user=user).order_by("pk"),
            "id",
            "session_id",
            "first_joined_at",
            "last_seen_at",
            session_title=F("session__title"),
            cohort_name=F("session__cohort__name"),
        ),
        _table(
            "email_opt_outs",
            EmailOptOut.objects.filter(user=user).order_by("pk"),
            "id",
            "kind",
            "created_at",
        ),
    ]


def _plain(value):
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    return value


def export_json(user) -> str:
    document = {
        table.name: [
            {column: _plain(row[column]) for column in table.columns} for row in table.rows
        ]
        for table in person_tables(user)
    }
    return json.dumps(document, ensure_ascii=False, indent=2)


def export_zip(user) -> bytes:
    """A zip of one CSV per table; every cell guarded against formulas."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for table in person_tables(user):
            text = io.StringIO()
            writer = csv.writer(text)
            writer.writerow(table.columns)
            for row in table.rows:
                writer.writerow([csv_cell(_plain(row[column])) for column in table.columns])
            archive.writestr(f"{table.name}.csv", text.getvalue())
    return buffer.getvalue()
