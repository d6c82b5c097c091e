"""The offline snapshot: a compact copy of the published index, checked before use.

Shape (version 1), built by the server's `GET /api/snapshot` and by `python -m app.corpus.snapshot`:

    {"version": 1, "generated": "<ISO 8601>", "checksum": "sha256:<hex>",
     "entries": [{"slug", "title", "url", "errors": [...], "tags": [...], "token_savings",
                  "fix": {"title", "language", "code"}}]}

The checksum covers the canonical JSON of `entries` only, so rebuilding an unchanged index
gives the same checksum (and ETag). Where a copy comes from: the user's cache directory
(downloaded with `If-None-Match`), else the copy bundled in the skill folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from synapse_skill.config import Settings
from synapse_skill.errors import SnapshotError

VERSION = 1
BUNDLED = Path(__file__).resolve().parent / "data" / "snapshot.json"
CACHE_NAME = "snapshot.json"
META_NAME = "snapshot.meta.json"
_ENTRY_KEYS = ("slug", "title", "url", "errors", "tags", "token_savings", "fix")
# Every offline lookup loads the snapshot; parsing and verifying 10k entries takes ~0.3 s, so
# a file is verified once and kept while its inode, size and mtime stay the same. A file
# modified in the last RACY_NS may change again within one mtime tick: it is not kept.
RACY_NS = 2_000_000_000
_verified: dict[str, tuple[tuple[int, int, int], dict[str, Any]]] = {}


def canonical_json(entries: list[dict[str, Any]]) -> bytes:
    """The bytes the checksum is taken over: sorted keys, no spaces, UTF-8."""
    return json.dumps(entries, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def checksum(entries: list[dict[str, Any]]) -> str:
    return "sha256:" + hashlib.sha256(canonical_json(entries)).hexdigest()


def etag_for(snapshot: dict[str, Any]) -> str:
    """A strong ETag derived from version and checksum (never from the generation time)."""
    digest = str(snapshot["checksum"]).split(":", 1)[-1]
    return f'"v{snapshot["version"]}-{digest[:32]}"'


def verify(data: Any, *, recompute: bool = True) -> dict[str, Any]:
    """Return `data` if it is a well-formed snapshot whose checksum matches; raise SnapshotError if not.

    `recompute=False` checks the shape only: for bytes already verified once (`read`)."""
    if not isinstance(data, dict):
        raise SnapshotError("snapshot is not a JSON object")
    if data.get("version") != VERSION:
        raise SnapshotError(f"snapshot version {data.get('version')!r} is not {VERSION}")
    entries = data.get("entries")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise SnapshotError("snapshot entries must be a list of objects")
    for entry in entries:
        missing = [k for k in _ENTRY_KEYS if k not in entry]
        if missing or not isinstance(entry["errors"], list) or not isinstance(entry["fix"], dict):
            raise SnapshotError(f"snapshot entry {entry.get('slug')!r} is malformed (missing {missing})")
    if recompute and data.get("checksum") != checksum(entries):
        raise SnapshotError("snapshot checksum does not match its entries (corrupt or tampered)")
    return data


def read(path: Path, remember: bool = False) -> dict[str, Any]:
    """The verified snapshot in `path`; the same object again while the file is unchanged.

    `remember`: note the verified file's SHA-256 beside it (`<name>.verified`), so a later
    process that finds the same bytes skips recomputing the checksum over the entries' canonical
    JSON (~135 ms of a cold lookup at 10k entries); any change of the bytes verifies in full."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise SnapshotError(f"no snapshot at {path}") from None
    except OSError as exc:
        raise SnapshotError(f"cannot read {path}: {exc}") from None
    key = (st.st_ino, st.st_size, st.st_mtime_ns)
    kept = _verified.get(str(path))
    if kept is not None and kept[0] == key:
        return kept[1]
    at_rest = time.time_ns() - st.st_mtime_ns > RACY_NS
    data = _read_and_verify(Path(path), remember and at_rest)
    if at_rest:
        _verified[str(path)] = (key, data)
    return data


def _read_and_verify(path: Path, remember: bool) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SnapshotError(f"no snapshot at {path}") from None
    except OSError as exc:
        raise SnapshotError(f"cannot read {path}: {exc}") from None
    digest = "sha256:" + hashlib.sha256(raw).hexdigest()
    marker = path.with_name(path.name + ".verified")
    try:
        seen = marker.read_text(encoding="ascii").strip() == digest
    except (OSError, ValueError):
        seen = False
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise SnapshotError(f"{path} is not JSON: {exc}") from None
    data = verify(data, recompute=not seen)
    if remember and not seen:
        with contextlib.suppress(OSError):  # a read-only cache costs only speed
            marker.write_text(digest, encoding="ascii")
    return data


def write(path: Path, snapshot: dict[str, Any]) -> None:
    """Write atomically (temp file + rename) so a reader never sees half a snapshot."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = json.dumps(snapshot, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8") + b"\n"
    fd, tmp = tempfile.mkstemp(prefix=".snapshot-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(body)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class Loaded:
    snapshot: dict[str, Any]
    origin: str  # "cache" or "bundled"
    path: Path


def cache_paths(settings: Settings) -> tuple[Path, Path]:
    return settings.cache_path / CACHE_NAME, settings.cache_path / META_NAME


def load(settings: Settings) -> Loaded:
    """The newest usable snapshot: the downloaded cache or the bundled copy."""
    candidates: list[Loaded] = []
    problems: list[str] = []
    cache_file, _ = cache_paths(settings)
    for origin, path in (("cache", cache_file), ("bundled", BUNDLED)):
        try:
            candidates.append(Loaded(read(path, remember=origin == "cache"), origin, path))
        except SnapshotError as exc:
            problems.append(str(exc))
    if not candidates:
        raise SnapshotError("; ".join(problems))
    # max() keeps the first of equals, so the downloaded cache wins a tie.
    return max(candidates, key=lambda c: str(c.snapshot.get("generated") or ""))


def read_meta(settings: Settings) -> dict[str, Any]:
    _, meta_file = cache_paths(settings)
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def store_download(settings: Settings, snapshot: dict[str, Any], etag: str | None, source_url: str) -> Path:
    """Verify a downloaded snapshot, then cache it with the ETag it came with."""
    verify(snapshot)
    cache_file, meta_file = cache_paths(settings)
    write(cache_file, snapshot)
    meta = {"etag": etag, "url": source_url, "checksum": snapshot["checksum"]}
    meta_file.write_text(json.dumps(meta), encoding="utf-8")
    return cache_file
