"""Verified fix for solutions/sqlite-readonly-database.md: real SQLite, every cause made for real.

Root ignores file modes, so the permission causes are made by a child Python that drops to uid/gid 65534
(nobody) after its imports, in a root-owned 0755 folder it can reach (pytest's tmp folders are 0700):
a root-owned database file (SQLITE_READONLY, 8) and the user's own file in a root-owned folder
(SQLITE_READONLY_DIRECTORY, 1544); as root the same writes succeed. Causes that hit root too: a
`mode=ro` / `immutable=1` URI, a read-only bind mount (`mount --bind` + `remount,ro` inside `unshare -m`,
so the mount dies with the child; it needs root, as make test runs), and a file replaced under an
open connection (SQLITE_READONLY_DBMOVED, 1032). SQLAlchemy (installed in the project) wraps it.
Then the entry's own code runs: Option 1's demo and its `explain_readonly()` for each cause (and the
`chown` it prints, run as root, really lets nobody write), Option 3 copying a WAL database off a
read-only mount, Option 4 reconnecting after the file was replaced.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from pyrun import last_line, run_python

from app.corpus.entries import parse_entry

SLUG = "sqlite-readonly-database"
ENTRY = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"
NOBODY = 65534
MESSAGE = "sqlite3.OperationalError: attempt to write a readonly database"

# imports first: after setuid the interpreter's own folder may be unreadable
DROP = """
import os, sys, shutil, shlex, sqlite3, tempfile, pathlib, urllib.parse, encodings.idna, traceback
os.setgroups([])
os.setgid(65534)
os.setuid(65534)
"""

WRITE = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], uri=sys.argv[1].startswith("file:"))
try:
    with conn:
        conn.execute("INSERT INTO t VALUES (1)")
except sqlite3.OperationalError as exc:
    print("code", getattr(exc, "sqlite_errorcode", None), getattr(exc, "sqlite_errorname", None))
    raise
print("written")
"""


@pytest.fixture(autouse=True)
def needs_root():
    if os.geteuid() != 0:
        pytest.fail(
            "these tests switch to uid 65534 and mount a read-only bind: run them as root (make test does)"
        )


def make_db(path: Path, wal: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    if wal:
        conn.execute("PRAGMA journal_mode=WAL")
    with conn:
        conn.execute("CREATE TABLE t(x)")
    conn.close()
    return path


def as_nobody(code: str, *args: str, cwd) -> subprocess.CompletedProcess:
    return run_python(DROP + code, cwd=cwd, args=args)


def on_readonly_mount(src: Path, mnt: Path, code: str, *args: str) -> subprocess.CompletedProcess:
    """Run code with src bind-mounted read-only at mnt, in a private mount namespace."""
    mnt.mkdir(exist_ok=True)
    script = (
        f"mount --bind {shlex.quote(str(src))} {shlex.quote(str(mnt))}"
        f" && mount -o remount,ro,bind {shlex.quote(str(mnt))}"
        f" && exec {shlex.quote(sys.executable)} -c {shlex.quote(code)} {' '.join(map(shlex.quote, args))}"
    )
    if shutil.which("unshare") is None:
        pytest.fail("needs unshare(1) from util-linux")
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    env.pop("PYTHONPATH", None)
    result = subprocess.run(
        ["unshare", "-m", "--propagation", "private", "sh", "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    if "mount:" in result.stderr or "unshare:" in result.stderr:
        pytest.fail(f"cannot make a read-only bind mount here (run as root): {result.stderr.strip()}")
    return result


def test_signature_is_the_first_error_of_the_entry():
    assert parse_entry(ENTRY).errors[0] == MESSAGE


def test_permissions_cause_it_for_a_non_root_user_only(open_base):
    root_file = make_db(open_base / "rootfile" / "app.db")  # root-owned 0644 file, folder nobody may write
    os.chown(root_file.parent, NOBODY, NOBODY)
    own_file = make_db(open_base / "rootdir" / "app.db")  # nobody's file in a root-owned 0755 folder
    os.chown(own_file, NOBODY, NOBODY)
    wal_file = make_db(open_base / "waldir" / "app.db", wal=True)
    os.chown(wal_file, NOBODY, NOBODY)

    for path, name in ((root_file, "SQLITE_READONLY"), (own_file, "SQLITE_READONLY_DIRECTORY")):
        result = as_nobody(WRITE, str(path), cwd=open_base)
        assert result.returncode == 1, result.stderr
        assert last_line(result) == MESSAGE
        assert f"code {8 if name == 'SQLITE_READONLY' else 1544} {name}" in result.stdout

    # WAL mode: even a read fails, because the -shm file cannot be created in the folder
    read = as_nobody(
        "import sqlite3, sys\nsqlite3.connect(sys.argv[1]).execute('SELECT * FROM t').fetchall()\n",
        str(wal_file),
        cwd=open_base,
    )
    assert last_line(read) == MESSAGE

    # root ignores modes: the same writes succeed, even on a 0444 file in a 0555 folder
    root_file.chmod(0o444)
    own_file.parent.chmod(0o555)
    for path in (root_file, own_file):
        result = run_python(WRITE, cwd=open_base, args=[str(path)])
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "written"


def test_read_only_uris_and_a_replaced_file_fail_for_root_too(tmp_path):
    db = make_db(tmp_path / "app.db")
    for uri in (f"file:{db}?mode=ro", f"file:{db}?immutable=1"):
        result = run_python(WRITE, cwd=tmp_path, args=[uri])
        assert result.returncode == 1
        assert last_line(result) == MESSAGE
        assert "code 8 SQLITE_READONLY" in result.stdout

    replaced = run_python(
        "import os, shutil, sqlite3, sys\n"
        "db = sys.argv[1]\n"
        "conn = sqlite3.connect(db)\n"
        "print(conn.execute('SELECT count(*) FROM t').fetchone())\n"
        "os.replace(db, db + '.old'); shutil.copy(db + '.old', db)\n"
        "print('read after replace', conn.execute('SELECT count(*) FROM t').fetchone())\n"
        "try:\n"
        "    conn.execute('INSERT INTO t VALUES (1)')\n"
        "except sqlite3.OperationalError as exc:\n"
        "    print('code', exc.sqlite_errorcode, exc.sqlite_errorname)\n"
        "    raise\n",
        cwd=tmp_path,
        args=[str(db)],
    )
    assert last_line(replaced) == MESSAGE
    assert "read after replace (0,)" in replaced.stdout
    assert "code 1032 SQLITE_READONLY_DBMOVED" in replaced.stdout


def test_sqlalchemy_wraps_the_same_message(tmp_path):
    db = make_db(tmp_path / "app.db")
    result = run_python(
        "import sys\n"
        "from sqlalchemy import create_engine, text\n"
        "engine = create_engine(f'sqlite:///file:{sys.argv[1]}?mode=ro&uri=true')\n"
        "with engine.begin() as conn:\n"
        "    conn.execute(text('INSERT INTO t VALUES (1)'))\n",
        cwd=tmp_path,
        args=[str(db)],
    )
    assert result.returncode == 1
    assert parse_entry(ENTRY).errors[1] in result.stderr


def test_read_only_mount_fails_for_root_and_wal_there_cannot_even_open(open_base):
    src = open_base / "src"
    make_db(src / "app.db")
    make_db(src / "wal.db", wal=True)
    mnt = open_base / "mnt"
    result = on_readonly_mount(src, mnt, WRITE, str(mnt / "app.db"))
    assert last_line(result) == MESSAGE
    assert "code 8 SQLITE_READONLY" in result.stdout
    # the look-alike the entry sends elsewhere: a WAL database on read-only media
    wal = on_readonly_mount(src, mnt, WRITE, f"file:{mnt / 'wal.db'}?mode=ro")
    assert last_line(wal) == "sqlite3.OperationalError: unable to open database file"


def test_option1_demo_explains_a_read_only_uri_and_writes_read_write(fix_code, tmp_path):
    result = run_python(fix_code(SLUG, 1), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "error: attempt to write a readonly database" in result.stdout
    assert "- opened read-only by the URI (file:" in result.stdout
    assert result.stdout.rstrip().endswith("written: 1")


EXPLAIN = """
import sqlite3, sys
target = sys.argv[1]
try:
    with sqlite3.connect(target, uri=target.startswith("file:")) as conn:
        conn.execute("INSERT INTO t VALUES (1)")
    print("written")
except sqlite3.OperationalError as exc:
    for finding in explain_readonly(target, exc):
        print("FINDING", finding)
"""


def _fix_commands(stdout: str) -> list[list[str]]:
    findings = [line for line in stdout.splitlines() if line.startswith("FINDING")]
    assert findings, stdout
    return [shlex.split(finding.split(" -> ", 1)[1]) for finding in findings]


def test_option1_names_the_owner_problem_and_its_chown_fixes_it(fix_code, open_base):
    code = fix_code(SLUG, 1) + EXPLAIN
    root_file = make_db(open_base / "data" / "app.db")  # root-owned file and folder: both findings
    first = as_nobody(code, str(root_file), cwd=open_base)
    assert first.returncode == 0, first.stderr
    assert f"FINDING file {root_file} is not writable by uid 65534 (owner uid 0, mode 0o644)" in first.stdout
    assert f"FINDING folder {root_file.parent} is not writable by uid 65534 (owner uid 0)" in first.stdout
    commands = _fix_commands(first.stdout)  # exactly the file and the folder, nothing under or beside them
    assert commands == [
        ["chown", "65534:65534", str(root_file)],
        ["chown", "65534:65534", str(root_file.parent)],
    ]
    for command in commands:
        subprocess.run(command, check=True)  # what the entry tells the user to run as root
    assert as_nobody(code, str(root_file), cwd=open_base).stdout.splitlines()[-1] == "written"

    # WAL files left by another user: SQLite running as root gives the -wal/-shm it creates the owner of
    # the database file, so they are made while uid 1000 owns it, then the file is handed to nobody
    stale = make_db(open_base / "stale" / "app.db", wal=True)
    os.chown(stale.parent, NOBODY, NOBODY)
    os.chown(stale, 1000, 1000)
    keep = sqlite3.connect(stale)  # held open so app.db-wal / app.db-shm stay
    keep.execute("SELECT * FROM t").fetchall()
    assert (stale.parent / "app.db-wal").stat().st_uid == 1000
    os.chown(stale, NOBODY, NOBODY)
    try:
        found = as_nobody(code, str(stale), cwd=open_base)
        assert (
            "FINDING app.db-wal is not writable by uid 65534 (owner uid 1000, left by another user)"
            in found.stdout
        ), found.stdout + found.stderr
        for command in _fix_commands(found.stdout):
            subprocess.run(command, check=True)
    finally:
        keep.close()
    assert as_nobody(code, str(stale), cwd=open_base).stdout.splitlines()[-1] == "written"


def test_option1_never_hands_over_a_shared_folder(fix_code, open_base):
    """A folder that also holds other files (the project, /var/lib): no chown of it, move the database."""
    db = make_db(open_base / "project" / "db.sqlite3")
    (db.parent / "settings.py").write_text("DEBUG = False\n")
    found = as_nobody(fix_code(SLUG, 1) + EXPLAIN, str(db), cwd=open_base)
    assert f"-> chown 65534:65534 {db}" in found.stdout, found.stdout + found.stderr
    assert "move the database into a folder of its own that uid 65534 owns (Option 2)" in found.stdout
    assert f"chown 65534:65534 {db.parent}\n" not in found.stdout
    assert "-R" not in found.stdout


def test_option1_names_immutable_true_a_file_mount_and_a_hot_journal(fix_code, open_base):
    code = fix_code(SLUG, 1) + EXPLAIN
    db = make_db(open_base / "imm" / "app.db")
    immutable = run_python(
        code, cwd=open_base, args=[f"file:{db}?immutable=true"]
    )  # SQLite takes true/yes/on too
    assert "FINDING opened read-only by the URI" in immutable.stdout, immutable.stdout + immutable.stderr

    # a single file mounted read-only (docker -v ./app.db:/app/app.db:ro): its folder is writable
    src = make_db(open_base / "single" / "app.db")
    target = open_base / "ctr" / "app.db"
    target.parent.mkdir()
    target.write_bytes(b"")
    if shutil.which("unshare") is None:
        pytest.fail("needs unshare(1) from util-linux")
    script = (
        f"mount --bind {shlex.quote(str(src))} {shlex.quote(str(target))}"
        f" && mount -o remount,ro,bind {shlex.quote(str(target))}"
        f" && exec {shlex.quote(sys.executable)} -c {shlex.quote(code)} {shlex.quote(str(target))}"
    )
    mounted = subprocess.run(
        ["unshare", "-m", "--propagation", "private", "sh", "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if "mount:" in mounted.stderr or "unshare:" in mounted.stderr:
        pytest.fail(f"cannot make a read-only bind mount here (run as root): {mounted.stderr.strip()}")
    assert f"FINDING {target} is mounted read-only on its own -> mount its folder" in mounted.stdout, (
        mounted.stdout
    )
    assert "chown" not in mounted.stdout

    # a writer killed mid-transaction leaves a hot journal: a read-only connection fails even to read (776)
    hot = open_base / "hot" / "app.db"
    hot.parent.mkdir()
    run_python(
        "import os, sqlite3, sys\n"
        "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "c.execute('CREATE TABLE t(x)'); c.execute('PRAGMA cache_size=1'); c.execute('BEGIN')\n"
        "c.executemany('INSERT INTO t VALUES (?)', [(b'x' * 1000,) for _ in range(2000)])\n"
        "os._exit(0)\n",
        cwd=open_base,
        args=[str(hot)],
    )
    assert (hot.parent / "app.db-journal").exists()
    read = run_python(
        fix_code(SLUG, 1)
        + "\nimport sys\nt = sys.argv[1]\n"
        + "try:\n    sqlite3.connect(t, uri=True).execute('SELECT count(*) FROM t').fetchall()\n"
        + "except sqlite3.OperationalError as exc:\n"
        + "    print('code', exc.sqlite_errorcode)\n"
        + "    print('FINDING', explain_readonly(t, exc)[0])\n",
        cwd=open_base,
        args=[f"file:{hot}?mode=ro"],
    )
    assert "code 776" in read.stdout, read.stdout + read.stderr
    assert "FINDING a crashed write left a hot app.db-journal" in read.stdout
    assert "never delete the -journal" in read.stdout
    rolled_back = sqlite3.connect(hot)  # the fix: one read-write open rolls it back
    assert rolled_back.execute("SELECT count(*) FROM t").fetchone() == (0,)
    rolled_back.close()


def test_option1_names_a_read_only_mount_and_a_moved_file(fix_code, open_base):
    src = open_base / "src"
    make_db(src / "app.db")
    mnt = open_base / "mnt"
    result = on_readonly_mount(src, mnt, fix_code(SLUG, 1) + EXPLAIN, str(mnt / "app.db"))
    assert (
        f"FINDING {mnt} is on a read-only filesystem -> keep the database on a writable volume"
        in result.stdout
    )

    moved = run_python(
        fix_code(SLUG, 1)
        + "\nimport os, shutil, sys\n"
        + "db = sys.argv[1]\n"
        + "conn = sqlite3.connect(db)\n"
        + "os.replace(db, db + '.old'); shutil.copy(db + '.old', db)\n"
        + "try:\n    conn.execute('INSERT INTO t VALUES (1)')\n"
        + "except sqlite3.OperationalError as exc:\n"
        + "    print('FINDING', explain_readonly(db, exc)[0])\n",
        cwd=open_base,
        args=[str(make_db(open_base / "moved" / "app.db"))],
    )
    assert moved.returncode == 0, moved.stderr
    assert "FINDING file replaced or deleted while this connection was open -> close it" in moved.stdout


def test_option3_copies_a_wal_database_off_a_read_only_mount(fix_code, open_base):
    src = open_base / "src"
    make_db(src / "ref.db", wal=True)
    mnt = open_base / "mnt"
    data = open_base / "data"
    code = (
        fix_code(SLUG, 3)
        + "\nimport sys\n"
        + "conn = open_writable_copy(Path(sys.argv[1]), Path(sys.argv[2]))\n"
        + "with conn:\n    conn.execute(\"INSERT INTO t VALUES ('written')\")\n"
        + "print('copy rows', conn.execute('SELECT count(*) FROM t').fetchone()[0])\n"
    )
    result = on_readonly_mount(src, mnt, code, str(mnt / "ref.db"), str(data))
    assert result.returncode == 0, result.stderr
    assert "copy rows 1" in result.stdout
    assert sqlite3.connect(data / "ref.db").execute("SELECT count(*) FROM t").fetchone() == (1,)

    # commits still in a -wal file (a writer that never checkpointed): immutable=1 alone would skip them
    for name, keep_shm in (("walsrc", True), ("walnoshm", False)):
        wal_src = open_base / name
        wal_src.mkdir()
        run_python(
            "import os, sqlite3, sys\n"
            "c = sqlite3.connect(sys.argv[1]); c.execute('PRAGMA journal_mode=WAL')\n"
            "with c: c.execute('CREATE TABLE t(x)')\n"
            "with c: c.executemany('INSERT INTO t VALUES (?)', [(i,) for i in range(50)])\n"
            "if sys.argv[2] == 'no': os.unlink(sys.argv[1] + '-shm')\n"
            "os._exit(0)\n",
            cwd=open_base,
            args=[str(wal_src / "ref.db"), "yes" if keep_shm else "no"],
        )
        assert (wal_src / "ref.db-wal").stat().st_size > 0
        immutable = sqlite3.connect(f"file:{wal_src / 'ref.db'}?immutable=1", uri=True)
        with pytest.raises(sqlite3.OperationalError, match="no such table"):
            immutable.execute("SELECT count(*) FROM t")
        immutable.close()
        copied = on_readonly_mount(
            wal_src,
            mnt,
            fix_code(SLUG, 3)
            + "\nimport sys\n"
            + "try:\n    conn = open_writable_copy(Path(sys.argv[1]), Path(sys.argv[2]))\n"
            + "    print('copy rows', conn.execute('SELECT count(*) FROM t').fetchone()[0])\n"
            + "except RuntimeError as exc:\n    print('refused', exc)\n",
            str(mnt / "ref.db"),
            str(open_base / f"data-{name}"),
        )
        if keep_shm:  # mode=ro reads the -wal on read-only media when the -shm is there
            assert "copy rows 50" in copied.stdout, copied.stdout + copied.stderr
        else:  # it cannot: refuse rather than copy without those 50 rows, and leave no copy behind
            assert "refused" in copied.stdout and "ref.db-wal holds commits" in copied.stdout, (
                copied.stdout + copied.stderr
            )
            assert not (open_base / f"data-{name}" / "ref.db").exists()

    demo = run_python(fix_code(SLUG, 3), cwd=open_base)
    assert demo.returncode == 0, demo.stderr
    assert demo.stdout.strip() == "rows in the writable copy: 2"


def test_option4_reconnects_after_the_file_was_replaced(fix_code, tmp_path):
    result = run_python(fix_code(SLUG, 4), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "old connection: attempt to write a readonly database SQLITE_READONLY_DBMOVED" in result.stdout
    assert result.stdout.rstrip().endswith("rows: 1")
