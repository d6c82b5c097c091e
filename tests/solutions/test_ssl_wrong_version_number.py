"""Verified fix for solutions/ssl-wrong-version-number.md.

Reproduces `[SSL: WRONG_VERSION_NUMBER] wrong version number` for real: an https:// request to a
plain-HTTP server on a local port, and smtplib.SMTP_SSL against a server that sends a plain SMTP
banner (a STARTTLS port). Then runs the entry's Option 1 code, which probes the port and rewrites
the URL to http://, and checks that the rewritten URL really works.
"""

from pyrun import run_python

SLUG = "ssl-wrong-version-number"

PLAIN_SERVER = """
import http.server, threading
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
server.RequestHandlerClass.log_message = lambda *a: None
threading.Thread(target=server.serve_forever, daemon=True).start()
PORT = server.server_address[1]
"""


def test_reproduces_https_to_plain_http_port(tmp_path):
    code = (
        PLAIN_SERVER
        + "import urllib.request\nurllib.request.urlopen(f'https://127.0.0.1:{PORT}/', timeout=10)\n"
    )
    result = run_python(code, cwd=tmp_path)
    assert result.returncode != 0
    assert "[SSL: WRONG_VERSION_NUMBER] wrong version number" in result.stderr


def test_reproduces_smtp_ssl_on_a_starttls_port(tmp_path):
    code = """
import socket, threading, smtplib
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
def banner():
    conn, _ = srv.accept()
    conn.sendall(b"220 mail.example.com ESMTP ready\\r\\n")
    conn.recv(4096)
    conn.close()
threading.Thread(target=banner, daemon=True).start()
smtplib.SMTP_SSL("127.0.0.1", srv.getsockname()[1], timeout=10)
"""
    result = run_python(code, cwd=tmp_path)
    assert result.returncode != 0
    assert "WRONG_VERSION_NUMBER" in result.stderr


def test_option1_demo_rewrites_to_http(fix_code, tmp_path):
    result = run_python(fix_code(SLUG, 1), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    wrong, fixed = result.stdout.strip().split(" -> ")
    assert wrong.startswith("https://127.0.0.1:")
    assert fixed == "http://" + wrong[len("https://") :]


def test_option1_fixed_url_actually_works(fix_code, tmp_path):
    (tmp_path / "hello.txt").write_text("hi from plain http", encoding="utf-8")
    code = (
        fix_code(SLUG, 1).split('if __name__ == "__main__":')[0]
        + PLAIN_SERVER
        + "import urllib.request\n"
        + "url = fixed_url(f'https://127.0.0.1:{PORT}/hello.txt')\n"
        + "print(url)\nprint(urllib.request.urlopen(url, timeout=10).read().decode())\n"
    )
    result = run_python(code, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("http://127.0.0.1:")
    assert "hi from plain http" in result.stdout
