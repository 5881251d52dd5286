"""The PostgreSQL side of "Ask a rep" (issue 9): requests for the reps and kept rep answers.

A mixin for bot/store_postgres.py's `PostgresStore` (issue 11), kept in its own module so the
two land independently: `class PostgresStore(RepStorePostgres, Store)` and `MIGRATION` appended
to its MIGRATIONS. It needs only the store's `_read`, `_write` and `_again` (psycopg 3,
autocommit connections; each write a transaction, run once more if the server ends its
connection before COMMIT: an admin's pg_terminate_backend, a restart, a failover). Atomicity as
bot/store.py promises: `close_request` is one transaction whose UPDATE ... WHERE state = 'open'
makes a second caller wait on the row lock and then re-check (READ COMMITTED), so exactly one of
any number of concurrent callers wins; leases are one conditional UPDATE each. Verified against a real server with
tests/test_rep_store_contract.py on a trial merge with the issue 11 branch.
"""
from __future__ import annotations

import time

from bot.store import REWRITE_GRACE, KeptAnswer, RepRequest, closing_state
from bot.store import storable as _text  # one rule for every backend (bot.store.storable)
from bot.store_sqlite import FORGET_ASKER, KEPT_COLUMNS, MAY_BE_POSTED, REQUEST_COLUMNS
from bot.store_sqlite import PENDING as REQUEST_PENDING
from bot.store_sqlite import REWRITE as REQUEST_REWRITE
from bot.store_sqlite import TEXT_LIMIT as REP_TEXT_LIMIT

MIGRATION = """
    CREATE TABLE rep_requests (
        id BIGSERIAL PRIMARY KEY, question TEXT NOT NULL, asker TEXT NOT NULL, asker_name TEXT NOT NULL,
        channel TEXT NOT NULL, thread_ts TEXT NOT NULL, state TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL,
        reps_channel TEXT NOT NULL DEFAULT '', reps_ts TEXT NOT NULL DEFAULT '', escalated_at DOUBLE PRECISION,
        rep TEXT NOT NULL DEFAULT '', rep_name TEXT NOT NULL DEFAULT '', answered_at DOUBLE PRECISION,
        answer TEXT NOT NULL DEFAULT '', entry_id TEXT, kept_id BIGINT, delivered_at DOUBLE PRECISION,
        deliver_owner TEXT, deliver_until DOUBLE PRECISION NOT NULL DEFAULT 0);
    CREATE INDEX rep_requests_state ON rep_requests(state, delivered_at);
    CREATE TABLE kept_answers (
        id BIGSERIAL PRIMARY KEY, question TEXT NOT NULL, answer TEXT NOT NULL, entry_id TEXT,
        rep_name TEXT NOT NULL, answered_at DOUBLE PRECISION NOT NULL, confirmed_at DOUBLE PRECISION NOT NULL,
        retired_at DOUBLE PRECISION, flagged_at DOUBLE PRECISION);
"""
# MIGRATIONS 4 (bot/store_sqlite.py's 8)
REWRITE_MIGRATION = """
    ALTER TABLE rep_requests ADD COLUMN rewrite_due DOUBLE PRECISION;
    CREATE INDEX rep_requests_rewrite ON rep_requests(rewrite_due) WHERE rewrite_due IS NOT NULL;
"""
# MIGRATIONS 5 (bot/store_sqlite.py's 9)
TRIED_MIGRATION = """
    ALTER TABLE rep_requests ADD COLUMN tried_at DOUBLE PRECISION NOT NULL DEFAULT 0;
"""
# Leases are timed by the server's clock, so instances whose clocks disagree still agree on them
# (a `now` passed in, in tests, stands in for it): compared with the statement's start (stable
# within a statement, so an index can serve the comparison); set from the moment the row is
# written (later, on a server that hung).
NOW = "COALESCE(%s::float8, extract(epoch FROM statement_timestamp()))"
WRITTEN = "COALESCE(%s::float8, extract(epoch FROM clock_timestamp()))"
PURGE = "DELETE FROM rep_requests WHERE delivered_at < %s"   # in purge(), with the retention cutoff


class RepStorePostgres:
    """bot.store.Store's request and kept-answer methods, in PostgreSQL."""

    def add_request(self, *, question: str, asker: str, asker_name: str, channel: str, thread_ts: str,
                    now: float | None = None) -> RepRequest:
        rows = self._write(
            "INSERT INTO rep_requests(question, asker, asker_name, channel, thread_ts, state, created_at) "
            f"VALUES (%s,%s,%s,%s,%s,'open',%s) RETURNING {REQUEST_COLUMNS}",
            (_text(question[:REP_TEXT_LIMIT]), _text(asker), _text(asker_name), _text(channel), _text(thread_ts),
             time.time() if now is None else now)).rows
        return RepRequest(*rows[0])

    def set_request_message(self, request_id: int, reps_channel: str, reps_ts: str) -> None:
        self._write("UPDATE rep_requests SET reps_channel = %s, reps_ts = %s, deliver_until = 0 WHERE id = %s",
                    (_text(reps_channel), _text(reps_ts), request_id))

    def request(self, request_id: int) -> RepRequest | None:
        rows = self._read(f"SELECT {REQUEST_COLUMNS} FROM rep_requests WHERE id = %s", (request_id,))
        return RepRequest(*rows[0]) if rows else None

    def requests(self, states: tuple[str, ...] = ("open",)) -> list[RepRequest]:
        rows = self._read(f"SELECT {REQUEST_COLUMNS} FROM rep_requests WHERE state = ANY(%s) ORDER BY created_at, id",
                          (list(states),))
        return [RepRequest(*row) for row in rows]

    def open_request_count(self) -> int:
        return self._read("SELECT COUNT(*) FROM rep_requests WHERE state = 'open'")[0][0]

    def close_request(self, request_id: int, *, state: str, rep: str, rep_name: str, answer: str = "",
                      entry_id: str | None = None, keep: bool = False, kept_question: str | None = None,
                      now: float | None = None) -> RepRequest | None:
        closing_state(state)
        now = time.time() if now is None else now

        def close(conn) -> bool:
            # READ COMMITTED: a second caller waits on the row lock, then re-checks state = 'open'
            if state == "withdrawn":
                row = conn.execute(
                    f"UPDATE rep_requests SET state = 'withdrawn', question = '', {FORGET_ASKER}, answered_at = %s, "
                    "delivered_at = %s, rewrite_due = %s WHERE id = %s AND state = 'open' RETURNING question",
                    (now, now, now + REWRITE_GRACE, request_id)).fetchone()
            else:
                row = conn.execute(
                    "UPDATE rep_requests SET state = %s, rep = %s, rep_name = %s, answer = %s, entry_id = %s, "
                    "answered_at = %s, deliver_until = 0, rewrite_due = %s WHERE id = %s AND state = 'open' "
                    "RETURNING question",
                    (state, _text(rep), _text(rep_name), _text(answer[:REP_TEXT_LIMIT]), _text(entry_id), now,
                     now + REWRITE_GRACE, request_id)).fetchone()
            if row is not None and keep and state == "answered":
                (kept_id,) = conn.execute(
                    "INSERT INTO kept_answers(question, answer, entry_id, rep_name, answered_at, confirmed_at) "
                    "VALUES (%s,%s,%s,%s,%s,%s) RETURNING id",
                    (_text((kept_question or "").strip()[:REP_TEXT_LIMIT]) or row[0], _text(answer[:REP_TEXT_LIMIT]),
                     _text(entry_id), _text(rep_name), now, now)).fetchone()
                conn.execute("UPDATE rep_requests SET kept_id = %s WHERE id = %s", (kept_id, request_id))
            return row is not None
        # one transaction, run once more if the server ends its connection before COMMIT (`_again`)
        return self.request(request_id) if self._again(close) else None

    def claim_request(self, request_id: int, *, owner: str, lease_seconds: float,
                      now: float | None = None) -> RepRequest | None:
        rows = self._write(
            f"UPDATE rep_requests SET deliver_owner = %s, deliver_until = {WRITTEN} + %s, tried_at = %s "
            f"WHERE id = %s AND deliver_until < {NOW} AND {REQUEST_PENDING} RETURNING {REQUEST_COLUMNS}",
            (owner, now, lease_seconds, time.time() if now is None else now, request_id, now)).rows
        return RepRequest(*rows[0]) if rows else None

    def release_request(self, request_id: int, owner: str) -> None:
        self._write("UPDATE rep_requests SET deliver_until = 0 WHERE id = %s AND deliver_owner = %s",
                    (request_id, owner))

    def pending_requests(self, now: float | None = None) -> list[int]:
        return [r for (r,) in self._read(
            f"SELECT id FROM rep_requests WHERE deliver_until < {NOW} AND {REQUEST_PENDING} ORDER BY tried_at, id",
            (now,))]

    def mark_delivered(self, request_id: int, now: float | None = None) -> None:
        self._write(f"UPDATE rep_requests SET delivered_at = %s, deliver_owner = NULL, {FORGET_ASKER} "
                    "WHERE id = %s AND delivered_at IS NULL", (time.time() if now is None else now, request_id))

    def rewrites_due(self, limit: int = 20, now: float | None = None) -> list[RepRequest]:
        rows = self._read(f"SELECT {REQUEST_COLUMNS} FROM rep_requests WHERE {REQUEST_REWRITE} AND rewrite_due <= %s "
                          "ORDER BY rewrite_due, id LIMIT %s", (time.time() if now is None else now, limit))
        return [RepRequest(*row) for row in rows]

    def retry_rewrite(self, request_id: int, now: float | None = None) -> None:
        self._write(f"UPDATE rep_requests SET rewrite_due = %s WHERE id = %s AND state != 'open' AND {MAY_BE_POSTED}",
                    (time.time() if now is None else now, request_id))

    def message_rewritten(self, request_id: int) -> None:
        self._write("UPDATE rep_requests SET rewrite_due = NULL WHERE id = %s", (request_id,))

    def mark_escalated(self, request_id: int, now: float | None = None) -> bool:
        return self._write("UPDATE rep_requests SET escalated_at = %s WHERE id = %s AND state = 'open' "
                           "AND escalated_at IS NULL", (time.time() if now is None else now, request_id)).count == 1

    def release_escalation(self, request_id: int, at: float) -> None:
        self._write("UPDATE rep_requests SET escalated_at = NULL WHERE id = %s AND escalated_at = %s",
                    (request_id, at))

    def kept_answers(self, *, include_retired: bool = False) -> list[KeptAnswer]:
        where = "" if include_retired else "WHERE retired_at IS NULL"
        return [KeptAnswer(*row) for row in
                self._read(f"SELECT {KEPT_COLUMNS} FROM kept_answers {where} ORDER BY answered_at DESC, id DESC")]

    def kept_answer(self, kept_id: int) -> KeptAnswer | None:
        rows = self._read(f"SELECT {KEPT_COLUMNS} FROM kept_answers WHERE id = %s", (kept_id,))
        return KeptAnswer(*rows[0]) if rows else None

    def edit_kept(self, kept_id: int, answer: str, *, rep_name: str, question: str | None = None,
                  now: float | None = None) -> bool:
        now = time.time() if now is None else now   # another rep's words now: answered (and confirmed) now
        return self._write(
            "UPDATE kept_answers SET answer = %s, question = COALESCE(%s, question), rep_name = %s, answered_at = %s, "
            "confirmed_at = %s, flagged_at = NULL WHERE id = %s AND retired_at IS NULL",
            (_text(answer[:REP_TEXT_LIMIT]), _text(question[:REP_TEXT_LIMIT]) if question else None, _text(rep_name),
             now, now, kept_id)).count == 1

    def confirm_kept(self, kept_id: int, now: float | None = None) -> bool:
        return self._write("UPDATE kept_answers SET confirmed_at = %s, flagged_at = NULL WHERE id = %s "
                           "AND retired_at IS NULL", (time.time() if now is None else now, kept_id)).count == 1

    def retire_kept(self, kept_id: int, now: float | None = None) -> bool:
        return self._write("UPDATE kept_answers SET retired_at = %s WHERE id = %s AND retired_at IS NULL",
                           (time.time() if now is None else now, kept_id)).count == 1

    def flag_kept(self, kept_id: int, now: float | None = None) -> bool:
        return self._write("UPDATE kept_answers SET flagged_at = %s WHERE id = %s AND retired_at IS NULL "
                           "AND flagged_at IS NULL", (time.time() if now is None else now, kept_id)).count == 1

    def release_kept_flag(self, kept_id: int, at: float) -> None:
        self._write("UPDATE kept_answers SET flagged_at = NULL WHERE id = %s AND flagged_at = %s", (kept_id, at))
