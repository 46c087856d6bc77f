"""Event streams: a gapless `seq` kept in the database, audiences, broadcast.

A stream (one session board, one cohort feed...) is owned by a row with a
`last_seq` counter; its events are rows of a `StreamEvent` subclass. A service
appends an event inside its transaction (`append_event`): the counter is raised
with `UPDATE ... SET last_seq = last_seq + 1`, which holds the row lock until
commit, so numbers are gapless, ordered as the commits are, survive restarts
and agree across processes. After commit the event goes to the stream's group
on the channel layer. Consumers reorder nothing: one that sees a gap, or an
event it must read itself, reads the log (`events_for`).

A group message carries only what every member of the group may see: an event
for a narrower audience travels as its number and audience alone, and those
in the audience read it from the database.

An event is addressed when it is stored; a read of the log (a resume, a
catch-up) is judged again by the stream's own rule as the reader's rights and
the items stand now (`events_for`'s `recheck`), so a reader never gets back
what they have lost since.

Items that belong to someone carry an opaque "_author" key (`author_key`), which
`render` turns into "mine" for each recipient and strips, so authors of
anonymous items never travel to clients.
"""

from __future__ import annotations

import contextlib
import copy
import datetime
import functools
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from realtime import fanout, queries, tunables
from realtime.models import Audience, StreamEvent

logger = logging.getLogger(__name__)

AUTHOR_KEY = "_author"
SERVER_NOW = "server_now"


@dataclass(frozen=True)
class Stream:
    """One kind of stream: its owner model (with `last_seq`), its event model
    (with a foreign key `owner_field` to the owner) and its group prefix."""

    name: str
    owner_model: type[models.Model]
    event_model: type[StreamEvent]
    owner_field: str

    def group(self, owner_id: int) -> str:
        return f"{self.name}.{int(owner_id)}"

    def events(self, owner_id: int):
        return self.event_model.objects.filter(**{f"{self.owner_field}_id": owner_id})

    def current_seq(self, owner_id: int) -> int:
        return self.owner_model.objects.values_list("last_seq", flat=True).get(pk=owner_id)


@dataclass(frozen=True)
class Recipient:
    """One connected user, as far as deciding and shaping their events goes."""

    user_id: int
    is_facilitator: bool
    author_key: str


def author_key(stream: Stream, owner_id: int, user_id: int) -> str:
    """An opaque key naming an author within one stream, never sent to clients."""
    return _author_key(settings.SECRET_KEY, stream.group(owner_id), user_id)


@functools.lru_cache(maxsize=16384)
def _author_key(secret: str, group: str, user_id: int) -> str:
    # Every event payload and every recipient needs one: an HMAC each time
    # would be paid thousands of times a second.
    return salted_hmac("realtime.author", f"{group}:{user_id}", secret=secret).hexdigest()[:24]


def recipient(stream: Stream, owner_id: int, *, user_id: int, is_facilitator: bool) -> Recipient:
    return Recipient(
        user_id=user_id,
        is_facilitator=is_facilitator,
        author_key=author_key(stream, owner_id, user_id),
    )


def is_for(audience: str, user_ids, who: Recipient) -> bool:
    if who.user_id in (user_ids or ()):
        return True
    if audience == Audience.EVERYONE:
        return True
    if audience == Audience.FACILITATORS:
        return who.is_facilitator
    return False


def render(event_type: str, seq: int | None, payload: dict, who: Recipient) -> dict:
    """The frame one recipient gets: "mine" per item, authors stripped, and
    "server_now" set to the time of sending."""
    return _frame(event_type, seq, copy.deepcopy(payload), who)


def _frame(event_type: str, seq: int | None, payload: dict, who: Recipient) -> dict:
    """`render`, changing `payload` in place."""
    frame = {"type": event_type}
    if seq is not None:
        frame["seq"] = seq
    frame.update(_personalize(payload, who, timezone.now()))
    return frame


def _personalize(value, who: Recipient, now):
    if isinstance(value, dict):
        if AUTHOR_KEY in value:
            value["mine"] = value.pop(AUTHOR_KEY) == who.author_key
        if SERVER_NOW in value:
            value[SERVER_NOW] = iso(now)
        for key, item in value.items():
            value[key] = _personalize(item, who, now)
    elif isinstance(value, list):
        return [_personalize(item, who, now) for item in value]
    return value


def iso(moment) -> str | None:
    """UTC, ISO 8601, with a Z: the protocol's time format."""
    if moment is None:
        return None
    return moment.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")


def append_event(
    stream: Stream,
    owner_id: int,
    event_type: str,
    payload: dict,
    *,
    audience: str = Audience.EVERYONE,
    user_ids=(),
) -> StreamEvent:
    """Store the stream's next event and broadcast it once the transaction commits.

    Must run inside the transaction that makes the change, so that the change,
    the event and the counter commit (or roll back) together.
    """
    return append_events(stream, owner_id, [(event_type, payload, audience, user_ids)])[0]


def append_events(stream: Stream, owner_id: int, events) -> list[StreamEvent]:
    """`append_event` for several events of one stream, in three statements:
    `events` holds (event_type, payload, audience, user_ids) tuples."""
    if not connection.in_atomic_block:
        raise RuntimeError("append_event must run inside transaction.atomic()")
    last = queries.raise_counter(stream.owner_model, owner_id, len(events))
    first = last - len(events) + 1
    stored = [
        stream.event_model(
            **{f"{stream.owner_field}_id": owner_id},
            seq=seq,
            type=event_type,
            payload=payload,
            audience=audience,
            user_ids=sorted(set(user_ids)),
        )
        for seq, (event_type, payload, audience, user_ids) in enumerate(events, start=first)
    ]
    queries.insert_events(stored)
    group = stream.group(owner_id)
    for event in stored:
        transaction.on_commit(partial(group_send, group, _group_message(event)))
    return stored


def withdraw_past_events(
    stream: Stream, owner_id: int, where: models.Q, *, audience: str, keep_user_ids=()
) -> int:
    """Narrow the audience of earlier events that carry an item now withdrawn.

    The log replays events to a client that resumes, so an item hidden,
    deleted or shared more narrowly since must not travel again to those it
    was withdrawn from. Each matching event keeps at most `audience` and those
    of its listed users who are in `keep_user_ids`; nothing is ever widened.
    Must run inside the transaction that withdraws the item.
    """
    narrowing = [Audience.EVERYONE, Audience.FACILITATORS, Audience.USERS]
    keep = set(keep_user_ids)
    events = list(stream.events(owner_id).filter(where))
    for event in events:
        if narrowing.index(audience) > narrowing.index(event.audience):
            event.audience = audience
        event.user_ids = sorted(set(event.user_ids or ()) & keep)
    stream.event_model.objects.bulk_update(events, ["audience", "user_ids"])
    return len(events)


def _group_message(event: StreamEvent) -> dict:
    everyone = event.audience == Audience.EVERYONE
    authors, timed = _shape(event.payload)
    return {
        "type": "stream.event",
        "seq": event.seq,
        "event_type": event.type,
        # Narrower events are read from the database by those they are for.
        # As JSON text: the in-memory layer deep-copies a message for every
        # member of the group, and a string copies for nothing.
        "payload": encode(event.payload) if everyone else None,
        "audience": event.audience,
        "user_ids": event.user_ids,
        # What `frame_text` needs to know which recipients get the same text.
        "authors": sorted(authors),
        "timed": timed,
    }


def _shape(value, authors=None) -> tuple[set, bool]:
    """The author keys in a payload, and whether it carries "server_now"."""
    authors = set() if authors is None else authors
    timed = False
    if isinstance(value, dict):
        if AUTHOR_KEY in value:
            authors.add(value[AUTHOR_KEY])
        timed = SERVER_NOW in value
        items = value.values()
    elif isinstance(value, list):
        items = value
    else:
        return authors, False
    for item in items:
        timed = _shape(item, authors)[1] or timed
    return authors, timed


def encode(frame: dict) -> str:
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


_texts: OrderedDict[tuple, str] = OrderedDict()
TEXTS_KEPT = 4096


def _render_text(message: dict, who: Recipient) -> str:
    payload = json.loads(message["payload"])  # a fresh copy, changed in place
    return encode(_frame(message["event_type"], message["seq"], payload, who))


def frame_text(group: str, message: dict, who: Recipient) -> str:
    """The JSON text of an event from the group, as `who` gets it.

    Everyone in a group gets one of few texts (their own item, or someone
    else's), so each is rendered once per process and event, not once per
    socket. Payloads with "server_now" are rendered for each send.
    """
    if message["timed"]:
        return _render_text(message, who)
    own = who.author_key if who.author_key in message["authors"] else None
    key = (group, message["seq"], own)
    text = _texts.get(key)
    if text is None:
        text = _render_text(message, who)
        _texts[key] = text
        if len(_texts) > TEXTS_KEPT:
            _texts.popitem(last=False)
    return text


_deferred = threading.local()


@contextlib.contextmanager
def deferred_broadcasts():
    """Collect this thread's group messages instead of sending them; the
    caller sends the list from the event loop (realtime.batching)."""
    _deferred.messages = messages = []
    try:
        yield messages
    finally:
        del _deferred.messages


def group_send(group: str, message: dict) -> None:
    """Send to a group from synchronous code, after commit.

    The event is already stored: if the channel layer fails, clients still
    get it from the log when they next see a gap or reconnect.
    """
    message = fanout.addressed(group, message)
    deferred = getattr(_deferred, "messages", None)
    if deferred is not None:
        deferred.append((group, message))
        return
    try:
        async_to_sync(get_channel_layer().group_send)(group, message)
    except Exception:
        logger.exception("could not broadcast to %s", group)


def send_on_commit(group: str, message: dict) -> None:
    transaction.on_commit(partial(group_send, group, message))


def can_resume(stream: Stream, owner_id: int, last_seq: int, current: int) -> bool:
    """Whether the events after `last_seq` are all still in the log."""
    if last_seq < 0 or last_seq > current:
        return False
    if current - last_seq > tunables.resume_window():
        return False
    if last_seq == current:
        return True
    oldest = stream.events(owner_id).order_by("seq").values_list("seq", flat=True).first()
    return oldest is not None and oldest <= last_seq + 1


def events_for(
    stream: Stream,
    owner_id: int,
    who: Recipient,
    *,
    after: int,
    upto: int | None = None,
    recheck: Callable[[list[StreamEvent]], list[StreamEvent]] | None = None,
) -> list[dict]:
    """The frames of the events after `after` (up to `upto`) that are for `who`.

    Each event was addressed to the readers of its item when it was stored;
    since then the item may have been edited or deleted, and `who` may have
    lost the right to it (moved, removed, no longer a leader, a setting
    turned off). `recheck`, the stream's own rule (see
    `StreamConsumer.recheck_replay`), gets the events addressed to `who`, in
    order, and returns those `who` may still receive now, their payloads
    brought up to date where the stream says so.
    """
    events = stream.events(owner_id).filter(seq__gt=after).order_by("seq")
    if upto is not None:
        events = events.filter(seq__lte=upto)
    addressed = [event for event in events if is_for(event.audience, event.user_ids, who)]
    if recheck is not None and addressed:
        addressed = recheck(addressed)
    return [render(event.type, event.seq, event.payload, who) for event in addressed]
