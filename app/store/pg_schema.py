"""PostgreSQL schema and migrations: the same tables as SQLite's, its own version table.

`synapse_schema.version` holds the number of migrations applied (SQLite keeps it in
`PRAGMA user_version`). Every migration runs in one transaction under an advisory lock, so
several nodes starting at once migrate once and never see half a schema.

Text columns are `COLLATE "C"`: ordering and comparison by code point, as SQLite's BINARY,
whatever the database's locale, so pages list in the same order on both engines.

The matcher's own tables are not here: each node builds them in memory from `entries`
(`app.store.pg_store.NodeIndex`), copying each entry's prepared rows (`match_rows`). The
first change of an `entries` row in a transaction bumps `synapse_meta.generation` and
notifies `synapse_index`; every change logs the slug in `entry_changes` under that generation
(a trigger, so no code path can forget it); the row lock on `synapse_meta` orders those
transactions, so generations become visible in the order they were given.
"""

from __future__ import annotations

import secrets

from app.store.pg_sql import PostgresDialect
from app.store.schema import PAGE_TABLES, fill_facets

MIGRATION_LOCK = 0x53594E41  # pg_advisory_xact_lock key: "SYNA"
NOTIFY_CHANNEL = "synapse_index"

_V1 = """
CREATE TABLE entries (
    slug TEXT PRIMARY KEY, title TEXT NOT NULL, errors TEXT NOT NULL, tags TEXT NOT NULL,
    languages TEXT, token_savings BIGINT, environment TEXT, source TEXT, verified_by TEXT,
    updated TEXT, symptom TEXT, root_cause TEXT, limits TEXT, savings_note TEXT,
    markdown TEXT NOT NULL, content_hash TEXT NOT NULL, path TEXT, origin TEXT NOT NULL,
    published_at TEXT, not_errors TEXT NOT NULL DEFAULT '[]', libraries TEXT NOT NULL DEFAULT '[]',
    applies_to TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE fixes (
    id BIGSERIAL PRIMARY KEY, slug TEXT NOT NULL REFERENCES entries(slug), position BIGINT NOT NULL,
    title TEXT NOT NULL, description TEXT, language TEXT, code TEXT NOT NULL
);
CREATE UNIQUE INDEX fixes_slug_position ON fixes(slug, position);
CREATE TABLE submissions (
    id TEXT PRIMARY KEY, idempotency_key TEXT, status TEXT NOT NULL, slug TEXT NOT NULL,
    title TEXT NOT NULL, payload TEXT NOT NULL, markdown TEXT NOT NULL, created_at TEXT NOT NULL,
    reviewed_at TEXT, reason TEXT
);
CREATE UNIQUE INDEX submissions_idempotency_key ON submissions(idempotency_key);
CREATE INDEX submissions_status ON submissions(status);
CREATE TABLE feedback (
    id BIGSERIAL PRIMARY KEY, slug TEXT NOT NULL, worked BIGINT NOT NULL, created_at TEXT NOT NULL,
    request_id TEXT
);
CREATE UNIQUE INDEX feedback_request_id ON feedback(request_id);
CREATE TABLE entry_stats (
    slug TEXT PRIMARY KEY, matched BIGINT DEFAULT 0, worked BIGINT DEFAULT 0, failed BIGINT DEFAULT 0,
    stars BIGINT DEFAULT 0
);
CREATE TABLE queries (
    norm TEXT PRIMARY KEY, count BIGINT DEFAULT 0, confident BIGINT DEFAULT 0, last_slug TEXT,
    last_seen TEXT, hidden BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE counters (name TEXT PRIMARY KEY, value BIGINT DEFAULT 0);
CREATE TABLE rate_hits (bucket TEXT PRIMARY KEY, "window" BIGINT, hits BIGINT DEFAULT 0);
CREATE INDEX rate_hits_window ON rate_hits("window");
CREATE TABLE query_clients (norm TEXT NOT NULL, client TEXT NOT NULL, PRIMARY KEY (norm, client));
CREATE TABLE query_salt (value TEXT NOT NULL);
CREATE TABLE index_files (
    path TEXT PRIMARY KEY, mtime_ns BIGINT NOT NULL, size BIGINT NOT NULL, checked_ns BIGINT NOT NULL,
    content_hash TEXT NOT NULL
);
CREATE INDEX entries_origin_hash ON entries(origin, slug, content_hash);
CREATE INDEX entries_by_title ON entries(lower(title));
CREATE INDEX entries_by_newest ON entries(published_at DESC, updated DESC, lower(title));
CREATE INDEX entries_by_recent ON entries(greatest(coalesce(published_at, ''), coalesce(updated, '')) DESC, slug);
CREATE INDEX queries_most_searched ON queries(count DESC, norm) WHERE confident > 0;
CREATE TABLE synapse_meta (
    id INTEGER PRIMARY KEY CHECK (id = 1), generation BIGINT NOT NULL, pruned_below BIGINT NOT NULL
);
INSERT INTO synapse_meta (id, generation, pruned_below) VALUES (1, 0, 0);
CREATE TABLE entry_changes (generation BIGINT NOT NULL, slug TEXT NOT NULL);
CREATE INDEX entry_changes_generation ON entry_changes(generation);
CREATE FUNCTION synapse_entry_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE g BIGINT;
BEGIN
    UPDATE synapse_meta SET generation = generation + 1 WHERE id = 1 RETURNING generation INTO g;
    IF TG_OP = 'DELETE' THEN
        INSERT INTO entry_changes VALUES (g, OLD.slug);
    ELSE
        INSERT INTO entry_changes VALUES (g, NEW.slug);
        IF TG_OP = 'UPDATE' AND OLD.slug <> NEW.slug THEN
            INSERT INTO entry_changes VALUES (g, OLD.slug);
        END IF;
    END IF;
    PERFORM set_config('synapse.generation', g::text, true);
    PERFORM pg_notify('synapse_index', '');
    RETURN NULL;
END $$;
CREATE TRIGGER entries_changed AFTER INSERT OR UPDATE OR DELETE ON entries
    FOR EACH ROW EXECUTE FUNCTION synapse_entry_changed();
"""


def _c_collation(ddl: str) -> str:
    """Every TEXT column compares and sorts by code point (SQLite's BINARY), whatever the locale."""
    return ddl.replace(" TEXT", ' TEXT COLLATE "C"')


def _v1(cur) -> None:
    cur.execute(_c_collation(_V1))
    cur.execute("INSERT INTO query_salt (value) VALUES (%s)", (secrets.token_hex(16),))


def _v2_page_tables(cur) -> None:
    """Tag and language rows with kept counts, statistics ordered by matches (SQLite's schema 8)."""
    for ddl in PAGE_TABLES:
        cur.execute(_c_collation(ddl.replace("INTEGER", "BIGINT")))
    fill_facets(cur, PostgresDialect.json_values)


def _v3_match_rows(cur) -> None:
    """Each entry's prepared matcher rows (`app.store.match_rows`): a node copies them when it
    builds its in-memory index instead of preparing every signature again. Existing entries
    get theirs when next written; until then nodes prepare them (same answers)."""
    cur.execute(_c_collation("CREATE TABLE match_rows (slug TEXT PRIMARY KEY, rows TEXT NOT NULL)"))


_ONE_GENERATION_PER_TRANSACTION = """
CREATE OR REPLACE FUNCTION synapse_entry_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE g BIGINT := nullif(current_setting('synapse.generation', true), '')::BIGINT;
BEGIN
    IF g IS NULL THEN  -- the transaction's first entry change: its generation, and one notification
        UPDATE synapse_meta SET generation = generation + 1 WHERE id = 1 RETURNING generation INTO g;
        PERFORM set_config('synapse.generation', g::text, true);
        PERFORM pg_notify('synapse_index', '');
    END IF;
    IF TG_OP = 'DELETE' THEN
        INSERT INTO entry_changes VALUES (g, OLD.slug);
    ELSE
        INSERT INTO entry_changes VALUES (g, NEW.slug);
        IF TG_OP = 'UPDATE' AND OLD.slug <> NEW.slug THEN
            INSERT INTO entry_changes VALUES (g, OLD.slug);
        END IF;
    END IF;
    RETURN NULL;
END $$;
"""


def _v4_one_generation_per_transaction(cur) -> None:
    """One generation per transaction, not per entry row: updating the one `synapse_meta` row
    once per entry made a transaction of n entries walk n row versions n times (indexing 10k
    entries took 95 s, 100k did not finish in 25 minutes). The setting is transaction-local
    (undone with a rolled-back savepoint, with the update it stands for)."""
    cur.execute(_ONE_GENERATION_PER_TRANSACTION)


def _v5_general_entries(cur) -> None:
    """Entries say whether they are general (SQLite's schema 9); corpus rows are marked changed,
    so the next `synapse index` re-reads each file and sets it."""
    cur.execute("ALTER TABLE entries ADD COLUMN general BIGINT NOT NULL DEFAULT 0")
    cur.execute("UPDATE entries SET content_hash = '' WHERE origin = 'corpus'")


MIGRATIONS = [_v1, _v2_page_tables, _v3_match_rows, _v4_one_generation_per_transaction, _v5_general_entries]
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn) -> int:
    """Apply the migrations this database has not seen yet (a psycopg connection, not in a transaction)."""
    with conn.transaction(), conn.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        cur.execute("CREATE TABLE IF NOT EXISTS synapse_schema (version INTEGER NOT NULL)")
        row = cur.execute("SELECT version FROM synapse_schema").fetchone()
        if row is None:
            cur.execute("INSERT INTO synapse_schema (version) VALUES (0)")
            version = 0
        else:
            version = row[0]
        if version > SCHEMA_VERSION:
            raise RuntimeError(
                f"database schema {version} is newer than this code ({SCHEMA_VERSION}); upgrade SynapseAI"
            )
        for number in range(version, SCHEMA_VERSION):
            MIGRATIONS[number](cur)
            cur.execute("UPDATE synapse_schema SET version = %s", (number + 1,))
    return SCHEMA_VERSION


def schema_version(conn) -> int:
    row = conn.execute("SELECT version FROM synapse_schema").fetchone()
    return int(row[0]) if row else 0
