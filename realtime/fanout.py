"""One channel-layer membership per group and process, fanned out to its sockets.

Each socket used to join its stream's group on the channel layer itself, so a
reflection in a cohort of ten became ten layer messages: ten deep copies and
ten queues in the in-memory layer, ten Redis writes and pops in the
scale-out, and for every socket a task and an `asyncio.wait` to take its
copy (docs/performance.md). Here each event loop joins a group once, on one
channel of its own, when the first socket of the group opens in it, and
leaves when the last one closes. A group message arrives once per process,
and the fan-out hands it to that process's sockets of the group in the order
they joined (`take_group_message`), each socket keeping its own order.

A socket's own channel now carries only what is meant for it alone
("stream.revoked", from the heartbeat).
"""

from __future__ import annotations

import asyncio
import logging
import time

from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)


class Fanout:
    """The fan-out of one event loop (one Daphne process) on one channel layer."""

    def __init__(self, layer):
        self.layer = layer
        self.channel: str | None = None
        # group -> its sockets in this process, in the order they joined
        self.members: dict[str, dict] = {}
        # group -> when this process last joined it on the layer
        self.subscribed: dict[str, float] = {}
        # Joins and leaves on the layer run one at a time: on Redis two of
        # them in flight could land in either order.
        self._layer_lock = asyncio.Lock()
        self._task: asyncio.Task | None = None

    async def join(self, group: str, member) -> None:
        """Hand `group`'s messages to `member` from now on. Returns once this
        process is subscribed, so a state read after it misses nothing."""
        self.members.setdefault(group, {})[member] = None
        if group in self.subscribed:
            return
        async with self._layer_lock:
            if self.channel is None:
                # The layer's usual kind of name: Redis takes every channel of
                # a process from one list, by a receive lock they all share.
                self.channel = await self.layer.new_channel()
                self._task = asyncio.get_running_loop().create_task(self._receive())
            if group not in self.subscribed:
                await self.layer.group_add(group, self.channel)
                self.subscribed[group] = time.monotonic()

    async def leave(self, group: str, member) -> None:
        """Stop handing `group`'s messages to `member` (which need not be
        a member); unsubscribe the process with the group's last socket."""
        members = self.members.get(group)
        if members is None or member not in members:
            return
        del members[member]
        if members:
            return
        del self.members[group]
        async with self._layer_lock:
            if group in self.members or group not in self.subscribed:
                return  # a socket of the group opened meanwhile
            del self.subscribed[group]
            await self.layer.group_discard(group, self.channel)

    async def renew(self) -> None:
        """Channel layers drop a group membership older than their
        `group_expiry` (a day by default) without a word: a cohort page left
        open over a weekend would stop hearing its cohort. Joining again
        halfway through renews it (the heartbeat calls this)."""
        half = getattr(self.layer, "group_expiry", 86400) / 2
        due = [group for group, at in self.subscribed.items() if time.monotonic() - at > half]
        for group in due:
            async with self._layer_lock:
                if group in self.subscribed:
                    await self.layer.group_add(group, self.channel)
                    self.subscribed[group] = time.monotonic()

    async def _receive(self) -> None:
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                if asyncio.current_task().cancelling():
                    # Cancelled inside the Redis client, which can report it
                    # as a timeout: the loop is closing.
                    return
                logger.exception("fan-out could not receive; trying again in a second")
                await asyncio.sleep(1)
                continue
            await self.deliver(message)

    async def deliver(self, message: dict) -> None:
        group = message.get("group")
        if group is None:
            logger.warning("a group message without its group: %s", message.get("type"))
            return
        # A copy of the list: a socket may close while another one sends.
        for member in list(self.members.get(group, ())):
            try:
                await member.take_group_message(message)
            except Exception:
                logger.exception("could not hand %s to a socket", message.get("type"))

    def close(self) -> None:
        if self._task is not None:
            self._task.cancel()


# One fan-out per event loop: Daphne runs one loop; tests make one per test,
# each with a channel layer of its own.
_fanouts: dict[asyncio.AbstractEventLoop, Fanout] = {}


def current() -> Fanout:
    loop = asyncio.get_running_loop()
    for old in [old for old in _fanouts if old.is_closed()]:
        del _fanouts[old]
    layer = get_channel_layer()
    found = _fanouts.get(loop)
    if found is None or found.layer is not layer:
        if found is not None:
            found.close()
        found = _fanouts[loop] = Fanout(layer)
    return found


def addressed(group: str, message: dict) -> dict:
    """`message` as sent to `group`: the fan-out finds the sockets by its "group"."""
    return {**message, "group": group}
