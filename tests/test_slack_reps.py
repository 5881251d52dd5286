"""Reps' tools end to end: gunicorn, signed requests, the fake Slack and the real SQLite file.

A rep pins (button and Slack's own pin menu), members then see that answer first; a member's
pin is refused; unpinning removes it; votes and the gaps report; the App Home for both.
"""
from __future__ import annotations

import json
import sqlite3
import time
import uuid

import pytest

from fake_slack import FakeSlack
from slack_helpers import (
    BOT_USER,
    SlackSender,
    block_actions,
    bot_server,
    button,
    elements,
    mention,
    new_ts,
    posts_in,
    responses_to,
    shown_text,
    wait_until,
)

REP, GROUP_REP, MEMBER, REP_GROUP = "UREP1", "UGREP2", "UMEMBER3", "SREPS"
SETTLE = 0.7


@pytest.fixture(scope="module")
def fake():
    with FakeSlack() as f:
        f.usergroups[REP_GROUP] = [GROUP_REP]
        f.users[REP] = {"real_name": "Sam Rep", "profile": {"display_name": "Sam Rep"}}
        yield f


@pytest.fixture(scope="module")
def server(fake, tmp_path_factory):
    reps = {"reps": {"users": [REP], "usergroups": [REP_GROUP], "cache_seconds": 300}}
    with bot_server(fake, tmp_path_factory.mktemp("reps-bot"), workers=2, settings=reps) as s:
        yield s


@pytest.fixture(scope="module")
def slack(server) -> SlackSender:
    return SlackSender(server.url)


def db(server):
    return sqlite3.connect(server.db_path)


def new_channel() -> str:
    return "C" + uuid.uuid4().hex[:10].upper()


ASKED = [0]   # questions asked by mention since the question log was last cleared


def ask(fake, slack, channel, text) -> dict:
    slack.event(mention(f"<@{BOT_USER}> {text}", channel))
    ASKED[0] += 1   # each is logged just after its answer is posted (clear_questions waits for them)
    posts = wait_until(lambda: posts_in(fake, channel))
    return posts[-1].params


def press(fake, slack, action_id, value, *, user, channel, message_ts=None):
    name = uuid.uuid4().hex[:12]
    payload = block_actions(action_id, value, response_url=fake.response_url(name), channel=channel,
                            message_ts=message_ts or new_ts(), user=user)
    assert slack.interaction(payload).status == 200
    return wait_until(lambda: responses_to(fake, name))


def command(fake, slack, text, *, user):
    name = uuid.uuid4().hex[:12]
    assert slack.command("/biglisten", text, fake.response_url(name), user_id=user).status == 200
    return wait_until(lambda: responses_to(fake, name))[0].params


def called(fake, method, **params) -> bool:
    """Did `method` reach Slack with these params? (Bolt's client adds team_id of its own.)"""
    return any(params.items() <= c.params.items() for c in fake.calls_to(method))


def pins_rows(server):
    return db(server).execute("SELECT channel, message_ts, entry_id, question, rep, rep_name FROM pins").fetchall()


def clear_pins(server):
    with db(server) as conn:
        conn.execute("DELETE FROM pins")


def test_rep_pins_with_the_button_and_members_then_see_it_first(fake, slack, server):
    clear_pins(server)
    before = ask(fake, slack, new_channel(), "should ofsted inspect MATs")
    # unpinned, the schools impact priority (whose statement is about inspecting MATs) wins
    assert before["blocks"][0]["text"]["text"] == "The impact of inspection: do you agree?"
    channel = new_channel()
    answer = ask(fake, slack, channel, "what are MATs")
    assert answer["blocks"][0]["text"]["text"].startswith("MATs")
    pin_button = button(answer["blocks"], "pin_answer")
    message_ts = new_ts()
    (reply,) = press(fake, slack, "pin_answer", pin_button["value"], user=REP, channel=channel,
                     message_ts=message_ts)
    assert reply.params["text"].startswith("Pinned.")
    assert called(fake, "pins.add", channel=channel, timestamp=message_ts)
    ((ch, ts, entry_id, question, rep, rep_name),) = pins_rows(server)
    assert (ch, ts, entry_id, rep, rep_name) == (channel, message_ts, "mats", REP, "Sam Rep")
    assert "MATs" in question

    after = ask(fake, slack, new_channel(), "should ofsted inspect MATs")
    assert after["blocks"][0]["text"]["text"].startswith("MATs")   # the glossary entry, pinned, goes first
    assert "Pinned by Sam Rep on" in shown_text(after["blocks"])


def test_a_pin_never_makes_an_off_topic_question_answered(fake, slack, server):
    clear_pins(server)
    channel = new_channel()
    value = button(ask(fake, slack, channel, "what is off-rolling")["blocks"], "pin_answer")["value"]
    press(fake, slack, "pin_answer", value, user=REP, channel=channel)
    assert len(pins_rows(server)) == 1
    shown = shown_text(ask(fake, slack, new_channel(), "whats the pay award this year")["blocks"])
    assert "couldn't find that" in shown and "Pinned" not in shown and "Off-rolling" not in shown


def test_a_members_pin_is_refused_and_nothing_is_stored(fake, slack, server):
    clear_pins(server)
    channel = new_channel()
    answer = ask(fake, slack, channel, "what is off-rolling")
    pins_before = len(fake.calls_to("pins.add"))
    (reply,) = press(fake, slack, "pin_answer", button(answer["blocks"], "pin_answer")["value"], user=MEMBER,
                     channel=channel)
    assert "Only reps" in reply.params["text"]
    time.sleep(SETTLE)
    assert len(fake.calls_to("pins.add")) == pins_before and pins_rows(server) == []


def test_a_rep_from_the_user_group_can_pin_but_not_in_a_dm(fake, slack, server):
    clear_pins(server)
    channel = new_channel()
    value = button(ask(fake, slack, channel, "what is off-rolling")["blocks"], "pin_answer")["value"]
    (reply,) = press(fake, slack, "pin_answer", value, user=GROUP_REP, channel=channel)
    assert reply.params["text"].startswith("Pinned.")
    assert fake.calls_to("usergroups.users.list")
    (reply,) = press(fake, slack, "pin_answer", value, user=GROUP_REP, channel="D" + uuid.uuid4().hex[:8])
    assert "direct messages" in reply.params["text"]
    assert len(pins_rows(server)) == 1


def test_pin_errors_are_explained_or_tolerated(fake, slack, server):
    clear_pins(server)
    channel = new_channel()
    value = button(ask(fake, slack, channel, "what is off-rolling")["blocks"], "pin_answer")["value"]
    fake.set_response("pins.add", {"ok": False, "error": "not_in_channel"})
    try:
        (reply,) = press(fake, slack, "pin_answer", value, user=REP, channel=channel)
        assert "/invite" in reply.params["text"] and pins_rows(server) == []
        fake.set_response("pins.add", {"ok": False, "error": "already_pinned"})
        ts = new_ts()
        fake.pin(channel, ts)   # pinned by hand already, with Slack's menu
        (reply,) = press(fake, slack, "pin_answer", value, user=REP, channel=channel, message_ts=ts)
        assert reply.params["text"].startswith("Pinned.") and len(pins_rows(server)) == 1
    finally:
        fake.set_response("pins.add", None)


def pin_event(kind: str, *, user: str, channel: str, ts: str, blocks: list, bot_id: str = "BBOT") -> dict:
    author = BOT_USER if bot_id == "BBOT" else "UOTHERBOT"
    return {"type": kind, "user": user, "channel_id": channel, "event_ts": new_ts(),
            "item": {"type": "message", "channel": channel, "created_by": user,
                     "message": {"type": "message", "bot_id": bot_id, "user": author, "ts": ts,
                                 "text": "answer", "blocks": blocks}}}


def pin_in_slack(fake, slack, kind: str, *, channel: str, ts: str, event: bool = True, **fields):
    """Someone pins (`kind` "pin_added") or unpins ("pin_removed") a message with Slack's own
    menu: Slack has it so (pins.list says so), then sends the event (unless `event` is False:
    one Slack delivers later)."""
    fake.pin(channel, ts, pinned=kind == "pin_added")
    return slack.event(pin_event(kind, channel=channel, ts=ts, **fields)) if event else None


def test_slacks_own_pin_menu_is_recorded_for_reps_and_unpinning_removes_it(fake, slack, server):
    clear_pins(server)
    channel = new_channel()
    blocks = ask(fake, slack, channel, "what is a deep dive")["blocks"]
    ts = new_ts()
    pin_in_slack(fake, slack, "pin_added", user=MEMBER, channel=channel, ts=ts, blocks=blocks)
    pin_in_slack(fake, slack, "pin_added", user=REP, channel=channel, ts=new_ts(), blocks=blocks, bot_id="BOTHER")
    pin_in_slack(fake, slack, "pin_added", user=REP, channel=channel, ts=ts, blocks=blocks)
    wait_until(lambda: pins_rows(server))
    time.sleep(SETTLE)
    rows = pins_rows(server)
    assert [(r[0], r[1], r[2], r[4]) for r in rows] == [(channel, ts, "deep-dives", REP)]
    pin_in_slack(fake, slack, "pin_removed", user=REP, channel=channel, ts=ts, blocks=blocks)
    wait_until(lambda: pins_rows(server) == [])


def test_a_pin_in_a_direct_message_is_not_recorded(fake, slack, server):
    """The reps' audit of round 14: a rep pinning the bot's answer in their DM with Slack's menu
    was recorded, and `/biglisten pins` then linked every member into that private DM (the Pin
    button already refused DMs)."""
    clear_pins(server)
    blocks = ask(fake, slack, new_channel(), "what is a deep dive")["blocks"]
    dm = "D" + REP
    pin_in_slack(fake, slack, "pin_added", user=REP, channel=dm, ts=new_ts(), blocks=blocks)
    pin_in_slack(fake, slack, "pin_added", user=REP, channel=new_channel(), ts=new_ts(), blocks=blocks)
    wait_until(lambda: pins_rows(server))
    time.sleep(SETTLE)
    assert [r[0].startswith("D") for r in pins_rows(server)] == [False]


def test_pinning_a_decline_or_a_which_question_records_no_pin(fake, slack, server):
    """A decline's "Did you mean" buttons name entries; pinning it must not pin one of them (the
    off-topic question would then be counted as ready to teach the bot that entry)."""
    clear_pins(server)
    channel = new_channel()
    declined = ask(fake, slack, channel, "will the big listen ask about staff car parking")["blocks"]
    assert any(e["action_id"].startswith("did_you_mean") for e in elements(declined))   # entries named
    which = ask(fake, slack, new_channel(), "what should I put for the safeguarding question?")["blocks"]
    answered = ask(fake, slack, new_channel(), "what is a deep dive")["blocks"]
    for blocks in (declined, which):
        pin_in_slack(fake, slack, "pin_added", user=REP, channel=channel, ts=new_ts(), blocks=blocks)
    pin_in_slack(fake, slack, "pin_added", user=REP, channel=channel, ts=new_ts(), blocks=answered)
    wait_until(lambda: pins_rows(server))
    time.sleep(SETTLE)
    assert [r[2] for r in pins_rows(server)] == ["deep-dives"]


def test_pins_list_with_unpin_for_reps_only(fake, slack, server):
    clear_pins(server)
    channel = new_channel()
    value = button(ask(fake, slack, channel, "what is off-rolling")["blocks"], "pin_answer")["value"]
    message_ts = new_ts()
    press(fake, slack, "pin_answer", value, user=REP, channel=channel, message_ts=message_ts)
    member_view = command(fake, slack, "pins", user=MEMBER)
    assert "Off-rolling" in shown_text(member_view["blocks"])
    assert not [e for e in elements(member_view["blocks"]) if e["action_id"].startswith("unpin")]
    rep_view = command(fake, slack, "pins", user=REP)
    unpin = button(rep_view["blocks"], "unpin_answer_0")
    assert json.loads(unpin["value"]) == {"c": channel, "t": message_ts}
    (refused,) = press(fake, slack, "unpin_answer_0", unpin["value"], user=MEMBER, channel="C1")
    assert "Only reps" in refused.params["text"] and len(pins_rows(server)) == 1
    (reply,) = press(fake, slack, "unpin_answer_0", unpin["value"], user=REP, channel="C1")
    assert reply.params["text"].startswith("Unpinned")
    assert called(fake, "pins.remove", channel=channel, timestamp=message_ts)
    assert pins_rows(server) == []


def test_a_pin_whose_message_was_deleted_can_be_unpinned(fake, slack, server):
    """Round 22's hunt: Slack refuses pins.remove with message_not_found once the message is
    deleted; the rep was told "Sorry, something went wrong" and the pin stayed first for good."""
    clear_pins(server)
    channel = new_channel()
    value = button(ask(fake, slack, channel, "what is off-rolling")["blocks"], "pin_answer")["value"]
    press(fake, slack, "pin_answer", value, user=REP, channel=channel, message_ts=new_ts())
    unpin = button(command(fake, slack, "pins", user=REP)["blocks"], "unpin_answer_0")
    fake.set_response("pins.remove", {"ok": False, "error": "message_not_found"})
    try:
        (reply,) = press(fake, slack, "unpin_answer_0", unpin["value"], user=REP, channel="C1")
    finally:
        fake.set_response("pins.remove", None)
    assert reply.params["text"].startswith("Unpinned") and pins_rows(server) == []
    assert "Pinned by" not in shown_text(ask(fake, slack, new_channel(), "whats off-rolling")["blocks"])


def clear_questions(server):
    """A question is logged just after its reply: every one asked so far (by the tests before) lands
    first, or it would land in this test's table (a fixed wait lost one under load)."""
    mentions = "SELECT COUNT(*) FROM questions WHERE via = 'mention'"
    wait_until(lambda: db(server).execute(mentions).fetchone()[0] >= ASKED[0])
    with db(server) as conn:
        conn.execute("DELETE FROM questions")
    ASKED[0] = 0


def test_votes_and_the_gaps_report_for_reps(fake, slack, server):
    clear_questions(server)
    with db(server) as conn:
        conn.execute("DELETE FROM votes")
    for text in ("whats the pay award", "what's the pay award?", "are we going on strike", "what is off-rolling"):
        ask(fake, slack, new_channel(), text)
    channel = new_channel()
    blocks = ask(fake, slack, channel, "what is off-rolling")["blocks"]
    message_ts = new_ts()
    value = button(blocks, "vote_not_helpful")["value"]
    press(fake, slack, "vote_not_helpful", value, user="UV1", channel=channel, message_ts=message_ts)
    press(fake, slack, "vote_helpful", value, user="UV2", channel=channel, message_ts=message_ts)
    press(fake, slack, "vote_helpful", value, user="UV2", channel=channel, message_ts=message_ts)  # one vote
    press(fake, slack, "vote_not_helpful", value, user="UV2", channel=channel, message_ts=message_ts)  # changed
    # the five questions are logged just after their replies: the report below counts them
    wait_until(lambda: db(server).execute("SELECT COUNT(*) FROM questions").fetchone()[0] >= 5)
    votes = db(server).execute("SELECT user, entry_id, helpful FROM votes ORDER BY user").fetchall()
    assert votes == [("UV1", "off-rolling", 0), ("UV2", "off-rolling", 0)]

    assert command(fake, slack, "gaps", user=MEMBER)["text"] == "Only reps can see the gaps report."
    report = shown_text(command(fake, slack, "gaps 7", user=REP)["blocks"])
    assert "5 questions, 2 answered, 3 not answered; 2 votes (2 not helpful)" in report
    assert "2× “whats the pay award”, 2 wordings" in report
    assert "2× Off-rolling" in report
    assert "UV1" not in report and "UV2" not in report
    question = command(fake, slack, "gaps in SEND support ²", user=MEMBER)   # a question, not the report
    assert "Only reps" not in question["text"] and question.get("blocks")
    # logged as a member's question (after the reply: wait, so that it can't land in the next test's table)
    logged = "SELECT 1 FROM questions WHERE text = ?"
    wait_until(lambda: db(server).execute(logged, ("gaps in SEND support ²",)).fetchall())


def test_gaps_with_days_out_of_range_says_the_range_and_is_no_question(fake, slack, server):
    """`gaps 0` used to give 7 days quietly, `gaps 99999` to be declined and logged as a member's question."""
    clear_questions(server)
    for days in ("0", "99999", "-3", "1.5"):
        said = command(fake, slack, f"gaps {days}", user=REP)
        assert said["text"] == (f"The gaps report covers a whole number of days from 1 to 3650, not “{days}”: "
                                "e.g. `/biglisten gaps 30` (`gaps` alone: the last 7 days).")
        assert not said.get("blocks")
    assert command(fake, slack, "gaps 99999", user=MEMBER)["text"] == "Only reps can see the gaps report."
    assert "The bot, last 30 days:" in shown_text(command(fake, slack, "gaps 30 days", user=REP)["blocks"])
    assert "The bot, last 3650 days:" in shown_text(command(fake, slack, "gaps 3650", user=REP)["blocks"])
    # a question is logged after its reply: one asked last, once logged, shows the ones before had their chance
    command(fake, slack, "whats off-rolling", user=MEMBER)
    wait_until(lambda: db(server).execute("SELECT text FROM questions").fetchall())
    time.sleep(SETTLE)
    assert db(server).execute("SELECT text FROM questions").fetchall() == [("whats off-rolling",)]


def test_app_home_for_a_rep_and_for_a_member(fake, slack, server):
    for user in (MEMBER, REP):
        slack.event({"type": "app_home_opened", "user": user, "channel": "D" + user, "tab": "home",
                     "event_ts": new_ts()})
    views = wait_until(lambda: {c.params["user_id"]: c.params["view"] for c in fake.calls_to("views.publish")
                                if c.params["user_id"] in (MEMBER, REP)} if len(fake.calls_to("views.publish")) >= 2
                       else None)
    member, rep = shown_text(views[MEMBER]["blocks"]), shown_text(views[REP]["blocks"])
    for text in (member, rep):
        assert "How to ask" in text and "Safeguarding in schools" in text and "Pinned answers" in text
        assert "Should safeguarding be a separate judgement?" in text
    assert "For reps" not in member and "For reps: gaps this week" in rep
    assert views[REP]["type"] == "home" and len(views[REP]["blocks"]) <= 100


def test_a_pin_removed_in_slack_while_the_button_is_recording_it_stays_removed(fake, slack, server):
    """A rep presses Pin and someone unpins the message in Slack at once (Slack slow to answer
    users.info): the pin_removed event landed while the press was still looking up the rep's
    name, and the press then recorded the pin, so members were shown "Pinned by ..." first for an
    answer Slack no longer had pinned."""
    clear_pins(server)
    channel = new_channel()
    blocks = ask(fake, slack, channel, "what is a deep dive")["blocks"]
    ts = new_ts()
    value = button(blocks, "pin_answer")["value"]
    slow = 2.0
    fake.fault("users.info", status=200, delay=slow)   # answers late, as a slow Slack does
    try:
        name = uuid.uuid4().hex[:12]
        payload = block_actions("pin_answer", value, response_url=fake.response_url(name), channel=channel,
                                message_ts=ts, user=REP)
        assert slack.interaction(payload).status == 200
        wait_until(lambda: [c for c in fake.calls_to("pins.add") if c.params.get("timestamp") == ts])
        # recorded as soon as Slack has the pin, not after the slow look-ups (they come first now);
        # the unpin below then reaches a recorded pin, whatever the load (sent at pins.add alone, it
        # could be handled before the record, which then restored the pin)
        wait_until(lambda: pins_rows(server), timeout=slow - 0.5)
        pin_in_slack(fake, slack, "pin_removed", user=MEMBER, channel=channel, ts=ts, blocks=blocks)
        wait_until(lambda: responses_to(fake, name), timeout=15)
    finally:
        fake.fault("users.info", times=0)
    wait_until(lambda: pins_rows(server) == [])   # by the pin_removed listener, which runs after its ack
    time.sleep(SETTLE)
    assert pins_rows(server) == []   # and the press records nothing after it


def pins_listed(fake, channel: str) -> bool:
    return any(c.params.get("channel") == channel for c in fake.calls_to("pins.list"))


def test_an_unpin_in_slack_while_pins_add_answers_late_leaves_no_pin(fake, slack, server):
    """A rep presses Pin; Slack pins the message but its answer to pins.add is slow, and the
    message is unpinned with Slack's menu meanwhile: the pin_removed event found nothing to
    remove, then the press recorded the pin, and members were shown "Pinned by ..." first for
    an answer Slack no longer had pinned."""
    clear_pins(server)
    channel = new_channel()
    blocks = ask(fake, slack, channel, "what is a deep dive")["blocks"]
    ts = new_ts()
    value = button(blocks, "pin_answer")["value"]
    fake.fault("pins.add", status=200, delay=2.0)   # done at once, answered late
    try:
        name = uuid.uuid4().hex[:12]
        payload = block_actions("pin_answer", value, response_url=fake.response_url(name), channel=channel,
                                message_ts=ts, user=REP)
        assert slack.interaction(payload).status == 200
        wait_until(lambda: ts in fake.pinned.get(channel, []))   # Slack has the pin; its answer is on the way
        pin_in_slack(fake, slack, "pin_removed", user=MEMBER, channel=channel, ts=ts, blocks=blocks)
        (reply,) = wait_until(lambda: responses_to(fake, name), timeout=15)
    finally:
        fake.fault("pins.add", times=0)
    assert reply.params["text"].startswith("Pinned.")   # as Slack said when it answered
    # checked against Slack's pins after the reply (the rep doesn't wait on it): the record goes
    wait_until(lambda: pins_listed(fake, channel) and pins_rows(server) == [])


def test_a_menu_pin_is_kept_when_slack_cant_say_whether_it_is_still_pinned(fake, slack, server):
    """The check after recording a pin from Slack's menu fails (Slack errs): the pin_added event
    is what Slack told us last, so the pin is kept, with one line in the log and no traceback."""
    clear_pins(server)
    channel = new_channel()
    blocks = ask(fake, slack, channel, "what is a deep dive")["blocks"]
    ts = new_ts()
    mark = len(server.log_path.read_text(errors="replace"))
    kept = "could not check a recorded pin against Slack's pins (internal_error); it is kept"
    fake.set_response("pins.list", {"ok": False, "error": "internal_error"})
    try:
        pin_in_slack(fake, slack, "pin_added", user=REP, channel=channel, ts=ts, blocks=blocks)
        wait_until(lambda: kept in server.log_path.read_text(errors="replace")[mark:], timeout=15)
    finally:
        fake.set_response("pins.list", None)
    assert [(r[0], r[1], r[2]) for r in pins_rows(server)] == [(channel, ts, "deep-dives")]
    logged = server.log_path.read_text(errors="replace")[mark:]
    assert logged.count(kept) == 1 and "Traceback" not in logged


def test_an_unpin_in_slack_while_a_menu_pin_is_being_recorded_leaves_no_pin(fake, slack, server):
    """A rep pins an answer with Slack's own menu and it is unpinned at once (by them or anyone):
    the pin_added handler was still looking up the rep's name (Slack slow to answer) when the
    pin_removed event came, which found nothing to remove; the pin was then recorded, and
    members were shown "Pinned by ..." first for an answer Slack no longer had pinned."""
    clear_pins(server)
    channel = new_channel()
    blocks = ask(fake, slack, channel, "what is a deep dive")["blocks"]
    ts = new_ts()
    slow = 2.0
    looked_up = len(fake.calls_to("users.info"))   # by the tests before
    fake.fault("users.info", status=200, delay=slow)   # answers late, as a slow Slack does
    try:
        pin_in_slack(fake, slack, "pin_added", user=REP, channel=channel, ts=ts, blocks=blocks)
        wait_until(lambda: len(fake.calls_to("users.info")) > looked_up)   # the pin's handler is looking the rep up
        pin_in_slack(fake, slack, "pin_removed", user=MEMBER, channel=channel, ts=ts, blocks=blocks)
        wait_until(lambda: pins_rows(server) or pins_listed(fake, channel), timeout=15)   # looked up: recorded
    finally:
        fake.fault("users.info", times=0)
    wait_until(lambda: pins_rows(server) == [])
    time.sleep(SETTLE)   # and not recorded again after
    assert pins_rows(server) == []


def test_a_menu_pin_delivered_after_its_unpin_records_nothing(fake, slack, server):
    """Slack delivers pin_added late (a retry after a slow acknowledgement) after the message
    was unpinned and its pin_removed handled: the late event recorded a pin Slack didn't have."""
    clear_pins(server)
    channel = new_channel()
    blocks = ask(fake, slack, channel, "what is a deep dive")["blocks"]
    ts = new_ts()
    pin_in_slack(fake, slack, "pin_added", user=REP, channel=channel, ts=ts, blocks=blocks, event=False)
    pin_in_slack(fake, slack, "pin_removed", user=REP, channel=channel, ts=ts, blocks=blocks)
    assert slack.event(pin_event("pin_added", user=REP, channel=channel, ts=ts, blocks=blocks),
                       retry=1).status == 200
    wait_until(lambda: pins_rows(server) or pins_listed(fake, channel), timeout=15)   # handled
    wait_until(lambda: pins_rows(server) == [])
    time.sleep(SETTLE)
    assert pins_rows(server) == []


def test_an_unpin_handled_while_a_redelivered_menu_pin_waits_on_slack_leaves_no_pin(fake, slack, server):
    """The unpin-while-recording race, made certain rather than timed (a 2 s slow users.info
    leaves it to the load whether pin_removed lands inside it): Slack delivers a menu pin twice
    (a retry), and while the second delivery's handler is held on Slack (users.info), the
    message is unpinned and that pin_removed is seen removing the record. The held handler then
    recorded the pin again: members were shown "Pinned by ..." first for an unpinned answer."""
    clear_pins(server)
    channel = new_channel()
    blocks = ask(fake, slack, channel, "what is a deep dive")["blocks"]
    ts = new_ts()

    def checks() -> int:   # checks of this channel's pins against Slack's
        return sum(c.params.get("channel") == channel for c in fake.calls_to("pins.list"))

    event = pin_event("pin_added", user=REP, channel=channel, ts=ts, blocks=blocks)
    pin_in_slack(fake, slack, "pin_added", user=REP, channel=channel, ts=ts, blocks=blocks, event=False)
    assert slack.event(event, "EvPinOnce" + ts.replace(".", "")).status == 200
    wait_until(lambda: pins_rows(server))   # the first delivery is recorded (its look-ups are done)
    fake.hold("users.info", through=True)   # the next look-up waits, then goes through
    try:
        assert slack.event(event, "EvPinOnce" + ts.replace(".", ""), retry=1).status == 200
        wait_until(lambda: fake.held == 1)   # the retry's handler is waiting on Slack
        pin_in_slack(fake, slack, "pin_removed", user=REP, channel=channel, ts=ts, blocks=blocks)
        wait_until(lambda: pins_rows(server) == [])   # the unpin is handled while the retry waits
    finally:
        fake.release()
    # the retry goes on: it records the pin (seen, or its check against Slack's pins, the third of
    # this channel after the first delivery's and the unpin's, is done), then finds Slack no longer has it
    wait_until(lambda: pins_rows(server) or checks() >= 3, timeout=15)
    wait_until(lambda: pins_rows(server) == [])
    time.sleep(SETTLE)   # and nothing records it again after
    assert pins_rows(server) == []


def test_pinning_an_answer_whose_entry_a_pack_edit_removed_says_so(fake, slack, server):
    """The entry behind the answer was taken out of the pack since it was posted: the rep was
    told "I can't tell which answer this is", as for a button that can't be read."""
    clear_pins(server)
    (reply,) = press(fake, slack, "pin_answer", json.dumps({"e": "an-entry-since-removed"}), user=REP,
                     channel=new_channel())
    assert reply.params["text"].startswith("That answer's entry is no longer in the guidance")
    assert pins_rows(server) == []


def reps_of_pins(server) -> list[str]:
    return [row[4] for row in pins_rows(server)]


def test_a_pin_again_keeps_its_record_when_the_first_pins_check_answers_after_it(fake, slack, server):
    """A pin, an unpin and a pin again (another rep, Slack's menu) within a second: the first
    pin's handling was behind (its event delivered late, or Slack slow to answer), so its check
    against Slack's pins landed between the unpin and the pin again and said "not pinned", and
    came back after the pin again was recorded. It then removed that record: members were no
    longer shown "Pinned by ..." for an answer Slack had pinned."""
    clear_pins(server)
    channel = new_channel()
    blocks = ask(fake, slack, channel, "what is a deep dive")["blocks"]
    ts = new_ts()
    mark = len(server.log_path.read_text(errors="replace"))
    pin_in_slack(fake, slack, "pin_added", user=REP, channel=channel, ts=ts, blocks=blocks, event=False)
    pin_in_slack(fake, slack, "pin_removed", user=REP, channel=channel, ts=ts, blocks=blocks, event=False)
    fake.hold("pins.list", answered=True)   # the first check lands at once; its answer waits
    try:
        assert slack.event(pin_event("pin_added", user=REP, channel=channel, ts=ts, blocks=blocks)).status == 200
        wait_until(lambda: fake.held == 1, timeout=15)   # recorded, and Slack has said "not pinned"
        assert reps_of_pins(server) == [REP]
        pin_in_slack(fake, slack, "pin_added", user=GROUP_REP, channel=channel, ts=ts, blocks=blocks)
        wait_until(lambda: reps_of_pins(server) == [GROUP_REP], timeout=15)
    finally:
        fake.release()
    # the first pin's check is answered; it removes its own record only, which is gone already
    wait_until(lambda: "while it was being recorded" in server.log_path.read_text(errors="replace")[mark:],
               timeout=15)
    assert reps_of_pins(server) == [GROUP_REP]


def test_a_pin_again_while_the_unpin_button_waits_on_slack_keeps_its_record(fake, slack, server):
    """A rep presses Unpin and another rep pins the answer again at once with Slack's menu:
    Slack unpinned it at once but answered pins.remove slowly, and the press then removed the
    record the pin again had made meanwhile, telling the rep it was unpinned."""
    clear_pins(server)
    channel = new_channel()
    blocks = ask(fake, slack, channel, "what is a deep dive")["blocks"]
    ts = new_ts()
    press(fake, slack, "pin_answer", button(blocks, "pin_answer")["value"], user=REP, channel=channel, message_ts=ts)
    unpin = button(command(fake, slack, "pins", user=REP)["blocks"], "unpin_answer_0")
    fake.hold("pins.remove", answered=True)   # Slack unpins at once; its answer waits
    name = uuid.uuid4().hex[:12]
    try:
        payload = block_actions("unpin_answer_0", unpin["value"], response_url=fake.response_url(name),
                                channel="C1", message_ts=new_ts(), user=REP)
        assert slack.interaction(payload).status == 200
        wait_until(lambda: fake.held == 1, timeout=15)
        assert ts not in fake.pinned[channel]
        pin_in_slack(fake, slack, "pin_added", user=GROUP_REP, channel=channel, ts=ts, blocks=blocks)
        wait_until(lambda: reps_of_pins(server) == [GROUP_REP], timeout=15)
    finally:
        fake.release()
    (reply,) = wait_until(lambda: responses_to(fake, name), timeout=15)
    assert reps_of_pins(server) == [GROUP_REP]
    assert reply.params["text"] == "Unpinned, but it has been pinned again since, so it is still shown first."


def test_an_unpin_delivered_after_a_pin_again_leaves_the_pin_recorded(fake, slack, server):
    """An answer pinned, unpinned and pinned again (Slack's menu, another rep), and Slack
    delivers the unpin's pin_removed last (its retry, after a delivery that failed or was slow to
    be acknowledged): it removed the record of the pin Slack has, and members were no longer
    shown "Pinned by ..." for it."""
    clear_pins(server)
    channel = new_channel()
    blocks = ask(fake, slack, channel, "what is a deep dive")["blocks"]
    ts = new_ts()
    mark = len(server.log_path.read_text(errors="replace"))
    pin_in_slack(fake, slack, "pin_added", user=REP, channel=channel, ts=ts, blocks=blocks)
    wait_until(lambda: reps_of_pins(server) == [REP], timeout=15)
    pin_in_slack(fake, slack, "pin_removed", user=REP, channel=channel, ts=ts, blocks=blocks, event=False)
    pin_in_slack(fake, slack, "pin_added", user=GROUP_REP, channel=channel, ts=ts, blocks=blocks)
    wait_until(lambda: reps_of_pins(server) == [GROUP_REP], timeout=15)
    unpin = pin_event("pin_removed", user=REP, channel=channel, ts=ts, blocks=blocks)
    assert slack.event(unpin, retry=1).status == 200
    kept = "an unpin in Slack came after the message was pinned again; its record is kept"
    wait_until(lambda: kept in server.log_path.read_text(errors="replace")[mark:] or not pins_rows(server),
               timeout=15)
    assert reps_of_pins(server) == [GROUP_REP]


def test_an_unpin_is_followed_when_slack_cant_say_whether_it_was_pinned_again(fake, slack, server):
    """Slack errs when the unpin's pin_removed is checked against its pins: the event is what
    Slack said last, so the record goes, with one line in the log and no traceback."""
    clear_pins(server)
    channel = new_channel()
    blocks = ask(fake, slack, channel, "what is a deep dive")["blocks"]
    ts = new_ts()
    pin_in_slack(fake, slack, "pin_added", user=REP, channel=channel, ts=ts, blocks=blocks)
    wait_until(lambda: pins_rows(server) and pins_listed(fake, channel), timeout=15)   # recorded and checked
    mark = len(server.log_path.read_text(errors="replace"))
    fake.set_response("pins.list", {"ok": False, "error": "internal_error"})
    try:
        pin_in_slack(fake, slack, "pin_removed", user=REP, channel=channel, ts=ts, blocks=blocks)
        wait_until(lambda: pins_rows(server) == [], timeout=15)
    finally:
        fake.set_response("pins.list", None)
    line = "could not check an unpin against Slack's pins (internal_error); the record is removed"
    logged = wait_until(lambda: line in (text := server.log_path.read_text(errors="replace")[mark:]) and text)
    assert logged.count(line) == 1 and "Traceback" not in logged
