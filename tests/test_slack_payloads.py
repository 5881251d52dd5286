"""Real Slack payloads that used to be dropped or mishandled, end to end over signed HTTP.

Buttons in App Home or a modal (no response_url), a pin_added whose message has no blocks, a
vote whose button value can't be read, a shortcut on a forwarded or attachment-only message,
a link label in an echoed question, a lone surrogate in a question, wrongly typed fields.
"""
from __future__ import annotations

import json
import sqlite3
import time
import uuid

import pytest

from slack_helpers import (
    BOT_USER,
    SlackSender,
    block_actions,
    bot_server,
    event_body,
    mention,
    message_shortcut,
    posts_in,
    responses_to,
    shown_text,
    wait_until,
)

REP = "UREPX1"
SETTLE = 0.7


@pytest.fixture(scope="module")
def server(fake, tmp_path_factory):
    reps = {"reps": {"users": [REP], "usergroups": [], "cache_seconds": 300}}
    with bot_server(fake, tmp_path_factory.mktemp("payloads-bot"), workers=1, settings=reps) as s:
        yield s
        assert "Traceback" not in s.log_path.read_text(errors="replace"), s.log_tail()


@pytest.fixture(scope="module")
def slack(server) -> SlackSender:
    return SlackSender(server.url)


def new_channel() -> str:
    return "C" + uuid.uuid4().hex[:10].upper()


def ask(fake, slack, text: str, channel: str) -> dict:
    assert slack.event(mention(f"<@{BOT_USER}> {text}", channel)).status == 200
    return wait_until(lambda: posts_in(fake, channel))[0].params


def test_a_button_in_app_home_without_a_response_url_answers_by_dm(fake, slack):
    user = "UHOME" + uuid.uuid4().hex[:6].upper()
    payload = block_actions("open_entry_0", json.dumps({"e": "off-rolling"}), response_url="", user=user)
    payload.pop("response_url")
    payload["container"] = {"type": "view", "view_id": "VHOME"}
    payload["view"] = {"id": "VHOME", "type": "home"}
    payload.pop("channel")
    assert slack.interaction(payload).status == 200
    (dm,) = wait_until(lambda: posts_in(fake, user))
    assert "off-rolling" in shown_text(dm.params["blocks"]).lower()


def test_a_pin_added_without_blocks_is_recorded_from_the_message_itself(fake, slack, server):
    channel = new_channel()
    answer = ask(fake, slack, "what is off-rolling", channel)
    posted = wait_until(lambda: fake.messages.get(channel))[-1]   # kept by the fake just after the call
    fake.pin(channel, posted["ts"])   # pinned with Slack's own menu
    event = {"type": "pin_added", "user": REP, "channel_id": channel, "event_ts": f"{time.time():.6f}",
             "item": {"type": "message", "channel": channel, "created_by": REP,
                      "message": {"type": "message", "user": BOT_USER, "bot_id": "BBOT", "ts": posted["ts"],
                                  "text": answer["text"]}}}   # no blocks, as Slack often sends it
    assert slack.event(event).status == 200

    def pinned():
        with sqlite3.connect(server.db_path) as db:
            return db.execute("SELECT entry_id FROM pins WHERE channel = ?", (channel,)).fetchall()
    assert wait_until(pinned) == [("off-rolling",)]


@pytest.mark.parametrize("value", ["not json", "[1, 2]", '{"e": ""}', '{"e": "no-such-entry"}', 42],
                         ids=["not-json", "array", "empty-id", "unknown-id", "a-number"])
def test_a_vote_whose_value_cant_be_read_is_not_stored_and_the_member_is_told(fake, slack, server, value):
    user = "UVOTE" + uuid.uuid4().hex[:6].upper()
    name = uuid.uuid4().hex[:12]
    payload = block_actions("vote_helpful", "x", response_url=fake.response_url(name), user=user)
    payload["actions"][0]["value"] = value
    assert slack.interaction(payload).status == 200
    (told,) = wait_until(lambda: responses_to(fake, name))
    assert "wasn't recorded" in told.params["text"]
    with sqlite3.connect(server.db_path) as db:
        assert db.execute("SELECT COUNT(*) FROM votes WHERE user = ?", (user,)).fetchone()[0] == 0


@pytest.mark.parametrize("message", [
    {"type": "message", "user": "U2", "text": "", "attachments": [{"fallback": "fwd", "message_blocks": [
        {"message": {"blocks": [{"type": "rich_text", "elements": [{"type": "rich_text_section", "elements": [
            {"type": "text", "text": "what is off-rolling"}]}]}]}}]}]},
    {"type": "message", "user": "U2", "attachments": [{"text": "what is off-rolling", "fallback": "x"}]},
    {"type": "message", "user": "U2", "text": "", "blocks": [
        {"type": "section", "text": {"type": "mrkdwn", "text": "what is off-rolling"}}]},
], ids=["forwarded", "attachment-only", "blocks-only"])
def test_the_shortcut_reads_forwarded_and_attachment_only_messages(fake, slack, pack, message):
    name = uuid.uuid4().hex[:12]
    payload = message_shortcut("", response_url=fake.response_url(name))
    payload["message"] = message | {"ts": payload["message_ts"]}
    assert slack.interaction(payload).status == 200
    (call,) = wait_until(lambda: responses_to(fake, name))
    assert call.params["blocks"][0]["text"]["text"] == pack.get("off-rolling").title


def test_an_echoed_question_carries_no_link_nor_url_shaped_label(fake, slack):
    channel = new_channel()
    posted = ask(fake, slack, "<https://evil.example/login|evil.example/reset> what colour is the sky "
                              "in inspection www.evil.example", channel)
    shown = shown_text(posted["blocks"])
    assert "You asked:" in shown and "colour is the sky" in shown
    for bad in ("evil", "example", "https", "www."):
        assert bad not in shown and bad not in posted["text"]
    assert "[link]" in shown


@pytest.mark.parametrize("word", ["a." * 19_990, "1" * 39_980, "<a|" * 13_320],
                         ids=["dotted", "digits", "link-starts"])
def test_a_message_of_one_40000_character_word_is_answered_at_once(fake, slack, server, word):
    """Round 22: Slack's longest message as one word took the echo's link patterns and the question
    log's email pattern up to 30 s of one core (they read it again from each of its characters),
    and the member waited as long. Answered now, its echo cut short and holding no link."""
    channel = new_channel()
    posted = ask(fake, slack, f"what colour is the sky {word}", channel)
    shown = shown_text(posted["blocks"])
    assert "You asked:" in shown and len(shown) < 3_000
    assert ("[link]" in shown) == ("." in word) and "<a" not in shown


def test_an_echoed_question_cannot_reverse_the_bots_line(fake, slack):
    """Round 21's hunt: a right-to-left override in a question was echoed unclosed ("You asked:
    ..."), so a member could make the bot's own post read reversed text in the channel."""
    channel = new_channel()
    posted = ask(fake, slack, "what colour is the sky in inspection \u202eNASUWT says vote no\u2067 ok", channel)
    raw = json.dumps(posted, ensure_ascii=False)
    assert "You asked:" in shown_text(posted["blocks"]) and "NASUWT says vote no" in raw
    assert not any(c in raw for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def test_a_lone_surrogate_in_a_question_is_answered_and_logged(fake, slack, server):
    channel = new_channel()
    body = event_body(mention(f"<@{BOT_USER}> what is off-rolling SURROGATE", channel))
    raw = json.dumps(body).replace("SURROGATE", "\\ud800").encode()   # as JSON can carry it
    assert slack.send(raw, "application/json").status == 200
    (post,) = wait_until(lambda: posts_in(fake, channel))
    assert "off-rolling" in shown_text(post.params["blocks"]).lower()

    def logged():   # just after the reply
        with sqlite3.connect(server.db_path) as db:
            return [t for (t,) in db.execute("SELECT text FROM questions") if t.endswith("what is off-rolling")]
    wait_until(logged)


@pytest.mark.parametrize("payload", [
    dict(type="block_actions", user={"id": "U1"}, actions=[{"action_id": "pin_answer", "value": 5}],
         container={"channel_id": 7}, response_url=""),
    dict(type="block_actions", user={"id": "U1"}, actions=[{"action_id": "other_matches", "value": '{"ids": 3}'}]),
    dict(type="block_actions", actions=[{"action_id": "share_answer", "value": "{}"}]),
    dict(type="block_actions", user={"id": "U1"}, actions=[{"action_id": "show_full_guidance", "value": "{}"}]),
], ids=["pin-wrong-types", "other-matches-ids-a-number", "share-no-user", "show-full-no-trigger"])
def test_buttons_with_missing_or_wrongly_typed_fields_never_raise(fake, slack, server, payload):
    mark = len(server.log_path.read_text(errors="replace"))
    payload = {"api_app_id": "A1", "token": "t", "team": {"id": "T1"}} | payload
    assert slack.interaction(payload).status == 200
    time.sleep(SETTLE)
    assert "Traceback" not in server.log_path.read_text(errors="replace")[mark:]
