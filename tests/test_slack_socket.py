"""Socket Mode end to end: the real app (build_app) connected through Bolt's SocketModeHandler to a fake Slack.

SocketModeHandler's client calls apps.connections.open through the app's own WebClient (the
handler's default web_client), so pointing SlackEnv.api_url at the fake is all it takes.
"""
from __future__ import annotations

import dataclasses
import uuid

import pytest
from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.app import SlackEnv, build_app
from bot.blocks import escape
from bot.guide import Guide
from slack_helpers import BOT_USER, button, new_ts, posts_in, responses_to, shown_text, wait_until

SAFEGUARDING_ID = "safeguarding-separate-judgement"


@pytest.fixture(scope="module")
def handler(fake, config, tmp_path_factory):
    storage = dataclasses.replace(config.storage, path=str(tmp_path_factory.mktemp("socket-bot") / "bot.sqlite3"))
    guide = Guide.from_config(dataclasses.replace(config, storage=storage))
    env = SlackEnv(bot_token="xoxb-test", app_token="xapp-test", api_url=fake.base_url)
    app = build_app(guide, env, socket_mode=True)
    handler = SocketModeHandler(app, app_token="xapp-test")
    handler.connect()
    yield handler
    handler.close()  # before the fake stops: the SDK reconnects when the server closes first


def test_connects_with_the_app_token(fake, handler):
    (open_call,) = fake.calls_to("apps.connections.open")
    assert open_call.headers["authorization"] == "Bearer xapp-test"


def test_app_mention_envelope_is_acked_and_answered(fake, handler, pack):
    channel, ts = "C" + uuid.uuid4().hex[:10].upper(), new_ts()
    event = dict(type="app_mention", user="U1", text=f"<@{BOT_USER}> should safeguarding be a separate judgement?",
                 channel=channel, ts=ts)
    envelope = fake.event_envelope(event)
    assert fake.wait_for_ack(fake.send_envelope(envelope)) == {"envelope_id": envelope["envelope_id"]}
    (post,) = wait_until(lambda: posts_in(fake, channel))
    assert post.params["thread_ts"] == ts
    assert post.headers["authorization"] == "Bearer xoxb-test"
    assert escape(pack.get(SAFEGUARDING_ID).question) in shown_text(post.params["blocks"])


def test_slash_command_envelope_is_acked_and_answered_via_response_url(fake, handler, pack):
    name = uuid.uuid4().hex[:12]
    envelope = fake.command_envelope("/biglisten", "what is off-rolling", response_url=fake.response_url(name))
    ack = fake.wait_for_ack(fake.send_envelope(envelope))
    assert ack["envelope_id"] == envelope["envelope_id"]
    (call,) = wait_until(lambda: responses_to(fake, name))
    assert call.params.get("response_type", "ephemeral") == "ephemeral"
    assert call.params["blocks"][0]["text"]["text"] == pack.get("off-rolling").title
    assert button(call.params["blocks"], "share_answer")
