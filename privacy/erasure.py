"""Erasure: a person's words and traces removed, the cohort's record kept.

What goes and what stays, and why:

- Deleted: goals they own (with their milestones, history, notes and
  progress), goal notes, progress updates and check-in replies they wrote,
  their check-ins (with the replies and progress under them), commitments,
  presence on boards, organization memberships, email opt-outs, sent
  reminders, the calendar feed, invitations addressed to them, their email
  addresses, and the background notes about them with those notes' history.
- Kept, anonymized: their cohort memberships. Reflections, reactions and
  attendance hang on a membership, and others reacted to those reflections,
  summaries quote them and attendance rates count them; the membership now
  belongs to a scrubbed account shown as "A former participant" everywhere
  (boards, summaries, exports, the roster, the admin). Leader links from
  and to them are cleared.
- Kept: reactions (a count on someone else's reflection says nothing of
  the person once their name is gone) and attendance rows (the cohort's
  attendance rates stay true).
- The account is deactivated: email replaced by an address under the
  reserved `.invalid` domain, name "A former participant", unusable
  password, time zone cleared. It is kept, not deleted, because the
  memberships above point at it.
- Stored stream events of their cohorts and sessions: an event about a
  deleted item keeps only the item's id (the log stays gapless for resume,
  and the replay rules drop deleted items); their name in the others
  becomes "A former participant".
"""

import logging
import uuid

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from board.models import BoardEvent, CalendarFeed, Commitment, Presence
from cohorts import signals
from cohorts.models import (
    BackgroundNote,
    BackgroundNoteRevision,
    Invitation,
    Membership,
    OrganizationMembership,
)
from goals.models import CheckIn, CheckInReply, CohortEvent, Goal, GoalNote, ProgressUpdate
from notifications.models import EmailOptOut, SentReminder
from privacy.models import ErasureRecord

logger = logging.getLogger(__name__)

# Stored as the account's name, so it reads the same in every language's page.
FORMER_PARTICIPANT = "A former participant"
ERASED_DOMAIN = "erased.invalid"


def is_erased(user) -> bool:
    return user.email.endswith("@" + ERASED_DOMAIN)


@transaction.atomic
def erase_person(user, *, by=None) -> ErasureRecord:
    """Erase `user` as the module docstring says, in one transaction, and
    record it: every pending request for them is marked done, or a record is
    made when the operator ran it unasked. `by` is who carried it out (None
    for the operator's command), used for the log line only.
    """
    User = get_user_model()
    user = User.objects.select_for_update().get(pk=user.pk)
    now = timezone.now()
    old_label = str(user)
    cohort_ids = list(Membership.objects.filter(user=user).values_list("cohort_id", flat=True))
    deleted = {
        "goal": set(Goal.objects.filter(owner__user=user).values_list("pk", flat=True)),
        "checkin": set(CheckIn.objects.filter(author__user=user).values_list("pk", flat=True)),
        "reply": set(
            CheckInReply.objects.filter(
                Q(author=user) | Q(checkin__author__user=user)
            ).values_list("pk", flat=True)
        ),
        "commitment": set(
            Commitment.objects.filter(author__user=user).values_list("pk", flat=True)
        ),
    }
    _scrub_stream_events(
        cohort_ids, user_id=user.pk, names={old_label, user.email}, deleted=deleted
    )

    Goal.objects.filter(owner__user=user).delete()
    GoalNote.objects.filter(author=user).delete()
    ProgressUpdate.objects.filter(author=user).delete()
    CheckInReply.objects.filter(author=user).delete()
    CheckIn.objects.filter(author__user=user).delete()
    Commitment.objects.filter(author__user=user).delete()
    Presence.objects.filter(membership__user=user).delete()

    notes = BackgroundNote.objects.filter(participant__user=user)
    organization_ids = set(
        OrganizationMembership.objects.filter(user=user).values_list("organization_id", flat=True)
    ) | set(Membership.objects.filter(user=user).values_list("cohort__organization_id", flat=True))
    # A deleted note's history keeps only the name it was about: match that too.
    BackgroundNoteRevision.objects.filter(
        Q(note__in=notes) | Q(organization_id__in=organization_ids, subject=old_label)
    ).delete()
    notes.delete()

    _unlink_leaders(user)
    Membership.objects.filter(user=user).update(leader=None, leader_confirmed_at=None)

    OrganizationMembership.objects.filter(user=user).delete()
    EmailOptOut.objects.filter(user=user).delete()
    SentReminder.objects.filter(user=user).delete()
    CalendarFeed.objects.filter(user=user).delete()
    Invitation.objects.filter(Q(email__iexact=user.email) | Q(accepted_by=user)).delete()
    EmailAddress.objects.filter(user=user).delete()

    user.email = f"erased-{uuid.uuid4().hex}@{ERASED_DOMAIN}"
    user.display_name = FORMER_PARTICIPANT
    user.time_zone = ""
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.set_unusable_password()
    user.save()

    # Every organization the person was in sees the erasure among its
    # records: its pending request marked done, or a new record.
    pending = ErasureRecord.objects.pending().filter(subject_id=user.pk)
    requested_in = set(pending.values_list("organization_id", flat=True))
    pending.update(done_at=now, subject_label=FORMER_PARTICIPANT)
    unrequested = organization_ids - requested_in
    if not unrequested and not requested_in:
        unrequested = {None}  # in no organization: the operator's record only
    ErasureRecord.objects.bulk_create(
        ErasureRecord(
            subject_id=user.pk,
            subject_label=FORMER_PARTICIPANT,
            organization_id=organization_id,
            requested_at=now,
            done_at=now,
        )
        for organization_id in unrequested
    )
    record = ErasureRecord.objects.filter(subject_id=user.pk, done_at=now).order_by("pk").first()
    # The id only: a log line must not bring back the email just erased.
    logger.info(
        "Erased person #%s (by %s).", user.pk, f"user #{by.pk}" if by is not None else "operator"
    )
    return record


def _scrub_stream_events(cohort_ids, *, user_id: int, names: set, deleted: dict) -> None:
    """Take the person's words and name out of the stored stream events of
    their cohorts and sessions.

    The log stays gapless (resume relies on it): an event about a deleted
    goal, check-in, reply or commitment keeps only the item's id, which the
    replay rules then drop, as they drop any deleted item; the person's name
    in what stays becomes the former-participant label.
    """
    for model, owners in (
        (CohortEvent, {"rhythm_id__in": cohort_ids}),
        (BoardEvent, {"session__cohort_id__in": cohort_ids}),
    ):
        changed = []
        for event in model.objects.filter(**owners).only("pk", "payload"):
            payload = _scrubbed(event.payload, None, user_id, names, deleted)
            if payload != event.payload:
                event.payload = payload
                changed.append(event)
        model.objects.bulk_update(changed, ["payload"], batch_size=500)


def _scrubbed(value, kind, user_id, names, deleted):
    """`value` from an event payload, scrubbed; `kind` is the item kind its
    key names ("goal", "checkin", "reply", "commitment") or None."""
    if isinstance(value, list):
        if kind == "reply":
            value = [v for v in value if not _is_deleted(v, "reply", deleted)]
        return [_scrubbed(v, kind, user_id, names, deleted) for v in value]
    if not isinstance(value, dict):
        return value
    if _is_deleted(value, kind, deleted):
        kept = {"id": value["id"]}
        if kind == "reply" and "checkin" in value:
            kept["checkin"] = value["checkin"]
        return kept
    scrubbed = {
        key: _scrubbed(item, ITEM_KINDS.get(key), user_id, names, deleted)
        for key, item in value.items()
    }
    is_person = user_id in (value.get("id"), value.get("user"))
    if is_person and scrubbed.get("name") in names:
        scrubbed["name"] = FORMER_PARTICIPANT
    return scrubbed


# The payload keys that hold an item of each kind.
ITEM_KINDS = {
    "goal": "goal",
    "checkin": "checkin",
    "reply": "reply",
    "replies": "reply",
    "commitment": "commitment",
}


def _is_deleted(value, kind, deleted) -> bool:
    return isinstance(value, dict) and kind in deleted and value.get("id") in deleted[kind]


def _unlink_leaders(user) -> None:
    """Clear the links of the participants `user` leads, telling the goals
    app (through `leader_changed`) to take their leader-only goals away."""
    for membership in Membership.objects.select_for_update().filter(leader=user):
        previous_confirmed = membership.leader_is_confirmed
        membership.leader, membership.leader_confirmed_at = None, None
        membership.save(update_fields=["leader", "leader_confirmed_at"])
        signals.leader_changed.send(
            sender=Membership,
            membership=membership,
            previous_leader_id=user.pk,
            previous_confirmed=previous_confirmed,
        )


def request_erasure(*, access, subject) -> ErasureRecord:
    """An HR admin asks for `subject`'s erasure; the operator carries it out
    (`manage.py erase_person`). Asking again while a request waits changes
    nothing."""
    record, _created = ErasureRecord.objects.get_or_create(
        subject_id=subject.pk,
        organization=access.organization,
        done_at=None,
        defaults={"subject_label": str(subject)[:160], "requested_by": access.user},
    )
    logger.info("Erasure of person #%s requested by user #%s.", subject.pk, access.user.pk)
    return record
