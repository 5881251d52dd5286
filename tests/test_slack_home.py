"""App Home end to end over signed HTTP: the tab a member or a rep opens, and its buttons (which
come with no response_url: the only way back to the member is the tab itself or a DM)."""
from __future__ import annotations

import sqlite3
import threading
import time
import uuid

import pytest

from slack_helpers import SlackSender, block_actions, bot_server, button, responses_to, shown_text, wait_until

REP = "UREPHOME1"


@pytest.fixture(scope="module")
def server(fake, tmp_path_factory):
    reps = {"reps": {"users": [REP], "usergroups": [], "cache_seconds": 300}}
    with bot_server(fake, tmp_path_factory.mktemp("home-bot"), workers=1, settings=reps) as s:
        yield s


@pytest.fixture(scope="module")
def slack(server) -> SlackSender:
    return SlackSender(server.url)


def fresh(prefix: str = "U") -> str:
    return prefix + uuid.uuid4().hex[:8].upper()


def open_home(fake, slack, user: str) -> dict:
    before = len(fake.calls_to("views.publish"))
    assert slack.event({"type": "app_home_opened", "user": user, "channel": "D" + user, "tab": "home",
                        "event_ts": f"{time.time():.6f}"}).status == 200
    calls = wait_until(lambda: [c for c in fake.calls_to("views.publish")[before:] if c.params["user_id"] == user])
    return calls[-1].params["view"]


def home_press(action_id: str, value: str, user: str) -> dict:
    """A button pressed in App Home, as Slack sends it: no response_url, no channel."""
    payload = block_actions(action_id, value, response_url="", user=user)
    for key in ("response_url", "channel"):
        payload.pop(key)
    payload["container"] = {"type": "view", "view_id": "VHOME"}
    payload["view"] = {"id": "VHOME", "type": "home", "blocks": []}
    return payload


def test_walk_me_through_for_a_member_who_cant_be_sent_a_dm_says_so_in_the_tab(fake, slack):
    """The walk-through starts in the member's DM; when Slack refused that post (and so the
    apology sent the same way), the member pressing "Walk me through the survey" saw nothing."""
    user = fresh()
    home = open_home(fake, slack, user)
    refused = {"ok": False, "error": "restricted_action"}
    fake.set_response("chat.postMessage",
                      lambda p: refused if p.get("channel") == user else fake._canned("chat.postMessage", p))
    try:
        before = len(fake.calls_to("views.publish"))
        assert slack.interaction(home_press("walk_start", button(home["blocks"], "walk_start")["value"],
                                            user)).status == 200
        published = wait_until(lambda: [c for c in fake.calls_to("views.publish")[before:]
                                        if c.params["user_id"] == user])
    finally:
        fake.set_response("chat.postMessage", None)
    shown = shown_text(published[-1].params["view"]["blocks"])
    assert "couldn't send you a direct message" in shown and "restricted_action" in shown
    assert "/biglisten walkthrough" in shown   # what the member can do instead
    assert published[-1].params["view"]["type"] == "home" and len(published[-1].params["view"]["blocks"]) <= 100
    # pressed again at once, as the tab says: taken (not as the second press of a double click)
    assert slack.interaction(home_press("walk_start", button(home["blocks"], "walk_start")["value"],
                                        user)).status == 200
    wait_until(lambda: [c for c in fake.calls_to("chat.postMessage") if c.params.get("channel") == user
                        and c.status == 200 and "walk_next" in str(c.params.get("blocks"))][1:])




def command(fake, slack, text: str, user: str, channel: str = "C1") -> dict:
    name = uuid.uuid4().hex[:12]
    assert slack.command("/biglisten", text, fake.response_url(name), user_id=user, channel_id=channel).status == 200
    (call,) = wait_until(lambda: responses_to(fake, name))
    return call.params


def add_pins(server, n: int, entry: str = "off-rolling") -> list[tuple[str, str]]:
    """`n` pins as reps' presses record them, the newest last."""
    rows = [(fresh("C"), f"{1700000000 + i}.000100", entry, None, "what is off-rolling", REP, "Rep One",
             1700000000.0 + i, "") for i in range(n)]
    with sqlite3.connect(server.db_path) as db:
        db.executemany("INSERT INTO pins(channel, message_ts, entry_id, statement, question, rep, rep_name, at, "
                       "permalink) VALUES (?,?,?,?,?,?,?,?,?)", rows)
    return [(r[0], r[1]) for r in rows]


def clear_pins(server) -> None:
    with sqlite3.connect(server.db_path) as db:
        db.execute("DELETE FROM pins")


def test_pins_over_what_one_message_holds_are_counted(fake, slack, server):
    """60 pins: `/biglisten pins` listed the 48 newest and the App Home the 20 newest, with no
    word of the others (a rep could neither see nor unpin the oldest from the bot)."""
    clear_pins(server)
    add_pins(server, 60)
    try:
        for user in (REP, fresh()):
            listed = command(fake, slack, "pins", user)
            assert len(listed["blocks"]) <= 50
            shown = [b for b in listed["blocks"] if "Pinned by" in shown_text([b])]
            assert f"… and {60 - len(shown)} older pinned answers not listed here" in shown_text(listed["blocks"])
        assert "unpin some you no longer need" in shown_text(command(fake, slack, "pins", REP)["blocks"])
        home = shown_text(open_home(fake, slack, fresh())["blocks"])
        assert home.count("Pinned by") == 20
        assert "… and 40 older pinned answers not listed here: `/biglisten pins` lists more." in home
    finally:
        clear_pins(server)


def test_the_tab_is_published_while_the_database_is_frozen(fake, pg_url, postgres_server, tmp_path):
    """A hung database (as in a PostgreSQL outage): answers still come, from memory, but the
    App Home read the pins (and, for reps, the gaps, requests and kept answers) with no time
    limit, so nobody's tab was published; a member opening it saw a blank or stale tab."""
    settings = {"storage": {"url": "${DATABASE_URL}"}, "reps": {"users": [REP], "usergroups": [],
                                                                "cache_seconds": 300}}
    with bot_server(fake, tmp_path / "bot", workers=1, settings=settings, env={"DATABASE_URL": pg_url}) as bot:
        sender = SlackSender(bot.url)
        postgres_server.freeze()
        safety = threading.Timer(60, postgres_server.thaw)   # a hang fails the test, not the session
        safety.start()
        try:
            for user in (fresh(), REP):
                start = time.monotonic()
                view = open_home(fake, sender, user)
                assert time.monotonic() - start < 5
                shown = shown_text(view["blocks"])
                assert "How to ask" in shown and "The survey, by section" in shown
                assert "can't be read just now" in shown
        finally:
            postgres_server.thaw()
            safety.cancel()


def test_a_busy_weeks_gaps_report_is_shown_to_a_rep_not_called_unreadable(fake, slack, server):
    """Round 24's review: the second the Home gives a stalled store bounded the whole gaps report,
    grouping included, so a week of 2,500 unanswered questions (seconds of grouping, the store's
    reads milliseconds) showed the rep "The gaps report can't be read just now (the bot's store
    isn't answering)". The reads alone are bounded now."""
    import random
    import string
    rng = random.Random(5)
    now = time.time()   # 2,500 different questions: none groups with another
    rows = [(now - i, "dm", "gapcheck " + " ".join("".join(rng.choices(string.ascii_lowercase, k=7)) for _ in range(6)),
             0, None, None) for i in range(2500)]
    with sqlite3.connect(server.db_path) as db:
        db.executemany("INSERT INTO questions(at, via, text, answered, entry_id, score) VALUES (?,?,?,?,?,?)", rows)
    try:
        before = len(fake.calls_to("views.publish"))
        assert slack.event({"type": "app_home_opened", "user": REP, "channel": "D" + REP, "tab": "home",
                            "event_ts": f"{time.time():.6f}"}).status == 200
        calls = wait_until(lambda: [c for c in fake.calls_to("views.publish")[before:] if c.params["user_id"] == REP],
                           timeout=60)
        shown = shown_text(calls[-1].params["view"]["blocks"])
        assert "gaps report can't be read" not in shown and "Most asked questions the bot could not answer" in shown
    finally:
        with sqlite3.connect(server.db_path) as db:
            db.execute("DELETE FROM questions WHERE text LIKE 'gapcheck %'")
