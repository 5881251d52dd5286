"""The store's promises for "Ask a rep" (issue 9), on both backends: a real SQLite file and a
real PostgreSQL server. One of many concurrent answers wins; leases; the member forgotten."""
from __future__ import annotations

import threading

from test_store_contract import finish_all, run_python


def new_request(store, question="will the big listen ask about staff car parking"):
    return store.add_request(question=question, asker="UMEMBER", asker_name="Mo Member", channel="C1",
                             thread_ts="1.1")


def test_requests_open_and_close_once(store):
    assert store.open_request_count() == 0
    req = new_request(store)
    assert [r.id for r in store.requests()] == [req.id] and store.open_request_count() == 1
    won, barrier = [], threading.Barrier(6)

    def answer(i):
        barrier.wait()
        got = store.close_request(req.id, state="answered", rep=f"UREP{i}", rep_name=f"Rep {i}",
                                  answer=f"answer {i}", keep=True)
        if got:
            won.append(got)

    threads = [threading.Thread(target=answer, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1 and won[0].kept_id is not None
    (kept,) = store.kept_answers()
    assert (kept.answer, kept.rep_name, kept.question) == (won[0].answer, won[0].rep_name, req.question)
    assert store.requests() == [] and store.close_request(req.id, state="outside", rep="U", rep_name="R") is None
    assert store.open_request_count() == 0   # (the metrics' gauge)


CLOSER = """
import sys
from bot.store import open_store
got = open_store(sys.argv[1]).close_request(int(sys.argv[2]), state="answered", rep="U", rep_name=sys.argv[3],
                                            answer="a", keep=True)
print("won" if got else "lost")
"""


def test_instances_answering_at_once_produce_one_answer(location, opener):
    store = opener(location)
    req = new_request(store)
    outs = finish_all([run_python(CLOSER, location, str(req.id), f"Rep {i}") for i in range(4)])
    assert sorted(o.strip() for o in outs) == ["lost", "lost", "lost", "won"]
    assert len(store.kept_answers()) == 1


def test_slack_work_is_leased_and_the_member_forgotten_once_told(store):
    req = new_request(store)
    assert store.pending_requests() == [req.id]
    assert store.claim_request(req.id, owner="a", lease_seconds=60) is not None
    assert store.claim_request(req.id, owner="b", lease_seconds=60) is None and store.pending_requests() == []
    store.release_request(req.id, "b")                       # not b's lease: nothing changes
    assert store.pending_requests() == []
    store.release_request(req.id, "a")
    assert store.pending_requests() == [req.id]
    store.set_request_message(req.id, "CREPS", "9.9")
    assert store.pending_requests() == [] and store.request(req.id).reps_ts == "9.9"
    store.close_request(req.id, state="covered", rep="UREP", rep_name="Sam Rep", entry_id="off-rolling")
    claimed = store.claim_request(req.id, owner="a", lease_seconds=60)
    assert (claimed.asker, claimed.asker_name, claimed.channel, claimed.thread_ts) == ("UMEMBER", "Mo Member", "C1",
                                                                                       "1.1")
    store.mark_delivered(req.id)
    told = store.request(req.id)
    assert (told.asker, told.asker_name, told.channel, told.thread_ts, told.state) == ("", "", "", "", "covered")
    assert told.delivered_at is not None and store.pending_requests() == []


def test_withdrawn_escalated_and_kept_answer_lifecycle(store):
    gone = new_request(store)
    closed = store.close_request(gone.id, state="withdrawn", rep="", rep_name="")
    assert (closed.state, closed.question, closed.asker) == ("withdrawn", "", "")
    assert store.pending_requests() == []
    waiting = new_request(store, "another")
    assert store.mark_escalated(waiting.id) and not store.mark_escalated(waiting.id)
    store.close_request(waiting.id, state="answered", rep="U", rep_name="Sam", answer="Yes.", keep=True,
                        kept_question="Another, as the rep put it")
    (kept,) = store.kept_answers()
    assert kept.question == "Another, as the rep put it"
    assert store.flag_kept(kept.id) and not store.flag_kept(kept.id)
    assert store.edit_kept(kept.id, "Yes, still.", rep_name="Gail", now=kept.confirmed_at + 10)
    edited = store.kept_answer(kept.id)
    assert (edited.answer, edited.rep_name, edited.flagged_at) == ("Yes, still.", "Gail", None)
    assert edited.question == "Another, as the rep put it"   # no question given: it stays
    assert store.edit_kept(kept.id, "Yes, still.", rep_name="Gail", question="Another, without the name",
                           now=edited.confirmed_at)
    edited = store.kept_answer(kept.id)   # round 14: a name spotted later can be taken out, not only retired
    assert edited.question == "Another, without the name"
    # the words' date moves with an edit (another rep's words now) and stays with a re-confirming (round 28)
    assert edited.answered_at == edited.confirmed_at == kept.confirmed_at + 10
    assert store.confirm_kept(kept.id, now=edited.confirmed_at + 10)
    confirmed = store.kept_answer(kept.id)
    assert (confirmed.answered_at, confirmed.confirmed_at) == (edited.answered_at, edited.confirmed_at + 10)
    assert store.retire_kept(kept.id) and not store.retire_kept(kept.id)
    assert store.kept_answers() == [] and len(store.kept_answers(include_retired=True)) == 1
    assert not store.edit_kept(kept.id, "x", rep_name="R") and not store.confirm_kept(kept.id)


def test_migrate_store_copies_requests_and_kept_answers_with_their_numbers(tmp_path, pg_url):
    from bot.migrate_store import migrate
    from bot.store_postgres import PostgresStore
    from bot.store_sqlite import SQLiteStore

    old = SQLiteStore(tmp_path / "bot.sqlite3")
    answered = new_request(old)
    old.close_request(answered.id, state="answered", rep="UREP", rep_name="Sam", answer="No.", keep=True)
    old.set_request_message(answered.id, "CREPS", "9.8")     # its message not yet rewritten
    waiting = new_request(old, "still waiting")
    old.set_request_message(waiting.id, "CREPS", "9.9")
    target = PostgresStore(pg_url)
    try:
        copied = {c.table: (c.source, c.target) for c in migrate(old, target)}
        assert copied["rep_requests"] == (2, 2) and copied["kept_answers"] == (1, 1)
        assert target.request(waiting.id) == old.request(waiting.id)
        assert target.kept_answers() == old.kept_answers()
        assert target.request(answered.id).kept_id == old.kept_answers()[0].id
        assert [r.id for r in target.rewrites_due(now=10**12)] == [answered.id]
        later = new_request(target, "asked after the move")           # numbering carries on
        assert later.id == waiting.id + 1
    finally:
        target.close()


def test_a_settled_requests_message_stays_due_until_it_is_rewritten(store):
    """The reps' message of a settled or withdrawn request must lose its buttons (and, withdrawn,
    the member's name and words): due from the close, so a crash or a failed chat.update leaves
    it for the chores, until the rewrite is recorded."""
    from bot.store import REWRITE_GRACE

    posted = new_request(store)
    store.set_request_message(posted.id, "CREPS", "9.9")
    unposted = new_request(store, "withdrawn before it reached the reps")
    store.close_request(posted.id, state="withdrawn", rep="", rep_name="", now=1000.0)
    store.close_request(unposted.id, state="withdrawn", rep="", rep_name="", now=1000.0)
    assert store.rewrites_due(now=1000.0) == []                    # the closer rewrites it at once ...
    (due,) = store.rewrites_due(now=1000.0 + REWRITE_GRACE)        # ... or the chores, after a crash
    assert (due.id, due.reps_ts, due.state, due.question) == (posted.id, "9.9", "withdrawn", "")
    store.retry_rewrite(posted.id, now=1001.0)                      # chat.update failed: due at once
    assert [r.id for r in store.rewrites_due(now=1001.0)] == [posted.id]
    store.message_rewritten(posted.id)
    assert store.rewrites_due(now=10**12) == []
    waiting = new_request(store, "still open")
    store.set_request_message(waiting.id, "CREPS", "9.8")
    store.retry_rewrite(waiting.id, now=1002.0)                     # an open request's message stays as it is
    assert store.rewrites_due(now=10**12) == []


def test_rewrites_failing_again_go_behind_the_others(store):
    first, second = new_request(store, "one"), new_request(store, "two")
    for req in (first, second):
        store.set_request_message(req.id, "CREPS", f"9.{req.id}")
        store.close_request(req.id, state="outside", rep="U", rep_name="Sam", now=1000.0)
    assert [r.id for r in store.rewrites_due(now=10**6)] == [first.id, second.id]
    store.retry_rewrite(first.id, now=2000.0)
    assert [r.id for r in store.rewrites_due(now=10**6)] == [second.id, first.id]
    assert [r.id for r in store.rewrites_due(limit=1, now=10**6)] == [second.id]


def test_a_reminder_or_review_claim_is_given_back_by_its_claimer_only(store):
    """mark_escalated / flag_kept are the claim between workers (one reminder, one review
    notice); a post that failed gives its claim back, so a later chores round tries again."""
    waiting = new_request(store)
    assert store.mark_escalated(waiting.id, now=1000.0)
    store.release_escalation(waiting.id, 999.0)                 # not that claim: nothing changes
    assert not store.mark_escalated(waiting.id, now=1001.0)
    store.release_escalation(waiting.id, 1000.0)
    assert store.request(waiting.id).escalated_at is None
    assert store.mark_escalated(waiting.id, now=1002.0) and not store.mark_escalated(waiting.id, now=1003.0)
    store.close_request(waiting.id, state="answered", rep="U", rep_name="Sam", answer="Yes.", keep=True,
                        kept_question="Another")
    (kept,) = store.kept_answers()
    assert store.flag_kept(kept.id, now=1000.0)
    store.release_kept_flag(kept.id, 999.0)
    assert not store.flag_kept(kept.id, now=1001.0)
    store.release_kept_flag(kept.id, 1000.0)
    assert store.kept_answer(kept.id).flagged_at is None
    assert store.flag_kept(kept.id, now=1002.0) and not store.flag_kept(kept.id, now=1003.0)


def test_pending_work_that_failed_goes_behind_the_rest(store):
    """pending_requests is least recently tried first: requests whose post keeps failing
    (the bot not in the reps' channel) can't hold every chores round's batch."""
    first, second = new_request(store, "one"), new_request(store, "two")
    assert store.pending_requests(now=1000.0) == [first.id, second.id]
    assert store.claim_request(first.id, owner="a", lease_seconds=60, now=1000.0) is not None
    store.release_request(first.id, "a")                      # Slack refused the post
    assert store.pending_requests(now=1001.0) == [second.id, first.id]
    assert store.claim_request(second.id, owner="a", lease_seconds=60, now=1002.0) is not None
    store.release_request(second.id, "a")
    assert store.pending_requests(now=1003.0) == [first.id, second.id]


def test_kept_answers_kept_at_the_same_moment_are_newest_first_on_both_backends(store):
    """Kept answers are newest first; two kept at the same moment (one `now`, or a coarse clock)
    came oldest first from SQLite and newest first from PostgreSQL (which broke ties by id)."""
    for i in range(3):
        request = store.add_request(question=f"q{i}", asker="U1", asker_name="Ann", channel="C1", thread_ts="1.1",
                                    now=5.0)
        store.close_request(request.id, state="answered", rep="UR", rep_name="Rep", answer=f"a{i}", keep=True,
                            now=10.0)
    assert [k.answer for k in store.kept_answers()] == ["a2", "a1", "a0"]
