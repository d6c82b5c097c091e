"""Scenario 2: `kill -9` in the middle of the load, several times, and of `synapse index`.

SIGKILL goes to the whole process group (the uvicorn supervisor and its workers), at a
random moment while 16 clients search, vote and submit. After each kill the file is
checked before anything else touches it: integrity, every write acknowledged in any round
so far, no half-written submission, counters equal to their rows. Then the server is
started again with no repair step, which is itself part of the proof.
"""

from __future__ import annotations

import random
import shutil
import uuid

import httpx
from faults import generate_entries, index_kill_trials, index_state, synapse
from workload import GENEROUS_LIMITS, crash_rounds

KILLS = 3
CLIENTS = 16
SEED = 7


def test_kill_9_mid_load_loses_no_acknowledged_write_and_needs_no_repair(own_server):
    server = own_server(workers=2, env=GENEROUS_LIMITS)

    rounds = crash_rounds(server, kills=KILLS, clients=CLIENTS, seed=SEED)

    assert len(rounds) == KILLS
    for n, r in enumerate(rounds, start=1):
        assert r.load.acknowledged_writes > 0, f"round {n}: no write was acknowledged before the kill"
        assert r.load.server_errors == [] and r.load.lock_errors == [], f"round {n}"
        assert r.check.integrity == "ok", f"round {n}"
        assert r.check.feedback_missing == [] and r.check.feedback_wrong == [], f"round {n}"
        assert r.check.submissions_missing == [], f"round {n}"
        assert r.check.half_written == [], f"round {n}"
        assert r.check.stats_mismatch == {}, f"round {n}"
    # clients saw transport errors while the server was gone, never an HTTP error
    assert all(status < 500 for r in rounds for (_, status) in r.load.statuses)
    # the server restarted after the last kill serves reads and writes
    vote = {"worked": True, "request_id": uuid.uuid4().hex}
    assert (
        httpx.post(f"{server.url}/api/solutions/broken-pipe/feedback", json=vote, timeout=30).status_code
        == 200
    )
    search = httpx.get(
        f"{server.url}/search", params={"q": "BrokenPipeError: [Errno 32] Broken pipe"}, timeout=30
    )
    assert search.status_code == 200 and search.json()["results"]


def test_kill_9_of_synapse_index_leaves_the_old_index_or_the_new_one_never_a_mixture(tmp_path):
    db, folder, saved = tmp_path / "synapse.db", tmp_path / "solutions", tmp_path / "before.db"
    generate_entries(folder, 40)
    assert synapse("index", db=db, solutions=folder).wait(120) == 0
    shutil.copy(db, saved)
    before = index_state(db)
    generate_entries(folder, 800, revision=1)  # 40 changed, 760 new: one long transaction
    complete = tmp_path / "complete.db"
    shutil.copy(saved, complete)
    assert synapse("index", db=complete, solutions=folder).wait(300) == 0
    after = index_state(complete)
    assert len(before["entries"]) == 40 and len(after["entries"]) == 800

    kills = index_kill_trials(db, folder, saved, trials=3, spread=0.1, rng=random.Random(SEED))

    assert all(k.state in (before, after) for k in kills), "a killed index run left a mixture"
    assert any(k.killed_in_transaction and k.state == before for k in kills), "no kill landed mid-transaction"
    assert synapse("index", db=db, solutions=folder).wait(300) == 0  # and a plain run then completes
    assert index_state(db) == after
