"""Run the benchmark: each system seeded, started, driven by bench.loadgen, reported.

    python -m bench.run --quick          # embedded mode, small: under two minutes
    python -m bench.run --full           # every scenario of docs/performance.md

Servers run pinned to CPU 0 and the load generator to CPU 1 (on a machine
with two or more cores), so a saturated client never passes for a slow server.
The systems: `board` (config.asgi, the product), `peer` (bench.peer, the
Channels tutorial plus a database write) and `floor` (bench.floor, bare
websockets). Results go to bench/results/<timestamp>.json (git-ignored), a
table to stdout and, with matplotlib installed, a plot of p99 against post rate.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from bench import report
from bench.crowd import EMOJIS
from bench.processes import (
    BASE,
    CLIENT_CPU,
    POSTGRES_URL,
    PYTHON,
    REDIS_URL,
    Server,
    base_env,
    daphne,
    flush_redis,
    free_port,
    fresh_postgres,
    fresh_sqlite,
    pinned,
    run_checked,
)
from bench.scenarios import Scenario, scenarios, soak

VAR = BASE / "var" / "bench"
RESULTS = BASE / "bench" / "results"
LAYERS = {
    "core": "channels_redis.core.RedisChannelLayer",
    "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
}


# One system ------------------------------------------------------------------


def synthetic_cohorts(count: int) -> list[dict]:
    """The peer's and the floor's cohorts: the board's shape, with no accounts behind them."""
    return [
        {
            "session": 0,
            "phase": 0,
            "members": [
                {"user": c * 10 + s, "role": "facilitator" if s == 0 else "participant"}
                for s in range(10)
            ],
        }
        for c in range(count)
    ]


def run_scenario(
    scenario: Scenario, *, workdir: Path = VAR, timeout: float = 900, profile: Path | None = None
) -> dict:
    """Prepare, start, drive and stop one system; the load generator's result plus checks."""
    workdir.mkdir(parents=True, exist_ok=True)
    servers: list[Server] = []
    env = base_env()
    probe: dict = {}
    count_argv: list[str] = []
    if scenario.scaleout:
        flush_redis()
        env.update(REDIS_URL=REDIS_URL, CHANNEL_LAYER_BACKEND=LAYERS[scenario.layer])
        probe["redis_url"] = REDIS_URL
    env.update(scenario.extra)
    started = time.monotonic()
    if scenario.system == "board":
        url = (
            fresh_postgres("cohorts_bench")
            if scenario.scaleout
            else fresh_sqlite("board", workdir)
        )
        env["DATABASE_URL"] = url
        run_checked([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], env)
        users_file = workdir / f"{scenario.name}-users.json"
        run_checked(
            [
                PYTHON,
                "-m",
                "bench.seed",
                "users",
                "--cohorts",
                str(scenario.cohorts),
                "--out",
                str(users_file),
            ],
            env,
        )
        cohorts = json.loads(users_file.read_text())
        for n in range(2 if scenario.scaleout else 1):
            servers.append(daphne(scenario.app, env, f"board{n}", workdir))
        urls = [f"ws://127.0.0.1:{s.port}" for s in servers]
        count_argv = [PYTHON, "-m", "bench.seed", "count-board"]
    elif scenario.system == "peer":
        url = (
            fresh_postgres("cohorts_bench_peer")
            if scenario.scaleout
            else fresh_sqlite("peer", workdir)
        )
        env.update(PEER_DATABASE_URL=url, DJANGO_SETTINGS_MODULE="bench.peer.settings")
        run_checked([PYTHON, "-m", "django", "migrate", "--noinput", "-v0"], env)
        cohorts = synthetic_cohorts(scenario.cohorts)
        for n in range(2 if scenario.scaleout else 1):
            servers.append(daphne("bench.peer.asgi:application", env, f"peer{n}", workdir))
        urls = [f"ws://127.0.0.1:{s.port}" for s in servers]
        count_argv = [PYTHON, "-m", "bench.seed", "count-peer"]
    else:
        port = free_port()
        argv = [PYTHON, "-m", "bench.floor", "--port", str(port)]
        servers.append(Server(argv, env, "floor", port, workdir))
        cohorts = synthetic_cohorts(scenario.cohorts)
        urls = [f"ws://127.0.0.1:{port}"]
    if url := env.get("DATABASE_URL") or env.get("PEER_DATABASE_URL"):
        probe["database_url"] = url
    prepared = time.monotonic() - started
    plan = {
        "system": scenario.system,
        "label": scenario.label,
        "urls": urls,
        "cohorts": cohorts,
        "server_pids": [s.pid for s in servers],
        "service_names": ["postgres", "redis-server"] if scenario.scaleout else [],
        "steps": scenario.steps,
        "text_size": 200,
        "reaction_every": 10,
        "drain_timeout": 10,
        "probe": probe,
        # py-spy samples the first server process during the steps (not the connections).
        "profile": {"pid": servers[0].pid, "output": str(profile)} if profile else None,
        **scenario.plan,
    }
    plan_file = workdir / f"{scenario.name}-plan.json"
    result_file = workdir / f"{scenario.name}-result.json"
    plan_file.write_text(json.dumps(plan))
    result_file.unlink(missing_ok=True)
    try:
        try:
            subprocess.run(
                [PYTHON, "-m", "bench.loadgen", str(plan_file), str(result_file)],
                cwd=BASE,
                env=base_env(),
                check=True,
                timeout=timeout,
                preexec_fn=pinned(CLIENT_CPU),
            )
            result = json.loads(result_file.read_text())
        except subprocess.CalledProcessError as exc:
            result = {
                "system": scenario.system,
                "label": scenario.label,
                "users": 10 * scenario.cohorts,
                "cohorts": scenario.cohorts,
                "connect": {"time_ms": {"p99": None}},
                "steps": [],
                "aborted": f"load generator failed ({exc.returncode}); see its output",
            }
        except subprocess.TimeoutExpired:
            # Bounded on purpose: a system that cannot finish in time is reported so.
            result = {
                "system": scenario.system,
                "label": scenario.label,
                "users": 10 * scenario.cohorts,
                "cohorts": scenario.cohorts,
                "connect": {"time_ms": {"p99": None}},
                "steps": [],
                "aborted": f"load generator still running after {timeout} s",
            }
        if count_argv:
            result["stored"] = json.loads(run_checked(count_argv, env))
    finally:
        for server in servers:
            server.stop()
    result["scenario"] = scenario.name
    result["mode"] = "scale-out" if scenario.scaleout else "embedded"
    result["prepare_s"] = round(prepared, 1)
    return result


def python_speed_ms() -> float:
    """CPU milliseconds for a fixed piece of Python work (a delivery's kind:
    JSON, dicts, strings), the best of five. The machine is a shared virtual
    one whose speed changes from day to day; this says by how much."""
    frame = {
        "type": "reflection.posted",
        "seq": 1,
        "text": "x" * 200,
        "counts": dict.fromkeys(EMOJIS, 0),
    }
    best = float("inf")
    for _ in range(5):
        started = time.process_time()
        for seq in range(20_000):
            decoded = json.loads(json.dumps({**frame, "seq": seq}))
            decoded["text"].split(" ", 2)
        best = min(best, time.process_time() - started)
    return round(best * 1000, 1)


def machine() -> dict:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "kernel": platform.release(),
        "load_before": os.getloadavg(),
        "python_speed_ms": python_speed_ms(),
    }


def services_available() -> bool:
    try:
        import psycopg
        import redis

        with psycopg.connect(f"{POSTGRES_URL}/postgres", connect_timeout=3):
            pass
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except Exception:  # noqa: BLE001 (any failure means: skip the scale-out mode)
        return False
    return True


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--full", action="store_true", help="every scenario (default: --quick)")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--systems", default="floor,peer,board")
    parser.add_argument("--only", help="comma-separated scenario names to run")
    parser.add_argument("--no-scaleout", action="store_true")
    parser.add_argument(
        "--whatif",
        action="store_true",
        help="also run the board with bench.whatif_settings (one persistent connection)",
    )
    parser.add_argument("--soak-minutes", type=float, default=10)
    parser.add_argument("--soak-cohorts", type=int, default=100)
    parser.add_argument("--ramp-only", action="store_true", help="skip steady steps and bursts")
    parser.add_argument("--cohorts", type=int, help="run every chosen scenario with N cohorts")
    parser.add_argument(
        "--connect-timeout",
        type=float,
        default=300,
        help="seconds the load generator gives all users to connect before giving up",
    )
    parser.add_argument("--out", type=Path)
    parser.add_argument(
        "--profile", default="", help="comma-separated scenario names to sample with py-spy"
    )
    args = parser.parse_args(argv)
    mode = "full" if args.full else "quick"
    systems = args.systems.split(",")
    scaleout = mode == "full" and not args.no_scaleout
    if scaleout and not services_available():
        print(
            "PostgreSQL or Redis is not reachable: the scale-out mode is left out.",
            file=sys.stderr,
        )
        scaleout = False
    todo = scenarios(mode, systems, scaleout, args.whatif)
    if scaleout and args.soak_minutes > 0 and "board" in systems:
        todo.append(soak(args.soak_minutes, args.soak_cohorts))
    if args.only:
        todo = [s for s in todo if s.name in args.only.split(",")]
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    outcome = {
        "mode": mode,
        "started": stamp,
        "machine": machine(),
        "command": " ".join(["python -m bench.run", *argv]),
        "runs": [],
    }
    RESULTS.mkdir(exist_ok=True)
    out = args.out or RESULTS / f"{stamp}-{mode}.json"
    for scenario in todo:
        print(f"== {scenario.name}", file=sys.stderr, flush=True)
        profile = None
        if scenario.name in args.profile.split(","):
            profile = out.with_name(f"{out.stem}-{scenario.name}-profile.txt")
        scenario.plan["connect_timeout"] = args.connect_timeout
        if args.cohorts:
            scenario.cohorts = args.cohorts
        if args.ramp_only:
            scenario.steps = [step for step in scenario.steps if step["kind"] == "ramp"]
        outcome["runs"].append(run_scenario(scenario, profile=profile))
        out.write_text(json.dumps(outcome, indent=1))
    outcome["summary"] = report.summarize(outcome)
    out.write_text(json.dumps(outcome, indent=1))
    print(report.table(outcome))
    if report.plot(outcome, out.with_suffix(".png")):
        print(f"plot: {out.with_suffix('.png')}")
    print(f"results: {out}")
    # The verdicts are in the table; a failing exit status means the harness broke.
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
