"""Run a command with its output untouched, keeping the tail of its stderr for a lookup.

stdin and stdout are inherited (the command still sees a terminal on them); stderr passes
through a pipe, written on to our stderr byte for byte as it arrives.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass

TAIL_BYTES = 64 * 1024


@dataclass(frozen=True)
class Finished:
    exit_code: int  # the command's own code; 128 + N when it died of signal N, as shells report it
    stderr_tail: str


def run(cmd: Sequence[str]) -> Finished:
    """Run `cmd` to completion; raises FileNotFoundError/PermissionError if it cannot start."""
    proc = subprocess.Popen(list(cmd), stderr=subprocess.PIPE)
    # Ctrl-C reaches the command through the terminal; we keep reading until it exits.
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if _main_thread() else None
    tail = bytearray()
    try:
        assert proc.stderr is not None
        fd = proc.stderr.fileno()
        while chunk := os.read(fd, 65536):
            _write_all(2, chunk)
            tail += chunk
            if len(tail) > 2 * TAIL_BYTES:
                del tail[:-TAIL_BYTES]
        code = proc.wait()
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    if code < 0:
        code = 128 - code
    return Finished(code, bytes(tail[-TAIL_BYTES:]).decode("utf-8", errors="replace"))


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        try:
            written = os.write(fd, view)
        except OSError:  # our stderr is gone (closed pipe): keep running the command anyway
            return
        view = view[written:]


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread() and sys.platform != "win32"
