"""What the audit trail records, and what it must never record.

django-auditlog writes one `LogEntry` per create, change and deletion of the
models registered here, with the signed-in user as actor (its middleware,
for every page and the Django admin). Changes made outside a request (the
demo seed, management commands) have no actor: the trail shows them as made
by the system.

Two things auditlog would store by itself are kept out:

- a person's words: only the fields listed here are compared, so a goal's
  title or a cohort's purpose never enter `changes`, and a note's body
  enters only as "(not kept)", to show that it changed;
- `object_repr`, which auditlog fills with `str(instance)`: a background
  note's string is the start of its text, so every entry gets a label built
  here instead, from names and roles only.

Each entry also keeps the id of the organization its object belongs to
(`additional_data["organization_id"]`), so that an HR admin's trail is one
filter that still finds the entries of objects deleted since.
"""

from contextvars import ContextVar
from dataclasses import dataclass

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from auditlog.signals import post_log, pre_log
from django.core.exceptions import ObjectDoesNotExist
from django.db.models.signals import pre_save
from django.utils.translation import gettext

from cohorts.models import (
    BackgroundNote,
    Cohort,
    Invitation,
    Membership,
    Organization,
    OrganizationMembership,
)
from goals.models import Goal, PartnerGroup, PartnerRound, PartnerSlot

# The fields compared for each model. Listing them (rather than excluding
# some) means a text field added to one of these models later stays out of
# the trail until someone decides otherwise.
AUDITED_FIELDS = {
    Organization: ["name", "slug"],
    OrganizationMembership: ["organization", "user", "role"],
    Cohort: ["name", "kind", "capacity", "starts_on", "ends_on", "status", "time_zone"],
    Membership: ["cohort", "user", "role", "leader", "leader_confirmed_at", "added_by"],
    # That a note was written, changed or deleted, by whom: never its text
    # (the body is compared, then masked whole: see MASKED_FIELDS).
    BackgroundNote: ["cohort", "participant", "author", "body"],
    # Never the token's hash: a link is the one secret of an invitation.
    Invitation: [
        "cohort",
        "email",
        "name",
        "role",
        "leader_email",
        "invited_by",
        "sent_at",
        "send_count",
        "expires_at",
        "accepted_at",
        "accepted_by",
        "revoked_at",
    ],
    # Who may read a goal; its title and text are the participant's words.
    Goal: ["visibility"],
    PartnerRound: ["cohort", "created_by"],
    PartnerGroup: ["round", "position"],
    PartnerSlot: ["round", "group", "membership"],
}


# Text fields whose change is recorded, but not their text: auditlog's own
# mask keeps half of a value, so every value becomes the same word.
MASKED_FIELDS = {BackgroundNote: ["body"]}
WITHHELD = "(not kept)"


def withhold(value: str) -> str:
    """auditlog's mask for MASKED_FIELDS: that there was a text, never which."""
    return value if value in ("", "None") else WITHHELD


def register_audited_models() -> None:
    for model, fields in AUDITED_FIELDS.items():
        if not auditlog.contains(model):
            auditlog.register(
                model,
                include_fields=fields,
                mask_fields=MASKED_FIELDS.get(model, []),
                mask_callable="audit.registry.withhold",
            )


def audited_models() -> list:
    return list(AUDITED_FIELDS)


def _cohort_organization_id(cohort_id) -> int | None:
    return Cohort.objects.filter(pk=cohort_id).values_list("organization_id", flat=True).first()


def _round_organization_id(round_id) -> int | None:
    return (
        PartnerRound.objects.filter(pk=round_id)
        .values_list("cohort__organization_id", flat=True)
        .first()
    )


def organization_id_of(instance) -> int | None:
    """The organization an audited object belongs to (looked up by id, so that
    an object deleted along with its parent still finds it)."""
    if isinstance(instance, Organization):
        return instance.pk
    if isinstance(instance, OrganizationMembership | Cohort | BackgroundNote):
        return instance.organization_id
    if isinstance(instance, Membership | Invitation | Goal | PartnerRound):
        return _cohort_organization_id(instance.cohort_id)
    if isinstance(instance, PartnerGroup | PartnerSlot):
        return _round_organization_id(instance.round_id)
    return None


def label_of(instance) -> str:
    """What the trail calls the object: names and roles, never anyone's words."""
    try:
        if isinstance(instance, BackgroundNote):
            return gettext("Background note #%(id)s") % {"id": instance.pk}
        if isinstance(instance, Goal):
            return gettext("Goal #%(id)s") % {"id": instance.pk}
        if isinstance(instance, PartnerGroup):
            return gettext("Partner group %(position)s of round #%(round)s") % {
                "position": instance.position,
                "round": instance.round_id,
            }
        if isinstance(instance, PartnerSlot):
            return gettext("%(member)s in a group of round #%(round)s") % {
                "member": instance.membership.user,
                "round": instance.round_id,
            }
        return str(instance)
    except ObjectDoesNotExist:
        return f"{instance._meta.verbose_name} #{instance.pk}"


@dataclass(frozen=True)
class _Pending:
    model: type
    pk: str
    organization_id: int | None
    label: str


# Set just before auditlog writes an entry for an object, read as it saves it:
# both happen in the same call, in the same thread.
_pending: ContextVar[_Pending | None] = ContextVar("audit_pending", default=None)


def _before_log(sender, instance, **kwargs):
    if sender not in AUDITED_FIELDS:
        return None
    _pending.set(
        _Pending(
            model=sender,
            pk=str(instance.pk),
            organization_id=organization_id_of(instance),
            label=label_of(instance),
        )
    )
    return None


def _after_log(sender, **kwargs):
    _pending.set(None)


def _fill_entry(sender, instance, **kwargs):
    pending = _pending.get()
    if pending is None or instance.pk is not None:
        return
    if instance.content_type.model_class() is not pending.model:
        return
    if str(instance.object_pk) != pending.pk:
        return
    instance.object_repr = pending.label
    instance.additional_data = {
        **(instance.additional_data or {}),
        "organization_id": pending.organization_id,
    }


pre_log.connect(_before_log, dispatch_uid="audit_before_log")
post_log.connect(_after_log, dispatch_uid="audit_after_log")
pre_save.connect(_fill_entry, sender=LogEntry, dispatch_uid="audit_fill_entry")
