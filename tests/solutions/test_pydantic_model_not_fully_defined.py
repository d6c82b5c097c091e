"""pydantic-model-not-fully-defined: the real pydantic of this venv raises `class-not-fully-defined`, and
the entry's Option 1 code fixes it.

The error comes from the real pydantic installed here (2.14.4: pydantic/_internal/_mock_val_ser.py,
set_model_mocks / set_dataclass_mocks / set_type_adapter_mocks). The LangChain case runs against the
stand-ins in fake_langchain_not_fully_defined.py, shaped like langchain-core 0.3.38
(language_models/base.py imports BaseCache and Callbacks only under TYPE_CHECKING), langchain-openai
0.2.9 and langchain-community 0.3.7 (SQLDatabaseToolkit with an `llm: BaseLanguageModel` field): with
pydantic 2.14.4, as with the real releases, ChatOpenAI builds and SQLDatabaseToolkit fails. The entry's
Option 1 blocks then run as written: the LangChain one against the stand-ins, the own-model one as is.
"""

from pathlib import Path

from entry_blocks import option_blocks
from fake_langchain_not_fully_defined import write_site
from pyrun import run_python

from app.corpus.entries import parse_entry

SLUG = "pydantic-model-not-fully-defined"
ENTRY = Path(__file__).resolve().parents[2] / "solutions" / f"{SLUG}.md"

USE_TOOLKIT = """
from langchain_community.agent_toolkits import SQLDatabaseToolkit
from langchain_community.utilities import SQLDatabase
from langchain_openai import ChatOpenAI

llm = ChatOpenAI(model="gpt-4o-mini", api_key="sk-placeholder")
print("chat model built")
SQLDatabaseToolkit(db=SQLDatabase.from_uri("sqlite://"), llm=llm)
"""

OWN_MODEL = """
from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel

if TYPE_CHECKING:
    from decimal import Decimal


class Invoice(BaseModel):
    total: Decimal


Invoice(total="9.99")
"""


def _error_line(stderr: str, prefix: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith(prefix)]
    assert lines, stderr
    return lines[-1]


def test_real_pydantic_raises_class_not_fully_defined_for_a_type_checking_import(tmp_path):
    result = run_python(OWN_MODEL, cwd=tmp_path)
    assert result.returncode != 0
    assert "pydantic/_internal/_mock_val_ser.py" in result.stderr
    entry = parse_entry(ENTRY)
    line = _error_line(result.stderr, "pydantic.errors.PydanticUserError:")
    assert line in entry.errors
    assert result.stderr.rstrip().splitlines()[-1].endswith("/u/class-not-fully-defined")


def test_langchain_stand_ins_fail_like_the_real_releases(tmp_path):
    site = write_site(tmp_path / "site")
    result = run_python(USE_TOOLKIT, cwd=tmp_path, path=site)
    assert result.returncode != 0
    assert "chat model built" in result.stdout
    entry = parse_entry(ENTRY)
    assert _error_line(result.stderr, "pydantic.errors.PydanticUserError:") in entry.errors


def test_option1_langchain_block_builds_both_classes(tmp_path):
    site = write_site(tmp_path / "site")
    language, code = option_blocks(SLUG, 1)[0]
    assert language == "python"
    result = run_python(code, cwd=tmp_path, path=site)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ChatOpenAI and SQLDatabaseToolkit built"


def test_option1_needs_both_names(tmp_path):
    # what the entry warns about: importing only BaseCache leaves Callbacks unresolved
    site = write_site(tmp_path / "site")
    code = option_blocks(SLUG, 1)[0][1].replace(
        "from langchain_core.callbacks import Callbacks  # noqa: F401\n", ""
    )
    assert "Callbacks" not in code.split("langchain_community")[0]
    result = run_python(code, cwd=tmp_path, path=site)
    assert result.returncode != 0
    line = _error_line(result.stderr, "pydantic.errors.PydanticUndefinedAnnotation:")
    assert line == "pydantic.errors.PydanticUndefinedAnnotation: name 'Callbacks' is not defined"
    assert line in parse_entry(ENTRY).errors


def test_option1_own_model_block_runs(tmp_path):
    language, code = option_blocks(SLUG, 1)[1]
    assert language == "python"
    result = run_python(code, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "total=Decimal('9.99'), lines=[Line(sku='A-1')]" in result.stdout
    assert "customer=Customer(name='Ada')" in result.stdout
    assert "[Line(sku='B-2')]" in result.stdout
    # without its rebuild calls the dataclass and the TypeAdapter stay unresolved
    broken = code.replace("rebuild_dataclass(Order)\n", "").replace("    adapter.rebuild()\n", "    pass\n")
    result = run_python(broken.replace("Customer(BaseModel)", "Client(BaseModel)"), cwd=tmp_path)
    assert result.returncode != 0
    assert "`Order` is not fully defined; you should define `Customer`" in result.stderr
