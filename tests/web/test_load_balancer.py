"""deploy/nginx.conf, the balancer configuration docs/scaling.md gives, run for real.

Debian's nginx (`make test` installs it) runs that very file in front of two `synapse serve`
nodes on one PostgreSQL database, all on 127.0.0.1 with TLS (a self-signed certificate). Only
the node addresses, the listen address and the certificate paths are substituted, and each
substitution must find its placeholder, so the file cannot drift away from what is tested.
Around it, the test writes what Debian's /etc/nginx/nginx.conf does around conf.d/: a main
file with every path under the test's temporary folder. Which node served a request is read
from the nodes' own access logs.
"""

from __future__ import annotations

import os
import re
import signal
import ssl
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from live_server import ROOT, LiveServer, free_port

CONF = ROOT / "deploy" / "nginx.conf"
NGINX = "/usr/sbin/nginx"
ADMIN_TOKEN = "balancer-admin-token-0123456789"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
NODE_LINE = re.compile(r"^( *server )10\.0\.0\.1\d:8000( .*\n)", re.M)
LOCKED = "sqlite3.OperationalError: database is locked"


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key: the file's `listen ... ssl` is tested as it is."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


def site_config(nodes: list[LiveServer], port: int, cert: Path, key: Path) -> str:
    """deploy/nginx.conf with this test's addresses and certificate in place of the examples."""
    text = CONF.read_text(encoding="utf-8")
    examples = NODE_LINE.findall(text)
    assert len(examples) >= len(nodes), "deploy/nginx.conf's upstream changed: update this test"
    addresses = iter(node.url.removeprefix("http://") for node in nodes)  # extra example lines go

    def node_line(m: re.Match) -> str:
        address = next(addresses, None)
        return f"{m[1]}{address}{m[2]}" if address else ""

    text = NODE_LINE.sub(node_line, text)
    for example, real in (
        ("listen 443 ssl;", f"listen 127.0.0.1:{port} ssl;"),
        ("/etc/ssl/synapse/fullchain.pem", str(cert)),
        ("/etc/ssl/synapse/privkey.pem", str(key)),
    ):
        assert example in text, f"deploy/nginx.conf no longer holds {example!r}: update this test"
        text = text.replace(example, real)
    return text


def main_config(folder: Path, site: Path) -> str:
    """Debian's nginx.conf in miniature: the site file included in `http { }`, every path in `folder`.

    As root, `user root`: the workers write their temporary files under pytest's folder, which
    the default `nobody` cannot enter."""
    temp = "".join(
        f"    {kind}_temp_path {folder / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"worker_processes 1;\npid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'};\n"
        + "events {\n    worker_connections 256;\n}\n"
        + f"http {{\n    access_log {folder / 'access.log'};\n{temp}    include {site};\n}}\n"
    )


class Balancer:
    """nginx in the foreground (`daemon off`), as a child of the test; `client()` talks TLS to it."""

    def __init__(self, folder: Path, nodes: list[LiveServer], port: int, cert: Path, key: Path):
        self.folder, self.nodes, self.cert = folder, nodes, cert
        self.url = f"https://127.0.0.1:{port}"
        site = folder / "synapse.conf"
        site.write_text(site_config(nodes, port, cert, key), encoding="utf-8")
        self.conf = folder / "nginx.conf"
        self.conf.write_text(main_config(folder, site), encoding="utf-8")
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> Balancer:
        if not os.access(NGINX, os.X_OK):
            raise RuntimeError("nginx is not installed: `apt-get install nginx` (make test does it)")
        with open(self.folder / "stderr.log", "ab") as out:
            self.proc = subprocess.Popen(
                [NGINX, "-p", str(self.folder), "-c", str(self.conf), "-g", "daemon off;"],
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        with self.client(timeout=2) as http:
            while time.monotonic() < deadline:
                assert self.proc.poll() is None, f"nginx exited:\n{self.error_log()}"
                try:
                    if http.get("/healthz").status_code == 200:
                        return self
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
        raise RuntimeError(f"nginx did not answer through to a node:\n{self.error_log()}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()  # the master stops its workers
            self.proc.wait(timeout=30)

    def client(self, timeout: float = 30) -> httpx.Client:
        return httpx.Client(
            base_url=self.url, timeout=timeout, verify=ssl.create_default_context(cafile=self.cert)
        )

    def error_log(self) -> str:
        return "".join(
            (self.folder / name).read_text(errors="replace")
            for name in ("stderr.log", "error.log")
            if (self.folder / name).exists()
        )


def served(node: LiveServer, request_line: str) -> int:
    """How many times the node answered `request_line` ("GET /search"): its uvicorn access log."""
    return node.log_text().count(f'"{request_line} HTTP/1.1"')


def which_node(nodes: list[LiveServer], request_line: str, before: list[int]) -> int:
    """The one node whose log gained `request_line` since the counts `before`."""
    gained = [i for i, node in enumerate(nodes) if served(node, request_line) > before[i]]
    assert len(gained) == 1, gained
    return gained[0]


@pytest.fixture(scope="module")
def balancer(tmp_path_factory, pg_server):
    """Two nodes on one PostgreSQL database, with one admin token, behind deploy/nginx.conf."""
    folder = tmp_path_factory.mktemp("nginx")
    port = free_port()
    cert, key = self_signed(folder)
    env = {
        "SYNAPSE_ADMIN_TOKEN": ADMIN_TOKEN,
        "SYNAPSE_PUBLIC_URL": f"https://127.0.0.1:{port}",
        "FORWARDED_ALLOW_IPS": "127.0.0.1",  # the balancer's address, as docs/scaling.md says
    }
    url = pg_server.create_database()
    nodes: list[LiveServer] = []
    front = None
    try:
        for name in ("a", "b"):
            db = tmp_path_factory.mktemp(f"node-{name}") / "unused.db"
            nodes.append(LiveServer(db, env=env, database_url=url).start())
        front = Balancer(folder, nodes, port, cert, key).start()
        yield front
    finally:
        if front:
            front.stop()
        for node in nodes:
            node.stop()


def test_searches_through_the_balancer_are_answered_by_every_node(balancer):
    """No stickiness is configured or needed: round robin spreads searches over both nodes (their
    access logs say which answered), and the health check passes through the balancer."""
    before = [served(node, "GET /search") for node in balancer.nodes]
    with balancer.client() as http:
        for _ in range(6):
            answer = http.get("/search", params={"q": LOCKED})
            assert answer.status_code == 200, answer.text[:300]
            assert answer.json()["match"] == "sqlite-database-locked"
        health = http.get("/healthz")
    assert health.status_code == 200
    assert health.json()["engine"] == "postgresql"
    counts = [served(node, "GET /search") - b for node, b in zip(balancer.nodes, before, strict=True)]
    assert sum(counts) == 6
    assert all(counts), counts  # no stickiness: both nodes took searches


def test_a_form_from_one_node_is_accepted_by_the_other(balancer):
    """A browser's form post (Origin, Sec-Fetch-Site, the CSRF cookie) that lands on another node
    than the page did: the double-submit token is stateless, and the node sees the origin the
    browser saw only because the file forwards Host with its port and the scheme (https)."""
    nodes = balancer.nodes
    landed = []
    for _ in range(6):  # round robin sends the post to the other node at once; a few tries at most
        with balancer.client() as http:
            before = [served(node, "GET /admin/login") for node in nodes]
            page = http.get("/admin/login")
            assert page.status_code == 200, page.text[:300]
            got = which_node(nodes, "GET /admin/login", before)
            before = [served(node, "POST /admin/login") for node in nodes]
            login = http.post(
                "/admin/login",
                data={"csrf_token": CSRF_FIELD.search(page.text)[1], "token": ADMIN_TOKEN},
                headers={"Origin": balancer.url, "Sec-Fetch-Site": "same-origin"},
            )
            assert login.status_code == 303, login.text[:300]
            landed.append((got, which_node(nodes, "POST /admin/login", before)))
            assert http.get("/admin/review").status_code == 200  # the session, on whichever node
        if landed[-1][0] != landed[-1][1]:
            return
    pytest.fail(f"the page and the post never landed on different nodes: {landed}")


def test_a_node_killed_with_sigkill_costs_no_request_an_error(balancer):
    """Last in this file: it leaves a node down. nginx finds the dead node refusing connections
    and passes each request on to the survivor (proxy_next_upstream error): no 502 reaches a
    client, for reads and for a POST (a refused connection means nothing was sent)."""
    survivor, victim = balancer.nodes
    victim.stop(signal.SIGKILL)
    statuses = []
    with balancer.client() as http:
        for _ in range(10):
            statuses.append(http.get("/search", params={"q": LOCKED}).status_code)
            statuses.append(http.post("/search", json={"q": LOCKED}).status_code)
            statuses.append(http.get("/healthz").status_code)
    assert statuses == [200] * len(statuses), statuses
    # nginx did send requests to the dead node and moved them on: the retries were exercised.
    assert "connect() failed (111: Connection refused) while connecting to upstream" in balancer.error_log()
    assert victim.url.removeprefix("http://") in balancer.error_log()
    assert survivor.proc.poll() is None
