"""Skill settings, read from the environment when asked (never at import time)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_URL = "http://127.0.0.1:8000"
DEFAULT_TIMEOUT_S = 2.0


def default_cache_dir() -> Path:
    """platformdirs' user cache dir when it is installed; ~/.cache/synapse-ai in a bare skill venv."""
    try:
        from platformdirs import user_cache_dir
    except ImportError:
        return Path.home() / ".cache" / "synapse-ai"
    return Path(user_cache_dir("synapse-ai", appauthor=False))


@dataclass(frozen=True)
class Settings:
    url: str = field(default=DEFAULT_URL, metadata={"env": "SYNAPSE_URL", "help": "the SynapseAI server"})
    offline: bool = field(
        default=False,
        metadata={"env": "SYNAPSE_OFFLINE", "help": "1: never touch the network, use the snapshot"},
    )
    timeout: float = field(
        default=DEFAULT_TIMEOUT_S,
        metadata={"env": "SYNAPSE_TIMEOUT", "help": "seconds the network may take before going offline"},
    )
    cache_dir: Path | None = field(
        default=None, metadata={"env": "SYNAPSE_CACHE_DIR", "help": "where the downloaded snapshot is kept"}
    )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        url = (env.get("SYNAPSE_URL") or DEFAULT_URL).strip().rstrip("/")
        offline = (env.get("SYNAPSE_OFFLINE") or "").strip().lower() in ("1", "true", "yes", "on")
        try:
            timeout = float(env.get("SYNAPSE_TIMEOUT") or DEFAULT_TIMEOUT_S)
        except ValueError:
            timeout = DEFAULT_TIMEOUT_S
        timeout = min(max(timeout, 0.05), 60.0)
        cache = env.get("SYNAPSE_CACHE_DIR")
        return cls(url=url, offline=offline, timeout=timeout, cache_dir=Path(cache) if cache else None)

    @property
    def cache_path(self) -> Path:
        return self.cache_dir if self.cache_dir is not None else default_cache_dir()
