"""The store's promises (bot/store.py docstrings), checked on both backends: a real SQLite file
and a real PostgreSQL server (the throwaway cluster of tests/pg_server.py). No mocks.

SQLite-only behaviour (WAL, old-file migrations, in-memory refusal, a writer killed mid-write)
stays in tests/test_store.py; PostgreSQL-only behaviour is at the end of this file.
"""
from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest

from bot.errors import StoreError
from bot.store import EVENT_TTL, Pin
from conftest import ROOT


def run_python(code: str, *args: str, timeout: float = 120) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code, *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def finish_all(procs: list[subprocess.Popen], timeout: float = 120) -> list[str]:
    outputs = []
    for p in procs:
        out, err = p.communicate(timeout=timeout)
        assert p.returncode == 0, err
        outputs.append(out)
    return outputs


# ---- schema ---------------------------------------------------------------------------------------------
def test_schema_is_migrated_once_and_reopening_is_a_no_op(location, opener):
    first = opener(location)
    version = first.schema_version
    assert version >= 1
    assert opener(location).schema_version == version


OPEN = """
import sys, time
from bot.store import open_store
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))   # every process opens at the same moment
print(open_store(sys.argv[1]).schema_version)
"""


def test_instances_starting_together_migrate_once(location, opener):
    """Six processes open a new store at the same moment (two instances and a CLI command
    starting together): all start, one schema. SQLite: nobody has created the file yet, and
    none of them may see another's file half-made (an empty file is refused)."""
    for _attempt in range(3):   # three rounds on fresh stores: the race is at a moment
        start_at = f"{time.time() + 3:.3f}"
        outputs = finish_all([run_python(OPEN, location, start_at) for _ in range(6)])
        assert len({o.strip() for o in outputs}) == 1
        assert opener(location).schema_version == int(outputs[0])
        if location.startswith("postgresql"):
            break
        location += "-again"
    if not location.startswith("postgresql"):   # no temporary files left beside the store
        folder = Path(location).parent
        assert sorted(p.name for p in folder.iterdir() if not p.name.endswith(("-wal", "-shm"))) == \
            ["bot.sqlite3", "bot.sqlite3-again", "bot.sqlite3-again-again"]


# ---- the durable inbox ------------------------------------------------------------------------------------
def test_inbox_lifecycle(store):
    now = time.time()
    item = store.enqueue("event:E1", {"channel": "C1", "text": "q ✓"}, owner="w1", lease_seconds=30, now=now)
    assert item and item.payload == {"channel": "C1", "text": "q ✓"} and item.attempts == 1 and not item.posting
    assert store.enqueue("event:E1", {"text": "dup"}, owner="w2", lease_seconds=30, now=now + 1) is None  # leased
    assert store.lease("event:E1", owner="w2", lease_seconds=30, now=now + 1) is None
    assert store.expired(now=now + 1) == []
    assert store.inbox_counts() == {"pending": 1, "done": 0, "failed": 0}
    assert store.inbox_oldest() == pytest.approx(now)
    assert store.mark_posting("event:E1", "w1")
    assert not store.mark_posting("event:E1", "w2")                       # not w2's lease
    # w1 dies; the lease expires and another worker takes it over, told a post was started
    assert store.expired(now=now + 31) == ["event:E1"]
    taken = store.lease("event:E1", owner="w2", lease_seconds=30, now=now + 31)
    assert taken and taken.attempts == 2 and taken.posting and taken.payload["text"] == "q ✓"
    store.complete("event:E1", now=now + 32)
    assert store.inbox_counts() == {"pending": 0, "done": 1, "failed": 0}
    assert store.inbox_oldest() is None
    assert store.lease("event:E1", owner="w3", lease_seconds=30, now=now + 999) is None   # never again
    assert store.enqueue("event:E1", {}, owner="w3", lease_seconds=30, now=now + 999) is None  # Slack's retry


def test_inbox_retry_later_and_failure(store):
    now = time.time()
    store.enqueue("event:E2", {"n": 2}, owner="w1", lease_seconds=30, now=now)
    store.retry_later("event:E2", "w2", delay=0, now=now)                 # not w2's: nothing changes
    assert store.expired(now=now + 1) == []
    store.retry_later("event:E2", "w1", delay=5, now=now)
    assert store.expired(now=now + 4) == [] and store.expired(now=now + 6) == ["event:E2"]
    store.complete("event:E2", failed=True, now=now + 7)
    assert store.inbox_counts()["failed"] == 1 and store.expired(now=now + 999) == []
    # a reply Slack refused with a 429 took nothing: its "about to post" flag goes (round 17)
    store.enqueue("event:E2b", {"n": 2}, owner="w1", lease_seconds=30, now=now)
    assert store.mark_posting("event:E2b", "w1", now=now)
    store.retry_later("event:E2b", "w1", delay=0, now=now, unposted=False)
    assert store.lease("event:E2b", owner="w2", lease_seconds=30, now=now + 1).posting
    store.retry_later("event:E2b", "w2", delay=0, now=now + 1, unposted=True)
    assert not store.lease("event:E2b", owner="w3", lease_seconds=30, now=now + 2).posting


def test_an_event_answered_from_memory_is_recorded_answered_in_one_statement(store):
    """Round 16's review: the recorder wrote an event answered from memory into the inbox, leased
    to itself, then settled it; a process dying between the two left a lease that another worker
    took over and answered again (a slash command can't be checked first). Now one statement."""
    now = time.time()
    assert store.record_answered("event:M1", now=now)                  # not there: written answered
    assert store.inbox_counts() == {"pending": 0, "done": 1, "failed": 0}
    assert store.enqueue("event:M1", {"q": 1}, owner="w2", lease_seconds=30, now=now + 1) is None   # Slack's retry
    assert not store.record_answered("event:M1", now=now + 2)          # recorded already
    store.enqueue("event:M2", {"q": 2}, owner="w1", lease_seconds=30, now=now)     # a late write of w1's own
    assert store.record_answered("event:M2", now=now + 1)
    # Slack's retry, taken in by w2 while w1 answered from memory: settled all the same, and w2,
    # which must not answer it again, can't post it (round 17's review: it was left to w2, and
    # answered a third time by whoever took it over if w2 died)
    store.enqueue("event:M3", {"q": 3}, owner="w2", lease_seconds=30, now=now)
    assert store.record_answered("event:M3", now=now + 1)
    assert not store.mark_posting("event:M3", "w2", now=now + 2)
    assert not store.complete("event:M3", owner="w2", attempt=1, now=now + 3)
    assert store.inbox_counts() == {"pending": 0, "done": 3, "failed": 0}
    assert store.expired(now=now + 999) == [] and store.lease("event:M3", owner="w3", lease_seconds=30,
                                                               now=now + 999) is None
    # given up, its settling perhaps unmade (round 29's review: it was counted answered)
    store.enqueue("event:M4", {"q": 4}, owner="w1", lease_seconds=30, now=now)
    assert store.record_answered("event:M4", now=now + 1, failed=True)
    assert store.record_answered("event:M5", now=now + 1, failed=True)
    assert store.inbox_counts() == {"pending": 0, "done": 3, "failed": 2}


def test_a_settled_item_reopened_is_taken_in_again_and_a_pending_one_is_not(store):
    """Round 21: a share is kept under one key per answer and member (a second press of Share is
    a duplicate); one the member is told to press again (it may not have gone out) is reopened."""
    now = time.time()
    key = "action:share:C1:1700000000.000100:U1"
    store.enqueue(key, {"n": 1}, owner="w1", lease_seconds=30, now=now)
    assert not store.reopen(key)                                        # pending: left alone
    assert store.enqueue(key, {"n": 2}, owner="w2", lease_seconds=30, now=now + 1) is None   # the second press
    store.complete(key, owner="w1", attempt=1, now=now + 2)
    assert store.enqueue(key, {"n": 3}, owner="w2", lease_seconds=30, now=now + 3) is None   # a later press
    assert store.reopen(key) and not store.reopen(key)
    again = store.enqueue(key, {"n": 4}, owner="w2", lease_seconds=30, now=now + 4)
    assert again is not None and again.payload == {"n": 4} and again.attempts == 1 and not again.posting
    assert store.inbox_counts() == {"pending": 1, "done": 0, "failed": 0}


def test_a_redelivery_takes_over_an_expired_lease(store):
    now = time.time()
    store.enqueue("event:E3", {"n": 3}, owner="w1", lease_seconds=10, now=now)
    again = store.enqueue("event:E3", {"n": 3}, owner="w2", lease_seconds=10, now=now + 11)
    assert again and again.attempts == 2


def test_a_write_that_lands_late_is_leased_from_when_it_landed(store, location, request):
    """The ack path stops waiting for the inbox write after 1.5 s and answers from memory; a
    write that lands later is settled by its caller. If its lease had already run out when it
    landed (counted from when the call was made), another instance could take it over first and
    answer it again (round 15's review: PostgreSQL hung with SIGSTOP). Here PostgreSQL is hung
    the same way, and SQLite's write lock is held by another connection."""
    lease, held = 0.5, 0.9
    if location.startswith("postgresql"):
        server = request.getfixturevalue("postgres_server")
        hold, release = server.freeze, server.thaw
    else:
        blocker = sqlite3.connect(location, isolation_level=None)
        hold, release = (lambda: blocker.execute("BEGIN IMMEDIATE"),
                         lambda: (blocker.execute("ROLLBACK"), blocker.close()))
    landed: list = []
    writer = threading.Thread(target=lambda: landed.append(
        store.enqueue("event:LATE", {"n": 1}, owner="w1", lease_seconds=lease)))
    try:
        hold()
        started = time.time()
        writer.start()
        time.sleep(held)
        released = time.time()
    finally:
        release()
    writer.join(10)
    assert landed and landed[0] is not None and landed[0].attempts == 1   # ours, leased to us
    assert released - started >= held
    (lease_until,) = lease_until_of(location, "event:LATE")
    assert lease_until >= released + lease - 0.01   # not started + lease: expired as it landed


def lease_until_of(location: str, key: str) -> tuple:
    if location.startswith("postgresql"):
        with psycopg.connect(location) as conn:
            return conn.execute("SELECT lease_until FROM inbox WHERE key = %s", (key,)).fetchone()
    with sqlite3.connect(location) as conn:
        return conn.execute("SELECT lease_until FROM inbox WHERE key = ?", (key,)).fetchone()


def test_lease_expired_takes_oldest_first(store):
    now = time.time()
    for i in range(5):
        store.enqueue(f"event:L{i}", {"i": i}, owner="dead", lease_seconds=1, now=now + i * 0.01)
    taken = store.lease_expired(owner="w1", lease_seconds=30, limit=3, now=now + 10)
    assert [t.key for t in taken] == ["event:L0", "event:L1", "event:L2"]
    rest = store.lease_expired(owner="w2", lease_seconds=30, limit=10, now=now + 10)
    assert [t.key for t in rest] == ["event:L3", "event:L4"]
    assert store.lease_expired(owner="w3", lease_seconds=30, now=now + 10) == []


LEASER = """
import sys, time
from bot.store import open_store
store = open_store(sys.argv[1])
got = []
deadline = time.time() + 60
while time.time() < deadline:
    batch = store.lease_expired(owner=sys.argv[2], lease_seconds=600, limit=7)
    if not batch and not store.expired(limit=1):
        break
    got += [item.key for item in batch]
    for item in batch:
        store.complete(item.key)
print(" ".join(got))
"""


def test_instances_share_a_backlog_without_taking_an_item_twice(location, opener):
    """A dead instance's 200 events: three processes take the backlog over; each item goes to one."""
    store = opener(location)
    old = time.time() - 3600
    for i in range(200):
        store.enqueue(f"event:B{i}", {"i": i}, owner="dead", lease_seconds=1, now=old + i * 0.001)
    outputs = finish_all([run_python(LEASER, location, f"w{n}") for n in range(3)])
    taken = [key for out in outputs for key in out.split()]
    assert sorted(taken) == sorted(f"event:B{i}" for i in range(200))
    assert store.inbox_counts() == {"pending": 0, "done": 200, "failed": 0}


ENQUEUER = """
import sys
from bot.store import open_store
store = open_store(sys.argv[1])
won = [i for i in range(100) if store.enqueue(f"event:R{i}", {"i": i}, owner=sys.argv[2], lease_seconds=600)]
print(" ".join(map(str, won)))
"""


def test_duplicate_deliveries_to_several_instances_lease_once(location, opener):
    opener(location)
    outputs = finish_all([run_python(ENQUEUER, location, f"w{n}") for n in range(3)])
    assert sorted(int(n) for out in outputs for n in out.split()) == list(range(100))



SKEWED = """
import json, sys, time
real = time.time
time.time = lambda: real() + float(sys.argv[2])   # this instance's clock is out by argv[2] seconds
from bot.store import open_store
store = open_store(sys.argv[1])
if sys.argv[3] == "take":
    print(json.dumps([store.lease("event:HELD", owner="skewed", lease_seconds=30) is not None,
                      [item.key for item in store.lease_expired(owner="skewed", lease_seconds=30)],
                      store.expired(),
                      store.enqueue("event:HELD", {}, owner="skewed", lease_seconds=30) is not None,
                      store.claim_request(int(sys.argv[4]), owner="skewed", lease_seconds=30) is not None,
                      store.pending_requests()]))
else:
    item = store.enqueue("event:BEHIND", {}, owner="skewed", lease_seconds=30)
    claimed = store.claim_request(int(sys.argv[4]), owner="skewed", lease_seconds=30)
    print(json.dumps([item is not None, claimed is not None,
                      store.mark_posting("event:BEHIND", "skewed", lease_seconds=30, attempt=1)]))
"""


def test_leases_are_timed_by_the_stores_clock_not_each_instances(location, opener):
    """Two instances whose clocks disagree by two minutes (NTP down on one host): leases are
    timed by the store's clock, so the fast instance can't take over a fresh lease (and answer
    again an event still being answered), and the slow one's leases aren't expired at birth."""
    store = opener(location)
    request = dict(question="q", asker="U1", asker_name="Ann", channel="C1", thread_ts="1.1")
    assert store.enqueue("event:HELD", {}, owner="here", lease_seconds=30)
    held = store.add_request(**request)
    assert store.claim_request(held.id, owner="here", lease_seconds=30)
    out, = finish_all([run_python(SKEWED, location, "120", "take", str(held.id))])
    assert json.loads(out) == [False, [], [], False, False, []]

    slow = store.add_request(**request)
    out, = finish_all([run_python(SKEWED, location, "-120", "hold", str(slow.id))])
    assert json.loads(out) == [True, True, True]
    assert store.lease("event:BEHIND", owner="here", lease_seconds=30) is None
    assert store.lease_expired(owner="here", lease_seconds=30) == []
    assert store.claim_request(slow.id, owner="here", lease_seconds=30) is None
    assert store.pending_requests() == []

# ---- question log, votes, pins -------------------------------------------------------------------------
def test_question_log_keeps_words_and_outcome_in_order(store, location, opener):
    store.log_question(via="dm", text="first", answered=False, now=100.0)
    store.log_question(via="mention", text="x" * 5000, answered=True, entry_id="off-rolling", score=0.5, now=200.0)
    rows = opener(location).questions()                       # another connection sees both
    assert [(r.via, r.answered, r.entry_id) for r in rows] == [("dm", False, None), ("mention", True, "off-rolling")]
    assert rows[0].text == "first" and len(rows[1].text) == 2000 and rows[1].score == 0.5
    assert [r.text for r in store.questions(since=150.0)] == ["x" * 2000]


def test_votes_one_per_member_per_answer(store):
    store.vote(message="C1:1.1", user="U1", entry_id="off-rolling", query="q", helpful=True)
    store.vote(message="C1:1.1", user="U1", entry_id="off-rolling", query="q", helpful=False)
    store.vote(message="C1:1.1", user="U2", entry_id="off-rolling", query="q", helpful=False)
    assert sorted(store.votes()) == [("off-rolling", False), ("off-rolling", False)]
    assert store.votes(since=time.time() + 60) == []
    # a press answered again after a failure (round 17's review) doesn't undo a later change of mind
    store.vote(message="C1:2.2", user="U1", entry_id="mats", query="q", helpful=False, now=200.0)
    store.vote(message="C1:2.2", user="U1", entry_id="mats", query="q", helpful=True, now=100.0)
    assert ("mats", False) in store.votes() and ("mats", True) not in store.votes()


def test_pins_add_update_remove(store):
    store.add_pin(Pin("C1", "1.1", "off-rolling", None, "q1", "UREP", "Rep", 100.0, "https://x/1"))
    store.add_pin(Pin("C1", "2.2", "off-rolling", 2, "q2", "UREP", "Rep", 200.0, ""))
    store.add_pin(Pin("C2", "3.3", "mats", None, "q3", "UREP2", "Rep Two", 150.0, ""))
    store.add_pin(Pin("C1", "1.1", "off-rolling", 1, "q1 again", "UREP3", "Rep Three", 300.0, "https://x/1b"))
    pins = store.pins()
    assert [(p.channel, p.message_ts) for p in pins] == [("C1", "1.1"), ("C1", "2.2"), ("C2", "3.3")]  # newest first
    assert pins[0] == Pin("C1", "1.1", "off-rolling", 1, "q1 again", "UREP3", "Rep Three", 300.0, "https://x/1b")
    assert store.pins_by_entry()["off-rolling"].message_ts == "1.1"
    assert store.remove_pin("C1", "1.1") and not store.remove_pin("C1", "1.1")
    assert store.pins_by_entry()["off-rolling"].message_ts == "2.2"


def test_a_pin_is_removed_only_as_the_remover_saw_it(store, location, opener):
    """A pin, an unpin and a pin again within a second: the first pin's check against Slack, or
    the unpin's handling, removed the record the second pin had made since. Given the time the
    record was made (`at`, as written or read), only that record goes."""
    first = time.time()
    store.add_pin(Pin("C1", "1.1", "off-rolling", None, "q", "UREP", "Rep", first, ""))
    assert store.pin("C1", "1.1") == Pin("C1", "1.1", "off-rolling", None, "q", "UREP", "Rep", first, "")
    assert store.pin("C1", "9.9") is None and store.pin("C9", "1.1") is None
    again = first + 0.000001   # a microsecond later, by another rep (another instance's connection)
    opener(location).add_pin(Pin("C1", "1.1", "off-rolling", None, "q", "UREP2", "Rep Two", again, ""))
    assert not store.remove_pin("C1", "1.1", at=first)   # the first pin's: made again since, so it stays
    assert store.pin("C1", "1.1").rep == "UREP2"
    seen = opener(location).pin("C1", "1.1")
    assert store.remove_pin("C1", "1.1", at=seen.at) and store.pin("C1", "1.1") is None
    assert not store.remove_pin("C1", "1.1", at=seen.at)


# ---- retention ------------------------------------------------------------------------------------------
def test_retention_deletes_old_rows_but_keeps_pins_and_pending_events(store):
    now = time.time()
    old = now - 200 * 86400
    store.log_question(via="dm", text="old", answered=False, now=old)
    store.log_question(via="dm", text="new", answered=True, entry_id="x", score=0.5, now=now)
    store.vote(message="C1:1", user="U1", entry_id="x", query="q", helpful=True, now=old)
    store.vote(message="C1:2", user="U1", entry_id="x", query="q", helpful=False, now=now)
    store.add_pin(Pin("C1", "1.1", "off-rolling", None, "q", "UREP", "Rep", old, ""))
    store.enqueue("event:done", {}, owner="w", lease_seconds=1, now=now - EVENT_TTL - 20)
    store.complete("event:done", now=now - EVENT_TTL - 10)
    store.enqueue("event:waiting", {"q": 1}, owner="w", lease_seconds=1, now=now - EVENT_TTL - 20)
    assert store.purge(180, now=now) == 2
    assert [q.text for q in store.questions()] == ["new"]
    assert store.votes() == [("x", False)]
    assert len(store.pins()) == 1
    assert store.inbox_counts() == {"pending": 1, "done": 0, "failed": 0}     # unanswered stays
    assert store.enqueue("event:done", {}, owner="w2", lease_seconds=1, now=now) is not None   # forgotten


def test_walk_place_per_member_last_write_wins_and_stop_forgets(store, location, opener):
    assert store.walk_place("U1") is None
    store.save_walk_place("U1", "workload-example", 2, now=100.0)
    store.save_walk_place("U2", "big-listen", 0, now=100.0)
    store.save_walk_place("U1", "workload-example", 3, "wellbeing-q1", now=101.0)
    reopened = opener(location)                       # a restart
    place = reopened.walk_place("U1")
    assert (place.user, place.pack, place.position, place.at, place.entry_id) == \
        ("U1", "workload-example", 3, 101.0, "wellbeing-q1")
    assert reopened.walk_place("U2").entry_id == ""   # saved without its question (as before migration 10/6)
    assert reopened.end_walk("U1") and not reopened.end_walk("U1")
    assert reopened.walk_place("U1") is None and reopened.walk_place("U2").pack == "big-listen"


def test_a_claim_is_the_first_callers_for_its_seconds_and_never_leased(store):
    """"Walk me through" double-clicked: one press of the two (on any instance) is taken."""
    assert store.claim_for("walkstart:U1", 3, now=100.0)
    assert not store.claim_for("walkstart:U1", 3, now=102.0)          # the second press of a double click
    assert store.claim_for("walkstart:U2", 3, now=102.0)
    assert store.claim_for("walkstart:U1", 3, now=103.5)              # a press seconds later is a press
    assert store.reopen("walkstart:U1") and store.claim_for("walkstart:U1", 3, now=104.0)   # freed (a DM failed)
    assert store.lease_expired(owner="w", lease_seconds=60, now=1e9) == []   # no worker answers a claim
    assert store.inbox_counts() == {"pending": 0, "done": 0, "failed": 0}
    store.purge(180, now=104.0 + EVENT_TTL + 1)
    assert store.claim_for("walkstart:U1", 3600, now=104.0 + EVENT_TTL + 2)   # purged as finished items are


def test_a_walk_place_moves_only_from_where_it_was_read(store):
    """Next and Stop (or Next twice) pressed together, perhaps on two instances: a press moves the
    place from where it read it, or not at all, so Stop's forgetting it stands and of two presses
    from one place one moves it."""
    store.save_walk_place("U1", "workload-example", 1, "q2", now=100.0)
    read = store.walk_place("U1")
    assert store.move_walk_place("U1", read, "workload-example", 2, "q3", now=101.0)
    assert not store.move_walk_place("U1", read, "workload-example", 2, "q3", now=102.0)   # moved already
    assert (store.walk_place("U1").position, store.walk_place("U1").at) == (2, 101.0)
    moved = store.walk_place("U1")
    assert not store.end_walk("U1", was=read) and store.walk_place("U1") is not None
    assert store.end_walk("U1", pack="workload-example")                     # Stop
    assert not store.move_walk_place("U1", moved, "workload-example", 3, "q4", now=103.0)
    assert store.walk_place("U1") is None                                    # stays stopped
    store.save_walk_place("U1", "big-listen", 0, now=104.0)
    assert not store.end_walk("U1", pack="workload-example")                 # Stop on another pack's step
    assert store.end_walk("U1", was=store.walk_place("U1")) and store.walk_place("U1") is None



def test_a_walk_place_moved_by_an_older_bot_no_longer_names_its_question(store, location):
    """A rolling upgrade: a bot from before SQLite migration 10 / PostgreSQL 6 saves a place by its
    number alone (its upsert, verbatim), leaving the question a newer bot saved: that question is
    not the place any more, so it isn't read back (the walk-through resumes by number)."""
    store.save_walk_place("U1", "workload-example", 1, "wellbeing-q1", now=100.0)
    if location.startswith("postgres"):
        store._write("INSERT INTO walkthrough(member, pack, position, at) VALUES (%s,%s,%s,%s) ON CONFLICT (member) "
                     "DO UPDATE SET pack = excluded.pack, position = excluded.position, at = excluded.at",
                     ("U1", "workload-example", 4, 101.0))
    else:
        store.connection().execute(
            "INSERT INTO walkthrough(user, pack, position, at) VALUES (?,?,?,?) ON CONFLICT(user) DO UPDATE SET "
            "pack = excluded.pack, position = excluded.position, at = excluded.at",
            ("U1", "workload-example", 4, 101.0))
    assert (store.walk_place("U1").position, store.walk_place("U1").entry_id) == (4, "")
    store.save_walk_place("U1", "workload-example", 4, "wellbeing-q4", now=102.0)   # a newer bot moves it again
    assert store.walk_place("U1").entry_id == "wellbeing-q4"

def test_retention_purges_walk_places_left_untouched(store):
    store.save_walk_place("U1", "big-listen", 1, now=0.0)
    store.save_walk_place("U2", "big-listen", 1, now=200 * 86400.0)
    store.purge(180, now=200 * 86400.0)
    assert store.walk_place("U1") is None and store.walk_place("U2") is not None


def test_survives_restart(location, opener):
    opener(location).log_question(via="dm", text="before restart", answered=False)
    code = "import sys; from bot.store import open_store; print(open_store(sys.argv[1]).questions()[0].text)"
    out = subprocess.run([sys.executable, "-c", code, location], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.stdout.strip() == "before restart", out.stderr


WRITER = """
import sys
from bot.store import open_store
store = open_store(sys.argv[1])
for i in range(int(sys.argv[3])):
    store.log_question(via=sys.argv[2], text=f"{sys.argv[2]} {i}", answered=False)
"""


def test_two_writers_at_once_lose_nothing(location, opener):
    opener(location)
    finish_all([run_python(WRITER, location, name, "300") for name in ("a", "b")])
    texts = [q.text for q in opener(location).questions()]
    assert len(texts) == 600 and len(set(texts)) == 600
    assert sum(t.startswith("a ") for t in texts) == 300


def test_sqlite_store_from_a_newer_bot_is_refused(tmp_path):
    """As PostgreSQL's is: a store a newer bot migrated isn't opened (it used to be, silently)."""
    from bot.store_sqlite import MIGRATIONS, SQLiteStore
    path = tmp_path / "bot.sqlite3"
    SQLiteStore(path)
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer than this bot knows"):
        SQLiteStore(path)
    with pytest.raises(StoreError, match="upgrade the bot"):
        SQLiteStore(path, migrate=False)


# ---- PostgreSQL only ----------------------------------------------------------------------------------
def test_postgres_schema_is_versioned_and_locked_migrations(pg_url, opener):
    from bot.store_postgres import MIGRATIONS
    store = opener(pg_url)
    assert store.schema_version == len(MIGRATIONS)
    with psycopg.connect(pg_url) as conn:
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        conn.execute("UPDATE schema_version SET version = version + 1")
    assert tables == {"questions", "votes", "pins", "inbox", "schema_version", "rep_requests", "kept_answers",
                      "walkthrough"}
    with pytest.raises(StoreError, match="newer than this bot knows"):
        opener(pg_url)


def test_postgres_password_never_shown(pg_url, opener):
    from pg_server import PASSWORD
    store = opener(pg_url)
    assert PASSWORD not in repr(store) and PASSWORD not in store.location
    wrong = pg_url.replace(PASSWORD, "wrong-password")
    from bot.store_postgres import StoreUnreachable
    with pytest.raises(StoreUnreachable, match="password authentication failed") as failed:
        opener(wrong)
    assert "wrong-password" not in str(failed.value) and "127.0.0.1" in str(failed.value)


def test_postgres_payload_round_trips_json(pg_url, opener):
    store = opener(pg_url)
    payload = {"text": "line\nbreak \"quoted\" \\ back", "nested": {"list": [1, 2.5, None, True]}}
    store.enqueue("event:J", payload, owner="w", lease_seconds=1, now=1.0)
    assert store.lease("event:J", owner="w2", lease_seconds=1, now=10.0).payload == json.loads(json.dumps(payload))


def test_every_text_written_is_made_storable(store):
    """Emoji are kept; a NUL is dropped and a lone surrogate (JSON can carry "\\ud800": it has
    no UTF-8 form, so SQLite raised on it) becomes U+FFFD, the same on both backends, in every
    table: the question log, votes, pins and the inbox (its key and payload)."""
    store.log_question(via="dm", text="what about 🧑‍🏫 and \x00 and \ud800 here", answered=False)
    assert store.questions()[0].text == "what about 🧑‍🏫 and  and \ufffd here"
    store.vote(message="C1:1.1", user="U\udfff", entry_id="e", query="\ud83d", helpful=True)
    assert store.votes() == [("e", True)]
    store.add_pin(Pin("C\ud800", "1.1", "e", None, "pin \ud83d?", "U1", "R\x00ep", 5.0, ""))
    assert store.pins()[0].question == "pin \ufffd?" and store.pins()[0].rep_name == "Rep"
    assert store.remove_pin("C\ud800", "1.1")
    key = "message:C\ud800:1.1"
    item = store.enqueue(key, {"text": "half an emoji \ud83d", "event_id": "Ev1"}, owner="w", lease_seconds=1,
                         now=1.0)
    assert item.payload == {"text": "half an emoji \ufffd", "event_id": "Ev1"}
    assert store.enqueue(key, {"text": "again"}, owner="w2", lease_seconds=1, now=1.5) is None   # the same key
    assert store.mark_posting(key, "w", now=1.5)
    store.complete(key)
    assert store.inbox_counts()["done"] == 1


@pytest.mark.parametrize("via", ["url", "PGOPTIONS"])
def test_postgres_options_of_the_users_reach_every_connection(pg_url, opener, monkeypatch, via):
    """A `-c search_path=bot` in the URL's `options` (or in PGOPTIONS), for a database shared
    with other applications: the tables were made in schema bot at start-up, but the pool's
    connections replaced the user's options with the bot's statement_timeout, so every statement
    after start-up looked in public ("relation inbox does not exist") while `health` said ready."""
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA bot")
    if via == "url":
        url = pg_url + "?options=-c%20search_path%3Dbot"
    else:
        url = pg_url
        monkeypatch.setenv("PGOPTIONS", "-c search_path=bot")
    store = opener(url)
    assert store.enqueue("message:C1:1.1", {"text": "hi"}, owner="w", lease_seconds=60) is not None
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT COUNT(*) FROM bot.inbox").fetchone()[0] == 1
        assert conn.execute("SELECT to_regclass('public.inbox')").fetchone()[0] is None
    with store._connection() as conn:   # the bot's own bound is kept beside the user's options
        assert conn.execute("SHOW statement_timeout").fetchone()[0] == "10s"


def test_postgres_leases_hold_on_a_database_whose_default_is_serializable(pg_url, opener):
    """Leases rely on READ COMMITTED re-checking a row another instance just changed. On a
    database (or role) whose default_transaction_isolation is serializable, that check failed
    instead ("could not serialize access due to concurrent update"): 70 of 300 events delivered
    to two instances at the same moment were answered by both (the failed write answered from
    memory), and instances polling for expired leases failed now and then."""
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"ALTER DATABASE {pg_url.rsplit('/', 1)[1]} SET default_transaction_isolation = 'serializable'")
    stores = [opener(pg_url) for _ in range(2)]
    with stores[0]._connection() as conn:
        assert conn.execute("SHOW transaction_isolation").fetchone()[0] == "read committed"
    won: dict[str, int] = {}
    errors: list[Exception] = []
    start = threading.Barrier(2)

    def deliver(i, store):
        for k in range(100):
            start.wait()
            try:
                if store.enqueue(f"message:C1:{k}.0", {"text": "q"}, owner=f"instance{i}", lease_seconds=60):
                    won[f"{k}"] = won.get(f"{k}", 0) + 1
            except Exception as e:
                errors.append(e)
    threads = [threading.Thread(target=deliver, args=(i, s)) for i, s in enumerate(stores)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and sorted(won.values()) == [1] * 100
