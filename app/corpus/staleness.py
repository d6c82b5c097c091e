"""`synapse check --stale`: entries whose checks are older than the libraries or models they name.

Fix code rots when libraries move on: an entry checked against openai 1.x can be wrong on 2.x.
Each entry records what it was checked against (`checked: {date, packages}`); an entry is
stale when a package it names has a newer major or minor release than it was checked against,
when it was never checked, or when its text names a model past its retirement date. Current
releases come from PyPI when online, else from the committed list `data/latest-versions.json`
(refreshed by `--online`).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from pathlib import Path

from packaging.version import InvalidVersion, Version

from app.corpus.entries import Entry

DATA = Path(__file__).resolve().parent / "data"
LATEST = DATA / "latest-versions.json"
RETIREMENTS = DATA / "model-retirements.json"


def checked_packages(entries: Iterable[Entry]) -> list[str]:
    return sorted({name for e in entries if e.checked for name, _ in e.checked.packages})


def latest_from_pypi(names: Iterable[str], timeout: float = 10.0) -> dict[str, str]:
    """The newest release of each distribution, from PyPI's JSON API."""
    import httpx

    latest = {}
    with httpx.Client(timeout=timeout, follow_redirects=True) as client:
        for name in names:
            response = client.get(f"https://pypi.org/pypi/{name}/json")
            if response.status_code == 200:
                latest[name] = response.json()["info"]["version"]
    return latest


def load_latest() -> dict[str, str]:
    return json.loads(LATEST.read_text(encoding="utf-8"))["latest"] if LATEST.exists() else {}


def save_latest(latest: dict[str, str], today: dt.date) -> None:
    LATEST.write_text(
        json.dumps({"_fetched": today.isoformat(), "latest": dict(sorted(latest.items()))}, indent=2) + "\n",
        encoding="utf-8",
    )


def _minor(version: str) -> tuple[int, int] | None:
    try:
        release = Version(version).release
    except InvalidVersion:
        return None
    return (release[0], release[1] if len(release) > 1 else 0)


def stale_reasons(entry: Entry, latest: dict[str, str], retired: dict[str, str], today: dt.date) -> list[str]:
    """Why an entry needs checking again; empty when it is current."""
    reasons = []
    if entry.checked is None:
        reasons.append("never checked (no `checked:` in its front matter)")
    else:
        for name, version in entry.checked.packages:
            now, then = _minor(latest.get(name, "")), _minor(version)
            if now and then and now > then:
                reasons.append(f"{name} checked at {version}, {latest[name]} is out")
    for model, date in retired.items():
        if dt.date.fromisoformat(date) <= today and re.search(
            rf"(?<![\w.-]){re.escape(model)}(?![\w.-])", entry.markdown
        ):
            reasons.append(f"names {model}, retired on {date}")
    return reasons


def retired_models() -> dict[str, str]:
    return json.loads(RETIREMENTS.read_text(encoding="utf-8"))["retired"]
