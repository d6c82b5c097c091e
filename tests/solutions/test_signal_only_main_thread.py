"""Verified fixes for solutions/signal-only-main-thread.md: signal handlers set up outside the main thread.

Reproduced for real, each in a child interpreter, and each traceback fed to the matcher (the entry must be its
confident answer):
- CPython: signal.signal() and signal.set_wakeup_fd() in a threading.Thread -> `ValueError: ... only works in main
  thread of the main interpreter`; loop.add_signal_handler() on a thread's loop -> `RuntimeError: set_wakeup_fd ...`
  chained from that ValueError; getsignal(), alarm() and asyncio.run() are allowed there. On every CPython 3.8-3.13
  found on the machine (pyenv) the entry's failing block raises the short 3.8 wording or the 3.9+ one, and Options 1
  and 4 run as written; Option 1 reports a child's error, death and timeout, kills the child when its caller is
  interrupted (SIGINT to the parent only, as Jupyter sends) and names a result that cannot be pickled back;
- uvicorn 0.55.0 (the dev extra): uvicorn.run(..., reload=True) in a thread -> the ValueError from
  supervisors/basereload.py; Option 3 serves from a thread and stops; FastAPI 0.165.0 on uvicorn run in the main
  thread: a `def` endpoint runs in 'AnyIO worker thread' and cannot set a handler, an `async def` one can;
- Flask 3.1.3 / Werkzeug 3.1.9: app.run(debug=True) in a thread -> the ValueError from werkzeug/_reloader.py;
  use_reloader=False serves;
- math-verify is not installed in the project, so a small fake of math-verify 0.9.0 is written into tmp_path:
  math_verify/utils.py `timeout()` (signal.signal + signal.alarm, a no-op decorator for None), parser.py `parse()`
  and grader.py `verify()` with the real release's re-raise of the signal ValueError as `Math-Verify ... doesn't
  support threaded environment ...` (texts copied from the 0.9.0 wheel), the real `Timeout is disabled` warning,
  and a tiny stand-in for the sympy parsing (\\frac{a}{b} and decimals). The threaded call fails through the same
  signal.signal() line as the real package, and the entry's Option 2 (parsing_timeout=None, timeout_seconds=None)
  scores the answers.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from answers import assert_answers, confident_answer
from entry_blocks import raising_block
from fake_site import fake_distribution
from pyrun import interpreters_by_version, last_line, run_args, run_python, run_script_on

SLUG = "signal-only-main-thread"
LONG = "signal only works in main thread of the main interpreter"
WAKEUP = "set_wakeup_fd only works in main thread of the main interpreter"


# --- CPython's own refusals ------------------------------------------------------------------------------------
CORE = r"""
import asyncio, json, signal, threading, traceback

out = {}


def in_thread(name, fn):
    def run():
        try:
            out[name] = ["ok", repr(fn())]
        except BaseException:
            out[name] = ["error", traceback.format_exc()]
    worker = threading.Thread(target=run)
    worker.start()
    worker.join()


def add_handler():
    loop = asyncio.new_event_loop()
    try:
        loop.add_signal_handler(signal.SIGTERM, loop.stop)
    finally:
        loop.close()


# a run started as a background job inherits SIGINT ignored, and Python then installs no handler of its own
signal.signal(signal.SIGINT, signal.default_int_handler)
in_thread("signal", lambda: signal.signal(signal.SIGALRM, lambda signum, frame: None))
in_thread("set_wakeup_fd", lambda: signal.set_wakeup_fd(-1))
in_thread("add_signal_handler", add_handler)
in_thread("getsignal", lambda: signal.getsignal(signal.SIGINT) is signal.default_int_handler)
in_thread("alarm", lambda: signal.alarm(0))
in_thread("asyncio.run", lambda: asyncio.run(asyncio.sleep(0, result="ran")))
out["main thread"] = repr(signal.signal(signal.SIGALRM, signal.SIG_DFL))
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def core():
    result = run_python(CORE, timeout=30)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_installing_a_handler_off_the_main_thread_is_refused(core, index):
    status, text = core["signal"]
    assert status == "error"
    assert text.strip().splitlines()[-1] == f"ValueError: {LONG}"
    assert re.search(r"signal\.py\", line \d+, in signal\n", text)
    assert_answers(index, SLUG, text)

    status, text = core["set_wakeup_fd"]
    assert (status, text.strip().splitlines()[-1]) == ("error", f"ValueError: {WAKEUP}")
    assert_answers(index, SLUG, text)


def test_add_signal_handler_turns_it_into_a_runtime_error(core, index):
    status, text = core["add_signal_handler"]
    assert status == "error"
    assert text.strip().splitlines()[-1] == f"RuntimeError: {WAKEUP}"
    assert f"ValueError: {WAKEUP}" in text and "During handling of the above exception" in text
    assert "asyncio/unix_events.py" in text and "in add_signal_handler" in text
    assert_answers(index, SLUG, text)


def test_only_installing_is_refused(core):
    assert core["getsignal"] == ["ok", "True"]
    assert core["alarm"] == ["ok", "0"]
    assert core["asyncio.run"] == ["ok", "'ran'"]
    assert core["main thread"] == "<Handlers.SIG_DFL: 0>"  # the main thread may, after the worker failed


def test_the_wordings_are_signatures(entry):
    for text in (
        f"ValueError: {LONG}",
        "ValueError: signal only works in main thread",
        f"ValueError: {WAKEUP}",
        f"RuntimeError: {WAKEUP}",
        "RuntimeError: set_wakeup_fd only works in main thread",
        f"builtins.ValueError: {LONG}",
        MV_PARSE_ERROR,
        MV_VERIFY_ERROR,
    ):
        assert text in entry.errors, text


def test_look_alikes_are_not_this_entry(entry, index):
    assert len(entry.not_errors) >= 8
    for text in entry.not_errors:
        assert confident_answer(index, text) != SLUG, text


# --- every CPython on the machine: the failing block, Options 1 and 4 ---------------------------------------
INTERPRETERS = interpreters_by_version((3, 8), (3, 13))


@pytest.mark.parametrize("version", INTERPRETERS)
def test_failing_block_and_options_1_and_4_on_each_python(version, entry, fix_code, tmp_path, index):
    exe = INTERPRETERS[version]
    result = run_script_on(exe, raising_block(entry), tmp_path)
    assert result.returncode == 1
    wording = "signal only works in main thread" if version == "3.8" else LONG
    assert last_line(result) == f"ValueError: {wording}"
    assert "in run_generated_code" in result.stderr
    assert_answers(index, SLUG, result.stderr)

    result = run_script_on(exe, fix_code(SLUG, 1), tmp_path, "-W", "error")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["fast: 49", "slow: slow_square did not finish within 1 s"]

    result = run_script_on(exe, fix_code(SLUG, 4), tmp_path, "-W", "error")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["library started"]


# --- Option 1: the process timeout ---------------------------------------------------------------------------
WORK = """
import os, time


def boom():
    raise ValueError("boom")


def die():
    os._exit(3)


def forever(pid_file):
    with open(pid_file, "w") as f:
        f.write(str(os.getpid()))
    time.sleep(60)


def child_state(pid_file):
    # whether the child that wrote its pid there is still running
    try:
        os.kill(int(open(pid_file).read()), 0)
        return "child still running"
    except ProcessLookupError:
        return "child gone"
"""

DRIVER = """
import os, sys, time
from concurrent.futures import ThreadPoolExecutor

from fix_timeout import run_with_timeout
import work


def check(call):
    try:
        return "returned %r" % (call(),)
    except Exception as exc:
        return "%s: %s" % (type(exc).__name__, exc)


if __name__ == "__main__":
    pid_file = os.path.join(sys.argv[1], "child.pid")
    with ThreadPoolExecutor(max_workers=1) as pool:  # every call from a worker thread
        print(pool.submit(check, lambda: run_with_timeout(work.boom, timeout=10)).result())
        print(pool.submit(check, lambda: run_with_timeout(work.die, timeout=10)).result())
        started = time.monotonic()
        print(pool.submit(check, lambda: run_with_timeout(work.forever, pid_file, timeout=0.5)).result())
        print("waited less than 5 s:", time.monotonic() - started < 5)
    print(work.child_state(pid_file))
"""


def _drive_option1(fix_code, tmp_path, driver: str, timeout: int):
    """Run `driver` beside the entry's Option 1 (as fix_timeout.py) and the WORK module."""
    (tmp_path / "fix_timeout.py").write_text(fix_code(SLUG, 1), encoding="utf-8")
    (tmp_path / "work.py").write_text(WORK, encoding="utf-8")
    return run_args(["-c", driver, str(tmp_path)], path=tmp_path, cwd=tmp_path, timeout=timeout)


def test_option1_reports_errors_deaths_and_kills_the_child(fix_code, tmp_path):
    result = _drive_option1(fix_code, tmp_path, DRIVER, timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "RuntimeError: boom failed: ValueError: boom",
        "RuntimeError: die died with exit code 3",
        "TimeoutError: forever did not finish within 0.5 s",
        "waited less than 5 s: True",
        "child gone",
    ]


INTERRUPTED = """
import os, signal, sys, threading, time

from fix_timeout import run_with_timeout
import work

if __name__ == "__main__":
    pid_file = os.path.join(sys.argv[1], "child.pid")

    def interrupt_once_the_child_works():  # as Jupyter's "interrupt kernel" or `kill -INT`: the parent only
        while not os.path.exists(pid_file):
            time.sleep(0.05)
        time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGINT)

    # a run started as a background job inherits SIGINT ignored: restore what an interactive Python has
    signal.signal(signal.SIGINT, signal.default_int_handler)
    threading.Thread(target=interrupt_once_the_child_works, daemon=True).start()
    started = time.monotonic()
    try:
        run_with_timeout(work.forever, pid_file, timeout=60)
    except KeyboardInterrupt:
        print("interrupted within 5 s:", time.monotonic() - started < 5)
    print(work.child_state(pid_file))
"""


def test_option1_stops_the_work_when_the_caller_is_interrupted(fix_code, tmp_path):
    # The old helper killed the child only on its own timeout: an interrupted caller then waited in
    # proc.join() until the work ended by itself (60 s here; never, for runaway generated code).
    result = _drive_option1(fix_code, tmp_path, INTERRUPTED, timeout=90)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["interrupted within 5 s: True", "child gone"]


UNSENDABLE = """
from fix_timeout import run_with_timeout


def numbers():  # returns a generator: it cannot be pickled back to the parent
    return (n for n in range(3))


if __name__ == "__main__":
    try:
        run_with_timeout(numbers, timeout=10)
    except RuntimeError as exc:
        print(exc)
"""


def test_option1_says_when_the_result_cannot_be_sent_back(fix_code, tmp_path):
    # The old child crashed in conn.send() and the caller read "numbers died with exit code 1",
    # as if it had been killed or run out of memory.
    (tmp_path / "fix_timeout.py").write_text(fix_code(SLUG, 1), encoding="utf-8")
    (tmp_path / "unsendable.py").write_text(UNSENDABLE, encoding="utf-8")
    result = run_args(["unsendable.py"], path=tmp_path, cwd=tmp_path, timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "numbers failed: its result could not be sent back: TypeError: cannot pickle 'generator' object"
    )


# --- Option 2: math-verify (a fake with the real 0.9.0's signal code path) ---------------------------------
MV_PARSE_ERROR = (
    "ValueError: Math-Verify 'parse' function doesn't support threaded environment due to usage of signal.alarm() "
    "in timeout mechanism. If you need to run in multithreaded environment it's recommended to set the "
    "parsing_timeout=None, which will run without timeout (and signal handling). In this case you need to handle "
    "the timeouting yourself."
)
MV_VERIFY_ERROR = (
    "ValueError: Math-Verify doesn't support threaded environment due to usage of signal.alarm() in timeout "
    "mechanism. If you need to run in multithreaded environment it's recommended to set the parsing_timeout=None, "
    "which will run without timeout (and signal handling). In this case you need to handle the timeouting yourself."
)

MV_UTILS = """
import logging
import os

from math_verify.errors import TimeoutException

TIMEOUT_WARNING_SHOWN = False
logger = logging.getLogger(__name__)


def timeout(timeout_seconds: int | None = 10):
    if timeout_seconds is None or timeout_seconds <= 0:

        def no_timeout_decorator(func):
            return func

        return no_timeout_decorator

    # Unix-like approach: signal.alarm (math-verify 0.9.0 utils.py)
    import signal

    def decorator(func):
        def handler(signum, frame):
            raise TimeoutException("Operation timed out!")

        def wrapper(*args, **kwargs):
            old_handler = signal.getsignal(signal.SIGALRM)
            signal.signal(signal.SIGALRM, handler)
            signal.alarm(timeout_seconds)
            try:
                return func(*args, **kwargs)
            finally:
                signal.alarm(0)
                signal.signal(signal.SIGALRM, old_handler)

        return wrapper

    return decorator
"""

MV_PARSER = f"""
import logging
import re
from fractions import Fraction

from math_verify.errors import TimeoutException
from math_verify.utils import timeout

logger = logging.getLogger(__name__)
TIMEOUT_WARNING_SHOWN = False


def _to_number(text):
    # stand-in for latex2sympy2: \\frac{{a}}{{b}} and decimals only
    frac = re.fullmatch(r"\\\\frac\\{{(-?\\d+)\\}}\\{{(\\d+)\\}}", text)
    if frac:
        return Fraction(int(frac.group(1)), int(frac.group(2)))
    return Fraction(text)


def extract_target_from_pred(pred, target_res, fallback_mode="first_match", extraction_mode="any_match"):
    found = re.search(r"\\\\boxed\\{{(.*)\\}}", pred) or re.search(r"\\$(.*)\\$", pred)
    if not found:
        return []
    text = found.group(1).strip()
    return [_to_number(text), text]


def parse(pred, extraction_config=None, fallback_mode="first_match", extraction_mode="any_match",
          parsing_timeout=5, raise_on_error=False):
    global TIMEOUT_WARNING_SHOWN
    if not TIMEOUT_WARNING_SHOWN and (parsing_timeout is None or parsing_timeout <= 0):
        logger.warning(
            "Timeout is disabled as parsing_timeout is None or <= 0, you must provide \\
                        the logic for timeout interuption yourself to prevent code getting stuck."
        )
        TIMEOUT_WARNING_SHOWN = True

    try:
        target_res = []
        return timeout(timeout_seconds=parsing_timeout)(extract_target_from_pred)(
            pred,
            target_res,
            fallback_mode=fallback_mode,
            extraction_mode=extraction_mode,
        )
    except ValueError as e:
        # Check if it's the signal error
        if str(e) == "signal only works in main thread of the main interpreter":
            raise ValueError(
                {MV_PARSE_ERROR.removeprefix("ValueError: ")!r}
            ) from e
        if raise_on_error:
            raise e from e
        else:
            logger.debug(f"Error parsing: {{pred}}", exc_info=True)
            return []
    except Exception as e:
        if raise_on_error:
            raise e from e
        else:
            logger.debug(f"Error parsing: {{pred}}", exc_info=True)
        return []
    except TimeoutException as e:
        if raise_on_error:
            raise TimeoutException(f"Timeout during parsing: {{pred}}") from e
        else:
            logger.warning(f"Timeout during parsing: {{pred}}")
        return []
"""

MV_GRADER = f"""
import logging
from itertools import product

from math_verify.errors import TimeoutException
from math_verify.utils import timeout

logger = logging.getLogger(__name__)
TIMEOUT_WARNING_SHOWN = False


def verify(gold, target, float_rounding=6, numeric_precision=15, strict=True, allow_set_relation_comp=False,
           timeout_seconds=5, raise_on_error=False):
    global TIMEOUT_WARNING_SHOWN
    if not TIMEOUT_WARNING_SHOWN and (timeout_seconds is None or timeout_seconds <= 0):
        logger.warning(
            "Timeout is disabled as timeout_seconds is None or <= 0, you must provide \\
                        the logic for timeout interuption yourself to prevent code getting stuck."
        )
        TIMEOUT_WARNING_SHOWN = True

    @timeout(timeout_seconds=timeout_seconds)
    def compare_single_extraction(gold, target):
        if isinstance(gold, str) or isinstance(target, str):
            return isinstance(gold, str) and isinstance(target, str) and gold.strip() == target.strip() != ""
        return gold == target

    def compare_single_extraction_wrapper(g, t):
        try:
            return compare_single_extraction(g, t)

        except ValueError as e:
            if str(e) == "signal only works in main thread of the main interpreter":
                raise ValueError(
                    {MV_VERIFY_ERROR.removeprefix("ValueError: ")!r}
                ) from e
            else:
                if raise_on_error:
                    raise e from e
                else:
                    logger.debug("Error during comparison", exc_info=True)
                return False
        except Exception as e:
            if raise_on_error:
                raise e from e
            else:
                logger.debug("Error during comparison", exc_info=True)
            return False
        except TimeoutException as e:
            if raise_on_error:
                raise TimeoutException("Timeout during comparison") from e
            else:
                logger.warning("Timeout during comparison")
            return False

    if not isinstance(gold, list):
        gold = [gold]
    if not isinstance(target, list):
        target = [target]

    return any(
        compare_single_extraction_wrapper(g, t) for g, t in product(gold, target)
    )
"""


@pytest.fixture
def math_verify_site(tmp_path) -> Path:
    site = tmp_path / "site"
    fake_distribution(
        site,
        "math-verify",
        "0.9.0",
        {
            "math_verify/__init__.py": (
                "from math_verify.grader import verify\nfrom math_verify.parser import parse\n\n"
                '__all__ = ["parse", "verify"]\n'
            ),
            "math_verify/errors.py": "class TimeoutException(BaseException):\n    pass\n",
            "math_verify/utils.py": MV_UTILS,
            "math_verify/parser.py": MV_PARSER,
            "math_verify/grader.py": MV_GRADER,
        },
        top_level="math_verify",
    )
    return site


THREADED_DEFAULTS = r"""
import sys
from concurrent.futures import ThreadPoolExecutor

from math_verify import parse, verify

gold = parse(r"$\frac{1}{3}$")  # the main thread: the SIGALRM timeout works here
print("main thread:", verify(gold, parse(r"\boxed{\frac{1}{3}}")))
with ThreadPoolExecutor() as pool:
    if sys.argv[1] == "parse":
        pool.submit(parse, r"\boxed{\frac{1}{3}}").result()
    else:
        pool.submit(verify, gold, gold).result()
"""


@pytest.mark.parametrize("call", ["parse", "verify"])
def test_math_verify_refuses_a_thread_with_its_default_timeouts(call, math_verify_site, index):
    result = run_args(["-c", THREADED_DEFAULTS, call], path=math_verify_site, timeout=30)
    assert result.returncode == 1
    assert result.stdout.splitlines() == ["main thread: True"]
    assert last_line(result) == (MV_PARSE_ERROR if call == "parse" else MV_VERIFY_ERROR)
    # the same line as the real release, chained under the package's own message
    assert (
        "math_verify/utils.py" in result.stderr and "signal.signal(signal.SIGALRM, handler)" in result.stderr
    )
    assert (
        f"ValueError: {LONG}" in result.stderr and "direct cause of the following exception" in result.stderr
    )
    assert_answers(index, SLUG, result.stderr)


def test_option2_scores_answers_in_threads(fix_code, math_verify_site, tmp_path):
    result = run_python(fix_code(SLUG, 2), path=math_verify_site, cwd=tmp_path, timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["[1.0, 0.0]"]
    assert (
        "Timeout is disabled as parsing_timeout is None" in result.stderr
    )  # logged once, as the real one does
    assert "Traceback" not in result.stderr


# --- Option 3: servers started in a thread (real uvicorn, FastAPI, Flask) ------------------------------------
APP_MODULE = """
async def app(scope, receive, send):
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})
"""

UVICORN_RELOAD_IN_THREAD = """
import threading, traceback
import uvicorn

errors = []


def serve():
    try:
        uvicorn.run("reload_app:app", host="127.0.0.1", port=0, reload=True, log_level="warning")
    except BaseException:
        errors.append(traceback.format_exc())


worker = threading.Thread(target=serve, daemon=True)
worker.start()
worker.join(10)
print("thread ended:", not worker.is_alive())
print(errors[0] if errors else "no error")
"""


def test_uvicorn_reload_in_a_thread_fails_and_option3_serves(fix_code, tmp_path, index):
    (tmp_path / "reload_app.py").write_text(APP_MODULE, encoding="utf-8")
    result = run_python(UVICORN_RELOAD_IN_THREAD, cwd=tmp_path, path=tmp_path, timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("thread ended: True\n")
    text = result.stdout.split("\n", 1)[1]
    assert text.strip().splitlines()[-1] == f"ValueError: {LONG}"
    assert "uvicorn/supervisors/basereload.py" in text
    assert_answers(index, SLUG, text)

    result = run_python(fix_code(SLUG, 3), "-W", "error", cwd=tmp_path, timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "served from a thread",
        "handler installed in a worker thread: False",
        "handler installed in the main thread: True",
        "server thread stopped: True",
    ]


FASTAPI_ENDPOINTS = """
import json, signal, socket, threading, time, urllib.request

import uvicorn
from fastapi import FastAPI

app = FastAPI()


def set_alarm_handler():
    try:
        signal.signal(signal.SIGALRM, lambda signum, frame: None)
        return {"thread": threading.current_thread().name, "error": None}
    except ValueError as exc:
        return {"thread": threading.current_thread().name, "error": str(exc)}


@app.get("/def")
def def_endpoint():
    return set_alarm_handler()


@app.get("/async")
async def async_endpoint():
    return set_alarm_handler()


sock = socket.socket()
sock.bind(("127.0.0.1", 0))
server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
answers = {}


def client():
    try:
        for _ in range(100):
            if server.started:
                break
            time.sleep(0.05)
        base = "http://127.0.0.1:%d" % sock.getsockname()[1]
        for path in ("/def", "/async"):
            answers[path] = json.loads(urllib.request.urlopen(base + path, timeout=5).read())
    finally:
        server.should_exit = True


threading.Thread(target=client, daemon=True).start()
server.run(sockets=[sock])  # the main thread, as `uvicorn app:app` runs it
print(json.dumps(answers))
"""


def test_fastapi_def_endpoints_run_in_worker_threads():
    result = run_python(FASTAPI_ENDPOINTS, timeout=30)
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout)
    assert answers["/def"] == {"thread": "AnyIO worker thread", "error": LONG}
    assert answers["/async"] == {"thread": "MainThread", "error": None}


FLASK_IN_THREAD = """
import socket, sys, threading, time, traceback, urllib.request

from flask import Flask

app = Flask(__name__)


@app.get("/")
def index():
    return "hello"


probe = socket.socket()
probe.bind(("127.0.0.1", 0))
port = probe.getsockname()[1]
probe.close()
errors = []


def serve():
    try:
        app.run(host="127.0.0.1", port=port, debug=True, use_reloader=sys.argv[1] == "reloader")
    except BaseException:
        errors.append(traceback.format_exc())


threading.Thread(target=serve, daemon=True).start()
for _ in range(100):
    time.sleep(0.05)
    if errors:
        print(errors[0])
        break
    try:
        print(urllib.request.urlopen("http://127.0.0.1:%d/" % port, timeout=1).read().decode())
        break
    except OSError:
        pass
"""


def test_flask_debug_reloader_in_a_thread(index):
    result = run_args(["-c", FLASK_IN_THREAD, "reloader"], timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == f"ValueError: {LONG}"
    assert "werkzeug/_reloader.py" in result.stdout and "run_with_reloader" in result.stdout
    assert_answers(index, SLUG, result.stdout)

    result = run_args(["-c", FLASK_IN_THREAD, "no reloader"], timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "hello"  # after Flask's "* Serving Flask app" banner


# --- Option 4: the main thread keeps its handlers ------------------------------------------------------------
def test_option4_skips_only_off_the_main_thread(fix_code):
    code = (
        f"exec(compile({fix_code(SLUG, 4)!r}, 'option4', 'exec'), {{'__name__': 'option4'}})\n"
        "import signal, threading\n"
        "from concurrent.futures import ThreadPoolExecutor\n"
        "def mine(signum, frame):\n"
        "    pass\n"
        "signal.signal(signal.SIGUSR1, mine)  # the main thread: installed as before\n"
        "print(signal.getsignal(signal.SIGUSR1) is mine)\n"
        "with ThreadPoolExecutor(1) as pool:\n"
        "    previous = pool.submit(signal.signal, signal.SIGUSR1, signal.SIG_IGN).result()\n"
        "print(previous is mine, signal.getsignal(signal.SIGUSR1) is mine)  # the worker changed nothing\n"
        "try:  # a timeout's SIGALRM handler is never skipped: its alarm would end the process\n"
        "    ThreadPoolExecutor(1).submit(signal.signal, signal.SIGALRM, mine).result()\n"
        "except ValueError as exc:\n"
        "    print(exc)\n"
    )
    result = run_python(code, "-W", "error", timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["library started", "True", "True True", LONG]


SKIPPED_ALARM = """
import signal, threading, time


def timed():
    signal.signal(signal.SIGALRM, lambda signum, frame: None)  # skipped by a patch without the SIGALRM exception
    signal.alarm(1)
    time.sleep(3)


signal.signal = lambda signum, handler: signal.getsignal(signum)
worker = threading.Thread(target=timed)
worker.start()
worker.join()
print("survived")
"""


def test_why_option4_keeps_sigalrm():
    result = run_python(SKIPPED_ALARM, timeout=30)
    assert result.returncode == -14  # SIGALRM's default action killed the whole process
    assert "survived" not in result.stdout
