"""Verified fixes for solutions/hf-hub-offline.md, with the real huggingface_hub and no network.

Reproduced: with HF_HUB_OFFLINE=1 and an empty HF_HOME, hf_hub_download / snapshot_download / model_info
raise the entry's LocalEntryNotFoundError / OfflineModeIsEnabled messages; with local_files_only=True the
"set 'local_files_only' to False" / "pass 'local_files_only=False' as input" wordings. HF_ENDPOINT points
at a closed local port, so nothing could ever reach huggingface.co.
Run: Option 4's resolve_model (from the Markdown) on a cache laid out as models--org--name/snapshots/<sha>
(returned with no request) and on an empty cache (falls through to the Hub call, which offline mode refuses);
the "read at import" limit of HF_HUB_OFFLINE.
Not run here: Option 1 (needs transformers and a model fetched online), Option 2 (a Dockerfile),
Option 3 (a proxy / mirror).
"""

import huggingface_hub  # noqa: F401  (fails loudly when the dev extra is missing)
import pytest
from pyrun import run_python

SLUG = "hf-hub-offline"
REPO = "bert-base-uncased"
SHA = "86b5e0934494bd15c9632b12f734a8a67f723594"

PROBE = """
import sys
from huggingface_hub import hf_hub_download, snapshot_download, model_info
calls = {
    "file": lambda: hf_hub_download("bert-base-uncased", "config.json"),
    "file_local": lambda: hf_hub_download("bert-base-uncased", "config.json", local_files_only=True),
    "snapshot": lambda: snapshot_download("bert-base-uncased"),
    "snapshot_local": lambda: snapshot_download("bert-base-uncased", local_files_only=True),
    "info": lambda: model_info("bert-base-uncased"),
}
try:
    print(calls[sys.argv[1]]())
except Exception as exc:
    print(f"{type(exc).__module__}.{type(exc).__name__}: {exc}")
    print("CAUSE", type(exc.__cause__).__name__)
    sys.exit(1)
"""


@pytest.fixture
def dead_endpoint(silent_port):
    return f"http://127.0.0.1:{silent_port}"


@pytest.fixture
def hf_env(tmp_path, dead_endpoint):
    import os

    env = {k: None for k in os.environ if k.startswith(("HF_", "TRANSFORMERS_")) or "proxy" in k.lower()}
    env.update(HF_HOME=str(tmp_path / "hf_home"), HF_ENDPOINT=dead_endpoint, HF_HUB_OFFLINE="1")
    return env


def probe(call, env):
    return run_python(PROBE, env=env, args=[call])


def test_offline_hf_hub_download_with_empty_cache(hf_env):
    result = probe("file", hf_env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert (
        "huggingface_hub.errors.LocalEntryNotFoundError: An error happened while trying to locate the file on the "
        "Hub and we cannot find the requested files in the local cache. Please check your connection and try "
        "again or make sure your Internet connection is on." in result.stdout
    )
    assert "CAUSE OfflineModeIsEnabled" in result.stdout


def test_local_files_only_wordings(hf_env):
    hf_env["HF_HUB_OFFLINE"] = None
    file = probe("file_local", hf_env)
    assert (
        "LocalEntryNotFoundError: Cannot find the requested files in the disk cache and outgoing traffic has been "
        "disabled. To enable hf.co look-ups and downloads online, set 'local_files_only' to False."
        in file.stdout
    )
    snap = probe("snapshot_local", hf_env)
    assert (
        "LocalEntryNotFoundError: Cannot find an appropriate cached snapshot folder for the specified revision on "
        "the local disk and outgoing traffic has been disabled. To enable repo look-ups and downloads online, pass "
        "'local_files_only=False' as input." in snap.stdout
    )


def test_offline_snapshot_and_api_wordings(hf_env):
    snap = probe("snapshot", hf_env)
    assert (
        "Cannot find an appropriate cached snapshot folder for the specified revision on the local disk and "
        "outgoing traffic has been disabled. To enable repo look-ups and downloads online, set "
        "'HF_HUB_OFFLINE=0' as environment variable." in snap.stdout
    )
    info = probe("info", hf_env)
    assert (
        f"huggingface_hub.errors.OfflineModeIsEnabled: Cannot reach {hf_env['HF_ENDPOINT']}/api/models/{REPO}: "
        "offline mode is enabled. To disable it, please unset the `HF_HUB_OFFLINE` environment variable."
        in info.stdout
    )


def fill_cache(hf_home):
    """The layout the cache lookup expects: hub/models--org--name/{refs/main, snapshots/<sha>/...}."""
    repo = hf_home / "hub" / f"models--{REPO.replace('/', '--')}"
    snap = repo / "snapshots" / SHA
    snap.mkdir(parents=True)
    (snap / "config.json").write_text('{"model_type": "bert"}')
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(SHA)
    return snap


def test_prefilled_cache_works_offline(hf_env, tmp_path):
    snap = fill_cache(tmp_path / "hf_home")
    result = probe("file", hf_env)
    assert result.returncode == 0, result.stdout
    assert result.stdout.strip() == str(snap / "config.json")


def test_hand_copied_plain_folder_is_ignored(hf_env, tmp_path):
    plain = tmp_path / "hf_home" / REPO
    plain.mkdir(parents=True)
    (plain / "config.json").write_text("{}")
    assert probe("file", hf_env).returncode == 1


RESOLVE = """
import sys
{fix}
try:
    print("OK", resolve_model(sys.argv[1]))
except LocalEntryNotFoundError as exc:
    print("MISS", exc)
"""


def test_option4_uses_cache_without_network(fix_code, hf_env, tmp_path):
    snap = fill_cache(tmp_path / "hf_home")
    hf_env["HF_HUB_OFFLINE"] = None  # online mode, but the endpoint is dead: only the cache can answer
    result = run_python(RESOLVE.format(fix=fix_code(SLUG, 4)), env=hf_env, args=[REPO])
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"OK {snap}"
    assert "Retrying" not in result.stderr and "thrown while requesting" not in result.stderr


def test_option4_falls_back_to_the_hub_on_a_cache_miss(fix_code, hf_env):
    # Offline mode makes the fallback's Hub call fail at once; its message proves the second call ran.
    result = run_python(RESOLVE.format(fix=fix_code(SLUG, 4)), env=hf_env, args=[REPO])
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("MISS ")
    assert "set 'HF_HUB_OFFLINE=0' as environment variable" in result.stdout


def test_offline_flag_is_read_at_import(hf_env):
    hf_env["HF_HUB_OFFLINE"] = None
    code = """
import os
import huggingface_hub
from huggingface_hub import constants
os.environ["HF_HUB_OFFLINE"] = "1"
print(constants.HF_HUB_OFFLINE, huggingface_hub.is_offline_mode())
"""
    result = run_python(code, env=hf_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False"]
