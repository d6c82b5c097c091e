"""Evidence beyond the words: decisive parts, look-alikes, frames, the client's environment.

Each mechanism is shown on a small index of its own (so the test says what the mechanism
does, whatever the corpus holds), and each kind of confident wrong answer found on real
errors sampled by repository is checked against the real corpus with texts of our own.
"""

from __future__ import annotations

import collections
import json
import sqlite3
from pathlib import Path

import pytest

from app.corpus.checker import look_alike_problems, memory_index
from app.corpus.entries import EntryInvalid, parse_text
from app.search.evaluation import parse_folder
from synapse_skill.matching import decisive, evidence, matcher
from synapse_skill.matching import score as scoring
from synapse_skill.matching.extract import extract
from synapse_skill.matching.index import Generality, IndexItem

SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions"


# The general missing-package entry, beside which a mechanism shows what it tells apart.
MISSING_PACKAGE = IndexItem(
    "missing-package", ["ModuleNotFoundError: No module named 'requests'"], "Package not installed"
)


def index(*items: IndexItem) -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    matcher.create_schema(conn)
    matcher.index_entries(conn, items)
    return conn


def best(conn, text, env=None):
    hits = matcher.search(conn, text, env=env).hits
    return hits[0] if hits else None


def answered(conn, text, env=None):
    hit = best(conn, text, env)
    return hit.slug if hit and hit.confident else None


def one_entry(slug: str, signature: str, title: str) -> sqlite3.Connection:
    """An index of one entry with one signature: what a mechanism is shown on."""
    return index(IndexItem(slug, [signature], title))


def assert_withheld(conn, text, conflict):
    """No confident answer for `text`, and why names the decisive part that differs."""
    hit = best(conn, text)
    assert hit is None or not hit.confident
    assert hit is None or conflict in hit.conflicts


# -- decisive parts ----------------------------------------------------------------


def test_errno_words_decide_but_the_platform_number_does_not():
    conn = index(
        IndexItem("in-use", ["OSError: [Errno 98] Address already in use"], "Address already in use"),
        IndexItem(
            "refused", ["ConnectionRefusedError: [Errno 111] Connection refused"], "Connection refused"
        ),
    )
    hit = best(conn, "OSError: [Errno 99] Cannot assign requested address")
    assert answered(conn, "OSError: [Errno 99] Cannot assign requested address") is None
    assert hit is None or hit.conflicts  # the errno words differ: shown in why
    # ECONNREFUSED is 61 on macOS and 10061 on Windows: same words, same error
    assert answered(conn, "ConnectionRefusedError: [Errno 61] Connection refused") == "refused"
    assert answered(conn, "ConnectionRefusedError: [WinError 10061] Connection refused") == "refused"


def test_the_operating_system_s_reason_decides_in_any_wording():
    runc = (
        "docker: Error response from daemon: failed to create shim task: OCI runtime create failed: runc create"
        ' failed: unable to start container process: exec: "/docker-entrypoint.sh": permission denied: unknown.'
    )
    conn = one_entry("exec-denied", runc, "Entrypoint not executable")
    # the same wrapper around another reason is another failure, shown in why
    assert_withheld(
        conn,
        runc.replace(
            'exec: "/docker-entrypoint.sh": permission denied',
            "load library failed: libfoo.so.1: cannot open shared object file: no such file or directory",
        ),
        "os_reason no such file or directory ≠ permission denied",
    )
    assert answered(conn, runc.replace("docker-entrypoint", "entrypoint")) == "exec-denied"
    # a runtime's code and Windows' words name the same reasons; the innermost (last) one counts
    assert (
        decisive.features("Error: EACCES: permission denied, mkdir '/app/logs'")["os_reason"]
        == "permission denied"
    )
    assert decisive.features("PermissionError: [WinError 5] Access is denied: 'C:\\x'")["os_reason"] == (
        "permission denied"
    )
    assert (
        decisive.features("Error: connect ECONNREFUSED 127.0.0.1:5432")["os_reason"] == "connection refused"
    )
    assert (
        decisive.features("mkdir /data: read-only file system: then open /x: no such file or directory")[
            "os_reason"
        ]
        == "no such file or directory"
    )
    # `.env.example` or `denied_list`: words inside names are not reasons
    assert "os_reason" not in decisive.features("KeyError: 'permission_denied_list'")


def test_the_step_pip_ran_decides_whether_a_subprocess_failure_is_a_build():
    conn = one_entry("build-failed", "error: subprocess-exited-with-error", "A package failed to build")
    clone = (
        "  fatal: Authentication failed for 'https://github.com/acme/private-tools.git/'\n"
        "  error: subprocess-exited-with-error\n\n"
        "  × git clone --filter=blob:none --quiet https://github.com/acme/private-tools.git /tmp/pip-req-build-q1 did not"
        " run successfully.\n  │ exit code: 128\n  ╰─> See above for output.\n\n"
        "  note: This error originates from a subprocess, and is likely not a problem with pip.\n"
        "error: subprocess-exited-with-error"
    )
    assert_withheld(conn, clone, "pip_step vcs ≠ build")
    build = clone.replace(
        "git clone --filter=blob:none --quiet https://github.com/acme/private-tools.git /tmp/pip-req-build-q1",
        "Building wheel for acme-tools (pyproject.toml)",
    )
    assert answered(conn, build) == "build-failed"


def test_a_local_pre_push_hook_failing_is_not_the_remote_refusing_the_push():
    conn = one_entry(
        "push-rejected",
        "error: failed to push some refs to 'https://github.com/org/repo.git'",
        "Push rejected",
    )
    hook = "husky - pre-push hook failed (add --no-verify to bypass)\nerror: failed to push some refs to 'git@github.com:me/app.git'"
    assert_withheld(conn, hook, "push_refused_by local hook ≠ remote")
    rejected = (
        " ! [rejected]        main -> main (fetch first)\n"
        "error: failed to push some refs to 'git@github.com:me/app.git'"
    )
    assert answered(conn, rejected) == "push-rejected"


def test_a_node_above_a_package_s_engine_range_is_not_a_node_too_old():
    older = (
        "npm WARN EBADENGINE Unsupported engine {\nnpm WARN EBADENGINE   package: 'vite@7.1.12',\n"
        "npm WARN EBADENGINE   required: { node: '^20.19.0 || >=22.12.0' },\n"
        "npm WARN EBADENGINE   current: { node: 'v18.20.8', npm: '10.8.2' }\nnpm WARN EBADENGINE }"
    )
    conn = one_entry("node-too-old", older, "Node older than the package needs")
    newer = (
        older.replace("vite@7.1.12", "got@5.7.1")
        .replace("^20.19.0 || >=22.12.0", ">=0.10.0 <7")
        .replace("v18.20.8", "v14.0.0")
    )
    assert decisive.features(newer)["engine_direction"] == "newer"
    assert_withheld(conn, newer, "engine_direction newer ≠ older")
    assert answered(conn, older.replace("v18.20.8", "v16.20.2")) == "node-too-old"
    # yarn says it its own way; a range it cannot place says nothing either way
    yarn = 'error old@1.0.0: The engine "node" is incompatible with this module. Expected version "^8.0.0". Got "20.11.1"'
    assert decisive.features(yarn)["engine_direction"] == "newer"
    assert decisive.features(yarn.replace("^8.0.0", "*"))["engine_direction"] == "unknown"


def test_a_node_builtin_missing_is_not_a_package_to_install():
    conn = one_entry("install-it", "Error: Cannot find module 'express'", "npm install the package")
    assert_withheld(conn, "Error: Cannot find module 'node:sqlite'", "node_builtin builtin ≠ package")
    assert answered(conn, "Error: Cannot find module 'zod'") == "install-it"


def test_an_http_status_decides():
    conn = one_entry(
        "rate-limit",
        "openai.RateLimitError: Error code: 429 - {'error': {'message': 'Rate limit reached'}}",
        "Rate limit 429",
    )
    assert (
        answered(
            conn,
            "openai.RateLimitError: Error code: 429 - {'error': {'message': 'Rate limit reached for gpt-4o'}}",
        )
        == "rate-limit"
    )
    assert (
        answered(conn, "openai.NotFoundError: Error code: 404 - {'error': {'message': 'Rate limit reached'}}")
        is None
    )


def test_the_status_of_an_html_error_page_decides():
    conn = one_entry(
        "gateway",
        "openai.InternalServerError: <html><head><title>502 Bad Gateway</title></head></html>",
        "A proxy in front of the server failed",
    )
    page = "API error: <html>\n<head><title>{}</title></head>\n<center><h1>{}</h1></center>\n</html>"
    assert answered(conn, page.format("502 Bad Gateway", "502 Bad Gateway")) == "gateway"
    assert_withheld(conn, page.format("404 Not Found", "404 Not Found"), "http_status 404 ≠ 502")


def test_an_npm_error_code_decides():
    conn = one_entry(
        "npm-cert", "npm ERR! code UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "A proxy re-signs the registry's TLS"
    )
    assert answered(conn, "npm error code UNABLE_TO_GET_ISSUER_CERT_LOCALLY") == "npm-cert"
    assert_withheld(conn, "npm ERR! code ERESOLVE", "npm_code eresolve ≠ unable_to_get_issuer_cert_locally")


def test_an_openssl_reason_code_decides():
    conn = one_entry(
        "plain-http-port",
        "requests.exceptions.SSLError: HTTPSConnectionPool(host='localhost', port=8000): Max retries exceeded"
        " with url: / (Caused by SSLError(SSLError(1, '[SSL: WRONG_VERSION_NUMBER] wrong version number"
        " (_ssl.c:1006)')))",
        "TLS spoken to a plain-HTTP port",
    )
    untrusted = (
        "requests.exceptions.SSLError: HTTPSConnectionPool(host='localhost', port=9443): Max retries exceeded"
        " with url: /health (Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED]"
        " certificate verify failed: self-signed certificate (_ssl.c:1006)')))"
    )
    assert_withheld(conn, untrusted, "ssl_reason certificate_verify_failed ≠ wrong_version_number")


def test_the_name_a_program_never_defined_decides():
    conn = one_entry(
        "esm-scope",
        "ReferenceError: require is not defined in ES module scope",
        "CommonJS code run as an ES module",
    )
    assert (
        answered(conn, "ReferenceError: require is not defined in ES module scope, you can use import")
        == "esm-scope"
    )
    assert_withheld(
        conn, "ReferenceError: structuredClone is not defined", "undefined_name structuredclone ≠ require"
    )


def test_an_exit_code_decides_whether_the_process_was_killed():
    conn = one_entry(
        "oom-killed", "Process finished with exit code 137 (interrupted by signal 9: SIGKILL)", "OOM"
    )
    assert (
        answered(conn, "Process finished with exit code 137 (interrupted by signal 9: SIGKILL)")
        == "oom-killed"
    )
    assert_withheld(
        conn, "Process finished with exit code -1073741819 (0xC0000005)", "exit_kill other ≠ sigkill"
    )


@pytest.mark.parametrize(
    ("title", "signature", "same_error", "other_error"),
    [
        # transformers prints the attribute without quotes: it still decides, so an object lacking
        # another attribute does not share the error by one of its words (`chat`) when, as in the
        # entry about it, the title names the attribute's words
        (
            "The tokenizer has no chat template",
            "AttributeError: LlamaTokenizerFast has no attribute default_chat_template",
            "AttributeError: GemmaTokenizerFast has no attribute default_chat_template",
            "AttributeError: module 'ChatTTS' has no attribute 'Chat'",
        ),
        # one bare word is part of any sentence: no fuzzy likeness to weigh
        (
            "numpy ABI mismatch",
            "ValueError: numpy.dtype size changed, may indicate binary incompatibility. Expected 96 from C header",
            "ValueError: numpy.dtype size changed, may indicate binary incompatibility.",
            "ValueError: C",
        ),
    ],
    ids=["unquoted-missing-attribute", "one-word-message"],
)
def test_what_only_looks_like_a_signature_by_one_word_is_not_answered(
    title, signature, same_error, other_error
):
    conn = one_entry("the-entry", signature, title)
    assert answered(conn, same_error) == "the-entry"
    assert answered(conn, other_error) is None


def test_a_dotted_module_of_an_installed_package_is_not_a_missing_package():
    conn = index(MISSING_PACKAGE)
    assert answered(conn, "ModuleNotFoundError: No module named 'pandas'") == "missing-package"
    assert answered(conn, "ModuleNotFoundError: No module named 'langchain.chat_models'") is None


def test_a_standard_library_module_is_not_a_missing_pip_package():
    conn = index(MISSING_PACKAGE)
    assert answered(conn, "ModuleNotFoundError: No module named 'fcntl'") is None


def test_a_package_s_missing_compiled_extension_is_not_a_missing_pip_package():
    conn = index(MISSING_PACKAGE)
    assert answered(conn, "ModuleNotFoundError: No module named 'httpx'") == "missing-package"
    assert_withheld(
        conn, "ModuleNotFoundError: No module named '_turbomind'", "module_kind extension ≠ package"
    )


def test_a_private_part_inside_a_package_is_not_a_moved_public_module():
    conn = index(
        IndexItem(
            "extension-not-built", ["ModuleNotFoundError: No module named 'vllm._C'"], "Compiled part missing"
        ),
    )
    assert answered(conn, "ModuleNotFoundError: No module named 'vllm._C'") == "extension-not-built"
    assert decisive.features("No module named 'mmcv._ext'")["module_kind"] == "extension"
    assert decisive.features("No module named 'livekit.agents.multimodal'")["module_kind"] == "package"
    assert_withheld(
        conn, "ModuleNotFoundError: No module named 'vllm.entrypoints'", "module_kind package ≠ extension"
    )


def test_a_standard_library_attribute_is_not_a_package_s_attribute():
    conn = one_entry(
        "python-removed",
        "AttributeError: module 'asyncio' has no attribute 'coroutine'",
        "Python removed a standard-library name",
    )
    assert answered(conn, "AttributeError: module 'collections' has no attribute 'coroutine'") == (
        "python-removed"
    )
    assert_withheld(
        conn, "AttributeError: module 'acmeai' has no attribute 'coroutine'", "module_kind package ≠ stdlib"
    )
    # a module caught half-imported is judged by the circular wording, not by whose module it is
    circular = "AttributeError: partially initialized module 'random' has no attribute 'randint'"
    assert "module_kind" not in decisive.features(circular)


def test_a_missing_private_name_is_a_broken_build_not_another_release_s_api():
    conn = index(
        IndexItem(
            "version-skew",
            [
                "ImportError: cannot import name 'cached_download' from 'huggingface_hub' (/usr/lib/python3.11/site-packages/huggingface_hub/__init__.py)"
            ],
            "Installed release lacks a name the code imports",
        )
    )
    public = "ImportError: cannot import name 'HfFolder' from 'huggingface_hub' (/opt/venv/lib/python3.12/site-packages/huggingface_hub/__init__.py)"
    assert answered(conn, public) == "version-skew"
    private = "ImportError: cannot import name '_hf_native' from 'huggingface_hub' (/opt/venv/lib/python3.12/site-packages/huggingface_hub/__init__.py)"
    assert_withheld(conn, private, "imported_name private ≠ public")
    # the same private name caught half-imported is a circular import, which this feature leaves alone
    circular = "ImportError: cannot import name '_impl' from partially initialized module 'pkg' (most likely due to a circular import)"
    assert "imported_name" not in decisive.features(circular)


def test_an_import_from_site_packages_is_not_a_local_file_shadowing_it():
    conn = one_entry(
        "shadowing",
        "ImportError: cannot import name 'OpenAI' from 'openai' (/home/user/project/openai.py)",
        "Local file shadows a library",
    )
    assert (
        answered(conn, "ImportError: cannot import name 'Foo' from 'bar' (/home/me/app/bar.py)")
        == "shadowing"
    )
    installed = (
        "ImportError: cannot import name 'Foo' from 'bar' (/usr/lib/python3.11/site-packages/bar/__init__.py)"
    )
    assert answered(conn, installed) is None


def test_a_signature_without_the_path_answers_the_same_import_from_site_packages():
    # the entry lists the removed name without a path; the user's paste shows the installed file
    conn = one_entry(
        "jinja-removed", "ImportError: cannot import name 'escape' from 'jinja2'", "Jinja2 3.1 removed escape"
    )
    installed = (
        "ImportError: cannot import name 'escape' from 'jinja2' "
        "(/srv/.venv/lib/python3.10/site-packages/jinja2/__init__.py)"
    )
    assert answered(conn, installed) == "jinja-removed"
    # a file of the project named like the library is another error, path or no path in the signature
    assert_withheld(
        conn,
        "ImportError: cannot import name 'escape' from 'jinja2' (/home/me/app/jinja2.py)",
        "import_origin local ≠ unknown",
    )


def test_the_circular_import_wording_decides():
    conn = index(
        IndexItem(
            "cycle",
            [
                "ImportError: cannot import name 'X' from partially initialized module 'y' (most likely due to a circular import)"
            ],
            "Circular import",
        )
    )
    assert (
        answered(
            conn,
            "ImportError: cannot import name 'A' from partially initialized module 'b' (most likely due to a circular import) (/p/b.py)",
        )
        == "cycle"
    )
    assert answered(conn, "ImportError: cannot import name 'A' from 'b'") is None


def test_a_name_missing_from_python_s_own_module_is_not_a_package_s_release():
    conn = one_entry(
        "removed-stdlib",
        "ImportError: cannot import name 'getargspec' from 'inspect' (/usr/lib/python3.11/inspect.py)",
        "Python removed a name its own module had",
    )
    assert answered(conn, "ImportError: cannot import name 'Sequence' from 'collections'") == "removed-stdlib"
    assert_withheld(
        conn, "ImportError: cannot import name 'GPT4ALL' from 'gpt4all'", "import_from_kind package ≠ stdlib"
    )


def test_what_an_import_lacked_decides_a_module_a_name_or_an_attribute():
    conn = one_entry(
        "client-moved",
        "AttributeError: module 'openai' has no attribute 'OpenAI'",
        "The installed openai predates the client object",
    )
    assert answered(conn, "AttributeError: module 'openai' has no attribute 'OpenAI'") == "client-moved"
    # the same package named, but the whole module is missing: not installed, another fix
    assert_withheld(conn, "No module named openai", "import_lack module ≠ attribute")
    assert_withheld(
        conn, "ImportError: cannot import name 'OpenAI' from 'openai'", "import_lack name ≠ attribute"
    )


def test_a_message_that_is_only_a_quoted_value_needs_the_signature_s_exception_type():
    conn = index(
        IndexItem("session-missing", ["Bad Request: Missing session ID"], "The server wants a session"),
        IndexItem("env-missing", ["KeyError: 'OPENAI_API_KEY'"], "The variable is not set"),
    )
    # a lookup of the key `id` failed: the word alone does not make it the session's error
    assert answered(conn, "KeyError: 'id'") is None
    assert answered(conn, "Missing session ID") == "session-missing"
    # a KeyError signature shares the type, so the value decides
    assert answered(conn, "KeyError: 'OPENAI_API_KEY'") == "env-missing"


def test_a_placeholder_package_stands_for_a_package_people_install():
    conn = one_entry("moved", "ModuleNotFoundError: No module named 'pkg.X'", "A release moved the submodule")
    # its files in site-packages prove the package is installed: the shape is the answer
    installed = (
        '  File "/srv/.venv/lib/python3.11/site-packages/acme_app/main.py", line 3, in <module>\n'
        "    from peft.tuners.lora_old import LoraModel\n"
        "ModuleNotFoundError: No module named 'peft.tuners.lora_old'"
    )
    own_path = installed.replace("acme_app/main.py", "peft/tuners/__init__.py")
    assert (
        decisive.context(own_path, "No module named 'peft.tuners.lora_old'")["module_source"] == "installed"
    )
    # only the name of a package PyPI's most-downloaded projects install: offered first, not asserted
    lead = best(conn, "ModuleNotFoundError: No module named 'peft.tuners.lora_old'")
    assert lead is not None and lead.slug == "moved" and not lead.confident
    # the caller's own script: still only the name
    script = installed.replace("/srv/.venv/lib/python3.11/site-packages/acme_app", "/home/me/acme_app")
    lead = best(conn, script)
    assert lead is not None and lead.slug == "moved" and not lead.confident
    # another installed package importing a part of peft: Python imported peft first, so it is
    # installed, in another release than the importer was written for
    assert answered(conn, installed) == "moved"
    # a name no PyPI project installs is the project's own module: its layout, not a release
    hits = matcher.search(conn, "ModuleNotFoundError: No module named 'private_gpt.paths'").hits
    assert all(hit.slug != "moved" for hit in hits)
    # the package itself missing, or a local file named like it, is another error
    assert_withheld(conn, "ModuleNotFoundError: No module named 'peft'", "module_depth package ≠ submodule")
    assert (
        answered(conn, "ModuleNotFoundError: No module named 'peft.tuners'; 'peft' is not a package") is None
    )
    # a name: the site-packages path after it proves the package
    name = one_entry(
        "name-moved", "ImportError: cannot import name 'X' from 'pkg'", "A release dropped the name"
    )
    with_path = (
        "ImportError: cannot import name 'prepare_model_for_training' from 'peft' "
        "(/srv/.venv/lib/python3.11/site-packages/peft/__init__.py)"
    )
    assert decisive.features(with_path)["module_source"] == "installed"
    lead = best(name, "ImportError: cannot import name 'prepare_model_for_training' from 'peft'")
    assert lead is not None and lead.slug == "name-moved" and not lead.confident
    imported_by_a_package = (
        '  File "/srv/.venv/lib/python3.11/site-packages/trl/trainer/utils.py", line 9, in <module>\n'
        "    from peft import prepare_model_for_training\n"
        "ImportError: cannot import name 'prepare_model_for_training' from 'peft'"
    )
    assert answered(name, imported_by_a_package) == "name-moved"
    assert best(name, "ImportError: cannot import name 'BaseMessage' from 'chatbot_helpers'") is None


def test_a_package_s_own_import_failing_is_a_broken_install_not_the_caller_s_code():
    conn = one_entry("moved", "ModuleNotFoundError: No module named 'pkg.X'", "A release moved the submodule")
    caller = (
        '  File "/home/me/app/main.py", line 3, in <module>\n'
        "    from chainlit.config import config\n"
        "ModuleNotFoundError: No module named 'chainlit.config'"
    )
    inside = caller.replace("/home/me/app/main.py", "/usr/lib/python3.11/site-packages/chainlit/telemetry.py")
    line = "ModuleNotFoundError: No module named 'chainlit.config'"
    assert decisive.context(caller, line)["import_site"] == "outside"
    assert decisive.context(inside, line)["import_site"] == "inside"
    lead = best(conn, caller)
    assert (
        lead is not None and lead.slug == "moved" and not lead.conflicts
    )  # offered: only its name shows chainlit
    assert_withheld(conn, inside, "import_site inside ≠ unknown")
    # a module's own file raising on purpose (a compatibility shim) is not a file missing from it
    shim = inside.replace("chainlit/telemetry.py", "chainlit/config.py")
    assert decisive.context(shim, line)["import_site"] == "outside"
    # namespace packages: google.cloud.storage and google.protobuf come from different distributions
    other_dist = inside.replace("chainlit/telemetry.py", "google/cloud/storage/blob.py").replace(
        "chainlit.config", "google.protobuf"
    )
    assert decisive.context(other_dist, "No module named 'google.protobuf'")["import_site"] == "outside"
    # IPython's frames, a private module of the package, a package the ranking does not know: its
    # files in site-packages show it is installed
    ipython = (
        "~/.venvs/x/lib/python3.5/site-packages/acmetool/__init__.py in <module>()\n"
        "----> 9 from acmetool._internal.base import Version\n"
    )
    lacking = "ImportError: cannot import name 'Version' from 'acmetool._internal.base'"
    assert decisive.context(ipython + lacking, lacking) == {
        "import_site": "inside",
        "module_source": "installed",
    }
    ipython8 = "File ~/.venvs/x/lib/python3.11/site-packages/acmetool/__init__.py:9, in <module>\n"
    assert decisive.context(ipython8 + lacking, lacking)["import_site"] == "inside"
    # what the skill sends: only the public part of each frame, without its line
    public = '  File "site-packages/chainlit/telemetry.py"\n' + line
    assert decisive.context(public, line)["import_site"] == "inside"
    assert decisive.features("No module named 'azure.core'")["module_depth"] == "package"
    assert decisive.features("No module named 'azure.core.pipeline'")["module_depth"] == "submodule"


def test_a_look_alike_of_the_same_package_and_shape_speaks_only_for_the_names_it_names():
    conn = index(
        IndexItem(
            "langchain-moved",
            [
                "ImportError: cannot import name 'PromptTemplate' from 'langchain' "
                "(/usr/local/lib/python3.11/site-packages/langchain/__init__.py)"
            ],
            "LangChain names moved to langchain-community",
            not_errors=[
                "ImportError: cannot import name 'create_agent' from 'langchain.agents' "
                "(/usr/local/lib/python3.11/site-packages/langchain/agents/__init__.py)"
            ],
        )
    )
    # another name of the same package: the look-alike's shape is the entry's own
    assert (
        answered(conn, "ImportError: cannot import name 'Document' from 'langchain.schema'")
        == "langchain-moved"
    )
    # the look-alike's own name: it is that look-alike (1.x code on langchain 0.x)
    hit = best(conn, "ImportError: cannot import name 'create_agent' from 'langchain.agents'")
    assert hit is not None and not hit.confident and hit.not_error is not None


def test_the_code_line_above_the_caret_says_which_construct_an_older_python_lacked():
    conn = one_entry(
        "too-old",
        "    match step:\n          ^\nSyntaxError: invalid syntax",
        "The code needs a newer Python",
    )
    traceback = '  File "/opt/lib/python3.8/site-packages/outlines/json_schema.py", line 204\n    match step:\n          ^\n'
    assert answered(conn, traceback + "SyntaxError: invalid syntax") == "too-old"
    # the message alone, or a plain typo above the caret, is not an older Python
    assert_withheld(conn, "SyntaxError: invalid syntax", "syntax_construct unknown ≠ pattern matching")
    assert_withheld(
        conn,
        "    x = = 1\n        ^\nSyntaxError: invalid syntax",
        "syntax_construct other ≠ pattern matching",
    )
    line = "SyntaxError: invalid syntax"
    assert decisive.context("    if (n := 10) > 5:\n          ^\n" + line, line) == {
        "syntax_construct": "walrus"
    }
    assert decisive.context("    except* ValueError:\n          ^\n" + line, line) == {
        "syntax_construct": "except star"
    }


def test_a_package_missing_inside_a_build_step_is_missing_from_the_build_environment():
    conn = index(
        MISSING_PACKAGE,
        IndexItem(
            "build-isolation",
            ["ModuleNotFoundError: No module named 'torch'\n      [end of output]"],
            "setup.py imports torch inside pip's isolated build",
        ),
    )
    build_log = (
        "  Getting requirements to build wheel ... error\n"
        "  error: subprocess-exited-with-error\n"
        '        File "/tmp/pip-install-x1/flash-attn_1/setup.py", line 19, in <module>\n'
        "          import torch\n"
        "      ModuleNotFoundError: No module named 'torch'\n"
    )
    assert decisive.context(build_log, "ModuleNotFoundError: No module named 'torch'")["build_step"] == "yes"
    assert answered(conn, build_log) == "build-isolation"
    # the same line at run time is the package missing from the interpreter
    assert answered(conn, "ModuleNotFoundError: No module named 'torch'") == MISSING_PACKAGE.slug
    # one of Python's own modules missing in a build is Python's doing, not the build's
    assert "build_step" not in decisive.context(
        build_log.replace("'torch'", "'distutils'"), "No module named 'distutils'"
    )


def test_a_bare_module_name_without_the_path_is_not_proof_of_shadowing():
    conn = one_entry(
        "shadowing",
        "ImportError: cannot import name 'OpenAI' from 'openai' (/home/user/project/openai.py)",
        "Local file shadows a library",
    )
    # pasted without quotes and without the path: a wrong distribution, an old release or a
    # shadowing file are all possible, so the shadowing entry is not the answer
    assert answered(conn, "ImportError: cannot import name 'Pipeline' from haystack") is None
    # Python 2 (and some wrappers) print no `from` and no path at all
    assert answered(conn, "ImportError: cannot import name OpenAI") is None


def test_the_operator_decides():
    conn = one_entry(
        "old-python",
        "TypeError: unsupported operand type(s) for |: 'dict' and 'dict'",
        "Python too old for the dict union",
    )
    assert answered(conn, "TypeError: unsupported operand type(s) for |: 'dict' and 'dict'") == "old-python"
    hit = best(conn, "TypeError: unsupported operand type(s) for +: 'dict' and 'dict'")
    assert hit is not None and not hit.confident
    assert any(c.startswith("operator") for c in hit.conflicts)


def test_a_command_given_with_its_path_is_not_a_path_lookup_failure():
    conn = index(IndexItem("not-on-path", ["/bin/sh: 1: gunicorn: not found"], "Console script not on PATH"))
    assert answered(conn, "/bin/sh: 1: uvicorn: not found") == "not-on-path"
    hit = best(conn, "/bin/sh: 1: /root/venv/bin/swerex-remote: not found")
    assert hit is None or not hit.confident
    assert hit is None or any(c.startswith("command_path") for c in hit.conflicts)


def test_a_pasted_prompt_is_not_a_command_missing_from_path():
    conn = index(
        IndexItem("not-on-path", ["bash: gunicorn: command not found"], "Console script not on PATH")
    )
    assert answered(conn, "bash: uvicorn: command not found") == "not-on-path"
    hit = best(conn, "bash-3.2$ $ uvicorn main:app --reload\nbash: $: command not found")
    assert hit is None or any(c == "command_path prompt ≠ bare" for c in hit.conflicts)
    assert answered(conn, "bash-3.2$ $ uvicorn main:app --reload\nbash: $: command not found") is None


def test_a_moved_module_of_the_entry_s_library_does_not_answer_another_package_s():
    conn = index(
        IndexItem(
            "sk-renames",
            ["ModuleNotFoundError: No module named 'semantic_kernel.core_skills'"],
            "semantic-kernel 1.0 renamed its modules",
            libraries=["semantic_kernel"],
        )
    )
    assert (
        answered(conn, "ModuleNotFoundError: No module named 'semantic_kernel.core_skills'") == "sk-renames"
    )
    hit = best(conn, "ModuleNotFoundError: No module named 'mlx.core'")
    assert hit is None or "module_subject mlx ≠ semantic_kernel" in hit.conflicts
    assert answered(conn, "ModuleNotFoundError: No module named 'mlx.core'") is None


GENERAL_SKEW = IndexItem(
    "version-skew",
    [
        "ImportError: cannot import name 'X' from 'pkg' (/usr/local/lib/python3.11/site-packages/pkg/__init__.py)"
    ],
    "The installed release lacks the name",
)


def test_a_placeholder_signature_matches_by_its_shape_and_needs_its_decisive_parts_shown():
    conn = index(GENERAL_SKEW)
    installed = (
        "ImportError: cannot import name 'tracing_enabled' from 'langchain_core.tracers.context' "
        "(/srv/app/.venv/lib/python3.12/site-packages/langchain_core/tracers/context.py)"
    )
    hit = best(conn, installed)
    assert hit.confident and hit.slug == "version-skew"
    # the names are what vary: none of them is in the signature, the shape is
    assert "tracing" not in hit.terms
    # a path into the project is a file shadowing the package; no path at all proves nothing
    assert (
        answered(conn, "ImportError: cannot import name 'Agent' from 'agents' (/home/me/bot/agents.py)")
        is None
    )
    assert answered(conn, "ImportError: cannot import name 'Agent' from 'agents'") is None
    # another message that merely shares words is not the shape
    assert (
        answered(conn, "ImportError: cannot import name 'Agent' from partially initialized module 'agents'")
        is None
    )


def test_a_shape_gives_way_to_an_entry_about_the_package_the_message_names():
    conn = index(
        GENERAL_SKEW,
        IndexItem(
            "langchain-moved",
            [
                "ImportError: cannot import name 'ChatOpenAI' from 'langchain_core.chat_models' "
                "(/usr/local/lib/python3.11/site-packages/langchain_core/chat_models.py)"
            ],
            "LangChain moved names",
            libraries=["langchain_core"],
        ),
    )
    text = (
        "ImportError: cannot import name 'ChatAnthropic' from 'langchain_core.chat_models' "
        "(/srv/.venv/lib/python3.12/site-packages/langchain_core/chat_models.py)"
    )
    hits = matcher.search(conn, text).hits
    general = next(h for h in hits if h.slug == "version-skew")
    assert hits[0].slug == "langchain-moved" and not general.confident
    assert "langchain_core: see langchain-moved" in general.conflicts
    # a package no entry is about: the general shape answers
    other = text.replace("langchain_core", "crewai_tools")
    assert answered(conn, other) == "version-skew"


def test_the_attribute_asked_of_none_decides():
    conn = one_entry(
        "no-match", "AttributeError: 'NoneType' object has no attribute 'group'", "re.match found nothing"
    )
    assert answered(conn, "AttributeError: 'NoneType' object has no attribute 'group'") == "no-match"
    # the same words about another attribute: some other code's None, not a regex that missed
    hit = best(conn, "AttributeError: 'NoneType' object has no attribute 'append'")
    assert hit is None or hit.conflicts == ("none_attribute append ≠ group",)
    assert answered(conn, "AttributeError: 'NoneType' object has no attribute 'append'") is None


def test_the_type_a_call_was_given_decides():
    conn = one_entry(
        "none-value",
        "TypeError: the JSON object must be str, bytes or bytearray, not NoneType",
        "a None where data was expected",
    )
    assert (
        answered(conn, "TypeError: the JSON object must be str, bytes or bytearray, not NoneType")
        == "none-value"
    )
    # the same words about a dict: code parsing what is already parsed, not a None
    hit = best(conn, "TypeError: the JSON object must be str, bytes or bytearray, not dict")
    assert hit is None or hit.conflicts == ("given_type dict ≠ nonetype",)
    assert answered(conn, "TypeError: the JSON object must be str, bytes or bytearray, not dict") is None
    # the quoted form reads the same way
    assert decisive.features('can only concatenate str (not "int") to str')["given_type"] == "int"


def test_the_token_a_javascript_parser_stumbled_on_decides():
    conn = one_entry("old-node", "SyntaxError: Unexpected token '?'", "Node.js older than 14")
    assert answered(conn, "SyntaxError: Unexpected token '?'") == "old-node"
    # an HTML page parsed as JSON shares the words, not the cause
    html = "SyntaxError: Unexpected token '<', \"<!DOCTYPE \"... is not valid JSON"
    hit = best(conn, html)
    assert hit is None or hit.conflicts == ("unexpected_token json ≠ ?",)
    assert answered(conn, html) is None
    # any first character of a body that is not JSON reads alike
    assert decisive.features("Unexpected token < in JSON at position 0")["unexpected_token"] == "json"
    assert decisive.features("SyntaxError: Unexpected token 'export'")["unexpected_token"] == "export"


def test_a_name_quoted_with_typographic_quotes_is_still_the_undefined_name():
    assert decisive.features("NameError: name ‘PeftModel’ is not defined")["undefined_name"] == "peftmodel"


def test_a_localised_errno_is_told_apart_by_its_number():
    conn = one_entry(
        "paging-file",
        'OSError: [WinError 1455] 页面文件太小，无法完成操作。 Error loading "torch\\lib\\cudnn64_8.dll"',
        "the Windows commit limit",
    )
    missing = 'OSError: [WinError 126] 找不到指定的模块。 Error loading "torch\\lib\\cudnn64_8.dll"'
    hit = best(conn, missing)
    assert hit is None or hit.conflicts == ("errno 126 ≠ 1455",)
    assert answered(conn, missing) is None
    # where both sides print words, the words decide: the same refusal on Linux and on macOS
    refused = decisive.features("ConnectionRefusedError: [Errno 61] Connection refused")
    assert decisive.conflicts(refused, decisive.features("[Errno 111] Connection refused")) == ()


def test_a_text_two_entries_claim_alike_is_answered_only_with_evidence_that_tells_them_apart():
    body = "json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)"
    conn = index(
        IndexItem("http-body", [body], "An HTTP body that is not JSON", libraries=["requests"]),
        IndexItem("llm-reply", [body], "A model's reply that is not JSON"),
    )
    hits = matcher.search(conn, body).hits
    assert {h.slug for h in hits} == {"http-body", "llm-reply"}
    assert not any(h.confident for h in hits)  # both shown, neither claimed
    framed = (
        'File "/app/.venv/lib/python3.12/site-packages/requests/models.py", line 978, in json\n'
        "    return complexjson.loads(self.text, **kwargs)\n" + body
    )
    assert answered(conn, framed) == "http-body"


def test_releases_that_exist_but_do_not_fit_are_not_a_name_with_no_releases():
    conn = index(
        IndexItem(
            "python-range",
            [
                "ERROR: Could not find a version that satisfies the requirement numpy>=2 (from versions: 1.24.2, 1.24.4)"
            ],
            "Package requires a different Python",
        )
    )
    fits = "ERROR: Could not find a version that satisfies the requirement pandas>=2.2 (from versions: 1.5.3, 2.0.3)"
    assert answered(conn, fits) == "python-range"
    hit = best(
        conn, "ERROR: Could not find a version that satisfies the requirement PIL (from versions: none)"
    )
    assert hit is None or not hit.confident
    assert hit is None or any(c.startswith("available_versions") for c in hit.conflicts)


def test_a_module_the_title_names_decides_but_an_example_module_does_not():
    conn = index(
        IndexItem(
            "openai-migration",
            ["AttributeError: module 'openai' has no attribute 'ChatCompletion'"],
            "OpenAI 1.0 migration",
        ),
        MISSING_PACKAGE,
    )
    assert (
        answered(conn, "AttributeError: module 'openai' has no attribute 'ChatCompletion'")
        == "openai-migration"
    )
    assert answered(conn, "AttributeError: module 'dspy' has no attribute 'ChatCompletion'") is None
    assert answered(conn, "ModuleNotFoundError: No module named 'numpy'") == "missing-package"


def test_the_module_an_entry_is_about_decides_also_when_printed_unquoted():
    # Python 2 printed `No module named pkg_resources` without quotes; that signature must not
    # answer every `No module named '<something>_resources'` through the word the names share.
    conn = index(
        IndexItem(
            "pkg-resources-missing",
            ["ImportError: No module named pkg_resources"],
            "No module named 'pkg_resources' (setuptools not installed)",
            libraries=["pkg_resources", "setuptools"],
        ),
        MISSING_PACKAGE,
    )
    assert answered(conn, "ImportError: No module named pkg_resources") == "pkg-resources-missing"
    assert answered(conn, "ModuleNotFoundError: No module named 'pkg_resources'") == "pkg-resources-missing"
    assert (
        decisive.features("ImportError: No module named pkg_resources")["module_subject"] == "pkg_resources"
    )
    assert answered(conn, "ModuleNotFoundError: No module named 'acme_resources'") != "pkg-resources-missing"


def test_whose_undefined_symbol_it_is_decides():
    conn = index(
        IndexItem(
            "torch-extension-abi",
            [
                "ImportError: /venv/site-packages/flash_attn_2_cuda.so: undefined symbol: _ZN3c104cuda9SetDeviceEi"
            ],
            "undefined symbol: _ZN3c10... (an extension built for another torch)",
        )
    )
    # The same c10:: symbol from another extension is the same failure (at:: is torch's too)...
    assert (
        answered(conn, "ImportError: /opt/venv/awq_ext.so: undefined symbol: _ZN3c104cuda9SetDeviceEi")
        == "torch-extension-abi"
    )
    assert (
        decisive.features("undefined symbol: _ZNK2at10TensorBase8data_ptrEv")["undefined_symbol"] == "torch"
    )
    assert decisive.features("undefined symbol: _ZTIN3c1010TensorImplE")["undefined_symbol"] == "torch"
    # ...a faiss:: symbol, or a C library's, in the same file is not torch's ABI.
    assert_withheld(
        conn,
        "ImportError: /opt/venv/site-packages/flash_attn_2_cuda.so: undefined symbol: _ZN5faiss4cuda9SetDeviceEi",
        "undefined_symbol faiss ≠ torch",
    )
    assert_withheld(
        conn,
        "ImportError: /opt/venv/site-packages/flash_attn_2_cuda.so: undefined symbol: cudaSetDevice",
        "undefined_symbol c ≠ torch",
    )


def test_what_torch_refused_to_unpickle_decides():
    """torch's refusal reads the same up to what it refused: an operand (a byte that starts no
    pickle: a git-lfs pointer or a web page, a broken file) or a global (an intact pickle)."""
    preamble = (
        "_pickle.UnpicklingError: Weights only load failed. This file can still be loaded, to do so you"
        " have two options, do those steps only if you trust the source of the checkpoint."
    )
    conn = index(
        IndexItem(
            "broken-file",
            [f"{preamble} WeightsUnpickler error: Unsupported operand 118"],
            "Model file is a pointer or a web page",
        )
    )
    assert answered(conn, f"{preamble}\n\tWeightsUnpickler error: Unsupported operand 60") == "broken-file"
    intact = f"{preamble}\n\tWeightsUnpickler error: Unsupported global: GLOBAL collections.OrderedDict"
    hit = best(conn, intact)
    assert answered(conn, intact) is None
    assert hit is None or hit.conflicts


def test_the_refused_keyword_decides():
    conn = one_entry(
        "sqlalchemy-2",
        "TypeError: MetaData.__init__() got an unexpected keyword argument 'bind'",
        "SQLAlchemy 2.0 migration",
    )
    assert (
        answered(conn, "TypeError: MetaData.__init__() got an unexpected keyword argument 'bind'")
        == "sqlalchemy-2"
    )
    assert answered(conn, "TypeError: Agent.__init__() got an unexpected keyword argument 'app_id'") is None


# -- look-alikes -------------------------------------------------------------------


def test_a_query_like_one_of_the_entry_s_not_errors_gets_no_answer():
    conn = index(
        IndexItem(
            "json-reply",
            ["json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)"],
            "Model reply is not JSON",
            not_errors=[
                "json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0) from response.json() on an HTML page"
            ],
        )
    )
    assert (
        answered(conn, "json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)")
        == "json-reply"
    )
    hit = best(
        conn,
        "JSONDecodeError: Expecting value: line 1 column 1 (char 0) from response.json() on an HTML page",
    )
    assert not hit.confident and hit.not_error


def test_synapse_check_reports_a_not_errors_item_that_is_one_of_the_entry_s_errors():
    text = """---
title: Database is locked
errors: ["sqlite3.OperationalError: database is locked"]
tags: [sqlite]
not_errors:
  - "sqlite3.OperationalError: database is locked"
---
## Symptom
s
## Root cause
r
## Fix
### Option 1: a
```python
print(1)
```
"""
    entry = parse_text(text, slug="locked", path="locked.md")
    [problem] = look_alike_problems([entry])
    assert problem.line == 6 and "also one of its errors" in problem.message


def test_every_entry_leaves_its_own_not_errors_unanswered():
    assert look_alike_problems(parse_folder(SOLUTIONS)) == []


# -- general entries ----------------------------------------------------------------

VALIDATION = "pydantic_core._pydantic_core.ValidationError: 1 validation error for Settings\nport\n  Field required [type=missing, input_value={}, input_type=dict]"


def test_a_general_entry_is_offered_first_but_never_as_the_confident_answer():
    """The same text answered by the same entry: confident when the entry is specific, a
    candidate marked general when the entry says where to look rather than what to change."""
    signatures = [
        "pydantic_core._pydantic_core.ValidationError: 1 validation error for Model",
        "Field required [type=missing",
    ]
    specific = best(index(IndexItem("validation", signatures, "Validation error")), VALIDATION)
    general = best(index(IndexItem("validation", signatures, "Validation error", general=True)), VALIDATION)
    assert specific.confident and not specific.general
    assert general.slug == "validation" and general.score == specific.score
    assert not general.confident and general.general


def test_the_entry_format_reads_general_as_true_false_or_in_libraries_and_nothing_else():
    text = """---
title: Validation error
errors: ["pydantic_core._pydantic_core.ValidationError: 1 validation error for Model"]
tags: [pydantic]
general: GENERAL
---
## Symptom
s
## Root cause
r
## Fix
### Option 1: a
```python
print(1)
```
"""
    assert parse_text(text.replace("GENERAL", "true"), slug="validation").general is Generality.ALWAYS
    assert (
        parse_text(text.replace("GENERAL", "in_libraries"), slug="validation").general
        is Generality.IN_LIBRARIES
    )
    assert (
        parse_text(text.replace("general: GENERAL\n", ""), slug="validation").general is Generality.SPECIFIC
    )
    for wrong in ("sometimes", "1", "2"):  # the number is how the store keeps it, not how entries say it
        with pytest.raises(EntryInvalid) as raised:
            parse_text(text.replace("GENERAL", wrong), slug="validation")
        assert [(p.line, p.message) for p in raised.value.problems] == [
            (5, "general must be true, false or in_libraries")
        ]


def test_the_corpus_marks_its_general_entries_and_the_snapshot_carries_the_mark():
    general = {e.slug: e.general.spelling for e in parse_folder(SOLUTIONS) if e.general}
    assert general["pydantic-validation-error"] is True
    assert general["nonetype-not-subscriptable"] == "in_libraries"
    snapshot = json.loads(
        (SOLUTIONS.parent / "skill/synapse-ai/synapse_skill/data/snapshot.json").read_text()
    )
    # older skills read only `true`: an entry general only inside libraries is, to them, a specific one
    assert {e["slug"]: e["general"] for e in snapshot["entries"] if "general" in e} == general


NONE_IN_OWN_CODE = """Traceback (most recent call last):
  File "/home/me/bot/commands.py", line 77, in balance
    return row["amount"]
TypeError: 'NoneType' object is not subscriptable"""
NONE_IN_A_LIBRARY = """Traceback (most recent call last):
  File "/home/me/bot/worker.py", line 12, in run
    consumer.start()
  File "/home/me/.venv/lib/python3.11/site-packages/huey/consumer.py", line 230, in start
    for key in task.data:
TypeError: 'NoneType' object is not subscriptable"""


def test_an_entry_general_in_libraries_answers_the_callers_code_and_only_offers_a_librarys():
    """`general: in_libraries`: a `None` the caller's own code tripped on is the caller's bug, which
    the entry fixes; one an installed package's code tripped on was that package's value (its bug,
    or input it could not handle), and the entry only says where to look."""
    signatures = ["TypeError: 'NoneType' object is not subscriptable"]
    conn = index(
        IndexItem("none", signatures, "NoneType is not subscriptable", general=Generality.IN_LIBRARIES)
    )
    own, library = best(conn, NONE_IN_OWN_CODE), best(conn, NONE_IN_A_LIBRARY)
    assert own.slug == library.slug == "none"
    assert own.confident and not own.general
    assert not library.confident and library.general
    specific = index(IndexItem("none", signatures, "NoneType is not subscriptable"))
    assert best(specific, NONE_IN_A_LIBRARY).confident  # the frames alone demote nothing


def test_the_innermost_frame_says_whether_an_installed_package_raised():
    assert extract(NONE_IN_A_LIBRARY).raised_in_library
    assert not extract(NONE_IN_OWN_CODE).raised_in_library
    # a library's frame further out does not count: the caller's code ran last
    assert not extract(
        NONE_IN_A_LIBRARY.replace("site-packages/huey/consumer.py", "bot/consumer.py")
    ).raised_in_library
    assert not extract("TypeError: 'NoneType' object is not subscriptable").raised_in_library


# -- frames --------------------------------------------------------------------------

HTML_BODY = """Traceback (most recent call last):
  File "/home/me/app.py", line 9, in <module>
    data = response.json()
  File "/home/me/.venv/lib/python3.11/site-packages/requests/models.py", line 978, in json
    raise RequestsJSONDecodeError(e.msg, e.doc, e.pos)
json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)"""


# openai 0.x parsed the HTTP body itself (`api_requestor._interpret_response_line`)
OLD_SDK_BODY = """Traceback (most recent call last):
  File "/home/me/bot/.venv/lib/python3.10/site-packages/openai/api_requestor.py", line 755, in _interpret_response_line
    data = json.loads(rbody)
  File "/usr/lib/python3.10/json/__init__.py", line 346, in loads
    return _default_decoder.decode(s)
  File "/usr/lib/python3.10/json/decoder.py", line 355, in raw_decode
    raise JSONDecodeError("Expecting value", s, err.value) from None
json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)"""


def test_frames_pick_the_entry_about_the_library_that_raised():
    conn = index(
        IndexItem(
            "llm-reply",
            ["json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)"],
            "Model reply is not JSON",
            libraries=["openai", "anthropic"],
        ),
        IndexItem(
            "http-body",
            ["json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)"],
            "HTTP body is not JSON",
            libraries=["requests", "httpx"],
        ),
    )
    hit = best(conn, HTML_BODY)
    assert hit.slug == "http-body" and hit.confident
    assert any("requests" in f for f in hit.frames)


def test_frames_of_another_library_demote_an_entry_about_a_library():
    conn = index(
        IndexItem(
            "llm-reply",
            ["json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)"],
            "Model reply is not JSON",
            libraries=["openai"],
        )
    )
    plain = best(conn, "json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)")
    through_requests = best(conn, HTML_BODY)
    assert through_requests.score < plain.score
    assert "requests (not this entry's)" in through_requests.frames


def test_frames_of_the_importer_do_not_contradict_the_library_the_import_is_about():
    # flask_login's frames import a name werkzeug 3 removed: the error is about werkzeug, whatever ran it
    conn = index(
        IndexItem(
            "werkzeug-removed",
            ["ImportError: cannot import name 'url_quote' from 'werkzeug.urls'"],
            "Werkzeug 3 removed url helpers",
            libraries=["flask", "werkzeug"],
        )
    )
    site = "/srv/.venv/lib/python3.10/site-packages"
    text = f"""Traceback (most recent call last):
  File "/srv/app.py", line 2, in <module>
    from flask_login import LoginManager
  File "{site}/flask_login/__init__.py", line 12, in <module>
    from .login_manager import LoginManager
  File "{site}/flask_login/utils.py", line 14, in <module>
    from werkzeug.urls import url_quote
ImportError: cannot import name 'url_quote' from 'werkzeug.urls' ({site}/werkzeug/urls.py)"""
    hit = best(conn, text)
    assert hit.slug == "werkzeug-removed" and hit.confident
    assert not any("not this entry's" in f for f in hit.frames)
    # the same frames before an error about a package the entry is not about still demote it
    other = text.replace("werkzeug.urls", "itsdangerous.urls")
    assert best(conn, other) is None or "flask_login (not this entry's)" in best(conn, other).frames


def test_a_signature_naming_its_library_needs_the_error_to_name_it():
    conn = index(
        IndexItem(
            "redis",
            [
                "redis.exceptions.ConnectionError: Error -2 connecting to redis:6379. Name or service not known."
            ],
            "Redis unreachable",
            libraries=["redis"],
        )
    )
    assert (
        answered(
            conn,
            "redis.exceptions.ConnectionError: Error -2 connecting to redis:6380. Name or service not known.",
        )
        == "redis"
    )
    assert answered(conn, "ERROR: [Errno -2] Name or service not known") is None


def test_the_exception_s_own_type_names_its_library():
    conn = index(
        IndexItem(
            "acme-auth",
            [
                "acme.error.AuthenticationError: Incorrect API key provided: ak-XXXX. You can find your API key at https://platform.acme.com/account/api-keys."
            ],
            "Acme rejects the API key",
            libraries=["acme"],
        )
    )
    # the message never says `acme`; the type `acme.error.AuthenticationError` does
    hit = best(conn, "acme.error.AuthenticationError: Incorrect API key provided: {ak-To3E****wdv}.")
    assert hit is not None and hit.confident and hit.slug == "acme-auth"
    assert not any("not named" in note for note in hit.frames)


# -- the client's environment ----------------------------------------------------------


@pytest.fixture
def moved():
    return index(
        IndexItem(
            "moved-in-0-2",
            ["ModuleNotFoundError: No module named 'langchain.chat_models'"],
            "langchain 0.2 moved the chat models",
            applies_to=[("langchain", ">=0.2", "")],
        ),
        IndexItem(
            "fcntl",
            ["ModuleNotFoundError: No module named 'fcntl'"],
            "POSIX-only module on Windows",
            applies_to=[("", "", "windows")],
        ),
    )


def test_an_environment_inside_the_range_supports_the_answer(moved):
    hit = best(
        moved,
        "ModuleNotFoundError: No module named 'langchain.chat_models'",
        {"packages": {"langchain": "0.3.7"}},
    )
    assert hit.confident and hit.env == ("langchain 0.3.7 matches >=0.2",)


def test_an_environment_outside_the_range_withdraws_the_answer(moved):
    text = "ModuleNotFoundError: No module named 'langchain.chat_models'"
    assert answered(moved, text) == "moved-in-0-2"  # no env: today's answer
    hit = best(moved, text, {"python": "3.11.7", "platform": "linux", "packages": {"LangChain": "0.1.20"}})
    assert not hit.confident and hit.env == ("langchain 0.1.20 does not match >=0.2",)


def test_the_platform_decides_a_platform_bound_entry(moved):
    assert answered(moved, "ModuleNotFoundError: No module named 'fcntl'", {"platform": "windows"}) == "fcntl"
    assert answered(moved, "ModuleNotFoundError: No module named 'fcntl'", {"platform": "linux"}) is None


def test_without_an_env_the_traceback_s_own_paths_say_where_it_ran(moved):
    fcntl = "ModuleNotFoundError: No module named 'fcntl'"
    on_windows = (
        f'Traceback (most recent call last):\n  File "C:\\\\app\\\\main.py", line 1, in <module>\n{fcntl}'
    )
    on_posix = f'Traceback (most recent call last):\n  File "/srv/app/main.py", line 1, in <module>\n{fcntl}'
    hit = best(moved, on_windows)
    assert hit.confident and hit.env == ("platform windows (the traceback's paths) is windows",)
    hit = best(moved, on_posix)
    assert not hit.confident and hit.env == ("platform posix (the traceback's paths) is not windows",)
    # a Windows interpreter running the script says so too; a Windows *shell* running docker does not
    interpreter = f"C:\\Users\\me\\venv\\Scripts\\python.exe: can't open file 'x.py'\n{fcntl}"
    assert best(moved, interpreter).env == ("platform windows (the traceback's paths) is windows",)
    assert best(moved, f"PS C:\\app> docker run img\n{fcntl}").env == ()
    # the client's own word wins over what the text shows
    assert answered(moved, on_posix, {"platform": "windows"}) == "fcntl"


def test_a_windows_path_named_by_a_missing_file_is_a_decisive_part():
    conn = one_entry(
        "windows-path",
        "FileNotFoundError: [Errno 2] No such file or directory: 'C:\\\\Users\\\\me\\\\data'",
        "A Windows path read on Linux",
    )
    assert decisive.features("No such file or directory: 'C:/Users/me/x'")["path_style"] == "windows"
    assert decisive.features("[Errno 2] No such file or directory: python")["path_style"] == "other"
    assert decisive.features("python: can't open file '/srv/app.py': [Errno 2] …")["path_style"] == "other"
    # a message that names no path shows no Windows path either
    assert (
        decisive.features("unable to open database file: no such file or directory")["path_style"] == "other"
    )
    assert answered(conn, "FileNotFoundError: [Errno 2] No such file or directory: 'D:\\\\models\\\\x.bin'")
    assert_withheld(
        conn,
        "FileNotFoundError: [Errno 2] No such file or directory: 'data/users.csv'",
        "path_style other ≠ windows",
    )


def test_the_error_urllib3_gave_up_with_is_a_decisive_part():
    conn = one_entry(
        "connect-timeout",
        "urllib3.exceptions.MaxRetryError: HTTPSConnectionPool(host='api.example.com', port=443): Max retries"
        " exceeded with url: / (Caused by ConnectTimeoutError(<HTTPSConnection(host='api.example.com',"
        " port=443) at 0x7f83>, 'Connection to api.example.com timed out. (connect timeout=10)'))",
        "The host did not answer within the connect timeout",
    )
    assert decisive.features("… (Caused by NameResolutionError(\"<x>: Failed to resolve 'a.b'\"))") == {
        "retry_cause": "nameresolutionerror"
    }
    timed_out = (
        "urllib3.exceptions.MaxRetryError: HTTPSConnectionPool(host='pypi.org', port=443): Max retries exceeded"
        " with url: /simple/ (Caused by ConnectTimeoutError(<urllib3.connection.HTTPSConnection object at"
        " 0x7f1e>, 'Connection to pypi.org timed out. (connect timeout=15)'))"
    )
    assert answered(conn, timed_out)
    # the same words around a name that did not resolve: a DNS failure, not a slow host
    unresolved = (
        "urllib3.exceptions.MaxRetryError: HTTPSConnectionPool(host='files.example.org', port=443): Max retries"
        ' exceeded with url: /a.pdf (Caused by NameResolutionError("<urllib3.connection.HTTPSConnection object'
        " at 0x0000021C>: Failed to resolve 'files.example.org' ([Errno 11001] getaddrinfo failed)\"))"
    )
    assert_withheld(conn, unresolved, "retry_cause nameresolutionerror ≠ connecttimeouterror")


def test_why_a_certificate_was_refused_is_a_decisive_part():
    conn = one_entry(
        "ssl-trust",
        "ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed:"
        " unable to get local issuer certificate (_ssl.c:1006)",
        "The client does not trust the issuer (a corporate proxy, a private CA)",
    )
    reason = decisive.features
    assert (
        reason("certificate verify failed: self-signed certificate in certificate chain")["cert_reason"]
        == "trust"
    )
    assert reason("certificate verify failed: Basic Constraints of CA cert not marked critical")[
        "cert_reason"
    ] == ("trust")
    assert (
        reason("certificate verify failed: Hostname mismatch, certificate is not valid")["cert_reason"]
        == "name"
    )
    assert answered(
        conn,
        "ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed:"
        " self-signed certificate in certificate chain (_ssl.c:1000)",
    )
    # the server's certificate ran out: no trust store on the client fixes that
    assert_withheld(
        conn,
        "ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed:"
        " certificate has expired (_ssl.c:1006)",
        "cert_reason validity ≠ trust",
    )


def test_which_role_came_after_which_is_a_decisive_part():
    conn = index(
        IndexItem("roles-out-of-order", ["Unexpected role 'user' after role 'tool'"], "Roles out of order"),
        IndexItem(
            "tool-result-unpaired", ["Unexpected role 'tool' after role 'user'"], "A tool result with no call"
        ),
    )
    assert decisive.features("HTTP 400: Unexpected role 'user' after role 'tool'") == {
        "role_sequence": "user after tool"
    }
    # the same five words: only the order tells the two apart
    assert answered(conn, "Error: 400 Unexpected role 'user' after role 'tool'") == "roles-out-of-order"
    assert answered(conn, "Error: 400 Unexpected role 'tool' after role 'user'") == "tool-result-unpaired"


def test_the_type_postgres_has_no_operator_for_is_a_decisive_part():
    conn = one_entry(
        "pgvector",
        "psycopg.errors.UndefinedFunction: operator does not exist: extensions.vector <=> unknown",
        "pgvector is not installed in this database",
    )
    assert (
        decisive.features("operator does not exist: vector <=> double precision[]")["operand_type"]
        == "vector"
    )
    assert decisive.features("ERROR: operator does not exist: character varying = integer")[
        "operand_type"
    ] == ("character varying")
    assert (
        decisive.features('operator does not exist: "public"."vector" <-> vector')["operand_type"] == "vector"
    )
    assert answered(
        conn, "asyncpg.exceptions.UndefinedFunctionError: operator does not exist: vector <=> unknown"
    )
    # a prefix operator names its operand's type: an Apache AGE graph query, not pgvector
    assert_withheld(conn, "ERROR: operator does not exist: @> agtype", "operand_type agtype ≠ vector")


def test_the_client_saying_the_package_is_installed_lets_a_version_skew_shape_answer():
    conn = index(
        MISSING_PACKAGE,
        IndexItem(
            "version-skew",
            [
                "ImportError: cannot import name 'X' from 'pkg' (/usr/local/lib/python3.11/site-packages/pkg/__init__.py)",
                "ImportError: cannot import name 'X' from 'pkg'",
                "ModuleNotFoundError: No module named 'pkg.X'",
            ],
            "The installed release lacks the name",
        ),
    )
    env = {
        "python": "3.12.1",
        "platform": "linux",
        "packages": {"peft": "0.13.0"},
        "modules": {"peft": "peft"},
    }
    text = "ImportError: cannot import name 'prepare_model_for_training' from 'peft'"
    # the name alone says only "a package people install": offered, not asserted
    assert best(conn, text).slug == "version-skew" and answered(conn, text) is None
    hit = best(conn, text, env)
    assert hit.slug == "version-skew" and hit.confident and hit.env == ("peft is installed (peft)",)
    assert (
        answered(conn, "ModuleNotFoundError: No module named 'peft.tuners.lora_old'", env) == "version-skew"
    )
    # a whole package missing is not a moved part of it, whatever the env says
    assert answered(conn, "ModuleNotFoundError: No module named 'peft'", env) == "missing-package"
    # the env speaks only for the package it names, and never for a project's own module
    other = {"modules": {"peft": "peft", "private_gpt": "private-gpt"}}
    assert answered(conn, "ImportError: cannot import name 'Foo' from 'transformers'", other) is None
    assert answered(conn, "ModuleNotFoundError: No module named 'private_gpt.paths'", other) is None


def test_a_dotted_module_s_own_file_outside_site_packages_is_a_checkout_not_a_shadowing_file():
    conn = one_entry(
        "shadowing",
        "ImportError: cannot import name 'OpenAI' from 'openai' (/home/user/project/openai.py)",
        "Local file shadows a library",
    )
    checkout = (
        "ImportError: cannot import name 'Reader' from 'acmekit.io.readers' "
        "(C:\\dev\\acmekit\\src\\acmekit\\io\\readers.py)"
    )
    assert decisive.features(checkout)["import_origin"] == "checkout"
    assert_withheld(conn, checkout, "import_origin checkout ≠ local")
    # a dotted module whose file has another name is a project file in the package's place
    stray = "ImportError: cannot import name 'Reader' from 'acmekit.io' (/home/me/app/helpers.py)"
    assert decisive.features(stray)["import_origin"] == "local"


# A checkpoint pickled by other code names its classes' module; loading it asks the unpickler for it.
UNPICKLED_MODULE = """Traceback (most recent call last):
  File "/srv/app/load.py", line 12, in <module>
    state = torch.load("old-run.pth", weights_only=False)
  File "/opt/venv/lib/python3.11/site-packages/torch/serialization.py", line 1470, in load
    return _load(opened_zipfile, map_location, pickle_module, **pickle_load_args)
  File "/opt/venv/lib/python3.11/site-packages/torch/serialization.py", line 1964, in _load
    result = unpickler.load()
  File "/opt/venv/lib/python3.11/site-packages/torch/serialization.py", line 1953, in find_class
    return super().find_class(mod_name, name)
ModuleNotFoundError: No module named 'trainer'"""
# A PyInstaller bundle that left a module out: the bundle's importer, not the user's environment.
FROZEN_APP_MODULE = """Traceback (most recent call last):
  File "app.py", line 3, in <module>
  File "PyInstaller/loader/pyimod02_importers.py", line 419, in exec_module
  File "acmeui/__init__.py", line 8, in <module>
ModuleNotFoundError: No module named 'acmeui_proto'"""


# -- the kinds of confident wrong answer found on real errors, on the real corpus -------


@pytest.fixture(scope="module")
def corpus():
    return memory_index(parse_folder(SOLUTIONS))


@pytest.mark.parametrize(
    ("text", "not_this"),
    [
        ("ModuleNotFoundError: No module named 'llama_index.vector_stores'", "module-not-found"),
        (
            "ModuleNotFoundError: No module named 'semantic_kernel.connectors.ai.open_ai.services'",
            "module-not-found",
        ),
        (
            "ImportError: cannot import name 'ToolCall' from 'mcp.types' (/opt/venv/lib/python3.12/site-packages/mcp/types.py)",
            "circular-import",
        ),
        (
            "ImportError: cannot import name 'soft_unicode' from 'markupsafe' (/usr/lib/python3/dist-packages/markupsafe/__init__.py)",
            "circular-import",
        ),
        ("ModuleNotFoundError: No module named 'openai'", "openai-v1-migration"),
        ("OSError: [Errno 99] Cannot assign requested address", "address-already-in-use"),
        (HTML_BODY, "llm-json-decode-error"),
        ("TypeError: expected str, bytes or os.PathLike object, not NoneType", "missing-env-var"),
        ('TypeError: can only concatenate str (not "NoneType") to str', "missing-env-var"),
        ("TypeError: unsupported operand type(s) for +: 'dict' and 'dict'", "python-too-old-for-syntax"),
        ("/bin/sh: 1: /opt/venv/bin/swerex-remote: not found", "console-script-not-on-path"),
        ("ModuleNotFoundError: No module named '_turbomind'", "module-not-found"),
        ("AttributeError: 'NoneType' object has no attribute 'append'", "nonetype-not-subscriptable"),
        (
            "ERROR Error executing tool: 'NoneType' object has no attribute 'status'",
            "nonetype-not-subscriptable",
        ),
        ("json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)", "llm-json-decode-error"),
        ("ImportError: cannot import name Trainer", "circular-import"),
        ("bash: $: command not found", "console-script-not-on-path"),
        ("AttributeError: module 'acmeai' has no attribute 'LLM'", "python-too-old-for-syntax"),
        ("AttributeError: module 'acmeai' has no attribute 'LLM'", "package-version-skew"),
        ("AttributeError: module 'acmeclient' has not attribute 'trainings'", "python-removed-stdlib"),
        (
            "ImportError: cannot import name '_native_gpu' from 'acmevec' (/opt/conda/lib/python3.10/site-packages/acmevec/__init__.py)",
            "package-version-skew",
        ),
        # Python 3.13 names a local file shadowing the package: no release lacks the name
        (
            "ImportError: cannot import name 'OpenAIServerModel' from 'smolagents' (consider renaming"
            " '/home/dev/agents/smolagents.py' if it has the same name as a library you intended to import)",
            "smolagents-renames",
        ),
        # a module still in the standard library (a Python built without sqlite), not a removed one
        ("ModuleNotFoundError: No module named '_sqlite3'", "python-removed-stdlib"),
        # an object's own API, not a name a Python release added to a module (`itertools.batched`)
        ("AttributeError: 'Settings' object has no attribute 'batched'", "python-too-old-for-syntax"),
        # a web app's own 404 for a route it does not have, not an LLM client's base URL
        ('{"detail":"Not Found"}', "llm-base-url-wrong"),
        # a dict lookup that failed, not an API's error naming the same word
        ("KeyError: 'id'", "mcp-transport-mismatch"),
        ("KeyError: 'tool_calls'", "tool-call-message-order"),
        ("KeyError: 'prompt'", "agent-output-format-not-followed"),
        ("KeyError: 'content'", "llm-bad-request-schema"),
        # npm's code names the failure: a dependency conflict is not a certificate
        ("npm ERR! code ERESOLVE", "ssl-certificate-verify-failed"),
        # Gradio's client lost the app (it crashed or restarted), not a connect timeout
        ("gradio.exceptions.Error: 'Connection errored out.'", "connect-timeout"),
        # the NVIDIA hook found no driver library: the runc wrapper's words are not an entrypoint's permission
        (
            "docker: Error response from daemon: failed to create shim task: OCI runtime create failed: runc create"
            " failed: unable to start container process: error during container init: error running prestart hook"
            " #0: exit status 1, stdout: , stderr: nvidia-container-cli: initialization error: load library failed:"
            " libnvidia-ml.so.1: cannot open shared object file: no such file or directory: unknown",
            "permission-denied",
        ),
        # a package's source checkout lacking the name is neither a local file shadowing it nor a release
        (
            "ImportError: cannot import name 'JsonlStore' from 'acmekit.stores.jsonl'"
            " (/home/dev/acmekit/src/acmekit/stores/jsonl.py)",
            "circular-import",
        ),
        # the old OpenAI SDK parsing an HTTP body that is not JSON: not a model's reply
        (OLD_SDK_BODY, "llm-json-decode-error"),
        # twentieth round: a daemon's words alone, a driver's generic failure, another object than None,
        # Python 2's unquoted dotted module, a pickle's and a frozen app's missing module, another port,
        # another constructor, another gRPC status
        (
            "docker: Error response from daemon: invalid character 'o' in literal false (expecting 'a').",
            "windows-path-in-linux",
        ),
        (
            "WebDriverException: Message: An unknown server-side error occurred while processing the command",
            "cli-subcommand-missing",
        ),
        ("TypeError: cannot unpack non-iterable MockResponse object", "nonetype-not-subscriptable"),
        ("ImportError: No module named acmeauth.signing", "package-version-skew"),
        (UNPICKLED_MODULE, "module-not-found"),
        (FROZEN_APP_MODULE, "module-not-found"),
        (
            "OSError: Multiple exceptions: [Errno 111] Connect call failed ('127.0.0.1', 5433), "
            "[Errno 111] Connect call failed ('::1', 5433, 0, 0)",
            "redis-connection-error",
        ),
        (
            "TypeError: Bot is not a constructor\n    at Object.<anonymous> (/srv/bot/index.js:4:13)",
            "circular-import",
        ),
        (
            "grpc._channel._InactiveRpcError: <_InactiveRpcError of RPC that terminated with:\n"
            '\tstatus = StatusCode.UNKNOWN\n\tdetails = "failed to route the call: no app id"',
            "llm-region-unsupported",
        ),
    ],
)
def test_real_kinds_of_wrong_answers_stay_unanswered_by_the_look_alike(corpus, text, not_this):
    hit = best(corpus, text)
    assert hit is None or not hit.confident or hit.slug != not_this, hit


def test_an_entry_with_many_signatures_naming_a_package_does_not_crowd_out_the_general_entry():
    moved = [f"ModuleNotFoundError: No module named 'llama_index.part{i}.sub{i}'" for i in range(40)]
    conn = index(
        IndexItem("llama-moves", moved, "llama_index modules moved between releases"),
        MISSING_PACKAGE,
    )
    # the rare words (llama, index) find only the specific entry's signatures; the message's
    # skeleton (no module named) brings the general entry in to be judged beside them
    assert answered(conn, "ModuleNotFoundError: No module named 'llama_index'") == "missing-package"
    assert answered(conn, "ModuleNotFoundError: No module named 'llama_index.part3.sub3'") == "llama-moves"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # langchain-import-moved names `No module named 'langchain_openai'` (the partner package):
        # its many short signatures and a straggler holding `langchain` fill the rare-word places,
        # yet the missing langchain itself is the general entry's (and that entry's look-alike)
        ("ModuleNotFoundError: No module named 'langchain'", "module-not-found"),
        ("ModuleNotFoundError: No module named 'langchain_openai'", "langchain-import-moved"),
        ("ModuleNotFoundError: No module named 'langchain_community'", "langchain-import-moved"),
        # its rare words lead to two entries that only quote them (optional-dependency-missing's
        # "Could not import sentence_transformers", transformers-unknown-architecture)
        ("ModuleNotFoundError: No module named 'sentence_transformers'", "module-not-found"),
    ],
)
def test_a_missing_package_beside_an_entry_naming_its_family(corpus, text, expected):
    assert answered(corpus, text) == expected


def test_the_first_words_of_a_long_message_find_its_entry_when_rare_boilerplate_leads_elsewhere(corpus):
    # the words of Google's help links (`links`, `description`) are rarer in the corpus than
    # `exceeded your current quota`: looked up alone they fill the candidates with other entries
    body = (
        "google.genai.errors.ClientError: 429 RESOURCE_EXHAUSTED. {'error': {'code': 429, 'message': 'You"
        " exceeded your current quota, please check your plan and billing details.', 'status':"
        " 'RESOURCE_EXHAUSTED', 'details': [{'@type': 'type.googleapis.com/google.rpc.Help', 'links':"
        " [{'description': 'Learn more about Gemini API quotas', 'url':"
        " 'https://ai.google.dev/gemini-api/docs/rate-limits'}]}]}}"
    )
    assert answered(corpus, body) == "gemini-resource-exhausted"


def test_the_last_words_of_a_wrapped_error_find_its_entry_when_rare_incidental_words_lead(corpus):
    # Docker's and Go's wrapped errors put the innermost cause last; the build step's file and folder
    # names (`gguf`, `zip`, `software`, `re-exec`) are rarer in the corpus than `no space left on device`
    # and, looked up alone, fill the candidates with entries that share one of them
    for step in (
        "Step 3/8 : COPY gguf_shards.zip /software/\nuntar re-exec error: exit status 1: output: write"
        " /software/gguf_shards.zip: no space left on device",
        "Step 12 : COPY checkpoint.safetensors /software/\ncopy re-exec error: exit status 1: output: write"
        " /software/checkpoint.safetensors: no space left on device",
    ):
        assert answered(corpus, step) == "no-space-left"


def test_look_alikes_of_other_entries_do_not_crowd_the_general_entry_out_of_the_skeleton_lookup():
    # twenty entries each refuse `No module named '<their package>'` (look-alikes as short as the
    # general entry's own signature, and indexed before it): the lookup of the message's skeleton
    # leaves look-alikes out, so the general entry is still judged
    others = [
        IndexItem(
            f"pkg{i}-moves",
            [f"ImportError: pkg{i} widget moved"],
            f"pkg{i} moved",
            not_errors=[f"No module named 'pkg{i}'"],
        )
        for i in range(20)
    ]
    moved = [f"ModuleNotFoundError: No module named 'acme_index.part{i}.sub{i}'" for i in range(40)]
    conn = index(*others, IndexItem("acme-moves", moved, "acme_index modules moved"), MISSING_PACKAGE)
    assert answered(conn, "ModuleNotFoundError: No module named 'acme_index'") == "missing-package"


def test_node_s_socket_cause_is_read_with_the_step_its_error_names():
    conn = one_entry(
        "stream-cut",
        "TypeError: terminated\n  [cause]: SocketError: other side closed\n    code: 'UND_ERR_SOCKET'",
        "A streamed body cut short",
    )
    cut = "TypeError: terminated\n    at Fetch.onAborted (node:internal/deps/undici/undici:11322:53)\n  [cause]: SocketError: other side closed"
    before_any_response = cut.replace("TypeError: terminated", "TypeError: fetch failed")
    assert decisive.context(cut, "SocketError: other side closed") == {"undici_step": "terminated"}
    assert answered(conn, cut) == "stream-cut"
    assert_withheld(conn, before_any_response, "undici_step fetch failed ≠ terminated")
    assert_withheld(conn, "cause: SocketError: other side closed", "undici_step unknown ≠ terminated")


def test_a_status_constant_names_the_failure():
    conn = one_entry(
        "cublas-alloc",
        "RuntimeError: CUDA error: CUBLAS_STATUS_ALLOC_FAILED when calling `cublasCreate(handle)`",
        "cuBLAS could not allocate its workspace: the GPU is out of memory",
    )
    assert answered(
        conn, "RuntimeError: CUDA error: CUBLAS_STATUS_ALLOC_FAILED when calling `cublasCreate(handle)`"
    )
    # the same sentence with another status of the same library is a kernel that failed, not memory
    assert_withheld(
        conn,
        "RuntimeError: CUDA error: CUBLAS_STATUS_EXECUTION_FAILED when calling `cublasGemmEx( handle, opa, "
        "opb, m, n, k, &falpha, a, CUDA_R_16BF, lda, b, CUDA_R_16BF, ldb, &fbeta, c, CUDA_R_16BF, ldc)`",
        "status_constant cublas_status_execution_failed ≠ cublas_status_alloc_failed",
    )


def test_the_callable_a_call_did_not_fit_decides():
    conn = one_entry(
        "pydantic-v2",
        "TypeError: BaseModel.validate() takes 2 positional arguments but 3 were given",
        "pydantic v2 changed the model's classmethods",
    )
    assert answered(conn, "TypeError: BaseModel.validate() takes 2 positional arguments but 3 were given")
    # Python's own words for any call, about another callable: a torch dispatch, not pydantic
    assert_withheld(
        conn,
        "TypeError: _to_copy() takes from 2 to 3 positional arguments but 4 were given",
        "callable _to_copy ≠ basemodel.validate",
    )
    # Python before 3.10 prints the bare name, later ones the class too: the same callable
    proxies = one_entry(
        "httpx-proxies",
        "TypeError: Client.__init__() got an unexpected keyword argument 'proxies'",
        "httpx 0.28 removed proxies",
    )
    assert answered(proxies, "TypeError: __init__() got an unexpected keyword argument 'proxies'")
    assert_withheld(
        proxies,
        "TypeError: Session.__init__() got an unexpected keyword argument 'proxies'",
        "callable session.__init__ ≠ client.__init__",
    )


def test_what_javascript_could_not_call_decides():
    conn = one_entry(
        "old-node", "TypeError: Object.hasOwn is not a function", "Node is older than the built-in"
    )
    assert answered(
        conn, "Uncaught TypeError: Object.hasOwn is not a function\n    at file:///app/index.js:3:9"
    )
    assert_withheld(
        conn, "TypeError: PDFJS.getDocument is not a function", "missing_function getdocument ≠ hasown"
    )


def test_the_class_whose_finaliser_failed_decides():
    conn = one_entry(
        "loop-closed",
        "Exception ignored in: <function _ProactorBasePipeTransport.__del__ at 0x0000018FB50CEA60>",
        "asyncio transports outlive their event loop on Windows",
    )
    assert answered(
        conn, "Exception ignored in: <function _ProactorBasePipeTransport.__del__ at 0x000001F2A3B4C5D0>"
    )
    assert_withheld(
        conn,
        "Exception ignored in: <function KernelClient.__del__ at 0x7f9c87cc9ea0>\nTraceback (most recent call last):",
        "finalizer_of kernelclient ≠ _proactorbasepipetransport",
    )


def test_what_a_package_exports_map_refused_decides():
    conn = one_entry(
        "esm-only",
        'Error [ERR_PACKAGE_PATH_NOT_EXPORTED]: No "exports" main defined in /app/node_modules/pkg/package.json',
        "require() of an ESM-only package",
    )
    assert answered(
        conn,
        'Error [ERR_PACKAGE_PATH_NOT_EXPORTED]: No "exports" main defined in /srv/node_modules/chalk/package.json',
    )
    # a deep path into a package its newer release stopped exporting is another fix
    assert_withheld(
        conn,
        "Error [ERR_PACKAGE_PATH_NOT_EXPORTED]: Package subpath './lib/adapters/http' is not defined by "
        '"exports" in /app/node_modules/axios/package.json',
        "exports_target subpath ≠ main",
    )


def test_a_missing_file_error_without_a_path_shows_no_windows_path():
    conn = one_entry(
        "windows-path",
        "FileNotFoundError: [Errno 2] No such file or directory: 'C:/Users/user/Documents'",
        "A Windows path read on Linux",
    )
    assert answered(conn, "FileNotFoundError: [Errno 2] No such file or directory: 'C:\\\\data\\\\train.csv'")
    assert (
        decisive.features("Error: ENOENT: no such file or directory, open 'C:\\Users\\me\\a.json'")[
            "path_style"
        ]
        == "windows"
    )
    assert_withheld(conn, "IOError: [Errno 2] No such file or directory", "path_style other ≠ windows")


def test_a_decisive_quoted_name_is_compared_whole():
    conn = one_entry(
        "embedding-name",
        "AttributeError: 'HuggingFaceEmbeddings' object has no attribute 'name'",
        "chromadb asks the embedding function for its name",
    )
    assert answered(conn, "AttributeError: 'HuggingFaceEmbeddings' object has no attribute 'Name'")
    # the same word inside a longer name is another attribute: a dunder, a snake_case field
    assert_withheld(
        conn,
        "AttributeError: 'HuggingFaceEmbeddings' object has no attribute '__name__'",
        "__name__ ≠ name",
    )
    assert_withheld(
        conn,
        "AttributeError: 'HuggingFaceEmbeddings' object has no attribute 'model_name'",
        "model_name ≠ name",
    )


def test_a_quoted_name_of_several_words_is_not_its_words_in_prose():
    idf_of = collections.defaultdict(lambda: 3.0)
    text = "AttributeError: 'AssistantAgent' object has no attribute 'initiate_chat'"
    # no quoted word is only an example (the entry's title names the method), so the name decides
    sig = scoring.Signature("agent-api", scoring.prepare(text), frozenset(), idf_of)

    def conflicts(query: str) -> tuple[str, ...]:
        return scoring.lexical(scoring.Query(scoring.prepare(query), 1.0, idf_of), sig).conflicts

    assert conflicts("AttributeError: 'ConversableAgent' object has no attribute 'initiate_chat'") == ()
    assert conflicts("AttributeError: 'AssistantAgent' object has no attribute 'initiate-chat'") == ()
    # a web app's own message that happens to use the method's words is not the method
    assert conflicts("Error! Couldn't initiate the chat.") == ("initiate chat ≠ initiate_chat",)


def test_a_pool_whose_workers_re_ran_an_unguarded_main_module_was_not_killed():
    broken = (
        "concurrent.futures.process.BrokenProcessPool: A process in the process pool was terminated abruptly "
        "while the future was running or pending."
    )
    conn = one_entry("oom", broken, "the kernel killed a worker")
    assert answered(conn, broken)
    # the workers' own tracebacks, printed first, say why they died: spawn re-ran the main module
    for child in (
        "RuntimeError: \n        An attempt has been made to start a new process before the\n"
        "        current process has finished its bootstrapping phase.\n",
        '  File "/usr/lib/python3.11/multiprocessing/spawn.py", line 138, in _check_not_importing_main\n'
        "    raise RuntimeError(\nRuntimeError: \n        An attempt has been made t\n[...]\n",
    ):
        pasted = f"{child}Traceback (most recent call last):\n{broken}"
        assert_withheld(conn, pasted, "workers_died_of bootstrapping ≠ unknown")
    # Python 3.14's fork server imports the main module itself and dies of it: the parent's reset is not a network's
    reset = "ConnectionResetError: [Errno 104] Connection reset by peer"
    network = one_entry("reset", reset, "the peer reset the connection")
    assert answered(network, reset)
    fork_server = (
        '  File "/usr/lib/python3.14/multiprocessing/forkserver.py", line 302, in main\n'
        "RuntimeError:\n        An attempt has been made to start a new process before the\n"
        "        current process has finished its bootstrapping phase.\n"
        'Traceback (most recent call last):\n  File "/usr/lib/python3.14/multiprocessing/forkserver.py", line 89, '
        "in connect_to_new_process\n"
    )
    assert_withheld(network, fork_server + reset, "workers_died_of bootstrapping ≠ unknown")


def test_a_browser_that_closed_at_launch_is_what_its_log_says():
    launch = (
        "playwright._impl._errors.TargetClosedError: BrowserType.launch: Target page, context or browser "
        "has been closed\nBrowser logs:\n"
    )
    no_display = "║ Looks like you launched a headed browser without having a XServer running. ║"
    conn = one_entry("headed-no-display", launch + no_display, "a headed browser needs a display")
    frames = 'Traceback (most recent call last):\n  File "/app/run.py", line 5, in <module>\n    p.chromium.launch()\n'
    assert answered(conn, frames + launch + "\n" + no_display)
    # the same first line, and the browser's own log says another cause, or nothing
    library = "chrome: error while loading shared libraries: libgbm.so.1: cannot open shared object file"
    assert_withheld(conn, frames + launch + library, "browser_log library ≠ display")
    assert_withheld(conn, frames + launch, "browser_log other ≠ display")
    # a profile another browser holds is a cause of its own, whatever entry answers a bare launch failure
    lock = "[pid=41][err] ERROR:process_singleton_posix.cc(358)] The profile appears to be in use by another Chromium process"
    assert_withheld(conn, frames + launch + lock, "browser_log profile ≠ display")


def test_a_service_s_own_port_names_the_service_behind_a_refused_connection():
    conn = index(
        IndexItem("refused", ["Error: connect ECONNREFUSED 127.0.0.1:3000"], "Nothing listens on host:port"),
        IndexItem(
            "redis-down",
            ["Error: Redis connection to 127.0.0.1:6379 failed - connect ECONNREFUSED 127.0.0.1:6379"],
            "Redis is not running or not reachable",
            libraries=["redis"],
        ),
    )
    assert evidence.services_named("dial tcp [::1]:11434: connect: connection refused") == {"ollama"}
    assert evidence.services_named("HTTPConnectionPool(host='localhost', port=6379)") == {"redis"}
    assert not evidence.services_named("File app.js, line 6379")
    # any other port: the generic entry answers
    assert answered(conn, "Error: connect ECONNREFUSED 127.0.0.1:8080") == "refused"
    # Redis's own port: the generic entry defers to the one about Redis
    hit = best(conn, "[ERROR] 13:21:32 Error: connect ECONNREFUSED 127.0.0.1:6379")
    assert hit.slug == "redis-down"
    withheld = [
        h
        for h in matcher.search(conn, "Error: connect ECONNREFUSED 127.0.0.1:6379").hits
        if h.slug == "refused"
    ]
    assert not withheld or (
        not withheld[0].confident and "the service's port: see redis-down" in withheld[0].conflicts
    )


def test_an_entry_about_a_service_does_not_answer_a_refusal_on_another_port():
    windows_refusal = "No connection could be made because the target machine actively refused it"
    conn = index(
        IndexItem(
            "refused", [f"ConnectionRefusedError: [WinError 10061] {windows_refusal}"], "Nothing listens"
        ),
        IndexItem(
            "redis-down",
            [
                f"redis.exceptions.ConnectionError: Error 10061 connecting to localhost:6379. {windows_refusal}."
            ],
            "Redis is not running or not reachable",
            libraries=["redis"],
        ),
    )
    app_backend = (
        "error sending request for url (http://localhost:3030/pipes/list): client error (Connect): "
        f"tcp connect error: {windows_refusal}. (os error 10061)"
    )
    assert answered(conn, app_backend) == "refused"
    redis = [h for h in matcher.search(conn, app_backend).hits if h.slug == "redis-down"]
    assert redis and "port 3030 ≠ redis's port" in redis[0].conflicts
    # the error names Redis although the port is another: the entry about Redis still answers
    assert (
        answered(
            conn,
            f"redis.exceptions.ConnectionError: Error 10061 connecting to cache:7000. {windows_refusal}.",
        )
        == "redis-down"
    )
    # or it names no port at all
    assert answered(conn, f"Error 10061 connecting to localhost:6379. {windows_refusal}.") == "redis-down"


def test_a_module_lacking_an_attribute_is_version_skew_once_the_client_says_it_is_installed(corpus):
    text = "AttributeError: module 'pinecone' has no attribute 'init'"
    named_only = best(corpus, text)
    # the text alone names a package, not where it was imported from: offered, not asserted
    assert named_only.slug == "package-version-skew" and not named_only.confident
    env = {
        "python": "3.11.7",
        "platform": "linux",
        "packages": {"pinecone": "5.0.0"},
        "modules": {"pinecone": "pinecone"},
    }
    installed = best(corpus, text, env)
    assert installed.slug == "package-version-skew" and installed.confident
    assert "pinecone is installed (pinecone)" in installed.env


def test_which_hugging_face_service_refused_decides():
    conn = one_entry(
        "inference-limit",
        "huggingface_hub.utils._errors.HfHubHTTPError: 429 Client Error: Too Many Requests for url: "
        "https://api-inference.huggingface.co/models/mistralai/Mistral-7B-Instruct-v0.2",
        "The hosted Inference API's usage limit",
    )
    assert (
        decisive.features("for url: https://router.huggingface.co/v1/chat/completions")["hf_service"]
        == "inference"
    )
    assert (
        decisive.features("https://x.us-east-1.aws.endpoints.huggingface.cloud/")["hf_service"] == "inference"
    )
    assert decisive.features("for url: https://huggingface.co/api/models/org/m")["hf_service"] == "hub"
    assert answered(
        conn,
        "HfHubHTTPError: 429 Client Error: Too Many Requests for url: "
        "https://api-inference.huggingface.co/models/meta-llama/Llama-3.2-3B-Instruct/v1/chat/completions",
    )
    # the Hub's own files and API: the same words, another limit
    assert_withheld(
        conn,
        "huggingface_hub.errors.HfHubHTTPError: 429 Client Error: Too Many Requests for url: "
        "https://huggingface.co/meta-llama/Llama-3.2-3B-Instruct/resolve/main/config.json",
        "hf_service hub ≠ inference",
    )


def test_a_low_score_earned_by_common_words_alone_is_not_an_answer(corpus):
    """Below 65, an answer needs a rare word in common or the same exception type (docs/matching.md)."""
    idf_of = collections.defaultdict(lambda: 2.0, {"subcommand": 6.0})
    cli = scoring.Signature(
        "cli", scoring.prepare("Error: unknown command 'serve' for 'tool'"), frozenset(), idf_of
    )
    common = frozenset({"unknown", "command", "error"})

    def weak(shared, score=62.0, type_match=None, sig=cli):
        return scoring.common_words_only(sig, scoring.Lexical(score, type_match, shared), score, idf_of, 1000)

    # Appium's generic failure shares `unknown`, `command` and `error` with a CLI's unknown subcommand
    assert weak(common)
    assert not weak(common | {"subcommand"})  # one rare word in common
    assert not weak(common, type_match=True)  # the same exception type
    assert not weak(common, score=66.0)  # not a low score
    attribute = scoring.Signature(
        "attr", scoring.prepare("AttributeError: 'Key' object has no attribute 'sign'"), frozenset(), idf_of
    )
    assert weak(frozenset({"object", "attribute"}), type_match=True, sig=attribute)  # AttributeError: no lift
    # the words of a signature: still the answer
    assert (
        answered(corpus, "docker: Error response from daemon: invalid mode: /data.")
        == "windows-path-in-linux"
    )


def test_an_attribute_error_s_type_does_not_lift_a_low_score_on_its_common_words(corpus):
    """`object has no attribute` is every AttributeError's wording: the same type is no evidence."""
    text = "AttributeError: module layoutparser has no attribute Detectron2LayoutModel"
    hit = best(corpus, text)
    assert hit is None or not hit.confident
    # an AttributeError sharing a rare word is still answered
    assert answered(corpus, "AttributeError: module 'openai' has no attribute 'ChatCompletion'") is not None


def test_the_object_a_statement_could_not_unpack_or_index_decides():
    conn = one_entry(
        "none-value", "TypeError: cannot unpack non-iterable NoneType object", "A function returned None"
    )
    assert answered(conn, "TypeError: cannot unpack non-iterable NoneType object") == "none-value"
    assert_withheld(
        conn,
        "TypeError: cannot unpack non-iterable MockResponse object",
        "object_type mockresponse ≠ nonetype",
    )
    assert (
        decisive.features("TypeError: 'coroutine' object is not subscriptable")["object_type"] == "coroutine"
    )


def test_the_class_and_attribute_a_lookup_missed_decide_unless_one_of_them_is_shared():
    conn = one_entry(
        "key-kind",
        "AttributeError: '_RSAPrivateKey' object has no attribute 'verify'",
        "A private key used to verify a signature",
    )
    assert answered(conn, "AttributeError: '_RSAPrivateKey' object has no attribute 'verify'") == "key-kind"
    # the same words around other names: another program's own missing attribute
    assert_withheld(
        conn,
        "AttributeError: 'generator' object has no attribute 'choices'",
        "missing_attribute generator choices ≠ _rsaprivatekey verify",
    )
    # one name in common is the same kind of error: another key class, the same method
    assert "missing_attribute" not in " ".join(
        best(conn, "AttributeError: '_RSAPublicKey' object has no attribute 'verify'").conflicts
    )
    assert decisive.features("AttributeError: 'NoneType' object has no attribute 'append'")[
        "missing_attribute"
    ] == ("nonetype append")


def test_kubectl_s_fallback_address_is_not_a_configured_server():
    """kubectl, client-go and Helm fall back to localhost:8080 when no kubeconfig was found; an
    API server refused at any other address was configured, and is down."""
    fallback = (
        "The connection to the server localhost:8080 was refused - did you specify the right host or port?"
    )
    conn = one_entry("no-kubeconfig", fallback, "kubectl found no kubeconfig")
    assert answered(conn, fallback) == "no-kubeconfig"
    assert_withheld(
        conn,
        "The connection to the server localhost:6443 was refused - did you specify the right host or port?",
        "kube_server configured ≠ fallback",
    )
    helm = 'Error: Kubernetes cluster unreachable: Get "https://10.0.0.5:6443/version": dial tcp 10.0.0.5:6443: i/o timeout'
    assert decisive.features(helm)["kube_server"] == "configured"


def test_python_2_s_unquoted_dotted_module_does_not_say_which_part_is_missing():
    skew = IndexItem("version-skew", ["ModuleNotFoundError: No module named 'pkg.X'"], "A module moved")
    conn = index(MISSING_PACKAGE, skew)
    assert decisive.features("ImportError: No module named acmeauth.signing")["module_depth"] == (
        "either (unquoted)"
    )
    assert answered(conn, "ImportError: No module named acmeauth.signing") is None
    assert answered(conn, "ImportError: No module named acmeauth") == "missing-package"


def test_who_asked_for_a_missing_module_decides():
    conn = index(MISSING_PACKAGE)
    assert answered(conn, "ModuleNotFoundError: No module named 'trainer'") == "missing-package"
    assert_withheld(conn, UNPICKLED_MODULE, "imported_by unpickler ≠ import")
    assert_withheld(conn, FROZEN_APP_MODULE, "imported_by frozen app ≠ import")


def test_a_python_address_tuple_names_the_port_connected_to():
    assert evidence.ports_connected("Connect call failed ('::1', 6379, 0, 0)") == {"6379"}
    conn = index(
        IndexItem(
            "redis-down",
            ["OSError: Multiple exceptions: [Errno 111] Connect call failed ('127.0.0.1', 6379)"],
            "Redis is not running or not reachable",
            libraries=["redis"],
        )
    )
    postgres = "OSError: Multiple exceptions: [Errno 111] Connect call failed ('127.0.0.1', 5433)"
    hit = best(conn, postgres)
    assert hit is not None and not hit.confident and "port 5433 ≠ redis's port" in hit.conflicts


def test_what_javascript_could_not_construct_decides():
    conn = one_entry(
        "circular",
        "TypeError: Class extends value undefined is not a constructor or null",
        "A circular import left the base class undefined",
    )
    assert answered(conn, "TypeError: Class extends value undefined is not a constructor or null")
    assert_withheld(conn, "TypeError: Bot is not a constructor", "not_constructor bot ≠ undefined")


def test_a_grpc_status_code_decides():
    signature = (
        "grpc._channel._InactiveRpcError: <_InactiveRpcError of RPC that terminated with: "
        'status = StatusCode.FAILED_PRECONDITION details = "User location is not supported for the API use."'
    )
    conn = one_entry("region", signature, "The API is not offered in the caller's region")
    assert answered(conn, signature) == "region"
    assert_withheld(
        conn,
        signature.replace("FAILED_PRECONDITION", "UNAVAILABLE"),
        "grpc_status unavailable ≠ failed_precondition",
    )


def test_the_first_character_go_could_not_read_decides_html_from_text():
    conn = one_entry(
        "fenced-reply",
        "invalid character '`' looking for beginning of value",
        "The model wrapped its JSON in a Markdown fence",
    )
    assert answered(conn, "json: invalid character '`' looking for beginning of value")
    # an HTML error page where JSON was expected: not a model's reply
    assert_withheld(
        conn,
        "Error response from daemon: invalid character '<' looking for beginning of value",
        "json_first_char html ≠ text",
    )


def test_the_interpreter_env_could_not_find_decides():
    conn = one_entry(
        "node-tool", "env: node: No such file or directory", "A Node tool's shebang finds no node"
    )
    assert answered(conn, "/usr/bin/env: 'node': No such file or directory") == "node-tool"
    assert_withheld(conn, "/usr/bin/env: 'python': No such file or directory", "env_program python ≠ node")
    # busybox's wording, and a script saved with CRLF line endings: another program each time
    assert decisive.features("env: can't execute 'bash': No such file or directory")["env_program"] == "bash"
    assert decisive.features("/usr/bin/env: 'bash\\r': No such file or directory")["env_program"] == "\\r"
    assert decisive.features("env: 'python3\\r': No such file or directory")["env_program"] == "\\r"


JSON_FILE_TRACEBACK = """Traceback (most recent call last):
  File "/srv/app/settings.py", line 9, in <module>
    settings = json.load(handle)
  File "/usr/lib/python3.11/json/__init__.py", line 293, in load
    return loads(fp.read(),
json.decoder.JSONDecodeError: Expecting ',' delimiter: line 14 column 5 (char 310)"""


def test_whether_json_load_read_a_file_decides():
    conn = one_entry(
        "model-reply",
        "json.decoder.JSONDecodeError: Expecting ',' delimiter: line 1 column 9 (char 8)",
        "The model's reply is not bare JSON",
    )
    assert answered(conn, "json.decoder.JSONDecodeError: Expecting ',' delimiter: line 3 column 9 (char 40)")
    # the same words, raised by json.load on a file someone edited
    assert_withheld(conn, JSON_FILE_TRACEBACK, "json_source file ≠ text")


def test_a_library_s_family_name_in_a_signature_names_the_library():
    conn = index(
        IndexItem(
            "hub-limit",
            [
                "HTTP status client error (429 Too Many Requests) for url "
                "(https://huggingface.co/org/model/resolve/main/config.json)"
            ],
            "The Hugging Face Hub's rate limit",
            libraries=["huggingface_hub"],
        )
    )
    hub = "HTTP status client error (429 Too Many Requests) for url (https://huggingface.co/acme/m/resolve/main/a.json)"
    assert answered(conn, hub) == "hub-limit"
    # the same status from a client that names no Hugging Face anywhere: another service's limit
    hit = best(
        conn, "HTTP status client error (429 Too Many Requests) for url (https://api.example.org/v1/items)"
    )
    assert hit is not None and "huggingface (not named in the error)" in hit.frames
    # a traceback through huggingface_hub names it, though not in the signature's spelling
    assert not any(
        "not named" in note for note in best(conn, "huggingface_hub.errors.HfHubHTTPError: " + hub).frames
    )


def test_why_torch_could_not_initialise_numpy_decides():
    signature = "UserWarning: Failed to initialize NumPy: _ARRAY_API not found (Triggered internally at tensor_numpy.cpp:84.)"
    conn = one_entry("numpy-abi", signature, "An extension built for NumPy 1.x under NumPy 2")
    assert answered(conn, signature) == "numpy-abi"
    # a build's isolated environment without NumPy: torch warns and goes on, nothing to rebuild
    assert_withheld(
        conn,
        "UserWarning: Failed to initialize NumPy: No module named 'numpy' (Triggered internally at tensor_numpy.cpp:81.)",
        "numpy_init absent ≠ abi",
    )


def test_the_missing_file_an_entry_s_title_names_decides():
    signature = "FileNotFoundError: [Errno 2] No such file or directory: '/usr/local/cuda/bin/nvcc'"
    conn = one_entry("no-toolkit", signature, "No CUDA toolkit: nvcc not found")
    assert answered(conn, "FileNotFoundError: [Errno 2] No such file or directory: '/opt/cuda-12.1/bin/nvcc'")
    assert_withheld(
        conn,
        "FileNotFoundError: [Errno 2] No such file or directory: '/srv/flows/config.yaml'",
        "missing_file config.yaml ≠ nvcc",
    )
