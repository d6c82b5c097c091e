"""Verified fix for solutions/docker-volume-source-not-absolute.md, with the real docker SDK (docker-py) and no daemon.

No Docker Engine here, so a tiny fake daemon on a unix socket answers POST /containers/create with the rule of
moby's source: volume/mounts/linux_parser.go (a -v source that is not path.IsAbs is a volume NAME; a --mount bind
source must be absolute: "invalid mount path: '%s' mount path must be absolute", wrapped as "invalid mount config
for type %q"), volume/local/local.go validateName (RestrictedNamePattern of daemon/names/names.go, message with %q,
400 InvalidParameter) and volume/service OpErr ("create NAME: ..."). The real docker-py client, in a child
interpreter, formats the daemon's answer: that is the signature text. Then the entry's own Option 1 script
rewrites the failing arguments (docker run args and an MCP config), and the rewritten binds pass the same daemon
as bind mounts.
"""

import json
import re
import socketserver
import threading
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import docker  # noqa: F401  (a dev dependency: fails loudly when missing)
import pytest
from pyrun import last_line, run_args, run_python, script_names

from app.corpus.entries import parse_entry

SLUG = "docker-volume-source-not-absolute"
ENTRY = parse_entry(Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md")

# moby daemon/names/names.go: RestrictedNameChars = `[a-zA-Z0-9][a-zA-Z0-9_.-]`,
# RestrictedNamePattern = regexp.MustCompile(`^` + RestrictedNameChars + `+$`)
RESTRICTED_NAME_CHARS = "[a-zA-Z0-9][a-zA-Z0-9_.-]"
RESTRICTED_NAME = re.compile("^" + RESTRICTED_NAME_CHARS + "+$")
HINT = "If you intended to pass a host directory, use absolute path"


def go_quote(text: str) -> str:
    """Go's %q for the printable ASCII names used here."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def is_abs(path: str) -> bool:
    """Go path.IsAbs: a leading slash, nothing else."""
    return path.startswith("/")


def daemon_check(binds, mounts):
    """(error message or None, [(type, source)]) as moby's container create validates HostConfig."""
    seen = []
    for bind in binds or []:
        source, _, _rest = bind.partition(":")
        if is_abs(source):
            seen.append(("bind", source))
            continue
        if len(source) == 1:
            return "volume name is too short, names should be at least two alphanumeric characters", seen
        if not RESTRICTED_NAME.match(source):
            quoted = (go_quote(source), go_quote(RESTRICTED_NAME_CHARS))
            return (
                f"create {source}: {quoted[0]} includes invalid characters for a local volume name, only {quoted[1]} are allowed. {HINT}",
                seen,
            )
        seen.append(("volume", source))
    for mount in mounts or []:
        source = mount.get("Source", "").replace("\\", "/")
        if mount.get("Type") == "bind" and not is_abs(source):
            return (
                f"invalid mount config for type \"bind\": invalid mount path: '{source}' mount path must be absolute",
                seen,
            )
        seen.append((mount.get("Type"), source))
    return None, seen


CREATED: list = []  # the mounts of each container the fake daemon accepted


class _Daemon(BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        if not self.path.split("?")[0].endswith("/containers/create"):
            self.send_error(404)
            return
        host = body.get("HostConfig") or {}
        error, seen = daemon_check(host.get("Binds"), host.get("Mounts"))
        status, answer = (400, {"message": error}) if error else (201, {"Id": "c0ffee", "Warnings": []})
        if not error:
            CREATED.append(seen)
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def address_string(self):
        return "unix"

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_daemon(tmp_path):
    path = tmp_path / "docker.sock"
    CREATED.clear()
    server = socketserver.ThreadingUnixStreamServer(str(path), _Daemon)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield path
    server.shutdown()
    server.server_close()


CREATE = """
import json, sys, docker
api = docker.APIClient(base_url="unix://" + sys.argv[1], version="1.45")
mounts = [docker.types.Mount(m["target"], m["source"], type="bind") for m in json.loads(sys.argv[3])]
api.create_container("alpine", host_config=api.create_host_config(binds=json.loads(sys.argv[2]), mounts=mounts))
print("created")
"""


CREATE_EACH = """
import json, sys, docker
api = docker.APIClient(base_url="unix://" + sys.argv[1], version="1.45")
for case in json.loads(sys.argv[2]):
    mounts = [docker.types.Mount(m["target"], m["source"], type="bind") for m in case.get("mounts", [])]
    try:
        api.create_container("alpine", host_config=api.create_host_config(binds=case.get("binds", []), mounts=mounts))
        print("created")
    except docker.errors.APIError as exc:  # the line a traceback would end with
        print(f"{type(exc).__module__}.{type(exc).__name__}: {exc}")
"""


def create(sock, binds=(), mounts=()):
    """docker-py's create_container against the fake daemon, in a child interpreter."""
    return run_python(CREATE, args=[str(sock), json.dumps(list(binds)), json.dumps(list(mounts))])


def api_error(message: str) -> str:
    return f'docker.errors.APIError: 400 Client Error for http+docker://localhost/v1.45/containers/create: Bad Request ("{message}")'


@pytest.fixture
def fix(fix_code):
    return script_names(fix_code(SLUG, 1))


@pytest.fixture
def project(tmp_path, monkeypatch):
    home = tmp_path / "home" / "me"
    (home / "models").mkdir(parents=True)
    proj = tmp_path / "proj"
    (proj / "data" / "uploads").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    return proj


def signature_names():
    """The volume name each 'includes invalid characters' signature of the entry shows."""
    names = []
    for text in ENTRY.errors:
        if "includes invalid characters for a local volume name" not in text:
            continue
        found = re.search(r'create (.+?): \\?"(.+?)\\?" includes', text) or re.search(
            r"(?:ERROR: )?(\S+) includes", text
        )
        assert found, text
        names.append(found.group(found.lastindex))
    return names


def test_every_signature_name_is_taken_as_a_volume_and_rejected_by_the_moby_regex(fix):
    names = signature_names()
    assert len(names) >= 8
    for name in names:
        assert not is_abs(name), name  # not path.IsAbs -> mount.TypeVolume, named by the source
        assert not RESTRICTED_NAME.match(name), name  # validateName rejects it
        assert daemon_check([f"{name}:/data"], [])[0].startswith(f"create {name}: ")
    assert fix["VOLUME_NAME"].pattern == RESTRICTED_NAME.pattern  # Option 1 cites the same rule
    for silent in ("data", "models", "pgdata", "my-app.cache"):  # valid names: a named volume, no error
        assert RESTRICTED_NAME.match(silent) and daemon_check([f"{silent}:/x"], [])[0] is None


def test_reproduces_the_signatures_with_docker_py(fake_daemon):
    result = create(fake_daemon, binds=["./data:/data:rw"])
    assert result.returncode == 1
    assert last_line(result) in ENTRY.errors
    assert last_line(result) == api_error(
        'create ./data: "./data" includes invalid characters for a local volume name, only '
        '"[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path'
    )
    sources = ["~/models", "$HOME/.cache/huggingface", "$(pwd)", "%cd%", "data/uploads", "<your-path>/config"]
    cases = [{"binds": [f"{source}:/x"]} for source in sources] + [
        {"mounts": [{"source": source, "target": "/data"}]} for source in ("~/data", "./data")
    ]
    result = run_python(CREATE_EACH, args=[str(fake_daemon), json.dumps(cases)])
    lines = result.stdout.splitlines()
    assert len(lines) == len(cases), result.stderr
    for line in lines:
        assert line.startswith("docker.errors.APIError: 400 Client Error"), line
        cli_text = f"docker: Error response from daemon: {line.split('Bad Request (')[1][1:-2]}"
        assert cli_text in ENTRY.errors or cli_text + "." in ENTRY.errors, cli_text
    assert CREATED == []


def test_a_bare_name_is_silently_a_named_volume(fake_daemon):
    result = create(fake_daemon, binds=["data:/data"])
    assert result.returncode == 0, result.stderr
    assert CREATED == [[("volume", "data")]]  # no error: an empty volume, not ./data


def test_option1_rewrites_failing_docker_args(fix, project, fake_daemon):
    home = Path.home()
    args = ["run", "--rm", "-v", "./data:/data", "-v", "~/models:/models:ro", "-v", "$HOME/.cache:/c",
            "-v", "$(pwd)/data/uploads:/u", "--volume=data/uploads:/u2", "-v", "%cd%:/w", "-v", " ./data:/d3",
            "-v", "data:/d4", "-v", "pgdata:/var/lib/postgresql/data",
            "--mount", "type=bind,source=~/models,target=/m", "alpine", "python", "-v"]  # fmt: skip
    new, messages, ok = fix["fix_args"](args, project)
    assert ok, messages
    assert new == ["run", "--rm", "-v", f"{project}/data:/data", "-v", f"{home}/models:/models:ro",
                   "-v", f"{home}/.cache:/c", "-v", f"{project}/data/uploads:/u", f"--volume={project}/data/uploads:/u2",
                   "-v", f"{project}:/w", "-v", f"{project}/data:/d3", "-v", f"{project}/data:/d4",
                   "-v", "pgdata:/var/lib/postgresql/data",
                   "--mount", f"type=bind,source={home}/models,target=/m", "alpine", "python", "-v"]  # fmt: skip
    assert any("'pgdata' is a named Docker volume" in m for m in messages)
    binds = [new[i + 1] for i, a in enumerate(new[:-1]) if a == "-v"] + [new[10].split("=", 1)[1]]
    result = create(fake_daemon, binds=binds, mounts=[{"source": f"{home}/models", "target": "/m"}])
    assert result.returncode == 0, result.stderr
    kinds = [kind for kind, _ in CREATED[0]]
    assert kinds.count("volume") == 1 and kinds.count("bind") == len(kinds) - 1  # only pgdata stays a volume


def test_option1_flags_what_it_cannot_fix(fix, project, monkeypatch):
    monkeypatch.delenv("NOT_SET_ANYWHERE", raising=False)
    for source in ("<your-path>/config", "{local_path_to_chap_secrets}", "$NOT_SET_ANYWHERE/x"):
        new, messages, ok = fix["fix_args"](["-v", f"{source}:/x"], project)
        assert not ok and new == ["-v", f"{source}:/x"] and messages, source
    new, _, ok = fix["fix_args"](["-v", "C:\\Users\\me\\data:/data"], project)
    assert ok and new == [
        "-v",
        "C:\\Users\\me\\data:/data",
    ]  # a Windows path: another entry's case, untouched


def test_option1_cli_fixes_an_mcp_config_and_a_command(fix_code, project, tmp_path):
    script = tmp_path / "fix_binds.py"
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")
    config = tmp_path / "claude_desktop_config.json"
    server = {"command": "docker", "args": ["run", "-i", "--rm", "-v", "~/models:/projects/models",
                                            "--mount", "type=bind,src=${env:HOME}/models,dst=/m", "mcp/filesystem"]}  # fmt: skip
    config.write_text(
        json.dumps({"mcpServers": {"fs": server, "other": {"command": "npx", "args": ["-v", "~/x:/y"]}}})
    )
    result = run_args([str(script), "--base", str(project), str(config)], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    fixed = json.loads(result.stdout)["mcpServers"]
    home = Path.home()
    assert fixed["fs"]["args"][4] == f"{home}/models:/projects/models"
    assert fixed["fs"]["args"][6] == f"type=bind,src={home}/models,dst=/m"
    assert fixed["other"]["args"] == ["-v", "~/x:/y"]  # not a docker command: left alone
    result = run_args([str(script), "--", "docker", "run", "-v", "./data:/data", "alpine"], cwd=project)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"docker run -v {project}/data:/data alpine"
    result = run_args([str(script), "--", "docker", "run", "-v", "<your-path>:/x", "alpine"], cwd=project)
    assert result.returncode == 1 and "placeholder" in result.stderr
