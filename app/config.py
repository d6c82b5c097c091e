"""Settings, read once from the environment and passed in (never read at import time)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    db: Path = field(
        default=PROJECT_ROOT / "var" / "synapse.db", metadata={"env": "SYNAPSE_DB", "help": "SQLite file"}
    )
    database_url: str = field(
        default="",
        metadata={
            "env": "SYNAPSE_DATABASE_URL",
            "help": "postgresql://user@host:port/db puts every command on PostgreSQL; empty: the SQLite file",
        },
    )
    database_pool: int = field(
        default=10,
        metadata={"env": "SYNAPSE_DATABASE_POOL", "help": "PostgreSQL connections per process, at most"},
    )
    database_timeout: int = field(
        default=5,
        metadata={
            "env": "SYNAPSE_DATABASE_TIMEOUT",
            "help": "seconds to wait for a PostgreSQL connection before answering 503",
        },
    )
    solutions: Path = field(
        default=PROJECT_ROOT / "solutions", metadata={"env": "SYNAPSE_SOLUTIONS", "help": "folder of entries"}
    )
    templates: Path = field(
        default=PROJECT_ROOT / "templates", metadata={"env": "SYNAPSE_TEMPLATES", "help": ""}
    )
    admin_token: str = field(
        default="",
        metadata={"env": "SYNAPSE_ADMIN_TOKEN", "help": "token for /admin pages; empty turns them off"},
    )
    max_body_bytes: int = field(
        default=256 * 1024, metadata={"env": "SYNAPSE_MAX_BODY", "help": "request body limit"}
    )
    submissions_per_hour: int = field(
        default=20,
        metadata={"env": "SYNAPSE_SUBMISSIONS_PER_HOUR", "help": "per client, all workers together"},
    )
    feedback_per_hour: int = field(
        default=120, metadata={"env": "SYNAPSE_FEEDBACK_PER_HOUR", "help": "per client, all workers together"}
    )
    index_on_start: bool = field(default=True, metadata={"env": "SYNAPSE_INDEX_ON_START", "help": ""})
    public_url: str = field(
        default="http://127.0.0.1:8000",
        metadata={
            "env": "SYNAPSE_PUBLIC_URL",
            "help": "the site's public base URL, for absolute links (never the Host header)",
        },
    )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        source = os.environ if env is None else env
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = source.get(f.metadata["env"])
            if raw is None or raw == "":
                continue
            if f.type in ("Path",):
                values[f.name] = Path(raw)
            elif f.type == "int":
                values[f.name] = int(raw)
            elif f.type == "bool":
                values[f.name] = raw.lower() not in ("0", "false", "no", "off")
            else:
                values[f.name] = raw
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)
