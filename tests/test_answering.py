"""The answering service's share of a serving process (bot/guide.py), below Slack."""
from __future__ import annotations

import os
import sys
import threading
import time

import pytest

from bot import errors
from bot.guide import SEARCH_NICENESS, SEARCHES_AT_ONCE, Guide
from bot.logs import current_event, event_context
from bot.store import open_store


@pytest.fixture
def guide(searcher, config, tmp_path):
    return Guide(config, searcher, open_store(tmp_path / "bot.sqlite3"))


def watch(guide, fail: int = 0):
    """Wraps the guide's search: counts how many run at once; the first `fail` calls raise."""
    inside, most, calls, lock = [0], [0], [0], threading.Lock()
    find = guide.library.find_matches

    def slow_find(*args, **kwargs):
        with lock:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
            calls[0] += 1
            failing = calls[0] <= fail
        try:
            time.sleep(0.2)   # long enough that unguarded threads certainly overlap
            if failing:
                raise RuntimeError("search failed")
            return find(*args, **kwargs)
        finally:
            with lock:
                inside[0] -= 1

    guide.library.find_matches = slow_find
    return most


def in_threads(guide, questions, timeout: float = 30.0, open_entry: bool = False):
    """Asks (or, with `open_entry`, opens an entry with) every question at once; the replies
    that came back within `timeout` in all (None: the search failed)."""
    start, replies = threading.Barrier(len(questions)), []

    def ask(text):
        start.wait()
        try:
            reply = guide.open_entry("off-rolling", query=text) if open_entry else guide.ask(text, via="mention")
            replies.append(reply)
        except RuntimeError:
            replies.append(None)

    threads = [threading.Thread(target=ask, args=(q,), daemon=True) for q in questions]
    for t in threads:
        t.start()
    deadline = time.monotonic() + timeout
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    return replies


QUESTIONS = ("what is off-rolling", "whats a deep dive", "P4", "when did the big listen close", "what is a PRU",
             "who is HMCI")


def test_a_process_runs_few_searches_at_once(guide):
    """The search holds the GIL in its Python parts: searches side by side queued the acks
    behind them (README's fault bench), so the searches take turns on SEARCHES_AT_ONCE searching threads."""
    most = watch(guide)
    replies = in_threads(guide, QUESTIONS)
    assert most[0] <= SEARCHES_AT_ONCE < len(QUESTIONS)
    assert len(replies) == len(QUESTIONS) and all(r.answered for r in replies)


def test_opening_an_entry_takes_its_turn_too(guide):
    """The did-you-mean, open and share buttons search for the entry's neighbours."""
    most = watch(guide)
    replies = in_threads(guide, QUESTIONS, open_entry=True)
    assert most[0] <= SEARCHES_AT_ONCE and len(replies) == len(QUESTIONS) and all(replies)


def test_a_failed_search_gives_its_turn_back(guide):
    most = watch(guide, fail=SEARCHES_AT_ONCE + 1)
    replies = in_threads(guide, QUESTIONS)
    assert replies.count(None) == SEARCHES_AT_ONCE + 1 and most[0] <= SEARCHES_AT_ONCE
    after = in_threads(guide, QUESTIONS[:1])   # no turn was kept by a failure
    assert after and after[0].answered


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a thread's own nice value is Linux's")
def test_searches_run_below_the_threads_that_acknowledge(guide):
    """The search runs on a searching thread whose nice value is SEARCH_NICENESS above the
    asking thread's, so a request waiting to be acknowledged gets a core first (README's fault
    bench); the asking thread keeps its own, and the event id still reaches the search's log lines."""
    seen = {}
    find = guide.library.find_matches

    def record(*args, **kwargs):
        seen.update(nice=os.getpriority(os.PRIO_PROCESS, threading.get_native_id()),
                    thread=threading.get_ident(), event=current_event().event_id)
        return find(*args, **kwargs)

    guide.library.find_matches = record
    mine = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    with event_context("Ev0SEARCH"):
        reply = guide.ask("whats off-rolling", via="mention")
    assert reply.answered and reply.entry.id == "off-rolling"
    assert seen["thread"] != threading.get_ident()
    assert seen["nice"] == min(19, mine + SEARCH_NICENESS)
    assert seen["event"] == "Ev0SEARCH"
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == mine


def test_a_search_asked_for_on_a_searching_thread_runs_there(guide):
    """Both searching threads busy, each asking for a search: run where they are, not queued
    behind themselves for ever."""
    both = threading.Barrier(SEARCHES_AT_ONCE)

    def nested(text):
        both.wait(10)
        return guide._search(text)[0]

    futures = [guide._searching.submit(nested, q) for q in QUESTIONS[:SEARCHES_AT_ONCE]]
    try:
        assert all(f.result(timeout=30).answered for f in futures)
    finally:   # had they queued, cancelling the queued searches frees them: pytest can still exit
        guide._searching.shutdown(wait=False, cancel_futures=True)


def test_a_stopping_worker_still_answers_what_it_has(guide):
    """At a graceful stop Python shuts thread pools before the answers in flight finish: an
    answer then searches on its own thread, instead of apologising."""
    guide._searching.shutdown()
    reply = guide.ask("whats off-rolling", via="mention")
    assert reply.answered and reply.entry.id == "off-rolling"


@pytest.mark.parametrize("error", [PermissionError("not permitted"), ValueError("an odd platform")])
def test_when_the_priority_cant_be_lowered_the_search_still_runs(guide, monkeypatch, caplog, error):
    """A searching thread that fails to start breaks its pool for good: whatever setting the
    priority raises is logged once, and the searches run."""
    calls = []

    def refused(*args):
        calls.append(args)
        raise error

    monkeypatch.setattr(os, "setpriority", refused)
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(errors, "_warned", set())   # said once per process: this test's process
    replies = in_threads(guide, QUESTIONS)
    assert len(replies) == len(QUESTIONS) and all(r.answered for r in replies)
    assert calls and sum("lower the searching threads' priority" in r.getMessage() for r in caplog.records) == 1


def test_elsewhere_the_priority_is_left_alone(guide, monkeypatch):
    """Outside Linux a nice value is the whole process's: the searching threads don't touch it."""
    calls = []
    monkeypatch.setattr(os, "setpriority", lambda *args: calls.append(args))
    monkeypatch.setattr(sys, "platform", "darwin")
    assert guide.ask("whats off-rolling", via="mention").answered
    assert calls == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a thread's own nice value is Linux's")
def test_the_gap_holds_for_a_bot_started_below_normal_priority(guide):
    """Started at nice 5 (an admin's `nice -n 5`), the searching threads go to 15, not to 10."""
    seen = {}
    find = guide.library.find_matches

    def record(*args, **kwargs):
        seen["search"] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        return find(*args, **kwargs)

    def ask():
        me = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, me, min(19, os.getpriority(os.PRIO_PROCESS, me) + 5))
        seen["asker"] = os.getpriority(os.PRIO_PROCESS, me)
        seen["answered"] = guide.ask("whats off-rolling", via="mention").answered

    guide.library.find_matches = record
    asker = threading.Thread(target=ask)
    asker.start()
    asker.join(30)
    assert seen["answered"] and seen["asker"] >= 5
    assert seen["search"] == min(19, seen["asker"] + SEARCH_NICENESS)


def test_a_stalled_store_holds_an_answer_for_a_bounded_time(guide, monkeypatch):
    """From a fault audit's re-run: a stalled database answers nothing and no driver timeout fires,
    so a listener thread reading pins or kept answers, or logging the question, waited for it;
    with the 5 listener threads held, a slash command wasn't acked in time. Each call on the
    answer path now waits STORE_SECONDS at most, and the member still gets the pack's answer."""
    import bot.guide as guide_module
    monkeypatch.setattr(guide_module, "STORE_SECONDS", 0.2)
    stalled, entered, returned = threading.Event(), [], []

    def hang(*a, **kw):
        entered.append(1)
        stalled.wait(60)
        returned.append(1)
        return {}
    for name in ("pins_by_entry", "kept_answers", "log_question", "purge"):
        monkeypatch.setattr(guide.store, name, hang)
    monkeypatch.setattr(errors, "_warned", set())
    reply = guide.ask("what is off-rolling", via="mention")
    opened = guide.open_entry("off-rolling")
    answered_while_stalled = not returned   # every store call still hanging, the answers given
    stalled.set()
    assert reply.answered and reply.entry.id == "off-rolling" and opened is not None
    assert len(entered) >= 4 and answered_while_stalled


def test_a_store_read_failing_again_after_it_worked_is_logged_again(guide, monkeypatch, caplog):
    """From a review: the answer path's store warnings were once per process, so a second outage
    (or a read that was only slow once) went unlogged. Each failure episode is logged once."""
    import logging
    monkeypatch.setattr(errors, "_warned", set())
    works, pins = [False], guide.store.pins_by_entry

    def flaky():
        if not works[0]:
            raise OSError("connection refused")
        return pins()
    monkeypatch.setattr(guide.store, "pins_by_entry", flaky)
    caplog.set_level(logging.WARNING)
    for up in (False, False, True, False):
        works[0] = up
        assert guide.open_entry("off-rolling") is not None   # the entry opens whatever the store does
    failures = [r for r in caplog.records if "could not read the pinned answers" in r.getMessage()]
    assert len(failures) == 2 and any("could read the pinned answers again" in r.getMessage()
                                      for r in caplog.records)
