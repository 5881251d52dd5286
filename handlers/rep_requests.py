"""When the bot can't answer, a rep can (issue 9): the Slack side of the loop.

Member: "Ask a rep" (on a decline, a "Not helpful" thanks or a kept answer) opens a modal
showing exactly what will be shared (their question and name); only "Send to reps" records
the request and posts it to the reps' channel (`reps.channel`). They can withdraw it until
a rep answers.

Rep (checked on the server against app.yaml and the reps' user group at every press and
every submission; nothing in a payload is trusted): "Answer" opens a modal (their words, the
related entry from an external_select, keep for future members); "Covered by the guidance"
(pick the entry: the member gets its answer); "Outside the guidance" (the member gets the
contact line). Closing a request is one atomic store write, so two reps answering at once
produce one answer; the second is told who answered.

Slack work (posting a request, telling the member) is leased in the store
(`claim_request`) and done at once; what Slack refuses for now (429, a 5xx) stays pending
and `RepChores` (a thread in every serving process) tries it again, and also raises open
requests again after `reps.escalate_hours` (once) and sends kept answers due for review.
The person who acted is always told what happened.
"""
from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from logging import Logger

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import rep_blocks
from bot.blocks import answer_blocks, button_ref, clip_middle, text_blocks
from bot.errors import slack_error
from bot.guide import Guide
from bot.kept import needs_review
from bot.retry import deadline
from bot.store import RepRequest, store_outage
from handlers.answering import UNCLEAR, apologising, log_failure
from handlers.home import publish_home
from handlers.payload import first_action, text_field, user_id
from handlers.posted import find_post
from handlers.respond import quick

ONLY_REPS = "Only reps can answer members' questions or change kept answers."
SOMEONE_ELSES = ("That is another member's question: only they can send it to the reps, so nothing was sent. "
                 "To ask a rep yourself, ask me your own question, then press “Ask a rep” under my reply.")
# Members see these: they name the setting, and the log names the settings file (a server's path
# is the admin's business, not a member's)
NO_CHANNEL = ("Asking a rep isn't set up yet: no reps' channel is set (`reps.channel` in the bot's settings), "
              "so nothing was sent. {contact}")
NOT_IN_CHANNEL = ("I'm not in the reps' channel, so I can't send questions there: nothing was sent. "
                  "Please tell a rep to invite me with `/invite @{name}`. {contact}")
ARCHIVED = ("The reps' channel is archived, so I can't send questions there: nothing was sent. Please tell a rep "
            "(`reps.channel` in the bot's settings names it). {contact}")
LEASE = 60.0          # seconds one process may spend on a request's Slack work
CHORES_SECONDS = 30.0
MISSING = ("not_in_channel", "channel_not_found", "is_archived", "channel_is_archived")
GONE = ("message_not_found", "cant_update_message", "edit_window_closed")   # chat.update can never work
MISSING_RETRY = 3600.0   # a rewrite refused because the bot can't see the reps' channel: tried again this often
# Metadata on a request's post in the reps' channel, on the outcome told to the member, on the
# reminder of a request nobody settled and on a kept answer's review notice: a post that timed out
# or got a 5xx may have landed, so before posting again the bot looks for it.
REQUEST_POST, OUTCOME_POST = "biglisten_request", "biglisten_request_outcome"
REMINDER_POST, REVIEW_POST = "biglisten_request_reminder", "biglisten_kept_review"
# A post that timed out or got a 5xx may still land: its claim is kept, not given back, so no
# worker looks for it (and, not finding it yet, posts again) before the claim's LEASE has passed.
MAY_HAVE_LANDED = "may_have_landed"
CLOCK_MARGIN = 60.0   # seconds our clock may run ahead of Slack's when looking for a post made after a time
SHARED_QUESTION = 1000   # characters of a member's question sent to reps (and shown first): its start and its end
# what a rep's form says when saving it failed (Slack shows at most 150 characters under a field)
NOT_SAVED_STORE = ("The bot's database didn't answer, so this may not have been saved. Please try again in a minute "
                   "(if it was saved, you'll be told).")
NOT_SAVED = "Not saved: something went wrong on the bot's side. Please try again in a minute."
ASK_NOT_SAVED = "Sorry, your question couldn't be saved, so nothing was sent. Please try again in a minute."
ASK_NOT_SAVED_STORE = ("Sorry, the bot's database didn't answer, so your question may not have been saved. Please "
                       "send it again in a minute: if it was saved, the reps still get it only once.")


def _ref(body: dict) -> dict:
    return button_ref(text_field(first_action(body), "value"))


def _request_id(ref: dict) -> int | None:
    r = ref.get("r", ref.get("k"))
    return r if isinstance(r, int) and not isinstance(r, bool) else None


def _ident(fields: dict) -> str:
    """"request #3", "kept #2": what a post is for, in a log line."""
    name, ident = next(iter(fields.items()))
    return f"{name} #{ident}"


def _error(e: SlackApiError) -> str:
    return "ratelimited" if e.response.status_code == 429 else slack_error(e) or f"HTTP {e.response.status_code}"


def user_name(client: WebClient, user: str, logger: Logger, fallback: str = "") -> str:
    """Someone's display name; short deadline: it may run before a modal submission's ack."""
    try:
        with deadline(1.5):
            profile = quick(client).users_info(user=user)["user"]
        return ((profile.get("profile") or {}).get("display_name") or profile.get("real_name")
                or profile.get("name") or fallback)
    except Exception as e:
        logger.warning("could not look up a name (%s)", type(e).__name__)
        return fallback


def tell(client: WebClient, logger: Logger, user: str, message, *, channel: str = "", thread_ts: str = "") -> bool:
    """A private notice to one person: ephemeral where they are, else a direct message."""
    if isinstance(message, str):
        message = text_blocks(message)
    try:
        if channel:
            try:
                client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread_ts or None,
                                          text=message.text, blocks=message.blocks)
                return True
            except SlackApiError as e:
                logger.info("ephemeral notice failed (%s); sending it by direct message", _error(e))
        client.chat_postMessage(channel=user, text=message.text, blocks=message.blocks)
        return True
    except Exception as e:
        logger.error("telling someone the outcome failed: %s",
                     _error(e) if isinstance(e, SlackApiError) else type(e).__name__)
        return False


class RepDesk:
    """The Slack work of requests, shared by the listeners and RepChores (one per process)."""

    def __init__(self, guide: Guide, client: WebClient, logger: Logger, owner: str):
        self.guide, self.client, self.logger, self.owner = guide, client, logger, owner
        self._failing: dict[str, set[str]] = {}   # work the chores retry -> kinds of failure logged

    def _failed(self, doing: str, error: str, then: str = f"trying again every {CHORES_SECONDS:g} s",
                level: int = logging.WARNING) -> None:
        """One log line per kind of failure of one piece of work, not a traceback: the chores
        retry it (`then` says how) in every worker, for as long as Slack refuses it."""
        kinds = self._failing.setdefault(doing, set())
        if error not in kinds:
            kinds.add(error)
            self.logger.log(level, "%s failed: %s; %s", doing, error, then)

    def _succeeded(self, doing: str) -> None:
        if self._failing.pop(doing, None):
            self.logger.info("%s went through after all", doing)

    @property
    def settings(self):
        return self.guide.config.reps

    # --- posting a request to the reps ------------------------------------------------------
    def post_request(self, req: RepRequest) -> str:
        """Post a leased open request to the reps' channel: "posted", "later" or a Slack error."""
        channel = self.settings.channel or ""
        if not channel:
            return "no_channel"
        message = rep_blocks.request_message(req)
        # an earlier try's post may have landed
        found = self._find_post(channel, "", REQUEST_POST, {"request": req.id}, since=req.created_at)
        if found is None:
            return "later"
        try:
            with deadline(10):
                posted = {"channel": channel, "ts": found} if found else self.client.chat_postMessage(
                    channel=channel, text=message.text, blocks=message.blocks, unfurl_links=False,
                    unfurl_media=False, metadata={"event_type": REQUEST_POST, "event_payload": {"request": req.id}})
        except SlackApiError as e:
            error = _error(e)
            self.logger.warning("posting request #%d to the reps' channel failed: %s", req.id, error)
            if error == "ratelimited":
                return "later"
            return MAY_HAVE_LANDED if e.response.status_code >= 500 else error
        except Exception as e:   # a timeout: the post may still land
            self.logger.warning("posting request #%d to the reps' channel failed: %s", req.id, type(e).__name__)
            return MAY_HAVE_LANDED
        self.guide.store.set_request_message(req.id, str(posted.get("channel") or channel), str(posted["ts"]))
        current = self.guide.store.request(req.id)
        if current is not None and current.state != "open":   # withdrawn or settled while the post was on its way
            self.update_request_message(current)                # so it says so, without the member's words
        return "posted"

    # --- telling the member -----------------------------------------------------------------
    def member_message(self, req: RepRequest):
        if req.state == "answered":
            return rep_blocks.member_answer_message(req)
        if req.state == "covered":
            reply = self.guide.open_entry(req.entry_id or "", query=req.question)
            if reply is None:
                return rep_blocks.covered_gone_message(req, self.guide.config.contact)
            message = answer_blocks(replace(reply, asker=req.asker))   # in the member's thread: theirs
            blocks = [rep_blocks.covered_intro(req)] + message.blocks[:49]
            return type(message)(message.text, blocks)
        return rep_blocks.outside_message(req, self.guide.config.contact, self.guide.config.bot_name)

    def deliver(self, request_id: int) -> str:
        """Tell the member the outcome of a closed request, if nobody else is: "sent",
        "later" (Slack refused for now: RepChores tries again), "busy" (someone else is),
        or "failed" (the member can't be reached at all)."""
        req = self.guide.store.claim_request(request_id, owner=self.owner, lease_seconds=LEASE)
        if req is None:
            return "busy"
        if req.state == "open":
            return self._post_leased(req)
        message = self.member_message(req)
        outcome = self._send_to_member(req, message)
        if outcome in ("later", MAY_HAVE_LANDED):
            return self.not_yet(req.id, outcome)
        self.update_request_message(req)
        self.guide.store.mark_delivered(req.id)
        return outcome

    def _send_to_member(self, req: RepRequest, message) -> str:
        targets = [(req.channel, req.thread_ts)] if req.channel else []
        targets.append((req.asker, ""))   # a direct message: ephemeral questions, or the thread is gone
        for channel, thread_ts in targets:
            # an earlier try's may have landed
            found = self._find_post(channel, thread_ts, OUTCOME_POST, {"request": req.id}, since=req.created_at)
            if found is None:
                return "later"
            if found:
                self.logger.info("the member of request #%d had been told already; not telling them again", req.id)
                return "sent"
            try:
                with deadline(10):
                    self.client.chat_postMessage(channel=channel, thread_ts=thread_ts or None, text=message.text,
                                                 blocks=message.blocks, unfurl_links=False, unfurl_media=False,
                                                 metadata={"event_type": OUTCOME_POST,
                                                           "event_payload": {"request": req.id}})
                return "sent"
            except SlackApiError as e:
                error = _error(e)
                if error == "ratelimited" or e.response.status_code >= 500:
                    self.logger.warning("telling the member of request #%d: %s; will try again", req.id, error)
                    return "later" if error == "ratelimited" else MAY_HAVE_LANDED
                self.logger.warning("telling the member of request #%d in %s failed: %s", req.id,
                                    "their DM" if channel == req.asker else "the conversation", error)
            except Exception as e:   # a timeout: the post may still land
                self.logger.warning("telling the member of request #%d failed: %s", req.id, type(e).__name__)
                return MAY_HAVE_LANDED
        self.logger.error("the member of request #%d could not be reached; the outcome is kept in the store", req.id)
        return "failed"

    def _find_post(self, channel: str, thread_ts: str, kind: str, fields: dict, *, since: float) -> str | None:
        """The ts of the bot's post of `kind` for a request (`fields` {"request": id}; a kept
        answer's review: {"kept": id, "confirmed": its confirmation}) in a conversation (a
        thread, or the top level; a user id: their DM) made after `since` (our clock, less
        CLOCK_MARGIN: Slack stamps the post by its own), "" if there is none, None
        if Slack can't say now. Run before every post of a request, its outcome, its reminder and
        a review notice (rare, so one more call each): a post that timed out may have landed, and
        posting again put the request in the reps' channel twice (a withdrawal then cleared only
        one copy) and told the member twice."""
        try:
            with deadline(10):
                if not thread_ts and channel.startswith(("U", "W")):   # a DM is read by its conversation id
                    opened = self.client.conversations_open(users=channel)
                    channel = str((opened.get("channel") or {}).get("id") or channel)
                found = find_post(self.client, channel, thread_ts=thread_ts, since=f"{since - CLOCK_MARGIN:.6f}",
                                  event_type=kind, fields=fields)
        except SlackApiError as e:
            if _error(e) == "ratelimited" or e.response.status_code >= 500 or _error(e) in UNCLEAR:   # not now
                self.logger.warning("looking for %s's earlier post failed: %s", _ident(fields), _error(e))
                return None
            # any other refusal can't change by waiting (a missing scope, a deactivated member):
            # post, and let the post succeed or fail for good as it would have
            return ""
        except Exception as e:
            self.logger.warning("looking for %s's earlier post failed: %s", _ident(fields), type(e).__name__)
            return None
        return str(found.get("ts") or "") if found else ""

    def update_request_message(self, req: RepRequest, *, look: bool = False) -> None:
        """Show who settled the request, and when, in the reps' channel (withdrawn: without the
        member's name and words), in place of its buttons. Recorded once Slack has it, or the
        message is gone; what Slack refuses stays due and the chores try again.
        A request whose post timed out has no message on record, yet it may have landed: the
        chores (`look`, once the closing's grace has passed, and a slow post with it) look for
        it in the reps' channel (round 22: a withdrawn question stayed there, name and all)."""
        if req.state == "open":
            return
        if not (req.reps_channel and req.reps_ts):
            channel = self.settings.channel or ""
            if not look:
                return
            if not channel:   # nowhere to look: done with, or it stays first in the chores' queue for good
                self._record(self.guide.store.message_rewritten, req.id)
                return
            found = self._find_post(channel, "", REQUEST_POST, {"request": req.id}, since=req.created_at)
            if not found:   # none landed (""), or Slack can't say now (None): looked for again next round
                self._record(self.guide.store.message_rewritten if found == "" else self.guide.store.retry_rewrite,
                             req.id)
                return
            req = replace(req, reps_channel=channel, reps_ts=found)
        # delivered already: the store has forgotten the member's name
        message = rep_blocks.closed_request_message(req, req.asker_name or "a member")
        doing = f"updating request #{req.id} in the reps' channel"
        try:
            with deadline(10):
                self.client.chat_update(channel=req.reps_channel, ts=req.reps_ts, text=message.text,
                                        blocks=message.blocks)
        except Exception as e:
            error = _error(e) if isinstance(e, SlackApiError) else type(e).__name__
            if error in MISSING:   # the bot was removed from the channel, or it was archived: that can be undone,
                # and a withdrawn request's message still shows the member's name and words
                shows = ", the member's name and words included" if req.state == "withdrawn" else ""
                self._failed(doing, error, f"it still shows what it showed{shows}. Invite the bot back to the "
                             "reps' channel (or unarchive it); trying again every hour", logging.ERROR)
                self._record(self.guide.store.retry_rewrite, req.id, time.time() + MISSING_RETRY)
                return
            if error not in GONE:
                self._failed(doing, error)
                self._record(self.guide.store.retry_rewrite, req.id)
                return
            self.logger.warning("%s failed: %s; the message can't be changed, so it is left as it is", doing, error)
        self._succeeded(doing)
        self._record(self.guide.store.message_rewritten, req.id)

    def _record(self, write, *args) -> None:
        """A note of how a rewrite went. Closing the request made it due already, so if the store
        can't take the note now the chores simply rewrite the message again: it must not turn a
        withdrawal or an answer that worked into an apology."""
        try:
            write(*args)
        except Exception as e:
            if not store_outage(e):
                raise
            self.logger.warning("noting a rewrite in the reps' channel failed: the store is unreachable (%s)",
                                type(e).__name__)

    def _post_leased(self, req: RepRequest) -> str:
        outcome = self.post_request(req)
        return "sent" if outcome == "posted" else self.not_yet(req.id, outcome)

    def not_yet(self, request_id: int, outcome: str) -> str:
        """A claimed request's post didn't go through: the claim goes back for any worker to try
        again, unless the post may still land (MAY_HAVE_LANDED: kept for its lease). "later"."""
        if outcome != MAY_HAVE_LANDED:
            self.guide.store.release_request(request_id, self.owner)
        return "later"

    # --- chores ---------------------------------------------------------------------------------
    def chores(self, now: float | None = None) -> None:
        """Pending Slack work, escalations and reviews; safe to run in every process at once."""
        store = self.guide.store
        due = store.pending_requests(now)   # by the store's clock, which times their leases (None: its own)
        now = time.time() if now is None else now
        for request_id in due[:20]:
            self.deliver(request_id)
        for req in store.rewrites_due(limit=20, now=now):
            self.update_request_message(req, look=True)
        if not self.settings.channel:
            return
        # mark_escalated / flag_kept are the claim between workers (at most one reminder, one
        # notice); a post that fails gives its claim back and the next round tries again
        for req in store.requests(("open",)):
            if req.reps_ts and now - req.created_at >= self.settings.escalate_hours * 3600 and \
                    store.mark_escalated(req.id, now):
                self._remind(req, now)
        for kept in store.kept_answers():
            if kept.flagged_at is None and needs_review(kept, self.settings, now) and store.flag_kept(kept.id, now):
                message = rep_blocks.review_message(kept, self.settings)
                if not self._post_to_reps(f"sending kept answer #{kept.id} for review", kept.confirmed_at,
                                          channel=self.settings.channel,
                                          text=message.text, blocks=message.blocks,
                                          metadata={"event_type": REVIEW_POST, "event_payload": {
                                              "kept": kept.id, "confirmed": f"{kept.confirmed_at:.6f}"}}):
                    store.release_kept_flag(kept.id, now)

    def _remind(self, req: RepRequest, claimed_at: float) -> None:
        """Raise a request again in the reps' channel, under the claim `mark_escalated(req.id,
        claimed_at)` won; given back if Slack refuses the post."""
        text = rep_blocks.escalation_text(req, self.settings.escalate_hours)
        if not self._post_to_reps(f"re-raising request #{req.id}", req.created_at, channel=req.reps_channel,
                                  thread_ts=req.reps_ts,
                                  text=text, reply_broadcast=True,
                                  metadata={"event_type": REMINDER_POST, "event_payload": {"request": req.id}}):
            self.guide.store.release_escalation(req.id, claimed_at)

    def _post_to_reps(self, doing: str, since: float, **message) -> bool:
        """A chores post to the reps' channel (a reminder or a review notice, with its metadata);
        False if it failed (one log line per kind of failure), or Slack can't say whether an
        earlier try landed. That is looked for first: a post that timed out may have landed, and
        the next round posted it again (round 15's note). True when it is there."""
        meta = message["metadata"]
        found = self._find_post(message["channel"], message.get("thread_ts") or "", meta["event_type"],
                                meta["event_payload"], since=since)
        if found is None:
            return False
        if found:
            self.logger.info("%s: it is there already (an earlier try landed); not posting it again", doing)
            return True
        try:
            with deadline(10):
                self.client.chat_postMessage(**message)
        except Exception as e:
            self._failed(doing, _error(e) if isinstance(e, SlackApiError) else type(e).__name__)
            return False
        self._succeeded(doing)
        return True


class RepChores:
    """A daemon thread per serving process: RepDesk.chores every CHORES_SECONDS."""

    def __init__(self, desk: RepDesk, every: float = CHORES_SECONDS):
        self.desk, self.every = desk, every
        self._stop = threading.Event()

    def start(self) -> RepChores:
        threading.Thread(target=self._run, name="rep-chores", daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        """Chores every `every` seconds. A failure is logged when it starts (a store outage in one
        line: every 30 s, each worker logged a 25-line traceback for as long as PostgreSQL was
        down), and the recovery once."""
        failing = False
        while not self._stop.wait(self.every):
            try:
                self.desk.chores()
            except Exception as e:
                if not failing and store_outage(e):
                    self.desk.logger.warning("the reps' chores can't reach the store (%s); trying again every %g s "
                                             "without saying so each time", type(e).__name__, self.every)
                elif not failing:
                    self.desk.logger.exception("the reps' chores failed; trying again later, quietly")
                failing = True
                continue
            if failing:
                self.desk.logger.warning("the reps' chores are running again")
                failing = False


def _desk(context: BoltContext) -> RepDesk:
    return context["rep_desk"]


# --- the member ---------------------------------------------------------------------------------
def handle_ask_rep(ack: Ack, body: dict, client: WebClient, respond: Respond, context: BoltContext,
                   logger: Logger) -> None:
    """Open the confirm modal: nothing is shared until the member presses "Send to reps"."""
    ack()
    guide: Guide = context["guide"]
    # what the modal shows is what is sent: private_metadata holds 1,000 characters of it
    ref = _ref(body)
    question = clip_middle(str(ref.get("q") or "").strip(), SHARED_QUESTION)
    user = user_id(body)
    with apologising(respond, logger, "asking a rep", response_type="ephemeral"):
        if not question or not user:
            respond(text="Sorry, I couldn't tell which question to send, so nothing was sent.",
                    replace_original=False, response_type="ephemeral")
            return
        asker = ref.get("u")
        if isinstance(asker, str) and asker and asker != user:   # (a button from before round 22 names no one)
            respond(text=SOMEONE_ELSES, replace_original=False, response_type="ephemeral")
            return
        channel = guide.config.reps.channel
        contact = guide.config.contact
        if not channel:
            logger.warning("Ask a rep was pressed, but no reps' channel is set (%s)",
                           guide.config.setting("reps.channel"))
            respond(text=NO_CHANNEL.format(contact=contact), replace_original=False, response_type="ephemeral")
            return
        try:
            with deadline(1.5):   # before views.open, whose trigger lasts 3 s
                info = quick(client).conversations_info(channel=channel)["channel"]
        except SlackApiError as e:
            logger.warning("the reps' channel can't be read: %s", _error(e))
            if _error(e) == "ratelimited":
                respond(text="Slack is busy right now, so nothing was sent. Please press “Ask a rep” again in a "
                        "minute.", replace_original=False, response_type="ephemeral")
                return
            info = {"is_member": False}
        except Exception as e:   # Slack too slow to answer: nothing was sent, and the member can try again
            logger.warning("the reps' channel can't be read (%s)", type(e).__name__)
            respond(text="Slack is slow right now, so nothing was sent. Please press “Ask a rep” again in a "
                    "minute.", replace_original=False, response_type="ephemeral")
            return
        if info.get("is_archived"):   # it refuses every post: the member was told so only after sending
            logger.warning("the reps' channel is archived (%s)", guide.config.setting("reps.channel"))
            respond(text=ARCHIVED.format(contact=contact), replace_original=False, response_type="ephemeral")
            return
        if not info.get("is_member"):
            respond(text=NOT_IN_CHANNEL.format(name=guide.config.bot_name, contact=contact),
                    replace_original=False, response_type="ephemeral")
            return
        container = body.get("container") if isinstance(body.get("container"), dict) else {}
        message = body.get("message") if isinstance(body.get("message"), dict) else {}
        where = text_field(container, "channel_id") or text_field(body, "channel", "id")
        ephemeral = container.get("is_ephemeral") is True or not message or where.startswith("D") or not where
        thread_ts = text_field(message, "thread_ts") or text_field(container, "thread_ts") or \
            text_field(container, "message_ts")
        fallback = text_field(body, "user", "username") or text_field(body, "user", "name") or "a member"
        name = user_name(client, user, logger, fallback)
        # private_metadata holds at most 3,000 characters: SHARED_QUESTION of question and 200 of
        # name stay under it even if every character needs escaping in JSON
        metadata = {"q": question, "n": name[:200], "c": "" if ephemeral else where,
                    "t": "" if ephemeral else thread_ts}
        view = rep_blocks.confirm_view(question, name, channel_name=f"#{info.get('name') or channel}",
                                       by_dm=ephemeral, metadata=metadata)
        client.views_open(trigger_id=text_field(body, "trigger_id"), view=view)


def _metadata(view: dict) -> dict:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def handle_confirm(ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext, logger: Logger) -> None:
    """The member pressed "Send to reps": record the request, then post it."""
    guide: Guide = context["guide"]
    data = _metadata(view)
    user = user_id(body)
    question = str(data.get("q") or "").strip()
    if not question or not user:
        ack(response_action="errors", errors={})
        return
    try:
        twin = next((r for r in guide.store.requests(("open",)) if r.asker == user and r.question == question), None)
        if twin is not None:   # "Ask a rep" pressed twice on one reply: the reps see it once
            ack(response_action="update", view=_notice_view(
                f"You've sent this question to the reps already (request #{twin.id}): a rep's answer will come "
                "to you where you asked it, or by direct message. Nothing new was sent."))
            return
        req = guide.store.add_request(question=question, asker=user, asker_name=str(data.get("n") or "a member"),
                                      channel=str(data.get("c") or ""), thread_ts=str(data.get("t") or ""))
    except Exception as e:
        log_failure(logger, "recording a request for the reps", e)
        # the database not answering may have saved it even so (ended as it committed): sent again,
        # the twin check above finds it, so the reps still see it once
        ack(response_action="update", view=_notice_view(ASK_NOT_SAVED_STORE if store_outage(e) else ASK_NOT_SAVED))
        return
    ack()
    desk = _desk(context)
    try:
        claimed = guide.store.claim_request(req.id, owner=desk.owner, lease_seconds=LEASE)
        outcome = desk.post_request(claimed) if claimed else "later"
        if claimed and outcome in ("later", MAY_HAVE_LANDED):
            outcome = desk.not_yet(req.id, outcome)   # RepChores posts it when Slack lets us
        elif claimed and outcome != "posted":
            guide.store.release_request(req.id, desk.owner)   # listed in the queue; said below
    except Exception:   # saved already: RepChores posts it once the lease lapses
        logger.exception("posting request #%d to the reps failed", req.id)
        outcome = "later"
    where = dict(channel=req.channel, thread_ts=req.thread_ts)
    if outcome == "posted":
        tell(client, logger, user, rep_blocks.sent_message(req), **where)
    elif outcome == "later":
        tell(client, logger, user, rep_blocks.sent_message(req, (
            f"Slack is busy, so your question (request #{req.id}) may not be in the reps' channel yet (a slow "
            "post can still land). It is saved and will be there within a few minutes, once; you don't need to "
            "do anything. You can withdraw it until a rep answers it.")), **where)
    else:
        # not_in_channel, channel_not_found ...: saved, listed in `/biglisten queue`; say what happened
        why = ("I'm not in the reps' channel" if outcome == "not_in_channel"
               else "the reps' channel can't be found" if outcome == "channel_not_found"
               else f"Slack refused the post ({outcome})")
        tell(client, logger, user, rep_blocks.sent_message(req, (
            f"Your question is saved (request #{req.id}), but {why}, so the reps haven't been told yet; they "
            f"will see it in their queue. You can withdraw it until a rep answers it. {guide.config.contact}")),
             **where)


def _notice_view(text: str) -> dict:
    return {"type": "modal", "title": {"type": "plain_text", "text": "Ask a rep"},
            "close": {"type": "plain_text", "text": "Close"},
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}


def handle_withdraw(ack: Ack, body: dict, client: WebClient, respond: Respond, context: BoltContext,
                    logger: Logger) -> None:
    ack()
    guide: Guide = context["guide"]
    request_id, user = _request_id(_ref(body)), user_id(body)
    with apologising(respond, logger, "withdrawing a request", response_type="ephemeral"):
        req = guide.store.request(request_id) if request_id is not None else None
        if req is None or req.state != "open" or req.asker != user:
            respond(text="That question can't be withdrawn: it has been answered or withdrawn already, or it "
                    "isn't yours.", replace_original=False, response_type="ephemeral")
            return
        closed = guide.store.close_request(req.id, state="withdrawn", rep="", rep_name="")
        if closed is None:
            respond(text="Too late to withdraw it: a rep has just dealt with it.", replace_original=False,
                    response_type="ephemeral")
            return
        _desk(context).update_request_message(closed)
        respond(text=f"Withdrawn: request #{req.id} has been taken off the reps' list, and your name and question "
                "with it.", replace_original=False, response_type="ephemeral")


# --- the reps ---------------------------------------------------------------------------------------
def _rep_request(body: dict, respond: Respond, context: BoltContext) -> RepRequest | None:
    """The open request a rep's button names, after the rep check; None after saying why not."""
    guide: Guide = context["guide"]
    if not guide.reps.is_rep(user_id(body)):
        respond(text=ONLY_REPS, replace_original=False, response_type="ephemeral")
        return None
    request_id = _request_id(_ref(body))
    req = guide.store.request(request_id) if request_id is not None else None
    if req is None:
        respond(text="I can't find that request.", replace_original=False, response_type="ephemeral")
        return None
    if req.state != "open":
        respond(text=f"Request #{req.id} is settled already: {rep_blocks.outcome_line(req)}.",
                replace_original=False, response_type="ephemeral")
        return None
    return req


def _opens_modal(doing: str, find, build):
    """A button listener that opens the modal `build(item, body)` for the request or kept answer
    `find` reads from the button; `find` does the rep and state checks and tells the presser."""
    def listener(ack: Ack, body: dict, client: WebClient, respond: Respond, context: BoltContext,
                 logger: Logger) -> None:
        ack()
        with apologising(respond, logger, doing, response_type="ephemeral"):
            item = find(body, respond, context)
            if item:
                client.views_open(trigger_id=text_field(body, "trigger_id"), view=build(item, body))
    return listener


handle_answer_button = _opens_modal("opening the answer form", _rep_request,
                                    lambda req, _body: rep_blocks.answer_view(req))
handle_covered_button = _opens_modal("opening the covered form", _rep_request,
                                     lambda req, _body: rep_blocks.covered_view(req))


def handle_outside_button(ack: Ack, body: dict, client: WebClient, respond: Respond, context: BoltContext,
                          logger: Logger) -> None:
    ack()
    guide: Guide = context["guide"]
    with apologising(respond, logger, "marking a request outside the guidance", response_type="ephemeral"):
        req = _rep_request(body, respond, context)
        if not req:
            return
        rep = user_id(body)
        closed = guide.store.close_request(req.id, state="outside", rep=rep,
                                           rep_name=user_name(client, rep, logger, "a rep"))
        respond(text=_settled_text(context, logger, closed, req.id), replace_original=False, response_type="ephemeral")


def _settled_text(context: BoltContext, logger: Logger, closed: RepRequest | None, request_id: int) -> str:
    if closed is None:
        req = context["guide"].store.request(request_id)
        return f"Nothing sent: request #{request_id} was settled just before you ({rep_blocks.outcome_line(req)})."
    try:
        outcome = _desk(context).deliver(closed.id)
    except Exception:   # saved already: RepChores tells the member once the lease lapses
        logger.exception("telling the member of request #%d failed", closed.id)
        outcome = "later"
    return {"sent": f"Done: the member has been told (request #{closed.id}).",
            "later": f"Saved (request #{closed.id}). Slack is busy, so the member will be told within a few minutes.",
            "busy": f"Saved (request #{closed.id}); the member is being told.",
            "failed": f"Saved (request #{closed.id}), but the member couldn't be reached in Slack (they may have "
                      "left the workspace)."}[outcome]


def _values(view: dict) -> dict:
    state = view.get("state") if isinstance(view.get("state"), dict) else {}
    values = state.get("values") if isinstance(state.get("values"), dict) else {}
    return values


def _selected_entry(values: dict) -> str:
    block = values.get("entry") if isinstance(values.get("entry"), dict) else {}
    element = block.get(rep_blocks.ENTRY_SELECT) if isinstance(block.get(rep_blocks.ENTRY_SELECT), dict) else {}
    option = element.get("selected_option") if isinstance(element.get("selected_option"), dict) else {}
    return text_field(option, "value")


def _typed(values: dict, block_id: str = "answer") -> str:
    block = values.get(block_id) if isinstance(values.get(block_id), dict) else {}
    return text_field(block.get("text") if isinstance(block.get("text"), dict) else {}, "value").strip()


def _submitted_request(ack: Ack, body: dict, view: dict, context: BoltContext, block: str) -> RepRequest | None:
    """The rep check and the open request of a modal submission; None after acking why not."""
    guide: Guide = context["guide"]
    if not guide.reps.is_rep(user_id(body)):
        ack(response_action="errors", errors={block: ONLY_REPS})
        return None
    request_id = _request_id(_metadata(view))
    req = guide.store.request(request_id) if request_id is not None else None
    if req is None or req.state != "open":
        why = rep_blocks.outcome_line(req) if req else "it no longer exists"
        ack(response_action="errors", errors={block: f"Not sent: this request is settled already ({why})."[:150]})
        return None
    return req


@contextmanager
def _refusing(ack: Ack, logger: Logger, doing: str, block: str) -> Iterator[None]:
    """A rep's form submitted: if saving it fails, the form stays open saying so under `block`,
    the rep's words still in it. Unanswered, Slack showed only its own "trouble connecting"."""
    try:
        yield
    except Exception as e:
        log_failure(logger, doing, e)
        ack(response_action="errors", errors={block: NOT_SAVED_STORE if store_outage(e) else NOT_SAVED})


def handle_answer_submit(ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext,
                         logger: Logger) -> None:
    with _refusing(ack, logger, "answering a request", "answer"):
        _answer_submitted(ack, body, view, client, context, logger)


def _answer_submitted(ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext,
                      logger: Logger) -> None:
    guide: Guide = context["guide"]
    req = _submitted_request(ack, body, view, context, "answer")
    if req is None:
        return
    values = _values(view)
    answer, entry_id = _typed(values), _selected_entry(values)
    if not answer:
        ack(response_action="errors", errors={"answer": "Write your answer first."})
        return
    if entry_id and guide.entry(entry_id) is None:
        ack(response_action="errors", errors={"entry": "That entry is no longer in the guidance."})
        return
    keep_block = values.get("keep") if isinstance(values.get("keep"), dict) else {}
    chosen = (keep_block.get("keep") or {}).get("selected_options") if isinstance(keep_block.get("keep"), dict) else []
    keep = any(isinstance(o, dict) and o.get("value") == "keep" for o in chosen or [])
    kept_question = _typed(values, "kept_question")
    if keep and not kept_question:   # the store would fall back to the member's own words, unedited
        ack(response_action="errors", errors={"kept_question": "To keep the answer, write the question as later "
                                                               "members will see it (or untick Keep)."})
        return
    rep = user_id(body)
    closed = guide.store.close_request(req.id, state="answered", rep=rep, answer=answer, entry_id=entry_id or None,
                                       keep=keep, kept_question=kept_question or None,
                                       rep_name=user_name(client, rep, logger, "a rep"))
    if closed is None:
        settled = guide.store.request(req.id)
        ack(response_action="errors", errors={"answer": f"Not sent: {rep_blocks.outcome_line(settled)}."[:150]})
        return
    ack()
    tell(client, logger, rep, _settled_text(context, logger, closed, req.id), channel=closed.reps_channel)


def handle_covered_submit(ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext,
                          logger: Logger) -> None:
    with _refusing(ack, logger, "settling a request as covered", "entry"):
        _covered_submitted(ack, body, view, client, context, logger)


def _covered_submitted(ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext,
                       logger: Logger) -> None:
    guide: Guide = context["guide"]
    req = _submitted_request(ack, body, view, context, "entry")
    if req is None:
        return
    entry_id = _selected_entry(_values(view))
    if not entry_id or guide.entry(entry_id) is None:
        ack(response_action="errors", errors={"entry": "Pick the entry that answers the question."})
        return
    rep = user_id(body)
    closed = guide.store.close_request(req.id, state="covered", rep=rep, entry_id=entry_id,
                                       rep_name=user_name(client, rep, logger, "a rep"))
    if closed is None:
        ack(response_action="errors", errors={"entry": "Not sent: another rep settled this request just now."})
        return
    ack()
    tell(client, logger, rep, _settled_text(context, logger, closed, req.id), channel=closed.reps_channel)


def handle_entry_options(ack: Ack, body: dict, context: BoltContext) -> None:
    """Search-as-you-type for the entry menus: the guidance's titles (public), best first."""
    guide: Guide = context["guide"]
    typed = text_field(body, "value").strip()
    entries = [e for pack in guide.library.packs for e in pack.entries]   # every pack's (bot/packs.py)
    if typed:
        # searched here, not on the guide's searching threads: a menu's options must be back
        # within Slack's 3 seconds, and a rep typing shouldn't wait behind a burst of questions
        found = [m.entry for m in guide.library.find_matches(typed, limit=10)[0].matches]
        low = typed.lower()
        found += [e for e in entries if low in e.id.lower() or low in e.title.lower()]
        entries = list(dict.fromkeys(found))
    ack(options=rep_blocks.entry_options(entries[:100]))


# --- kept answers -------------------------------------------------------------------------------------
def _rep_kept(body: dict, respond: Respond, context: BoltContext):
    guide: Guide = context["guide"]
    if not guide.reps.is_rep(user_id(body)):
        respond(text=ONLY_REPS, replace_original=False, response_type="ephemeral")
        return None
    kept_id = _request_id(_ref(body))
    kept = guide.store.kept_answer(kept_id) if kept_id is not None else None
    if kept is None or kept.retired_at is not None:
        respond(text="That kept answer has been retired already.", replace_original=False, response_type="ephemeral")
        return None
    return kept


handle_kept_edit = _opens_modal("editing a kept answer", _rep_kept,
                                lambda kept, body: rep_blocks.edit_view(kept, from_home=_in_home(body)))


def handle_kept_edit_submit(ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext,
                            logger: Logger) -> None:
    with _refusing(ack, logger, "editing a kept answer", "answer"):
        _kept_edit_submitted(ack, body, view, client, context, logger)


def _kept_edit_submitted(ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext,
                         logger: Logger) -> None:
    guide: Guide = context["guide"]
    rep = user_id(body)
    if not guide.reps.is_rep(rep):
        ack(response_action="errors", errors={"answer": ONLY_REPS})
        return
    kept_id, answer = _request_id(_metadata(view)), _typed(_values(view))
    question = _typed(_values(view), "kept_question") or None   # emptied: the question stays as it was
    if not answer:
        ack(response_action="errors", errors={"answer": "The answer can't be empty: retire it instead."})
        return
    if kept_id is None or not guide.store.edit_kept(kept_id, answer, question=question,
                                                    rep_name=user_name(client, rep, logger, "a rep")):
        ack(response_action="errors", errors={"answer": "Not saved: that kept answer has been retired."})
        return
    ack()
    if _metadata(view).get("home"):   # opened from App Home: the tab showed the old words (and the
        publish_home(context, client, rep, logger)   # name the rep may have just taken out)
    tell(client, logger, rep, f"Saved: kept answer #{kept_id} is updated and re-confirmed.")


def handle_kept_retire(ack: Ack, body: dict, client: WebClient, respond: Respond, context: BoltContext,
                       logger: Logger) -> None:
    ack()
    with apologising(respond, logger, "retiring a kept answer", response_type="ephemeral"):
        kept = _rep_kept(body, respond, context)
        if kept:
            context["guide"].store.retire_kept(kept.id)
            respond(text=f"Retired: kept answer #{kept.id} is no longer shown to members.",
                    replace_original=False, response_type="ephemeral")
            _refresh_home(body, client, context, logger)


def handle_kept_confirm(ack: Ack, body: dict, client: WebClient, respond: Respond, context: BoltContext,
                        logger: Logger) -> None:
    ack()
    with apologising(respond, logger, "re-confirming a kept answer", response_type="ephemeral"):
        kept = _rep_kept(body, respond, context)
        if kept:
            context["guide"].store.confirm_kept(kept.id)
            respond(text=f"Re-confirmed: kept answer #{kept.id} stays in use for another "
                    f"{context['guide'].config.reps.review_days} days.", replace_original=False,
                    response_type="ephemeral")
            _refresh_home(body, client, context, logger)


def _refresh_home(body: dict, client: WebClient, context: BoltContext, logger: Logger) -> None:
    """Pressed in App Home, the tab is published again (the retired answer stayed listed, with
    its buttons, until the tab was reopened)."""
    if _in_home(body):
        publish_home(context, client, user_id(body), logger)


def _in_home(body: dict) -> bool:
    """Whether a button was pressed in App Home."""
    view = body.get("view") if isinstance(body.get("view"), dict) else {}
    return view.get("type") == "home"


def register(app: App) -> None:
    app.action(rep_blocks.ASK_REP)(handle_ask_rep)
    app.view(rep_blocks.CONFIRM_VIEW)(handle_confirm)
    app.action(rep_blocks.WITHDRAW)(handle_withdraw)
    app.action(re.compile(rf"^{rep_blocks.ANSWER}(_\d+)?$"))(handle_answer_button)
    app.action(rep_blocks.COVERED)(handle_covered_button)
    app.action(rep_blocks.OUTSIDE)(handle_outside_button)
    app.view(rep_blocks.ANSWER_VIEW)(handle_answer_submit)
    app.view(rep_blocks.COVERED_VIEW)(handle_covered_submit)
    app.options(rep_blocks.ENTRY_SELECT)(handle_entry_options)
    app.action(re.compile(rf"^{rep_blocks.KEPT_EDIT}_\d+$"))(handle_kept_edit)
    app.action(re.compile(rf"^{rep_blocks.KEPT_RETIRE}_\d+$"))(handle_kept_retire)
    app.action(re.compile(rf"^{rep_blocks.KEPT_CONFIRM}_\d+$"))(handle_kept_confirm)
    app.view(rep_blocks.KEPT_EDIT_VIEW)(handle_kept_edit_submit)
