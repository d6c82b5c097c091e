"""Verified fix for solutions/pyyaml-load-loader-required.md.

Reproduces PyYAML 6's `TypeError: load() missing 1 required positional argument: 'Loader'` in a child
process, then runs the entry's own Option 1 (safe loader) and Option 2 (trusted python tags) code.
"""

from pyrun import run_python

SLUG = "pyyaml-load-loader-required"


def test_reproduces_missing_loader(tmp_path):
    (tmp_path / "c.yaml").write_text("a: 1\n", encoding="utf-8")
    result = run_python("import yaml\nwith open('c.yaml') as f:\n    yaml.load(f)\n", cwd=tmp_path)
    assert result.returncode != 0
    assert "TypeError: load() missing 1 required positional argument: 'Loader'" in result.stderr


def test_safe_load_rejects_python_tags(tmp_path):
    result = run_python("import yaml\nyaml.safe_load('p: !!python/tuple [1, 2]')\n", cwd=tmp_path)
    assert "could not determine a constructor for the tag 'tag:yaml.org,2002:python/tuple'" in result.stderr


def test_option1_reads_config_and_multi_document_files(fix_code, tmp_path):
    result = run_python(fix_code(SLUG, 1), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "{'model': 'gpt-6-luna', 'temperature': 0.2, 'tools': ['search', 'code']}",
        "[{'a': 1}, {'b': 2}]",
        "{'x': [1, 2]}",
    ]


def test_option1_loader_refuses_code_execution_tags(fix_code, tmp_path):
    code = fix_code(SLUG, 1).split('if __name__ == "__main__":')[0]
    code += (
        "\nimport yaml\nopen('evil.yaml', 'w').write('x: !!python/object/apply:os.system [\"echo pwned\"]')\n"
        "try:\n    read_config('evil.yaml')\nexcept yaml.constructor.ConstructorError:\n    print('refused')\n"
    )
    result = run_python(code, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "refused"


def test_option2_trusted_tags(fix_code, tmp_path):
    result = run_python(fix_code(SLUG, 2), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["{'point': (1, 2)}", "{'point': (1, 2)}"]
