"""solutions/sqlite-database-locked.md: node-sqlite3's default busy timeout is 1000 ms, not 0.

Reads the C++ source shipped in the npm package (fetched with `npm pack`, cached under the
verify cache), where Database::Work_Open sets `sqlite3_busy_timeout(db->_handle, 1000)`.
"""

import re
import tarfile

from verifylib import CACHE, run_command

VERSION = "6.0.1"


def test_node_sqlite3_sets_a_one_second_busy_timeout_on_open():
    folder = CACHE / "npm" / f"sqlite3-{VERSION}"
    tarball = folder / f"sqlite3-{VERSION}.tgz"
    if not tarball.exists():
        folder.mkdir(parents=True, exist_ok=True)
        run = run_command(
            ["npm", "pack", f"sqlite3@{VERSION}", "--pack-destination", str(folder)], timeout=300
        )
        assert run.returncode == 0, run.stderr
    with tarfile.open(tarball) as tar:
        source = tar.extractfile("package/src/database.cc").read().decode()
    work_open = source[source.index("void Database::Work_Open") :]
    work_open = work_open[: work_open.index("void Database::Work_AfterOpen")]
    assert re.search(r"sqlite3_busy_timeout\(db->_handle,\s*1000\)", work_open)
