"""An organization's audit trail as HR admins read it.

A page costs the same few queries however long the trail: one count, one
page of entries with their actor and content type, and one for the names of
the people the page's changes mention (a leader set, an invitation accepted).
"""

from dataclasses import dataclass

from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Page, Paginator
from django.db import models
from django.utils.translation import gettext, gettext_lazy

from audit.registry import audited_models

ACTIONS = {
    LogEntry.Action.CREATE: gettext_lazy("Created"),
    LogEntry.Action.UPDATE: gettext_lazy("Changed"),
    LogEntry.Action.DELETE: gettext_lazy("Deleted"),
}
NOTHING = "—"


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class Row:
    entry: LogEntry
    kind: str
    action: str
    actor: str
    changes: list[Change]


def kinds() -> list[tuple[str, str]]:
    """The kinds of object a reader may filter the trail by: (key, name)."""
    return [
        (model._meta.label_lower, str(model._meta.verbose_name).capitalize())
        for model in audited_models()
    ]


def _content_types(kind: str | None) -> list[ContentType]:
    models_ = [
        model for model in audited_models() if kind is None or model._meta.label_lower == kind
    ]
    return list(ContentType.objects.get_for_models(*models_).values())


def organization_entries(organization_id: int, *, kind: str | None = None):
    return (
        LogEntry.objects.filter(
            content_type__in=_content_types(kind),
            additional_data__organization_id=organization_id,
        )
        .select_related("actor", "content_type")
        .order_by("-timestamp", "-pk")
    )


def organization_trail(
    organization_id: int, *, kind: str | None, page_number, per_page: int
) -> tuple[Page, list[Row]]:
    page = Paginator(organization_entries(organization_id, kind=kind), per_page).get_page(
        page_number
    )
    entries = list(page.object_list)
    people = _people_named(entries)
    return page, [_row(entry, people) for entry in entries]


def _user_fields(model) -> set[str]:
    return {
        field.name
        for field in model._meta.get_fields()
        if isinstance(field, models.ForeignKey) and field.related_model is get_user_model()
    }


def _people_named(entries) -> dict[str, str]:
    """Names of the people the entries' user fields point to, in one query."""
    ids = set()
    for entry in entries:
        model = entry.content_type.model_class()
        for name, values in (entry.changes or {}).items():
            if model is not None and name in _user_fields(model):
                ids.update(v for v in values if v not in (None, "None", ""))
    users = get_user_model().objects.filter(pk__in=[int(i) for i in ids if str(i).isdigit()])
    return {str(user.pk): str(user) for user in users}


def _value(field, value, people) -> str:
    if value in (None, "None", ""):
        return NOTHING
    if field is None:
        return str(value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.ForeignKey) and field.related_model is get_user_model():
        return people.get(str(value), gettext("a removed account"))
    if isinstance(field, models.ForeignKey):
        return f"#{value}"
    return str(value)


def _row(entry: LogEntry, people: dict[str, str]) -> Row:
    model = entry.content_type.model_class()
    changes = []
    for name, values in (entry.changes or {}).items():
        if not isinstance(values, list | tuple) or len(values) != 2:
            continue
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            field = None
        label = str(field.verbose_name).capitalize() if field is not None else name
        before, after = values
        changes.append(Change(label, _value(field, before, people), _value(field, after, people)))
    if entry.actor is not None:
        actor = str(entry.actor)
    elif entry.actor_email:
        actor = entry.actor_email
    else:
        actor = gettext("system")
    return Row(
        entry=entry,
        kind=str(model._meta.verbose_name).capitalize() if model else NOTHING,
        action=str(ACTIONS.get(entry.action, entry.get_action_display())),
        actor=actor,
        changes=changes,
    )
