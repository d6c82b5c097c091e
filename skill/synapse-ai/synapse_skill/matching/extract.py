"""Find the error inside whatever an agent pasted.

Input can be a whole traceback, a chain of them, pytest output, log lines with prefixes,
docker-compose output, a notebook traceback or a tool's stderr. The result names the
primary (last raised) exception and keeps the earlier ones, and any exception wrapped
inside a message, as extra evidence. Standard library only: this ships inside the skill.

Every regular expression here is anchored or uses bounded, non-nested repetition, so the
time spent stays linear in the input size.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import partial

MAX_INPUT_CHARS = 256 * 1024
MAX_MESSAGE_LINES = 12
MAX_MESSAGE_CHARS = 2000

_ANSI = re.compile(r"\x1b\[[0-9;?]{0,20}[ -/]{0,3}[@-~]")
_COMPOSE_PREFIX = re.compile(r"^[A-Za-z0-9][\w.-]{0,80}\s{1,40}\|\s?")
_LOG_PREFIX = re.compile(
    r"^\[?\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?(?:\s?(?:Z|[+-]\d{2}:?\d{2}))?\]?"
    r"(?:\s{1,5}\[\d{1,10}\])?"  # gunicorn's `[pid]`
    # the logging cookbook's `%(asctime)s - %(name)s - %(levelname)s - %(message)s`: the name, then the level
    r"(?:\s{1,5}-\s{1,5}[\w.\[\]-]{1,80}(?=\s{1,5}-\s{1,5}(?:TRACE|DEBUG|INFO|WARNING|ERROR|CRITICAL)\s))?"
    r"(?:\s{1,5}[-|]?\s{0,5}\[?(?i:TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|CRITICAL|FATAL)\]?)?"
    r"(?:\s{1,5}[\w.\[\]:-]{1,80}:)?\s{0,5}(?:-\s)?"
)
# A log record at an error level (`2025-04-19 10:52:44.006 [error] ext7: …`, `… ERROR …`, `level=error`):
# read near the start of the line, where loggers put the level.
_ERROR_RECORD = re.compile(
    r"^.{0,60}?(?:\[(?i:error|err|fatal|critical)\]|(?<![\w-])(?:ERROR|FATAL|CRITICAL)(?=[\s:\]|-])|level=(?i:error|fatal))"
)
_WARNING_RECORD = re.compile(r"^\s{0,8}\[?(?:WARN|WARNING)\b", re.I)
_LEVEL_PREFIX = re.compile(r"^(?:TRACE|DEBUG|INFO|WARN|WARNING|ERROR|CRITICAL|FATAL):[\w.]{0,80}:")
_PYTEST_PREFIX = re.compile(r"^E {1,4}")
_JAVA_CAUSE = re.compile(r"^\s{0,8}Caused by: (?=[A-Za-z_][\w$]{0,60}\.)")  # a Java chain's cause line
_NODE_CAUSE = re.compile(r"^\s{0,24}\[?cause\]?: (?=[A-Za-z_])")  # Node prints an error's cause inside it
# Python 3.11+ prints an exception group's tracebacks behind `| ` margins, between `+---- 1 ----` rules.
_GROUP_MARGIN = re.compile(r"^\s{0,40}\| ?")
_GROUP_RULE = re.compile(r"^\s{0,40}\+[-+]{1,40}(?: \d{1,4} -{1,40}| \.\.\. -{1,40})?\s*$")
_GROUP_START = re.compile(r"^\s{0,40}\+ (?=Exception Group Traceback)")
# Bug reports paste errors inside Markdown: quoted (`> `), fenced, bold or in backticks.
_QUOTE_PREFIX = re.compile(r"^\s{0,3}(?:>\s?){1,4}")
_INLINE_CODE = re.compile(r"(?<!`)`([^`\n]{8,400})`(?!`)")
_SAYS_SOMETHING = re.compile(r"^\w[\w .]{0,60}: \S.{0,300}\s\S{1,40}\s\S")  # `Label: a message of words`
_FENCE = re.compile(r"^\s{0,3}(?:`{3,}|~{3,})[\w+-]{0,20}\s*$")
_EMPHASIS = re.compile(r"^(\*\*|__|`|_(?=[A-Za-z])|\*(?=[A-Za-z]))(?P<body>.+?)\1$")
# Plain Python, and IPython/Jupyter's `ValueError      Traceback (most recent call last)` header.
_TRACEBACK_START = re.compile(
    r"^\s{0,8}(?:[\w.]{1,120}\s{1,80}|Exception Group )?Traceback \(most recent call last\)"
)
_CHAIN_MARKERS = (
    "During handling of the above exception, another exception occurred",
    "The above exception was the direct cause of the following exception",
)
# A stack frame after the message (Sentry prints the error first, then the frames; Node and
# Java print `at …` lines): the message stops there.
_FRAME_START = re.compile(
    r"^\s{0,8}(?:File \"|File '|\(\d{1,4} additional frame|\.\.\.$|at [\w$.<>\[\]/-]{1,200}[ (]"
    r"|at [\w$.<>\[\]/@:-]{1,300}:\d{1,7}:\d{1,7}\)?(?: \{)?$)"  # Node's `at node:internal/x:12:3 {`
)
_CARETS = re.compile(r"^\s*[\^~]{3,}\s*$")
# A line that began with a log record's prefix (stripped) starts with this mark, which str.strip()
# and `\s` treat as white space: everything else reads the line as before.
_RECORD_MARK = "\x1e"
# glog/absl's record header (`E0718 02:26:56.971000 64126 api.py:874]`), which no prefix above strips:
# a new record too (timestamped and `LEVEL:logger:` lines already carry _RECORD_MARK).
_GLOG_RECORD = re.compile(r"^\s*[IWEF]\d{4} \d\d:\d\d:\d\d")
# a shell's (`$`, cmder's `λ`, PowerShell's `PS C:\dir>`) or Python's prompt before a command
_PROMPT = re.compile(r"^\s*(?:\$|>>>|λ|PS [^>\n]{1,200}>) \S")
_FRAME_LINE = re.compile(r"^\s{0,8}(?:File \"|File '|Cell In\[|-{3,}>|\d{1,6}\s|\.\.\.|\^|~|\s{2,})")
# Java prints nested classes with `$` (`com.google.protobuf.RuntimeVersion$ProtobufRuntimeVersionException`)
_TYPE = r"(?:[A-Za-z_][A-Za-z0-9_$]{0,60}\.){0,6}[A-Za-z_][A-Za-z0-9_$]{0,80}"
_EXC_LINE = re.compile(rf"^(?P<type>{_TYPE})(?::\s?(?P<msg>.*))?$")
_EXC_INLINE = re.compile(
    rf"(?:^|[\s(\[:'\"])(?P<type>{_TYPE}(?:Error|Exception|Warning|Exit|Interrupt|Timeout|Refused|Exceeded))"
    r":\s(?P<msg>.*)$"
    # a log line that ends with a library's exception type and no message (`… failed: httpx.ReadTimeout`)
    rf"|: (?P<bare>(?:[A-Za-z_]\w{{0,60}}\.){{1,6}}[A-Z]\w{{0,80}}(?:Error|Exception|Timeout))$"
)
_WARNING_LINE = re.compile(rf"^\S{{1,300}}:\d{{1,7}}: (?P<type>{_TYPE}Warning): (?P<msg>.*)$")
_WRAPPED = re.compile(rf"^\((?P<type>{_TYPE})\)\s?(?P<msg>.*)$")
# An LLM API's error as OpenAI-style SDKs print it (`Error code: 404 - {'error': …}`), inside a
# framework's log line that names no exception type (`… failed, exp: Error code: 404 - {…}`).
_API_STATUS = re.compile(r"(?:^|[\s:(])(?P<msg>Error code: [1-5]\d\d - [\[{].{0,2000})$")
_TOOL_LINE = re.compile(
    r"^(?:npm ERR!|npm error|yarn error|error(?:\[E\d{1,6}\])?|fatal|ERROR|FATAL|Error|panic|batch response|"
    r"E\d{1,6}|[\w.-]{1,40}: [Ee]rror(?: response from daemon)?):\s?(?P<msg>.+)$"
)
_CAUSED_BY = re.compile(rf"\(Caused by (?P<type>{_TYPE})\((?P<msg>.{{0,600}})\)\)")
# An exception's repr ending a log line: Celery's `Task x raised unexpected: RuntimeError('Event loop
# is closed')`, `… failed: ValueError("bad input")`.
_REPR_AT_END = re.compile(
    rf"(?:^|[\s:=])(?P<type>{_TYPE}(?:Error|Exception|Warning|Exit|Interrupt|Timeout))"
    r"\((?P<q>['\"])(?P<msg>.{1,600}?)(?P=q)\)\s*$"
)
# A log record's own level: an info or debug record's exception is one the program went on after.
_INFO_LEVEL = re.compile(r"\b(?:INFO|DEBUG)\b")
# Lines shaped like errors that only annotate the real one.
_NOT_AN_ERROR = re.compile(r"Enable tracemalloc to get|^RuntimeWarning: Enable tracemalloc")
_SQLALCHEMY_NOTE = re.compile(r"\s?\(Background on this error at: [^)\s]{0,200}\)")
_NOISE_LINE = re.compile(
    r"^\s{0,4}(?:\[SQL:|\[parameters:|\(Background on this error at:|For more information)"
)


@dataclass(frozen=True)
class RaisedError:
    type: str | None
    message: str

    @property
    def bare_type(self) -> str | None:
        return self.type.rsplit(".", 1)[-1] if self.type else None

    def line(self) -> str:
        return f"{self.type}: {self.message}" if self.type else self.message

    @property
    def is_warning(self) -> bool:
        """A warning (`RuntimeWarning: …`, a `WARNING:` log line): printed on the way, not the failure."""
        return (
            bool(self.type and self.type.endswith("Warning"))
            or _WARNING_RECORD.match(self.message) is not None
        )


@dataclass(frozen=True)
class Extracted:
    primary: RaisedError
    evidence: tuple[RaisedError, ...] = field(default=())  # chained, wrapped and causing errors
    found: bool = True  # False when no error shape was recognised and the text is used as is
    frames: tuple[str, ...] = ()  # the libraries the stack frames ran through, innermost last
    installed: tuple[str, ...] = ()  # those of them that are installed packages (not the standard library)
    # The last traceback stops in its frames, before its exception line: the error that ended the
    # run is not in the text.
    cut: bool = False
    # Where the failing program ran, as its own files show it: "windows" (frames or the interpreter
    # under a drive letter), "posix" (frames under `/`), or None. A path in the message says nothing
    # of the kind: a Windows path read on Linux is an error of its own.
    runs_on: str | None = None
    # The innermost frame is an installed package's (`…/site-packages/huey/…`): the value the error
    # is about was that package's, not one the caller's own code handed on.
    raised_in_library: bool = False

    @property
    def failure_missing(self) -> bool:
        """Only a warning printed before a traceback cut short: the failure itself is not in the text."""
        return self.cut and self.primary.is_warning

    def all_errors(self) -> tuple[RaisedError, ...]:
        return (self.primary, *self.evidence)


def clean_lines(text: str) -> list[str]:
    """Strip the prefixes that tools put in front of the lines of an error.

    Only the last MAX_INPUT_CHARS are read: the raised exception is at the end.
    """
    lines = []
    for raw in _raw_lines(text):
        line = _ANSI.sub("", raw)
        line = _COMPOSE_PREFIX.sub("", line, count=1) if " |" in line[:128] else line
        unlogged = _LEVEL_PREFIX.sub("", _LOG_PREFIX.sub("", line, count=1), count=1)
        line = line if unlogged == line else _RECORD_MARK + unlogged
        line = _PYTEST_PREFIX.sub("", line, count=1)
        line = _JAVA_CAUSE.sub("", line, count=1)
        line = _NODE_CAUSE.sub("", line, count=1)
        if "|" in line[:44] or "+" in line[:44]:
            line = (
                "" if _GROUP_RULE.match(line) else _GROUP_START.sub("", _GROUP_MARGIN.sub("", line, count=1))
            )
        line = _unwrap_markdown(line)
        line = _SQLALCHEMY_NOTE.sub("", line)
        lines.append(line.rstrip())
    return lines


def _unwrap_markdown(line: str) -> str:
    if line[:1] in (">", " ") and ">" in line[:8]:
        line = _QUOTE_PREFIX.sub("", line, count=1)
    if _FENCE.match(line):
        return ""
    stripped = line.strip()
    m = _EMPHASIS.match(stripped)
    return m.group("body") if m and "`" not in m.group("body") else line


# Where a frame's file sits says which library raised: `…/site-packages/requests/models.py`,
# `…/lib/python3.11/json/decoder.py`, `node_modules/@scope/pkg/…`.
# IPython prints frames without quotes: `File ~/…/site-packages/pkg/a.py:306, in f(…)` (8.x) and
# `~/…/site-packages/pkg/a.py in f(…)` (7.x).
_FRAME_FILE = re.compile(
    r"^\s{0,8}(?:File [\"']|at .{0,200}?\(|File (?=[~/\\]|[A-Za-z]:[/\\])|(?=[~/\\][^\s\"']{0,400}\.py in ))"
    r"(?P<path>[^\"'()]{1,400})"
)
_INSTALLED_DIR = re.compile(
    r"(?:site-packages|dist-packages)[/\\](?P<name>[A-Za-z_][\w]{0,80})"
    r"|node_modules[/\\](?P<node>(?:@[\w.-]{1,80}[/\\])?[\w.-]{1,80})"
)
_STDLIB_DIR = re.compile(r"[/\\](?:lib[/\\]python\d\.\d{1,2}|Lib)[/\\](?P<name>[A-Za-z_][\w]{0,80})")
MAX_FRAME_LIBRARIES = 24


# A Windows interpreter running the program (`C:\…\python.exe: can't open file …`, `…\venv\Scripts\…`).
_WINDOWS_PROGRAM = re.compile(
    r"\b[A-Za-z]:\\[^\s\"':*?<>|]{0,300}\\(?:python[\w.]{0,12}\.exe|Scripts\\)", re.I
)


_DRIVE_SLASH = re.compile(r"[A-Za-z]:/")  # `C:/Users/…`: a Windows path written with slashes


def read_frames(lines: list[str]) -> tuple[tuple[str, ...], tuple[str, ...], str | None, bool]:
    """One pass over the frames in `lines`: the top-level library names they ran through (each
    once, in the order they ran), the subset that are installed packages rather than the standard
    library, the platform the program's own files show — "windows" (a frame's path or the
    interpreter under a drive letter), "posix" (frames under `/`), or None — and whether the
    innermost frame is an installed package's. A shell's prompt says nothing of the kind
    (`PS C:\\app> docker run …` fails in a Linux engine)."""
    found: dict[str, bool] = {}
    windows = posix = innermost_installed = False
    for line in lines:
        m = _FRAME_FILE.match(line)
        if not m:
            windows = windows or ("\\" in line and _WINDOWS_PROGRAM.search(line) is not None)
            continue
        path = m.group("path")
        bare = path.lstrip()
        windows = windows or "\\" in bare or _DRIVE_SLASH.match(bare) is not None
        posix = posix or bare.startswith(("/", "~/"))
        lib = _INSTALLED_DIR.search(path) or _STDLIB_DIR.search(path)
        innermost_installed = lib is not None and lib.re is _INSTALLED_DIR
        if lib:
            name = next(g for g in lib.groups() if g).replace("\\", "/")
            name = name[:-3] if name.endswith(".py") else name
            found.pop(name, None)
            found[name] = lib.re is _INSTALLED_DIR
    names = list(found)[-MAX_FRAME_LIBRARIES:]
    platform = "windows" if windows else "posix" if posix else None
    return tuple(names), tuple(n for n in names if found[n]), platform, innermost_installed


def extract(text: str) -> Extracted:
    """Return the primary error in `text` and the evidence around it."""
    lines = clean_lines(text)
    frames, installed, platform, raised_in_library = read_frames(lines)
    blocks = _traceback_blocks(lines)
    ends = [_exception_at_end(block) for block in blocks]
    errors = [err for err in ends if err]
    # (a header with nothing after it is cut too: the text stops where the frames would start)
    cut = (
        bool(blocks)
        and ends[-1] is None
        and (any(_FRAME_START.match(line) for line in blocks[-1]) or not any(map(str.strip, blocks[-1])))
    )
    if not errors:
        errors = _loose_errors(lines)
    # what the frames say goes with whichever error is read as the primary one
    with_frames = partial(
        Extracted,
        frames=frames,
        installed=installed,
        cut=cut,
        runs_on=platform,
        raised_in_library=raised_in_library,
    )
    if not errors:
        message, context = _error_records(text, lines) or _quoted_output(text, lines)
        untyped = RaisedError(None, _squash(message[-MAX_MESSAGE_LINES:]))
        around = (RaisedError(None, _squash(context)),) if context else ()
        # a log line that ends in the exception's repr is that exception, logged (unless the record
        # is an info one, what the program shrugged off: faiss logging the AVX2 build it could not load)
        logged = _REPR_AT_END.search(untyped.message)
        if logged and not _logged_as_info(text, logged.group(0).strip()):
            return with_frames(
                RaisedError(logged.group("type"), logged.group("msg")), evidence=(untyped, *around)
            )
        return with_frames(untyped, evidence=around, found=False)
    # A log line after an exception (`ERROR: Exception in ASGI application`) says less than it.
    typed = [i for i, err in enumerate(errors) if err.type]
    last = typed[-1] if typed and errors[-1].type is None else len(errors) - 1
    primary = errors[last]
    evidence = [*reversed(errors[:last]), *errors[last + 1 :]]
    for err in (primary, *errors[:-1]):
        evidence.extend(_nested(err))
    if _NATIVE_BUILD_FAILED.search(text[-MAX_INPUT_CHARS:]):
        evidence.extend(_compiler_diagnostics(lines))
    evidence.extend(_records_naming_the_key(lines, primary))
    return with_frames(primary, tuple(_unique(evidence, primary)))


# A bare `KeyError: 'proj.tasks.add'` says only which key a lookup missed; the program that caught
# it often logged why, in its own words and naming the same key, before the traceback (a Celery
# worker's `Received unregistered task of type 'proj.tasks.add'.`): those lines are evidence.
_QUOTED_KEY = re.compile(r"'[^'\n]{4,200}'|\"[^\"\n]{4,200}\"")
MAX_KEY_RECORDS = 2


def _records_naming_the_key(lines: list[str], primary: RaisedError) -> list[RaisedError]:
    key = primary.message.strip()
    if primary.type != "KeyError" or not _QUOTED_KEY.fullmatch(key):
        return []
    records = [
        line.strip()
        for line in lines
        if key in line and not _FRAME_START.match(line) and not line.lstrip().startswith("KeyError")
    ]
    return [RaisedError(None, line) for line in records[:MAX_KEY_RECORDS]]


# A native build (torch's cpp_extension through ninja, setuptools calling the compiler) ends in the
# driver's own words (`Error compiling objects for extension`, `ninja: build stopped`, `command 'gcc'
# failed`): the compiler's first diagnostics above them say why, and are read as evidence.
_NATIVE_BUILD_FAILED = re.compile(
    r"Error compiling objects for extension|ninja: build stopped: subcommand failed"
    r"|error: command '[^'\n]{0,200}(?:gcc|g\+\+|clang|nvcc|cl\.exe)' failed"
)
_COMPILER_DIAGNOSTIC = re.compile(r"nvcc fatal\s{0,4}:|(?:^|[\s:])fatal error: |: error: |#error ")
MAX_DIAGNOSTICS = 2


def _compiler_diagnostics(lines: list[str]) -> list[RaisedError]:
    found = [line.strip() for line in lines if _COMPILER_DIAGNOSTIC.search(line)]
    return [RaisedError(None, line[:MAX_DIAGNOSTIC_CHARS]) for line in dict.fromkeys(found)][:MAX_DIAGNOSTICS]


MAX_DIAGNOSTIC_CHARS = 400


def _logged_as_info(text: str, fragment: str) -> bool:
    """The line holding `fragment` is an info or debug record (its level in the first 80 characters)."""
    line = next((ln for ln in text[-MAX_INPUT_CHARS:].splitlines() if fragment in ln), "")
    return _INFO_LEVEL.search(line[:80]) is not None


def _quoted_output(text: str, lines: list[str]) -> tuple[list[str], list[str]]:
    """Where no exception line shows the error: what the reporter set apart as output (the last
    code block, else the longest inline code span of a sentence), not the words around it; a
    pasted `$ command` line is what ran, not what it printed. Returns (message lines, context)."""
    kept = _unframed(lines)
    text = text[-MAX_INPUT_CHARS:]
    blocks = [b for b in _code_blocks(text) if b.strip()]
    spans = [s for s in _INLINE_CODE.findall(text) if _SAYS_SOMETHING.search(s)]
    if blocks or spans:
        inner = _unframed(clean_lines(blocks[-1])) if blocks else [max(spans, key=len)]
        inner = [ln for ln in inner if ln.strip()]
        if inner and inner != kept:
            return inner, [ln for ln in kept if ln not in inner]
    printed = [ln for ln in kept if not _PROMPT.match(ln)] or kept
    return printed, [ln for ln in kept if ln not in printed]


def _error_records(text: str, lines: list[str]) -> tuple[list[str], list[str]] | None:
    """In a log of several levels with no exception line, the records logged at an error level are
    the message and the others (`[info] Starting new stdio process …`) only context: their rare
    words would otherwise lead the search. `lines` are `clean_lines(text)`, one per raw line."""
    if any(_TRACEBACK_START.match(line) or _FRAME_START.match(line) for line in lines):
        return None  # a traceback cut before its exception line: its frames say more than the levels
    raw = _raw_lines(text)
    flagged = [i for i, line in enumerate(raw) if _ERROR_RECORD.match(_ANSI.sub("", line))]
    records = sum(1 for line in lines if line.startswith(_RECORD_MARK))
    if not flagged or records <= len(flagged):
        return None
    message = [lines[i] for i in flagged if lines[i].strip()][-MAX_MESSAGE_LINES:]
    chosen = set(flagged)
    return message, [ln for i, ln in enumerate(lines) if i not in chosen and ln.strip()]


def _raw_lines(text: str) -> list[str]:
    """The lines `clean_lines` reads, before it strips anything."""
    text = text[-MAX_INPUT_CHARS:].replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")
    return text.split("\n")


def _code_blocks(text: str) -> list[str]:
    """The contents of the fenced code blocks, in one pass over the lines (a fence opens a block,
    the next fence closes it), so the time stays linear however many fences a text holds."""
    blocks: list[str] = []
    inside: list[str] | None = None
    for line in text.split("\n"):
        if _FENCE.match(line):
            if inside is None:
                inside = []
            else:
                blocks.append("\n".join(inside))
                inside = None
        elif inside is not None:
            inside.append(line)
    return blocks


def _unframed(lines: list[str]) -> list[str]:
    """The lines that are not stack frames, their source lines or carets: where a message may hide."""
    text = [ln for ln in lines if ln.strip()]
    kept, after_file_frame = [], False
    for ln in text:
        frame = _FRAME_START.match(ln)
        source = after_file_frame and ln[:1].isspace()
        after_file_frame = frame is not None and "File " in ln[:20]
        if not (frame or source or _TRACEBACK_START.match(ln) or _CARETS.match(ln)):
            kept.append(ln)
    return kept or text


def _traceback_blocks(lines: list[str]) -> list[list[str]]:
    """Split at each 'Traceback (most recent call last):' and chain marker so chained exceptions stay apart."""
    starts = [i for i, ln in enumerate(lines) if _TRACEBACK_START.match(ln)]
    if not starts:
        return []
    # A chained exception may follow its marker without a traceback of its own.
    starts = sorted(
        set(starts)
        | {i for i, ln in enumerate(lines) if i > starts[0] and any(m in ln for m in _CHAIN_MARKERS)}
    )
    bounds = [*starts, len(lines)]
    return [lines[bounds[i] + 1 : bounds[i + 1]] for i in range(len(starts))]


def _exception_at_end(block: list[str]) -> RaisedError | None:
    """The exception line is the first non-frame line after the frames; the message runs on."""
    body = [ln for ln in block if not any(marker in ln for marker in _CHAIN_MARKERS)]
    for i, line in enumerate(body):
        if not line.strip() or _FRAME_LINE.match(line):
            continue
        err = _parse_exception_line(line)
        if err is None:
            continue
        if err.type and _raised_bare(body[:i], err.type):  # no message: what follows is not one
            return RaisedError(err.type, _raised_in(body[:i]))
        rest: list[str] = []
        for nxt in body[i + 1 : i + 1 + MAX_MESSAGE_LINES]:
            if _TRACEBACK_START.match(nxt):
                break
            # what follows a blank line is not the message, unless all before it was a request id
            # (huggingface_hub 1.2+: `HfHubHTTPError: (Request ID: …)`, a blank line, then the error)
            if not nxt.strip() and (err.message or rest):
                if rest or not _ONLY_REQUEST_ID.match(err.message):
                    break
                continue
            if _WARNING_LINE.match(nxt.strip()) or _new_record(nxt):  # printed after it, by others
                break
            if nxt.strip() and not _NOISE_LINE.match(nxt):
                rest.append(nxt.strip())
        message = _squash([err.message, *rest]) if rest else err.message
        return RaisedError(err.type, message or (_raised_in(body[:i]) if err.type else ""))
    return None


_ONLY_REQUEST_ID = re.compile(r"\(Request ID: [^()\n]{1,200}\)\s*$")

# The function a frame ran (`File "…/base_events.py", line 522, in _make_subprocess_transport`).
_FRAME_FUNCTION = re.compile(r", line \d{1,7}, in ([A-Za-z_<][\w<>.]{0,120})\s*$")


def _raised_bare(above: list[str], exc_type: str) -> bool:
    """The frame's own source line shows the exception raised without a message (`raise
    NotImplementedError`, `raise NotImplementedError()`)."""
    source = next((line.strip() for line in reversed(above) if line.strip()), "")
    return source in (f"raise {exc_type}", f"raise {exc_type}()")


def _raised_in(frames: list[str]) -> str:
    """An exception raised without a message (`raise NotImplementedError`) says only its type; the
    function it was raised in says where: `in _make_subprocess_transport` is asyncio refusing a child
    process on a loop that cannot start one, `in forward` a model without its own."""
    for line in reversed(frames):
        m = _FRAME_FUNCTION.search(line)
        if m and not m.group(1).startswith("<"):  # `<module>`, `<lambda>`: no name to go by
            return f"in {m.group(1)}"
    return ""


def _parse_exception_line(line: str) -> RaisedError | None:
    stripped = line.strip()
    m = _WARNING_LINE.match(stripped)
    if m:
        return RaisedError(m.group("type"), m.group("msg").strip())
    m = _EXC_LINE.match(stripped)
    if m and _looks_like_type(m.group("type")):
        return RaisedError(m.group("type"), (m.group("msg") or "").strip())
    m = _EXC_INLINE.search(stripped)
    if m and m.group("bare"):
        return RaisedError(m.group("bare"), "")
    if m:
        return RaisedError(m.group("type"), m.group("msg").strip())
    return None


def _looks_like_type(name: str) -> bool:
    bare = name.rsplit(".", 1)[-1]
    if bare.endswith(
        ("Error", "Exception", "ExceptionGroup", "Warning", "Exit", "Interrupt", "Timeout", "Iteration")
    ):
        return True
    # Python 2 and C modules name theirs in lower case: `socket.error`, `socket.gaierror`, `re.error`.
    if "." in name and bare.endswith(("error", "timeout")) and bare.isalpha() and bare.islower():
        return True
    # Other exception classes are CamelCase names such as `KeyboardInterrupt` or `DetachedInstanceError`.
    return bare[:1].isupper() and any(c.islower() for c in bare) and "." in name


def _loose_errors(lines: list[str]) -> list[RaisedError]:
    """No traceback: find error-shaped lines anywhere (logs, warnings, tool stderr)."""
    found: list[RaisedError] = []
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        if _NOT_AN_ERROR.search(stripped):
            continue
        err = _parse_exception_line(stripped)
        if err is None:
            m = _TOOL_LINE.match(stripped)
            if m:
                err = RaisedError(None, stripped)
        if err is None and "Error code: " in stripped:
            m = _API_STATUS.search(stripped)
            if m:
                err = RaisedError(None, m.group("msg"))
        if err is None:
            continue
        if err.type and _raised_bare(lines[:i], err.type):  # under its frames, without the traceback's header
            found.append(RaisedError(err.type, _raised_in(lines[:i])))
            continue
        rest: list[str] = []
        only_id = bool(err.message and _ONLY_REQUEST_ID.match(err.message))  # the error follows a blank line
        for nxt in lines[i + 1 : i + MAX_MESSAGE_LINES]:
            if only_id and not rest and not nxt.strip():
                continue
            if (
                not nxt.strip()
                or _FRAME_START.match(nxt)
                or _parse_exception_line(nxt.strip())
                or _TOOL_LINE.match(nxt.strip())
                or _new_record(nxt)
            ):
                break
            # an empty message (`ImportError: ` then the text) runs on in the lines below, as does one
            # that ends in a colon (`Error while fetching server API version:` then the reason)
            if (
                nxt[:1].isspace()
                or not err.message
                or only_id
                or err.message.endswith(":")
                or (err.type is None and not _NOISE_LINE.match(nxt))
            ):
                rest.append(nxt.strip())
        found.append(RaisedError(err.type, _squash([err.message, *rest]) if rest else err.message))
    return found


def _new_record(line: str) -> bool:
    """The line starts a new log record: what follows an error there is not its message."""
    return line.startswith(_RECORD_MARK) or _GLOG_RECORD.match(line) is not None


def _nested(err: RaisedError) -> list[RaisedError]:
    """Errors named inside a message: `(sqlite3.OperationalError) …` and `(Caused by X(…))`."""
    out = []
    m = _WRAPPED.match(err.message)
    if m:
        out.append(RaisedError(m.group("type"), m.group("msg").strip()))
    for cm in _CAUSED_BY.finditer(err.message):
        inner = cm.group("msg")
        # urllib3 wraps as  NewConnectionError('<conn>: Failed to establish …: [Errno 111] Connection refused')
        inner = inner.split(": ", 1)[1] if inner.startswith("'<") and ": " in inner else inner
        out.append(RaisedError(cm.group("type"), inner.strip("'\" ")))
    return out


def _squash(parts: list[str]) -> str:
    text = " ".join(p.strip() for p in parts if p and p.strip())
    return text[:MAX_MESSAGE_CHARS]


def _unique(errors: list[RaisedError], primary: RaisedError) -> list[RaisedError]:
    seen = {primary}
    out = []
    for err in errors:
        if err not in seen:
            seen.add(err)
            out.append(err)
    return out
