"""The cohort stream (`/ws/cohorts/<cohort id>/`) and the shapes it sends.

Shapes follow docs/realtime-protocol.md, part 3 (CHECKIN, REPLY, GOAL). Every
event is addressed to the exact users who may read its content, computed by
cohorts.permissions at the time of the change (`goal_reader_ids`,
`checkin_reader_ids`); nothing goes to the whole group. Payloads for the log
carry an opaque author key that realtime.streams turns into "mine".
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.urls import reverse

from cohorts import permissions
from goals.models import CheckIn, CheckInReply, CohortEvent, CohortRhythm, Goal
from realtime import protocol, streams
from realtime.models import Audience

COHORT = streams.Stream(
    name="cohort", owner_model=CohortRhythm, event_model=CohortEvent, owner_field="rhythm"
)


def emit(cohort_id: int, event_type: str, payload: dict, *, user_ids) -> None:
    """Append a cohort event for `user_ids` only (inside the caller's
    transaction); it is broadcast after commit."""
    user_ids = set(user_ids)
    if not user_ids:
        return
    CohortRhythm.objects.get_or_create(cohort_id=cohort_id)
    streams.append_event(
        COHORT, cohort_id, event_type, payload, audience=Audience.USERS, user_ids=user_ids
    )


def _person(user) -> dict:
    return {"id": user.pk, "name": user.get_full_name()} if user else None


def _author(cohort_id: int, user_id: int | None, viewer_id: int | None) -> dict:
    """ "mine" for one viewer, or the author key for the log."""
    if viewer_id is not None:
        return {"mine": user_id == viewer_id}
    return {streams.AUTHOR_KEY: streams.author_key(COHORT, cohort_id, user_id or 0)}


def reply_payload(reply: CheckInReply, *, viewer_id: int | None = None) -> dict:
    return {
        "id": reply.pk,
        "checkin": reply.checkin_id,
        "author": _person(reply.author),
        "text": reply.body,
        "created_at": streams.iso(reply.created_at),
        **_author(reply.checkin.cohort_id, reply.author_id, viewer_id),
    }


def checkin_payload(checkin: CheckIn, *, viewer_id: int | None = None) -> dict:
    author = checkin.author.user
    return {
        "id": checkin.pk,
        "period_start": checkin.period_start.isoformat(),
        "author": _person(author),
        "energy": checkin.energy,
        "win": checkin.win,
        "challenge": checkin.challenge,
        "ask": checkin.ask,
        "shared_with_cohort": checkin.shared_with_cohort,
        "created_at": streams.iso(checkin.created_at),
        "updated_at": streams.iso(checkin.updated_at),
        "url": checkin.get_absolute_url(),
        "replies": [
            reply_payload(reply, viewer_id=viewer_id)
            for reply in checkin.replies.select_related("author", "checkin")
        ],
        **_author(checkin.cohort_id, author.pk, viewer_id),
    }


def goal_payload(goal: Goal) -> dict:
    latest = goal.updates.filter(value__isnull=False).order_by("-on", "-created_at").first()
    return {
        "id": goal.pk,
        "kind": goal.kind,
        "title": goal.title,
        "status": goal.status,
        "status_label": str(goal.get_status_display()),
        "owner": _person(goal.owner.user) if goal.owner_id else None,
        "visibility": goal.visibility if goal.is_personal else None,
        "progress": latest.value if latest else None,
        "url": reverse("goals:detail", args=[goal.cohort_id, goal.pk]),
        "updated_at": streams.iso(goal.updated_at),
    }


def goal_changed(goal: Goal) -> None:
    emit(
        goal.cohort_id,
        "goal.updated",
        {"goal": goal_payload(goal)},
        user_ids=permissions.goal_reader_ids(goal),
    )


def goal_hidden(goal: Goal, *, user_ids) -> None:
    """Tell readers who lost the goal to drop it, and keep its earlier events
    from replaying to them when they resume."""
    if user_ids:
        streams.withdraw_past_events(
            COHORT,
            goal.cohort_id,
            Q(payload__goal__id=goal.pk),
            audience=Audience.USERS,
            keep_user_ids=permissions.goal_reader_ids(goal),
        )
    emit(goal.cohort_id, "goal.removed", {"goal": goal.pk}, user_ids=user_ids)


def checkin_saved(checkin: CheckIn, *, created: bool) -> None:
    emit(
        checkin.cohort_id,
        "checkin.posted" if created else "checkin.edited",
        {"checkin": checkin_payload(checkin)},
        user_ids=permissions.checkin_reader_ids(checkin),
    )


def checkin_hidden(checkin: CheckIn, *, user_ids) -> None:
    """Tell readers who lost the check-in to drop it, and keep its earlier
    events (and its thread's) from replaying to them when they resume."""
    if user_ids:
        streams.withdraw_past_events(
            COHORT,
            checkin.cohort_id,
            Q(payload__checkin__id=checkin.pk) | Q(payload__reply__checkin=checkin.pk),
            audience=Audience.USERS,
            keep_user_ids=permissions.checkin_reader_ids(checkin),
        )
    emit(checkin.cohort_id, "checkin.removed", {"checkin": checkin.pk}, user_ids=user_ids)


def reply_posted(reply: CheckInReply) -> None:
    emit(
        reply.checkin.cohort_id,
        "reply.posted",
        {"reply": reply_payload(reply)},
        user_ids=permissions.checkin_reader_ids(reply.checkin),
    )


def _item_id(value, key="id"):
    """The id in an event's item: the item itself (a dict) or, in removal
    events, a bare id."""
    return value.get(key) if isinstance(value, dict) else None


def replayable(access, events: list) -> list:
    """Of the cohort events read back from the log for `access` (a resume or
    a catch-up), those it may still receive now.

    An event that carries a goal, a check-in or a reply is kept only while
    that goal is in `visible_goals(access)`, that check-in (the reply's) in
    `visible_checkins(access)`: the rules of the pages, as they stand now. A
    reader who lost an item since (a leader replaced, a partner moved, a
    member removed, the cohort's setting on leader goals turned off, an item
    deleted) gets nothing of it back. Removal events carry only an id and
    are kept: they tell the reader to drop what they still show.
    """
    goal_ids, checkin_ids = set(), set()
    for event in events:
        payload = event.payload
        goal_ids.add(_item_id(payload.get("goal")))
        checkin_ids.add(_item_id(payload.get("checkin")))
        checkin_ids.add(_item_id(payload.get("reply"), "checkin"))
    goal_ids.discard(None)
    checkin_ids.discard(None)
    goals = set(
        permissions.visible_goals(access).filter(pk__in=goal_ids).values_list("pk", flat=True)
        if goal_ids
        else ()
    )
    checkins = set(
        permissions.visible_checkins(access)
        .filter(pk__in=checkin_ids)
        .values_list("pk", flat=True)
        if checkin_ids
        else ()
    )
    kept = []
    for event in events:
        payload = event.payload
        goal = _item_id(payload.get("goal"))
        checkin = _item_id(payload.get("checkin")) or _item_id(payload.get("reply"), "checkin")
        if goal is not None and goal not in goals:
            continue
        if checkin is not None and checkin not in checkins:
            continue
        kept.append(event)
    return kept


def cohort_snapshot(access) -> dict:
    """The `cohort.snapshot` frame for one user: this period's check-ins and
    the goals they may read, with the stream's seq.

    Read with the stream's row locked, as every event takes that lock to
    raise the counter: the content and its seq are read together.
    """
    from goals import periods, services

    with transaction.atomic():
        rhythm = periods.rhythm_for(access.cohort)
        rhythm = CohortRhythm.objects.select_for_update().get(pk=rhythm.pk)
        period = periods.current_period(rhythm)
        viewer = access.user.pk
        checkins = (
            permissions.visible_checkins(access)
            .filter(period_start=period.start)
            .select_related("author__user")
            .order_by("created_at", "pk")
        )
        goals = permissions.visible_goals(access).select_related("owner__user")
        if access.is_facilitator:
            role = "facilitator"
        elif access.is_participant:
            role = "participant"
        else:
            role = "leader"
        partners = (
            [m.user_id for m in services.partners_of(access.membership)]
            if access.is_participant
            else []
        )
        return {
            "type": "cohort.snapshot",
            "protocol": protocol.PROTOCOL_VERSION,
            "seq": rhythm.last_seq,
            "me": {
                "user": viewer,
                "name": access.user.get_full_name(),
                "role": role,
                "partners": partners,
            },
            "cohort": {"id": access.cohort.pk, "name": access.cohort.name},
            "period": {
                "start": period.start.isoformat(),
                "end": period.end.isoformat(),
                "cadence": rhythm.cadence,
            },
            "checkins": [checkin_payload(c, viewer_id=viewer) for c in checkins],
            "goals": [goal_payload(goal) for goal in goals],
        }
