"""Websocket consumers: thin adapters between frames and services.

`StreamConsumer` holds everything a stream needs (docs/realtime-protocol.md,
part 1): authentication and the access check, the close codes, a cap on
each user's sockets, snapshot or resume on connect, ordered and gapless
delivery of events, the end of the socket with its sign-in
(realtime/logins.py), and for every client frame: parse, rate limit, one
service call in the process's writer (realtime/batching.py), exactly one
reply. In-order delivery is realtime/ordering.py's. A stream's consumer, in
its feature's app, fills in the hooks; rules stay in the services and in
the feature's access checks. config/routing.py gives each its path.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from functools import partial
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lib.errors import DomainError
from realtime import batching, fanout, heartbeat, logins, protocol, streams, tunables
from realtime.ordering import InOrderDelivery
from realtime.protocol import ClientMessage, ProtocolError
from realtime.ratelimit import limiter
from realtime.shared import presence_reads

logger = logging.getLogger(__name__)

# An open socket whose right ended: removed from the stream's audience,
# signed out, a new password, a deactivated account.
CLOSE_FORBIDDEN = 4403
# A socket refused at the handshake, for any reason of rights: not signed in,
# no right to the stream, no such stream, no such path. One code for all, as
# pages give one 404: a close code must not tell which ids exist.
CLOSE_REFUSED = 4404
# The user has `tunables.max_sockets_per_user()` sockets open in this
# process already.
CLOSE_TOO_MANY = 4429
CLOSE_SERVER_ERROR = 1011


class StreamConsumer(AsyncWebsocketConsumer):
    """One client's socket on one stream.

    Subclasses set `stream`, `messages` and `forbidden_message` and implement
    the synchronous hooks (each runs in a worker thread, with database
    access): `authorize`, `make_recipient`, `snapshot`, `handle`; and, for
    presence, `join`, `leave` and `presence_frame`. `reauthorize` and
    `recheck_all` have defaults built on `authorize`; a stream with many
    sockets makes them cheaper.
    """

    stream: streams.Stream
    messages: Mapping[str, Mapping[str, protocol.FieldType]]
    url_kwarg = "pk"
    has_presence = False
    # Message types whose frames of one batch run in a single call of the
    # named classmethod (see realtime.batching).
    bulk_handlers: Mapping[str, str] = {}
    # The error frame's text for a frame whose sender's right is gone; a
    # stream names its own kind of thing.
    forbidden_message = gettext_lazy("You no longer have access to this stream.")

    # Hooks ---------------------------------------------------------------
    def authorize(self, user, owner_id):
        """Return the user's access object; raise PermissionDenied or Http404
        (either closes with 4404)."""
        raise NotImplementedError

    def make_recipient(self, access) -> streams.Recipient:
        raise NotImplementedError

    def snapshot(self, access) -> dict:
        """The stream's first frame, with "seq" (read under the stream's lock)."""
        raise NotImplementedError

    def handle(self, access, message: ClientMessage) -> dict:
        """Run one service for `message`; return what the ack carries besides
        its client_id. Raise DomainError to refuse."""
        raise NotImplementedError

    def join(self, access) -> None:
        """Record this connection as present (presence streams only)."""

    def leave(self) -> None:
        """Forget this connection's presence."""

    def presence_frame(self) -> dict | None:
        return None

    def recheck_replay(self, access, events: list) -> list:
        """Of the events read back from the log for this socket (a resume or
        a catch-up), those its user may still receive now, in order.

        Each event was addressed when it was stored; since then its item may
        have been edited or deleted, and the user may have lost the right to
        it. A stream applies here the rules of its pages, and may bring a
        payload up to date (`event.payload` may be replaced). Only log reads
        pay for this: events that travel whole in the group never do. The
        default keeps every event."""
        return events

    async def dispatch(self, message):
        """Channels' dispatch, without its `aclose_old_connections()` before
        every handler: that is a hop to the database thread for each frame and
        each delivered event, and these handlers reach the database only
        through `database_sync_to_async` and the writer, which look after
        their own connections."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    # Connection ----------------------------------------------------------
    async def connect(self):
        self.access = None
        self.seq = 0
        self.sent_presence = None
        self._joined = []  # groups of the process's fan-out this socket is in
        owner_id = self.scope["url_route"]["kwargs"][self.url_kwarg]
        self.login = logins.login_of(self.scope)
        # The place first: past the cap, a socket costs no read of the access.
        if self.login is not None and not await self._take_slot():
            await self._refuse(CLOSE_TOO_MANY)
            return
        try:
            self.access = await database_sync_to_async(self.authorize)(
                self.scope.get("user"), owner_id
            )
        except (PermissionDenied, Http404):
            await self._refuse(CLOSE_REFUSED)
            return
        if self._login_ended:  # while the access was read
            await self._refuse(CLOSE_FORBIDDEN)
            return
        self.owner_id = int(owner_id)
        self.user_id = self.scope["user"].pk
        self.group = self.stream.group(self.owner_id)
        self.recipient = self.make_recipient(self.access)
        # Join the group before reading state: events committed meanwhile
        # are held until the opening frames are out, then dropped or used by
        # their seq.
        self._delivery = InOrderDelivery(self)
        self._delivery.hold()
        self._joined.append(self.group)
        await fanout.current().join(self.group, self)
        await self._open()  # should it fail, __call__ lets go of the socket
        self._opened = True
        if self._login_ended:  # while the opening frames were read
            await self._close_with(CLOSE_FORBIDDEN)
            return
        self._delivery.release()

    async def _take_slot(self) -> bool:
        """Join the user's group (realtime/logins.py), unless the user has
        `tunables.max_sockets_per_user()` sockets in this process already. The count
        and the join happen with no await between them (`Fanout.join` adds
        the member before its first await), so sockets opened at once
        cannot overshoot the cap."""
        hub = fanout.current()
        group = logins.user_group(self.login.user_id)
        if len(hub.members.get(group, ())) >= tunables.max_sockets_per_user():
            return False
        self._joined.append(group)
        await hub.join(group, self)
        return True

    async def _open(self):
        await self.accept()
        frames, self.seq, resumed = await database_sync_to_async(self._opening)(
            _last_seq(self.scope)
        )
        for frame in frames:
            await self.send_frame(frame)
        heartbeat.register(self)
        if self.has_presence:
            token = await self._announce_presence()
            self.sent_presence = await presence_reads.get(token, self.presence_frame)
            # A snapshot carries presence, unless it changed since.
            if resumed or frames[-1].get("presence") != self.sent_presence["presence"]:
                await self.send_frame(self.sent_presence)

    async def _refuse(self, code: int):
        # Accept, then close: a browser sees the close code only on an open
        # socket (a refused handshake reaches it as a bare 1006).
        await self.accept()
        await self.close(code=code)

    def _opening(self, last_seq: int | None):
        """Join presence, then the snapshot or the missed events: one trip to
        the database thread."""
        if self.has_presence:
            self.join(self.access)
        if last_seq is not None:
            current = self.stream.current_seq(self.owner_id)
            if streams.can_resume(self.stream, self.owner_id, last_seq, current):
                frames = streams.events_for(
                    self.stream,
                    self.owner_id,
                    self.recipient,
                    after=last_seq,
                    upto=current,
                    recheck=self._recheck,
                )
                return frames, current, True
        frame = self.snapshot(self.access)
        return [frame], frame["seq"], False

    def _recheck(self, events: list) -> list:
        """`recheck_replay` with this socket's access (checked at connect,
        then again at every heartbeat)."""
        return self.recheck_replay(self.access, events)

    async def _announce_presence(self) -> str:
        """Tell the group that presence changed. Each process reads the new
        list once for all its sockets on this stream (`presence_reads`)."""
        token = uuid.uuid4().hex
        await self.channel_layer.group_send(
            self.group, fanout.addressed(self.group, {"type": "stream.presence", "token": token})
        )
        return token

    async def __call__(self, scope, receive, send):
        try:
            await super().__call__(scope, receive, send)
        finally:
            # Also when the consumer ends without `disconnect` (a handler
            # failed, or Daphne cancelled it): the fan-out and the heartbeat
            # must not go on serving a dead socket.
            await self._let_go()

    async def _let_go(self):
        """Stop taking group messages and heartbeats; safe to call twice."""
        self._closed = True
        if self._delivery is not None:
            self._delivery.cancel()
        if getattr(self, "group", None) is not None:
            heartbeat.unregister(self)
        for group in self._joined:
            try:
                await fanout.current().leave(group, self)
            except Exception:
                logger.exception("could not leave %s", group)

    async def disconnect(self, code):
        if self.access is None:
            return
        await self._let_go()
        if self.has_presence:
            await database_sync_to_async(self.leave)()
            await self._announce_presence()

    @classmethod
    def recheck_all(cls, consumers) -> list[StreamConsumer]:
        """The heartbeat, in the writer, for some of this process's open
        sockets of this kind: check each right again and refresh presence;
        return the sockets whose right is gone.

        Events are filtered by the role held at connect; someone removed from
        the cohort, or no longer its facilitator, must stop receiving them
        within one interval, not only at their next frame. This default checks
        one socket at a time; a stream with many sockets does it in bulk.
        """
        refused = []
        for consumer in consumers:
            try:
                consumer.access = consumer.authorize(consumer.scope["user"], consumer.owner_id)
            except (PermissionDenied, Http404):
                refused.append(consumer)
                continue
            consumer.recipient = consumer.make_recipient(consumer.access)
        return refused

    async def stream_revoked(self, message):
        """From the heartbeat: this socket's right, or its sign-in, is gone."""
        await self._close_with(CLOSE_FORBIDDEN)

    async def _login_ended_message(self, message):
        """From the user's group: a sign-in of the user ended (logout, a new
        password, a deactivation). Ends this socket if it was opened with it,
        at once or, while it opens, as soon as it is open."""
        if not logins.concerns(message, self.login):
            return
        self._login_ended = True
        if self._opened:
            await self._close_with(CLOSE_FORBIDDEN)

    async def _close_with(self, code: int):
        """Close, taking no more group messages from now on: none may reach
        a socket after its right ended."""
        if self._closed:
            return
        self._closed = True
        await self.close(code=code)

    # Client frames -------------------------------------------------------
    async def receive(self, text_data=None, bytes_data=None):
        if self.access is None or self._closed:
            return  # a refused socket, or one closing
        message, refusal = None, None
        try:
            message = protocol.parse(text_data, self.messages, binary=bytes_data)
        except ProtocolError as error:
            refusal = error
        if not limiter.allow(self.user_id):
            client_id = message.client_id if message else refusal.client_id
            refusal = ProtocolError(
                "rate_limited",
                _("You are sending too fast. Wait a few seconds, then try again."),
                client_id=client_id,
            )
        if refusal is not None:
            await self.send_frame(protocol.error(refusal.code, refusal.message, refusal.client_id))
            return
        if message.type == protocol.PING:
            await self.send_frame(protocol.pong(message.client_id))
            return
        bulk = None
        if message.type in self.bulk_handlers:
            bulk = (getattr(type(self), self.bulk_handlers[message.type]), (self, message))
        try:
            reply = await batching.batcher().run(
                partial(self._run, message),
                order=(self.stream.name, self.owner_id),
                bulk=bulk,
                login=self.login,
            )
        except logins.LoginEnded:
            await self.send_frame(
                protocol.error(
                    "signed_out",
                    _("You are no longer signed in here; nothing was changed. Reload the page."),
                    message.client_id,
                )
            )
            await self._close_with(CLOSE_FORBIDDEN)
            return
        except Exception as error:
            if not isinstance(error, batching.BatchFailed):  # that one is logged already
                logger.exception("%s failed", message.type, exc_info=error)
            reply = protocol.error(
                "server_error",
                _("Something went wrong on the server; nothing was changed. Try again."),
                message.client_id,
            )
        await self.send_frame(reply)

    def reauthorize(self, access):
        """The access again before a frame runs (it may have been taken away)."""
        return self.authorize(self.scope["user"], self.owner_id)

    def _run(self, message: ClientMessage) -> dict:
        """In the writer thread: check the right again, run the service, and
        make the one reply. Other exceptions roll the frame back and reach
        `receive`, which replies "server_error"."""
        try:
            access = self.reauthorize(self.access)
            extra = self.handle(access, message)
        except (DomainError, PermissionDenied, Http404) as error:
            return self.refusal(error, message.client_id)
        return protocol.ack(message.client_id, **extra)

    @classmethod
    def refusal(cls, error, client_id) -> dict:
        """The error frame for a frame refused by a rule (DomainError) or by a
        right that is gone (PermissionDenied, Http404)."""
        if isinstance(error, DomainError):
            return protocol.error(error.code, error.message, client_id)
        return protocol.error("forbidden", cls.forbidden_message, client_id)

    # Group messages ------------------------------------------------------
    _delivery: InOrderDelivery | None = None  # made per socket in `connect`
    _closed = False
    _joined: list[str] = []  # replaced per socket in `connect`
    _opened = False  # the opening frames are out
    _login_ended = False

    async def take_group_message(self, message):
        """A message of this socket's group, from the process's fan-out
        (realtime/fanout.py), which hands it to every socket of the group in
        turn, delivered in order (realtime/ordering.py)."""
        if self._closed:
            return  # closed while the fan-out went through the group
        if message["type"] == logins.MESSAGE_TYPE:
            await self._login_ended_message(message)
            return
        await self._delivery.take(message)

    async def fail(self):
        """A group message could not be delivered; events past it would
        arrive out of order: the client reconnects and resumes from its last
        seq instead."""
        self._closed = True
        await self.close(code=CLOSE_SERVER_ERROR)

    async def stream_event(self, message):
        if await self._delivery.send_without_read(message):
            return
        # A gap (events overtook each other between processes, or the layer
        # dropped one) or an event to read from the log: read everything up to
        # this one, in order.
        seq = message["seq"]
        frames = await database_sync_to_async(streams.events_for)(
            self.stream,
            self.owner_id,
            self.recipient,
            after=self.seq,
            upto=seq,
            recheck=self._recheck,
        )
        self.seq = seq
        for frame in frames:
            await self.send_frame(frame)

    async def stream_presence(self, message):
        if not self.has_presence:
            return
        presence = await presence_reads.get(message["token"], self.presence_frame)
        if presence != self.sent_presence:
            self.sent_presence = presence
            await self.send_frame(presence)

    async def send_frame(self, frame: dict):
        await self.send(text_data=streams.encode(frame))


class UnknownPathConsumer(AsyncWebsocketConsumer):
    """Any websocket path no stream serves (the last route): closed as a
    refused stream is, rather than failing in the router."""

    async def connect(self):
        await self.accept()
        await self.close(code=CLOSE_REFUSED)


def _last_seq(scope) -> int | None:
    """?last_seq=N as an int; None when absent or not a whole number (snapshot)."""
    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("last_seq")
    if not values:
        return None
    try:
        return int(values[0])
    except ValueError:
        return None
