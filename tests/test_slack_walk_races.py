"""The walk-through's buttons pressed together, late or on an old step, end to end: `python -m bot
serve` under gunicorn, signed HTTP in, the fake Slack out, a real SQLite file (and, for two
instances sharing a store, a real PostgreSQL).

The product rules: a walk-through the member stopped stays stopped, a press is never applied
twice, and a press that can't be applied says why (where the member is instead)."""
from __future__ import annotations

import contextlib
import re
import sqlite3
import uuid

import pytest

from bot.blocks import button_value
from conftest import PACK_DIR, ROOT, throwaway_database
from slack_helpers import (
    SlackSender,
    block_actions,
    bot_server,
    button,
    elements,
    fresh,
    responses_to,
    shown_text,
    wait_until,
)

EXAMPLE_DIR = ROOT / "knowledge" / "workload-example"
PACKS = {"packs": [str(PACK_DIR), str(EXAMPLE_DIR)]}
PRESSED_AGAIN = "walk-through start pressed again"   # the bot's log line for a press it took for a double click


@pytest.fixture(scope="module")
def server(fake, tmp_path_factory):
    with bot_server(fake, tmp_path_factory.mktemp("walk-races"), settings=PACKS) as s:
        yield s
        assert s.process.poll() is None, f"the bot server died during the tests:\n{s.log_tail()}"


@pytest.fixture(scope="module")
def slack(server) -> SlackSender:
    return SlackSender(server.url)


def command(fake, slack, text: str, user: str) -> dict:
    name = uuid.uuid4().hex[:12]
    assert slack.command("/biglisten", text, fake.response_url(name), user_id=user).status == 200
    (call,) = wait_until(lambda: responses_to(fake, name))
    return call.params


def send_press(fake, slack, blocks: list[dict], action_id: str, user: str, name: str | None = None) -> str:
    """Press a button of `blocks`; the name of the response URL its answer goes to."""
    name = name or uuid.uuid4().hex[:12]
    value = button(blocks, action_id)["value"]
    assert slack.interaction(block_actions(action_id, value, response_url=fake.response_url(name),
                                           user=user)).status == 200
    return name


def press(fake, slack, blocks: list[dict], action_id: str, user: str) -> dict:
    name = send_press(fake, slack, blocks, action_id, user)
    (call,) = wait_until(lambda: responses_to(fake, name))
    return call.params


def actions(params: dict) -> list[str]:
    return [e["action_id"] for e in elements(params.get("blocks") or [])]


def progress(params: dict) -> str:
    return re.search(r"Question \d+ of \d+", shown_text(params["blocks"])).group(0)


def dms_to(fake, user: str):
    return [c for c in fake.calls_to("chat.postMessage") if c.params.get("channel") == user]


def place(server, user: str):
    with sqlite3.connect(server.db_path) as conn:
        return conn.execute("SELECT pack, position FROM walkthrough WHERE user = ?", (user,)).fetchone()


# --- Next and Stop pressed together ---------------------------------------------------------------

def test_a_next_answered_after_stop_leaves_the_walkthrough_stopped(fake, slack, server):
    """Next and Stop pressed on the same step, both in flight: Slack sends both, and the bot may
    answer Stop's first. Next then saved the member's place again after Stop had forgotten it (a
    walk-through that resumes though they stopped it) and put question 3 in place of "stopped"."""
    user = fresh("U")
    step = command(fake, slack, "walkthrough workload-example", user)
    step = press(fake, slack, step["blocks"], "walk_next", user)
    assert progress(step) == "Question 2 of 6"
    stopped = press(fake, slack, step["blocks"], "walk_stop", user)
    assert "Walk-through stopped" in stopped["text"] and place(server, user) is None
    late = press(fake, slack, step["blocks"], "walk_next", user)   # the Next pressed with Stop
    assert place(server, user) is None
    assert not actions(late) and "stopped" in late["text"], late


def test_a_step_whose_reply_lands_after_stopped_is_followed_by_stopped(fake, slack, server):
    """Next moved the place, then Stop forgot it and said "stopped"; Next's reply (a slow
    network, or another instance) landed last, so the message showed question 3 of a walk-through
    that had stopped. The mover looks again once its reply is in."""
    user = fresh("U")
    step = command(fake, slack, "walkthrough workload-example", user)
    step = press(fake, slack, step["blocks"], "walk_next", user)
    slow = uuid.uuid4().hex[:12]
    fake.hold(f"/response/{slow}", through=True)
    try:
        send_press(fake, slack, step["blocks"], "walk_next", user, name=slow)
        wait_until(lambda: fake.held == 1 and place(server, user) == ("workload-example", 2))
        stopped = press(fake, slack, step["blocks"], "walk_stop", user)
        assert "Walk-through stopped" in stopped["text"] and place(server, user) is None
    finally:
        fake.release()
    replies = wait_until(lambda: len(responses_to(fake, slow)) >= 2 and responses_to(fake, slow), timeout=5)
    assert progress(replies[0].params) == "Question 3 of 6"          # Next's step, landed after "stopped" ...
    last = replies[-1].params
    assert last["replace_original"] is True and not actions(last) and "stopped" in last["text"]   # ... then this
    assert place(server, user) is None



def test_stop_on_another_packs_first_step_with_next_in_flight_leaves_the_walkthrough_stopped(fake, slack, server):
    """`walkthrough big-listen` while in the workload walk-through shows the Big Listen's first step
    and keeps the member's place in the workload pack until they move on. Stop and Next pressed
    together on that step: Stop found no Big Listen place to forget, Next then moved the place into
    the Big Listen, and "stopped" (landing last) was what the member saw, though the walk-through
    would resume at question 2 "where you left off"."""
    user = fresh("U")
    step = command(fake, slack, "walkthrough workload-example", user)
    press(fake, slack, step["blocks"], "walk_next", user)
    other = command(fake, slack, "walkthrough big-listen", user)
    assert progress(other) == "Question 1 of 19" and place(server, user) == ("workload-example", 1)
    stop = uuid.uuid4().hex[:12]
    fake.hold(f"/response/{stop}", through=True)   # Stop's reply is slow: Next is answered meanwhile
    try:
        send_press(fake, slack, other["blocks"], "walk_stop", user, name=stop)
        wait_until(lambda: fake.held == 1)
        nxt = send_press(fake, slack, other["blocks"], "walk_next", user)
        wait_until(lambda: responses_to(fake, nxt) and place(server, user) == ("big-listen", 1))
    finally:
        fake.release()
    wait_until(lambda: responses_to(fake, stop))
    wait_until(lambda: place(server, user) is None, timeout=5)   # it stayed at ("big-listen", 1)

    def replies():   # to the step message, in the order Slack took them
        return [c.params for c in fake.calls_to("response_url") if c.path in (f"/response/{stop}", f"/response/{nxt}")]
    wait_until(lambda: "stopped" in replies()[-1]["text"], timeout=5)
    assert progress(replies()[0]) == "Question 2 of 19" and not actions(replies()[-1])   # Next's step, then this

# --- old steps ------------------------------------------------------------------------------------

def test_next_on_an_old_step_says_where_the_member_is_and_moves_nothing(fake, slack, server):
    """A step left in an older message (the walk-through resumed elsewhere and went on there):
    its Next took the member back from question 4 to question 3, silently."""
    user = fresh("U")
    first = command(fake, slack, "walkthrough workload-example", user)
    old = press(fake, slack, first["blocks"], "walk_next", user)           # the old message: question 2
    resumed = command(fake, slack, "walkthrough", user)                      # a new message, at question 2
    step = press(fake, slack, resumed["blocks"], "walk_next", user)
    step = press(fake, slack, step["blocks"], "walk_next", user)
    assert progress(step) == "Question 4 of 6" and place(server, user) == ("workload-example", 3)
    said = press(fake, slack, old["blocks"], "walk_next", user)
    assert place(server, user) == ("workload-example", 3)
    assert "out of date" in said["text"] and "question 4 of 6" in said["text"], said
    assert not actions(said)


def test_next_pressed_twice_on_one_step_moves_once(fake, slack, server):
    """A double click: both presses carry the same step, so the place moves one question, and
    both replies show the same next step (no question skipped, no second message)."""
    user = fresh("U")
    step = command(fake, slack, "walkthrough workload-example", user)
    one = send_press(fake, slack, step["blocks"], "walk_next", user)
    two = send_press(fake, slack, step["blocks"], "walk_next", user)
    replies = [wait_until(lambda n=n: responses_to(fake, n))[0].params for n in (one, two)]
    assert [progress(r) for r in replies] == ["Question 2 of 6"] * 2
    assert all(r["replace_original"] is True for r in replies)
    assert place(server, user) == ("workload-example", 1)


# --- "Walk me through" pressed twice ----------------------------------------------------------------

def home_press(user: str) -> dict:
    """"Walk me through the survey" pressed in App Home, as Slack sends it: no response_url."""
    payload = block_actions("walk_start", button_value(p=""), response_url="", user=user)
    for key in ("response_url", "channel"):
        payload.pop(key)
    payload["container"] = {"type": "view", "view_id": "VHOME"}
    payload["view"] = {"id": "VHOME", "type": "home", "blocks": []}
    return payload


def test_walk_me_through_pressed_twice_sends_one_walkthrough(fake, slack, server):
    """A double click on App Home's button (each press its own trigger id): two DMs, each the
    first question with its buttons, two walk-throughs to the member's eye."""
    user = fresh("U")
    for _ in range(2):
        assert slack.interaction(home_press(user)).status == 200
    wait_until(lambda: len(dms_to(fake, user)) == 2 or server.log_tail(300).count(PRESSED_AGAIN) == 1)
    dm = wait_until(lambda: dms_to(fake, user))[0]
    assert progress(dm.params) == "Question 1 of 6"
    assert len(dms_to(fake, user)) == 1, [progress(c.params) for c in dms_to(fake, user)]


# --- two instances sharing a PostgreSQL store -------------------------------------------------------

@pytest.fixture(scope="module")
def pg_database(postgres_server):
    with throwaway_database(postgres_server) as url:
        yield url


@pytest.fixture(scope="module")
def instances(fake, pg_database, tmp_path_factory):
    settings = PACKS | {"storage": {"url": "${DATABASE_URL}", "retention_days": 180}}
    tmp = tmp_path_factory.mktemp("walk-instances")
    with bot_server(fake, tmp / "a", workers=1, settings=settings, env={"DATABASE_URL": pg_database}) as a, \
            bot_server(fake, tmp / "b", workers=1, settings=settings, env={"DATABASE_URL": pg_database}) as b:
        yield SlackSender(a.url), SlackSender(b.url)


def pg_place(url: str, user: str):
    import psycopg
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute("SELECT pack, position FROM walkthrough WHERE member = %s", (user,)).fetchone()


def waiting_on_walk_rows(url: str) -> int:
    """Statements of the bot's waiting for a walk-through row the test holds locked."""
    import psycopg
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                            "AND query LIKE %s AND datname = current_database()", ("%walkthrough%",)).fetchone()[0]


@contextlib.contextmanager
def walk_row_held(url: str, user: str):
    """The member's walk-through row locked (as a press's write holds it) until the block ends:
    the presses sent meanwhile queue behind it in the order they reach it."""
    import psycopg
    with psycopg.connect(url) as conn:
        conn.execute("SELECT 1 FROM walkthrough WHERE member = %s FOR UPDATE", (user,))
        yield
        conn.commit()


def test_next_and_stop_in_flight_together_on_two_instances(fake, instances, pg_database):
    """Stop on one instance, Next on the other, both waiting for the row: Stop forgot the place
    first, then Next's upsert wrote it afresh (a walk-through that resumes though they stopped it),
    and its step replaced "stopped"."""
    a, b = instances
    user = fresh("U")
    step = command(fake, a, "walkthrough workload-example", user)
    step = press(fake, a, step["blocks"], "walk_next", user)
    with walk_row_held(pg_database, user):
        stop = send_press(fake, b, step["blocks"], "walk_stop", user)
        wait_until(lambda: waiting_on_walk_rows(pg_database) == 1)
        nxt = send_press(fake, a, step["blocks"], "walk_next", user)
        wait_until(lambda: waiting_on_walk_rows(pg_database) == 2)
    stopped = wait_until(lambda: responses_to(fake, stop))[-1].params
    said = wait_until(lambda: responses_to(fake, nxt))[-1].params
    assert "Walk-through stopped" in stopped["text"]
    assert pg_place(pg_database, user) is None
    assert not actions(said) and "stopped" in said["text"], said


def test_next_pressed_twice_at_once_on_two_instances_moves_once(fake, instances, pg_database):
    user = fresh("U")
    a, b = instances
    step = command(fake, a, "walkthrough workload-example", user)
    step = press(fake, a, step["blocks"], "walk_next", user)
    with walk_row_held(pg_database, user):
        one = send_press(fake, a, step["blocks"], "walk_next", user)
        two = send_press(fake, b, step["blocks"], "walk_next", user)
        wait_until(lambda: waiting_on_walk_rows(pg_database) == 2)
    replies = [wait_until(lambda n=n: responses_to(fake, n))[-1].params for n in (one, two)]
    assert [progress(r) for r in replies] == ["Question 3 of 6"] * 2
    assert pg_place(pg_database, user) == ("workload-example", 2)


def test_the_greeting_button_for_a_member_who_cant_be_sent_a_dm_says_why(fake, slack, server):
    """The button under a greeting in a channel: when Slack refused the DM the walk-through starts
    in, the member was told "Sorry, something went wrong while I was looking that up" (App Home's
    button says why, and what to do instead)."""
    user = fresh("U")
    greeting = command(fake, slack, "hello", user)
    refused = {"ok": False, "error": "messages_tab_disabled"}
    fake.set_response("chat.postMessage",
                      lambda p: refused if p.get("channel") == user else fake._canned("chat.postMessage", p))
    try:
        name = send_press(fake, slack, greeting["blocks"], "walk_start", user)
        said = wait_until(lambda: responses_to(fake, name))[-1].params
    finally:
        fake.set_response("chat.postMessage", None)
    assert "couldn't send you a direct message (Slack said: messages_tab_disabled)" in said["text"], said
    assert "/biglisten walkthrough" in said["text"] and said.get("response_type", "ephemeral") == "ephemeral"


# --- a pack reloaded without its survey ------------------------------------------------------------

NO_SURVEY = """entries:
- id: workload-charter
  kind: glossary
  term: Workload charter
  source: etu-commentary
  speaker: union
  keywords: [workload charter]
  definition:
    - "A charter gives staff something to point to when new tasks are added."
"""


@pytest.fixture(scope="module")
def editable(fake, tmp_path_factory):
    """A server whose example pack is a copy the test may edit (re-read every 0.2 s), one worker."""
    import shutil
    tmp = tmp_path_factory.mktemp("walk-edited")
    folder = tmp / "packs" / "workload-example"
    shutil.copytree(EXAMPLE_DIR, folder)
    settings = {"packs": [str(PACK_DIR), str(folder)], "reload_seconds": 0.2}
    with bot_server(fake, tmp / "bot", workers=1, settings=settings) as s:
        yield s, folder
        assert s.process.poll() is None, f"the bot server died during the tests:\n{s.log_tail()}"


def test_buttons_of_a_pack_reloaded_without_its_survey_say_it_has_gone(fake, editable):
    """The pack was edited to hold no survey questions (a glossary entry left) while a member was
    on question 3: Next on an older step message got "Sorry, something went wrong" (the place was
    elsewhere, and there was no step to say it was at), and Next on question 3 said it was the last
    question of the pack, the walk-through finished."""
    server, folder = editable
    slack = SlackSender(server.url)
    user = fresh("U")
    old = command(fake, slack, "walkthrough workload-example", user)
    step = press(fake, slack, old["blocks"], "walk_next", user)
    step = press(fake, slack, step["blocks"], "walk_next", user)
    assert progress(step) == "Question 3 of 6"
    (folder / "survey-wellbeing.yaml").write_text("entries: []\n", encoding="utf-8")
    (folder / "survey-workload-schools.yaml").write_text(NO_SURVEY, encoding="utf-8")
    wait_until(lambda: "pack workload-example: reloaded from" in server.log_tail(200))
    for blocks in (old["blocks"], step["blocks"]):
        said = press(fake, slack, blocks, "walk_next", user)
        assert said["text"] == "That survey is no longer in the guidance.", said
        assert said["replace_original"] is True and not actions(said)
