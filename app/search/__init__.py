"""Search: the service over the matcher, votes and stars, statistics, evaluation.

May import app.corpus and app.store."""
