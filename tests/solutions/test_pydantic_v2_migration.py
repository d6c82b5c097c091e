"""Verified fix for solutions/pydantic-v2-migration.md.

Reproduces the pydantic-1-on-pydantic-2 failures with the pydantic 2 the project installs
(`BaseSettings` moved, `Field(regex=...)`, bare `@root_validator`, `__root__`), then runs the
entry's own code: Option 1 (the v2 port) with deprecation warnings turned into errors, Option 3
(the `pydantic.v1` import), and Option 4 (the version report) against a fake old pydantic
installation written to tmp_path.
"""

import textwrap

from fake_site import fake_distribution
from pyrun import run_python

SLUG = "pydantic-v2-migration"


def test_pydantic2_is_what_the_project_runs(tmp_path):
    result = run_python("import pydantic; print(pydantic.VERSION)", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith("2.")


def test_reproduces_basesettings_moved(tmp_path):
    result = run_python("from pydantic import BaseSettings", cwd=tmp_path)
    assert result.returncode != 0
    assert (
        "PydanticImportError: `BaseSettings` has been moved to the `pydantic-settings` package"
        in result.stderr
    )


def test_reproduces_removed_kwargs_and_root_validator(tmp_path):
    regex = run_python(
        "from pydantic import BaseModel, Field\nclass M(BaseModel):\n    x: str = Field('a', regex='a')\n",
        cwd=tmp_path,
    )
    assert "PydanticUserError: `regex` is removed. use `pattern` instead" in regex.stderr
    root = run_python(
        textwrap.dedent(
            """
            from pydantic import BaseModel, root_validator
            class M(BaseModel):
                x: int
                @root_validator
                def check(cls, values):
                    return values
            """
        ),
        cwd=tmp_path,
    )
    assert "you MUST specify `skip_on_failure=True`" in root.stderr
    dunder_root = run_python(
        "from pydantic import BaseModel\nclass M(BaseModel):\n    __root__: list\n", cwd=tmp_path
    )
    assert "use `pydantic.RootModel` rather than a field called '__root__'" in dunder_root.stderr


def test_option1_port_runs_without_deprecation_warnings(fix_code, tmp_path):
    code = fix_code(SLUG, 1)
    result = run_python(code, "-W", "error::DeprecationWarning", "-W", "error::UserWarning", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "pydantic 2 port ok" in result.stdout
    # the WRONG forms named in its comments really are the v1 spellings that fail or warn on v2
    assert "regex=" in code and "root_validator" in code and "__root__" in code


def test_option3_v1_namespace_runs_on_pydantic2(fix_code, tmp_path):
    result = run_python(fix_code(SLUG, 3), "-W", "error::DeprecationWarning", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert 'v1 API ok: {"name": "pen", "qty": 2} 8000' in result.stdout


def test_option4_reports_an_old_pydantic_and_its_pinner(fix_code, tmp_path):
    # a fake pydantic 1.10.12 installation (no pydantic.v1, no field_validator) and a library pinning it
    site = tmp_path / "site"
    fake_distribution(
        site, "pydantic", "1.10.12", {"pydantic/__init__.py": "VERSION = '1.10.12'\nclass BaseModel: pass\n"}
    )
    fake_distribution(site, "oldlib", "0.1", requires=["pydantic<2,>=1.8"])
    work = tmp_path / "work"
    work.mkdir()

    wrong = run_python("from pydantic import field_validator", cwd=work, path=site)
    assert "ImportError: cannot import name 'field_validator' from 'pydantic'" in wrong.stderr

    result = run_python(fix_code(SLUG, 4), cwd=work, path=site)
    assert result.returncode == 0, result.stderr
    assert "pydantic: 1.10.12" in result.stdout
    assert "requires oldlib 0.1: pydantic<2,>=1.8" in result.stdout
