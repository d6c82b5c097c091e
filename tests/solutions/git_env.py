"""An environment for running real git in tests: a private HOME and global config, no system config,
no inherited GIT_/PIP_ settings, the C locale (git's messages in English) and a fixed identity."""

from __future__ import annotations

import os
from pathlib import Path


def isolated_git_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir()
    child = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PIP_"))}
    child.update(
        HOME=str(home),
        GIT_CONFIG_GLOBAL=str(home / ".gitconfig"),
        GIT_CONFIG_NOSYSTEM="1",
        LC_ALL="C",
        GIT_AUTHOR_NAME="t",
        GIT_AUTHOR_EMAIL="t@example.com",
        GIT_COMMITTER_NAME="t",
        GIT_COMMITTER_EMAIL="t@example.com",
        **extra,
    )
    return child
