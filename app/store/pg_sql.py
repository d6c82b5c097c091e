"""The domain's SQL on PostgreSQL: the parameter style, a guard, and PostgreSQL's dialect.

The domain modules write SQL that both engines run unchanged (`INSERT … ON CONFLICT DO
NOTHING` / `DO UPDATE SET col = excluded.col` with the table named in expressions, `lower(x)`
for case-insensitive order, no empty `IN ()`). What has no common form is asked of the
connection's dialect (`app.store.engine.dialect`): `PostgresDialect` here, its SQLite twin in
`app.store.sqlite_sql`.

`translate` (cached per distinct statement) changes only what cannot be written once:

| the code writes | PostgreSQL receives |
|---|---|
| `?` | `%s` (and a literal `%` becomes `%%`), outside string literals; a statement without parameters is sent as is |

A statement that still holds SQLite-only SQL (`INSERT OR …`, `COLLATE NOCASE`, `json_each`,
`group_concat`, scalar `max(a, b)`, `PRAGMA`, `rowid`, an empty `IN ()`) raises
`Untranslatable` instead of running, or failing, with another meaning.
"""

from __future__ import annotations

import re
from functools import lru_cache


class Untranslatable(ValueError):
    """A statement uses SQLite-only SQL: write it in the common form or ask the dialect."""


_QUOTED = re.compile(r"('(?:[^']|'')*'|\"(?:[^\"]|\"\")*\")")
_SQLITE_ONLY = re.compile(
    r"\b(PRAGMA|INSERT\s+OR|REPLACE\s+INTO|COLLATE\s+NOCASE|json_each|json_extract|group_concat|rowid)\b"
    r"|\bIN\s*\(\s*\)",
    re.IGNORECASE,
)
_MAX = re.compile(r"\bmax\s*\(", re.IGNORECASE)


@lru_cache(maxsize=2048)
def translate(sql: str, has_params: bool = True) -> str:
    """`sql` (`?` parameters) with PostgreSQL's `%s` parameters.

    `has_params=False` leaves `%` alone: psycopg sends a statement without parameters as is.
    """
    code = _outside_quotes(sql, lambda s: s, keep_quoted=False)
    if _SQLITE_ONLY.search(code) or _scalar_max(code):
        raise Untranslatable(f"SQLite-only SQL: {sql!r}")
    if not has_params:
        return sql
    return _outside_quotes(sql, lambda s: s.replace("%", "%%").replace("?", "%s"))


def _scalar_max(code: str) -> bool:
    """`max(a, b)`: SQLite's scalar form (PostgreSQL's is `greatest`), told by a top-level comma."""
    for match in _MAX.finditer(code):
        depth = 1
        for ch in code[match.end() :]:
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
                if depth == 0:
                    break
            elif ch == "," and depth == 1:
                return True
    return False


def _outside_quotes(text: str, fn, keep_quoted: bool = True) -> str:
    """Apply `fn` to the parts of `text` outside string literals and quoted identifiers."""
    parts = _QUOTED.split(text)
    return "".join((part if keep_quoted else " ") if i % 2 else fn(part) for i, part in enumerate(parts))


class PostgresDialect:
    """PostgreSQL's forms of `app.store.sqlite_sql.SqliteDialect`'s constructs (same answers)."""

    name = "postgresql"

    @staticmethod
    def json_values(column: str, alias: str) -> str:
        return f"json_array_elements_text(({column})::json) AS {alias}(value)"

    @staticmethod
    def greatest(*exprs: str) -> str:
        return f"greatest({', '.join(exprs)})"

    @staticmethod
    def data_version(conn) -> int:
        """The entries' generation: bumped by a trigger on every change of an `entries` row."""
        return int(conn.execute("SELECT generation FROM synapse_meta WHERE id = 1").fetchone()[0])

    @staticmethod
    def ensure_index_files(conn) -> None:
        """Nothing: `index_files` is part of PostgreSQL's schema (`app.store.pg_schema`)."""


POSTGRES = PostgresDialect()
