"""The walk-through's Next / Back / Skip section / Stop answered through the durable inbox (round
26): a press whose worker stopped after the ack is answered by another worker, once, and a press
answered again after its first attempt moved the member's place neither moves them twice nor
tells them something false. The Answerer and the real SQLite store, the fake Slack's
response_url; tests/test_slack_faults.py kills the server's workers for real."""
from __future__ import annotations

import logging
import re
import time

import pytest

from bot import walkthrough as walk
from bot.blocks import button_value
from bot.guide import Guide
from bot.knowledge import load_pack
from bot.packs import Library, Shelf
from bot.search import Index
from bot.store import open_store
from bot.walk_blocks import step_blocks
from conftest import PACK_DIR, ROOT
from handlers.actions import press_reply
from handlers.answering import Answerer, action_from
from slack_helpers import PostingClient, block_actions, button, elements, shown_text

EXAMPLE = "workload-example"
LEASE = 60.0
LOG = logging.getLogger("test")


@pytest.fixture(scope="module")
def library():
    return Library([Shelf(Index(load_pack(PACK_DIR))), Shelf(Index(load_pack(ROOT / "knowledge" / EXAMPLE)))])


@pytest.fixture
def guide(config, library, tmp_path):
    return Guide(config, library, open_store(tmp_path / "bot.sqlite3"))


def worker(guide, owner: str) -> Answerer:
    return Answerer(guide, PostingClient(), LOG, owner, lease_seconds=LEASE, press=lambda p: press_reply(guide, p, LOG))


def step_on(guide, user: str, position: int) -> list[dict]:
    """The blocks of the step message at `position` of the example pack (as the bot sent it)."""
    return step_blocks(walk.step_at(guide.library.pack_named(EXAMPLE), position)).blocks


def pressed(fake, blocks: list[dict], action_id: str, user: str, name: str) -> tuple[str, dict]:
    """A press of a step's button, as `accept_question` takes it into the inbox."""
    return action_from(block_actions(action_id, button(blocks, action_id)["value"], user=user,
                                     response_url=fake.response_url(name), trigger_id=f"trig-{name}"))


def answered(guide, fake, blocks, action_id: str, user: str, name: str) -> dict:
    """A press answered at once by a worker that doesn't stop: what Slack was sent."""
    live = worker(guide, "live")
    live.answer(live.accept(*pressed(fake, blocks, action_id, user, name)))
    return replies(fake, name)[-1]


def died_after_the_ack(guide, fake, blocks, action_id: str, user: str, name: str, *, built: bool) -> str:
    """A press taken into the inbox by a worker that stops before replying (`built`: after building
    the reply, so what the press does to the place is done); its inbox key."""
    key, payload = pressed(fake, blocks, action_id, user, name)
    assert worker(guide, "dead").accept(key, payload) is not None
    if built:
        press_reply(guide, payload, LOG)
    return key


def taken_over(guide, key: str) -> None:
    """Another worker takes the press over once the dead one's lease has run out."""
    taken = guide.store.lease(key, owner="other", lease_seconds=LEASE, now=time.time() + LEASE + 1)
    assert taken is not None and taken.attempts == 2
    worker(guide, "other").take_over(taken)
    assert guide.store.inbox_counts()["pending"] == 0


def replies(fake, name: str) -> list[dict]:
    return [c.params for c in fake.calls_to("response_url") if c.path.endswith(f"/{name}") and c.status == 200]


def progress(params: dict) -> str:
    found = re.search(r"Question \d+ of \d+", shown_text(params.get("blocks") or []))
    return found.group(0) if found else params["text"]


def position(guide, user: str) -> int | None:
    place = guide.store.walk_place(user)
    return place.position if place is not None else None


def started(guide, user: str) -> list[dict]:
    step = walk.start(guide.library, guide.store, user, EXAMPLE)
    assert step.position == 0
    return step_blocks(step).blocks


def test_a_next_whose_worker_died_before_building_its_reply_is_answered_by_another(guide, fake):
    """Before round 26 the press was acked and answered in the listener alone: a worker killed in
    between lost it (nothing in the inbox to take over), and the member's Next did nothing."""
    user = "UWALK1"
    key = died_after_the_ack(guide, fake, started(guide, user), "walk_next", user, "w1", built=False)
    assert replies(fake, "w1") == []
    taken_over(guide, key)
    (reply,) = replies(fake, "w1")
    assert progress(reply) == "Question 2 of 6" and reply["replace_original"] is True
    assert position(guide, user) == 1


def test_a_next_replayed_after_it_moved_the_place_moves_it_once(guide, fake):
    """The first attempt moved the place to question 2 and its worker stopped before replying:
    the one that takes it over shows question 2 and leaves the place there (not question 3)."""
    user = "UWALK2"
    key = died_after_the_ack(guide, fake, started(guide, user), "walk_next", user, "w2", built=True)
    assert position(guide, user) == 1
    taken_over(guide, key)
    assert [progress(r) for r in replies(fake, "w2")] == ["Question 2 of 6"]
    assert position(guide, user) == 1


def test_a_next_replayed_after_the_member_went_back_does_not_move_them_again(guide, fake):
    """The first attempt moved the place to question 2, and its worker stopped. The member, shown
    nothing, pressed Next again (question 2), then Back: they are on question 1, where the first
    press was pressed. Answered again, it moved them to question 2 once more, undoing their Back."""
    user = "UWALK3"
    first = started(guide, user)
    key = died_after_the_ack(guide, fake, first, "walk_next", user, "w3", built=True)
    again = answered(guide, fake, first, "walk_next", user, "w3-again")
    assert progress(again) == "Question 2 of 6"
    back = answered(guide, fake, again["blocks"], "walk_back", user, "w3-back")
    assert progress(back) == "Question 1 of 6" and position(guide, user) == 0
    taken_over(guide, key)
    assert position(guide, user) == 0, "the first press moved the member a second time"
    assert [progress(r) for r in replies(fake, "w3")] == ["Question 1 of 6"]   # where they are


def test_a_next_replayed_after_the_member_went_on_shows_where_they_are(guide, fake):
    """The member went on to question 3 (pressing again) before the press was taken over: its
    reply, replacing the step message they are using, said "That step is out of date ... carry on
    from the message showing it", the message it had just replaced."""
    user = "UWALK4"
    first = started(guide, user)
    key = died_after_the_ack(guide, fake, first, "walk_next", user, "w4", built=True)
    again = answered(guide, fake, first, "walk_next", user, "w4-again")
    on = answered(guide, fake, again["blocks"], "walk_next", user, "w4-on")
    assert progress(on) == "Question 3 of 6"
    taken_over(guide, key)
    (reply,) = replies(fake, "w4")
    assert progress(reply) == "Question 3 of 6" and "out of date" not in reply["text"], reply["text"]
    assert "walk_next" in [e["action_id"] for e in elements(reply["blocks"])]
    assert position(guide, user) == 2


def test_a_next_replayed_after_the_member_went_on_in_another_pack_leaves_them_there(guide, fake):
    """Next on the Big Listen's first step moved the place into the Big Listen and its worker
    stopped; the member went back to the workload walk-through and moved on there. Answered again,
    the press moved them into the Big Listen once more, away from where they are."""
    user = "UWALK12"
    other = walk.start(guide.library, guide.store, user, "big-listen")
    key = died_after_the_ack(guide, fake, step_blocks(other).blocks, "walk_next", user, "w12", built=True)
    assert guide.store.walk_place(user).pack == "big-listen"
    back = walk.start(guide.library, guide.store, user, EXAMPLE)   # shown, the place kept in the Big Listen
    answered(guide, fake, step_blocks(back).blocks, "walk_next", user, "w12-on")
    assert (guide.store.walk_place(user).pack, position(guide, user)) == (EXAMPLE, 1)
    taken_over(guide, key)
    assert (guide.store.walk_place(user).pack, position(guide, user)) == (EXAMPLE, 1)
    (reply,) = replies(fake, "w12")
    assert reply["text"] == walk.left_text("/biglisten") and reply["replace_original"] is True


def test_a_next_on_an_old_step_replayed_unchanged_still_says_it_is_out_of_date(guide, fake):
    """A press on an old step whose worker stopped before doing anything: nothing has moved since
    it was pressed, so it is answered as it would have been."""
    user = "UWALK5"
    old = started(guide, user)
    answered(guide, fake, answered(guide, fake, old, "walk_next", user, "w5-1")["blocks"], "walk_next", user, "w5-2")
    key = died_after_the_ack(guide, fake, old, "walk_next", user, "w5", built=False)
    taken_over(guide, key)
    (reply,) = replies(fake, "w5")
    assert "out of date" in reply["text"] and "question 3 of 6" in reply["text"]
    assert position(guide, user) == 2


def test_a_stop_replayed_after_the_member_started_again_leaves_the_new_walkthrough(guide, fake):
    """Stop forgot the place and its worker stopped before replying; the member started the
    walk-through again and moved on. Answered again, Stop forgot the new walk-through's place."""
    user = "UWALK6"
    key = died_after_the_ack(guide, fake, started(guide, user), "walk_stop", user, "w6", built=True)
    assert guide.store.walk_place(user) is None
    again = walk.start(guide.library, guide.store, user, EXAMPLE)
    answered(guide, fake, step_blocks(again).blocks, "walk_next", user, "w6-next")
    taken_over(guide, key)
    assert position(guide, user) == 1, "the old Stop stopped the walk-through started after it"
    assert [progress(r) for r in replies(fake, "w6")] == ["Question 2 of 6"]


@pytest.mark.parametrize("built", [False, True])
def test_a_stop_replayed_stops(guide, fake, built):
    user = f"UWALK7{built}"
    key = died_after_the_ack(guide, fake, started(guide, user), "walk_stop", user, f"w7{built}", built=built)
    taken_over(guide, key)
    assert guide.store.walk_place(user) is None
    (reply,) = replies(fake, f"w7{built}")
    assert reply["text"].startswith("Walk-through stopped") and reply["replace_original"] is True


def test_finish_replayed_after_it_finished_says_finished(guide, fake):
    user = "UWALK8"
    pack = guide.library.pack_named(EXAMPLE)
    guide.store.save_walk_place(user, EXAMPLE, 5, walk.steps(pack)[5].id)
    key = died_after_the_ack(guide, fake, step_on(guide, user, 5), "walk_next", user, "w8", built=True)
    assert guide.store.walk_place(user) is None
    taken_over(guide, key)
    (reply,) = replies(fake, "w8")
    assert reply["text"] == walk.finished_text(pack) and guide.store.walk_place(user) is None


def test_a_button_from_before_round_21_is_kept_and_moves_by_its_number(guide, fake):
    """Its value names the pack and the question's number, no entry id (`_ref`)."""
    user = "UWALK9"
    started(guide, user)
    key, payload = action_from(block_actions("walk_next", button_value(p=EXAMPLE, i=0), user=user,
                                             response_url=fake.response_url("w9"), trigger_id="trig-w9"))
    assert key == "action:trig-w9"
    live = worker(guide, "live")
    live.answer(live.accept(key, payload))
    assert [progress(r) for r in replies(fake, "w9")] == ["Question 2 of 6"] and position(guide, user) == 1


def test_a_button_that_names_no_step_is_settled_and_says_nothing(guide, fake):
    key, payload = action_from(block_actions("walk_next", "not json", user="UWALK10",
                                             response_url=fake.response_url("w10"), trigger_id="trig-w10"))
    live = worker(guide, "live")
    live.answer(live.accept(key, payload))
    assert [c for c in fake.calls_to("response_url") if c.path.endswith("/w10")] == []
    assert guide.store.inbox_counts() == {"pending": 0, "done": 1, "failed": 0}


class Respond:
    def __init__(self):
        self.sent: list[dict] = []

    def __call__(self, **fields):
        self.sent.append(fields)
        return type("Response", (), {"status_code": 200})()


def test_without_an_inbox_a_press_is_answered_at_once(guide, fake):
    """No answerer (no store writer to keep it): the listener answers the press itself."""
    from handlers.actions import handle_press
    user = "UWALK11"
    body = block_actions("walk_next", button(started(guide, user), "walk_next")["value"], user=user,
                         response_url=fake.response_url("w11"), trigger_id="trig-w11")
    respond = Respond()
    handle_press(lambda *a, **kw: None, body, respond, {"guide": guide}, LOG)
    assert [progress(r) for r in respond.sent] == ["Question 2 of 6"] and position(guide, user) == 1
    assert guide.store.inbox_counts() == {"pending": 0, "done": 0, "failed": 0}
