"""Redaction: what must disappear before error text leaves the machine, and what must not change.

The fake keys have the real shapes (length, alphabet, prefix) of each provider's keys.
"""

from __future__ import annotations

import pytest

from synapse_skill.redact import redact, secret_env_values

ANTHROPIC = "sk-ant-api03-" + "Ab3_dE-9" * 11 + "xyzQA" + "AA"
OPENAI_PROJECT = "sk-proj-" + "Qm9vX2Jhcl9i-YXpf" * 5
OPENAI_LEGACY = "sk-" + "a1B2c3D4e5F6g7H8i9J0" + "T3BlbkFJ" + "k1L2m3N4o5P6q7R8s9T0"
OPENAI_SVCACCT = "sk-svcacct-" + "Zx81_Yw72-Vu63Ts54Rq45" * 3
GITHUB_PAT = "github_pat_11ABCDEFG0" + "abcdEFGH1234_" * 6
GHP = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
    ".eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ"
    ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEowIBAAKCAQEA7bq98sFbG2m3Zl9J0Q7lV6p2r6XkzYh8w2vSg9ZC1u3m4YtW\n"
    "q0sT9yYw4B9pP2Yl1c3n8kW0aYpR3e2zq7m1e5Lk4gH2s0pXo9Yb3t5u7v9w1x3z\n"
    "-----END RSA PRIVATE KEY-----"
)

# (name, text, expected) — expected is the whole redacted text.
POSITIVE = [
    (
        "anthropic key",
        f"anthropic.AuthenticationError: key {ANTHROPIC} invalid",
        "anthropic.AuthenticationError: key <redacted:anthropic-key> invalid",
    ),
    ("anthropic admin key", "sk-ant-admin01-" + "x" * 40, "<redacted:anthropic-key>"),
    (
        "openai project key",
        f"Incorrect API key provided: {OPENAI_PROJECT}.",
        "Incorrect API key provided: <redacted:openai-key>.",
    ),
    ("openai legacy key", f"api key {OPENAI_LEGACY} rejected", "api key <redacted:openai-key> rejected"),
    ("openai service account key", f"({OPENAI_SVCACCT})", "(<redacted:openai-key>)"),
    ("openai plain 48-char key", "sk-" + "Ab1" * 16, "<redacted:openai-key>"),
    (
        "aws access key id",
        "InvalidClientTokenId for AKIAIOSFODNN7EXAMPLE",
        "InvalidClientTokenId for <redacted:aws-access-key-id>",
    ),
    ("aws temporary key id", "key ASIAY34FZKBOKMUTVV7A expired", "key <redacted:aws-access-key-id> expired"),
    (
        "aws secret in ini",
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "aws_secret_access_key = <redacted:aws-secret-key>",
    ),
    (
        "aws secret in env dump",
        "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "AWS_SECRET_ACCESS_KEY=<redacted:aws-secret-key>",
    ),
    (
        "github classic token",
        f"remote: Invalid username or token {GHP}",
        "remote: Invalid username or token <redacted:github-token>",
    ),
    ("github oauth token", "gho_" + "Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i2", "<redacted:github-token>"),
    ("github app token", "token ghs_" + "Q" * 36 + " expired", "token <redacted:github-token> expired"),
    ("github fine-grained token", f"GH={GITHUB_PAT}", "GH=<redacted:github-token>"),
    ("gitlab token", "glpat-" + "x1Y2z3A4b5C6d7E8f9G0", "<redacted:gitlab-token>"),
    (
        "slack bot token",
        "slack_sdk.errors.SlackApiError: xoxb-1234567890-0987654321-AbCdEfGhIjKl",
        "slack_sdk.errors.SlackApiError: <redacted:slack-token>",
    ),
    (
        "slack webhook",
        "POST https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX failed",
        "POST <redacted:slack-webhook> failed",
    ),
    (
        "google api key",
        "key=AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q&alt=json",
        "key=<redacted:google-api-key>&alt=json",
    ),
    (
        "stripe live secret key",
        "stripe.error.AuthenticationError: sk_live_4eC39HqLyjWDarjtT1zdp7dc",
        "stripe.error.AuthenticationError: <redacted:stripe-key>",
    ),
    ("stripe restricted key", "rk_live_51H8abcdefGHIJKLmnop", "<redacted:stripe-key>"),
    ("stripe publishable key", "pk_test_TYooMQauvdEDq54NiTphI7jx", "<redacted:stripe-key>"),
    ("hugging face token", "401 for hf_AbCdEfGhIjKlMnOpQrStUvWxYz01234567", "401 for <redacted:hf-token>"),
    ("npm token", "npm_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8", "<redacted:npm-token>"),
    ("pypi token", "pypi-AgEIcHlwaS5vcmc" + "CJDk3YjE1ZmYtZDA1Yi00" * 3, "<redacted:pypi-token>"),
    (
        "jwt",
        f"jwt.exceptions.ExpiredSignatureError for {JWT}",
        "jwt.exceptions.ExpiredSignatureError for <redacted:jwt>",
    ),
    ("bearer header", "Authorization: Bearer abc123def456ghi789", "Authorization: Bearer <redacted:token>"),
    ("basic auth header", "authorization: Basic dXNlcjpodW50ZXIy", "authorization: Basic <redacted:token>"),
    (
        "bearer in curl",
        "curl -H 'Authorization: Bearer tok_9f8e7d6c5b4a' https://x",
        "curl -H 'Authorization: Bearer <redacted:token>' https://x",
    ),
    ("bare bearer token", "sent bearer 0a1b2c3d4e5f6a7b8c9d", "sent bearer <redacted:token>"),
    (
        "headers dict",
        "{'Authorization': 'Bearer sk_abc_0123456789'}",
        "{'Authorization': 'Bearer <redacted:token>'}",
    ),
    ("cookie header", "Cookie: sessionid=abc123; csrftoken=xyz", "Cookie: <redacted:cookie>"),
    ("private key block", f"key:\n{PEM}\nend", "key:\n<redacted:private-key>\nend"),
    (
        "postgres url password",
        "could not connect to postgresql://admin:hunter2@10.0.0.5:5432/app",
        "could not connect to postgresql://<redacted:credentials>@10.0.0.5:5432/app",
    ),
    (
        "redis url with @ in password",
        "redis://default:p@ss:w0rd@cache.internal:6379/0",
        "redis://<redacted:credentials>@cache.internal:6379/0",
    ),
    ("password-only url", "amqp://:s3cret@rabbit/", "amqp://<redacted:credentials>@rabbit/"),
    (
        "password in query string",
        "GET /login?user=bob&password=hunter2&next=/ 500",
        "GET /login?user=bob&password=<redacted>&next=/ 500",
    ),
    (
        "access_token in query string",
        "https://api.example.com/v1?access_token=EAAGm0PX4ZCps&x=1",
        "https://api.example.com/v1?access_token=<redacted>&x=1",
    ),
    (
        "json password",
        '{"username": "bob", "password": "correct horse"}',
        '{"username": "bob", "password": "<redacted>"}',
    ),
    (
        "python dict api_key",
        "client = Client(config={'api_key': 'zz-9f8e7d6c5b'})",
        "client = Client(config={'api_key': '<redacted>'})",
    ),
    ("yaml secret", "  client_secret: 8f14e45fceea167a", "  client_secret: <redacted>"),
    ("env assignment", "export MY_SERVICE_TOKEN=abc123xyz", "export MY_SERVICE_TOKEN=<redacted>"),
    ("kwarg token", "connect(host='db', token='t0k3n-value')", "connect(host='db', token='<redacted>')"),
    (
        "cli password flag",
        "mysql --user root --password hunter2 -h db",
        "mysql --user root --password <redacted> -h db",
    ),
    ("cli api-key flag with =", "tool --api-key=abcd1234 run", "tool --api-key=<redacted> run"),
    ("dsn assignment", "SENTRY_DSN=https://abc123@o1.ingest.sentry.io/42", "SENTRY_DSN=<redacted>"),
    ("e-mail", "User alice.smith+ci@example.co.uk not found", "User <email> not found"),
    ("e-mail in quotes", "Invalid login for 'bob@corp.example.com'", "Invalid login for '<email>'"),
    ("linux home", 'File "/home/alice/project/app.py", line 3', 'File "/home/<user>/project/app.py", line 3'),
    ("mac home", "/Users/Bob.Jones/Library/Caches/x", "/Users/<user>/Library/Caches/x"),
    ("windows home", r"C:\Users\Carol\AppData\Local\x.py", r"C:\Users\<user>\AppData\Local\x.py"),
    ("windows home in repr", r"'C:\\Users\\dave\\proj'", r"'C:\\Users\\<user>\\proj'"),
    ("windows old home", r"C:\Documents and Settings\erin\x", r"C:\Documents and Settings\<user>\x"),
]

MUST_NOT_CHANGE = [
    "sqlite3.OperationalError: database is locked",
    "KeyError: 'OPENAI_API_KEY'",
    "KeyError: 'token'",
    "os.environ['ANTHROPIC_API_KEY']",
    (
        "openai.OpenAIError: The api_key client option must be set either by passing api_key to the client "
        "or by setting the OPENAI_API_KEY environment variable"
    ),
    (
        "openai.RateLimitError: Rate limit reached for gpt-4o in organization org-abc on tokens per min (TPM): "
        "Limit 30000, Used 29000, Requested 2000."
    ),
    "max_tokens=4096 is too large; max_tokens: 4096",
    "This model's maximum context length is 8192 tokens. However, you requested 9000 tokens.",
    'File "/usr/lib/python3.12/json/decoder.py", line 355, in raw_decode',
    "<object object at 0x7f3a2b1c4d50>",
    "Request id: 4f9c2a8e-7b1d-4e3a-9c6f-2d8e1a0b5c7d",
    "fatal: reference is not a tree: 3f2a9c8e1b7d6a5f4e3c2b1a0f9e8d7c6b5a4f3e",
    "AttributeError: 'NoneType' object has no attribute 'token'",
    "ModuleNotFoundError: No module named 'yaml'",
    "OSError: [Errno 98] Address already in use",
    (
        "anthropic.AuthenticationError: Error code: 401 - {'type': 'error', 'error': "
        "{'type': 'authentication_error', 'message': 'invalid x-api-key'}}"
    ),
    "Token indices sequence length is longer than the specified maximum sequence length (600 > 512)",
    "httpx.ConnectError: [Errno 111] Connection refused for http://127.0.0.1:8000/search",
    "requests.exceptions.HTTPError: 401 Client Error: Unauthorized for url: https://api.github.com/user",
    "RuntimeError: Event loop is closed",
    "jwt.exceptions.ExpiredSignatureError: Signature has expired",
    "PermissionError: [Errno 13] Permission denied: '/var/lib/postgresql/data'",
    'psycopg2.OperationalError: FATAL:  password authentication failed for user "postgres"',
    "django.core.exceptions.ImproperlyConfigured: The SECRET_KEY setting must not be empty.",
    "error: disk-usage and task-runner failed; ask-for-help",
    "SyntaxError: invalid token: expected ':'",
    "HTTP 401: bearer authentication required",
    "git@github.com: Permission denied (publickey).",
    "tokenizer_config.json not found; token_count=12 exceeded",
    "ValueError: password: None",
    "pip install torch==2.1.0+cu118",
    "@app.get('/items/{item_id}')",
    "TypeError: Object of type datetime is not JSON serializable",
    'File "/home/<user>/project/app.py", line 3',
    '{"auth": {"type": "oauth2"}, "session": [1, 2]}',
]


@pytest.mark.parametrize(("name", "text", "expected"), POSITIVE, ids=[p[0] for p in POSITIVE])
def test_redacts(name, text, expected):
    assert redact(text, env={}) == expected


@pytest.mark.parametrize("text", MUST_NOT_CHANGE)
def test_leaves_ordinary_error_text_alone(text):
    assert redact(text, env={}) == text


def test_table_is_big_enough():
    assert len(POSITIVE) >= 40 and len(MUST_NOT_CHANGE) >= 20


def test_masks_exact_values_of_secret_looking_environment_variables():
    env = {
        "ACME_SIGNING_KEY": "Zq8xKp2Lm0Aa",
        "DB_PASSWORD": "plain words ok",
        "HOME": "/root",
        "SHORT_TOKEN": "abc",
    }
    text = "handshake failed with Zq8xKp2Lm0Aa; login 'plain words ok' refused; abc"
    assert redact(text, env=env) == (
        "handshake failed with <redacted:$ACME_SIGNING_KEY>; login '<redacted:$DB_PASSWORD>' refused; abc"
    )


def test_secret_env_values_skip_short_values_and_harmless_names():
    env = {
        "API_KEY": "12345678",
        "SSH_AUTH_SOCK": "/tmp/ssh-abc/agent.1",
        "GH_TOKEN": "1234567",
        "PATH": "/usr/bin:/bin",
    }
    assert secret_env_values(env) == {"12345678": "API_KEY"}


def test_env_defaults_to_the_process_environment(monkeypatch):
    monkeypatch.setenv("WIDGET_API_TOKEN", "w1dg3t-v4lu3-x")
    assert redact("got w1dg3t-v4lu3-x back") == "got <redacted:$WIDGET_API_TOKEN> back"


def test_longest_env_value_wins_when_one_contains_another():
    env = {"A_TOKEN": "abcdefgh", "B_TOKEN": "abcdefgh-ijkl"}
    assert redact("x abcdefgh-ijkl y abcdefgh", env=env) == "x <redacted:$B_TOKEN> y <redacted:$A_TOKEN>"


def test_redaction_is_idempotent():
    for _name, text, _expected in POSITIVE:
        once = redact(text, env={})
        assert redact(once, env={}) == once


@pytest.mark.parametrize(
    "chunk",
    [
        "a",
        "@",
        "sk-",
        "eyJ",
        "a@b.",
        "-----BEGIN PRIVATE KEY-----",
        "x://a:",
        "password=",
        "--token ",
        "/home/",
        "Bearer ",
    ],
)
def test_hostile_input_is_redacted_without_error(chunk):
    """Speed on these shapes is measured in bench/soak.py (growth exponent), not asserted here."""
    text = chunk * (200_000 // len(chunk))
    assert isinstance(redact(text, env={}), str)
