"""Verified fix for solutions/proxy-intercepts-localhost.md.

With HTTP_PROXY pointing at a stand-in proxy that answers 502 (or at a dead port), httpx and
urllib send calls for http://localhost / http://127.0.0.1 to the proxy. The entry's Option 1
code is run in a child process with that environment: its demo, and `bypass_proxy_for_local_hosts`
before creating an httpx client, after which the local server is reached directly.
"""

import os
import textwrap

from pyrun import run_python

SLUG = "proxy-intercepts-localhost"

SERVERS = textwrap.dedent("""
    import os, threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    import httpx

    class Local(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200); self.send_header("content-length", "2"); self.end_headers(); self.wfile.write(b"ok")
        def log_message(self, *a): pass

    class Proxy(Local):
        def do_GET(self):
            self.send_response(502); self.send_header("content-length", "3"); self.end_headers(); self.wfile.write(b"bad")

    def serve(h):
        s = ThreadingHTTPServer(("127.0.0.1", 0), h); threading.Thread(target=s.serve_forever, daemon=True).start()
        return s.server_address[1]

    local = f"http://localhost:{serve(Local)}/api/tags"
    os.environ["HTTP_PROXY"] = f"http://127.0.0.1:{serve(Proxy)}"
""")


def _run(code: str, tmp_path):
    # without the proxy variables of the machine running the tests: the code sets HTTP_PROXY itself
    return run_python(code, cwd=tmp_path, env=dict.fromkeys(k for k in os.environ if "proxy" in k.lower()))


def test_reproduces_proxy_answering_for_localhost(tmp_path):
    code = SERVERS + "print('status', httpx.get(local).status_code)\n"
    result = _run(code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "status 502" in result.stdout  # the proxy answered, not the local server


def test_option1_demo_runs(fix_code, tmp_path):
    result = _run(fix_code(SLUG, 1), tmp_path)
    assert result.returncode == 0, result.stderr
    assert "before: the proxy answered 502" in result.stdout
    assert "goes through no proxy (direct)" in result.stdout
    assert "after: b'ok'" in result.stdout


def test_option1_bypass_makes_httpx_go_direct(fix_code, tmp_path):
    entry = fix_code(SLUG, 1).replace('if __name__ == "__main__":', "if False:")
    # entry first: it may start with a __future__ import
    code = (
        entry
        + SERVERS
        + textwrap.dedent("""
        assert proxy_for(local) == os.environ["HTTP_PROXY"]
        bypass_proxy_for_local_hosts()
        assert proxy_for(local) is None
        with httpx.Client() as client:  # created after the fix, trust_env as by default
            print("status", client.get(local).status_code)
            print("ip status", client.get(local.replace("localhost", "127.0.0.1")).status_code)
    """)
    )
    result = _run(code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "status 200" in result.stdout and "ip status 200" in result.stdout


def test_option1_keeps_existing_no_proxy_entries(fix_code, tmp_path):
    entry = fix_code(SLUG, 1).replace('if __name__ == "__main__":', "if False:")
    code = entry + textwrap.dedent("""
        os.environ["NO_PROXY"] = "corp.internal"
        value = bypass_proxy_for_local_hosts(extra=("gpu-box",))
        print(value)
        assert os.environ["no_proxy"] == value
    """)
    result = _run(code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith("corp.internal,localhost,127.0.0.1")
    assert result.stdout.strip().endswith("gpu-box")
