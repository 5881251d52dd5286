"""Presses of an answer's buttons answered through the durable inbox (round 17): answered once,
votes in the member's order, an answer shared in the channel never twice. The first four (and
the 5xx one) are a review's findings on the first version, each failing on it."""
from __future__ import annotations

import json
import logging
import threading
import time

import pytest

from bot.blocks import SORRY_TEXT, UNSURE_SHARE_TEXT
from bot.guide import Guide
from bot.store import open_store
from handlers.actions import press_reply
from handlers.answering import Answerer, action_from
from handlers.payload import press_of
from slack_helpers import PostingClient, block_actions

QUESTION = "what is off-rolling"
LEASE = 60.0
VALUE = json.dumps({"e": "off-rolling", "q": QUESTION})


@pytest.fixture
def guide(config, index, tmp_path):
    return Guide(config, index, open_store(tmp_path / "bot.sqlite3"))


def presser(guide, client=None) -> Answerer:
    log = logging.getLogger("test")
    return Answerer(guide, client or PostingClient(), log, "me", lease_seconds=LEASE,
                    press=lambda p: press_reply(guide, p, log))


def to(fake, name: str):
    return [c for c in fake.calls_to("response_url") if c.path.endswith(f"/{name}")]


def test_a_share_answered_from_memory_whose_reply_timed_out_is_not_shared_again(guide, fake, monkeypatch):
    """The store is down, so the press is answered from memory. Slack takes the shared answer
    but answers after the client's timeout (status None: "may have gone out"). The durable path
    would not share it again (the store's posting flag); the memory path has no such flag and
    shares it again on its next try: everyone in the channel sees it twice."""
    import handlers.answering as answering
    monkeypatch.setattr(answering, "RETRY_DELAY", 0.1)

    def down(*a, **kw):
        raise OSError("connection refused")
    for name in ("enqueue", "record_answered", "complete"):
        monkeypatch.setattr(guide.store, name, down)
    client = PostingClient()
    worker = presser(guide, client)
    fake.fault("response_url", times=1, status=200, delay=7)   # taken by Slack, answered after the 5 s timeout
    key, payload = action_from(block_actions("share_answer", VALUE, response_url=fake.response_url("memshare"),
                                             trigger_id="trig-memshare", user="UMEM"))
    attempt = worker.accept(key, payload)
    assert attempt is not None and not attempt.durable
    worker.answer(attempt)
    shared = [c for c in to(fake, "memshare") if c.status == 200 and c.params.get("response_type") == "in_channel"]
    assert len(shared) == 1, f"shared {len(shared)} times in the channel"
    # and the member, who saw no answer come back, is told to look and press again if need be
    assert [(p["channel"], p["text"]) for p in client.posts] == [("UMEM", UNSURE_SHARE_TEXT)]


def test_a_retried_earlier_vote_does_not_overwrite_the_members_later_vote(guide, fake):
    """Helpful, then (its reply hit a 503) Not helpful a second later. The first press is
    retried from the inbox and its reply rebuilt, which records its vote again: the member's
    last choice (Not helpful) is overwritten. Before 64020d2 each press recorded once, in order."""
    worker = presser(guide)
    fake.fault("response_url", times=2, status=503)   # the first reply and its one retry
    first = block_actions("vote_helpful", VALUE, response_url=fake.response_url("v1"), message_ts="1.000100",
                          user="UVOTER", trigger_id="trig-v1")
    second = block_actions("vote_not_helpful", VALUE, response_url=fake.response_url("v2"),
                           message_ts="1.000100", user="UVOTER", trigger_id="trig-v2")
    worker.answer(worker.accept(*action_from(first)))
    assert guide.store.inbox_counts()["pending"] == 1   # to be tried again
    worker.answer(worker.accept(*action_from(second)))
    assert guide.store.votes() == [("off-rolling", False)]   # the member's last press
    taken = guide.store.lease("action:trig-v1", owner="other", lease_seconds=LEASE, now=time.time() + 10)
    assert taken is not None
    other = Answerer(guide, PostingClient(), logging.getLogger("test"), "other", lease_seconds=LEASE,
                     press=lambda p: press_reply(guide, p, logging.getLogger("test")))
    other.take_over(taken)
    assert [c.status for c in to(fake, "v1")][-1] == 200
    assert guide.store.votes() == [("off-rolling", False)], "the earlier press's retry overwrote the later vote"


def test_a_rate_limited_share_is_shared_when_tried_again(guide, fake):
    """A 429 means Slack posted nothing. The posting flag set before the send stays, so the
    next attempt treats the share as "may have gone out" and drops it: nothing is shared, the
    member is not told, the acknowledged press is lost."""
    worker = presser(guide)
    fake.rate_limit("response_url", times=1, retry_after=30)   # beyond the retry budget: no retry inside
    key, payload = action_from(block_actions("share_answer", VALUE, response_url=fake.response_url("share429"),
                                             trigger_id="trig-share429"))
    worker.answer(worker.accept(key, payload))
    assert [c.status for c in to(fake, "share429")] == [429]
    assert guide.store.inbox_counts()["pending"] == 1
    taken = guide.store.lease(key, owner="me", lease_seconds=LEASE, now=time.time() + 10)
    worker.take_over(taken)
    shared = [c for c in to(fake, "share429") if c.status == 200 and c.params.get("response_type") == "in_channel"]
    assert len(shared) == 1, "a share Slack rate-limited (nothing posted) was never shared"


@pytest.mark.parametrize("container", [None, {"type": "view", "view_id": "V1"}, {"type": "message"}])
def test_a_vote_is_keyed_as_before(container):
    """0792240's handle_vote keyed a vote f"{container.get('channel_id')}:{container.get('message_ts')}"
    (container = body.get("container") or {}): "None:None" without one."""
    body = block_actions("vote_helpful", VALUE, response_url="https://hooks.example/x")
    if container is None:
        del body["container"]
    else:
        body["container"] = container
    old = body.get("container") or {}
    assert press_of(body)["message"] == f"{old.get('channel_id')}:{old.get('message_ts')}"


def test_a_press_whose_reply_slack_refuses_is_settled_and_the_member_told(guide, fake):
    """A refused response_url (a 4xx) is given up at once and the member hears by direct message,
    as for a slash command (the handlers before round 17 only logged it)."""
    client = PostingClient()
    worker = presser(guide, client)
    fake.fault("response_url", times=1, status=404, payload={"ok": False, "error": "expired_url"})
    key, payload = action_from(block_actions("other_matches", VALUE, response_url=fake.response_url("gone404"),
                                             trigger_id="trig-gone404", user="UGONE"))
    worker.answer(worker.accept(key, payload))
    assert guide.store.inbox_counts()["failed"] == 1
    assert [(p["channel"], p["text"]) for p in client.posts] == [("UGONE", SORRY_TEXT)]


def test_a_shared_answer_is_not_sent_again_after_a_5xx_within_one_reply(guide, fake):
    """Older than the inbox (the handlers used the same CheckedRespond): a 5xx on the shared
    reply, which may have been posted, was sent again at once by CheckedRespond's retry, so the
    channel could see the answer twice. Now it is settled, with a warning: the member can press
    Share again."""
    client = PostingClient()
    worker = presser(guide, client)
    fake.fault("response_url", times=1, status=503)
    key, payload = action_from(block_actions("share_answer", VALUE, response_url=fake.response_url("share503"),
                                             trigger_id="trig-share503", user="U503"))
    worker.answer(worker.accept(key, payload))
    shared = [c for c in to(fake, "share503") if c.params.get("response_type") == "in_channel"]
    assert len(shared) == 1, f"the in_channel reply was sent {len(shared)} times ({[c.status for c in shared]})"
    assert [(p["channel"], p["text"]) for p in client.posts] == [("U503", UNSURE_SHARE_TEXT)]   # told, once


def _press(fake, action_id: str, name: str, trigger: str) -> tuple[str, dict]:
    return action_from(block_actions(action_id, VALUE, response_url=fake.response_url(name), channel="C1",
                                     trigger_id=trigger))


def test_a_shared_answer_goes_to_the_channel_then_its_private_copy_is_deleted(guide, fake):
    client = PostingClient()
    worker = presser(guide, client)
    key, payload = _press(fake, "share_answer", "share1", "trig-share1")
    assert key.startswith("action:share:C1:") and key.endswith(":U1") and "token" not in payload
    worker.answer(worker.accept(key, payload))
    sent = [c.params for c in fake.calls_to("response_url") if c.path.endswith("/share1")]
    assert [m.get("response_type") for m in sent] == ["in_channel", None] and sent[1]["delete_original"]
    assert guide.store.inbox_counts() == {"pending": 0, "done": 1, "failed": 0}
    assert client.posts == []   # nothing to tell


def test_a_shared_answer_that_may_have_gone_out_is_not_shared_again(guide, fake, caplog):
    """A private reply whose worker died after sending it is sent again (only the member sees
    it twice); an answer shared in the channel would be seen twice by everyone there."""
    client = PostingClient()
    worker = presser(guide, client)
    key, payload = _press(fake, "share_answer", "share2", "trig-share2")
    guide.store.enqueue(key, payload, owner="dead", lease_seconds=LEASE, now=time.time() - 2 * LEASE)
    assert guide.store.mark_posting(key, "dead", lease_seconds=0, now=time.time() - 2 * LEASE + 1)
    taken = guide.store.lease(key, owner="me", lease_seconds=LEASE)
    assert taken is not None and taken.posting
    worker.take_over(taken)
    assert [c for c in fake.calls_to("response_url") if c.path.endswith("/share2")] == []
    # settled, then reopened: the member's next press of Share is taken in (round 21)
    assert guide.store.inbox_counts() == {"pending": 0, "done": 0, "failed": 0}
    assert "not sending it again" in caplog.text
    assert [p["text"] for p in client.posts] == [UNSURE_SHARE_TEXT]   # the member is told to look, and press again
    key, payload = _press(fake, "other_matches", "others", "trig-others")   # a private one: sent again
    guide.store.enqueue(key, payload, owner="dead", lease_seconds=LEASE, now=time.time() - 2 * LEASE)
    guide.store.mark_posting(key, "dead", lease_seconds=0, now=time.time() - 2 * LEASE + 1)
    worker.take_over(guide.store.lease(key, owner="me", lease_seconds=LEASE))
    assert len([c for c in fake.calls_to("response_url") if c.path.endswith("/others")]) == 1
    assert len(client.posts) == 1


def _share(fake, name: str, trigger: str, message_ts: str) -> tuple[str, dict]:
    """A press of Share on one private answer (`message_ts`), each press its own trigger id."""
    return action_from(block_actions("share_answer", VALUE, response_url=fake.response_url(name), channel="C1",
                                     message_ts=message_ts, trigger_id=trigger))


def _shared(fake, name: str) -> list:
    return [c for c in to(fake, name) if c.status == 200 and c.params.get("response_type") == "in_channel"]


def test_share_pressed_twice_is_shared_once(guide, fake):
    """Round 20's bug hunt: each press has its own trigger id, which was the inbox key, so a
    double click on Share posted the answer in the channel twice for everyone there."""
    worker = presser(guide)
    first = _share(fake, "twice", "trig-twice-1", "1700000001.000100")
    second = _share(fake, "twice", "trig-twice-2", "1700000001.000100")
    assert first[0] == second[0]
    taken = worker.accept(*first)
    assert worker.accept(*second) is None          # while the first is being answered
    worker.answer(taken)
    assert worker.accept(*_share(fake, "twice", "trig-twice-3", "1700000001.000100")) is None   # and after
    other = presser(guide)   # another worker or instance on the same store: a duplicate there too
    assert other.accept(*_share(fake, "twice", "trig-twice-4", "1700000001.000100")) is None
    assert len(_shared(fake, "twice")) == 1
    # another answer's Share, or another member's, is its own
    assert worker.accept(*_share(fake, "twice-b", "trig-twice-5", "1700000001.000200")) is not None


def test_a_share_the_member_is_told_to_press_again_can_be_pressed_again(guide, fake):
    """A share that may not have gone out tells the member to look and press Share again; one
    that failed tells them to try again. Kept under the answer and member, that press would be
    taken for a duplicate: the settled share is reopened first."""
    client = PostingClient()
    worker = presser(guide, client)
    fake.fault("/response/unsure", times=1, status=503)   # may have been posted: never sent again
    worker.answer(worker.accept(*_share(fake, "unsure", "trig-unsure-1", "1700000002.000100")))
    assert [p["text"] for p in client.posts] == [UNSURE_SHARE_TEXT] and _shared(fake, "unsure") == []
    again = worker.accept(*_share(fake, "unsure", "trig-unsure-2", "1700000002.000100"))
    assert again is not None
    worker.answer(again)
    assert len(_shared(fake, "unsure")) == 1
    fake.fault("/response/refused", times=1, status=404, payload={"ok": False, "error": "expired_url"})
    worker.answer(worker.accept(*_share(fake, "refused", "trig-refused-1", "1700000002.000200")))
    assert client.posts[-1]["text"] == SORRY_TEXT
    worker.answer(worker.accept(*_share(fake, "refused", "trig-refused-2", "1700000002.000200")))
    assert len(_shared(fake, "refused")) == 1
    assert guide.store.inbox_counts() == {"pending": 0, "done": 2, "failed": 0}


def test_a_share_whose_reply_failed_to_build_can_be_pressed_again(guide, fake, monkeypatch):
    """Round 21's review: a Share whose reply raised (a pack reloading, a store read failing)
    told the member "try again" through its response_url, settled as done, and dropped the
    next press as a duplicate of it."""
    worker = presser(guide)
    real = guide.open_entry
    calls = []

    def flaky(*a, **kw):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the pack is reloading")
        return real(*a, **kw)
    monkeypatch.setattr(guide, "open_entry", flaky)
    worker.answer(worker.accept(*_share(fake, "raised", "trig-raised-1", "1700000003.000100")))
    assert [c.params.get("text") for c in to(fake, "raised")] == [SORRY_TEXT]
    again = worker.accept(*_share(fake, "raised", "trig-raised-2", "1700000003.000100"))
    assert again is not None, "the press the member was told to make was dropped"
    worker.answer(again)
    assert len(_shared(fake, "raised")) == 1


def test_a_share_reopened_by_another_instance_is_taken_in_by_the_one_that_first_took_it(guide, fake):
    """Round 21's review: instance A took the press in but didn't finish; B took it over, got a
    5xx and told the member to press again; the press that reached A was dropped by A's memory
    of keys it had taken in."""
    a, b = presser(guide), Answerer(guide, PostingClient(), logging.getLogger("test"), "b", lease_seconds=LEASE,
                                    press=lambda p: press_reply(guide, p, logging.getLogger("test")))
    first = _share(fake, "across", "trig-across-1", "1700000004.000100")
    assert a.accept(*first) is not None   # ... and A stops before answering it
    taken = guide.store.lease(first[0], owner="b", lease_seconds=LEASE, now=time.time() + 2 * LEASE)
    fake.fault("/response/across", times=1, status=503)
    b.take_over(taken)
    assert b.client.posts[-1]["text"] == UNSURE_SHARE_TEXT and _shared(fake, "across") == []
    again = a.accept(*_share(fake, "across", "trig-across-2", "1700000004.000100"))
    assert again is not None, "A dropped the press B told the member to make"
    a.answer(again)
    assert len(_shared(fake, "across")) == 1


def test_a_share_answered_from_memory_whose_write_landed_late_can_be_pressed_again(guide, fake, monkeypatch):
    """Round 21's review: the inbox write took longer than the ack allows, so the press was
    answered from memory; the share was refused and the member told to try again; then the
    write landed and was settled as done, dropping that press."""
    import handlers.answering as answering
    monkeypatch.setattr(answering, "ACCEPT_SECONDS", 0.3)
    real = guide.store.enqueue
    slow, landed = [True], threading.Event()

    def late(*a, **kw):
        if not slow[0]:
            return real(*a, **kw)
        slow[0] = False
        time.sleep(1.0)
        try:
            return real(*a, **kw)
        finally:
            landed.set()
    monkeypatch.setattr(guide.store, "enqueue", late)
    client = PostingClient()
    worker = presser(guide, client)
    fake.fault("/response/latewrite", times=1, status=404, payload={"ok": False, "error": "expired_url"})
    attempt = worker.accept(*_share(fake, "latewrite", "trig-late-1", "1700000005.000100"))
    assert attempt is not None and not attempt.durable
    worker.answer(attempt)
    assert client.posts[-1]["text"] == SORRY_TEXT
    assert landed.wait(10)
    deadline = time.monotonic() + 10
    while guide.store.inbox_counts() != {"pending": 0, "done": 0, "failed": 0} and time.monotonic() < deadline:
        time.sleep(0.05)   # the late write is settled, and reopened again
    again = worker.accept(*_share(fake, "latewrite", "trig-late-2", "1700000005.000100"))
    assert again is not None, "the late write's settling dropped the press the member was told to make"
    worker.answer(again)
    assert len(_shared(fake, "latewrite")) == 1


@pytest.mark.parametrize("action_id", ["did_you_mean_0", "open_entry_0", "share_answer"])
def test_a_copy_of_a_members_answer_opened_by_someone_else_offers_them_no_ask_a_rep(guide, action_id):
    """Round 22's review: "Ask a rep" was the asker's only under the answer itself. Another member
    opening a copy of it (did you mean, other matches, or a shared one) got an answer whose "Not
    helpful" offered "Ask a rep" with the first member's words and no one named: they could send
    them to the reps as their own. Every copy keeps who asked."""
    value = json.dumps({"e": "off-rolling", "q": QUESTION, "u": "UASKER"})
    press = {"action_id": action_id, "value": value, "user_id": "UOTHER", "channel_id": "C1",
             "conversation": "C1", "message": "C1:1.1"}
    opened, _ = press_reply(guide, press, logging.getLogger("test"))
    votes = [e["value"] for b in opened["blocks"] if b.get("type") == "actions" for e in b["elements"]
             if e["action_id"] == "vote_not_helpful"]
    assert votes and all(json.loads(v)["u"] == "UASKER" for v in votes)
    thanks, _ = press_reply(guide, press | {"action_id": "vote_not_helpful", "value": votes[0]},
                            logging.getLogger("test"))
    assert "ask_rep" not in json.dumps(thanks)
    mine, _ = press_reply(guide, press | {"action_id": "vote_not_helpful", "value": votes[0], "user_id": "UASKER"},
                          logging.getLogger("test"))
    assert json.loads(next(e["value"] for b in mine["blocks"] if b.get("type") == "actions"
                           for e in b["elements"] if e["action_id"] == "ask_rep"))["u"] == "UASKER"


def test_other_matches_keep_who_asked(guide):
    press = {"action_id": "other_matches", "value": json.dumps({"ids": ["off-rolling"], "q": QUESTION, "u": "UASKER"}),
             "user_id": "UOTHER", "channel_id": "C1", "conversation": "C1", "message": "C1:1.1"}
    listed, _ = press_reply(guide, press, logging.getLogger("test"))
    opens = [b["accessory"]["value"] for b in listed["blocks"] if b.get("accessory")]
    assert opens and all(json.loads(v)["u"] == "UASKER" for v in opens)
