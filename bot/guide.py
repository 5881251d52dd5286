"""The answering service the Slack listeners share: search, reply, and the question log.

Plain Python with no Slack imports, so listeners stay thin and tests can call it directly.
"""
from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date

from bot import metrics
from bot.bounded import within
from bot.config import Config
from bot.errors import warn_again, warn_once
from bot.kept import KeptTerms, best_kept
from bot.knowledge import SurveyEntry
from bot.logs import ContextExecutor
from bot.normalise import clean_slack_text, scrub_contact
from bot.packs import Library, contact_line, load_library
from bot.replies import ConsultationStatus, Reply, build_reply, entry_reply, prepare_pack
from bot.reps import RepDirectory
from bot.search import Index, Match, SearchResult
from bot.store import Store, open_store

PIN_MARGIN = 0.65   # a pinned entry goes first when it scores at least this share of the best (the
                    # blend with the pack's classifier spreads scores wider: a close runner-up is 0.65-0.8)
PURGE_EVERY = 3600  # seconds between retention purges while the bot runs
# The store calls made while a question is answered (the pins and kept answers read, the question
# logged) wait no longer than this: a stalled database answers nothing (bot/bounded.py), and a
# listener thread held by it held up the others' acks (a slash command got Bolt's "unhandled
# request" when none of the 5 listener threads was free within 3 s).
STORE_SECONDS = 1.0
# Searches a process runs at once. The search is CPU-bound and holds the GIL in its Python parts,
# so more at once answer no sooner but queue the HTTP acks behind them. On 2 cores (HISTORY.md,
# the fault bench), ack p99 with every listener thread searching -> two at a time: fault bench (4
# workers, 1,000 questions) 256-271 -> 157-166 ms, HTTP load (2 workers, 200) 74 -> 64 ms, every
# question answered as soon (12-13 s, 2.4-2.6 s). One at a time lowered the fault bench's acks
# further (99-134 ms) but answered the load's burst later (3.1 s). Only the search waits its
# turn: the store's reads and writes, which may wait on a slow database, don't.
SEARCHES_AT_ONCE = 2
# The searching threads' nice value is this far above the thread that starts them (Linux keeps
# one per thread), so the threads that acknowledge Slack's requests, in this worker or another,
# are weighted about ten to one ahead of a search (HISTORY.md: the fault bench's acks).
# A thread a searching thread starts inherits its nice value. Capped at 19, the lowest: a bot
# started at nice 10 or more has less of a gap (at 19, none).
SEARCH_NICENESS = 10
_ON_SEARCH_THREAD = threading.local()
log = logging.getLogger(__name__)


@dataclass
class Guide:
    config: Config
    knowledge: Index | Library      # one pack's Index (tests, tools) or every configured pack
    store: Store
    reps: RepDirectory = field(default=None)  # type: ignore[assignment]  # set in __post_init__
    _purged_at: float = field(default=0.0, repr=False)
    _purge_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _kept_terms: dict[int, KeptTerms] = field(default_factory=dict, repr=False)   # per pack index
    _searching: ContextExecutor = field(
        default_factory=lambda: ContextExecutor(SEARCHES_AT_ONCE, thread_name_prefix="search",
                                                initializer=_search_thread), repr=False)

    def __post_init__(self):
        self.library = self.knowledge if isinstance(self.knowledge, Library) else Library.of(self.knowledge)
        if self.reps is None:
            self.reps = RepDirectory(self.config.reps)

    def _search(self, text: str, **how):
        """The packs' search (bot/packs.py's `find_matches`), on one of the searching threads.
        Run here instead when this is a searching thread already (queued, it would wait for
        itself), or once the interpreter is exiting (a worker stopped gracefully still answers
        the questions it has)."""
        if getattr(_ON_SEARCH_THREAD, "yes", False):
            return self.library.find_matches(text, **how)
        try:
            future = self._searching.submit(self.library.find_matches, text, **how)
        except RuntimeError as e:   # "cannot schedule new futures after (interpreter) shutdown"
            if "shutdown" not in str(e):   # a thread that can't start: said, and searched here
                warn_once(log, "start a searching thread", e)
            return self.library.find_matches(text, **how)
        return future.result()

    def purge_if_due(self, now: float | None = None) -> None:
        """Apply the retention period at start-up and then hourly while running."""
        now = time.time() if now is None else now
        if now - self._purged_at < PURGE_EVERY or not self._purge_lock.acquire(blocking=False):
            return   # not due, or another thread is purging right now
        try:
            self._purged_at = now
            self.store.purge(self.config.storage.retention_days, now=now)
        finally:
            self._purge_lock.release()

    @classmethod
    def from_config(cls, config: Config) -> Guide:
        from bot.store_location import storage_location, store_setting
        return cls(config, load_library(config, prepare=prepare_pack),
                   open_store(storage_location(config), setting=store_setting(config)))

    @property
    def index(self) -> Index:
        """The default (first) pack's Index."""
        return self.library.default.index

    @property
    def pack(self):
        """The default (first) pack."""
        return self.library.default.pack

    def entry(self, entry_id: str):
        """An entry of any pack by id (None if unknown)."""
        return self.library.get(entry_id)

    def ask(self, text: str, *, via: str, log_text: bool = True, today: date | None = None,
            channel: str | None = None) -> Reply:
        """Answer a member's question and log it (mentions stripped: the log names nobody).
        `log_text=False`, for words that aren't the asker's own (a message shortcut, a forwarded
        message): the log keeps only the outcome, and the reply doesn't carry them (no echo, and no
        button that would pass them on).
        `today` dates the reply (is the consultation still open?); default: the real date.
        `channel` picks the packs that answer there (app.yaml `channels`; default: all)."""
        reply, record = self.ask_unrecorded(text, via=via, log_text=log_text, today=today, channel=channel)
        record()
        return reply

    def ask_unrecorded(self, text: str, *, via: str, log_text: bool = True, today: date | None = None,
                       channel: str | None = None) -> tuple[Reply, Callable[[], None]]:
        """The reply, and a call that logs and counts the question: for the answerer, which
        may ask again for one question (Slack faults) and records it once, when it is settled."""
        asked = self.library.asked(text, channel)   # read once: the search, the contact line and the topic
        result, pack = self._search(text, channel=channel, today=today, asked=asked, also=True)
        kept = self._kept_answer(text, result, pack, channel)
        if kept:   # a rep's kept answer beat the packs' best match (bot/kept.py)
            reply = Reply(query=result.query, answered=True, contact=self.config.contact, score=kept.score,
                          kept=kept.kept, clipped=result.clipped, consultation=self._kept_status(kept.kept, today))
        else:
            result, pin = self._pinned_first(result)
            if pin and result.best:   # the pinned entry may be another pack's
                pack = self.library.pack_of(result.best.entry)
            reply = labelled_reply(self.library, self.config, asked, result, pack, today)
            if pin:
                reply = replace(reply, pinned=pin)
        if not log_text:   # someone else's words: nor does any button carry them into votes, pins or reps
            reply = replace(reply, query="")

        def record() -> None:
            if kept:
                metrics.record_question(True, None)
            else:
                metrics.record_question(result.answered, result.reason)
            if result.terms and result.reason != "chitchat":   # chat isn't a question, nor a gap in the guidance
                self._log(text, via, reply, result.best if reply.answered and not kept else None, log_text)
        return reply, record

    def _log(self, text: str, via: str, reply: Reply, best, log_text: bool) -> None:
        logged = scrub_contact(" ".join(clean_slack_text(text).split())) if log_text else f"[{via}]"
        try:
            within(STORE_SECONDS, self.purge_if_due)
        except TimeoutError:
            pass   # still going on its own thread (a large table, or a stalled server): not a failure yet
        except Exception as e:
            warn_once(log, "apply the retention period", e)
        # the member still gets the answer if the log can't be written
        self._store_call("write to the question log", lambda: self.store.log_question(
            via=via, text=logged, answered=reply.answered, entry_id=best.entry.id if best else None,
            score=best.score if best else None))

    def read_within(self, what: str, call, default=None):
        """A store read that mustn't wait on a stalled database (the App Home's): `call()`'s
        result within STORE_SECONDS, else `default`, the failure logged once while it lasts."""
        return self._store_call(what, call, default)

    def _store_call(self, what: str, call, default=None):
        """A store call on the answer path: its result within STORE_SECONDS, else `default`,
        the failure logged once while it lasts (`what` is "could not <what>")."""
        try:
            result = within(STORE_SECONDS, call)
        except Exception as e:
            warn_once(log, what, e)
            return default
        warn_again(log, what)   # a failure (or a stall) has ended: the next one is logged
        return result

    def _kept_answer(self, text: str, result: SearchResult, pack=None, channel: str | None = None):
        """A live kept rep answer that beats the Library's best match (`result`, from `pack`'s
        index: the kept answer is read with that index's words and threshold). A kept answer
        about an entry of a pack that doesn't answer in this channel is left out."""
        if not result.terms or result.reason == "chitchat":
            return None
        kept = self._store_call("read kept rep answers", self.store.kept_answers)   # None: the pack answers
        if kept is None:
            return None
        shelves = self.library.for_channel(channel)
        if len(shelves) < len(self.library.shelves):
            here = {s.pack.name for s in shelves}
            kept = [k for k in kept if not k.entry_id or (found := self.library.find(k.entry_id)) is None
                    or found[1].name in here]
        if not kept:
            return None
        index = next((s.index for s in shelves if s.pack is pack), shelves[0].index)
        rival = result.best.score if result.answered and result.best else 0.0
        terms = self._kept_terms.get(id(index))
        if terms is None or terms.index is not index:   # a reloaded pack has a new index
            if len(self._kept_terms) > 2 * len(self.library.shelves):
                self._kept_terms.clear()
            terms = self._kept_terms[id(index)] = KeptTerms(index)
        return best_kept(index, text, kept, self.config.reps, threshold=index.answer_threshold,
                         rival=rival, terms=terms)

    def _kept_status(self, kept, today: date | None) -> ConsultationStatus | None:
        """Whether the consultation a kept rep answer is about is still open (its words may be about
        doing the survey: "you can resubmit it any time before the deadline"): the consultation of
        the entry it relates to, else the only pack's."""
        found = self.library.find(kept.entry_id) if kept.entry_id else None
        packs = self.library.packs
        pack = found[1] if found else packs[0] if len(packs) == 1 else None
        if pack is None or pack.consultation is None:
            return None
        return ConsultationStatus(pack.consultation, today or date.today())

    def _pinned_first(self, result: SearchResult):
        """Put a rep-pinned entry first when it matches nearly as well as the best one.
        Only ever among answered results: a pin never makes an off-topic question answered."""
        if not result.answered or not result.matches:
            return result, None
        pins = self._store_call("read the pinned answers", self.store.pins_by_entry)   # None: the pack answers
        if not pins:
            return result, None
        floor = max(result.matches[0].score * PIN_MARGIN, self.index.answer_threshold)
        for i, m in enumerate(result.matches):
            if m.entry.id in pins and m.score >= floor:
                # The member's own statement (if any) stays marked, not the one the rep pinned.
                ordered = (m,) + result.matches[:i] + result.matches[i + 1:]
                return replace(result, matches=ordered), pins[m.entry.id]
        return result, None

    def open_entry(self, entry_id: str, *, query: str = "", statement: int | None = None,
                   today: date | None = None, channel: str | None = None) -> Reply | None:
        """The reply for one entry by id (buttons, `/biglisten <id>`); None if unknown, or if
        its pack doesn't answer in `channel` (app.yaml's `channels`)."""
        reply = picked_entry(self.library, self.config, entry_id, query=query, statement=statement, today=today,
                             channel=channel, search=self._search)
        if reply is None:
            return None
        pin = (self._store_call("read the pinned answers", self.store.pins_by_entry) or {}).get(entry_id)
        return replace(reply, pinned=pin) if pin else reply   # the entry opens if the pins can't be read

    def matches_for(self, entry_ids: list[str], query: str = "", channel: str | None = None) -> Reply:
        """A Reply whose `others` are the given entries, for the "Other matches" list: those
        whose packs answer in `channel` (app.yaml's `channels`)."""
        here = {s.name for s in self.library.for_channel(channel)}
        found = tuple(Match(entry, 0.0) for entry, pack in filter(None, map(self.library.find, entry_ids))
                      if pack.name in here)
        return Reply(query=query, answered=False, contact=self.config.contact, others=found)

    def sections(self, pack=None) -> list[tuple[str, list[SurveyEntry]]]:
        """A pack's survey entries (default: the first pack's) grouped by section, in the
        order of the survey."""
        pack = pack or self.pack
        groups: dict[str, list[SurveyEntry]] = {}
        for e in pack.entries:
            if isinstance(e, SurveyEntry):
                groups.setdefault(e.section, []).append(e)
        order = list(pack.sections)
        return sorted(groups.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order))


def labelled_reply(library: Library, config: Config, asked, result: SearchResult, pack,
                   today: date | None = None) -> Reply:
    """The reply to a search of the packs `asked`: with its contact line and topic
    (`Library.labels`), and naming its pack when there are several."""
    contact, topic = library.labels(asked, result, pack, config.contact, config.bot_name)
    reply = replace(build_reply(result, pack, contact, today=today), topic=topic, command=config.slash_command)
    if reply.consultation and reply.answered and not isinstance(reply.entry, SurveyEntry):
        # "is the consultation still open?" answered from one pack: the others answering here say theirs
        day = reply.consultation.today
        reply = replace(reply, elsewhere=tuple(ConsultationStatus(s.pack.consultation, day) for s in asked
                                               if s.pack is not pack and s.pack.consultation))
    return replace(reply, pack_title=pack.title) if reply.answered and len(library.shelves) > 1 else reply


def reply_to(library: Library, config: Config, text: str, limit: int = 3) -> tuple[SearchResult, Reply]:
    """A question's search result and reply as the terminal gives them (`ask`, `chat`, `eval`):
    every pack asked, as in Slack, without a rep's pins or kept answers and logging nothing."""
    asked = library.asked(text)
    result, pack = library.find_matches(text, limit=limit, asked=asked, also=True)
    return result, labelled_reply(library, config, asked, result, pack)


def picked_entry(library, config, entry_id: str, *, query: str = "", statement: int | None = None,
                 today: date | None = None, channel: str | None = None, search=None) -> Reply | None:
    """An entry the member picked (a button, an id, a number in the terminal's list), with the
    question's other matches; None if unknown, or if its pack doesn't answer in `channel`.
    Reads no store (the Guide adds a rep's pin)."""
    found = library.find(entry_id)
    if found is None or found[1].name not in {s.name for s in library.for_channel(channel)}:
        return None
    entry, pack = found
    if not (isinstance(entry, SurveyEntry) and statement is not None and 0 <= statement < len(entry.statements)):
        statement = None
    others = ()
    if query:
        found_matches = (search or library.find_matches)(query, limit=4, today=today, channel=channel)[0].matches
        others = tuple(m for m in found_matches if m.entry.id != entry_id)[:3]
    reply = replace(entry_reply(entry, pack, contact_line(pack, config.contact), query=query, statement=statement,
                                others=others, today=today), chosen=True, topic=config.bot_name)
    return replace(reply, pack_title=pack.title) if len(library.shelves) > 1 else reply


def _search_thread() -> None:
    """Each searching thread, as it starts: SEARCH_NICENESS below the thread that started it.
    Only on Linux, where the nice value is a thread's own (elsewhere it is the whole process's).
    Never raises: a pool whose threads fail to start is broken for good."""
    _ON_SEARCH_THREAD.yes = True
    if sys.platform.startswith("linux"):
        try:
            me = threading.get_native_id()
            os.setpriority(os.PRIO_PROCESS, me, min(19, os.getpriority(os.PRIO_PROCESS, me) + SEARCH_NICENESS))
        except Exception as e:
            warn_once(log, "lower the searching threads' priority", e)
