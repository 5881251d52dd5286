"""The SQLite store on a real file: migrations, dedupe, votes, restarts, two writers, kills."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
import time

from bot.store import STALE_CLAIM, Pin
from bot.store_sqlite import MIGRATIONS
from bot.store_sqlite import SQLiteStore as Store
from conftest import ROOT


def test_schema_is_migrated_and_versioned(tmp_path):
    store = Store(tmp_path / "bot.sqlite3")
    assert store.schema_version == len(MIGRATIONS)
    assert store.connection().execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert Store(tmp_path / "bot.sqlite3").schema_version == len(MIGRATIONS)  # reopening is a no-op


def test_an_old_database_is_migrated_without_losing_rows(tmp_path):
    """A version-1 file (questions had a channel column) upgrades in place at start-up."""
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(MIGRATIONS[0] + "; PRAGMA user_version = 1;")
    conn.execute("INSERT INTO questions(at, via, channel, text, answered) VALUES (1.0, 'dm', 'C1', 'old q', 0)")
    conn.commit()
    conn.close()
    store = Store(path)
    assert store.schema_version == len(MIGRATIONS)
    assert [q.text for q in store.questions()] == ["old q"]
    columns = [row[1] for row in store.connection().execute("PRAGMA table_info(questions)")]
    assert "channel" not in columns


def test_in_memory_databases_are_refused():
    """Each thread would get its own empty database: refuse rather than lose writes."""
    import pytest
    with pytest.raises(ValueError, match="file path"):
        Store(":memory:")


def test_claims_dedupe_and_expire(tmp_path):
    store = Store(tmp_path / "bot.sqlite3")
    assert store.claim("event:Ev1")
    assert not store.claim("event:Ev1")                     # a retry while answering
    store.finish("event:Ev1")
    assert not store.claim("event:Ev1", now=time.time() + 10 * STALE_CLAIM)  # answered: never again
    assert store.claim("event:Ev2")
    assert store.claim("event:Ev2", now=time.time() + STALE_CLAIM + 1)  # the first handler died
    store.release("event:Ev2")
    assert store.claim("event:Ev2")                         # released after a failure: retry answers


def test_votes_one_per_member_per_answer(tmp_path):
    store = Store(tmp_path / "bot.sqlite3")
    store.vote(message="C1:1.1", user="U1", entry_id="off-rolling", query="q", helpful=True)
    store.vote(message="C1:1.1", user="U1", entry_id="off-rolling", query="q", helpful=False)
    store.vote(message="C1:1.1", user="U2", entry_id="off-rolling", query="q", helpful=False)
    assert sorted(store.votes()) == [("off-rolling", False), ("off-rolling", False)]


def test_retention_deletes_old_questions_but_keeps_pins(tmp_path):
    store = Store(tmp_path / "bot.sqlite3")
    old = time.time() - 200 * 86400
    store.log_question(via="dm", text="old", answered=False, now=old)
    store.log_question(via="dm", text="new", answered=True, entry_id="x", score=0.5)
    store.add_pin(Pin("C1", "1.1", "off-rolling", None, "q", "UREP", "Rep", old, ""))
    assert store.purge(180) == 1
    assert [q.text for q in store.questions()] == ["new"]
    assert len(store.pins()) == 1


def test_survives_restart(tmp_path):
    path = tmp_path / "bot.sqlite3"
    Store(path).log_question(via="dm", text="before restart", answered=False)
    code = f"from bot.store_sqlite import SQLiteStore as Store; print(Store({str(path)!r}).questions()[0].text)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip() == "before restart", out.stderr


WRITER = """
import sys
from bot.store_sqlite import SQLiteStore as Store
store = Store(sys.argv[1])
for i in range(int(sys.argv[3])):
    store.log_question(via=sys.argv[2], text=f"{sys.argv[2]} {i}", answered=False)
    store.claim(f"event:{sys.argv[2]}:{i}")
"""


def test_two_writers_at_once_lose_nothing(tmp_path):
    path = str(tmp_path / "bot.sqlite3")
    Store(path)
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, path, name, "300"], cwd=ROOT) for name in ("a", "b")]
    assert all(p.wait(timeout=60) == 0 for p in procs)
    texts = [q.text for q in Store(path).questions()]
    assert len(texts) == 600 and len(set(texts)) == 600
    assert sum(t.startswith("a ") for t in texts) == 300


def test_killed_mid_write_keeps_every_committed_row(tmp_path):
    path = str(tmp_path / "bot.sqlite3")
    Store(path)
    proc = subprocess.Popen([sys.executable, "-c", WRITER, path, "k", "1000000"], cwd=ROOT)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            n = sqlite3.connect(path, timeout=10).execute("SELECT COUNT(*) FROM questions").fetchone()[0]
        except sqlite3.OperationalError:
            n = 0
        if n > 200:
            break
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    store = Store(path)
    assert store.connection().execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    texts = [q.text for q in store.questions()]
    numbers = sorted(int(t.split()[1]) for t in texts)
    assert numbers == list(range(len(numbers)))   # no gaps, no duplicates, no half rows
    assert len(numbers) > 200


def test_open_store_picks_the_sqlite_backend_for_a_path(tmp_path):
    import pytest

    from bot.store import Store as Interface
    from bot.store import open_store
    store = open_store(tmp_path / "bot.sqlite3")
    assert isinstance(store, Interface) and isinstance(store, Store)
    with pytest.raises(TypeError):
        Interface()   # the interface alone stores nothing
