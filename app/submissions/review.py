"""Submissions: a contributor's form → a pending row → a maintainer's review → a published entry.

Plain synchronous functions of a connection. The write units (`create_submission`,
`approve`, `reject`) run inside the single writer (`store.write(create_submission, form,
key)`); the rest read. A pending submission lives only in the `submissions` table, so
search, browse and the snapshot (which read `entries`) cannot show it. Reading and
validating the form is `app.submissions.form`'s job; its public names are re-exported here.
"""

from __future__ import annotations

import dataclasses
import json
import re
import secrets

from app.corpus.entries import parse_text
from app.corpus.markdown import render_entry
from app.corpus.rows import now_iso, put_entry
from app.search import service as search
from app.submissions.form import (
    FIELD_LIMITS,
    FORM,
    GENERIC_REJECTION,
    HONEYPOT,
    MAX_ERRORS,
    MAX_FIXES,
    MAX_TAGS,
    FixInput,
    SubmissionForm,
    duplicate_signatures,
    parse_form,
    redact_form,
    slugify,
)

__all__ = [
    "FIELD_LIMITS",
    "FORM",
    "GENERIC_REJECTION",
    "HONEYPOT",
    "MAX_ERRORS",
    "MAX_FIXES",
    "MAX_TAGS",
    "FixInput",
    "SubmissionError",
    "SubmissionForm",
    "SubmissionNotFound",
    "SubmissionNotPending",
    "approve",
    "create_submission",
    "get_submission",
    "list_submissions",
    "parse_form",
    "reject",
    "similar_entries",
    "slugify",
    "submission_status",
]

NEAR_SCORE = 60.0  # a non-confident hit at least this close is still worth a "this looks like"
_ID_RE = re.compile(r"^sub_[0-9a-f]{12}$")


class SubmissionError(Exception):
    """A review action that cannot be done; the message is for the maintainer."""


class SubmissionNotFound(SubmissionError, LookupError):
    pass


class SubmissionNotPending(SubmissionError):
    pass


def similar_entries(conn, form: SubmissionForm, limit: int = 3) -> list[dict]:
    """Published entries that already answer the submission's first error (search results' shape)."""
    if not form.errors:
        return []
    try:
        query, limit = search.validate(form.errors[0], limit)
    except search.BadQuery:
        return []
    results = search.run_search(conn, query, limit).body["results"]
    return [r for r in results if r["confident"] or r["score"] >= NEAR_SCORE]


# -- write units --------------------------------------------------------------


def create_submission(conn, form: SubmissionForm, idempotency_key: str | None = None) -> str:
    """Store the form as a pending submission and return its tracking id (a write unit).

    The same idempotency key returns the first submission's id and stores nothing. Raises
    `EntryInvalid` for a form that `parse_form` would refuse.
    """
    if idempotency_key:
        row = conn.execute(
            "SELECT id FROM submissions WHERE idempotency_key = ?", (idempotency_key,)
        ).fetchone()
        if row:
            return row[0]
    form = redact_form(form)
    rendered = render_entry(form.draft())
    slug = slugify(form.title, conn)
    parse_text(rendered.text, slug=slug)
    sub_id = f"sub_{secrets.token_hex(6)}"
    conn.execute(
        "INSERT INTO submissions (id, idempotency_key, status, slug, title, payload, markdown, created_at)"
        " VALUES (?, ?, 'pending', ?, ?, ?, ?, ?)",
        (
            sub_id,
            idempotency_key or None,
            slug,
            form.title,
            json.dumps(dataclasses.asdict(form)),
            rendered.text,
            now_iso(),
        ),
    )
    return sub_id


def approve(conn, sub_id: str) -> str:
    """Publish a pending submission as an entry (searchable at once) and return its slug (a write unit).

    The entry keeps origin 'submission' until `synapse export` writes it to `solutions/`.
    """
    row = _pending(conn, sub_id)
    slug = row["slug"]
    if conn.execute("SELECT 1 FROM entries WHERE slug = ?", (slug,)).fetchone():
        slug = slugify(row["title"], conn)  # an entry took the slug while this one waited
    entry = parse_text(row["markdown"], slug=slug, path=f"submission {sub_id}")
    clashes = duplicate_signatures(conn, list(entry.errors))
    if clashes:
        listed = "; ".join(f"{entry.errors[i]!r} (in {s})" for i, s in clashes.items())
        raise SubmissionError(f"{sub_id} repeats error signatures published since it was sent: {listed}")
    put_entry(conn, dataclasses.replace(entry, path=""), origin="submission")
    conn.execute(
        "UPDATE submissions SET status = 'approved', slug = ?, reviewed_at = ? WHERE id = ?",
        (slug, now_iso(), sub_id),
    )
    return slug


def reject(conn, sub_id: str, reason: str) -> None:
    """Mark a pending submission rejected with the reason the contributor will see (a write unit)."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise SubmissionError("give a reason: the contributor sees it on the status page")
    _pending(conn, sub_id)
    conn.execute(
        "UPDATE submissions SET status = 'rejected', reason = ?, reviewed_at = ? WHERE id = ?",
        (reason[:500], now_iso(), sub_id),
    )


def _pending(conn, sub_id: str) -> dict:
    row = get_submission(conn, sub_id)
    if row is None:
        raise SubmissionNotFound(f"no submission {sub_id!r}")
    if row["status"] != "pending":
        raise SubmissionNotPending(f"{sub_id} is already {row['status']}")
    return row


# -- reads --------------------------------------------------------------------

_SUMMARY = "id, status, slug, title, created_at, reviewed_at, reason"


def list_submissions(conn, status: str | None = "pending") -> list[dict]:
    """Summaries (no content), oldest first; `status=None` lists every status."""
    if status is None:
        cursor = conn.execute(f"SELECT {_SUMMARY} FROM submissions ORDER BY created_at, id")
    else:
        cursor = conn.execute(
            f"SELECT {_SUMMARY} FROM submissions WHERE status = ? ORDER BY created_at, id", (status,)
        )
    return _dicts(cursor)


def get_submission(conn, sub_id: str) -> dict | None:
    """Everything about one submission, `payload` decoded (for the reviewer, never the public)."""
    if not isinstance(sub_id, str) or not _ID_RE.match(sub_id):
        return None
    rows = _dicts(conn.execute("SELECT * FROM submissions WHERE id = ?", (sub_id,)))
    if not rows:
        return None
    row = rows[0]
    row["payload"] = json.loads(row["payload"])
    return row


def submission_status(conn, sub_id: str) -> dict | None:
    """What anyone holding the tracking id may see: the status, never the pending text."""
    row = get_submission(conn, sub_id)
    if row is None:
        return None
    status = {"id": row["id"], "status": row["status"], "created_at": row["created_at"]}
    if row["status"] != "pending":
        status["reviewed_at"] = row["reviewed_at"]
    if row["status"] == "rejected":
        status["reason"] = row["reason"]
    if row["status"] == "approved":
        status["url"] = f"/solutions/{row['slug']}"
    return status


def _dicts(cursor) -> list[dict]:
    """Rows as dicts from either connection kind (the writer's tuples, the readers' Rows)."""
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
