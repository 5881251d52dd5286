"""A direct message to the bot: answer in the DM (handlers/answering.py decides which
message events are questions: not edits, deletions, bot posts or our own replies)."""
from __future__ import annotations

from slack_bolt import App, BoltContext

from handlers.answering import answer_accepted


def handle_direct_message(context: BoltContext) -> None:
    answer_accepted(context)


def register(app: App) -> None:
    app.event("message")(handle_direct_message)
