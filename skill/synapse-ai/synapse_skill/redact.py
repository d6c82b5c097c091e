"""Remove secrets and personal data from error text before it is sent, cached or printed.

Three layers, in this order:
1. the exact values of secret-looking environment variables (catches key formats no
   pattern knows);
2. known token shapes (provider keys, JWTs, auth headers, credentials in URLs, PEM keys);
3. `key=value` pairs whose key names a secret, e-mail addresses, user names in home paths.

Every replacement keeps the *kind* of what it removed (`<redacted:openai-key>`), so an
"invalid API key" error still looks like one to the matcher. Names of secrets are not
secrets: `KeyError: 'OPENAI_API_KEY'` passes through unchanged.

Standard library only. Every pattern has bounded repetition and no nested quantifiers,
so the work stays linear in the size of the text.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping

MIN_ENV_VALUE_CHARS = 8
_SECRET_ENV_NAME = re.compile(
    r"KEY|TOKEN|SECRET|PASSW|_PWD|CREDENTIAL|AUTH|DSN|COOKIE|SESSION|PRIVATE|SIGNATURE", re.IGNORECASE
)
# Variables whose names look secret but whose values are plain paths, types or sockets.
_HARMLESS_ENV_NAME = re.compile(
    r"(?:_SOCK|_PATH|_DIR|_FILE|_HOME|_TYPE|_DESKTOP|_CLASS|_ADDRESS|_ID)$", re.IGNORECASE
)
_NOT_A_VALUE = frozenset(
    {"none", "null", "nil", "true", "false", "undefined", "''", '""', "***", "xxx", "..."}
)

Replacement = str | Callable[[re.Match], str]


def _keep_prefix(label: str) -> Callable[[re.Match], str]:
    """Keep group 1 (a key name, a scheme) and replace the rest of the match."""
    return lambda m: f"{m.group(1)}{label}"


def _bearer(m: re.Match) -> str:
    token = m.group(2)
    # Real tokens are random: they have a digit or are long. "bearer authentication" is prose.
    if any(c.isdigit() for c in token) or len(token) >= 24:
        return f"{m.group(1)}<redacted:token>"
    return m.group(0)


def _url_userinfo(m: re.Match) -> str:
    return f"{m.group(1)}<redacted:credentials>@"


def _key_value(m: re.Match) -> str:
    key, sep, value = m.group("key"), m.group("sep"), m.group("value")
    bare = value.strip("\"'")
    if not bare or bare.lower() in _NOT_A_VALUE or bare.startswith("<"):
        return m.group(0)
    quoted_key = m.group("q") != ""
    prose_like = ":" in sep and not quoted_key and value[:1] not in "\"'"
    # `Invalid token: expected …` is prose; `token: ab12…` and `"token": "x"` are data.
    if prose_like and bare.isalpha() and len(bare) < 16:
        return m.group(0)
    quote = value[0] if value[:1] in "\"'" and value[-1:] == value[0] and len(value) > 1 else ""
    return f"{m.group('q')}{key}{sep}{quote}<redacted>{quote}"


def _cli_flag(m: re.Match) -> str:
    value = m.group(3)
    if value.lower() in _NOT_A_VALUE or value.startswith("<"):
        return m.group(0)
    return f"{m.group(1)}{m.group(2)}<redacted>"


def _email(m: re.Match) -> str:
    local = m.group(1)
    if local.lower() in ("git", "noreply", "no-reply"):
        return m.group(0)
    return "<email>"


_SECRET_KEY_WORDS = (
    r"password|passwd|passphrase|_pwd|secret|api[_-]?key|apikey|access[_-]?key|private[_-]?key|"
    r"token|credentials?|auth|sessionid|session[_-]?id|session[_-]?key|cookie|dsn|signature"
)

# Ordered: most specific shapes first, generic key/value next, personal data last.
_RULES: list[tuple[re.Pattern, Replacement]] = [
    (
        re.compile(
            r"-----BEGIN[A-Z ]{0,40}PRIVATE KEY(?: BLOCK)?-----(?:[^-]|-(?!----END)){0,20000}"
            r"(?:-----END[A-Z ]{0,40}PRIVATE KEY(?: BLOCK)?-----)?"
        ),
        "<redacted:private-key>",
    ),
    (
        re.compile(r"(?<![\w-])sk-ant-(?:api|admin|oat|ort|sid)\d{2}-[A-Za-z0-9_-]{20,300}"),
        "<redacted:anthropic-key>",
    ),
    (
        re.compile(
            r"(?<![\w-])sk-(?:(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{20,400}"
            r"|[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}|[A-Za-z0-9]{32,200}(?![\w-]))"
        ),
        "<redacted:openai-key>",
    ),
    (
        re.compile(r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,255}\b|\bgithub_pat_\w{22,255}"),
        "<redacted:github-token>",
    ),
    (re.compile(r"\bglpat-[A-Za-z0-9_-]{20,255}"), "<redacted:gitlab-token>"),
    (
        re.compile(r"https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_+-]{20,300}"),
        "<redacted:slack-webhook>",
    ),
    (
        re.compile(r"\bxox[abposer]-[A-Za-z0-9-]{10,255}|\bxapp-\d-[A-Za-z0-9-]{10,255}"),
        "<redacted:slack-token>",
    ),
    (
        re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b|\bA3T[A-Z0-9][A-Z2-7]{16}\b"),
        "<redacted:aws-access-key-id>",
    ),
    (
        re.compile(
            r"(?i)(\baws_?secret(?:_access)?_?key[\"']?\s{0,5}[=:]\s{0,5}[\"']?)[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])"
        ),
        _keep_prefix("<redacted:aws-secret-key>"),
    ),
    (re.compile(r"\bAIza[A-Za-z0-9_-]{35}(?![A-Za-z0-9_-])"), "<redacted:google-api-key>"),
    (re.compile(r"\b(?:hf_[A-Za-z0-9]{30,100}|api_org_[A-Za-z0-9]{30,100})\b"), "<redacted:hf-token>"),
    (
        re.compile(
            r"\b(?:sk|rk)_(?:test|live|prod)_[A-Za-z0-9]{10,99}\b|\bpk_(?:test|live)_[A-Za-z0-9]{10,99}\b"
        ),
        "<redacted:stripe-key>",
    ),
    (re.compile(r"\bnpm_[A-Za-z0-9]{36}\b"), "<redacted:npm-token>"),
    (re.compile(r"\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,300}"), "<redacted:pypi-token>"),
    (
        re.compile(r"\beyJ[A-Za-z0-9_-]{4,4096}\.eyJ[A-Za-z0-9_-]{4,8192}\.[A-Za-z0-9_-]{0,4096}"),
        "<redacted:jwt>",
    ),
    # Authorization / Proxy-Authorization headers, whatever the scheme.
    (
        re.compile(
            r"(?i)(\b(?:proxy-)?authorization[\"']?\s{0,5}[:=]\s{0,5}[\"']?(?:(?:bearer|basic|token|digest)\s{1,5})?)"
            r"(?![\s<]|(?:bearer|basic|token|digest)\s)[^\s\"',;]{1,4096}"
        ),
        _keep_prefix("<redacted:token>"),
    ),
    (re.compile(r"(?i)(\bbearer\s{1,5})([A-Za-z0-9._~+/=-]{8,4096})"), _bearer),
    (
        re.compile(r"(?i)(\b(?:set-)?cookie:\s{0,5})(?![\s<])[^\r\n]{1,4096}"),
        _keep_prefix("<redacted:cookie>"),
    ),
    # scheme://user:password@host  (the password may itself contain '@': take up to the last one)
    (re.compile(r"\b([a-zA-Z][a-zA-Z0-9+.-]{1,20}://)[^\s:/@<>]{0,256}:[^\s/<>]{1,256}@"), _url_userinfo),
    # --password hunter2, --api-key=abc
    (
        re.compile(
            r"(?i)(?<!\S)(--?[a-z0-9-]{0,40}?(?:password|passwd|passphrase|secret|token|api-?key|access-key|"
            r"private-key|auth|credentials?))(=|\s{1,5})([^\s\"'-][^\s\"']{0,511})"
        ),
        _cli_flag,
    ),
    # password=…, "token": "…", api_key: …, ?access_token=…&  (JSON, YAML, query strings, env dumps)
    (
        re.compile(
            rf"(?i)(?P<q>[\"']?)(?P<key>(?<![a-z0-9_.-])[a-z0-9_.-]{{0,40}}?(?:{_SECRET_KEY_WORDS}))\b"
            r"(?P<sep>[\"']?\s{0,5}[:=]\s{0,5})"
            r"(?P<value>\"[^\"\n]{1,512}\"|'[^'\n]{1,512}'|[^\s\"'<>,;&{}\[\]()]{1,512})"
        ),
        _key_value,
    ),
    (
        re.compile(
            r"(?<![A-Za-z0-9._%+-])([A-Za-z0-9._%+-]{1,64})@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}\b"
        ),
        _email,
    ),
    (re.compile(r"(/(?:home|Users)/)(?!<user>)[^/\s'\"<>:]{1,64}"), r"\1<user>"),
    (
        re.compile(
            r"(?i)(\b[a-z]:(?:\\{1,2}|/)(?:users|documents and settings)(?:\\{1,2}|/))(?!<user>)[^\\/\s'\"<>:]{1,64}"
        ),
        r"\1<user>",
    ),
]


def secret_env_values(env: Mapping[str, str]) -> dict[str, str]:
    """Values (≥ 8 chars) of variables whose names look secret, mapped to their names."""
    found: dict[str, str] = {}
    for name, value in env.items():
        if not value or len(value) < MIN_ENV_VALUE_CHARS:
            continue
        if _SECRET_ENV_NAME.search(name) and not _HARMLESS_ENV_NAME.search(name):
            found.setdefault(value, name)
    return found


def redact(text: str, env: Mapping[str, str] | None = None) -> str:
    """Return `text` with secrets and personal data replaced by labelled markers."""
    if not text:
        return text
    values = secret_env_values(os.environ if env is None else env)
    for value in sorted(values, key=len, reverse=True):
        if value in text:
            text = text.replace(value, f"<redacted:${values[value]}>")
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text
