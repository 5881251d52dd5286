"""The reps' loop, and a member's writes (the inbox, the question log, votes, walk-through places)
and retention, on PostgreSQL when the server ends the store's connections (SQLSTATE 57P01,
admin_shutdown: an admin's `pg_terminate_backend`, a server restart, a failover).

Before: the pool's check found one ended connection at a time and waited 1 s, then 2 s, 4 s
between them, so each flow below took 1 s with two connections ended, 3 s with three, and with
four or more the call gave up with PoolTimeout after the pool's 5 s (each flow here failed so).
A connection ended after it passed the check reached the caller as AdminShutdown, which the
handlers took for a bug (a traceback; the rep's modal was never answered).
"""
from __future__ import annotations

import json
import logging
import os
import threading
import time
from types import SimpleNamespace

import psycopg
import pytest
from psycopg_pool import ConnectionPool, PoolTimeout

from bot.errors import StoreError
from bot.store import Pin, RepRequest, WalkPlace, store_outage
from bot.store_postgres import PostgresStore, StoreUnsure

SECONDS = 3.0   # one flow on a fresh connection takes well under this; the pool's timeout is 5 s


@pytest.fixture
def pg(pg_url):
    store = PostgresStore(pg_url)
    yield store
    store.close()


def terminate_all(url: str) -> int:
    """pg_terminate_backend for every other connection to the store's database, from an admin
    connection of its own; returns once they are gone (so the kill is over before the flow)."""
    with psycopg.connect(url, autocommit=True) as admin:
        killed = admin.execute(
            "SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()").fetchone()[0]
    return killed


def fill_pool(store: PostgresStore, connections: int = 5) -> None:
    """The pool holds `connections` at once, as a busy worker's does."""
    held = threading.Barrier(connections + 1)

    def hold():
        with store.pool.connection(timeout=20):
            held.wait(20)
            held.wait(20)
    threads = [threading.Thread(target=hold) for _ in range(connections)]
    for t in threads:
        t.start()
    held.wait(20)
    held.wait(20)
    for t in threads:
        t.join()


def ask_a_rep(store, question="will the big listen ask about staff car parking"):
    """The member's "Send to reps" (handlers/rep_requests.handle_confirm): the twin check, the
    request, its claim and its post in the reps' channel."""
    twin = [r for r in store.requests(("open",)) if r.asker == "UMEMBER" and r.question == question]
    if twin:
        return twin[0]
    req = store.add_request(question=question, asker="UMEMBER", asker_name="Mo Member", channel="C1",
                            thread_ts="1.1")
    assert store.claim_request(req.id, owner="w1", lease_seconds=60) is not None
    store.set_request_message(req.id, "CREPS", f"9.{req.id}")
    return req


def answer(store, req, **how):
    """A rep's answer (or covered, outside, withdrawn): the open request read, closed once, and
    the member told (claimed, delivered)."""
    assert store.request(req.id).state == "open"
    closed = store.close_request(req.id, rep="UREP", rep_name="Sam Rep", **how)
    assert closed is not None
    if closed.state != "withdrawn":
        assert store.claim_request(req.id, owner="w1", lease_seconds=60) is not None
        store.mark_delivered(req.id)
    return closed


def pin(store, ts: str) -> None:
    store.add_pin(Pin("C1", ts, "off-rolling", None, "what is off-rolling", "UREP", "Sam Rep", time.time(), ""))
    assert store.pin("C1", ts) is not None


def queue_and_report(store) -> None:
    """`/biglisten queue`, `answers`, `gaps` and App Home: the reps' lists."""
    store.requests(), store.open_request_count(), store.kept_answers()
    store.questions(0.0), store.votes(0.0), store.pins()


def kept_answer_chores(store) -> None:
    kept = store.kept_answers()[-1]   # the first kept
    assert store.edit_kept(kept.id, "No: it asks about workload.", rep_name="Sam Rep")
    assert store.confirm_kept(kept.id)


FLOWS = {   # each a reps' flow as the handlers make it, with a member's question logged to compare
    "ask a rep": lambda s, n: ask_a_rep(s, f"question {n}"),
    "answer and keep": lambda s, n: answer(s, ask_a_rep(s, f"answered {n}"), state="answered",
                                           answer="Not in the survey.", keep=True),
    "covered": lambda s, n: answer(s, ask_a_rep(s, f"covered {n}"), state="covered", entry_id="off-rolling"),
    "outside": lambda s, n: answer(s, ask_a_rep(s, f"outside {n}"), state="outside"),
    "withdraw": lambda s, n: answer(s, ask_a_rep(s, f"withdrawn {n}"), state="withdrawn"),
    "pin": lambda s, n: pin(s, f"{n}.5"),
    "unpin": lambda s, n: s.remove_pin("C1", f"{n}.5"),
    "queue and report": lambda s, n: queue_and_report(s),
    "kept answers": lambda s, n: kept_answer_chores(s),
    "log a member's question": lambda s, n: s.log_question(via="dm", text=f"asked {n}", answered=False),
}


def test_every_reps_flow_carries_on_after_the_server_ends_every_connection(pg, pg_url):
    """Each flow once, then again on a pool whose every connection the server ended: each one
    goes through, in seconds, and nothing is lost or done twice."""
    for flow in FLOWS.values():
        flow(pg, 1)
    for name, flow in FLOWS.items():
        fill_pool(pg)
        assert terminate_all(pg_url) >= 5
        started = time.monotonic()
        flow(pg, 2)
        assert time.monotonic() - started < SECONDS, f"{name}: {time.monotonic() - started:.1f} s"
    asked = sorted((r.state, r.question) for r in pg.requests(("open", "answered", "covered", "outside", "withdrawn")))
    assert asked == [(state, f"{kind} {n}") for state, kind in [("answered", "answered"), ("covered", "covered"),
                                                                ("open", "question"), ("outside", "outside")]
                     for n in (1, 2)] + [("withdrawn", "")] * 2   # a withdrawn question is forgotten
    assert len(pg.kept_answers()) == 2 and len(pg.questions()) == 2
    assert [p.message_ts for p in pg.pins()] == []   # each pinned once, then unpinned


@pytest.fixture
def ended_after_check(monkeypatch, pg_url):
    """`arm()`: the next pooled connection passes the pool's check, then the server ends it
    before the caller's first statement (the race a check can't close)."""
    armed = []
    check = ConnectionPool.check_connection

    def check_then_end(conn):
        check(conn)
        if armed:
            armed.clear()
            with psycopg.connect(pg_url, autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s, 5000)", (conn.info.backend_pid,))
    monkeypatch.setattr(ConnectionPool, "check_connection", staticmethod(check_then_end))
    return lambda: armed.append(True)


def test_a_flow_whose_connection_ends_before_its_statement_runs_once_more(pg, ended_after_check):
    """Nothing of it reached the server: run once more on a fresh connection, it is done once."""
    req = ask_a_rep(pg, "first")
    flows = [lambda: pg.request(req.id),
             lambda: pg.add_request(question="second", asker="U2", asker_name="Al", channel="C1", thread_ts="2.2"),
             lambda: pg.close_request(req.id, state="answered", rep="UREP", rep_name="Sam", answer="No.", keep=True),
             lambda: pg.claim_request(req.id, owner="w1", lease_seconds=60),
             lambda: pg.add_pin(Pin("C1", "7.7", "off-rolling", None, "q", "UREP", "Sam", time.time(), "")) or True]
    for flow in flows:
        ended_after_check()
        assert flow()
    assert sorted(r.question for r in pg.requests(("open", "answered"))) == ["first", "second"]
    assert pg.request(req.id).state == "answered" and len(pg.kept_answers()) == 1 and len(pg.pins()) == 1


# --- a member's writes: the inbox ------------------------------------------------------------------------
LATER = 1000.0   # seconds on: every lease taken so far has run out


def pending(pg, key="message:C1:1.1"):
    """A member's message taken in, leased to w1 (its first lease)."""
    return pg.enqueue(key, {"channel": "C1", "ts": key.rsplit(":", 1)[1], "text": "what is off-rolling"},
                      owner="w1", lease_seconds=60)


def enqueued(pg, item, end):
    end()
    again = pending(pg, "message:C1:2.2")
    assert again.attempts == 1 and again.payload["text"] == "what is off-rolling"
    assert pg.inbox_counts()["pending"] == 2


def leased(pg, item, end):
    end()
    assert pg.lease(item.key, owner="w2", lease_seconds=60, now=time.time() + LATER).attempts == 2


def leased_expired(pg, item, end):
    end()
    assert [i.attempts for i in pg.lease_expired(owner="w2", lease_seconds=60, now=time.time() + LATER)] == [2]


def marked_posting(pg, item, end):
    end()
    assert pg.mark_posting(item.key, "w1", lease_seconds=60, attempt=1)
    assert pg.lease(item.key, owner="w2", lease_seconds=60, now=time.time() + LATER).posting


def retried_later(pg, item, end):
    end()
    pg.retry_later(item.key, "w1", 0.0, attempt=1)
    assert pg.lease(item.key, owner="w2", lease_seconds=60).attempts == 2   # its lease was given up


def completed(pg, item, end):
    end()
    assert pg.complete(item.key, failed=True, owner="w1", attempt=1)
    assert pg.inbox_counts() == {"pending": 0, "done": 0, "failed": 1}


def reopened(pg, item, end):
    assert pg.complete(item.key, owner="w1", attempt=1)
    end()
    assert pg.reopen(item.key)
    assert pg.inbox_counts() == {"pending": 0, "done": 0, "failed": 0} and pending(pg, item.key) is not None


def recorded_answered(pg, item, end):
    end()
    assert pg.record_answered(item.key)
    assert pg.inbox_counts() == {"pending": 0, "done": 1, "failed": 0}


def claimed(pg, item, end):
    end()
    assert pg.claim_for("walkstart:UMEMBER", 3.0)
    assert not pg.claim_for("walkstart:UMEMBER", 3.0)   # claimed once


INBOX_WRITES = [enqueued, leased, leased_expired, marked_posting, retried_later, completed, reopened,
                recorded_answered, claimed]


@pytest.mark.parametrize("write", INBOX_WRITES, ids=lambda write: write.__name__)
def test_an_inbox_write_whose_connection_ends_before_its_statement_runs_once_more(pg, ended_after_check, write):
    """Before: the inbox's writes were tried once, so a connection the server ended after the
    pool's check failed them where the reps' were run again: a member's message was answered
    from memory (no shared record of it), a settled one left to be taken over. Nothing of it
    reached the server: run once more on a fresh connection, it is done once."""
    write(pg, pending(pg), ended_after_check)


def test_an_inbox_write_ended_under_its_statement_runs_once_more(pg, pg_url):
    """The server ends the connection while the statement waits (here on a row lock another
    transaction holds): it was rolled back, so it runs again, and lands once."""
    item = pending(pg)
    done = []
    with psycopg.connect(pg_url) as holder:
        holder.execute("SELECT 1 FROM inbox WHERE key = %s FOR UPDATE", (item.key,))
        settling = threading.Thread(target=lambda: done.append(pg.complete(item.key, owner="w1", attempt=1)))
        settling.start()
        with psycopg.connect(pg_url, autocommit=True) as admin:
            for _ in range(100):
                waiting = admin.execute("SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                        "AND datname = current_database()").fetchall()
                if waiting:
                    break
                time.sleep(0.05)
            assert len(waiting) == 1
            admin.execute("SELECT pg_terminate_backend(%s, 5000)", waiting[0])
        time.sleep(0.2)   # the second try waits on the lock in its turn
        holder.commit()
        settling.join(10)
    assert done == [True] and pg.inbox_counts() == {"pending": 0, "done": 1, "failed": 0}


ENDS_AT_COMMIT = [   # each run of a write to the inbox counted (a sequence isn't rolled back), then ended
    "CREATE SEQUENCE commits",
    "CREATE FUNCTION end_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM nextval('commits'); "
    "PERFORM pg_terminate_backend(pg_backend_pid()); PERFORM pg_sleep(5); RETURN NULL; END $$",
    "CREATE CONSTRAINT TRIGGER end_at_commit AFTER INSERT OR UPDATE OR DELETE ON inbox "
    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION end_at_commit()"]


def test_an_inbox_write_whose_connection_ends_at_its_commit_says_so_and_is_not_run_again(pg, pg_url):
    """The server ends the connection as the write commits (a deferred trigger ends its own
    backend): it may have been made, so it is not run again, which could take a lease twice or
    settle a question as well as answer it. The caller is told the store is unsure (it was a
    psycopg AdminShutdown, as any outage), and decides (handlers/answering.py)."""
    item = pending(pg)
    with psycopg.connect(pg_url, autocommit=True) as admin:
        for statement in ENDS_AT_COMMIT:
            admin.execute(statement)
    writes = [lambda: pending(pg, "message:C1:2.2"), lambda: pg.complete(item.key, owner="w1", attempt=1),
              lambda: pg.record_answered("message:C1:3.3")]
    for write in writes:
        with pytest.raises(StoreUnsure) as unsure:
            write()
        assert store_outage(unsure.value) and "may or may not" in str(unsure.value)
    with psycopg.connect(pg_url, autocommit=True) as admin:
        assert admin.execute("SELECT last_value FROM commits").fetchone()[0] == len(writes)   # each ran once
        assert admin.execute("SELECT key, state FROM inbox").fetchall() == [(item.key, "pending")]   # rolled back


# --- ... the question log and votes ---------------------------------------------------------------------
def logged(pg, end):
    end()
    pg.log_question(via="dm", text="what is off-rolling", answered=True, entry_id="off-rolling", score=0.9)
    assert [(q.text, q.answered) for q in pg.questions()] == [("what is off-rolling", True)]


def voted(pg, end):
    end()
    pg.vote(message="C1:1.1", user="UMEMBER", entry_id="off-rolling", query="what is off-rolling", helpful=True)
    assert pg.votes() == [("off-rolling", True)]


@pytest.mark.parametrize("write", [logged, voted], ids=lambda write: write.__name__)
def test_a_question_logged_or_a_vote_whose_connection_ends_before_its_statement_runs_once_more(
        pg, ended_after_check, write):
    """Before: tried once, the question log's line was lost and a member's vote failed (the press
    was answered "Sorry, something went wrong"). Now each runs once more, and lands once."""
    write(pg, ended_after_check)


# --- ... walk-through places ------------------------------------------------------------------------------
def saved(pg, place, end):
    end()
    pg.save_walk_place("UMEMBER", "survey", 3, "workload")
    place = pg.walk_place("UMEMBER")
    assert (place.pack, place.position, place.entry_id) == ("survey", 3, "workload")


def read(pg, place, end):
    end()
    assert pg.walk_place("UMEMBER") == place


def moved(pg, place, end):
    end()
    assert pg.move_walk_place("UMEMBER", place, "survey", 2, "pay", now=place.at + 1)
    assert pg.walk_place("UMEMBER") == WalkPlace("UMEMBER", "survey", 2, place.at + 1, "pay")


def ended(pg, place, end):
    end()
    assert pg.end_walk("UMEMBER", was=place) and pg.walk_place("UMEMBER") is None


def stopped(pg, place, end):
    end()
    assert pg.end_walk("UMEMBER", pack="survey") and pg.walk_place("UMEMBER") is None


@pytest.mark.parametrize("step", [saved, read, moved, ended, stopped], ids=lambda step: step.__name__)
def test_a_walk_through_place_whose_connection_ends_before_its_statement_runs_once_more(
        pg, ended_after_check, step):
    """Before: tried once, a member's Next, Back, Skip or Stop (or the start) failed, answered
    "Sorry, something went wrong". Now each write (and the read before it) runs once more, and
    a move lands once: run twice, the second would find the place moved and return False."""
    pg.save_walk_place("UMEMBER", "survey", 1, "off-rolling", now=time.time())
    step(pg, pg.walk_place("UMEMBER"), ended_after_check)


# --- ... retention -----------------------------------------------------------------------------------------
def test_a_purge_whose_connection_ends_before_it_commits_runs_once_more(pg, ended_after_check):
    """Before: tried once, the hourly purge failed (and, in `report`, the command), leaving past
    their time the members' words and votes it is there to delete. Now it runs once more."""
    old = time.time() - 10 * 86400
    pg.log_question(via="dm", text="what is off-rolling", answered=False, now=old)
    pg.vote(message="C1:1.1", user="UMEMBER", entry_id="off-rolling", query="q", helpful=False, now=old)
    pg.save_walk_place("UMEMBER", "survey", 1, "off-rolling", now=old)
    pg.record_answered("message:C1:1.1", now=old)
    ended_after_check()
    assert pg.purge(retention_days=1) == 2
    assert (pg.questions(), pg.votes(), pg.walk_place("UMEMBER")) == ([], [], None)
    assert pg.inbox_counts() == {"pending": 0, "done": 0, "failed": 0}


def test_a_connection_cut_with_no_word_from_the_server_is_not_run_again(pg, monkeypatch, caplog):
    """Review: a connection broken with no SQLSTATE (a network cut) was said to be "running it
    again on a fresh one", but the first try had marked the store down, so the second failed at
    once; and the server may still hold the cut transaction and its locks. Not run again: the
    caller gets the outage, and the log says nothing of a second run."""
    import socket
    req = ask_a_rep(pg, "first")
    check = ConnectionPool.check_connection
    armed = [True]

    def check_then_cut(conn):
        check(conn)
        if armed:
            armed.clear()
            socket.socket(fileno=os.dup(conn.fileno())).shutdown(socket.SHUT_RDWR)
    monkeypatch.setattr(ConnectionPool, "check_connection", staticmethod(check_then_cut))
    with caplog.at_level(logging.WARNING), pytest.raises(psycopg.OperationalError) as failed:
        pg.request(req.id)
    assert failed.value.sqlstate is None and store_outage(failed.value)
    assert not any("running it again" in r.getMessage() for r in caplog.records)


def test_a_write_whose_connection_ends_at_its_commit_is_not_run_again(pg, pg_url):
    """Ended once COMMIT was sent, it may have been written: running it again could do it twice.
    The caller is told the store failed (an outage, not a bug), and it ran once."""
    ran = []

    def write_then_end(conn):
        ran.append(conn.execute("INSERT INTO questions(at, via, text, answered) VALUES (0, 'dm', 'x', false)"))
        with psycopg.connect(pg_url, autocommit=True) as admin:   # before COMMIT: then COMMIT fails
            admin.execute("SELECT pg_terminate_backend(%s, 5000)", (conn.info.backend_pid,))
    with pytest.raises(StoreError) as failed:
        pg._again(write_then_end)
    assert store_outage(failed.value) and "may or may not" in str(failed.value)
    assert len(ran) == 1 and pg.questions() == []   # (rolled back: the server had no COMMIT)


def test_the_server_ending_a_connection_is_an_outage_not_a_bug():
    assert store_outage(psycopg.errors.AdminShutdown("terminating connection due to administrator command"))
    assert store_outage(psycopg.errors.CrashShutdown("terminating connection because of crash of another"))
    assert not store_outage(psycopg.errors.QueryCanceled("canceling statement due to statement timeout"))


# --- what still fails reaches the rep as a message -------------------------------------------------------
class FailingStore:
    """An open request to read; every write fails with `error` (the server ended the connection
    twice running, it was ended at COMMIT, or the database is down)."""

    def __init__(self, error: Exception):
        self.error = error

    def request(self, request_id):
        return RepRequest(request_id, "will the big listen ask about parking", "UMEMBER", "Mo", "C1", "1.1", "open",
                          0.0)

    def close_request(self, *args, **kwargs):
        raise self.error

    def kept_answer(self, kept_id):
        raise self.error


@pytest.fixture
def rep_form(monkeypatch):
    """A rep's form submitted to a listener, on a FailingStore: what it acked and logged."""
    from handlers import rep_requests
    monkeypatch.setattr(rep_requests, "user_name", lambda *args: "Sam Rep")
    logger = logging.getLogger("test-rep-form")

    def submit(listener, error, values):
        acks = []
        guide = SimpleNamespace(store=FailingStore(error), reps=SimpleNamespace(is_rep=lambda user: True),
                                entry=lambda entry_id: object())
        view = {"private_metadata": json.dumps({"r": 7}), "state": {"values": values}}
        listener(ack=lambda **kw: acks.append(kw), body={"user": {"id": "UREP"}}, view=view, client=None,
                 context={"guide": guide}, logger=logger)
        return acks
    return submit


ANSWERED = {"answer": {"text": {"value": "No: parking isn't in it."}}}
COVERED = {"entry": {"rep_entry": {"selected_option": {"value": "off-rolling"}}}}


@pytest.mark.parametrize("error", [psycopg.errors.AdminShutdown("terminating connection due to administrator command"),
                                   PoolTimeout("couldn't get a connection after 5.00 sec"),
                                   StoreError("the write may or may not have been made")])
def test_a_reps_answer_the_store_cant_take_says_so_in_the_form(rep_form, caplog, error):
    """Before: the listener raised, Slack got no answer and showed its own "trouble connecting",
    and the log had a traceback for what is no bug."""
    from handlers.rep_requests import NOT_SAVED_STORE, handle_answer_submit, handle_covered_submit
    assert rep_form(handle_answer_submit, error, ANSWERED) == [
        {"response_action": "errors", "errors": {"answer": NOT_SAVED_STORE}}]
    assert rep_form(handle_covered_submit, error, COVERED) == [
        {"response_action": "errors", "errors": {"entry": NOT_SAVED_STORE}}]
    logged = [r for r in caplog.records if r.name == "test-rep-form"]
    assert len(logged) == 2 and not any(r.exc_info for r in logged)
    assert all("store is unreachable" in r.getMessage() for r in logged)


def test_a_bug_in_saving_a_reps_answer_keeps_its_traceback(rep_form, caplog):
    from handlers.rep_requests import NOT_SAVED, handle_answer_submit
    assert rep_form(handle_answer_submit, ValueError("a bug"), ANSWERED) == [
        {"response_action": "errors", "errors": {"answer": NOT_SAVED}}]
    assert [bool(r.exc_info) for r in caplog.records if r.name == "test-rep-form"] == [True]


def test_a_reps_button_the_store_cant_take_is_apologised_for_in_one_log_line(caplog):
    from bot.blocks import SORRY_TEXT
    from handlers.rep_requests import handle_kept_retire
    said = []
    guide = SimpleNamespace(store=FailingStore(psycopg.errors.AdminShutdown("terminating connection")),
                            reps=SimpleNamespace(is_rep=lambda user: True))
    handle_kept_retire(ack=lambda **kw: None, body={"user": {"id": "UREP"}, "actions": [{"value": '{"k": 3}'}]},
                       client=None, respond=lambda **kw: said.append(kw["text"]), context={"guide": guide},
                       logger=logging.getLogger("test-rep-form"))
    assert said == [SORRY_TEXT]
    logged = [r for r in caplog.records if r.name == "test-rep-form"]
    assert len(logged) == 1 and not logged[0].exc_info


class FailingAsks:
    """No request waiting; recording one fails with `error`."""

    def __init__(self, error: Exception):
        self.error = error

    def requests(self, states):
        return []

    def add_request(self, **kwargs):
        raise self.error


@pytest.mark.parametrize("error, said", [
    (StoreError("the database ended the connection as a write was committed"), "may not have been saved"),
    (psycopg.errors.AdminShutdown("terminating connection due to administrator command"), "may not have been saved"),
    (ValueError("a bug"), "couldn't be saved, so nothing was sent"),
])
def test_a_members_question_the_store_may_have_saved_is_not_said_unsent(error, said):
    """Review: "Send to reps" told the member "couldn't be saved, so nothing was sent" when the
    write ended as it was committed (it may be saved, and will reach the reps); sent again, the
    twin check finds it, so the reps still get it once."""
    from handlers.rep_requests import handle_confirm
    acks = []
    guide = SimpleNamespace(store=FailingAsks(error))
    view = {"private_metadata": json.dumps({"q": "will the big listen ask about parking", "n": "Mo"})}
    handle_confirm(ack=lambda **kw: acks.append(kw), body={"user": {"id": "UMEMBER"}}, view=view, client=None,
                   context={"guide": guide}, logger=logging.getLogger("test-confirm"))
    assert len(acks) == 1 and said in json.dumps(acks[0]["view"]), acks


ENDED_IN_THE_CLI = """
import psycopg
from bot.store_postgres_reps import RepStorePostgres
def requests(self, states=("open",)):   # the server ends the connection twice running
    raise psycopg.errors.AdminShutdown("terminating connection due to administrator command")
RepStorePostgres.requests = requests
"""


def test_a_reps_terminal_command_the_database_fails_says_so_in_one_line(tmp_path, pg, pg_url):
    """The round's PostgreSQL hunt: `queue` (or `answer`) with the database ending its connections
    printed psycopg's traceback to the rep's terminal; a store outage is one line, exit 1."""
    import yaml

    from conftest import ROOT, run_cli
    data = yaml.safe_load((ROOT / "app.yaml").read_text(encoding="utf-8"))
    data["packs"] = [str(ROOT / pack) for pack in data["packs"]]
    data["storage"] = {"url": "${DATABASE_URL}"}
    config = tmp_path / "app.yaml"
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(ENDED_IN_THE_CLI, encoding="utf-8")
    out = run_cli("--config", str(config), "queue", env={"DATABASE_URL": pg_url, "PYTHONPATH": str(site)})
    assert out.returncode == 1 and "Traceback" not in out.stderr, out.stderr
    assert out.stderr.startswith("error: the store's database failed (AdminShutdown)"), out.stderr
    assert "administrator command" in out.stderr and pg_url not in out.stderr
