"""Verified fixes for solutions/config-file-malformed.md: a config file the user edited does not parse.

Reproduced for real in a child interpreter (the project's Python with its PyYAML, whose 6.0.4 release the
entry quotes, and the standard library's json, tomllib and configparser), no fakes and no network: a YAML
`key:value` line without a space (reported on the next key), a tab in YAML indentation, a JSON trailing comma
and a JSON Windows path read with json.load, a TOML unquoted string, an INI file saved with a UTF-8 BOM. Each
message is compared word for word with the entry's own wording, and each full traceback is fed to the matcher,
whose confident answer must be this entry. Then the entry's Option 1 script (check_config.py) is run on the
same files: it must name the line, column and cause, exit 1, and exit 0 once the line it named is corrected,
after which the program's own loader reads the file. Option 4 (utf-8-sig) reads the BOM files that
json/tomllib/configparser refuse. Option 3 needs json5 (not a project dependency): it was run against json5
0.17.3 on CPython 3.8.18 and 3.11.7 when the entry was written.
"""

from __future__ import annotations

import codecs
import json

from answers import assert_answers, confident_answer
from pyrun import run_args, run_python

SLUG = "config-file-malformed"

BROKEN = {
    "config.yaml": "server:\n  host:localhost\n  port: 80\n",
    "tabs.yaml": "server:\n\thost: localhost\n",
    "config.json": '{\n  "model": "gpt-4o",\n  "temperature": 0.2,\n}\n',
    "paths.json": '{\n  "data_dir": "C:\\Users\\me\\data"\n}\n',
    "settings.toml": "[model]\nname = gpt-4o\n",
}
BOM_INI = "\ufeff[main]\nmodel = gpt-4o\n"

# The program's own start-up: each file read the usual way, the traceback printed as Python prints it.
LOADERS = r"""
import configparser, json, sys, tomllib, traceback, yaml
out = {}
def run(name, load):
    try:
        load()
        out[name] = None
    except Exception:
        out[name] = traceback.format_exc()
def yaml_file(name):
    with open(name, encoding="utf-8") as f:
        return yaml.safe_load(f)
def json_file(name):
    with open(name, encoding="utf-8") as f:
        return json.load(f)
def toml_file(name):
    with open(name, "rb") as f:
        return tomllib.load(f)
def ini_file(name):
    parser = configparser.ConfigParser()
    parser.read(name, encoding="utf-8")
    return parser
run("config.yaml", lambda: yaml_file("config.yaml"))
run("tabs.yaml", lambda: yaml_file("tabs.yaml"))
run("config.json", lambda: json_file("config.json"))
run("paths.json", lambda: json_file("paths.json"))
run("settings.toml", lambda: toml_file("settings.toml"))
run("app.ini", lambda: ini_file("app.ini"))
print(json.dumps(out))
"""


def write_broken(folder):
    for name, text in BROKEN.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "app.ini").write_text(BOM_INI, encoding="utf-8")


def load_all(folder) -> dict:
    result = run_python(LOADERS, cwd=folder)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def last_error(trace: str) -> str:
    """The exception's text: from the line that names the type to the end."""
    lines = trace.rstrip().splitlines()
    start = max(
        i for i, line in enumerate(lines) if line.startswith(("yaml.", "json.", "tomllib.", "configparser."))
    )
    return "\n".join(lines[start:])


def test_real_parsers_print_the_entry_wordings(tmp_path, entry):
    write_broken(tmp_path)
    traces = load_all(tmp_path)
    assert last_error(traces["config.yaml"]) == (
        'yaml.scanner.ScannerError: mapping values are not allowed here\n  in "config.yaml", line 3, column 7'
    )  # the missing space is on line 2: the scanner notices on the next key
    assert last_error(traces["tabs.yaml"]) == (
        "yaml.scanner.ScannerError: while scanning for the next token\n"
        "found character '\\t' that cannot start any token\n"
        '  in "tabs.yaml", line 2, column 1'
    )
    assert last_error(traces["config.json"]) == (
        "json.decoder.JSONDecodeError: Expecting property name enclosed in double quotes: line 4 column 1 (char 45)"
    )
    assert (
        "in load\n    return loads(fp.read()," in traces["config.json"]
    )  # the frame the entry's signatures carry
    assert (
        last_error(traces["paths.json"])
        == "json.decoder.JSONDecodeError: Invalid \\escape: line 2 column 18 (char 19)"
    )
    assert (
        last_error(traces["settings.toml"]) == "tomllib.TOMLDecodeError: Invalid value (at line 2, column 8)"
    )
    assert last_error(traces["app.ini"]) == (
        "configparser.MissingSectionHeaderError: File contains no section headers.\n"
        "file: 'app.ini', line: 1\n"
        "'\\ufeff[main]\\n'"
    )
    signatures = "\n".join(entry.errors)
    for wording in (
        "mapping values are not allowed here",
        "found character '\\t' that cannot start any token",
        "Invalid value (at line 2, column 8)",
        "File contains no section headers.",
        "Invalid \\escape",
    ):
        assert wording in signatures, wording


def test_matcher_answers_the_real_tracebacks(tmp_path, index):
    write_broken(tmp_path)
    traces = load_all(tmp_path)
    for name in ("config.yaml", "tabs.yaml", "settings.toml", "app.ini"):
        assert_answers(index, SLUG, traces[name])
    assert_answers(
        index,
        SLUG,
        'npm error code EJSONPARSE\nnpm error JSON.parse Invalid package.json: JSONParseError: Expected double-quoted property name in JSON at position 88 while parsing near "..."\nnpm error JSON.parse Failed to parse JSON data.\nnpm error JSON.parse Note: package.json must be actual JSON, not just JavaScript.',
    )
    # a model's reply and an HTTP body are other entries' errors
    assert (
        confident_answer(index, "json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)")
        != SLUG
    )
    assert (
        confident_answer(
            index, "requests.exceptions.JSONDecodeError: Expecting value: line 1 column 1 (char 0)"
        )
        != SLUG
    )


def test_option1_names_the_line_and_cause_then_passes_once_fixed(tmp_path, fix_code):
    write_broken(tmp_path)
    script = tmp_path / "check_config.py"
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")
    names = [*BROKEN, "app.ini"]
    result = run_args([str(script), *names], cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert "config.yaml:3:7: mapping values are not allowed here" in out
    assert "line 2 has no space after its colon" in out
    assert "tabs.yaml:2:1:" in out and "a tab in the indentation" in out
    assert "config.json:4:1: Expecting property name enclosed in double quotes" in out
    assert "a trailing comma before } or ]" in out
    assert "paths.json:2:18: Invalid \\escape" in out and "a single backslash in a string" in out
    assert "settings.toml:2:8: Invalid value" in out and 'strings need quotes (name = "gpt-4o")' in out
    assert "app.ini:1:1: File contains no section headers." in out and "UTF-8 BOM" in out

    # correct exactly what it named, and nothing else
    (tmp_path / "config.yaml").write_text("server:\n  host: localhost\n  port: 80\n", encoding="utf-8")
    (tmp_path / "tabs.yaml").write_text("server:\n  host: localhost\n", encoding="utf-8")
    (tmp_path / "config.json").write_text(
        '{\n  "model": "gpt-4o",\n  "temperature": 0.2\n}\n', encoding="utf-8"
    )
    (tmp_path / "paths.json").write_text(
        '{\n  "data_dir": "C:\\\\Users\\\\me\\\\data"\n}\n', encoding="utf-8"
    )
    (tmp_path / "settings.toml").write_text('[model]\nname = "gpt-4o"\n', encoding="utf-8")
    (tmp_path / "app.ini").write_text(BOM_INI.lstrip("\ufeff"), encoding="utf-8")
    result = run_args([str(script), *names], cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(": ok (") == len(names)
    assert load_all(tmp_path) == dict.fromkeys(names)  # the program's own loaders now read every file


def test_option1_without_arguments_shows_itself(tmp_path, fix_code):
    result = run_python(fix_code(SLUG, 1), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("  - ") >= 4  # one cause at least for each of the four demo files


def test_option4_reads_files_saved_with_a_bom(tmp_path, fix_code):
    result = run_python(fix_code(SLUG, 4), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "{'model': 'gpt-4o'} {'model': 'gpt-4o'} {'model': 'gpt-4o'}"
    (tmp_path / "config.json").write_text('\ufeff{"model": "gpt-4o"}', encoding="utf-8")
    refused = run_python(
        "import json\njson.load(open('config.json', encoding='utf-8'))", cwd=tmp_path
    )  # a BOM file, read the plain way
    assert "Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)" in refused.stderr


def test_option4_leaves_the_users_files_alone_and_refuses_a_missing_ini(tmp_path, fix_code):
    """The demo once wrote config.json, settings.toml and app.ini into the current folder (the user's own
    broken files, by the same names), and read_ini returned an empty parser for a file that is not there
    (ConfigParser.read skips it), so the program failed later with NoSectionError."""
    mine = {"config.json": '{"mine": 1,}\n', "settings.toml": "name = mine\n", "app.ini": "[mine]\nx = 1\n"}
    for name, text in mine.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = run_python(fix_code(SLUG, 4), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for name, text in mine.items():
        assert (tmp_path / name).read_text(encoding="utf-8") == text, name
    block = fix_code(SLUG, 4).split('if __name__ == "__main__":')[0]
    missing = run_python(block + "\nread_ini('missing.ini')\n", cwd=tmp_path)
    assert missing.returncode == 1 and "FileNotFoundError" in missing.stderr, missing.stdout + missing.stderr


def test_option3_leaves_the_users_files_alone(tmp_path, fix_code):
    """The JSON5 demo once overwrote config.jsonc and config.json in the current folder. json5 is not a
    project dependency: a stand-in module reads the demo's file (the block was run against json5 0.17.3)."""
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "json5.py").write_text(
        "import json, re\n"
        "def load(f):\n"
        "    text = re.sub(r'//[^\\n]*', '', f.read())\n"
        "    return json.loads(re.sub(r',\\s*([}\\]])', r'\\1', text))\n",
        encoding="utf-8",
    )
    work = tmp_path / "project"
    work.mkdir()
    (work / "config.jsonc").write_text('{\n  // mine\n  "model": "mine",\n}\n', encoding="utf-8")
    (work / "config.json").write_text('{"model": "mine"}\n', encoding="utf-8")
    before = {name.name: name.read_text(encoding="utf-8") for name in work.iterdir()}
    result = run_python(fix_code(SLUG, 3), cwd=work, path=shim)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["{'model': 'gpt-4o', 'stop': ['\\n\\n']}", "True"]
    assert {name.name: name.read_text(encoding="utf-8") for name in work.iterdir()} == before


def test_option1_goes_on_past_a_file_it_cannot_read(tmp_path, fix_code):
    """A missing file, or the directory Docker creates for a bind-mounted file that is missing, once
    stopped the check with a traceback before the files after it."""
    script = tmp_path / "check_config.py"
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")
    (tmp_path / "mounted.json").mkdir()
    (tmp_path / "config.json").write_text('{"model": "gpt-4o"}\n', encoding="utf-8")
    result = run_args([str(script), "missing.yaml", "mounted.json", "config.json"], cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr, result.stderr
    assert "missing.yaml: cannot read it" in result.stdout
    assert "mounted.json: cannot read it" in result.stdout
    assert "config.json: ok (json)" in result.stdout


def test_option1_prints_through_a_windows_code_page(tmp_path, fix_code):
    """Output redirected on Windows (a CI log) is encoded with the ANSI code page: printing the BOM of
    the very file it diagnoses once raised UnicodeEncodeError."""
    script = tmp_path / "check_config.py"
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")
    (tmp_path / "app.ini").write_text(BOM_INI, encoding="utf-8")
    (tmp_path / "config.json").write_text('{\n  \u201cmodel\u201d: "gpt-4o"\n}\n', encoding="utf-8")
    result = run_args(
        [str(script), "app.ini", "config.json"], cwd=tmp_path, env={"PYTHONIOENCODING": "cp437"}
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr, result.stderr
    assert "app.ini:1:1: File contains no section headers." in result.stdout and "UTF-8 BOM" in result.stdout
    assert "config.json:2:3: Expecting property name enclosed in double quotes" in result.stdout


def test_option1_names_the_line_where_the_problem_started(tmp_path, fix_code):
    """PyYAML places `could not find expected ':'` and an unclosed quote after the line at fault (past
    the end of the file when it is the last line), and tomli's `(at end of document)` has no line."""
    script = tmp_path / "check_config.py"
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")
    (tmp_path / "nested.yaml").write_text("server:\n  port: 80\n  host:localhost\n", encoding="utf-8")
    (tmp_path / "quote.yaml").write_text('a: "open\nb: c\n', encoding="utf-8")
    (tmp_path / "list.toml").write_text("a = 1\nb = [1,\n", encoding="utf-8")
    result = run_args([str(script), "nested.yaml", "quote.yaml", "list.toml"], cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert "nested.yaml:4:1: while scanning a simple key could not find expected ':'" in out
    assert "it started on line 3:   host:localhost" in out
    assert "quote.yaml:3:1: while scanning a quoted scalar found unexpected end of stream" in out
    assert 'it started on line 1: a: "open' in out
    assert "list.toml:2:8: Invalid value" in out and "    b = [1,\n           ^" in out


def test_option1_keeps_a_password_out_of_the_log(tmp_path, fix_code):
    """An unquoted password holding ': ' is a usual cause of `mapping values are not allowed here`;
    the check runs in CI and container logs, so the line is shown without its value."""
    script = tmp_path / "check_config.py"
    script.write_text(fix_code(SLUG, 1), encoding="utf-8")
    (tmp_path / "config.yaml").write_text("db:\n  password: hunter2: x9\n", encoding="utf-8")
    result = run_args([str(script), "config.yaml"], cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "config.yaml:2:20: mapping values are not allowed here" in result.stdout
    assert "password: ***" in result.stdout
    assert "hunter2" not in result.stdout


def test_matcher_reads_whether_json_load_read_a_file(tmp_path, index):
    """json_source: the BOM and a trailing comma in an array (Python <= 3.12) read by json.load are this
    entry's; the same decoder errors from json.loads of a model's reply are llm-json-decode-error's; a
    bare V8 `Unexpected token } in JSON` (any JSON.parse, Node <= 18) is no file's in particular."""
    (tmp_path / "bom.json").write_bytes(codecs.BOM_UTF8 + b'{"model": "gpt-4o"}')
    (tmp_path / "list.json").write_text('{\n  "model": "gpt-4o",\n  "stop": ["a",]\n}\n', encoding="utf-8")
    read_file = "import json, sys\nwith open(sys.argv[1], encoding='utf-8') as f:\n    json.load(f)\n"
    for name in ("bom.json", "list.json"):
        trace = run_python(read_file, cwd=tmp_path, args=[name]).stderr
        assert "in load\n" in trace, trace
        assert_answers(index, SLUG, trace)
    reply = (
        "import json, sys\n"
        "def parse_reply(content):\n"
        "    return json.loads(content)\n"
        "parse_reply(sys.argv[1])\n"
    )
    for text in ('{"name": "x", "tags": ["a" "b"]}', '{"answer": "yes", }', '{"f": "\\alpha + \\beta"}'):
        trace = run_python(reply, args=[text]).stderr
        assert "JSONDecodeError" in trace, trace
        assert confident_answer(index, trace) != SLUG, trace
    assert confident_answer(index, "SyntaxError: Unexpected token } in JSON at position 498") != SLUG
