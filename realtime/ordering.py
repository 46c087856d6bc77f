"""In-order delivery of one socket's group messages.

A socket gets its stream's events in `seq` order, with none missing and none
twice. It joins its group before it reads its opening frames (a snapshot or
a resume), so events committed meanwhile are held until those frames are
out, then dropped or used by their seq. After that, the next event, when it
travels whole, is sent at once, with no task and no read; any other message
(a gap, an event to read from the log, presence) is handled in a task, and
later messages wait behind it, so that order is kept.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from typing import Protocol

from realtime import streams

logger = logging.getLogger(__name__)

_NEEDS_READ = object()  # see InOrderDelivery._next_event_text


class Socket(Protocol):
    """What the delivery needs of its socket (a StreamConsumer)."""

    seq: int  # the last seq sent, or covered by the opening frames
    group: str
    recipient: streams.Recipient

    async def send(self, text_data=None, bytes_data=None, close=False): ...

    async def stream_event(self, message) -> None: ...

    async def stream_presence(self, message) -> None: ...

    async def fail(self) -> None:
        """A message could not be delivered: later ones would arrive out of
        order, so the socket closes and its client resumes."""


class InOrderDelivery:
    def __init__(self, socket: Socket):
        self.socket = socket
        self._held: collections.deque | None = None  # messages waiting their turn
        self._draining: asyncio.Task | None = None

    def hold(self) -> None:
        """Hold every message from now on, until `release`."""
        self._held = collections.deque()

    async def take(self, message) -> None:
        """One group message, in the order the group sent them."""
        if self._held is None and message["type"] == "stream.event":
            # send_without_read, inlined: this runs once per delivery, and a
            # coroutine less per call is measurable at the board's knee.
            text = self._next_event_text(message)
            if text is not _NEEDS_READ:
                if text is not None:
                    await self.socket.send(text_data=text)
                return
        if self._held is not None:
            self._held.append(message)
            return
        self._held = collections.deque([message])
        self.release()

    def release(self) -> None:
        """Handle the held messages in order, in a task; stop holding once
        none is left."""
        if not self._held:
            self._held = None
            return
        self._draining = asyncio.ensure_future(self._drain_held())

    def cancel(self) -> None:
        if self._draining is not None:
            self._draining.cancel()

    async def send_without_read(self, message) -> bool:
        """Send (or skip) an event that needs no read; False when it does."""
        text = self._next_event_text(message)
        if text is _NEEDS_READ:
            return False
        if text is not None:
            await self.socket.send(text_data=text)
        return True

    def _next_event_text(self, message):
        """The text to send for an event that needs no read: None when it is
        not for this socket or was sent already, _NEEDS_READ otherwise."""
        socket = self.socket
        seq = message["seq"]
        if seq <= socket.seq:
            return None  # already in the snapshot, the resume, or a catch-up
        mine = streams.is_for(message["audience"], message["user_ids"], socket.recipient)
        if seq == socket.seq + 1 and (message["payload"] is not None or not mine):
            socket.seq = seq
            return streams.frame_text(socket.group, message, socket.recipient) if mine else None
        return _NEEDS_READ

    async def _drain_held(self):
        try:
            while self._held:
                message = self._held.popleft()
                if message["type"] == "stream.event":
                    await self.socket.stream_event(message)
                elif message["type"] == "stream.presence":
                    await self.socket.stream_presence(message)
        except Exception:
            logger.exception("could not deliver a group message; closing the socket")
            await self.socket.fail()
        finally:
            self._held = self._draining = None
