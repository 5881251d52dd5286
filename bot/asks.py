"""What members ask: each entry's questions in members' own words, a search aid only.

A pack may hold `asks.yaml` or `asks-*.yaml` files: a mapping from entry id to a list of
messages a member might send whose right answer is that entry (idiom, stories, typos: the
words the union's text doesn't use), and under `not-covered:` messages near the pack's
topics that it does not answer (pay, DSL training rules, a complaint about one inspection)
and chat. The meaning signal reads them beside the entries' own text (bot/meaning.py); they
are never shown, quoted or attributed to anyone.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bot.errors import BadReference, WrongType
from bot.schema import load_yaml

NOT_COVERED = "not-covered"


@dataclass(frozen=True)
class Asks:
    by_entry: dict[str, tuple[str, ...]] = field(default_factory=dict)
    not_covered: tuple[str, ...] = ()

    def of(self, entry_id: str) -> tuple[str, ...]:
        return self.by_entry.get(entry_id, ())


def ask_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.yaml") if p.name == "asks.yaml" or p.name.startswith("asks-"))


def load_asks(folder: Path, entry_ids: set[str]) -> Asks:
    """Every asks file of a pack folder, checked: a mapping of known entry ids (or
    `not-covered`) to lists of text. Files add up: several writers may each give asks for
    one entry (a key twice in one file is a YAML error)."""
    by_entry: dict[str, tuple[str, ...]] = {}
    not_covered: list[str] = []
    for path in ask_files(folder):
        data = load_yaml(str(path))
        if data is None:
            continue
        if not isinstance(data, dict):
            raise WrongType("expected a mapping from entry id to a list of member messages",
                            file=str(path), line=getattr(data, "line", None) or 1)
        for key, items in data.items():
            key = str(key)
            line = data.key_lines.get(key)
            if key != NOT_COVERED and key not in entry_ids:
                raise BadReference(f"'{key}' is not an entry in this pack (or '{NOT_COVERED}')",
                                   file=str(path), line=line)
            if not isinstance(items, list) or not all(isinstance(t, str) and t.strip() for t in items):
                raise WrongType(f"'{key}' must be a list of non-empty texts", file=str(path), line=line)
            texts = [" ".join(t.split()) for t in items]
            if key == NOT_COVERED:
                not_covered += texts
            else:
                by_entry[key] = tuple(dict.fromkeys(by_entry.get(key, ()) + tuple(texts)))
    return Asks(by_entry, tuple(dict.fromkeys(not_covered)))
