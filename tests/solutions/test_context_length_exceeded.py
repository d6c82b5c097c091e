"""Verified fix for solutions/context-length-exceeded.md.

Runs the entry's own `fit_to_window` (Option 1, read from the Markdown) with a simple token
counter. The first version of this code popped turns until everything fit, including the
newest one, so `[system, oversized user]` came back as `[system]`: the user's message was
dropped without a word and the model answered nothing. It must raise instead.
"""

import pytest

SLUG = "context-length-exceeded"


def count(messages: list[dict]) -> int:
    """One token per character of content plus 4 per message: easy to reason about in asserts."""
    return sum(4 + len(str(m.get("content") or "")) for m in messages)


@pytest.fixture
def entry(fix_code):
    namespace: dict = {"__name__": "entry_option_1"}  # not __main__: the demo stays out of it
    exec(compile(fix_code(SLUG, 1), f"{SLUG}.md option 1", "exec"), namespace)
    return namespace


def test_oversized_newest_turn_raises_instead_of_being_dropped(entry):
    system = {"role": "system", "content": "be terse"}
    huge = {"role": "user", "content": "x" * 5_000}
    with pytest.raises(ValueError, match="newest"):
        entry["fit_to_window"]([system, huge], count, 1_000)


def test_oversized_newest_turn_after_history_raises_too(entry):
    history = [
        {"role": "system", "content": "be terse"},
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "hello"},
        {"role": "user", "content": "y" * 5_000},
    ]
    with pytest.raises(ValueError):
        entry["fit_to_window"](history, count, 1_000)


def test_trims_oldest_turns_and_keeps_system_and_newest(entry):
    system = {"role": "system", "content": "be terse"}
    old_q = {"role": "user", "content": "a" * 400}
    old_a = {"role": "assistant", "content": "b" * 400}
    mid_q = {"role": "user", "content": "c" * 100}
    mid_a = {"role": "assistant", "content": "d" * 100}
    newest = {"role": "user", "content": "what changed?"}
    history = [system, old_q, old_a, mid_q, mid_a, newest]
    kept = entry["fit_to_window"](history, count, 300)
    assert kept == [system, mid_q, mid_a, newest]
    assert count(kept) <= 300


def test_history_that_fits_is_returned_unchanged(entry):
    history = [
        {"role": "system", "content": "s"},
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": "a"},
    ]
    assert entry["fit_to_window"](history, count, 1_000) == history


def test_tool_results_are_dropped_with_their_call_and_history_starts_with_a_user_turn(entry):
    call = {"role": "assistant", "content": None, "tool_calls": [{"id": "call_1", "type": "function"}]}
    result = {"role": "tool", "tool_call_id": "call_1", "content": "r" * 300}
    history = [
        {"role": "user", "content": "q1"},
        call,
        result,
        {"role": "assistant", "content": "done"},
        {"role": "user", "content": "q2"},
    ]
    kept = entry["fit_to_window"](history, count, 40)
    assert result not in kept and call not in kept
    assert kept[0]["role"] == "user" and kept[-1]["content"] == "q2"


def test_the_published_demo_runs(fix_code):
    namespace: dict = {"__name__": "__main__"}
    exec(compile(fix_code(SLUG, 1), f"{SLUG}.md option 1", "exec"), namespace)
