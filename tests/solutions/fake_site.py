"""Fake installed distributions in a temporary site folder, for the verified-fix tests.

What importlib.metadata and pip read from a real install: `<name>-<version>.dist-info/` with METADATA,
RECORD (and top_level.txt when asked), next to the files the wheel put in site-packages.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping
from pathlib import Path


def write_files(site: Path, files: Mapping[str, str], *, dedent: bool = True) -> Path:
    """Write `files` (path inside site -> text, dedented unless told not to) under `site`; return `site`.

    The fake packages of the verified-fix tests (a transformers, a torch) are folders of such files.
    """
    for rel, text in files.items():
        write_file(site / rel, textwrap.dedent(text) if dedent else text)
    return site


def fake_distribution(
    site: Path,
    dist: str,
    version: str,
    files: Mapping[str, str] | None = None,
    *,
    requires: Iterable[str] = (),
    metadata: Iterable[str] = (),
    top_level: str | None = None,
) -> Path:
    """Install `dist` `version` into `site` (created if missing); return its dist-info folder.

    files: path inside site -> text, e.g. {"autogen/__init__.py": ""}; folders are created.
    requires: Requires-Dist lines; metadata: more METADATA header lines ("Project-URL: ...").
    top_level: the import name written to top_level.txt (none written by default).
    """
    written = []
    for rel, text in (files or {}).items():
        target = site / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written.append(rel)
    info = site / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    lines = ["Metadata-Version: 2.1", f"Name: {dist}", f"Version: {version}"]
    lines += [f"Requires-Dist: {requirement}" for requirement in requires]
    lines += list(metadata)
    (info / "METADATA").write_text("\n".join(lines) + "\n", encoding="utf-8")
    written.append(f"{info.name}/METADATA")
    if top_level is not None:
        (info / "top_level.txt").write_text(top_level + "\n", encoding="utf-8")
        written.append(f"{info.name}/top_level.txt")
    written.append(f"{info.name}/RECORD")
    (info / "RECORD").write_text("".join(f"{rel},,\n" for rel in written), encoding="utf-8")
    return info


def write_file(path: Path, text: str = "") -> None:
    """Write `text` to `path`, creating its folders (a module of a fake package)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
