"""The benchmark's verdicts, table and plot, computed from bench.run's result JSON."""

from __future__ import annotations

from pathlib import Path

KNEE_MS = 250


def step(run: dict, prefix: str) -> dict | None:
    return next((s for s in run.get("steps", []) if s["name"].startswith(prefix)), None)


def knee(run: dict) -> dict | None:
    """The ramp's last rate with p99 <= 250 ms, and the rate that passed it (None: not reached)."""
    ramp = [s for s in run.get("steps", []) if s["kind"] == "ramp"]
    if not ramp:
        return None
    last_ok = None
    for outcome in ramp:
        if outcome.get("stopped_ramp") in ("p99", "undelivered"):
            return {
                "last_ok": last_ok,
                "passed_at": outcome["rate"],
                "stopped_by": outcome["stopped_ramp"],
            }
        last_ok = outcome["rate"]
    return {
        "last_ok": last_ok,
        "passed_at": None,
        "stopped_by": ramp[-1].get("stopped_ramp") or "last_rate",
    }


def correctness(run: dict) -> dict:
    """Every acked post delivered once to every member by the end of the run; rows == acked.

    A step's deliveries may arrive after its drain (late, past the knee); only
    what never arrived in the whole run counts as undelivered.
    """
    problems = []
    for outcome in run.get("steps", []):
        lost = outcome.get("undelivered_at_end", outcome["undelivered"])
        if outcome["duplicated"]:
            problems.append(f"{outcome['name']}: {outcome['duplicated']} duplicated")
        if outcome["posts_failed"]:
            problems.append(f"{outcome['name']}: refused {outcome['errors']}")
        if lost:
            problems.append(f"{outcome['name']}: {lost} never delivered")
        unacked = outcome["posts_sent"] - outcome.get("acked_at_end", outcome["posts_acked"])
        if unacked - outcome["posts_failed"] > 0:
            problems.append(f"{outcome['name']}: {unacked} posts never acknowledged")
    if run.get("aborted"):
        problems.append(f"aborted: {run['aborted']} {run['connect'].get('failures', '')}")
    stored = run.get("stored")
    if stored is not None:
        acked = run.get("posts_acked_total", 0)
        if stored["rows"] != acked or stored["distinct"] != stored["rows"]:
            problems.append(
                f"rows {stored['rows']} (distinct {stored['distinct']}) != acked {acked}"
            )
    return {"ok": not problems, "problems": problems}


def family(run: dict) -> str:
    """Runs of one family share a workload: goal-*, large-*, quick-*, scaleout-*."""
    return run["scenario"].split("-")[0]


def ratio(ours, theirs) -> float | None:
    if ours is None or theirs in (None, 0):
        return None
    return round(ours / theirs, 2)


def summarize(outcome: dict) -> dict:
    rows = []
    for run in outcome["runs"]:
        first = next((s for s in run.get("steps", []) if s["kind"] in ("rate", "burst")), None)
        found_burst = step(run, "burst")
        rows.append(
            {
                "scenario": run["scenario"],
                "label": run.get("label", run["system"]),
                "system": run["system"],
                "family": family(run),
                "users": run["users"],
                "connect_p99_ms": run["connect"]["time_ms"]["p99"],
                "first_step": first["name"] if first else None,
                "p50_ms": first["fanout_ms"]["p50"] if first else None,
                "p95_ms": first["fanout_ms"]["p95"] if first else None,
                "p99_ms": first["fanout_ms"]["p99"] if first else None,
                "max_ms": first["fanout_ms"]["max"] if first else None,
                "ack_p99_ms": first["ack_ms"]["p99"] if first else None,
                "deliveries_per_s": first["deliveries_per_s"] if first else None,
                "cpu_us_per_delivery": first["server_cpu_per_delivery_us"] if first else None,
                "loadgen_cpu_share": first["loadgen_cpu_share"] if first else None,
                "undelivered": first.get("undelivered_at_end", first["undelivered"])
                if first
                else None,
                "duplicated": first["duplicated"] if first else None,
                "burst_p99_ms": found_burst["fanout_ms"]["p99"] if found_burst else None,
                "burst_undelivered": found_burst["undelivered"] if found_burst else None,
                "knee": knee(run),
                # Two processes in the scale-out mode: the sum of their peaks.
                "peak_rss_mb": run.get("server_memory", {}).get(
                    "peak_rss_total_mb", run.get("server_memory", {}).get("peak_rss_mb")
                ),
                "stored": run.get("stored"),
                "acked": run.get("posts_acked_total"),
                "correct": correctness(run),
            }
        )
    for row in rows:
        for baseline in ("peer", "floor"):
            other = next(
                (r for r in rows if r["family"] == row["family"] and r["system"] == baseline),
                None,
            )
            if row["system"] == "board" and other:
                row[f"vs_{baseline}"] = {
                    "p99": ratio(row["p99_ms"], other["p99_ms"]),
                    "cpu_per_delivery": ratio(
                        row["cpu_us_per_delivery"], other["cpu_us_per_delivery"]
                    ),
                    "knee": ratio(
                        (row["knee"] or {}).get("last_ok"), (other["knee"] or {}).get("last_ok")
                    ),
                }
    return {"rows": rows, "goals": goals(rows), "correct": all(r["correct"]["ok"] for r in rows)}


def goals(rows: list[dict]) -> list[dict]:
    """The issue's goals, each with what was measured (only those whose runs exist)."""
    by = {r["scenario"]: r for r in rows}
    found = []

    def add(goal: str, measured, target: str, met: bool) -> None:
        found.append({"goal": goal, "measured": measured, "target": target, "met": met})

    board, peer = by.get("goal-board"), by.get("goal-peer")
    if board:
        add(
            "50 posts/s, 1,000 users: p50",
            board["p50_ms"],
            "<= 10 ms",
            board["p50_ms"] is not None and board["p50_ms"] <= 10,
        )
        add(
            "50 posts/s, 1,000 users: p99",
            board["p99_ms"],
            "<= 25 ms",
            board["p99_ms"] is not None and board["p99_ms"] <= 25,
        )
        stored = board["stored"] or {}
        once = stored.get("rows") == board["acked"] == stored.get("distinct")
        add(
            "50 posts/s: nothing undelivered or duplicated; every acked post stored once",
            f"{board['undelivered']} undelivered, {board['duplicated']} duplicated, "
            f"{stored.get('rows')} rows for {board['acked']} acked posts (whole run)",
            "0, 0, rows == acked",
            board["undelivered"] == 0 and board["duplicated"] == 0 and once,
        )
        add(
            "burst of 20 cohorts: p99",
            board["burst_p99_ms"],
            "<= 250 ms, all delivered",
            board["burst_p99_ms"] is not None
            and board["burst_p99_ms"] <= KNEE_MS
            and board["burst_undelivered"] == 0,
        )
    if board and peer:
        ours, theirs = (board["knee"] or {}).get("last_ok"), (peer["knee"] or {}).get("last_ok")
        add(
            "knee >= 3x the peer's",
            f"{ours} vs {theirs} posts/s",
            ">= 3x",
            bool(ours and theirs and ours >= 3 * theirs),
        )
        add(
            "server CPU per delivery <= the peer's",
            f"{board['cpu_us_per_delivery']} vs {peer['cpu_us_per_delivery']} us",
            "<= 1x",
            (board["cpu_us_per_delivery"] or 1e9) <= (peer["cpu_us_per_delivery"] or 0),
        )
    if large := by.get("large-board"):
        add(
            "5,000 users at 1 post/min each: p99",
            large["p99_ms"],
            "<= 100 ms",
            large["p99_ms"] is not None and large["p99_ms"] <= 100,
        )
        add(
            "5,000 users: peak RSS",
            large["peak_rss_mb"],
            "<= 600 MB",
            (large["peak_rss_mb"] or 1e9) <= 600,
        )
    return found


def fmt(value, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def render(lines: list[list[str]], markdown: bool) -> list[str]:
    """Rows of cells as aligned text, or as a Markdown table."""
    if markdown:
        out = ["| " + " | ".join(line) + " |" for line in lines]
        out.insert(1, "|" + " --- |" * len(lines[0]))
        return out
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    out = [
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)) for line in lines
    ]
    out.insert(1, "  ".join("-" * w for w in widths))
    return out


def ramp_table(outcome: dict, markdown: bool = False) -> str:
    """Every ramp step of every run: the curve behind the knee."""
    lines = [
        [
            "run",
            "posts/s",
            "p50",
            "p99",
            "max",
            "deliv/s",
            "cpu us/deliv",
            "client cpu",
            "late",
            "lost",
        ]
    ]
    for run in outcome["runs"]:
        for s in run.get("steps", []):
            if s["kind"] != "ramp":
                continue
            lines.append(
                [
                    run.get("label", run["system"]) + f" [{family(run)}]",
                    fmt(s["rate"]),
                    fmt(s["fanout_ms"]["p50"]),
                    fmt(s["fanout_ms"]["p99"]),
                    fmt(s["fanout_ms"]["max"]),
                    fmt(s["deliveries_per_s"]),
                    fmt(s["server_cpu_per_delivery_us"]),
                    fmt(s["loadgen_cpu_share"], 2),
                    fmt(s["undelivered"] - s.get("undelivered_at_end", s["undelivered"])),
                    fmt(s.get("undelivered_at_end", s["undelivered"])),
                ]
            )
    return "\n".join(render(lines, markdown)) if len(lines) > 1 else ""


def table(outcome: dict, markdown: bool = False) -> str:
    summary = outcome["summary"]
    head = [
        "run",
        "users",
        "step",
        "p50",
        "p95",
        "p99",
        "max",
        "ack p99",
        "deliv/s",
        "cpu us/deliv",
        "client cpu",
        "burst p99",
        "knee (last ok)",
        "peak RSS MB",
        "rows/acked",
        "correct",
    ]
    lines = [head]
    for r in summary["rows"]:
        k = r["knee"]
        knee_text = (
            "-"
            if not k
            else (
                (f"{k['last_ok']}" if k["last_ok"] is not None else f"below {k['passed_at']}")
                + (
                    f" (>{KNEE_MS}ms at {k['passed_at']})"
                    if k["passed_at"]
                    else f" ({k['stopped_by']})"
                )
            )
        )
        stored = r["stored"]
        lines.append(
            [
                r["label"] + ("" if r["family"] in ("goal", "quick") else f" [{r['family']}]"),
                str(r["users"]),
                fmt(r["first_step"]),
                fmt(r["p50_ms"]),
                fmt(r["p95_ms"]),
                fmt(r["p99_ms"]),
                fmt(r["max_ms"]),
                fmt(r["ack_p99_ms"]),
                fmt(r["deliveries_per_s"]),
                fmt(r["cpu_us_per_delivery"]),
                fmt(r["loadgen_cpu_share"], 2),
                fmt(r["burst_p99_ms"]),
                knee_text,
                fmt(r["peak_rss_mb"]),
                f"{stored['rows']}/{r['acked']}" if stored else f"-/{r['acked']}",
                "yes" if r["correct"]["ok"] else "NO: " + "; ".join(r["correct"]["problems"]),
            ]
        )
    text = render(lines, markdown)
    text.append("")
    text.append("Times in ms (fan-out: poster's send to each member's receipt, 10 per post).")
    if speed := outcome.get("machine", {}).get("python_speed_ms"):
        text.append(f"Machine speed: {speed} ms of CPU for bench.run's fixed Python work.")
    for r in summary["rows"]:
        for baseline in ("peer", "floor"):
            if ratios := r.get(f"vs_{baseline}"):
                text.append(
                    f"{r['label']} [{r['family']}] / {baseline}: p99 x{fmt(ratios['p99'], 2)}, "
                    f"CPU per delivery x{fmt(ratios['cpu_per_delivery'], 2)}, "
                    f"knee x{fmt(ratios['knee'], 2)}"
                )
    if summary["goals"]:
        text.append("")
        text.append("Goals:")
        for g in summary["goals"]:
            text.append(
                f"  [{'met' if g['met'] else 'MISSED'}] {g['goal']}: "
                f"{fmt(g['measured'])} (target {g['target']})"
            )
    return "\n".join(text)


def plot(outcome: dict, path: Path) -> bool:
    """p99 fan-out against post rate, one line per system; False without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import matplotlib.ticker
    except ImportError:
        return False
    figure, axes = plt.subplots(figsize=(11, 5))
    drawn = False
    rates = set()
    for run in outcome["runs"]:
        ramp = [s for s in run.get("steps", []) if s["kind"] == "ramp"]
        points = [(s["rate"], s["fanout_ms"]["p99"]) for s in ramp if s["fanout_ms"]["p99"]]
        rates.update(rate for rate, _ in points)
        if points:
            label = f"{run.get('label', run['system'])}, {run['users']} users"
            if run["scenario"].startswith("scaleout"):
                label += ", scale-out"
            axes.plot(*zip(*points, strict=True), marker="o", label=label)
            drawn = True
    if not drawn:
        plt.close(figure)
        return False
    axes.axhline(KNEE_MS, color="grey", linestyle="--", linewidth=1)
    axes.set_xscale("log")
    axes.set_yscale("log")
    # x in axes coordinates, y in data: the label stays at the left edge.
    axes.text(
        0.01,
        KNEE_MS * 1.08,
        f"knee: p99 {KNEE_MS} ms",
        color="grey",
        transform=axes.get_yaxis_transform(),
    )
    for axis in (axes.xaxis, axes.yaxis):
        axis.set_major_formatter(matplotlib.ticker.ScalarFormatter())
        axis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    axes.set_xticks(sorted(rates))
    axes.tick_params(axis="x", labelrotation=45)
    axes.set_xlabel("posts per second (10 deliveries each)")
    axes.set_ylabel("p99 fan-out latency (ms)")
    axes.set_title(
        f"p99 fan-out against post rate ({outcome['machine']['nproc']} cores, "
        f"{outcome['mode']} run)"
    )
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return True


def merge_runs(runs: list[dict]) -> list[dict]:
    """One run per scenario: a later run of the same scenario (say `--ramp-only` at
    lower rates) adds its steps, ramp steps ordered by rate, and its stored rows."""
    by_name: dict[str, dict] = {}
    for run in runs:
        first = by_name.get(run["scenario"])
        if first is None:
            by_name[run["scenario"]] = {**run, "steps": list(run.get("steps", []))}
            continue
        steps = first["steps"] + run.get("steps", [])
        first["steps"] = [s for s in steps if s["kind"] != "ramp"] + sorted(
            (s for s in steps if s["kind"] == "ramp"), key=lambda s: s["rate"]
        )
        if first.get("stored") and run.get("stored"):
            first["stored"] = {k: first["stored"][k] + run["stored"][k] for k in first["stored"]}
        first["posts_acked_total"] = first.get("posts_acked_total", 0) + run.get(
            "posts_acked_total", 0
        )
    return list(by_name.values())


def main() -> None:
    """Merge result files (one run may be split over several invocations) and report."""
    import argparse
    import json

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("results", nargs="+", type=Path)
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--plot", type=Path)
    args = parser.parse_args()
    outcomes = [json.loads(path.read_text()) for path in args.results]
    merged = {**outcomes[0], "runs": merge_runs([run for o in outcomes for run in o["runs"]])}
    merged["summary"] = summarize(merged)
    print(table(merged, args.markdown))
    print()
    print(ramp_table(merged, args.markdown))
    if args.plot and plot(merged, args.plot):
        print(f"plot: {args.plot}")


if __name__ == "__main__":
    main()
