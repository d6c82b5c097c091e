"""Regression guard on matching quality: the dev set must stay at or above the floor reached.

Floors are figures measured on tests/eval/dev.jsonl (see docs/matching.md), minus a small
allowance; a change that makes the matcher worse fails here. No timing is asserted.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.search.evaluation import evaluate, load_cases, memory_index

ROOT = Path(__file__).resolve().parents[2]
DEV = ROOT / "tests" / "eval" / "dev.jsonl"
WILD = ROOT / "tests" / "eval" / "wild.jsonl"
HOLDOUT = ROOT / "tests" / "eval" / "holdout.jsonl"
BYREPO = ROOT / "tests" / "eval" / "byrepo.jsonl"
BYREPO_NEW = ROOT / "tests" / "eval" / "byrepo_new.jsonl"
BYREPO_CAL3 = ROOT / "tests" / "eval" / "byrepo_cal3.jsonl"
ENTRIES_REAL = ROOT / "tests" / "eval" / "entries_real.jsonl"

# dev (803 cases, 294 of them real texts for the 70 entries written on 2026-12-05): 90.9 % top-1
# confident, 10 confident wrong, 5 of 145 false confident (3.4 %) when these were set. 2026-12-06:
# 89.9 % (809 cases) once pydantic-validation-error became `general` (offered, never asserted: its 7
# dev answers were right by topic, its 16 answers on the by-repository samples all wrong).
MIN_ACCURACY = 0.89
MAX_FALSE_CONFIDENT_RATE = 0.04
MAX_CONFIDENT_WRONG = 10
# Real bug-report texts (see docs/matching.md), after 19 (wild) and 18 (holdout) hard negatives
# became positives of the entries written for them on 2026-12-05: wild 92.1 %, 2 of 20;
# holdout 93.5 %, 1 of 24.
# entries_real: real texts for the 18 entries written on 2026-12-06, scored once before any change
# that could fit them (77 right / 10 wrong at first): 86.0 %, 6 of 15 look-alikes answered (their
# messages are word for word an entry's: a checkpoint whose own auto_map is broken, a Blackwell GPU
# a flash-attn build does not know, a half-upgraded gradio read as a circular import). With the 61
# texts for the five entries of the sixth round (first score 29 right / 11 wrong; five look-alikes
# relabelled to the existing entries whose causes their threads show): 83.0 %, 9 of 28 (also a
# genuine oversized safetensors header, a docker volume spec without its container path, an
# antivirus blocking chromedriver: each message is word for word an entry's). With 25 more for
# selenium-executable-path-removed and docker-volume-source-not-absolute (first score 16 right / 7
# wrong; two relabelled to the entry that names their cause): 86.2 %, 14 of 34 (four tools that
# prefix a compose project name or another volume driver's name print Docker's very message). With 18
# for dns-name-not-resolved (first score 9 right / 4 wrong; one relabelled to connection-refused; a `0:8000`
# listen shorthand, a password's unencoded `@` and an offline Hugging Face cache each make a real name
# lookup fail): the entry became `general` (offered, never asserted: the message has many causes), so
# its 10 right answers count as abstentions: 80.5 %, 14 of 38. With 32 for build-isolation-missing-module
# and db-connection-used-concurrently (seventh round; first scores 3 right / 6 wrong / 2 abstained and
# 7 right / 3 wrong / 6 abstained; four look-alikes relabelled to the existing entries their threads'
# causes belong to; the build entry's six wrong answers were module-not-found taking build logs, which
# the build-step context part then told apart): 79.0 %, 15 of 41 (an event-loop mismatch that prints
# asyncpg's very "another operation is in progress"). With 17 for package-install-broken (first score
# 0 right / 10 wrong / 7 abstained: most of its texts show no frame inside the package, or a Python 2
# wording; after frames in IPython's form and split lines were read, and five look-alikes relabelled
# to the entries their threads' causes belong to, 5 right / 4 wrong, 2 of its 10 positives): 75.8 %,
# 15 of 46. A look-alike of the same package and shape then stopped speaking for names it does not
# name (docs/matching.md): one more right (streamlit's `experimental_rerun`) and one more false
# confident (a component hacking a private streamlit internal): 16 of 46. Eighth round, with 53 for
# the Gemini entries and llm-api-key-rejected (first scores 12 right / 3 wrong / 15 abstained and
# 8 / 3 / 14; five look-alikes relabelled to the existing entries their threads' causes belong to, a
# Google Translate key rejection the one real wrong answer, later told apart by a look-alike): 74.7 %
# (their thin texts, `HTTP 429 Too Many Requests` from an R client, stay unanswered), 16 of 57. With
# 46 for llm-base-url-wrong and llm-output-truncated (first scores 4 right / 6 wrong / 14 abstained
# and 4 / 5 / 17; seven look-alikes relabelled to the entries their threads' causes belong to; a
# proxy intercepting the call read as a server error is the new false confident; truncated JSON's
# `Unterminated string` stays llm-json-decode-error's, whose text covers truncation too): 71.5 %
# (most truncation reports paste the framework's own words, not the SDK's), 17 of 67. Eleventh
# round, with 86 for seven entries (nltk-data-missing, langgraph-invalid-update,
# langsmith-tracing-failed, vectorstore-unsafe-deserialization, pydantic-model-not-fully-defined,
# and faiss's loader lines in harmless-warnings; eight look-alikes relabelled to the entries their
# threads' causes belong to): 78.0 %, 19 of 101: two threads pasting `No module named 'faiss'` are
# answered with the faiss-cpu distribution while their threads show mixed conda channels and an
# install in another environment. With 46 more for aws-bedrock-model-access, aws-credentials-not-found
# and proxy-url-scheme-unsupported (first scores 12/13, 13/13 and 6/8 right; six look-alikes
# relabelled, three of them socksio/PySocks texts that optional-dependency-missing owns): 79.2 %, 20 of
# 107: a proxy timing out on a plain-HTTP request is read as a proxy intercepting localhost.
# Twelfth round, with 47 for ollama-context-truncated, external-program-not-found and node-version-too-old
# (21 of 25 positives right, none answered wrong; seven look-alikes relabelled to the entries their causes
# belong to): 23 false confident — two npm/yarn engine refusals whose Node is *newer* than an old package's
# pinned range read as too old, a syntax error in a user's own config as an old Node's, and a corrupted npx
# cache's `Cannot find module` as a missing package. Thirteenth round, with the blind texts of ten
# entries: 22 false confident — the engine refusals of a Node *newer* than an old package's range are told
# apart now (the range and the Node read off the message), while a machine with no NVIDIA GPU is read as a
# missing container toolkit, a Nix LD_LIBRARY_PATH mix as an old glibc, and a GitLab protected-branch
# refusal whose thread blames a server's git bug as a protected branch. Fourteenth round, with the blind
# texts of db-connection-closed-idle, pgvector-extension-missing and redis-search-module-missing (29 of 33
# positives right, none wrong): 24 — a proxy's idle timeout killing a *busy* query read as an idle close,
# and `type "vector" does not exist` from pgvecto.rs's schema and from a SQL client that did not know the
# type read as pgvector's (the same words, another cause). With the texts of uvicorn-websockets-missing,
# browser-cors-blocked and http-stream-cut-short (20 of 27 positives right, none wrong): 29 — an HTTP/2
# upgrade's uvicorn warning, a server crash behind a CORS message that names no status, a server whose
# Content-Length overstates its body, and Node's own body/headers timeouts under `terminated`. Fifteenth
# round, with the 76 blind texts of llm-model-no-tool-support, llm-empty-message-content, mcp-request-timeout,
# prompt-template-braces and sync-async-client-mixup (38 of 56 positives right, 2 wrong): 36 — MCP clients
# timing out on a server that never started, lost its SSE stream or misread `\r\n\r\n`, a library's own
# template passing the wrong variable name, a runner's `asyncio.run` inside a running loop, and one earlier
# line (a hosted MCP server the thread never shows reachable) now read as a request timeout. With the 31 texts of
# llm-message-role-order and llm-tool-call-malformed (17 of 25 positives right, 3 wrong): still 36 (a Gemma 3
# template without a tool role refusing a tool turn, read as roles out of order). With the 25 texts of
# langgraph-checkpointer-config and llm-image-too-large (20 of 25 positives right, none wrong): still 36.
# Sixteenth round, with the 57 blind texts of asyncio-future-different-loop, llama-index-default-openai and
# streamlit-session-state-uninitialized (33 of 39 positives right, none wrong): 44 — aiohttp's `Timeout context
# manager should be used inside a task` under trio and under Tornado (the same words as a session bound to
# another loop), a SQLAlchemy regression's `got Future attached to a different loop`, `Event loop is closed`
# at a thread pool's shutdown, a `$$GENERATED_WIDGET_ID` key no thread explains, and three OpenAI key
# errors whose threads blame ragas' fallback, a re-download and a local conflict (openai-authentication).
# With the 28 texts of hf-hub-rate-limited and langchain-agent-prompt-variables (12 of 19 positives right, 2
# wrong): 46 — the old sbert.net model server's 429 read as the Hub's, and a framework's own `Invalid prompt
# schema` (its hard-coded input variables) read as prompt-template-braces.
# Seventeenth round, with the 60 blind texts of pydantic-object-has-no-field, signal-only-main-thread,
# chroma-embedding-function-signature and pdf-file-damaged (31 of 40 positives right, none wrong): 49 — three
# threads whose text is pdf-file-damaged's own wording with another cause (pdfminer 2014 failing on valid
# PDFs, PyPDF2 searching only the last kilobyte for `%%EOF`, a gradio upgrade handing over an empty file).
# Eighteenth round, with the 64 blind texts of multiprocessing-spawn-main-guard, browser-launch-on-server,
# telegram-bot-polling-conflict and portaudio-unavailable (37 of 46 positives right, none wrong): 52 — a
# DataLoader whose workers died of a small Docker /dev/shm (read as a kernel kill), a pin of a PyAudio
# release PyPI never had (read as a Python too old), and an earlier proxy refusal that four new entries'
# words moved from connect-timeout to max-retries-exceeded. With the 64 of checkpoint-state-dict-mismatch,
# cuda-reinit-forked-subprocess, sqlite-extension-loading and triton-unavailable (38 of 45 positives right, none
# wrong; every look-alike answered is another entry's error): still 52.
# Nineteenth round, with the 122 blind texts of eight entries (crlf-line-endings, gcp-api-not-enabled,
# request-body-too-large, npm-optional-native-missing, node-gyp-build-failed, cpu-instruction-unsupported,
# bitsandbytes-gpu-unavailable, flash-attention-unavailable): 60 — two scripts whose interpreter is really
# missing (`env: can't execute 'bash'` in Alpine, `/usr/bin/env: 'python'`) read by mcp-server-spawn-failed,
# three bitsandbytes CPU-build warnings whose threads blame something else (a GPTQ file not found, a
# transformers/accelerate mismatch, a container that cannot see the GPU), an xformers commit importing
# flash_attn by mistake, and two bare `Illegal instruction (core dumped)` from a deliberate trap and a miscompile.
# Twentieth round: holdout 0.90 (103 of 114), from 0.91: an answer below 65 now needs one rare word in
# common or the same exception type; its one right answer lost (litellm's Ollama refusal read through
# aiohttp's `Cannot connect to host … ssl:default` wording, all common words) came with 12 wrong answers
# fewer on the by-repository samples and one on dev (docs/matching.md, twentieth round).
# Twentieth round, with the 126 blind texts of eight entries (website-blocks-scraper, config-file-malformed,
# db-client-server-version-mismatch, upstream-service-unavailable, aws-iam-access-denied, cuda-toolkit-mismatch,
# llama-cpp-model-unsupported, local-model-files-missing): 77 — seventeen of their look-alikes answered, each the
# new entry's words on another cause: an outdated docker-compose's YAML error, a web page's script parsed as YAML,
# a data file cut short by a kill, a corrupt npm cache entry, a Milvus port mistaken for a version, a removed
# `QdrantClient.search`, Envoy's `no healthy upstream` from a DNS setup, an SDK upgrade's 403, a hard-coded sm_35,
# flash-attn's own setup bug, removed THC headers, a diffusion or CLIP file given to llama.cpp, a candle GGUF, a
# diffusers bug, a transformers too old for a local folder.
# Twenty-first round, with the 148 blind texts of ten entries (jwt-key-mismatch, tensor-parallel-size-mismatch,
# kubeconfig-not-found, celery-task-not-registered, tesseract-language-data-missing, azure-credential-unavailable,
# hf-dataset-split-missing, package-unsupported-platform, search-tool-api-key-invalid, browser-profile-in-use): 84 —
# six of their look-alikes answered, each the new entry's words on another cause: a Tesseract 4 model under Tesseract 3,
# a Key Vault emulator's fake tenant, streaming's unsupported `all` pseudo-split, an old Bing endpoint read through
# Azure's `invalid subscription key` wording, a user-data folder that was not writable, an elevated Windows prompt.
# Then 85: a chained error's own rare words are looked up when the primary's common words fill the candidates
# (dev +2 right, -1 wrong), and a WebDriver page crash's `Failed to load` log reads as browser-launch-on-server.
REAL_SETS = [(WILD, 0.90, 2), (HOLDOUT, 0.90, 2), (ENTRIES_REAL, 0.71, 85)]


def test_dev_set_is_large_and_every_entry_is_measured_or_listed_as_not_yet():
    cases = load_cases(DEV)
    slugs = {p.stem for p in (ROOT / "solutions").glob("*.md")}
    positives = [c for c in cases if c.expect]
    negatives = [c for c in cases if not c.expect]
    assert len(positives) >= 300 and len(negatives) >= 80
    # 51 hard negatives became positives when entries for them were written (2026-12-05).
    assert sum(c.kind == "hard-negative" for c in negatives) >= 40
    measured = {
        c.expect
        for path in (DEV, WILD, HOLDOUT, BYREPO, BYREPO_NEW, BYREPO_CAL3, ENTRIES_REAL)
        for c in load_cases(path)
        if c.expect
    }
    listed = {
        line.strip()
        for line in (ROOT / "tests" / "eval" / "unmeasured.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert measured <= slugs, measured - slugs
    assert slugs - measured == listed, {
        "unmeasured, not listed": slugs - measured - listed,
        "measured now": listed & measured,
    }


def test_matching_quality_stays_above_the_floor():
    report = evaluate(memory_index(ROOT / "solutions"), load_cases(DEV))
    assert report.accuracy >= MIN_ACCURACY, report.summary()
    assert report.false_confident_rate <= MAX_FALSE_CONFIDENT_RATE, report.summary()
    assert report.confident_wrong <= MAX_CONFIDENT_WRONG, report.summary()


@pytest.mark.parametrize(
    ("path", "min_accuracy", "max_false_confident"), REAL_SETS, ids=lambda v: getattr(v, "stem", v)
)
def test_real_error_texts_stay_above_the_floor(path, min_accuracy, max_false_confident):
    """Sets never tuned line by line; a drop here means a change over-fits the dev set."""
    cases = load_cases(path)
    # wild kept 14 negatives when its two bootstrapping-phase look-alikes became the new entry's positives
    assert len([c for c in cases if c.expect]) >= 80 and len([c for c in cases if not c.expect]) >= 14
    report = evaluate(memory_index(ROOT / "solutions"), cases)
    assert report.accuracy >= min_accuracy, report.summary()
    assert report.false_confident <= max_false_confident, report.summary()


# The by-repository calibration samples (tests/eval/BYREPO.md): wrong answers when this was set —
# byrepo 17 of 169 (27 at the start of the precision work; 16 until the agent-output entry's words
# moved which signatures one log's rare words find, and missing-env-var answered a harmless
# USER_AGENT warning), byrepo_new 9 of 101 (17 when it was sampled), byrepo_cal3 12 of 80 (13 when
# it was sampled). Held-out sets are only ever reported. Seventh round (labels checked against the
# threads and real releases, tests/eval/BYREPO.md): byrepo 10, byrepo_new 7, byrepo_cal3 9. Eighth
# round: byrepo 11 — frames of an importer no longer contradict the library the import is about
# (+3 by-topic answers), which lets openai-sdk-too-old answer openai-agents importing a name a newer
# openai renamed (the advice, upgrade openai, is the wrong direction there). Tenth round: byrepo 12 —
# litellm 1.110.2's real wording for a refused connection (`InternalServerError: … OpenAIException -
# Connection error.`) became an api-connection-error signature, and a Gradio app's wrapped copy of it,
# labelled "cause unclear" (the thread never says why the server was unreachable), is now answered.
# Twelfth round: byrepo 13 — node-version-too-old answers `Uncaught SyntaxError: Unexpected token ?`,
# optional chaining on a runtime older than the code, in a thread that never says which runtime it was.
# Fourteenth round: byrepo_cal3 10 — the words of six new entries reweighed the rest, and a Rust
# client's `tcp connect error: Connection refused (os error 111)` from a container that cannot reach
# a host (labelled "cause unclear") is now answered with connection-refused; byrepo 14 — the audited
# entries' words reweighed a look-alike of windows-path-in-linux below its margin, and a Windows user's
# missing model snapshot under `C:\\Users\\…` (no frame shows where it ran) reads as a Windows path on Linux.
# Twentieth round: byrepo_cal3 11 — local-model-files-missing answers a Windows model folder without its weights
# (`Error no file named … found in directory models\\gpt4-x-alpaca-13b-…`) in a thread whose cause is unclear.
BYREPO_SETS = [(BYREPO, 150, 14), (BYREPO_NEW, 100, 7), (BYREPO_CAL3, 75, 11)]


@pytest.mark.parametrize(("path", "min_cases", "max_wrong"), BYREPO_SETS, ids=lambda v: getattr(v, "stem", v))
def test_by_repository_sample_wrong_answers_do_not_grow(path, min_cases, max_wrong):
    report = evaluate(memory_index(ROOT / "solutions"), load_cases(path))
    assert len(report.outcomes) >= min_cases
    assert report.wrong <= max_wrong, report.summary()


def test_synapse_eval_prints_the_figures():
    out = subprocess.run(
        [sys.executable, "-m", "app.cli", "eval"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    for label in ("top-1 confident", "confident wrong", "abstained", "false confident", "latency p50 / p99"):
        assert label in out


def test_synapse_eval_says_what_the_labels_make_of_each_wrong_answer(tmp_path):
    """A wrong answer to an error whose thread never showed its cause cannot be checked; one to a
    project's own bug can: `synapse eval` counts them apart."""
    rows = [
        ("ModuleNotFoundError: No module named 'requests'", "other: unclear"),
        ("ModuleNotFoundError: No module named 'yaml'", "project-bug"),
        ("ModuleNotFoundError: No module named 'httpx'", "other: a vendored copy shadows the package"),
    ]
    sample = tmp_path / "sample.jsonl"
    sample.write_text(
        "".join(
            json.dumps({"q": q, "expect": None, "kind": "hard-negative", "topic": topic}) + "\n"
            for q, topic in rows
        ),
        encoding="utf-8",
    )
    out = subprocess.run(
        [sys.executable, "-m", "app.cli", "eval", "--set", str(sample)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "answered             3: 0 right, 3 wrong" in out
    assert "wrong, as labelled   1 cause unclear in the thread, 1 project bug, 1 another known cause" in out
