"""Several knowledge packs at once: one Index per pack, asked together, their results merged.

A `Library` holds a `Shelf` per configured pack (knowledge/<pack>/, listed in app.yaml).
A question goes to every pack that applies (all of them, unless app.yaml's `channels` gives
the channel a list of its own); the best match wins, and on a tie an open consultation ranks
before a closed one. Entry ids are unique across the packs (checked at load), so a button's
entry id finds its pack.

Packs are re-read while the bot runs: `reload_changed()` (polled by `watch()`) notices a
pack whose files changed, validates it and swaps it in; a broken edit keeps the running
pack and is kept in `problems` (file and line) for the log and the reps' App Home.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from bot.cache import cache_dir, prune, used
from bot.errors import BotError, KnowledgeError
from bot.knowledge import Entry, Pack, load_pack
from bot.normalise import STOPWORDS, words
from bot.results import SearchResult
from bot.search import Index, consultation_name, read_words
from bot.structure import names_own_section
from bot.two_asks import other_ask

log = logging.getLogger(__name__)
TIE = 1e-6   # scores this close are a tie
MARK_SECONDS = 86400   # how often a running bot marks its meaning cache files in use (bot/cache.py)


def folder_stamp(folder: Path) -> tuple:
    """What changes when a pack is edited: its YAML files' names, sizes and mtimes."""
    try:
        return tuple(sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in folder.glob("*.yaml")))
    except OSError:
        return ()


@dataclass(frozen=True)
class Shelf:
    """One loaded pack: where it lives, its Index, and the files' stamp it was built from."""
    index: Index
    path: Path | None = None
    stamp: tuple = ()

    @property
    def pack(self) -> Pack:
        return self.index.pack

    @property
    def name(self) -> str:
        return self.index.pack.name


def pack_status(pack: Pack, today: date) -> str:
    """"open until 18 December 2026: 10 days left to respond", "closed on 31 May 2024", "opens on
    2 June 2025" (or "")."""
    c = pack.consultation
    if c is None:
        return ""
    if today < c.opens:
        return f"opens on {_day(c.opens)}"
    if c.is_open(today):   # counted as replies count it: today included
        days = c.days_left(today)
        return f"open until {_day(c.closes)}: {days} day{'s' if days != 1 else ''} left to respond"
    return f"closed on {_day(c.closes)}"


def _day(d: date) -> str:
    return f"{d.day} {d.strftime('%B %Y')}"


def is_open(pack: Pack, today: date) -> bool:
    return pack.consultation is not None and pack.consultation.is_open(today)


def pack_names(pack: Pack) -> set[tuple[str, ...]]:
    """What a message calls a pack by: its union ("nasuwt"), who runs its consultation ("ofsted",
    "example department") and the consultation's name ("big listen"; a longer name by any two
    of its words in a row: "workload consultation"), as folded words less stopwords."""
    def folded(text: str) -> tuple[str, ...]:
        return tuple(w for w in words(text) if w not in STOPWORDS)
    names = {folded(s.publisher) for s in pack.sources.values() if s.speaker == "union"}
    if pack.consultation is not None:
        names.add(folded(pack.consultation.run_by))
    for phrase in consultation_name(pack):
        names.add(phrase)
        names.update(phrase[i:i + 2] for i in range(len(phrase) - 1))
    return names - {()}


def contact_line(pack: Pack | None, default: str) -> str:
    """Who to ask: a pack's own contact line (pack.yaml `contact:`), else app.yaml's."""
    return (pack.contact if pack is not None else "") or default


def named_shelves(query: str, shelves: list[Shelf]) -> list[Shelf]:
    """The packs a message names and the others don't share, by name (`pack_names`) or by a
    section their survey starts its name with (structure.names_own_section): "what does
    nasuwt say ...", "the big listen", "schools priority 1" with a pack whose section is
    "Workload in schools" beside the Big Listen's "Schools". Empty when it names none, or all."""
    folded = read_words(query)[0]
    plain = tuple(w for w in folded if w not in STOPWORDS)
    grams = {plain[i:i + n] for n in (1, 2, 3) for i in range(len(plain) - n + 1)}
    names = {id(s): s.pack.derived("names", lambda p=s.pack: pack_names(p)) for s in shelves}
    named = []
    for s in shelves:
        others = set().union(*(names[id(o)] for o in shelves if o is not s))
        if (names[id(s)] - others) & grams or names_own_section(folded, s.pack, query):
            named.append(s)
    return named if len(named) < len(shelves) else []


def check_unique_ids(packs: list[Pack], config=None) -> None:
    """Entry ids unique across the packs, and their names. `config`: the settings read, whose file
    a pack listed twice is said to be in (it said "app.yaml" for any)."""
    seen: dict[str, str] = {}
    for pack in packs:
        for e in pack.entries:
            if e.id in seen and seen[e.id] != pack.name:
                raise KnowledgeError(f"entry id '{e.id}' is used by both packs '{seen[e.id]}' and '{pack.name}': "
                                     "ids must be unique across packs", entry=e.id, field="id")
            seen[e.id] = pack.name
    names = [p.name for p in packs]
    for n in names:
        if names.count(n) > 1:
            where = f"({config.setting(config.packs_key)})" if config is not None else "in the settings' packs"
            raise KnowledgeError(f"two packs are both named '{n}' (the `name` in pack.yaml): is one folder listed "
                                 f"twice {where}?", field="name")


@dataclass
class Library:
    shelves: list[Shelf]
    channels: dict[str, tuple[str, ...]] = field(default_factory=dict)
    build_index: object = None          # pack -> Index, for reloads (None: no reloading)
    problems: dict[str, str] = field(default_factory=dict)   # pack folder -> what is wrong with its edit
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _stop: threading.Event = field(default_factory=threading.Event, init=False, repr=False,
                                   compare=False)   # set: the watcher stops

    @classmethod
    def of(cls, index: Index) -> Library:
        """One pack already indexed (tests, tools)."""
        return cls([Shelf(index)])

    # --- reading ---------------------------------------------------------------------
    @property
    def default(self) -> Shelf:
        return self.shelves[0]

    @property
    def packs(self) -> list[Pack]:
        return [s.pack for s in self.shelves]

    def pack_named(self, name: str) -> Pack | None:
        return next((s.pack for s in self.shelves if s.name == name), None)

    def find(self, entry_id: str) -> tuple[Entry, Pack] | None:
        """An entry by id, with its pack."""
        for s in self.shelves:
            e = s.pack.get(entry_id)
            if e is not None:
                return e, s.pack
        return None

    def get(self, entry_id: str) -> Entry | None:
        found = self.find(entry_id)
        return found[0] if found else None

    def pack_of(self, entry: Entry) -> Pack:
        found = self.find(entry.id)
        return found[1] if found else self.default.pack

    def for_channel(self, channel: str | None) -> list[Shelf]:
        """The packs that answer in this channel: its own list if app.yaml gives one, else all."""
        names = self.channels.get(channel or "")
        if not names:
            return list(self.shelves)
        return [s for s in self.shelves if s.name in names] or list(self.shelves)

    # --- searching ---------------------------------------------------------------------
    def asked(self, query: str, channel: str | None = None) -> list[Shelf]:
        """The packs a question is asked of: the channel's (app.yaml `channels`), and of those
        the ones it names, if it names some and not all (`named_shelves`)."""
        shelves = self.for_channel(channel)
        return (named_shelves(query, shelves) or shelves) if len(shelves) > 1 else shelves

    def labels(self, asked: list[Shelf], result: SearchResult, pack: Pack, contact: str,
               bot_name: str) -> tuple[str, str]:
        """A reply's contact line and what it says it searched ("I couldn't find that in the …"),
        for a question asked of the packs `asked`. The contact line: the pack's own (pack.yaml
        `contact:`) when it answers, or when it declines a question asked of that pack alone ("is
        the workload consultation still open?"); else app.yaml's, which speaks for every pack. The
        topic: app.yaml's `bot_name`, or the titles of the packs asked when not all were."""
        speaking = pack if result.answered else asked[0].pack if len(asked) == 1 else None
        topic = bot_name if len(asked) == len(self.shelves) else \
            f"{' and '.join(s.pack.title for s in asked)} guidance"
        return contact_line(speaking, contact), topic

    def find_matches(self, query: str, limit: int = 3, *, channel: str | None = None,
                     today: date | None = None, asked: list[Shelf] | None = None,
                     also: bool = False) -> tuple[SearchResult, Pack]:
        """Ask every pack that applies (`asked`, unless the caller read it already); the best answer
        wins (an open consultation first on a tie), the other packs' matches follow it by score.
        `also`, for a reply to the member: of a message asking two questions, the one the answer
        leaves out is named with its match (bot/two_asks.py; two more searches, which a rep's
        search-as-you-type or a picked entry's other matches don't need). Returns the result and
        its pack."""
        shelves = self.asked(query, channel) if asked is None else asked
        result, pack = self._find(query, limit, shelves, today)
        other = other_ask(query, result, lambda part: self._find(part, limit, shelves, today)[0]) if also else None
        return (replace(result, also=other) if other else result), pack

    def _find(self, query: str, limit: int, shelves: list[Shelf], today: date | None) -> tuple[SearchResult, Pack]:
        if len(shelves) == 1:
            return shelves[0].index.find_matches(query, limit), shelves[0].pack
        today = today or date.today()
        results = [(s.index.find_matches(query, limit), s.pack, i) for i, s in enumerate(shelves)]
        walking = next(((r, p) for r, p, _ in results if r.walk is not None), None)
        if walking:   # to be taken through the survey, in any pack's eyes ("... the wellbeing questions")
            return walking

        def key(item) -> tuple:
            result, pack, order = item
            best = result.best.score if result.best else 0.0
            return (not result.answered, -round(best / TIE), not is_open(pack, today), order)

        results.sort(key=key)
        winner, pack, _ = results[0]
        if not winner.answered:
            # A greeting in one pack's eyes is a greeting; off-topic is said by a pack that
            # lists off-topic words (pay, pensions ...), not one that merely has no match.
            for reason in ("chitchat", "offtopic"):
                said = next(((r, p) for r, p, _ in results if r.reason == reason
                             and (reason == "chitchat" or p.offtopic)), None)
                if said:
                    return said
        if winner.whole_section:   # a section's questions to choose from: that pack's alone
            return winner, pack
        # The winner's best stays first; every other match (its own and the other packs')
        # follows by score, an open consultation first on a tie.
        rank = {p.name: (not is_open(p, today), order) for _, p, order in results}
        rest = [(m, pack) for m in winner.matches[1:]]
        rest += [(m, p) for r, p, _ in results[1:] if r.answered == winner.answered for m in r.matches]
        rest.sort(key=lambda mp: (-round(mp[0].score / TIE), rank[mp[1].name]))
        merged = winner.matches[:1] + tuple(m for m, _ in rest)
        return replace(winner, matches=merged[:max(limit, len(winner.matches))]), pack

    def cache_files(self) -> list[Path]:
        """The meaning cache's files the packs' indexes read or wrote (bot/cache.py)."""
        return [p for s in self.shelves if s.index.meaning is not None for p in s.index.meaning.files]

    def statuses(self, today: date | None = None, channel: str | None = None) -> list[tuple[Pack, str]]:
        """Each pack that answers in `channel` (default: every pack), with its status."""
        today = today or date.today()
        return [(s.pack, pack_status(s.pack, today)) for s in self.for_channel(channel)]

    # --- reloading ---------------------------------------------------------------------
    def reload_changed(self) -> list[str]:
        """Re-read each pack whose files changed; swap in the ones that validate. Returns one
        line per change (swapped, or refused and why); a refused edit stays in `problems`."""
        if self.build_index is None:
            return []
        lines = []
        with self._lock:
            for i, shelf in enumerate(list(self.shelves)):
                if shelf.path is None:
                    continue
                stamp = folder_stamp(shelf.path)
                if stamp == shelf.stamp:
                    continue
                key = str(shelf.path)
                try:
                    pack = load_pack(shelf.path)
                    if pack.name != shelf.name:   # app.yaml's channels and members' walk-throughs name it
                        raise KnowledgeError(f"the pack's name changed from {shelf.name!r} to {pack.name!r}: "
                                             "a running bot keeps its packs' names (restart it to rename one)",
                                             file=str(shelf.path / "pack.yaml"))
                    check_unique_ids([pack if j == i else s.pack for j, s in enumerate(self.shelves)])
                    index = self.build_index(pack)
                except Exception as e:   # anything in a hand-edited file: refused once, not a traceback a poll
                    why = str(e)
                    if not isinstance(e, (BotError, OSError)):   # may be the bot's bug, not the edit's
                        log.exception("pack %s: unexpected error while loading an edit", shelf.name)
                        why = f"{type(e).__name__}: {e}"
                    self.shelves[i] = replace(shelf, stamp=stamp)   # told once per edit, not every poll
                    self.problems[key] = why
                    line = f"pack {shelf.name}: edit refused, still answering from the running pack: {why}"
                    log.error(line)
                    lines.append(line)
                    continue
                self.shelves[i] = Shelf(index, shelf.path, stamp)
                self.problems.pop(key, None)
                line = f"pack {pack.name}: reloaded from {shelf.path} ({len(pack.entries)} entries)"
                log.info(line)
                lines.append(line)
        return lines

    def watch(self, interval: float) -> threading.Thread | None:
        """Poll the packs' files every `interval` seconds in a daemon thread (0: don't), until
        `stop_watching`."""
        if interval <= 0 or self.build_index is None:
            return None
        self._stop.clear()

        def loop():
            marked = time.monotonic()
            while not self._stop.wait(interval):
                if time.monotonic() - marked > MARK_SECONDS:   # a bot up for weeks keeps its cache
                    marked = time.monotonic()
                    for path in self.cache_files():
                        used(path)
                try:
                    self.reload_changed()
                except Exception:   # the watcher must outlive any one bad edit
                    log.exception("checking the knowledge packs for edits failed")

        thread = threading.Thread(target=loop, name="pack-watch", daemon=True)
        thread.start()
        return thread

    def stop_watching(self) -> None:
        """The watcher stops after its current check (tests; a process ends it by exiting)."""
        self._stop.set()


def check_library(config, packs: list[Pack]) -> dict[str, tuple[str, ...]]:
    """What makes packs a library, beyond each pack's own validity (serve, `validate` and
    `health` all check it): entry ids unique across the packs, and every pack a channel names
    loaded. Returns the channels' packs by channel."""
    check_unique_ids(packs, config)
    names = {p.name for p in packs}
    channels = {}
    for c in config.channels:
        unknown = [n for n in c.packs if n not in names]
        if unknown:
            from bot.errors import ConfigError
            raise ConfigError(f"channels: channel {c.channel} names pack '{unknown[0]}', which is not loaded "
                              f"(packs: {', '.join(sorted(names))})")
        channels[c.channel] = tuple(c.packs)
    return channels


def load_library(config, meaning: bool = True, prepare: Callable[[Pack], None] | None = None) -> Library:
    """Load, validate and index every configured pack (the start-up cost, once per pack); then
    remove the meaning cache's files no pack has used for a month (bot/cache.py). `prepare`: what
    else to build of each pack as it is indexed, at start and on a reload (the replies' tables,
    `bot.replies.prepare_pack`, from the callers that reply)."""
    from bot.search import index_pack

    def build_index(pack: Pack) -> Index:
        index = index_pack(pack, config, meaning)
        if prepare is not None:
            prepare(pack)
        return index

    shelves = []
    for path in config.pack_paths():
        stamp = folder_stamp(path)
        shelves.append(Shelf(build_index(load_pack(path)), path, stamp))
    library = Library(shelves, check_library(config, [sh.pack for sh in shelves]), build_index)
    in_use = library.cache_files()
    if in_use:   # every pack's cache files are marked in use by now: clear out the rest
        prune(cache_dir(config), keep=in_use)
    return library
