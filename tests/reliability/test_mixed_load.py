"""Scenario 1: 32 clients against `synapse serve --workers 4`, searching, voting and submitting at once.

Four worker processes mean four single writers on one file; the proof that they never
surface "database is locked" and never lose an acknowledged write is a comparison of sets:
every request_id and submission id the clients were given a 2xx for is in the database, and
the counters equal the acknowledged events exactly.
"""

from __future__ import annotations

from workload import (
    GENEROUS_LIMITS,
    check_db,
    counter,
    expected_stats,
    log_problems,
    run_mixed_load,
    stored_stats,
)

CLIENTS = 32
SECONDS = 12
MAX_OPS = 3000


def test_32_clients_on_4_workers_get_no_5xx_no_lock_error_and_lose_no_write(own_server):
    server = own_server(workers=4, env=GENEROUS_LIMITS).start()

    load = run_mixed_load(server.url, clients=CLIENTS, seconds=SECONDS, max_ops=MAX_OPS, seed=1)
    server.stop()  # SIGTERM: each worker drains its writer queue (the search counters) and exits

    assert load.operations >= 300, f"too little load to prove anything: {load.operations} requests"
    assert load.max_in_flight >= CLIENTS // 2, "the clients did not overlap"
    assert load.feedback and load.submissions, "the mix must include both kinds of write"
    assert load.transport_errors == {}
    assert load.server_errors == []
    assert load.lock_errors == []
    assert load.unexpected_statuses() == {}
    assert log_problems(server.log_text()) == {"locked": [], "traceback": [], "5xx": []}

    check = check_db(server.db, load.feedback, load.submissions)
    assert check.integrity == "ok"
    assert check.feedback_missing == [] and check.feedback_wrong == []
    assert check.submissions_missing == [] and check.half_written == []
    assert check.feedback_stored == len(load.feedback)  # nothing stored that was not acknowledged
    assert check.submissions_stored == len(load.submissions)
    assert stored_stats(server.db) == expected_stats(load.feedback)
    assert counter(server.db, "searches") == load.searches
