"""Faults made for real: `kill -9` of an index run, a read-only file, a full disk, a reader
that pins the WAL; each as a function that reports what the server did about it.

How they are made on this kind of machine (tests run as root, so permission bits do not
stop the server): a read-only file is `chattr +i` (root) or `chmod 444` (anyone else), which
makes SQLite open it read-only exactly as a wrongly owned file would; a full disk is a small
tmpfs mounted for the scenario and filled with zeros (root or CAP_SYS_ADMIN).
"""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import subprocess
import sys
import time
import uuid
from collections import Counter
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from workload import ROOT, DbCheck, check_db, connect, submission_payload

# -- `kill -9` of `synapse index` ------------------------------------------------------------------


def generate_entries(folder: Path, count: int, revision: int = 0) -> None:
    """`count` valid entries, `generated-00001.md` …; another `revision` changes every one of them."""
    folder.mkdir(parents=True, exist_ok=True)
    words = [
        "alpha",
        "bravo",
        "charlie",
        "delta",
        "echo",
        "golf",
        "hotel",
        "india",
        "kilo",
        "lima",
        "oscar",
        "romeo",
    ]
    for i in range(count):
        a, b, c, d = random.Random(i).sample(words, 4)
        (folder / f"generated-{i:05d}.md").write_text(
            f"""---
title: Generated failure {i} with {a} and {b}, revision {revision}
errors:
  - "synthetic.Generated{i}Error: {a} {b} failed on {c} item {i}"
  - "Generated{i}Warning: {d} {c} is deprecated since {i}"
tags: [generated, {a}]
languages: [python]
---

## Symptom
- Job {i} fails with `{a}` (revision {revision}).

## Root cause
Generated root cause {i}: {b} is not {c}.

## Fix
### Option 1: Retry {i}
Retry with {d}.
```python
print("fix {i} revision {revision}")
```
"""
        )


def index_state(db: Path) -> dict:
    """Everything `synapse index` writes, in a comparable form."""
    with connect(db) as conn:
        return {
            "integrity": conn.execute("PRAGMA integrity_check").fetchone()[0],
            "entries": dict(conn.execute("SELECT slug, content_hash FROM entries").fetchall()),
            "fixes": conn.execute(
                "SELECT count(*), group_concat(slug || ':' || code, '|') FROM fixes"
            ).fetchone(),
            "signatures": sorted(conn.execute("SELECT slug, signature FROM match_signatures").fetchall()),
            "terms": conn.execute("SELECT count(*), sum(df) FROM match_terms").fetchone(),
            "fts": conn.execute(
                "SELECT count(*) FROM match_fts WHERE match_fts MATCH 'generated'"
            ).fetchone()[0],
        }


def synapse(*args: str, db: Path, solutions: Path, **popen) -> subprocess.Popen:
    env = {**os.environ, "SYNAPSE_DB": str(db), "SYNAPSE_SOLUTIONS": str(solutions)}
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", *args], cwd=ROOT, env=env, start_new_session=True, **popen
    )


def _kill_group(proc: subprocess.Popen) -> None:
    with suppress(ProcessLookupError):  # it finished first
        os.killpg(proc.pid, 9)


def write_lock_held(db: Path) -> bool:
    """True while another connection holds the write lock (an open `BEGIN IMMEDIATE`)."""
    probe = sqlite3.connect(db, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            return True
        raise
    finally:
        probe.close()


@dataclass
class IndexKill:
    killed_in_transaction: bool  # the write lock was still held just before the kill
    seconds_into_run: float
    state: dict  # `index_state` right after the kill


def kill_index_mid_run(
    db: Path, solutions: Path, rng: random.Random, spread: float = 0.5, timeout: float = 300
) -> IndexKill:
    """Run `synapse index`; once it holds the write lock for its one long transaction (held
    across three probes, so not the instant of a migration check), `kill -9` it after a
    random 0..`spread` seconds. The caller checks the state: the old index or the new one,
    never a mixture."""
    started = time.monotonic()
    proc = synapse("index", db=db, solutions=solutions, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        held = 0
        while held < 3:
            if proc.poll() is not None or time.monotonic() - started > timeout:
                raise RuntimeError(
                    f"synapse index finished or stalled before its transaction (rc={proc.returncode})"
                )
            held = held + 1 if write_lock_held(db) else 0
            time.sleep(0.01)
        time.sleep(rng.uniform(0, spread))
        in_transaction = proc.poll() is None and write_lock_held(db)
        _kill_group(proc)
    finally:
        _kill_group(proc)
        proc.wait(30)
    return IndexKill(in_transaction, time.monotonic() - started, index_state(db))


def index_kill_trials(
    db: Path, folder: Path, saved: Path, trials: int, spread: float, rng: random.Random
) -> list[IndexKill]:
    """Independent trials: put the saved (cleanly closed) database back, kill an index run of
    `folder` at a random moment of its write transaction, record what the file then holds."""
    kills = []
    for _ in range(trials):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        shutil.copy(saved, db)
        kills.append(kill_index_mid_run(db, folder, rng, spread=spread))
    return kills


# -- faults on the file system ------------------------------------------------------------------


def can_mount(scratch: Path) -> bool:
    """Whether this process may mount a tmpfs (root, or CAP_SYS_ADMIN)."""
    scratch.mkdir(parents=True, exist_ok=True)
    probe = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(scratch)], capture_output=True
    )
    if probe.returncode != 0:
        return False
    subprocess.run(["umount", str(scratch)], capture_output=True)
    return True


class SmallDisk:
    """A tmpfs of `size_mb`, mounted for the test; `fill()` takes every free byte, `free()` gives them back."""

    def __init__(self, where: Path, size_mb: int):
        self.where, self.size_mb = where, size_mb
        self.filler = where / "filler.bin"

    def __enter__(self) -> SmallDisk:
        self.where.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={self.size_mb}m,mode=0755", "tmpfs", str(self.where)],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise OSError(f"cannot mount a tmpfs at {self.where}: {result.stderr.strip()}")
        return self

    def __exit__(self, *exc) -> None:
        subprocess.run(["umount", "-l", str(self.where)], capture_output=True)

    def fill(self) -> int:
        """Write zeros until ENOSPC, down to the last 512-byte block; return the bytes taken."""
        written = 0
        fd = os.open(self.filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        try:
            for size in (1 << 20, 65536, 4096, 512):
                block = b"\0" * size
                try:
                    while True:
                        written += os.write(fd, block)
                except OSError:
                    continue
        finally:
            os.close(fd)
        return written

    def free(self) -> None:
        self.filler.unlink(missing_ok=True)

    def available(self) -> int:
        return os.statvfs(self.where).f_bavail * os.statvfs(self.where).f_frsize


def read_only_method() -> str:
    """How this machine can make a file read-only to SQLite: `chattr +i` for root (root ignores
    permission bits), `chmod 444` for everyone else."""
    return "chattr" if os.geteuid() == 0 else "chmod"


@contextmanager
def read_only(path: Path):
    """The database file cannot be opened for writing while inside; SQLite then opens it
    read-only and every write fails with SQLITE_READONLY, as with a wrongly owned file."""
    method = read_only_method()
    if method == "chattr":
        subprocess.run(["chattr", "+i", str(path)], check=True, capture_output=True)
    else:
        mode = path.stat().st_mode
        path.chmod(0o444)
    try:
        yield method
    finally:
        if method == "chattr":
            subprocess.run(["chattr", "-i", str(path)], check=True, capture_output=True)
        else:
            path.chmod(mode)


def wal_size(db: Path) -> int:
    wal = db.with_name(db.name + "-wal")
    return wal.stat().st_size if wal.exists() else 0


# -- writer faults, as scenarios -----------------------------------------------------------------


@dataclass
class FaultRun:
    """Writes sent while a fault was on, and after it was repaired, against one server."""

    statuses: Counter = field(default_factory=Counter)  # status -> responses while the fault was on
    error_codes: Counter = field(default_factory=Counter)  # JSON error code -> responses
    bad_errors: list[str] = field(default_factory=list)  # refusals that were not clean JSON with Retry-After
    reads_ok: int = 0  # searches answered while the fault was on
    recovered: bool = False  # the first write after the repair succeeded, with no restart
    feedback: dict[str, tuple[str, bool]] = field(default_factory=dict)  # acknowledged
    submissions: dict[str, str] = field(default_factory=dict)  # acknowledged
    check: DbCheck | None = None
    log_500s: list[str] = field(default_factory=list)


def _write(client: httpx.Client, run: FaultRun, n: int, tag: str) -> httpx.Response:
    """Alternately a vote and a submission; acknowledgements recorded."""
    if n % 2:
        request_id = uuid.uuid4().hex
        response = client.post(
            "/api/solutions/sqlite-database-locked/feedback", json={"worked": True, "request_id": request_id}
        )
        if response.status_code == 200:
            run.feedback[request_id] = ("sqlite-database-locked", True)
    else:
        payload = submission_payload(f"{tag}-{n}")
        response = client.post("/api/submissions", json=payload)
        if response.status_code == 201:
            run.submissions[response.json()["id"]] = payload["title"]
    return response


def _refused(run: FaultRun, response: httpx.Response, status: int) -> None:
    run.statuses[response.status_code] += 1
    if response.status_code in (200, 201):
        return
    try:
        code = response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        code = "<not json>"
    run.error_codes[code] += 1
    clean = (
        response.status_code == status
        and response.headers.get("content-type", "").startswith("application/json")
        and int(response.headers.get("retry-after", "0")) > 0
        and "Traceback" not in response.text
    )
    if not clean:
        run.bad_errors.append(f"{response.status_code} {response.text[:200]}")


def _finish(run: FaultRun, server) -> FaultRun:
    server.stop()
    run.log_500s = [
        line for line in server.log_text().splitlines() if '" 500 ' in line or "Exception in ASGI" in line
    ]
    run.check = check_db(server.db, run.feedback, run.submissions)
    return run


def read_only_fault(server, writes: int) -> FaultRun:
    """A server started on a database file it cannot write (see `read_only`): reads go on,
    `writes` writes are refused with 503 read_only; once the file is writable again the
    same process takes writes."""
    run = FaultRun()
    server.start()
    with httpx.Client(base_url=server.url, timeout=30) as client:
        assert _write(client, run, 1, "ro").status_code == 200
    server.stop()
    with read_only(server.db):
        server.start()
        with httpx.Client(base_url=server.url, timeout=30) as client:
            for n in range(writes):
                _refused(run, _write(client, run, n, "ro"), 503)
                if client.get("/search", params={"q": "database is locked"}).status_code == 200:
                    run.reads_ok += 1
    with httpx.Client(base_url=server.url, timeout=30) as client:
        run.recovered = all(_write(client, run, n, "rw").status_code in (200, 201) for n in range(2))
    return _finish(run, server)


def disk_full_fault(server, disk: SmallDisk, writes: int, refusals: int) -> FaultRun:
    """A server whose database lives on `disk`: a few writes, then the disk is filled and
    writes go on until `refusals` were refused (the WAL may have room for some first), then
    the space comes back."""
    run = FaultRun()
    server.db = disk.where / "synapse.db"  # the server's log stays where it was, outside
    server.start()
    with httpx.Client(base_url=server.url, timeout=30) as client:
        for n in range(writes):
            assert _write(client, run, n, "before").status_code in (200, 201)
        disk.fill()
        refused = 0
        for n in range(writes + 40 * refusals):
            response = _write(client, run, n, "full")
            _refused(run, response, 507)
            refused += response.status_code == 507
            if client.get("/search", params={"q": "database is locked"}).status_code == 200:
                run.reads_ok += 1
            if refused >= refusals:
                break
        disk.free()
        run.recovered = all(_write(client, run, n, "after").status_code in (200, 201) for n in range(2))
    return _finish(run, server)


@dataclass
class WalRun:
    start: int  # WAL bytes when the reader took its snapshot
    grown: int  # after `votes` writes with the snapshot held
    reused: int  # after as many writes again, once the reader left
    final: int  # after a graceful stop
    pinned_view_held: bool
    feedback: dict[str, tuple[str, bool]]
    check: DbCheck


def long_reader(server, votes: int) -> WalRun:
    """A reader outside the server holds a snapshot while `votes` writes land, then leaves."""
    acked: dict[str, tuple[str, bool]] = {}
    server.start()
    with httpx.Client(base_url=server.url, timeout=30) as client:

        def write(n: int) -> None:
            for _ in range(n):
                request_id = uuid.uuid4().hex
                vote = {"worked": True, "request_id": request_id}
                assert client.post("/api/solutions/broken-pipe/feedback", json=vote).status_code == 200
                acked[request_id] = ("broken-pipe", True)

        write(20)
        time.sleep(2.5)  # the writer's checkpoint empties the WAL
        reader = sqlite3.connect(server.db, isolation_level=None)
        reader.execute("BEGIN")
        pinned = reader.execute("SELECT count(*) FROM feedback").fetchone()[0]
        start = wal_size(server.db)
        write(votes // 2)
        time.sleep(2.5)  # checkpoints run, but cannot pass the reader's snapshot
        write(votes - votes // 2)
        grown = wal_size(server.db)
        held = reader.execute("SELECT count(*) FROM feedback").fetchone()[0] == pinned
        reader.execute("COMMIT")
        reader.close()
        time.sleep(2.5)  # the first checkpoint after the reader left copies every frame back
        write(votes // 2)
        time.sleep(2.5)
        write(votes - votes // 2)
        reused = wal_size(server.db)
    server.stop()
    return WalRun(start, grown, reused, wal_size(server.db), held, acked, check_db(server.db, acked, {}))
