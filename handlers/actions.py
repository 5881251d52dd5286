"""Buttons on answers: share, other matches, did-you-mean, votes, full guidance.

Every action is acked first (Slack shows an error after 3 s), then answered through the
response_url (`respond`), which works in channels, threads, DMs and ephemeral messages.
"""
from __future__ import annotations

import re
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
from handlers.answering import apologising
from handlers.payload import channel_of, first_action, text_field, user_id

UNREADABLE_VOTE = "Sorry, I couldn't tell which answer that vote was for, so it wasn't recorded."


def _value(body: dict) -> dict:
    return button_ref(text_field(first_action(body), "value"))


def _entry_reply(context: BoltContext, value: dict, channel: str | None = None):
    return context["guide"].open_entry(str(value.get("e", "")), query=str(value.get("q") or ""),
                                       statement=ref_statement(value), channel=channel)


def _entry_message(body: dict, respond: Respond, context: BoltContext, **render):
    """The answer a button refers to, or None after telling the member it has gone."""
    reply = _entry_reply(context, _value(body), channel_of(body) or None)
    if reply is None:
        respond(text=GONE_TEXT, replace_original=False)
        return None
    return answer_blocks(reply, **render)


def handle_open_entry(ack: Ack, body: dict, respond: Respond, context: BoltContext, logger: Logger) -> None:
    """"Did you mean", "Other matches → Open" and the section browser: show that entry."""
    ack()
    with apologising(respond, logger, "opening an entry"):
        message = _entry_message(body, respond, context, ephemeral=True)
        if message:
            respond(text=message.text, blocks=message.blocks, replace_original=False, response_type="ephemeral")


def handle_share(ack: Ack, body: dict, respond: Respond, context: BoltContext, logger: Logger) -> None:
    """Post an ephemeral answer for everyone in the conversation, then drop the private copy."""
    ack()
    with apologising(respond, logger, "sharing an answer"):
        channel = text_field(body, "channel", "id")
        message = _entry_message(body, respond, context, pinnable=not channel.startswith("D"))
        if message:
            respond(text=message.text, blocks=message.blocks, response_type="in_channel", replace_original=False)
            respond(delete_original=True)


def handle_other_matches(ack: Ack, body: dict, respond: Respond, context: BoltContext, logger: Logger) -> None:
    ack()
    value = _value(body)
    ids = value.get("ids")
    ids = [i for i in ids if isinstance(i, str)] if isinstance(ids, list) else []
    with apologising(respond, logger, "listing other matches"):
        message = matches_blocks(context["guide"].matches_for(ids, str(value.get("q") or "")))
        respond(text=message.text, blocks=message.blocks, replace_original=False, response_type="ephemeral")


def handle_vote(ack: Ack, body: dict, respond: Respond, context: BoltContext, logger: Logger) -> None:
    """One vote per member per answer; a second press changes it."""
    ack()
    value = _value(body)
    helpful = first_action(body).get("action_id") == blocks.VOTE_HELPFUL
    container = body.get("container") or {}
    message_key = f"{container.get('channel_id')}:{container.get('message_ts')}"
    entry_id, user = str(value.get("e") or ""), user_id(body)
    with apologising(respond, logger, "recording a vote"):
        if not entry_id or not context["guide"].entry(entry_id) or not user:   # any pack's entry
            logger.info("a vote whose button names no known answer was not recorded")
            respond(text=UNREADABLE_VOTE, replace_original=False, response_type="ephemeral")
            return
        context["guide"].store.vote(message=message_key, user=user, entry_id=entry_id,
                                    query=str(value.get("q") or ""), helpful=helpful)
        if helpful:
            respond(text="Thanks: noted as helpful.", replace_original=False, response_type="ephemeral")
            return
        thanks = "Thanks: noted as not helpful. Reps review these; you can also ask a rep your question."
        notice = text_blocks(thanks)
        question = str(value.get("q") or "")
        if question.strip():   # "Ask a rep" opens a confirm modal: nothing is sent without it
            notice = SlackMessage(notice.text, notice.blocks + [ask_rep_button(question).to_dict()])
        respond(text=notice.text, blocks=notice.blocks, replace_original=False, response_type="ephemeral")


def handle_show_full(ack: Ack, body: dict, client: WebClient, respond: Respond, context: BoltContext,
                     logger: Logger) -> None:
    ack()
    with apologising(respond, logger, "opening the full guidance"):
        reply = _entry_reply(context, _value(body), channel_of(body) or None)
        if reply is None:
            respond(text=GONE_TEXT, replace_original=False)
            return
        client.views_open(trigger_id=text_field(body, "trigger_id"), view=full_guidance_view(reply))


def register(app: App) -> None:
    app.action(re.compile(rf"^({blocks.DID_YOU_MEAN}|{blocks.OPEN_ENTRY})_\d+$"))(handle_open_entry)
    app.action(blocks.SHARE)(handle_share)
    app.action(blocks.OTHER_MATCHES)(handle_other_matches)
    app.action(re.compile(rf"^({blocks.VOTE_HELPFUL}|{blocks.VOTE_NOT_HELPFUL})$"))(handle_vote)
    app.action(blocks.SHOW_FULL)(handle_show_full)


