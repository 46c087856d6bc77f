"""The cohort stream (`/ws/cohorts/<cohort id>/`) and the shapes it sends.

Shapes follow docs/realtime-protocol.md, part 3 (CHECKIN, REPLY, GOAL). Every
event is addressed to the exact users who may read its content, computed by
goals/rules.py at the time of the change from the pages' own filters
(`goal_reader_ids`, `checkin_audience`); nothing goes to the whole group.
Payloads for the log carry an opaque author key that realtime.streams turns
into "mine".

This module builds payloads and addresses them; the services call it after
each change, and it never calls them.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import OuterRef, Prefetch, Q, Subquery
from django.urls import reverse

from goals import periods, rounds, rules
from goals.models import (
    CheckIn,
    CheckInReply,
    CohortEvent,
    CohortRhythm,
    Goal,
    GoalNote,
    ProgressUpdate,
)
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


def checkin_payload(
    checkin: CheckIn, *, viewer_id: int | None = None, can_reply: bool = False
) -> dict:
    """CHECKIN; `can_reply` is the recipient's right to answer in its thread
    (`rules.can_reply_checkin`), so the browser never decides it."""
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
        "can_reply": can_reply,
        "replies": [reply_payload(reply, viewer_id=viewer_id) for reply in _replies(checkin)],
        **_author(checkin.cohort_id, author.pk, viewer_id),
    }


def _replies(checkin: CheckIn):
    """The thread, oldest first (`thread` when read with `_reply_threads`)."""
    thread = getattr(checkin, "thread", None)
    if thread is not None:
        return thread
    return checkin.replies.select_related("author", "checkin")


def _reply_threads() -> Prefetch:
    """Every thread of a list of check-ins in one query."""
    return Prefetch(
        "replies",
        queryset=CheckInReply.objects.select_related("author", "checkin"),
        to_attr="thread",
    )


def with_summary(goals):
    """`goals` with what GOAL needs (owner, latest figure), in one query."""
    latest = (
        ProgressUpdate.objects.filter(goal=OuterRef("pk"), value__isnull=False)
        .order_by("-on", "-created_at")
        .values("value")[:1]
    )
    return goals.select_related("owner__user").annotate(latest_progress=Subquery(latest))


def goal_payload(goal: Goal) -> dict:
    """GOAL, for a goal read through `with_summary`."""
    return {
        "id": goal.pk,
        "kind": goal.kind,
        "title": goal.title,
        "status": goal.status,
        "status_label": str(goal.get_status_display()),
        "owner": _person(goal.owner.user) if goal.owner_id else None,
        "visibility": goal.visibility if goal.is_personal else None,
        "progress": goal.latest_progress,
        "url": reverse("goals:detail", args=[goal.cohort_id, goal.pk]),
        "updated_at": streams.iso(goal.updated_at),
    }


def _summary(goal: Goal) -> Goal:
    return with_summary(Goal.objects.filter(pk=goal.pk)).get()


def goal_changed(goal: Goal, *, user_ids=None) -> None:
    """`goal.updated` to the goal's readers (to those of `user_ids` who read
    it, when given)."""
    readers = rules.goal_reader_ids(goal)
    if user_ids is not None:
        readers &= set(user_ids)
    if readers:
        emit(
            goal.cohort_id,
            "goal.updated",
            {"goal": goal_payload(_summary(goal))},
            user_ids=readers,
        )


def goal_note_added(note: GoalNote) -> None:
    """`goal.updated` to those who read the new note on the goal page: a
    note is news only to them."""
    emit(
        note.goal.cohort_id,
        "goal.updated",
        {"goal": goal_payload(_summary(note.goal))},
        user_ids=rules.goal_note_reader_ids(note),
    )


def goal_hidden(goal: Goal, *, user_ids) -> None:
    """Tell those of `user_ids` who no longer read the goal to drop it, and
    keep its earlier events from replaying to them when they resume."""
    if not user_ids:
        return
    readers = rules.goal_reader_ids(goal)
    lost = set(user_ids) - readers
    if lost:
        streams.withdraw_past_events(
            COHORT,
            goal.cohort_id,
            Q(payload__goal__id=goal.pk),
            audience=Audience.USERS,
            keep_user_ids=readers,
        )
    emit(goal.cohort_id, "goal.removed", {"goal": goal.pk}, user_ids=lost)


def checkin_saved(checkin: CheckIn, *, created: bool) -> None:
    """`checkin.posted` (or `.edited`) to its readers: one event for those who
    may reply, one for those who only read, each with its `can_reply`."""
    audience = rules.checkin_audience(checkin)
    for can_reply in (True, False):
        emit(
            checkin.cohort_id,
            "checkin.posted" if created else "checkin.edited",
            {"checkin": checkin_payload(checkin, can_reply=can_reply)},
            user_ids={user for user, replies in audience.items() if replies == can_reply},
        )


def checkin_hidden(checkin: CheckIn, *, user_ids) -> None:
    """Tell those of `user_ids` who no longer read the check-in to drop it,
    and keep its earlier events (and its thread's) from replaying to them
    when they resume."""
    if not user_ids:
        return
    readers = rules.checkin_reader_ids(checkin)
    lost = set(user_ids) - readers
    if lost:
        streams.withdraw_past_events(
            COHORT,
            checkin.cohort_id,
            Q(payload__checkin__id=checkin.pk) | Q(payload__reply__checkin=checkin.pk),
            audience=Audience.USERS,
            keep_user_ids=readers,
        )
    emit(checkin.cohort_id, "checkin.removed", {"checkin": checkin.pk}, user_ids=lost)


def reply_posted(reply: CheckInReply) -> None:
    emit(
        reply.checkin.cohort_id,
        "reply.posted",
        {"reply": reply_payload(reply)},
        user_ids=rules.checkin_reader_ids(reply.checkin),
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
    are kept: they tell the reader to drop what they still show. A check-in's
    `can_reply` is brought up to date the same way.
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
        rules.visible_goals(access).filter(pk__in=goal_ids).values_list("pk", flat=True)
        if goal_ids
        else ()
    )
    checkins = dict(
        rules.with_reply_rights(access, rules.visible_checkins(access).filter(pk__in=checkin_ids))
        .values_list("pk", "can_reply")
        .order_by()
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
        if isinstance(payload.get("checkin"), dict):
            payload["checkin"]["can_reply"] = bool(checkins[checkin])
        kept.append(event)
    return kept


def cohort_snapshot(access) -> dict:
    """The `cohort.snapshot` frame for one user: this period's check-ins and
    the goals they may read, with the stream's seq. A fixed number of
    queries, whatever the number of check-ins, replies and goals.

    Read with the stream's row locked, as every event takes that lock to
    raise the counter: the content and its seq are read together.
    """
    with transaction.atomic():
        rhythm = periods.rhythm_for(access.cohort)
        rhythm = CohortRhythm.objects.select_for_update().get(pk=rhythm.pk)
        period = periods.current_period(rhythm)
        viewer = access.user.pk
        checkins = (
            rules.with_reply_rights(access, rules.visible_checkins(access))
            .filter(period_start=period.start)
            .select_related("author__user")
            .prefetch_related(_reply_threads())
            .order_by("created_at", "pk")
        )
        goals = with_summary(rules.visible_goals(access))
        partners = (
            [m.user_id for m in rounds.partners_of(access.membership)]
            if rules.has_partners(access)
            else []
        )
        return {
            "type": "cohort.snapshot",
            "protocol": protocol.PROTOCOL_VERSION,
            "seq": rhythm.last_seq,
            "me": {
                "user": viewer,
                "name": access.user.get_full_name(),
                "role": rules.stream_role(access),
                "partners": partners,
            },
            "cohort": {"id": access.cohort.pk, "name": access.cohort.name},
            "period": {
                "start": period.start.isoformat(),
                "end": period.end.isoformat(),
                "cadence": rhythm.cadence,
            },
            "checkins": [
                checkin_payload(c, viewer_id=viewer, can_reply=bool(c.can_reply)) for c in checkins
            ],
            "goals": [goal_payload(goal) for goal in goals],
        }
