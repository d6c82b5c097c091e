"""JSON routes for submissions: agents send a solved error; anyone with the id sees its status.

The routes parse, call `app.submissions.review`, and render; the rules live there, shared with
the HTML form. The body is read by hand (not by a pydantic model) so that every problem,
a wrong type included, comes back as one `invalid_submission` error with a message per
field, the same field names the HTML form uses. The models below document the shapes.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from app.store.connections import ReaderConnection
from app.store.sqlite_store import Store
from app.submissions import review as submissions
from app.web.deps import get_store
from app.web.errors import ApiError
from app.web.security import check_same_origin

router = APIRouter(tags=["submissions"])
LIMITS = submissions.FIELD_LIMITS


class FixIn(BaseModel):
    title: str = Field(max_length=LIMITS["fix_title"], description="what this option does, in a few words")
    language: str = Field(
        max_length=LIMITS["fix_language"], description="the code's language: python, bash, …"
    )
    code: str = Field(max_length=LIMITS["fix_code"], description="runnable code; python must compile")
    description: str = Field("", max_length=LIMITS["fix_description"], description="when to pick this option")


class SubmissionIn(BaseModel):
    title: str = Field(max_length=LIMITS["title"])
    errors: list[str] = Field(
        max_length=submissions.MAX_ERRORS, description="the error messages as printed, one signature each"
    )
    symptom: str = Field(max_length=LIMITS["symptom"], description="Markdown: what you observed")
    root_cause: str = Field(max_length=LIMITS["root_cause"], description="Markdown: why it happens")
    fixes: list[FixIn] = Field(max_length=submissions.MAX_FIXES)
    tags: list[str] = Field(max_length=submissions.MAX_TAGS)
    languages: list[str] = Field(default_factory=list, description="default: the fixes' languages")
    environment: str = Field("", max_length=LIMITS["environment"])
    source: str = Field("", max_length=LIMITS["source"])
    contact: str = Field("", max_length=LIMITS["contact"], description="optional; seen only by reviewers")
    token_savings: int = Field(0, ge=0, description="tokens an agent would burn re-debugging this")


class SubmissionCreated(BaseModel):
    id: str
    status: str
    similar: list[dict[str, Any]] = Field(description="published entries that may already answer this error")


class SubmissionStatus(BaseModel):
    id: str
    status: str = Field(description="pending | approved | rejected")
    created_at: str
    reviewed_at: str | None = None
    reason: str | None = Field(None, description="why it was rejected")
    url: str | None = Field(None, description="the published entry, once approved")


def _inline_schema(model: type[BaseModel]) -> dict:
    """The model's JSON schema with `$defs` inlined, as OpenAPI's requestBody wants it."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def resolve(node):
        if isinstance(node, dict):
            if "$ref" in node:
                return resolve(defs[node["$ref"].rsplit("/", 1)[-1]])
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    return resolve(schema)


_BODY_DOC = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": _inline_schema(SubmissionIn)}},
    }
}


@router.post(
    "/api/submissions",
    summary="Submit a solved error for review",
    status_code=201,
    response_model=SubmissionCreated,
    openapi_extra=_BODY_DOC,
    responses={
        400: {"description": "invalid_submission, with a message per field"},
        429: {"description": "rate_limited: too many submissions from this client; see Retry-After"},
    },
)
async def create_submission(
    request: Request,
    store: Annotated[Store, Depends(get_store)],
    idempotency_key: Annotated[
        str | None,
        Header(max_length=200, description="retry key: the same key returns the first submission's id"),
    ] = None,
):
    check_same_origin(request)  # a cross-site page must not post submissions from its visitors' browsers
    await request.app.state.limiter.check(request, "submission")
    data = _json_object(await request.body())
    form, errors, similar = await store.execute_read(_validate, data)
    if errors:
        return _invalid(errors)
    sub_id = await store.awrite(submissions.create_submission, form, idempotency_key)
    status = await store.execute_read(submissions.submission_status, sub_id)
    body = {"id": sub_id, "status": status["status"] if status else "pending", "similar": similar}
    return JSONResponse(body, status_code=201, headers={"Location": f"/api/submissions/{sub_id}"})


@router.get(
    "/api/submissions/{sub_id}",
    summary="A submission's review status (never its content)",
    response_model=SubmissionStatus,
    response_model_exclude_none=True,
)
async def submission_status(sub_id: str, store: Annotated[Store, Depends(get_store)]):
    status = await store.execute_read(submissions.submission_status, sub_id)
    if status is None:
        raise ApiError(404, "not_found", f"no submission {sub_id!r}")
    return status


def _validate(
    conn: ReaderConnection, data: dict
) -> tuple[submissions.SubmissionForm, dict[str, str], list[dict]]:
    """Runs on a read thread: parsing, checking and matching are CPU work, not the event loop's."""
    form, errors = submissions.parse_form(data, conn)
    return form, errors, [] if errors else _similar(conn, form)


def _similar(conn: ReaderConnection, form: submissions.SubmissionForm) -> list[dict]:
    return [
        {k: r[k] for k in ("slug", "title", "score", "confident", "url")}
        for r in submissions.similar_entries(conn, form)
    ]


def _json_object(raw: bytes) -> dict:
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # bad JSON, bad UTF-8, absurd nesting
        raise ApiError(400, "invalid_json", f"the body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", "the body must be a JSON object with the submission's fields")
    return data


def _invalid(fields: dict[str, str]) -> JSONResponse:
    summary = "; ".join(f"{name}: {message}" for name, message in list(fields.items())[:3])
    more = f" (and {len(fields) - 3} more)" if len(fields) > 3 else ""
    message = f"the submission has {len(fields)} problem(s): {summary}{more}"
    return JSONResponse(
        {"error": {"code": "invalid_submission", "message": message, "fields": fields}}, status_code=400
    )
