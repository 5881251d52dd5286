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
    assert store.schema_version == len(MIGRATIONS) == 10   # 6: Ask a rep, 7: the walk-through, 8-9: its retries,
    # 10: the walk-through place names its question
    assert [q.text for q in store.questions()] == ["written by main"]
    assert store.votes() == [("off-rolling", False)]
    assert [p.entry_id for p in store.pins()] == ["off-rolling"]
    assert store.inbox_counts()["pending"] == 1
    req = new_request(store)
    assert store.request(req.id).question.startswith("will the big listen")
    assert store.kept_answers() == []
    store.save_walk_place("U1", "big-listen", 2, "safeguarding-judgement")
    assert (store.walk_place("U1").position, store.walk_place("U1").entry_id) == (2, "safeguarding-judgement")


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
    assert out.returncode == 2 and "--keep needs --kept-question" in out.stderr
    assert store.request(req.id).state == "open"
    out = run_cli("--config", str(cli_config), "answer", str(req.id), "No: there is no question on parking.",
                  "--rep-name", "Pat Admin", "--keep", "--kept-question", "Does the Big Listen ask about parking?")
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


def test_what_reps_settled_becomes_an_asks_file_the_pack_loads(cli_config, tmp_path):
    import datetime

    from bot.knowledge import load_pack
    from bot.store import Pin

    store = SQLiteStore(tmp_path / "bot.sqlite3")
    pack = load_pack(ROOT / "knowledge" / "big-listen")
    known = pack.asks.of("off-rolling")[0]
    other_known = pack.asks.of("off-rolling")[1]

    def settle(question, state, entry_id=None):
        req = new_request(store, question=question)
        store.close_request(req.id, state=state, rep="UREP", rep_name="Sam Rep", entry_id=entry_id,
                            answer="Our own words." if state == "answered" else "")

    # stored as the bot read it (no Slack markup: bot/blocks.py's button_value); only whitespace is tidied
    settle("a lad in 9X was 'encouraged' to go home-ed\n\nwhere does that go? 🙃", "covered", "off-rolling")
    settle(known, "covered", "off-rolling")                              # already an ask: left out
    settle(other_known, "covered", "deep-dives")                         # an ask under another label: a conflict
    settle("can I claim mileage for a course?", "outside")
    settle("is the 2025 framework out yet", "answered")                  # a rep's own words: kept answers serve it
    settle("gone", "withdrawn")
    settle("how heavy is the marking policy", "covered", "workload-marking")   # an entry this pack doesn't have
    store.add_pin(Pin("C1", "5.5", "deep-dives", None, "what even is a deep dive &amp; why me", "UREP", "Sam Rep",
                      time.time(), ""))

    out = run_cli("--config", str(cli_config), "asks-from-reps")
    assert out.returncode == 0, out.stderr
    assert "requests covered by an entry: 3; answers pinned by a rep: 1 (asks for their entries)" in out.stdout
    assert "requests outside the guidance: 1 (not-covered messages)" in out.stdout
    assert "left out: 1 already among the pack's asks, 1 for entries this pack doesn't have" in out.stdout
    assert f"#   {other_known!r}: off-rolling in the pack, deep-dives by a rep" in out.stdout
    for private in ("UMEMBER", "Mo Member", "UREP", "Sam Rep"):
        assert private not in out.stdout
    learned = yaml.safe_load(out.stdout)
    assert learned == {"off-rolling": ["a lad in 9X was 'encouraged' to go home-ed where does that go? 🙃"],
                       "deep-dives": ["what even is a deep dive &amp; why me"],
                       "not-covered": ["can I claim mileage for a course?"]}
    ids = [e.id for e in pack.entries]
    assert list(learned)[:2] == sorted(("off-rolling", "deep-dives"), key=ids.index)   # the pack's order

    folder = tmp_path / "big-listen"
    shutil.copytree(ROOT / "knowledge" / "big-listen", folder)
    (folder / "asks-reps-2026-11-27.yaml").write_text(out.stdout, encoding="utf-8")
    taught = load_pack(folder)
    new = "a lad in 9X was 'encouraged' to go home-ed where does that go? 🙃"
    assert new in taught.asks.of("off-rolling") and new not in pack.asks.of("off-rolling")
    assert "can I claim mileage for a course?" in set(taught.asks.not_covered) - set(pack.asks.not_covered)
    assert other_known not in taught.asks.of("deep-dives")
    assert run_cli("validate", str(folder)).returncode == 0

    tomorrow = (datetime.date.today() + datetime.timedelta(days=1)).isoformat()
    later = run_cli("--config", str(cli_config), "asks-from-reps", "--since", tomorrow)
    assert later.returncode == 0 and f"settled or pinned since {tomorrow}" in later.stdout
    assert yaml.safe_load(later.stdout) is None and "requests covered by an entry: 0;" in later.stdout
    bad_day = run_cli("--config", str(cli_config), "asks-from-reps", "--since", "27/11/2026")
    assert bad_day.returncode == 2 and "is not a day like" in bad_day.stderr
    other = run_cli("--config", str(cli_config), "asks-from-reps", "--pack", "no-such-pack")
    assert other.returncode == 2 and "no pack 'no-such-pack' (packs: big-listen)" in other.stderr


def test_nothing_settled_makes_an_asks_file_with_nothing_in_it(cli_config, tmp_path):
    SQLiteStore(tmp_path / "bot.sqlite3")   # as serve leaves it (no store at all is refused: test_ops)
    out = run_cli("--config", str(cli_config), "asks-from-reps")
    assert out.returncode == 0, out.stderr
    assert "Nothing new to add." in out.stdout and yaml.safe_load(out.stdout) is None


def test_a_question_withdrawn_while_its_post_was_on_the_way_is_shown_withdrawn(tmp_path):
    """Withdraw is offered before the question reaches the reps' channel: if the member presses it
    while the post is in flight, the post lands after the withdrawal had nothing to update, so
    it must be updated then (the member's words and name off the reps' channel)."""
    import json
    import logging
    from types import SimpleNamespace

    from handlers.rep_requests import RepDesk

    store = SQLiteStore(tmp_path / "bot.sqlite3")
    req = new_request(store, "will the big listen ask about Mrs Patel's parking")
    claimed = store.claim_request(req.id, owner="me", lease_seconds=60)
    updates = []

    class Client:
        def chat_postMessage(self, **_):
            store.close_request(req.id, state="withdrawn", rep="", rep_name="")   # meanwhile, the member
            return {"channel": "CREPS", "ts": "9.9"}

        def chat_update(self, **kw):
            updates.append(kw)

        def conversations_history(self, **_):   # looking for an earlier post first: there is none
            return {"messages": []}

    guide = SimpleNamespace(store=store, config=SimpleNamespace(reps=SimpleNamespace(channel="CREPS")))
    assert RepDesk(guide, Client(), logging.getLogger("test"), "me").post_request(claimed) == "posted"
    (update,) = updates
    assert (update["channel"], update["ts"]) == ("CREPS", "9.9")
    shown = json.dumps(update["blocks"]) + update["text"]
    assert "withdrawn" in shown.lower() and "Patel" not in shown and req.asker_name not in shown


def test_the_terminal_never_gets_a_members_escape_sequences(cli_config, tmp_path):
    """Hunt (the command line): a member's message holding ESC sequences (sent through Slack's API,
    which passes them on) was printed raw by `queue` and `report` in the rep's terminal: colours,
    a cleared screen, a retitled window, an OSC 52 write to the clipboard. They are shown as �."""
    store = SQLiteStore(tmp_path / "bot.sqlite3")
    sneaky = "is \x1b[31mpay\x1b[0m covered\x1b]52;c;cm0gLXJmIH4=\x07\x9b2J"
    new_request(store, question=sneaky)
    store.connection().execute("UPDATE rep_requests SET asker_name = ?", ("Mo\x1b[2J Member",))
    for _ in range(2):
        store.log_question(via="dm", text=sneaky, answered=False)
    for command in ("queue", "report"):
        out = run_cli("--config", str(cli_config), command)
        assert out.returncode == 0, out.stderr
        assert not any(c in out.stdout for c in "\x1b\x07\x9b"), (command, out.stdout)
        assert "is �[31mpay�[0m covered�]52;c;cm0gLXJmIH4=��2J" in out.stdout, (command, out.stdout)
    assert "Mo�[2J Member" in run_cli("--config", str(cli_config), "queue").stdout



def test_answer_refuses_a_blank_rep_name_and_a_request_number_out_of_range(cli_config, tmp_path):
    """Hunt (the command line): `--rep-name "$REP"` with REP unset or blank settled the request, and
    the member read "Answered by     on ..."; a request number too large for the store was an
    OverflowError traceback."""
    store = SQLiteStore(tmp_path / "bot.sqlite3")
    req = new_request(store)
    for name in ("   ", ""):
        out = run_cli("--config", str(cli_config), "answer", str(req.id), "No.", "--rep-name", name)
        assert out.returncode == 2 and "--rep-name is blank" in out.stderr, out.stderr
    assert store.request(req.id).state == "open"
    for number in ("99999999999999999999999", "0", "-1"):
        out = run_cli("--config", str(cli_config), "answer", "--rep-name", "Pat", "--", number, "No.")
        assert out.returncode == 2 and "Traceback" not in out.stderr, out.stderr
        assert f"argument id: not a request number (as `queue` lists them): {number!r}" in out.stderr, out.stderr
    out = run_cli("--config", str(cli_config), "answer", str(req.id), "No.", "--rep-name", "  Pat Admin ")
    assert out.returncode == 0 and store.request(req.id).rep_name == "Pat Admin", out.stderr
