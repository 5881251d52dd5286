"""@bot question in a channel: answer in a thread under the question (handlers/answering.py)."""
from __future__ import annotations

from slack_bolt import App, BoltContext

from handlers.answering import answer_accepted


def handle_mention(context: BoltContext) -> None:
    answer_accepted(context)


def register(app: App) -> None:
    app.event("app_mention")(handle_mention)
