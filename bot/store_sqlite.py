"""The SQLite backend of `bot.store.Store`: one file, the default.

WAL mode so several gunicorn workers can write at once, a versioned schema migrated at
start-up, one connection per thread (sqlite3 connections must not cross threads). Every
write is a single transaction, so a process killed mid-write leaves the last committed
state, never half a row.
"""
from __future__ import annotations

import contextlib
import errno
import json
import os
import random
import sqlite3
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

from bot.errors import StoreError
from bot.store import (
    EVENT_TTL,
    REWRITE_GRACE,
    InboxItem,
    KeptAnswer,
    Pin,
    QuestionRow,
    RepRequest,
    Store,
    WalkPlace,
    check_schema_version,
    closing_state,
    place_entry,
    refuse_newer,
    storable_params,
    stored_place_entry,
)

MIGRATIONS: list[str] = [
    # 1: dedupe memory, the question log, votes
    """
    CREATE TABLE events (key TEXT PRIMARY KEY, status TEXT NOT NULL, at REAL NOT NULL);
    CREATE TABLE questions (
        id INTEGER PRIMARY KEY, at REAL NOT NULL, via TEXT NOT NULL, channel TEXT,
        text TEXT NOT NULL, answered INTEGER NOT NULL, entry_id TEXT, score REAL);
    CREATE INDEX questions_at ON questions(at);
    CREATE TABLE votes (
        message TEXT NOT NULL, user TEXT NOT NULL, entry_id TEXT NOT NULL, query TEXT,
        helpful INTEGER NOT NULL, at REAL NOT NULL, PRIMARY KEY (message, user));
    """,
    # 2: pinned answers (kept until unpinned, whatever the retention period)
    """
    CREATE TABLE pins (
        channel TEXT NOT NULL, message_ts TEXT NOT NULL, entry_id TEXT NOT NULL, statement INTEGER,
        question TEXT, rep TEXT NOT NULL, rep_name TEXT, at REAL NOT NULL, permalink TEXT,
        PRIMARY KEY (channel, message_ts));
    CREATE INDEX pins_entry ON pins(entry_id);
    """,
    # 3: the question log no longer says where a question was asked (privacy)
    """
    ALTER TABLE questions DROP COLUMN channel;
    """,
    # 4: the durable inbox (events written before the ack, leased to the worker answering them)
    """
    CREATE TABLE inbox (
        key TEXT PRIMARY KEY, payload TEXT NOT NULL, state TEXT NOT NULL, owner TEXT,
        lease_until REAL NOT NULL, attempts INTEGER NOT NULL, posting INTEGER NOT NULL,
        received_at REAL NOT NULL, done_at REAL);
    CREATE INDEX inbox_pending ON inbox(state, lease_until);
    """,
    # 5: the inbox replaces the claims table
    """
    DROP TABLE events;
    """,
    # 6: questions sent to the reps, and rep answers kept for later members (issue 9)
    """
    CREATE TABLE rep_requests (
        id INTEGER PRIMARY KEY AUTOINCREMENT, question TEXT NOT NULL, asker TEXT NOT NULL,
        asker_name TEXT NOT NULL, channel TEXT NOT NULL, thread_ts TEXT NOT NULL, state TEXT NOT NULL,
        created_at REAL NOT NULL, reps_channel TEXT NOT NULL DEFAULT '', reps_ts TEXT NOT NULL DEFAULT '',
        escalated_at REAL, rep TEXT NOT NULL DEFAULT '', rep_name TEXT NOT NULL DEFAULT '', answered_at REAL,
        answer TEXT NOT NULL DEFAULT '', entry_id TEXT, kept_id INTEGER, delivered_at REAL,
        deliver_owner TEXT, deliver_until REAL NOT NULL DEFAULT 0);
    CREATE INDEX rep_requests_state ON rep_requests(state, delivered_at);
    CREATE TABLE kept_answers (
        id INTEGER PRIMARY KEY AUTOINCREMENT, question TEXT NOT NULL, answer TEXT NOT NULL, entry_id TEXT,
        rep_name TEXT NOT NULL, answered_at REAL NOT NULL, confirmed_at REAL NOT NULL, retired_at REAL,
        flagged_at REAL);
    """,
    # 7: where each member is in the guided walk-through (one row per member; deleted on Stop)
    """
    CREATE TABLE walkthrough (
        user TEXT PRIMARY KEY, pack TEXT NOT NULL, position INTEGER NOT NULL, at REAL NOT NULL);
    """,
    # 8: a settled request's message in the reps' channel is rewritten until Slack takes it
    """
    ALTER TABLE rep_requests ADD COLUMN rewrite_due REAL;
    CREATE INDEX rep_requests_rewrite ON rep_requests(rewrite_due) WHERE rewrite_due IS NOT NULL;
    """,
    # 9: pending Slack work is taken least recently tried first
    """
    ALTER TABLE rep_requests ADD COLUMN tried_at REAL NOT NULL DEFAULT 0;
    """,
    # 10: a walk-through place names its question (a reload may take out one before it)
    """
    ALTER TABLE walkthrough ADD COLUMN entry_id TEXT NOT NULL DEFAULT '';
    """,
]

REQUEST_COLUMNS = ("id, question, asker, asker_name, channel, thread_ts, state, created_at, reps_channel, reps_ts, "
                   "escalated_at, rep, rep_name, answered_at, answer, entry_id, kept_id, delivered_at")
KEPT_COLUMNS = "id, question, answer, entry_id, rep_name, answered_at, confirmed_at, retired_at, flagged_at"
FORGET_ASKER = "asker = '', asker_name = '', channel = '', thread_ts = ''"
# Slack work left: an open request not yet posted to the reps, or a closed one not yet told
PENDING = "((state = 'open' AND reps_ts = '') OR (state != 'open' AND delivered_at IS NULL))"
TEXT_LIMIT = 4000   # characters of a question or an answer kept
# a request posted to the reps' channel, or whose post was tried (it may have landed unseen: timed out)
# Leases are timed by the store's clock (SQLite's, the host's: every process sharing the file
# shares it), as on PostgreSQL (the server's); a `now` passed in, in tests, stands in for it.
# SQLite's 'now' holds for one statement, from when it runs (after waiting for the write lock).
NOW = "COALESCE(?, (julianday('now') - 2440587.5) * 86400.0)"
MAY_BE_POSTED = "(reps_ts != '' OR tried_at > 0)"
# a closed request whose message in the reps' channel still has to show it settled
REWRITE = f"state != 'open' AND {MAY_BE_POSTED} AND rewrite_due IS NOT NULL"


SQLITE_HEADER = b"SQLite format 3\x00"
RESTORE = "restore it from a backup, or move it aside to start with an empty store"

# What a filesystem with no hard links answers os.link: vfat (a USB stick) EPERM, some network
# shares EOPNOTSUPP or ENOSYS. Not EACCES: no right to write there fails any other way too.
NO_HARD_LINKS = frozenset({errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.ENOSYS})


def name_new_file(finished: str | Path, name: str | Path) -> None:
    """Give the finished file `finished` the name `name` only if no file has it (FileExistsError
    if one has), so `name` is never a file half made: a hard link (`finished` is left for the
    caller to remove). Where the filesystem has no hard links, `name` is claimed (created only if
    no file has it) and `finished` moved onto it, so for a moment `name` is an empty file."""
    try:
        os.link(finished, name)
    except OSError as e:
        if e.errno not in NO_HARD_LINKS:
            raise
        os.close(os.open(name, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        try:
            os.replace(finished, name)
        except OSError:   # the claim is let go: an empty file left there would be refused as a store or a backup
            with contextlib.suppress(OSError):
                os.unlink(name)
            raise


def _advice(error: sqlite3.DatabaseError) -> str:
    """SQLite's message, with what to do about it."""
    text = str(error)
    if "readonly" in text or "unable to open" in text or "I/O error" in text or "full" in text:
        return f"can't write it ({text}): check the folder's and file's permissions and free space"
    if "malformed" in text or "not a database" in text or "corrupt" in text:
        return f"the database is damaged ({text}): {RESTORE}"
    return f"{text}: {RESTORE}"


class _Connection(sqlite3.Connection):
    """Every statement's texts made storable (bot.store.storable) before SQLite sees them: a
    lone surrogate would otherwise raise, and both backends store the same text."""

    def execute(self, sql, parameters=(), /):
        return super().execute(sql, storable_params(parameters))


class SQLiteStore(Store):
    def __init__(self, path: str | Path, *, migrate: bool = True, writable: bool = True, any_version: bool = False,
                 setting: str = "storage.path"):
        """`any_version`: a backup's source (read only), whatever its schema version: the copy to
        keep before a new bot's first start migrates it is of the older one. `setting`: what named
        the file, as its messages say what to change ("storage.path in /etc/bot/app.yaml")."""
        self.path = str(path)
        self._setting = setting
        self._writable = writable   # False: a copy's source (migrate-store), read only
        if self.path == ":memory:" or self.path.startswith("file:"):
            # each thread's connection would open its own empty database
            raise ValueError("SQLiteStore needs a file path: in-memory SQLite is not shared between threads")
        self._local = threading.local()
        self._check_file()
        try:
            if migrate and writable:
                self._migrate()
            elif not (any_version and not writable):   # `health`, or a copy's source: read as it is
                self._check_schema()
            problem = self.connection().execute("PRAGMA quick_check(1)").fetchone()[0]
        except sqlite3.DatabaseError as e:
            raise StoreError(f"{self.path}: {_advice(e)}") from None
        if problem != "ok":
            raise StoreError(f"{self.path}: the database is damaged ({problem}): {RESTORE}")

    def _check_file(self) -> None:
        """Create a new store (atomically: `_create`), and refuse what isn't a bot database
        before SQLite touches it: SQLite would take a 0-byte file as a new database, and its
        own messages never name the file."""
        path = Path(self.path)
        for parent in reversed(path.parents):
            if parent.exists() and not parent.is_dir():
                raise StoreError(f"{self.path}: {parent} is a file, not a folder: set {self._setting} to a "
                                 "file in a folder")
        if path.is_dir():
            raise StoreError(f"{self.path}: is a folder, not a file: set {self._setting} to a file name")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                self._create(path)
            with open(path, "rb") as f:
                header = f.read(len(SQLITE_HEADER))
        except OSError as e:
            raise StoreError(f"{self.path}: can't use it ({e.strerror}): check the folder's and file's "
                             "permissions and free space") from None
        except sqlite3.DatabaseError as e:   # creating it
            raise StoreError(f"{self.path}: {_advice(e)}") from None
        if not header:
            raise StoreError(f"{self.path}: the file is empty (0 bytes), not a bot database: {RESTORE}")
        if header != SQLITE_HEADER:
            raise StoreError(f"{self.path}: is not an SQLite database (overwritten or truncated?): {RESTORE}")
        if self._writable and not os.access(path, os.W_OK):   # SQLite would open it; the first write would raise
            raise StoreError(f"{self.path}: can't write it (read-only for this user): the bot and its commands write "
                             "to the store: run them as its owner, or check the file's permissions")

    @staticmethod
    def _create(path: Path) -> None:
        """A new store appears whole or not at all: it is made under a temporary name in the
        same folder and given its name only if `path` still doesn't exist (`name_new_file`:
        a hard link, which never replaces a file). Several processes starting on a new path at once each make
        one; the first link wins and the others use it. So the path is never a file another
        process is still creating, and an empty or foreign file there is refused, not taken
        for a new store."""
        temporary = str(path.parent / f".{path.name}.{uuid.uuid4().hex[:12]}.new")
        os.close(os.open(temporary, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))   # the umask applies, as for SQLite
        try:
            conn = sqlite3.connect(temporary, isolation_level=None)
            try:
                conn.execute("PRAGMA journal_mode=WAL")   # writes the header: the file is a database now
            finally:
                conn.close()
            with contextlib.suppress(FileExistsError):   # another process created it first: use theirs
                name_new_file(temporary, path)
        finally:
            for leftover in (temporary, temporary + "-wal", temporary + "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(leftover)

    def _connect(self, busy_ms: int = 10000) -> sqlite3.Connection:
        # Set up waiting as any connection does: journal_mode needs a lock for a moment, and with
        # no wait at all (the ack path's connection) it failed as "database is locked" while another
        # process held one, and the question was answered from memory; 2 in 1,000 in round 17's
        # fault bench, answered twice when Slack's retry reached another worker. Then `busy_ms`.
        if not self._writable:
            return self.read_only_connection()
        conn = sqlite3.connect(self.path, timeout=10.0, isolation_level=None, factory=_Connection)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
        return conn

    def read_only_connection(self) -> sqlite3.Connection:
        """A new connection that only reads: a copy's source (migrate-store, backup), read by an
        admin who may write neither the bot's store nor its folder (or a backup on a read-only
        disk), and never written. A bot running has its -shm and its -wal beside it (the -wal
        empty just after a checkpoint): then read as a reader beside it, through that -shm, so
        its checkpoints wait for the copy and its latest writes are in it (read as unchanging,
        `immutable`, a checkpoint could rewrite pages mid-copy). No -wal, or an empty one with no
        -shm (the bot stopped cleanly, or a -shm left over): the file is the whole store, read as
        unchanging, so SQLite makes nothing beside it (read-only, its -shm and -wal, left behind
        and the admin's, would stop the bot's user opening its store). Last writes in a -wal with
        no -shm beside it (copied without one): SQLite makes one, made by this user and left there
        (a read-only connection never removes it): refused unless this user is the store's owner
        (or root, whose files SQLite gives the store's owner); the bot's user had then been unable
        to write its own store ("attempt to write a readonly database")."""
        uri = f"file:{urllib.parse.quote(self.path)}"
        wal, shm = Path(f"{self.path}-wal"), Path(f"{self.path}-shm")
        written = wal.exists() and wal.stat().st_size > 0
        if not written and not (wal.exists() and shm.exists()):   # (a -shm alone: left over, no bot there)
            return sqlite3.connect(f"{uri}?immutable=1", uri=True, isolation_level=None, factory=_Connection)
        if not shm.exists() and os.geteuid() not in (0, os.stat(self.path).st_uid):
            raise StoreError(f"{self.path}: its last writes are still in {wal.name} beside it (the bot didn't stop "
                             f"cleanly), with no {shm.name}: reading them would leave one there that is this "
                             "user's, not the store's owner's, and could stop the bot's user opening its store: "
                             "run this as the store's owner, or start and stop the bot once")
        conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=10.0, isolation_level=None, factory=_Connection)
        try:
            conn.execute("PRAGMA user_version").fetchone()
            return conn
        except sqlite3.OperationalError as e:
            conn.close()
            raise StoreError(f"{self.path}: the bot is running (or didn't stop cleanly) and this user can't read "
                             f"the {wal.name} and {shm.name} files beside it ({e}): run this as the store's "
                             "owner") from None

    def connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
        return conn

    def _check_schema(self) -> None:
        """The schema as `serve` leaves it, read only (`health`): an older one is not ready."""
        check_schema_version(self.path, self.schema_version, len(MIGRATIONS))

    def _migrate(self) -> None:
        conn = self.connection()
        conn.execute("BEGIN IMMEDIATE")  # two workers starting together migrate once
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            refuse_newer(self.path, version, len(MIGRATIONS))
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in filter(str.strip, script.split(";")):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    @property
    def schema_version(self) -> int:
        return self.connection().execute("PRAGMA user_version").fetchone()[0]

    # --- the durable inbox ------------------------------------------------------------
    def enqueue(self, key: str, payload: dict, *, owner: str, lease_seconds: float,
                now: float | None = None) -> InboxItem | None:
        # One statement, one step: no RETURNING, whose rows would keep the write lock held
        # while this thread waits for the GIL between steps (slow acks under load).
        # the lease runs from when the row lands (after waiting for the write lock)
        cur = self._write_now(
            "INSERT INTO inbox(key, payload, state, owner, lease_until, attempts, posting, received_at) "
            f"VALUES (?, ?, 'pending', ?, {NOW} + ?, 1, 0, ?) "
            "ON CONFLICT(key) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until, "
            "attempts = inbox.attempts + 1 "
            f"WHERE inbox.state = 'pending' AND inbox.lease_until < {NOW}",
            (key, json.dumps(payload, ensure_ascii=False), owner, now, lease_seconds,
             time.time() if now is None else now, now))
        if cur.rowcount != 1:
            return None
        return self._leased(key, owner)

    def _write_now(self, sql: str, params: tuple) -> sqlite3.Cursor:
        """One write on the ack path. SQLite's own busy handler backs off in steps of up to
        100 ms while another process holds the write lock; a lock is held well under a
        millisecond here, so this retries every fraction of a millisecond instead (up to the
        same 10 s)."""
        conn = getattr(self._local, "ack_conn", None)
        if conn is None:
            conn = self._local.ack_conn = self._connect(busy_ms=0)
        give_up = time.monotonic() + 10
        while True:
            try:
                return conn.execute(sql, params)
            except sqlite3.OperationalError as e:
                if "locked" not in str(e) or time.monotonic() > give_up:
                    raise
                time.sleep(random.uniform(0.0002, 0.001))

    def lease(self, key: str, *, owner: str, lease_seconds: float, now: float | None = None) -> InboxItem | None:
        cur = self.connection().execute(
            f"UPDATE inbox SET owner = ?, lease_until = {NOW} + ?, attempts = attempts + 1 "
            f"WHERE key = ? AND state = 'pending' AND lease_until < {NOW}",
            (owner, now, lease_seconds, key, now))
        return self._leased(key, owner) if cur.rowcount == 1 else None

    def _leased(self, key: str, owner: str) -> InboxItem | None:
        """The item just leased to `owner` (a read: the lease keeps other writers off it)."""
        row = self.connection().execute(
            "SELECT payload, attempts, posting, received_at FROM inbox WHERE key = ? AND owner = ?",
            (key, owner)).fetchone()
        if row is None:
            return None
        stored, attempts, posting, received_at = row
        return InboxItem(key, json.loads(stored), attempts, bool(posting), received_at)

    def expired(self, limit: int = 20, now: float | None = None) -> list[str]:
        rows = self.connection().execute(
            f"SELECT key FROM inbox WHERE state = 'pending' AND lease_until < {NOW} ORDER BY received_at LIMIT ?",
            (now, limit))
        return [key for (key,) in rows]

    def mark_posting(self, key: str, owner: str, *, lease_seconds: float = 0.0, now: float | None = None,
                     attempt: int | None = None) -> bool:
        cur = self.connection().execute(
            f"UPDATE inbox SET posting = 1, lease_until = MAX(lease_until, {NOW} + ?) WHERE key = ? AND owner = ? "
            f"AND state = 'pending' AND lease_until > {NOW} AND (? IS NULL OR attempts = ?)",
            (now, lease_seconds, key, owner, now, attempt, attempt))
        return cur.rowcount == 1

    def complete(self, key: str, *, failed: bool = False, now: float | None = None, owner: str | None = None,
                 attempt: int | None = None) -> bool:
        cur = self.connection().execute(
            "UPDATE inbox SET state = ?, payload = '{}', owner = NULL, done_at = ? "
            "WHERE key = ? AND state = 'pending' AND (? IS NULL OR owner = ?) AND (? IS NULL OR attempts = ?)",
            ("failed" if failed else "done", time.time() if now is None else now, key, owner, owner, attempt, attempt))
        return cur.rowcount == 1

    def reopen(self, key: str) -> bool:
        return self.connection().execute("DELETE FROM inbox WHERE key = ? AND state <> 'pending'",
                                         (key,)).rowcount == 1

    def record_answered(self, key: str, *, now: float | None = None, failed: bool = False) -> bool:
        now = time.time() if now is None else now
        cur = self.connection().execute(
            "INSERT INTO inbox(key, payload, state, owner, lease_until, attempts, posting, received_at, done_at) "
            "VALUES (?, '{}', ?, NULL, 0, 1, 0, ?, ?) "
            "ON CONFLICT(key) DO UPDATE SET state = excluded.state, payload = '{}', owner = NULL, "
            "done_at = excluded.done_at WHERE inbox.state = 'pending'",
            (key, "failed" if failed else "done", now, now))
        return cur.rowcount == 1

    def retry_later(self, key: str, owner: str, delay: float, now: float | None = None,
                    attempt: int | None = None, unposted: bool = False) -> None:
        self.connection().execute(
            f"UPDATE inbox SET lease_until = {NOW} + ?, posting = CASE WHEN ? THEN 0 ELSE posting END "
            "WHERE key = ? AND owner = ? AND state = 'pending' AND (? IS NULL OR attempts = ?)",
            (now, delay, int(unposted), key, owner, attempt, attempt))

    def inbox_counts(self) -> dict[str, int]:
        counts = {"pending": 0, "done": 0, "failed": 0}
        counts.update(self.connection().execute(
            "SELECT state, COUNT(*) FROM inbox WHERE state != 'claimed' GROUP BY state"))
        return counts

    def claim_for(self, key: str, seconds: float, now: float | None = None) -> bool:
        return self.connection().execute(
            "INSERT INTO inbox(key, payload, state, owner, lease_until, attempts, posting, received_at, done_at) "
            f"VALUES (?, '{{}}', 'claimed', NULL, 0, 1, 0, {NOW}, {NOW}) "
            "ON CONFLICT(key) DO UPDATE SET received_at = excluded.received_at, done_at = excluded.done_at "
            "WHERE inbox.state = 'claimed' AND inbox.done_at <= excluded.done_at - ?",
            (key, now, now, seconds)).rowcount == 1

    def inbox_oldest(self) -> float | None:
        return self.connection().execute("SELECT MIN(received_at) FROM inbox WHERE state = 'pending'").fetchone()[0]

    # --- the question log -----------------------------------------------------------
    def log_question(self, *, via: str, text: str, answered: bool, entry_id: str | None = None,
                     score: float | None = None, now: float | None = None) -> None:
        """Log a question for the reps' report: its words and outcome, never who or where."""
        self.connection().execute(
            "INSERT INTO questions(at, via, text, answered, entry_id, score) VALUES (?,?,?,?,?,?)",
            (time.time() if now is None else now, via, text[:2000], int(answered), entry_id, score))

    def questions(self, since: float = 0.0) -> list[QuestionRow]:
        rows = self.connection().execute(
            "SELECT at, via, text, answered, entry_id, score FROM questions WHERE at >= ? ORDER BY at", (since,))
        return [QuestionRow(at, via, text, bool(answered), entry_id, score)
                for at, via, text, answered, entry_id, score in rows]

    # --- votes ------------------------------------------------------------------------
    def vote(self, *, message: str, user: str, entry_id: str, query: str, helpful: bool,
             now: float | None = None) -> None:
        """One vote per member per answer; pressing the other button changes it."""
        self.connection().execute(
            "INSERT INTO votes(message, user, entry_id, query, helpful, at) VALUES (?,?,?,?,?,?) "
            "ON CONFLICT(message, user) DO UPDATE SET helpful = excluded.helpful, at = excluded.at "
            "WHERE excluded.at >= votes.at",
            (message, user, entry_id, query[:2000], int(helpful), time.time() if now is None else now))

    def votes(self, since: float = 0.0) -> list[tuple[str, bool]]:
        rows = self.connection().execute("SELECT entry_id, helpful FROM votes WHERE at >= ?", (since,))
        return [(entry_id, bool(helpful)) for entry_id, helpful in rows]

    # --- pins ---------------------------------------------------------------------------
    def add_pin(self, pin: Pin) -> None:
        """Record a pinned answer; pinning the same message again updates who and when."""
        self.connection().execute(
            "INSERT INTO pins(channel, message_ts, entry_id, statement, question, rep, rep_name, at, permalink) "
            "VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT(channel, message_ts) DO UPDATE SET "
            "entry_id = excluded.entry_id, statement = excluded.statement, question = excluded.question, "
            "rep = excluded.rep, rep_name = excluded.rep_name, at = excluded.at, permalink = excluded.permalink",
            (pin.channel, pin.message_ts, pin.entry_id, pin.statement, pin.question[:2000], pin.rep, pin.rep_name,
             pin.at, pin.permalink))

    def remove_pin(self, channel: str, message_ts: str, at: float | None = None) -> bool:
        sql, params = "DELETE FROM pins WHERE channel = ? AND message_ts = ?", (channel, message_ts)
        if at is not None:
            sql, params = sql + " AND at = ?", (*params, at)
        return self.connection().execute(sql, params).rowcount > 0

    def pin(self, channel: str, message_ts: str) -> Pin | None:
        found = self._pins("WHERE channel = ? AND message_ts = ?", (channel, message_ts))
        return found[0] if found else None

    def pins(self) -> list[Pin]:
        return self._pins("ORDER BY at DESC")

    def _pins(self, where: str, params: tuple = ()) -> list[Pin]:
        rows = self.connection().execute(
            "SELECT channel, message_ts, entry_id, statement, question, rep, rep_name, at, permalink "
            f"FROM pins {where}", params)
        return [Pin(c, ts, e, st, q or "", rep, rn or "", at, pl or "") for c, ts, e, st, q, rep, rn, at, pl in rows]

    # --- questions for the reps (issue 9) -----------------------------------------------
    def add_request(self, *, question: str, asker: str, asker_name: str, channel: str, thread_ts: str,
                    now: float | None = None) -> RepRequest:
        cur = self.connection().execute(
            "INSERT INTO rep_requests(question, asker, asker_name, channel, thread_ts, state, created_at) "
            "VALUES (?,?,?,?,?,'open',?)",
            (question[:TEXT_LIMIT], asker, asker_name, channel, thread_ts, time.time() if now is None else now))
        return self.request(cur.lastrowid)

    def set_request_message(self, request_id: int, reps_channel: str, reps_ts: str) -> None:
        self.connection().execute("UPDATE rep_requests SET reps_channel = ?, reps_ts = ?, deliver_until = 0 "
                                  "WHERE id = ?",
                                  (reps_channel, reps_ts, request_id))

    def request(self, request_id: int) -> RepRequest | None:
        row = self.connection().execute(f"SELECT {REQUEST_COLUMNS} FROM rep_requests WHERE id = ?",
                                        (request_id,)).fetchone()
        return RepRequest(*row) if row else None

    def requests(self, states: tuple[str, ...] = ("open",)) -> list[RepRequest]:
        marks = ",".join("?" * len(states))
        rows = self.connection().execute(
            f"SELECT {REQUEST_COLUMNS} FROM rep_requests WHERE state IN ({marks}) ORDER BY created_at, id",
            tuple(states))
        return [RepRequest(*row) for row in rows]

    def open_request_count(self) -> int:
        return self.connection().execute("SELECT COUNT(*) FROM rep_requests WHERE state = 'open'").fetchone()[0]

    def close_request(self, request_id: int, *, state: str, rep: str, rep_name: str, answer: str = "",
                      entry_id: str | None = None, keep: bool = False, kept_question: str | None = None,
                      now: float | None = None) -> RepRequest | None:
        closing_state(state)
        now = time.time() if now is None else now
        conn = self.connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            if state == "withdrawn":   # nobody is told anything: forget the member at once
                cur = conn.execute(
                    f"UPDATE rep_requests SET state = 'withdrawn', question = '', {FORGET_ASKER}, "
                    "answered_at = ?, delivered_at = ?, rewrite_due = ? WHERE id = ? AND state = 'open'",
                    (now, now, now + REWRITE_GRACE, request_id))
            else:
                cur = conn.execute(
                    "UPDATE rep_requests SET state = ?, rep = ?, rep_name = ?, answer = ?, entry_id = ?, "
                    "answered_at = ?, deliver_until = 0, rewrite_due = ? WHERE id = ? AND state = 'open'",
                    (state, rep, rep_name, answer[:TEXT_LIMIT], entry_id, now, now + REWRITE_GRACE, request_id))
            if cur.rowcount != 1:
                conn.execute("ROLLBACK")
                return None
            if keep and state == "answered":
                question = (kept_question or "").strip()[:TEXT_LIMIT] or conn.execute(
                    "SELECT question FROM rep_requests WHERE id = ?", (request_id,)).fetchone()[0]
                kept = conn.execute(
                    "INSERT INTO kept_answers(question, answer, entry_id, rep_name, answered_at, confirmed_at) "
                    "VALUES (?,?,?,?,?,?)", (question, answer[:TEXT_LIMIT], entry_id, rep_name, now, now))
                conn.execute("UPDATE rep_requests SET kept_id = ? WHERE id = ?", (kept.lastrowid, request_id))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return self.request(request_id)

    def claim_request(self, request_id: int, *, owner: str, lease_seconds: float,
                      now: float | None = None) -> RepRequest | None:
        cur = self.connection().execute(
            f"UPDATE rep_requests SET deliver_owner = ?, deliver_until = {NOW} + ?, tried_at = ? WHERE id = ? "
            f"AND deliver_until < {NOW} AND {PENDING}",
            (owner, now, lease_seconds, time.time() if now is None else now, request_id, now))
        return self.request(request_id) if cur.rowcount == 1 else None

    def release_request(self, request_id: int, owner: str) -> None:
        self.connection().execute("UPDATE rep_requests SET deliver_until = 0 WHERE id = ? AND deliver_owner = ?",
                                  (request_id, owner))

    def pending_requests(self, now: float | None = None) -> list[int]:
        rows = self.connection().execute(
            f"SELECT id FROM rep_requests WHERE deliver_until < {NOW} AND {PENDING} ORDER BY tried_at, id", (now,))
        return [request_id for (request_id,) in rows]

    def mark_delivered(self, request_id: int, now: float | None = None) -> None:
        self.connection().execute(
            f"UPDATE rep_requests SET delivered_at = ?, deliver_owner = NULL, {FORGET_ASKER} "
            "WHERE id = ? AND delivered_at IS NULL", (time.time() if now is None else now, request_id))

    def rewrites_due(self, limit: int = 20, now: float | None = None) -> list[RepRequest]:
        rows = self.connection().execute(
            f"SELECT {REQUEST_COLUMNS} FROM rep_requests WHERE {REWRITE} AND rewrite_due <= ? "
            "ORDER BY rewrite_due, id LIMIT ?", (time.time() if now is None else now, limit))
        return [RepRequest(*row) for row in rows]

    def retry_rewrite(self, request_id: int, now: float | None = None) -> None:
        self.connection().execute(
            f"UPDATE rep_requests SET rewrite_due = ? WHERE id = ? AND state != 'open' AND {MAY_BE_POSTED}",
            (time.time() if now is None else now, request_id))

    def message_rewritten(self, request_id: int) -> None:
        self.connection().execute("UPDATE rep_requests SET rewrite_due = NULL WHERE id = ?", (request_id,))

    def mark_escalated(self, request_id: int, now: float | None = None) -> bool:
        cur = self.connection().execute(
            "UPDATE rep_requests SET escalated_at = ? WHERE id = ? AND state = 'open' AND escalated_at IS NULL",
            (time.time() if now is None else now, request_id))
        return cur.rowcount == 1

    def release_escalation(self, request_id: int, at: float) -> None:
        self.connection().execute("UPDATE rep_requests SET escalated_at = NULL WHERE id = ? AND escalated_at = ?",
                                  (request_id, at))

    def kept_answers(self, *, include_retired: bool = False) -> list[KeptAnswer]:
        where = "" if include_retired else "WHERE retired_at IS NULL"
        rows = self.connection().execute(
            f"SELECT {KEPT_COLUMNS} FROM kept_answers {where} ORDER BY answered_at DESC, id DESC")
        return [KeptAnswer(*row) for row in rows]

    def kept_answer(self, kept_id: int) -> KeptAnswer | None:
        row = self.connection().execute(f"SELECT {KEPT_COLUMNS} FROM kept_answers WHERE id = ?", (kept_id,)).fetchone()
        return KeptAnswer(*row) if row else None

    def edit_kept(self, kept_id: int, answer: str, *, rep_name: str, question: str | None = None,
                  now: float | None = None) -> bool:
        now = time.time() if now is None else now   # another rep's words now: answered (and confirmed) now
        cur = self.connection().execute(
            "UPDATE kept_answers SET answer = ?, question = COALESCE(?, question), rep_name = ?, answered_at = ?, "
            "confirmed_at = ?, flagged_at = NULL WHERE id = ? AND retired_at IS NULL",
            (answer[:TEXT_LIMIT], question[:TEXT_LIMIT] if question else None, rep_name, now, now, kept_id))
        return cur.rowcount == 1

    def confirm_kept(self, kept_id: int, now: float | None = None) -> bool:
        cur = self.connection().execute(
            "UPDATE kept_answers SET confirmed_at = ?, flagged_at = NULL WHERE id = ? AND retired_at IS NULL",
            (time.time() if now is None else now, kept_id))
        return cur.rowcount == 1

    def retire_kept(self, kept_id: int, now: float | None = None) -> bool:
        cur = self.connection().execute("UPDATE kept_answers SET retired_at = ? WHERE id = ? AND retired_at IS NULL",
                                        (time.time() if now is None else now, kept_id))
        return cur.rowcount == 1

    def flag_kept(self, kept_id: int, now: float | None = None) -> bool:
        cur = self.connection().execute(
            "UPDATE kept_answers SET flagged_at = ? WHERE id = ? AND retired_at IS NULL AND flagged_at IS NULL",
            (time.time() if now is None else now, kept_id))
        return cur.rowcount == 1

    def release_kept_flag(self, kept_id: int, at: float) -> None:
        self.connection().execute("UPDATE kept_answers SET flagged_at = NULL WHERE id = ? AND flagged_at = ?",
                                  (kept_id, at))

    # --- the guided walk-through -------------------------------------------------------
    def walk_place(self, user: str) -> WalkPlace | None:
        row = self.connection().execute("SELECT pack, position, at, entry_id FROM walkthrough WHERE user = ?",
                                        (user,)).fetchone()
        return WalkPlace(user, row[0], row[1], row[2], place_entry(row[1], row[3])) if row else None

    def save_walk_place(self, user: str, pack: str, position: int, entry_id: str = "",
                        now: float | None = None) -> None:
        self.connection().execute(
            "INSERT INTO walkthrough(user, pack, position, at, entry_id) VALUES (?,?,?,?,?) ON CONFLICT(user) "
            "DO UPDATE SET pack = excluded.pack, position = excluded.position, at = excluded.at, "
            "entry_id = excluded.entry_id",
            (user, pack, position, time.time() if now is None else now,
             stored_place_entry(position, entry_id)))

    def move_walk_place(self, user: str, was: WalkPlace, pack: str, position: int, entry_id: str = "",
                        now: float | None = None) -> bool:
        return self.connection().execute(
            "UPDATE walkthrough SET pack = ?, position = ?, at = ?, entry_id = ? "
            "WHERE user = ? AND pack = ? AND position = ? AND at = ?",
            (pack, position, time.time() if now is None else now, stored_place_entry(position, entry_id),
             user, was.pack, was.position, was.at)).rowcount == 1

    def end_walk(self, user: str, *, was: WalkPlace | None = None, pack: str | None = None) -> bool:
        if was is not None:
            return self.connection().execute(
                "DELETE FROM walkthrough WHERE user = ? AND pack = ? AND position = ? AND at = ?",
                (user, was.pack, was.position, was.at)).rowcount > 0
        return self.connection().execute("DELETE FROM walkthrough WHERE user = ? AND (? IS NULL OR pack = ?)",
                                         (user, pack, pack)).rowcount > 0

    # --- retention --------------------------------------------------------------------
    def purge(self, retention_days: int, now: float | None = None) -> int:
        """Delete question logs and votes (which name the voter) older than the retention
        period, and finished inbox items. Pins stay until unpinned. Returns rows deleted."""
        now = time.time() if now is None else now
        cutoff = now - retention_days * 86400
        conn = self.connection()
        conn.execute("DELETE FROM inbox WHERE state != 'pending' AND done_at < ?", (now - EVENT_TTL,))
        # closed requests the member has been told about (their asker is forgotten already)
        conn.execute("DELETE FROM rep_requests WHERE delivered_at < ?", (cutoff,))
        deleted = conn.execute("DELETE FROM questions WHERE at < ?", (cutoff,)).rowcount
        conn.execute("DELETE FROM walkthrough WHERE at < ?", (cutoff,))
        return deleted + conn.execute("DELETE FROM votes WHERE at < ?", (cutoff,)).rowcount

