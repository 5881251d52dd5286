"""RepDesk's Slack work when Slack refuses it, on both backends: what fails is retried by the
chores (`RepDesk.chores`, every CHORES_SECONDS in each worker) until it goes through, and
nothing one failure leaves behind blocks the rest. A fake WebClient raises SlackApiError."""
from __future__ import annotations

import json
import logging
import time
from types import SimpleNamespace

import pytest
from slack_sdk.errors import SlackApiError

from bot.config import RepSettings
from handlers.rep_requests import RepDesk

REPS = "CREPS"


def slack_error(error: str, status: int = 200) -> SlackApiError:
    return SlackApiError(f"The request to the Slack API failed: {error}",
                         SimpleNamespace(status_code=status, data={"ok": False, "error": error}))


class Client:
    """Records every call; `fail[method]` is an error name, or a function of the call's
    arguments giving one (or None: it goes through)."""

    def __init__(self):
        self.calls: list[tuple[str, dict]] = []
        self.fail: dict = {}

    def _call(self, method: str, **kw) -> dict:
        self.calls.append((method, kw))
        error = self.fail.get(method)
        error = error(kw) if callable(error) else error
        if error:
            raise slack_error(error)
        return {"ok": True, "channel": kw.get("channel"), "ts": f"9.{len(self.calls)}"}

    def chat_update(self, **kw):
        return self._call("chat_update", **kw)

    def chat_postMessage(self, **kw):
        return self._call("chat_postMessage", **kw)

    def conversations_history(self, **kw):   # looking for an earlier post first: there is none
        return self._call("conversations_history", **kw) | {"messages": []}

    def conversations_replies(self, **kw):
        return self._call("conversations_replies", **kw) | {"messages": []}

    def conversations_open(self, **kw):
        return self._call("conversations_open", **kw) | {"channel": {"id": "D" + kw.get("users", "")}}

    def made(self, method: str) -> list[dict]:
        return [kw for m, kw in self.calls if m == method]


@pytest.fixture
def desk(store):
    settings = RepSettings(channel=REPS, escalate_hours=24, review_days=90, review_grace_days=14)
    guide = SimpleNamespace(store=store, config=SimpleNamespace(reps=settings, contact="Ask the office.",
                                                                bot_name="biglisten"),
                            open_entry=lambda *a, **kw: None)
    return RepDesk(guide, Client(), logging.getLogger("test-rep-desk"), "worker-1")


def posted_request(store, question="will the big listen ask about Mrs Patel's parking"):
    req = store.add_request(question=question, asker="UMEMBER", asker_name="Mo Member", channel="C1",
                            thread_ts="1.1")
    store.set_request_message(req.id, REPS, f"5.{req.id}")
    return store.request(req.id)


def failures(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "test-rep-desk" and r.levelno >= logging.WARNING]


def test_a_withdrawal_slack_failed_to_show_is_shown_by_the_chores(desk, caplog):
    store, client = desk.guide.store, desk.client
    req = posted_request(store)
    closed = store.close_request(req.id, state="withdrawn", rep="", rep_name="")
    client.fail["chat_update"] = "internal_error"
    with caplog.at_level(logging.INFO):
        desk.update_request_message(closed)          # as the member presses "Withdraw my question"
        desk.chores()                                 # Slack still failing: no second line for it
    assert len(client.made("chat_update")) == 2
    (line,) = failures(caplog)
    assert "internal_error" in line.getMessage() and line.exc_info is None
    client.fail.clear()
    desk.chores()
    update = client.made("chat_update")[-1]
    assert (update["channel"], update["ts"]) == (REPS, req.reps_ts)
    shown = json.dumps(update["blocks"]) + update["text"]
    assert "withdrawn" in shown.lower() and "Patel" not in shown and "Mo Member" not in shown
    desk.chores()
    assert len(client.made("chat_update")) == 3      # done: not rewritten again


def test_a_settled_requests_buttons_go_once_slack_takes_the_update(desk):
    store, client = desk.guide.store, desk.client
    req = posted_request(store)
    store.close_request(req.id, state="answered", rep="UREP", rep_name="Sam Rep", answer="No, it won't.")
    client.fail["chat_update"] = "ratelimited"
    desk.chores()                                     # tells the member; the update is refused
    assert len(client.made("chat_postMessage")) == 1 and store.request(req.id).delivered_at is not None
    client.fail.clear()
    desk.chores()
    update = client.made("chat_update")[-1]
    assert "actions" not in [b["type"] for b in update["blocks"]] and "Sam Rep" in json.dumps(update["blocks"])
    desk.chores()
    assert len(client.made("chat_update")) == 2


def test_a_reps_message_that_is_gone_is_not_rewritten_again(desk, caplog):
    store, client = desk.guide.store, desk.client
    closed = store.close_request(posted_request(store).id, state="withdrawn", rep="", rep_name="")
    client.fail["chat_update"] = "message_not_found"
    with caplog.at_level(logging.INFO):
        desk.update_request_message(closed)
        desk.chores(now=closed.answered_at + 3600)
    assert len(client.made("chat_update")) == 1
    (line,) = failures(caplog)
    assert "message_not_found" in line.getMessage() and line.exc_info is None


@pytest.mark.parametrize("error", ["not_in_channel", "is_archived"])
def test_a_withdrawal_is_shown_once_the_bot_is_back_in_the_reps_channel(desk, caplog, error):
    """Round 15's note: a rewrite refused because the bot had been taken out of the reps' channel
    (or it was archived) was given up as if the message were gone, so a withdrawn request kept
    the member's name and words there for good. Now it is said, and tried again every hour."""
    store, client = desk.guide.store, desk.client
    req = posted_request(store)
    closed = store.close_request(req.id, state="withdrawn", rep="", rep_name="")
    client.fail["chat_update"] = error
    with caplog.at_level(logging.INFO):
        desk.update_request_message(closed)
        desk.chores(now=time.time() + 30)
        desk.chores(now=time.time() + 1800)
    assert len(client.made("chat_update")) == 1        # not every 30 s
    (line,) = failures(caplog)
    assert error in line.getMessage() and "Invite the bot back" in line.getMessage()
    assert "the member's name and words" in line.getMessage()
    client.fail.clear()                                # invited back
    desk.chores(now=time.time() + 3700)
    shown = json.dumps(client.made("chat_update")[-1]["blocks"])
    assert len(client.made("chat_update")) == 2 and "Mo Member" not in shown and "Patel" not in shown
    desk.chores(now=time.time() + 7400)
    assert len(client.made("chat_update")) == 2


def test_a_reminder_slack_refused_is_sent_by_a_later_round_and_once(desk, caplog):
    store, client = desk.guide.store, desk.client
    req = posted_request(store)
    later = req.created_at + 25 * 3600                      # past reps.escalate_hours
    client.fail["chat_postMessage"] = "internal_error"
    with caplog.at_level(logging.INFO):
        desk.chores(now=later)
        desk.chores(now=later + 30)
    assert len(client.made("chat_postMessage")) == 2 and store.request(req.id).escalated_at is None
    (line,) = failures(caplog)
    assert "internal_error" in line.getMessage() and line.exc_info is None
    client.fail.clear()
    desk.chores(now=later + 60)
    desk.chores(now=later + 90)                              # raised once, not again
    (reminder,) = client.made("chat_postMessage")[2:]
    assert (reminder["channel"], reminder["thread_ts"]) == (REPS, req.reps_ts)
    assert store.request(req.id).escalated_at == later + 60


def kept_answer_due(store):
    """A rep's answer kept from a settled request, and a time past its reps.review_days."""
    req = posted_request(store)
    store.close_request(req.id, state="answered", rep="UREP", rep_name="Sam Rep", answer="No.", keep=True,
                        kept_question="Parking?", now=req.created_at)
    store.mark_delivered(req.id)
    store.message_rewritten(req.id)
    (kept,) = store.kept_answers()
    return kept, kept.confirmed_at + 91 * 86400


def test_a_review_notice_slack_refused_is_sent_by_a_later_round_and_once(desk):
    store, client = desk.guide.store, desk.client
    kept, due = kept_answer_due(store)
    client.fail["chat_postMessage"] = "ratelimited"
    desk.chores(now=due)
    assert len(client.made("chat_postMessage")) == 1 and store.kept_answer(kept.id).flagged_at is None
    client.fail.clear()
    desk.chores(now=due + 30)
    desk.chores(now=due + 60)
    (notice,) = client.made("chat_postMessage")[1:]
    assert notice["channel"] == REPS and f"Kept answer #{kept.id}" in notice["text"]
    assert store.kept_answer(kept.id).flagged_at == due + 30


def test_a_review_notice_that_timed_out_but_landed_is_not_posted_again(desk):
    """Round 15's note: a chores post that timed out may have landed, and the next round posted
    it again. The notice carries metadata, and the next round looks for it first."""
    store, client = desk.guide.store, desk.client
    kept, due = kept_answer_due(store)
    landed = []

    def post_times_out(**kw):   # Slack took it, the answer never came
        client.calls.append(("chat_postMessage", kw))
        landed.append({"ts": "7.7", "text": kw["text"], "metadata": kw.get("metadata")})
        raise TimeoutError("read timed out")
    client.chat_postMessage = post_times_out
    client.conversations_history = lambda **kw: {"ok": True, "messages": list(landed)}
    desk.chores(now=due)
    assert store.kept_answer(kept.id).flagged_at is None      # given back: it may not have landed
    desk.chores(now=due + 30)
    assert len(client.made("chat_postMessage")) == 1          # found there: not posted again
    assert store.kept_answer(kept.id).flagged_at == due + 30


def test_requests_stuck_unposted_dont_starve_an_answer_waiting_to_be_delivered(desk):
    """More requests than a chores round takes (20) can't reach the reps' channel (the bot was
    removed from it); one asked after them, settled in the terminal, still reaches its member."""
    store, client = desk.guide.store, desk.client
    for i in range(25):
        store.add_request(question=f"stuck {i}", asker="UOTHER", asker_name="Other", channel="C2", thread_ts="2.2")
    settled = store.add_request(question="answered in the terminal", asker="UMEMBER", asker_name="Mo Member",
                                channel="C1", thread_ts="1.1")
    store.close_request(settled.id, state="answered", rep="", rep_name="Sam Rep", answer="Yes, it will.")
    client.fail["chat_postMessage"] = lambda kw: "not_in_channel" if kw["channel"] == REPS else None
    for _ in range(3):
        desk.chores()
    assert [kw for kw in client.made("chat_postMessage") if kw["channel"] == "C1"]
    assert store.request(settled.id).delivered_at is not None


def test_a_request_is_not_posted_while_slack_cant_say_whether_an_earlier_post_landed(desk):
    """Before posting a request (again) the desk looks for its earlier post: when that look
    fails for now, nothing is posted (a later round tries); when it can never work (the bot
    can't read the channel), the request is posted rather than lost."""
    store, client = desk.guide.store, desk.client
    req = store.add_request(question="is the staff car park part of the survey", asker="UMEMBER",
                            asker_name="Mo Member", channel="C1", thread_ts="1.1")
    claimed = store.claim_request(req.id, owner="worker-1", lease_seconds=60)
    client.fail["conversations_history"] = "internal_error"
    assert desk.post_request(claimed) == "later" and client.made("chat_postMessage") == []
    client.fail["conversations_history"] = "not_in_channel"
    assert desk.post_request(claimed) == "posted"
    (post,) = client.made("chat_postMessage")
    assert post["metadata"] == {"event_type": "biglisten_request", "event_payload": {"request": req.id}}


def test_a_post_that_may_have_landed_keeps_its_claim_until_it_can_have(desk):
    """From a review: after a post that timed out, the claim was given back at once, so another
    worker's chores could look for the post before it landed, find nothing and post again. The
    claim is now kept for its lease; a rate-limited post (nothing went out) still gives it back."""
    store, client = desk.guide.store, desk.client
    req = store.add_request(question="is the staff car park part of the survey", asker="UMEMBER",
                            asker_name="Mo Member", channel="C1", thread_ts="1.1")
    store.claim_request(req.id, owner="worker-1", lease_seconds=60)
    client.fail["chat_postMessage"] = lambda kw: (_ for _ in ()).throw(TimeoutError("read timed out"))
    assert desk.deliver(req.id) == "busy"                 # claimed by the submit handler already
    store.release_request(req.id, "worker-1")
    assert desk.deliver(req.id) == "later"                # timed out: the post may still land
    assert req.id not in store.pending_requests()         # ... so nobody looks again within the lease
    client.fail["chat_postMessage"] = "ratelimited"
    assert desk.deliver(req.id) == "busy"
    store.release_request(req.id, "worker-1")
    assert desk.deliver(req.id) == "later"                # a 429 posted nothing: given back at once
    assert req.id in store.pending_requests()


def test_a_member_who_cant_be_reached_is_given_up_not_retried_forever(desk):
    """From a review: looking for an earlier post in a deactivated member's DM (conversations.open:
    user_disabled) counted as "Slack can't say now", so the outcome was retried every round for
    ever and the member's name stayed in the store. Only a rate limit or a 5xx mean "later"."""
    store, client = desk.guide.store, desk.client
    req = store.add_request(question="is the staff car park part of the survey", asker="UGONE",
                            asker_name="Gone Member", channel="", thread_ts="")
    store.set_request_message(req.id, REPS, f"5.{req.id}")
    store.close_request(req.id, state="outside", rep="UREP", rep_name="Rep")
    client.fail["conversations_open"] = "user_disabled"
    client.fail["chat_postMessage"] = "user_disabled"
    assert desk.deliver(req.id) == "failed"
    assert req.id not in store.pending_requests() and store.request(req.id).delivered_at


def test_a_review_notice_of_an_earlier_confirmation_is_not_taken_for_the_next_one(store, fake):
    """The review of round 19: a notice re-confirmed within a minute of its posting fell inside
    the next review's look-back (its confirmation less a minute for clock skew), so 90 days on
    the desk found it, took it for the new notice and never asked the reps again. A notice
    says which confirmation it reviews. Against the fake Slack Web API."""
    from slack_sdk import WebClient
    reps = f"{REPS}{store.__class__.__name__.upper()}"   # the fake Slack serves both backends' runs
    settings = RepSettings(channel=reps, escalate_hours=24, review_days=90, review_grace_days=14)
    guide = SimpleNamespace(store=store, config=SimpleNamespace(reps=settings, contact="Ask the office.",
                                                                bot_name="biglisten"),
                            open_entry=lambda *a, **kw: None)
    desk = RepDesk(guide, WebClient(token="xoxb-test", base_url=fake.base_url), logging.getLogger("t"), "w1")
    long_ago = time.time() - 91 * 86400
    req = store.add_request(question="parking?", asker="UM", asker_name="M", channel="C1", thread_ts="1.1",
                            now=long_ago)
    store.set_request_message(req.id, reps, "5.1")
    store.close_request(req.id, state="answered", rep="UREP", rep_name="Sam", answer="No.", keep=True,
                        kept_question="Parking?", now=long_ago)
    store.mark_delivered(req.id)
    store.message_rewritten(req.id)
    (kept,) = store.kept_answers()

    def notices() -> list[dict]:
        return [m["metadata"]["event_payload"] for m in fake.messages.get(reps, [])
                if (m.get("metadata") or {}).get("event_type") == "biglisten_kept_review"]
    desk.chores()
    assert notices() == [{"kept": kept.id, "confirmed": f"{kept.confirmed_at:.6f}"}]
    time.sleep(0.2)
    assert store.confirm_kept(kept.id)            # a rep presses Re-confirm on it at once
    kept = store.kept_answer(kept.id)
    desk.chores(now=kept.confirmed_at + 91 * 86400)   # the next review is due
    assert notices()[1:] == [{"kept": kept.id, "confirmed": f"{kept.confirmed_at:.6f}"}]
    assert store.kept_answer(kept.id).flagged_at == kept.confirmed_at + 91 * 86400


@pytest.mark.parametrize("state", ["withdrawn", "answered"])
def test_a_request_closed_while_its_post_timed_out_but_landed_is_rewritten_there(desk, state):
    """Round 22's hunt: the request's post to the reps timed out but landed; the member, told it
    may not be there yet, withdrew, and was told their name and words were taken off. Nothing
    knew of the post, so it kept them, with live buttons, for good. The chores now look for it."""
    store, client = desk.guide.store, desk.client
    landed = []

    def post_times_out(**kw):   # Slack took it, the answer never came
        client.calls.append(("chat_postMessage", kw))
        landed.append({"ts": "7.7", "text": kw["text"], "blocks": kw["blocks"], "metadata": kw.get("metadata")})
        raise TimeoutError("read timed out")
    client.chat_postMessage = post_times_out
    client.conversations_history = lambda **kw: {"ok": True, "messages": list(landed)}
    req = store.add_request(question="is Mrs Patel at Oak Primary being off-rolled", asker="UMEMBER",
                            asker_name="Mo Member", channel="C1", thread_ts="1.1")
    claimed = store.claim_request(req.id, owner=desk.owner, lease_seconds=60)
    assert desk.not_yet(req.id, desk.post_request(claimed)) == "later" and landed
    closed = store.close_request(req.id, state=state, rep="UREP", rep_name="Sam Rep", answer="No.")
    desk.update_request_message(closed)   # as the closer does: there is no message on record
    assert not client.made("chat_update")
    client.chat_postMessage = lambda **kw: client._call("chat_postMessage", **kw)   # telling the member works
    for later in (61, 120):   # past the closing's grace
        desk.chores(now=time.time() + later)
    (rewritten,) = [kw for kw in client.made("chat_update") if kw.get("ts") == "7.7"]
    shown = json.dumps(rewritten)
    assert rewritten["channel"] == REPS
    if state == "withdrawn":
        assert "Patel" not in shown and "Mo Member" not in shown
    else:
        assert "Sam Rep" in shown
    assert store.rewrites_due(now=time.time() + 3600) == []


def test_a_closed_request_whose_post_never_landed_is_looked_for_once(desk):
    store, client = desk.guide.store, desk.client
    req = store.add_request(question="q", asker="UMEMBER", asker_name="Mo", channel="C1", thread_ts="1.1")
    store.claim_request(req.id, owner=desk.owner, lease_seconds=60)
    store.close_request(req.id, state="withdrawn", rep="", rep_name="")
    client.fail["conversations_history"] = "internal_error"   # Slack can't say now: looked for again
    desk.chores(now=time.time() + 61)
    assert store.rewrites_due(now=time.time() + 61)
    client.fail.pop("conversations_history")
    desk.chores(now=time.time() + 62)
    assert store.rewrites_due(now=time.time() + 3600) == [] and not client.made("chat_update")
    assert len(client.made("conversations_history")) == 2


def test_with_no_reps_channel_a_closed_request_whose_post_was_tried_is_not_due_for_ever(desk):
    """Round 22's review: with `reps.channel` unset there is nowhere to look for a post that may
    have landed; left due, such requests stayed first in the chores' 20 for good."""
    store = desk.guide.store
    req = store.add_request(question="q", asker="UMEMBER", asker_name="Mo", channel="C1", thread_ts="1.1")
    store.claim_request(req.id, owner=desk.owner, lease_seconds=60)
    store.close_request(req.id, state="withdrawn", rep="", rep_name="")
    desk.guide.config.reps = RepSettings(channel="", escalate_hours=24, review_days=90, review_grace_days=14)
    desk.chores(now=time.time() + 61)
    assert store.rewrites_due(now=time.time() + 3600) == [] and not desk.client.made("conversations_history")


def test_the_chores_take_requests_due_by_the_stores_clock_whatever_this_hosts_says(desk, monkeypatch):
    """A host whose clock runs ten minutes behind: a delivery lease another worker left (it died)
    has run out by the store's clock, which set it; the chores asked the store for requests due
    by this host's clock, so the member heard nothing for ten minutes more (review of round 25)."""
    store, client = desk.guide.store, desk.client
    req = posted_request(store)
    store.close_request(req.id, state="answered", rep="UREP", rep_name="Sam Rep", answer="No, it won't.")
    assert store.claim_request(req.id, owner="worker-that-died", lease_seconds=0.3)
    time.sleep(0.5)   # its lease runs out
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() - 600)
    desk.chores()
    assert len(client.made("chat_postMessage")) == 1 and store.request(req.id).delivered_at is not None
