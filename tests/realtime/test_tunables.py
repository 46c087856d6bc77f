"""realtime.tunables: every realtime setting has its default in that one module,
and an override applies at its next use."""

import re
from pathlib import Path

from realtime import tunables

DEFAULTS = {
    "REALTIME_PRESENCE_HEARTBEAT": (tunables.presence_heartbeat, 30),
    "BOARD_PRESENCE_TIMEOUT": (tunables.presence_timeout, 90),
    "REALTIME_FREEZE_OBJECTS": (tunables.freezes_objects, True),
    "REALTIME_WRITER_IDLE_SECONDS": (tunables.writer_idle_seconds, 5),
    "REALTIME_RESUME_WINDOW": (tunables.resume_window, 1000),
    "REALTIME_RATE_BURST": (tunables.rate_burst, 40),
    "REALTIME_RATE_PER_SECOND": (tunables.rate_per_second, 2),
    "REALTIME_MAX_SOCKETS_PER_USER": (tunables.max_sockets_per_user, 20),
}
ROOT = Path(__file__).resolve().parents[2]


def test_each_default_applies_when_the_setting_is_absent(settings):
    for name in DEFAULTS:
        if hasattr(settings, name):
            delattr(settings, name)
    assert {name: read() for name, (read, _default) in DEFAULTS.items()} == {
        name: default for name, (_read, default) in DEFAULTS.items()
    }


def test_an_override_applies_at_the_next_read(settings):
    settings.REALTIME_RESUME_WINDOW = 2
    settings.REALTIME_RATE_BURST = 3
    settings.BOARD_PRESENCE_TIMEOUT = 7
    assert tunables.resume_window() == 2
    assert tunables.rate_burst() == 3.0
    assert tunables.presence_timeout() == 7


def test_no_other_module_reads_a_realtime_setting():
    """A second default somewhere else would drift from this one."""
    pattern = re.compile(r"""(settings\.|["'])(REALTIME_|BOARD_PRESENCE_)""")
    readers = [
        str(path.relative_to(ROOT))
        for app in ("realtime", "board", "goals")
        for path in (ROOT / app).rglob("*.py")
        if path.name != "tunables.py" and pattern.search(path.read_text())
    ]
    assert readers == []
