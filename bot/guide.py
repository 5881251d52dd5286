"""The answering service the Slack listeners share: search, reply, and the question log.

Plain Python with no Slack imports, so listeners stay thin and tests can call it directly.
"""
from __future__ import annotations

from dataclasses import dataclass

from bot.config import Config
from bot.knowledge import SurveyEntry
from bot.normalise import clean_slack_text
from bot.replies import Reply, build_reply, entry_reply
from bot.search import Index, Match, load_index
from bot.store import Store


@dataclass
class Guide:
    config: Config
    index: Index
    store: Store

    @classmethod
    def from_config(cls, config: Config) -> Guide:
        return cls(config, load_index(config), Store(config.resolve(config.storage.path)))

    @property
    def pack(self):
        return self.index.pack

    def ask(self, text: str, *, via: str, channel: str | None = None) -> Reply:
        """Answer a member's question and log it (mentions stripped: the log names nobody)."""
        result = self.index.find_matches(text)
        reply = build_reply(result, self.pack, self.config.contact)
        if result.terms:
            best = result.best if reply.answered else None
            self.store.log_question(via=via, text=" ".join(clean_slack_text(text).split()), answered=reply.answered,
                                    entry_id=best.entry.id if best else None, score=best.score if best else None,
                                    channel=channel)
        return reply

    def open_entry(self, entry_id: str, *, query: str = "", statement: int | None = None) -> Reply | None:
        """The reply for one entry by id (buttons, `/biglisten <id>`); None if unknown."""
        entry = self.pack.get(entry_id)
        if entry is None:
            return None
        if not (isinstance(entry, SurveyEntry) and statement is not None and 0 <= statement < len(entry.statements)):
            statement = None
        others = ()
        if query:
            others = tuple(m for m in self.index.find_matches(query, limit=4).matches if m.entry.id != entry_id)[:3]
        return entry_reply(entry, self.pack, self.config.contact, query=query, statement=statement, others=others)

    def matches_for(self, entry_ids: list[str], query: str = "") -> Reply:
        """A Reply whose `others` are the given entries, for the "Other matches" list."""
        found = tuple(Match(e, 0.0) for e in (self.pack.get(i) for i in entry_ids) if e is not None)
        return Reply(query=query, answered=False, contact=self.config.contact, others=found)

    def sections(self) -> list[tuple[str, list[SurveyEntry]]]:
        """Survey entries grouped by section, in the order of the survey."""
        groups: dict[str, list[SurveyEntry]] = {}
        for e in self.pack.entries:
            if isinstance(e, SurveyEntry):
                groups.setdefault(e.section, []).append(e)
        order = list(self.pack.sections)
        return sorted(groups.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order))
