"""Slack listeners, one module per way in; `register_listeners(app)` attaches them all."""
from __future__ import annotations

from slack_bolt import App

from handlers import actions, commands, home, mentions, messages, pins, shortcuts


def register_listeners(app: App) -> None:
    for module in (mentions, messages, commands, actions, shortcuts, pins, home):
        module.register(app)


__all__ = ["register_listeners"]
