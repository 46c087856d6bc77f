"""The load harness (make bench) still runs: a tiny run against each of its three systems.

Each system runs as a subprocess on files of its own under tmp_path, whatever
this pass's DATABASE_URL: the board on SQLite with the in-memory layer (the
embedded mode), the peer on SQLite, the floor with no database. Only the
correctness figures are asserted, never a timing.
"""

import pytest

from bench import report
from bench.run import Scenario, burst, ramp, run_scenario, steady

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
