"""Verified fix for solutions/asyncio-subprocess-windows.md.

This machine is Linux, so the Windows selector loop is reproduced with the class it is: CPython's
`windows_events._WindowsSelectorEventLoop` is a bare subclass of `selector_events.BaseSelectorEventLoop`
(Lib/asyncio/windows_events.py, 3.8-3.13) that does not override `_make_subprocess_transport`, so
`asyncio.create_subprocess_exec` on a `BaseSelectorEventLoop` runs the same base_events.py code path and raises
the same bare NotImplementedError. The tests then run the entry's Option 1 diagnostic (its non-Windows output)
and Option 2's thread helper, which must start a real child process and return its output, also when called
from a coroutine running on that subprocess-less selector loop.
"""

import textwrap

from pyrun import last_line, run_python

SLUG = "asyncio-subprocess-windows"

SELECTOR_LOOP = textwrap.dedent(
    """
    import asyncio, sys
    from asyncio.selector_events import BaseSelectorEventLoop

    async def main():
        await asyncio.create_subprocess_exec(sys.executable, "-c", "print(1)")

    loop = BaseSelectorEventLoop()
    loop.run_until_complete(main())
    """
)


def test_selector_loop_raises_bare_not_implemented_error():
    result = run_python(SELECTOR_LOOP)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert last_line(result) == "NotImplementedError"
    assert lines[-2].strip() == "raise NotImplementedError"
    frame = lines[-3]
    assert (
        "asyncio" in frame and "base_events.py" in frame and frame.endswith("in _make_subprocess_transport")
    )
    assert any(line.strip().endswith("in subprocess_exec") for line in lines)


def test_option1_diagnostic_on_linux(fix_code):
    code = fix_code(SLUG, 1)
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    out = result.stdout.splitlines()
    assert out[0].startswith("policy: ")
    assert out[0].endswith("| loop: _UnixSelectorEventLoop")
    assert out[1] == "not Windows: this loop supports subprocesses"
    assert len(out) == 2


def test_option2_runs_a_real_subprocess_in_its_own_thread(fix_code):
    code = fix_code(SLUG, 2)
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "hello from the child"


def test_option2_works_from_inside_a_selector_loop_without_subprocess_support(fix_code, tmp_path):
    (tmp_path / "fix.py").write_text(fix_code(SLUG, 2), encoding="utf-8")
    driver = textwrap.dedent(
        """
        import asyncio, threading
        from asyncio.selector_events import BaseSelectorEventLoop
        from fix import child_output, run_in_proactor_thread

        async def cell():
            try:
                await child_output()
            except NotImplementedError:
                print("direct: NotImplementedError")
            loop = asyncio.get_running_loop()
            text = await loop.run_in_executor(None, run_in_proactor_thread, child_output)
            print("via thread:", text)

        loop = BaseSelectorEventLoop()
        loop.run_until_complete(cell())
        loop.close()
        """
    )
    result = run_python(driver, path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["direct: NotImplementedError", "via thread: hello from the child"]


def test_option2_reraises_the_coroutines_error(fix_code, tmp_path):
    (tmp_path / "fix.py").write_text(fix_code(SLUG, 2), encoding="utf-8")
    driver = "from fix import run_in_proactor_thread\n\nasync def boom():\n    raise ValueError('from the worker')\n\nrun_in_proactor_thread(boom, timeout=30)\n"
    result = run_python(driver, path=tmp_path)
    assert result.returncode == 1
    assert last_line(result) == "ValueError: from the worker"
