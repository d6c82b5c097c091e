"""SynapseAI skill: the fix for the error you just raised.

    import synapse_skill
    synapse_skill.install()                  # uncaught errors: traceback, then the known fix
    answer = synapse_skill.search(error_text)  # an Answer, or None when nothing resembles it
    with synapse_skill.watch(): ...          # a block (also @synapse_skill.watch)

Importing and `install()` are cheap: the HTTP client and the matcher load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from synapse_skill.answer import Answer

__all__ = ["Answer", "__version__", "install", "search", "uninstall", "watch"]

__version__ = "0.1.0"  # the skill's version: SKILL.md metadata.version and pyproject agree


def search(error_text: str, *, limit: int = 5) -> Answer | None:
    """The best entry for `error_text` (check `.confident` before trusting it), or None.

    Sends only the redacted error lines to SYNAPSE_URL within SYNAPSE_TIMEOUT seconds, then
    falls back to the offline snapshot. Never raises for network or snapshot problems.
    """
    from synapse_skill.lookup import lookup

    return lookup(error_text, limit=limit).best


def install(**options: Any) -> None:
    """Hook sys.excepthook, threading.excepthook and asyncio; see `synapse_skill.hooks.install`."""
    from synapse_skill.hooks import install as _install

    _install(**options)


def uninstall() -> None:
    """Undo `install()`."""
    from synapse_skill.hooks import uninstall as _uninstall

    _uninstall()


def watch(func: Any = None) -> Any:
    """Look up errors raised in a block or function and re-raise them unchanged."""
    from synapse_skill.watcher import watch as _watch

    return _watch(func)


def __getattr__(name: str) -> Any:
    """`Answer` is imported when first asked for, like the rest: `import synapse_skill` stays cheap."""
    if name == "Answer":
        from synapse_skill.answer import Answer

        return Answer
    raise AttributeError(f"module 'synapse_skill' has no attribute {name!r}")
