"""A local project built by its own in-tree PEP 517 backend (`backend-path = ["."]`, no build
requirements), so pip builds it in an isolated environment without needing an index: the build
entries reproduce their errors with it offline."""

from __future__ import annotations

from pathlib import Path


def in_tree_project(root: Path, name: str, backend_source: str) -> Path:
    """Write `pyproject.toml` and `backend.py` for project `name` into `root` and return it."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(
        "[build-system]\n"
        "requires = []\n"
        'build-backend = "backend"\n'
        'backend-path = ["."]\n\n'
        "[project]\n"
        f'name = "{name}"\n'
        'version = "0.1"\n',
        encoding="utf-8",
    )
    (root / "backend.py").write_text(backend_source, encoding="utf-8")
    return root
