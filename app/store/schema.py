"""Schema and migrations. `PRAGMA user_version` holds the number of migrations applied.

Each migration is a function of the write connection, run by the single writer inside its
`BEGIN IMMEDIATE` transaction, so a half-applied migration is never visible.
"""

from __future__ import annotations

import json

import sqlite_utils

from app.store.sqlite_sql import SQLITE
from synapse_skill.matching import matcher


def _v1(conn) -> None:
    db = sqlite_utils.Database(conn)
    db.table("entries").create(
        {
            "slug": str,
            "title": str,
            "errors": str,  # JSON list
            "tags": str,  # JSON list
            "languages": str,  # JSON list
            "token_savings": int,
            "environment": str,
            "source": str,
            "verified_by": str,
            "updated": str,
            "symptom": str,
            "root_cause": str,
            "limits": str,
            "savings_note": str,
            "markdown": str,
            "content_hash": str,
            "path": str,
            "origin": str,  # 'corpus' (indexed from solutions/) or 'submission' (approved, not yet exported)
            "published_at": str,
        },
        pk="slug",
        not_null={"title", "errors", "tags", "markdown", "content_hash", "origin"},
    )
    db.table("fixes").create(
        {
            "id": int,
            "slug": str,
            "position": int,
            "title": str,
            "description": str,
            "language": str,
            "code": str,
        },
        pk="id",
        foreign_keys=[("slug", "entries", "slug")],
        not_null={"slug", "position", "title", "code"},
    )
    db.table("fixes").create_index(["slug", "position"], unique=True)
    db.table("submissions").create(
        {
            "id": str,
            "idempotency_key": str,
            "status": str,  # pending | approved | rejected
            "slug": str,
            "title": str,
            "payload": str,  # JSON of the submitted fields
            "markdown": str,
            "created_at": str,
            "reviewed_at": str,
            "reason": str,
        },
        pk="id",
        not_null={"status", "slug", "title", "payload", "markdown", "created_at"},
    )
    db.table("submissions").create_index(["idempotency_key"], unique=True)
    db.table("submissions").create_index(["status"])
    db.table("feedback").create(
        {"id": int, "slug": str, "worked": int, "created_at": str, "request_id": str},
        pk="id",
        not_null={"slug", "worked", "created_at"},
    )
    db.table("feedback").create_index(["request_id"], unique=True)
    db.table("entry_stats").create(
        {"slug": str, "matched": int, "worked": int, "failed": int, "stars": int},
        pk="slug",
        defaults={"matched": 0, "worked": 0, "failed": 0, "stars": 0},
    )
    db.table("queries").create(
        {"norm": str, "count": int, "confident": int, "last_slug": str, "last_seen": str},
        pk="norm",
        defaults={"count": 0, "confident": 0},
    )
    db.table("counters").create({"name": str, "value": int}, pk="name", defaults={"value": 0})
    db.table("rate_hits").create(
        {"bucket": str, "window": int, "hits": int}, pk="bucket", defaults={"hits": 0}
    )
    db.table("rate_hits").create_index(["window"])
    matcher.create_schema(conn)


def _v2(conn) -> None:
    """The matcher stores signatures already prepared (index format 2): its old tables go, and
    `migrate` builds the index from the rows once every migration has run (no format is stale)."""
    matcher.drop_schema(conn)


def _v3(conn) -> None:
    """The indexer compares every corpus entry's hash on each run: read them from an index,
    not from rows whose Markdown spills over several pages."""
    conn.execute("CREATE INDEX IF NOT EXISTS entries_origin_hash ON entries(origin, slug, content_hash)")


def _v4(conn) -> None:
    """Entries keep their not_errors, libraries and applies_to (the matcher's evidence, index
    format 3). Corpus rows are marked changed, so the next `synapse index` re-reads each file
    and fills them in; until then the matcher is rebuilt from what the rows hold (by `migrate`, after
    the last migration: the index of a schema-3 database is of format 2, stale)."""
    present = columns(conn, "entries")
    for column in ("not_errors", "libraries", "applies_to"):
        if column not in present:
            conn.execute(f"ALTER TABLE entries ADD COLUMN {column} TEXT NOT NULL DEFAULT '[]'")
    conn.execute("UPDATE entries SET content_hash = '' WHERE origin = 'corpus'")


def columns(conn, table: str) -> set[str]:
    """The names of a table's columns (a migration adds one only where it is missing)."""
    return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}


def rebuild_matcher(conn) -> None:
    """Drop the matcher's tables and index every stored entry again."""
    matcher.drop_schema(conn)
    matcher.create_schema(conn)
    rows = conn.execute(
        "SELECT slug, errors, title, not_errors, libraries, applies_to, general FROM entries"
    ).fetchall()
    matcher.index_entries(conn, [index_item(row) for row in rows])


def index_item(row) -> matcher.IndexItem:
    """An `entries` row (slug, errors, title, not_errors, libraries, applies_to, general) as the
    matcher indexes it: the JSON columns decoded."""
    slug, errors, title, not_errors, libraries, applies_to, general = row
    return matcher.IndexItem(
        slug,
        json.loads(errors or "[]"),
        title or "",
        json.loads(not_errors or "[]"),
        json.loads(libraries or "[]"),
        [tuple(a) for a in json.loads(applies_to or "[]")],
        matcher.Generality(general),
    )


MIGRATIONS = [_v1, _v2, _v3, _v4]
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn) -> int:
    """Apply the migrations this file has not seen yet; return the version reached."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise RuntimeError(
            f"database schema {version} is newer than this code ({SCHEMA_VERSION}); upgrade SynapseAI"
        )
    for number in range(version, SCHEMA_VERSION):
        MIGRATIONS[number](conn)
        conn.execute(f"PRAGMA user_version = {number + 1}")
    if matcher.stale_format(conn):  # the matcher's tokens changed: its index is rebuilt from the rows
        rebuild_matcher(conn)
    return SCHEMA_VERSION


# -- appended migrations (each one a function added at the end, then registered) ----------


def _v5_wanted_clients(conn) -> None:
    """ "Most wanted" counts distinct clients, not searches: each unanswered query keeps the
    salted hashes of the client addresses that sent it (never the addresses), and an admin
    can hide a query from the home page."""
    import secrets

    conn.execute(
        "CREATE TABLE IF NOT EXISTS query_clients (norm TEXT NOT NULL, client TEXT NOT NULL, "
        "PRIMARY KEY (norm, client)) WITHOUT ROWID"
    )
    conn.execute("CREATE TABLE IF NOT EXISTS query_salt (value TEXT NOT NULL)")
    if conn.execute("SELECT count(*) FROM query_salt").fetchone()[0] == 0:
        conn.execute("INSERT INTO query_salt (value) VALUES (?)", (secrets.token_hex(16),))
    if "hidden" not in columns(conn, "queries"):
        conn.execute("ALTER TABLE queries ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0")


MIGRATIONS.append(_v5_wanted_clients)
SCHEMA_VERSION = len(MIGRATIONS)


def _v6_page_indexes(conn) -> None:
    """A page reads its few rows in an indexed order (home's lists, browse's sorts), not the
    whole table sorted, so its cost does not grow with the corpus or the query log."""
    conn.execute("CREATE INDEX IF NOT EXISTS entries_by_title ON entries(title COLLATE NOCASE)")
    conn.execute(
        "CREATE INDEX IF NOT EXISTS entries_by_newest"
        " ON entries(published_at DESC, updated DESC, title COLLATE NOCASE)"
    )
    conn.execute(
        "CREATE INDEX IF NOT EXISTS entries_by_recent"
        " ON entries(max(coalesce(published_at, ''), coalesce(updated, '')) DESC, slug)"
    )
    conn.execute(
        "CREATE INDEX IF NOT EXISTS queries_most_searched ON queries(count DESC, norm) WHERE confident > 0"
    )


MIGRATIONS.append(_v6_page_indexes)
SCHEMA_VERSION = len(MIGRATIONS)


def _v7_lower_title_indexes(conn) -> None:
    """Pages order titles case-insensitively by `lower(title)`, SQL that PostgreSQL runs as well
    (ASCII folding, as NOCASE): the title indexes follow, under the same names."""
    conn.execute("DROP INDEX IF EXISTS entries_by_title")
    conn.execute("DROP INDEX IF EXISTS entries_by_newest")
    conn.execute("CREATE INDEX entries_by_title ON entries(lower(title))")
    conn.execute("CREATE INDEX entries_by_newest ON entries(published_at DESC, updated DESC, lower(title))")


MIGRATIONS.append(_v7_lower_title_indexes)
SCHEMA_VERSION = len(MIGRATIONS)


PAGE_TABLES = (
    "CREATE TABLE IF NOT EXISTS entry_facets (facet TEXT NOT NULL, value TEXT NOT NULL,"
    " slug TEXT NOT NULL, PRIMARY KEY (facet, value, slug))",
    "CREATE INDEX IF NOT EXISTS entry_facets_slug ON entry_facets(slug)",
    "CREATE TABLE IF NOT EXISTS facet_counts (facet TEXT NOT NULL, value TEXT NOT NULL,"
    " n INTEGER NOT NULL, PRIMARY KEY (facet, value))",
    "CREATE INDEX IF NOT EXISTS facet_counts_by_n ON facet_counts(facet, n DESC, value)",
    # "Most matched" pages walk this index (ties by slug) instead of sorting every entry.
    "CREATE INDEX IF NOT EXISTS entry_stats_by_matched ON entry_stats(matched DESC, slug)",
    # Every entry has its statistics row (rows.put_entry_rows): browse joins it, not LEFT JOINs.
    "INSERT INTO entry_stats (slug) SELECT slug FROM entries WHERE true ON CONFLICT DO NOTHING",
)


def _v8_page_tables(conn) -> None:
    """Tags and languages as indexed rows with kept counts (`app.corpus.facets`), and statistics
    ordered by matches: browse and a solution's related entries read a few index rows instead
    of every entry's JSON lists or every entry sorted."""
    for ddl in PAGE_TABLES:
        conn.execute(ddl)
    fill_facets(conn, SQLITE.json_values)


def fill_facets(conn, json_values) -> None:
    """Both facet tables from the entries' JSON lists, on either engine (`Dialect.json_values`)."""
    conn.execute("DELETE FROM entry_facets")
    conn.execute("DELETE FROM facet_counts")
    for facet, column in (("tag", "tags"), ("language", "languages")):
        conn.execute(
            "INSERT INTO entry_facets (facet, value, slug)"
            f" SELECT DISTINCT '{facet}', j.value, e.slug FROM entries e, {json_values(f'e.{column}', 'j')}"
        )
    conn.execute(
        "INSERT INTO facet_counts (facet, value, n)"
        " SELECT facet, value, count(*) FROM entry_facets GROUP BY facet, value"
    )


MIGRATIONS.append(_v8_page_tables)
SCHEMA_VERSION = len(MIGRATIONS)


def _v9_general_entries(conn) -> None:
    """Entries say whether they are general (`general: true` in the front matter), which the
    matcher never gives as a confident answer. Corpus rows are marked changed, so the next
    `synapse index` re-reads each file and sets it; the matcher's index (format 6) is rebuilt."""
    if "general" not in columns(conn, "entries"):
        conn.execute("ALTER TABLE entries ADD COLUMN general INTEGER NOT NULL DEFAULT 0")
    conn.execute("UPDATE entries SET content_hash = '' WHERE origin = 'corpus'")


MIGRATIONS.append(_v9_general_entries)
SCHEMA_VERSION = len(MIGRATIONS)
