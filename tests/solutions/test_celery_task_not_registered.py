"""Verified fixes for solutions/celery-task-not-registered.md: a worker receives a task its app never registered.

The project does not install celery (celery, kombu, billiard, vine, click and its plugins), so the tests write a
small fake `celery` into tmp_path with the shape of celery 5.7.0 (kombu 5.7.0), copying its code paths and texts:
- celery/worker/consumer/consumer.py: UNKNOWN_TASK_ERROR word for word, `on_task_received` looking the message's
  `task` header up with `strategy = strategies[type_]`, and `on_unknown_task` logging the text with the KeyError's
  traceback (exc_info) and marking the task FAILURE with `NotRegistered(name)` in the result backend;
- celery/app/registry.py: `TaskRegistry.__missing__` raising `NotRegistered(key)`; celery/exceptions.py:
  `NotRegistered(KeyError, TaskError)` whose repr is UNREGISTERED_FMT;
- celery/utils/imports.py `gen_task_name` (module path + function name, the app's main name for `__main__`),
  `Celery(main, broker, backend, include)`, `conf.imports`, lazy `autodiscover_tasks(packages)` importing
  `<package>.tasks`, `loader.import_default_modules()` (what the worker imports before it consumes: the
  autodiscovery, imports and include), `celery.app.utils.find_app` as `celery -A` resolves an app (module.app,
  module.celery, the package's `celery` submodule), `send_task` not checking the name, `AsyncResult.get()`
  re-raising the stored exception, and `celery.contrib.testing.worker.start_worker` (an embedded worker thread
  consuming the process-wide in-memory queue, like kombu's memory:// transport);
- `CELERY_BROKER_URL` in the environment overriding `broker=` (celery/app/utils.py `Settings.broker_url`), a broker
  other than memory:// refusing the connection (kombu's OperationalError in the real one), `Celery.start` /
  `worker_main` and `celery.worker.WorkController.start` connecting to the broker, `celery.app.task.Task`, and
  `celery.utils.imports.import_from_cwd`; `find_app` turning an ImportError inside `proj/celery.py` into
  `AttributeError: module 'proj' has no attribute 'celery'` as celery/app/utils.py does.
The real releases (4.4.7, 5.2.7, 5.3.6, 5.7.0) were run with the same scenarios for the entry; here each child
interpreter reproduces the worker's log and the caller's NotRegistered, the matcher must answer them with the entry,
and the entry's own Option 1-3 code must make the task run.
"""

from __future__ import annotations

import re

from answers import assert_answers, confident_answer
from fake_site import fake_distribution
from pyrun import last_line, run_args, run_python

SLUG = "celery-task-not-registered"

EXCEPTIONS = '''
UNREGISTERED_FMT = """\\
Task of kind {0} never registered, please make sure it's imported.\\
"""


class CeleryError(Exception):
    """Base class for all Celery errors."""


class TaskError(CeleryError):
    """Task related errors."""


class TimeoutError(CeleryError):
    """The operation timed out."""


class NotRegistered(KeyError, TaskError):
    """The task is not registered."""

    def __repr__(self):
        return UNREGISTERED_FMT.format(self)
'''

REGISTRY = '''
"""Registry of available tasks."""
from celery.exceptions import NotRegistered


class TaskRegistry(dict):
    """Map of registered tasks."""

    NotRegistered = NotRegistered

    def __missing__(self, key):
        raise self.NotRegistered(key)

    def register(self, task):
        self[task.name] = task
'''

IMPORTS = """
import importlib
import os
import sys


def import_from_cwd(module, imp=None, package=None):
    cwd = os.getcwd()
    added = cwd not in sys.path
    if added:
        sys.path.insert(0, cwd)
    try:
        return (imp or importlib.import_module)(module, package=package)
    finally:
        if added:
            sys.path.remove(cwd)


def gen_task_name(app, name, module_name):
    module_name = module_name or "__main__"
    module = sys.modules.get(module_name)
    if module is not None:
        module_name = module.__name__
    if module_name == "__main__" and app.main:
        return ".".join([app.main, name])
    return ".".join(p for p in (module_name, name) if p)
"""

MEMORY = '''
"""The process-wide in-memory broker and result store (kombu's memory:// transport, cache+memory://)."""
import queue
import threading

messages = queue.Queue()
results = {}
ready = threading.Condition()


def store(task_id, state, value):
    with ready:
        results[task_id] = (state, value)
        ready.notify_all()
'''

RESULT = """
import time

from celery import _memory
from celery.exceptions import TimeoutError


class AsyncResult:
    def __init__(self, id, app=None):
        self.id = id
        self.app = app

    def get(self, timeout=None, propagate=True):
        deadline = None if timeout is None else time.monotonic() + timeout
        with _memory.ready:
            while self.id not in _memory.results:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    raise TimeoutError("The operation timed out.")
                _memory.ready.wait(left)
            state, value = _memory.results[self.id]
        if state == "FAILURE" and propagate:
            raise value
        return value
"""

BASE = """
import importlib
import json
import os
import uuid

from celery import _memory
from celery.app.registry import TaskRegistry
from celery.result import AsyncResult
from celery.utils.imports import gen_task_name


class Task:
    name = None

    def __init__(self, app=None, fun=None, name=None):
        self.app = app
        self._fun = fun
        if name:
            self.name = name

    def run(self, *args, **kwargs):
        return self._fun(*args, **kwargs)

    def __call__(self, *args, **kwargs):
        return self.run(*args, **kwargs)

    def delay(self, *args, **kwargs):
        return self.apply_async(args, kwargs)

    def apply_async(self, args=None, kwargs=None, **options):
        return self.app.send_task(self.name, args, kwargs, **options)


class Settings(dict):
    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None

    def __setattr__(self, key, value):
        self[key] = value


class Loader:
    def __init__(self, app):
        self.app = app

    def import_default_modules(self):
        for discover in self.app._pending_autodiscovery:  # signals.import_modules: autodiscover_tasks() runs here
            discover()
        for module in (*self.app.conf.imports, *self.app.conf.include):
            importlib.import_module(module)


class Celery:
    def __init__(self, main=None, broker=None, backend=None, include=None, **kwargs):
        self.main = main
        self.tasks = TaskRegistry()
        self.conf = Settings(broker_url=broker, result_backend=backend, imports=(), include=tuple(include or ()))
        self.loader = Loader(self)
        self._pending_autodiscovery = []

    def task(self, *args, **opts):
        def create(fun):
            name = opts.get("name") or gen_task_name(self, fun.__name__, fun.__module__)
            task = Task(self, fun, name)
            self.tasks.register(task)
            return task

        if len(args) == 1 and callable(args[0]):
            return create(args[0])
        return create

    def register_task(self, task):
        task.app = self
        self.tasks.register(task)
        return task

    def autodiscover_tasks(self, packages=None, related_name="tasks", force=False):
        def discover():
            for package in packages or ():
                try:
                    importlib.import_module(f"{package}.{related_name}")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{package}.{related_name}":
                        raise

        if force:
            discover()
        else:
            self._pending_autodiscovery.append(discover)

    def _connect(self):
        url = os.environ.get("CELERY_BROKER_URL") or self.conf.broker_url  # the variable wins over broker=
        if not str(url).startswith("memory://"):
            raise ConnectionRefusedError(111, f"Connection refused: {url}")

    def start(self, argv=None):
        self._connect()
        print("worker started", flush=True)

    def worker_main(self, argv=None):
        return self.start(argv)

    def send_task(self, name, args=None, kwargs=None, **options):
        self._connect()
        task_id = str(uuid.uuid4())
        body = json.dumps([list(args or ()), kwargs or {}, {"callbacks": None, "errbacks": None, "chain": None, "chord": None}])
        headers = {"lang": "py", "task": name, "id": task_id, "root_id": task_id, "parent_id": None}
        _memory.messages.put({"headers": headers, "body": body.encode(), "delivery_info": {"exchange": "", "routing_key": "celery"}})
        return AsyncResult(task_id, app=self)
"""

APP_UTILS = """
import importlib
import os
import sys
from types import ModuleType


def find_app(app):
    from celery.app.base import Celery

    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())  # import_from_cwd
    module_name, _, attr = app.partition(":")
    sym = importlib.import_module(module_name)
    if attr:
        return getattr(sym, attr)
    for name in ("app", "celery"):
        found = getattr(sym, name, None)
        if isinstance(found, Celery):
            return found
    if getattr(sym, "__path__", None):
        try:
            return find_app(f"{app}.celery")
        except ImportError:
            pass
    for suspect in vars(sym).values():
        if isinstance(suspect, Celery):
            return suspect
    raise AttributeError(f"module {module_name!r} has no attribute 'celery'")
"""

CONSUMER = '''
import logging

from celery import _memory
from celery.exceptions import NotRegistered

logger = logging.getLogger(__name__)
error = logger.error

#: Error message for when an unregistered task is received.
UNKNOWN_TASK_ERROR = """\\
Received unregistered task of type %s.
The message has been ignored and discarded.

Did you remember to import the module containing this task?
Or maybe you're using relative imports?

Please see
https://docs.celeryq.dev/en/latest/internals/protocol.html
for more information.

The full contents of the message body was:
%s

The full contents of the message headers:
%s

The delivery info for this task is:
%s
"""


def dump_body(m, body):
    body = m["body"] if body is None else body
    return "{} ({}b)".format(repr(body), len(m["body"]))


class Consumer:
    def __init__(self, app):
        self.app = app
        self.strategies = {}

    def update_strategies(self):
        for name, task in self.app.tasks.items():
            self.strategies[name] = task

    def on_unknown_task(self, body, message, exc):
        error(UNKNOWN_TASK_ERROR, exc, dump_body(message, body), message["headers"], message["delivery_info"], exc_info=True)
        id_, name = message["headers"]["id"], message["headers"]["task"]
        _memory.store(id_, "FAILURE", NotRegistered(name))

    def create_task_handler(self):
        strategies = self.strategies
        on_unknown_task = self.on_unknown_task

        def on_task_received(message):
            type_ = message["headers"]["task"]  # protocol v2
            try:
                strategy = strategies[type_]
            except KeyError as exc:
                return on_unknown_task(None, message, exc)
            import json

            args, kwargs, _ = json.loads(message["body"])
            try:
                _memory.store(message["headers"]["id"], "SUCCESS", strategy(*args, **kwargs))
            except Exception as exc:
                _memory.store(message["headers"]["id"], "FAILURE", exc)

        return on_task_received
'''

WORKER = """
class WorkController:
    def __init__(self, app):
        self.app = app

    def start(self):
        self.app._connect()
        print("worker started", flush=True)
"""

TESTING_WORKER = """
import logging
import queue
import sys
import threading
from contextlib import contextmanager

from celery import _memory
from celery.worker.consumer.consumer import Consumer


@contextmanager
def start_worker(app, concurrency=1, pool="solo", loglevel="error", logfile=None, perform_ping_check=True, **kwargs):
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("[%(asctime)s: %(levelname)s/%(processName)s] %(message)s"))
    logging.getLogger("celery").addHandler(handler)
    logging.getLogger("celery").setLevel(logging.INFO)
    app.loader.import_default_modules()
    consumer = Consumer(app)
    consumer.update_strategies()
    on_task_received = consumer.create_task_handler()
    stop = threading.Event()

    def consume():
        while not stop.is_set():
            try:
                message = _memory.messages.get(timeout=0.05)
            except queue.Empty:
                continue
            on_task_received(message)

    thread = threading.Thread(target=consume, name="MainProcess-consumer", daemon=True)
    thread.start()
    try:
        yield app
    finally:
        stop.set()
        thread.join(5)
"""


def celery_site(tmp_path):
    """The fake celery 5.7.0 distribution in its own site folder."""
    site = tmp_path / "site"
    if site.exists():
        return site
    fake_distribution(
        site,
        "celery",
        "5.7.0",
        {
            "celery/__init__.py": '__version__ = "5.7.0"\nfrom celery.app.base import Celery, Task\n',
            "celery/_memory.py": MEMORY,
            "celery/exceptions.py": EXCEPTIONS,
            "celery/result.py": RESULT,
            "celery/app/__init__.py": "",
            "celery/app/base.py": BASE,
            "celery/app/registry.py": REGISTRY,
            "celery/app/utils.py": APP_UTILS,
            "celery/app/task.py": "from celery.app.base import Task  # noqa: F401\n",
            "celery/utils/__init__.py": "",
            "celery/utils/imports.py": IMPORTS,
            "celery/worker/__init__.py": WORKER,
            "celery/worker/consumer/__init__.py": "",
            "celery/worker/consumer/consumer.py": CONSUMER,
            "celery/contrib/__init__.py": "",
            "celery/contrib/testing/__init__.py": "",
            "celery/contrib/testing/worker.py": TESTING_WORKER,
        },
    )
    return site


TASKS = "from proj.celery import app\n\n\n@app.task\ndef add(x, y):\n    return x + y\n"

# the usual broken project: the app module never imports proj.tasks
BROKEN_APP = (
    'from celery import Celery\n\napp = Celery("proj", broker="memory://", backend="cache+memory://")\n'
)

# the worker (`celery -A proj worker`) and a producer that sends by name, in one process as memory:// needs
SEND = """
import sys
from celery.app.utils import find_app
from celery.contrib.testing.worker import start_worker

app = find_app("proj")
with start_worker(app, pool="solo", perform_ping_check=False):
    print("RESULT", app.send_task(sys.argv[1], args=(2, 3)).get(timeout=5))
"""


def project(tmp_path, app_code):
    root = tmp_path / "project"
    (root / "proj").mkdir(parents=True)
    (root / "proj" / "__init__.py").write_text("")
    (root / "proj" / "tasks.py").write_text(TASKS)
    (root / "proj" / "celery.py").write_text(app_code)
    return root


def send(tmp_path, root, name):
    env = {"CELERY_BROKER_URL": "memory://", "CELERY_RESULT_BACKEND": "cache+memory://"}
    return run_python(SEND, cwd=root, path=[celery_site(tmp_path), root], env=env, args=[name], timeout=30)


def test_worker_without_the_task_module_logs_unregistered_and_the_caller_gets_not_registered(tmp_path, index):
    root = project(tmp_path, BROKEN_APP)
    result = send(tmp_path, root, "proj.tasks.add")
    assert result.returncode == 1, result.stderr
    log = result.stderr
    assert re.search(
        r"^\[[\d\- :,]+: ERROR/MainProcess\] Received unregistered task of type 'proj.tasks.add'\.$",
        log,
        re.M,
    )
    assert (
        "The message has been ignored and discarded.\n\nDid you remember to import the module containing this task?\n"
        in log
    )
    assert "Or maybe you're using relative imports?" in log
    assert "celery/worker/consumer/consumer.py" in log
    assert "    strategy = strategies[type_]\n" in log
    assert "KeyError: 'proj.tasks.add'" in log
    assert last_line(result) == "celery.exceptions.NotRegistered: 'proj.tasks.add'"
    assert "celery/result.py" in log.split("Traceback (most recent call last):")[-1]
    # what people paste: the worker's record, and the caller's traceback
    worker_record = log[log.index("[") : log.index("\nThe full contents of the message body")]
    assert_answers(index, SLUG, worker_record)
    assert_answers(
        index,
        SLUG,
        "Traceback (most recent call last):" + log.split("Traceback (most recent call last):")[-1],
    )


def test_registry_lookup_raises_not_registered_with_the_real_repr(tmp_path, index):
    root = project(tmp_path, BROKEN_APP)
    code = (
        "from proj.celery import app\nfrom celery.exceptions import NotRegistered\n"
        "try:\n    app.tasks['tasks.add']\nexcept NotRegistered as exc:\n    print(repr(exc))\n    raise\n"
    )
    result = run_python(code, cwd=root, path=[celery_site(tmp_path), root])
    assert (
        result.stdout.strip() == "Task of kind 'tasks.add' never registered, please make sure it's imported."
    )
    assert 'celery/app/registry.py", line' in result.stderr and "in __missing__" in result.stderr
    assert last_line(result) == "celery.exceptions.NotRegistered: 'tasks.add'"
    assert_answers(index, SLUG, result.stderr)


def test_option1_app_with_include_runs_the_task(tmp_path, fix_code):
    root = project(tmp_path, fix_code(SLUG, 1))
    result = send(tmp_path, root, "proj.tasks.add")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "RESULT 5"
    assert "unregistered" not in result.stderr
    # the module path is the name: inside proj/ the same file registers tasks.add, which this worker does not know
    wrong = send(tmp_path, root, "tasks.add")
    assert last_line(wrong) == "celery.exceptions.NotRegistered: 'tasks.add'"
    assert "Received unregistered task of type 'tasks.add'." in wrong.stderr


def test_option1_autodiscover_and_imports_variants(tmp_path, fix_code):
    block = fix_code(SLUG, 1)
    assert 'include=["proj.tasks"]' in block
    discover = block.replace('include=["proj.tasks"],', "") + '\napp.autodiscover_tasks(["proj"])\n'
    assert (
        send(tmp_path / "a", project(tmp_path / "a", discover), "proj.tasks.add").stdout.strip() == "RESULT 5"
    )
    imports = block.replace('include=["proj.tasks"],', "") + '\napp.conf.imports = ["proj.tasks"]\n'
    assert (
        send(tmp_path / "b", project(tmp_path / "b", imports), "proj.tasks.add").stdout.strip() == "RESULT 5"
    )


def test_option2_check_names_missing_module_and_other_name(tmp_path, fix_code):
    script = tmp_path / "check_celery_tasks.py"
    script.write_text(fix_code(SLUG, 2))
    site = celery_site(tmp_path)

    broken = project(tmp_path / "broken", BROKEN_APP)
    result = run_args([str(script), "proj", "proj.tasks.add"], [site], broken)
    assert result.returncode == 1, result.stderr
    assert "registered: (none)" in result.stdout
    assert "NOT REGISTERED: 'proj.tasks.add' - no such task: add its module to include=[...]" in result.stdout

    fixed = project(tmp_path / "fixed", fix_code(SLUG, 1))
    result = run_args([str(script), "proj", "proj.tasks.add"], [site], fixed)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "registered: proj.tasks.add"

    result = run_args([str(script), "proj.celery", "tasks.add"], [site], fixed)
    assert result.returncode == 1
    assert "NOT REGISTERED: 'tasks.add' - registered under ['proj.tasks.add']" in result.stdout


def test_option2_prints_the_real_error_when_the_app_module_fails_to_import(tmp_path, fix_code):
    # find_app (and `celery -A proj`) report an ImportError inside proj/celery.py as "no attribute 'celery'"
    script = tmp_path / "check_celery_tasks.py"
    script.write_text(fix_code(SLUG, 2))
    app_code = "import missing_settings_dep  # a module only production has\n" + fix_code(SLUG, 1)
    root = project(tmp_path, app_code)
    result = run_args([str(script), "proj", "proj.tasks.add"], [celery_site(tmp_path)], root)
    assert result.returncode == 2, result.stderr
    assert "CANNOT LOAD THE APP 'proj'" in result.stderr
    assert "ModuleNotFoundError: No module named 'missing_settings_dep'" in result.stderr
    assert 'proj/celery.py", line 1' in result.stderr

    # started from another folder: the app's package itself is not found, and the check says where to run it
    result = run_args([str(script), "proj", "proj.tasks.add"], [celery_site(tmp_path)], tmp_path)
    assert result.returncode == 2, result.stderr
    assert "ModuleNotFoundError: No module named 'proj'" in result.stderr
    assert "run it from the folder the worker starts in" in result.stderr


def test_option2_sends_no_task_and_starts_no_worker_while_importing(tmp_path, fix_code, silent_port):
    script = tmp_path / "check_celery_tasks.py"
    script.write_text(fix_code(SLUG, 2))
    site = celery_site(tmp_path)
    env = {"CELERY_BROKER_URL": f"redis://127.0.0.1:{silent_port}/0"}  # the production broker, here refusing
    for side_effect, refusal in (
        ("add.delay(1, 2)", "tries to send a task"),
        ("app.send_task('proj.tasks.add', args=(1, 2))", "tries to send a task"),
        ("app.worker_main(['worker'])", "tries to start a worker"),
    ):
        root = project(tmp_path / str(len(side_effect)), fix_code(SLUG, 1))
        (root / "proj" / "tasks.py").write_text(TASKS + "\n\n" + side_effect + "\n")
        result = run_args([str(script), "proj", "proj.tasks.add"], [site], root, env=env)
        assert result.returncode == 2, result.stderr
        assert "Connection refused" not in result.stderr  # it never reached the broker
        assert "worker started" not in result.stdout
        assert refusal in result.stderr
        assert "nothing was sent" in result.stderr


def test_option2_does_not_give_another_task_as_the_registered_name(tmp_path, fix_code):
    script = tmp_path / "check_celery_tasks.py"
    script.write_text(fix_code(SLUG, 2))
    root = project(tmp_path, fix_code(SLUG, 1))
    result = run_args([str(script), "proj", "proj.tasks.sub"], [celery_site(tmp_path)], root)
    assert result.returncode == 1
    line = result.stdout.splitlines()[-1]
    assert "registered under" not in line and "send that name" not in line
    assert line.startswith("NOT REGISTERED: 'proj.tasks.sub' - no such task: add its module to include=[...]")
    assert line.endswith("similar names (a typo?): ['proj.tasks.add']")


def test_option3_stays_in_memory_when_a_broker_url_is_exported(tmp_path, fix_code, silent_port):
    # CELERY_BROKER_URL / CELERY_RESULT_BACKEND win over broker=/backend=: the demo must not reach that broker
    env = {
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{silent_port}/0",
        "CELERY_RESULT_BACKEND": f"redis://127.0.0.1:{silent_port}/1",
    }
    result = run_python(fix_code(SLUG, 3), cwd=tmp_path, path=[celery_site(tmp_path)], env=env, timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["registered: ['tasks.add']", "send_task: 5", "delay: 9"]


def test_option4_shuts_down_one_named_worker_only(entry):
    option = next(fix for fix in entry.fixes if fix.title.startswith("Restart"))
    commands = [line.split("#")[0] for line in option.code.splitlines() if "control shutdown" in line]
    assert commands and all(" -d " in command for command in commands), commands


def test_the_worker_record_alone_in_any_task_name_is_answered(index):
    """What most reports paste: the worker's one line, whatever the task is called."""
    assert_answers(index, SLUG, "Received unregistered task of type 'billing.jobs.send_invoice'")
    assert_answers(
        index,
        SLUG,
        "[2026-03-02 10:00:00,120: ERROR/MainProcess] Received unregistered task of type 'shop.cron.rebuild'.\n"
        "The message has been ignored and discarded.",
    )


def test_generic_look_alikes_are_not_confident(index):
    for text in (
        "Received unregistered handler of type 'OrderPlaced'.",
        "Received unregistered message of type 'foo'",
        "ERROR: Received unregistered event of type 'user.created'.",
        "Did you remember to import the module containing this class?",
        "Did you remember to import the module containing this component? Or maybe you forgot to export it?",
    ):
        assert confident_answer(index, text) != SLUG, text


def test_option3_explicit_name_runs_as_is(tmp_path, fix_code):
    code = fix_code(SLUG, 3)
    assert '@app.task(name="tasks.add")' in code
    result = run_python(code, cwd=tmp_path, path=[celery_site(tmp_path)], timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["registered: ['tasks.add']", "send_task: 5", "delay: 9"]
    # without the explicit name the script registers __main__... under its main name: proj.add, not tasks.add
    unnamed = code.replace('@app.task(name="tasks.add")', "@app.task")
    result = run_python(unnamed, cwd=tmp_path, path=[celery_site(tmp_path)], timeout=30)
    assert "registered: ['proj.add']" in result.stdout
    assert last_line(result) == "celery.exceptions.NotRegistered: 'tasks.add'"


def test_look_alikes_are_not_answered_by_the_entry(index, entry):
    for text in entry.not_errors:
        assert confident_answer(index, text) != SLUG, text
