"""`python -m bot backup FILE`: a consistent copy of the SQLite store, taken while the bot runs.

The store holds what reps and members made and nobody can make again: pins, kept rep answers,
requests waiting for a rep, votes, the question log, walk-through places. Copying the file
with `cp` while the bot writes can copy half a write (and leaves out what is still in its
`-wal`); SQLite's online backup reads one snapshot, in one read transaction, so the copy is
the store as it was at one moment, whatever the bot does meanwhile. Only read
(`SQLiteStore.read_only_connection`, beside a running bot through its -shm).

The copy is one file (no `-wal` beside it), checked with `PRAGMA integrity_check`, made
under a temporary name and linked into place, so FILE is never half written and never an
existing file replaced (where the filesystem has no hard links, FILE is claimed and the copy
moved onto it: for a moment an empty file). It is made readable by its owner only: the question log holds
members' words. Restoring is stopping the bot and putting the copy in the store's place
(README, "Backing up a SQLite store").

Any bot store is copied as it is, whatever its schema version: the copy to keep before a new
bot migrates it is of the older one (`SQLiteStore(..., any_version=True)`).

PostgreSQL has its own tools (`pg_dump`); this is for the SQLite file.
"""
from __future__ import annotations

import contextlib
import os
import sqlite3
import uuid
from pathlib import Path

from bot.errors import StoreError
from bot.store_sqlite import SQLiteStore, name_new_file


def _into_place(partial: Path, target: Path) -> None:
    """The finished copy given its name, never replacing a file (one made meanwhile is kept)."""
    try:
        name_new_file(partial, target)
    except FileExistsError:
        raise StoreError(f"{target}: already exists; a backup never replaces a file: give a new name") from None
    except OSError as e:
        raise StoreError(f"{target}: can't write the backup there ({e.strerror})") from None


def backup(source: SQLiteStore, target: Path) -> list[tuple[str, int]]:
    """Copy `source` to `target` (which must not exist); each table's rows in the copy."""
    target = Path(target)
    if target.exists() or target.is_symlink():
        raise StoreError(f"{target}: already exists; a backup never replaces a file: give a new name")
    if not target.parent.is_dir():
        raise StoreError(f"{target.parent}: no such folder")
    partial = target.parent / f".{target.name}.{uuid.uuid4().hex[:12]}.partial"
    try:
        os.close(os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except OSError as e:
        raise StoreError(f"{target.parent}: can't write the backup there ({e.strerror})") from None
    try:
        copy = sqlite3.connect(partial, isolation_level=None)
        try:
            reader = source.read_only_connection()
            try:
                reader.backup(copy)   # every page in one step, in one read transaction: one snapshot
            finally:
                reader.close()
            copy.execute("PRAGMA journal_mode=DELETE")   # one file: nothing left in a -wal beside it
            problems = [row[0] for row in copy.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise StoreError(f"{source.path}: the copy failed SQLite's integrity check ({problems[0]}): "
                                 "the store itself may be damaged; nothing was written")
            tables = [row[0] for row in copy.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
            counts = [(t, copy.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0]) for t in tables]
        finally:
            copy.close()
        with open(partial, "rb") as f:   # on the disk before it has its name
            os.fsync(f.fileno())
        _into_place(partial, target)
        folder = os.open(target.parent, os.O_RDONLY)
        try:   # its name on the disk too: after a power cut the backup is there, not only its pages
            os.fsync(folder)
        finally:
            os.close(folder)
        return counts
    except sqlite3.Error as e:
        raise StoreError(f"{source.path}: the backup failed: {e}; nothing was written") from None
    finally:
        for leftover in (partial, Path(f"{partial}-journal")):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(leftover)
