"""What a search returns: the matching entries, or a decline and why. Shared by the
search (bot/search.py) and the blend that decides (bot/blend.py)."""
from __future__ import annotations

from dataclasses import dataclass, field

from bot.knowledge import Entry


@dataclass(frozen=True)
class Match:
    """One entry that answers the question, with the statement the question named."""

    entry: Entry
    score: float
    statement: int | None = None


@dataclass(frozen=True)
class SearchResult:
    query: str
    answered: bool
    matches: tuple[Match, ...] = ()
    terms: tuple[str, ...] = field(default=(), compare=False)
    # Why the bot declined (None when answered): "offtopic", "chitchat" or "low_confidence".
    reason: str | None = None
    # Answered, but two or more entries are near-tied: ask the member which one they meant.
    ambiguous: bool = False
    # The question names a survey priority as a whole ("SEND priority 2"), not one of its
    # questions: the reply covers both questions of that priority.
    whole_priority: bool = False
    # The question names a survey section and nothing in it ("the safeguarding questions"):
    # the matches are that section's questions, and the member is asked which (ambiguous).
    whole_section: bool = False
    # A long message, read at its start and its end only (bot/search.py): the reply says so.
    clipped: bool = False
    # A request to be taken through the survey (bot/walk_request.py, declined as "chitchat"): the
    # section word it names, "" for none; None for any other message.
    walk: str | None = None
    # A message asking two questions, the one this answer leaves out and its best match
    # (bot/two_asks.py): the reply names it.
    also: tuple[str, Match] | None = None

    @property
    def best(self) -> Match | None:
        return self.matches[0] if self.matches else None
