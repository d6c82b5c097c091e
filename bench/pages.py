"""What each HTML page reads, at 10k and 100k entries, beside one entry read by its key.

    .venv/bin/python -m bench.pages [--quick]

A page's queries should cost the same whatever the corpus size (app/web/site/page_data.py,
app/corpus/facets.py): each size's median per page is shown beside the same run's baseline,
`entries_db.entry_row` (one entry and its fixes by primary key, the least any page reads),
and the 100k median beside the 10k one. Stores hold the real entries plus synthetic ones
(bench/corpus.py), a third of them with search counts, written through the app's own
`put_entry` in batches.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from app.corpus import rows as entries_db
from app.corpus.rows import put_entry
from app.store.sqlite_store import Store
from app.web.site import page_data
from bench.common import Row, Section, median, table, time_calls
from bench.corpus import as_entry, corpus

SIZES = {"full": (10_000, 100_000), "quick": (1_000, 5_000)}
BATCH = 2_000
REPEAT = 15


def build(path: Path, n_entries: int) -> Store:
    store = Store(path)
    items = [as_entry(e) for e in corpus(n_entries)]
    for start in range(0, len(items), BATCH):
        batch = items[start : start + BATCH]
        store.write(lambda conn, batch=batch: [put_entry(conn, e, "corpus") for e in batch])
    store.write(
        lambda conn: conn.execute("UPDATE entry_stats SET matched = abs(random()) % 50 WHERE rowid % 3 = 0")
    )
    return store


def pages(conn) -> dict[str, Callable[[], object]]:
    common = conn.execute(
        "SELECT value FROM facet_counts WHERE facet = 'tag' ORDER BY n DESC LIMIT 1"
    ).fetchone()[0]
    rare = conn.execute(
        "SELECT value FROM facet_counts WHERE facet = 'tag' ORDER BY n, value LIMIT 1"
    ).fetchone()[0]
    return {
        "baseline: one entry by key": lambda: entries_db.entry_row(conn, "sqlite-database-locked"),
        "solution page (real entry)": lambda: page_data.solution(conn, "sqlite-database-locked"),
        "solution page (synthetic entry)": lambda: page_data.solution(conn, "synthetic-5"),
        "home": lambda: page_data.home(conn),
        "browse, by title": lambda: page_data.browse(conn, page_data.BrowseQuery()),
        "browse, most matched": lambda: page_data.browse(conn, page_data.BrowseQuery(sort="matched")),
        "browse, newest, page 50": lambda: page_data.browse(
            conn, page_data.BrowseQuery(sort="newest", page=50)
        ),
        "browse, most common tag": lambda: page_data.browse(conn, page_data.BrowseQuery(tag=common)),
        "browse, rarest tag": lambda: page_data.browse(conn, page_data.BrowseQuery(tag=rare)),
        "browse, absent tag": lambda: page_data.browse(conn, page_data.BrowseQuery(tag="no-such-tag")),
    }


def measure(sizes: tuple[int, ...]) -> dict[int, dict[str, float]]:
    out: dict[int, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
        for n in sizes:
            print(f"  building {n:,} entries", flush=True)
            store = build(Path(tmp) / f"pages-{n}.db", n)
            try:
                conn = store.read()
                out[n] = {name: median(time_calls(fn, REPEAT)) for name, fn in pages(conn).items()}
            finally:
                store.close()
    return out


def run(quick: bool) -> Section:
    sizes = SIZES["quick" if quick else "full"]
    m = measure(sizes)
    small, large = sizes
    base = m[large]["baseline: one entry by key"]
    worst = max((v, k) for k, v in m[large].items() if not k.startswith("baseline"))
    rows = [
        Row(
            f"slowest page at {large:,} entries ({worst[1]})",
            f"{worst[0]:.1f} ms",
            f"{base:.2f} ms (one entry by key)",
            f"{worst[0] / base:.0f}x",
            "does not grow with the corpus",
            None,
        )
    ]
    lines = table(
        ("page", f"{small:,} entries (ms)", f"{large:,} entries (ms)", f"{large:,} / {small:,}"),
        [
            (k, f"{m[small][k]:.2f}", f"{m[large][k]:.2f}", f"{m[large][k] / m[small][k]:.2f}")
            for k in m[large]
        ],
    )
    return Section("Pages", rows, "\n".join(lines))


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv).detail)
