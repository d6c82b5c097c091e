"""Extraction: the raised error is found in every shape agents paste."""

from __future__ import annotations

import pytest

from synapse_skill.matching.extract import RaisedError, extract

CHAINED = """Traceback (most recent call last):
  File "/app/db.py", line 10, in save
    cur.execute(sql)
sqlite3.OperationalError: database is locked

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "/app/main.py", line 3, in <module>
    save()
sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) database is locked
[SQL: INSERT INTO users (name) VALUES (?)]
[parameters: ('bob',)]
(Background on this error at: https://sqlalche.me/e/20/e3q8)"""

DURING_HANDLING = """Traceback (most recent call last):
  File "/app/a.py", line 2, in <module>
    d["k"]
KeyError: 'k'

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "/app/a.py", line 4, in <module>
    raise RuntimeError("boom")
RuntimeError: boom"""

JUPYTER = """---------------------------------------------------------------------------
ImportError                               Traceback (most recent call last)
Cell In[1], line 2
      1 import numpy as np
----> 2 import torch

ImportError:
A module that was compiled using NumPy 1.x cannot be run in
NumPy 2.1.1 as it may crash."""

PYTEST = """    def test_x():
>       json.loads(out)
E       json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)

/usr/lib/python3.12/json/decoder.py:355: JSONDecodeError"""

COMPOSE = """web-1  | Traceback (most recent call last):
web-1  |   File "/app/x.py", line 3, in <module>
web-1  |     r.ping()
web-1  | redis.exceptions.ConnectionError: Error 111 connecting to localhost:6379. Connection refused."""

REQUESTS = (
    "requests.exceptions.ConnectionError: HTTPConnectionPool(host='localhost', port=8000): Max retries exceeded "
    "with url: /v1 (Caused by NewConnectionError('<urllib3.connection.HTTPConnection object at 0x7f>: "
    "Failed to establish a new connection: [Errno 111] Connection refused'))"
)


def test_chained_traceback_keeps_last_error_primary_and_earlier_as_evidence():
    found = extract(CHAINED)
    assert found.primary.type == "sqlalchemy.exc.OperationalError"
    assert found.primary.message == "(sqlite3.OperationalError) database is locked"
    assert any(
        e.type == "sqlite3.OperationalError" and e.message == "database is locked" for e in found.evidence
    )


def test_during_handling_chain():
    found = extract(DURING_HANDLING)
    assert (found.primary.type, found.primary.message) == ("RuntimeError", "boom")
    assert found.evidence[0].type == "KeyError"


def test_jupyter_traceback_with_multi_line_message_is_kept_whole():
    found = extract(JUPYTER)
    assert found.primary.type == "ImportError"
    assert found.primary.message.startswith(
        "A module that was compiled using NumPy 1.x cannot be run in NumPy 2.1.1"
    )


def test_pytest_e_lines():
    found = extract(PYTEST)
    assert found.primary.type == "json.decoder.JSONDecodeError"
    assert found.primary.message == "Expecting value: line 1 column 1 (char 0)"


def test_docker_compose_prefixes_are_stripped():
    found = extract(COMPOSE)
    assert found.primary.type == "redis.exceptions.ConnectionError"
    assert found.primary.message.startswith("Error 111 connecting to localhost:6379")


def test_requests_caused_by_is_evidence():
    found = extract(REQUESTS)
    assert found.primary.type == "requests.exceptions.ConnectionError"
    assert any("[Errno 111] Connection refused" in e.message for e in found.evidence)


@pytest.mark.parametrize(
    "text, expected_type, expected_start",
    [
        (
            "/app/main.py:12: RuntimeWarning: coroutine 'get_user' was never awaited\n  get_user(1)\n"
            "RuntimeWarning: Enable tracemalloc to get the object allocation traceback",
            "RuntimeWarning",
            "coroutine 'get_user' was never awaited",
        ),
        (
            "2024-05-01 12:00:01,123 ERROR [worker] Task failed: openai.RateLimitError: Error code: 429 - x",
            "openai.RateLimitError",
            "Error code: 429",
        ),
        ("fatal: detected dubious ownership in repository at '/workspace'", None, "fatal: detected dubious"),
        (
            "error: externally-managed-environment\n\n× This environment is externally managed",
            None,
            "error: externally-managed-environment",
        ),
        (
            "npm ERR! code EADDRINUSE\nError: listen EADDRINUSE: address already in use :::3000",
            "Error",
            "listen EADDRINUSE",
        ),
        ("\x1b[31mValueError: bad\x1b[0m", "ValueError", "bad"),
    ],
)
def test_log_warning_and_tool_shapes(text, expected_type, expected_start):
    found = extract(text)
    assert found.primary.type == expected_type
    assert found.primary.message.startswith(expected_start)


def test_plain_text_without_an_error_shape_is_used_as_is():
    found = extract("database is locked")
    assert found.found is False
    assert found.primary.message == "database is locked"


def test_a_chained_error_without_its_own_traceback_is_the_primary():
    text = (
        "Traceback (most recent call last):\n"
        '  File "save.py", line 18, in checkpoint\n'
        "    torch.save(model.state_dict(), path)\n"
        "RuntimeError: [enforce fail at inline_container.cc:595] . unexpected pos 1837056 vs 1836944\n"
        "\n"
        "During handling of the above exception, another exception occurred:\n"
        "\n"
        "OSError: [Errno 28] No space left on device\n"
    )
    found = extract(text)
    assert found.primary == RaisedError("OSError", "[Errno 28] No space left on device")
    assert found.evidence[0].type == "RuntimeError" and "OSError" not in found.evidence[0].message


@pytest.mark.parametrize(
    "text",
    [
        "**BrokenPipeError: [Errno 32] Broken pipe**",
        "`BrokenPipeError: [Errno 32] Broken pipe`",
        "> BrokenPipeError: [Errno 32] Broken pipe",
        "```\nBrokenPipeError: [Errno 32] Broken pipe\n```",
    ],
)
def test_markdown_around_an_error_from_a_bug_report_is_ignored(text):
    assert extract(text).primary == RaisedError("BrokenPipeError", "[Errno 32] Broken pipe")


def test_sentry_style_error_first_then_frames_keeps_the_message_clean():
    text = (
        "BrokenPipeError: [Errno 32] Broken pipe\n"
        "(4 additional frame(s) were not displayed)\n"
        "...\n"
        '  File "worker/stream.py", line 88, in emit\n'
        "    sys.stdout.flush()\n"
    )
    found = extract(text)
    assert found.primary == RaisedError("BrokenPipeError", "[Errno 32] Broken pipe")
    assert found.evidence == ()


def test_lower_case_module_errors_from_python_2_and_c_modules_are_types():
    text = (
        "Traceback (most recent call last):\n"
        '  File "probe.py", line 4, in <module>\n'
        "    s.connect((host, 5672))\n"
        "socket.error: [Errno 111] Connection refused\n"
    )
    assert extract(text).primary == RaisedError("socket.error", "[Errno 111] Connection refused")


def test_a_log_line_after_the_exception_does_not_replace_it():
    text = (
        '  File "/srv/api/client.py", line 19, in fetch\n'
        "    raise mapped_exc(message) from exc\n"
        "httpx.ConnectError: All connection attempts failed\n"
        "ERROR:    Exception in ASGI application\n"
    )
    found = extract(text)
    assert found.primary == RaisedError("httpx.ConnectError", "All connection attempts failed")
    assert any("ASGI" in e.message for e in found.evidence)


def test_a_truncated_traceback_falls_back_to_the_lines_that_are_not_frames():
    text = (
        "upload failed: HTTPConnectionPool(host='files.local', port=80): Max retries exceeded with url: /put\n"
        "Traceback (most recent call last):\n"
        '  File "uploader.py", line 12, in push\n'
        "    requests.post(url, files=files)\n"
        '  File "requests/adapters.py", line 519, in send\n'
        "    raise ConnectionError(e, request=request)\n"
    )
    found = extract(text)
    assert not found.found
    assert found.primary.message.startswith("upload failed: HTTPConnectionPool")
    assert "adapters.py" not in found.primary.message


def test_a_blank_line_ends_the_message_so_what_the_reporter_typed_next_is_not_part_of_it():
    text = (
        "Traceback (most recent call last):\n"
        '  File "/home/me/app.py", line 2, in <module>\n'
        "    from mistralai import Mistral\n"
        "ModuleNotFoundError: No module named 'mistralai'\n"
        "\n"
        "sudo apt install python3-mistralai\n"
        "E: Unable to locate package python3-mistralai\n"
    )
    assert extract(text).primary == RaisedError("ModuleNotFoundError", "No module named 'mistralai'")
    # a message that starts on the next line (`ImportError: ` then the text) still runs on
    late = 'Traceback (most recent call last):\n  File "a.py", line 1, in <module>\nImportError: \ncannot load thing\n'
    assert extract(late).primary == RaisedError("ImportError", "cannot load thing")


def test_an_llm_api_error_inside_a_framework_s_log_line_is_found():
    text = (
        "2024-03-23 14:43:54.511 | ERROR    | agents.utils:log_it:477 - Finished call to 'agents.ask'"
        " after 0.689(s), this was the 1st time calling it. exp: Error code: 404 - {'error': {'message':"
        " 'The model `gtp-4o` does not exist or you do not have access to it.', 'type':"
        " 'invalid_request_error', 'param': None, 'code': 'model_not_found'}}"
    )
    primary = extract(text).primary
    assert primary.type is None
    assert primary.message.startswith("Error code: 404 - {'error': {'message': 'The model `gtp-4o`")


def test_java_cause_line_and_nested_class_name():
    # a Java exception is not a Python one: its type must be read so that it can differ
    text = (
        'Exception in thread "main" java.lang.ExceptionInInitializerError\n'
        "Caused by: com.google.protobuf.RuntimeVersion$ProtobufRuntimeVersionException: "
        "Detected incompatible Protobuf Gencode/Runtime versions"
    )
    assert extract(text).primary == RaisedError(
        "com.google.protobuf.RuntimeVersion$ProtobufRuntimeVersionException",
        "Detected incompatible Protobuf Gencode/Runtime versions",
    )


def test_a_warning_printed_after_the_exception_is_not_part_of_its_message():
    text = (
        "Traceback (most recent call last):\n"
        '  File "/home/u/nb.py", line 20, in <module>\n'
        "    asyncio.run(main())\n"
        "RuntimeError: asyncio.run() cannot be called from a running event loop\n"
        "sys:1: RuntimeWarning: coroutine 'main' was never awaited\n"
    )
    assert extract(text).primary == RaisedError(
        "RuntimeError", "asyncio.run() cannot be called from a running event loop"
    )


def test_a_log_record_printed_after_the_exception_is_not_part_of_its_message():
    text = (
        "Traceback (most recent call last):\n"
        '  File "/srv/proj/src/launcher.py", line 15, in <module>\n'
        "    from proj.train import run\n"
        "ModuleNotFoundError: No module named 'proj'\n"
        "E0718 02:26:56.971000 64126 torch/distributed/elastic/multiprocessing/api.py:874] failed "
        "(exitcode: 1) local_rank: 0 (pid: 64233) of binary: /usr/bin/python3\n"
        "2024-07-18 02:26:57,001 ERROR worker exited\n"
    )
    assert extract(text).primary == RaisedError("ModuleNotFoundError", "No module named 'proj'")


@pytest.mark.parametrize(
    "record",
    [
        'INFO:httpx:HTTP Request: GET https://api.example.com/en "HTTP/1.1 200 OK"',
        "2024-07-18 02:26:57,001 - INFO - still serving",
    ],
)
def test_a_record_of_python_logging_after_the_exception_is_not_part_of_its_message(record):
    text = (
        "Traceback (most recent call last):\n"
        '  File "/srv/ui.py", line 62, in <module>\n'
        "    gr.Textbox(default='x')\n"
        "TypeError: Textbox.__init__() got an unexpected keyword argument 'default'\n"
        f"{record}\n"
    )
    assert extract(text).primary.message == "Textbox.__init__() got an unexpected keyword argument 'default'"
    # without a traceback too
    assert extract(text.split("\n", 3)[3]).primary.message == extract(text).primary.message


def test_a_pasted_shell_command_is_evidence_not_the_message():
    text = "$ python -m streamlit run app.py\n/srv/dash/.venv/bin/python: No module named streamlit"
    found = extract(text)
    assert found.primary.message == "/srv/dash/.venv/bin/python: No module named streamlit"
    assert [e.message for e in found.evidence] == ["$ python -m streamlit run app.py"]
    # a command alone is all there is to read
    assert extract("$ uvicorn main:app").primary.message == "$ uvicorn main:app"


def test_without_an_exception_line_the_code_block_is_the_message_and_the_prose_context():
    text = (
        "After the upgrade the notebook stopped at the imports, with\n"
        "```\n"
        "cannot import name 'tool' from 'crewai_tools'\n"
        "```\n"
        "I did not pin any version when installing.\n"
    )
    found = extract(text)
    assert found.primary == RaisedError(None, "cannot import name 'tool' from 'crewai_tools'")
    assert "did not pin" in found.evidence[0].message


def test_an_error_quoted_inline_in_a_sentence_is_the_message():
    text = (
        "Both models answer 400 with the following message: `Unsupported parameter: 'max_tokens' "
        "is not supported with this model. Use 'max_completion_tokens' instead.` when I call them."
    )
    assert extract(text).primary.message.startswith("Unsupported parameter: 'max_tokens'")
    # an inline code span that is not a message (a condition, a name) leaves the text as it was
    assertion = "block: [16,0,0] Assertion `input >= 0. && input <= 1.` failed."
    assert extract(assertion).primary.message == assertion


def test_gunicorn_s_log_prefix_is_stripped_like_other_timestamps():
    text = "[2025-03-09 11:20:00 +0000] [1] [ERROR] Connection in use: ('0.0.0.0', 8000)"
    assert extract(text).primary.message == "Connection in use: ('0.0.0.0', 8000)"


def test_the_logging_cookbook_s_format_is_stripped_name_and_level_too():
    # `%(asctime)s - %(name)s - %(levelname)s - %(message)s`; the space before ` - ` once went to an
    # optional time zone, and the level and the logger's name stayed in the message
    text = "2025-08-25 13:38:58,981 - loader.hub - ERROR - Failed to fetch the dataset: HTTP 502"
    assert extract(text).primary.message == "Failed to fetch the dataset: HTTP 502"
    assert extract("2025-08-25 13:38:58,981 - ERROR - boom").primary.message == "boom"
    zoned = "2025-08-25T13:38:58+02:00 ERROR worker: KeyError: 'job'"
    assert extract(zoned).primary.type == "KeyError"


MCP_CLIENT_LOG = """2026-11-02 09:14:07.101 [info] notes: Handling CreateClient action
2026-11-02 09:14:07.102 [info] notes: Starting new stdio process with command: npx -y notes-mcp@latest
2026-11-02 09:14:07.180 [error] notes: Client error for command spawn npx ENOENT
2026-11-02 09:14:07.181 [info] notes: Client closed for command
"""


def test_in_a_log_of_several_levels_the_error_records_are_the_message():
    # an MCP client's log pasted whole: its [info] records' rare words (the command, the package)
    # must not lead the search; they stay evidence
    found = extract(MCP_CLIENT_LOG)
    assert found.primary.message == "Client error for command spawn npx ENOENT"
    assert any("Starting new stdio process" in e.message for e in found.evidence)
    # lower-case levels are a log prefix like upper-case ones
    assert extract("2026-11-02 09:14:07.180 [error] boom").primary.message == "boom"
    # a traceback cut before its exception line is read by its frames, not by the levels
    cut = (
        "2026-11-02 09:14:07 [app] INFO: started\n2026-11-02 09:14:07 [app] ERROR: request failed\n"
        'Traceback (most recent call last):\n  File "/srv/app/main.py", line 3, in <module>\n    run()'
    )
    assert "started" in extract(cut).primary.message


EXCEPTION_GROUP = """  + Exception Group Traceback (most recent call last):
  |   File "/srv/agent/main.py", line 11, in <module>
  |     asyncio.run(main())
  |   File "/srv/agent/.venv/lib/python3.11/site-packages/anyio/_backends/_asyncio.py", line 871, in __aexit__
  |     raise BaseExceptionGroup(
  | ExceptionGroup: unhandled errors in a TaskGroup (1 sub-exception)
  +-+---------------- 1 ----------------
    | Traceback (most recent call last):
    |   File "/srv/agent/.venv/lib/python3.11/site-packages/httpx/_models.py", line 829, in raise_for_status
    |     raise HTTPStatusError(message, request=request, response=self)
    | httpx.HTTPStatusError: Client error '405 Method Not Allowed' for url 'http://localhost:8000/sse'
    +------------------------------------
"""


def test_an_exception_group_s_sub_exception_is_read_behind_its_margins():
    found = extract(EXCEPTION_GROUP)
    assert found.primary == RaisedError(
        "httpx.HTTPStatusError", "Client error '405 Method Not Allowed' for url 'http://localhost:8000/sse'"
    )
    assert (
        RaisedError("ExceptionGroup", "unhandled errors in a TaskGroup (1 sub-exception)") in found.evidence
    )
    assert found.installed == ("anyio", "httpx")


NODE_CAUSE = """TypeError: fetch failed
    at node:internal/deps/undici/undici:14976:13
    at process.processTicksAndRejections (node:internal/process/task_queues:95:5) {
  [cause]: Error: connect ECONNREFUSED 127.0.0.1:8000
      at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1611:16) {
    errno: -111,
    code: 'ECONNREFUSED'
  }
}

Node.js v20.20.2
"""


def test_node_s_cause_is_the_error_and_its_bare_frames_end_the_message():
    found = extract(NODE_CAUSE)
    assert found.primary == RaisedError("Error", "connect ECONNREFUSED 127.0.0.1:8000")
    assert RaisedError("TypeError", "fetch failed") in found.evidence


def test_a_log_line_ending_with_a_library_s_exception_type_names_it():
    line = (
        "2025-08-12 03:15:09,442 ERROR fetcher: GET https://data.example.org/x.csv failed: httpx.ReadTimeout"
    )
    assert extract(line).primary == RaisedError("httpx.ReadTimeout", "")
    # a sentence that merely names a class is not an exception line
    assert extract("see the docs: Config.Error").primary.type is None


def test_an_error_in_single_emphasis_is_unwrapped():
    text = "_PermissionError: [WinError 5] Access is denied: 'C:\\\\Temp\\\\pack.idx'_"
    assert extract(text).primary.type == "PermissionError"


def test_older_node_prints_cause_without_brackets():
    text = (
        "TypeError: fetch failed\n"
        "    at node:internal/deps/undici/undici:13502:13 {\n"
        "  cause: ConnectTimeoutError: Connect Timeout Error\n"
        "      at onConnectTimeout (node:internal/deps/undici/undici:8087:28) {\n"
        "    code: 'UND_ERR_CONNECT_TIMEOUT'\n"
        "  }\n"
        "}\n"
    )
    assert extract(text).primary == RaisedError("ConnectTimeoutError", "Connect Timeout Error")


def test_git_lfs_s_batch_response_is_an_error_line():
    text = (
        "batch response: This repository is over its data quota. Account responsible for LFS bandwidth"
        " should purchase more data packs to restore access.\n"
        "error: failed to fetch some objects from 'https://github.com/acme/models.git/info/lfs'\n"
    )
    found = extract(text)
    assert any("over its data quota" in e.message for e in (found.primary, *found.evidence))


def test_docker_s_daemon_error_is_an_error_line_and_cmder_s_prompt_a_command():
    text = (
        'λ docker run -dp 3000:3000 -v "$(pwd):/app" node:12-alpine\n'
        'docker: Error response from daemon: create $(pwd): "$(pwd)" includes invalid characters for a local'
        " volume name\n"
    )
    assert extract(text).primary.message.startswith("docker: Error response from daemon: create $(pwd)")
    assert extract("PS C:\\app> python -m uvx\nNo module named uvx").primary.message == "No module named uvx"


def test_an_unclosed_code_fence_is_not_a_block():
    text = "It fails with\n```\nValueError without a closing fence\n"
    assert extract(text).primary.message.endswith("ValueError without a closing fence")
    closed = "It fails with\n```text\nRuntimeError: boom\n```\nthen nothing else"
    assert extract(closed).primary == RaisedError("RuntimeError", "boom")


WARNING_THEN_CUT = """C:\\envs\\tts\\lib\\site-packages\\pydub\\utils.py:170: RuntimeWarning: Couldn't find ffmpeg or avconv - defaulting to ffmpeg, but may not work
  warn("Couldn't find ffmpeg or avconv - defaulting to ffmpeg, but may not work", RuntimeWarning)
Traceback (most recent call last):
  File "C:\\envs\\tts\\lib\\site-packages\\acmeui\\queue.py", line 88, in process
    result = await self.run(job)
  File "C:\\envs\\tts\\lib\\site-packages\\acmeui\\jobs.py", line 41, in run"""


def test_a_warning_before_a_traceback_cut_short_is_not_the_failure():
    found = extract(WARNING_THEN_CUT)
    assert found.primary.type == "RuntimeWarning"
    assert found.cut and found.failure_missing
    # the same warning with the traceback's own exception line: that error is the failure
    whole = extract(WARNING_THEN_CUT + "\nValueError: job has no input")
    assert whole.primary == RaisedError("ValueError", "job has no input")
    assert not whole.cut and not whole.failure_missing
    # a traceback cut short after an error line that is not a warning: the error stays the answer
    logged = extract(WARNING_THEN_CUT.replace("RuntimeWarning", "RuntimeError", 1))
    assert logged.cut and not logged.failure_missing
    # a `WARNING:` log record before the cut traceback is a warning too
    assert extract(
        "WARNING:  Failed to import from acme._C with No module named 'acme._C'\n"
        + WARNING_THEN_CUT.split("\n", 2)[2]
    ).failure_missing
    # the text may stop at the header itself, before the first frame
    header_only = extract(
        "UserWarning: flash attention is not compiled in\nTraceback (most recent call last):"
    )
    assert header_only.cut and header_only.failure_missing
    # a header followed by a line that is neither a frame nor an exception is not a cut traceback
    assert not extract("UserWarning: slow\nTraceback (most recent call last):\nsee the log above").cut


def test_a_message_ending_in_a_colon_runs_on_in_the_next_line():
    found = extract(
        "docker.errors.DockerException: Error while fetching server API version:\nNot supported URL scheme http+docker"
    )
    assert (
        found.primary.message
        == "Error while fetching server API version: Not supported URL scheme http+docker"
    )


BARE_RAISE = """Traceback (most recent call last):
  File "C:\\\\work\\\\tool.py", line 12, in main
    proc = await asyncio.create_subprocess_exec("git", "status")
  File "C:\\\\Py\\\\Lib\\\\asyncio\\\\base_events.py", line 1744, in subprocess_exec
    transport = await self._make_subprocess_transport(
  File "C:\\\\Py\\\\Lib\\\\asyncio\\\\base_events.py", line 524, in _make_subprocess_transport
    raise NotImplementedError
NotImplementedError
Task exception was never retrieved"""


def test_an_exception_raised_without_a_message_is_read_by_the_function_that_raised_it():
    assert extract(BARE_RAISE).primary == RaisedError("NotImplementedError", "in _make_subprocess_transport")
    # the same frames pasted without the traceback's header
    assert extract(BARE_RAISE.split("\n", 1)[1]).primary.message == "in _make_subprocess_transport"
    # a type alone on its line with its message on the next (as some tools print it) keeps the message
    printed = "Traceback (most recent call last):\n  File \"app.py\", line 3, in load\n    nlp = spacy.load(name)\nOSError\n[E050] Can't find model 'en_core_web_sm'."
    assert extract(printed).primary == RaisedError("OSError", "[E050] Can't find model 'en_core_web_sm'.")
    # a module's top level names no function to go by
    top = 'Traceback (most recent call last):\n  File "run.py", line 1, in <module>\n    raise KeyboardInterrupt\nKeyboardInterrupt'
    assert extract(top).primary == RaisedError("KeyboardInterrupt", "")


def test_ipython_frames_name_the_libraries_they_ran_through():
    ipython8 = (
        "AttributeError                            Traceback (most recent call last)\n"
        "Cell In[3], line 1\n"
        "----> 1 model = SentenceTransformer('./saved')\n"
        "File ~/venv/lib/python3.11/site-packages/sentence_transformers/SentenceTransformer.py:306,"
        " in SentenceTransformer.__init__(self, model_name_or_path)\n"
        "--> 306         modules = self._load_auto_model(\n"
        "AttributeError: 'NoneType' object has no attribute 'get'"
    )
    ipython7 = (
        "TypeError                                 Traceback (most recent call last)\n"
        "<ipython-input-26-383ecf10bb2d> in <module>\n"
        "----> 1 r.json()\n"
        "~/anaconda3/lib/python3.7/site-packages/requests/models.py in json(self, **kwargs)\n"
        "--> 897         return complexjson.loads(self.text, **kwargs)\n"
        "TypeError: boom"
    )
    for text, library in ((ipython8, "sentence_transformers"), (ipython7, "requests")):
        found = extract(text)
        assert found.frames == (library,) and found.installed == (library,)
        assert found.primary.bare_type in ("AttributeError", "TypeError")


def test_a_message_that_is_only_a_request_id_runs_on_past_the_blank_line():
    """huggingface_hub 1.2+ prints the request id, a blank line, then the error: the id alone says nothing."""
    tail = (
        "huggingface_hub.errors.HfHubHTTPError: (Request ID: Root=1-6a5b0c1d-0123;9f8e)\n"
        "\n"
        "429 Too Many Requests: you have reached your 'api' rate limit.\n"
        "Retry after 10 seconds (0/500 requests remaining in current 300s window)."
    )
    traceback = 'Traceback (most recent call last):\n  File "x.py", line 3, in <module>\n    f()\n' + tail
    for text in (tail, traceback):
        line = extract(text).primary.line()
        assert line.startswith("huggingface_hub.errors.HfHubHTTPError: (Request ID:")
        assert "429 Too Many Requests: you have reached your 'api' rate limit." in line
    # any other message still ends at a blank line
    assert extract("ValueError: bad input\n\nsee the docs").primary.line() == "ValueError: bad input"


def test_a_log_line_ending_in_an_exception_s_repr_is_that_exception():
    """Celery logs a task's failure as the exception's repr at the end of its record: that is the
    error, whatever words the worker put before it."""
    celery = (
        "celery-1  | [2025-03-04 12:00:01,553: ERROR/ForkPoolWorker-2] Task app.tasks.embed_doc[5b1c] "
        "raised unexpected: RuntimeError('Event loop is closed')"
    )
    got = extract(celery)
    assert (got.primary.type, got.primary.message) == ("RuntimeError", "Event loop is closed")
    assert "raised unexpected" in got.evidence[0].message
    double = "worker: job 7 failed: ValueError(\"bad input: 'x'\")"
    assert (extract(double).primary.type, extract(double).primary.message) == ("ValueError", "bad input: 'x'")
    # an info record's repr is what the program shrugged off (faiss falls back to its plain build)
    shrugged = (
        "INFO:faiss.loader:Could not load library with AVX2 support due to: "
        "ModuleNotFoundError(\"No module named 'faiss.swigfaiss_avx2'\")"
    )
    assert extract(shrugged).primary.type is None
    # a repr in the middle of a sentence is not where the line ends
    assert extract("retrying after RuntimeError('x') twice").primary.type is None


NINJA_BUILD = """[1/2] /usr/local/cuda/bin/nvcc -c /src/csrc/kernel.cu -o /src/build/kernel.o -gencode=arch=compute_90,code=sm_90
FAILED: /src/build/kernel.o
nvcc fatal   : Unsupported gpu architecture 'compute_90'
ninja: build stopped: subcommand failed.
Traceback (most recent call last):
  File "/opt/venv/lib/python3.10/site-packages/torch/utils/cpp_extension.py", line 2116, in _run_ninja_build
    raise RuntimeError(message) from e
RuntimeError: Error compiling objects for extension"""


def test_a_native_build_s_compiler_diagnostics_are_evidence_for_the_driver_s_error():
    found = extract(NINJA_BUILD)
    assert found.primary.line() == "RuntimeError: Error compiling objects for extension"
    assert RaisedError(None, "nvcc fatal   : Unsupported gpu architecture 'compute_90'") in found.evidence
    # the same diagnostic in a text whose build did not fail through a driver is not read so
    plain = "nvcc fatal   : Unsupported gpu architecture 'compute_90'\nValueError: bad input"
    assert all("nvcc" not in err.message for err in extract(plain).evidence)


WORKER_LOG = """\
[2026-03-02 10:00:00,120: ERROR/MainProcess] Received unregistered task of type 'shop.jobs.rebuild_cache'.
The message has been ignored and discarded.

Traceback (most recent call last):
  File "/srv/venv/lib/python3.12/site-packages/celery/worker/consumer/consumer.py", line 658, in on_task_received
    strategy = strategies[type_]
               ~~~~~~~~~~^^^^^^^
KeyError: 'shop.jobs.rebuild_cache'
"""


def test_a_record_naming_a_bare_key_error_s_key_is_evidence():
    """The worker said why before the lookup's traceback: its words are read with the KeyError."""
    got = extract(WORKER_LOG)
    assert got.primary == RaisedError("KeyError", "'shop.jobs.rebuild_cache'")
    assert any("Received unregistered task of type" in err.message for err in got.evidence)
    # a key too short to be anyone's name, or a key no other line names: nothing is added
    assert extract("x = d['abc']\nKeyError: 'abc'").evidence == ()
    assert extract(WORKER_LOG.replace("'shop.jobs.rebuild_cache'.", "a task.")).evidence == ()
