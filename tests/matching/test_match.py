"""The matcher's decisions: right entry, honest abstention, explanation, feedback tie-break."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from app.search.evaluation import memory_index
from synapse_skill.matching import matcher
from synapse_skill.matching.index import IndexItem, rarest_first

SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions"


@pytest.fixture(scope="module")
def corpus():
    return memory_index(SOLUTIONS)


@pytest.fixture
def tiny():
    """Two entries built to tie on a query, to exercise the feedback tie-break."""
    conn = sqlite3.connect(":memory:")
    matcher.create_schema(conn)
    matcher.index_entry(conn, "alpha-fix", ["WidgetError: the widget spun out of control"], "Widget spin")
    matcher.index_entry(conn, "beta-fix", ["GadgetError: the widget spun out of control"], "Gadget spin")
    return conn


def top(conn, text):
    hits = matcher.search(conn, text).hits
    return hits[0] if hits else None


def one_entry(slug: str, signature: str) -> sqlite3.Connection:
    """An index of one entry with one signature."""
    conn = sqlite3.connect(":memory:")
    matcher.create_schema(conn)
    matcher.index_entry(conn, slug, [signature])
    return conn


def test_canonical_signature_is_the_confident_top_match(corpus):
    hit = top(corpus, "sqlite3.OperationalError: database is locked")
    assert hit.slug == "sqlite-database-locked" and hit.confident


def test_a_hard_neighbour_is_not_answered_by_the_entry_it_resembles(corpus):
    for text, look_alike in (
        ("sqlite3.OperationalError: no such table: users", "sqlite-database-locked"),
        ("KeyError: 'choices'", "missing-env-var"),
        (
            "ImportError: libGL.so.1: cannot open shared object file: No such file or directory",
            "module-not-found",
        ),
        ("Internal Server Error", "anthropic-overloaded"),  # any server's 500, not Anthropic's by itself
        (  # botocore's wrapper is the same for every AWS error: the message after it decides
            "botocore.errorfactory.ValidationException: An error occurred (ValidationException) when calling "
            "the Converse operation: The provided model identifier is invalid.",
            "context-length-exceeded",
        ),
    ):
        hit = top(corpus, text)
        assert hit is None or not hit.confident or hit.slug != look_alike, (text, hit)


def test_different_env_var_names_still_find_the_env_entry(corpus):
    hit = top(corpus, "KeyError: 'ANTHROPIC_API_KEY'")
    assert hit.slug == "missing-env-var" and hit.confident


def test_same_class_name_from_another_library_is_not_a_type_match():
    conn = one_entry(
        "reply-not-json", "json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)"
    )
    hit = top(conn, "requests.exceptions.JSONDecodeError: Expecting value: line 1 column 1 (char 0)")
    assert hit.type_match is False
    exact = top(conn, "json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)")
    assert exact.type_match is True and exact.score > hit.score


def test_a_library_whose_exceptions_subclass_another_s_is_the_same_type():
    # litellm's AuthenticationError subclasses openai's; anthropic's is another library's class
    conn = one_entry("bad-key", "openai.AuthenticationError: Error code: 401 - Incorrect API key provided")
    wrapped = top(conn, "litellm.AuthenticationError: Error code: 401 - Incorrect API key provided")
    other = top(conn, "anthropic.AuthenticationError: Error code: 401 - Incorrect API key provided")
    assert wrapped.type_match is True and other.type_match is False and wrapped.score > other.score


def test_why_names_the_signature_type_and_shared_terms(corpus):
    hit = top(corpus, "sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) database is locked")
    assert hit.signature in matcher.search(corpus, hit.signature).hits[0].signature
    assert hit.type_match is True
    assert "locked" in hit.terms


def test_results_are_sorted_and_only_the_first_can_be_confident(corpus):
    hits = matcher.search(corpus, "Connection refused", limit=10).hits
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert not any(h.confident for h in hits[1:])


def test_feedback_breaks_a_tie(tiny):
    query = "the widget spun out of control"
    plain = matcher.search(tiny, query).hits
    assert plain[0].score == plain[1].score
    assert matcher.search(tiny, query, worked=lambda slugs: {"beta-fix": 3}).hits[0].slug == "beta-fix"
    assert matcher.search(tiny, query, worked=lambda slugs: {"alpha-fix": 3}).hits[0].slug == "alpha-fix"


def test_feedback_never_lifts_a_non_matching_entry(corpus):
    text = "ZeroDivisionError: division by zero"
    before = matcher.search(corpus, text).hits
    after = matcher.search(corpus, text, worked=lambda slugs: {h.slug: 10_000 for h in before}).hits
    assert [h.score for h in after] == [h.score for h in before]
    assert not any(h.confident for h in after)


def test_fast_path_agrees_with_brute_force_on_real_queries(corpus):
    for text in (
        "sqlite3.OperationalError: database is locked",
        "RuntimeError: Event loop is closed",
        "OSError: [Errno 24] Too many open files",
        "fatal: detected dubious ownership in repository at '/src'",
    ):
        fast, brute = matcher.search(corpus, text).hits[0], matcher.search(corpus, text, brute=True).hits[0]
        assert (fast.slug, fast.score, fast.confident) == (brute.slug, brute.score, brute.confident)


def test_reindexing_an_entry_replaces_its_signatures(tiny):
    matcher.index_entry(tiny, "alpha-fix", ["WidgetError: completely different words now"], "Widget")
    assert top(tiny, "the widget spun out of control").slug == "beta-fix"
    matcher.remove_entry(tiny, "beta-fix")
    assert tiny.execute("SELECT count(*) FROM match_signatures WHERE slug = 'beta-fix'").fetchone()[0] == 0
    assert tiny.execute("SELECT count(*) FROM match_terms WHERE df <= 0").fetchone()[0] == 0


def test_the_fuzzy_bound_skips_only_what_cannot_exceed_it():
    from synapse_skill.matching import score

    texts = [
        "sqlite3.OperationalError: database is locked",
        "OSError: [Errno 98] Address already in use",
        "TypeError: 'NoneType' object is not subscriptable",
        "ModuleNotFoundError: No module named 'requests'",
    ]
    for q in texts:
        query = score.prepare(q)
        for s in texts:
            sig = score.Signature(
                "x", score.prepare(s), frozenset(), {t: 1.0 for t in score.prepare(s).tokens}
            )
            full = score.fuzzy(query, sig)
            for above in (0.0, 0.3, 0.5, 0.7, full, 0.99):
                got = score.fuzzy_above(query, sig, above)
                assert got == full or (got is None and full <= above)


def test_line_numbers_are_looked_up_after_words_but_an_errno_keeps_its_place():
    # A code excerpt's `24 | const x` or `line 29` is rarer among signatures than the message's
    # words; looked up first, such numbers found only signatures that happen to hold them.
    df = {"29": 1, "const": 2, "schema": 5, "errno": 40}
    assert rarest_first({"29", "const", "schema", "unknown"}, df) == ["const", "schema", "29"]
    assert rarest_first({"29", "const", "schema", "errno"}, df, numbered=True) == [
        "29",
        "const",
        "schema",
        "errno",
    ]
    # `429` or a port is a word like any other.
    assert rarest_first({"429", "schema"}, {"429": 1, "schema": 5}) == ["429", "schema"]


def test_a_warning_then_a_traceback_cut_short_gets_no_confident_answer():
    conn = sqlite3.connect(":memory:")
    matcher.create_schema(conn)
    warning = "RuntimeWarning: Couldn't find ffmpeg or avconv - defaulting to ffmpeg, but may not work"
    matcher.index_entries(conn, [IndexItem("ffmpeg-missing", [warning], "ffmpeg not on PATH")])
    assert matcher.search(conn, "x.py:170: " + warning).hits[0].confident
    cut = (
        "/srv/app/.venv/lib/python3.11/site-packages/pydub/utils.py:170: " + warning + "\n"
        "Traceback (most recent call last):\n"
        '  File "/srv/app/.venv/lib/python3.11/site-packages/acmeui/queue.py", line 88, in process\n'
        "    result = await self.run(job)"
    )
    hit = matcher.search(conn, cut).hits[0]
    assert hit.slug == "ffmpeg-missing" and not hit.confident
    assert any("cut short" in reason for reason in hit.conflicts)


def test_exceptions_raised_without_a_message_are_told_apart_by_the_function_that_raised_them():
    def bare(function: str) -> str:
        return (
            "Traceback (most recent call last):\n"
            f'  File "C:\\\\Py\\\\Lib\\\\asyncio\\\\base_events.py", line 500, in {function}\n'
            "    raise NotImplementedError\nNotImplementedError"
        )

    conn = sqlite3.connect(":memory:")
    matcher.create_schema(conn)
    matcher.index_entries(
        conn,
        [
            IndexItem("no-subprocess-on-selector", [bare("_make_subprocess_transport")], "Selector loop"),
            IndexItem("no-signals-on-windows", [bare("add_signal_handler")], "Signals on Windows"),
        ],
    )
    for function, slug in (
        ("_make_subprocess_transport", "no-subprocess-on-selector"),
        ("add_signal_handler", "no-signals-on-windows"),
    ):
        hit = matcher.search(conn, bare(function)).hits[0]
        assert hit.slug == slug and hit.confident
    other = matcher.search(conn, bare("_forward_unimplemented")).hits
    assert not any(hit.confident for hit in other)


def test_one_shared_word_without_an_exception_type_is_a_likeness_not_an_answer():
    conn = sqlite3.connect(":memory:")
    matcher.create_schema(conn)
    matcher.index_entries(
        conn,
        [
            IndexItem("global-missing", ["ReferenceError: File is not defined"], "Old runtime"),
            IndexItem("oom-kill", ["Killed"], "Out of memory"),
        ],
    )
    hit = matcher.search(conn, "No tasks defined").hits[0]
    assert hit.slug == "global-missing" and not hit.confident
    # the same word with the exception's type, or the signature's own single word, still answers
    typed = matcher.search(conn, "Uncaught ReferenceError: File is not defined").hits[0]
    assert typed.slug == "global-missing" and typed.confident
    killed = matcher.search(conn, "Killed").hits[0]
    assert killed.slug == "oom-kill" and killed.confident


def test_an_entry_s_own_signature_word_for_word_is_not_taken_for_its_look_alike(corpus):
    # llama-index-core-imports lists `No module named 'llama_index'` (a package not installed) as a
    # look-alike; the moved submodule it names itself stays its answer as other entries' words reweigh
    hit = top(corpus, "ModuleNotFoundError: No module named 'llama_index.response'")
    assert hit.slug == "llama-index-core-imports" and hit.confident and hit.not_error is None


def test_a_worker_log_whose_traceback_ends_in_a_bare_key_error_is_answered_by_its_record():
    conn = one_entry("task-not-registered", "Received unregistered task of type 'proj.tasks.add'.")
    log = (
        "[2026-03-02 10:00:00,120: ERROR/MainProcess] Received unregistered task of type 'shop.jobs.rebuild'.\n"
        "The message has been ignored and discarded.\n\n"
        "Traceback (most recent call last):\n"
        '  File "/srv/venv/lib/python3.12/site-packages/celery/worker/consumer/consumer.py", line 658, in x\n'
        "    strategy = strategies[type_]\n"
        "KeyError: 'shop.jobs.rebuild'\n"
    )
    top = matcher.search(conn, log).hits[0]
    assert top.slug == "task-not-registered" and top.confident
    # the KeyError alone says nothing of a task
    assert not any(hit.confident for hit in matcher.search(conn, "KeyError: 'shop.jobs.rebuild'").hits)
