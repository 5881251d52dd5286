"""A direct message to the bot: answer in the DM."""
from __future__ import annotations

from logging import Logger

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from handlers.answering import answer_message


def handle_direct_message(event: dict, body: dict, client: WebClient, context: BoltContext, logger: Logger) -> None:
    # Edits, deletions and bot posts (our own replies included) come as message events too;
    # a message with a file, or a thread reply also sent to the channel, is still a question.
    if event.get("channel_type") != "im" or event.get("bot_id"):
        return
    if event.get("subtype") not in (None, "file_share", "thread_broadcast"):
        return
    if event.get("user") in (None, context.bot_user_id):
        return
    answer_message(event, body, client, context["guide"], logger, via="dm", in_thread=False)


def register(app: App) -> None:
    app.event("message")(handle_direct_message)
