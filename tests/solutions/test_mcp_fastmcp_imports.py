"""Verified fix for solutions/mcp-fastmcp-imports.md.

Uses the project's real mcp SDK (2.x, where `mcp.server.fastmcp` is gone and FastMCP is
`mcp.server.mcpserver.MCPServer`) to reproduce the import error, then runs the entry's own code:
Option 1 (the version check) against the real SDK and against fastmcp installs written to tmp_path
(a broken `fastmcp/` folder without `__init__.py`, as a fastmcp 2.x -> 4.x upgrade leaves it, and a
fastmcp 3.x that needs mcp<2); Option 2 (one server file for mcp 1.x and 2.x) against the real SDK.
"""

from importlib import metadata

from fake_site import fake_distribution
from pyrun import run_python

SLUG = "mcp-fastmcp-imports"
MCP_VERSION = metadata.version("mcp")


def test_reproduces_fastmcp_import_error_on_mcp_2(tmp_path):
    result = run_python("from mcp.server.fastmcp import FastMCP\n", cwd=tmp_path)
    assert result.returncode != 0
    assert "ModuleNotFoundError: No module named 'mcp.server.fastmcp'" in result.stderr
    ok = run_python("from mcp.server.mcpserver import MCPServer\nMCPServer('x')\n", cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr


def test_reproduces_unknown_location_of_a_gutted_fastmcp_folder(tmp_path):
    # what pip leaves after upgrading fastmcp 2.x to 4.x: the folder, minus __init__.py
    (tmp_path / "fastmcp" / "server").mkdir(parents=True)
    (tmp_path / "fastmcp" / "server" / "server.py").write_text("class FastMCP: ...\n", encoding="utf-8")
    result = run_python("from fastmcp import FastMCP\n", cwd=tmp_path, path=tmp_path)
    assert result.returncode != 0
    assert "ImportError: cannot import name 'FastMCP' from 'fastmcp' (unknown location)" in result.stderr


def test_option1_reports_the_installed_sdk(fix_code, tmp_path):
    result = run_python(fix_code(SLUG, 1), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"mcp {MCP_VERSION}" in result.stdout
    expected = "from mcp.server.mcpserver import MCPServer"
    assert expected in result.stdout
    assert result.stdout.rstrip().endswith("ok")


def test_option1_detects_the_gutted_fastmcp_folder(fix_code, tmp_path):
    site = tmp_path / "site"
    (site / "fastmcp" / "server").mkdir(parents=True)
    fake_distribution(site, "fastmcp", "4.2.3")
    fake_distribution(site, "fastmcp-slim", "4.2.3")
    result = run_python(fix_code(SLUG, 1), cwd=tmp_path, path=site)
    assert result.returncode == 0, result.stderr
    assert "BROKEN: fastmcp/__init__.py is missing" in result.stdout
    assert '--force-reinstall --no-deps "fastmcp-slim==4.2.3"' in result.stdout


def test_option1_flags_fastmcp_3_on_mcp_2(fix_code, tmp_path):
    site = tmp_path / "site"
    fake_distribution(site, "fastmcp", "3.4.11", {"fastmcp/__init__.py": ""})
    result = run_python(fix_code(SLUG, 1), cwd=tmp_path, path=site)
    assert result.returncode == 0, result.stderr
    assert f"MISMATCH: fastmcp 3.4.11 needs mcp<2, found mcp {MCP_VERSION}" in result.stdout
    assert "BROKEN" not in result.stdout


def test_option2_builds_a_server_on_the_installed_sdk(fix_code, tmp_path):
    result = run_python(fix_code(SLUG, 2), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    cls = "mcp.server.mcpserver.server.MCPServer"
    assert f"{cls} ready, tools: ['add']" in result.stdout
