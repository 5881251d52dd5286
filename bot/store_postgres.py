"""The PostgreSQL backend of `bot.store.Store`: one database shared by any number of instances.

psycopg 3 with a `psycopg_pool.ConnectionPool` per process (opened lazily, so a gunicorn
worker opens its own after the fork). Every method is one read, or one transaction, so the
atomicity each docstring in bot.store promises holds across instances:
row locks and `INSERT ... ON CONFLICT ... WHERE` re-check a row another transaction just
changed (READ COMMITTED's re-evaluation), so at most one caller wins a lease.
Expired inbox items are taken with `FOR UPDATE SKIP LOCKED`, so instances share the backlog
without queueing behind each other's rows.

Migrations are versioned (`MIGRATIONS`, table `schema_version`) and run when the store
opens, inside one transaction holding `pg_advisory_xact_lock`, so instances starting
together migrate once and never see a half-migrated schema.

The URL may carry a password only when it comes from the environment (bot.store_location
refuses one in app.yaml); `repr()` and every log line show the URL without it.
"""
from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from typing import NamedTuple, TypeVar

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg_pool import ConnectionPool, PoolTimeout

from bot.errors import StoreError
from bot.store import (
    EVENT_TTL,
    READ_ONLY_SQLSTATE,
    InboxItem,
    Pin,
    QuestionRow,
    Store,
    StoreUnsure,
    WalkPlace,
    check_schema_version,
    connection_ended,
    connection_lost,
    place_entry,
    refuse_newer,
    server_ended,
    storable_params,
    stored_place_entry,
)
from bot.store_postgres_reps import MIGRATION as REPS_MIGRATION
from bot.store_postgres_reps import NOW as _NOW
from bot.store_postgres_reps import PURGE as REPS_PURGE
from bot.store_postgres_reps import REWRITE_MIGRATION as REPS_REWRITE_MIGRATION
from bot.store_postgres_reps import TRIED_MIGRATION as REPS_TRIED_MIGRATION
from bot.store_postgres_reps import WRITTEN as _WRITTEN
from bot.store_postgres_reps import RepStorePostgres

log = logging.getLogger(__name__)
T = TypeVar("T")
MIGRATION_LOCK = 0x62_6C_62_6F_74   # pg_advisory_xact_lock key: "blbot"
POOL_MAX = 10          # connections per process (gunicorn worker); 2 instances x 2 workers = 40
POOL_TIMEOUT = 5.0     # seconds to wait for a connection before the call fails
ENQUEUE_TIMEOUT = 1.0  # ... on the acknowledgement path, which has 3 s in all (Slack retries after that)
DOWN_SECONDS = 5.0     # after a call found the database unreachable, calls fail at once for this long
# libpq's words when no server answered a connection (connection-time errors carry no SQLSTATE)
NO_SERVER = ("Connection refused", "timeout expired", "No route to host", "Network is unreachable",
             "could not translate host name", "server closed the connection unexpectedly", "No such file or directory")
STATEMENT_TIMEOUT_MS = 10_000
# Every lease and claim is one statement (or transaction) that relies on READ COMMITTED's re-check of
# a row another transaction just changed. A database or role whose default is SERIALIZABLE or
# REPEATABLE READ made it fail ("could not serialize access due to concurrent update") instead: two
# instances given the same event at once both answered it (the failed write answered from memory).
READ_COMMITTED = r"-c default_transaction_isolation=read\ committed"
TCP_USER_TIMEOUT_MS = 15_000   # data unacknowledged this long: the connection is dead

MIGRATIONS: list[str] = [
    # 1: everything the SQLite store has at its version 5: the question log (words and outcome
    #    only), votes, pins, the durable inbox
    """
    CREATE TABLE questions (
        id BIGSERIAL PRIMARY KEY, at DOUBLE PRECISION NOT NULL, via TEXT NOT NULL, text TEXT NOT NULL,
        answered BOOLEAN NOT NULL, entry_id TEXT, score DOUBLE PRECISION);
    CREATE INDEX questions_at ON questions(at);
    CREATE TABLE votes (
        message TEXT NOT NULL, voter TEXT NOT NULL, entry_id TEXT NOT NULL, query TEXT,
        helpful BOOLEAN NOT NULL, at DOUBLE PRECISION NOT NULL, PRIMARY KEY (message, voter));
    CREATE INDEX votes_at ON votes(at);
    CREATE TABLE pins (
        channel TEXT NOT NULL, message_ts TEXT NOT NULL, entry_id TEXT NOT NULL, statement INTEGER,
        question TEXT, rep TEXT NOT NULL, rep_name TEXT, at DOUBLE PRECISION NOT NULL, permalink TEXT,
        PRIMARY KEY (channel, message_ts));
    CREATE INDEX pins_entry ON pins(entry_id);
    CREATE TABLE inbox (
        key TEXT PRIMARY KEY, payload TEXT NOT NULL, state TEXT NOT NULL, owner TEXT,
        lease_until DOUBLE PRECISION NOT NULL, attempts INTEGER NOT NULL, posting BOOLEAN NOT NULL,
        received_at DOUBLE PRECISION NOT NULL, done_at DOUBLE PRECISION);
    CREATE INDEX inbox_pending ON inbox(lease_until) WHERE state = 'pending';
    CREATE INDEX inbox_done ON inbox(done_at) WHERE state <> 'pending';
    """,
    # 2: questions sent to the reps, and rep answers kept for later members (issue 9)
    REPS_MIGRATION,
    # 3: where each member is in the guided walk-through (one row per member; deleted on Stop)
    """
    CREATE TABLE walkthrough (
        member TEXT PRIMARY KEY, pack TEXT NOT NULL, position INTEGER NOT NULL, at DOUBLE PRECISION NOT NULL);
    CREATE INDEX walkthrough_at ON walkthrough(at);
    """,
    # 4: a settled request's message in the reps' channel is rewritten until Slack takes it
    REPS_REWRITE_MIGRATION,
    # 5: pending Slack work is taken least recently tried first
    REPS_TRIED_MIGRATION,
    # 6: a walk-through place names its question (a reload may take out one before it)
    """
    ALTER TABLE walkthrough ADD COLUMN entry_id TEXT NOT NULL DEFAULT '';
    """,
]

_ITEM = "key, payload, attempts, posting, received_at"


def _as_libpq_reads(url: str) -> tuple[str, str, str, str] | None:
    """A URL cut as libpq cuts it: (scheme, user part, host part, database), or None for the
    key=value form. The user part ends at the first "@" met before any "/": a "?" or "#" in a
    password is fine, a "/" or a second "@" is not (`misread_userinfo`)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return None
    stop = next((i for i, c in enumerate(rest) if c in "@/"), len(rest))
    userinfo, after = (rest[:stop], rest[stop + 1:]) if rest[stop:stop + 1] == "@" else ("", rest)
    end = next((i for i, c in enumerate(after) if c in "/?"), len(after))
    host, tail = after[:end], after[end:]
    database = tail[1:].split("?", 1)[0] if tail.startswith("/") else ""
    return scheme, userinfo, host, database


def misread_userinfo(url: str) -> bool:
    """A password holding "/" or a second "@", unencoded: libpq reads part of it as the host or
    the database, and its errors (and a URL rebuilt from its reading) would show it."""
    parts = _as_libpq_reads(url)
    return parts is not None and ("@" in parts[2] or "@" in parts[3])


def redact(url: str) -> str:
    """The URL without its password or query (which may hold password=), for messages and logs.
    Cut as libpq cuts it; a URL it would misread shows nothing of itself, not even the host
    (rebuilt from libpq's misreading of "bot:Xy7/Qz9SECRET@db", the URL printed the password)."""
    parts = _as_libpq_reads(url)
    if parts is not None:
        scheme, userinfo, host, database = parts
        if misread_userinfo(url):
            return f"{scheme}://(URL not shown)"
        user = userinfo.split(":", 1)[0]
        return f"{scheme}://{user + '@' if user else ''}{host}/{database}"
    try:   # key=value form
        params = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "postgresql://(unreadable URL)"
    host, port, db, user = (params.get(k) for k in ("host", "port", "dbname", "user"))
    return f"postgresql://{user + '@' if user else ''}{host or ''}{':' + port if port else ''}/{db or ''}"


class StoreUnreachable(StoreError):
    """The PostgreSQL server could not be reached or refused us at start-up (one line, no password)."""


class Written(NamedTuple):
    """What one writing statement returned (`PostgresStore._write`): its rows and its row count."""
    rows: list[tuple]
    count: int


class PostgresStore(RepStorePostgres, Store):
    def __init__(self, url: str, *, max_size: int = POOL_MAX, timeout: float = POOL_TIMEOUT, migrate: bool = True,
                 setting: str = "storage.url"):
        self._url = url
        self._setting = setting   # where the URL came from, as its messages name it (migrate-store: --to)
        self._max_size, self._timeout = max_size, timeout
        self._pool: ConnectionPool | None = None
        self._pool_lock = threading.Lock()
        self._down_until = 0.0   # monotonic: until then the database is taken to be unreachable
        self._probing = threading.Lock()   # held while a background probe runs (one at a time)
        self._checking = threading.Lock()  # held while the background check of the whole pool runs (`_check`)
        if misread_userinfo(url):
            raise StoreUnreachable(f"{self.location}: the URL's password (or user) holds a / or a second @, which "
                                   "must be percent-encoded (/ as %2F, @ as %40): libpq would read part of it as the "
                                   "host or database")
        if migrate:
            self._migrate()
        else:   # `health`: a check writes nothing (it had made the tables in a database it was pointed at)
            self._check_schema()

    def __repr__(self) -> str:
        return f"PostgresStore({redact(self._url)!r})"

    @property
    def location(self) -> str:
        return redact(self._url)

    @property
    def pool(self) -> ConnectionPool:
        if self._pool is None:
            with self._pool_lock:
                if self._pool is None:
                    # autocommit: each statement is its own transaction unless a method opens one
                    # check: a connection the server dropped (a restart, a failover) is replaced
                    # before use, not handed to a caller (`_check`); statement_timeout: a stuck database fails a
                    # call in seconds; keepalives and tcp_user_timeout: a server gone from the network
                    # (no reset, no answer) is found in seconds, not in the kernel's ~15 minutes. A
                    # hung server whose kernel still acknowledges is handlers/answering.py's to bound:
                    # the ack path never waits on the inbox write for more than ACCEPT_SECONDS.
                    conninfo = self._conninfo(connect_timeout=5, options=f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
                                              keepalives=1, keepalives_idle=10, keepalives_interval=5,
                                              keepalives_count=3, tcp_user_timeout=TCP_USER_TIMEOUT_MS)
                    self._pool = ConnectionPool(conninfo, min_size=1, max_size=self._max_size,
                                                timeout=self._timeout, kwargs={"autocommit": True},
                                                check=self._check, open=True,
                                                name="biglisten-store")
        return self._pool

    def _check(self, conn: psycopg.Connection) -> None:
        """The pool's check of a connection before it is handed out. One the server ended (an admin's
        pg_terminate_backend, a restart, a failover) is likely not alone: the rest of the pool is
        checked at once (`ConnectionPool.check`), on a thread of its own (one at a time): in a
        network partition each connection's check can wait out TCP_USER_TIMEOUT_MS, and the caller
        isn't held up by the others'. Left to the pool, they were found one per attempt with its
        back-off between (1 s, 2 s, 4 s), so with four or more ended the call gave up after the
        pool's 5 s, and so did the next."""
        try:
            ConnectionPool.check_connection(conn)
        except psycopg.Error:
            if self._checking.acquire(blocking=False):
                threading.Thread(target=self._check_pool, name="store-pool-check", daemon=True).start()
            raise

    def _check_pool(self) -> None:
        try:
            self.pool.check()
        except Exception as e:   # a pool closed meanwhile (shutdown): nothing left to check
            log.debug("checking the store's pool: %s", type(e).__name__)
        finally:
            self._checking.release()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    # Every statement goes through _read or _write (each tried again if the server ends the
    # connection before COMMIT, `_again`): its texts made storable (bot.store.storable), as the
    # SQLite backend does, so both store the same text.
    def _read(self, sql: str, params: tuple | dict = ()) -> list[tuple]:
        """A SELECT, run once more on a fresh connection if the server ended this one under it (`_again`)."""
        return self._again(lambda conn: conn.execute(sql, storable_params(params)).fetchall(), writes=False)

    def _write(self, sql: str, params: tuple | dict = (), *, timeout: float | None = None) -> Written:
        """One statement that writes, in a transaction of its own: if the server ends the
        connection under it, whether it was written is known (`_again`). `timeout`: for a
        pooled connection (the pool's own when None)."""
        def run(conn: psycopg.Connection) -> Written:
            cur = conn.execute(sql, storable_params(params))
            return Written(cur.fetchall() if cur.description else [], cur.rowcount)
        return self._again(run, timeout=timeout)

    def _again(self, work: Callable[[psycopg.Connection], T], *, writes: bool = True,
               timeout: float | None = None) -> T:
        """`work(conn)`, in one transaction when it `writes`, run once more on a fresh connection
        if the server ended the connection under it (`server_ended`: an admin's
        pg_terminate_backend, a restart, a failover) before COMMIT was sent: the server rolled it
        back then, so nothing is done twice. A connection that passed the pool's check can still
        be ended before the first statement on it, and a statement under way is ended with it. A
        connection broken with no word from the server (a network cut) is not run again: the
        store is marked down (`_connection`), and the server may still hold the transaction."""
        try:
            return self._attempt(work, writes, timeout)
        except psycopg.OperationalError as e:
            if not server_ended(e):
                raise
            log.warning("the database ended a connection under a statement (%s); running it again on a fresh "
                        "one", e.sqlstate or type(e).__name__)
        return self._attempt(work, writes, timeout)

    def _attempt(self, work: Callable[[psycopg.Connection], T], writes: bool, timeout: float | None) -> T:
        """One try of `_again`'s. Ended once COMMIT was sent, the write may have been made:
        running it again could make it twice, so `StoreUnsure` says so instead."""
        committing = False
        try:
            with self._connection(timeout) as conn:
                if not writes:
                    return work(conn)
                with conn.transaction():
                    result = work(conn)
                    committing = True
                return result
        except psycopg.OperationalError as e:
            if committing and connection_ended(e):
                raise StoreUnsure(f"{self.location}: the database ended the connection as a write was committed: "
                                  "it may or may not have been made") from e
            raise

    @contextmanager
    def _connection(self, timeout: float | None = None):
        """A pooled connection. Once a call has found the database unreachable, calls fail at
        once for DOWN_SECONDS instead of each waiting out the pool's timeout (a question's
        pins, kept answers and log, a readiness probe every few seconds). A busy pool or a
        slow statement is not that (`_unreachable`)."""
        if time.monotonic() < self._down_until:
            raise StoreUnreachable(f"{self.location}: the database was unreachable moments ago")
        try:
            with self.pool.connection(timeout=timeout) as conn:
                yield conn
        except (PoolTimeout, psycopg.OperationalError) as e:
            if self._unreachable(e):
                self._down_until = time.monotonic() + DOWN_SECONDS
            raise
        # a call that went through (one in flight when the server stalled, say) shows it is back:
        # the calls after it try again at once (a late inbox write's settle was refused for 5 s)
        self._down_until = 0.0

    def _unreachable(self, error: Exception) -> bool:
        """A connection broke with no word from the server (no SQLSTATE) or a connection-class
        one (08): the server can't be reached. A pool timeout may only mean a busy pool: one
        background probe at a time looks (`_probe`); the caller doesn't wait for it. Not a
        statement timeout, a deadlock, a terminated backend or too many connections."""
        if isinstance(error, PoolTimeout):
            if self._probing.acquire(blocking=False):
                threading.Thread(target=self._probe, name="store-probe", daemon=True).start()
            return False
        return connection_lost(error)

    def _probe(self) -> None:
        """One direct connection: refused or unanswered (libpq's own words: the network, not
        the server, said no) marks the database down; any answer from the server (even "too
        many connections", or a wrong password) does not."""
        try:
            psycopg.connect(self._conninfo(connect_timeout=2)).close()
        except psycopg.Error as e:
            if any(words in str(e) for words in NO_SERVER):
                self._down_until = time.monotonic() + DOWN_SECONDS
        finally:
            self._probing.release()

    def _conninfo(self, **extra) -> str:
        """The URL with `extra` settings. An `options` of ours is added to the user's own (the
        URL's `options`, else PGOPTIONS), not put in their place: a `-c search_path=...` there had
        been dropped from the pool's connections only, so the tables were made in one schema at
        start-up and looked for in another by every statement after it."""
        try:
            if "options" in extra:
                own = conninfo_to_dict(self._url).get("options") or os.environ.get("PGOPTIONS", "")
                # theirs after ours (a setting of theirs wins), but READ COMMITTED after theirs: see READ_COMMITTED
                extra["options"] = f"{extra['options']} {own} {READ_COMMITTED}"
            return make_conninfo(self._url, **extra)
        except psycopg.Error:   # its message quotes the URL, password and all
            raise StoreUnreachable(f"{self.location}: not a valid PostgreSQL URL; check {self._setting} or its "
                                   "environment variable (not shown here: it may hold a password)") from None

    # --- schema -----------------------------------------------------------------------------
    def _connect(self) -> psycopg.Connection:
        """A connection of its own (not the pool), so a failure says why: wrong password, no such
        database, server down."""
        try:
            return psycopg.connect(self._conninfo(connect_timeout=10), autocommit=True)
        except psycopg.OperationalError as e:
            reason = " ".join(str(e).split())[:300]
            raise StoreUnreachable(f"{self.location}: cannot connect to PostgreSQL ({reason}); check the server, "
                                   f"{self._setting} and the password (PGPASSWORD or the URL's variable)") from None

    def _check_schema(self) -> None:
        """The schema as `serve` leaves it, read only: no tables, or older ones, are not ready."""
        with self._connect() as conn:
            if conn.execute("SELECT to_regclass('schema_version')").fetchone()[0] is None:
                raise StoreError(f"{self.location}: no bot tables in this database (serve creates them on its "
                                 f"first start); check {self._setting}")
            version = conn.execute("SELECT version FROM schema_version").fetchone()
        check_schema_version(self.location, version[0] if version else 0, len(MIGRATIONS))

    def _migrate(self) -> None:
        try:
            self._run_migrations()
        except psycopg.Error as e:   # a database user who may not create (or alter) the tables: one line
            if isinstance(e, psycopg.OperationalError) and connection_lost(e):
                raise StoreUnreachable(f"{self.location}: the connection was lost while migrating the bot's "
                                       "tables; nothing was changed: start the bot again") from None
            if e.sqlstate == READ_ONLY_SQLSTATE:
                with self._connect() as conn:
                    why = _read_only_reason(conn) or "it refused a write"
                raise StoreError(f"{self.location}: the database server is read-only ({why}): point "
                                 f"{self._setting} at the primary") from None
            reason = " ".join((e.diag.message_primary or str(e)).split())[:300]   # without LINE 1: ...
            raise StoreError(f"{self.location}: cannot create or migrate the bot's tables ({reason}): the database "
                             "user needs to create tables in its database (make it the database's owner, or "
                             "GRANT CREATE ON SCHEMA public to it) and to own the tables it made") from None

    def read_only(self) -> str:
        with self._connection() as conn:
            return _read_only_reason(conn)

    def _run_migrations(self) -> None:
        conn = self._connect()
        with conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))   # held until commit
            conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = conn.execute("SELECT version FROM schema_version").fetchone()
            if row is None:
                conn.execute("INSERT INTO schema_version(version) VALUES (0)")
            version = row[0] if row else 0
            refuse_newer(self.location, version, len(MIGRATIONS))
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in filter(str.strip, script.split(";")):
                    conn.execute(statement)
                conn.execute("UPDATE schema_version SET version = %s", (number,))

    @property
    def schema_version(self) -> int:
        return self._read("SELECT version FROM schema_version")[0][0]

    # --- the durable inbox ------------------------------------------------------------------
    def enqueue(self, key: str, payload: dict, *, owner: str, lease_seconds: float,
                now: float | None = None) -> InboxItem | None:
        # the lease runs from when the server writes the row (late, on a server that hung)
        return _item(self._write(
            "INSERT INTO inbox(key, payload, state, owner, lease_until, attempts, posting, received_at) "
            f"VALUES (%s, %s, 'pending', %s, {_WRITTEN} + %s, 1, false, %s) "
            "ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until, "
            "attempts = inbox.attempts + 1 "
            f"WHERE inbox.state = 'pending' AND inbox.lease_until < {_NOW} RETURNING {_ITEM}",
            (key, json.dumps(payload, ensure_ascii=False), owner, now, lease_seconds,
             time.time() if now is None else now, now),
            timeout=ENQUEUE_TIMEOUT).rows)

    def lease(self, key: str, *, owner: str, lease_seconds: float, now: float | None = None) -> InboxItem | None:
        return _item(self._write(
            f"UPDATE inbox SET owner = %s, lease_until = {_WRITTEN} + %s, attempts = attempts + 1 "
            f"WHERE key = %s AND state = 'pending' AND lease_until < {_NOW} RETURNING {_ITEM}",
            (owner, now, lease_seconds, key, now)).rows)

    def lease_expired(self, *, owner: str, lease_seconds: float, limit: int = 20,
                      now: float | None = None) -> list[InboxItem]:
        """Lease up to `limit` expired items in one statement, oldest first; rows another
        instance is leasing at this moment are skipped (FOR UPDATE SKIP LOCKED), not waited for."""
        rows = self._write(
            f"UPDATE inbox SET owner = %s, lease_until = {_WRITTEN} + %s, attempts = attempts + 1 WHERE key IN ("
            f"  SELECT key FROM inbox WHERE state = 'pending' AND lease_until < {_NOW} "
            "  ORDER BY received_at LIMIT %s FOR UPDATE SKIP LOCKED) "
            f"RETURNING {_ITEM}",
            (owner, now, lease_seconds, now, limit)).rows
        return sorted((_item([row]) for row in rows), key=lambda item: item.received_at)

    def expired(self, limit: int = 20, now: float | None = None) -> list[str]:
        rows = self._read(f"SELECT key FROM inbox WHERE state = 'pending' AND lease_until < {_NOW} "
                          "ORDER BY received_at LIMIT %s", (now, limit))
        return [key for (key,) in rows]

    def mark_posting(self, key: str, owner: str, *, lease_seconds: float = 0.0, now: float | None = None,
                     attempt: int | None = None) -> bool:
        return self._write(
            f"UPDATE inbox SET posting = true, lease_until = GREATEST(lease_until, {_WRITTEN} + %s) "
            f"WHERE key = %s AND owner = %s AND state = 'pending' AND lease_until > {_NOW} "
            "AND (%s::integer IS NULL OR attempts = %s)",
            (now, lease_seconds, key, owner, now, attempt, attempt)).count == 1

    def complete(self, key: str, *, failed: bool = False, now: float | None = None, owner: str | None = None,
                 attempt: int | None = None) -> bool:
        return self._write(
            "UPDATE inbox SET state = %s, payload = '{}', owner = NULL, done_at = %s "
            "WHERE key = %s AND state = 'pending' AND (%s::text IS NULL OR owner = %s) "
            "AND (%s::integer IS NULL OR attempts = %s)",
            ("failed" if failed else "done", time.time() if now is None else now, key, owner, owner,
             attempt, attempt)).count == 1

    def reopen(self, key: str) -> bool:
        return self._write("DELETE FROM inbox WHERE key = %s AND state <> 'pending'", (key,)).count == 1

    def record_answered(self, key: str, *, now: float | None = None, failed: bool = False) -> bool:
        now = time.time() if now is None else now
        return self._write(
            "INSERT INTO inbox(key, payload, state, owner, lease_until, attempts, posting, received_at, done_at) "
            "VALUES (%s, '{}', %s, NULL, 0, 1, false, %s, %s) "
            "ON CONFLICT (key) DO UPDATE SET state = excluded.state, payload = '{}', owner = NULL, "
            "done_at = excluded.done_at WHERE inbox.state = 'pending'",
            (key, "failed" if failed else "done", now, now)).count == 1

    def retry_later(self, key: str, owner: str, delay: float, now: float | None = None,
                    attempt: int | None = None, unposted: bool = False) -> None:
        self._write(f"UPDATE inbox SET lease_until = {_WRITTEN} + %s, "
                    "posting = CASE WHEN %s THEN false ELSE posting END "
                    "WHERE key = %s AND owner = %s AND state = 'pending' AND (%s::integer IS NULL OR attempts = %s)",
                    (now, delay, unposted, key, owner, attempt, attempt))

    def inbox_counts(self) -> dict[str, int]:
        counts = {"pending": 0, "done": 0, "failed": 0}
        counts.update(self._read("SELECT state, COUNT(*) FROM inbox WHERE state <> 'claimed' GROUP BY state"))
        return counts

    def claim_for(self, key: str, seconds: float, now: float | None = None) -> bool:
        return self._write(
            "INSERT INTO inbox(key, payload, state, owner, lease_until, attempts, posting, received_at, done_at) "
            f"VALUES (%s, '{{}}', 'claimed', NULL, 0, 1, false, {_NOW}, {_NOW}) "
            "ON CONFLICT (key) DO UPDATE SET received_at = excluded.received_at, done_at = excluded.done_at "
            "WHERE inbox.state = 'claimed' AND inbox.done_at <= excluded.done_at - %s",
            (key, now, now, seconds)).count == 1

    def inbox_oldest(self) -> float | None:
        return self._read("SELECT MIN(received_at) FROM inbox WHERE state = 'pending'")[0][0]

    # --- the question log -------------------------------------------------------------------
    def log_question(self, *, via: str, text: str, answered: bool, entry_id: str | None = None,
                     score: float | None = None, now: float | None = None) -> None:
        self._write("INSERT INTO questions(at, via, text, answered, entry_id, score) VALUES (%s,%s,%s,%s,%s,%s)",
                    (time.time() if now is None else now, via, text[:2000], bool(answered),
                     entry_id, score))

    def questions(self, since: float = 0.0) -> list[QuestionRow]:
        rows = self._read("SELECT at, via, text, answered, entry_id, score FROM questions WHERE at >= %s "
                          "ORDER BY at, id", (since,))
        return [QuestionRow(*row) for row in rows]

    # --- votes ------------------------------------------------------------------------------
    def vote(self, *, message: str, user: str, entry_id: str, query: str, helpful: bool,
             now: float | None = None) -> None:
        self._write(
            "INSERT INTO votes(message, voter, entry_id, query, helpful, at) VALUES (%s,%s,%s,%s,%s,%s) "
            "ON CONFLICT (message, voter) DO UPDATE SET helpful = excluded.helpful, at = excluded.at "
            "WHERE excluded.at >= votes.at",
            (message, user, entry_id, query[:2000], bool(helpful),
             time.time() if now is None else now))

    def votes(self, since: float = 0.0) -> list[tuple[str, bool]]:
        return [(entry_id, helpful) for entry_id, helpful in
                self._read("SELECT entry_id, helpful FROM votes WHERE at >= %s", (since,))]

    # --- pins -------------------------------------------------------------------------------
    def add_pin(self, pin: Pin) -> None:
        self._write(
            "INSERT INTO pins(channel, message_ts, entry_id, statement, question, rep, rep_name, at, permalink) "
            "VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s) ON CONFLICT (channel, message_ts) DO UPDATE SET "
            "entry_id = excluded.entry_id, statement = excluded.statement, question = excluded.question, "
            "rep = excluded.rep, rep_name = excluded.rep_name, at = excluded.at, permalink = excluded.permalink",
            (pin.channel, pin.message_ts, pin.entry_id, pin.statement,
             pin.question[:2000], pin.rep, pin.rep_name, pin.at, pin.permalink))

    def remove_pin(self, channel: str, message_ts: str, at: float | None = None) -> bool:
        sql, params = "DELETE FROM pins WHERE channel = %s AND message_ts = %s", (channel, message_ts)
        if at is not None:
            sql, params = sql + " AND at = %s", (*params, at)
        return self._write(sql, params).count > 0

    def pin(self, channel: str, message_ts: str) -> Pin | None:
        found = self._pins("WHERE channel = %s AND message_ts = %s", (channel, message_ts))
        return found[0] if found else None

    def pins(self) -> list[Pin]:
        return self._pins("ORDER BY at DESC")

    def _pins(self, where: str, params: tuple = ()) -> list[Pin]:
        rows = self._read("SELECT channel, message_ts, entry_id, statement, question, rep, rep_name, at, permalink "
                          f"FROM pins {where}", params)
        return [Pin(c, ts, e, st, q or "", rep, rn or "", at, pl or "") for c, ts, e, st, q, rep, rn, at, pl in rows]

    # --- the guided walk-through -------------------------------------------------------------
    def walk_place(self, user: str) -> WalkPlace | None:
        rows = self._read("SELECT pack, position, at, entry_id FROM walkthrough WHERE member = %s", (user,))
        if not rows:
            return None
        pack, position, at, entry_id = rows[0]
        return WalkPlace(user, pack, position, at, place_entry(position, entry_id))

    def save_walk_place(self, user: str, pack: str, position: int, entry_id: str = "",
                        now: float | None = None) -> None:
        self._write(
            "INSERT INTO walkthrough(member, pack, position, at, entry_id) VALUES (%s,%s,%s,%s,%s) "
            "ON CONFLICT (member) DO UPDATE SET pack = excluded.pack, position = excluded.position, at = excluded.at, "
            "entry_id = excluded.entry_id",
            (user, pack, position, time.time() if now is None else now,
             stored_place_entry(position, entry_id)))

    def move_walk_place(self, user: str, was: WalkPlace, pack: str, position: int, entry_id: str = "",
                        now: float | None = None) -> bool:
        # READ COMMITTED: a row another press is moving is waited for, then looked at again
        return self._write(
            "UPDATE walkthrough SET pack = %s, position = %s, at = %s, entry_id = %s "
            "WHERE member = %s AND pack = %s AND position = %s AND at = %s",
            (pack, position, time.time() if now is None else now, stored_place_entry(position, entry_id),
             user, was.pack, was.position, was.at)).count == 1

    def end_walk(self, user: str, *, was: WalkPlace | None = None, pack: str | None = None) -> bool:
        if was is not None:
            return self._write("DELETE FROM walkthrough WHERE member = %s AND pack = %s AND position = %s "
                               "AND at = %s", (user, was.pack, was.position, was.at)).count > 0
        return self._write("DELETE FROM walkthrough WHERE member = %s AND (%s::text IS NULL OR pack = %s)",
                           (user, pack, pack)).count > 0

    # --- retention --------------------------------------------------------------------------
    def purge(self, retention_days: int, now: float | None = None) -> int:
        now = time.time() if now is None else now
        cutoff = now - retention_days * 86400

        def run(conn: psycopg.Connection) -> int:
            conn.execute("DELETE FROM inbox WHERE state <> 'pending' AND done_at < %s", (now - EVENT_TTL,))
            conn.execute(REPS_PURGE, (cutoff,))
            deleted = conn.execute("DELETE FROM questions WHERE at < %s", (cutoff,)).rowcount
            conn.execute("DELETE FROM walkthrough WHERE at < %s", (cutoff,))
            return deleted + conn.execute("DELETE FROM votes WHERE at < %s", (cutoff,)).rowcount
        return self._again(run)   # one transaction, run once more if the server ends it before COMMIT


def _read_only_reason(conn: psycopg.Connection) -> str:
    """Why the server refuses writes ('' if it doesn't)."""
    recovery, read_only = conn.execute(
        "SELECT pg_is_in_recovery(), current_setting('transaction_read_only')").fetchone()
    if recovery:
        return "a standby in recovery"
    if read_only == "on":
        return "default_transaction_read_only is on for the database, the role or the server"
    return ""


def _item(rows: list) -> InboxItem | None:
    if not rows:
        return None
    key, payload, attempts, posting, received_at = rows[0]
    return InboxItem(key, json.loads(payload), attempts, bool(posting), received_at)
