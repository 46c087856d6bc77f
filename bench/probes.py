"""The servers as the load generator sees them while it drives them: memory,
database connections, channel-layer groups, and a sampling profiler."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from bench import procstat


def server_memory(pids: list[int]) -> dict:
    readings = [procstat.memory_mb(pid) for pid in pids]
    return {
        "rss_mb": round(sum(r["rss_mb"] for r in readings), 1),
        "peak_rss_mb": round(max((r["peak_rss_mb"] for r in readings), default=0), 1),
        "peak_rss_total_mb": round(sum(r["peak_rss_mb"] for r in readings), 1),
    }


def probe(plan: dict, cohorts: list, started: float) -> dict:
    """Server memory, database connections and channel-layer group sizes, now."""
    spec = plan.get("probe", {})
    found = {
        "at_s": round(time.perf_counter() - started, 1),
        "connected": sum(bin(c.connected_mask).count("1") for c in cohorts),
        "server_memory": server_memory(plan["server_pids"]),
    }
    url = spec.get("database_url", "")
    if url.startswith("postgres"):
        import psycopg

        server, name = url.rsplit("/", 1)
        with psycopg.connect(f"{server}/postgres") as conn:
            found["db_connections"] = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [name]
            ).fetchone()[0]
    elif url.startswith("sqlite:///"):
        # Each SQLite connection holds the database file open (plus -wal, -shm).
        path = url.removeprefix("sqlite://")
        found["db_files_open"] = sum(
            procstat.open_files_under(pid, path) for pid in plan["server_pids"]
        )
    if redis_url := spec.get("redis_url"):
        import redis

        client = redis.Redis.from_url(redis_url)
        keys = list(client.scan_iter(match="*:group:*", count=1000))
        found["layer_groups"] = len(keys)
        found["layer_group_members"] = sum(client.zcard(key) for key in keys)
    return found


def start_profiler(plan: dict) -> subprocess.Popen | None:
    """py-spy sampling the server without pausing it (--nonblocking)."""
    if not (spec := plan.get("profile")):
        return None
    py_spy = Path(sys.executable).parent / "py-spy"
    return subprocess.Popen(
        [
            str(py_spy),
            "record",
            "--pid",
            str(spec["pid"]),
            "--format",
            "raw",
            "--output",
            spec["output"],
            "--rate",
            "100",
            "--nonblocking",
            "--idle",
            "--threads",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
