"""The JSON answers' shapes: what /openapi.json publishes, and all that a route may send.

A model lists its public fields one by one, so a column added to a table never reaches a
client unless it is added here too.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Public(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- search ---------------------------------------------------------------------------------


class Why(Public):
    signature: str = Field(description="the entry's signature that matched")
    type_match: bool | None = Field(description="the exception types agree, differ, or one is missing (null)")
    terms: list[str] = Field(description="the shared words that weighed most")
    frames: list[str] = Field(description="what the traceback's frames said about the entry's libraries")
    env: list[str] = Field(
        description="what the client's env said: against the entry's applies_to, or that the package "
        "the message names is installed"
    )
    conflicts: list[str] = Field(description="decisive parts that differ")
    not_error: str | None = Field(description="the entry's look-alike that the text resembles as much")
    general: bool = Field(
        description="the entry is about a family of errors whose cause is the caller's own code, data or setup"
        " (its advice says where to look): offered as a candidate, never as the confident answer"
    )


class FirstFix(Public):
    title: str | None
    language: str | None
    code: str | None


class Moved(Public):
    old: str = Field(
        description="the import the error names, e.g. from langchain.chat_models import ChatOpenAI"
    )
    new: str = Field(description="the import that works now")
    package: str = Field(description="the distribution that provides the new import ('' when unchanged)")
    since: str = Field(
        description="the releases in which the old import stopped working ('' when not recorded)"
    )


class SearchHit(Public):
    slug: str
    title: str
    score: float
    confident: bool
    url: str | None
    why: Why
    fix: FirstFix
    token_savings: int
    moved: Moved | None = Field(
        None, description="the row of the entry's moved-names table the error names (top result only)"
    )


class SearchResponse(Public):
    query: str = Field(description="the query as searched (cleaned of invalid characters)")
    normalized: str = Field(description="the query with paths, numbers and ids masked, as counted")
    took_ms: float
    match: str | None = Field(description="the slug of the confident best result, else null")
    results: list[SearchHit]


# -- one solution -----------------------------------------------------------------------------


class Fix(Public):
    position: int = Field(description="1 for the first option")
    title: str
    description: str
    language: str
    code: str


class AppliesTo(Public):
    """Either a package (or `python`) in a PEP 440 range, or a platform; the other fields are ""."""

    package: str
    versions: str
    platform: str


class Stats(Public):
    matched: int
    worked: int
    failed: int
    stars: int


class Solution(Public):
    slug: str
    title: str
    errors: list[str] = Field(description="the error signatures this entry answers")
    not_errors: list[str] = Field(description="look-alike errors this entry must not answer")
    tags: list[str]
    languages: list[str]
    libraries: list[str] = Field(description="top-level modules the entry is about")
    applies_to: list[AppliesTo] = Field(description="where the fix holds")
    token_savings: int
    environment: str
    source: str
    verified_by: str
    updated: str
    symptom: str
    root_cause: str
    limits: str
    savings_note: str = Field(description="how the token_savings estimate was reached")
    fixes: list[Fix]
    stats: Stats = Field(description="how often it matched, worked, failed, and its stars")


class FeedbackRecorded(Public):
    slug: str
    recorded: bool
    request_id: str
    stats: Stats = Field(description="the entry's outcome counts after this report")


# -- health, snapshot -------------------------------------------------------------------------


class SqliteHealth(Public):
    library: str = Field(description="sqlite3 or pysqlite3")
    version: str
    wal_reset_bug_fixed: bool
    mitigation: str | None


class PostgresHealth(Public):
    version: str = Field(description="the server's version (SHOW server_version)")
    url: str = Field(description="the database URL, password left out")
    pool_max: int = Field(description="this process's connection pool size")
    index_generation: int = Field(
        description="the entry generation this node's in-memory matcher index has applied (-1: not built yet)"
    )


class Health(Public):
    status: str
    engine: str = Field(default="sqlite", description="sqlite or postgresql (SYNAPSE_DATABASE_URL)")
    entries: int
    schema_version: int
    expected_schema_version: int
    journal_mode: str = Field(description="SQLite's journal mode (wal); n/a on PostgreSQL")
    sqlite: SqliteHealth = Field(
        description="on PostgreSQL: the library of the node's in-memory matcher index"
    )
    postgresql: PostgresHealth | None = Field(default=None, description="present on PostgreSQL only")


class SnapshotEntry(Public):
    slug: str
    title: str
    url: str
    errors: list[str]
    tags: list[str]
    token_savings: int
    fix: FirstFix
    not_errors: list[str] = Field(default_factory=list, description="left out when empty")
    libraries: list[str] = Field(default_factory=list, description="left out when empty")
    applies_to: list[list[str]] = Field(
        default_factory=list, description="[package, versions, platform] triples; left out when empty"
    )
    moves: list[Moved] = Field(
        default_factory=list,
        description="the entry's moved-names table (old and new imports); left out when empty",
    )
    general: bool | Literal["in_libraries"] = Field(
        default=False,
        description="true: the entry is offered for this kind of error, never as the confident answer;"
        ' "in_libraries": the same only when the innermost frame is an installed package\'s; left out when false',
    )


class Snapshot(Public):
    version: int
    generated: str
    checksum: str
    entries: list[SnapshotEntry]
