"""`python -m bot backup FILE`: a consistent copy of the SQLite store while a writer writes, one
file readable by its owner only, which the bot opens as its store; never an existing file
replaced; PostgreSQL and a missing store said in one line. Real CLI, real SQLite files."""
from __future__ import annotations

import gc
import sqlite3
import stat
import subprocess
import sys
import textwrap

import pytest
import yaml

from bot.store import Pin
from bot.store_sqlite import SQLiteStore
from conftest import ROOT, run_cli


def _config(tmp_path, storage: dict) -> str:
    data = yaml.safe_load((ROOT / "app.yaml").read_text(encoding="utf-8"))
    data["packs"] = [str(ROOT / pack) for pack in data["packs"]]
    data["storage"] = storage
    path = tmp_path / "app.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return str(path)


WRITER = textwrap.dedent("""
    import sys, time
    from bot.store_sqlite import SQLiteStore
    store = SQLiteStore(sys.argv[1])
    print("ready", flush=True)
    for i in range(100000):
        store.log_question(via="dm", text=f"question {i}", answered=True, entry_id="off-rolling", score=0.9)
""")


def test_a_backup_taken_while_the_bot_writes_is_whole_and_opens_as_a_store(tmp_path):
    """The bot told an admin with a damaged store to "restore it from a backup" and had no way to
    make one: `cp` of a store being written copies half a write and leaves out its -wal."""
    db = tmp_path / "bot.sqlite3"
    store = SQLiteStore(db)
    store.add_pin(Pin(channel="C1", message_ts="1.1", entry_id="off-rolling", statement=None, question="q",
                      rep="U1", rep_name="Rep", at=1.0, permalink=""))
    store.add_request(question="who do I ask?", asker="U2", asker_name="Member", channel="D2", thread_ts="2.2")
    config = _config(tmp_path, {"path": str(db)})
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(db)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "ready"
        while not store.questions():   # the writer is writing
            pass
        out = run_cli("--config", config, "backup", str(tmp_path / "copy.sqlite3"))
    finally:
        writer.kill()
        writer.wait()
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    copy = tmp_path / "copy.sqlite3"
    assert lines[0] == f"backed up {db} to {copy} (readable by you only: it holds members' questions)"
    counts = dict(line.split(": ") for line in lines[1:])
    assert counts["pins"] == "1" and counts["rep_requests"] == "1"
    copied = int(counts["questions"])
    assert 0 < copied <= len(store.questions())   # a moment of the writing, whole
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(("copy", ".copy"))) == ["copy.sqlite3"]
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"   # one file
        assert [r[0] for r in conn.execute("SELECT text FROM questions ORDER BY rowid")] == [
            f"question {i}" for i in range(copied)]   # every row up to a moment, none missing
    restored = SQLiteStore(copy)   # restoring: the copy in the store's place, opened as the bot opens it
    assert [p.entry_id for p in restored.pins()] == ["off-rolling"]
    assert [r.question for r in restored.requests(("open",))] == ["who do I ask?"]
    assert len(restored.questions()) == copied


def test_a_backup_of_a_stopped_store_makes_nothing_beside_it(tmp_path):
    """A store whose bot has stopped is read as unchanging: a -shm and -wal made beside it by the
    admin (root, say) would stop the bot's user opening its store. A store whose bot is running
    (its -wal there, even empty) is read beside the bot, through its -shm."""
    db = tmp_path / "bot.sqlite3"
    store = SQLiteStore(db)
    store.log_question(via="dm", text="hello", answered=False)
    del store   # its connection closed: the bot stopped
    gc.collect()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bot.sqlite3"]   # stopped cleanly
    config = _config(tmp_path, {"path": str(db)})
    out = run_cli("--config", config, "backup", str(tmp_path / "stopped.sqlite3"))
    assert out.returncode == 0, out.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.yaml", "bot.sqlite3", "stopped.sqlite3"]
    running = SQLiteStore(db)   # a bot just started: its -wal is there, nothing written in it yet
    assert (tmp_path / "bot.sqlite3-wal").exists()
    out = run_cli("--config", config, "backup", str(tmp_path / "running.sqlite3"))
    assert out.returncode == 0, out.stderr
    running.log_question(via="dm", text="after", answered=False)
    assert [q.text for q in SQLiteStore(tmp_path / "running.sqlite3").questions()] == ["hello"]


def test_a_backup_never_replaces_a_file_and_says_what_it_cant_do(tmp_path):
    db = tmp_path / "bot.sqlite3"
    SQLiteStore(db).log_question(via="dm", text="hello", answered=False)
    config = _config(tmp_path, {"path": str(db)})
    existing = tmp_path / "old-backup.sqlite3"
    existing.write_bytes(b"yesterday's backup")
    out = run_cli("--config", config, "backup", str(existing))
    assert out.returncode == 2 and out.stdout == "", out.stderr
    assert out.stderr.strip() == f"error: {existing}: already exists; a backup never replaces a file: give a new name"
    assert existing.read_bytes() == b"yesterday's backup"
    out = run_cli("--config", config, "backup", str(tmp_path / "no-such-folder" / "b.sqlite3"))
    assert out.returncode == 2 and out.stderr.strip() == f"error: {tmp_path / 'no-such-folder'}: no such folder"
    out = run_cli("--config", _config(tmp_path, {"path": str(tmp_path / "none.sqlite3")}), "backup",
                  str(tmp_path / "b.sqlite3"))
    assert out.returncode == 2 and "no store at" in out.stderr and not (tmp_path / "none.sqlite3").exists()
    out = run_cli("--config", _config(tmp_path, {"url": "postgresql://bot@127.0.0.1:9/biglisten"}), "backup",
                  str(tmp_path / "b.sqlite3"))
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert out.stderr.startswith("error: the store is PostgreSQL: back it up with its own tools, e.g. `pg_dump")
    assert not (tmp_path / "b.sqlite3").exists()


def test_a_store_an_older_bot_left_is_backed_up_as_it_is(tmp_path):
    """Backing up before a new bot's first start (which migrates the store) was refused: the
    backup opened the store as `health` does ("schema version 5, where this bot's is 10: serve
    migrates it on its next start"), and once serve had migrated it the older store was gone."""
    import shutil
    old = tmp_path / "old.sqlite3"
    shutil.copy(ROOT / "tests" / "data" / "store-v5-main.sqlite3", old)
    out = run_cli("--config", _config(tmp_path, {"path": str(old)}), "backup", str(tmp_path / "before.sqlite3"))
    assert out.returncode == 0, out.stderr
    with sqlite3.connect(tmp_path / "before.sqlite3") as copy, sqlite3.connect(old) as original:
        assert copy.execute("PRAGMA user_version").fetchone()[0] == 5 == original.execute(
            "PRAGMA user_version").fetchone()[0]   # (nor was the store migrated)
        for (table,) in original.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            assert copy.execute(f'SELECT * FROM "{table}"').fetchall() == original.execute(
                f'SELECT * FROM "{table}"').fetchall(), table
    empty = tmp_path / "empty.sqlite3"   # still refused: not a bot database
    empty.write_bytes(b"")
    out = run_cli("--config", _config(tmp_path, {"path": str(empty)}), "backup", str(tmp_path / "e.sqlite3"))
    assert out.returncode == 2 and "the file is empty (0 bytes), not a bot database" in out.stderr, out.stderr
    assert not (tmp_path / "e.sqlite3").exists()


@pytest.mark.parametrize("copy", ["backup", "migrate-store"])
def test_a_running_bots_checkpoint_waits_for_the_copy(tmp_path, copy):
    """What the test above can't show (a write after the backup is in no copy, however it was
    read): the copy of a store whose bot is running, even with an empty -wal, reads beside the
    bot, so the bot's checkpoint can't rewrite the file under it mid-copy. Read as unchanging
    (`immutable`), it held nothing off; round 27: migrate-store's source still read a store with
    an empty -wal so, its -shm there or not."""
    store = SQLiteStore(tmp_path / "bot.sqlite3")   # a bot running: its -shm there, its -wal empty
    store.log_question(via="dm", text="hello", answered=False)
    bot = store.connection()
    bot.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert (tmp_path / "bot.sqlite3-wal").stat().st_size == 0 and (tmp_path / "bot.sqlite3-shm").exists()
    source = SQLiteStore(tmp_path / "bot.sqlite3", migrate=False, writable=False, any_version=True)
    # backup's reading, and migrate-store's of its source (a store opened only to be read)
    reader = source.read_only_connection() if copy == "backup" else source.connection()
    try:
        reader.execute("BEGIN")
        assert reader.execute("SELECT COUNT(*) FROM questions").fetchone()[0] == 1   # mid-copy
        store.log_question(via="dm", text="meanwhile", answered=False)
        bot.execute("PRAGMA busy_timeout=0")
        busy = bot.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        assert busy == 1   # the checkpoint waits for the copy's snapshot
        assert reader.execute("SELECT COUNT(*) FROM questions").fetchone()[0] == 1
    finally:
        reader.close()
        bot.execute("PRAGMA busy_timeout=10000")


def test_a_shm_left_over_with_no_wal_is_read_as_the_whole_store(tmp_path):
    """Round 27's review: a -shm left over beside a stopped store (no -wal: no bot there) was read as
    beside a running bot: a -wal was made beside it (the owner's) or, for another user than the
    store's owner, the copy was refused ("the bot is running ..."). The file is the whole store:
    read as unchanging, nothing made beside it."""
    path = tmp_path / "bot.sqlite3"
    store = SQLiteStore(path)
    store.log_question(via="dm", text="hello", answered=False)
    store.connection().close()
    del store
    gc.collect()
    assert not (tmp_path / "bot.sqlite3-wal").exists()
    (tmp_path / "bot.sqlite3-shm").write_bytes(b"")   # left over
    source = SQLiteStore(path, migrate=False, writable=False, any_version=True)
    reader = source.read_only_connection()
    try:
        assert reader.execute("SELECT COUNT(*) FROM questions").fetchone()[0] == 1
    finally:
        reader.close()
    assert not (tmp_path / "bot.sqlite3-wal").exists()   # nothing made beside it


NO_HARD_LINKS = textwrap.dedent("""
    import errno, os
    def link(src, dst, *args, **kwargs):   # as vfat (a USB stick) or an SMB share answers
        raise OSError(errno.{code}, os.strerror(errno.{code}), src, None, dst)
    os.link = link
    if os.environ.get("NO_RENAME"):   # and the move refused too
        def replace(src, dst, *args, **kwargs):
            raise OSError(errno.EACCES, os.strerror(errno.EACCES), src, None, dst)
        os.replace = replace
""")


def _no_hard_links(tmp_path, code: str):
    """A folder whose sitecustomize makes every os.link of a CLI run there fail with `code`."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(NO_HARD_LINKS.replace("{code}", code), encoding="utf-8")
    return site


@pytest.mark.parametrize("code", ["EPERM", "EOPNOTSUPP"])
def test_a_backup_is_made_where_the_filesystem_has_no_hard_links(tmp_path, code):
    """`backup` linked its finished copy into place, and a folder on a filesystem with no hard
    links (vfat on a USB stick answers EPERM, some network shares EOPNOTSUPP) refused every
    backup. There the name is claimed (never an existing file replaced) and the copy moved onto it."""
    db = tmp_path / "bot.sqlite3"
    SQLiteStore(db).log_question(via="dm", text="hello", answered=False)
    config = _config(tmp_path, {"path": str(db)})
    site = _no_hard_links(tmp_path, code)
    out = run_cli("--config", config, "backup", str(tmp_path / "usb.sqlite3"), env={"PYTHONPATH": str(site)})
    assert out.returncode == 0, out.stderr
    assert [q.text for q in SQLiteStore(tmp_path / "usb.sqlite3").questions()] == ["hello"]
    assert stat.S_IMODE((tmp_path / "usb.sqlite3").stat().st_mode) == 0o600
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]   # no partial copy left
    out = run_cli("--config", config, "backup", str(tmp_path / "usb2.sqlite3"),
                  env={"PYTHONPATH": str(site), "NO_RENAME": "1"})   # review: the claimed name was left empty
    assert out.returncode == 2 and "can't write the backup there" in out.stderr, out.stderr
    assert not (tmp_path / "usb2.sqlite3").exists()
    existing = tmp_path / "old.sqlite3"
    existing.write_bytes(b"yesterday's backup")
    out = run_cli("--config", config, "backup", str(existing), env={"PYTHONPATH": str(site)})
    assert out.returncode == 2 and "already exists" in out.stderr and existing.read_bytes() == b"yesterday's backup"


def test_a_new_store_is_made_where_the_filesystem_has_no_hard_links(tmp_path):
    """A new store was linked into place too: on such a filesystem the chat's walk-through said
    "can't use it (Operation not permitted)" and kept no place."""
    db = tmp_path / "new.sqlite3"
    out = run_cli("--config", _config(tmp_path, {"path": str(db)}), "walkthrough", stdin="n\nq\n",
                  env={"PYTHONPATH": str(_no_hard_links(tmp_path, "EPERM"))})
    assert out.returncode == 0 and "can't use it" not in out.stdout + out.stderr, out.stdout + out.stderr
    assert SQLiteStore(db).walk_place("terminal") is not None
