"""The folder where the meaning signal keeps what it computes once per pack (entry vectors,
content tokens, the two classifiers' weights): where it is, writing a file safely, and
clearing out what no pack has used for a while.

Files are named by hashes of what they were computed from, so every edit of a pack, the
model or the rules leaves the old files behind (a few hundred MB after a month of edits).
Each file's modification time is refreshed whenever it is read, and a start-up removes this
folder's cache files that nothing has read or written for KEEP_DAYS: a pack in use is read at
every start and reload, so only files of packs and versions no longer loaded go.
"""
from __future__ import annotations

import logging
import os
import re
import time
from pathlib import Path

log = logging.getLogger(__name__)

KEEP_DAYS = 30          # a cache file unread this long belongs to a pack or version no longer loaded
TORN_SECONDS = 3600     # a temporary file this old was left by a writer that died
# what this folder holds (BIGLISTEN_CACHE_DIR may point anywhere: nothing else is touched)
OURS = re.compile(r"^(meaning|tokens|intent|words)-[0-9A-Za-z.\-]+\.(npy|npz)$")
TORN = re.compile(r"^(meaning|tokens|intent|words)-[0-9A-Za-z.\-]+\.\d+\.tmp$")


def cache_dir() -> Path:
    """Where entry vectors are cached: $BIGLISTEN_CACHE_DIR, else var/cache in the project
    (git ignores var/). Files are named by a hash of the model and the exact texts, so
    every pack and config can share one folder."""
    override = os.environ.get("BIGLISTEN_CACHE_DIR")
    return Path(override) if override else Path(__file__).resolve().parent.parent / "var" / "cache"


def save(path: Path, write, what: str) -> None:
    """Writes a cache file whole or not at all (another worker may be reading it): to a
    temporary file first, then renamed over. A cache that can't be written is only a warning."""
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as f:
            write(f)
        os.replace(tmp, path)
    except OSError as e:
        log.warning("could not cache %s in %s: %s", what, path.parent, e)
        tmp.unlink(missing_ok=True)


def used(path: Path) -> None:
    """Marks a cache file as in use (its modification time is now), so pruning keeps it."""
    try:
        os.utime(path)
    except OSError:
        pass   # a read-only cache is still a cache; it just isn't pruned by use


def prune(folder: Path, keep_days: float = KEEP_DAYS, now: float | None = None) -> list[str]:
    """Removes the folder's cache files unused for `keep_days` and temporary files left by
    writers that died; returns their names. Other files, and anything that can't be removed
    (another instance may have got there first), are left."""
    now = time.time() if now is None else now
    removed = []
    try:
        listing = list(os.scandir(folder))
    except OSError:
        return removed
    for item in listing:
        try:
            if not item.is_file(follow_symlinks=False):
                continue
            age = now - item.stat(follow_symlinks=False).st_mtime
            if (OURS.match(item.name) and age > keep_days * 86400) or (TORN.match(item.name) and age > TORN_SECONDS):
                os.unlink(item.path)
                removed.append(item.name)
        except OSError:
            continue
    if removed:
        log.info("removed %d cache files unused for %g days from %s", len(removed), keep_days, folder)
    return sorted(removed)
