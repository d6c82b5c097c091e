"""Verified fixes for solutions/telegram-bot-polling-conflict.md: two pollers of one bot token, or a webhook still set.

No network: a local stand-in of the Bot API behaves as Telegram does for getUpdates (a new long poll ends the pending
one with HTTP 409 `Conflict: terminated by other getUpdates request; ...`; while a webhook is set every getUpdates gets
409 `Conflict: can't use getUpdates method while webhook is active; ...`; deleteWebhook clears it).

python-telegram-bot is not in the project's environment, so a small stand-in of it is written into tmp_path. It copies
the shape of python-telegram-bot 22.8: `telegram.error.Conflict` (a TelegramError whose str is the server's description),
raised for HTTP 409 in `telegram/request/_baserequest.py` `_request_wrapper` under `Bot.get_updates`; and
`Application.builder().token().base_url().build()`, whose `run_polling(drop_pending_updates=...)` calls getMe, then
deleteWebhook, then polls getUpdates and, with no error handler, logs `No error handlers are registered, logging
exception.` with the traceback and polls again (telegram/ext/_application.py, _updater.py, _utils/networkloop.py).
The real 22.8 printed the same last line against the same stand-in (see the entry's `source`).

Checked here: two copies of a plain polling bot make each other fail with the Conflict; the entry's Option 1 bot lets
a second copy exit with its message while the first polls with no 409; Option 2's script deletes a webhook that made
getUpdates fail; the matcher answers the entry's tracebacks and none of its look-alikes.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from answers import assert_answers, confident_answer
from fake_http import free_port
from fake_site import write_files
from pyrun import run_python

SLUG = "telegram-bot-polling-conflict"
TOKEN = "123456:ABC-test"
CONFLICT = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
WEBHOOK = "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"

FAKE_PTB = {
    "telegram/__init__.py": """
        from telegram._bot import Bot


        class Update:
            pass
        """,
    "telegram/error.py": """
        class TelegramError(Exception):
            def __init__(self, message):
                super().__init__(message)
                self.message = message

            def __str__(self):
                return self.message


        class NetworkError(TelegramError):
            pass


        class InvalidToken(TelegramError):
            pass


        class Conflict(TelegramError):
            \"\"\"Raised when a long poll or webhook conflicts with another one.\"\"\"
        """,
    "telegram/request/__init__.py": "",
    "telegram/request/_baserequest.py": """
        import json
        import urllib.error
        import urllib.request

        from telegram.error import Conflict, InvalidToken, NetworkError, TelegramError


        class BaseRequest:
            def post(self, url, data, read_timeout=None):
                return self._request_wrapper(url, data, read_timeout)

            def _request_wrapper(self, url, data, read_timeout):
                request = urllib.request.Request(
                    url, data=json.dumps(data).encode(), headers={"content-type": "application/json"}
                )
                try:
                    with urllib.request.urlopen(request, timeout=(read_timeout or 5) + 5) as response:
                        code, payload = response.status, response.read()
                except urllib.error.HTTPError as error:
                    code, payload = error.code, error.read()
                except OSError as error:
                    raise NetworkError(f"urllib.error: {error}") from error
                body = json.loads(payload)
                if 200 <= code <= 299:
                    return body["result"]
                message = body.get("description", "Unknown HTTPError")
                if code in (401, 404):
                    raise InvalidToken(message)
                if code == 409:
                    exception = Conflict(message)
                else:
                    exception = TelegramError(f"{message} ({code})")
                raise exception
        """,
    "telegram/_bot.py": """
        from telegram.request._baserequest import BaseRequest


        class Bot:
            def __init__(self, token, base_url="https://api.telegram.org/bot"):
                self.token = token
                self.base_url = f"{base_url}{token}"
                self._request = BaseRequest()

            def _post(self, endpoint, data, read_timeout=None):
                return self._do_post(endpoint, data, read_timeout)

            def _do_post(self, endpoint, data, read_timeout):
                return self._request.post(f"{self.base_url}/{endpoint}", data, read_timeout)

            def get_me(self):
                return self._post("getMe", {})

            def delete_webhook(self, drop_pending_updates=None):
                return self._post("deleteWebhook", {"drop_pending_updates": drop_pending_updates})

            def get_updates(self, offset=None, timeout=0):
                return self._post("getUpdates", {"offset": offset, "timeout": timeout}, read_timeout=timeout)
        """,
    "telegram/ext/__init__.py": """
        from telegram.ext._application import Application, CommandHandler, ContextTypes
        """,
    "telegram/ext/_application.py": """
        import logging
        import time

        from telegram._bot import Bot
        from telegram.error import TelegramError

        _LOGGER = logging.getLogger("telegram.ext.Application")


        class ContextTypes:
            DEFAULT_TYPE = object


        class CommandHandler:
            def __init__(self, command, callback):
                self.command, self.callback = command, callback


        class ApplicationBuilder:
            def __init__(self):
                self._token, self._base_url = None, "https://api.telegram.org/bot"

            def token(self, token):
                self._token = token
                return self

            def base_url(self, base_url):
                self._base_url = base_url
                return self

            def build(self):
                return Application(Bot(self._token, self._base_url))


        class Application:
            def __init__(self, bot):
                self.bot, self.handlers, self.error_handlers = bot, [], []

            @staticmethod
            def builder():
                return ApplicationBuilder()

            def add_handler(self, handler):
                self.handlers.append(handler)

            def run_polling(self, poll_interval=0.0, timeout=1, drop_pending_updates=None):
                self.bot.get_me()
                self.bot.delete_webhook(drop_pending_updates=drop_pending_updates)
                _LOGGER.info("Application started")
                while True:
                    try:
                        self.bot.get_updates(timeout=timeout)
                    except TelegramError:
                        _LOGGER.exception("No error handlers are registered, logging exception.")
                        time.sleep(0.2)
                    time.sleep(poll_interval)
        """,
}

# The bot as people write it: no guard against a second copy.
PLAIN_BOT = """
import logging, os
from telegram.ext import Application
logging.basicConfig(level=logging.INFO)
app = Application.builder().token(os.environ["TELEGRAM_BOT_TOKEN"]).base_url(os.environ["TELEGRAM_API_URL"] + "/bot").build()
app.run_polling()
"""


class BotApi:
    """What the stand-in saw and holds: the requests (method, JSON body) and whether a webhook is set."""

    def __init__(self, webhook: bool = False, refuse: dict | None = None):
        self.webhook = webhook
        self.refuse = (
            refuse or {}
        )  # method -> (HTTP status, raw body): Telegram or a proxy refusing that call
        self.pending = 3  # updates queued for the bot; deleteWebhook(drop_pending_updates=True) discards them
        self.calls: list[tuple[str, dict]] = []
        self.generation = 0
        self.lock = threading.Lock()

    def methods(self, name: str) -> list[dict]:
        return [body for method, body in self.calls if method == name]


@contextmanager
def bot_api(webhook: bool = False, refuse: dict | None = None):
    state = BotApi(webhook, refuse)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def _answer(self):
            raw = self.rfile.read(int(self.headers.get("content-length") or 0))
            body = json.loads(raw) if raw.startswith(b"{") else {}
            method = self.path.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
            with state.lock:
                state.calls.append((method, body))
            status, payload = 200, {"ok": True, "result": True}
            if method in state.refuse:
                status, data = state.refuse[method]
                self.send_response(status)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
            if method == "getMe":
                payload["result"] = {
                    "id": 123456,
                    "is_bot": True,
                    "first_name": "Test",
                    "username": "test_bot",
                }
            elif method == "getWebhookInfo":
                url = "https://old.example.com/hook" if state.webhook else ""
                payload["result"] = {
                    "url": url,
                    "has_custom_certificate": False,
                    "pending_update_count": state.pending,
                }
            elif method == "deleteWebhook":
                state.webhook = False
                if body.get("drop_pending_updates"):
                    state.pending = 0
            elif method == "getUpdates":
                if state.webhook:
                    status, payload = 409, {"ok": False, "error_code": 409, "description": WEBHOOK}
                else:
                    with state.lock:
                        state.generation += 1
                        mine = state.generation
                    deadline = time.monotonic() + min(float(body.get("timeout") or 0), 1.0)
                    while time.monotonic() < deadline and state.generation == mine:
                        time.sleep(0.01)
                    if state.generation == mine:
                        payload["result"] = []
                    else:  # a newer getUpdates for the same token ended this one
                        status, payload = 409, {"ok": False, "error_code": 409, "description": CONFLICT}
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            with contextlib.suppress(OSError):  # the client was stopped mid-poll
                self.wfile.write(data)

        do_GET = do_POST = _answer

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", state
    finally:
        server.shutdown()
        server.server_close()


def _env(url: str, **extra: str) -> dict:
    return {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": url, "NO_PROXY": "*", "no_proxy": "*", **extra}


def _start(code: str, site, env: dict) -> subprocess.Popen:
    child = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", PYTHONPATH=str(site), **env)
    return subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=child
    )


def _stop(process: subprocess.Popen) -> str:
    process.kill()
    return process.communicate(timeout=10)[1]


def _wait_for(predicate, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.fixture
def site(tmp_path):
    return write_files(tmp_path / "site", FAKE_PTB)


def test_two_pollers_of_one_token_conflict(site, index):
    with bot_api() as (url, api):
        first = _start(PLAIN_BOT, site, _env(url))
        second = _start(PLAIN_BOT, site, _env(url))
        _wait_for(lambda: len(api.methods("getUpdates")) >= 8)
        logs = [_stop(first), _stop(second)]
    line = f"telegram.error.Conflict: {CONFLICT}"
    assert all(line in log for log in logs), logs[0][-600:]
    traceback = logs[0][logs[0].index("Traceback") :].split(line)[0] + line
    assert "telegram/request/_baserequest.py" in traceback
    assert "No error handlers are registered, logging exception." in logs[0]
    assert_answers(
        index, SLUG, "ERROR:telegram.ext.Application:No error handlers are registered\n" + traceback
    )


def test_option1_second_copy_exits_and_the_first_polls_alone(site, fix_code):
    code = fix_code(SLUG, 1)
    port = str(free_port())
    with bot_api(webhook=True) as (url, api):
        first = _start(code, site, _env(url, BOT_LOCK_PORT=port))
        _wait_for(lambda: len(api.methods("getUpdates")) >= 1)
        second = run_python(code, path=site, env=_env(url, BOT_LOCK_PORT=port), timeout=30)
        polls = len(api.methods("getUpdates"))
        _wait_for(lambda: len(api.methods("getUpdates")) >= polls + 2)
        log = _stop(first)
    assert second.returncode == 1
    assert f"Another copy of this bot already runs on this machine (port {port} is held)" in second.stderr
    assert "Conflict" not in log, log[-600:]
    assert "Application started" in log
    # run_polling() deleted the old webhook, once: the second copy never got that far
    assert len(api.methods("deleteWebhook")) == 1
    assert len(api.methods("getMe")) == 1


def test_option1_keeps_the_updates_users_sent_while_the_bot_was_down(site, fix_code):
    # The audit's fix: run_polling(drop_pending_updates=True) threw the queued updates away on every start and deploy.
    with bot_api(webhook=True) as (url, api):
        bot = _start(fix_code(SLUG, 1), site, _env(url, BOT_LOCK_PORT=str(free_port())))
        _wait_for(lambda: len(api.methods("getUpdates")) >= 1)
        _stop(bot)
    assert not api.methods("deleteWebhook")[0].get("drop_pending_updates")
    assert api.pending == 3


def test_option1_another_bind_error_is_not_reported_as_another_copy(tmp_path, site, fix_code):
    # Windows refuses ports in Hyper-V's excluded ranges with WinError 10013 (EACCES): that is no second copy.
    port = free_port()
    (tmp_path / "site" / "sitecustomize.py").write_text(
        "import errno, socket\n"
        "_bind = socket.socket.bind\n"
        "def bind(self, address):\n"
        f"    if address == ('127.0.0.1', {port}):\n"
        "        raise PermissionError(errno.EACCES, 'An attempt was made to access a socket in a way forbidden')\n"
        "    return _bind(self, address)\n"
        "socket.socket.bind = bind\n"
    )
    with bot_api() as (url, _api):
        result = run_python(fix_code(SLUG, 1), path=site, env=_env(url, BOT_LOCK_PORT=str(port)), timeout=30)
    assert result.returncode == 1
    assert "Another copy" not in result.stderr
    assert f"Cannot hold the lock port {port}" in result.stderr and "forbidden" in result.stderr


def test_option1_default_lock_port_is_outside_the_ephemeral_ranges(fix_code):
    # Linux gives 32768-60999 to outgoing connections (macOS and Windows 49152-65535): a local connection that got
    # the lock port made the bot exit with "Another copy ... already runs".
    default = re.search(r'"BOT_LOCK_PORT", "(\d+)"', fix_code(SLUG, 1))
    assert default and 1024 < int(default.group(1)) < 32768


def test_option1_without_the_lock_both_copies_conflict(site, fix_code):
    code = fix_code(SLUG, 1)
    with bot_api() as (url, api):
        first = _start(code, site, _env(url, BOT_LOCK_PORT=str(free_port())))
        second = _start(code, site, _env(url, BOT_LOCK_PORT=str(free_port())))
        _wait_for(lambda: len(api.methods("getUpdates")) >= 8)
        logs = [_stop(first), _stop(second)]
    assert all(f"telegram.error.Conflict: {CONFLICT}" in log for log in logs)


def test_option2_deletes_the_webhook(tmp_path, fix_code):
    with bot_api(webhook=True) as (url, api):
        before = run_python(PROBE, env=_env(url), cwd=tmp_path)
        result = run_python(fix_code(SLUG, 2), env=_env(url), cwd=tmp_path, args=["--drop-pending"])
        after = run_python(PROBE, env=_env(url), cwd=tmp_path)
        again = run_python(fix_code(SLUG, 2), env=_env(url), cwd=tmp_path)
    assert before.stdout.strip() == f"409 {WEBHOOK}"
    assert result.returncode == 0, result.stderr
    assert "webhook url: https://old.example.com/hook; pending updates: 3" in result.stdout
    assert "deleteWebhook: {'ok': True, 'result': True}" in result.stdout
    assert api.methods("deleteWebhook")[0] == {"drop_pending_updates": True}
    assert after.stdout.strip() == "200 []"
    assert again.returncode == 0 and "webhook url: (none)" in again.stdout
    assert len(api.methods("deleteWebhook")) == 1  # nothing to delete the second time


def test_option2_fails_when_telegram_refuses_delete_webhook(tmp_path, fix_code):
    # The audit's fix: a refused deleteWebhook printed "no webhook is set now" and exited 0.
    refused = json.dumps(
        {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 5"}
    ).encode()
    with bot_api(webhook=True, refuse={"deleteWebhook": (429, refused)}) as (url, _api):
        result = run_python(fix_code(SLUG, 2), env=_env(url), cwd=tmp_path)
    assert result.returncode == 1
    assert "no webhook is set now" not in result.stdout
    assert "deleteWebhook failed" in result.stderr


def test_option2_reports_a_proxy_error_page_instead_of_crashing(tmp_path, fix_code):
    # The audit's fix: json.load() of a proxy's HTML 502 page ended in a JSONDecodeError traceback.
    page = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
    with bot_api(refuse={"getWebhookInfo": (502, page)}) as (url, _api):
        result = run_python(fix_code(SLUG, 2), env=_env(url), cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "getWebhookInfo failed" in result.stderr and "502" in result.stderr


def test_option2_unreachable_api_exits_with_a_message_without_the_token(tmp_path, fix_code):
    result = run_python(fix_code(SLUG, 2), env=_env(f"http://127.0.0.1:{free_port()}"), cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "cannot reach" in result.stderr
    assert TOKEN not in result.stderr + result.stdout


# python-telegram-bot 22.8's filters.TEXT passes edited messages and channel posts to the handler (its filters check
# update.effective_message); there update.message is None. Checked with the real 22.8 by the audit of 2026-12-07.
FAKE_PTB_FILTERS = {
    "telegram/ext/__init__.py": """
        from telegram.ext._application import Application, CommandHandler, ContextTypes


        class MessageHandler:
            def __init__(self, filters, callback):
                self.filters, self.callback = filters, callback


        class filters:
            TEXT = "TEXT"
        """,
}


def test_option3_handler_survives_an_edited_message(tmp_path, fix_code):
    # The audit's fix: update.message.text raised AttributeError for every edited message and channel post.
    site = write_files(tmp_path / "site", {**FAKE_PTB, **FAKE_PTB_FILTERS})
    probe = (
        "import asyncio, types\n"
        "namespace = {'__name__': 'webhook_bot'}\n"
        f"exec(compile({fix_code(SLUG, 3)!r}, 'webhook_bot.py', 'exec'), namespace)\n"
        "edited = types.SimpleNamespace(text='hi (edited)')\n"
        "update = types.SimpleNamespace(update_id=7, message=None, edited_message=edited, effective_message=edited)\n"
        "asyncio.run(namespace['echo'](update, None))\n"
        "print('handled')\n"
    )
    result = run_python(probe, path=site, cwd=tmp_path, timeout=30)
    assert result.returncode == 0, result.stderr[-600:]
    assert "handled" in result.stdout


PROBE = """
import json, os, urllib.request, urllib.error
url = f"{os.environ['TELEGRAM_API_URL']}/bot{os.environ['TELEGRAM_BOT_TOKEN']}/getUpdates"
try:
    with urllib.request.urlopen(urllib.request.Request(url, data=b"{}"), timeout=10) as r:
        print(r.status, json.load(r)["result"])
except urllib.error.HTTPError as e:
    print(e.code, json.load(e)["description"])
"""


TRACEBACKS = [
    f"""2024-08-24 18:57:27,230 - telegram.ext.Updater - ERROR - Error while getting Updates: {CONFLICT}
2024-08-24 18:57:27,231 - telegram.ext.Application - ERROR - No error handlers are registered, logging exception.
Traceback (most recent call last):
  File "/app/.venv/lib/python3.11/site-packages/telegram/ext/_updater.py", line 378, in polling_action_cb
    updates = await self.bot.get_updates(
  File "/app/.venv/lib/python3.11/site-packages/telegram/request/_baserequest.py", line 381, in _request_wrapper
    raise Conflict(message)
telegram.error.Conflict: {CONFLICT}""",
    f"""INFO:aiogram.dispatcher:Run polling for bot @my_bot id=123456 - 'My Bot'
ERROR:aiogram.dispatcher:Failed to fetch updates - TelegramConflictError: Telegram server says - {CONFLICT}
WARNING:aiogram.dispatcher:Sleep for 1.000000 seconds and try again... (tryings = 0, bot id = 123456)""",
    f'2026-12-07 13:26:16,985 (__init__.py:1301 MainThread) ERROR - TeleBot: "Threaded polling exception: '
    f'A request to the Telegram API was unsuccessful. Error code: 409. Description: {CONFLICT}"',
    f'error: [polling_error] {{"code":"ETELEGRAM","message":"ETELEGRAM: 409 {CONFLICT}"}}',
    # pyTelegramBotAPI 3.6.6 (apihelper._check_result) put the raw body after the status line
    "telebot.apihelper.ApiException: A request to the Telegram API was unsuccessful. The server returned HTTP 409 "
    f'Conflict. Response body:\n[b\'{{"ok":false,"error_code":409,"description":"{CONFLICT}"}}\']',
    f"""Traceback (most recent call last):
  File "/app/bot.py", line 9, in <module>
    bot.get_updates(timeout=0)
  File "/usr/local/lib/python3.12/site-packages/telebot/apihelper.py", line 170, in _check_result
    raise ApiTelegramException(method_name, result, result_json)
telebot.apihelper.ApiTelegramException: A request to the Telegram API was unsuccessful. Error code: 409. Description: {WEBHOOK}""",
]


@pytest.mark.parametrize(
    "text", TRACEBACKS, ids=["ptb", "aiogram", "telebot", "node", "telebot-3.6", "telebot-webhook"]
)
def test_matcher_answers_pasted_logs(index, text):
    assert_answers(index, SLUG, text)


def test_matcher_refuses_the_look_alikes(index, entry):
    for text in entry.not_errors:
        assert confident_answer(index, text) != SLUG, text
