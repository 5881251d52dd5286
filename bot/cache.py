"""The folder where the meaning signal keeps what it computes once per pack (entry vectors,
content tokens, the two classifiers' weights): where it is, writing a file safely, and
clearing out what no pack has used for a while.

Files are named by hashes of what they were computed from, so every edit of a pack, the
model or the rules leaves the old files behind (a few hundred MB after a month of edits).
Each file's modification time is refreshed whenever it is read (at every start and reload, and
daily by a running bot's pack watcher), and a start-up removes the folder's cache files that
nothing has read or written for KEEP_DAYS, never the files it uses itself. Only a folder this
module wrote to (it leaves a CACHEDIR.TAG there) or the project's own var/cache is pruned: the
configured folder (bot.config's `cache_dir`, or $BIGLISTEN_CACHE_DIR) may be anywhere. A file
marked in use by another process between the age check and the removal is lost; that costs a
rebuild at the next start, no more.
"""
from __future__ import annotations

import logging
import os
import re
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import Config

log = logging.getLogger(__name__)

KEEP_DAYS = 30          # a cache file unread this long belongs to a pack or version no longer loaded
TORN_SECONDS = 3600     # a temporary file this old was left by a writer that died
# what this folder holds (the configured one may be anywhere: nothing else is touched)
OURS = re.compile(r"^(meaning|tokens|intent|words)-[0-9A-Za-z.\-]+\.(npy|npz)$")
TORN = re.compile(r"^(meaning|tokens|intent|words)-[0-9A-Za-z.\-_]+\.tmp$")
TAG = "CACHEDIR.TAG"   # the Cache Directory Tagging Specification: backup tools skip the folder too
TAG_TEXT = ("Signature: 8a477f597d28d172789f06886806bc55\n"
            "# The Big Listen bot's cache (bot/cache.py): files unused for 30 days are removed.\n")
DEFAULT = Path(__file__).resolve().parent.parent / "var" / "cache"


def cache_dir(config: Config | None = None) -> Path:
    """Where entry vectors are cached: the configured folder (bot.config's `cache_dir`, or
    $BIGLISTEN_CACHE_DIR), else var/cache in the project (git ignores var/). Files are named by
    a hash of the model and the exact texts, so every pack and config can share one folder."""
    folder = config.cache_folder() if config is not None else None
    return folder or DEFAULT


def save(path: Path, write, what: str) -> None:
    """Writes a cache file whole or not at all (another worker may be reading it): to a
    temporary file first, then renamed over. A cache that can't be written is only a warning."""
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # a name no other writer has (process ids repeat across containers sharing a volume)
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
        tmp = Path(name)
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.chmod(tmp, 0o644)   # mkstemp's 0600 would hide the file from instances run as other users
        os.replace(tmp, path)
        tag = path.parent / TAG
        if not tag.exists():
            tag.write_text(TAG_TEXT, encoding="utf-8")
    except OSError as e:
        log.warning("could not cache %s in %s: %s", what, path.parent, e)
        if tmp is not None:
            tmp.unlink(missing_ok=True)


def used(path: Path) -> None:
    """Marks a cache file as in use (its modification time is now), so pruning keeps it."""
    try:
        os.utime(path)
    except OSError as e:   # another user's file: still read; this process's own prune skips it
        log.debug("could not mark cache file %s in use: %s", path, e)


def prune(folder: Path, keep=(), keep_days: float = KEEP_DAYS, now: float | None = None) -> list[str]:
    """Removes the folder's cache files unused for `keep_days` and temporary files left by
    writers that died, but none of `keep` (the paths this process uses); returns their names.
    Other files, anything that can't be removed (another instance may have got there first),
    and any folder this module didn't write to (no CACHEDIR.TAG) but var/cache are left."""
    now = time.time() if now is None else now
    removed = []
    if not (folder / TAG).is_file() and Path(folder).resolve() != DEFAULT:
        return removed
    kept = {Path(p).name for p in keep if Path(p).parent.resolve() == Path(folder).resolve()}
    try:
        listing = list(os.scandir(folder))
    except OSError:
        return removed
    for item in listing:
        try:
            if not item.is_file(follow_symlinks=False) or item.name in kept:
                continue
            age = now - item.stat(follow_symlinks=False).st_mtime
            if (OURS.match(item.name) and age > keep_days * 86400) or (TORN.match(item.name) and age > TORN_SECONDS):
                os.unlink(item.path)
                removed.append(item.name)
        except OSError:
            continue
    if removed:
        log.info("removed %d unused cache files (or dead writers' temporary files) from %s", len(removed), folder)
    return sorted(removed)
