"""@bot question in a channel: answer in a thread under the question."""
from __future__ import annotations

from logging import Logger

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from handlers.answering import answer_message


def handle_mention(event: dict, body: dict, client: WebClient, context: BoltContext, logger: Logger) -> None:
    answer_message(event, body, client, context["guide"], logger, via="mention", in_thread=True)


def register(app: App) -> None:
    app.event("app_mention")(handle_mention)
