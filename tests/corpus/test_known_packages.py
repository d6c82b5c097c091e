"""The list of import names the matcher takes for packages people install from PyPI."""

from __future__ import annotations

import json

from app.corpus import known_packages
from synapse_skill.matching.packages import KNOWN, is_known_package


def test_import_names_follow_the_project_names_and_leave_out_generic_words():
    names = known_packages.import_names(
        [
            "langchain-core",
            "faiss-cpu",
            "python-dotenv",
            "PyYAML",
            "google-cloud-storage",
            "google-cloud-bigquery",
            "google-auth",
            "utils",
            "config",
        ]
    )
    assert {"langchain_core", "faiss", "dotenv", "yaml", "google"} <= set(names)
    assert "utils" not in names and "config" not in names
    # two projects sharing a first word are not yet a namespace
    assert "cloud" not in names


def test_the_ranking_is_read_best_first_up_to_the_cut(tmp_path):
    tsv = tmp_path / "pypi.tsv"
    tsv.write_text(
        "name\tversion\tmonth\trank_among_15000_most_downloaded\tsummary\n"
        "zeta\t1\t2026-01\t3\tz\n"
        "alpha\t1\t2026-01\t1\ta\n"
        "unranked\t1\t2026-01\t\tu\n"
        "beta\t1\t2026-01\t2\tb\n"
    )
    assert known_packages.read_ranking(tsv, top=2) == ["alpha", "beta"]
    out = tmp_path / "known.json"
    known_packages.main([str(tsv), "--top", "3", "--out", str(out)])
    assert json.loads(out.read_text())["names"] == ["alpha", "beta", "zeta"]
    # a summary with a lone quote is text: it does not swallow the rows after it
    tsv.write_text(
        "name\tversion\tmonth\trank_among_15000_most_downloaded\tsummary\n"
        'alpha\t1\t2026-01\t1\t"Fast web scraping\n'
        "beta\t1\t2026-01\t2\tb\n"
    )
    assert known_packages.read_ranking(tsv, top=2) == ["alpha", "beta"]


def test_the_committed_list_knows_the_packages_agents_use_and_not_project_words():
    assert json.loads(KNOWN.read_text())["names"], "the list is committed with the skill"
    for module in (
        "langchain_core",
        "mcp",
        "peft",
        "faiss",
        "sklearn",
        "huggingface_hub",
        "playwright",
        "pymilvus",
    ):
        assert is_known_package(module), module
    for module in ("utils", "models", "private_gpt", "src"):
        assert not is_known_package(module), module
    assert is_known_package("peft.tuners.lora")  # only the top level counts
