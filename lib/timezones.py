"""Time zones: the names people choose from, and the one in force."""

from __future__ import annotations

import functools
import zoneinfo


@functools.cache
def time_zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def time_zone_choices() -> list[tuple[str, str]]:
    """IANA names, sorted: a callable, so migrations do not list 600 choices."""
    return [(name, name) for name in sorted(time_zone_names())]


def is_time_zone(name: str) -> bool:
    return name in time_zone_names()
