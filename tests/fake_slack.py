"""A fake Slack (Web API + Socket Mode) on 127.0.0.1 for tests.

Why a real server instead of mocks: the bot talks to Slack only through slack_sdk / slack_bolt, so
the honest test drives those real clients over real HTTP and WebSocket and asserts on what reached
"Slack". Give Bolt a ``WebClient(base_url=fake.base_url)``; ``SocketModeHandler`` then finds the
WebSocket through ``apps.connections.open``.

What slack_sdk 3.48 really sends: every Web API call is a POST with the token in ``Authorization``;
chat.* / views.* send JSON bodies, most other methods (auth.test, pins.*, users.info ...) send
form-encoded, so JSON-string fields such as ``blocks`` are decoded here. Its builtin Socket Mode
client speaks plain ``ws://`` to any port other than 443, sends no close frame on ``close()``, and
reconnects when the server closes: close the SocketModeHandler *before* stopping the fake.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import serve as ws_serve

# Fields Slack takes as JSON-encoded strings when a request is form-encoded.
JSON_FIELDS = {"blocks", "attachments", "view", "metadata", "unfurls", "user_auth_blocks", "files"}


@dataclass
class Call:
    """One request that reached the fake. ``headers`` keys are lower-cased."""

    method: str  # e.g. "chat.postMessage", or "response_url"
    params: dict
    headers: dict
    status: int = 200  # 429 when the call was rate limited
    path: str = ""


def _decode_body(content_type: str, body: bytes) -> dict:
    """Turn a JSON or form-encoded body into a plain dict (multipart uploads are not decoded)."""
    if "json" in content_type:
        return json.loads(body or b"{}")
    return dict(parse_qsl(body.decode(errors="replace"), keep_blank_values=True))


def _decode_json_fields(params: dict) -> dict:
    for key in JSON_FIELDS & params.keys():
        if isinstance(params[key], str) and params[key][:1] in "[{":
            with contextlib.suppress(ValueError):  # not JSON after all: leave it as sent
                params[key] = json.loads(params[key])
    return params


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        url = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        params = dict(parse_qsl(url.query)) | _decode_body(self.headers.get("Content-Type", ""), body)
        if url.path.startswith("/response/"):
            method = "response_url"
        else:
            method = url.path.removeprefix("/api/")
        headers = {k.lower(): v for k, v in self.headers.items()}
        fake: FakeSlack = self.server.fake
        status, payload, extra = fake._handle(method, _decode_json_fields(params), headers, url.path)
        data = json.dumps(payload).encode()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):   # the caller was killed or gave up
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for k, v in extra.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

    do_GET = do_POST

    def log_message(self, *args: Any) -> None:  # keep pytest output clean
        pass


class FakeSlack:
    """Fake Slack. Use as ``with FakeSlack() as fake:``; see module docstring."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.socket_acks: list[dict] = []
        self.usergroups: dict[str, list[str]] = {}  # usergroup id -> user ids
        self.users: dict[str, dict] = {}  # user id -> extra fields merged into users.info "user"
        self._responses: dict[str, Any] = {}
        self._rate_limits: dict[str, list[int]] = {}  # method -> [times left, retry_after]
        self._faults: dict[str, list] = {}  # method -> [times left, status, delay, payload]
        self._holds: dict[str, int] = {}  # method (or one response URL's path) -> calls left to hold
        self._hold_through: set[str] = set()   # ... whose held calls go through when released
        self._hold_answered: set[str] = set()   # ... done as they arrive, only their answers held
        self.held = 0   # calls being held now
        self._released = threading.Event()
        self.messages: dict[str, list[dict]] = {}  # channel -> messages posted by chat.postMessage
        self.pinned: dict[str, list[str]] = {}   # channel -> ts of its pinned messages (pins.add, `pin`)
        self._cond = threading.Condition()
        self._last_ts = 0.0   # a post's ts: Slack's clock (ours), each later than the one before
        self._ws_clients: list = []
        self._send_lock = threading.Lock()

    # ---- lifecycle -------------------------------------------------------------------------------
    def start(self) -> FakeSlack:
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._http.fake = self
        # compression=None: the SDK never negotiates it; short close_timeout keeps stop() fast.
        self._ws = ws_serve(self._ws_handler, "127.0.0.1", 0, compression=None, close_timeout=1)
        port, ws_port = self._http.server_address[1], self._ws.socket.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{port}/api/"
        self._root = f"http://127.0.0.1:{port}"
        self.ws_url = f"ws://127.0.0.1:{ws_port}/link/?ticket=fake&app_id=A1"
        self._threads = [  # a short poll interval keeps stop() quick
            threading.Thread(target=self._http.serve_forever, args=(0.05,), daemon=True),
            threading.Thread(target=self._ws.serve_forever, daemon=True),
        ]
        for t in self._threads:
            t.start()
        return self

    def stop(self) -> None:
        """Close WebSocket clients (code 1001), then stop both servers and join their threads."""
        self._ws.shutdown()
        self._http.shutdown()
        self._http.server_close()
        for t in self._threads:
            t.join(timeout=5)

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- configuration ---------------------------------------------------------------------------
    def set_response(self, method: str, payload: dict | Any | None) -> None:
        """Override the canned answer: a dict, a callable(params) -> dict, or None to restore."""
        with self._cond:
            self._responses[method] = payload

    def rate_limit(self, method: str, times: int = 1, retry_after: int = 1) -> None:
        """Answer the next ``times`` calls to ``method`` with HTTP 429 + Retry-After."""
        with self._cond:
            self._rate_limits[method] = [times, retry_after]

    def fault(self, method: str, times: int = 1, *, status: int = 503, delay: float = 0.0,
              payload: dict | None = None) -> None:
        """Make the next ``times`` calls to ``method`` misbehave: ``status`` other than 200 answers that
        error without doing the call; ``delay`` answers late, *after* doing the call (a slow post that
        went through), with ``payload`` (default: the normal answer). ``times=0`` clears it.
        ``method`` may be one response URL's path ("/response/NAME"): only replies to it misbehave,
        not another test's late reply."""
        with self._cond:
            self._faults[method] = [times, status, delay, payload]

    def hold(self, method: str, times: int = 1, *, through: bool = False, answered: bool = False) -> None:
        """Hold the next ``times`` calls to ``method`` unanswered and unrecorded (Slack hasn't got
        them yet) until `release()`, which answers them 503: a caller killed meanwhile posted nothing.
        ``through``: released, they are done and answered as usual (a slow network: the call lands
        after others made since). ``answered``: they are done (and recorded) as they arrive, and
        only their answers wait for `release()` (Slack's answer slow on its way back: it says how
        things were when the call landed). ``method`` may be one response URL's path ("/response/NAME")."""
        with self._cond:
            self._holds[method] = times
            (self._hold_through.add if through else self._hold_through.discard)(method)
            (self._hold_answered.add if answered else self._hold_answered.discard)(method)
            self._released.clear()

    def release(self) -> None:
        with self._cond:
            self._holds.clear()
        self._released.set()

    def pin(self, channel: str, ts: str, pinned: bool = True) -> None:
        """A message pinned (or unpinned) in Slack by a person, with Slack's own menu: pins.list
        says so from now on."""
        with self._cond:
            stamps = self.pinned.setdefault(channel, [])
            if pinned and ts not in stamps:
                stamps.append(ts)
            elif not pinned and ts in stamps:
                stamps.remove(ts)

    def response_url(self, name: str = "r1") -> str:
        """A URL Bolt's ``respond()`` / WebhookClient can post to; recorded as "response_url"."""
        return f"{self._root}/response/{name}"

    # ---- inspection ------------------------------------------------------------------------------
    def calls_to(self, method: str) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Block until ``count`` calls (429s included) to ``method`` arrived; Bolt replies in threads."""
        with self._cond:
            if self._cond.wait_for(lambda: len(self.calls_to(method)) >= count, timeout):
                return self.calls_to(method)
            seen = [(c.method, c.status, c.params) for c in self.calls]
        raise AssertionError(f"expected {count} call(s) to {method} within {timeout}s; calls so far: {seen}")

    def clear(self) -> None:
        """Forget recorded calls and acks (overrides, rate limits and usergroups are kept)."""
        with self._cond:
            self.calls.clear()
            self.socket_acks.clear()

    def chatter(self, channel: str, n: int, thread_ts: str | None = None) -> list[str]:
        """`n` messages from members (no metadata) in a channel or thread, as if posted now: their ts."""
        stamps = [self._next_ts() for _ in range(n)]
        with self._cond:
            self.messages.setdefault(channel, []).extend(
                {"type": "message", "user": "U1", "text": f"chat {i}", "ts": ts} | ({"thread_ts": thread_ts}
                                                                                  if thread_ts else {})
                for i, ts in enumerate(stamps))
        return stamps

    # ---- HTTP ------------------------------------------------------------------------------------
    def _handle(self, method: str, params: dict, headers: dict, path: str) -> tuple[int, dict, dict]:
        with self._cond:
            held = path if self._holds.get(path, 0) > 0 else method if self._holds.get(method, 0) > 0 else None
            if held is not None:
                self._holds[held] -= 1
                self.held += 1
                answered = held in self._hold_answered
                self._cond.notify_all()
        if held is not None and answered:
            done = self._do(method, params, headers, path)
            self._released.wait(60)
            with self._cond:
                self.held -= 1
            return done
        if held is not None:
            self._released.wait(60)
            with self._cond:
                self.held -= 1
                through = held in self._hold_through
            if not through:
                return 503, {"ok": False, "error": "fake_held"}, {}
        return self._do(method, params, headers, path)

    def _do(self, method: str, params: dict, headers: dict, path: str) -> tuple[int, dict, dict]:
        with self._cond:
            limit = self._rate_limits.get(method)
            if limit and limit[0] > 0:
                limit[0] -= 1
                self.calls.append(Call(method, params, headers, 429, path))
                self._cond.notify_all()
                return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(limit[1])}
            fault = self._faults.get(path)   # set on one response URL, else on the method
            if not (fault and fault[0] > 0):
                fault = self._faults.get(method)
            if fault and fault[0] > 0:
                fault[0] -= 1
            else:
                fault = None
            if fault and fault[1] != 200:
                self.calls.append(Call(method, params, headers, fault[1], path))
                self._cond.notify_all()
                return fault[1], fault[3] or {"ok": False, "error": "fake_fault"}, {}
            override = self._responses.get(method)
            self.calls.append(Call(method, params, headers, 200, path))
            self._cond.notify_all()
        if override is not None:
            answer = override(params) if callable(override) else override
        else:
            answer = self._canned(method, params)
        if fault:
            time.sleep(fault[2])
            answer = fault[3] or answer
        return 200, answer, {}

    def _next_ts(self) -> str:
        with self._cond:
            self._last_ts = max(time.time(), self._last_ts + 0.000001)
            return f"{self._last_ts:.6f}"

    def _canned(self, method: str, p: dict) -> dict:
        """Plausible minimal answers: just the fields our code and Bolt read."""
        ch, ok = p.get("channel", "C1"), {"ok": True}
        msg = {"type": "message", "user": "UBOT", "bot_id": "BBOT", "text": p.get("text", "")}
        if "blocks" in p:
            msg["blocks"] = p["blocks"]
        if method == "auth.test":
            who = dict(user="guidance-bot", user_id="UBOT", bot_id="BBOT", team_id="T1", team="Fake")
            return ok | who | dict(url="https://fake.slack.com/", is_enterprise_install=False)
        if method == "chat.postMessage":
            ts = self._next_ts()
            for key in ("thread_ts", "metadata"):
                if p.get(key):
                    msg[key] = p[key]
            with self._cond:
                self.messages.setdefault(ch, []).append(msg | {"ts": ts})
            return ok | {"channel": ch, "ts": ts, "message": msg | {"ts": ts}}
        if method == "chat.postEphemeral":
            return ok | {"message_ts": self._next_ts()}
        if method == "chat.update":
            return ok | {"channel": ch, "ts": p.get("ts"), "text": msg["text"], "message": msg}
        if method == "chat.getPermalink":
            ts = str(p.get("message_ts", "")).replace(".", "")
            return ok | {"channel": ch, "permalink": f"https://fake.slack.com/archives/{ch}/p{ts}"}
        if method in ("views.open", "views.publish", "views.update", "views.push"):
            view = p.get("view") if isinstance(p.get("view"), dict) else {}
            return ok | {"view": {"id": p.get("view_id", "V1"), "hash": "h1"} | view}
        if method in ("pins.add", "pins.remove"):   # as Slack: pinning twice or unpinning nothing is refused
            ts, adding = str(p.get("timestamp", "")), method == "pins.add"
            with self._cond:
                if (ts in self.pinned.get(ch, [])) == adding:
                    return {"ok": False, "error": "already_pinned" if adding else "no_pin"}
                self.pin(ch, ts, pinned=adding)
            return ok
        if method == "pins.list":
            with self._cond:
                stamps = list(self.pinned.get(ch, []))
            return ok | {"items": [{"type": "message", "channel": ch, "message": {"type": "message", "ts": ts}}
                                   for ts in stamps]}
        if method == "usergroups.users.list":
            return ok | {"users": list(self.usergroups.get(p.get("usergroup", ""), []))}
        if method == "users.info":
            uid = p.get("user", "U1")
            user = dict(id=uid, name=uid.lower(), real_name=uid, tz="Europe/London", is_bot=False)
            return ok | {"user": user | self.users.get(uid, {})}
        if method == "conversations.info":
            return ok | {"channel": {"id": ch, "name": "general", "is_channel": True, "is_member": True}}
        if method in ("conversations.history", "conversations.replies"):
            found = self._history(method, p)
            start, limit = int(p.get("cursor") or 0), int(p.get("limit") or 100)
            more = start + limit < len(found)
            return ok | {"messages": found[start:start + limit], "has_more": more,
                         "response_metadata": {"next_cursor": str(start + limit) if more else ""}}
        if method == "apps.connections.open":
            return ok | {"url": self.ws_url}
        return ok  # reactions.add, response_url, anything else

    def _history(self, method: str, p: dict) -> list[dict]:
        """What the bot posted in a channel (history: top level, newest first) or thread (replies).
        Metadata only with ``include_all_metadata``, as Slack does."""
        with self._cond:
            posted = list(self.messages.get(p.get("channel", ""), []))
        if method == "conversations.replies":   # the whole thread, whichever of its messages ts names
            named = next((m for m in posted if m["ts"] == p.get("ts")), {})
            root = named.get("thread_ts") or p.get("ts")
            found = [m for m in posted if root in (m.get("thread_ts"), m["ts"])]
        else:
            found = [m for m in reversed(posted) if "thread_ts" not in m]
        if p.get("oldest"):   # only what came after it (the thread's root always, as Slack does)
            found = [m for m in found if float(m["ts"]) > float(p["oldest"]) or m["ts"] == p.get("ts")]
        if str(p.get("include_all_metadata")).lower() not in ("1", "true"):
            found = [{k: v for k, v in m.items() if k != "metadata"} for m in found]
        return found

    # ---- Socket Mode -----------------------------------------------------------------------------
    def _ws_handler(self, conn) -> None:
        """One Socket Mode connection: greet like Slack, then record everything the app sends back."""
        debug_info = {"host": "fake-slack", "build_number": 1, "approximate_connection_time": 3600}
        hello = dict(type="hello", num_connections=1, debug_info=debug_info, connection_info={"app_id": "A1"})
        conn.send(json.dumps(hello))
        with self._cond:
            self._ws_clients.append(conn)
            self._cond.notify_all()
        try:
            for raw in conn:
                try:
                    msg = json.loads(raw)
                except ValueError:
                    msg = {"raw": raw}
                with self._cond:
                    self.socket_acks.append(msg)
                    self._cond.notify_all()
        except ConnectionClosed:
            pass  # the SDK just drops the TCP socket on close(); that's normal
        finally:
            with self._cond:
                self._ws_clients.remove(conn)

    def send_envelope(self, envelope: dict, timeout: float = 5.0) -> str | None:
        """Push one message to every connected client (waiting for one); returns its envelope_id."""
        self.send_raw(json.dumps(envelope), timeout)
        return envelope.get("envelope_id")

    def send_raw(self, text: str, timeout: float = 5.0) -> None:
        """Push one frame as it is to every connected client (waiting for one): a malformed one too,
        as a broken proxy might send."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._ws_clients, timeout):
                raise AssertionError(f"no Socket Mode client connected within {timeout}s")
            clients = list(self._ws_clients)
        with self._send_lock:
            for conn in clients:
                conn.send(text)

    def wait_for_ack(self, envelope_id: str, timeout: float = 5.0) -> dict:
        def find() -> dict | None:
            return next((a for a in self.socket_acks if a.get("envelope_id") == envelope_id), None)

        with self._cond:
            if self._cond.wait_for(find, timeout):
                return find()
            raise AssertionError(f"no ack for {envelope_id} within {timeout}s; acks: {self.socket_acks}")

    def event_envelope(self, event: dict, **payload: Any) -> dict:
        """An ``events_api`` envelope shaped like Slack's, wrapping an event_callback body."""
        event = {"event_ts": f"{time.time():.6f}"} | event
        body = dict(token="t", team_id="T1", api_app_id="A1", type="event_callback", event=event)
        body |= dict(event_id=f"Ev{uuid.uuid4().hex[:8]}", event_time=int(time.time())) | payload
        env = dict(envelope_id=str(uuid.uuid4()), type="events_api", accepts_response_payload=False)
        return env | dict(payload=body, retry_attempt=0, retry_reason="")

    def command_envelope(self, command: str, text: str = "", **payload: Any) -> dict:
        """A ``slash_commands`` envelope; its response_url points back at this fake."""
        body = dict(token="t", team_id="T1", team_domain="fake", channel_id="C1", channel_name="general")
        body |= dict(user_id="U1", user_name="u1", command=command, text=text, api_app_id="A1")
        body |= dict(is_enterprise_install="false", response_url=self.response_url(),
                     trigger_id=f"trig-{uuid.uuid4().hex[:8]}")   # unique, as Slack's are
        env = dict(envelope_id=str(uuid.uuid4()), type="slash_commands", accepts_response_payload=True)
        return env | {"payload": body | payload}
