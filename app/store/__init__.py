"""The store: SQLite connections, the single writer thread, schema and migrations, health.

Imports nothing of app's other rooms."""
