"""bot/inbox.py InboxWorker on both real stores (a SQLite file, a throwaway PostgreSQL server):
a backlog that killed workers left is drained continuously, not one batch per poll, with at
most THREADS answers running at once in a process."""
from __future__ import annotations

import threading
import time

import pytest

from bot import inbox
from bot.inbox import InboxWorker
from bot.store import open_store


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    location = str(tmp_path / "bot.sqlite3") if request.param == "sqlite" else request.getfixturevalue("pg_url")
    opened = open_store(location)
    yield opened
    getattr(opened, "close", lambda: None)()


def wait_for(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.01)


def test_a_backlog_is_drained_continuously_with_bounded_concurrency(store):
    """50 items whose leases expired (their worker was killed). The worker polls once at start
    and not again for an hour: everything is answered all the same, because each answer that
    finishes takes the next item; never more than THREADS at once; each item answered once."""
    for i in range(50):
        store.enqueue(f"message:C{i}:1.1", {"text": f"q{i}"}, owner="killed", lease_seconds=1, now=time.time() - 10)
    answered: list[str] = []
    running, peak = 0, 0
    lock = threading.Lock()

    def handle(item):
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.01)   # an answer takes a moment: the threads fill up
        store.complete(item.key)   # before it counts as answered: the last one was still pending at
        with lock:                 # the check below once (PostgreSQL, round 17's full run)
            running -= 1
            answered.append(item.payload["text"])

    worker = InboxWorker(store, handle, "survivor", lease_seconds=60, poll_seconds=3600).start()
    try:
        wait_for(lambda: len(answered) >= 50)
    finally:
        worker.stop()
    assert sorted(answered) == sorted(f"q{i}" for i in range(50))
    assert 1 < peak <= inbox.THREADS
    assert store.inbox_counts()["pending"] == 0


def test_items_leased_elsewhere_are_left_alone(store):
    """Only expired leases are taken: an item another process holds is not answered here."""
    store.enqueue("message:C1:1.1", {"text": "mine"}, owner="other", lease_seconds=600)
    store.enqueue("message:C2:1.1", {"text": "left"}, owner="killed", lease_seconds=1, now=time.time() - 10)
    answered: list[str] = []
    worker = InboxWorker(store, lambda item: answered.append(item.payload["text"]), "survivor",
                         lease_seconds=60, poll_seconds=3600).start()
    try:
        wait_for(lambda: answered)
        time.sleep(0.2)
    finally:
        worker.stop()
    assert answered == ["left"]
