"""A token bucket per user, shared by all of that user's sockets in this process.

Generous by default (a burst of 40 frames, then 2 a second): a person typing,
reacting and clicking through a real session never meets it; a script
flooding a stream does. Settings: REALTIME_RATE_BURST, REALTIME_RATE_PER_SECOND
(realtime/tunables.py).
"""

from __future__ import annotations

import threading
import time

from realtime import tunables


class RateLimiter:
    def __init__(self):
        self._buckets: dict[object, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, key, *, now: float | None = None) -> bool:
        """Take one token from `key`'s bucket; False when it is empty."""
        burst = tunables.rate_burst()
        rate = tunables.rate_per_second()
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, stamp = self._buckets.get(key, (burst, now))
            tokens = min(burst, tokens + (now - stamp) * rate)
            if tokens < 1:
                self._buckets[key] = (tokens, now)
                return False
            self._buckets[key] = (tokens - 1, now)
            return True

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()


limiter = RateLimiter()
