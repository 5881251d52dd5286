"""Issue 9 in the SQLite store and the terminal: the migration from today's schema, no user ids
in kept answers, kept answers' matching and review, `python -m bot queue` / `answer`. The
promises every backend keeps are in tests/test_rep_store_contract.py."""
from __future__ import annotations

import shutil
import sqlite3
import time

import pytest
import yaml

from bot.config import RepSettings
from bot.kept import best_kept, is_live, needs_review, score
from bot.store import KeptAnswer
from bot.store_sqlite import MIGRATIONS, SQLiteStore
from conftest import ROOT, run_cli

V5_FILE = ROOT / "tests" / "data" / "store-v5-main.sqlite3"   # written by main at eaa2ee3 (schema 5)
DAY = 86400


def new_request(store, question="will the big listen ask about staff car parking", **kw):
    return store.add_request(question=question, asker=kw.pop("asker", "UMEMBER"), asker_name="Mo Member",
                             channel=kw.pop("channel", "C1"), thread_ts=kw.pop("thread_ts", "1.1"), **kw)


def test_todays_schema_migrates_in_place_keeping_its_rows(tmp_path):
    path = tmp_path / "bot.sqlite3"
    shutil.copy(V5_FILE, path)
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == 5
    store = SQLiteStore(path)
    assert store.schema_version == len(MIGRATIONS) == 7   # 6: Ask a rep, 7: the walk-through
    assert [q.text for q in store.questions()] == ["written by main"]
    assert store.votes() == [("off-rolling", False)]
    assert [p.entry_id for p in store.pins()] == ["off-rolling"]
    assert store.inbox_counts()["pending"] == 1
    req = new_request(store)
    assert store.request(req.id).question.startswith("will the big listen")
    assert store.kept_answers() == []
    store.save_walk_place("U1", "big-listen", 2)
    assert store.walk_place("U1").position == 2


def test_the_member_is_forgotten_once_told_and_kept_answers_hold_no_user_ids(tmp_path):
    store = SQLiteStore(tmp_path / "bot.sqlite3")
    req = new_request(store)
    assert store.claim_request(req.id, owner="a", lease_seconds=60) is not None   # to post it
    assert store.claim_request(req.id, owner="b", lease_seconds=60) is None       # leased
    store.set_request_message(req.id, "CREPS", "9.9")
    assert store.pending_requests() == []
    store.close_request(req.id, state="answered", rep="UREP", rep_name="Sam Rep", answer="No.", keep=True)
    claimed = store.claim_request(req.id, owner="a", lease_seconds=60)
    assert (claimed.asker, claimed.channel, claimed.thread_ts) == ("UMEMBER", "C1", "1.1")
    store.mark_delivered(req.id)
    told = store.request(req.id)
    assert (told.asker, told.asker_name, told.channel, told.thread_ts) == ("", "", "", "")
    assert store.pending_requests() == []
    columns = [r[1] for r in store.connection().execute("PRAGMA table_info(kept_answers)")]
    assert not {"rep", "user", "asker", "channel"} & set(columns)
    dump = "\n".join(store.connection().iterdump())
    assert "UMEMBER" not in dump


def test_review_and_grace_period():
    settings = RepSettings(review_days=90, review_grace_days=14)
    now = 1_800_000_000.0
    fresh = KeptAnswer(1, "q", "a", None, "Sam", now - DAY, now - DAY)
    due = KeptAnswer(2, "q", "a", None, "Sam", now - 95 * DAY, now - 95 * DAY)
    gone = KeptAnswer(3, "q", "a", None, "Sam", now - 105 * DAY, now - 105 * DAY)
    retired = KeptAnswer(4, "q", "a", None, "Sam", now, now, retired_at=now)
    assert [needs_review(k, settings, now) for k in (fresh, due, gone, retired)] == [False, True, True, False]
    assert [is_live(k, settings, now) for k in (fresh, due, gone, retired)] == [True, True, False, False]


def test_a_kept_answer_matches_similar_questions_only(index):
    settings = RepSettings()
    kept = KeptAnswer(1, "will the big listen ask about staff car parking",
                      "No: the survey has no question on car parking.", None, "Sam Rep", time.time(), time.time())
    assert score(index, "does the big listen survey cover car parking for staff", kept) >= 0.8
    assert best_kept(index, "does the big listen survey cover car parking for staff", [kept], settings,
                     threshold=index.answer_threshold, rival=0.25).kept is kept
    for unrelated in ("should safeguarding be a separate judgement", "will the big listen ask about workload"):
        assert best_kept(index, unrelated, [kept], settings, threshold=index.answer_threshold) is None
    # a stronger pack match wins
    assert best_kept(index, "staff car parking", [kept], settings, threshold=index.answer_threshold,
                     rival=0.99) is None


@pytest.fixture
def cli_config(tmp_path):
    data = yaml.safe_load((ROOT / "app.yaml").read_text(encoding="utf-8"))
    data["packs"] = [str(ROOT / pack) for pack in data["packs"]]
    data["storage"]["path"] = str(tmp_path / "bot.sqlite3")
    path = tmp_path / "app.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_queue_and_answer_in_the_terminal(cli_config, tmp_path):
    store = SQLiteStore(tmp_path / "bot.sqlite3")
    req = new_request(store)
    store.connection().execute("UPDATE rep_requests SET created_at = ? WHERE id = ?", (time.time() - 5 * 3600, req.id))
    out = run_cli("--config", str(cli_config), "queue")
    assert out.returncode == 0, out.stderr
    assert f"#{req.id} · 5 h old · Mo Member (not yet in the reps' channel): will the big listen" in out.stdout

    out = run_cli("--config", str(cli_config), "answer", str(req.id), "No: there is no question on parking.",
                  "--rep-name", "Pat Admin", "--keep")
    assert out.returncode == 0, out.stderr
    assert "Answered by Pat Admin" in out.stdout and "kept as answer #1" in out.stdout
    done = store.request(req.id)
    assert (done.state, done.answer, done.rep_name, done.kept_id) == ("answered", "No: there is no question on "
                                                                       "parking.", "Pat Admin", 1)
    assert store.pending_requests() == [req.id]      # the serving bot tells the member
    assert "No open requests" in run_cli("--config", str(cli_config), "queue").stdout

    again = run_cli("--config", str(cli_config), "answer", str(req.id), "twice", "--rep-name", "Pat Admin")
    assert again.returncode == 1 and "settled already: Answered by Pat Admin" in again.stderr
    missing = run_cli("--config", str(cli_config), "answer", "999", "x", "--rep-name", "Pat Admin")
    assert missing.returncode == 1 and "no request #999" in missing.stderr
    other = new_request(store)
    bad = run_cli("--config", str(cli_config), "answer", str(other.id), "--covered", "no-such-entry",
                  "--rep-name", "Pat Admin")
    assert bad.returncode == 2 and "no entry 'no-such-entry'" in bad.stderr
    covered = run_cli("--config", str(cli_config), "answer", str(other.id), "--covered", "off-rolling",
                      "--rep-name", "Pat Admin")
    assert covered.returncode == 0 and store.request(other.id).entry_id == "off-rolling"
