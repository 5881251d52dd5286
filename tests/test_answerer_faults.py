"""The answerer's rules when the store or Slack fails mid-answer (round 13, from an audit that
drove two instances, a PostgreSQL server and the fake Slack into these faults): the real
Answerer, Guide and SQLite store, and a Slack client stub that records what it was asked."""
from __future__ import annotations

import logging
import sqlite3
import time

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.blocks import SORRY_TEXT
from bot.guide import Guide
from bot.store import StoreUnsure, open_store
from handlers.answering import MAX_ATTEMPTS, RETRY_DELAY, Answerer, _Attempt, retry_delay

QUESTION = "what is off-rolling"
LEASE = 60.0


class Client:
    """chat.postMessage and conversations.replies, recorded; `post_error` raised by posts."""

    def __init__(self, post_error: Exception | None = None):
        self.posts: list[dict] = []
        self.post_error = post_error

    def chat_postMessage(self, **kw):
        self.posts.append(kw)
        if self.post_error is not None and kw.get("text") != SORRY_TEXT:
            raise self.post_error
        return {"ok": True}

    def conversations_replies(self, **kw):
        return {"messages": []}

    conversations_history = conversations_replies


def slack_error(status: int, error: str, headers: dict | None = None) -> SlackApiError:
    response = SlackResponse(client=None, http_verb="POST", api_url="https://slack.com/api/chat.postMessage",
                             req_args={}, data={"ok": False, "error": error}, headers=headers or {},
                             status_code=status)
    return SlackApiError(error, response)


@pytest.fixture
def guide(config, index, tmp_path):
    return Guide(config, index, open_store(tmp_path / "bot.sqlite3"))


def enqueue(guide, key="message:C1:1.1", now=None):
    payload = {"channel": "C1", "ts": "1.1", "thread_ts": "1.1", "text": QUESTION, "via": "mention",
               "event_id": "Ev1"}
    return guide.store.enqueue(key, payload, owner="me", lease_seconds=LEASE, now=now)


def store_down(monkeypatch, store, *methods: str) -> list[bool]:
    """Make the store's `methods` fail as an unreachable database does while the flag returned
    holds True (set its [0] to False: the store is back)."""
    down = [True]

    def failing(really):
        def call(*a, **kw):
            if down[0]:
                raise OSError("connection refused")
            return really(*a, **kw)
        return call
    for name in methods:
        monkeypatch.setattr(store, name, failing(getattr(store, name)))
    return down


def answerer(guide, client) -> Answerer:
    return Answerer(guide, client, logging.getLogger("test"), "me", lease_seconds=LEASE)


def test_an_unrecordable_post_is_not_sent(guide, monkeypatch):
    """If "about to post" can't be written, whoever takes the item next would post again
    without asking Slack: so nothing is posted, and the item is tried again."""
    item = enqueue(guide)
    client = Client()

    def broken(*a, **kw):
        raise OSError("disk I/O error")
    monkeypatch.setattr(guide.store, "mark_posting", broken)
    answerer(guide, client).answer(_Attempt(item, durable=True))
    assert client.posts == []
    assert guide.store.inbox_counts()["pending"] == 1


def test_a_lease_that_ran_out_before_the_post_is_not_posted_under(guide):
    """A worker slow inside the search (store timeouts, a purge) must not post once its lease
    has run out: another worker may have taken the item over."""
    item = enqueue(guide, now=time.time() - LEASE - 1)
    client = Client()
    answerer(guide, client)._attempt(_Attempt(item, durable=True))
    assert client.posts == []


def test_the_lease_is_renewed_for_the_post(guide):
    item = enqueue(guide, now=time.time() - LEASE + 2)   # 2 s of the lease left
    assert guide.store.mark_posting(item.key, "me", lease_seconds=LEASE)
    assert not guide.store.lease(item.key, owner="other", lease_seconds=LEASE, now=time.time() + 10)


def test_a_rate_limit_waits_its_retry_after_and_backs_off(guide):
    item = enqueue(guide)
    client = Client(post_error=slack_error(429, "ratelimited", {"Retry-After": "25"}))
    attempt = _Attempt(item, durable=True)
    assert answerer(guide, client)._attempt(attempt) == "retry"
    assert attempt.retry_after == 25 and retry_delay(attempt) == 25
    assert retry_delay(_Attempt(item, durable=True)) == RETRY_DELAY
    later = _Attempt(type(item)(item.key, item.payload, 6, False, item.received_at), durable=True)
    assert retry_delay(later) == RETRY_DELAY * 2 ** 5
    unclear = _Attempt(item, durable=True, maybe_posted=True)
    assert retry_delay(unclear, lease_seconds=LEASE) >= 20   # a slow post may still land


def test_given_up_the_member_is_told_once_and_only_by_the_owner(guide, monkeypatch):
    """Settled as failed first, then the apology: and none if another worker took the item
    over meanwhile (it answers)."""
    item = enqueue(guide)
    for n in range(1, MAX_ATTEMPTS):   # leased again and again, up to the last attempt
        item = guide.store.lease(item.key, owner="me", lease_seconds=LEASE, now=time.time() + n * (LEASE + 1))
    assert item.attempts == MAX_ATTEMPTS
    last = _Attempt(item, durable=True)
    client = Client(post_error=slack_error(400, "invalid_blocks"))
    answerer(guide, client).answer(last)
    assert [p["text"] for p in client.posts][-1] == SORRY_TEXT
    assert guide.store.inbox_counts()["failed"] == 1

    other = enqueue(guide, key="message:C1:2.2")
    guide.store.lease(other.key, owner="someone-else", lease_seconds=LEASE, now=time.time() + LEASE + 1)
    client = Client(post_error=slack_error(400, "invalid_blocks"))
    answerer(guide, client)._settle(_Attempt(other, durable=True), "failed")
    assert client.posts == []


def test_a_store_that_cant_be_read_still_answers_and_a_question_is_logged_once_when_settled(guide, monkeypatch):
    """While the database is down the pins can't be read either: the pack still answers (the
    member got "Sorry" three times). A question retried after a Slack fault was logged once an
    attempt; then (round 13) on its first attempt only, which a killed worker or a backlog
    skipped: it is logged when it is settled, by the worker that settles it."""
    def down(*a, **kw):
        raise OSError("the database is down")
    monkeypatch.setattr(guide.store, "pins_by_entry", down)
    item = enqueue(guide)
    unclear = Client(post_error=slack_error(503, "service_unavailable"))
    first = _Attempt(item, durable=True)
    assert answerer(guide, unclear)._attempt(first) == "retry"
    answerer(guide, unclear)._settle(first, "retry")
    assert guide.store.questions(0) == []                    # not settled: nothing logged yet
    again = guide.store.lease(item.key, owner="me", lease_seconds=LEASE, now=time.time() + LEASE + 1)
    client = Client()
    answerer(guide, client).answer(_Attempt(again, durable=True, maybe_posted=again.posting))
    assert "off-rolling" in str(client.posts[-1]["blocks"])
    assert [r.text for r in guide.store.questions(0)] == [QUESTION]
    assert guide.store.inbox_counts()["done"] == 1


def test_one_process_leasing_an_item_twice_posts_it_once(guide):
    """Review of round 13: the lease was fenced by process, not by lease. A listener slow in the
    search let its lease run out; the same process's inbox worker leased the item again under
    the same owner, and both threads passed "about to post": two answers."""
    first = enqueue(guide, now=time.time() - LEASE - 1)          # its lease has run out
    second = guide.store.lease(first.key, owner="me", lease_seconds=LEASE)
    assert second is not None and second.attempts == 2
    client = Client()
    assert answerer(guide, client)._attempt(_Attempt(second, durable=True)) == "done"
    assert answerer(guide, client)._attempt(_Attempt(first, durable=True)) == "lost"
    assert len(client.posts) == 1
    assert not guide.store.complete(first.key, owner="me", attempt=first.attempts)   # nor settled by the old lease
    assert guide.store.complete(second.key, owner="me", attempt=second.attempts)


def test_a_redelivery_after_a_lease_ran_out_under_a_post_asks_slack_first(guide):
    """accept() keeps the row's "a post was started" flag, as the takeover path does."""
    item = enqueue(guide, now=time.time() - LEASE - 1)
    assert guide.store.mark_posting(item.key, "me", now=time.time() - LEASE - 0.5)
    attempt = answerer(guide, Client()).accept(item.key, item.payload)
    assert attempt is not None and attempt.maybe_posted


class AnsweredElsewhere(Client):
    """Slack's thread already holds our answer to `key` (another instance answered the first
    delivery from memory, while the store was down)."""

    def __init__(self, key: str):
        super().__init__()
        self.key, self.checks = key, 0

    def conversations_replies(self, **kw):
        self.checks += 1
        return {"messages": [{"text": "the answer", "metadata": {"event_type": "biglisten_answer",
                                                                 "event_payload": {"key": self.key}}}]}


@pytest.mark.parametrize("store_up", [True, False])
def test_slacks_retry_of_a_message_the_store_doesnt_know_asks_slack_first(guide, monkeypatch, store_up):
    """Round 17's outage bench: every duplicate was a retry delivered to the other instance
    while the store couldn't be written (16 of 300): the first delivery had been answered from
    memory, and so was the retry. A retry new to the store, or answered from memory, now looks
    for an answer in Slack first; a first delivery doesn't (no extra call), nor a command."""
    key, payload = payload_for("7.7")
    if not store_up:
        store_down(monkeypatch, guide.store, "enqueue", "record_answered", "complete")
    client = AnsweredElsewhere(key)
    worker = answerer(guide, client)
    attempt = worker.accept(key, payload, redelivered=True)
    assert attempt is not None and attempt.durable == store_up and attempt.maybe_posted
    worker.answer(attempt)
    assert client.checks == 1 and client.posts == []   # answered already: not again, no apology
    other_key, other = payload_for("8.8")
    first = answerer(guide, client)
    attempt = first.accept(other_key, other)   # a first delivery: answered without asking
    assert not attempt.maybe_posted
    first.answer(attempt)
    assert client.checks == 1 and len(client.posts) == 1
    assert not worker.accept("command:trig-9", {"user_id": "U1"}, redelivered=True).maybe_posted


def test_a_give_up_that_cant_be_recorded_leaves_the_apology_to_whoever_settles_it(guide, monkeypatch):
    """From the review: if settling a given-up item fails, the next worker to take it over gives
    up too and apologises: this one mustn't as well (two "Sorry"s)."""
    item = enqueue(guide)

    def broken(*a, **kw):
        raise OSError("disk I/O error")
    monkeypatch.setattr(guide.store, "complete", broken)
    client = Client()
    answerer(guide, client)._settle(_Attempt(item, durable=True), "failed")
    assert client.posts == []


def unsure(monkeypatch, store, method: str, landed: bool) -> None:
    """`store.method` ends as a write ended at its COMMIT does (StoreUnsure), made (`landed`) or not."""
    really = getattr(store, method)

    def ended(*a, **kw):
        if landed:
            really(*a, **kw)
        raise StoreUnsure("the database ended the connection as a write was committed: it may or may not have "
                          "been made")
    monkeypatch.setattr(store, method, ended)


def wait_settled(guide) -> None:
    for _ in range(100):
        if not guide.store.inbox_counts()["pending"]:
            return
        time.sleep(0.05)


@pytest.mark.parametrize("landed", [True, False], ids=["made", "not made"])
def test_a_give_up_whose_settling_may_have_been_made_tells_the_member_once(guide, monkeypatch, landed):
    """Settling a given-up question ended at its COMMIT (StoreUnsure). Before: taken for a write
    not made, it left the apology to whoever settles it later; made, no one would, and the member,
    whose message was acknowledged, heard nothing. Now this worker tells them, and records it
    settled whichever it was, so no worker takes it over to tell them (or answer) again."""
    import handlers.answering as answering
    monkeypatch.setattr(answering, "RECORD_RETRY", (0.05, 0.1))
    item = enqueue(guide)
    unsure(monkeypatch, guide.store, "complete", landed)
    client = Client()
    answerer(guide, client)._settle(_Attempt(item, durable=True), "failed")
    assert [p["text"] for p in client.posts] == [SORRY_TEXT]
    wait_settled(guide)
    assert guide.store.inbox_counts() == {"pending": 0, "done": 0, "failed": 1}   # given up, made or not
    assert guide.store.lease(item.key, owner="other", lease_seconds=LEASE, now=time.time() + LEASE + 1) is None


@pytest.mark.parametrize("landed", [True, False], ids=["made", "not made"])
def test_an_answer_whose_settling_may_have_been_made_is_logged_once_and_recorded(guide, monkeypatch, landed):
    """Likewise for a question answered: before, its worker left it unlogged (only a worker
    that settles it logs it, and none would); now it logs it once, and records it answered."""
    import handlers.answering as answering
    monkeypatch.setattr(answering, "RECORD_RETRY", (0.05, 0.1))
    item = enqueue(guide)
    unsure(monkeypatch, guide.store, "complete", landed)
    client = Client()
    answerer(guide, client)._settle(_Attempt(item, durable=True), "done")
    assert client.posts == [] and [r.text for r in guide.store.questions(0)] == [QUESTION]
    wait_settled(guide)
    assert guide.store.inbox_counts() == {"pending": 0, "done": 1, "failed": 0}


@pytest.mark.parametrize("landed", [True, False], ids=["made", "not made"])
def test_an_acknowledged_message_whose_inbox_write_may_have_been_made_is_answered_once(guide, monkeypatch, landed):
    """The inbox write before the ack ended at its COMMIT: answered from memory, as when the
    store fails, and recorded answered (settling the write if it was made), so neither a worker
    taking over its lease nor Slack's retry answers it again. (Held before this round too.)"""
    import handlers.answering as answering
    monkeypatch.setattr(answering, "RECORD_RETRY", (0.05, 0.1))
    unsure(monkeypatch, guide.store, "enqueue", landed)
    client = Client()
    worker = answerer(guide, client)
    key, payload = payload_for("8.8")
    attempt = worker.accept(key, payload)
    assert attempt is not None and not attempt.durable
    worker.answer(attempt)
    assert len(client.posts) == 1 and client.posts[0]["text"] != SORRY_TEXT
    for _ in range(100):
        if guide.store.inbox_counts()["done"]:
            break
        time.sleep(0.05)
    assert guide.store.inbox_counts() == {"pending": 0, "done": 1, "failed": 0}
    assert guide.store.lease(key, owner="other", lease_seconds=LEASE, now=time.time() + LEASE + 1) is None
    assert worker.accept(key, payload, redelivered=True) is None   # Slack's retry, here: a duplicate
    assert len(client.posts) == 1


class SlowLanding(Client):
    """A post that times out but lands: the next look at the thread finds it."""

    def chat_postMessage(self, **kw):
        self.posts.append(kw)
        if kw.get("text") != SORRY_TEXT:
            raise TimeoutError("timed out")
        return {"ok": True}

    def conversations_replies(self, **kw):
        landed = [p for p in self.posts if p.get("metadata")]
        return {"messages": [{"metadata": p["metadata"]} for p in landed[:1]]} if self.looked else {"messages": []}

    looked = False


def test_a_question_settled_without_a_search_is_still_logged_once(guide):
    """From a second review: a question whose post timed out, found in Slack by the next
    attempt (which doesn't search again), was never logged or counted."""
    item = enqueue(guide)
    client = SlowLanding()
    first = _Attempt(item, durable=True)
    assert answerer(guide, client)._attempt(first) == "retry"       # not seen in the thread yet
    answerer(guide, client)._settle(first, "retry")
    client.looked = True
    again = guide.store.lease(item.key, owner="me", lease_seconds=LEASE, now=time.time() + LEASE + 1)
    answerer(guide, client).answer(_Attempt(again, durable=True, maybe_posted=again.posting))
    assert len([p for p in client.posts if p.get("metadata")]) == 1      # found, not posted again
    assert [r.text for r in guide.store.questions(0)] == [QUESTION]
    assert guide.store.inbox_counts()["done"] == 1


def test_a_question_answered_from_memory_gives_up_within_its_time(guide, monkeypatch):
    """With the store unwritable a listener thread retries a question itself: within
    MEMORY_RETRY_SECONDS in all (a second review: five waits of a capped Retry-After held one of
    Bolt's threads for about 4½ minutes), then the member is told, once."""
    import handlers.answering as answering
    monkeypatch.setattr(answering, "MEMORY_RETRY_SECONDS", 0.5)
    key = "message:C1:9.9"
    payload = {"channel": "C1", "ts": "9.9", "thread_ts": "9.9", "text": QUESTION, "via": "mention",
               "event_id": "Ev9"}

    def unwritable(*a, **kw):
        raise OSError("disk full")
    monkeypatch.setattr(guide.store, "enqueue", unwritable)
    client = Client(post_error=slack_error(429, "ratelimited", {"Retry-After": "1"}))
    worker = answerer(guide, client)
    attempt = worker.accept(key, payload)
    assert attempt is not None and not attempt.durable
    started = time.monotonic()
    worker.answer(attempt)
    assert time.monotonic() - started < 5
    assert [p["text"] for p in client.posts].count(SORRY_TEXT) == 1 and len(client.posts) == 2


def payload_for(ts: str) -> tuple[str, dict]:
    return f"message:C1:{ts}", {"channel": "C1", "ts": ts, "thread_ts": ts, "text": QUESTION, "via": "mention",
                                "event_id": f"Ev{ts}"}


def test_a_hung_store_doesnt_hold_the_ack_and_its_late_write_is_settled(guide, monkeypatch):
    """From a fault audit: with the database server hung (SIGSTOP), the inbox write waited until
    it came back (39 s), Slack retried, and the question was answered twice. The write now has
    ACCEPT_SECONDS; past that the question is answered from memory, and the write, when it lands,
    is settled as done, so no worker takes it over and answers it again."""
    import threading

    import handlers.answering as answering
    monkeypatch.setattr(answering, "ACCEPT_SECONDS", 0.3)
    hung, enqueue_really = threading.Event(), guide.store.enqueue

    def hanging(*a, **kw):
        hung.wait(10)
        return enqueue_really(*a, **kw)
    monkeypatch.setattr(guide.store, "enqueue", hanging)
    monkeypatch.setattr(answering, "RECORD_RETRY", (60.0, 60.0))   # this test is about the late write alone
    worker = answerer(guide, Client())
    key, payload = payload_for("5.5")
    started = time.monotonic()
    attempt = worker.accept(key, payload)
    assert time.monotonic() - started < 2 and attempt is not None and not attempt.durable
    hung.set()                                  # the server wakes up: the write lands, late
    for _ in range(100):
        if guide.store.inbox_counts().get("done"):
            break
        time.sleep(0.05)
    assert guide.store.inbox_counts() == {"pending": 0, "done": 1, "failed": 0}
    assert guide.store.lease(key, owner="other", lease_seconds=LEASE, now=time.time() + LEASE + 1) is None
    assert worker.accept(key, payload) is None   # Slack's retry, here: a duplicate


def test_recording_a_question_answered_from_memory_leaves_no_lease_behind(guide, monkeypatch):
    """Round 16's review: the recorder wrote a question answered from memory into the inbox,
    leased to this process, and then settled it. Dying between the two (here: settling fails
    for good) left a lease that another worker took over once it ran out, and answered again;
    a slash command can't be checked first. Now it is written answered in one statement."""
    import handlers.answering as answering
    monkeypatch.setattr(answering, "RECORD_RETRY", (0.05, 0.1))
    down = store_down(monkeypatch, guide.store, "enqueue")

    def dead(*a, **kw):
        raise OSError("the process died here")
    monkeypatch.setattr(guide.store, "complete", dead)
    worker = answerer(guide, Client())
    key, payload = payload_for("6.0")
    assert not worker.accept(key, payload).durable
    down[0] = False
    for _ in range(60):
        if guide.store.inbox_counts() != {"pending": 0, "done": 0, "failed": 0}:
            break
        time.sleep(0.05)
    time.sleep(0.2)
    assert guide.store.inbox_counts() == {"pending": 0, "done": 1, "failed": 0}
    assert guide.store.lease(key, owner="other", lease_seconds=LEASE, now=time.time() + LEASE + 1) is None


def test_questions_answered_from_memory_are_recorded_when_the_store_is_back(guide, monkeypatch, caplog):
    """From a fault audit: after an outage, Slack's retries of questions answered from memory
    (a minute and five minutes on) were answered again, by this process or another instance.
    They are recorded as answered once the store takes writes; and a second outage is logged
    too (the warning had been once per process, ever)."""
    import handlers.answering as answering
    from bot import errors
    monkeypatch.setattr(errors, "_warned", set())   # other tests' warnings: once per process
    monkeypatch.setattr(answering, "RECORD_RETRY", (0.05, 0.1))
    down = store_down(monkeypatch, guide.store, "enqueue")
    caplog.set_level(logging.INFO)
    worker, elsewhere = answerer(guide, Client()), answerer(guide, Client())
    first = worker.accept(*payload_for("6.1"))
    assert first is not None and not first.durable
    down[0] = False
    for _ in range(100):
        if guide.store.inbox_counts().get("done"):
            break
        time.sleep(0.05)
    assert guide.store.inbox_counts()["done"] == 1
    assert elsewhere.accept(*payload_for("6.1")) is None          # Slack's retry, at another instance
    assert worker.accept(*payload_for("6.2")).durable             # a new question: the inbox again
    down[0] = True
    assert not worker.accept(*payload_for("6.3")).durable
    outages = [r for r in caplog.records if "could not write events to the inbox" in r.getMessage()]
    assert len(outages) == 2 and any("could write events to the inbox again" in r.getMessage()
                                     for r in caplog.records)


def test_a_late_write_taken_over_by_the_process_that_answered_from_memory_is_only_settled(guide, monkeypatch):
    """A write that landed after its lease had already run out (the server stalled longer than a
    lease) is taken over by this process's inbox worker: it answered it from memory, so it only
    settles it (the audit's re-run found such a question answered twice)."""
    import handlers.answering as answering
    monkeypatch.setattr(answering, "RECORD_RETRY", (60.0, 60.0))   # the recorder stays out of it
    down = store_down(monkeypatch, guide.store, "enqueue")
    client = Client()
    worker = answerer(guide, client)
    key, payload = payload_for("7.7")
    assert not worker.accept(key, payload).durable
    down[0] = False
    guide.store.enqueue(key, payload, owner="me", lease_seconds=LEASE, now=time.time() - LEASE - 1)   # landed, expired
    (item,) = guide.store.lease_expired(owner="me", lease_seconds=LEASE)
    worker.take_over(item)
    assert client.posts == [] and guide.store.inbox_counts()["done"] == 1


def test_a_give_up_settled_late_still_apologises(guide, monkeypatch):
    """From a review: settling a given-up question as failed took longer than its bound, so the
    worker skipped the apology; the write landed all the same and marked it failed, and nobody
    ever told the member. What settling owes is now done by the write that landed."""
    import handlers.answering as answering
    monkeypatch.setattr(answering, "STORE_CALL_SECONDS", 0.2)
    item = enqueue(guide)
    complete_really = guide.store.complete

    def slow(*a, **kw):
        time.sleep(0.6)
        return complete_really(*a, **kw)
    monkeypatch.setattr(guide.store, "complete", slow)
    client = Client()
    answerer(guide, client)._settle(_Attempt(item, durable=True), "failed")
    for _ in range(100):
        if client.posts:
            break
        time.sleep(0.05)
    assert [p["text"] for p in client.posts] == [SORRY_TEXT]
    assert guide.store.inbox_counts()["failed"] == 1


def test_a_redelivery_to_the_process_that_took_the_question_in_is_a_duplicate_whatever_the_store_does(
        guide, monkeypatch):
    """Round 16's outage bench (one worker): a question written to the inbox was delivered again
    as the database froze; the retry's write failed, so it was answered from memory as well."""
    worker = answerer(guide, Client())
    key, payload = payload_for("7.1")
    first = worker.accept(key, payload)
    assert first is not None and first.durable

    def frozen(*a, **kw):
        raise TimeoutError("no answer within 1.5 s")
    monkeypatch.setattr(guide.store, "enqueue", frozen)
    assert worker.accept(key, payload) is None   # the inbox has it: whoever holds it answers it


def test_a_question_answered_whose_settling_failed_is_not_answered_again_by_its_process(guide, monkeypatch):
    """Round 16's outage bench: a command was replied to, marking it done failed (the database
    had just stopped), and once its lease ran out the same process took it over and replied
    again. A question answered here and left unsettled is remembered, and recorded when it can."""
    import handlers.answering as answering
    monkeypatch.setattr(answering, "RECORD_RETRY", (0.05, 0.1))
    client = Client()
    worker = answerer(guide, client)
    key, payload = payload_for("7.2")
    attempt = worker.accept(key, payload)
    down = store_down(monkeypatch, guide.store, "complete", "record_answered")
    worker.answer(attempt)
    assert len(client.posts) == 1 and guide.store.inbox_counts()["pending"] == 1
    taken = guide.store.lease(key, owner="me", lease_seconds=LEASE, now=time.time() + LEASE + 1)
    worker.take_over(taken)                     # the lease ran out while the store was down
    assert len(client.posts) == 1
    down[0] = False
    for _ in range(100):
        if guide.store.inbox_counts()["done"]:
            break
        time.sleep(0.05)
    assert guide.store.inbox_counts() == {"pending": 0, "done": 1, "failed": 0}
    assert len(client.posts) == 1


def test_a_command_answered_from_memory_is_retried_then_the_member_is_told(guide, monkeypatch, fake):
    """Review of round 16: with the store down, a command whose reply Slack refused was tried
    once and dropped silently. It is retried as a message is, then the member gets a DM."""
    import handlers.answering as answering
    from handlers.commands import command_reply
    monkeypatch.setattr(answering, "RETRY_DELAY", 0.05)
    monkeypatch.setattr(answering, "RECORD_RETRY", (60.0, 60.0))

    def unwritable(*a, **kw):
        raise OSError("disk full")
    monkeypatch.setattr(guide.store, "enqueue", unwritable)
    client = Client()
    worker = Answerer(guide, client, logging.getLogger("test"), "me", lease_seconds=LEASE,
                      command=lambda p: command_reply(guide, None, p, logging.getLogger("test")))
    fake.fault("response_url", times=100, status=503)
    try:
        key, payload = answering.command_from({"command": "/biglisten", "text": QUESTION, "user_id": "UMEM",
                                               "channel_id": "C1", "trigger_id": "trig-mem",
                                               "response_url": fake.response_url("mem")})
        attempt = worker.accept(key, payload)
        assert attempt is not None and not attempt.durable
        worker.answer(attempt)
    finally:
        fake.fault("response_url", times=0)
    tries = [c for c in fake.calls_to("response_url") if c.path.endswith("/mem")]
    assert len(tries) == 2 * answering.MAX_MEMORY_ATTEMPTS   # each with its one retry on a 5xx
    assert [(p["channel"], p["text"]) for p in client.posts] == [("UMEM", SORRY_TEXT)]


class CantLook(Client):
    """Slack won't say what the thread holds (rate limited, as in a burst of Slack's retries)."""

    def conversations_replies(self, **kw):
        raise slack_error(429, "ratelimited", {"Retry-After": "1"})


def test_a_retry_answered_from_memory_whose_check_keeps_failing_is_still_answered(guide, monkeypatch):
    """Review of round 18: a retry answered from memory asks Slack first only on a guess (the
    first delivery may have been answered elsewhere; nothing of ours was posted). When Slack
    can't be asked, the thread gave up after MAX_MEMORY_ATTEMPTS with maybe_posted still set:
    no answer, no apology, and the key recorded as answered, so Slack's later retries are
    dropped too. A duplicate is the lesser harm than none (as CANT_CHECK says)."""
    import handlers.answering as answering
    monkeypatch.setattr(answering, "RETRY_DELAY", 0.01)
    store_down(monkeypatch, guide.store, "enqueue", "record_answered", "complete")
    key, payload = payload_for("9.9")
    client = CantLook()
    worker = answerer(guide, client)
    attempt = worker.accept(key, payload, redelivered=True)
    assert attempt is not None and not attempt.durable and attempt.maybe_posted
    worker.answer(attempt)
    assert [p.get("metadata", {}).get("event_payload", {}).get("key") for p in client.posts] == [key]


def test_socket_modes_retry_is_seen_as_slacks_retry():
    """Socket Mode is app.yaml's default; Bolt sets X-Slack-Retry-Num from the envelope's
    retry_attempt only from slack-bolt 1.29 (bolt-python#1498): before, a retry looked like a
    first delivery and was never checked. pyproject allowed >= 1.20."""
    from slack_bolt.adapter.socket_mode.internals import run_bolt_app
    from slack_sdk.socket_mode.request import SocketModeRequest

    from handlers.answering import redelivered
    seen = []

    class App:
        def dispatch(self, request):
            seen.append(redelivered(request))
    for attempt in (None, 0, 1, 3):
        run_bolt_app(App(), SocketModeRequest(type="events_api", envelope_id="e1",
                                              payload={"type": "event_callback", "event": {}},
                                              retry_attempt=attempt, retry_reason="timeout" if attempt else None))
    assert seen == [False, False, True, True]


def test_a_question_from_memory_whose_post_no_one_can_confirm_is_left_to_slacks_retries(guide, monkeypatch):
    """Review of round 18: a question taken in from memory was recorded as answered when the
    store came back whatever became of it, so Slack's retry, which another worker was
    answering, was refused its post (`record_answered` settles a row whoever holds it). One
    whose post may or may not have landed, and Slack couldn't be asked, isn't recorded: the
    retry asks Slack first and answers if the answer isn't there."""
    import handlers.answering as answering
    monkeypatch.setattr(answering, "RETRY_DELAY", 0.01)
    monkeypatch.setattr(answering, "RECORD_RETRY", (0.05, 0.1))
    down = store_down(monkeypatch, guide.store, "enqueue", "record_answered")
    client = CantLook(post_error=TimeoutError("no answer from Slack"))   # posted? nobody can say
    worker = answerer(guide, client)
    key, payload = payload_for("9.8")
    attempt = worker.accept(key, payload)
    assert attempt is not None and not attempt.durable
    worker.answer(attempt)
    assert len(client.posts) == 1   # sent once, never confirmed, not sent again (nor an apology)
    down[0] = False
    for _ in range(200):   # the recorder's turns: it stops once nothing is left for it to record
        if not worker._recording:
            break
        time.sleep(0.05)
    assert not worker._recording and guide.store.inbox_counts()["done"] == 0
    retry = answerer(guide, Client()).accept(key, payload, redelivered=True)   # another worker
    assert retry is not None and retry.durable and retry.maybe_posted


def test_a_takeover_whose_post_is_in_slack_settles_without_building_the_answer(guide, monkeypatch):
    """Review of round 18: the check for a retry moved after the answer is built; a takeover
    whose post had started is still asked first, so an answer already in Slack settles it even
    while answers can't be built (a reloading pack), rather than trying again until it fails."""
    key, payload = payload_for("5.5")
    guide.store.enqueue(key, payload, owner="dead", lease_seconds=LEASE, now=time.time() - 2 * LEASE)
    assert guide.store.mark_posting(key, "dead", now=time.time() - 2 * LEASE + 1)
    taken = guide.store.lease(key, owner="me", lease_seconds=LEASE)

    def broken(*a, **kw):
        raise RuntimeError("the pack is reloading")
    monkeypatch.setattr(guide, "ask_unrecorded", broken)
    client = AnsweredElsewhere(key)
    answerer(guide, client).take_over(taken)
    assert client.checks == 1 and client.posts == []
    assert guide.store.inbox_counts() == {"pending": 0, "done": 1, "failed": 0}


@pytest.mark.parametrize("error, traceback", [
    (sqlite3.OperationalError("database is locked"), False),   # the store down: one line
    (ValueError("a bug"), True),                                # a bug keeps its traceback
])
def test_a_reply_the_store_cant_make_is_logged_in_one_line(guide, monkeypatch, fake, caplog, error, traceback):
    """Round 28's PostgreSQL hunt: with the database down, every button press and command whose
    reply needs the store (a walk-through step) logged a full traceback, where the reps' flows log
    one line. The member is still told something went wrong."""
    import handlers.answering as answering

    def failing(payload):
        raise error
    worker = Answerer(guide, Client(), logging.getLogger("test"), "me", lease_seconds=LEASE, command=failing)
    key, payload = answering.command_from({"command": "/biglisten", "text": "walkthrough", "user_id": "UMEM",
                                           "channel_id": "C1", "trigger_id": "trig-walk",
                                           "response_url": fake.response_url("walk")})
    with caplog.at_level(logging.WARNING, logger="test"):
        worker.answer(worker.accept(key, payload))
    failed = [r for r in caplog.records if "failed" in r.getMessage() and r.name == "test"]
    assert failed and all(bool(r.exc_info) == traceback for r in failed), [r.getMessage() for r in failed]
    assert traceback or "the store is unreachable (OperationalError: database is locked)" in failed[0].getMessage()
    said = [c for c in fake.calls_to("response_url") if c.path.endswith("/walk")]
    assert said and said[-1].params["text"] == SORRY_TEXT


@pytest.mark.parametrize("landed", [True, False], ids=["made", "not made"])
def test_a_give_up_whose_settling_ends_late_at_its_commit_tells_the_member_once(guide, monkeypatch, landed):
    """Review of round 29: settling ended at its COMMIT only after the worker stopped waiting (a
    cut network ends it after 15 s): taken for a write not made, the member was left to whoever
    settled it later, and made, no one would. The late StoreUnsure is handled as a prompt one."""
    import handlers.answering as answering
    monkeypatch.setattr(answering, "RECORD_RETRY", (0.05, 0.1))
    monkeypatch.setattr(answering, "STORE_CALL_SECONDS", 0.1)
    item = enqueue(guide)
    really = guide.store.complete

    def ended_late(*a, **kw):
        time.sleep(0.4)
        if landed:
            really(*a, **kw)
        raise StoreUnsure("the database ended the connection as a write was committed")
    monkeypatch.setattr(guide.store, "complete", ended_late)
    client = Client()
    answerer(guide, client)._settle(_Attempt(item, durable=True), "failed")
    for _ in range(100):
        if client.posts and not guide.store.inbox_counts()["pending"]:
            break
        time.sleep(0.05)
    assert [p["text"] for p in client.posts] == [SORRY_TEXT]
    assert guide.store.lease(item.key, owner="other", lease_seconds=LEASE, now=time.time() + LEASE + 1) is None


@pytest.mark.parametrize("landed", [True, False], ids=["made", "not made"])
def test_a_share_given_up_whose_settling_may_have_been_made_is_not_shared_later(guide, monkeypatch, fake, landed):
    """Review of round 29: a Share press given up, its settling ended at its COMMIT and not made,
    was reopened (for the member to press again) while still pending: reopening takes only
    settled items, so after its lease another worker took it over and shared it, and the member's
    second press was a duplicate. It is settled first now, and the next press is taken in."""
    import handlers.answering as answering
    monkeypatch.setattr(answering, "RECORD_RETRY", (0.05, 0.1))
    key = f"action:{answering.SHARE_KEY}C1:1.1:UMEM"
    payload = {"channel": "C1", "user_id": "UMEM", "action_id": "share_answer", "trigger_id": "trig-share",
               "response_url": fake.response_url("share"), "event_id": "button share_answer trig-share"}
    item = guide.store.enqueue(key, payload, owner="me", lease_seconds=LEASE)
    unsure(monkeypatch, guide.store, "complete", landed)
    answerer(guide, Client())._settle(_Attempt(item, durable=True), "failed")
    assert guide.store.lease_expired(owner="other", lease_seconds=LEASE, now=time.time() + LEASE + 1) == []
    again = guide.store.enqueue(key, payload, owner="me", lease_seconds=LEASE)
    assert again is not None and again.attempts == 1   # the member's next press, taken in


def test_a_question_from_memory_given_up_is_recorded_failed_when_the_store_is_back(guide, monkeypatch):
    """Review of round 29: a question answered from memory (the store down) whose post Slack
    refused, given up with the member told, was recorded answered once the store was back; the
    inbox's failed count missed it."""
    import handlers.answering as answering
    monkeypatch.setattr(answering, "RECORD_RETRY", (0.05, 0.1))
    monkeypatch.setattr(answering, "RETRY_DELAY", 0.01)
    down = store_down(monkeypatch, guide.store, "enqueue")
    client = Client(post_error=slack_error(404, "channel_not_found"))
    worker = answerer(guide, client)
    attempt = worker.accept(*payload_for("9.9"))
    assert attempt is not None and not attempt.durable
    worker.answer(attempt)
    assert [p["text"] for p in client.posts if p["text"] == SORRY_TEXT] == [SORRY_TEXT]
    down[0] = False
    for _ in range(100):
        if sum(guide.store.inbox_counts().values()):
            break
        time.sleep(0.05)
    assert guide.store.inbox_counts() == {"pending": 0, "done": 0, "failed": 1}
