"""`synapse export`: approved submissions → `solutions/<slug>.md`, written atomically.

Submissions flow form → pending row → review → published row → a corpus file. The stored
Markdown is written byte for byte: it is the text that was validated and reviewed.
"""

from __future__ import annotations

import os
from pathlib import Path

from app.corpus.entries import content_hash


class ExportConflict(RuntimeError):
    """A target file exists with other content: exporting would overwrite a corpus file."""


def export_entries(conn, folder: Path, mark_exported: bool = True) -> list[Path]:
    """Write every approved-but-unexported entry to `folder/<slug>.md`; a write unit.

    Each file is written to a temporary name and renamed, so a reader (or `synapse index`)
    never sees half a file. The stored Markdown is written byte for byte: it is the text
    that was validated and reviewed. The row then becomes a corpus entry with the file's
    hash, so the next `synapse index` finds it unchanged. Nothing is written if any target
    already exists with other content (a corpus file is never overwritten).

    `mark_exported=False` writes copies elsewhere and leaves the rows as they are: an entry
    marked 'corpus' whose file is not in the indexed folder would be removed by the next index.
    """
    folder = Path(folder)
    rows = conn.execute(
        "SELECT slug, markdown FROM entries WHERE origin = 'submission' ORDER BY slug"
    ).fetchall()
    targets = [(folder / f"{slug}.md", markdown) for slug, markdown in rows]
    clashes = [str(p) for p, text in targets if p.exists() and p.read_text(encoding="utf-8") != text]
    if clashes:
        raise ExportConflict(f"refusing to overwrite files with other content: {', '.join(clashes)}")
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for path, text in targets:
        _write_atomically(path, text)
        if mark_exported:
            conn.execute(
                "UPDATE entries SET origin = 'corpus', content_hash = ?, path = ? WHERE slug = ?",
                (content_hash(text), str(path), path.stem),
            )
        written.append(path)
    if written:
        _fsync_dir(folder)
    return written


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")  # not *.md: the indexer never picks it up
    try:
        with open(tmp, "wb") as f:
            f.write(text.encode("utf-8"))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
