"""Verified fix for solutions/flask-app-context.md.

Reproduces the errors for real with the installed Flask / Flask-SQLAlchemy (the dev extra pins them):
`db.create_all()` and `db.session` outside an app context, `request` in a worker thread, and the
`create_all(app=...)` call of Flask-SQLAlchemy 2 tutorials. Then runs the entry's three options: the
app-factory script and its CLI command, the executor pattern, and the pytest fixtures.
"""

from __future__ import annotations

import pytest
from pyrun import run_python

SLUG = "flask-app-context"

FACTORY = """
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


class User(db.Model):
    id = db.Column(db.Integer, primary_key=True)


def create_app():
    app = Flask("demo")
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///:memory:"
    db.init_app(app)
    return app
"""


def test_reproduces_working_outside_of_application_context():
    for call in ("db.create_all()", "db.session.add(User())", "print(User.query.count())"):
        result = run_python(FACTORY + f"app = create_app()\n{call}\n")
        assert result.returncode != 0
        assert "RuntimeError: Working outside of application context." in result.stderr, call
        assert "set up an application context\nwith app.app_context()" in result.stderr


def test_reproduces_working_outside_of_request_context_in_a_thread():
    code = """
import threading
from flask import Flask, request
app = Flask("demo")
errors = []

@app.get("/")
def index():
    def work():
        try:
            request.args.get("q")
        except RuntimeError as exc:
            errors.append(str(exc))
    t = threading.Thread(target=work)
    t.start()
    t.join()
    return "ok"

app.test_client().get("/?q=1")
print(errors[0].splitlines()[0])
"""
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Working outside of request context."


def test_reproduces_create_all_app_argument_removed():
    result = run_python(FACTORY + "app = create_app()\ndb.create_all(app=app)\n")
    assert "TypeError: SQLAlchemy.create_all() got an unexpected keyword argument 'app'" in result.stderr


def test_option1_script_and_cli_command(fix_code):
    code = fix_code(SLUG, 1)
    result = run_python(code, timeout=60)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "users: 1"  # the CLI command ran with Flask's own app context
    assert lines[1].endswith("['admin', 'alice']")

    namespace: dict = {"__name__": "entry_option1"}
    exec(compile(code, "option1.py", "exec"), namespace)
    app = namespace["create_app"]()
    out = app.test_cli_runner().invoke(args=["seed"])
    assert out.exit_code == 0, out.output
    assert out.output.strip() == "users: 1"
    # and without a context the same query still fails: the fix is the context, not the factory
    with pytest.raises(RuntimeError, match="Working outside of application context"):
        namespace["db"].session.query(namespace["User"]).count()


def test_option2_worker_gets_its_own_context(fix_code):
    result = run_python(fix_code(SLUG, 2), timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "202 {'queued': True}",
        "weekly report for 'sales' requested by demo-client",
    ]


def test_option3_fixtures_make_the_tests_pass(fix_code, tmp_path):
    test_file = tmp_path / "test_option3.py"
    test_file.write_text(fix_code(SLUG, 3), encoding="utf-8")
    result = run_python(f"import runpy; runpy.run_path({str(test_file)!r}, run_name='__main__')", timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout
