"""`python -m bot migrate-store --to postgresql://...`: copy a SQLite store into PostgreSQL.

Copies what is worth keeping: pins, votes, the question log, walk-through places, events
still waiting in the durable inbox, requests for the reps and kept rep answers (dedupe
memory and answered inbox items are short-lived and start afresh). One
transaction on the target: every table is copied and its row count checked against the
source, or nothing is written. The target must hold none of these rows yet, so running it
twice can't double the question log. Stop the bot first (or point it at the new store as
soon as this finishes): questions asked in between stay in the SQLite file.
"""
from __future__ import annotations

from dataclasses import dataclass

import psycopg

from bot.errors import BotError
from bot.store import storable
from bot.store_postgres import PostgresStore
from bot.store_sqlite import KEPT_COLUMNS, REQUEST_COLUMNS, SQLiteStore

# table: (columns in the SQLite file, columns in PostgreSQL, which rows)
TABLES: dict[str, tuple[str, str, str]] = {
    "pins": ("channel, message_ts, entry_id, statement, question, rep, rep_name, at, permalink",
             "channel, message_ts, entry_id, statement, question, rep, rep_name, at, permalink", ""),
    "votes": ("message, user, entry_id, query, helpful, at", "message, voter, entry_id, query, helpful, at", ""),
    "questions": ("at, via, text, answered, entry_id, score", "at, via, text, answered, entry_id, score", ""),
    "inbox": ("key, payload, state, owner, lease_until, attempts, posting, received_at, done_at",
              "key, payload, state, owner, lease_until, attempts, posting, received_at, done_at",
              "WHERE state = 'pending'"),
    # Ask a rep (issue 9): requests keep their numbers (reps and the terminal use them) and
    # kept answers their ids (requests point at them)
    "kept_answers": (KEPT_COLUMNS, KEPT_COLUMNS, ""),
    "rep_requests": (f"{REQUEST_COLUMNS}, deliver_owner, deliver_until, rewrite_due, tried_at",
                     f"{REQUEST_COLUMNS}, deliver_owner, deliver_until, rewrite_due, tried_at", ""),
    "walkthrough": ("user, pack, position, at, entry_id", "member, pack, position, at, entry_id", ""),
}
SERIAL = ("kept_answers", "rep_requests")   # ids copied as they are: move their sequences past them
BOOLEAN = {("votes", 4), ("questions", 3), ("inbox", 6)}   # SQLite keeps 0/1


class MigrationFailed(BotError):
    """The copy was refused or did not verify; nothing was written."""


@dataclass(frozen=True)
class Copied:
    table: str
    source: int
    target: int


def migrate(source: SQLiteStore, target: PostgresStore) -> list[Copied]:
    """Copy every table in one transaction; anything PostgreSQL refuses is MigrationFailed (one
    line, nothing written). No statement time limit: a table's COPY lasts as long as its rows
    take to send (the bot's 10 s had cancelled a large question log sent over a slow link)."""
    try:
        return _copy(source, target)
    except psycopg.Error as e:
        reason = " ".join((getattr(e.diag, "message_primary", None) or str(e)).split())[:300]
        raise MigrationFailed(f"{target.location}: the copy failed ({reason}); nothing was written") from None


def _copy(source: SQLiteStore, target: PostgresStore) -> list[Copied]:
    src = source.connection()
    copied: list[Copied] = []
    with target.pool.connection() as conn, conn.transaction():
        conn.execute("SET LOCAL statement_timeout = 0")
        for table, (src_cols, dst_cols, where) in TABLES.items():
            present = conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            if present:
                raise MigrationFailed(f"{target.location}: table {table} already has {present} rows; "
                                      "migrate-store only copies into an empty store")
            rows = src.execute(f"SELECT {src_cols} FROM {table} {where}").fetchall()
            with conn.cursor().copy(f"COPY {table} ({dst_cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(tuple(_value(table, i, v) for i, v in enumerate(row)))
            count = conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            copied.append(Copied(table, len(rows), count))
            if count != len(rows):
                raise MigrationFailed(f"{table}: copied {count} rows of {len(rows)}; nothing was written")
        for table in SERIAL:
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                         f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)")
    return copied


def _value(table: str, index: int, value):
    if (table, index) in BOOLEAN:
        return bool(value)
    return storable(value)
