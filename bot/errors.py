"""Named errors for the knowledge pack and the settings file.

The CLI turns each into one clear line and a non-zero exit; Slack listeners log them and
answer politely. Every message names the file, the entry, the field and (where YAML gives
it) the line, so a union staff member editing YAML by hand can find the mistake.
"""
from __future__ import annotations


class BotError(Exception):
    """Base for every error the bot reports to a person rather than as a traceback."""


class ConfigError(BotError):
    """app.yaml is missing, unreadable, or has an unknown key or a wrong type."""


class MissingToken(ConfigError):
    """A Slack token the chosen mode needs is not in the environment."""


class StoreError(BotError):
    """The store can't be opened or written at start-up; the message names the file and what to do."""


class KnowledgeError(BotError):
    """Something in a knowledge pack is wrong; the message says where."""

    def __init__(self, what: str, *, file: str = "", entry: str = "", field: str = "", line: int | None = None):
        self.what, self.file, self.entry, self.field, self.line = what, file, entry, field, line
        super().__init__(self._message())

    def _message(self) -> str:
        where = self.file + (f":{self.line}" if self.file and self.line else "")
        parts = [p for p in (where, f"entry '{self.entry}'" if self.entry else "",
                             f"field '{self.field}'" if self.field else "") if p]
        return (": ".join(parts) + ": " if parts else "") + self.what

    def located(self, *, file: str = "", entry: str = "", line: int | None = None) -> KnowledgeError:
        """Fill in where the error happened, keeping anything already known."""
        self.file = self.file or file
        self.entry = self.entry or entry
        self.line = self.line or line
        self.args = (self._message(),)
        return self


class YamlSyntax(KnowledgeError):
    """The file is not valid YAML."""


class MissingField(KnowledgeError):
    """A required field is absent."""


class UnknownField(KnowledgeError):
    """A field the schema does not know (often a typo)."""


class WrongType(KnowledgeError):
    """A field holds the wrong kind of value (text where a list belongs, say)."""


class EmptyText(KnowledgeError):
    """A text field is empty or only whitespace."""


class DuplicateId(KnowledgeError):
    """Two entries share an id; ids must be unique across the whole pack."""


class BadReference(KnowledgeError):
    """A source or related id that does not exist, or an answer not among the options."""


def slack_error(e: BaseException) -> str | None:
    """Slack's error code on a failed Web API call ("missing_scope", "no_such_subteam"), read
    without importing slack_sdk (a SlackApiError's response data); None for anything else."""
    data = getattr(getattr(e, "response", None), "data", None)
    error = data.get("error") if isinstance(data, dict) else None
    return str(error) if error else None


_warned: set[str] = set()


def warn_once(logger, what: str, error: BaseException) -> None:
    """Log, once per process, that something could not be recorded (a full or read-only disk
    would otherwise log every question). One line, no traceback, never the data itself."""
    if what in _warned:
        return
    _warned.add(what)
    logger.error("could not %s (%s: %s); carrying on without it, and not logging this again",
                 what, type(error).__name__, error)


def warn_again(logger, what: str) -> None:
    """`what` works again: say so, once, and let `warn_once` log its next failure (a second
    outage of the store went unlogged)."""
    if what in _warned:
        _warned.discard(what)
        logger.warning("could %s again (its next failure will be logged)", what.split(" (")[0])
