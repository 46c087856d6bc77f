"""The embedded channel layer: Channels' in-memory layer, swept once a second.

The stock `InMemoryChannelLayer` walks every channel and every group
membership to drop expired messages on each `receive` and each `group_send`.
Every socket waited in `receive` again after each message, so one delivery
cost work in proportion to all open sockets: 7 % of the event loop with 300
sockets, and the walk grew with the square of the load
(docs/performance.md). Expiry only frees messages nobody read in time;
doing it at most once a second changes when they go, not whether.
"""

from __future__ import annotations

import time

from channels.layers import InMemoryChannelLayer


class SweptInMemoryChannelLayer(InMemoryChannelLayer):
    sweep_interval = 1.0  # seconds

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._next_sweep = 0.0

    def _remove_from_groups(self, channel):
        # The stock layer takes a channel out of every group when one of its
        # messages expires, taking it for a dead consumer's. The only channel
        # in groups now is a process's fan-out channel (realtime/fanout.py):
        # one that falls 30 s behind must catch up, not go deaf to every
        # group until its memberships are renewed.
        pass

    def _clean_expired(self):
        now = time.monotonic()
        if now < self._next_sweep:
            return
        self._next_sweep = now + self.sweep_interval
        super()._clean_expired()
