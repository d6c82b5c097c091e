"""Shared resources for routes, injected with `Depends` (no module-level globals)."""

from __future__ import annotations

from fastapi import Request

from app.config import Settings
from app.store.sqlite_store import Store


def get_store(request: Request) -> Store:
    return request.app.state.store


def get_settings(request: Request) -> Settings:
    return request.app.state.settings
