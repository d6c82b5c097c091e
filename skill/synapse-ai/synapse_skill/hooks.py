"""Put the fix under the traceback: hooks on every path an uncaught error takes.

`install()` chains `sys.excepthook`, `threading.excepthook` and the asyncio loop exception
handler (of the running loop and of every loop created afterwards), and optionally adds a
`logging` handler for errors an application catches and logs. Each hook first calls the
hook it replaced, so the host's own traceback is printed unchanged and first; then it looks
the error up within the time budget and prints the answer to stderr.

Rules that keep the host safe:
- our failures are swallowed (see `report_text`), the previous hook always runs first;
- a thread-local guard stops re-entry (an error inside our own lookup is not looked up);
- KeyboardInterrupt, SystemExit and other non-`Exception` errors are never looked up;
- an exception is looked up once, whichever hooks see it (it is marked when reported);
- the network gets `SYNAPSE_TIMEOUT` seconds (default 2), then the offline snapshot answers.

The HTTP client and the matcher are imported by the first lookup, not by `install()`, and
asyncio is hooked when the host imports it, not imported here (it loads ssl): a program that
never fails pays a few milliseconds at start-up (bench/skill.py measures it).
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.abc
import importlib.util
import logging
import os
import sys
import threading
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.machinery import ModuleSpec
from types import ModuleType, TracebackType
from typing import TYPE_CHECKING, Any, TextIO

from synapse_skill.config import Settings

if TYPE_CHECKING:
    import asyncio

    from synapse_skill.answer import Lookup

MAX_TRACEBACK_CHARS = 64 * 1024
_MARK = "_synapse_reported"
_IGNORED_LOGGERS = ("synapse_skill", "httpx", "httpcore")

_local = threading.local()


@dataclass
class _State:
    installed: bool = False
    settings: Settings | None = None
    stream: TextIO | None = None
    prev_sys: Any = None
    prev_threading: Any = None
    policy: Any = None
    asyncio_watch: _AsyncioWatch | None = None  # in sys.meta_path until asyncio is imported
    log_handler: logging.Handler | None = None
    outcomes: _Outcomes | None = None


@dataclass
class _Outcomes:
    """The opt-in outcome loop: a signature raised again after its fix was shown means it failed."""

    shown: dict[str, str] = field(default_factory=dict)  # normalized signature -> slug shown
    reported: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def observe(self, result: Lookup, settings: Settings) -> None:
        signature = result.normalized
        if not signature:
            return
        with self.lock:
            slug = self.shown.get(signature)
            failed_again = slug is not None and signature not in self.reported
            if failed_again:
                self.reported.add(signature)
            elif result.match is not None:
                self.shown[signature] = result.match.slug
        if failed_again and slug is not None and not settings.offline:
            from synapse_skill import lookup as _lookup

            _lookup.feedback(slug, False, settings)  # best effort: a failure is swallowed by report_text


_state = _State()


def _enabled(value: bool | None, env_name: str) -> bool:
    if value is not None:
        return value
    return (os.environ.get(env_name) or "").strip().lower() in ("1", "true", "yes", "on")


def install(
    *,
    timeout: float | None = None,
    log_errors: bool | None = None,
    report_outcomes: bool | None = None,
    stream: TextIO | None = None,
) -> None:
    """Hook the error paths of this process. Safe to call twice; `uninstall()` undoes it.

    timeout: seconds the server may take (default SYNAPSE_TIMEOUT or 2), then offline.
    log_errors: also look up errors logged with exc_info (`logging` handler on the root logger).
    report_outcomes: report "failed" for a fix whose error is raised again (SYNAPSE_REPORT_OUTCOMES=1).
    stream: where answers go (default: sys.stderr at the time of the error).
    """
    settings = Settings.from_env()
    if timeout is not None:
        settings = dataclasses.replace(settings, timeout=min(max(float(timeout), 0.05), 60.0))
    _state.settings = settings
    _state.stream = stream
    if _enabled(report_outcomes, "SYNAPSE_REPORT_OUTCOMES"):
        _state.outcomes = _state.outcomes or _Outcomes()
    else:
        _state.outcomes = None
    if not _state.installed:
        _state.prev_sys = sys.excepthook
        sys.excepthook = _sys_hook
        _state.prev_threading = threading.excepthook
        threading.excepthook = _threading_hook
        _hook_asyncio_when_imported()
        _state.installed = True
    want_logging = _enabled(log_errors, "SYNAPSE_LOG_ERRORS")
    if want_logging and _state.log_handler is None:
        _state.log_handler = _LogHandler(logging.ERROR)
        logging.getLogger().addHandler(_state.log_handler)
    elif not want_logging and _state.log_handler is not None:
        logging.getLogger().removeHandler(_state.log_handler)
        _state.log_handler = None


def uninstall() -> None:
    """Restore the hooks that were there before `install()` (where nobody wrapped ours since)."""
    global _state
    if not _state.installed:
        return
    if sys.excepthook is _sys_hook:
        sys.excepthook = _state.prev_sys
    if threading.excepthook is _threading_hook:
        threading.excepthook = _state.prev_threading
    policy = _state.policy
    if policy is not None and getattr(policy.__dict__.get("new_event_loop"), _MARK, False):
        del policy.new_event_loop
    if _state.asyncio_watch in sys.meta_path:
        sys.meta_path.remove(_state.asyncio_watch)
    # Loops that already have our handler keep it: it only passes through once uninstalled.
    if _state.log_handler is not None:
        logging.getLogger().removeHandler(_state.log_handler)
    _state = _State()


def report_exception(
    exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
) -> None:
    """Look the error up and print the answer to stderr. Never raises, never looks up twice."""
    if exc_type is None or not issubclass(exc_type, Exception):
        return
    if exc is not None and getattr(exc, _MARK, False):
        return
    _mark(exc)
    _report(lambda: "".join(traceback.format_exception(exc_type, exc, tb))[-MAX_TRACEBACK_CHARS:])


def report_text(text: str, settings: Settings | None = None, outcomes: bool = True) -> None:
    """Look `text` up and print the compact answer to stderr. Never raises."""
    _report(lambda: text, settings, outcomes)


def _report(make_text: Callable[[], str], settings: Settings | None = None, outcomes: bool = True) -> None:
    if getattr(_local, "busy", False):
        return
    _local.busy = True
    try:
        from synapse_skill import lookup as _lookup
        from synapse_skill.render import render_hook

        text = make_text()  # formatting can fail too: a hostile __str__ or __repr__
        settings = settings or _state.settings or Settings.from_env()
        result = _lookup.lookup(text, settings, limit=3)
        output = render_hook(result)
        stream = _state.stream or sys.stderr
        if output and stream is not None:
            stream.write(output)
            stream.flush()
        if outcomes and _state.outcomes is not None:
            _state.outcomes.observe(result, settings)
    except Exception:
        # The one place in the project that swallows every error, on purpose: this runs
        # inside the host's error path, and a failure of ours must never replace, hide or
        # delay the host's own traceback (already printed by the previous hook) or change
        # its exit code. KeyboardInterrupt and SystemExit still propagate.
        pass
    finally:
        _local.busy = False


def _mark(exc: BaseException | None) -> None:
    # Exceptions without a __dict__ cannot be marked: they may be reported twice.
    with contextlib.suppress(AttributeError, TypeError):
        setattr(exc, _MARK, True)


def _sys_hook(exc_type, exc, tb) -> None:
    try:
        (_state.prev_sys or sys.__excepthook__)(exc_type, exc, tb)
    finally:
        if _state.installed:
            report_exception(exc_type, exc, tb)


def _threading_hook(args) -> None:
    try:
        (_state.prev_threading or threading.__excepthook__)(args)
    finally:
        if _state.installed:
            report_exception(args.exc_type, args.exc_value, args.exc_traceback)


def _hook_asyncio_when_imported() -> None:
    if "asyncio" in sys.modules:
        _hook_asyncio()
    elif not any(isinstance(finder, _AsyncioWatch) for finder in sys.meta_path):
        _state.asyncio_watch = _AsyncioWatch()
        sys.meta_path.insert(0, _state.asyncio_watch)


class _AsyncioWatch:
    """A meta path finder that finds nothing itself: it hands asyncio's own spec back with a
    loader that hooks the loops once asyncio has loaded, then leaves `sys.meta_path`."""

    def __init__(self) -> None:
        self._finding = False

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name != "asyncio" or self._finding:
            return None
        self._finding = True  # find_spec below walks sys.meta_path again, through us
        try:
            spec = importlib.util.find_spec(name)
        finally:
            self._finding = False
        if spec is None or spec.loader is None:
            return None
        spec.loader = _HookAfterLoad(spec.loader)
        sys.meta_path.remove(self)  # safe: returning a spec ends the import system's walk
        return spec


class _HookAfterLoad(importlib.abc.Loader):
    def __init__(self, loader: importlib.abc.Loader) -> None:
        self._loader = loader

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        if _state.installed:
            _hook_asyncio()

    def __getattr__(self, name: str) -> Any:  # resource readers and the rest: asyncio's own loader
        return getattr(self._loader, name)


def _hook_asyncio() -> None:
    """The running loop gets our handler now; loops made later get it from the policy."""
    import asyncio

    with contextlib.suppress(RuntimeError):  # no loop running: only the policy's later loops
        _hook_loop(asyncio.get_running_loop())
    get_policy = getattr(asyncio, "get_event_loop_policy", None)
    if get_policy is None:  # policies are going away in future Pythons: hook the running loop only
        return
    with warnings.catch_warnings():  # deprecated since 3.14; still how asyncio.run makes its loop
        warnings.simplefilter("ignore", DeprecationWarning)
        policy = get_policy()
    original = policy.new_event_loop
    if getattr(original, _MARK, False):
        return

    def new_event_loop():
        loop = original()
        _hook_loop(loop)
        return loop

    setattr(new_event_loop, _MARK, True)
    policy.new_event_loop = new_event_loop
    _state.policy = policy


def _hook_loop(loop: asyncio.AbstractEventLoop) -> None:
    previous = loop.get_exception_handler()
    if getattr(previous, _MARK, False):
        return

    def handler(loop: asyncio.AbstractEventLoop, context: dict) -> None:
        try:
            if previous is not None:
                previous(loop, context)
            else:
                loop.default_exception_handler(context)
        finally:
            exc = context.get("exception")
            if _state.installed and isinstance(exc, BaseException):
                report_exception(type(exc), exc, exc.__traceback__)

    setattr(handler, _MARK, True)
    loop.set_exception_handler(handler)


class _LogHandler(logging.Handler):
    """Opt-in: errors the host caught and logged with exc_info; runs after the host's own handlers."""

    def emit(self, record: logging.LogRecord) -> None:
        if not record.exc_info or record.name.startswith(_IGNORED_LOGGERS):
            return
        if not self._others_handle(record):
            # Our handler on the root logger would silence logging's last-resort stderr
            # output for a host that never configured logging: print it as it would have.
            last = logging.lastResort
            if last is not None and record.levelno >= last.level:
                last.handle(record)
        exc_type, exc, tb = record.exc_info
        report_exception(exc_type, exc, tb)

    def _others_handle(self, record: logging.LogRecord) -> bool:
        logger: logging.Logger | None = logging.getLogger(record.name)
        while logger is not None:
            if any(h is not self for h in logger.handlers):
                return True
            if not logger.propagate:
                return False
            logger = logger.parent
        return False
