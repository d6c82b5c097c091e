"""`watch`: look up errors raised in a block or a function, then re-raise them unchanged.

The only way to see errors the host later catches itself. The answer is printed where the
error passes, before any traceback; the hooks then skip the same exception object.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

from synapse_skill.hooks import report_exception


class _Watch:
    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:  # never swallows: the error goes on exactly as it was
        if exc is not None:
            report_exception(exc_type, exc, tb)

    def __call__(self, func: Callable[..., Any]) -> Callable[..., Any]:
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                with _Watch():
                    return await func(*args, **kwargs)

            return async_wrapper

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with _Watch():
                return func(*args, **kwargs)

        return wrapper


def watch(func: Callable[..., Any] | None = None) -> Any:
    """`with watch():`, `@watch` or `@watch()` (sync or async functions)."""
    if func is not None:
        return _Watch()(func)
    return _Watch()
