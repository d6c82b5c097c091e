"""Verified fix for solutions/docker-gpu-unavailable.md, with the real docker SDK (docker-py) and no GPU or daemon.

No Docker Engine or GPU here, so a small fake Engine on a unix socket applies moby's own rules, read in its source:
- daemon/nvidia_linux.go init(): the "nvidia" device driver (capabilities gpu, nvidia, compute, compat32, graphics,
  utility, video, display) is registered only when exec.LookPath("nvidia-container-runtime-hook") succeeds, once, when
  the daemon starts; daemon/devices.go handleDevice: an empty Driver matches any driver whose capability set contains
  one of the requested AND-lists, a named driver must be registered; otherwise daemon/errors.go incompatibleDeviceRequest
  `could not select device driver %q with capabilities: %v`, returned at start, where daemon/start.go turns createSpec
  errors into errdefs.System (HTTP 500); setNvidiaGPUs sets NVIDIA_VISIBLE_DEVICES=all for Count -1.
- daemon/runtime_unix.go getRuntime: a runtime name missing from the daemon's config (runc, io.containerd.runc.v2 and
  daemon.json "runtimes", read at start) is `unknown or invalid runtime name: %s` (InvalidParameter, HTTP 400), checked
  at create by verifyPlatformContainerSettings. (moby also accepts containerd shim names such as io.containerd.x.v1;
  not modelled.)
The real docker-py 7.2 client, in a child interpreter, formats the Engine's answers: those are the entry's signatures.
Then the entry's own Option 1 (gpu_doctor.py, from the Markdown) diagnoses fixture host trees (driver library, kernel
module, hook, daemon.json for rootful/rootless/snap, the running daemon's runtimes via a `docker info` stand-in fed by
the fake Engine, no-cgroups, CDI specs) and its advice is followed: installing the hook or writing the runtime changes
nothing until the fake Engine restarts, as with dockerd. Option 2's bash lines are compared with NVIDIA's install guide
(NVIDIA/cloud-native-docs container-toolkit/install-guide.md) and its compose YAML is validated against the Compose
spec's `devices` definition (compose-spec/compose-go schema/compose-spec.json) and sent to the fake Engine as docker
compose sends it (compose-go types.DeviceCount: "all" is -1; capabilities become one AND-list).
Not run: the apt/dnf/nvidia-ctk/systemctl commands themselves, which need root and an NVIDIA host.
"""

import json
import re
import socketserver
import threading
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import docker  # noqa: F401  (a dev dependency: fails loudly when missing)
import jsonschema
import pytest
import yaml
from entry_blocks import option_blocks
from pyrun import last_line, run_python, script_names

from app.corpus.entries import parse_entry

SLUG = "docker-gpu-unavailable"
ENTRY = parse_entry(Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md")
CONTAINER_ID = "3f5c2a1b9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b"
API = "1.47"
HOOK = "nvidia-container-runtime-hook"
BIN_DIRS = ("usr/bin", "usr/local/bin", "usr/sbin", "bin")
NVIDIA_CAPS = {"gpu", "nvidia", "compute", "compat32", "graphics", "utility", "video", "display"}


def go_quote(text: str) -> str:
    """Go's %q for the printable ASCII strings used here."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def go_v(caps) -> str:
    """Go's %v of a [][]string: [[gpu] [compute utility]]."""
    return "[" + " ".join("[" + " ".join(group) + "]" for group in caps or []) + "]"


class FakeEngine:
    """What dockerd decides at start-up from the host tree under `root`, and the create/start checks that use it."""

    def __init__(self, root: Path):
        self.root = root
        self.drivers = {}
        if any((root / d / HOOK).exists() for d in BIN_DIRS):  # exec.LookPath at daemon init
            self.drivers["nvidia"] = NVIDIA_CAPS
        self.runtimes = {"runc", "io.containerd.runc.v2"}
        config = root / "etc/docker/daemon.json"
        if config.exists():
            self.runtimes |= set(json.loads(config.read_text()).get("runtimes", {}))
        self.created = {}

    def create(self, body: dict):
        runtime = (body.get("HostConfig") or {}).get("Runtime") or "runc"
        if runtime not in self.runtimes:
            return 400, {"message": f"unknown or invalid runtime name: {runtime}"}
        self.created[CONTAINER_ID] = body
        return 201, {"Id": CONTAINER_ID, "Warnings": []}

    def start(self, cid: str):
        env = []
        for req in (self.created[cid].get("HostConfig") or {}).get("DeviceRequests") or []:
            driver, caps = req.get("Driver") or "", req.get("Capabilities") or []
            names = [driver] if driver else list(self.drivers)
            match = [n for n in names if n in self.drivers and any(set(g) <= self.drivers[n] for g in caps)]
            if not match:
                message = f"could not select device driver {go_quote(driver)} with capabilities: {go_v(caps)}"
                return 500, {"message": message}
            env.append("NVIDIA_VISIBLE_DEVICES=" + ("all" if req.get("Count") == -1 else "void"))
        self.created[cid]["started_env"] = env
        return 204, None


class _Handler(BaseHTTPRequestHandler):
    engine: FakeEngine

    def _send(self, status, payload=None, text=None):
        body = (
            text.encode()
            if text is not None
            else (json.dumps(payload).encode() if payload is not None else b"")
        )
        self.send_response(status)
        self.send_header("Content-Type", "text/plain" if text is not None else "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        path = self.path.split("?")[0]
        if path.endswith("/_ping"):
            self._send(200, text="OK")
        elif path.endswith("/version"):
            self._send(200, {"ApiVersion": API, "Version": "27.5.1", "MinAPIVersion": "1.24"})
        elif re.search(r"/containers/[0-9a-f]+/json$", path):
            self._send(200, {"Id": CONTAINER_ID, "Name": "/gpu", "State": {"Status": "running"}})
        else:
            self._send(404, {"message": "page not found"})

    def do_POST(self):
        path = self.path.split("?")[0]
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        engine = type(self).engine
        if path.endswith("/containers/create"):
            self._send(*engine.create(body))
        elif path.endswith("/start"):
            self._send(*engine.start(path.split("/")[-2]))
        else:
            self._send(404, {"message": "page not found"})

    def address_string(self):
        return "unix"

    def log_message(self, *args):
        pass


@pytest.fixture
def engine_at(tmp_path):
    """engine_at(root) (re)starts the fake dockerd for the host tree `root`: returns (FakeEngine, DOCKER_HOST)."""
    servers = []

    def start(root: Path):
        while servers:
            old = servers.pop()
            old.shutdown()
            old.server_close()
        sock = tmp_path / "docker.sock"
        if sock.exists():
            sock.unlink()
        handler = type("Handler", (_Handler,), {"engine": FakeEngine(root)})
        server = socketserver.ThreadingUnixStreamServer(str(sock), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return handler.engine, f"unix://{sock}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


RUN = """
import sys
import docker
from docker.types import DeviceRequest
client = docker.DockerClient(base_url=sys.argv[1], version="auto", timeout=10)
kind = sys.argv[2]
if kind == "gpus":  # docker run --gpus all
    client.containers.run("nvidia/cuda:12.8.0-base-ubuntu24.04", "nvidia-smi", detach=True,
                          device_requests=[DeviceRequest(count=-1, capabilities=[["gpu"]])])
elif kind == "runtime":  # docker run --runtime=nvidia
    client.containers.run("nvidia/cuda:12.8.0-base-ubuntu24.04", "nvidia-smi", detach=True, runtime="nvidia")
else:  # what docker compose sends for a deploy.resources.reservations.devices entry
    import json
    dev = json.loads(kind)
    req = DeviceRequest(driver=dev.get("driver", ""), count=dev["count"], capabilities=[dev["capabilities"]])
    client.containers.run("nvidia/cuda:12.8.0-base-ubuntu24.04", "nvidia-smi", detach=True, device_requests=[req])
print("started")
"""


def run_client(host: str, kind: str):
    return run_python(RUN, args=[host, kind], env={"DOCKER_HOST": None, "DOCKER_CONTEXT": None})


def bare_host(tmp_path: Path, name: str = "host") -> Path:
    root = tmp_path / name
    (root / "usr/bin").mkdir(parents=True)
    return root


def add_driver(root: Path) -> None:
    (root / "usr/lib/x86_64-linux-gnu").mkdir(parents=True, exist_ok=True)
    (root / "usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1").write_text("")
    (root / "proc/driver/nvidia").mkdir(parents=True, exist_ok=True)
    (root / "proc/driver/nvidia/version").write_text(
        "NVRM version: NVIDIA UNIX x86_64 Kernel Module  570.133.20\n"
    )


def install_toolkit(root: Path) -> None:
    hook = root / "usr/bin" / HOOK
    hook.write_text("#!/bin/sh\n")
    hook.chmod(0o755)


def configure_runtime(root: Path) -> None:
    """What `nvidia-ctk runtime configure --runtime=docker` writes (pkg/config/engine/docker/docker.go AddRuntime)."""
    config = root / "etc/docker/daemon.json"
    config.parent.mkdir(parents=True, exist_ok=True)
    current = json.loads(config.read_text()) if config.exists() else {}
    current.setdefault("runtimes", {})["nvidia"] = {"args": [], "path": "nvidia-container-runtime"}
    config.write_text(json.dumps(current, indent=4))


def doctor():
    return script_names(ENTRY.fixes[0].code)


def problems(found) -> str:
    return "\n".join(f"{p} -> {f}" for p, f in found)


def test_gpus_without_toolkit_is_could_not_select_device_driver(tmp_path, engine_at):
    _, host = engine_at(bare_host(tmp_path))
    result = run_client(host, "gpus")
    assert result.returncode == 1
    assert last_line(result) == ENTRY.errors[2]
    # the CLI prints the daemon's message after "docker: Error response from daemon: " and a final "."
    message = re.search(r'\("(.*)"\)$', last_line(result)).group(1)
    assert f"docker: Error response from daemon: {message}." == ENTRY.errors[0]


def test_runtime_nvidia_without_configuration_is_unknown_runtime(tmp_path, engine_at):
    root = bare_host(tmp_path)
    install_toolkit(root)  # the toolkit alone does not register the runtime
    _, host = engine_at(root)
    result = run_client(host, "runtime")
    assert last_line(result) == ENTRY.errors[6]
    message = re.search(r'\("(.*)"\)$', last_line(result)).group(1)
    assert ENTRY.errors[3] == f"docker: Error response from daemon: {message}."  # docker/cli reportError
    assert ENTRY.errors[4] == f"Error response from daemon: {message}"  # docker compose


def test_install_and_configure_take_effect_only_after_a_restart(tmp_path, engine_at):
    root = bare_host(tmp_path)
    add_driver(root)
    engine, host = engine_at(root)
    install_toolkit(root)
    configure_runtime(root)
    assert "could not select device driver" in last_line(run_client(host, "gpus"))  # dockerd not restarted
    assert "unknown or invalid runtime name: nvidia" in last_line(run_client(host, "runtime"))
    engine, host = engine_at(root)  # sudo systemctl restart docker
    result = run_client(host, "gpus")
    assert result.stdout.strip() == "started", result.stderr
    assert engine.created[CONTAINER_ID]["started_env"] == ["NVIDIA_VISIBLE_DEVICES=all"]
    assert run_client(host, "runtime").stdout.strip() == "started"


def test_option1_finds_each_missing_link_and_its_command(tmp_path):
    diagnose = doctor()["diagnose"]
    root = bare_host(tmp_path)
    found = problems(diagnose(str(root)))
    assert "no libnvidia-ml.so.1" in found and "install the NVIDIA driver" in found
    assert 'could not select device driver "" with capabilities: [[gpu]]' in found
    assert "install nvidia-container-toolkit (Option 2), then sudo systemctl restart docker" in found

    add_driver(root)
    (root / "proc/driver/nvidia/version").unlink()  # libraries, no kernel module
    assert "nvidia kernel module is not loaded" in problems(diagnose(str(root)))

    add_driver(root)
    install_toolkit(root)
    found = diagnose(str(root))
    assert len(found) == 1, problems(found)
    assert (
        found[0][1] == "sudo nvidia-ctk runtime configure --runtime=docker && sudo systemctl restart docker"
    )

    configure_runtime(root)
    assert diagnose(str(root)) == []
    (root / "etc/docker/daemon.json").write_text(
        '{"runtimes": {"nvidia": {"path": "nvidia-container-runtime",}}}'
    )
    assert "is not valid JSON" in problems(diagnose(str(root)))


def test_option1_uses_the_running_daemon_to_demand_a_restart(tmp_path, engine_at):
    """running_runtimes() asks `docker info`; the stand-in prints what the fake Engine loaded at its start."""
    names = doctor()
    root = bare_host(tmp_path)
    add_driver(root)
    engine, _ = engine_at(root)
    install_toolkit(root)
    configure_runtime(root)
    cli = tmp_path / "docker"
    cli.write_text(f"#!/bin/sh\necho '{json.dumps(sorted(engine.runtimes))}'\n")
    cli.chmod(0o755)
    loaded = names["running_runtimes"](str(cli))
    assert loaded == {"runc", "io.containerd.runc.v2"}
    found = names["diagnose"](str(root), runtimes=loaded)
    assert [f for _, f in found] == ["sudo systemctl restart docker"]
    engine, _ = engine_at(root)  # the restart it asked for
    cli.write_text(f"#!/bin/sh\necho '{json.dumps(sorted(engine.runtimes))}'\n")
    assert names["diagnose"](str(root), runtimes=names["running_runtimes"](str(cli))) == []
    assert names["running_runtimes"](str(tmp_path / "no-docker")) is None


def test_option1_wsl_rootless_snap_and_cdi(tmp_path):
    diagnose = doctor()["diagnose"]
    wsl = bare_host(tmp_path, "wsl")
    (wsl / "usr/lib/wsl/lib").mkdir(parents=True)
    found = problems(diagnose(str(wsl)))
    assert "install/update the NVIDIA driver on Windows" in found and "kernel module" not in found
    (wsl / "usr/lib/wsl/lib/libnvidia-ml.so.1").write_text("")
    install_toolkit(wsl)
    configure_runtime(wsl)
    assert diagnose(str(wsl)) == []  # no /proc/driver/nvidia on WSL2, and that is fine

    root = bare_host(tmp_path, "rootless")
    add_driver(root)
    install_toolkit(root)
    home = tmp_path / "home"
    found = diagnose(str(root), "rootless", home=str(home))
    fixes = [f for _, f in found]
    assert fixes == [
        "nvidia-ctk runtime configure --runtime=docker --config=$HOME/.config/docker/daemon.json"
        " && systemctl --user restart docker",
        "sudo nvidia-ctk config --set nvidia-container-cli.no-cgroups --in-place",
    ]
    (home / ".config/docker").mkdir(parents=True)
    (home / ".config/docker/daemon.json").write_text(
        '{"runtimes": {"nvidia": {"path": "nvidia-container-runtime"}}}'
    )
    toml = root / "etc/nvidia-container-runtime/config.toml"
    toml.parent.mkdir(parents=True)
    toml.write_text("[nvidia-container-cli]\nno-cgroups = true\n")
    assert diagnose(str(root), "rootless", home=str(home)) == []

    snap = bare_host(tmp_path, "snap")
    add_driver(snap)
    (snap / "var/snap/docker/current/config").mkdir(parents=True)
    (snap / "var/snap/docker/current/config/daemon.json").write_text("{}")
    found = diagnose(str(snap), "snap", runtimes={"runc"})
    # the snap bundles its own toolkit (canonical/docker-snap README): never ask for the host packages
    assert "install nvidia-container-toolkit" not in problems(found)
    assert [f for _, f in found] == [
        "sudo snap get docker nvidia-support.disabled (must not be true), then sudo snap restart docker;"
        " run GPU containers with --runtime=nvidia --gpus all"
    ]
    (snap / "var/snap/docker/current/config/daemon.json").write_text(
        '{"runtimes": {"nvidia": {"path": "/snap/docker/current/usr/bin/nvidia-container-runtime"}}}'
    )
    assert diagnose(str(snap), "snap", runtimes={"runc", "nvidia"}) == []
    install_toolkit(snap)  # host packages next to the snap: docker-snap#357 (snap 29.2.0+)
    found = problems(diagnose(str(snap), "snap", runtimes={"runc", "nvidia"}))
    assert "docker-snap#357" in found and "driver=nvidia.runtime-hook" in found

    podman = bare_host(tmp_path, "podman")
    add_driver(podman)
    (podman / "usr/bin/podman").write_text("")
    found = problems(diagnose(str(podman)))
    assert "unresolvable CDI devices nvidia.com/gpu=all" in found
    assert "sudo nvidia-ctk cdi generate --output=/var/run/cdi/nvidia.yaml" in found
    (podman / "var/run/cdi").mkdir(parents=True)
    (podman / "var/run/cdi/nvidia.yaml").write_text("cdiVersion: 0.5.0\nkind: nvidia.com/gpu\ndevices: []\n")
    assert "CDI" not in problems(diagnose(str(podman)))


def test_option1_runs_as_a_script(fix_code, tmp_path):
    result = run_python(fix_code(SLUG, 1), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "PROBLEM: " in result.stdout or "host side looks right" in result.stdout


# NVIDIA/cloud-native-docs container-toolkit/install-guide.md, word for word (apt repository, install, configure Docker)
GUIDE_LINES = [
    "curl -fsSL https://nvidia.github.io/libnvidia-container/gpgkey | sudo gpg --dearmor -o "
    "/usr/share/keyrings/nvidia-container-toolkit-keyring.gpg \\",
    "&& curl -s -L https://nvidia.github.io/libnvidia-container/stable/deb/nvidia-container-toolkit.list | \\",
    "sed 's#deb https://#deb [signed-by=/usr/share/keyrings/nvidia-container-toolkit-keyring.gpg] https://#g' | \\",
    "sudo tee /etc/apt/sources.list.d/nvidia-container-toolkit.list",
    "sudo apt-get update",
    "sudo nvidia-ctk runtime configure --runtime=docker",
    "sudo systemctl restart docker",
]

# compose-spec/compose-go schema/compose-spec.json, definitions.devices as in both stored versions (list_of_strings
# inlined, list_or_dict simplified). One recent version adds `oneOf: [required capabilities, required driver]`, which
# a strict JSON-schema reading would refuse for an entry that has both; not applied here (not verified how compose-go
# evaluates it).
LIST_OF_STRINGS = {"type": "array", "items": {"type": "string"}, "uniqueItems": True}
DEVICES_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "capabilities": LIST_OF_STRINGS,
            "count": {"type": ["string", "integer"]},
            "device_ids": LIST_OF_STRINGS,
            "driver": {"type": "string"},
            "options": {"type": ["object", "array"]},
        },
        "additionalProperties": False,
        "patternProperties": {"^x-": {}},
    },
}


def test_option2_commands_are_the_install_guides(tmp_path):
    blocks = option_blocks(SLUG, 2)
    assert [lang for lang, _ in blocks] == ["bash", "yaml"]
    lines = [line.split("  #")[0].strip() for line in blocks[0][1].splitlines()]
    for expected in GUIDE_LINES:
        assert expected in lines, expected
    assert "sudo apt-get install -y nvidia-container-toolkit" in lines
    # the restart comes after the configure step, as the guide orders them
    assert lines.index("sudo systemctl restart docker") > lines.index(
        "sudo nvidia-ctk runtime configure --runtime=docker"
    )


def test_option2_compose_reservation_is_valid_and_reaches_the_gpu(tmp_path, engine_at):
    compose = yaml.safe_load(option_blocks(SLUG, 2)[1][1])
    service = compose["services"]["app"]
    assert "runtime" not in service
    devices = service["deploy"]["resources"]["reservations"]["devices"]
    jsonschema.Draft7Validator(DEVICES_SCHEMA).validate(devices)
    with pytest.raises(jsonschema.ValidationError):  # the schema is strict: a typo'd key is refused
        jsonschema.Draft7Validator(DEVICES_SCHEMA).validate([{"driver": "nvidia", "capability": ["gpu"]}])
    dev = devices[0]
    request = {
        "driver": dev["driver"],
        "count": -1 if str(dev["count"]).lower() == "all" else int(dev["count"]),
    }
    request["capabilities"] = dev["capabilities"]

    root = bare_host(tmp_path)
    add_driver(root)
    _, host = engine_at(root)
    result = run_client(host, json.dumps(request))
    message = re.search(r'\("(.*)"\)$', last_line(result)).group(1)
    assert f"Error response from daemon: {message}" == ENTRY.errors[1]
    install_toolkit(root)
    engine, host = engine_at(root)
    assert run_client(host, json.dumps(request)).stdout.strip() == "started"
    assert engine.created[CONTAINER_ID]["started_env"] == ["NVIDIA_VISIBLE_DEVICES=all"]


def test_option4_daemon_json_is_valid_and_keeps_the_runtime():
    (lang, text), *_ = option_blocks(SLUG, 4)
    assert lang == "json"
    config = json.loads(text)
    assert config["exec-opts"] == ["native.cgroupdriver=cgroupfs"]  # NVIDIA troubleshooting.md workaround
    assert config["runtimes"]["nvidia"] == {
        "args": [],
        "path": "nvidia-container-runtime",
    }  # what nvidia-ctk writes


def test_option5_commands_are_the_guides():
    text = option_blocks(SLUG, 5)[0][1]
    for line in [
        "nvidia-ctk runtime configure --runtime=docker --config=$HOME/.config/docker/daemon.json",
        "systemctl --user restart docker",
        "sudo nvidia-ctk config --set nvidia-container-cli.no-cgroups --in-place",
        "sudo nvidia-ctk cdi generate --output=/var/run/cdi/nvidia.yaml",
        "podman run --rm --device nvidia.com/gpu=all --security-opt=label=disable ubuntu nvidia-smi -L",
        "docker run --rm --runtime=nvidia -e NVIDIA_VISIBLE_DEVICES=nvidia.com/gpu=all ubuntu nvidia-smi -L",
    ]:
        assert line in text, line
