"""What /proc says about the server processes: CPU seconds, resident memory, open files."""

import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of one process (all its threads), 0 if it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    # The command name may hold spaces: the fields start after its closing ")".
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def memory_mb(pid: int) -> dict[str, float]:
    """Current (VmRSS) and peak (VmHWM) resident memory, in MB."""
    found = {"rss_mb": 0.0, "peak_rss_mb": 0.0}
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except (FileNotFoundError, ProcessLookupError):
        return found
    for line in lines:
        if line.startswith("VmRSS:"):
            found["rss_mb"] = int(line.split()[1]) / 1024
        elif line.startswith("VmHWM:"):
            found["peak_rss_mb"] = int(line.split()[1]) / 1024
    return found


def pids_named(names: list[str]) -> list[int]:
    """Every process whose command name is one of `names` (PostgreSQL, Redis)."""
    if not names:
        return []
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() in names:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def open_files_under(pid: int, prefix: str) -> int:
    """How many of the process's file descriptors point at paths starting with `prefix`."""
    count = 0
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return 0
    for fd in fds:
        try:
            if os.readlink(fd).startswith(prefix):
                count += 1
        except OSError:
            continue
    return count


class CpuMeter:
    """CPU seconds spent by a set of processes between two readings.

    Processes found by name may come and go (PostgreSQL forks a backend per
    connection); a process gone before the second reading is not counted.
    """

    def __init__(self, pids: list[int], names: list[str] | None = None):
        self.pids = pids
        self.names = names or []
        self.start = self._read()

    def _read(self) -> dict[int, float]:
        pids = self.pids + pids_named(self.names)
        return {pid: cpu_seconds(pid) for pid in pids}

    def elapsed(self) -> float:
        now = self._read()
        return sum(value - self.start.get(pid, 0.0) for pid, value in now.items())
