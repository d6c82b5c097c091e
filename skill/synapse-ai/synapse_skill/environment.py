"""What the skill says about the machine beside the error: interpreter, platform, the versions
of the distributions the error involves. Nothing else: no paths, no variables, no other packages.

`No module named 'langchain.chat_models'` is a moved module on langchain 0.2 and a missing
package when langchain is absent: the versions decide which entry's fix applies. Only the
distributions whose modules appear in the traceback's frames or are named in the error are
looked up (`importlib.metadata`), so the list says nothing about the rest of the machine; the
same modules, when installed, are named with their distribution (`modules`).
"""

from __future__ import annotations

import functools
import platform
import re
import sys
from collections.abc import Mapping
from importlib import metadata

from synapse_skill.matching.extract import extract

MAX_PACKAGES = 20
# Modules named inside the message: the package to look up, before its first dot.
_NAMED_MODULE = re.compile(
    r"no module named ['\"]?([A-Za-z_][\w]{0,80})"
    r"|cannot import name .{1,200}? from ['\"]([A-Za-z_][\w]{0,80})"
    r"|module ['\"]([A-Za-z_][\w]{0,80})[\w.]{0,200}['\"] has no attribute",
    re.IGNORECASE,
)
# The public tail of a frame's path: from the installed-packages folder or the standard library on.
_PUBLIC_PATHS = (
    re.compile(r"(?:site-packages|dist-packages)[/\\][\w./\\-]{1,300}"),
    re.compile(r"[/\\](?:lib[/\\]python\d\.\d{1,2}|Lib)[/\\][\w./\\-]{1,300}"),
)


def platform_name() -> str:
    if sys.platform.startswith("win"):
        return "windows"
    return "macos" if sys.platform == "darwin" else sys.platform.rstrip("0123456789") or "unknown"


@functools.lru_cache(maxsize=1)
def _distributions_of() -> Mapping[str, list[str]]:
    try:
        return metadata.packages_distributions()
    except Exception:  # a broken metadata file elsewhere must not cost the host its answer
        return {}


def involved_modules(text: str) -> list[str]:
    """Top-level modules the error involves: the installed libraries of its frames, then those it names."""
    found = extract(text)
    named = [next(g for g in m.groups() if g) for m in _NAMED_MODULE.finditer(text[-64 * 1024 :])]
    return list(dict.fromkeys([*reversed(found.installed), *named]))


def client_env(text: str) -> dict:
    """`{"python", "platform", "packages", "modules"}` for the distributions behind the modules in
    `text`; `modules` maps each of those top-level modules to the distribution installing it
    (`{"pipecat": "pipecat-ai"}`): `No module named 'pipecat.audio'` with pipecat installed is a
    release without that module, which the message alone cannot show."""
    packages: dict[str, str] = {}
    modules: dict[str, str] = {}
    for module in involved_modules(text):
        for dist in _distributions_of().get(module, []):
            try:
                packages.setdefault(dist.lower(), metadata.version(dist))
            except metadata.PackageNotFoundError:
                continue
            modules.setdefault(module, dist.lower())
        if len(packages) >= MAX_PACKAGES:
            break
    env = {"python": platform.python_version(), "platform": platform_name(), "packages": packages}
    return env | {"modules": modules} if modules else env


# The function a frame ran (`…, line 293, in load`): a library's own name, public like its path; it tells
# `json.load` reading a file from `json.loads` reading a string.
_FRAME_FUNCTION = re.compile(r", in ([A-Za-z_<][\w<>.]{0,80})\s*$")


def public_frames(text: str, most: int = 8) -> list[str]:
    """The frames of `text` that run through installed libraries or the standard library, as
    frame lines with the private part of each path cut off and the function kept
    (`File "site-packages/requests/models.py", in json`)."""
    lines = []
    for line in text[-64 * 1024 :].splitlines():
        if line.lstrip().startswith('File "') or line.lstrip().startswith("File '"):
            m = _PUBLIC_PATHS[0].search(line) or _PUBLIC_PATHS[1].search(line)
            if m:
                function = _FRAME_FUNCTION.search(line)
                called = f", in {function.group(1)}" if function else ""
                lines.append(f'  File "{m.group(0).replace(chr(92), "/")}"{called}')
    return list(dict.fromkeys(lines))[-most:]
