"""The HTTP benchmark's baseline: FastAPI routes that accept a search request and do nothing.

Same paths, same request shapes (query string, JSON body parsed into a model) and the same
uvicorn settings as `synapse serve` (both start through `app.web.serving.serve`), so the gap to
the real server is the search work and the app's middleware, not the HTTP stack.

    .venv/bin/python -m bench.noop_app --port 8100 --workers 2
"""

from __future__ import annotations

import argparse

from fastapi import FastAPI
from pydantic import BaseModel

from app.web.serving import serve


class SearchRequest(BaseModel):
    q: str
    limit: int = 5


def create_app() -> FastAPI:
    app = FastAPI()

    @app.get("/search")
    async def search_get(q: str, limit: int = 5):
        return {"ok": True}

    @app.post("/search")
    async def search_post(body: SearchRequest):
        return {"ok": True}

    @app.get("/healthz")
    async def healthz():
        return {"ok": True}

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args()
    serve("bench.noop_app:create_app", args.host, args.port, args.workers, args.log_level)


if __name__ == "__main__":
    main()
