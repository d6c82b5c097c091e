"""The parts of an error message that decide which fix applies, however alike the rest reads.

`[Errno 98] Address already in use` and `[Errno 99] Cannot assign requested address` share
most of their words; `No module named 'langchain'` (install it) and `No module named
'langchain.chat_models'` (the package is there, the module moved) differ by one dot. Each
`Feature` below reads one such part from a message; a signature and a raised error that
both have a feature and disagree on its value contradict each other, whatever their
words share. Features are data, read the same way from every signature and every query:
nothing here knows an entry.

Every pattern is bounded (no nested repetition), so the cost stays linear in the text.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from synapse_skill.matching.packages import is_known_package


@dataclass(frozen=True)
class Feature:
    name: str
    pattern: re.Pattern[str]
    value: Callable[[re.Match[str]], str]
    absent: str | None = None  # the value when `applies_to` matches but `pattern` does not
    applies_to: re.Pattern[str] | None = None
    # Compared only when the signature's value is one of its decisive words (named by the
    # entry's title, not one example among several): `module 'openai'` in the OpenAI-migration
    # entry decides; `No module named 'requests'` in the missing-package entry is an example.
    subject: bool = False
    # Which (query value, signature value) pairs agree; equality when None. Lets a signature
    # demand evidence the query must show, rather than only refuse a different value.
    agrees: Callable[[str, str], bool] | None = None
    # Which query values *show* a signature's value, for a placeholder signature that matches by
    # its decisive parts alone (`shows`); equality when None.
    shown_by: Callable[[str, str], bool] | None = None
    # Lower-case words without one of which neither pattern can match: most texts skip most
    # features on one search for any of these words instead of the pattern's own search.
    needs: tuple[str, ...] = field(kw_only=True)
    needed: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "needed", _any_of(self.needs))


def _any_of(words: Iterable[str]) -> re.Pattern[str]:
    """One search for any of these literal words (a substring test, done in C)."""
    return re.compile("|".join(re.escape(word) for word in words))


def _first_group(m: re.Match[str]) -> str:
    return next(g for g in m.groups() if g is not None).lower()


def _errno_words(m: re.Match[str]) -> str:
    """`number words`: the words decide; the number only where one side prints no English words
    (`[WinError 126] 找不到指定的模块。` is not `[WinError 1455] The paging file is too small`)."""
    words = " ".join((m.group(2) or "").lower().replace("'", "").split()[:6])
    return f"{m.group(1)} {words}".rstrip()


def _same_errno(query: str, signature: str) -> bool:
    q_number, _, q_words = query.partition(" ")
    s_number, _, s_words = signature.partition(" ")
    return q_words == s_words if q_words and s_words else q_number == s_number


def _cert_reason(m: re.Match[str]) -> str:
    reason = m.group(1).lower()
    if "expired" in reason or "not yet valid" in reason:
        return "validity"
    if "mismatch" in reason:
        return "name"
    # Python 3.13's strict checks refuse a private CA's own certificate (`Basic Constraints of CA
    # cert not marked critical`, `Missing Authority Key Identifier`): the client's trust, too
    if any(word in reason for word in ("issuer", "self-signed", "self signed", "ca cert", "authority key")):
        return "trust"
    return " ".join(reason.split()[:3])


_LEFT_OPERAND = re.compile(r"\s{0,4}([A-Za-z_\"][\w.\"]{0,80}(?: [a-z]{1,20}){0,2}?)\s{1,4}[^\w\s]")
_PREFIX_OPERAND = re.compile(r"\s{0,4}[^\w\s]{1,4}\s{1,4}([A-Za-z_][\w.\"]{0,80})")


def _operand_type(m: re.Match[str]) -> str:
    """The first operand's type (the operand of a prefix operator), without its schema."""
    operand = _LEFT_OPERAND.match(m.group(1)) or _PREFIX_OPERAND.match(m.group(1))
    name = operand.group(1) if operand else m.group(1).strip()
    return name.replace('"', "").rsplit(".", 1)[-1].lower()


# Import names whose sub-packages come from separate distributions (`google.cloud.storage` from
# google-cloud-storage, `opentelemetry.sdk` from opentelemetry-sdk): a package one level deeper:
# `No module named 'azure.core'` is the azure-core distribution missing, not a module moved.
NAMESPACE_PACKAGES = frozenset(
    [
        "google",
        "azure",
        "opentelemetry",
        "llama_index",
        "nvidia",
        "jaraco",
        "sphinxcontrib",
        "zope",
        "backports",
    ]
)


def _owner(dotted: str) -> str:
    """The package a module or path belongs to: its top level, one level deeper in a namespace."""
    parts = dotted.replace("/", ".").replace("\\", ".").split(".")
    return ".".join(parts[:2]) if parts[0] in NAMESPACE_PACKAGES and len(parts) > 1 else parts[0]


def _module_depth(m: re.Match[str]) -> str:
    module = (m.group(1) or m.group(2)).strip(".")
    if _owner(module) == module:
        return "package"
    return "submodule" if m.group(1) else "either (unquoted)"


_STDLIB = frozenset(getattr(sys, "stdlib_module_names", ()))
# Modules Python itself removed: in 3.12 (PEP 632 distutils, imp, asynchat, asyncore, smtpd) and
# 3.13 (PEP 594's dead batteries, lib2to3). Missing, they mean a newer Python than the code's; a
# module still in the standard library (`_sqlite3`, `fcntl`) missing means a build or a platform.
_REMOVED_STDLIB = frozenset(
    [
        "distutils",
        "imp",
        "asynchat",
        "asyncore",
        "smtpd",
        "aifc",
        "audioop",
        "cgi",
        "cgitb",
        "chunk",
        "crypt",
        "imghdr",
        "mailcap",
        "msilib",
        "nis",
        "nntplib",
        "ossaudiodev",
        "pipes",
        "sndhdr",
        "spwd",
        "sunau",
        "telnetlib",
        "uu",
        "xdrlib",
        "lib2to3",
    ]
)


def _module_kind(m: re.Match[str]) -> str:
    """`fcntl`, `distutils`, `_ctypes` belong to Python itself: pip cannot install them. A private
    top-level name (`_turbomind`, `_swigfaiss`) is a package's compiled extension: the package is
    there but was built or installed without it, and no `pip install` of that name exists.
    The same split holds for a missing attribute: `module 'asyncio' has no attribute 'coroutine'`
    is Python's own change, `module 'openllm' has no attribute 'LLM'` a package's."""
    top, *inner = next(g for g in m.groups() if g).split(".")
    if top in _REMOVED_STDLIB:
        return "removed stdlib"
    if top in _STDLIB:
        return "stdlib"
    # A private part inside a package (`vllm._C`, `mmcv._ext`) is its own as well, not a public
    # module that moved between releases (`livekit.agents.multimodal`).
    return "extension" if top.startswith("_") or any(part.startswith("_") for part in inner) else "package"


# The first name of a mangled C++ symbol: `_ZN3c104cuda9SetDeviceEi` → c10, `_ZNK2at6Tensor…` → at,
# and of the type info or vtable of a class (`_ZTIN3c1010TensorImplE` → c10).
_MANGLED_SCOPE = re.compile(r"_Z(?:T[IVS])?N[KVRO]{0,3}(\d{1,3})")
_TORCH_SCOPES = frozenset(["c10", "at", "torch", "caffe2"])


def _symbol_owner(m: re.Match[str]) -> str:
    symbol = m.group(1)
    scope = _MANGLED_SCOPE.match(symbol)
    if not scope:
        return "c"
    start = scope.end()
    name = symbol[start : start + int(scope.group(1))]
    return "torch" if name in _TORCH_SCOPES else name.lower()


_PROMPTS = frozenset(["$", "%", "#", ">", ">>>", "PS>"])


def _env_program(m: re.Match[str]) -> str:
    name = m.group(1)
    return "\\r" if name.endswith("\\r") else name.lower()


def _command_kind(m: re.Match[str]) -> str:
    command = m.group(1)
    if command in _PROMPTS:
        return "prompt"
    return "path" if "/" in command or "_path_" in command else "bare"


def _import_origin(m: re.Match[str]) -> str:
    """`installed` when the file is in site-packages; `checkout` when it is a dotted module's own path
    outside it (`ell.stores.jsonl` from `…/src/ell/stores/jsonl.py`: a source checkout or a vendored
    copy, neither a file shadowing the package nor a release to pin); else `local`: a file of the
    project stands where the package should."""
    module = m.group(1).strip("'\"` ").lower()
    path = m.group(2).replace("\\", "/").lower()
    if re.search(r"site-packages|dist-packages|/lib/python\d", path):
        return "installed"
    own_file = path.removesuffix(".py").removesuffix("/__init__").endswith("/" + module.replace(".", "/"))
    return "checkout" if "." in module and own_file else "local"


# Where kubectl, client-go and Helm send a request when no kubeconfig was found.
_KUBE_FALLBACK = frozenset({"localhost:8080", "127.0.0.1:8080", "[::1]:8080"})

# A signature's placeholder package (`'pkg'`, `'pkg.X'`) stands for any package installed from PyPI:
# its files in site-packages prove it (`installed`), a name PyPI's most-downloaded projects install
# only suggests it (`pypi`).
PLACEHOLDER_PACKAGE = "pkg"
_SHOWS_A_PACKAGE = ("installed", "pypi", "placeholder")


def _module_source(m: re.Match[str]) -> str:
    module, path = m.group(1) or m.group(2) or m.group(4), m.group(3) or ""
    top = module.split(".")[0]
    if top == PLACEHOLDER_PACKAGE:
        return "placeholder"
    if top in _STDLIB:
        return "python"
    installed = re.search(r"site-packages|dist-packages", path, re.I)
    if installed:
        return "installed"
    return "pypi" if is_known_package(top) else "unknown"


# What the operating system said, in its own words or a runtime's code for them: `permission denied`
# (EACCES, `Access is denied`) is not `no such file or directory` (ENOENT, `The system cannot find
# the file specified`), however alike the rest of a wrapped message reads. Go, runc and Node wrap the
# system's reason at the end (`…: exec: "/entrypoint.sh": permission denied: unknown`).
_OS_REASONS = {
    "permission denied": ("permission denied", "eacces", "access is denied"),
    "no such file or directory": (
        "no such file or directory",
        "enoent",
        "the system cannot find the file specified",
        "the system cannot find the path specified",
    ),
    "operation not permitted": ("operation not permitted", "eperm"),
    "connection refused": ("connection refused", "econnrefused", "actively refused it"),
    "connection reset": ("connection reset by peer", "econnreset", "forcibly closed by the remote host"),
    "broken pipe": ("broken pipe", "epipe"),
    "address in use": ("address already in use", "eaddrinuse", "only one usage of each socket address"),
    "address not available": ("cannot assign requested address", "eaddrnotavail"),
    "no space left": ("no space left on device", "enospc"),
    "too many open files": ("too many open files", "emfile"),
    "read-only file system": ("read-only file system", "erofs"),
    "exec format error": ("exec format error", "enoexec"),
    "not a directory": ("not a directory", "enotdir"),
    "is a directory": ("is a directory", "eisdir"),
    "file exists": ("file exists", "eexist"),
    "resource busy": ("device or resource busy", "ebusy", "text file busy", "etxtbsy"),
    "network unreachable": ("network is unreachable", "enetunreach", "no route to host", "ehostunreach"),
}
_OS_REASON_OF = {word: reason for reason, words in _OS_REASONS.items() for word in words}
_OS_REASON = re.compile(
    r"(?<![\w-])("
    + "|".join(sorted((re.escape(w) for w in _OS_REASON_OF), key=len, reverse=True))
    + r")(?![\w-])",
    re.I,
)


def _os_reason(m: re.Match[str]) -> str:
    """The last reason in the line: wrapping runtimes put the system's own at the end."""
    found = [m.group(1), *(later.group(1) for later in _OS_REASON.finditer(m.string, m.end()))]
    return _OS_REASON_OF[found[-1].lower()]


# A package manager's engine refusal prints the range a package wants and the Node it found
# (`required: { node: '>=18' }` … `current: { node: 'v16.20.2' }`, yarn's `Expected version ">=18". Got
# "16.20.2"`): a Node below the range is too old, one above it (`required: { node: '>=0.10.0 <7' }`
# on Node 14) is too new for an old package, and the fix is the other way round.
_ENGINE_WANTED = re.compile(
    r"(?:required|wanted|expected version)\W{0,12}(?:node\W{0,6})?['\"]([^'\"]{1,80})['\"]", re.I
)
_ENGINE_CURRENT = re.compile(
    r"(?:current|actual|got)\W{0,6}(?:\{[^}]{0,80}?node\W{0,6})?['\"]v?(\d{1,3})\.", re.I
)
_ENGINE_BOUND = re.compile(r"(>=|<=|>|<|\^|~|=)?\s{0,3}v?(\d{1,3})(?:\.(\d{1,4}|x|\*))?(?:\.(\d{1,4}|x|\*))?")


def _engine_bounds(alternative: str) -> tuple[int | None, int | None]:
    """The lowest and highest Node major one `||` alternative of a range accepts (None: unbounded)."""
    low = high = None
    for op, major_text, minor, patch in _ENGINE_BOUND.findall(alternative):
        major = int(major_text)
        if op in (">=", ">"):
            low = major
        elif op == "<":
            high = (
                major if (minor not in ("", "0", "x", "*") or patch not in ("", "0", "x", "*")) else major - 1
            )
        elif op == "<=":
            high = major
        else:  # ^X, ~X, X.x, a bare X: that major only
            low, high = major, major
    return low, high


def _engine_direction(m: re.Match[str]) -> str:
    current = _ENGINE_CURRENT.search(m.string, m.end())
    if current is None:
        return "unknown"
    node = int(current.group(1))
    bounds = [_engine_bounds(alt) for alt in m.group(1).split("||")]
    if all(high is not None and node > high for _, high in bounds):
        return "newer"
    if all(low is not None and node < low for low, _ in bounds):
        return "older"
    return "unknown"


# `cannot import name 'N'`, unless `from partially initialized module` follows (a circular import).
_IMPORTED_NAME = re.compile(
    r"cannot import name ['\"]?([\w.]{1,120})['\"]?(?![\w.'\"])(?!\s{1,3}from\s{1,3}partially)", re.I
)

FEATURES: tuple[Feature, ...] = (
    # The errno's own words name the failure: `[Errno 98] Address already in use` is not
    # `[Errno 99] Cannot assign requested address`. The words, not the number: ECONNREFUSED
    # is 111 on Linux, 61 on macOS and 10061 on Windows, with the same text. Where one side
    # prints no English words (a localised Windows), the number is all there is.
    Feature(
        "errno",
        re.compile(r"\[(?:errno|winerror)\s{0,3}(-?\d{1,6})\]\s{0,3}([A-Za-z][A-Za-z' ]{2,80})?", re.I),
        _errno_words,
        agrees=_same_errno,
        needs=("errno", "winerror"),
    ),
    Feature(
        "os_reason",
        _OS_REASON,
        _os_reason,
        needs=tuple(_OS_REASON_OF),
    ),
    # An HTTP status decides between a rate limit (429), a missing model (404), a bad request (400).
    Feature(
        "http_status",
        re.compile(
            r"(?:error code|status code|status|http/\d(?:\.\d)?|http error)[:= ]{1,3}([1-5]\d\d)\b"
            r"|\b([1-5]\d\d) (?:client|server) error\b"
            r"|<(?:title|h1)>\s{0,3}([1-5]\d\d)\b",  # a proxy's or server's HTML error page
            re.I,
        ),
        _first_group,
        needs=("status", "code", "http", "client error", "server error", "<title>", "<h1>"),
    ),
    # gRPC's status code decides the same way: `UNAVAILABLE` (nothing listening), `FAILED_PRECONDITION`
    # (the service refuses this caller: a region, a setting), `UNKNOWN` (the server's own failure).
    Feature(
        "grpc_status",
        re.compile(r"StatusCode\.([A-Z_]{2,40})\b"),
        _first_group,
        needs=("statuscode.",),
    ),
    # OpenSSL names its failure by a reason code: `[SSL: CERTIFICATE_VERIFY_FAILED]` (a certificate
    # nobody trusts) is not `[SSL: WRONG_VERSION_NUMBER]` (TLS spoken to a plain-HTTP port).
    Feature(
        "ssl_reason",
        re.compile(r"\[SSL: ?([A-Z][A-Z0-9_]{2,60})\]"),
        _first_group,
        needs=("[ssl",),
    ),
    # Why a certificate was refused decides whose fix it is: an issuer the client's trust store
    # lacks (a corporate proxy, a private CA) is the client's; an expired certificate or a name it
    # was not issued for is the server's, whatever else the lines share.
    Feature(
        "cert_reason",
        re.compile(r"certificate verify failed: ([A-Za-z][A-Za-z' -]{2,60})", re.I),
        _cert_reason,
        needs=("certificate verify failed",),
    ),
    # npm names its failure by a code (`npm ERR! code ERESOLVE`, `… code E404`): the code decides.
    Feature(
        "npm_code",
        re.compile(r"npm (?:ERR!|error) code ([A-Z][A-Z0-9_]{1,60})\b"),
        _first_group,
        needs=("npm",),
    ),
    Feature(
        "signal",
        re.compile(r"\bsignal (\d{1,2})\b|\b(SIG[A-Z]{2,6})\b"),
        _first_group,
        needs=("signal", "sig"),
    ),
    # A dotted module of an installed package moved or vanished; a bare name is not installed.
    Feature(
        "module_depth",
        # Python 2 printed the dotted name it was asked for, unquoted, whichever part was missing
        # (`No module named oauthlib.common` with oauthlib absent): only a quoted name tells.
        re.compile(r"no module named (?:['\"]([\w.]{1,200})|([\w.]{1,200}))", re.I),
        _module_depth,
        needs=("no module named",),
    ),
    Feature(
        "module_kind",
        re.compile(
            r"no module named ['\"]?([\w.]{1,200})"
            r"|(?<!initialized )(?<!initialised )module ['\"]([\w.]{1,200})['\"] has no attribute",
            re.I,
        ),
        _module_kind,
        needs=("no module named", "has no attribute"),
    ),
    # Whose module lacks the imported name: Python's own (`cannot import name 'Sequence' from
    # 'collections'`: a newer or older Python than the code's) or a package's (a release of it).
    Feature(
        "import_from_kind",
        re.compile(r"cannot import name ['\"]?[\w.]{1,120}['\"]? from ['\"]([\w.]{1,200})['\"]", re.I),
        lambda m: "stdlib" if m.group(1).split(".")[0] in _STDLIB else "package",
        needs=("cannot import name",),
    ),
    # `cannot import name 'X' from 'pkg' (PATH)`: a file of your project shadows the library
    # (local), or the installed release lacks the name (installed: a version mismatch).
    # A file shadowing the library is only a diagnosis when the path shows the file: a message
    # without the path (`unknown`) may be either, and is never the shadowing entry's answer; a
    # signature without it (a removed name as an entry lists it) answers the installed form.
    Feature(
        "import_origin",
        re.compile(
            r"cannot import name .{1,200}? from (.{1,200}?) \(([^()]{0,400}[/\\][^()]{0,400}\.py)\)", re.I
        ),
        _import_origin,
        absent="unknown",
        # Python 2 and some wrappers print no `from` at all: that, too, shows no file.
        applies_to=_IMPORTED_NAME,
        agrees=lambda query, signature: (
            query == signature
            or (query == "unknown" and signature != "local")
            or (query == "installed" and signature == "unknown")
        ),
        needs=("cannot import name",),
    ),
    # A private name (`_imaging` from PIL, `_swigfaiss_gpu` from faiss) is a package's own
    # compiled or internal part: missing, the package was built or installed without it, which
    # is not code written for another release of a public API.
    Feature(
        "imported_name",
        _IMPORTED_NAME,
        lambda m: "private" if m.group(1).startswith("_") else "public",
        needs=("cannot import name",),
    ),
    # urllib3 gives up with the error of its last try: `(Caused by ConnectTimeoutError(…))` is a
    # host that did not answer in time, `NameResolutionError` a name DNS could not resolve,
    # `ProxyError` the proxy: the same `Max retries exceeded` words, another fix each.
    Feature(
        "retry_cause",
        re.compile(r"\(Caused by ([A-Za-z_][\w.]{0,80})\(", re.I),
        lambda m: m.group(1).rsplit(".", 1)[-1].lower(),
        needs=("caused by",),
    ),
    # Which role came after which decides whose fix it is: Mistral's `Unexpected role 'user' after
    # role 'tool'` is a conversation out of order; `… 'tool' after role 'user'` a tool result with no
    # call before it. The words are the same, only their order differs.
    Feature(
        "role_sequence",
        re.compile(r"unexpected role ['\"]?(\w{1,20})['\"]? after role ['\"]?(\w{1,20})", re.I),
        lambda m: f"{m.group(1).lower()} after {m.group(2).lower()}",
        needs=("unexpected role",),
    ),
    # PostgreSQL names the type it has no operator for: `operator does not exist: vector <=> …`
    # is pgvector not installed; `… @> agtype` (Apache AGE) or `character varying = integer` are
    # other types' errors, however alike the words read.
    Feature(
        "operand_type",
        re.compile(r"operator does not exist: ([^\n]{1,160})", re.I),
        _operand_type,
        needs=("operator does not exist",),
    ),
    # A library's status constant names its failure: cuBLAS's `CUBLAS_STATUS_ALLOC_FAILED` is
    # memory, `CUBLAS_STATUS_EXECUTION_FAILED` a kernel that failed, though the rest of the
    # sentence (`CUDA error: … when calling cublas…`) is the same.
    Feature(
        "status_constant",
        re.compile(r"\b([A-Z][A-Z0-9]{1,20}_(?:STATUS|ERROR)_[A-Z0-9_]{2,60})\b"),
        _first_group,
        needs=("_status_", "_error_"),
    ),
    # JavaScript names what it could not call: `Object.hasOwn is not a function` is a runtime
    # older than the built-in, `PDFJS.getDocument is not a function` an API the code misuses.
    Feature(
        "missing_function",
        re.compile(r"([A-Za-z_$][\w$]{0,80}) is not a function"),
        _first_group,
        needs=("is not a function",),
    ),
    # And what it could not construct: `Class extends value undefined` (a circular import left the
    # base class undefined) is not `Telegraf` (a default export imported as a named one).
    Feature(
        "not_constructor",
        re.compile(r"([A-Za-z_$][\w$]{0,80}) is not a constructor"),
        _first_group,
        needs=("is not a constructor",),
    ),
    # The object whose finaliser failed: asyncio's transports (`_ProactorBasePipeTransport.__del__`)
    # outliving their loop, not any class's `__del__` at exit.
    Feature(
        "finalizer_of",
        re.compile(r"<function ([\w.]{1,120})\.__del__"),
        _first_group,
        needs=("__del__",),
    ),
    # What `exports` refused: a package's main entry (`No "exports" main defined`: require() of an
    # ESM-only package) or a deep path into it (`Package subpath './lib/x'`: an internal file a
    # newer release stopped exporting).
    Feature(
        "exports_target",
        re.compile(r'(no "exports" main)|package (?:sub)?path [\'"]?\./', re.I),
        lambda m: "main" if m.group(1) else "subpath",
        needs=('"exports"', "exports field"),
    ),
    # Which Hugging Face service refused: the Hub's files and API (`huggingface.co/…/resolve/…`,
    # `huggingface.co/api/…`) or the hosted inference (`api-inference.huggingface.co`,
    # `router.huggingface.co`, an Inference Endpoint): the same 429 words, another limit and fix.
    Feature(
        "hf_service",
        re.compile(
            r"https?://(?:(api-inference|router)\.huggingface\.co|[\w.-]+\.endpoints\.huggingface\.cloud"
            r"|(huggingface\.co|hf\.co)/)",
            re.I,
        ),
        lambda m: "hub" if m.group(2) else "inference",
        needs=("huggingface.co", "hf.co/", "huggingface.cloud"),
    ),
    # The operator decides: `unsupported operand type(s) for |: 'dict' and 'dict'` is an old
    # Python without the dict union; the same words with `+` are code adding two dicts.
    Feature(
        "operator",
        re.compile(
            r"unsupported operand type\(s\) for ([^\s:]{1,3}):|'([^\s']{1,2})' not supported between", re.I
        ),
        _first_group,
        needs=("unsupported operand", "not supported between"),
    ),
    # A shell that cannot find a bare command searched PATH; one given a path (`/opt/venv/bin/x:
    # not found`) was told where to look, and PATH is not the fix; a prompt pasted with the
    # command (`$ uvicorn …` gives `bash: $: command not found`) is not a command at all.
    Feature(
        "command_path",
        re.compile(
            r"(?:^|\W)(?:sh|bash|zsh|dash): (?:(?:line )?\d{1,6}: )?([^\s:]{1,200}): (?:command )?not found",
            re.I,
        ),
        _command_kind,
        needs=("not found",),
    ),
    # pip found releases of that name, none usable here (`from versions: 1.24.2, 1.24.4`: a
    # Python or platform range), or none at all (`from versions: none`: a wrong name, a
    # private index, no wheel for this platform).
    Feature(
        "available_versions",
        re.compile(r"\(from versions: ?([^)]{0,40})", re.I),
        lambda m: "none" if m.group(1).strip().lower() in ("", "none") else "some",
        needs=("from versions",),
    ),
    # A keyword a callable refuses, a callable given the wrong number of arguments: the name is
    # the error (`MetaData(bind=…)` after SQLAlchemy 2 is not `Agent(app_id=…)` in your code).
    Feature(
        "keyword_argument",
        re.compile(r"got an unexpected keyword argument ['\"]?(\w{1,80})", re.I),
        _first_group,
        needs=("unexpected keyword argument",),
    ),
    Feature(
        "called",
        re.compile(r"([\w.]{1,120})\(\) (?:takes|missing) \d{1,3} (?:required )?positional argument", re.I),
        _first_group,
        needs=("positional argument",),
    ),
    # A process killed by SIGKILL (exit code 137 = 128 + 9, or -9 from Python's subprocess) was
    # most often the kernel's OOM killer; any other exit code (`0xC0000005`, an access violation;
    # `exit status 2`) is the program's own failure, whatever else the lines share.
    Feature(
        "exit_kill",
        re.compile(r"exit(?:ed with)? (?:code|status)[:= ]{0,2}(-?(?:0x)?[0-9a-f]{1,10})\b", re.I),
        lambda m: "sigkill" if m.group(1) in ("137", "-9") else "other",
        needs=("exit",),
    ),
    # The name a program used but never defined decides what is missing: `require is not defined
    # in ES module scope` is CommonJS code loaded as an ES module; `structuredClone is not defined`
    # an older runtime, `QuestionMarkCircledIcon is not defined` a missing import of the project.
    Feature(
        "undefined_name",
        re.compile(r"(?:^|[\s'\"‘“])([A-Za-z_$][\w$]{0,80})['\"’”]? is not defined\b"),
        _first_group,
        needs=("is not defined",),
    ),
    # What a JavaScript parser stumbled on: a body that is not JSON (`Unexpected token '<',
    # "<!DOCTYPE "... is not valid JSON`: the first character of an HTML page) is not code an old
    # runtime cannot parse (`Unexpected token '?'`: optional chaining before Node 14), nor an ES
    # module loaded as CommonJS (`Unexpected token 'export'`). JSON's token is the body's first
    # character, which varies: any of them reads as `json`.
    Feature(
        "unexpected_token",
        re.compile(r"Unexpected token '?([^'\s,]{1,12})'?(,\s{0,3}\"|\s{1,3}in JSON)?"),
        lambda m: "json" if m.group(2) else m.group(1).lower(),
        needs=("unexpected token",),
    ),
    # Go's JSON decoder names the first character it could not read the same way: `<` opens an HTML
    # page (a proxy's or server's error page, not JSON at all); anything else is text around the JSON.
    Feature(
        "json_first_char",
        re.compile(r"invalid character '(.)' looking for beginning of value"),
        lambda m: "html" if m.group(1) == "<" else "text",
        needs=("looking for beginning of value",),
    ),
    # Which interpreter `env` could not find names what is missing: `node` (a Node tool's shebang),
    # `python` (a system with only `python3`); any name ending in `\r` is a script saved with CRLF line
    # endings, whichever interpreter its shebang names.
    Feature(
        "env_program",
        re.compile(
            r"\benv: (?:can't execute )?[‘'`]?([\w.+-]{1,40}(?:\\r)?)[’'`]?\s?: No such file or directory",
            re.I,
        ),
        _env_program,
        needs=("env: ",),
    ),
    # Why torch could not initialise NumPy: a NumPy 2 under an extension built for 1.x (`_ARRAY_API not
    # found`) is a binary mismatch; `No module named 'numpy'` (a build's isolated environment, which
    # torch warns about and goes on) is NumPy absent.
    Feature(
        "numpy_init",
        re.compile(r"Failed to initialize NumPy: ([^\n]{1,80})"),
        lambda m: "absent" if "no module named" in m.group(1).lower() else "abi",
        needs=("failed to initialize numpy",),
    ),
    # The file a call could not find, when an entry's title names it: `…/bin/nvcc` missing is a CUDA
    # toolkit missing; `config.yaml` missing is not.
    Feature(
        "missing_file",
        re.compile(r"No such file or directory: ['\"]([^'\"\n]{1,300})['\"]"),
        lambda m: re.split(r"[/\\]", m.group(1).rstrip("/\\"))[-1].lower(),
        subject=True,
        needs=("no such file or directory: ",),
    ),
    # Node's own modules carry the `node:` prefix: a runtime that cannot find `node:sqlite` is older than
    # the code (the prefix from 14.18/16, `node:sqlite` from 22.5), not missing a package to install.
    Feature(
        "node_builtin",
        re.compile(r"cannot find (?:module|package) ['\"](node:)?[^'\"\s]{1,200}['\"]", re.I),
        lambda m: "builtin" if m.group(1) else "package",
        needs=("cannot find module", "cannot find package"),
    ),
    Feature(
        "engine_direction",
        _ENGINE_WANTED,
        _engine_direction,
        agrees=lambda query, signature: query == signature or "unknown" in (query, signature),
        needs=("required", "wanted", "expected version"),
    ),
    # The callable a call did not fit: `BaseModel.validate() takes 2 positional arguments but 3 were
    # given` (pydantic v2's classmethod) is not `_to_copy() takes from 2 to 3 …` (a torch dispatch);
    # the words around the name are Python's for every call. Python before 3.10 prints the bare name
    # (`__init__()`), later ones the class too (`Client.__init__()`): a name ending in the other agrees.
    Feature(
        "callable",
        re.compile(r"([A-Za-z_<][\w.<>]{0,200})\(\) (?:takes |got |missing \d)"),
        _first_group,
        agrees=lambda query, signature: (
            query == signature or query.endswith("." + signature) or signature.endswith("." + query)
        ),
        needs=("argument",),
    ),
    # Which package the error is about, where the message says it: `module 'openai' has no
    # attribute`, `cannot import name 'X' from 'langchain'`, `No module named 'numpy._core'`
    # (Python 2 printed that one unquoted: `No module named pkg_resources`).
    Feature(
        "module_subject",
        re.compile(r"(?:^|\W)(?:(?:module|from) ['\"]|no module named ['\"]?)([A-Za-z_]\w{0,80})", re.I),
        _first_group,
        subject=True,
        needs=("module", "from"),
    ),
    # Python says when a local file shadows the package: `No module named 'openai.types';
    # 'openai' is not a package`, `… (consider renaming '/project/openai.py' …)` (3.13 prints that
    # for `cannot import name 'X' from 'smolagents'` too: then no release lacks the name).
    Feature(
        "shadowing",
        re.compile(r"is not a package|consider renaming", re.I),
        lambda m: "yes",
        absent="no",
        applies_to=re.compile(r"no module named|has no attribute|cannot import name", re.I),
        needs=(
            "is not a package",
            "consider renaming",
            "no module named",
            "has no attribute",
            "cannot import name",
        ),
    ),
    # torch.load(weights_only=True) names what it refused: an `Unsupported operand` (a byte
    # that starts no pickle: the file is a git-lfs pointer or a web page) is a broken file;
    # an `Unsupported global` is an intact pickle holding a class not on the allow-list.
    Feature(
        "unpickler",
        re.compile(r"WeightsUnpickler error:\s{0,3}Unsupported\s{1,3}(operand|global)", re.I),
        _first_group,
        needs=("weightsunpickler",),
    ),
    # What lacks the attribute: a module (`module 'datetime' has no attribute 'UTC'`: a release of
    # Python or of a package without that name), a class (`type object 'User' has no attribute
    # 'model_validate'`) or an object (`'FAISS' object has no attribute 'persist'`: that class's API).
    Feature(
        "attribute_owner",
        re.compile(
            r"(?:(module|type object) ['\"][\w.]{1,200}['\"]|['\"][^'\"\n]{1,200}['\"] (object)) has no attribute"
        ),
        lambda m: {"module": "module", "type object": "class", "object": "instance"}[_first_group(m)],
        needs=("has no attribute",),
    ),
    # The type a call was given instead of the one it wanted decides: `the JSON object must be str,
    # bytes or bytearray, not NoneType` is a `None` from somewhere; `…, not dict` is code parsing
    # what is already parsed; `can only concatenate str (not "int")` a missing `str()`.
    Feature(
        "given_type",
        re.compile(
            r"(?:must be|expected) [^\n]{1,120}?, not ['\"]?([A-Za-z_][\w.]{0,60})"
            r"|\(not ['\"]([A-Za-z_][\w.]{0,60})['\"]\)",
            re.I,
        ),
        _first_group,
        needs=(", not ", "(not "),
    ),
    # Which attribute a `None` was asked for names where the `None` came from: `.group` after a
    # regex that did not match, `.get` after a lookup that found nothing. Any other attribute is
    # some other code's `None` (a project's own bug, an object never set up), not those producers.
    Feature(
        "none_attribute",
        re.compile(r"'NoneType' object has no attribute '(\w{1,80})'", re.I),
        _first_group,
        needs=("nonetype",),
    ),
    # Which object the code tried to index, iterate, unpack or call: `None` (a value that was never
    # set) is not a `coroutine` (an `await` left out) nor a `CallbackResponse` (that library's API).
    Feature(
        "object_type",
        re.compile(
            r"'([A-Za-z_][\w.]{0,80})' object is not (?:subscriptable|iterable|callable)"
            r"|non-iterable ([A-Za-z_][\w.]{0,80}) object",
            re.I,
        ),
        _first_group,
        needs=("object is not", "non-iterable"),
    ),
    # Which attribute of which class was missing: `'_RSAPrivateKey' object has no attribute 'verify'`
    # (a key of the wrong kind) is not `'generator' object has no attribute 'choices'` (a stream read
    # as a reply), however alike the words around the names read. Either name in common is the same
    # error: `'NoneType' … 'append'` is `'NoneType' … 'group'`'s kind, `'MyModel' … '__pydantic_private__'`
    # is `'Settings' … '__pydantic_private__'`'s.
    Feature(
        "missing_attribute",
        re.compile(r"'([A-Za-z_][\w.]{0,80})' object has no attribute '(\w{1,120})'"),
        lambda m: f"{m.group(1).lower()} {m.group(2).lower()}",
        agrees=lambda query, signature: any(
            q == s for q, s in zip(query.split(), signature.split(), strict=True)
        ),
        needs=("object has no attribute",),
    ),
    # Which API server kubectl, client-go or Helm could not reach: `localhost:8080` is where they
    # fall back when no kubeconfig was found (an API server stopped there reads the same, and the
    # entry says how to tell); any other address came from a configuration, whose server is down.
    Feature(
        "kube_server",
        re.compile(
            r"connection to the server (\S{1,200}?) was refused"
            r"|(?:cluster unreachable|current server API group list): Get \\?\"https?://([^/\"\\]{1,200})",
            re.I,
        ),
        lambda m: "fallback" if _first_group(m) in _KUBE_FALLBACK else "configured",
        needs=("connection to the server", "cluster unreachable", "api group list"),
    ),
    # Whose symbol the loader could not resolve: a C++ name in PyTorch's namespaces (`c10::`,
    # `at::`, `torch::`: an extension built against another torch) is not another library's
    # (`faiss::`, or a C symbol such as `curandCreateGenerator`: a build linked without it).
    Feature(
        "undefined_symbol",
        re.compile(r"undefined symbol: (\w{1,400})"),
        _symbol_owner,
        needs=("undefined symbol",),
    ),
    # What an import lacked: a whole module (`No module named 'openai'`: not installed), a name in
    # a module (`cannot import name 'OpenAI' from 'openai'`) or an attribute of one (`module 'openai'
    # has no attribute 'OpenAI'`). The same package named in each is three different fixes.
    Feature(
        "import_lack",
        re.compile(r"(no module named)|(cannot import name)|(?<!object )(has no attribute)", re.I),
        lambda m: ("module", "name", "attribute")[m.lastindex - 1] if m.lastindex else "module",
        needs=("no module named", "cannot import name", "has no attribute"),
    ),
    # Whose module it is: a package from PyPI (`mcp.shared.exceptions`), Python's own, or a name
    # only the project knows (`private_gpt.paths`). Only a placeholder signature (`No module named
    # 'pkg.X'`) asks: it stands for a PyPI package's module, and a name nobody installs is not one.
    Feature(
        "module_source",
        re.compile(
            r"no module named ['\"]?([\w.]{1,200})"
            r"|cannot import name ['\"]?[\w.]{1,120}['\"]? from ['\"]([\w.]{1,200})['\"](?: \(([^()]{0,400})\))?"
            r"|(?<!initialized )(?<!initialised )module ['\"]([\w.]{1,200})['\"] has no attribute",
            re.I,
        ),
        _module_source,
        agrees=lambda query, signature: signature != "placeholder" or query in _SHOWS_A_PACKAGE,
        shown_by=lambda query, signature: (
            query == signature or (signature == "placeholder" and query in _SHOWS_A_PACKAGE)
        ),
        needs=("no module named", "cannot import name", "has no attribute"),
    ),
    # Which kind of path a missing file (or a script Python could not open) was named by: a drive
    # letter or a UNC share (`'C:\\Users\\…'`, `'C:/Users/…'`, `'\\\\server\\share'`) is a Windows
    # path, anything else (`'data/train.csv'`, `python`) is not, and a Windows path read on Linux is
    # another fix than a file that is missing.
    Feature(
        "path_style",
        re.compile(
            r"(?:no such file or directory(?:: |, \w{1,12} )|can't open file )['\"]?(?:[A-Za-z]:(?:[\\/]|\\\\)|\\\\)",
            re.I,
        ),
        lambda m: "windows",
        absent="other",
        # the message without any path (`IOError: [Errno 2] No such file or directory`) shows none either
        applies_to=re.compile(r"no such file or directory|can't open file ", re.I),
        needs=("no such file or directory", "can't open file "),
    ),
    # A circular import says so; the same words without it are another failure.
    Feature(
        "circular",
        re.compile(r"partially initiali[sz]ed module|most likely due to a circular import", re.I),
        lambda m: "yes",
        absent="no",
        applies_to=re.compile(r"cannot import name|has no attribute", re.I),
        needs=("partially initiali", "circular import", "cannot import name", "has no attribute"),
    ),
)


SUBJECT_FEATURES = frozenset(f.name for f in FEATURES if f.subject)
# Without any feature's needed word, a text has no feature.
_ANY_NEEDED = _any_of(word for f in FEATURES for word in f.needs)


def features(text: str) -> dict[str, str]:
    """The decisive parts found in one error text (a signature or a raised error)."""
    found: dict[str, str] = {}
    lowered = text.lower()
    if not _ANY_NEEDED.search(lowered):
        return found
    for feature in FEATURES:
        if not feature.needed.search(lowered):
            continue
        m = feature.pattern.search(text)
        if m:
            found[feature.name] = feature.value(m)
        elif (
            feature.absent is not None and feature.applies_to is not None and feature.applies_to.search(text)
        ):
            found[feature.name] = feature.absent
    return found


def _same_site(query: str, signature: str) -> bool:
    """A package's own import failing is not the caller's import failing, and the other way round;
    only a frame inside the package shows it (a text without frames shows neither)."""
    return (query == "inside") == (signature == "inside")


_AGREES = {**{f.name: f.agrees for f in FEATURES if f.agrees}, "import_site": _same_site}
_SHOWN_BY = {**{f.name: f.shown_by for f in FEATURES if f.shown_by}, "import_site": _same_site}


# A build step of pip or uv (PEP 517 hooks in an isolated environment, setup.py egg_info): a
# package missing there is missing from the build's own environment, not from the user's.
_BUILD_STEP = re.compile(
    r"\[end of output\]|getting requirements to build (?:wheel|editable)|preparing metadata \(|"
    r"setup\.py egg_info|pip-build-env-|get_requires_for_build_|build backend returned an error|"
    r"failed building wheel for|installing build dependencies|[/\\\\]pip-install-|as a build dependency",
    re.I,
)
# What an import lacked, and where: `No module named 'pkg.sub'`, `cannot import name 'N' from 'pkg.sub'`.
_LACKING = re.compile(
    r"no module named ['\"]?([\w.]{1,200})|cannot import name ['\"]?(\w{1,120})['\"]? from ['\"]([\w.]{1,200})",
    re.I,
)
# A traceback frame's file (`File "…/site-packages/pkg/a.py", line 3` or a pasted tail of one).
# IPython shows `…/site-packages/pkg/__init__.py in <module>()` (7.x) or `File …/pkg/a.py:3, in f()`
# (8.x) instead, and the skill sends only
# the public part of a frame (`File "site-packages/pkg/__init__.py"`).
_FRAME_FILE = re.compile(
    r"File \"([^\"\n]{0,400}\.py)\""
    r"|([^\s\"']{0,400}\.py)(?:['\"]?,\s{0,3}line \d{1,7}|:\d{1,7}, in | in [<\w][\w<>]{0,80}\()"
)
_INSTALLED_PART = re.compile(r"(?:site|dist)-packages[/\\]([\w.]{1,200}(?:[/\\][\w.]{1,200})?)")


# Who asked for a module that is missing: an unpickler (a pickled object names the module of its
# class: a checkpoint saved by other code, not a package to install) or a frozen app's own importer
# (PyInstaller left the module out of the bundle: a hidden import, not the user's environment).
_IMPORTERS = (
    ("unpickler", re.compile(r"in find_class\b|unpickler\.load\(|\bpickle\.loads?\(|in persistent_load\b")),
    ("frozen app", re.compile(r"pyimod0\d_importers|PyInstaller[/\\]loader|[/\\]_MEI\d{2,}[/\\]")),
)


def _importer(before: str) -> str:
    tail = before[-2000:]
    return next((name for name, rx in _IMPORTERS if rx.search(tail)), "import")


def _before(text: str, line: str) -> str:
    """The text above the error line (all of it when the line is not found verbatim)."""
    return text[: text.rfind(line)] if line in text else text


def _import_site(text: str, module: str, part: bool = False) -> dict[str, str]:
    """Whether the failing import of `module` ran inside the very package it imports from
    (`…/site-packages/chainlit/telemetry.py` importing `chainlit.config`): then the install is
    broken or mixed, the caller's code is not at fault.

    A `part` of a package (a submodule, a name) that another installed package imports shows the
    package is installed: Python imported its top level before it found the part missing, and
    an installed package's own import is written against some release of it."""
    frames = [m.group(1) or m.group(2) for m in _FRAME_FILE.finditer(text[-4000:])]
    if not frames:
        return {"import_site": "unknown"}
    installed = _INSTALLED_PART.search(frames[-1])
    inside = installed is not None and _owner(installed.group(1)) == _owner(module)
    # the missing module's own file raising (a shim: `raise ModuleNotFoundError(…, name=__name__)`)
    # is the package saying so on purpose, not a file missing from it
    itself = re.sub(r"[/\\]", ".", frames[-1]).removesuffix(".py").removesuffix(".__init__").endswith(module)
    found = {"import_site": "inside" if inside and not itself else "outside"}
    if any((m := _INSTALLED_PART.search(f)) and _owner(m.group(1)) == _owner(module) for f in frames):
        found["module_source"] = "installed"  # its files are in site-packages: a package people install
    elif part and installed is not None and is_known_package(module.split(".")[0]):
        found["module_source"] = "installed"
    return found


# `SyntaxError: invalid syntax` says nothing by itself; the code line above its caret says which
# construct an older Python did not know (3.8 `:=`, 3.10 `match`, 3.11 `except*`, 3.12 `type X =`
# and `def f[T]`, 3.9 a parenthesised `with`, 3.6 f-strings, 3.12 f-strings reusing their quotes;
# Python 2 annotations, keyword-only arguments, `async def`); without that line (or the caret) it is
# `unknown`, which no construct is.
_SYNTAX_ERROR = re.compile(r"invalid syntax|syntax error\b", re.I)
_CONSTRUCTS = (
    ("pattern matching", re.compile(r"^\s*(?:match\s+[^=(\s][^=]*|case\s+.+):\s*(?:#.*)?$")),
    ("walrus", re.compile(r":=")),
    ("except star", re.compile(r"^\s*except\s*\*")),
    ("type alias", re.compile(r"^\s*type\s+\w+\s*(?:\[[^\]]*\])?\s*=")),
    ("generic", re.compile(r"^\s*(?:async\s+)?(?:def|class)\s+\w+\[")),
    ("f-string", re.compile(r"(?<![\w'\"])(?:[rRbB]?[fF]|[fF][rR])['\"]")),
    ("parenthesised with", re.compile(r"^\s*with\s*\(.*\bas\b|\bas\s+\w+\s*,\s*$")),
    ("async def", re.compile(r"^\s*async\s+def\b")),
    ("keyword-only argument", re.compile(r"^\s*def\s+\w+\s*\([^)]*\*\w+\s*,\s*\w+\s*=")),
    ("annotation", re.compile(r"^\s*def\s+\w+\s*\([^)]*\w\s*:\s*[\w\[\"']|\)\s*->\s*[\w\[\"']")),
)


def _syntax_construct(text: str) -> dict[str, str]:
    before = text.rstrip("\n").splitlines()[-2:]
    if len(before) < 2 or not re.fullmatch(r"\s*\^+\s*", before[1]):
        return {"syntax_construct": "unknown"}
    code = before[0]
    return {"syntax_construct": next((name for name, rx in _CONSTRUCTS if rx.search(code)), "other")}


# pip's wrapper around whatever subprocess it ran: a build step, or a version-control checkout of a
# `git+https://` requirement (`× git clone --filter=blob:none --quiet https://… did not run successfully.`).
_PIP_SUBPROCESS = re.compile(r"subprocess-exited-with-error|did not run successfully", re.I)
_PIP_STEP = re.compile(r"× ([^\n]{1,300}?) did not run successfully")
_VCS_COMMAND = re.compile(r"(?:git|hg|svn|bzr)(?:\.exe)? (?:clone|checkout|fetch|co)\b", re.I)


def _pip_step(text: str) -> str:
    """`vcs` when the last step pip says failed is a checkout (credentials, a missing ref: not a
    build), else `build`: a wrapper without its step is the build it most often is."""
    steps = _PIP_STEP.findall(text[-64 * 1024 :])
    return "vcs" if steps and _VCS_COMMAND.match(steps[-1].strip()) else "build"


# git's last line after any refused push; a local pre-push hook (husky, pre-commit) failing ends the
# same way, with no remote involved: what the hook checks is the fix, not the branch.
_PUSH_FAILED = re.compile(r"failed to push some refs", re.I)
_LOCAL_PUSH_HOOK = re.compile(
    r"pre-push hook (?:failed|exited)|husky [>-] pre-push|hooks[/\\]pre-push\b", re.I
)


# Node's fetch (undici) names the socket's end as the cause of the error it throws; that error says
# which step it cut: `TypeError: terminated` (the body, after the response began) is not `TypeError:
# fetch failed` (before any response: a refused or reset connection, a stale keep-alive socket).
_UNDICI_SOCKET = re.compile(r"SocketError: other side closed|UND_ERR_SOCKET", re.I)
_UNDICI_STEP = re.compile(r"\b(terminated|fetch failed)\b", re.I)


def _undici_step(before: str) -> str:
    steps = _UNDICI_STEP.findall(before[-4000:])
    return steps[-1].lower() if steps else "unknown"


# A process pool or a DataLoader whose workers died says nothing of why; the workers' own tracebacks
# printed before it may: a child that re-ran an unguarded main module under spawn or forkserver
# (`…before the current process has finished its bootstrapping phase`) is not a child the kernel killed.
# Python 3.14's fork server imports the main module itself, dies of the same error, and the parent then
# reads a reset or an end of file from it: not a network's.
_WORKERS_DIED = re.compile(
    r"BrokenProcessPool|terminated abruptly|worker \(pid\(s\) [\d, ]{1,80}\) exited unexpectedly"
    r"|^(?:builtins\.)?(?:ConnectionResetError|EOFError)\b",
    re.I,
)
_BOOTSTRAPPING = re.compile(r"finished its bootstrapping phase|_check_not_importing_main", re.I)


# A browser launch that failed says only that the browser closed; the browser's own log, printed
# after it (Playwright's `Browser logs:`), says why: no display, a sandbox it could not start, a
# system library missing, a profile another browser holds, or something else.
_LAUNCH_FAILED = re.compile(
    r"BrowserType\.launch\w{0,40}: (?:Target page, context or browser has been closed|Browser closed)"
    r"|Failed to launch the browser process",
    re.I,
)
_LAUNCH_LOG = (
    ("display", re.compile(r"XServer|X server|\$DISPLAY|open X display|DISPLAY environment variable", re.I)),
    ("sandbox", re.compile(r"no-sandbox|usable sandbox|sandboxing failed", re.I)),
    ("library", re.compile(r"error while loading shared libraries|missing dependencies", re.I)),
    (
        "profile",
        re.compile(r"ProcessSingleton|SingletonLock|profile appears to be in use|profile directory", re.I),
    ),
)


def _launch_log(text: str, line: str) -> str:
    """What the browser's log after the (last) failed launch says. The error line joins its
    message's lines, so the launch is looked for in the text itself, and in the line without it."""
    source = text[-256 * 1024 :] if _LAUNCH_FAILED.search(text) else line
    *_, last = _LAUNCH_FAILED.finditer(source)
    log = source[last.start() : last.start() + 16 * 1024]
    return next((name for name, rx in _LAUNCH_LOG if rx.search(log)), "other")


# Python's JSON decoder fails the same way on a file and on a string; the frames above say which:
# `json.load(f)` (its `…/json/__init__.py", line N, in load` frame, which the skill sends without the
# line, or the call itself) read a file, a configuration someone edited, not a model's reply or a
# response body held as a string.
_JSON_DECODE_ERROR = re.compile(r"JSONDecodeError\b")
_JSON_FILE_READ = re.compile(r"json[/\\]__init__\.py\"?,(?: line \d{1,6},)? in load\b|\bjson\.load\(")


def context(text: str, line: str) -> dict[str, str]:
    """Decisive parts read from around the error (`text`), not from its own `line`: for a missing
    module or name of a package (not Python's own), whether the failing import ran inside that
    package, whether a missing module went missing inside a package build step, and who asked for
    it (an import, an unpickler, a frozen app's importer); for a bare
    syntax error, the construct on the code line above its caret; for pip's subprocess wrapper, the
    step that failed; for git's `failed to push some refs`, whether a local hook or the remote refused;
    for Node's `other side closed`, which step the error it caused names; for Python's JSON decoder,
    whether `json.load` read a file; for a pool whose workers
    died, whether their tracebacks show a main module re-run without its `__main__` guard; for a
    browser that closed at launch, what the browser's log after it says."""
    before = _before(text, line)
    if _UNDICI_SOCKET.search(line):
        return {"undici_step": _undici_step(before)}
    if _LAUNCH_FAILED.search(line):
        return {"browser_log": _launch_log(text, line)}
    if _WORKERS_DIED.search(line):
        return {
            "workers_died_of": "bootstrapping" if _BOOTSTRAPPING.search(before[-64 * 1024 :]) else "unknown"
        }
    if _SYNTAX_ERROR.search(line):
        return _syntax_construct(before)
    if _PIP_SUBPROCESS.search(line):
        return {"pip_step": _pip_step(text)}
    if _JSON_DECODE_ERROR.search(line):
        return {"json_source": "file" if _JSON_FILE_READ.search(before[-4000:]) else "text"}
    if _PUSH_FAILED.search(line):
        return {"push_refused_by": "local hook" if _LOCAL_PUSH_HOOK.search(text[-64 * 1024 :]) else "remote"}
    lacking = _LACKING.search(line)
    if not lacking:
        return {}
    module = lacking.group(1) or lacking.group(3)
    top = module.split(".")[0]
    if top in _STDLIB or top in _REMOVED_STDLIB:
        return {}
    part = bool(lacking.group(3)) or "." in module.removeprefix(_owner(module))  # a name, a submodule
    found = _import_site(before, module, part)
    if lacking.group(1):  # a whole module missing
        found["build_step"] = "yes" if _BUILD_STEP.search(text[-64 * 1024 :]) else "no"
        found["imported_by"] = _importer(before)
    return found


def shows(query: dict[str, str], signature: dict[str, str]) -> bool:
    """The query has every decisive part of the signature, each agreeing with it (a placeholder
    signature matches by these alone, so each must be shown, not merely not contradicted)."""
    return all(
        name in query and (_SHOWN_BY.get(name) or str.__eq__)(query[name], value)
        for name, value in signature.items()
    )


def conflicts(query: dict[str, str], signature: dict[str, str]) -> tuple[str, ...]:
    """The features both texts have and disagree on: each one a reason they are not the same error."""
    return tuple(
        f"{name} {query[name]} ≠ {value}"
        for name, value in signature.items()
        if name in query and not (_AGREES.get(name) or str.__eq__)(query[name], value)
    )
