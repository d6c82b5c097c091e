"""The corpus: entry parsing and validation, the Markdown writer, entry rows, indexing, checking, snapshots.

May import app.store."""
