"""Prove tests/fake_slack.py works with the real slack_sdk / slack_bolt clients over real sockets."""

import threading
import time

import pytest
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from fake_slack import FakeSlack


@pytest.fixture
def fake():
    with FakeSlack() as f:
        yield f


@pytest.fixture
def bolt(fake):
    """A real Bolt app connected over Socket Mode; closed before the fake stops."""
    app = App(client=WebClient(token="xoxb-test", base_url=fake.base_url), signing_secret="s")
    handler = SocketModeHandler(app, app_token="xapp-test")
    yield app, handler
    handler.close()


def test_post_message_with_blocks_is_recorded_decoded(fake):
    client = WebClient(token="xoxb-test", base_url=fake.base_url)
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hello*"}}]
    before = time.time()
    resp = client.chat_postMessage(channel="C1", text="hello", blocks=blocks)
    assert resp["ok"] and resp["channel"] == "C1"
    assert before <= float(resp["ts"]) <= time.time() and len(resp["ts"].split(".")[1]) == 6   # Slack's clock

    (call,) = fake.calls_to("chat.postMessage")
    assert call.params == {"channel": "C1", "text": "hello", "blocks": blocks}
    assert call.headers["authorization"] == "Bearer xoxb-test"
    assert call.headers["content-type"].startswith("application/json")

    # a form-encoded method, with a JSON-string field decoded
    client.api_call("some.method", params={"blocks": '[{"type": "divider"}]', "n": "1"})
    assert fake.calls_to("some.method")[0].params == {"blocks": [{"type": "divider"}], "n": "1"}
    assert float(client.chat_postMessage(channel="C1", text="again")["ts"]) > float(resp["ts"])


def test_set_response_and_usergroups(fake):
    client = WebClient(token="xoxb-test", base_url=fake.base_url)
    fake.usergroups["S1"] = ["U1", "U2"]
    assert client.usergroups_users_list(usergroup="S1")["users"] == ["U1", "U2"]
    fake.set_response("pins.add", {"ok": False, "error": "not_in_channel"})
    with pytest.raises(Exception, match="not_in_channel"):
        client.pins_add(channel="C1", timestamp="1.2")
    assert fake.calls_to("pins.add")[0].params == {"channel": "C1", "timestamp": "1.2"}


def test_rate_limited_call_is_retried_after_retry_after(fake):
    client = WebClient(
        token="xoxb-test",
        base_url=fake.base_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    fake.rate_limit("chat.postMessage", times=1, retry_after=1)
    start = time.monotonic()
    assert client.chat_postMessage(channel="C1", text="hi")["ok"]
    assert time.monotonic() - start >= 1  # the SDK honoured Retry-After
    assert [c.status for c in fake.calls_to("chat.postMessage")] == [429, 200]


def test_pins_are_kept_and_refused_as_slack_does(fake):
    """pins.add / pins.remove change what pins.list says; pinning twice is already_pinned and
    unpinning what isn't pinned is no_pin (docs.slack.dev, pins.add and pins.remove)."""
    client = WebClient(token="xoxb-test", base_url=fake.base_url)
    assert client.pins_add(channel="C1", timestamp="1.1")["ok"]
    with pytest.raises(SlackApiError) as twice:
        client.pins_add(channel="C1", timestamp="1.1")
    assert twice.value.response["error"] == "already_pinned"
    assert [item["message"]["ts"] for item in client.pins_list(channel="C1")["items"]] == ["1.1"]
    assert client.pins_remove(channel="C1", timestamp="1.1")["ok"]
    with pytest.raises(SlackApiError) as nothing:
        client.pins_remove(channel="C1", timestamp="1.1")
    assert nothing.value.response["error"] == "no_pin" and client.pins_list(channel="C1")["items"] == []


def test_a_call_held_answered_is_done_at_once_and_answered_on_release(fake):
    """`hold(..., answered=True)`: Slack acted on the call when it landed (later calls see it), and
    its answer, saying how things were then, waits for `release()`."""
    client = WebClient(token="xoxb-test", base_url=fake.base_url)
    fake.pin("C1", "1.1")
    fake.hold("pins.list", answered=True)
    listed: list = []
    caller = threading.Thread(target=lambda: listed.append(client.pins_list(channel="C1")["items"]))
    caller.start()
    deadline = time.time() + 5
    while fake.held != 1 and time.time() < deadline:
        time.sleep(0.01)
    assert fake.held == 1 and len(fake.calls_to("pins.list")) == 1 and not listed
    fake.pin("C1", "1.1", pinned=False)   # unpinned after the call landed, before its answer
    fake.release()
    caller.join(5)
    assert [item["message"]["ts"] for item in listed[0]] == ["1.1"] and fake.held == 0
    assert client.pins_list(channel="C1")["items"] == []


def test_response_url_post_is_recorded(fake):
    resp = WebhookClient(fake.response_url("abc")).send(text="done", response_type="ephemeral")
    assert resp.status_code == 200
    (call,) = fake.wait_for("response_url")
    assert call.path == "/response/abc"
    assert call.params == {"text": "done", "response_type": "ephemeral"}


def test_bolt_socket_mode_event_and_command(fake, bolt):
    app, handler = bolt

    @app.event("app_mention")
    def on_mention(event, say):
        say("hi")

    @app.command("/guide")
    def on_guide(ack, respond, command):
        ack(f"looking up {command['text']}")
        respond("found it")

    handler.connect()
    assert fake.calls_to("apps.connections.open")[0].headers["authorization"] == "Bearer xapp-test"

    env = fake.event_envelope({"type": "app_mention", "user": "U1", "text": "<@UBOT> help", "channel": "C9"})
    assert fake.wait_for_ack(fake.send_envelope(env)) == {"envelope_id": env["envelope_id"]}
    (post,) = fake.wait_for("chat.postMessage")
    assert post.params["text"] == "hi" and post.params["channel"] == "C9"

    cmd = fake.command_envelope("/guide", "pay")
    ack = fake.wait_for_ack(fake.send_envelope(cmd))
    assert ack["payload"] == {"text": "looking up pay"}
    assert fake.wait_for("response_url")[0].params["text"] == "found it"
    assert fake.socket_acks[0]["envelope_id"] == env["envelope_id"]  # the hello is not acked
