"""Where a post's milliseconds go: one board step, timed at each stage.

    python -m bench.trace --rate 50 --seconds 30            # 1,000 users (100 cohorts)
    python -m bench.trace --rate 83.3 --seconds 30 --cohorts 500
    python -m bench.trace --burst 20                        # the goal's burst

The board runs as in `bench.run` (embedded mode, one Daphne process pinned to
one core, the load generator to the other), served by bench.trace_server,
which notes the time of each post at each stage in the server; the load
generator notes when it sent the post, when the ack came and when each member
received it. Both use `time.perf_counter()`, one clock on one machine. Prints,
for each segment, its p50, p90, p99 and max over the posts, the slowest posts
segment by segment, and the writer's batches by size.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
from pathlib import Path

from bench import run
from bench.scenarios import Scenario, burst, steady

# (segment, its column in the slowest posts' table, from, to): "sent",
# "acked", "first" and "last" are the load generator's stages; the rest are
# the server's (bench/trace_server.py).
SEGMENTS = [
    ("to the consumer", "arrive", "sent", "received"),
    ("waiting for the writer", "wait", "received", "batch_start"),
    ("in the writer's batch", "batch", "batch_start", "batch_end"),
    ("back to the loop", "loop", "batch_end", "broadcast"),
    ("to the fan-out", "layer", "broadcast", "fanout_start"),
    ("fan-out to the sockets", "fan-out", "fanout_start", "fanout_end"),
    ("to the first member", "first", "fanout_end", "first"),
    ("first to last member", "last", "first", "last"),
]
TOTALS = [
    ("sent to last member", "", "sent", "last"),
    ("sent to ack", "", "sent", "acked"),
]


def posts_timed(client: dict, server: dict) -> list[dict]:
    """The posts timed at every stage, each a dict of stage -> seconds; an
    unacked post is left out, and "last" is the last live delivery (a trace
    makes no reconnects, so none is replayed)."""
    timed = []
    for client_id, post in client.items():
        stages = server.get(client_id)
        if not stages or not post["received"] or not post["acked"]:
            continue
        row = {
            **stages,
            "sent": post["sent"],
            "acked": post["acked"],
            "first": min(post["received"]),
            "last": max(post["received"]),
        }
        if all(stage in row for _, _, start, end in SEGMENTS + TOTALS for stage in (start, end)):
            timed.append(row)
    return timed


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def segments_table(rows: list[dict]) -> str:
    head = f"{'segment':26} {'p50':>8} {'p90':>8} {'p99':>8} {'max':>8}"
    lines = [f"{head}   (ms, {len(rows)} posts)"]
    for name, _, start, end in SEGMENTS + TOTALS:
        values = [(row[end] - row[start]) * 1000 for row in rows]
        figures = [quantile(values, q) for q in (0.5, 0.9, 0.99)] + [max(values)]
        lines.append(f"{name:26} " + " ".join(f"{v:8.2f}" for v in figures))
    return "\n".join(lines)


def slowest_table(rows: list[dict], count: int = 8) -> str:
    heads = " ".join(f"{column:>8}" for _, column, _, _ in SEGMENTS)
    lines = [f"slowest posts, by segment (ms): {heads}"]
    for row in sorted(rows, key=lambda r: r["last"] - r["sent"], reverse=True)[:count]:
        cells = [(row[end] - row[start]) * 1000 for _, _, start, end in SEGMENTS]
        lines.append(" " * 32 + " ".join(f"{v:8.2f}" for v in cells))
    return "\n".join(lines)


def batches_table(batches: list) -> str:
    by_size: dict[int, list[float]] = {}
    for started, ended, jobs in batches:
        by_size.setdefault(jobs, []).append((ended - started) * 1000)
    lines = [f"{'jobs in batch':>13} {'batches':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}"]
    for jobs, durations in sorted(by_size.items()):
        lines.append(
            f"{jobs:13} {len(durations):8} {quantile(durations, 0.5):8.2f}"
            f" {quantile(durations, 0.99):8.2f} {max(durations):8.2f}"
        )
    return "\n".join(lines)


def trace(scenario: Scenario, workdir: Path) -> tuple[dict, dict, dict, list]:
    """Run `scenario` served by bench.trace_server: the load generator's
    result, its times of each post, the server's, and the writer's batches."""
    # One server process: two would write their times to the same file.
    assert not scenario.scaleout, "bench.trace runs the embedded mode only"
    client_file = workdir / f"{scenario.name}-trace-client.json"
    server_file = workdir / f"{scenario.name}-trace-server.json"
    for stale in (client_file, server_file):
        stale.unlink(missing_ok=True)
    traced = dataclasses.replace(
        scenario,
        app="bench.trace_server:application",
        extra={**scenario.extra, "BENCH_TRACE_OUT": str(server_file)},
        plan={**scenario.plan, "trace": str(client_file)},
    )
    result = run.run_scenario(traced, workdir=workdir)
    server = json.loads(server_file.read_text())
    return result, json.loads(client_file.read_text()), server["times"], server["batches"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=50, help="posts a second")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--cohorts", type=int, default=100, help="of ten users each")
    parser.add_argument("--burst", type=int, help="cohorts posting at once, instead of a rate")
    args = parser.parse_args()
    steps = [burst(args.burst)] if args.burst else [steady(args.rate, args.seconds)]
    scenario = Scenario("trace", "board", args.cohorts, steps)
    result, client, server, batches = trace(scenario, run.VAR)
    for step in result["steps"]:
        print(step["name"], "fan-out ms:", step["fanout_ms"])
    rows = posts_timed(client, server)
    print(segments_table(rows))
    print(slowest_table(rows))
    print(batches_table(batches))


if __name__ == "__main__":
    main()
