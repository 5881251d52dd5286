"""Several packs, the walk-through and hot reload end to end: `python -m bot serve` under
gunicorn (two workers), signed HTTP in, the fake Slack out, a real SQLite file.

The server runs the bundled Big Listen pack and a writable copy of the fictional example pack
(so the reload tests can edit it); channel CWORK uses only the example pack.
"""
from __future__ import annotations

import json
import re
import shutil
import sqlite3
import time
import uuid

import pytest

from bot.walk_blocks import NOTES_BLOCK, NOTES_CALLBACK, NOTES_INPUT
from conftest import PACK_DIR, ROOT
from slack_helpers import (
    BOT_USER,
    SlackSender,
    block_actions,
    bot_server,
    button,
    direct_message,
    elements,
    fresh,
    mention,
    posts_in,
    responses_to,
    shown_text,
    wait_until,
)

EXAMPLE_DIR = ROOT / "knowledge" / "workload-example"
CHARTER = "should every school publish a workload charter"
SAFEGUARDING = "should safeguarding be a separate judgement?"
SAFEGUARDING_WORDING = "Do you think safeguarding should be a separate judgement"
REP = "UREP"
EXAMPLE_TITLE = "EXAMPLE ONLY (fictional, not real guidance): Workload Consultation"


def server_settings(example: str) -> dict:
    return {"packs": [str(PACK_DIR), example], "reload_seconds": 0.2,
            "channels": [{"channel": "CWORK", "packs": ["workload-example"]},
                         {"channel": "CBL", "packs": ["big-listen"]}],
            "reps": {"users": [REP], "usergroups": [], "cache_seconds": 300}}


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    folder = tmp_path_factory.mktemp("packs") / "workload-example"
    shutil.copytree(EXAMPLE_DIR, folder)
    return folder


@pytest.fixture(scope="module")
def server(fake, example, tmp_path_factory):
    with bot_server(fake, tmp_path_factory.mktemp("packs-bot"), settings=server_settings(str(example))) as s:
        yield s
        assert s.process.poll() is None, f"the bot server died during the tests:\n{s.log_tail()}"


@pytest.fixture(scope="module")
def slack(server) -> SlackSender:
    return SlackSender(server.url)


def ask_dm(fake, slack, text: str) -> dict:
    dm = fresh("D")
    assert slack.event(direct_message(text, dm)).status == 200
    (post,) = wait_until(lambda: posts_in(fake, dm))
    return post.params


def command(fake, slack, text: str, user: str, channel: str = "C1") -> dict:
    name = uuid.uuid4().hex[:12]
    assert slack.command("/biglisten", text, fake.response_url(name), user_id=user, channel_id=channel).status == 200
    (call,) = wait_until(lambda: responses_to(fake, name))
    return call.params


def press(fake, slack, blocks: list[dict], action_id: str, user: str, **kw) -> dict:
    name = uuid.uuid4().hex[:12]
    value = button(blocks, action_id)["value"]
    assert slack.interaction(block_actions(action_id, value, response_url=fake.response_url(name), user=user,
                                           **kw)).status == 200
    (call,) = wait_until(lambda: responses_to(fake, name))
    return call.params


def notes_sent(user: str, view: dict, text: str) -> dict:
    """"Send to me" pressed on the notes modal `view` with `text` in the box."""
    return {"type": "view_submission", "api_app_id": "A1", "token": "t", "team": {"id": "T1"},
            "user": {"id": user, "team_id": "T1"},
            "view": {"id": "V1", "type": "modal", "callback_id": NOTES_CALLBACK,
                     "private_metadata": view["private_metadata"],
                     "state": {"values": {NOTES_BLOCK: {NOTES_INPUT: {"type": "plain_text_input", "value": text}}}}}}


def progress(params: dict) -> str:
    return re.search(r"Question \d+ of \d+", shown_text(params["blocks"])).group(0)


def place(server, user: str):
    with sqlite3.connect(server.db_path) as conn:
        return conn.execute("SELECT pack, position FROM walkthrough WHERE user = ?", (user,)).fetchone()


# --- several packs ------------------------------------------------------------------------------

def test_each_pack_answers_its_own_questions_and_names_itself(fake, slack):
    charter = shown_text(ask_dm(fake, slack, CHARTER)["blocks"])
    assert "Suggested answer: Yes. ETU says (fictional example)" in charter
    assert f"Guidance pack: {EXAMPLE_TITLE}" in charter and "NASUWT" not in charter
    safeguarding = shown_text(ask_dm(fake, slack, SAFEGUARDING)["blocks"])
    assert SAFEGUARDING_WORDING in safeguarding and "NASUWT says (spring 2024)" in safeguarding
    assert "Guidance pack: Ofsted's Big Listen (2024)" in safeguarding


def test_a_channel_restricted_to_one_pack_answers_only_from_it(fake, slack):
    for channel, big_listen in (("CWORK", False), (fresh("C"), True)):
        before = len(posts_in(fake, channel))
        assert slack.event(mention(f"<@{BOT_USER}> {SAFEGUARDING}", channel)).status == 200
        post = wait_until(lambda: posts_in(fake, channel)[before:])[0]  # noqa: B023 - waited on at once
        shown = shown_text(post.params["blocks"])
        assert (SAFEGUARDING_WORDING in shown) is big_listen, shown
        if not big_listen:   # nor is the decline "not in the Big Listen guidance" (app.yaml's bot_name)
            assert "Big Listen (2024)" not in shown and "NASUWT says" not in shown, shown
            assert f"the {EXAMPLE_TITLE} guidance" in shown.splitlines()[0], shown
            # and its contact line is the pack's own (pack.yaml), not app.yaml's about the Big Listen
            assert "the fictional ETU's officers" in shown and "Big Listen consultation" not in shown, shown


def test_sections_list_every_pack_with_its_status(fake, slack):
    shown = shown_text(command(fake, slack, "sections", "U1")["blocks"])
    assert "*Ofsted's Big Listen (2024)*: closed on 31 May 2024" in shown
    assert re.search(rf"\*{re.escape(EXAMPLE_TITLE)}\*: (open until 18 December 2026: \d+ days? left to respond"
                     r"|closed on 18 December 2026|opens on 2 November 2026)", shown)


def test_help_and_app_home_put_each_pack_under_its_own_union(fake, slack):
    """Round 13: help said "Ask me about Ofsted's Big Listen (2024) and EXAMPLE ONLY ... and
    NASUWT's guidance on it", and App Home's header "NASUWT guidance: ... · EXAMPLE ONLY ..."."""
    shown = shown_text(command(fake, slack, "help", "U1")["blocks"])
    assert "Ofsted's Big Listen (2024) and NASUWT's guidance on it" in shown
    assert f"{EXAMPLE_TITLE} and ETU's guidance on it" in shown
    user = fresh("U")
    slack.event({"type": "app_home_opened", "user": user, "channel": "D" + user, "tab": "home",
                 "event_ts": f"{time.time():.6f}"})
    (call,) = wait_until(lambda: [c for c in fake.calls_to("views.publish") if c.params["user_id"] == user])
    header = call.params["view"]["blocks"][0]["text"]["text"]
    assert header == f"Guidance: Ofsted's Big Listen (2024) (NASUWT) · {EXAMPLE_TITLE} (ETU)"


def test_a_vote_on_the_second_packs_answer_is_recorded(fake, slack, server):
    """Round 13: a vote was looked up in the first pack only, so the example pack's answers
    got "Sorry, I couldn't tell which answer that vote was for"."""
    user = fresh("U")
    post = ask_dm(fake, slack, CHARTER)
    thanks = press(fake, slack, post["blocks"], "vote_helpful", user, channel=post["channel"])
    assert thanks["text"].startswith("Thanks"), thanks
    with sqlite3.connect(server.db_path) as db:
        rows = db.execute("SELECT entry_id, helpful FROM votes WHERE user = ?", (user,)).fetchall()
    assert rows == [("wellbeing-workload-charter-1", 1)]


def test_readyz_checks_every_pack(server):
    import json
    import urllib.request
    with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/readyz", timeout=5) as r:
        body = json.loads(r.read())
    assert body["ready"] is True and set(body["checks"]) == {"store", "pack big-listen", "pack workload-example"}


def test_a_channel_kept_to_one_pack_keeps_to_it_for_entries_buttons_and_the_walkthrough(fake, slack, server):
    """Round 13: in a channel kept to the Big Listen, `/biglisten <the example pack's entry id>`
    showed ETU's suggested answer, the walk-through started the (open) example consultation,
    and an "Open" button listed the example pack's entries among the other matches."""
    shown = shown_text(command(fake, slack, "wellbeing-workload-charter-1", "U1", channel="CBL")["blocks"])
    assert "ETU" not in shown and EXAMPLE_TITLE not in shown
    # nor does it list the other pack's questions or name it in help (a review found both)
    for word in ("sections", "help"):
        shown = shown_text(command(fake, slack, word, "U1", channel="CBL")["blocks"])
        assert EXAMPLE_TITLE not in shown and "Big Listen" in shown, (word, shown)
    assert "ETU" in shown_text(command(fake, slack, "wellbeing-workload-charter-1", "U1", channel="C1")["blocks"])
    user = fresh("U")
    step = command(fake, slack, "walkthrough", user, channel="CBL")
    assert progress(step) != "Question 1 of 6" and "Big Listen" in shown_text(step["blocks"])
    assert ("I don't have a survey to walk through called 'workload-example'. Packs: big-listen. Or name a "
            "section of the survey, e.g. `/biglisten walkthrough schools`.") == command(
        fake, slack, "walkthrough workload-example", fresh("U"), channel="CBL")["text"]
    # an Open button pressed in CBL: its other matches come from the Big Listen only
    value = '{"e": "safeguarding-separate-judgement", "q": "should every school publish a workload charter"}'
    name = uuid.uuid4().hex[:12]
    assert slack.interaction(block_actions("open_entry_0", value, response_url=fake.response_url(name),
                                           channel="CBL")).status == 200
    (call,) = wait_until(lambda: responses_to(fake, name))
    assert "wellbeing-" not in str(call.params["blocks"]) and "ETU" not in shown_text(call.params["blocks"])
    # nor does an "Other matches" button list the other pack's entries there (round 23: a forged one did)
    value = json.dumps({"ids": ["wellbeing-workload-charter-1", "safeguarding-separate-judgement"], "q": "x"})
    name = uuid.uuid4().hex[:12]
    assert slack.interaction(block_actions("other_matches", value, response_url=fake.response_url(name),
                                           channel="CBL")).status == 200
    (call,) = wait_until(lambda: responses_to(fake, name))
    listed = str(call.params["blocks"])
    assert "wellbeing-" not in listed and "safeguarding-separate-judgement" in listed
    # nor do walk-through buttons naming the other pack show its steps or notes there (round 23's hunt)
    value = json.dumps({"p": "workload-example", "i": 0, "e": "workload-schools-p1-marking-feedback-1"})
    for action in ("walk_next", "walk_notes"):
        name = uuid.uuid4().hex[:12]
        assert slack.interaction(block_actions(action, value, response_url=fake.response_url(name), channel="CBL",
                                               user=fresh("U"))).status == 200
        (call,) = wait_until(lambda name=name: responses_to(fake, name))
        assert call.params["text"] == "That survey is no longer in the guidance.", (action, call.params)
    # a button on a question a reload took out (the member's place): Next shows the one now in its
    # place; notes say it has gone
    value = json.dumps({"p": "big-listen", "i": 2, "e": "a-question-since-removed"})
    said = {}
    for action in ("walk_next", "walk_notes"):
        name, user = uuid.uuid4().hex[:12], fresh("U")
        with sqlite3.connect(server.db_path) as conn:
            conn.execute("INSERT INTO walkthrough(user, pack, position, at, entry_id) VALUES (?,?,?,?,?)",
                         (user, "big-listen", 2, time.time(), "2:a-question-since-removed"))
        assert slack.interaction(block_actions(action, value, response_url=fake.response_url(name), channel="C1",
                                               user=user)).status == 200
        (call,) = wait_until(lambda name=name: responses_to(fake, name))
        said[action] = call.params
    assert progress(said["walk_next"]).startswith("Question 3 of ")
    assert said["walk_notes"]["text"] == "That question is no longer in the survey's guidance."


# --- the walk-through ---------------------------------------------------------------------------

def test_walkthrough_start_next_back_notes_and_stop(fake, slack, server):
    user = fresh("U")
    step = command(fake, slack, "walkthrough workload-example", user)
    assert progress(step) == "Question 1 of 6" and place(server, user) == ("workload-example", 0)
    assert "walk_back" not in [e["action_id"] for e in elements(step["blocks"])]
    shown = shown_text(step["blocks"])
    assert "The Example Department's survey asks (fictional example)" in shown and "ETU's view" in shown

    step = press(fake, slack, step["blocks"], "walk_next", user)
    assert step["replace_original"] is True and progress(step) == "Question 2 of 6"
    assert place(server, user) == ("workload-example", 1)

    # a comments box: "Make my notes" opens the modal with the union's points, verbatim
    trigger = "trig-" + uuid.uuid4().hex[:8]
    value = button(step["blocks"], "walk_notes")["value"]
    assert slack.interaction(block_actions("walk_notes", value, response_url=fake.response_url("unused"),
                                           user=user, trigger_id=trigger)).status == 200
    opened = wait_until(lambda: [c for c in fake.calls_to("views.open") if c.params.get("trigger_id") == trigger])
    view = opened[0].params["view"]
    initial = next(b for b in view["blocks"] if b["type"] == "input")["element"]["initial_value"]
    assert shown_text(view["blocks"][:1]) == ("The Example Department's survey asks (fictional example): "
                                              "“Do you have any comments on marking and feedback?”")
    assert initial == ("☐ Things you might want to mention include:\n☐ the time marking takes each week;\n"
                       "☐ whether marking is checked by leaders; and\n☐ what happens when marking falls behind.")
    assert slack.interaction(notes_sent(user, view, "☐ the time marking takes: 6 hours")).status == 200
    (dm,) = wait_until(lambda: posts_in(fake, user))
    assert dm.params["text"] == "☐ the time marking takes: 6 hours"     # their words, nothing added
    with sqlite3.connect(server.db_path) as conn:   # and nothing of the notes kept
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            rows = conn.execute(f"SELECT * FROM {table}").fetchall()   # noqa: S608 - names from sqlite itself
            assert not any("6 hours" in str(row) for row in rows), table

    step = press(fake, slack, step["blocks"], "walk_back", user)
    assert progress(step) == "Question 1 of 6" and place(server, user) == ("workload-example", 0)
    step = press(fake, slack, step["blocks"], "walk_skip", user)
    assert progress(step) == "Question 4 of 6" and "Wellbeing" in shown_text(step["blocks"])

    # Stop on an old step of another pack leaves this walk-through alone (round 23's hunt: it ended it)
    old = command(fake, slack, "walkthrough big-listen", user)
    assert place(server, user) == ("workload-example", 3)   # starting another pack keeps the place
    press(fake, slack, old["blocks"], "walk_stop", user)
    assert place(server, user) == ("workload-example", 3)
    stopped = press(fake, slack, step["blocks"], "walk_stop", user)
    assert "Walk-through stopped" in stopped["text"] and place(server, user) is None


def test_walkthrough_of_a_section_named_starts_at_its_first_question(fake, slack, server):
    """Round 26: "/biglisten walk through SEND?" said there was no survey called 'send'. Now the
    section's first question, not shown as resumed, with the place kept there; "the schools
    section" where the open example pack answers too is the Big Listen's Schools section."""
    user = fresh("U")
    step = command(fake, slack, "walk through SEND?", user, channel="CBL")
    shown = shown_text(step["blocks"])
    assert "· Special educational needs and alternative provision ·" in shown and "where you left off" not in shown
    assert place(server, user) == ("big-listen", int(progress(step).split()[1]) - 1)
    step = command(fake, slack, "walkthrough the schools section", fresh("U"))
    assert progress(step) == "Question 1 of 19" and "· Schools ·" in shown_text(step["blocks"])
    # asked in words, the command starts it too (a message is told how, with a button)
    step = command(fake, slack, "can you walk me through the safeguarding questions?", fresh("U"), channel="CBL")
    assert "· Safeguarding in schools ·" in shown_text(step["blocks"]) and button(step["blocks"], "walk_next")
    # the survey itself named, not a pack called 'survey' ("I don't have a survey to walk through called ...")
    for asked in ("walkthrough the survey", "walk through the questions"):
        step = command(fake, slack, asked, fresh("U"), channel="CBL")
        assert "blocks" in step, (asked, step["text"])
        assert progress(step) == "Question 1 of 19" and button(step["blocks"], "walk_next"), asked


def test_walkthrough_buttons_move_from_the_question_they_were_pressed_on(fake, slack, server):
    """Round 21's hunt: a button named its question by number only, so after a pack edit moved
    the question, Next went on from whatever question now had that number. A button names its
    question too (here: question 2's, sent when it was number 1, as before an edit)."""
    user = fresh("U")
    first = command(fake, slack, "walkthrough workload-example", user)
    second = press(fake, slack, first["blocks"], "walk_next", user)
    ref = json.loads(button(second["blocks"], "walk_next")["value"])
    assert ref["i"] == 1 and ref["e"]
    stale = json.dumps(ref | {"i": 0})
    name = uuid.uuid4().hex[:12]
    assert slack.interaction(block_actions("walk_next", stale, response_url=fake.response_url(name),
                                           user=user)).status == 200
    (call,) = wait_until(lambda: responses_to(fake, name))
    assert progress(call.params) == "Question 3 of 6" and place(server, user) == ("workload-example", 2)


def test_notes_that_cannot_be_sent_keep_the_modal_open_and_say_why(fake, slack):
    """Round 21's hunt: "Send to me" acked first, so a DM Slack refused closed the modal and lost
    the member's edited notes without a word. And the notes went out unescaped: "<2 hours" could
    be read by Slack as the start of a link."""
    user = fresh("U")

    def submit(text: str):
        return slack.interaction({"type": "view_submission", "api_app_id": "A1", "token": "t", "team": {"id": "T1"},
                                  "user": {"id": user, "team_id": "T1"},
                                  "view": {"id": "V1", "type": "modal", "callback_id": NOTES_CALLBACK,
                                           "private_metadata": "{}", "state": {"values": {NOTES_BLOCK: {
                                               NOTES_INPUT: {"type": "plain_text_input", "value": text}}}}}})
    fake.fault("chat.postMessage", times=1, status=200, payload={"ok": False, "error": "messages_tab_disabled"})
    refused = submit("☐ marking: <2 hours & >5 pages")
    assert refused.status == 200 and refused.json()["response_action"] == "errors", refused.body
    said = refused.json()["errors"][NOTES_BLOCK]
    assert "couldn't send this to you by direct message (Slack said: messages_tab_disabled)" in said
    assert len(posts_in(fake, user)) == 1   # the one Slack refused
    again = submit("☐ marking: <2 hours & >5 pages")   # pressed again: sent, and the modal closes
    assert again.status == 200 and not again.body, again.body
    refused_dm, dm = wait_until(lambda: len(posts_in(fake, user)) == 2 and posts_in(fake, user))
    assert dm.params["text"] == "☐ marking: &lt;2 hours &amp; &gt;5 pages"   # shown as typed, no link


def test_a_closed_consultation_says_so_at_every_step(fake, slack):
    user = fresh("U")
    step = command(fake, slack, "walkthrough big-listen", user)
    for _ in range(3):
        assert "Ofsted's Big Listen closed on 31 May 2024" in shown_text(step["blocks"])
        step = press(fake, slack, step["blocks"], "walk_next", user)


def test_notes_on_a_closed_consultation_say_it_is_closed_in_the_modal_and_the_dm(fake, slack):
    """Round 23's left item: every step says the Big Listen closed, but the notes modal and the
    notes sent by DM did not, so a member could keep notes to "put in" a survey long closed. The
    DM's text (its notification) is still the member's words alone."""
    user = fresh("U")
    step = command(fake, slack, "walkthrough big-listen", user)
    while "walk_notes" not in [e["action_id"] for e in elements(step["blocks"])]:
        step = press(fake, slack, step["blocks"], "walk_next", user)
    trigger = "trig-" + uuid.uuid4().hex[:8]
    assert slack.interaction(block_actions("walk_notes", button(step["blocks"], "walk_notes")["value"],
                                           response_url=fake.response_url("unused"), user=user,
                                           trigger_id=trigger)).status == 200
    opened = wait_until(lambda: [c for c in fake.calls_to("views.open") if c.params.get("trigger_id") == trigger])
    view = opened[0].params["view"]
    assert "Ofsted's Big Listen closed on 31 May 2024" in shown_text(view["blocks"])
    assert slack.interaction(notes_sent(user, view, "☐ inspectors: <1 day & too short")).status == 200
    (dm,) = wait_until(lambda: posts_in(fake, user))
    assert dm.params["text"] == "☐ inspectors: &lt;1 day &amp; too short"   # their words, for the notification
    shown = shown_text(dm.params["blocks"])
    assert shown.startswith("☐ inspectors: &lt;1 day &amp; too short") and \
        "Ofsted's Big Listen closed on 31 May 2024" in shown


def test_app_home_lists_the_packs_and_starts_the_walkthrough_by_dm(fake, slack):
    user = fresh("U")
    slack.event({"type": "app_home_opened", "user": user, "channel": "D" + user, "tab": "home",
                 "event_ts": f"{time.time():.6f}"})
    (call,) = wait_until(lambda: [c for c in fake.calls_to("views.publish") if c.params["user_id"] == user])
    blocks = call.params["view"]["blocks"]
    shown = shown_text(blocks)
    assert "Consultations" in shown and "*Ofsted's Big Listen (2024)*: closed on 31 May 2024" in shown
    assert EXAMPLE_TITLE in shown and "For reps" not in shown
    payload = block_actions("walk_start", button(blocks, "walk_start")["value"], response_url="", user=user)
    del payload["response_url"]
    payload["container"] = {"type": "view", "view_id": "V1"}
    assert slack.interaction(payload).status == 200
    (dm,) = wait_until(lambda: posts_in(fake, user))
    assert progress(dm.params) == "Question 1 of 6"     # the open (example) consultation first


def test_app_home_starts_the_walkthrough_at_a_section(fake, slack, server):
    """Round 26: App Home listed the survey by section with one button for the whole walk-through;
    each section now has its own, which starts the walk-through at its first question."""
    user = fresh("U")
    slack.event({"type": "app_home_opened", "user": user, "channel": "D" + user, "tab": "home",
                 "event_ts": f"{time.time():.6f}"})
    (call,) = wait_until(lambda: [c for c in fake.calls_to("views.publish") if c.params["user_id"] == user])
    blocks = call.params["view"]["blocks"]
    by_section = {b["text"]["text"].split("\n")[0]: b["accessory"] for b in blocks
                  if b.get("accessory", {}).get("action_id") == "walk_start"}
    assert list(by_section) == [
        "*Ofsted's Big Listen (2024) · Schools*", "*Ofsted's Big Listen (2024) · Safeguarding in schools*",
        "*Ofsted's Big Listen (2024) · Special educational needs and alternative provision*",
        "*Ofsted's Big Listen (2024) · Final question*",
        f"*{EXAMPLE_TITLE} · Workload in schools*", f"*{EXAMPLE_TITLE} · Wellbeing*"], list(by_section)
    (send,) = [b for label, b in by_section.items() if "Special educational needs" in label]
    assert json.loads(send["value"])["p"] == "big-listen"   # its own pack's (another may have a section so named)
    payload = block_actions("walk_start", send["value"], response_url="", user=user)
    del payload["response_url"]
    payload["container"] = {"type": "view", "view_id": "V1"}
    assert slack.interaction(payload).status == 200
    (dm,) = wait_until(lambda: posts_in(fake, user))
    assert "· Special educational needs and alternative provision ·" in shown_text(dm.params["blocks"])
    assert place(server, user) == ("big-listen", int(progress(dm.params).split()[1]) - 1)


def test_the_walkthrough_button_under_a_greeting_keeps_to_the_channels_pack(fake, slack):
    """A greeting in a channel kept to the Big Listen: its "Walk me through" button started the
    (open) example consultation in the member's DM; `/biglisten walkthrough` there didn't."""
    user = fresh("U")
    greeting = command(fake, slack, "hello", user, channel="CBL")
    payload = block_actions("walk_start", button(greeting["blocks"], "walk_start")["value"],
                            response_url=fake.response_url(uuid.uuid4().hex[:12]), channel="CBL", user=user)
    assert slack.interaction(payload).status == 200
    (dm,) = wait_until(lambda: posts_in(fake, user))
    assert progress(dm.params) != "Question 1 of 6" and "Big Listen" in shown_text(dm.params["blocks"])


def test_asked_in_a_dm_to_walk_through_a_section_the_button_starts_there(fake, slack, server):
    """Round 26: "can you walk me through the SEND questions?" in a DM got the SEND glossary entry.
    It is told how, and its button starts the walk-through at that section's first question."""
    user = fresh("U")
    asked = ask_dm(fake, slack, "can you walk me through the SEND questions please?")
    assert asked["text"].endswith("type `/biglisten walkthrough send`, or press the button below.")
    name = uuid.uuid4().hex[:12]
    payload = block_actions("walk_start", button(asked["blocks"], "walk_start")["value"],
                            response_url=fake.response_url(name), channel="D" + user, user=user)
    assert slack.interaction(payload).status == 200
    (dm,) = wait_until(lambda: posts_in(fake, user))
    assert "· Special educational needs and alternative provision ·" in shown_text(dm.params["blocks"])
    assert place(server, user)[1] == int(progress(dm.params).split()[1]) - 1


def test_a_greeting_in_a_dm_offers_the_walkthrough(fake, slack):
    user = fresh("U")
    greeting = ask_dm(fake, slack, "hello")
    name = uuid.uuid4().hex[:12]
    payload = block_actions("walk_start", button(greeting["blocks"], "walk_start")["value"],
                            response_url=fake.response_url(name), channel="D" + user, user=user)
    assert slack.interaction(payload).status == 200
    (dm,) = wait_until(lambda: posts_in(fake, user))
    assert progress(dm.params) == "Question 1 of 6" and responses_to(fake, name) == []   # the greeting stays


def test_the_walkthrough_resumes_after_a_restart(fake, example, tmp_path):
    """Two servers one after the other on the same store file."""
    db = tmp_path / "bot.sqlite3"
    user = fresh("U")
    with bot_server(fake, tmp_path / "first", settings=server_settings(str(example)), db_path=db) as first:
        sender = SlackSender(first.url)
        step = command(fake, sender, "walkthrough workload-example", user)
        step = press(fake, sender, step["blocks"], "walk_next", user)
        step = press(fake, sender, step["blocks"], "walk_next", user)
        assert progress(step) == "Question 3 of 6"
    with bot_server(fake, tmp_path / "second", settings=server_settings(str(example)), db_path=db) as second:
        step = command(fake, SlackSender(second.url), "walkthrough", user)
        assert progress(step) == "Question 3 of 6" and "(where you left off)" in shown_text(step["blocks"])


# --- editing a pack while the bot runs ----------------------------------------------------------

def title_shown(fake, slack) -> str:
    return ask_dm(fake, slack, CHARTER)["blocks"][0]["text"]["text"]


def rewrite(path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_good_edit_is_swapped_in_and_a_broken_one_refused(fake, slack, server, example):
    survey = example / "survey-wellbeing.yaml"
    assert title_shown(fake, slack) == "A workload charter"
    rewrite(survey, "title: A workload charter", "title: A charter for workload")
    # answered throughout: every question gets an answer while the workers swap the pack in
    seen = set()
    deadline = time.monotonic() + 15
    while seen != {"A charter for workload"}:
        seen = {title_shown(fake, slack), title_shown(fake, slack)}   # two workers: both must have it
        assert seen <= {"A workload charter", "A charter for workload"}
        assert time.monotonic() < deadline, seen

    rewrite(survey, "  priority: A workload charter", "  priorty: A workload charter")   # unknown field
    refused = wait_until(lambda: "edit refused" in server.log_tail(400) and server.log_tail(400), timeout=10)
    line = next(x for x in refused.splitlines() if "edit refused" in x)
    assert re.search(r"survey-wellbeing\.yaml:\d+", line) and "priorty" in line
    for _ in range(4):   # still answering from the pack as it was
        assert title_shown(fake, slack) == "A charter for workload"

    def rep_home_with_the_problem():   # each worker polls on its own: ask again until one shows it
        slack.event({"type": "app_home_opened", "user": REP, "channel": "D" + REP, "tab": "home",
                     "event_ts": f"{time.time():.6f}"})
        time.sleep(0.3)
        return [c for c in fake.calls_to("views.publish") if c.params["user_id"] == REP
                and "edit was refused" in shown_text(c.params["view"]["blocks"])]
    home = wait_until(rep_home_with_the_problem, timeout=10)
    shown = shown_text(home[0].params["view"]["blocks"])
    assert re.search(r"survey-wellbeing\.yaml:\d+", shown) and "priorty" in shown
    rewrite(survey, "  priorty: A workload charter", "  priority: A workload charter")   # fixed again
