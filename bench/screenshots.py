"""Screenshots of the website for the README: home, results, solution and submit pages.

    .venv/bin/python bench/screenshots.py            # starts its own server on a temporary database
    .venv/bin/python bench/screenshots.py --url http://127.0.0.1:8000

Needs Debian's chromium (`make chromium`). Writes docs/screenshots/{home,results,solution,solution-fix,submit}.png
(1280 px wide) and solution-390.png (a phone-width view of the same solution page).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip
QUERY = "sqlite3.OperationalError: database is locked"
SEARCHES = [QUERY] * 3 + ["ModuleNotFoundError: No module named 'torch'"] * 2 + ["KeyError: 'OPENAI_API_KEY'"]
SEARCHES += ["pydantic_core ValidationError: field required"] * 2 + ["zmq.error.ZMQError: Address in use"]


@contextlib.contextmanager
def own_server():
    with tempfile.TemporaryDirectory() as tmp:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        env = {**os.environ, "SYNAPSE_DB": str(Path(tmp) / "synapse.db")}
        cmd = [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--log-level", "warning"]
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, start_new_session=True)
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                        break
                time.sleep(0.1)
            yield url
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def warm_up(url: str) -> None:
    """A few searches so the home page's numbers and lists are not empty."""
    for q in SEARCHES:
        httpx.get(url + "/search", params={"q": q}, timeout=10)
    time.sleep(0.5)  # counters are written in the background


def shoot(url: str, out: Path = OUT) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    pages = [
        ("home.png", "/", 1280),
        ("results.png", f"/search?format=html&q={httpx.QueryParams({'q': QUERY})['q']}", 1280),
        ("solution.png", "/solutions/sqlite-database-locked", 1280),
        ("solution-fix.png", "/solutions/sqlite-database-locked#h-fix", 1280),
        ("submit.png", "/submit", 1280),
        ("solution-390.png", "/solutions/sqlite-database-locked", 390),
    ]
    written = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        for name, path, width in pages:
            context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme="light")
            page = context.new_page()
            page.goto(url + path)
            page.screenshot(path=str(out / name), full_page=False)
            written.append(out / name)
            context.close()
        browser.close()
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--url", help="an already running server (default: start one on a temporary database)"
    )
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        url = args.url or stack.enter_context(own_server())
        warm_up(url)
        for path in shoot(url, args.out):
            print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
