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

import yaml

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


@dataclass(frozen=True)
class Learned:
    """Members' real messages, labelled by reps, as asks for one pack (`learned_from_reps`)."""
    by_entry: dict[str, list[str]]
    not_covered: list[str]
    covered: int = 0     # requests a rep settled with one of this pack's entries
    pinned: int = 0      # answers from this pack that a rep pinned
    outside: int = 0     # requests a rep settled as outside the guidance
    known: int = 0       # of those, messages already among the pack's asks with the same label (or twice here)
    elsewhere: int = 0   # settled or pinned with an entry this pack doesn't have (another pack's, or removed)
    # messages the pack's asks already hold under another label (entry id or not-covered): the
    # text and both labels, for a rep to settle; not in the file's asks
    conflicts: tuple[tuple[str, str, str], ...] = ()

    @property
    def new(self) -> int:
        """How many messages the file adds."""
        return sum(map(len, self.by_entry.values())) + len(self.not_covered)


def learned_from_reps(pack, requests, pins, since: float = 0.0) -> Learned:
    """What reps settled, as asks for `pack`: a request answered with an entry ("covered") or a
    pinned answer is an ask for that entry; a request settled as outside the guidance is a
    not-covered message. Requests a rep answered in their own words are left out (the kept
    answers serve those), as are withdrawn ones, and what was settled or pinned before `since`
    (Unix seconds: what an earlier file took, which a rep may have edited since). Messages the
    pack's asks already hold are skipped, or listed as conflicts under another label. The
    store keeps questions as the bot read them, without Slack markup (bot/blocks.py's
    button_value); only whitespace is tidied here. `requests`: bot.store's RepRequest rows;
    `pins`: its Pin rows."""
    labels = {t: NOT_COVERED for t in pack.asks.not_covered}
    for entry_id, texts in pack.asks.by_entry.items():
        labels.update({t: entry_id for t in texts})
    labelled = [(r.question, r.entry_id, "covered") for r in requests
                if r.state == "covered" and (r.answered_at or 0.0) >= since]
    labelled += [(r.question, None, "outside") for r in requests
                 if r.state == "outside" and (r.answered_at or 0.0) >= since]
    labelled += [(p.question, p.entry_id, "pinned") for p in pins if p.at >= since]
    by_entry: dict[str, list[str]] = {}
    not_covered: list[str] = []
    conflicts: list[tuple[str, str, str]] = []
    counts = {"covered": 0, "pinned": 0, "outside": 0, "known": 0, "elsewhere": 0}
    for question, entry_id, how in labelled:
        text = " ".join((question or "").split())
        if not text:
            continue
        if entry_id is not None and pack.get(entry_id) is None:
            counts["elsewhere"] += 1
            continue
        counts[how] += 1
        label = entry_id or NOT_COVERED
        if text in labels:
            if labels[text] == label:
                counts["known"] += 1
            else:
                conflicts.append((text, labels[text], label))
            continue
        labels[text] = label
        if entry_id is None:
            not_covered.append(text)
        else:
            by_entry.setdefault(entry_id, []).append(text)
    ordered = {e.id: by_entry[e.id] for e in pack.entries if e.id in by_entry}   # the pack's order, as other asks files
    return Learned(ordered, not_covered, **counts, conflicts=tuple(conflicts))


def learned_file(learned: Learned, pack_name: str, day: str, since: str = "") -> str:
    """`learned` as an asks file, with a header saying where it came from and what a rep must
    check before it joins the pack. `since`: the day it starts from, if not the beginning."""
    start = f" settled or pinned since {since}" if since else ""
    header = f"""\
# What members asked, as reps settled it, for pack '{pack_name}': made by
# `python -m bot asks-from-reps` on {day} from the bot's store{start}.
#   requests covered by an entry: {learned.covered}; answers pinned by a rep: {learned.pinned} (asks for their entries)
#   requests outside the guidance: {learned.outside} (not-covered messages)
#   left out: {learned.known} already among the pack's asks, {learned.elsewhere} for entries this pack doesn't have
#
# Before this file joins the pack folder (as asks-reps-{day}.yaml, beside the other asks files),
# a rep reads every message: take out or change the names of people, pupils and schools, and
# delete any message settled by mistake. Next time, run it with `--since {day}` so that messages
# taken now don't come back unedited. Asks are a search aid only: never shown, quoted or
# attributed to anyone (bot/asks.py).
"""
    if learned.conflicts:
        header += "#\n# Already among the pack's asks under another label (left out; a rep decides which is right):\n"
        header += "".join(f"#   {text!r}: {was} in the pack, {now} by a rep\n" for text, was, now in learned.conflicts)
    if not learned.new:
        return header + "# Nothing new to add.\n"
    data = {**learned.by_entry, **({NOT_COVERED: learned.not_covered} if learned.not_covered else {})}
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100_000)
