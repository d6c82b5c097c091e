"""Verified fix for solutions/docker-image-pull-failed.md.

No network and no Docker Engine: tests/solutions/fake_docker_image_pull.py runs a local registry (Registry HTTP
API v2 with Docker Hub's token flow: `insufficient_scope` for a missing or private repository, MANIFEST_UNKNOWN
for a missing tag, TOOMANYREQUESTS with Hub's message, ratelimit headers, multi-platform indexes) and a
daemon stand-in on a unix socket that pulls from it and words its errors as moby does (distribution
registry/client/errors.go handleErrorResponse; moby distribution/errors.go notFoundError with errors.Wrapf;
pull_v2.go "no matching manifest for %s in the manifest list entries" in the progress stream).
Reproduced for real on top of that: the docker SDK (docker-py, a dev dependency) raises the entry's docker-py
signatures, and, where the docker CLI is installed (28.2.2 when this was written), `docker pull` / `docker run`
print the entry's CLI signatures. Then the entry's own Option 1 script (taken from the Markdown) is run against
the registry for each cause and must name it; its reference parsing is checked against Docker's rules.
Not run: Options 2-5 are docker / compose / kubectl / cloud CLI commands that need a real engine or cluster.
"""

from __future__ import annotations

import os
from pathlib import Path

import docker
import pytest
from fake_docker_image_pull import Daemon, Registry
from pyrun import run_python

from app.corpus.entries import parse_entry

SLUG = "docker-image-pull-failed"
ENTRY = parse_entry(Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md")
REPOS = {
    "library/python": {"tags": {"latest": ["linux/amd64", "linux/arm64/v8"]}},
    "org/app": {"tags": {"1.1": ["linux/amd64"], "1.1-slim": ["linux/amd64"], "2.0": ["linux/amd64"]}},
    "org/private": {"tags": {"1": ["linux/amd64", "linux/arm64"]}, "private": True},
    "org/single": {"tags": {"1": ["linux/arm64/v8"]}, "single": True},
}
USERS = {"ci-bot": "s3cret"}


def signature(start: str) -> str:
    """The entry's signature equal to `start`, else its one signature that starts with it (so a reworded
    signature fails the test)."""
    if start in ENTRY.errors:
        return start
    found = [e for e in ENTRY.errors if e.startswith(start)]
    assert len(found) == 1, (start, found)
    return found[0]


@pytest.fixture
def registry():
    with Registry(REPOS, USERS).serve() as reg:
        yield reg


@pytest.fixture
def sock_dir(tmp_path):
    folder = tmp_path / "run"
    folder.mkdir()
    return folder


@pytest.fixture
def arm_daemon(registry, sock_dir):
    """A daemon on an arm64 host (Apple silicon, Graviton)."""
    with Daemon(registry, platform="linux/arm64/v8").serve(sock_dir / "docker.sock") as host:
        yield host


def sdk_error(host: str, *args, **kwargs) -> str:
    client = docker.DockerClient(base_url=host, timeout=20)
    with pytest.raises(docker.errors.APIError) as caught:
        client.images.pull(*args, **kwargs)
    err = caught.value
    return f"{type(err).__module__}.{type(err).__name__}: {err}"


def test_docker_py_raises_the_entry_signatures(registry, arm_daemon):
    assert sdk_error(arm_daemon, "myimage") == signature("docker.errors.ImageNotFound")
    assert sdk_error(arm_daemon, "ghcr.io/org/app", tag="1.2") == signature("docker.errors.NotFound")
    registry.rate_limited = True
    assert sdk_error(arm_daemon, "python") == signature("docker.errors.APIError: 500")


def test_docker_py_hides_the_platform_error_that_the_low_level_stream_shows(arm_daemon):
    # images.pull() reads the stream, ignores its errorDetail and then fails to find the image
    text = sdk_error(arm_daemon, "ghcr.io/org/app", tag="1.1")
    assert text.startswith("docker.errors.ImageNotFound: 404 Client Error")
    assert '("No such image: ghcr.io/org/app:1.1")' in text
    client = docker.DockerClient(base_url=arm_daemon, timeout=20)
    events = list(client.api.pull("ghcr.io/org/app", tag="1.1", stream=True, decode=True))
    assert events[-1]["errorDetail"]["message"] == signature(
        "no matching manifest for linux/arm64/v8 in the manifest list entries"
    )


# --- Option 1 --------------------------------------------------------------------------------------------------


def check(fix_code, tmp_path, image, *args, env=None):
    proxyless = {k: None for k in os.environ if "proxy" in k.lower()}
    proxyless.update({"REGISTRY_USER": None, "REGISTRY_PASSWORD": None, **(env or {})})
    return run_python(fix_code(SLUG, 1), cwd=tmp_path, env=proxyless, args=[image, *args], timeout=60)


def verdict(result) -> str:
    return result.stdout.strip().splitlines()[-1]


def test_option1_names_a_missing_or_private_repository(fix_code, tmp_path, registry):
    for image in (f"{registry.host}/org/typo:1", f"{registry.host}/org/private:1"):
        result = check(fix_code, tmp_path, image, "--platform", "linux/amd64")
        assert result.returncode == 1, result.stderr
        assert verdict(result).startswith("DENIED anonymously: "), result.stdout
    # the same private image with credentials: readable, so it was a login problem
    creds = {"REGISTRY_USER": "ci-bot", "REGISTRY_PASSWORD": "s3cret"}
    result = check(
        fix_code, tmp_path, f"{registry.host}/org/private:1", "--platform", "linux/arm64", env=creds
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert verdict(result) == (
        f"OK: {registry.host}/org/private:1 exists for ['linux/amd64', 'linux/arm64'] and is readable with your credentials"
    )
    bad = check(
        fix_code, tmp_path, f"{registry.host}/org/private:1", env={**creds, "REGISTRY_PASSWORD": "old"}
    )
    assert bad.returncode == 1 and "LOGIN REJECTED: the token service answered 401" in bad.stderr
    # GHCR-style token service that refuses anonymous tokens outright: still "denied", not a crash
    registry.token_denies = True
    result = check(fix_code, tmp_path, f"{registry.host}/org/private:1")
    assert verdict(result).startswith("DENIED anonymously"), result.stdout + result.stderr
    assert registry.manifest_gets == 1  # only the readable one was fetched: HEAD first


def test_option1_lists_the_tags_when_the_tag_is_missing(fix_code, tmp_path, registry):
    result = check(fix_code, tmp_path, f"{registry.host}/org/app:1.2")
    assert result.returncode == 1
    assert verdict(result) == (
        f"TAG NOT FOUND: '1.2' is not in {registry.host}/org/app; it has 3 tags, e.g. ['1.1', '1.1-slim', '2.0'] (Option 4)"
    )
    assert registry.manifest_gets == 0


def test_option1_tells_which_platforms_a_tag_has(fix_code, tmp_path, registry):
    result = check(fix_code, tmp_path, f"{registry.host}/org/app:1.1", "--platform", "linux/arm64")
    assert result.returncode == 1
    assert (
        verdict(result)
        == f"NO IMAGE FOR linux/arm64: {registry.host}/org/app:1.1 has only ['linux/amd64'] (Option 4)"
    )
    assert "Docker Hub pulls left: 76;w=21600 (limit 100;w=21600)" in result.stdout
    ok = check(fix_code, tmp_path, f"{registry.host}/org/app:1.1", "--platform", "linux/amd64")
    assert ok.returncode == 0 and verdict(ok).startswith("OK: ")
    # a single-platform image (no index): the platform comes from its config blob
    single = check(fix_code, tmp_path, f"{registry.host}/org/single:1", "--platform", "linux/amd64")
    assert (
        verdict(single)
        == f"NO IMAGE FOR linux/amd64: {registry.host}/org/single:1 has only ['linux/arm64/v8'] (Option 4)"
    )
    arm = check(fix_code, tmp_path, f"{registry.host}/org/single:1", "--platform", "linux/arm64")
    assert arm.returncode == 0


def test_option1_reports_the_rate_limit(fix_code, tmp_path, registry):
    registry.rate_limited = True
    result = check(fix_code, tmp_path, f"{registry.host}/library/python")
    assert result.returncode == 1
    assert verdict(result).startswith("RATE LIMITED: ")
    upper = check(fix_code, tmp_path, f"{registry.host}/org/MyApp:1")
    assert verdict(upper) == "INVALID NAME: repository names are lower case (org/myapp)"


def test_option1_parses_references_like_docker(fix_code):
    namespace: dict = {"__name__": "entry_option_1"}
    exec(compile(fix_code(SLUG, 1), f"{SLUG}.md option 1", "exec"), namespace)
    parse = namespace["parse"]
    assert parse("nginx") == ("docker.io", "library/nginx", "latest")
    assert parse("bitnami/redis:7.2") == ("docker.io", "bitnami/redis", "7.2")
    assert parse("ghcr.io/org/app:1.2") == ("ghcr.io", "org/app", "1.2")
    assert parse("localhost:5000/app") == ("localhost:5000", "app", "latest")
    assert parse("myregistry:5000/team/app:dev") == ("myregistry:5000", "team/app", "dev")
    digest = "sha256:" + "a" * 64
    assert parse(f"python@{digest}") == ("docker.io", "library/python", digest)
    registry = namespace["Registry"]("docker.io", "library/nginx")
    assert registry.base == "https://registry-1.docker.io"
    assert namespace["Registry"]("ghcr.io", "org/app").base == "https://ghcr.io"


def test_option1_sends_no_credentials_where_a_blob_download_is_redirected(fix_code, tmp_path, registry):
    """Registries redirect blob downloads to object storage or a CDN: the registry's token (and, on ECR,
    the user and password) must not follow the redirect there."""
    registry.blob_store = f"{registry.url}/store"  # a single-platform image: its config blob is read
    creds = {"REGISTRY_USER": "ci-bot", "REGISTRY_PASSWORD": "s3cret"}
    result = check(
        fix_code, tmp_path, f"{registry.host}/org/single:1", "--platform", "linux/arm64", env=creds
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert registry.blob_store_auth == [None]
