"""recursion-limit: reproduce RecursionError for real, then run the entry's Option 1 and Option 2 code."""

import copy
import pickle
import subprocess
import sys

import pytest

SLUG = "recursion-limit"

WRONG_RECURSIVE_DEPTH = """
def max_depth(node):
    if isinstance(node, list):
        return 1 + max((max_depth(c) for c in node), default=0)
    return 0

deep = []
cursor = deep
for _ in range(50_000):
    child = []
    cursor.append(child)
    cursor = child
print(max_depth(deep))
"""


def test_deep_data_reproduces_recursion_error():
    result = subprocess.run(
        [sys.executable, "-c", WRONG_RECURSIVE_DEPTH], capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "RecursionError: maximum recursion depth exceeded" in result.stderr


def test_option1_handles_50k_levels(fix_code):
    result = subprocess.run(
        [sys.executable, "-c", fix_code(SLUG)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "RecursionError" not in result.stderr
    assert "depth 50001" in result.stdout


def test_option1_functions_agree_with_a_recursive_version_on_small_input(fix_code):
    namespace = {"__name__": "fix_under_test"}
    exec(compile(fix_code(SLUG), "<option1>", "exec"), namespace)
    data = {"a": [1, [2, [3]]], "b": {"c": {}}, "d": []}
    assert namespace["max_depth"](data) == 4  # dict -> list -> list -> list -> 3
    assert namespace["max_depth"](7) == 0
    deep = "leaf"
    for _ in range(3_000):  # three times the default recursion limit
        deep = {"child": [deep]}
    assert namespace["max_depth"](deep) == 6_000


class WrongProxy:
    """The broken wrapper from the entry's WRONG comment."""

    def __init__(self, wrapped):
        self._wrapped = wrapped

    def __getattr__(self, name):
        return getattr(self._wrapped, name)


def test_self_calling_getattr_reproduces_recursion_error():
    p = WrongProxy("hello")
    assert p.upper() == "HELLO"
    with pytest.raises(RecursionError, match="maximum recursion depth exceeded"):
        copy.copy(p)
    with pytest.raises(RecursionError, match="maximum recursion depth exceeded"):
        pickle.loads(pickle.dumps(p))


def test_option2_proxy_survives_copy_and_pickle(fix_code):
    code = fix_code(SLUG, option=2)
    namespace = {"__name__": "fix_under_test"}
    exec(compile(code, "<option2>", "exec"), namespace)
    proxy = namespace["Proxy"]("hello")
    assert copy.copy(proxy).upper() == "HELLO"
    assert copy.deepcopy(proxy).upper() == "HELLO"
    with pytest.raises(AttributeError):
        _ = namespace["Proxy"].__new__(namespace["Proxy"]).anything
    assert namespace["User"]("ada").name == "ada"

    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert "HELLO HELLO" in result.stdout
