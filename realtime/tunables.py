"""The realtime layer's tunables: one function per Django setting, with its default.

Each is read from `settings` when it is used, not at import, so a test's
override applies at once. README.md ("Settings") documents them.
"""

from __future__ import annotations

from django.conf import settings


def presence_heartbeat() -> float:
    """Seconds between two re-checks of every open socket (realtime/heartbeat.py)."""
    return getattr(settings, "REALTIME_PRESENCE_HEARTBEAT", 30)


def presence_timeout() -> float:
    """Seconds after which presence not refreshed by a heartbeat stops counting.
    The setting's name is older than presence on other streams than the board."""
    return getattr(settings, "BOARD_PRESENCE_TIMEOUT", 90)


def freezes_objects() -> bool:
    """Whether each process keeps its sockets' objects out of the garbage
    collector's walks (realtime/collector.py); config/settings.py reads the
    REALTIME_FREEZE_OBJECTS environment variable into this setting."""
    return getattr(settings, "REALTIME_FREEZE_OBJECTS", True)


def writer_idle_seconds() -> float:
    """Seconds without work after which the writer closes its connection."""
    return getattr(settings, "REALTIME_WRITER_IDLE_SECONDS", 5)


def resume_window() -> int:
    """The most events a reconnecting client may resume; beyond, a snapshot."""
    return getattr(settings, "REALTIME_RESUME_WINDOW", 1000)


def rate_burst() -> float:
    """Client frames one user may send to one process at once..."""
    return float(getattr(settings, "REALTIME_RATE_BURST", 40))


def rate_per_second() -> float:
    """...and then so many a second."""
    return float(getattr(settings, "REALTIME_RATE_PER_SECOND", 2))


def max_sockets_per_user() -> int:
    """Websockets one user may hold open in one process, every stream together."""
    return getattr(settings, "REALTIME_MAX_SOCKETS_PER_USER", 20)
