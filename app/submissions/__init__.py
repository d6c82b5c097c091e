"""Submissions: the form's validation and redaction, the review workflow, export to solutions/.

May import app.search, app.corpus, app.store."""
