"""redis-connection-error: the startup check must not loop around redis-py's own connect retries.

redis-py (8.x) already retries a failed connect 10 times by default; the entry used to wrap `ping()` in its own
10-attempt loop, so one startup check made up to ~110 connection attempts. redis is not installed here, so the test
reads the published code: one retry layer, given to the client, and no loop around `ping()`.
"""

import ast

SLUG = "redis-connection-error"


def test_option2_has_a_single_retry_layer(fix_code):
    tree = ast.parse(fix_code(SLUG, 2))
    loops = [node for node in ast.walk(tree) if isinstance(node, (ast.For, ast.While))]
    assert loops == [], "no retry loop around ping(): redis-py retries the connect itself"
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and ast.unparse(node.func).endswith("from_url")
    ]
    assert calls and any(kw.arg == "retry" for kw in calls[0].keywords), (
        "the retry policy is given to the client"
    )
