"""Many threads writing at once, released together: what the writer tests share."""

from __future__ import annotations

import threading
from collections.abc import Callable


def write_from_threads(write: Callable[[str], str], threads: int, per_thread: int, prefix: str) -> set[str]:
    """Call `write(key)` for `per_thread` keys in each of `threads` threads started at once;
    return the keys whose write returned (was acknowledged)."""
    acknowledged: set[str] = set()
    lock = threading.Lock()
    barrier = threading.Barrier(threads)

    def worker(t: int) -> None:
        barrier.wait()
        for i in range(per_thread):
            key = write(f"{prefix}{t}-{i}")
            with lock:
                acknowledged.add(key)

    running = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
    for th in running:
        th.start()
    for th in running:
        th.join()
    return acknowledged
