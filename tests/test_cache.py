"""The meaning signal's cache folder: files in use are kept (reading one marks it), files no
pack has used for KEEP_DAYS and temporary files of dead writers go at start-up, and nothing
else in the folder is touched. Real files, and the real CLI as a fresh process."""
from __future__ import annotations

import dataclasses
import os
import shutil
import time

import numpy as np
import pytest

from bot.cache import KEEP_DAYS, TAG, TAG_TEXT, TORN_SECONDS, prune, save
from bot.config import ChannelPacks
from bot.errors import ConfigError
from bot.knowledge import load_pack
from bot.meaning import Meaning
from conftest import PACK_DIR, run_cli

DAY = 86400


def age(path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_prune_removes_only_old_cache_files_and_torn_writes(tmp_path):
    names = {
        "meaning-0a1b2c.npy": KEEP_DAYS + 1,                       # a pack edited away: goes
        "tokens-0a1b2c-77ee.npz": KEEP_DAYS + 1,                   # goes
        "intent-300-0.05-blas1-0a1b2c-77ee.npz": KEEP_DAYS + 1,   # goes
        "words-100-0.05-blas1-f00d-0a1b2c-77ee.npz": KEEP_DAYS - 1,   # used within the month: kept
        "meaning-0a1b2c.4242.tmp": 2 * TORN_SECONDS / DAY,         # left by a writer that died: goes
        "meaning-9f9f9f.4343.tmp": 60 / DAY,                       # being written now: kept
        "notes.txt": 400,                                          # not ours: kept whatever its age
        "meaning-0a1b2c.txt": 400,                                 # not a cache file's name: kept
    }
    names["meaning-0a1b2c.npy.k3_x9q.tmp"] = 2 * TORN_SECONDS / DAY   # a torn write's name today: goes
    names["meaning-5e5e5e.npy"] = KEEP_DAYS + 9                     # in use here, unmarkable (another user's): kept
    for name, days in names.items():
        (tmp_path / name).write_bytes(b"x")
        age(tmp_path / name, days * DAY)
    (tmp_path / "meaning-folder.npy").mkdir()                      # not a file: kept
    age(tmp_path / "meaning-folder.npy", 400 * DAY)

    assert prune(tmp_path) == []   # a folder the bot never wrote to (no tag) isn't its to clear
    (tmp_path / TAG).write_text(TAG_TEXT, encoding="utf-8")
    removed = prune(tmp_path, keep=[tmp_path / "meaning-5e5e5e.npy", tmp_path.parent / "meaning-0a1b2c.npy"])
    assert removed == ["intent-300-0.05-blas1-0a1b2c-77ee.npz", "meaning-0a1b2c.4242.tmp", "meaning-0a1b2c.npy",
                       "meaning-0a1b2c.npy.k3_x9q.tmp", "tokens-0a1b2c-77ee.npz"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(set(names) - set(removed) | {"meaning-folder.npy", TAG})
    assert prune(tmp_path) == ["meaning-5e5e5e.npy"] and prune(tmp_path / "missing") == []


def test_reading_a_cache_file_marks_it_in_use(searcher, tmp_path):
    encoder = searcher.meaning.encoder
    entries = load_pack(PACK_DIR).entries[:3]
    built = Meaning(encoder, entries, tmp_path)
    assert (tmp_path / TAG).read_text(encoding="utf-8") == TAG_TEXT   # the folder is the bot's now
    files = sorted(p for p in tmp_path.iterdir() if p.name != TAG)
    assert files == sorted(built.files)
    assert not built.cached and {p.name.split("-")[0] for p in files} >= {"meaning", "tokens"}
    for p in files:
        age(p, (KEEP_DAYS + 5) * DAY)
    again = Meaning(encoder, entries, tmp_path)
    assert again.cached and np.array_equal(again.vectors, built.vectors)
    assert sorted(p for p in tmp_path.iterdir() if p.name != TAG) == files   # read back, nothing rebuilt
    assert all(time.time() - p.stat().st_mtime < DAY for p in files)
    assert prune(tmp_path) == []


def test_the_bot_clears_out_unused_cache_files_when_it_starts(searcher, config, tmp_path):
    """The bundled pack's own cache files (copied, then made to look two months old) are read
    and kept; another pack's files and older rules' files, unused as long, are gone after one
    `ask`."""
    from bot.cache import cache_dir

    mine = sorted(searcher.meaning.files)
    assert {p.parent for p in mine} == {cache_dir(config)}
    assert {p.name.split("-")[0] for p in mine} == {"meaning", "tokens", "intent", "words"}
    for p in mine:
        shutil.copy2(p, tmp_path / p.name)
    (tmp_path / TAG).write_text(TAG_TEXT, encoding="utf-8")   # a folder the bot has written to
    key = searcher.meaning.key
    stale = [tmp_path / f"meaning-{'0' * 24}.npy", tmp_path / f"tokens-{key}-abcdef.npz"]   # another pack; older rules
    for p in stale:
        p.write_bytes(b"an older pack's vectors")
    for p in tmp_path.iterdir():
        age(p, 2 * KEEP_DAYS * DAY)

    out = run_cli("ask", "whats off-rolling", env={"BIGLISTEN_CACHE_DIR": str(tmp_path)})
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("== Off-rolling ==")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != TAG) == [p.name for p in mine]   # nothing rebuilt
    assert all(time.time() - (tmp_path / p.name).stat().st_mtime < DAY for p in mine)


def test_a_running_bot_keeps_marking_its_cache_files(searcher, config, tmp_path, monkeypatch):
    """A bot up for weeks reads its cache files only at start: its pack watcher marks them in
    use (daily; here at once), so another instance's start doesn't clear them out."""
    from bot import packs

    for p in searcher.meaning.files:
        shutil.copy2(p, tmp_path / p.name)
    library = packs.load_library(dataclasses.replace(config, cache_dir=str(tmp_path)))
    files = library.cache_files()
    assert sorted(p.name for p in files) == sorted(p.name for p in searcher.meaning.files)
    assert {p.parent for p in files} == {tmp_path}
    for p in files:
        age(p, 2 * KEEP_DAYS * DAY)
    monkeypatch.setattr(packs, "MARK_SECONDS", 0.0)
    watcher = library.watch(0.05)
    assert watcher is not None
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not all(time.time() - p.stat().st_mtime < DAY for p in files):
            time.sleep(0.05)
        assert all(time.time() - p.stat().st_mtime < DAY for p in files)
    finally:
        library.stop_watching()
    watcher.join(5)
    assert not watcher.is_alive()


def test_two_writers_of_one_cache_file_never_mix(tmp_path):
    """Two processes (or containers sharing a volume, whose process ids can be equal) writing the
    same cache file at once: each writes its own temporary file, so the file is one writer's
    whole, never both halves. Here the second writer runs inside the first one's write."""
    path = tmp_path / "meaning-0a1b2c.npy"

    def second(f):
        f.write(b"B" * 1000)

    def first(f):
        f.write(b"A" * 1000)
        f.flush()   # on disk, as a real write's megabytes are
        save(path, second, "vectors")   # the other writer starts, finishes and renames
        f.write(b"A" * 1000)

    save(path, first, "vectors")
    assert path.read_bytes() == b"A" * 2000   # the last rename wins, whole
    assert sorted(p.name for p in tmp_path.iterdir()) == [TAG, path.name]   # no temporary file left


def stale_files(folder):
    (folder / TAG).write_text(TAG_TEXT, encoding="utf-8")
    stale = [folder / f"meaning-{'0' * 24}.npy", folder / f"tokens-{'1' * 24}-abcdef.npz"]
    for p in stale:
        p.write_bytes(b"an older pack's vectors")
        age(p, 2 * KEEP_DAYS * DAY)
    return stale


def test_nothing_is_pruned_before_the_configuration_validates(searcher, config, tmp_path):
    """A start refused for a configuration mistake (a channel naming a pack that isn't loaded)
    removes nothing: the mistake may be the very thing that makes the files look unused. Nor does
    a start without the meaning signal, which has no files of its own to go by."""
    from bot.packs import load_library

    for p in searcher.meaning.files:
        shutil.copy2(p, tmp_path / p.name)
    stale = stale_files(tmp_path)
    moved = dataclasses.replace(config, cache_dir=str(tmp_path))
    with pytest.raises(ConfigError, match="not loaded"):
        load_library(dataclasses.replace(moved, channels=(ChannelPacks("C0GENERAL", ("no-such-pack",)),)))
    assert all(p.exists() for p in stale)
    load_library(moved, meaning=False)
    assert all(p.exists() for p in stale)
    load_library(moved)   # the same folder, a start that validates: now they go
    assert not any(p.exists() for p in stale)


def test_the_watcher_marks_the_cache_even_when_checking_for_edits_keeps_failing(searcher, config, tmp_path,
                                                                                monkeypatch):
    """The daily marking comes before the check for edits: a check that raises every time (a
    packs' folder gone) doesn't stop a long-running bot keeping its cache files."""
    from bot import packs

    for p in searcher.meaning.files:
        shutil.copy2(p, tmp_path / p.name)
    library = packs.load_library(dataclasses.replace(config, cache_dir=str(tmp_path)))
    files = library.cache_files()
    for p in files:
        age(p, 2 * KEEP_DAYS * DAY)
    calls = []

    def broken():
        calls.append(1)
        raise RuntimeError("the packs' folder went away")

    monkeypatch.setattr(library, "reload_changed", broken)
    monkeypatch.setattr(packs, "MARK_SECONDS", 0.0)
    watcher = library.watch(0.05)
    assert watcher is not None
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not (calls and all(time.time() - p.stat().st_mtime < DAY
                                                                 for p in files)):
            time.sleep(0.05)
        assert calls and all(time.time() - p.stat().st_mtime < DAY for p in files)
    finally:
        library.stop_watching()
    watcher.join(5)
    assert not watcher.is_alive()
