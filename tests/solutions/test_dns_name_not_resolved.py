"""Verified fix for solutions/dns-name-not-resolved.md.

Names under `.invalid` never resolve (RFC 6761), so the real errors are reproduced offline with the
libraries the project installs (httpx, requests): glibc answers `[Errno -2] Name or service not known`
when a resolver says the name does not exist and `[Errno -3] Temporary failure in name resolution`
when no resolver answers (a network namespace without network, via `unshare -rn` where allowed).
Then the entry's own Option 1 script is run on the same hosts, on `localhost`, and on variables that
hold an empty or placeholder host.
"""

import subprocess
import sys
from pathlib import Path

from pyrun import last_line, run_args

from app.corpus.entries import parse_entry

SLUG = "dns-name-not-resolved"
MD = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"
HOST = "no-such-host.invalid"
NOT_KNOWN = "[Errno -2] Name or service not known"
TEMPORARY = "[Errno -3] Temporary failure in name resolution"


def _signatures() -> tuple[str, ...]:
    return parse_entry(MD).errors


def _script(tmp_path, fix_code) -> Path:
    script = tmp_path / "dns_check.py"
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")
    return script


def test_real_errors_are_the_entry_signatures(tmp_path):
    httpx_error = last_line(run_args(["-c", f"import httpx; httpx.get('https://{HOST}/v1')"], cwd=tmp_path))
    assert httpx_error == f"httpx.ConnectError: {NOT_KNOWN}"
    socket_error = last_line(run_args(["-c", f"import socket; socket.getaddrinfo({HOST!r}, 443)"]))
    assert socket_error == f"socket.gaierror: {NOT_KNOWN}"
    urllib_error = last_line(
        run_args(["-c", f"import urllib.request; urllib.request.urlopen('https://{HOST}/v1')"])
    )
    assert urllib_error == f"urllib.error.URLError: <urlopen error {NOT_KNOWN}>"
    for text in (httpx_error, socket_error, urllib_error):
        assert text in _signatures()
    requests_error = last_line(run_args(["-c", f"import requests; requests.get('https://{HOST}/v1')"]))
    assert f"Failed to resolve '{HOST}' ({NOT_KNOWN})" in requests_error


def test_probe_reports_unresolvable_resolvable_and_placeholder_hosts(tmp_path, fix_code):
    script = _script(tmp_path, fix_code)
    env = {"API_BASE_URL": "https://None/v1", "DB_HOST": "", "APP_URL": "http://${APP_HOST}:8080"}
    result = run_args(
        [str(script), f"https://{HOST}/v1", "localhost", "API_BASE_URL", "DB_HOST", "APP_URL", "UNSET_VAR_X"],
        cwd=tmp_path,
        env={**env, "UNSET_VAR_X": None},
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(
        line.startswith(f"FAIL 'https://{HOST}/v1': name does not resolve here: '{HOST}'") for line in lines
    ), result.stdout
    assert any(line.startswith("OK   'localhost': 'localhost' resolves -> ") for line in lines), result.stdout
    assert "FAIL API_BASE_URL='https://None/v1': empty or placeholder host 'none'" in result.stdout
    assert "FAIL DB_HOST='': empty or placeholder host ''" in result.stdout
    assert "FAIL APP_URL='http://${APP_HOST}:8080': empty or placeholder host '${APP_HOST}'" in result.stdout
    assert "FAIL UNSET_VAR_X: the variable is not set" in result.stdout
    # the URL forms of a connection string give the same host as the client would look up
    ns = {"__name__": "dns_check"}
    exec(compile(fix_code(SLUG, 1), "dns_check.py", "exec"), ns)
    assert ns["host_of"]("postgresql://app:secret@db:5432/app") == ("db", 5432)
    assert ns["host_of"]("host=db port=5432 dbname=app") == ("db", None)
    assert ns["host_of"]("redis:6379") == ("redis", 6379)


def test_probe_names_a_compose_service_name(tmp_path, fix_code):
    script = _script(tmp_path, fix_code)
    name = "synapse-nx-compose-db"  # a single-label name, like a compose service seen from the host
    probe = run_args(["-c", f"import socket; socket.getaddrinfo({name!r}, 5432)"])
    assert probe.returncode != 0, f"{name} resolves on this network (a search domain answers it)"
    result = run_args([str(script), f"postgresql://app:secret@{name}:5432/app"], cwd=tmp_path)
    assert f"name does not resolve here: '{name}'" in result.stdout
    assert "single-label name, like a Docker Compose service name" in result.stdout
    assert "from the host use localhost and the published port" in result.stdout


def test_no_network_gives_the_temporary_failure(tmp_path, fix_code):
    script = _script(tmp_path, fix_code)
    repro = subprocess.run(
        ["unshare", "-rn", sys.executable, "-c", "import httpx; httpx.get('https://api.example.com/v1')"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert last_line(repro) == f"httpx.ConnectError: {TEMPORARY}"
    assert last_line(repro) in _signatures()
    result = subprocess.run(
        ["unshare", "-rn", sys.executable, str(script), "https://api.example.com/v1"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "name does not resolve here: 'api.example.com'" in result.stdout
    assert "temporary failure: no DNS server answered" in result.stdout
