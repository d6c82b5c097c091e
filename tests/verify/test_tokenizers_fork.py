"""solutions/tokenizers-fork-parallelism.md against tokenizers 0.22.1, 0.22.2 and 0.23.3.

The first version of the entry said 0.22.2 made the thread pool fork-safe, so that forked
children encode in parallel. It did not: 0.22.2 only dropped the warning. A child forked after
the parent used the pool is still switched to one thread, and with TOKENIZERS_PARALLELISM=true
it hangs in its first encode_batch, on every version. The tokenizer is trained in memory (no
download); each check waits a bounded time for the forked child and kills it if it hangs.
"""

import json

import pytest
from verifylib import python_blocks

SLUG = "tokenizers-fork-parallelism"
VERSIONS = ["0.22.1", "0.22.2", "0.23.3"]
WARNING = "The current process just got forked"

FORK_AFTER_USE = r"""
import json, os, sys, time
from tokenizers import Tokenizer, models, pre_tokenizers, trainers

tok = Tokenizer(models.BPE(unk_token="[UNK]"))
tok.pre_tokenizer = pre_tokenizers.Whitespace()
tok.train_from_iterator(["hello world fork safe tokenizers parallel"] * 200,
                        trainers.BpeTrainer(vocab_size=60, special_tokens=["[UNK]"], show_progress=False))
texts = ["hello world fork safe"] * 5000
tok.encode_batch(texts)                       # the parent uses the pool
read, write = os.pipe()
pid = os.fork()
if pid == 0:
    os.close(read)
    tok.encode_batch(texts)
    os.write(write, str(len(os.listdir("/proc/self/task"))).encode())
    os._exit(0)
os.close(write)
deadline = time.monotonic() + 8
while time.monotonic() < deadline:
    done, _ = os.waitpid(pid, os.WNOHANG)
    if done:
        print(json.dumps({"child": "finished", "threads": int(os.read(read, 16) or 0)}))
        sys.exit(0)
    time.sleep(0.05)
os.kill(pid, 9)
os.waitpid(pid, 0)
print(json.dumps({"child": "hung"}))
"""


def _fork_after_use(venv, version, **kwargs):
    run = venv(f"tokenizers=={version}").run(FORK_AFTER_USE, timeout=90, **kwargs)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1]), run.stdout + run.stderr


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("value", ["true", "1", "yes"])
def test_parallelism_forced_on_hangs_the_forked_child(venv, version, value):
    result, _ = _fork_after_use(venv, version, env={"TOKENIZERS_PARALLELISM": value})
    assert result == {"child": "hung"}


@pytest.mark.parametrize("version", VERSIONS)
def test_unset_child_finishes_on_one_thread_and_only_old_releases_warn(venv, version):
    result, output = _fork_after_use(venv, version, unset=["TOKENIZERS_PARALLELISM"])
    assert result == {"child": "finished", "threads": 1}  # not parallel: the hook turned it off
    assert (WARNING in output) is (version == "0.22.1")


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("value", ["false", "0", "off"])
def test_parallelism_off_finishes(venv, version, value):
    result, output = _fork_after_use(venv, version, env={"TOKENIZERS_PARALLELISM": value})
    assert result == {"child": "finished", "threads": 1}
    assert WARNING not in output


def _block(n: int) -> str:
    return [code for _, code in python_blocks(SLUG)][n]


@pytest.mark.parametrize("version", VERSIONS)
def test_option_1_does_not_hang_even_with_true_inherited(venv, version):
    run = venv(f"tokenizers=={version}").run(_block(0), timeout=60, env={"TOKENIZERS_PARALLELISM": "true"})
    assert run.returncode == 0, run.stderr
    assert "workers: [20, 20, 20, 20]" in run.stdout
    assert WARNING not in run.stdout + run.stderr


def test_setdefault_would_keep_an_inherited_true_and_hang(venv):
    """Why Option 1 assigns the variable: the first version used setdefault, and its workers hung."""
    code = _block(0).replace(
        'os.environ["TOKENIZERS_PARALLELISM"] = "false"',
        'os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")',
    )
    assert "setdefault" in code
    with pytest.raises(Exception) as info:  # subprocess.TimeoutExpired: the pool workers never answer
        venv("tokenizers==0.23.3").run(code, timeout=20, env={"TOKENIZERS_PARALLELISM": "true"})
    assert type(info.value).__name__ == "TimeoutExpired"


@pytest.mark.parametrize("version", VERSIONS)
def test_option_2_workers_with_their_own_tokenizer_do_not_hang(venv, version):
    run = venv(f"tokenizers=={version}").run(_block(1), timeout=60, env={"TOKENIZERS_PARALLELISM": "true"})
    assert run.returncode == 0, run.stderr
    assert "workers: [2000, 2000, 2000, 2000]" in run.stdout
