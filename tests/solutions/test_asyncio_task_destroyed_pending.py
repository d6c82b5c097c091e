"""Verified fix for solutions/asyncio-task-destroyed-pending.md.

Reproduces `Task was destroyed but it is pending!` for real in child processes (an unreferenced
task collected by the garbage collector, and a manual loop closed with a task still pending), then
runs the entry's own Option 1 and Option 2 code and checks the message is gone and the work ran.
"""

from pyrun import run_python

SLUG = "asyncio-task-destroyed-pending"
MESSAGE = "Task was destroyed but it is pending!"


def test_reproduces_unreferenced_task_collected(tmp_path):
    code = """
import asyncio, gc
async def waiter(fut):
    await fut
async def main():
    asyncio.create_task(waiter(asyncio.get_running_loop().create_future()))
    await asyncio.sleep(0)
    gc.collect()
    await asyncio.sleep(0.05)
asyncio.run(main())
"""
    result = run_python(code, cwd=tmp_path)
    assert MESSAGE in result.stderr


def test_reproduces_loop_closed_with_pending_task(tmp_path):
    code = """
import asyncio, gc
async def worker():
    await asyncio.sleep(3600)
loop = asyncio.new_event_loop()
async def main():
    loop.create_task(worker())
    await asyncio.sleep(0)
loop.run_until_complete(main())
loop.close()
del loop
gc.collect()
"""
    result = run_python(code, cwd=tmp_path)
    assert MESSAGE in result.stderr


def test_option1_keeps_tasks_alive_through_gc(fix_code, tmp_path):
    result = run_python(fix_code(SLUG, 1), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "finished jobs: [0, 1, 2, 3, 4]" in result.stdout
    assert "task group done: 8" in result.stdout
    assert MESSAGE not in result.stderr


def test_option1_spawn_survives_the_reproducer(fix_code, tmp_path):
    code = (
        fix_code(SLUG, 1).split('if __name__ == "__main__":')[0]
        + """
async def waiter(fut, out):
    out.append(await fut)
async def scenario():
    out = []
    fut = asyncio.get_running_loop().create_future()
    spawn(waiter(fut, out))
    asyncio.get_running_loop().call_later(0.05, fut.set_result, "ok")
    del fut
    await asyncio.sleep(0)
    gc.collect()
    await drain()
    print("result:", out)
asyncio.run(scenario())
"""
    )
    result = run_python(code, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "result: ['ok']" in result.stdout
    assert MESSAGE not in result.stderr


def test_option2_closes_loop_without_destroying_tasks(fix_code, tmp_path):
    result = run_python(fix_code(SLUG, 2), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "worker cleaned up" in result.stdout
    assert "closed cleanly" in result.stdout
    assert MESSAGE not in result.stderr
