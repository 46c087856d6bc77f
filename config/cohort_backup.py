"""One cohort, with everything that belongs to it, as a JSON fixture, and back.

What belongs to a cohort is found the way a deletion would find it: every
row that deleting the cohort would cascade to, or that would forbid its
deletion (memberships, sessions and their agendas, reflections, reactions,
commitments, attendance and events; background notes; invitations; the
rhythm and its events; goals, check-ins, replies, partner rounds). A
hand-written list of models would miss the next model someone adds; the
cascade cannot, since a row that the cohort's deletion would take with it is
by definition the cohort's. The walk is done here rather than with Django's
`NestedObjects` (the admin's deletion preview), which stops at the first
PROTECT relation: a reflection protects its agenda phase.

The cascade only goes downwards, so the rows those refer to are added next,
until every foreign key and many-to-many field points inside the export: the
organization, the people (authors, leaders, whoever added someone) and
their memberships of the organization. Each person brings the rows that
belong to them alone (a row whose only
relation is to that person: their email addresses, which sign-in needs, their
email opt-outs, calendar feed and the reminders already sent to them, so that
a restored cohort neither loses an opt-out nor sends a reminder twice). The
organization's HR admins come too: they are part of the cohort's audience.

Rows keep their ids, so that links, stream sequence numbers and the ids in
events stay true; rows that point to a model with a natural key (people by
email, content types, permissions) name it by that key, since a person's or
a permission's id may differ in the database the cohort is loaded into. The fixture is loaded
with `loaddata`, in one transaction, with the foreign keys checked at the
end and the id sequences moved past the loaded rows.
"""

from __future__ import annotations

import datetime
import json
from collections import defaultdict
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.management import call_command
from django.core.serializers.base import DeserializationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, IntegrityError, models, router, transaction
from django.utils.translation import gettext as _

from cohorts.models import Cohort, OrganizationMembership


class CohortBackupError(Exception):
    """A cohort that cannot be exported or a file that cannot be imported,
    with a sentence saying why."""


def cohort_rows(cohort: Cohort, using: str = DEFAULT_DB_ALIAS) -> list[models.Model]:
    """Every row the cohort needs to stand on its own in another database."""
    found: dict[type[models.Model], dict[object, models.Model]] = defaultdict(dict)

    def add(rows) -> list[models.Model]:
        new = []
        for row in rows:
            model = row._meta.concrete_model
            if row.pk not in found[model]:
                found[model][row.pk] = row
                new.append(row)
        return new

    pending = add([cohort])
    while pending:
        pending = add(_dependent_rows(pending, using))
    add(
        OrganizationMembership.objects.using(using).filter(
            organization_id=cohort.organization_id,
            role=OrganizationMembership.Role.HR_ADMIN,
        )
    )
    # Then what those rows point to, and the people's own rows, until closed.
    user_model = get_user_model()
    personal = _personal_models(user_model)
    pending = [row for rows in found.values() for row in rows.values()]
    while pending:
        referenced = _referenced_rows(pending, found, using)
        users = [row.pk for row in pending + referenced if isinstance(row, user_model)]
        for model, field in personal:
            referenced += list(
                model._base_manager.using(using).filter(**{f"{field.name}__in": users})
            )
        pending = add(referenced)
    # The people's memberships of the organization (leaders are found there).
    add(
        OrganizationMembership.objects.using(using).filter(
            organization_id=cohort.organization_id, user_id__in=list(found[user_model])
        )
    )
    return [row for rows in found.values() for row in rows.values()]


# The rows that cannot outlive the row they point to: the ones its deletion
# would take with it (CASCADE) or that forbid its deletion (PROTECT, RESTRICT).
OWNED_BY = {models.CASCADE, models.PROTECT, models.RESTRICT}


def _dependent_rows(rows, using) -> list[models.Model]:
    """The rows that belong to `rows`, one query per relation and model."""
    by_model: dict[type[models.Model], list] = defaultdict(list)
    for row in rows:
        by_model[row._meta.concrete_model].append(row.pk)
    dependents = []
    for model, pks in by_model.items():
        for relation in model._meta.related_objects:
            if relation.many_to_many or relation.field.remote_field.on_delete not in OWNED_BY:
                continue
            dependents += list(
                relation.related_model._base_manager.using(using).filter(
                    **{f"{relation.field.name}__in": pks}
                )
            )
    return dependents


def _referenced_rows(rows, found, using) -> list[models.Model]:
    """The rows that `rows` point to (foreign keys and many-to-many) and that
    are not in `found` yet, read with one query per model."""
    # Keyed by model and the field a key names: the id, or a `to_field`.
    wanted: dict[tuple[type[models.Model], str], set] = defaultdict(set)
    for row in rows:
        for field in row._meta.concrete_fields:
            if field.many_to_one or field.one_to_one:
                value = getattr(row, field.attname)
                target = field.related_model._meta.concrete_model
                if field.target_field.primary_key:
                    if value is not None and value not in found[target]:
                        wanted[target, "pk"].add(value)
                elif value is not None:
                    wanted[target, field.target_field.attname].add(value)
        for field in row._meta.many_to_many:
            target = field.related_model._meta.concrete_model
            for pk in getattr(row, field.name).using(using).values_list("pk", flat=True):
                if pk not in found[target]:
                    wanted[target, "pk"].add(pk)
    return [
        row
        for (model, key), values in wanted.items()
        for row in model._base_manager.using(using).filter(**{f"{key}__in": values})
    ]


def _personal_models(user_model) -> list[tuple[type[models.Model], models.Field]]:
    """Models whose only relation is one foreign key to a person: rows that
    belong to that person alone."""
    from django.apps import apps

    personal = []
    for model in apps.get_models():
        if model._meta.proxy or not router.allow_migrate_model(DEFAULT_DB_ALIAS, model):
            continue
        relations = [
            field
            for field in model._meta.concrete_fields
            if field.is_relation and not field.primary_key
        ]
        if len(relations) == 1 and relations[0].related_model is user_model:
            personal.append((model, relations[0]))
    return personal


def export_cohort(cohort_id: int, path: Path, using: str = DEFAULT_DB_ALIAS) -> int:
    """Write the cohort's rows to `path` (JSON); return how many were written."""
    cohort = Cohort.objects.using(using).filter(pk=cohort_id).first()
    if cohort is None:
        raise CohortBackupError(_("There is no cohort with the id %(id)s.") % {"id": cohort_id})
    rows = cohort_rows(cohort, using)
    # A row given by natural key (a person, by email) must be loaded before the
    # rows that name it; within a model, by id, so that two exports of the same
    # data are the same file.
    models_in_order = serializers.sort_dependencies(
        [(None, {row._meta.concrete_model for row in rows})], allow_cycles=True
    )
    rank = {model: index for index, model in enumerate(models_in_order)}
    rows.sort(key=lambda row: (rank[row._meta.concrete_model], row.pk))
    records = serializers.serialize("python", rows, use_natural_foreign_keys=True)
    with path.open("w", encoding="utf-8") as out:
        json.dump(records, out, cls=ExactJSONEncoder, indent=1, ensure_ascii=False)
    return len(rows)


class ExactJSONEncoder(DjangoJSONEncoder):
    """Times to the microsecond: Django's JSON serializer keeps milliseconds,
    and a restored cohort would then order its events, reflections and
    check-ins differently wherever two fall within one millisecond."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


def import_cohort(path: Path, using: str = DEFAULT_DB_ALIAS) -> int:
    """Load a file written by `export_cohort`; return the cohort's id.

    Refused when the cohort is already in this database: loading would write
    over it row by row rather than give it back whole."""
    if not path.is_file():
        raise CohortBackupError(_("There is no file %(path)s to import.") % {"path": path})
    if path.suffix != ".json":
        raise CohortBackupError(
            _("%(path)s is not a cohort export: its name must end in .json.") % {"path": path}
        )
    try:
        records = json.loads(path.read_text(encoding="utf-8"))
        cohort_ids = [r["pk"] for r in records if r["model"] == Cohort._meta.label_lower]
    except (ValueError, TypeError, KeyError) as error:
        raise CohortBackupError(
            _("%(path)s is not a cohort export: %(error)s") % {"path": path, "error": error}
        ) from error
    if len(cohort_ids) != 1:
        raise CohortBackupError(
            _("%(path)s is not a cohort export: it holds no cohort.") % {"path": path}
        )
    cohort_id = cohort_ids[0]
    if Cohort.objects.using(using).filter(pk=cohort_id).exists():
        raise CohortBackupError(
            _("The cohort with the id %(id)s is already in this database.") % {"id": cohort_id}
        )
    try:
        with transaction.atomic(using=using):
            call_command("loaddata", str(path), database=using, verbosity=0)
    except (IntegrityError, DeserializationError) as error:
        # A person with the same email under another id, most often.
        raise CohortBackupError(
            _("Nothing was loaded: a row of %(path)s clashes with this database (%(error)s).")
            % {"path": path, "error": error}
        ) from error
    return cohort_id
