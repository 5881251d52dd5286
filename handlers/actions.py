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
    answer_blocks,
    button_ref,
    full_guidance_view,
    matches_blocks,
    ref_statement,
)
from handlers.answering import apologising


def _value(body: dict) -> dict:
    return button_ref((body.get("actions") or [{}])[0].get("value"))


def _entry_reply(context: BoltContext, value: dict):
    return context["guide"].open_entry(str(value.get("e", "")), query=str(value.get("q") or ""),
                                       statement=ref_statement(value))


def _entry_message(body: dict, respond: Respond, context: BoltContext, **render):
    """The answer a button refers to, or None after telling the member it has gone."""
    reply = _entry_reply(context, _value(body))
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
        channel = (body.get("channel") or {}).get("id") or ""
        message = _entry_message(body, respond, context, pinnable=not channel.startswith("D"))
        if message:
            respond(text=message.text, blocks=message.blocks, response_type="in_channel", replace_original=False)
            respond(delete_original=True)


def handle_other_matches(ack: Ack, body: dict, respond: Respond, context: BoltContext, logger: Logger) -> None:
    ack()
    value = _value(body)
    ids = [str(i) for i in value.get("ids", []) if isinstance(i, str)]
    with apologising(respond, logger, "listing other matches"):
        message = matches_blocks(context["guide"].matches_for(ids, str(value.get("q") or "")))
        respond(text=message.text, blocks=message.blocks, replace_original=False, response_type="ephemeral")


def handle_vote(ack: Ack, body: dict, respond: Respond, context: BoltContext, logger: Logger) -> None:
    """One vote per member per answer; a second press changes it."""
    ack()
    value = _value(body)
    helpful = body["actions"][0]["action_id"] == blocks.VOTE_HELPFUL
    container = body.get("container") or {}
    message_key = f"{container.get('channel_id')}:{container.get('message_ts')}"
    with apologising(respond, logger, "recording a vote"):
        context["guide"].store.vote(message=message_key, user=body["user"]["id"], entry_id=str(value.get("e", "")),
                                    query=str(value.get("q") or ""), helpful=helpful)
        thanks = "Thanks: noted as helpful." if helpful else "Thanks: noted as not helpful. Reps review these."
        respond(text=thanks, replace_original=False, response_type="ephemeral")


def handle_show_full(ack: Ack, body: dict, client: WebClient, respond: Respond, context: BoltContext,
                     logger: Logger) -> None:
    ack()
    with apologising(respond, logger, "opening the full guidance"):
        reply = _entry_reply(context, _value(body))
        if reply is None:
            respond(text=GONE_TEXT, replace_original=False)
            return
        client.views_open(trigger_id=body["trigger_id"], view=full_guidance_view(reply))


def register(app: App) -> None:
    app.action(re.compile(rf"^({blocks.DID_YOU_MEAN}|{blocks.OPEN_ENTRY})_\d+$"))(handle_open_entry)
    app.action(blocks.SHARE)(handle_share)
    app.action(blocks.OTHER_MATCHES)(handle_other_matches)
    app.action(re.compile(rf"^({blocks.VOTE_HELPFUL}|{blocks.VOTE_NOT_HELPFUL})$"))(handle_vote)
    app.action(blocks.SHOW_FULL)(handle_show_full)


