"""The meaning signal's cache folder: files in use are kept (reading one marks it), files no
pack has used for KEEP_DAYS and temporary files of dead writers go at start-up, and nothing
else in the folder is touched. Real files, and the real CLI as a fresh process."""
from __future__ import annotations

import os
import shutil
import time

import numpy as np

from bot.cache import KEEP_DAYS, TORN_SECONDS, prune
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
    for name, days in names.items():
        (tmp_path / name).write_bytes(b"x")
        age(tmp_path / name, days * DAY)
    (tmp_path / "meaning-folder.npy").mkdir()                      # not a file: kept
    age(tmp_path / "meaning-folder.npy", 400 * DAY)

    removed = prune(tmp_path)
    assert removed == ["intent-300-0.05-blas1-0a1b2c-77ee.npz", "meaning-0a1b2c.4242.tmp", "meaning-0a1b2c.npy",
                       "tokens-0a1b2c-77ee.npz"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(set(names) - set(removed) | {"meaning-folder.npy"})
    assert prune(tmp_path) == [] and prune(tmp_path / "missing") == []


def test_reading_a_cache_file_marks_it_in_use(searcher, tmp_path):
    encoder = searcher.meaning.encoder
    entries = load_pack(PACK_DIR).entries[:3]
    built = Meaning(encoder, entries, tmp_path)
    files = sorted(tmp_path.iterdir())
    assert not built.cached and {p.name.split("-")[0] for p in files} >= {"meaning", "tokens"}
    for p in files:
        age(p, (KEEP_DAYS + 5) * DAY)
    again = Meaning(encoder, entries, tmp_path)
    assert again.cached and np.array_equal(again.vectors, built.vectors)
    assert sorted(tmp_path.iterdir()) == files   # read back, nothing rebuilt
    assert all(time.time() - p.stat().st_mtime < DAY for p in files)
    assert prune(tmp_path) == []


def test_the_bot_clears_out_unused_cache_files_when_it_starts(searcher, tmp_path):
    """The bundled pack's own cache files (copied, then made to look two months old) are read
    and kept; another pack's files and older rules' files, unused as long, are gone after one
    `ask`."""
    from bot.cache import cache_dir

    mine = sorted(searcher.meaning.files)
    assert {p.parent for p in mine} == {cache_dir()}
    assert {p.name.split("-")[0] for p in mine} == {"meaning", "tokens", "intent", "words"}
    for p in mine:
        shutil.copy2(p, tmp_path / p.name)
    key = searcher.meaning.key
    stale = [tmp_path / f"meaning-{'0' * 24}.npy", tmp_path / f"tokens-{key}-abcdef.npz"]   # another pack; older rules
    for p in stale:
        p.write_bytes(b"an older pack's vectors")
    for p in tmp_path.iterdir():
        age(p, 2 * KEEP_DAYS * DAY)

    out = run_cli("ask", "whats off-rolling", env={"BIGLISTEN_CACHE_DIR": str(tmp_path)})
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("== Off-rolling ==")
    assert sorted(p.name for p in tmp_path.iterdir()) == [p.name for p in mine]   # nothing rebuilt
    assert all(time.time() - (tmp_path / p.name).stat().st_mtime < DAY for p in mine)
