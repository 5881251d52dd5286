"""Hostile and malformed HTTP input against the real server (gunicorn, the fake Slack).

Oversized bodies are refused before they are read; unsigned requests get 401 and signed
malformed ones 400, each with one log line, no traceback, and nothing of the body logged.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import socket
import time
import uuid
from urllib.parse import urlencode

import pytest

from slack_helpers import (
    BOT_USER,
    SIGNING_SECRET,
    SlackSender,
    bot_server,
    event_body,
    mention,
    post,
    posts_in,
    wait_until,
)

MARKER = "BODY-MARKER-7f3a"           # must never reach the log
FORGED = "\n2026-01-01 00:00:00,000 INFO biglisten: FORGED LINE"


@pytest.fixture(scope="module")
def server(fake, tmp_path_factory):
    with bot_server(fake, tmp_path_factory.mktemp("hostile-bot"), workers=1) as s:
        yield s
        assert s.process.poll() is None, f"the bot server died during the tests:\n{s.log_tail()}"


@pytest.fixture(scope="module")
def slack(server) -> SlackSender:
    return SlackSender(server.url)


def log_after(server, mark: int) -> str:
    return server.log_path.read_text(errors="replace")[mark:]


def log_size(server) -> int:
    """Where the log ends once it has stopped growing: a line the server writes after it has
    answered an earlier test's request (its 413) must not count as this test's."""
    size = -1
    while (now := len(server.log_path.read_text(errors="replace"))) != size:
        size = now
        time.sleep(0.2)
    return size


def raw_request(port: int, head: str, body: bytes = b"", timeout: float = 10) -> str:
    """Send bytes as they are (a Content-Length that lies, chunks) and return the status line."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(head.encode() + b"\r\n" + body)
        return s.recv(4096).decode(errors="replace").split("\r\n", 1)[0]


def test_a_huge_content_length_is_refused_without_reading_the_body(server):
    mark = log_size(server)
    head = ("POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Content-Length: 104857600\r\n")
    assert " 413 " in raw_request(server.port, head, b'{"a": 1}')   # 100 MB announced, 8 bytes sent: not waited for
    wait_until(lambda: "HTTP 413" in log_after(server, mark))
    assert "Traceback" not in log_after(server, mark)


def test_a_chunked_body_over_the_limit_is_refused(server):
    chunk = b"x" * 65536
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(17)) + b"0\r\n\r\n"   # 1.1 MB
    head = "POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
    assert " 413 " in raw_request(server.port, head, body)


UNSIGNED = {
    "bad-json": (b'{"type": "event_callback", ' + MARKER.encode(), "application/json", {}),
    "payload-not-object": (urlencode({"payload": f'"{MARKER}"'}).encode(), "application/x-www-form-urlencoded", {}),
    "timestamp-abc": (json.dumps({"type": "event_callback", "x": MARKER}).encode(), "application/json",
                      {"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=00"}),
    "authorizations-not-list": (json.dumps({"authorizations": MARKER}).encode(), "application/json", {}),
    "forged-log-line": ((MARKER + FORGED).encode(), "text/plain", {}),
}


@pytest.mark.parametrize("name", list(UNSIGNED))
def test_unsigned_malformed_requests_get_401_and_one_log_line(server, name):
    body, content_type, headers = UNSIGNED[name]
    mark = log_size(server)
    r = post(server.url, body, {"Content-Type": content_type} | headers)
    assert r.status == 401
    logged = wait_until(lambda: log_after(server, mark).strip())
    time.sleep(0.2)
    logged = log_after(server, mark)
    assert len(logged.strip().splitlines()) == 1 and "HTTP 401" in logged
    assert "Traceback" not in logged and MARKER not in logged and "FORGED" not in logged


SIGNED_MALFORMED = {
    "bad-json": (b'{"type": "event_callback", ' + MARKER.encode(), "application/json"),
    "array": (json.dumps([MARKER]).encode(), "application/json"),
    "null": (b"null", "application/json"),
    "number": (b"42", "application/json"),
    "event-is-a-string": (json.dumps(event_body({"type": "app_mention"}) | {"event": MARKER}).encode(),
                          "application/json"),
    "authorizations-not-list": (json.dumps(event_body(mention("hi", "C1")) | {"authorizations": MARKER}).encode(),
                                "application/json"),
    # round 21's hunt: these got Bolt's 404 "unhandled request" and a warning
    "no-event": (json.dumps({k: v for k, v in event_body(mention("hi", "C1")).items() if k != "event"}).encode(),
                 "application/json"),
    "event-without-type": (json.dumps(event_body({"text": MARKER})).encode(), "application/json"),
    "no-type": (json.dumps({"token": "t", "note": MARKER}).encode(), "application/json"),
    "payload-not-object": (urlencode({"payload": json.dumps([MARKER])}).encode(), "application/x-www-form-urlencoded"),
    "payload-user-a-string": (urlencode({"payload": json.dumps({"type": "block_actions", "user": MARKER})}).encode(),
                              "application/x-www-form-urlencoded"),
}


@pytest.mark.parametrize("name", list(SIGNED_MALFORMED))
def test_signed_malformed_requests_get_400_and_one_log_line(server, slack, name):
    body, content_type = SIGNED_MALFORMED[name]
    mark = log_size(server)
    assert slack.send(body, content_type).status == 400
    wait_until(lambda: log_after(server, mark).strip())
    time.sleep(0.2)
    logged = log_after(server, mark)
    assert len(logged.strip().splitlines()) == 1 and "HTTP 400" in logged
    assert "Traceback" not in logged and MARKER not in logged


def test_a_body_that_is_not_utf8_gets_400_signed_or_not(server, slack):
    body = b'{"x": "\xff\xfe' + MARKER.encode() + b'"}'
    ts = str(int(time.time()))
    digest = hmac.new(SIGNING_SECRET.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
    signed = {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}", "Content-Type": "application/json"}
    mark = log_size(server)
    assert post(server.url, body, signed).status == 400
    assert post(server.url, body, {"Content-Type": "application/json"}).status == 400
    wait_until(lambda: len(log_after(server, mark).strip().splitlines()) == 2)
    assert "Traceback" not in log_after(server, mark) and MARKER not in log_after(server, mark)


@pytest.mark.parametrize("body, status", [
    ({"token": "t", "type": "app_rate_limited", "team_id": "T1", "minute_rate_limited": 1518467820,
      "api_app_id": "A1"}, 200),
    (event_body({"type": "tokens_revoked", "tokens": {"bot": ["UBOT"]}}), 200),
    (event_body({"type": "message", "channel_type": "im", "channel": "D1", "ts": "1.1", "user": {"id": "U1"}}), 200),
    (event_body({"type": "app_mention", "channel": "C1", "ts": 5, "text": ["not", "text"]}), 200),
    (event_body({"type": "app_mention", "channel": 5, "ts": None}), 400),   # Bolt itself can't read it
], ids=["app_rate_limited", "unlistened-event", "dm-user-an-object", "mention-wrong-types", "channel-a-number"])
def test_events_without_a_listener_or_with_wrong_types_never_fail(server, slack, body, status):
    mark = log_size(server)
    assert slack.event_callback(body).status == status
    time.sleep(0.3)
    logged = log_after(server, mark)
    assert "Traceback" not in logged and "unhandled" not in logged.lower()


def test_the_server_still_answers_after_all_that(fake, slack):
    channel = "C" + uuid.uuid4().hex[:10].upper()
    assert slack.event(mention(f"<@{BOT_USER}> what is off-rolling", channel)).status == 200
    wait_until(lambda: posts_in(fake, channel))


def test_a_button_with_an_unknown_action_id_is_acknowledged_quietly(server, slack, fake):
    from slack_helpers import block_actions
    mark = log_size(server)
    r = slack.interaction(block_actions("renamed_button_9", "{}", response_url=fake.response_url("old")))
    assert r.status == 200
    time.sleep(0.3)
    assert "Unhandled request" not in log_after(server, mark)
