"""The knowledge pack: survey questions, glossary and background, loaded and validated.

Entries are plain frozen dataclasses. Every quoted field is verbatim source text (see
knowledge/README.md); loading refuses anything malformed rather than guessing, because a
half-loaded pack could make the bot give a wrong answer with confidence.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bot.errors import BadReference, DuplicateId, KnowledgeError, WrongType
from bot.schema import build, load_yaml

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Source:
    id: str
    file: str
    title: str
    publisher: str
    date: str
    old_news: bool = False


@dataclass(frozen=True)
class SuggestedAnswer:
    """What the union says to answer. `explicit` is false when it gives no recommendation;
    `rests_on` is the verbatim sentence the suggestion (or the closest view) rests on."""

    explicit: bool
    answer: str = ""
    rests_on: str = ""


@dataclass(frozen=True)
class Statement:
    text: str
    commentary: tuple[str, ...] = ()
    suggested_answer: SuggestedAnswer | None = None


@dataclass(frozen=True)
class SurveyEntry:
    id: str
    kind: str
    section: str
    priority: str
    title: str
    source: str
    question: str
    suggested_answer: SuggestedAnswer
    keywords: tuple[str, ...] = ()
    context: tuple[str, ...] = ()
    options: tuple[str, ...] = ()
    statements: tuple[Statement, ...] = ()
    commentary: tuple[str, ...] = ()
    related: tuple[str, ...] = ()

    def quotes(self) -> list[str]:
        """Every verbatim quotation the entry holds, for the drift test and the JSON."""
        out = [self.question, *self.context, *self.commentary]
        for s in self.statements:
            out += [s.text, *s.commentary]
            if s.suggested_answer and s.suggested_answer.rests_on:
                out.append(s.suggested_answer.rests_on)
        if self.suggested_answer.rests_on:
            out.append(self.suggested_answer.rests_on)
        return out


@dataclass(frozen=True)
class GlossaryEntry:
    id: str
    kind: str
    term: str
    source: str
    definition: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    related: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return self.term

    def quotes(self) -> list[str]:
        return list(self.definition)


@dataclass(frozen=True)
class BackgroundEntry:
    id: str
    kind: str
    title: str
    source: str
    facts: tuple[str, ...]
    keywords: tuple[str, ...] = ()
    related: tuple[str, ...] = ()

    def quotes(self) -> list[str]:
        return list(self.facts)


Entry = SurveyEntry | GlossaryEntry | BackgroundEntry
ENTRY_CLASSES: dict[str, type] = {"survey": SurveyEntry, "glossary": GlossaryEntry, "background": BackgroundEntry}


@dataclass(frozen=True)
class PackInfo:
    name: str
    title: str
    sources: tuple[Source, ...]
    sections: tuple[str, ...] = ()   # survey sections in the survey's own order


@dataclass(frozen=True)
class Vocabulary:
    synonyms: tuple[tuple[str, ...], ...] = ()
    offtopic: tuple[str, ...] = ()


@dataclass(frozen=True)
class Pack:
    name: str
    title: str
    sources: dict[str, Source]
    entries: tuple[Entry, ...]
    synonyms: tuple[tuple[str, ...], ...]
    offtopic: tuple[str, ...]
    sections: tuple[str, ...] = ()

    def get(self, entry_id: str) -> Entry | None:
        return self._by_id().get(entry_id)

    def _by_id(self) -> dict[str, Entry]:
        cache = self.__dict__.get("_cache")
        if cache is None:
            cache = {e.id: e for e in self.entries}
            object.__setattr__(self, "_cache", cache)
        return cache


def load_pack(folder: str | Path) -> Pack:
    """Load and validate every YAML file in a pack folder.

    pack.yaml and synonyms.yaml are special; every other *.yaml holds `entries:`.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise KnowledgeError("knowledge folder not found", file=str(folder))
    info_path = folder / "pack.yaml"
    if not info_path.exists():
        raise KnowledgeError("pack.yaml is missing", file=str(info_path))
    info = _build_located(PackInfo, load_yaml(str(info_path)), str(info_path))
    sources = {s.id: s for s in info.sources}

    vocab = Vocabulary()
    syn_path = folder / "synonyms.yaml"
    if syn_path.exists():
        vocab = _build_located(Vocabulary, load_yaml(str(syn_path)), str(syn_path))

    entries: list[Entry] = []
    seen: dict[str, str] = {}
    for path in sorted(folder.glob("*.yaml")):
        if path.name in ("pack.yaml", "synonyms.yaml"):
            continue
        for entry, line in _load_entries(path):
            where = dict(file=str(path), entry=entry.id, line=line)
            if entry.id in seen:
                raise DuplicateId(f"id already used in {seen[entry.id]}", field="id", **where)
            seen[entry.id] = str(path)
            if entry.source not in sources:
                raise BadReference(f"unknown source '{entry.source}' (pack.yaml lists: {', '.join(sources)})",
                                   field="source", **where)
            entries.append(entry)
    by_id = {e.id: e for e in entries}
    for entry in entries:
        for rel in entry.related:
            if rel not in by_id:
                raise BadReference(f"related id '{rel}' is not an entry in this pack",
                                   file=seen[entry.id], entry=entry.id, field="related")
        _check_answers(entry, [by_id[r] for r in entry.related], dict(file=seen[entry.id], entry=entry.id))
    return Pack(name=info.name, title=info.title, sources=sources, entries=tuple(entries),
                synonyms=vocab.synonyms, offtopic=vocab.offtopic, sections=info.sections)


def _build_located(cls: type, data: object, file: str):
    try:
        return build(cls, data)
    except KnowledgeError as e:
        raise e.located(file=file) from None


def _load_entries(path: Path):
    data = load_yaml(str(path))
    if not isinstance(data, dict) or "entries" not in data:
        raise WrongType("expected a mapping with a list under 'entries:'", file=str(path),
                        line=getattr(data, "line", None))
    extra = [k for k in data if k != "entries"]
    if extra:
        raise KnowledgeError(f"unknown top-level key '{extra[0]}' (only 'entries' is allowed)",
                             file=str(path), line=data.key_lines.get(str(extra[0])))
    items = data["entries"]
    if not isinstance(items, list):
        raise WrongType("'entries' must be a list", file=str(path), line=data.key_lines.get("entries"))
    for i, raw in enumerate(items):
        line = getattr(raw, "line", None)
        entry_id = str(raw.get("id", f"#{i + 1}")) if isinstance(raw, dict) else f"#{i + 1}"
        try:
            kind = raw.get("kind") if isinstance(raw, dict) else None
            if kind not in ENTRY_CLASSES:
                raise WrongType(f"kind must be one of {', '.join(ENTRY_CLASSES)}, got {kind!r}", field="kind")
            entry = build(ENTRY_CLASSES[kind], raw)
            if not ID_PATTERN.match(entry.id):
                raise WrongType("id must be lowercase letters, digits and single hyphens", field="id")
        except KnowledgeError as e:
            raise e.located(file=str(path), entry=entry_id, line=line) from None
        yield entry, line


def union_commentary(entry: Entry) -> list[str]:
    """Everything the union wrote about a survey entry, statement commentary included."""
    if not isinstance(entry, SurveyEntry):
        return []
    return [*entry.commentary, *(c for s in entry.statements for c in s.commentary)]


def _check_answers(entry: Entry, related: list[Entry], where: dict) -> None:
    """A suggested answer must be one of the options and rest on a sentence the union wrote
    about this question: inside one paragraph of its own commentary (for a statement's
    answer: that statement's or the question's), or of a related entry of the same priority
    (a "Your views" box and its rated question share one comment block)."""
    if not isinstance(entry, SurveyEntry):
        return
    shared = list(entry.commentary) + [
        c for r in related if isinstance(r, SurveyEntry) and r.priority == entry.priority
        for c in union_commentary(r)]
    answers = [("suggested_answer", entry.suggested_answer, union_commentary(entry) + shared)] + [
        (f"statements[{i}].suggested_answer", s.suggested_answer, list(s.commentary) + shared)
        for i, s in enumerate(entry.statements) if s.suggested_answer]
    for field, sa, paragraphs in answers:
        if sa.explicit and not sa.answer:
            raise BadReference("explicit suggested answer needs 'answer'", field=field, **where)
        if sa.explicit and not sa.rests_on:
            raise BadReference("explicit suggested answer needs 'rests_on' (the union's sentence)",
                               field=field, **where)
        if not sa.explicit and sa.answer:
            raise BadReference("'answer' given but explicit is false: the union gives no recommendation",
                               field=field, **where)
        if sa.answer and sa.answer not in entry.options:
            raise BadReference(f"answer '{sa.answer}' is not one of the options", field=field, **where)
        if sa.rests_on and not any(sa.rests_on in p for p in paragraphs):
            raise BadReference("rests_on must be quoted from one paragraph of this question's commentary",
                               field=field, **where)
