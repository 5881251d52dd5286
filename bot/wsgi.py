"""HTTP mode: the Bolt app as a WSGI application under gunicorn (POST /slack/events).

`SlackWsgi` stands in front of Bolt and turns hostile input away cheaply, before Bolt (or
the bot) sees it:

- a body over MAX_BODY bytes gets 413 without being read (Slack's payloads are a few KB);
- a body that isn't UTF-8 gets 400; an unsigned, wrongly signed or stale request gets 401
  once the (bounded) body is read, before it is parsed;
- a signed body that isn't what Slack sends (bad JSON, an array, `event` or
  `authorizations` of the wrong type ...) gets 400.

Each refusal is one log line naming the reason and the size, never the body (a body can
hold anything, newlines that forge log lines included), and never a traceback.
"""
from __future__ import annotations

import json
import logging
import os
import time
from http import HTTPStatus
from urllib.parse import parse_qs

from gunicorn.app.base import BaseApplication
from slack_bolt import App
from slack_bolt.request import BoltRequest
from slack_sdk.signature import SignatureVerifier

from bot.config import Config
from bot.errors import BotError, StoreError
from bot.logs import gunicorn_logger_class
from bot.metrics import prepare_multiprocess, record_ack_latency, worker_exited

MAX_BODY = 1_000_000   # bytes
PATH = "/slack/events"
log = logging.getLogger("biglisten.http")

# Fields of a Slack payload that Bolt reads, and the type each must have when present.
_DICT_FIELDS = ("event", "user", "team", "channel", "container", "message", "view", "enterprise",
                "authorization", "item")
_LIST_FIELDS = ("authorizations", "actions")


def malformed(body: str, content_type: str) -> str | None:
    """Why a (signed) body can't be a Slack request, or None if its shape is fine."""
    if "application/json" in content_type:
        try:
            data = json.loads(body)
        except ValueError:
            return "body is not valid JSON"
    else:
        form = parse_qs(body, keep_blank_values=True)
        if "payload" not in form:
            return None   # a slash command: flat form fields
        try:
            data = json.loads(form["payload"][0])
        except ValueError:
            return "form payload is not valid JSON"
    return _bad_shape(data)


def _bad_shape(data) -> str | None:
    if not isinstance(data, dict):
        kind = {list: "an array", type(None): "null", str: "a string"}.get(type(data), "a number")
        return f"body is {kind}, not an object"
    for name in _DICT_FIELDS:
        if name in data and data[name] is not None and not isinstance(data[name], dict):
            return f"'{name}' is not an object"
    for name in _LIST_FIELDS:
        value = data.get(name)
        if value is not None and not (isinstance(value, list) and all(isinstance(v, dict) for v in value)):
            return f"'{name}' is not a list of objects"
    if not isinstance(data.get("type"), str) or not data["type"]:   # every payload Slack sends has one
        return "no 'type'"
    event = data.get("event")
    if isinstance(event, dict) and not isinstance(event.get("type", ""), str):
        return "'event.type' is not text"
    if data["type"] == "event_callback" and not (isinstance(event, dict) and event.get("type")):
        return "an event_callback without an event type"   # Bolt: 404 and a warning
    return None


class SlackWsgi:
    """The WSGI application gunicorn serves: the guard above, then Bolt."""

    def __init__(self, app: App, signing_secret: str, *, path: str = PATH, max_body: int = MAX_BODY):
        self.app, self.path, self.max_body = app, path, max_body
        self.verifier = SignatureVerifier(signing_secret)

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        status, headers, body = self.handle(environ)
        if environ.get("PATH_INFO") == self.path:   # Slack's requests, refused ones too
            record_ack_latency(time.perf_counter() - started)
        headers = headers + [("Content-Length", str(len(body)))]
        start_response(f"{status} {HTTPStatus(status).phrase}", headers)
        return [body]

    def handle(self, environ) -> tuple[int, list[tuple[str, str]], bytes]:
        if environ.get("PATH_INFO") != self.path:
            return _plain(404, "Not Found")
        if environ.get("REQUEST_METHOD") != "POST":
            return _plain(405, "Method Not Allowed")
        length_header = environ.get("CONTENT_LENGTH") or ""
        if length_header and not length_header.isdecimal():
            return self._refuse(400, "a Content-Length that is not a number", environ)
        if length_header and int(length_header) > self.max_body:
            # Not read at all; the connection is closed so the rest of it is never parsed.
            return self._refuse(413, f"a {int(length_header)}-byte body (limit {self.max_body})", environ, close=True)
        raw = environ["wsgi.input"].read(int(length_header) if length_header else self.max_body + 1)
        if len(raw) > self.max_body:   # chunked, without a length
            return self._refuse(413, f"a body over {self.max_body} bytes", environ, close=True)
        try:
            text = raw.decode("utf-8")   # Slack sends UTF-8; the signature is checked on the text
        except UnicodeDecodeError:
            return self._refuse(400, f"a body that is not UTF-8 ({len(raw)} bytes)", environ)
        timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP") or ""
        signature = environ.get("HTTP_X_SLACK_SIGNATURE") or ""
        if not (timestamp.isdecimal() and signature and self.verifier.is_valid(text, timestamp, signature)):
            return self._refuse(401, f"an unsigned, wrongly signed or stale request ({len(raw)} bytes)", environ)
        why = malformed(text, environ.get("CONTENT_TYPE") or "")
        if why:
            return self._refuse(400, f"a signed request whose {why}", environ)
        try:
            request = BoltRequest(body=text, query=environ.get("QUERY_STRING", ""), headers=_headers(environ))
        except Exception as e:
            return self._refuse(400, f"a signed request Bolt can't read ({type(e).__name__})", environ)
        response = self.app.dispatch(request)
        headers = [(k, v) for k, values in response.headers.items() if k.lower() != "content-length"
                   for v in values]
        return response.status, headers, (response.body or "").encode("utf-8")

    def _refuse(self, status: int, what: str, environ, close: bool = False):
        log.warning("HTTP %d: refused %s from %s", status, what, environ.get("REMOTE_ADDR", "?"))
        status, headers, body = _plain(status, HTTPStatus(status).phrase)
        return status, headers + ([("Connection", "close")] if close else []), body


def _plain(status: int, text: str) -> tuple[int, list[tuple[str, str]], bytes]:
    return status, [("Content-Type", "text/plain; charset=utf-8")], text.encode()


def _headers(environ) -> dict[str, str]:
    headers = {}
    for key, value in environ.items():
        if key in ("CONTENT_LENGTH", "CONTENT_TYPE"):
            headers[key.lower().replace("_", "-")] = value
        elif key.startswith("HTTP_"):
            headers[key[5:].lower().replace("_", "-")] = value
    return headers


def create_wsgi_app(config: Config, env) -> SlackWsgi:
    from bot.app import build_bot
    from bot.guide import Guide

    guide = Guide.from_config(config)
    guide.purge_if_due()
    bot = build_bot(guide, env)
    bot.start()   # takes over what killed workers (or the last server) left in the inbox
    from bot.ops import OpsRoutes  # GET /healthz, /readyz, /metrics
    return OpsRoutes(SlackWsgi(bot.app, env.signing_secret), guide)


class _Gunicorn(BaseApplication):
    def __init__(self, config: Config, env):
        self.bot_config, self.env = config, env
        super().__init__()

    def load_config(self) -> None:
        self.cfg.set("bind", f"0.0.0.0:{self.env.port}")
        self.cfg.set("workers", self.env.workers)
        # Threads keep one slow Slack call from blocking other requests' 3-second acks.
        self.cfg.set("worker_class", "gthread")
        self.cfg.set("threads", 8)
        self.cfg.set("timeout", 30)
        self.cfg.set("logger_class", gunicorn_logger_class())          # LOG_FORMAT=json covers gunicorn's lines
        self.cfg.set("child_exit", lambda _arbiter, worker: worker_exited(worker.pid))  # metrics of dead workers
        if "control_socket_disable" in self.cfg.settings:   # gunicorn >= 25.1
            self.cfg.set("control_socket_disable", True)    # several bots (or tests) on one host

    def load(self):
        # Runs in each worker after the fork: its own app, index and SQLite connection.
        try:
            return create_wsgi_app(self.bot_config, self.env)
        except StoreError as e:
            # The database went away after start-up (a worker killed in an outage is replaced):
            # one line, a pause, and gunicorn starts it again until the database is back. It had
            # been a traceback and a new worker about once a second (round 21's hunt).
            log.error("worker can't start: %s; trying again in %g s", e, BOOT_RETRY_SECONDS)
            time.sleep(BOOT_RETRY_SECONDS)
            raise SystemExit(1) from None


BOOT_RETRY_SECONDS = 5.0   # well inside gunicorn's 30 s worker timeout


def run_gunicorn(config: Config, env) -> int:
    prepare_multiprocess()   # before any worker imports prometheus_client
    master = os.getpid()
    try:
        _Gunicorn(config, env).run()
    except SystemExit as e:
        # gunicorn: a worker failed to boot (its traceback is above). In the worker itself the
        # code stays 3, which tells the master to stop: turned into 2 there, it was restarted
        # forever, once a second.
        if e.code == 3 and os.getpid() == master:
            raise BotError("a gunicorn worker could not start: see the lines above") from None
        raise
    return 0
