"""The knowledge pack: survey questions, glossary and background, loaded and validated.

Entries are plain frozen dataclasses. Every quoted field is verbatim source text (see
knowledge/README.md); loading refuses anything malformed rather than guessing, because a
half-loaded pack could make the bot give a wrong answer with confidence.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bot.asks import Asks, ask_files, load_asks
from bot.errors import BadReference, DuplicateId, EmptyText, KnowledgeError, MissingField, WrongType
from bot.schema import build, contact_problem, load_yaml

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SPEAKERS = ("union", "ofsted", "press")
GUIDANCE_KINDS = ("answer", "advice", "view")   # a recommended option, advice on what to do or write, a view


@dataclass(frozen=True)
class Source:
    id: str
    file: str
    title: str
    publisher: str
    date: str
    speaker: str                 # whose words the document is: union, ofsted or press
    old_news: bool = False
    reproduces: str = ""         # a union document that reproduces another's text (Ofsted's survey)
    short_title: str = ""        # for the one-line source in short replies (default: the title)
    # How a union document marks its own words, for the proof of whose words each quotation is
    # (bot/speakers.py; `validate` with the sources): defaults are NASUWT's Big Listen commentary's
    union_block: str = ""        # the line before each block of the union's comments ("NASUWT comments")
    survey_heading: str = ""     # in each heading of the reproduced survey ("Big Listen Survey (")
    other_blocks: tuple[str, ...] = ()   # lines before others' words the document reproduces ("Ofsted comments")
    # who a non-union, non-press document's words are, as replies name them ("Ofsted said"):
    # speaker `ofsted` means the inspectorate or a department; say which (default "Ofsted")
    speaker_name: str = ""
    applies_to: str = ""         # where it holds, when the document says ("England": not Wales or Scotland)


@dataclass(frozen=True)
class Consultation:
    """The consultation's lifetime, so replies can say whether it is still open."""

    title: str
    run_by: str
    opens: date                  # YYYY-MM-DD
    closes: date                 # YYYY-MM-DD, the last day responses were accepted
    link: str = ""               # only if a source gives one

    def is_open(self, today: date) -> bool:
        return self.opens <= today <= self.closes

    def days_left(self, today: date) -> int:
        """Days left to respond, today included (0 once closed)."""
        return max(0, (self.closes - today).days + 1) if today >= self.opens else 0


@dataclass(frozen=True)
class SuggestedAnswer:
    """The union's guidance in the older one-line shape (kept for `ask --json` readers).
    `explicit` is true only for a recommended option; `rests_on` is the verbatim sentence
    the recommendation (or the union's closest advice or view) rests on."""

    explicit: bool
    answer: str = ""
    rests_on: str = ""


@dataclass(frozen=True)
class Guidance:
    """One thing the union says to do about a question: a recommended `answer` (one of the
    options), `advice` on what to do or write, or its `view`. `basis` is the whole sentence
    it rests on, verbatim from the union's own commentary."""

    kind: str
    basis: str
    answer: str = ""

    @property
    def text(self) -> str:
        return self.answer if self.kind == "answer" else self.basis


def twins(a, b) -> bool:
    """The schools and SEND versions of one numbered survey priority."""
    return (isinstance(a, SurveyEntry) and isinstance(b, SurveyEntry) and a.section != b.section
            and a.priority == b.priority and a.priority.lower().startswith("priority"))


def union_of(pack: Pack | None) -> str:
    """The union whose guidance a pack carries: its union document's publisher ("" if none, or no pack)."""
    if pack is None:
        return ""
    return next((s.publisher for s in pack.sources.values() if s.speaker == "union"), "")


def _unions(packs: list[Pack], organisation: str) -> list[str] | None:
    """Each pack's union, or None when every one is `organisation` (app.yaml's)."""
    unions = [union_of(p) or organisation for p in packs]
    return None if set(unions) == {organisation} else unions


def guidance_topic(packs: list[Pack], organisation: str) -> str:
    """What the bot carries guidance on, each pack with its own union: "Ofsted's Big Listen (2024)
    and NASUWT's guidance on it"; a pack whose union isn't `organisation` is never put under its
    name ("... and NASUWT's guidance on it; EXAMPLE ... and ETU's guidance on it")."""
    unions = _unions(packs, organisation)
    if unions is None:
        return f"{' and '.join(p.title for p in packs)} and {organisation}'s guidance on it"
    return "; ".join(f"{p.title} and {u}'s guidance on it" for p, u in zip(packs, unions))


def guidance_heading(packs: list[Pack], organisation: str) -> str:
    """App Home's title, by the same rule: "NASUWT guidance: Ofsted's Big Listen (2024)", or
    "Guidance: ... (NASUWT) · ... (ETU)"."""
    unions = _unions(packs, organisation)
    if unions is None:
        return f"{organisation} guidance: {' · '.join(p.title for p in packs)}"
    return "Guidance: " + " · ".join(f"{p.title} ({u})" for p, u in zip(packs, unions))


_SENTENCE_END = re.compile(r"(?<=[.?!])\s+(?=[A-Z‘“\"'(])")
_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "cf.", "Mr.", "Mrs.", "Ms.", "Dr.", "St.", "No.")


def sentences(paragraph: str) -> list[str]:
    """A paragraph's whole sentences, verbatim: a sentence ends at . ? or ! followed by a
    capital, never after "e.g." or "i.e."."""
    out: list[str] = []
    start = 0
    for m in _SENTENCE_END.finditer(paragraph):
        if paragraph[start:m.start()].endswith(_ABBREVIATIONS):
            continue
        out.append(paragraph[start:m.start()])
        start = m.end()
    out.append(paragraph[start:])
    return [x for x in out if x]


# How the union words advice: "You might want to ...", "We suggest ...", "Consider ...";
# ADVICE_SHAPE finds it anywhere in a sentence ("NASUWT recommends that you ..."), ADVICE_OPENING
# only where a sentence opens with it ("... to help you think how you might respond" isn't advice)
_ADVICE_OPENERS = r"you might|you should|you may want|consider|we (?:would )?(?:suggest|recommend|advise|urge)"
ADVICE_SHAPE = re.compile(rf"\b(?:{_ADVICE_OPENERS}|(?:recommends|advises|urges) that you)\b", re.I)
ADVICE_OPENING = re.compile(rf"(?:{_ADVICE_OPENERS})\b", re.I)


def advice_shaped(paragraphs) -> list[str]:
    """The sentences of the union's comments worded as advice."""
    return [x for p in paragraphs for x in sentences(p) if ADVICE_SHAPE.search(x)]


def unadvised(pack: Pack) -> list[tuple[str, int | None, str]]:
    """Survey questions (and statements) whose union comments are worded as advice but whose
    guidance has no advice nor answer: (entry id, statement or None, the first such sentence).
    Replies to them would say "no explicit recommendation"; `validate` warns."""
    found = []
    for e in pack.entries:
        if isinstance(e, SurveyEntry):
            for i, paragraphs in [(None, e.commentary), *enumerate(s.commentary for s in e.statements)]:
                shaped = advice_shaped(paragraphs)
                if shaped and not advises(e.statement_guidance(i)):
                    found.append((e.id, i, shaped[0]))
    return found


def advises(guidance) -> bool:
    """Whether the union says what to do (a recommended answer or advice), not only what it thinks."""
    return any(g.kind in ("answer", "advice") for g in guidance)


def suggested_answer_of(guidance: tuple[Guidance, ...]) -> SuggestedAnswer:
    for g in guidance:
        if g.kind == "answer":
            return SuggestedAnswer(True, g.answer, g.basis)
    first = next((g for kind in GUIDANCE_KINDS for g in guidance if g.kind == kind), None)
    return SuggestedAnswer(False, "", first.basis if first else "")


@dataclass(frozen=True)
class Since:
    """What a later source records as changed since the quoted text: verbatim from `source`."""

    source: str
    text: str
    statement: int | None = None   # the statement it is about, if only one
    plan: bool = False             # a plan at the later source's date, not a record of what happened
    related: bool = False          # a related change, not a change to what the quoted text says


@dataclass(frozen=True)
class Statement:
    text: str
    commentary: tuple[str, ...] = ()
    guidance: tuple[Guidance, ...] = ()
    # Earlier statements this commentary follows too: the source puts one comment block
    # after a run of statements ("NASUWT agrees ..." after all five "holds ... to account").
    commentary_covers: tuple[int, ...] = ()


@dataclass(frozen=True)
class SurveyEntry:
    id: str
    kind: str
    section: str
    priority: str
    title: str
    source: str
    question: str
    keywords: tuple[str, ...] = ()
    context: tuple[str, ...] = ()
    options: tuple[str, ...] = ()
    statements: tuple[Statement, ...] = ()
    commentary: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    guidance: tuple[Guidance, ...] = ()      # for the question as a whole
    since: tuple[Since, ...] = ()
    refers_to_context: tuple[int, ...] = ()  # context paragraphs the question points at ("our new approach")

    @property
    def suggested_answer(self) -> SuggestedAnswer:
        return suggested_answer_of(self.guidance)

    def statement_guidance(self, statement: int | None) -> tuple[Guidance, ...]:
        """The guidance for one statement: its own (or that of the statement whose comment
        covers it), then the question's, leaving out what the union said of another statement
        (a question's view may also be one statement's); for the question as a whole, the
        question's. A recommended answer first, then advice and views in the order the pack lists them (a
        view the advice refers back to, "If you make a similar comment ...", is listed before it)."""
        if statement is None:
            found = self.guidance
        else:
            own = self.statements[statement].guidance or next(
                (s.guidance for s in self.statements if statement in s.commentary_covers and s.guidance), ())
            bases = {g.basis for g in own}
            answered = any(g.kind == "answer" for g in own)   # never two suggested answers
            found = own + tuple(g for g in self.guidance if g.basis not in bases
                                and statement in (self.guidance_scope(g) or (statement,))
                                and not (answered and g.kind == "answer"))
        return tuple(sorted(found, key=lambda g: g.kind != "answer"))

    def guidance_scope(self, g: Guidance) -> tuple[int, ...]:
        """The statements a piece of guidance is about (numbered from 0): those of the statement
        whose own guidance it is, with the earlier ones its comment covers; () when it is the
        question's alone."""
        for i, s in enumerate(self.statements):
            if any(x.basis == g.basis for x in s.guidance):
                return tuple(sorted({*s.commentary_covers, i}))
        return ()

    def all_guidance(self) -> tuple[Guidance, ...]:
        """Every piece of guidance on the question and its statements, each once."""
        seen: dict[str, Guidance] = {}
        for g in (*self.guidance, *(g for s in self.statements for g in s.guidance)):
            seen.setdefault(g.basis, g)
        return tuple(seen.values())

    def quotes(self) -> list[str]:
        """Every verbatim quotation the entry holds, for the drift test and the JSON."""
        out = [self.question, *self.context, *self.commentary]
        for s in self.statements:
            out += [s.text, *s.commentary, *(g.basis for g in s.guidance)]
        out += [g.basis for g in self.guidance]
        return out + [s.text for s in self.since]


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
    speaker: str = ""              # whose words, when the source is a union document reproducing another's
    plan: bool = False             # the quotations are plans at the source's date, not a record
    done: tuple[int, ...] = ()     # in a plan entry, the quotations that record something already done
    # quotations referring back to a sentence the entry doesn't quote: not joined to the one before
    # them into a passage (bot.replies.passages), which isn't what they refer to
    refers_elsewhere: tuple[int, ...] = ()
    since: tuple[Since, ...] = ()
    about_consultation: bool = False   # replies add whether the consultation is still open

    @property
    def title(self) -> str:
        return self.term

    @property
    def body(self) -> tuple[str, ...]:
        return self.definition

    def quotes(self) -> list[str]:
        return list(self.definition) + [s.text for s in self.since]


@dataclass(frozen=True)
class BackgroundEntry:
    id: str
    kind: str
    title: str
    source: str
    facts: tuple[str, ...]
    keywords: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    speaker: str = ""
    plan: bool = False
    done: tuple[int, ...] = ()
    refers_elsewhere: tuple[int, ...] = ()
    since: tuple[Since, ...] = ()
    about_consultation: bool = False

    @property
    def body(self) -> tuple[str, ...]:
        return self.facts

    def quotes(self) -> list[str]:
        return list(self.facts) + [s.text for s in self.since]


Entry = SurveyEntry | GlossaryEntry | BackgroundEntry
ENTRY_CLASSES: dict[str, type] = {"survey": SurveyEntry, "glossary": GlossaryEntry, "background": BackgroundEntry}


@dataclass(frozen=True)
class ShortName:
    section: str   # a survey section, as in `sections`
    short: str     # what replies' position line calls it ("SEND and AP")


@dataclass(frozen=True)
class PackInfo:
    name: str
    title: str
    sources: tuple[Source, ...]
    sections: tuple[str, ...] = ()   # survey sections in the survey's own order
    consultation: Consultation | None = None
    short_names: tuple[ShortName, ...] = ()
    contact: str = ""   # this pack's contact line (who members ask about its consultation); "": app.yaml's


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
    consultation: Consultation | None = None
    asks: Asks = Asks()   # members' phrasings, a search aid only (bot/asks.py)
    short_names: tuple[ShortName, ...] = ()
    contact: str = ""   # pack.yaml's `contact:`; "": app.yaml's serves

    def section_label(self, section: str) -> str:
        """A section's name as a reply's position line shows it (its short name, if any)."""
        return next((n.short for n in self.short_names if n.section == section), section)

    def get(self, entry_id: str) -> Entry | None:
        return self.derived("by_id", lambda: {e.id: e for e in self.entries}).get(entry_id)

    def derived(self, name: str, build):
        """What is read of this pack once (entries by id, bot/structure.py's view of the survey),
        built on first use and kept with the pack: a reloaded pack builds its own."""
        cache = self.__dict__.get("_derived")
        if cache is None:
            cache = {}
            object.__setattr__(self, "_derived", cache)
        if name not in cache:
            cache[name] = build()
        return cache[name]


def load_pack(folder: str | Path, sources_dir: str | Path | None = None) -> Pack:
    """Load and validate every YAML file in a pack folder.

    pack.yaml and synonyms.yaml are special; every other *.yaml holds `entries:`. With
    `sources_dir` (the source documents), every quotation's speaker is also proved against
    the sources' text (bot/speakers.py); the bot itself runs without them.
    """
    folder = Path(folder)
    if folder.is_file():
        raise KnowledgeError("is a file: give the pack's folder (the one holding pack.yaml)", file=str(folder))
    if not folder.is_dir():
        raise KnowledgeError("knowledge folder not found", file=str(folder))
    info_path = folder / "pack.yaml"
    if not info_path.exists():
        raise KnowledgeError("pack.yaml is missing", file=str(info_path))
    raw_info = load_yaml(str(info_path))
    info = _build_located(PackInfo, raw_info, str(info_path))
    _check_info(info, str(info_path), raw_info)
    sources = {s.id: s for s in info.sources}

    vocab = Vocabulary()
    syn_path = folder / "synonyms.yaml"
    if syn_path.exists():
        vocab = _build_located(Vocabulary, load_yaml(str(syn_path)), str(syn_path))

    entries: list[Entry] = []
    seen: dict[str, str] = {}
    special = {folder / "pack.yaml", folder / "synonyms.yaml", *ask_files(folder)}
    for path in sorted(folder.glob("*.yaml")):
        if path in special:
            continue
        for entry, line in _load_entries(path, info.sections):
            where = dict(file=str(path), entry=entry.id, line=line)
            if entry.id in seen:
                raise DuplicateId(f"id already used in {seen[entry.id]}", field="id", **where)
            seen[entry.id] = str(path)
            if entry.source not in sources:
                raise BadReference(f"unknown source '{entry.source}' (pack.yaml lists: {', '.join(sources)})",
                                   field="source", **where)
            _check_speakers(entry, sources, where)
            entries.append(entry)
    if not entries:   # it would load, and decline every question; an edit emptying it would be swapped in
        raise MissingField("the pack has no entries: its survey, glossary or background files are missing "
                           "or hold none", file=str(folder))
    by_id = {e.id: e for e in entries}
    for entry in entries:
        for rel in entry.related:
            if rel not in by_id:
                raise BadReference(f"related id '{rel}' is not an entry in this pack",
                                   file=seen[entry.id], entry=entry.id, field="related")
        _check_answers(entry, [by_id[r] for r in entry.related], dict(file=seen[entry.id], entry=entry.id))
    pack = Pack(name=info.name, title=info.title, sources=sources, entries=tuple(entries),
                synonyms=vocab.synonyms, offtopic=vocab.offtopic, sections=info.sections,
                consultation=info.consultation, asks=load_asks(folder, set(by_id)),
                short_names=info.short_names, contact=" ".join(info.contact.split()))
    if sources_dir is not None:
        from bot.speakers import speaker_problems  # reads the sources; not needed at run time
        problems = speaker_problems(pack, sources_dir)
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise BadReference(problems[0] + more, file=str(folder))
    return pack


def _check_info(info: PackInfo, file: str, raw: dict) -> None:
    if not ID_PATTERN.match(info.name):   # `/biglisten walkthrough NAME` and app.yaml's channels name it
        raise WrongType(f"name must be lower-case letters, digits and hyphens (like 'big-listen'), got {info.name!r}",
                        file=file, field="name")
    first: dict[str, int] = {}
    for i, src in enumerate(info.sources):
        if src.id in first:   # entries name a source by id: a second would silently replace the first
            raise DuplicateId(f"source id '{src.id}' is already sources[{first[src.id]}]'s: give each "
                              f"source its own id", file=file, field=f"sources[{i}].id",
                              line=getattr(raw["sources"][i], "line", None))
        first[src.id] = i
        if src.speaker not in SPEAKERS:
            raise WrongType(f"speaker must be one of {', '.join(SPEAKERS)}, got {src.speaker!r}",
                            file=file, field=f"sources[{i}].speaker")
        if src.reproduces and (src.reproduces not in SPEAKERS or src.reproduces == src.speaker):
            raise WrongType(f"reproduces must be another speaker ({', '.join(SPEAKERS)})",
                            file=file, field=f"sources[{i}].reproduces")
    for i, n in enumerate(info.short_names):
        if n.section not in info.sections:
            raise BadReference(f"'{n.section}' is not one of the pack's sections", file=file,
                               field=f"short_names[{i}].section")
    if contact_problem(info.contact):
        raise WrongType(contact_problem(info.contact), file=file, field="contact")
    c = info.consultation
    if c is not None:
        if c.opens > c.closes:
            raise WrongType("the consultation closes before it opens", file=file, field="consultation.closes")


def _check_speakers(entry: Entry, sources: dict[str, Source], where: dict) -> None:
    """Who speaks is fixed by the entry's fields: a survey entry's commentary and guidance
    are the union's, so its source must be the union's document; a glossary or background
    entry quoting a document that reproduces another's text must say whose words it quotes.
    (Whether the words really are the union's is checked against the source text by
    bot.speakers.speaker_problems.)"""
    src = sources[entry.source]
    for i, since in enumerate(entry.since):
        if since.source not in sources:
            raise BadReference(f"unknown source '{since.source}'", field=f"since[{i}].source", **where)
        if since.source == entry.source:
            raise BadReference("a 'since' line comes from a later source than the entry's own",
                               field=f"since[{i}].source", **where)
        if since.statement is not None and not (
                isinstance(entry, SurveyEntry) and 0 <= since.statement < len(entry.statements)):
            raise BadReference("statement must be the index of one of this question's statements",
                               field=f"since[{i}].statement", **where)
    if not isinstance(entry, SurveyEntry):
        for i in entry.done:
            if not entry.plan or not 0 <= i < len(entry.body):
                raise BadReference(f"done: {i} must index a quotation of a plan entry (plan: true)",
                                   field="done", **where)
        for i in entry.refers_elsewhere:
            if not 0 < i < len(entry.body):
                raise BadReference(f"refers_elsewhere: {i} must index a quotation after the first",
                                   field="refers_elsewhere", **where)
    if isinstance(entry, SurveyEntry):
        for i in entry.refers_to_context:
            if not 0 <= i < len(entry.context):
                raise BadReference(f"refers_to_context: {i} is not one of the context paragraphs",
                                   field="refers_to_context", **where)
        if src.speaker != "union" or not src.reproduces:
            raise BadReference("a survey entry quotes the union's commentary on the survey: its source must be "
                               "a union document that reproduces the survey", field="source", **where)
        return
    if entry.speaker and entry.speaker not in (src.speaker, src.reproduces):
        raise WrongType(f"speaker must be {src.speaker}" + (f" or {src.reproduces}" if src.reproduces else "") +
                        f" for a quotation from {src.id}", field="speaker", **where)
    if src.reproduces and not entry.speaker:
        raise MissingField(f"{src.id} holds both {src.speaker} and {src.reproduces} text: say whose words "
                           f"these are (speaker: {src.speaker} or {src.reproduces})", field="speaker", **where)


def _build_located(cls: type, data: object, file: str):
    try:
        return build(cls, data)
    except KnowledgeError as e:
        raise e.located(file=file) from None


def _load_entries(path: Path, sections: tuple[str, ...] = ()):
    """The entries of one file, with their lines; a survey entry's section must be one of
    pack.yaml's `sections` when it lists some (else browsing and the walk-through lose it)."""
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
            if not isinstance(kind, str) or kind not in ENTRY_CLASSES:
                raise WrongType(f"kind must be one of {', '.join(ENTRY_CLASSES)}, got {kind!r}", field="kind")
            entry = build(ENTRY_CLASSES[kind], raw)
            if not ID_PATTERN.match(entry.id):
                raise WrongType("id must be lowercase letters, digits and single hyphens", field="id")
            if kind != "survey" and not entry.body:   # it would be answered with a title, a source line and no words
                body = "definition" if kind == "glossary" else "facts"
                raise EmptyText(f"'{body}' is empty: quote at least one passage", field=body,
                                line=raw.key_lines.get(body))
            if sections and isinstance(entry, SurveyEntry) and entry.section not in sections:
                raise BadReference(f"'{entry.section}' is not one of pack.yaml's sections ("
                                   + "; ".join(sections) + ")", field="section", line=raw.key_lines.get("section"))
        except KnowledgeError as e:
            raise e.located(file=str(path), entry=entry_id, line=line) from None
        yield entry, line


def union_commentary(entry: Entry) -> list[str]:
    """Everything the union wrote about a survey entry, statement commentary included."""
    if not isinstance(entry, SurveyEntry):
        return []
    return [*entry.commentary, *(c for s in entry.statements for c in s.commentary)]


@dataclass(frozen=True)
class Quote:
    """One quotation as a member sees it: the words, whose they are, and when they held."""

    text: str
    speaker: str        # union, ofsted or press
    source: str         # source id
    as_of: str          # the source's date, as the text gives it ("spring 2024")
    role: str = ""      # framing, question, statement, commentary, guidance, definition, fact, since


def quote_of(text: str, speaker: str, source: Source, role: str) -> Quote:
    return Quote(text=text, speaker=speaker, source=source.id, as_of=source.date, role=role)


def survey_speaker(source: Source) -> str:
    """Whose words a union document's reproduced survey text is (Ofsted's)."""
    return source.reproduces or source.speaker


def entry_speaker(entry: Entry, source: Source) -> str:
    """Whose words a glossary or background entry's quotations are."""
    return entry.speaker or source.speaker


def entry_quotes(entry: Entry, pack: Pack) -> list[Quote]:
    """Every quotation of an entry with its speaker and date (the speaker proof checks these)."""
    src = pack.sources[entry.source]
    out: list[Quote] = []
    if isinstance(entry, SurveyEntry):
        ofsted = survey_speaker(src)
        out += [quote_of(c, ofsted, src, "framing") for c in entry.context]
        out.append(quote_of(entry.question, ofsted, src, "question"))
        for s in entry.statements:
            out.append(quote_of(s.text, ofsted, src, "statement"))
            out += [quote_of(c, "union", src, "commentary") for c in s.commentary]
            out += [quote_of(g.basis, "union", src, "guidance") for g in s.guidance]
        out += [quote_of(c, "union", src, "commentary") for c in entry.commentary]
        out += [quote_of(g.basis, "union", src, "guidance") for g in entry.guidance]
    else:
        role = "definition" if isinstance(entry, GlossaryEntry) else "fact"
        out += [quote_of(q, entry_speaker(entry, src), src, role) for q in entry.body]
    for since in entry.since:
        later = pack.sources[since.source]
        out.append(quote_of(since.text, later.speaker, later, "since"))
    return out


def _check_answers(entry: Entry, related: list[Entry], where: dict) -> None:
    """The union's guidance must be what it says about this question: a recommended answer
    is one of the options, and every basis lies inside one paragraph of the union's own
    commentary on this question (for a statement: that statement's, or the question's), or
    of a related entry of the same priority (a "Your views" box and its rated question share
    one comment block)."""
    if not isinstance(entry, SurveyEntry):
        return
    shared = list(entry.commentary) + [
        c for r in related if isinstance(r, SurveyEntry) and r.priority == entry.priority
        for c in union_commentary(r)]
    checks = [("guidance", entry.guidance, union_commentary(entry) + shared)] + [
        (f"statements[{i}].guidance", s.guidance, list(s.commentary) + shared) for i, s in enumerate(entry.statements)]
    for i, s in enumerate(entry.statements):
        for j in s.commentary_covers:
            if not 0 <= j < i:
                raise BadReference(f"commentary_covers: {j} is not an earlier statement",
                                   field=f"statements[{i}].commentary_covers", **where)
    for field, guidance, paragraphs in checks:
        for k, g in enumerate(guidance):
            f = f"{field}[{k}]"
            if g.kind not in GUIDANCE_KINDS:
                raise WrongType(f"kind must be one of {', '.join(GUIDANCE_KINDS)}, got {g.kind!r}", field=f, **where)
            if g.kind == "answer" and not g.answer:
                raise BadReference("a recommended answer needs 'answer' (one of the options)", field=f, **where)
            if g.kind != "answer" and g.answer:
                raise BadReference(f"'answer' given but kind is {g.kind}: only kind 'answer' recommends an option",
                                   field=f, **where)
            if g.answer and g.answer not in entry.options:
                raise BadReference(f"answer '{g.answer}' is not one of the options", field=f, **where)
            if not any(g.basis in p for p in paragraphs):
                raise BadReference("basis must be quoted from one paragraph of the union's commentary on this question",
                                   field=f, **where)
            if not _whole_sentences(g.basis, paragraphs):
                raise BadReference("basis must be whole sentences (from a sentence's start to its end), and not "
                                   "open with a word pointing back to a sentence it leaves out (\"Therefore\")",
                                   field=f, **where)
            if g.answer and not _names_answer(g.answer, entry.options, g.basis):
                raise BadReference(f"basis must name the recommended answer '{g.answer}' (not another option it "
                                   "quotes): the suggested answer only restates what the union says", field=f, **where)


QUALIFIERS = ("However", "But ", "Although")   # a next sentence that limits the basis belongs in it
# A basis can't open with a word that points back to a sentence it leaves out ("Therefore,
# we strongly recommend ..." without its reason): start the basis at that sentence.
CONNECTIVES = ("Therefore", "However", "But ", "So ", "Thus", "Hence", "Consequently", "As a result",
               "For this reason", "This would", "This means", "That is why", "Also,", "In addition")


def _names_answer(answer: str, options: tuple[str, ...], basis: str) -> bool:
    """The basis names the answer as the one to give: quoted ("answer ‘yes’", "give ‘Very
    important’"), or, when it quotes no option, right after a verb of answering ("answer yes");
    case and quote marks aside. "as no school should" doesn't recommend 'No', and "Important"
    is in "give ‘Very important’" but isn't what it recommends."""
    def fold(text: str) -> str:
        return " " + " ".join(re.sub(r"[‘’“”'\"`.,;:!?()]", " ", text.lower()).split()) + " "
    # a quote mark opens a quotation at the start or after a space or bracket ("NASUWT's" doesn't)
    quoted = {fold(q) for q in re.findall(r"(?:^|(?<=[\s(\[]))[‘“\"'`]([^‘’“”\"'`]{1,60})[’”\"'`](?!\w)", basis)}
    if fold(answer) in quoted:
        return True
    if any(fold(o) in quoted for o in options):
        return False
    verb = (r" (?:answer|answering|give|giving|respond|responding|select|selecting|tick|ticking|choose|choosing"
            r"|recommend|recommends|suggest|suggests|urge|urges|say|says|put|vote|be) ")
    return re.search(verb + r"(?:\w+ )?" + re.escape(fold(answer).strip()) + " ", fold(basis)) is not None


def _whole_sentences(basis: str, paragraphs: list[str]) -> bool:
    """The basis starts where a sentence starts and ends where one ends, so a cut can't make
    the union sound stronger than it is ("may be important" without its "However, ...")."""
    if basis.startswith(CONNECTIVES):
        return False
    for p in paragraphs:
        at = p.find(basis)
        while at != -1:
            before, after = p[:at].rstrip(), p[at + len(basis):]
            whole = (not before or before.endswith((".", "?", "!", ":"))) and basis.rstrip().endswith((".", "?", "!"))
            if whole and not after.lstrip().startswith(QUALIFIERS):
                return True
            at = p.find(basis, at + 1)
    return False
