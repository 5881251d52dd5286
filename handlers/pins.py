"""Pinned answers: the "Pin (reps)" and "Unpin" buttons, and Slack's own pin menu.

Only reps may pin: the check runs here, on the server, against app.yaml and the reps'
user group; nothing in a button payload is trusted. A pin is recorded with the entry, the
statement, the question that led to it, the rep, the time, the channel and the message.
"""
from __future__ import annotations

import re
import time
from dataclasses import replace
from logging import Logger

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import blocks
from bot.blocks import button_ref, ref_statement
from bot.guide import Guide
from bot.store import Pin
from handlers.answering import apologising
from handlers.payload import first_action, text_field, user_id

ONLY_REPS = "Only reps can pin or unpin answers. If you think this answer should be pinned, tell a rep."
NOT_IN_DMS = "Pins aren't possible in direct messages: share the answer in a channel first, then pin it there."
PINNED_AGAIN = "Unpinned, but it has been pinned again since, so it is still shown first."
INVITE_ME = "I'm not in this channel, so I can't pin here. Invite me with `/invite @{name}` and press Pin again."


# Buttons only an answer from the guidance carries: a decline's "Did you mean", a "which did you
# mean?" and a rep's answer also name entries, but pinning them must not pin those entries.
ANSWER_ACTIONS = frozenset({blocks.VOTE_HELPFUL, blocks.VOTE_NOT_HELPFUL, blocks.PIN, blocks.SHARE, blocks.SHOW_FULL})


def answer_ref(message: dict) -> dict:
    """Which entry a message of ours answers, read from its answer buttons' values; {} for any
    other message of ours."""
    found = message.get("blocks") if isinstance(message.get("blocks"), list) else []
    for block in found:
        elements = block.get("elements") if isinstance(block, dict) else None
        for element in elements if isinstance(elements, list) else []:
            if text_field(element, "action_id") not in ANSWER_ACTIONS:
                continue
            ref = button_ref(text_field(element, "value"))
            if ref.get("e"):
                return ref
    return {}


def _rep_name(client: WebClient, user: str, logger: Logger) -> str:
    try:
        profile = client.users_info(user=user)["user"]
        return (profile.get("profile") or {}).get("display_name") or profile.get("real_name") or profile.get("name")
    except Exception:
        logger.warning("could not look up a rep's name")
        return ""


def _permalink(client: WebClient, channel: str, ts: str) -> str:
    try:
        return client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"]
    except Exception:
        return ""


def pin_record(client: WebClient, logger: Logger, *, channel: str, ts: str, ref: dict, rep: str) -> Pin:
    """What a pin is recorded with, the rep's name and the permalink looked up in Slack."""
    return Pin(channel=channel, message_ts=ts, entry_id=str(ref["e"]), statement=ref_statement(ref),
               question=str(ref.get("q") or ""), rep=rep, rep_name=_rep_name(client, rep, logger),
               at=time.time(), permalink=_permalink(client, channel, ts))


def record_pin(guide: Guide, client: WebClient, logger: Logger, *, channel: str, ts: str, ref: dict,
               rep: str) -> Pin:
    pin = pin_record(client, logger, channel=channel, ts=ts, ref=ref, rep=rep)
    guide.store.add_pin(pin)
    return pin


def handle_pin_button(ack: Ack, body: dict, client: WebClient, respond: Respond, context: BoltContext,
                      logger: Logger) -> None:
    ack()
    guide: Guide = context["guide"]
    user = user_id(body)
    channel, ts = text_field(body, "container", "channel_id"), text_field(body, "container", "message_ts")
    if not guide.reps.is_rep(user):
        respond(text=ONLY_REPS, replace_original=False, response_type="ephemeral")
        return
    if channel.startswith("D"):
        respond(text=NOT_IN_DMS, replace_original=False, response_type="ephemeral")
        return
    ref = button_ref(text_field(first_action(body), "value"))
    if not ref.get("e"):
        respond(text="I can't tell which answer this is, so I haven't pinned it.", replace_original=False)
        return
    if not guide.entry(str(ref["e"])):   # taken out of the pack since the answer was posted
        respond(text="That answer's entry is no longer in the guidance (the pack was edited since), so I haven't "
                "pinned it.", replace_original=False, response_type="ephemeral")
        return
    recorded: Pin | None = None
    with apologising(respond, logger, "pinning"):
        # Looked up before the pin, not between it and its record: an unpin in Slack meanwhile (its
        # pin_removed event) had been undone by the record, slow Slack answers leaving seconds for it.
        pin = pin_record(client, logger, channel=channel, ts=ts, ref=ref, rep=user)
        try:
            client.pins_add(channel=channel, timestamp=ts)
        except SlackApiError as e:
            error = e.response.get("error")
            if error in ("not_in_channel", "channel_not_found"):
                respond(text=INVITE_ME.format(name=guide.config.bot_name), replace_original=False)
                return
            if error != "already_pinned":   # pinned by hand already: record it all the same
                raise
        recorded = replace(pin, at=time.time())
        guide.store.add_pin(recorded)
        respond(text="Pinned. Members who ask something similar will see this answer first.",
                replace_original=False, response_type="ephemeral")
    if recorded:
        # Slack pins before it answers pins.add: an unpin while that answer was on its way (slow
        # Slack) had its pin_removed find nothing to remove. Checked after the reply, so the rep
        # doesn't wait on it.
        forget_if_unpinned(guide, client, logger, recorded)


def handle_unpin_button(ack: Ack, body: dict, client: WebClient, respond: Respond, context: BoltContext,
                        logger: Logger) -> None:
    ack()
    guide: Guide = context["guide"]
    if not guide.reps.is_rep(user_id(body)):
        respond(text=ONLY_REPS, replace_original=False, response_type="ephemeral")
        return
    ref = button_ref(text_field(first_action(body), "value"))
    channel, ts = str(ref.get("c") or ""), str(ref.get("t") or "")
    with apologising(respond, logger, "unpinning"):
        # Read before the unpin: a rep may pin it again in Slack as soon as it is unpinned, and the
        # record that pin makes is not this press's to remove.
        seen = guide.store.pin(channel, ts)
        try:
            client.pins_remove(channel=channel, timestamp=ts)
        except SlackApiError as e:
            # already unpinned in Slack, or the message or channel is gone: forget our record all the same
            if e.response.get("error") not in ("no_pin", "not_pinned", "channel_not_found", "not_in_channel",
                                               "message_not_found", "is_archived"):
                raise
        if seen is not None:
            guide.store.remove_pin(channel, ts, at=seen.at)
        if guide.store.pin(channel, ts) is not None:
            text = PINNED_AGAIN
        elif seen is not None:
            text = "Unpinned: the answer is no longer shown first."
        else:
            text = "That answer wasn't pinned any more."
        respond(text=text, replace_original=False, response_type="ephemeral")


def handle_pin_added(event: dict, client: WebClient, context: BoltContext, logger: Logger) -> None:
    """A rep pinned one of our answers with Slack's own menu: record it like the button."""
    guide: Guide = context["guide"]
    item = event.get("item") if isinstance(event.get("item"), dict) else {}
    message = item.get("message") if isinstance(item.get("message"), dict) else {}
    if item.get("type") != "message" or not _is_ours(message, context):
        return
    rep = event.get("user") if isinstance(event.get("user"), str) else ""
    if not guide.reps.is_rep(rep):
        logger.info("a pin by a member who is not a rep was not recorded")
        return
    channel = text_field(item, "channel") or text_field(event, "channel_id")
    ts = text_field(message, "ts")
    if not (channel and ts):
        logger.info("a pin_added event without a channel or message ts was not recorded")
        return
    if channel.startswith("D"):   # as the button refuses: `pins` would link every member into a private DM
        logger.info("a pin in a direct message was not recorded")
        return
    if not message.get("blocks"):   # Slack often sends the pinned message without its blocks
        message = _fetch_message(client, channel, ts, logger) or message
    if not message.get("blocks"):
        logger.info("a pinned message of ours couldn't be read with its buttons; the pin was not recorded")
        return
    ref = answer_ref(message)
    if ref.get("e") and guide.entry(str(ref["e"])):
        pin = record_pin(guide, client, logger, channel=channel, ts=ts, ref=ref, rep=rep)
        # Recorded after slow look-ups: an unpin meanwhile (its pin_removed found nothing to remove),
        # or this event delivered late, after the unpin, would leave a pin Slack doesn't have.
        forget_if_unpinned(guide, client, logger, pin)
    else:
        logger.info("a pinned message of ours is no answer from the guidance (a decline, a question or a rep's "
                    "answer); the pin was not recorded")


def forget_if_unpinned(guide: Guide, client: WebClient, logger: Logger, pin: Pin) -> None:
    """Remove a pin just recorded if Slack no longer has it. Asked after the record: an unpin
    from then on has its pin_removed find the record, and one before it is seen here. Only this
    record goes: Slack's answer may be older than a pin again, whose record is then kept."""
    try:
        pinned = _pinned_in_slack(client, pin.channel, pin.message_ts)
    except Exception as e:   # Slack last said the message was pinned
        logger.warning("could not check a recorded pin against Slack's pins (%s); it is kept", _why(e))
        return
    if pinned:
        return
    if guide.store.remove_pin(pin.channel, pin.message_ts, at=pin.at):
        logger.info("a pin was unpinned in Slack while it was being recorded; the record was removed")
    else:
        logger.info("a pin was unpinned in Slack while it was being recorded; its record was gone or made "
                    "again since, and is left as it is")


def _pinned_in_slack(client: WebClient, channel: str, ts: str) -> bool:
    """Whether Slack has the message pinned in the channel now. pins.list takes no cursor and
    answers every pin of the channel at once (Slack allows 100 a channel): one call, no pages."""
    items = client.pins_list(channel=channel).get("items") or []
    return any(isinstance(item, dict) and isinstance(item.get("message"), dict) and item["message"].get("ts") == ts
               for item in items)


def _why(error: Exception) -> str:
    """One line for the log, no traceback: Slack's error code or the exception's kind."""
    return (error.response.get("error") if isinstance(error, SlackApiError) else None) or type(error).__name__


def _fetch_message(client: WebClient, channel: str, ts: str, logger: Logger) -> dict | None:
    """One message, with its blocks, by channel and ts (in a thread or not)."""
    try:
        found = client.conversations_replies(channel=channel, ts=ts, limit=100).get("messages") or []
    except Exception as e:
        logger.warning("could not read a pinned message to record its pin (%s)", type(e).__name__)
        return None
    return next((m for m in found if isinstance(m, dict) and m.get("ts") == ts), None)


def handle_pin_removed(event: dict, client: WebClient, context: BoltContext, logger: Logger) -> None:
    """Whoever unpins the message in Slack, it is no longer pinned, so the record goes too,
    unless Slack has it pinned again by now: Slack's pins are the truth, not the event. Slack
    sends events again after a failed or slow delivery (at once, a minute later, five minutes
    later), so a pin_removed can come after the pin again; the events' times can't order them
    (the button's pin has no Slack time at all, and a pin's `created` is in whole seconds),
    while pins.list says how things are now."""
    guide: Guide = context["guide"]
    item = event.get("item") if isinstance(event.get("item"), dict) else {}
    channel = text_field(item, "channel") or text_field(event, "channel_id")
    ts = text_field(item, "message", "ts")
    # Read before asking Slack: a pin again recorded after this read is not this unpin's to remove,
    # and one recorded before it was pinned in Slack before pins.list is asked.
    seen = guide.store.pin(channel, ts) if channel and ts else None
    if seen is None:   # not an answer of ours, or its record has gone already: nothing to ask Slack
        return
    try:
        pinned = _pinned_in_slack(client, channel, ts)
    except Exception as e:   # Slack last said the message was unpinned
        logger.warning("could not check an unpin against Slack's pins (%s); the record is removed", _why(e))
        pinned = False
    if pinned:
        logger.info("an unpin in Slack came after the message was pinned again; its record is kept")
    else:
        guide.store.remove_pin(channel, ts, at=seen.at)


def _is_ours(message: dict, context: BoltContext) -> bool:
    return bool(message.get("bot_id") and message.get("bot_id") == context.bot_id) or (
        message.get("user") is not None and message.get("user") == context.bot_user_id)


def register(app: App) -> None:
    app.action(blocks.PIN)(handle_pin_button)
    app.action(re.compile(rf"^{blocks.UNPIN}_\d+$"))(handle_unpin_button)
    app.event("pin_added")(handle_pin_added)
    app.event("pin_removed")(handle_pin_removed)
