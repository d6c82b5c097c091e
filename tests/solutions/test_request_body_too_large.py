"""Verified fixes for solutions/request-body-too-large.md: a body-size limit in front of the app answers 413.

Everything here runs for real, without network, each client in a child interpreter:
- Debian's nginx (`make nginx` installs it) runs the entry's Option 1 server block twice, in front of a local
  upstream: once without its `client_max_body_size` line (nginx's default 1m) and once as published. Without
  it a 2 MiB multipart upload gets the 413 page, requests' `413 Client Error: Request Entity Too Large for url`,
  httpx's `Client error '413 Request Entity Too Large'`, the OpenAI SDK's `APIStatusError: Error code: 413`, and
  nginx logs `client intended to send too large body` (`too large chunked body` for a chunked upload); a 900 kB
  body passes. As published, the 2 MiB upload reaches the upstream whole.
- Flask 3.1 / Werkzeug 3.1 (the dev extra): MAX_CONTENT_LENGTH refuses a bigger JSON body, and with nothing
  configured a multipart text field over 500 kB is refused (Werkzeug 3.1's max_form_memory_size), with
  Werkzeug's own texts; Option 2's Flask block accepts a 600 kB field and a 2 MB file.
- Starlette / FastAPI (the dev extra): a text part over 1 MB -> 400 `Part exceeded maximum size of 1024KB.`, a
  url-encoded field -> `Field exceeded maximum size of 1024KB.`, `max_body_size=` -> 413 `Content Too Large`;
  Option 2's Starlette block and FastAPI's `form_limits` accept a 2 MB field.
- Option 4's parts: the same 3 MiB file that nginx's default limit refuses in one request arrives whole (same
  sha256) when Option 4 sends it in 512 kB parts through that nginx to the block's own receiver. Its receiver
  refuses a part without Content-Length (a chunked body read as an empty part before) or over `max_part`, joins
  only parts 0..N-1 (an empty file works, a gap is refused), its client raises when the joined file differs from
  what it sent, and its demo leaves nothing in TMPDIR.
Each reproduced traceback is given to the matcher, which must answer with this entry; a provider's own 413
(GitHub Models' token limit through the OpenAI SDK, from a local fake API) and apps' own "too large" checks must not
be answered with it.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.client import HTTPConnection
from http.server import ThreadingHTTPServer

import pytest
import requests
from answers import assert_answers, confident_answer
from entry_blocks import option_blocks
from pyrun import last_line, run_python, script_names

SLUG = "request-body-too-large"
NGINX = "/usr/sbin/nginx"
NO_PROXY = {"NO_PROXY": "*", "no_proxy": "*"}
MIB = 1024 * 1024


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def option4() -> dict:
    """Option 4's block as a module: `upload_in_parts` and `PartReceiver` (its demo does not run)."""
    (lang, code), *_ = option_blocks(SLUG, 4)
    assert lang == "python"
    return script_names(code)


@pytest.fixture(scope="module")
def upstream(option4, tmp_path_factory) -> Iterator[tuple[str, list[int]]]:
    """The app behind nginx: Option 4's receiver, plus POST /api/v1/files/ that counts the bytes it got."""
    sizes: list[int] = []

    class App(option4["PartReceiver"]):
        folder = tmp_path_factory.mktemp("parts")

        def do_POST(self):
            if not self.path.startswith("/api/"):
                return super().do_POST()
            body = self._body()
            sizes.append(len(body))
            return self._reply(200, {"received": len(body)})

    server = ThreadingHTTPServer(("127.0.0.1", 0), App)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", sizes
    finally:
        server.shutdown()
        server.server_close()


def server_block(published: str, port: int, upstream_url: str, *, with_limit: bool) -> str:
    """Option 1's server block with this test's port and upstream; without its limit line if asked."""
    text = published
    for example, real in (
        ("listen 80;", f"listen 127.0.0.1:{port};"),
        ("http://127.0.0.1:8080", upstream_url),
    ):
        assert example in text, f"Option 1's block no longer holds {example!r}: update this test"
        text = text.replace(example, real)
    limit = re.compile(r"^ *client_max_body_size 100m;.*\n", re.M)
    assert limit.search(text), "Option 1's block no longer sets client_max_body_size 100m: update this test"
    return text if with_limit else limit.sub("", text)


@pytest.fixture(scope="module")
def nginx(tmp_path_factory, upstream) -> Iterator[dict]:
    """nginx on two free ports: `default` runs Option 1's block without its limit line, `fixed` as published."""
    if not os.access(NGINX, os.X_OK):
        pytest.fail("nginx is needed: `make nginx` (apt-get install nginx)")
    (lang, published), *_ = option_blocks(SLUG, 1)
    assert lang == "nginx"
    folder = tmp_path_factory.mktemp("nginx")
    ports = {"default": free_port(), "fixed": free_port()}
    temp = "".join(
        f"    {k}_temp_path {folder / k};\n" for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    servers = server_block(published, ports["default"], upstream[0], with_limit=False) + server_block(
        published, ports["fixed"], upstream[0], with_limit=True
    )
    conf = folder / "nginx.conf"
    conf.write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"worker_processes 1;\npid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'};\n"
        + "events {\n    worker_connections 64;\n}\n"
        + f"http {{\n    access_log off;\n{temp}{servers}}}\n",
        encoding="utf-8",
    )
    with open(folder / "stderr.log", "ab") as out:
        proc = subprocess.Popen(
            [NGINX, "-p", str(folder), "-c", str(conf), "-g", "daemon off;"],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        for port in ports.values():
            while True:
                assert proc.poll() is None, (folder / "stderr.log").read_text()
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    assert time.monotonic() < deadline, "nginx did not start"
                    time.sleep(0.05)
        yield {
            "default": f"http://127.0.0.1:{ports['default']}",
            "fixed": f"http://127.0.0.1:{ports['fixed']}",
            "log": folder / "error.log",
        }
    finally:
        proc.terminate()
        proc.wait(timeout=30)


UPLOAD = """
import sys

import httpx
import requests

base, size = sys.argv[1], int(sys.argv[2])
document = b"%PDF" * (size // 4)
reply = requests.post(base + "/api/v1/files/", files={"file": ("report.pdf", document)})
print("STATUS", reply.status_code, reply.reason)
print(reply.text)
if reply.status_code == 413:
    chunked = httpx.post(base + "/api/v1/files/", content=iter([document]))
    try:
        chunked.raise_for_status()
    except httpx.HTTPStatusError as exc:
        print("HTTPX", str(exc).splitlines()[0])
reply.raise_for_status()
"""


def test_nginx_default_limit_refuses_a_2mib_upload(nginx, upstream, index):
    base = nginx["default"]
    result = run_python(UPLOAD, args=[base, str(2 * MIB)], env=NO_PROXY)
    assert "STATUS 413 Request Entity Too Large" in result.stdout
    assert "<center><h1>413 Request Entity Too Large</h1></center>" in result.stdout
    assert re.search(r"<hr><center>nginx/[\d.]+</center>", result.stdout)
    assert (
        f"HTTPX Client error '413 Request Entity Too Large' for url '{base}/api/v1/files/'" in result.stdout
    )
    assert last_line(result) == (
        f"requests.exceptions.HTTPError: 413 Client Error: Request Entity Too Large for url: {base}/api/v1/files/"
    )
    log = nginx["log"].read_text()
    assert re.search(
        r'client intended to send too large body: \d{7} bytes, client: 127\.0\.0\.1, .*request: "POST /api/v1/files/ HTTP/1\.1"',
        log,
    )
    assert re.search(r"client intended to send too large chunked body: \d+\+\d+ bytes", log)
    assert_answers(index, SLUG, result.stderr)

    received = len(upstream[1])
    small = run_python(UPLOAD, args=[base, str(900 * 1024)], env=NO_PROXY)
    assert small.returncode == 0, small.stderr  # under nginx's default 1m: it passes
    assert "STATUS 200 OK" in small.stdout
    assert len(upstream[1]) == received + 1


def test_option1_block_lets_the_upload_through(nginx, upstream):
    result = run_python(UPLOAD, args=[nginx["fixed"], str(2 * MIB)], env=NO_PROXY)
    assert result.returncode == 0, result.stderr
    assert "STATUS 200 OK" in result.stdout
    assert json.loads(result.stdout.splitlines()[1])["received"] > 2 * MIB  # the file and its multipart frame
    assert upstream[1][-1] > 2 * MIB


def test_openai_sdk_behind_nginx_reports_the_413(nginx, index):
    code = (
        "import sys, openai\n"
        "client = openai.OpenAI(base_url=sys.argv[1] + '/v1', api_key='sk-test', max_retries=0)\n"
        "try:\n"
        "    client.embeddings.create(model='nomic-embed-text', input=['chunk ' * 400_000])\n"
        "except openai.APIStatusError as exc:\n"
        "    print('BODY', exc.body)\n"
        "    raise\n"
    )
    result = run_python(code, args=[nginx["default"]], env=NO_PROXY)
    assert last_line(result) == "openai.APIStatusError: Error code: 413"
    assert "<title>413 Request Entity Too Large</title>" in result.stdout  # the page is only in err.body
    assert_answers(index, SLUG, result.stderr)


FLASK = """
import io

from flask import Flask, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

limited = Flask("limited")
limited.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
plain = Flask("plain")  # nothing configured
for app in (limited, plain):
    app.add_url_rule("/ask", "ask", lambda: jsonify(n=len(request.get_json()["text"])), methods=["POST"])
    app.add_url_rule("/form", "form", lambda: jsonify(n=len(request.form["question"])), methods=["POST"])

reply = limited.test_client().post("/ask", json={"text": "x" * 2_000_000})
print("JSON", reply.status_code, reply.get_data(as_text=True).replace("\\n", " "))
for size in (400_000, 600_000):
    upload = {"question": "q" * size, "document": (io.BytesIO(b"%PDF"), "doc.pdf")}
    print("FORM", size, plain.test_client().post("/form", data=upload).status_code)
print("REPR", repr(RequestEntityTooLarge()))
with plain.test_request_context("/form", method="POST", data={"question": "q" * 600_000, "d": (io.BytesIO(b"x"), "d.pdf")}):
    request.form
"""


def test_flask_werkzeug_limits_and_option2_flask_block(fix_code, tmp_path, index):
    result = run_python(FLASK, cwd=tmp_path)
    out = result.stdout
    assert "JSON 413 " in out
    assert "<title>413 Request Entity Too Large</title>" in out
    assert "<p>The data value transmitted exceeds the capacity limit.</p>" in out
    assert "FORM 400000 200" in out
    assert "FORM 600000 413" in out  # Werkzeug >= 3.1: 500 kB per non-file field with nothing configured
    assert "REPR <RequestEntityTooLarge '413: Request Entity Too Large'>" in out
    assert last_line(result) == (
        "werkzeug.exceptions.RequestEntityTooLarge: 413 Request Entity Too Large: "
        "The data value transmitted exceeds the capacity limit."
    )
    assert_answers(index, SLUG, result.stderr)

    fixed = run_python(fix_code(SLUG, 2), cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stdout.startswith("200 ")
    assert "'question_chars': 600000" in fixed.stdout
    assert "'document_bytes': 2000000" in fixed.stdout


STARLETTE = """
import warnings

warnings.simplefilter("ignore")
from fastapi import FastAPI, Form
from fastapi.testclient import TestClient

def app(**options):
    api = FastAPI(**options)

    @api.post("/ask")
    def ask(question: str = Form(...)):
        return {"n": len(question)}

    return TestClient(api)

field = {"question": "q" * 1_100_000}  # over Starlette's 1 MB (1024 KB) per part
print("PART", app().post("/ask", data=field, files={"d": ("d.pdf", b"%PDF")}).text)
print("FIELD", app().post("/ask", data=field).text)
big_file = app().post("/ask", data={"question": "q"}, files={"d": ("d.pdf", b"%PDF" * 300_000)})
print("FILE", big_file.status_code)
limited = app(max_body_size=1_000_000).post("/ask", data=field)  # FastAPI >= 0.164
print("BODY", limited.status_code, limited.text)
print("LIMITS", app(form_limits={"max_part_size": 10 * 1024 * 1024}).post("/ask", data=field).text)  # >= 0.165
"""


def test_starlette_form_limits_and_option2_starlette_block(tmp_path):
    result = run_python(STARLETTE, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert 'PART {"detail":"Part exceeded maximum size of 1024KB."}' in out
    assert 'FIELD {"detail":"Field exceeded maximum size of 1024KB."}' in out
    assert "FILE 200" in out  # file parts are not counted
    assert "BODY 413 Content Too Large" in out
    assert 'LIMITS {"n":1100000}' in out

    blocks = option_blocks(SLUG, 2)
    assert [lang for lang, _ in blocks] == ["python", "python"]
    fixed = run_python(blocks[1][1], "-W", "ignore", cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stdout.startswith("200 {'question_chars': 2000000, 'document_bytes': 4}")


PARTS = """
import hashlib, os, sys

import requests

namespace = {"__name__": "option4"}
exec(compile(open(sys.argv[2]).read(), "option4.py", "exec"), namespace)
base = sys.argv[1]
with open("report.pdf", "wb") as f:
    f.write(os.urandom(3 * 1024 * 1024 + 7))
whole = requests.post(base + "/api/v1/files/", data=open("report.pdf", "rb"))
print("WHOLE", whole.status_code)
result = namespace["upload_in_parts"](base, "report.pdf")
print("PARTS", result["bytes"], result["sha256"] == hashlib.sha256(open("report.pdf", "rb").read()).hexdigest())
"""


def test_option4_parts_pass_where_the_whole_file_is_refused(nginx, tmp_path):
    (lang, code), *_ = option_blocks(SLUG, 4)
    assert lang == "python"
    block = tmp_path / "option4.py"
    block.write_text(code, encoding="utf-8")
    result = run_python(PARTS, cwd=tmp_path, args=[nginx["default"], str(block)], env=NO_PROXY)
    assert result.returncode == 0, result.stderr
    assert "WHOLE 413" in result.stdout
    assert f"PARTS {3 * MIB + 7} True" in result.stdout

    demo_tmp = tmp_path / "demo-tmp"
    demo_tmp.mkdir()
    demo = run_python(
        code, cwd=tmp_path, env={**NO_PROXY, "TMPDIR": str(demo_tmp)}
    )  # as published: own receiver
    assert demo.returncode == 0, demo.stderr
    assert "'bytes': 3145851" in demo.stdout
    assert (
        sorted(p.name for p in demo_tmp.iterdir()) == []
    )  # it left `uploads/` in the shared temp folder before


@contextmanager
def serving(handler) -> Iterator[str]:
    """Run an Option 4 receiver class in this process; yield its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def raw_put(base: str, path: str, headers: dict[str, str]) -> int:
    """A PUT that sends only its headers (no body is left unread, so the answer is never lost to a reset)."""
    conn = HTTPConnection(base.removeprefix("http://"), timeout=10)
    try:
        conn.putrequest("PUT", path)
        for name, value in headers.items():
            conn.putheader(name, value)
        conn.endheaders()
        return conn.getresponse().status
    finally:
        conn.close()


def test_option4_receiver_refuses_chunked_and_oversized_parts(option4, tmp_path):
    class Receiver(option4["PartReceiver"]):
        folder = tmp_path / "store"
        max_part = 1000

    upload = "a" * 32
    with serving(Receiver) as base:
        # a chunked body has no Content-Length: read as 0 bytes, it was stored as an empty part with 200
        assert raw_put(base, f"/uploads/{upload}/0", {"Transfer-Encoding": "chunked"}) == 411
        assert (
            raw_put(base, f"/uploads/{upload}/0", {"Content-Length": "2000"}) == 413
        )  # read into memory: capped
        assert not (Receiver.folder / upload).exists()
        assert requests.put(f"{base}/uploads/{upload}/0", data=b"x" * 1000, timeout=10).status_code == 200


def test_option4_joins_an_empty_file_and_refuses_a_gap(option4, tmp_path):
    class Receiver(option4["PartReceiver"]):
        folder = tmp_path / "store"

    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    with serving(Receiver) as base:
        result = option4["upload_in_parts"](
            base, str(empty)
        )  # the server crashed on it (no part folder to remove)
        assert result["bytes"] == 0
        assert (Receiver.folder / result["name"]).read_bytes() == b""

        upload = "b" * 32
        for index in (0, 2):  # part 1 missing, two parts present
            requests.put(f"{base}/uploads/{upload}/{index}", data=b"y" * 10, timeout=10).raise_for_status()
        done = requests.post(
            f"{base}/uploads/{upload}/complete", json={"parts": 2, "name": "d.bin"}, timeout=10
        )
        assert done.status_code == 400, done.text  # it joined parts 0 and 2 and answered 200
        assert not list(Receiver.folder.glob(f"{upload}-*"))

        broken = requests.post(f"{base}/uploads/{upload}/complete", data=b"{", timeout=10)
        assert broken.status_code == 400  # the handler raised and dropped the connection


def test_option4_client_notices_a_damaged_join(option4, tmp_path):
    class Lossy(option4["PartReceiver"]):
        """A server side that loses the last byte of every part (a proxy or a bug on the way)."""

        folder = tmp_path / "store"

        def _body(self):
            body = super()._body()
            return body[:-1] if self.command == "PUT" and body else body

    source = tmp_path / "report.pdf"
    source.write_bytes(os.urandom(1300))
    with serving(Lossy) as base, pytest.raises(OSError, match="damaged"):
        option4["upload_in_parts"](
            base, str(source), part_size=512
        )  # it returned the server's answer as a success


PROVIDER = """
import json, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import openai

kind = sys.argv[1]
if kind == "tokens":  # GitHub Models / Azure AI's body, as tubone24/nfcMyBusinessCard#47 shows it
    CONTENT_TYPE, SERVER = "application/json", "Kestrel"
    message = "Request body too large for gpt-4o-mini model. Max size: 8000 tokens."
    BODY = json.dumps({"error": {"code": "tokens_limit_reached", "message": message, "details": message}})
else:  # the page a provider's Cloudflare edge answers (openai/codex#2908)
    CONTENT_TYPE, SERVER = "text/html", "cloudflare"
    BODY = ("<html>\\r\\n<head><title>413 Request Entity Too Large</title></head>\\r\\n<body>\\r\\n"
            "<center><h1>413 Request Entity Too Large</h1></center>\\r\\n<hr><center>cloudflare</center>\\r\\n</body>\\r\\n</html>")


class Provider(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers["content-length"]))
        data = BODY.encode()
        self.send_response(413)
        self.send_header("content-type", CONTENT_TYPE)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def version_string(self):
        return SERVER

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Provider)
threading.Thread(target=server.serve_forever, daemon=True).start()
client = openai.OpenAI(base_url=f"http://127.0.0.1:{server.server_address[1]}/v1", api_key="sk-test", max_retries=0)
try:
    client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
except openai.APIStatusError as err:
    print("SERVER", err.response.headers["server"])
    raise
"""


def test_provider_token_limit_413_is_not_this_entry(index):
    result = run_python(PROVIDER, args=["tokens"], env=NO_PROXY)
    assert last_line(result) == (
        "openai.APIStatusError: Error code: 413 - Request body too large for gpt-4o-mini model. Max size: 8000 tokens."
    )
    assert (
        confident_answer(index, result.stderr) != SLUG
    )  # a token count of the provider: no proxy setting fixes it


def test_provider_edge_page_is_answered_and_the_entry_says_it_is_theirs(index, entry):
    result = run_python(PROVIDER, args=["page"], env=NO_PROXY)
    assert last_line(result) == "openai.APIStatusError: Error code: 413"
    assert "SERVER cloudflare" in result.stdout  # what the entry tells the reader to look at
    assert_answers(index, SLUG, result.stderr)
    assert "err.response.headers" in entry.markdown
    assert (
        "LLM provider's own host" in entry.markdown
    )  # the Limits row: send less, no setting of yours raises it


@pytest.mark.parametrize(
    "text",
    [
        # providers' own limits (public wordings)
        "openai.APIStatusError: Error code: 413 - Request body too large for gpt-4o-mini model. Max size: 8000 tokens.",
        "413 Request body too large for model. Max size: 4000 tokens.",
        'SDK error: Model call failed: "413 413 Request Entity Too Large\\n" (Request ID: FF0F:3AD4C8:3D04A72:4C4DBC6:696E262E)',
        "unexpected status 413 Payload Too Large: openai_error",
        # apps' own size checks and generic words
        "ValueError: File too large",
        "Exception: Content too large",
        "ValueError: Payload too large",
        "Error: Payload too large",
        "RuntimeError: Payload too large",
        "ValueError: Message too large",
        "ValueError: Input too large",
        "MemoryError: Data too large",
        "fastapi.exceptions.HTTPException: 413: File too large",
    ],
)
def test_look_alikes_are_not_answered(index, text):
    assert confident_answer(index, text) != SLUG
