"""Driving the real bot over HTTP the way Slack does: a gunicorn server, signed requests, block helpers.

Used by tests/test_slack_http.py (a module-scoped server) and tests/load_http.py (the load
benchmark). Everything talks real HTTP: the bot's WebClient points at a FakeSlack, and requests
reach `python -m bot serve` signed with the same secret the server checks.
"""
from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import yaml
from procs import children
from slack_sdk.signature import SignatureVerifier

from conftest import ROOT
from fake_slack import Call, FakeSlack
from pg_server import free_port

SIGNING_SECRET = "test-signing-secret"
BOT_USER = "UBOT"


def http_config(dest: Path, storage: Path, settings: dict | None = None) -> Path:
    """The project's app.yaml for HTTP mode, with absolute knowledge and storage paths
    (and any top-level `settings` replaced, e.g. reps)."""
    data = yaml.safe_load((ROOT / "app.yaml").read_text(encoding="utf-8")) | (settings or {})
    data["socket_mode"] = False
    data["packs"] = [str(ROOT / p) for p in data["packs"]]
    data["storage"]["path"] = str(storage)
    dest.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return dest


# ---- signed requests ---------------------------------------------------------------------------------
def signed_headers(body: bytes, content_type: str, *, secret: str = SIGNING_SECRET,
                   timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature, "Content-Type": content_type}


@dataclass
class Response:
    status: int
    body: str
    seconds: float

    def json(self):
        return json.loads(self.body)


def post(url: str, body: bytes, headers: dict[str, str], timeout: float = 10) -> Response:
    start = time.monotonic()
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            return Response(r.status, r.read().decode(), time.monotonic() - start)
    except urllib.error.HTTPError as e:  # 401 and friends are answers too
        return Response(e.code, e.read().decode(errors="replace"), time.monotonic() - start)


def event_body(event: dict, event_id: str | None = None) -> dict:
    """An Events API event_callback as Slack sends it."""
    event = {"event_ts": event.get("ts", f"{time.time():.6f}")} | event
    return dict(token="t", team_id="T1", api_app_id="A1", type="event_callback", event=event,
                event_id=event_id or f"Ev{uuid.uuid4().hex[:10]}", event_time=int(time.time()),
                authorizations=[dict(team_id="T1", user_id=BOT_USER, is_bot=True)])


_last_ts = [0.0]
_ts_lock = threading.Lock()


def new_ts() -> str:
    """A unique message ts on Slack's clock (ours), so tests sharing one server never collide in
    its dedupe memory, and the bot's answer (the fake Slack's clock too) comes after it."""
    with _ts_lock:
        _last_ts[0] = max(time.time(), _last_ts[0] + 0.000001)
        return f"{_last_ts[0]:.6f}"


def mention(text: str, channel: str, ts: str | None = None, **extra) -> dict:
    return dict(type="app_mention", user="U1", text=text, channel=channel, ts=ts or new_ts()) | extra


def direct_message(text: str, channel: str, ts: str | None = None, **extra) -> dict:
    return dict(type="message", channel_type="im", user="U1", text=text, channel=channel, ts=ts or new_ts()) | extra


class SlackSender:
    """Posts to the bot's /slack/events the way Slack does (JSON events, form-encoded commands and interactivity)."""

    def __init__(self, url: str, secret: str = SIGNING_SECRET):
        self.url, self.secret = url, secret

    def send(self, body: bytes, content_type: str, *, secret: str | None = None, timestamp: int | None = None,
             headers: dict | None = None, timeout: float = 10) -> Response:
        signed = signed_headers(body, content_type, secret=secret or self.secret, timestamp=timestamp)
        return post(self.url, body, signed | (headers or {}), timeout=timeout)

    def event(self, event: dict, event_id: str | None = None, *, retry: int | None = None, **kw) -> Response:
        return self.event_callback(event_body(event, event_id), retry=retry, **kw)

    def event_callback(self, body: dict, *, retry: int | None = None, **kw) -> Response:
        headers = kw.pop("headers", {}) or {}
        if retry:
            headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        return self.send(json.dumps(body).encode(), "application/json", headers=headers, **kw)

    def command(self, command: str, text: str, response_url: str, *, timeout: float = 10, **fields) -> Response:
        form = dict(token="t", team_id="T1", team_domain="fake", channel_id="C1", channel_name="general",
                    user_id="U1", user_name="u1", command=command, text=text, api_app_id="A1",
                    is_enterprise_install="false", response_url=response_url,
                    trigger_id=f"trig-{uuid.uuid4().hex[:8]}") | fields   # unique, as Slack's are
        return self.send(urlencode(form).encode(), "application/x-www-form-urlencoded", timeout=timeout)

    def interaction(self, payload: dict) -> Response:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self.send(body, "application/x-www-form-urlencoded")


def block_actions(action_id: str, value: str, *, response_url: str, channel: str = "C1", message_ts: str = "",
                  user: str = "U1", trigger_id: str = "") -> dict:
    """A block_actions payload for a button press on one of the bot's messages."""
    message_ts = message_ts or new_ts()
    return dict(
        type="block_actions", api_app_id="A1", token="t", trigger_id=trigger_id or f"trig-{uuid.uuid4().hex[:8]}",
        team={"id": "T1", "domain": "fake"}, user={"id": user, "username": user.lower(), "team_id": "T1"},
        container={"type": "message", "message_ts": message_ts, "channel_id": channel, "is_ephemeral": False},
        channel={"id": channel, "name": "general"}, response_url=response_url,
        actions=[{"type": "button", "action_id": action_id, "block_id": "b1", "value": value,
                  "text": {"type": "plain_text", "text": action_id}, "action_ts": f"{time.time():.6f}"}])


def message_shortcut(text: str, *, response_url: str, callback_id: str = "ask_guidance_bot",
                     channel: str = "C1") -> dict:
    ts = new_ts()
    return dict(type="message_action", callback_id=callback_id, token="t", action_ts=ts, message_ts=ts,
                trigger_id=f"trig-{uuid.uuid4().hex[:8]}", response_url=response_url,
                team={"id": "T1", "domain": "fake"}, user={"id": "U1", "name": "u1"},
                channel={"id": channel, "name": "general"},
                message={"type": "message", "user": "U2", "text": text, "ts": ts})


# ---- reading what the bot posted ---------------------------------------------------------------------
def elements(blocks: list[dict]) -> Iterator[dict]:
    """Every interactive element: actions-block elements and section accessories."""
    for block in blocks or []:
        yield from block.get("elements", []) if block.get("type") == "actions" else []
        if isinstance(block.get("accessory"), dict):
            yield block["accessory"]


def button(blocks: list[dict], action_id: str) -> dict:
    found = [e for e in elements(blocks) if e.get("action_id") == action_id]
    assert found, f"no button {action_id!r} in {[e.get('action_id') for e in elements(blocks)]}"
    return found[0]


def shown_text(blocks: list[dict]) -> str:
    """All text a member can see in blocks (text objects), not button values."""
    out: list[str] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("plain_text", "mrkdwn") and isinstance(node.get("text"), str):
                out.append(node["text"])
            for key, child in node.items():
                if key != "value":
                    walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(blocks)
    return "\n".join(out)


def posts_in(fake: FakeSlack, channel: str) -> list[Call]:
    return [c for c in fake.calls_to("chat.postMessage") if c.params.get("channel") == channel]


def responses_to(fake: FakeSlack, name: str) -> list[Call]:
    return [c for c in fake.calls_to("response_url") if c.path == f"/response/{name}"]


def wait_until(predicate, timeout: float = 10.0, interval: float = 0.02):
    """Poll until predicate() is truthy; return its value or fail with what was seen."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            assert value, f"condition not met within {timeout}s"
            return value
        time.sleep(interval)


# ---- the server ------------------------------------------------------------------------------------------
@dataclass
class BotServer:
    process: subprocess.Popen
    port: int
    db_path: Path
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    def readyz(self, timeout: float = 2) -> int | None:
        """The status GET /readyz answers with, or None if nothing answers (within `timeout`)."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/readyz", timeout=timeout) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code
        except OSError:
            return None

    def log_tail(self, lines: int = 80) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""


def _copy(stream, path: Path) -> None:
    with open(path, "ab") as log:
        for line in iter(stream.readline, b""):
            log.write(line)
            log.flush()


def worker_pids(server: BotServer) -> list[int]:
    """The gunicorn workers (children of the master process)."""
    return children().get(server.process.pid, [])


def fresh(prefix: str = "U") -> str:
    """A new id (a user, a channel) no other test uses."""
    return prefix + uuid.uuid4().hex[:10].upper()


@contextlib.contextmanager
def bot_server(fake: FakeSlack, workdir: Path, *, workers: int = 2, startup_timeout: float = 60,
               settings: dict | None = None, env: dict | None = None, port: int | None = None,
               db_path: Path | None = None) -> Iterator[BotServer]:
    """`python -m bot --config <tmp app.yaml> serve` under gunicorn, ready when every worker has built its app."""
    workdir.mkdir(parents=True, exist_ok=True)
    db_path = db_path or workdir / "bot.sqlite3"
    config = http_config(workdir / "app.yaml", db_path, settings)
    port = port or free_port()
    booted = len(fake.calls_to("auth.test"))   # a restart on the same fake counts afresh
    extra = env or {}
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env |= dict(SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=fake.base_url,
                PORT=str(port), WEB_CONCURRENCY=str(workers), PYTHONUNBUFFERED="1") | extra
    log_path = workdir / "server.log"
    # Through a pipe, not straight into the file: a test may cap the server's file sizes (a
    # full disk) and the log must still be written.
    process = subprocess.Popen([sys.executable, "-m", "bot", "--config", str(config), "serve"],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    threading.Thread(target=_copy, args=(process.stdout, log_path), daemon=True).start()
    server = BotServer(process, port, db_path, log_path)
    try:
        deadline = time.monotonic() + startup_timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"bot server exited with {process.returncode}:\n{server.log_tail()}")
            # Ready: GET /readyz answers 200 (a worker has built its whole app: store, pack, inbox
            # worker), and every worker has started building (Bolt's App() calls auth.test once in
            # each, after the master's start-up check called it once), so none is left to fork.
            started = len(fake.calls_to("auth.test")) - booted >= workers + 1
            if started and server.readyz() == 200:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"bot server not ready within {startup_timeout}s:\n{server.log_tail()}")
            time.sleep(0.05)
        yield server
    finally:
        stop_process(process)


def stop_process(process: subprocess.Popen) -> None:
    """SIGTERM a server the test started, SIGKILL if it hasn't gone within 15 s."""
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def server_acks(port: int) -> str | None:
    """The server's own ack timings, from its /metrics histogram (every worker's, added up), as a
    bench prints them: how many, the share within 100 ms, and the bucket bound that 99% are
    within. A bench's client-side latencies include this machine's scheduling of its own threads;
    these don't. None when the server has none to give."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
            text = r.read().decode()
    except OSError:
        return None
    buckets = {}
    for line in text.splitlines():
        if line.startswith("biglisten_ack_seconds_bucket{"):
            le = line.split('le="', 1)[1].split('"', 1)[0]
            buckets[float(le)] = float(line.rsplit(" ", 1)[1])
    total = buckets.get(float("inf"), 0.0)
    if not total:
        return None
    p99 = min(le for le, n in buckets.items() if n >= 0.99 * total)
    bound = f"at most {p99 * 1000:.0f} ms" if p99 != float("inf") else "over 3000 ms"
    return (f"{int(total)} (/metrics, biglisten_ack_seconds): {buckets.get(0.1, 0.0) / total:.1%} within 100 ms, "
            f"p99 {bound}")


class PostingClient:
    """A Web API client that only records its chat.postMessage calls (the DMs an Answerer sends),
    for tests of the inbox's replies without Slack."""

    def __init__(self):
        self.posts: list[dict] = []

    def chat_postMessage(self, **kw):
        self.posts.append(kw)
        return {"ok": True}
