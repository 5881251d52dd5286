"""Storage: one interface (`Store`) for the durable inbox, the question log, votes and pins, and
`open_store()` to pick a backend. One module per backend, as in slack_sdk's
oauth/installation_store: bot/store_sqlite.py (the default, one file); a server database
backend implements the same methods with the same guarantees.

Every guarantee a caller relies on is stated in the method's docstring; a backend must keep
each one (single-statement atomic writes, whatever the number of processes sharing the store).
Times are Unix seconds (float); `now` parameters exist so tests can move time.
"""
from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

from bot.errors import StoreError

EVENT_TTL = 3600          # Slack retries for minutes; finished inbox items are kept an hour
REWRITE_GRACE = 60.0      # a settled request's reps' message: its closer rewrites it, the chores after this
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
READ_ONLY_SQLSTATE = "25006"   # PostgreSQL's read_only_sql_transaction
OUTAGE_WORDS = ("locked", "unable to open", "disk", "readonly", "read-only")   # SQLite's, not "no such column"


def connection_lost(error) -> bool:
    """A PostgreSQL error with no word from the server (no SQLSTATE) or a connection-class one
    (08): the server can't be reached, as opposed to a statement the server refused."""
    state = getattr(error, "sqlstate", None)
    return state is None or state.startswith("08")


def server_ended(error) -> bool:
    """The server said it ended the connection (SQLSTATE class 57P: an admin's pg_terminate_backend,
    a shutdown or restart, another backend's crash): it rolled back what was not committed, so a
    statement not yet committed can run again on a fresh connection. Not a connection broken with
    no word (a network cut): the server may still hold its transaction, and its locks."""
    return (getattr(error, "sqlstate", None) or "").startswith("57P")


def connection_ended(error) -> bool:
    """The connection is gone: the server ended it (`server_ended`) or it broke with no word
    (`connection_lost`)."""
    return connection_lost(error) or server_ended(error)


class StoreUnsure(StoreError):
    """The connection ended once COMMIT was sent: the write may or may not have been made
    (PostgreSQL's; bot/store_postgres.py). Not run again by the store, which could make it
    twice: the caller decides what "maybe" means for it."""


def store_outage(error: BaseException) -> bool:
    """The store could not be reached or written (the database down, a locked or full disk),
    not a bug: a wrong column or bad SQL is one, and its caller keeps the traceback."""
    import sqlite3

    if isinstance(error, StoreError):
        return True
    if type(error).__module__.startswith("psycopg"):   # psycopg's and psycopg_pool's
        import psycopg
        from psycopg_pool import PoolTimeout
        return isinstance(error, PoolTimeout) or (isinstance(error, psycopg.OperationalError)
                                                  and connection_ended(error)) or (
            getattr(error, "sqlstate", None) == READ_ONLY_SQLSTATE)   # a standby after a failover
    return isinstance(error, sqlite3.OperationalError) and any(w in str(error).lower() for w in OUTAGE_WORDS)


def storable(value):
    """A text as every backend stores it, whatever a Slack payload carried: NUL dropped
    (PostgreSQL text can't hold it) and lone surrogates (JSON can carry "\\ud800"; UTF-8 can't
    encode them, so SQLite raises) replaced by U+FFFD. Anything that isn't a str is returned
    as it is. Each backend passes every parameter it writes through `storable_params`."""
    if not isinstance(value, str):
        return value
    if "\x00" in value:
        value = value.replace("\x00", "")
    return _LONE_SURROGATE.sub("\ufffd", value)


def storable_params(params):
    """A statement's parameters (a tuple, list or dict) with every text made `storable`."""
    if isinstance(params, dict):
        return {name: storable(value) for name, value in params.items()}
    return tuple(storable(value) for value in params)


@dataclass(frozen=True)
class Pin:
    channel: str
    message_ts: str
    entry_id: str
    statement: int | None
    question: str
    rep: str
    rep_name: str
    at: float
    permalink: str


@dataclass(frozen=True)
class InboxItem:
    """A question-bearing event held in the durable inbox while the caller holds its lease."""
    key: str
    payload: dict          # what is needed to answer (channel, ts, text ...); JSON in storage
    attempts: int          # how many times it has been leased, this lease included
    posting: bool          # a post was started under an earlier lease: ask Slack before posting again
    received_at: float


@dataclass(frozen=True)
class QuestionRow:
    at: float
    via: str
    text: str
    answered: bool
    entry_id: str | None
    score: float | None


@dataclass(frozen=True)
class RepRequest:
    """A member's question sent to the reps (issue 9). The asker's id, name and where they
    asked are kept only until the member has been told the outcome (then forgotten)."""
    id: int
    question: str
    asker: str             # user id ("" once delivered)
    asker_name: str        # the name the member agreed to share
    channel: str           # where to answer: a channel (with thread_ts) or "" for a DM to the asker
    thread_ts: str
    state: str             # open, answered, covered, outside, withdrawn
    created_at: float
    reps_channel: str = ""
    reps_ts: str = ""      # the request's message in the reps' channel ("" until posted)
    escalated_at: float | None = None
    rep: str = ""          # who answered (user id) and their name
    rep_name: str = ""
    answered_at: float | None = None
    answer: str = ""
    entry_id: str | None = None
    kept_id: int | None = None
    delivered_at: float | None = None


REQUEST_STATES = ("open", "answered", "covered", "outside", "withdrawn")


def refuse_newer(location: str, version: int, known: int) -> None:
    """A store migrated by a newer bot is refused when it opens: this one can't read it safely."""
    if version > known:
        raise StoreError(f"{location}: schema version {version} is newer than this bot knows ({known}): "
                         "upgrade the bot")


def check_schema_version(location: str, version: int, known: int) -> None:
    """A store is ready only as `serve` leaves it: migrated to exactly this bot's version."""
    if version == 0:
        raise StoreError(f"{location}: no bot tables in this database (serve creates them on its first start); "
                         "check storage.url or storage.path")
    if version != known:
        raise StoreError(f"{location}: schema version {version}, where this bot's is {known}: "
                         + ("serve migrates it on its next start" if version < known else "upgrade the bot"))


def closing_state(state: str) -> str:
    """`state` if a request can be closed with it (any state but "open"), else ValueError."""
    if state not in REQUEST_STATES[1:]:
        raise ValueError(f"not a closing state: {state!r}")
    return state


@dataclass(frozen=True)
class KeptAnswer:
    """A rep's answer kept for later members: their words and name, never a user id."""
    id: int
    question: str
    answer: str
    entry_id: str | None
    rep_name: str
    answered_at: float     # when its words were written: answered, or edited (the editor's words)
    confirmed_at: float    # answered, edited or re-confirmed: the review clock starts here
    retired_at: float | None = None
    flagged_at: float | None = None   # when reps were asked to review it (once per confirmation)


@dataclass(frozen=True)
class WalkPlace:
    """Where a member is in the guided walk-through: a pack, a position in its survey, and the
    question that was there (the position alone moves when a reload takes out a question before
    it); "" in a place saved before the store kept it, or moved since by a bot that doesn't."""
    user: str
    pack: str
    position: int
    at: float
    entry_id: str = ""


def stored_place_entry(position: int, entry_id: str) -> str:
    """The walk-through place's question as stored: with the position it was saved at. An older
    bot still running in a rolling upgrade (before SQLite migration 10, PostgreSQL 6) saves the
    position alone and leaves the column as it was: that question is not the place any more."""
    return f"{position}:{entry_id}" if entry_id else ""


def place_entry(position: int, stored: str) -> str:
    """The question of a place read back ("" when an older bot has moved the place since)."""
    saved_at, _, entry_id = stored.partition(":")   # (entry ids hold no colon: bot/knowledge.py)
    return entry_id if saved_at == str(position) else ""


class Store(ABC):
    """What the bot keeps. Safe to share between threads of one process, and between
    processes (gunicorn workers) opening the same location."""

    @property
    @abstractmethod
    def schema_version(self) -> int:
        """The schema version this store is migrated to (migrations run when it opens)."""

    # --- the durable inbox ------------------------------------------------------------
    # An event that needs an answer is written here before Slack gets its 200, and leased to
    # the worker answering it. A worker that dies leaves a lease that expires; any worker (or
    # the server restarted on the same store) then takes it over. Leases (here and the reps'
    # requests') are timed by the store's clock, PostgreSQL's or SQLite's host's, so instances
    # whose clocks disagree still agree on them; `now`, where a test passes it, stands in for it.

    @abstractmethod
    def enqueue(self, key: str, payload: dict, *, owner: str, lease_seconds: float,
                now: float | None = None) -> InboxItem | None:
        """Record an event before it is acknowledged and lease it to `owner`.

        One atomic statement (an upsert). Returns the item when the caller now holds its
        lease: the key is new, or it is still pending and its lease has expired (a redelivery
        of an event whose worker died). Returns None for a duplicate delivery: answered
        already, or leased to someone else right now. Whatever the number of concurrent
        callers, at most one holds a key's lease at any time. Committed (durable against the
        process being killed) when it returns; raises if the store can't be written. It runs
        on the ack path (Slack wants its 200 within 3 s): one short write, nothing else.
        The lease runs from when the write lands, by the store's own clock, if that is later
        than the call (without `now`): a write that lands after its caller stopped waiting is
        still its caller's to settle, not expired already for another instance to take over.
        """

    @abstractmethod
    def lease(self, key: str, *, owner: str, lease_seconds: float, now: float | None = None) -> InboxItem | None:
        """Take over a pending item whose lease has expired; None if it is answered, or
        leased and not expired. Atomic: at most one caller wins. Adds one to `attempts`."""

    @abstractmethod
    def expired(self, limit: int = 20, now: float | None = None) -> list[str]:
        """Keys of pending items whose lease has expired, oldest first (at most `limit`):
        work a killed or stopped worker left. Read-only; take each with `lease`."""

    @abstractmethod
    def mark_posting(self, key: str, owner: str, *, lease_seconds: float = 0.0, now: float | None = None,
                     attempt: int | None = None) -> bool:
        """Say a post is about to be sent under `owner`'s lease, so whoever takes the item
        over later first asks Slack whether it went through; the lease is renewed to at least
        `lease_seconds` from now. False if `owner`'s lease is lost or has run out: don't post.
        `attempt`: the lease's number (InboxItem.attempts); one process leases an item again
        under the same owner (its inbox worker, Slack's redelivery), so only that lease counts."""

    @abstractmethod
    def complete(self, key: str, *, failed: bool = False, now: float | None = None, owner: str | None = None,
                 attempt: int | None = None) -> bool:
        """Mark a pending item answered (or given up: `failed`): it is never leased again, and
        its payload (the member's words) is dropped at once. With `owner` (and `attempt`), only
        while that owner holds it (under that lease). True if this call settled it."""

    @abstractmethod
    def reopen(self, key: str) -> bool:
        """Forget a settled item, so its key is taken in again: a press the member was told to
        make again (a share that may not have gone out, or failed) under a key its first press
        used (one per answer and member). Pending items are left alone. True if it was settled."""

    @abstractmethod
    def record_answered(self, key: str, *, now: float | None = None, failed: bool = False) -> bool:
        """Record as answered an event this process answered without the inbox (from memory,
        while the store couldn't be written; `failed`: given up, its settling perhaps unmade,
        StoreUnsure), in one statement: written answered if it isn't
        here, settled if it is pending, whoever holds it (a late write of this process's own; or
        Slack's retry, taken in by another worker, which is a duplicate: its post is then
        refused, as `mark_posting` needs the item pending), left alone if it is settled. One
        statement, so no process can die between writing it and settling it, leaving a lease
        that another worker would take over and answer again. True if this call recorded it."""

    @abstractmethod
    def retry_later(self, key: str, owner: str, delay: float, now: float | None = None,
                    attempt: int | None = None, unposted: bool = False) -> None:
        """Give up `owner`'s lease (`attempt`: that lease only) early: the item may be taken
        again after `delay` seconds. `unposted`: Slack said it took nothing (a 429), so the
        "about to post" flag is cleared (a reply that can't be looked for, an answer shared in
        the channel, isn't sent again under that flag)."""

    @abstractmethod
    def inbox_counts(self) -> dict[str, int]:
        """How many items are in each state ('pending', 'done', 'failed')."""

    @abstractmethod
    def claim_for(self, key: str, seconds: float, now: float | None = None) -> bool:
        """True for the first caller with `key` in any `seconds` (the store's clock), on any
        instance: one of two presses of a button made together (a double click, each with its own
        trigger id) is taken. Kept in the inbox's table, never leased (state 'claimed'); `reopen`
        frees it at once; purged as finished items are."""

    def read_only(self) -> str:
        """Why the store can't be written now ('' when it can): a PostgreSQL server in recovery
        (a standby, as a URL may lead to after a failover) or set read-only. Readiness says so:
        every write would fail, and answers go out from memory only. (A SQLite file this user
        can't write is refused when it opens.)"""
        return ""

    def inbox_oldest(self) -> float | None:
        """`received_at` of the oldest pending item (for the inbox-age metric); None when the
        inbox is empty or the backend can't tell."""
        return None

    def lease_expired(self, *, owner: str, lease_seconds: float, limit: int = 20,
                      now: float | None = None) -> list[InboxItem]:
        """Lease up to `limit` expired items to `owner`, oldest first: `expired` then `lease`
        each (a backend may do it in one statement; PostgreSQL skips rows another instance is
        leasing right now). Same guarantee as `lease`: at most one caller wins each item."""
        items = (self.lease(key, owner=owner, lease_seconds=lease_seconds, now=now)
                 for key in self.expired(limit=limit, now=now))
        return [item for item in items if item is not None]

    # --- the question log -----------------------------------------------------------
    @abstractmethod
    def log_question(self, *, via: str, text: str, answered: bool, entry_id: str | None = None,
                     score: float | None = None, now: float | None = None) -> None:
        """Log a question for the reps' report: its words (at most 2,000 characters) and
        outcome, never who or where."""

    @abstractmethod
    def questions(self, since: float = 0.0) -> list[QuestionRow]:
        """Logged questions at or after `since`, oldest first."""

    # --- votes ------------------------------------------------------------------------
    @abstractmethod
    def vote(self, *, message: str, user: str, entry_id: str, query: str, helpful: bool,
             now: float | None = None) -> None:
        """One vote per member per answer (`message`, `user`); voting again replaces it, unless
        this one was cast earlier (`now`: when the member pressed; a press answered again after a
        failure mustn't undo the member's later change of mind)."""

    @abstractmethod
    def votes(self, since: float = 0.0) -> list[tuple[str, bool]]:
        """(entry_id, helpful) of every vote cast or changed at or after `since`."""

    # --- pins ---------------------------------------------------------------------------
    @abstractmethod
    def add_pin(self, pin: Pin) -> None:
        """Record a pinned answer; pinning the same (channel, message_ts) again updates it."""

    @abstractmethod
    def remove_pin(self, channel: str, message_ts: str, at: float | None = None) -> bool:
        """Forget a pin; True if there was one. With `at`, only the record made then (the one the
        caller wrote or read: `at` tells one record of a message from the next), so a record
        made since, by a pin again after an unpin, stays."""

    @abstractmethod
    def pin(self, channel: str, message_ts: str) -> Pin | None:
        """The record of one pinned message, or None."""

    @abstractmethod
    def pins(self) -> list[Pin]:
        """Every pin, newest first."""

    def pins_by_entry(self) -> dict[str, Pin]:
        """The latest pin of each entry (what search and the answer show)."""
        latest: dict[str, Pin] = {}
        for pin in self.pins():
            latest.setdefault(pin.entry_id, pin)
        return latest

    # --- questions for the reps (issue 9) -----------------------------------------------
    @abstractmethod
    def add_request(self, *, question: str, asker: str, asker_name: str, channel: str, thread_ts: str,
                    now: float | None = None) -> RepRequest:
        """Record a member's question for the reps (state 'open'); returns it with its id."""

    @abstractmethod
    def set_request_message(self, request_id: int, reps_channel: str, reps_ts: str) -> None:
        """Where the request was posted in the reps' channel (and its lease is given up)."""

    @abstractmethod
    def request(self, request_id: int) -> RepRequest | None:
        """One request by id."""

    @abstractmethod
    def requests(self, states: tuple[str, ...] = ("open",)) -> list[RepRequest]:
        """Requests in these states, oldest first."""

    @abstractmethod
    def open_request_count(self) -> int:
        """How many members' questions wait for a rep (state 'open'): the metrics' gauge, counted
        in the store, not read row by row."""

    @abstractmethod
    def close_request(self, request_id: int, *, state: str, rep: str, rep_name: str, answer: str = "",
                      entry_id: str | None = None, keep: bool = False, kept_question: str | None = None,
                      now: float | None = None) -> RepRequest | None:
        """Close an open request: answered (a rep's words), covered (by `entry_id`), outside
        the guidance, or withdrawn (by the member). One atomic write: of any number of
        concurrent callers exactly one gets the closed request back, the others None.
        `keep` (answered only) also keeps the answer for future members, in the same
        transaction (its id in `kept_id`), under `kept_question` (the question as the rep
        wants later members to see it; the member's own words when None, though Slack's modal and
        the CLI always give one). In the same write the request's message in the reps' channel
        becomes due to be rewritten (see `rewrites_due`) REWRITE_GRACE seconds from `now`: the
        closer rewrites it at once, the chores pick up what a crash left."""

    @abstractmethod
    def claim_request(self, request_id: int, *, owner: str, lease_seconds: float,
                      now: float | None = None) -> RepRequest | None:
        """Lease a request's Slack work to `owner` (atomic: at most one holder at a time): an
        open request not yet in the reps' channel (post it), or a closed one whose member
        hasn't been told (tell them). None if there is no such work or it is leased. The claim's
        time is kept (see pending_requests)."""

    @abstractmethod
    def release_request(self, request_id: int, owner: str) -> None:
        """Give up `owner`'s lease early (Slack refused for now): anyone may try again at once."""

    @abstractmethod
    def pending_requests(self, now: float | None = None) -> list[int]:
        """Ids of requests with Slack work left (see claim_request) and no live lease, least
        recently claimed first (never claimed first, then by id): work that keeps failing goes
        behind the rest, so a caller taking the first few still reaches every request in turn."""

    @abstractmethod
    def mark_delivered(self, request_id: int, now: float | None = None) -> None:
        """The member has been told: forget who and where they asked (privacy)."""

    @abstractmethod
    def rewrites_due(self, limit: int = 20, now: float | None = None) -> list[RepRequest]:
        """Closed requests posted to the reps' channel (or whose post was tried: it may have landed
        unseen) whose message there must still be rewritten to show them settled, due at or
        before `now`, longest due first (at most `limit`). Read-only: the rewrite is idempotent,
        so two workers may both do it."""

    @abstractmethod
    def retry_rewrite(self, request_id: int, now: float | None = None) -> None:
        """Rewriting a closed request's reps' message failed: due again from `now` (behind
        those due longer). Nothing for an open request or one whose post was never tried."""

    @abstractmethod
    def message_rewritten(self, request_id: int) -> None:
        """The request's reps' message shows it settled (or is gone): no rewrite is due."""

    @abstractmethod
    def mark_escalated(self, request_id: int, now: float | None = None) -> bool:
        """Flag an open request as re-raised; True only for the first caller (re-flag once).
        The flag is the claim between workers: the winner posts the reminder, and gives the
        claim back (`release_escalation`) if the post fails."""

    @abstractmethod
    def release_escalation(self, request_id: int, at: float) -> None:
        """Undo `mark_escalated(request_id, at)` (the reminder's post failed), so the next
        caller of mark_escalated wins again; nothing if the flag is another claim's."""

    @abstractmethod
    def kept_answers(self, *, include_retired: bool = False) -> list[KeptAnswer]:
        """Kept rep answers, newest first."""

    @abstractmethod
    def kept_answer(self, kept_id: int) -> KeptAnswer | None:
        """One kept answer by id."""

    @abstractmethod
    def edit_kept(self, kept_id: int, answer: str, *, rep_name: str, question: str | None = None,
                  now: float | None = None) -> bool:
        """Replace a kept answer's words, and its question as members see it when given
        (re-confirming it); False if unknown or retired."""

    @abstractmethod
    def confirm_kept(self, kept_id: int, now: float | None = None) -> bool:
        """Re-confirm a kept answer: the review clock starts again; False if unknown or retired."""

    @abstractmethod
    def retire_kept(self, kept_id: int, now: float | None = None) -> bool:
        """Stop showing a kept answer; True if it was live."""

    @abstractmethod
    def flag_kept(self, kept_id: int, now: float | None = None) -> bool:
        """Mark a kept answer as sent to reps for review; True only for the first caller
        since its last confirmation. The claim between workers, as with `mark_escalated`."""

    @abstractmethod
    def release_kept_flag(self, kept_id: int, at: float) -> None:
        """Undo `flag_kept(kept_id, at)` (the review notice's post failed), so the next
        caller of flag_kept wins again; nothing if the flag is another claim's."""

    # --- the guided walk-through -------------------------------------------------------
    @abstractmethod
    def walk_place(self, user: str) -> WalkPlace | None:
        """Where this member is in the walk-through, or None if they aren't in one."""

    @abstractmethod
    def save_walk_place(self, user: str, pack: str, position: int, entry_id: str = "",
                        now: float | None = None) -> None:
        """Record where the member is (one place per member: the last write wins). Atomic."""

    @abstractmethod
    def move_walk_place(self, user: str, was: WalkPlace, pack: str, position: int, entry_id: str = "",
                        now: float | None = None) -> bool:
        """Move the member's place from `was` (as `walk_place` read it) to this one, only if it is
        still `was`: False (nothing written) when another press moved it, or Stop forgot it,
        since. Atomic: of two presses moving from one place, one wins."""

    @abstractmethod
    def end_walk(self, user: str, *, was: WalkPlace | None = None, pack: str | None = None) -> bool:
        """Forget the member's place (Stop, or the last question passed): only if it is still `was`,
        or in `pack`, when given. True if one was forgotten."""

    # --- retention --------------------------------------------------------------------
    @abstractmethod
    def purge(self, retention_days: int, now: float | None = None) -> int:
        """Delete question logs and votes (which name the voter) older than the retention
        period, and finished inbox items older than EVENT_TTL (pending ones stay until
        answered), requests for the reps whose member was told the outcome longer ago than
        the retention period, and walk-through places untouched for the retention period.
        Pins and kept rep answers stay until unpinned / retired. Returns the number of
        questions and votes deleted."""


def open_store(location: str | Path, *, migrate: bool = True, writable: bool = True, setting: str = "") -> Store:
    """The store at `location`: a postgresql:// URL opens the PostgreSQL backend, a file path
    the SQLite one (bot.store_location turns app.yaml's storage settings into a location).
    Opening migrates the schema; a location that can't be used (unreadable, unwritable, not a
    bot database, a database server that can't be reached) raises bot.errors.StoreError with
    one line naming it and what to do (start-up prints it, exit 2), as does a store a newer bot
    migrated. `migrate=False` (`health`): a store not migrated as this bot needs it is refused
    instead, with nothing written (a SQLite file `health` checks exists already). A SQLite file
    this user can't write is refused unless `writable=False` (migrate-store's source). `setting`:
    what named the location, as the messages say what to check (bot.store_location.store_setting)."""
    if str(location).startswith(("postgresql://", "postgres://")):
        from bot.store_postgres import PostgresStore
        return PostgresStore(str(location), migrate=migrate, setting=setting or "storage.url")
    from bot.store_sqlite import SQLiteStore
    return SQLiteStore(location, migrate=migrate, writable=writable, setting=setting or "storage.path")
