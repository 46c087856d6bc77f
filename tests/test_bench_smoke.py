"""The load harness (make bench) still runs: a tiny run against each of its
three systems, and one through bench.trace, whose wrappers of the board's
stages break when those move.

Each system runs as a subprocess on files of its own under tmp_path, whatever
this pass's DATABASE_URL: the board on SQLite with the in-memory layer (the
embedded mode), the peer on SQLite, the floor with no database. Only the
correctness figures are asserted, never a timing.
"""

import pytest

from bench import report, trace
from bench.run import run_scenario
from bench.scenarios import Scenario, burst, ramp, steady

pytestmark = pytest.mark.slow  # each runs the harness in subprocesses

STEPS = [steady(10, 1), burst(2), ramp([20], 1)]


@pytest.mark.parametrize("system", ["board", "peer", "floor"])
def test_every_post_reaches_every_member_once(system, tmp_path):
    run = run_scenario(Scenario(f"smoke-{system}", system, 2, STEPS), workdir=tmp_path, timeout=90)

    assert run["connect"]["connected"] == 20
    assert run["phase"]["deliveries"] == run["phase"]["expected"] == 20
    for step in run["steps"]:
        assert step["posts_sent"] > 0
        assert step["posts_acked"] == step["posts_sent"], step["errors"]
        assert step["deliveries"] == step["expected_deliveries"] == 10 * step["posts_sent"]
        assert step["undelivered"] == 0
        assert step["duplicated"] == 0
    if system != "floor":
        acked = run["posts_acked_total"]
        assert run["stored"] == {"rows": acked, "distinct": acked}
    assert report.correctness(run) == {"ok": True, "problems": []}


def test_the_trace_times_every_post_at_every_stage(tmp_path):
    scenario = Scenario("smoke-trace", "board", 2, [steady(10, 1)])
    result, client, server, batches = trace.trace(scenario, tmp_path)

    timed = trace.posts_timed(client, server)
    assert len(timed) == result["steps"][0]["posts_acked"] > 0
    assert sum(jobs for _, _, jobs in batches) >= len(timed)
    for row in timed:
        assert row["sent"] < row["received"] < row["batch_start"] < row["batch_end"]
        assert row["batch_end"] <= row["fanout_start"] < row["fanout_end"] < row["last"]
    assert "in the writer's batch" in trace.segments_table(timed)
