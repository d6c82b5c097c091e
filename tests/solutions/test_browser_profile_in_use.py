"""Verified fixes for solutions/browser-profile-in-use.md: a second browser started on a profile folder another holds.

The project installs the real Playwright (1.65.3) but no browser, so the tests give it a stand-in `chromium`
(`executable_path`) with the profile lock of Debian's Chromium 156.0.8078.129 as the entry's author saw it: at start
it creates `<user-data-dir>/SingletonLock`, a symlink to `<hostname>-<pid>`; when the lock names a live process of
this host it prints Chromium's two real lines (`process_singleton_posix.cc:349] Failed to create .../SingletonLock:
File exists (17)`, `Failed to create a ProcessSingleton for your profile directory. ...`) and exits 21; when it names
another host, the real `The profile appears to be in use by another Chromium process (N) on another computer (H)`
line and exit 21; a lock whose pid is dead on this host is taken over; it writes `Local State` as Chromium does
within a second. Started without Playwright's pipe it holds
the profile like a browser left open (SIGKILL leaves the lock, as it did with the real Chromium); started by
Playwright it answers the CDP messages `launch_persistent_context` needs (one about:blank page that loads,
`Storage.getCookies` from a JSON `Default/Cookies` file) and removes its lock files on `Browser.close`. The real
Playwright turns the log into the errors users see, so the wrong code fails through Playwright's own code path, and
the entry's Options 1-3 run against the same executable. Option 3 is also run against a lock whose pid now belongs to
another program, against folders a local process uses without an absolute --user-data-dir (a relative one, or only
an open file) and against paths that are not a user data directory; Option 2 against a damaged SQLite file and a
database held with SQLite's exclusive locking mode (as Chromium 156 holds `Web Data`). Selenium is not installed here; its texts come from the
issue threads the entry cites and are checked against the matcher only.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from answers import assert_answers, confident_answer
from pyrun import run_python

SLUG = "browser-profile-in-use"
pytestmark = pytest.mark.skipif(os.name == "nt", reason="the stand-in browser is a POSIX executable")

FAKE_CHROMIUM = r"""
import json, os, signal, socket, sys, time

args = sys.argv[1:]
data_dir = next(a.split("=", 1)[1] for a in args if a.startswith("--user-data-dir="))
lock = os.path.join(data_dir, "SingletonLock")
host = socket.gethostname()
stamp = "[%d:%d:1207/225522.640492:ERROR:" % (os.getpid(), os.getpid())


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


os.makedirs(data_dir, exist_ok=True)
while True:
    try:
        os.symlink("%s-%d" % (host, os.getpid()), lock)
        break
    except FileExistsError:
        owner_host, _, owner_pid = os.readlink(lock).rpartition("-")
        if owner_host != host:
            sys.stderr.write(stamp + "chrome/browser/process_singleton_posix.cc:367] The profile appears to be in use "
                             "by another Chromium process (%s) on another computer (%s). Chromium has locked the "
                             "profile so that it doesn't get corrupted. If you are sure no other processes are using "
                             "this profile, you can unlock the profile and relaunch Chromium.\n" % (owner_pid, owner_host))
            sys.exit(21)
        if owner_pid.isdigit() and alive(int(owner_pid)):
            sys.stderr.write(stamp + "chrome/browser/process_singleton_posix.cc:349] Failed to create %s: File exists "
                             "(17)\n" % lock)
            sys.stderr.write(stamp + "chrome/app/chrome_main_delegate.cc:624] Failed to create a ProcessSingleton for "
                             "your profile directory. This means that running multiple instances would start multiple "
                             "browser processes rather than opening a new window in the existing process. Aborting now "
                             "to avoid profile corruption.\n")
            sys.exit(21)
        os.unlink(lock)  # a dead process of this host: taken over, as Chromium does
if not os.path.exists(os.path.join(data_dir, "Local State")):  # Chromium 156 writes it within a second
    open(os.path.join(data_dir, "Local State"), "w").write("{}")
for name, target in (("SingletonSocket", "/tmp/org.chromium.Chromium.fake/SingletonSocket"), ("SingletonCookie", "1")):
    path = os.path.join(data_dir, name)
    if os.path.lexists(path):
        os.unlink(path)
    os.symlink(target, path)


def release():
    for name in ("SingletonLock", "SingletonSocket", "SingletonCookie"):
        path = os.path.join(data_dir, name)
        if os.path.lexists(path):
            os.unlink(path)


try:
    os.fstat(3)
except OSError:  # started by hand, not by Playwright: hold the profile like an open browser
    sys.stderr.write("\nDevTools listening on ws://127.0.0.1:9222/devtools/browser/fake\n")
    sys.stderr.flush()
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))  # killed: the lock stays, as with the real browser
    while True:
        time.sleep(1)

pipe_in, pipe_out = os.fdopen(3, "rb", buffering=0), os.fdopen(4, "wb", buffering=0)
version = {"protocolVersion": "1.3", "product": "HeadlessChrome/156.0.8078.129", "revision": "",
           "userAgent": "Mozilla/5.0 HeadlessChrome/156.0.8078.129", "jsVersion": "14.6"}
frame = {"id": "PAGE1", "loaderId": "L1", "url": "about:blank", "domainAndRegistry": "", "securityOrigin": "://",
         "mimeType": "text/html", "adFrameStatus": {"adFrameType": "none"}, "secureContextType": "InsecureScheme",
         "crossOriginIsolatedContextType": "NotIsolated", "gatedAPIFeatures": []}
page = {"targetId": "PAGE1", "type": "page", "title": "", "url": "about:blank", "attached": True,
        "canAccessOpener": False, "browserContextId": "CTX0"}


def send(message):
    pipe_out.write(json.dumps(message).encode() + b"\0")


def cookies():
    path = os.path.join(data_dir, "Default", "Cookies")
    return json.load(open(path)) if os.path.exists(path) else []


attached = False
pending = b""
while True:
    chunk = pipe_in.read(65536)
    if not chunk:
        break
    pending += chunk
    while b"\0" in pending:
        raw, pending = pending.split(b"\0", 1)
        message = json.loads(raw)
        method = message["method"]
        result = {}
        if method == "Browser.getVersion":
            result = version
        elif method == "Page.getFrameTree":
            result = {"frameTree": {"frame": frame, "childFrames": []}}
        elif method == "Browser.getWindowForTarget":
            result = {"windowId": 1, "bounds": {}}
        elif method == "Storage.getCookies":
            result = {"cookies": cookies()}
        reply = {"id": message["id"], "result": result}
        if "sessionId" in message:
            reply["sessionId"] = message["sessionId"]
        send(reply)
        if method == "Target.setAutoAttach" and "sessionId" not in message and not attached:
            attached = True
            send({"method": "Target.attachedToTarget",
                  "params": {"sessionId": "S1", "targetInfo": page, "waitingForDebugger": False}})
        if method == "Runtime.runIfWaitingForDebugger":
            for name in ("init", "DOMContentLoaded", "load"):
                send({"method": "Page.lifecycleEvent", "sessionId": "S1",
                      "params": {"frameId": "PAGE1", "loaderId": "L1", "name": name, "timestamp": 1.0}})
        if method == "Browser.close":
            release()
            sys.exit(0)
"""

# the user's code: one fixed profile folder for every run
WRONG = """
import os, sys
from playwright.sync_api import sync_playwright

with sync_playwright() as p:
    context = p.chromium.launch_persistent_context(sys.argv[1], executable_path=os.environ["CHROME_PATH"])
    print("started", len(context.pages))
    context.close()
"""

PROFILE_IN_USE = (
    "playwright._impl._errors.Error: BrowserType.launch_persistent_context: Failed to create a ProcessSingleton for "
    "your profile directory. This usually means that the profile is already in use by another instance of Chromium."
)

SELENIUM_TRACEBACK = """Traceback (most recent call last):
  File "/home/me/bot/main.py", line 14, in <module>
    driver = webdriver.Chrome(options=options)
  File "/home/me/bot/.venv/lib/python3.12/site-packages/selenium/webdriver/chrome/webdriver.py", line 45, in __init__
    super().__init__(
  File "/home/me/bot/.venv/lib/python3.12/site-packages/selenium/webdriver/remote/webdriver.py", line 384, in start_session
    response = self.execute(Command.NEW_SESSION, caps)["value"]
  File "/home/me/bot/.venv/lib/python3.12/site-packages/selenium/webdriver/remote/errorhandler.py", line 232, in check_response
    raise exception_class(message, screen, stacktrace)
selenium.common.exceptions.SessionNotCreatedException: Message: session not created: probably user data directory is \
already in use, please specify a unique value for --user-data-dir argument, or don't use --user-data-dir
Stacktrace:
#0 0x55c2eca1cb8e <unknown>
#1 0x55c2ec3f691b <unknown>
"""


@pytest.fixture
def chromium(tmp_path):
    exe = tmp_path / "chromium"
    exe.write_text(f"#!{sys.executable}\n{FAKE_CHROMIUM}", encoding="utf-8")
    exe.chmod(0o755)
    return exe


@pytest.fixture
def hold(chromium):
    """hold(folder): an already-running browser on that profile folder (killed at the end)."""
    started = []

    def start(folder: Path) -> subprocess.Popen:
        proc = subprocess.Popen(
            [str(chromium), f"--user-data-dir={folder}", "--remote-debugging-port=0"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started.append(proc)
        for _ in range(200):
            if os.path.islink(folder / "SingletonLock"):
                return proc
            time.sleep(0.02)
        raise RuntimeError("the stand-in browser did not take the lock")

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def _run(code, chromium, tmp_path, *args):
    return run_python(
        code, env={"CHROME_PATH": str(chromium), "TMPDIR": str(tmp_path)}, args=list(args), timeout=60
    )


def test_second_browser_on_a_held_profile_then_option1(fix_code, index, chromium, hold, tmp_path):
    held = tmp_path / "profile"
    hold(held)
    wrong = _run(WRONG, chromium, tmp_path, str(held))
    assert wrong.returncode == 1
    assert PROFILE_IN_USE in wrong.stderr
    assert f"Failed to create {held}/SingletonLock: File exists (17)" in wrong.stderr
    assert "site-packages/playwright/" in wrong.stderr
    assert_answers(index, SLUG, wrong.stderr)

    # Option 1: two runs at once while the fixed profile is still held: each gets its own folder
    env = dict(os.environ, CHROME_PATH=str(chromium), TMPDIR=str(tmp_path), PYTHONDONTWRITEBYTECODE="1")
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", fix_code(SLUG, 1)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=60) for run in runs]
    for run, (out, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, err
        assert out.startswith(f"started on {tmp_path}/chrome-profile-") and out.rstrip().endswith(
            "pages: 1 about:blank"
        )
    folders = {out.split()[2] for out, _ in outputs}
    assert len(folders) == 2
    assert not any(os.path.exists(folder) for folder in folders)  # deleted after the browser closed
    assert os.path.islink(held / "SingletonLock")  # the other browser kept its profile


def test_option3_refuses_a_live_holder_and_clears_an_old_containers_lock(
    fix_code, index, chromium, hold, tmp_path
):
    held = tmp_path / "profile"
    browser = hold(held)
    unlock = fix_code(SLUG, 3)
    refused = _run(unlock, chromium, tmp_path, str(held))
    assert refused.returncode == 1
    assert f"in use by PIDs [{browser.pid}] on this machine" in refused.stdout
    assert os.path.islink(held / "SingletonLock")

    browser.send_signal(signal.SIGKILL)  # a crashed run: the lock stays, but its pid is dead on this host
    browser.wait()
    assert os.path.islink(held / "SingletonLock")
    assert _run(WRONG, chromium, tmp_path, str(held)).stdout.strip() == "started 1"

    # a profile on a Docker volume, locked by the previous container (another hostname)
    (held / "SingletonLock").symlink_to("4f3c2a1b9e8d-32")
    wrong = _run(WRONG, chromium, tmp_path, str(held))
    assert wrong.returncode == 1
    assert (
        "The profile appears to be in use by another Chromium process (32) on another computer (4f3c2a1b9e8d)."
        in wrong.stderr
    )
    assert socket.gethostname() != "4f3c2a1b9e8d"
    # Playwright does not rewrite this log (TargetClosedError); the whole traceback is answered by
    # browser-launch-on-server's `TargetClosedError ... Browser logs:` signature, the browser's own line by this entry
    line = next(line for line in wrong.stderr.splitlines() if "on another computer" in line)
    assert line.lstrip(" -").startswith("[pid=")
    assert_answers(index, SLUG, line.split("[err] ", 1)[1])

    asked = _run(unlock, chromium, tmp_path, str(held))
    assert asked.returncode == 1
    assert "locked by PID 32 on host '4f3c2a1b9e8d'" in asked.stdout
    assert os.path.islink(held / "SingletonLock")
    done = _run(unlock, chromium, tmp_path, str(held), "--other-host-is-gone")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "removed the stale lock of 4f3c2a1b9e8d-32"
    assert not os.path.lexists(held / "SingletonLock")
    assert _run(WRONG, chromium, tmp_path, str(held)).stdout.strip() == "started 1"


def test_option2_runs_on_a_copy_of_a_held_profile(fix_code, chromium, hold, tmp_path):
    source = tmp_path / "User Data"
    (source / "Default" / "Cache").mkdir(parents=True)
    (source / "Local State").write_text("{}", encoding="utf-8")
    cookie = {
        "name": "session",
        "value": "abc",
        "domain": "example.com",
        "path": "/",
        "expires": 1831245083.3,
        "size": 10,
        "httpOnly": False,
        "secure": True,
        "session": False,
        "sameSite": "Lax",
    }
    (source / "Default" / "Cookies").write_text(json.dumps([cookie]), encoding="utf-8")
    hold(source)
    assert PROFILE_IN_USE in _run(WRONG, chromium, tmp_path, str(source)).stderr

    result = _run(fix_code(SLUG, 2), chromium, tmp_path, str(source))
    assert result.returncode == 0, result.stderr
    copy = Path(result.stdout.split()[1])
    assert result.stdout.strip() == f"copy: {copy} cookies: 1"
    assert copy.parent == tmp_path
    assert (copy / "Default" / "Cookies").is_file() and (copy / "Local State").is_file()
    assert not (copy / "Default" / "Cache").exists()
    assert not any(name.startswith("Singleton") for name in os.listdir(copy))
    assert os.path.islink(source / "SingletonLock")  # the original browser was left alone


@pytest.fixture
def spawned():
    """A list for the processes a test starts: each is killed at the end, whatever failed."""
    procs: list[subprocess.Popen] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def _sleeper(tmp_path: Path, spawned: list, *open_path: Path) -> subprocess.Popen:
    """A running program that is not a browser (optionally with a file open), started and ready."""
    code = "import sys, time\nfiles = [open(p, 'rb') for p in sys.argv[1:]]\nprint('ready', flush=True)\ntime.sleep(120)\n"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *map(str, open_path)], cwd=tmp_path, stdout=subprocess.PIPE, text=True
    )
    spawned.append(proc)
    assert proc.stdout.readline().strip() == "ready"
    return proc


def test_option3_removes_a_lock_whose_pid_now_belongs_to_another_program(
    fix_code, chromium, hold, tmp_path, spawned
):
    held = tmp_path / "profile"
    browser = hold(held)
    browser.send_signal(signal.SIGKILL)
    browser.wait()
    other = _sleeper(
        tmp_path, spawned
    )  # the pid was reused: a live process of this host that is not this browser
    (held / "SingletonLock").unlink()
    (held / "SingletonLock").symlink_to(f"{socket.gethostname()}-{other.pid}")
    result = _run(fix_code(SLUG, 3), chromium, tmp_path, str(held))
    # the first version said `locked by live PID ... close it first`: it sent the user to kill an unrelated program
    assert result.returncode == 0, result.stdout
    assert result.stdout.startswith(
        f"removed the stale lock of {socket.gethostname()}-{other.pid} (PID {other.pid}"
    )
    assert not any(
        os.path.lexists(held / name) for name in ("SingletonLock", "SingletonSocket", "SingletonCookie")
    )
    assert other.poll() is None
    again = _run(fix_code(SLUG, 3), chromium, tmp_path, str(held))
    assert (again.returncode, again.stdout.strip()) == (0, "no SingletonLock: the profile is not locked")


@pytest.mark.parametrize("how", ["relative --user-data-dir", "open file, no --user-data-dir"])
def test_option3_never_unlocks_a_folder_a_local_process_uses(fix_code, chromium, tmp_path, how, spawned):
    """The lock names another host (the machine was renamed while the browser ran), but a local process uses the
    folder without an absolute --user-data-dir on its command line: the first version removed the lock anyway."""
    held = tmp_path / "profile"
    if how.startswith("relative"):
        user = subprocess.Popen(
            [str(chromium), "--user-data-dir=profile"],
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        spawned.append(user)
        assert "DevTools listening on" in user.stderr.readline() + user.stderr.readline()
        (held / "SingletonLock").unlink()
    else:
        (held / "Default").mkdir(parents=True)
        (held / "Default" / "Cookies").write_bytes(b"")
        user = _sleeper(tmp_path, spawned, held / "Default" / "Cookies")
    (held / "SingletonLock").symlink_to(f"oldname-{user.pid}")
    result = _run(fix_code(SLUG, 3), chromium, tmp_path, str(held), "--other-host-is-gone")
    assert result.returncode == 1, result.stdout
    assert f"in use by PIDs [{user.pid}] on this machine" in result.stdout
    assert os.readlink(held / "SingletonLock") == f"oldname-{user.pid}"


@pytest.mark.parametrize("where", ["typo", "Default", "other folder"])
def test_option3_refuses_a_path_that_is_not_a_user_data_dir(fix_code, chromium, tmp_path, where):
    data = tmp_path / "User Data"
    (data / "Default").mkdir(parents=True)
    (data / "Local State").write_text("{}", encoding="utf-8")
    (data / "Default" / "Preferences").write_text("{}", encoding="utf-8")
    (tmp_path / "other folder").mkdir()
    path = {
        "typo": tmp_path / "User Dta",
        "Default": data / "Default",
        "other folder": tmp_path / "other folder",
    }[where]
    result = _run(fix_code(SLUG, 3), chromium, tmp_path, str(path))
    # the first version answered `no SingletonLock: the profile is not locked` and exit 0 for all three
    assert result.returncode == 1, result.stdout
    assert "nothing removed" in result.stdout
    if where == "Default":
        assert f"pass {data}" in result.stdout


def _sqlite_file(path: Path, rows: int = 200) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE urls (id INTEGER PRIMARY KEY, url TEXT)")
    db.executemany(
        "INSERT INTO urls (url) VALUES (?)", [(f"https://example.com/{i}" * 20,) for i in range(rows)]
    )
    db.commit()
    db.close()


def _profile_with_cookie(tmp_path: Path) -> Path:
    source = tmp_path / "User Data"
    (source / "Default").mkdir(parents=True)
    (source / "Local State").write_text("{}", encoding="utf-8")
    cookie = {
        "name": "session",
        "value": "abc",
        "domain": "example.com",
        "path": "/",
        "expires": -1,
        "size": 10,
        "httpOnly": False,
        "secure": True,
        "session": True,
        "sameSite": "Lax",
    }
    (source / "Default" / "Cookies").write_text(json.dumps([cookie]), encoding="utf-8")
    return source


def test_option2_stops_on_a_damaged_database_instead_of_running_on_it(fix_code, chromium, hold, tmp_path):
    source = _profile_with_cookie(tmp_path)
    history = source / "Default" / "History"
    _sqlite_file(history)
    raw = bytearray(history.read_bytes())
    raw[4096 + 8 : 4096 + 200] = os.urandom(192)  # a torn page, as a byte copy taken mid-write can have
    history.write_bytes(bytes(raw))
    hold(source)
    result = _run(fix_code(SLUG, 2), chromium, tmp_path, str(source))
    # the first version printed `copy: ... cookies: 1` and exit 0, running the browser on the damaged copy
    assert result.returncode == 1, result.stdout
    assert "damaged databases" in result.stderr and "History" in result.stderr
    assert "copy:" not in result.stdout


def test_option2_snapshots_databases_and_survives_an_exclusive_lock(fix_code, chromium, hold, tmp_path):
    source = _profile_with_cookie(tmp_path)
    _sqlite_file(source / "Default" / "History")
    _sqlite_file(source / "Default" / "Web Data", rows=10)
    (source / "Default" / "History-journal").write_bytes(
        b""
    )  # Chromium leaves an empty journal while it runs
    # the browser keeps `Web Data` locked (Chromium 156 does: `database is locked` to any reader)
    locker = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys, time\n"
            "db = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
            "db.execute('PRAGMA locking_mode=EXCLUSIVE'); db.execute('BEGIN EXCLUSIVE')\n"
            "print('ready', flush=True); time.sleep(120)\n",
            str(source / "Default" / "Web Data"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert locker.stdout.readline().strip() == "ready"
        hold(source)
        result = _run(fix_code(SLUG, 2), chromium, tmp_path, str(source))
    finally:
        locker.kill()
        locker.wait()
    assert result.returncode == 0, result.stderr
    copy = Path(result.stdout.split()[1])
    assert result.stdout.strip() == f"copy: {copy} cookies: 1"
    assert "the browser is running" in result.stderr
    for name, rows in (("History", 200), ("Web Data", 10)):
        db = sqlite3.connect(copy / "Default" / name)
        assert db.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        assert db.execute("SELECT count(*) FROM urls").fetchone()[0] == rows
        db.close()
    assert not (copy / "Default" / "History-journal").exists()  # replaced by the snapshot


@pytest.mark.parametrize(
    "text",
    [
        SELENIUM_TRACEBACK,
        "selenium.common.exceptions.InvalidArgumentException: Message: invalid argument: user data directory is "
        "already in use, please specify a unique value for --user-data-dir argument, or don't use --user-data-dir",
        "Error: The browser is already running for /home/me/.cache/scraper-profile. Use a different `userDataDir` or "
        "stop the running browser first.",
        "Error: The browser is already running for /srv/bot/profile. Use a different `userDataDir` or stop the running "
        "browser first.\n    at ChromeLauncher.launch (/srv/bot/node_modules/puppeteer-core/lib/cjs/puppeteer/node/"
        "BrowserLauncher.js:182:23)\n    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)",
        "[12:12:1207/101010.000000:ERROR:chrome/browser/process_singleton_posix.cc:367] The profile appears to be in "
        "use by another Chromium process (32) on another computer (f408c5e12926). Chromium has locked the profile so "
        "that it doesn't get corrupted. If you are sure no other processes are using this profile, you can unlock the "
        "profile and relaunch Chromium.",
    ],
)
def test_the_matcher_answers_the_other_wordings(index, text):
    assert_answers(index, SLUG, text)


@pytest.mark.parametrize(
    "text",
    [
        "Error: The process is already running. Use a different name or stop the running process first.",
        "Error: The server is already running on port 3000. Use a different port or stop the running server first.",
        "Error: Another instance is already running. Use a different lock file or stop the running instance first.",
        "playwright._impl._errors.Error: BrowserType.launch_persistent_context: Protocol error "
        "(Browser.getWindowForTarget): Browser window not found",
    ],
)
def test_generic_near_misses_are_not_answered_with_confidence(index, text):
    # the bare Puppeteer message answered any `The X is already running ... stop the running X first` (61.9-68.7),
    # the Playwright signatures any `launch_persistent_context: Protocol error (Browser...)` (63.5)
    assert confident_answer(index, text) != SLUG


def test_the_look_alikes_are_not_this_entry(entry, index):
    assert entry.not_errors
    for text in entry.not_errors:
        assert confident_answer(index, text) != SLUG, text
