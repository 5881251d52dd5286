"""`python -m bot bench`: latency, build time and memory, on the bundled pack and on a
synthetic pack of many entries made from the bundled pack's own words.

Numbers are printed, not asserted: tests don't time things; people read these.
"""
from __future__ import annotations

import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from bot.blocks import answer_blocks
from bot.knowledge import GlossaryEntry, Pack, Statement, SurveyEntry
from bot.meaning import Meaning, load_encoder
from bot.normalise import clean_slack_text, scrub_contact, words
from bot.replies import build_reply, prepare_pack
from bot.search import Index, load_index

# Slack's longest message (40,000 characters) in shapes that make text patterns read a word
# again from each character (round 22: one took 30 s), after words no entry answers: declined,
# so the reply echoes it.
PASTES = ("a.", "1", "<a|", "a-", "x@", "my name is ", "safeguarding ")
LONGEST_MESSAGE = 40_000


def sample_queries(pack: Pack, n: int, seed: int = 7) -> list[str]:
    """Member-like questions: pieces of titles, statements and keywords, some misspelt,
    some padded with chat, some off-topic."""
    rng = random.Random(seed)
    texts = []
    for e in pack.entries:
        texts.append(e.title)
        texts += list(e.keywords)
        if isinstance(e, SurveyEntry):
            texts += [s.text for s in e.statements]
    filler = ["tbh", "our head said", "is there a question on", "what should i put for", "help!!"]
    offtopic = ["whats the pay award this year", "how do i get my pension statement", "smartboard wont connect"]
    out = []
    for _ in range(n):
        r = rng.random()
        if r < 0.1:
            out.append(rng.choice(offtopic))
            continue
        ws = words(rng.choice(texts))
        start = rng.randrange(max(1, len(ws) - 8))
        piece = ws[start:start + rng.randint(3, 12)]
        if r < 0.3 and piece:
            i = rng.randrange(len(piece))
            w = piece[i]
            if len(w) > 5:
                j = rng.randrange(1, len(w) - 1)
                piece[i] = w[:j] + w[j + 1] + w[j] + w[j + 2:]
        out.append(f"{rng.choice(filler)} {' '.join(piece)}?")
    return out


def synthetic_pack(pack: Pack, n: int, seed: int = 11) -> Pack:
    """A pack of n entries shaped like the bundled ones (same mix of kinds, same field
    counts and lengths), with random words from the bundled pack's own vocabulary."""
    rng = random.Random(seed)
    vocab = [w for e in pack.entries for q in e.quotes() for w in words(q)]

    def like(text: str) -> str:
        return " ".join(rng.choice(vocab) for _ in range(max(1, len(text.split()))))

    def many(texts) -> tuple[str, ...]:
        return tuple(like(t) for t in texts)

    entries = []
    for i in range(n):
        t = rng.choice(pack.entries)
        common = dict(id=f"synthetic-{i}", keywords=many(t.keywords), related=())
        if isinstance(t, SurveyEntry):
            entries.append(replace(t, **common, title=like(t.title), question=like(t.question),
                                   context=many(t.context), commentary=many(t.commentary),
                                   statements=tuple(Statement(like(s.text), many(s.commentary))
                                                    for s in t.statements)))
        elif isinstance(t, GlossaryEntry):
            entries.append(replace(t, **common, term=like(t.term), aliases=many(t.aliases),
                                   definition=many(t.definition)))
        else:
            entries.append(replace(t, **common, title=like(t.title), facts=many(t.facts)))
    return replace(pack, entries=tuple(entries), name="synthetic")


def _latencies(index: Index, queries: list[str]) -> list[float]:
    times = []
    for q in queries:
        t0 = time.perf_counter()
        index.find_matches(q)
        times.append((time.perf_counter() - t0) * 1000)
    return times


def _pct(values: list[float], p: float) -> float:
    return sorted(values)[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def _pastes(index: Index, contact: str) -> None:
    """The slowest whole reply to a 40,000-character message: search, reply, Slack blocks, and
    the question log's scrub."""
    times = []
    for shape in PASTES:
        text = ("what colour is the sky " + shape * LONGEST_MESSAGE)[:LONGEST_MESSAGE]
        t0 = time.perf_counter()
        answer_blocks(build_reply(index.find_matches(text), index.pack, contact))
        scrub_contact(" ".join(clean_slack_text(text).split()))
        times.append(time.perf_counter() - t0)
    print(f"40,000-character messages ({len(PASTES)} shapes): slowest whole reply {1000 * max(times):.0f} ms "
          f"[{_load()}]")


def _report(label: str, times: list[float]) -> None:
    print(f"{label}: p50 {statistics.median(times):.3f} ms  p95 {_pct(times, 95):.3f} ms  "
          f"p99 {_pct(times, 99):.3f} ms  ({len(times)} queries)")


def _load() -> str:
    """The machine's 1-minute load average, printed beside each timing: the machine is shared."""
    return f"load {os.getloadavg()[0]:.1f}"


def _meaning(encoder, pack: Pack, folder):
    """(Meaning, seconds, read from cache?) for a pack."""
    t0 = time.perf_counter()
    meaning = Meaning(encoder, pack.entries, folder)
    return meaning, time.perf_counter() - t0, meaning.cached


def _spread(values: list[float], unit: str = "s", digits: int = 1) -> str:
    return (f"median {statistics.median(values):.{digits}f} {unit} (min {min(values):.{digits}f}, "
            f"max {max(values):.{digits}f}, {len(values)} runs)")


def run_bench(config, synthetic_entries: int = 10_000, queries: int = 2_000, cold_builds: int = 3) -> None:
    t0 = time.perf_counter()
    encoder = load_encoder(config.model_folder())
    if encoder is None:
        print("meaning model not installed: measuring words alone")
    else:
        print(f"meaning model load: {1000 * (time.perf_counter() - t0):.0f} ms")
    t0 = time.perf_counter()
    index = load_index(config)
    cached = index.meaning is not None and index.meaning.cached
    print(f"bundled pack: {len(index.entries)} entries, {len(index.units)} fields, "
          f"{index.meaning.n_texts if index.meaning else 0} embedded texts, "
          f"load+index {1000 * (time.perf_counter() - t0):.1f} ms "
          f"(meaning vectors {'cached' if cached else 'computed'})")
    qs = sample_queries(index.pack, queries)
    _latencies(index, qs[:200])  # warm the typo-correction cache like a running bot
    _report(f"bundled pack [{_load()}]", _latencies(index, qs))
    _pastes(index, config.contact)

    pack = synthetic_pack(index.pack, synthetic_entries)
    builds = []
    for _ in range(3):   # this machine's timings wander; report the median of three builds
        big = None
        t0 = time.perf_counter()
        big = Index(pack, config.search.answer_threshold, config.search.suggestion_threshold)
        builds.append(time.perf_counter() - t0)
    print(f"synthetic pack: {synthetic_entries} entries, {len(big.units)} fields, word index build "
          f"{_spread(builds, digits=2)} [{_load()}]")
    t0 = time.perf_counter()
    prepare_pack(pack)   # the replies' tables, built with the index (`bot.packs.load_library`)
    tables = time.perf_counter() - t0
    print(f"synthetic pack replies' tables: {1000 * tables:.0f} ms (once per load, counted in the builds below)")
    builds = [b + tables for b in builds]
    if encoder is not None:
        with tempfile.TemporaryDirectory(prefix="bench-meaning-") as folder:
            colds = []
            for _ in range(max(1, cold_builds)):   # each into an empty cache: always computed
                for old in Path(folder).glob("meaning-*.npy"):
                    old.unlink()
                meaning, seconds, _ = _meaning(encoder, pack, Path(folder))
                colds.append(seconds)
            print(f"synthetic pack meaning vectors, cold: {meaning.n_texts} texts, {_spread(colds)} [{_load()}]")
            print(f"synthetic pack cold build (word index + vectors computed): "
                  f"{statistics.median(builds) + statistics.median(colds):.1f} s")
            again = [_meaning(encoder, pack, Path(folder))[1] for _ in range(3)]
            print(f"synthetic pack cached build (word index + cached vectors): "
                  f"{statistics.median(builds) + statistics.median(again):.2f} s (vectors read in "
                  f"{_spread(again, digits=2)}) [{_load()}]")
        big.meaning = meaning
    _report(f"synthetic pack ({synthetic_entries}) [{_load()}]", _latencies(big, qs[: max(200, queries // 4)]))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak:.0f} MB")

    walls = []
    for _ in range(5):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "bot", "ask", "what is off-rolling"],
                       check=True, capture_output=True)
        walls.append(time.perf_counter() - t0)
    print(f"`python -m bot ask` fresh process: {_spread(walls, digits=2)} wall [{_load()}]")
