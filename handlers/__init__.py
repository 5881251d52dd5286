"""Slack listeners, one module per way in; `register_listeners(app)` attaches them all."""
from __future__ import annotations

from slack_bolt import App

from handlers import (
    actions,
    answering,
    commands,
    home,
    ignored,
    mentions,
    messages,
    pins,
    rep_requests,
    respond,
    shortcuts,
    walkthrough,
)


def register_listeners(app: App) -> None:
    app.middleware(answering.accept_question)   # questions reach the inbox before the ack
    app.middleware(respond.provide_respond)     # respond() logs failures, and works inside modals
    for module in (mentions, messages, commands, actions, walkthrough, shortcuts, pins, rep_requests, home,
                   ignored):
        module.register(app)


__all__ = ["register_listeners"]
