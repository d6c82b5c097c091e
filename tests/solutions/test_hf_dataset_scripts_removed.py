"""hf-dataset-scripts-removed: datasets 4.0+ refuses loading scripts; the Parquet branch still loads.

datasets is not installed in this venv, so the tests build a small fake `datasets` in tmp_path whose raising logic
is copied word for word from datasets 5.2.0 datasets/load.py (identical in 4.0.0, 4.1.0, 4.8.5 and 5.0.0):
`load_dataset` pops `trust_remote_code` and logs the three-line "not supported anymore" message with logger.error
(datasets' logger is a plain StreamHandler), and `dataset_module_factory` derives `filename` from the last part of
the path + ".py" and raises `RuntimeError(f"Dataset scripts are no longer supported, but found {filename}")` when the
path ends with it, when a local folder holds it, or when the Hub repo holds it at the revision asked for (here a
folder per repo and revision stands in for hf_hub_download). The "parquet" builder of the fake reads its data files
(JSON lines standing in for Parquet, since pyarrow is not installed either) from that same folder when given
hf://datasets/<repo>@<revision>/<path> URLs.

The entry's Option 1 functions run with the real huggingface_hub (HfApi.list_repo_files) against a local server that
answers the Hub's tree API for the branch refs/convert/parquet, and the fake datasets loads the rows they select.
"""

import json
import textwrap
from pathlib import Path

from fake_http import json_server
from pyrun import last_line, run_python

from app.corpus.entries import parse_entry

SLUG = "hf-dataset-scripts-removed"
ENTRY = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"
BRANCH = "refs/convert/parquet"

DATASETS = """
import json
import logging
import os

logger = logging.getLogger("datasets")
logger.addHandler(logging.StreamHandler())
_PACKAGED_DATASETS_MODULES = {"parquet", "json", "csv"}
HUB = os.environ["FAKE_HUB"]


class EntryNotFoundError(Exception):
    pass


def _hub_file(repo_id, filename, revision):
    path = os.path.join(HUB, repo_id, (revision or "main").replace("/", "%2F"), filename)
    if not os.path.isfile(path):
        raise EntryNotFoundError(filename)
    return path


def _read(path):
    if path.startswith("hf://datasets/"):
        repo_rev, _, inner = path[len("hf://datasets/"):].partition("/")
        repo_rev = repo_rev + "/" + inner
        repo_id, _, rest = repo_rev.partition("@")
        for rev in sorted(os.listdir(os.path.join(HUB, repo_id)), key=len, reverse=True):
            if rest.startswith(rev.replace("%2F", "/") + "/"):
                path = _hub_file(repo_id, rest[len(rev.replace("%2F", "/")) + 1:], rev.replace("%2F", "/"))
                break
        else:
            raise FileNotFoundError(path)
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def dataset_module_factory(path, revision=None, data_dir=None, data_files=None):
    filename = list(filter(lambda x: x, path.replace(os.sep, "/").split("/")))[-1]
    if not filename.endswith(".py"):
        filename = filename + ".py"
    combined_path = os.path.join(path, filename)
    if path in _PACKAGED_DATASETS_MODULES:
        return {split: [row for f in files for row in _read(f)] for split, files in data_files.items()}
    # Try locally
    elif path.endswith(filename):
        raise RuntimeError(f"Dataset scripts are no longer supported, but found {filename}")
    elif os.path.isfile(combined_path):
        raise RuntimeError(f"Dataset scripts are no longer supported, but found {filename}")
    elif os.path.isdir(path):
        return {"train": []}
    # Try remotely
    elif path.count("/") <= 1:
        try:
            _hub_file(path, "README.md", revision)
        except EntryNotFoundError:
            pass
        try:
            _hub_file(path, filename, revision)
            raise RuntimeError(f"Dataset scripts are no longer supported, but found {filename}")
        except EntryNotFoundError:
            return {"train": []}
    raise FileNotFoundError(path)


def load_dataset(path, name=None, data_dir=None, data_files=None, split=None, revision=None, token=None, **config_kwargs):
    if "trust_remote_code" in config_kwargs:
        if config_kwargs.pop("trust_remote_code"):
            logger.error(
                "`trust_remote_code` is not supported anymore.\\n"
                f"Please check that the Hugging Face dataset '{path}' isn't based on a loading script and remove `trust_remote_code`.\\n"
                "If the dataset is based on a loading script, please ask the dataset author to remove it and convert it to a standard format like Parquet."
            )
    splits = dataset_module_factory(path, revision=revision, data_dir=data_dir, data_files=data_files)
    return splits[split] if split else splits
"""

MAIN = {"README.md": "# superb\n", "superb.py": "import datasets\n"}
PARQUET = {
    ".gitattributes": "",
    "asr/train/0000.parquet": '{"text": "hello"}\n{"text": "world"}\n',
    "asr/test/0000.parquet": '{"text": "hi"}\n',
    "ks/partial-train/0000.parquet": '{"label": 3}\n',
}


def _hub(tmp_path):
    hub = tmp_path / "hub"
    for rev, files in {"main": MAIN, BRANCH.replace("/", "%2F"): PARQUET}.items():
        for rel, text in files.items():
            path = hub / "s3prl" / "superb" / rev / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    site = tmp_path / "site" / "datasets"
    site.mkdir(parents=True)
    (site / "__init__.py").write_text(textwrap.dedent(DATASETS), encoding="utf-8")
    return {"FAKE_HUB": str(hub)}, tmp_path / "site"


def _run(code, tmp_path, env, site, extra=()):
    return run_python(code, cwd=tmp_path, path=[site, *extra], env=env)


def test_hub_dataset_with_a_script_raises_the_entry_s_error(tmp_path):
    env, site = _hub(tmp_path)
    entry = parse_entry(ENTRY)
    result = _run(
        "from datasets import load_dataset\nload_dataset('s3prl/superb', 'asr')\n", tmp_path, env, site
    )
    assert result.returncode != 0
    assert last_line(result) == entry.errors[0]

    flagged = _run(
        "from datasets import load_dataset\nload_dataset('superb', trust_remote_code=True)\n",
        tmp_path,
        {**env, "FAKE_HUB": str(tmp_path / "hub" / "s3prl")},
        site,
    )
    assert entry.errors[3] in flagged.stderr  # the three log lines, word for word
    assert last_line(flagged) == entry.errors[0]  # and the flag changes nothing else


def test_local_script_and_folder_raise_it_too(tmp_path):
    env, site = _hub(tmp_path)
    (tmp_path / "superb").mkdir()
    (tmp_path / "superb" / "superb.py").write_text("import datasets\n")
    (tmp_path / "plain").mkdir()
    entry = parse_entry(ENTRY)
    for call in ("load_dataset('superb/superb.py')", "load_dataset('superb')"):
        result = _run(f"from datasets import load_dataset\n{call}\n", tmp_path, env, site)
        assert last_line(result) == entry.errors[0], call
    ok = _run("from datasets import load_dataset\nprint(load_dataset('plain'))\n", tmp_path, env, site)
    assert ok.returncode == 0, ok.stderr


def test_the_branch_itself_has_no_script(tmp_path):
    env, site = _hub(tmp_path)
    code = f"from datasets import load_dataset\nprint(load_dataset('s3prl/superb', data_dir='asr', revision='{BRANCH}'))\n"
    result = _run(code, tmp_path, env, site)
    assert result.returncode == 0, result.stderr


def _tree_answer(seen):
    def answer(request):
        seen.append(request.path)
        if request.path.startswith("/api/datasets/s3prl/superb/tree/refs%2Fconvert%2Fparquet"):
            entries = [
                {"type": "file", "oid": "0" * 40, "size": len(text), "path": rel}
                for rel, text in PARQUET.items()
            ]
            return 200, entries
        return 404, {"error": "Invalid rev id: refs/convert/parquet"}, [("X-Error-Code", "RevisionNotFound")]

    return answer


OPTION1 = """
import json
from fix import load_parquet_conversion, parquet_data_files

print("FILES", json.dumps(parquet_data_files("s3prl/superb", "ks")))
data = load_parquet_conversion("s3prl/superb", "asr")
print("ROWS", json.dumps({split: rows for split, rows in sorted(data.items())}))
print("TRAIN", json.dumps(load_parquet_conversion("s3prl/superb", "asr", split="train")))
for args in (("s3prl/superb",), ("s3prl/superb", "nope"), ("acme/no-branch", "asr")):
    try:
        parquet_data_files(*args)
    except Exception as exc:
        print("ERROR", type(exc).__name__, str(exc).splitlines()[0])
"""


def test_option1_loads_one_config_of_the_parquet_branch(fix_code, tmp_path):
    env, site = _hub(tmp_path)
    (tmp_path / "fix.py").write_text(fix_code(SLUG, 1), encoding="utf-8")
    seen = []
    with json_server(_tree_answer(seen)) as url:
        env = {
            **env,
            "HF_ENDPOINT": url,
            "HF_HOME": str(tmp_path / "hf"),
            "HF_HUB_OFFLINE": None,
            "HF_TOKEN": None,
        }
        result = _run(OPTION1, tmp_path, env, site, extra=[tmp_path])
    assert result.returncode == 0, result.stderr
    lines = {
        line.split(" ", 1)[0]: line.split(" ", 1)[1] for line in result.stdout.splitlines() if " " in line
    }
    assert json.loads(lines["FILES"]) == {
        "train": [f"hf://datasets/s3prl/superb@{BRANCH}/ks/partial-train/0000.parquet"]
    }
    assert "note: ks/train was converted only in part" in result.stderr
    assert json.loads(lines["ROWS"]) == {
        "test": [{"text": "hi"}],
        "train": [{"text": "hello"}, {"text": "world"}],
    }
    assert json.loads(lines["TRAIN"]) == [{"text": "hello"}, {"text": "world"}]
    errors = [line for line in result.stdout.splitlines() if line.startswith("ERROR")]
    assert (
        errors[0]
        == "ERROR ValueError s3prl/superb has several configs on refs/convert/parquet, pass one of ['asr', 'ks']"
    )
    assert errors[1].startswith("ERROR ValueError config 'nope' is not on refs/convert/parquet")
    assert errors[2].startswith("ERROR RevisionNotFoundError")
    assert any(path.startswith("/api/datasets/s3prl/superb/tree/refs%2Fconvert%2Fparquet") for path in seen)
