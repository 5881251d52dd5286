"""Log lines: plain text or JSON (LOG_FORMAT=json), each carrying the Slack event id it belongs to.

The event id lives in a contextvar: `event_context(event_id)` sets it around the work for
one event (the Bolt middleware in bot.ops does it per request, and `ContextExecutor` carries
it into Bolt's listener threads), and `EventIdFilter` copies it onto every record, "-" when a
line belongs to no event. Log messages never include request bodies.
"""
from __future__ import annotations

import contextvars
import json
import logging
import os
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

from bot.errors import ConfigError

NO_EVENT = "-"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(event_id)s]: %(message)s"
LOG_FORMATS = ("text", "json")


@dataclass(frozen=True)
class EventScope:
    event_id: str = NO_EVENT
    received_at: float | None = None   # time.time() when the request arrived (answer latency)


_OUTSIDE = EventScope()   # frozen: safe to share as the default
_SCOPE: contextvars.ContextVar[EventScope] = contextvars.ContextVar("biglisten_event", default=_OUTSIDE)


def current_event() -> EventScope:
    return _SCOPE.get()


def set_event(event_id: str | None, received_at: float | None = None) -> None:
    """Mark the rest of this context as belonging to `event_id` (None: to no event)."""
    _SCOPE.set(EventScope(str(event_id) if event_id else NO_EVENT, received_at))


@contextmanager
def event_context(event_id: str | None, received_at: float | None = None) -> Iterator[EventScope]:
    """Log lines (and answer-latency metrics) inside belong to `event_id`."""
    scope = EventScope(str(event_id) if event_id else NO_EVENT, time.time() if received_at is None else received_at)
    token = _SCOPE.set(scope)
    try:
        yield scope
    finally:
        _SCOPE.reset(token)


class ContextExecutor(ThreadPoolExecutor):
    """A thread pool whose tasks run in a copy of the submitter's context, so a listener that
    Bolt runs in the background still logs the event id set while the request was handled."""

    def submit(self, fn, /, *args, **kwargs):
        return super().submit(contextvars.copy_context().run, fn, *args, **kwargs)


class EventIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.event_id = _SCOPE.get().event_id
        return True


class MalformedFrameFilter(logging.Filter):
    """A Socket Mode frame that isn't JSON (a broken proxy, a cut connection) made slack_sdk log
    "Failed to process a message" with its traceback, a dozen lines for one dropped frame (left
    since round 22). Said in one line; the frame's text is never logged: it holds members' messages."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, json.JSONDecodeError) and str(record.msg).startswith("Failed to process a message"):
            record.msg, record.args = ("Socket Mode: a frame from Slack that isn't JSON was dropped (%s at "
                                       "character %d)", (error.msg, error.pos))
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, event_id, message (and the traceback)."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "event_id": getattr(record, "event_id", _SCOPE.get().event_id),
            "message": record.getMessage(),
        }
        if record.exc_info:
            line["traceback"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["traceback"] = record.exc_text
        return json.dumps(line, ensure_ascii=False)


def log_format(environ=os.environ) -> str:
    value = (environ.get("LOG_FORMAT") or "text").strip().lower()
    if value not in LOG_FORMATS:
        raise ConfigError(f"LOG_FORMAT must be 'text' or 'json', got {value!r}")
    return value


def formatter(environ=os.environ) -> logging.Formatter:
    return JsonFormatter() if log_format(environ) == "json" else logging.Formatter(TEXT_FORMAT)


def configure_logging(environ=os.environ, stream=None, level: int = logging.INFO) -> None:
    """Root logging for `serve`: one handler on stderr, text or JSON, with the event id."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter(environ))
    handler.addFilter(EventIdFilter())
    handler.addFilter(MalformedFrameFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # slack_sdk's webhook client logs each retry with the response_url: a bearer URL (anyone
    # holding it can post to the channel for 30 minutes), taken from a request body
    logging.getLogger("slack_sdk.webhook").setLevel(max(level, logging.WARNING))
    # psycopg_pool warns at each failed reconnect (about 50 lines a minute while the database is
    # down); the bot says once that the store can't be reached, and /readyz and metrics tell
    logging.getLogger("psycopg.pool").setLevel(max(level, logging.ERROR))


def gunicorn_logger_class():
    """gunicorn's logger with our format, so its own lines are JSON too under LOG_FORMAT=json."""
    from gunicorn.glogging import Logger

    class BotGunicornLogger(Logger):
        def setup(self, cfg):
            super().setup(cfg)
            for handler in self.error_log.handlers:
                handler.setFormatter(formatter())
                handler.addFilter(EventIdFilter())

    return BotGunicornLogger
