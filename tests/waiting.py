"""Waiting for a condition, never for a guess of time.

A test that needs something to have happened (a heartbeat, a write, a
server listening) waits here until it has, up to a deadline that is an
upper bound, never a measured duration.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Callable

DEADLINE = 10  # seconds: generous, since two test workers share the machine
POLL = 0.01


async def eventually(condition: Callable, *, timeout: float = DEADLINE, what: str = "") -> None:
    """Return once `condition()` (a function, or a coroutine function such as
    a `database_sync_to_async` read) is true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        held = condition()
        if inspect.isawaitable(held):
            held = await held
        if held:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what or condition}")
        await asyncio.sleep(POLL)


def eventually_sync(condition: Callable, *, timeout: float = DEADLINE, what: str = "") -> None:
    """`eventually` for synchronous code (a test process waiting on another)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what or condition}")
        time.sleep(POLL)
