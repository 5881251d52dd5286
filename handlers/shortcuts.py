"""The message shortcut "Ask the guidance bot": answer that message's text, privately."""
from __future__ import annotations

from logging import Logger

from slack_bolt import Ack, App, BoltContext, Respond

from bot.manifest import CALLBACK_ID
from bot.normalise import safe_text
from bot.rep_blocks import reply_message
from handlers.answering import apologising
from handlers.payload import message_text


def handle_ask_shortcut(ack: Ack, shortcut: dict, respond: Respond, context: BoltContext, logger: Logger) -> None:
    ack()
    text = safe_text(message_text(shortcut.get("message")))   # forwarded or attachment-only messages too
    with apologising(respond, logger, "message shortcut", response_type="ephemeral"):
        # Someone else's words: the log keeps the outcome, and no button carries them
        reply = context["guide"].ask(text, via="shortcut", log_text=False)
        message = reply_message(reply, ephemeral=True)
        respond(text=message.text, blocks=message.blocks, response_type="ephemeral")


def register(app: App) -> None:
    app.shortcut(CALLBACK_ID)(handle_ask_shortcut)
