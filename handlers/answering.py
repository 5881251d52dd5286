"""Answering a member's message (mentions and DMs) so that nothing acknowledged is lost; a
slash command and a press of an answer's buttons or of the walk-through's go through the same
inbox (`command_from`, `action_from`, `Answerer._reply_attempt`).

1. `accept_question`, a global middleware, runs after Bolt has checked the signature and
   before Slack gets its 200: an event that needs an answer is written to the store's durable
   inbox under the key (channel, ts) and leased to this process. A duplicate delivery (Slack's
   retry, or a mention in a DM arriving as app_mention *and* message.im) finds the key taken.
2. The listener answers: search, post (the post carries the inbox key in its metadata), mark
   the item done. A post is flagged in the store before it is sent.
3. A killed worker's lease expires and the InboxWorker of any process (or of the restarted
   server) takes the item over. If a post may have gone out under the old lease, Slack is
   asked first (conversations.replies / history, looking for that metadata), so a crash
   between posting and marking done never answers twice.

Slack faults: a post that timed out or got a 5xx may have gone through, so it is never
repeated or apologised for without that check, and the check waits UNCLEAR_RECHECK seconds
for a slow post to land; a rate limit, a failing check or an unreachable store leaves the item
for a later attempt, backing off (RETRY_DELAY doubling up to RETRY_CAP, at least Retry-After),
at most MAX_ATTEMPTS (about a quarter of an hour in all), each within half the lease. The
member gets an apology only when nothing can have been posted, and only from the worker that
settled the item as failed. Every failed send is logged with the event id. If the store can't
be written the question is still answered (from memory): then a delivery Slack repeats to
another worker or instance may be answered twice, since no shared record says it was taken;
so a message Slack delivers again (X-Slack-Retry-Num) that the store doesn't know asks Slack,
just before posting, whether it was answered already, as a takeover does (one Web API call,
only for Slack's retries: the answer to the first delivery has most often landed by then).
So the inbox write has ACCEPT_SECONDS in all, whatever the store does (a hung database
server answers nothing, and no client-side timeout of the driver covers that); a write that
lands after its caller gave up is settled at once, as answered from memory. Questions
answered from memory are recorded as answered when the store takes writes again, so Slack's
later retries of them (a minute and five minutes on) are known anywhere.
"""
from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from logging import Logger

from slack_bolt import Ack, BoltContext, BoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import blocks
from bot.blocks import SORRY_TEXT, UNSURE_SHARE_TEXT, text_blocks
from bot.bounded import within
from bot.errors import slack_error, warn_again, warn_once
from bot.guide import Guide
from bot.inbox import LEASE_SECONDS
from bot.normalise import safe_text
from bot.rep_blocks import reply_message
from bot.retry import MAX_RETRY_AFTER, deadline
from bot.store import InboxItem, StoreUnsure, store_outage
from bot.walk_blocks import WALK_BACK, WALK_NEXT, WALK_SKIP, WALK_STOP
from handlers.payload import forwarded_text, press_of
from handlers.posted import find_post
from handlers.respond import RESPOND_SECONDS, CheckedRespond

ANSWER_EVENT = "biglisten_answer"   # metadata event_type on every answer the bot posts
MAX_ATTEMPTS = 12        # then the item is given up (and the failure logged with its event id)
MAX_MEMORY_ATTEMPTS = 5  # ... one answered from memory (its thread waits RETRY_DELAY between tries,
MEMORY_RETRY_SECONDS = 60.0   # ... and no longer than this in all: it is one of Bolt's listener threads)
RETRY_DELAY = 3.0        # a transient failure is tried again this soon (by any worker), then
RETRY_CAP = 120.0        # ... twice as long each time, up to this
UNCLEAR_RECHECK = 20.0   # a post that timed out or got a 5xx may land late: look for it after this
# Errors after which a post may still have gone through.
UNCLEAR = frozenset({"internal_error", "fatal_error", "request_timeout", "service_unavailable", "fake_fault"})
# Errors that mean the check itself can never work: answer rather than lose the question.
CANT_CHECK = frozenset({"missing_scope", "not_in_channel", "channel_not_found", "thread_not_found", "not_allowed"})
ACCEPT_SECONDS = 1.5     # the inbox write, on the ack path (Slack wants its 200 within 3 s)
UNSURE = "unsure"          # a settling write ended at its COMMIT: made or not, no one can tell
STORE_CALL_SECONDS = 5.0  # the inbox's other calls while answering (bot/bounded.py): a stalled database
# must not hold a listener thread, which other requests' acks wait for; the inbox's leases and
# "about to post" flag keep a call that lands late harmless (a late "about to post" makes whoever
# takes the item over ask Slack first)
RECORD_RETRY = (1.0, 10.0)   # answered from memory: record them when the store is back, trying this often
# (well inside a lease: a write that landed late is settled before a worker can take it over)
WRITE_FAILED = "write events to the inbox (they are answered from memory)"
# An answer's buttons, answered through the inbox (round 17: a worker killed between a press's ack
# and its reply lost the reply, and a vote with it). Not "Show full guidance": it opens a modal
# with the press's trigger_id, valid for 3 s, so it can't wait for another worker.
KEPT_PRESSES = re.compile(rf"^(({blocks.DID_YOU_MEAN}|{blocks.OPEN_ENTRY})_\d+|{blocks.SHARE}|{blocks.OTHER_MATCHES}"
                          rf"|{blocks.VOTE_HELPFUL}|{blocks.VOTE_NOT_HELPFUL})$")   # Bolt searches: anchored
# The walk-through's Next / Back / Skip section / Stop, likewise (round 26: a worker killed after the
# ack lost the step, and the member's Next did nothing). Not "Walk me through" (its answer is a DM
# posted, not a reply: App Home has no response_url) nor "Make my notes" (a modal, as above).
WALK_PRESSES = frozenset({WALK_NEXT, WALK_BACK, WALK_SKIP, WALK_STOP})
SHARE_KEY = "share:"   # after "action:", a press of Share: one per answer and member
THEN = "then"   # in a reply's fields: more to send through the response_url once Slack took it
# In a press's payload as its replier gets it on any attempt after the first: when the press was
# taken in (its item's received_at), so a replier can tell its own earlier attempt's doing (which
# may have been done before that attempt's worker stopped) from what was there when it was pressed
REPLAYED = "replayed_since"


def question_from(body, bot_user_id: str | None) -> tuple[str, dict] | None:
    """(inbox key, payload) when a request is a message the bot should answer, else None.
    Never raises, whatever the fields hold."""
    if not isinstance(body, dict) or body.get("type") != "event_callback":
        return None
    event = body.get("event")
    if not isinstance(event, dict) or event.get("bot_id"):   # other bots and our own posts: never
        return None
    channel, ts = event.get("channel"), event.get("ts")
    if not (isinstance(channel, str) and channel and isinstance(ts, str) and ts):
        return None
    if event.get("type") == "app_mention":
        via, in_thread = "mention", True
    elif event.get("type") == "message":
        # Edits, deletions and bot posts come as message events too; a message with a file,
        # or a thread reply also sent to the channel, is still a question.
        if event.get("channel_type") != "im" or \
                event.get("subtype") not in (None, "file_share", "thread_broadcast", "me_message"):
            return None
        if not isinstance(event.get("user"), str) or event.get("user") == bot_user_id:
            return None
        via, in_thread = "dm", False
    else:
        return None
    # In a channel: always in a thread. In a DM (where a mention also arrives as a message
    # event, whichever comes first): in the thread the member used, if any.
    thread_ts = event.get("thread_ts") if isinstance(event.get("thread_ts"), str) else None
    thread_ts = thread_ts or (ts if in_thread and not channel.startswith("D") else None)
    payload = {"channel": channel, "ts": ts, "thread_ts": thread_ts, "text": safe_text(event.get("text")),
               "via": via, "event_id": safe_text(body.get("event_id")), "user": safe_text(event.get("user"))}
    forwarded = safe_text(forwarded_text(event))
    if forwarded:   # a colleague's message forwarded to the bot: answered, and (as a shortcut's) not logged
        payload |= {"text": f"{payload['text']} {forwarded}".strip(), "log_text": False}
    return f"message:{channel}:{ts}", payload


COMMAND_FIELDS = ("command", "text", "user_id", "channel_id", "response_url", "trigger_id")


def command_from(body) -> tuple[str, dict] | None:
    """(inbox key, payload) for a slash command, else None: what answering it takes again,
    the response_url included (valid for 30 minutes), never the request's token. A command
    without a trigger id (none is sent without one) is answered, but not kept."""
    if not isinstance(body, dict) or not isinstance(body.get("command"), str) or \
            not isinstance(body.get("response_url"), str) or not body.get("response_url"):
        return None
    trigger = body.get("trigger_id")
    if not isinstance(trigger, str) or not trigger:
        return None
    payload = {name: safe_text(body.get(name)) for name in COMMAND_FIELDS if isinstance(body.get(name), str)}
    payload["event_id"] = f"command {safe_text(body['command'])} {trigger}"
    return f"command:{trigger}", payload


def action_from(body) -> tuple[str, dict] | None:
    """(inbox key, payload) for a press of an answer's buttons (KEPT_PRESSES) or of the
    walk-through's (WALK_PRESSES), else None: the
    payload is `press_of` (the response_url included, never the request's token),
    kept under the press's trigger id (a press without one is answered, but not kept). A press
    of Share is kept under its answer and member instead: pressed twice, it is shared once
    (each press has its own trigger id). A share the member is told to press again (it failed,
    or may not have gone out) is reopened (`Answerer._settled`)."""
    if not isinstance(body, dict) or body.get("type") != "block_actions":
        return None
    press = press_of(body)
    kept = KEPT_PRESSES.fullmatch(press["action_id"]) or press["action_id"] in WALK_PRESSES
    if not kept or not press["response_url"] or not press["trigger_id"]:
        return None
    key = press["trigger_id"]
    channel, _, ts = press["message"].partition(":")
    if press["action_id"] == blocks.SHARE and press["user_id"] and "None" not in (channel, ts):
        key = f"{SHARE_KEY}{press['message']}:{press['user_id']}"
    return f"action:{key}", press | {"event_id": f"button {press['action_id']} {press['trigger_id']}"}


def is_command(item: InboxItem) -> bool:
    return item.key.startswith("command:")


def is_share(key: str) -> bool:
    """A press of Share, kept under its answer and member (`action_from`)."""
    return key.startswith("action:" + SHARE_KEY)


def by_response_url(key: str) -> bool:
    """A slash command or a button press (by its inbox key): replied to through its response_url,
    not posted."""
    return key.startswith(("command:", "action:"))


@dataclass
class _Attempt:
    item: InboxItem
    durable: bool              # False: the store couldn't take it; answered from memory
    maybe_posted: bool = False
    retry_after: float = 0.0   # Slack's Retry-After on a rate-limited post
    record: Callable[[], None] | None = None   # logs and counts the question (Guide.ask_unrecorded)
    unposted: bool = False     # a reply Slack refused with a 429: it took nothing (the store's flag is cleared)
    unsure_share: bool = False   # an answer shared in the channel that may not have gone out: the member is told
    sorry: bool = False        # the reply is SORRY_TEXT (building it failed): the member is told to try again
    guess: bool = False        # maybe_posted only because Slack redelivered it: nothing of ours was posted
    leased_at: float = field(default_factory=time.monotonic)


class Answerer:
    """Takes questions into the inbox and answers them; one per process."""

    def __init__(self, guide: Guide, client: WebClient, logger: Logger, owner: str, *,
                 lease_seconds: float = LEASE_SECONDS,
                 command: Callable[[dict], tuple[dict, Callable[[], None] | None]] | None = None,
                 press: Callable[[dict], tuple[dict, None]] | None = None):
        self.guide, self.client, self.logger, self.owner = guide, client, logger, owner
        # a slash command's reply (its fields for respond()) and, for a question, the call that
        # logs it, from its inbox payload (handlers/commands.py's `command_reply`); a button
        # press's likewise (handlers/actions.py's `press_reply`)
        self.command, self.press = command, press
        self.lease_seconds = lease_seconds
        # One attempt, its retries included, ends well inside its lease (the client's
        # timeout is at most a sixth of the lease: see bot/app.py).
        self.deadline = lease_seconds / 2
        self._seen: OrderedDict[str, None] = OrderedDict()   # answered from memory by this process
        self._taken: OrderedDict[str, None] = OrderedDict()  # ... taken into the inbox by it: a redelivery
        # here is a duplicate whatever the store does (the inbox has it; round 16's outage bench: one
        # redelivered as the database froze was answered from memory as well)
        self._unrecorded: OrderedDict[str, bool | None] = OrderedDict()   # ... not yet recorded (True: failed)
        self._recording = False
        self._lock = threading.Lock()

    # --- 1. before the ack ------------------------------------------------------------------
    def accept(self, key: str, payload: dict, redelivered: bool = False) -> _Attempt | None:
        """Write the event to the inbox, leased to us; None for a duplicate delivery.
        `redelivered`: Slack's retry of it. A message's first delivery may have been answered
        from memory (here or elsewhere, the store down), so one new to the store, or answered
        from memory here, looks in Slack for an answer first (commands and presses aren't
        retried by Slack)."""
        check = redelivered and not by_response_url(key)
        with self._lock:
            # Slack's retry, here: the store back or not. A share's next press: the store says
            # (another instance may have reopened it), unless the store is down (below).
            if key in self._seen or (key in self._taken and not is_share(key)):
                return None
        try:
            item = self._write(key, payload)
            warn_again(self.logger, WRITE_FAILED)   # the store takes writes (again): a later outage is logged
            if item is None:
                return None
            with self._lock:
                _note(self._taken, key)
            # a redelivery after the lease ran out: a post may have gone out under it, so ask Slack first
            guess = check and item.attempts == 1 and not item.posting
            return _Attempt(item, durable=True, maybe_posted=item.posting or guess, guess=guess)
        except Exception as e:
            warn_once(self.logger, WRITE_FAILED, e)
        # the store is broken: at least don't answer one process's duplicates twice
        with self._lock:
            if key in self._taken:   # a share pressed again while the store is down
                return None
        if not self._remember(key):
            return None
        return _Attempt(InboxItem(key, payload, 1, False, time.time()), durable=False, maybe_posted=check, guess=check)

    def _remember(self, key: str, *, failed: bool = False) -> bool:
        """A question answered here that the store doesn't know is answered (answered from
        memory, or settling it failed): never answered again by this process, and recorded as
        answered once the store takes writes. False if it was remembered already."""
        with self._lock:
            if key in self._seen:
                return False
            _note(self._seen, key)
            _note(self._unrecorded, key, value=failed)   # recorded failed (given up), or answered
            start = not self._recording
            self._recording = True
        if start:
            threading.Thread(target=self._record_from_memory, name="inbox-record", daemon=True).start()
        return True

    def _write(self, key: str, payload: dict) -> InboxItem | None:
        """`Store.enqueue` within ACCEPT_SECONDS, or TimeoutError (bot/bounded.py: a stalled
        database answers nothing). A write that lands after that is settled as done, since its
        question is being answered from memory, so no worker takes it over and answers it again."""
        def late(item: InboxItem | None) -> None:
            if item is not None:
                self._settle_late(item)

        return within(ACCEPT_SECONDS, lambda: self.guide.store.enqueue(key, payload, owner=self.owner,
                                                                        lease_seconds=self.lease_seconds), late=late)

    def _settle_late(self, item: InboxItem) -> None:
        """A write that landed after its question was answered from memory: settled before its
        lease can run out (the store may fail fast for a few seconds after an outage), or a
        worker would take it over and answer it again. `_record_from_memory` tries too."""
        until = time.monotonic() + self.lease_seconds
        while time.monotonic() < until:
            try:
                self.guide.store.complete(item.key, owner=self.owner, attempt=item.attempts)
                with self._lock:   # a share reopened before its write landed: reopened again
                    reopened = is_share(item.key) and item.key not in self._seen
                if reopened:
                    self.guide.store.reopen(item.key)
                return
            except Exception:
                time.sleep(RECORD_RETRY[0])

    def _record_from_memory(self) -> None:
        """Record the questions answered from memory as answered, once the store takes writes:
        Slack's retries of them, to any worker or instance, are then duplicates."""
        pause = RECORD_RETRY[0]
        while True:
            time.sleep(pause)
            with self._lock:
                keys = list(self._unrecorded.items())
                if not keys:
                    self._recording = False
                    return
            try:
                for key, failed in keys:
                    # one statement: written answered, or settled if a late write of ours (or an
                    # expired lease) left it pending; a process dying between a write and its
                    # settling had left a lease another worker took over and answered again
                    self.guide.store.record_answered(key, failed=bool(failed))
                    with self._lock:
                        self._unrecorded.pop(key, None)
                pause = RECORD_RETRY[0]
            except Exception:   # still down (its first failure is logged): try again later
                pause = min(pause * 2, RECORD_RETRY[1])

    # --- 2./3. answering ---------------------------------------------------------------------
    def answer(self, attempt: _Attempt) -> None:
        """Answer a message or a slash command, retrying and settling it."""
        run = self._reply_attempt if by_response_url(attempt.item.key) else self._attempt
        if attempt.durable:
            # Finish well before the lease ends, or another worker may take over mid-post. A
            # question that queued here too long is left for whoever takes the expired lease.
            left = self.lease_seconds * 5 / 6 - (time.monotonic() - attempt.leased_at)
            if left < self.deadline / 3:
                self.logger.warning("event %s waited too long to be answered here; leaving it to the next lease",
                                    _event_id(attempt.item))
                return
        started = time.monotonic()
        while True:
            with deadline(min(self.deadline, left) if attempt.durable else self.deadline):
                try:
                    outcome = run(attempt)
                except Exception as e:
                    log_failure(self.logger, f"answering event {_event_id(attempt.item)}", e)
                    outcome = "retry"
            if outcome != "retry" or attempt.durable or attempt.item.attempts >= MAX_MEMORY_ATTEMPTS:
                break
            # from memory only: no other worker will retry it, so this thread does (Retry-After is capped)
            pause = max(RETRY_DELAY, attempt.retry_after)
            if time.monotonic() - started + pause > MEMORY_RETRY_SECONDS:
                attempt.item = replace(attempt.item, attempts=MAX_MEMORY_ATTEMPTS)   # given up: _settle says so
                break
            time.sleep(pause)
            item = attempt.item
            attempt = _Attempt(InboxItem(item.key, item.payload, item.attempts + 1, attempt.maybe_posted,
                                         item.received_at), durable=False, maybe_posted=attempt.maybe_posted,
                               record=attempt.record)
        self._settle(attempt, outcome)

    def take_over(self, item: InboxItem) -> None:
        """For the InboxWorker: an item whose earlier lease expired, now leased to us. One this
        process answered from memory (its write landed late, and expired) is only settled."""
        with self._lock:
            ours = item.key in self._seen
        if ours:
            try:
                self.guide.store.complete(item.key, owner=self.owner, attempt=item.attempts)
            except Exception:   # still unreachable: `_record_from_memory` settles it when it can
                pass
            return
        self.logger.info("taking over event %s (attempt %d)", _event_id(item), item.attempts)
        if by_response_url(item.key) and self._replier(item) is None:   # left for a process that can answer it
            self.logger.warning("can't answer %s here; leaving it", _event_id(item))
            return
        self.answer(_Attempt(item, durable=True, maybe_posted=item.posting))

    def _replier(self, item: InboxItem):
        return self.command if is_command(item) else self.press

    def _reply_attempt(self, attempt: _Attempt) -> str:
        """A slash command or a button press taken into the inbox, answered through its
        response_url as a message is answered (`answer`: retried by any worker, or from memory
        by this thread, and settled once, its question logged once, by whoever settles it). The
        reply is built first (the search, the reps' chores, a vote recorded), then the lease is
        renewed for sending it, in less than a third of the lease. Slack's 429s, 5xx and timeouts
        are tried again while the response_url lasts (30 minutes; MAX_ATTEMPTS take about a
        quarter of an hour); any other refusal fails at once, and the member is told by direct
        message. A private reply can't be looked for, so one whose worker was stopped after
        replying and before settling it is sent again: the member may see it twice (only they
        see it), the lesser harm than none. Not an answer shared in the channel, which everyone
        would see twice: the member is told to look, and press Share again if it isn't there."""
        item, p = attempt.item, attempt.item.payload
        what = f"command {p.get('command')}" if is_command(item) else f"button {p.get('action_id')}"
        try:
            message, record = self._replier(item)(p if is_command(item) or item.attempts == 1
                                                  else p | {REPLAYED: item.received_at})
        except Exception as e:   # as a listener that fails: the member is told something went wrong
            log_failure(self.logger, f"answering {_event_id(item)}", e)
            message, record = {"text": SORRY_TEXT} | ({} if is_command(item) else {"replace_original": False}), None
            attempt.sorry = True
        attempt.record = record or _logged_already   # only a question is logged
        if not message:   # nothing to say (a walk-through button that names no step, as before the inbox)
            return "done"
        shared = message.get("response_type") == "in_channel" and not is_command(item)
        if attempt.maybe_posted:
            if shared:
                self.logger.warning("%s may have been answered in the channel before its worker stopped; not "
                                    "sending it again", _event_id(item))
                attempt.unsure_share = True
                return "done"
            self.logger.warning("%s may have been answered before its worker stopped; answering it again "
                                "(a private reply can't be looked for)", _event_id(item))
            attempt.maybe_posted = False
        if attempt.durable and (not_now := self._renew_for_post(attempt, what.split()[0])):
            return not_now
        attempt.maybe_posted = shared   # from memory, the next try reads this: a share isn't sent again
        # a 5xx may have been posted: a private reply is sent once more at once, a shared one never
        respond = CheckedRespond(p.get("response_url"), self.client, p.get("user_id"), self.logger, what,
                                 seconds=min(RESPOND_SECONDS, self.lease_seconds / 3), again_on_5xx=not shared)
        status = getattr(send_reply(respond, message), "status_code", None)
        if status == 200:
            return "done"
        if status == 429:   # Slack took nothing: try again later, sharing too
            attempt.maybe_posted, attempt.unposted = False, True
            return "retry"
        if status is None or status >= 500:   # not taken, or may have been
            if shared:
                self.logger.warning("%s may not have been shared (%s); not sharing it again: the member is told "
                                    "to look and press Share again", _event_id(item),
                                    f"HTTP {status}" if status else "no answer")
                attempt.unsure_share = True
                return "done"
            return "retry"
        attempt.maybe_posted = False   # refused: nothing was posted, so the member is told
        return "failed"   # expired, used up or refused: it never will be

    def _attempt(self, attempt: _Attempt) -> str:
        item, p = attempt.item, attempt.item.payload
        # a post of ours may have gone out: asked first. Slack's retry only may have been
        # answered elsewhere (a guess): asked as late as can be, once the answer is built, as
        # the first delivery's answer may be on its way (at an outage's start it waits out the
        # store's bounds)
        if attempt.maybe_posted and not attempt.guess and (not_now := self._answered_already(attempt)):
            return not_now
        try:   # logged once, when the question is settled (_settle), not once an attempt
            reply, attempt.record = self.guide.ask_unrecorded(p.get("text") or "", via=p.get("via") or "dm",
                                                              log_text=p.get("log_text", True),
                                                              channel=p.get("channel"))
            reply = replace(reply, asker=str(p.get("user") or p.get("user_id") or ""))   # theirs to ask a rep
            message = reply_message(reply, pinnable=not str(p.get("channel")).startswith("D"))
        except Exception:   # the store's reads are guarded in ask: this may pass (a reloading pack ...)
            self.logger.exception("could not build the answer to event %s; will try again", _event_id(item))
            return "retry"
        if attempt.maybe_posted and (not_now := self._answered_already(attempt)):
            return not_now
        if attempt.durable and (not_now := self._renew_for_post(attempt, "event")):
            return not_now
        attempt.maybe_posted = True
        return self._post(attempt, message)

    def _answered_already(self, attempt: _Attempt) -> str | None:
        """For an attempt that may have been answered: the outcome if it was ("done") or Slack
        can't say now ("retry"), else None (and it isn't asked again)."""
        posted = self.already_posted(attempt.item)
        if posted is None:
            if attempt.guess and not attempt.durable:   # only a guess, and this thread is all there is:
                attempt.maybe_posted = False   # the next try answers (a duplicate is the lesser harm than none)
            return "retry"
        if posted:
            self.logger.info("event %s had been answered already; not answering again", _event_id(attempt.item))
            return "done"
        attempt.maybe_posted = False
        return None

    def _renew_for_post(self, attempt: _Attempt, what: str) -> str | None:
        """Flag "about to post" and renew the lease for the post, so it can't run out under it:
        None when done, else the attempt's outcome ("lost": another worker holds it now;
        "retry": unrecorded, a post would be repeated by whoever takes the item next)."""
        item = attempt.item
        try:
            if within(STORE_CALL_SECONDS, lambda: self.guide.store.mark_posting(
                    item.key, self.owner, lease_seconds=self.lease_seconds, attempt=item.attempts)):
                return None
            self.logger.info("lost the lease on %s %s; leaving it to its new owner", what, _event_id(item))
            return "lost"
        except Exception as e:
            warn_once(self.logger, "update the inbox (the answer waits until it can be recorded)", e)
            return "retry"

    def _post(self, attempt: _Attempt, message) -> str:
        item, p = attempt.item, attempt.item.payload
        try:
            self.client.chat_postMessage(channel=p["channel"], thread_ts=p.get("thread_ts"), text=message.text,
                                         blocks=message.blocks, unfurl_links=False, unfurl_media=False,
                                         metadata={"event_type": ANSWER_EVENT, "event_payload": {"key": item.key}})
            return "done"
        except SlackApiError as e:
            status, error = e.response.status_code, _error(e)
            if status == 429 or error == "ratelimited":
                self.logger.warning("posting the answer to event %s: rate limited; will try again", _event_id(item))
                attempt.maybe_posted = False   # a 429 posted nothing
                attempt.retry_after = min(_retry_after(e), MAX_RETRY_AFTER)   # an hour's is treated as 30 s
                return "retry"
            if status < 500 and error not in UNCLEAR:
                self.logger.error("posting the answer to event %s failed: %s", _event_id(item), error)
                attempt.maybe_posted = False
                return "failed"
            why = f"HTTP {status} {error}"
        except Exception as e:   # a timeout or a dropped connection: it may have been posted
            why = f"{type(e).__name__}: {e}"
        self.logger.warning("posting the answer to event %s: %s; checking whether it went through",
                            _event_id(item), why)
        return "done" if self.already_posted(item) else "retry"

    def already_posted(self, item: InboxItem) -> bool | None:
        """Whether our answer to this item is in Slack: True, False, or None (can't tell now)."""
        p = item.payload
        try:
            found = find_post(self.client, p["channel"], thread_ts=p.get("thread_ts") or "", since=p.get("ts") or "",
                              event_type=ANSWER_EVENT, fields={"key": item.key})
        except SlackApiError as e:
            if _error(e) in CANT_CHECK:
                self.logger.warning("can't check whether event %s was answered (%s); answering it",
                                    _event_id(item), _error(e))
                return False
            self.logger.warning("checking whether event %s was answered failed: %s", _event_id(item), _error(e))
            return None
        except Exception as e:
            self.logger.warning("checking whether event %s was answered failed: %s", _event_id(item),
                                type(e).__name__)
            return None
        return found is not None

    def _settle(self, attempt: _Attempt, outcome: str) -> None:
        item = attempt.item
        if outcome == "retry" and item.attempts >= (MAX_ATTEMPTS if attempt.durable else MAX_MEMORY_ATTEMPTS):
            self.logger.error("giving up on event %s after %d attempts", _event_id(item), item.attempts)
            outcome = "failed"
        if outcome == "lost":
            return
        if not attempt.durable and outcome == "failed":
            with self._lock:
                if attempt.maybe_posted:
                    # from memory, posted or not, no one can tell: not recorded as answered, so Slack's
                    # retries of it (which ask Slack first) may still answer it (review of round 18)
                    self._unrecorded.pop(item.key, None)
                elif item.key in self._unrecorded:   # given up: recorded failed, not answered (review)
                    self._unrecorded[item.key] = True
        settled = True
        if attempt.durable:
            try:
                if outcome == "retry":
                    delay = retry_delay(attempt, self.lease_seconds)
                    within(STORE_CALL_SECONDS, lambda: self.guide.store.retry_later(
                        item.key, self.owner, delay, attempt=item.attempts, unposted=attempt.unposted))
                    return
                # settled first, and only while still ours: a worker that took the item over
                # meanwhile answers it, and this one must not apologise as well. One that lands
                # after STORE_CALL_SECONDS did settle it: what settling owes is done then, there.
                def settle():
                    try:
                        return self.guide.store.complete(item.key, failed=outcome == "failed", owner=self.owner,
                                                         attempt=item.attempts)
                    except StoreUnsure as e:   # ended at its COMMIT, perhaps late (a cut network's 15 s)
                        warn_once(self.logger, "update the inbox", e)
                        return UNSURE

                def landed_late(landed):
                    if landed == UNSURE:
                        self._unsure(attempt, outcome)
                    elif landed:
                        self._settled(attempt, outcome)
                settled = within(STORE_CALL_SECONDS, settle, late=landed_late)
                if settled == UNSURE:
                    self._unsure(attempt, outcome)
                    return
            except Exception as e:   # unsettled: whoever settles it later apologises (once), not this worker too
                warn_once(self.logger, "update the inbox", e)
                settled = False
                if outcome == "done":   # answered: this process doesn't answer it again, and records it when it can
                    self._remember(item.key)   # (round 16's outage bench: a command was, once
                    # its lease ran out; another worker asks Slack first, or, for a command, answers again)
        if settled:
            self._settled(attempt, outcome)

    def _unsure(self, attempt: _Attempt, outcome: str) -> None:
        """Settling ended as it was committed (StoreUnsure): made or not, no one can tell, and if
        it was made no other worker would tell the member or log the question. This worker does,
        as the settler, and records it answered (`_remember`: retried until the store takes it)
        so no worker takes it over to apologise or answer again; a share to press again is
        settled before it is reopened (not made, another worker would have shared it late)."""
        if not self._settled(attempt, outcome, unsure=True):   # a share reopened is settled there
            self._remember(attempt.item.key, failed=outcome == "failed")

    def _settled(self, attempt: _Attempt, outcome: str, *, unsure: bool = False) -> bool:
        """What the worker that settled a question owes: it is recorded once, and a member who
        got nothing is told so. True if it reopened a share for the member to press again."""
        if outcome in ("done", "failed"):
            self._record(attempt)   # the question, once: by the worker that settled it
        told_again = (outcome == "failed" and not attempt.maybe_posted) or (
            outcome == "done" and (attempt.unsure_share or attempt.sorry))
        reopened = told_again and is_share(attempt.item.key)
        if reopened:
            # before the member reads they may press Share again
            self._reopen(attempt.item.key, settle=unsure, failed=outcome == "failed")
        if outcome == "failed" and not attempt.maybe_posted:
            with deadline(self.deadline):   # never waiting out a long Retry-After
                self._tell(attempt.item, SORRY_TEXT, "that answering it failed")
        elif outcome == "done" and attempt.unsure_share:
            with deadline(self.deadline):
                self._tell(attempt.item, UNSURE_SHARE_TEXT, "that its share may not have gone out")
        return reopened

    def _reopen(self, key: str, *, settle: bool = False, failed: bool = False) -> None:
        """Take a settled share's next press in again (it is kept under the answer and member).
        `settle`: its settling may not have been made, so it is recorded answered first (reopen
        takes only settled items): left pending, another worker would take it over and share it."""
        with self._lock:
            for keys in (self._taken, self._seen, self._unrecorded):
                keys.pop(key, None)
        try:
            within(STORE_CALL_SECONDS, lambda: (settle and self.guide.store.record_answered(key, failed=failed),
                                                self.guide.store.reopen(key)))
        except Exception as e:   # the member's next press of Share is then taken for a duplicate
            warn_once(self.logger, "reopen a share for the member to press again", e)
            if settle:
                self._remember(key, failed=failed)   # recorded when the store takes it, never taken over

    def _record(self, attempt: _Attempt) -> None:
        """Log and count the question. An attempt that settled it without searching (its answer
        found in Slack, or given up on a failing check) searches now, only to record it."""
        try:
            if attempt.record is None:
                p = attempt.item.payload
                attempt.record = self.guide.ask_unrecorded(p.get("text") or "", via=p.get("via") or "dm",
                                                           log_text=p.get("log_text", True),
                                                           channel=p.get("channel"))[1]
            attempt.record()
        except Exception as e:   # the member's answer doesn't depend on it
            warn_once(self.logger, "record a question in the log", e)

    def _tell(self, item: InboxItem, text: str, what: str) -> None:
        """Tell the member `text` where they asked (about a slash command or a button press,
        whose response_url failed or can't be trusted: by direct message): that something went
        wrong, when nothing was posted; that a share may not have gone out."""
        p = item.payload
        notice = text_blocks(text)
        try:
            self.client.chat_postMessage(channel=p["user_id"] if by_response_url(item.key) else p["channel"],
                                         thread_ts=p.get("thread_ts"), text=notice.text, blocks=notice.blocks)
        except Exception as e:
            self.logger.error("telling the member %s (event %s) failed: %s", what, _event_id(item),
                              _error(e) if isinstance(e, SlackApiError) else type(e).__name__)


def send_reply(respond, message: dict):
    """Send a reply's fields through `respond`, then what is to follow it once Slack took it
    (`THEN`: a shared answer's private copy deleted; or a callable, called then, giving fields or
    None: a walk-through step followed by "stopped" if Stop was pressed meanwhile); the reply's
    response. An empty reply sends nothing."""
    if not message:
        return None
    response = respond(**{k: v for k, v in message.items() if k != THEN})
    if getattr(response, "status_code", None) == 200:
        for more in message.get(THEN, ()):   # deleted, or left if that fails (logged)
            more = more() if callable(more) else more
            if more:
                respond(**more)
    return response


def reply_taken_in(context: BoltContext, kept: bool, reply_now: Callable[[], None]) -> None:
    """A slash command's or a button press's listener: answered by the answerer when it was taken
    into the inbox (`accept_question`); here and now, by `reply_now`, without an inbox or with
    nothing to keep it by (`kept` False); not at all when it was a duplicate delivery."""
    answerer, attempt = context.get("answerer"), context.get("inbox_attempt")
    if attempt is not None:
        answerer.answer(attempt)
    elif answerer is None or not kept:
        reply_now()


def _logged_already() -> None:
    return None


def _note(keys: OrderedDict, key: str, most: int = 5000, value=None) -> None:
    """Remember `key` (with `value`), forgetting the oldest beyond `most`."""
    keys[key] = value
    if len(keys) > most:
        keys.popitem(last=False)


def retry_delay(attempt: _Attempt, lease_seconds: float = LEASE_SECONDS) -> float:
    """How long until the next attempt: RETRY_DELAY doubling each attempt up to RETRY_CAP, at
    least Slack's Retry-After, and (when a post may still land) UNCLEAR_RECHECK or half the
    lease, whichever is shorter."""
    delay = min(RETRY_CAP, RETRY_DELAY * 2 ** max(0, attempt.item.attempts - 1))
    if attempt.maybe_posted:
        delay = max(delay, min(UNCLEAR_RECHECK, lease_seconds / 2))
    return max(delay, attempt.retry_after)


def _retry_after(e: SlackApiError) -> float:
    try:
        headers = {k.lower(): v for k, v in (e.response.headers or {}).items()}
        value = headers.get("retry-after")
        return float(value[0] if isinstance(value, list) else value)
    except (AttributeError, TypeError, ValueError):
        return 0.0


def _event_id(item: InboxItem) -> str:
    return str(item.payload.get("event_id") or item.key)


def _error(e: SlackApiError) -> str:
    return slack_error(e) or "no error code"


def accept_question(body: dict, request: BoltRequest, context: BoltContext, ack: Ack,
                    next) -> None:  # noqa: A002 - Bolt injects by this name
    """Global middleware: a question (a message, or a slash command) or a press of an answer's
    buttons or the walk-through's is in the inbox before Slack gets its 200. A command taken in, and any button press
    (every button's listener acks first thing, with nothing to say), is acknowledged here, as
    Bolt acknowledges an event before its listener: a listener's ack() waits for one of Bolt's
    listener threads, which the answers being sent keep busy (round 17's fault bench: presses
    acked in 1.4 s at the median under load, 2.4 s at p99; past Slack's 3 s with every thread busy)."""
    found = question_from(body, context.bot_user_id) or command_from(body) or action_from(body)
    if found and context.get("answerer") is not None:
        context["inbox_attempt"] = context["answerer"].accept(*found, redelivered=redelivered(request))
        if found[0].startswith("command:"):
            ack()
    if isinstance(body, dict) and body.get("type") == "block_actions":
        ack()
    next()


def redelivered(request: BoltRequest) -> bool:
    """Whether Slack sends this again (X-Slack-Retry-Num 1 to 3; Bolt's Socket Mode adapter
    sets the same header from the envelope's retry_attempt)."""
    value = (request.headers or {}).get("x-slack-retry-num")
    value = value[0] if isinstance(value, (list, tuple)) and value else value
    try:
        return int(str(value)) > 0
    except ValueError:
        return False


def answer_accepted(context: BoltContext) -> None:
    """The mention and DM listeners: answer what `accept_question` took in (nothing for a duplicate)."""
    attempt = context.get("inbox_attempt")
    if attempt is not None:
        context["answerer"].answer(attempt)


@contextmanager
def suppress_logged(logger: Logger, doing: str) -> Iterator[None]:
    """Best-effort work inside an error path: log its failure, never raise it."""
    try:
        yield
    except Exception:
        logger.exception("%s failed", doing)


def log_failure(logger: Logger, doing: str, error: BaseException) -> None:
    """In an except block: a store outage (the database down, or it ended the connection, a
    locked disk) in one line, as it is no bug (the reps' flows, a reply to a press or a message);
    anything else with its traceback."""
    if store_outage(error):   # (the server's or SQLite's words: no password in them)
        logger.warning("%s failed: the store is unreachable (%s: %s)", doing, type(error).__name__,
                       " ".join(str(error).split())[:300])
    else:
        logger.exception("%s failed", doing)


@contextmanager
def apologising(respond, logger: Logger, doing: str, **reply) -> Iterator[None]:
    """Run a listener's work; if it fails, log it (`log_failure`) and tell the member (through
    `respond`) that something went wrong, rather than leaving a button that does nothing."""
    try:
        yield
    except Exception as e:
        log_failure(logger, doing, e)
        respond(text=SORRY_TEXT, replace_original=False, **reply)
