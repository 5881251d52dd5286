"""Requests the bot has nothing to do for: acknowledged with a 200, never a 404 and a warning.

Slack sends some event types whatever the app subscribes to (app_uninstalled,
tokens_revoked ...), `app_rate_limited` as a top-level type, and buttons of old messages
whose action ids have changed; Bolt would answer those with 404 and a warning.
"""
from __future__ import annotations

import re
from logging import Logger

from slack_bolt import Ack, App, BoltResponse

from handlers.payload import first_action


def acknowledge_rate_limit(body: dict, logger: Logger, next) -> BoltResponse | None:  # noqa: A002
    """Global middleware: Slack says it is dropping events for this app this minute."""
    if isinstance(body, dict) and body.get("type") == "app_rate_limited":
        logger.warning("Slack rate-limited events to this app (minute %s)", body.get("minute_rate_limited"))
        return BoltResponse(status=200, body="")
    next()
    return None


def handle_other_event(body: dict, logger: Logger) -> None:
    event = body.get("event") if isinstance(body, dict) else None
    kind = event.get("type") if isinstance(event, dict) else None
    logger.debug("no listener for event type %r", kind if isinstance(kind, str) else type(kind).__name__)


def handle_other_interaction(ack: Ack, body: dict, logger: Logger) -> None:
    """A button or shortcut of an older message (its action id renamed since): nothing to do."""
    ack()
    logger.info("no listener for %s %s", body.get("type"), first_action(body).get("action_id") or
                body.get("callback_id") or "")


def register(app: App) -> None:
    """Register last: the first listener that matches wins."""
    app.middleware(acknowledge_rate_limit)
    app.event(re.compile(r".*"))(handle_other_event)
    app.action(re.compile(r".*"))(handle_other_interaction)
    app.shortcut(re.compile(r".*"))(handle_other_interaction)
