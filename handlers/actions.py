"""Buttons on answers: share, other matches, did-you-mean, votes, full guidance.

Every action is acked first (Slack shows an error after 3 s), then answered through the
response_url, which works in channels, threads, DMs and ephemeral messages. All but "Show full
guidance" are taken into the durable inbox before the ack (handlers/answering.py's
`action_from`) and answered from there as slash commands are (`press_reply` builds the reply),
so a worker killed after the ack loses nothing; "Show full guidance" opens a modal with the
press's trigger_id, valid for 3 s, which no other worker could use later. The walk-through's
Next / Back / Skip section / Stop go through the inbox too: `press_reply` hands them to
handlers/walkthrough.py's `walk_reply`.
"""
from __future__ import annotations

from dataclasses import replace
from logging import Logger

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot import blocks
from bot.blocks import (
    GONE_TEXT,
    SlackMessage,
    answer_blocks,
    ask_rep_button,
    button_ref,
    full_guidance_view,
    matches_blocks,
    ref_statement,
    text_blocks,
)
from handlers.answering import KEPT_PRESSES, THEN, WALK_PRESSES, action_from, apologising, reply_taken_in, send_reply
from handlers.payload import channel_of, first_action, press_of, text_field
from handlers.walkthrough import walk_reply

UNREADABLE_VOTE = "Sorry, I couldn't tell which answer that vote was for, so it wasn't recorded."


def press_reply(guide, press: dict, logger: Logger) -> tuple[dict, None]:
    """What a press on an answer's button says (the reply's fields, for `respond`; a shared
    answer's private copy is deleted after it, `THEN`), and no question to log. A vote is
    recorded here: one per member per answer, so a press answered again records it once. A press
    of the walk-through's buttons says what `walk_reply` says."""
    action_id, value = press.get("action_id") or "", button_ref(press.get("value"))
    if action_id in WALK_PRESSES:
        return walk_reply(guide, press, logger)
    asker = str(value.get("u") or "")   # who asked: the answer a press opens or shares stays theirs
    if action_id == blocks.OTHER_MATCHES:
        ids = value.get("ids")
        ids = [i for i in ids if isinstance(i, str)] if isinstance(ids, list) else []
        message = matches_blocks(replace(guide.matches_for(ids, str(value.get("q") or ""),
                                                           channel=press.get("channel_id") or None), asker=asker))
        return _fields(message, replace_original=False, response_type="ephemeral"), None
    if action_id in (blocks.VOTE_HELPFUL, blocks.VOTE_NOT_HELPFUL):
        return _vote(guide, press, value, helpful=action_id == blocks.VOTE_HELPFUL, logger=logger), None
    share = action_id == blocks.SHARE
    reply = guide.open_entry(str(value.get("e", "")), query=str(value.get("q") or ""),
                             statement=ref_statement(value), channel=press.get("channel_id") or None)
    if reply is None:
        return {"text": GONE_TEXT, "replace_original": False}, None
    reply = replace(reply, asker=asker)
    if share:   # for everyone in the conversation, then the private copy goes
        message = answer_blocks(reply, pinnable=not (press.get("conversation") or "").startswith("D"))
        return _fields(message, response_type="in_channel", replace_original=False,
                       **{THEN: [{"delete_original": True}]}), None
    message = answer_blocks(reply, ephemeral=True)   # "Did you mean", "Other matches → Open", the section browser
    return _fields(message, replace_original=False, response_type="ephemeral"), None


def _vote(guide, press: dict, value: dict, *, helpful: bool, logger: Logger) -> dict:
    entry_id, user = str(value.get("e") or ""), press.get("user_id") or ""
    if not entry_id or not user:
        logger.info("a vote whose button names no answer was not recorded")
        return {"text": UNREADABLE_VOTE, "replace_original": False, "response_type": "ephemeral"}
    if not guide.entry(entry_id):   # any pack's entry: one a reload removed, or a forged one
        logger.info("a vote on an entry no longer in the guidance was not recorded")
        return {"text": f"{GONE_TEXT} Your vote wasn't recorded.", "replace_original": False,
                "response_type": "ephemeral"}
    pressed = press.get("pressed_at")
    guide.store.vote(message=press.get("message") or "", user=user, entry_id=entry_id,
                     query=str(value.get("q") or ""), helpful=helpful,
                     now=float(pressed) if isinstance(pressed, (int, float)) else None)
    if helpful:
        return {"text": "Thanks: noted as helpful.", "replace_original": False, "response_type": "ephemeral"}
    # "Ask a rep" opens a confirm modal (nothing is sent without it), for the member who asked only
    question, asker = str(value.get("q") or ""), str(value.get("u") or "")
    if not question.strip() or asker not in ("", user):
        return _fields(text_blocks("Thanks: noted as not helpful. Reps review these."), replace_original=False,
                       response_type="ephemeral")
    notice = text_blocks("Thanks: noted as not helpful. Reps review these; you can also ask a rep your question.")
    notice = SlackMessage(notice.text, notice.blocks + [ask_rep_button(question, asker).to_dict()])
    return _fields(notice, replace_original=False, response_type="ephemeral")


def _fields(message: SlackMessage, **options) -> dict:
    return {"text": message.text, "blocks": message.blocks, **options}


def handle_press(ack: Ack, body: dict, respond: Respond, context: BoltContext, logger: Logger) -> None:
    """An answer's buttons: taken into the inbox before the ack (`accept_question`) and
    answered from there, as a slash command is; here and now without an inbox."""
    ack()

    def now() -> None:
        with apologising(respond, logger, f"answering {text_field(first_action(body), 'action_id') or 'a button'}"):
            send_reply(respond, press_reply(context["guide"], press_of(body), logger)[0])
    reply_taken_in(context, action_from(body) is not None, now)


def handle_show_full(ack: Ack, body: dict, client: WebClient, respond: Respond, context: BoltContext,
                     logger: Logger) -> None:
    ack()
    with apologising(respond, logger, "opening the full guidance"):
        value = button_ref(text_field(first_action(body), "value"))
        reply = context["guide"].open_entry(str(value.get("e", "")), query=str(value.get("q") or ""),
                                            statement=ref_statement(value), channel=channel_of(body) or None)
        if reply is None:
            respond(text=GONE_TEXT, replace_original=False)
            return
        client.views_open(trigger_id=text_field(body, "trigger_id"), view=full_guidance_view(reply))


def register(app: App) -> None:
    app.action(KEPT_PRESSES)(handle_press)   # the buttons the inbox keeps
    for action_id in WALK_PRESSES:   # ... and the walk-through's (`press_reply` hands them to `walk_reply`)
        app.action(action_id)(handle_press)
    app.action(blocks.SHOW_FULL)(handle_show_full)


