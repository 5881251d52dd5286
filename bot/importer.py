"""Build a knowledge-pack skeleton from the union's commentary document (`import-pack`).

The document is plain text laid out like NASUWT's Big Listen commentary, one paragraph per
line: section headings ("Schools"), priority headings ("Priority 1: Reporting - Ofsted's Big
Listen Survey (Schools)"), a "Question" marker, an "Options:" line, bulleted statements (or
bulleted options such as Yes / No), the union's comment blocks under a marker line ("NASUWT
comments") and "Your views" comment boxes. Every marker is settable (`Layout`).

Everything quoted is copied verbatim, never summarised. Titles and ids are placeholders a
person replaces; the union's guidance is left empty (`guidance: []`) for a person to fill in,
with the union's sentences that say "recommend" or "suggest" listed beside it. Paragraphs whose
speaker the layout doesn't show (footnotes, editorial notes) are listed as YAML comments, not
imported as quotations.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.errors import BotError
from bot.knowledge import ID_PATTERN, Pack, SurveyEntry
from bot.speakers import BULLET  # how a union's document marks a bullet, read alike by both

DEFAULT_PRIORITY_PATTERN = r"^(?P<priority>.+?) - .+ \([^()]+\)$"
CANDIDATE = re.compile(r"\b(recommend|suggest)", re.IGNORECASE)
SENTENCE_END = re.compile(r"(?<=[.?!])\s+(?=\S)")
# Files the importer owns in a pack folder: --force replaces these and leaves the rest alone.
OWNED = ("pack.yaml", "synonyms.yaml", "survey-*.yaml")


class SourceError(BotError):
    """The commentary document is missing, unreadable, or holds no question the layout matches."""


class BadOutput(BotError):
    """The output folder can't take the pack: its name isn't a pack name, or it holds files."""


class OutputExists(BadOutput):
    """The output folder already holds files and --force was not given."""


@dataclass(frozen=True)
class Layout:
    """The marker lines of the commentary document. Defaults are the Big Listen document's."""

    comment_marker: str = "NASUWT comments"
    question_marker: str = "Question"
    views_marker: str = "Your views"
    options_prefix: str = "Options:"
    context_marker: str = "Ofsted comments"
    footnote_marker: str = "Footnote"
    note_prefix: str = "NOTE:"
    priority_pattern: str = DEFAULT_PRIORITY_PATTERN


LAYOUT_HELP = {
    "comment_marker": "the line that starts each of the union's comment blocks",
    "question_marker": "the line before a survey question",
    "views_marker": "the line before a free-text comments box",
    "options_prefix": "how the line listing a question's answer options starts",
    "context_marker": "the line before the consultation's own introduction to a section",
    "footnote_marker": "the line before footnotes (listed, not imported)",
    "note_prefix": "how an editorial note starts (listed, not imported)",
    "priority_pattern": "regular expression for a priority heading, with a group named 'priority'",
}


@dataclass(frozen=True)
class PackMeta:
    """What pack.yaml says about the pack and its one source; speakers name whose words a quote is."""

    name: str
    title: str
    union: str          # speaker of the comment blocks, and the source's publisher
    run_by: str         # speaker of the survey text (questions, options, statements, context)
    date: str
    source_file: str
    source_id: str
    opens: str = ""     # the consultation's dates, YYYY-MM-DD ("": a TODO in pack.yaml)
    closes: str = ""
    union_block: str = "NASUWT comments"   # the layout's markers, for `validate --sources`
    other_block: str = "Ofsted comments"


@dataclass
class Quote:
    text: str
    line: int


@dataclass
class ImportedStatement:
    text: Quote
    commentary: list[Quote] = field(default_factory=list)


@dataclass
class ImportedQuestion:
    section: str
    priority: str
    question: Quote
    comments_box: bool                       # a free-text box ("Your views"), not a rated question
    context: list[Quote] = field(default_factory=list)
    options: list[str] = field(default_factory=list)
    options_line: int | None = None
    statements: list[ImportedStatement] = field(default_factory=list)
    commentary: list[Quote] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)   # found here, not imported (speaker unclear)
    # while parsing: bullets seen, and comment blocks with how many bullets preceded each
    bullets: list[Quote] = field(default_factory=list, repr=False)
    blocks: list[tuple[int, list[Quote]]] = field(default_factory=list, repr=False)


@dataclass
class ImportedDocument:
    sections: list[str]
    questions: list[ImportedQuestion]
    notes: list[str]

    def counts(self) -> dict[str, int]:
        qs = self.questions
        return {"questions": len(qs), "options": sum(len(q.options) for q in qs),
                "statements": sum(len(q.statements) for q in qs),
                "comment paragraphs": sum(len(q.commentary) + sum(len(s.commentary) for s in q.statements)
                                          for q in qs)}


# --- reading the document -------------------------------------------------------------

@dataclass
class _Block:
    line: int
    kind: str      # section, priority, comment, question, views, options, context, footnote, bullet, para
    text: str
    priority: str = ""


def _is_marker(text: str, marker: str) -> bool:
    return bool(marker) and text.rstrip(":").strip().casefold() == marker.rstrip(":").strip().casefold()


class BadLayout(BotError):
    """A marker setting that can't work (the priority pattern isn't a regular expression with 'priority')."""


def _blocks(text: str, layout: Layout) -> list[_Block]:
    try:
        priority_re = re.compile(layout.priority_pattern)
    except re.error as e:
        raise BadLayout(f"--priority-pattern is not a regular expression: {e}") from None
    if "priority" not in priority_re.groupindex:
        raise BadLayout("--priority-pattern needs a group named 'priority', like (?P<priority>.+?)")
    blocks: list[_Block] = []
    for number, raw in enumerate(text.splitlines(), 1):
        s = raw.strip()   # str.strip also drops the non-breaking spaces word processors leave
        if not s:
            continue
        if BULLET.match(raw):
            blocks.append(_Block(number, "bullet", BULLET.sub("", raw).strip()))
            continue
        kind = next((k for k, m in (("comment", layout.comment_marker), ("question", layout.question_marker),
                                    ("views", layout.views_marker), ("context", layout.context_marker),
                                    ("footnote", layout.footnote_marker)) if _is_marker(s, m)), None)
        if kind:
            blocks.append(_Block(number, kind, s))
        elif layout.options_prefix and s.startswith(layout.options_prefix):
            blocks.append(_Block(number, "options", s[len(layout.options_prefix):].strip()))
        elif m := priority_re.match(s):
            blocks.append(_Block(number, "priority", s, priority=m.group("priority").strip()))
        else:
            blocks.append(_Block(number, "para", s))
    # A section heading is a short unpunctuated line followed by a priority heading or by the
    # survey's own introduction marker; a short line inside a comment block is not.
    for b, nxt in zip(blocks, blocks[1:]):
        if (b.kind == "para" and len(b.text.split()) <= 12 and not re.search(r"[.?!:;,]$", b.text)
                and nxt.kind in ("priority", "context")):
            b.kind = "section"
    return blocks


def _looks_like_options(bullets: list[Quote]) -> bool:
    return all(len(b.text.split()) <= 4 and not b.text.endswith(".") for b in bullets)


def _finish(q: ImportedQuestion) -> None:
    """Decide what the bullets were and where each comment block belongs.

    Bullets after an "Options:" line are statements; without one, short bullets are the options
    (Yes / No / Don't know). A comment block belongs to the question, unless statements follow
    it: then each block that follows a statement comments on that statement."""
    if (not q.options and q.bullets and _looks_like_options(q.bullets)
            and all(n == len(q.bullets) for n, _ in q.blocks)):
        q.options = [b.text for b in q.bullets]
        q.options_line = q.bullets[0].line
        q.bullets = []
    q.statements = [ImportedStatement(b) for b in q.bullets]
    interleaved = any(0 < n < len(q.bullets) for n, _ in q.blocks)
    for n, quotes in q.blocks:
        if interleaved and n > 0:
            q.statements[n - 1].commentary += quotes
        else:
            q.commentary += quotes
    q.bullets, q.blocks = [], []


def parse_document(text: str, layout: Layout = Layout(), default_section: str = "Survey") -> ImportedDocument:
    """Read the commentary document into questions, in document order."""
    blocks = _blocks(text, layout)
    sections: list[str] = []
    questions: list[ImportedQuestion] = []
    notes: list[str] = []
    section = priority = ""
    started = False
    mode = "text"                    # text | question | comments | footnote
    current: ImportedQuestion | None = None
    context: list[Quote] = []        # survey text since the last question, for the next one
    pending: list[Quote] | None = None   # a comment block seen before its question
    comment: list[Quote] | None = None   # the comment block being read

    def drop(what: str, quotes: list[Quote]) -> None:
        if quotes:
            notes.append(f"lines {quotes[0].line}-{quotes[-1].line}: {what}, not imported")

    def close() -> None:
        nonlocal current, pending
        if current is not None:
            _finish(current)
        current = None
        if pending:
            drop("a comment block with no question after it", pending)
        pending = None

    def start(first: Quote, comments_box: bool) -> ImportedQuestion:
        nonlocal current, pending, context
        carried = pending
        pending = None
        close()
        if not section:
            sections.append(default_section)
        q = ImportedQuestion(section or default_section, priority or section or default_section, first,
                             comments_box, context=context)
        if carried:
            q.blocks.append((0, carried))
        context = []
        questions.append(q)
        current = q
        return q

    def next_kind(i: int) -> str:
        return blocks[i + 1].kind if i + 1 < len(blocks) else ""

    i = 0
    while i < len(blocks):
        b = blocks[i]
        quote = Quote(b.text, b.line)
        if b.kind in ("question", "views", "comment"):
            started = True           # a document without headings starts at its first marker
        if b.kind in ("section", "priority"):
            close()
            if b.kind == "section":
                if started:
                    drop("survey text with no question after it", context)
                section, priority, context = b.text, "", []
                sections.append(section)
            else:
                priority = b.priority
            started, mode = True, "text"
        elif not started:            # the document's introduction, before the first heading
            if i + 1 < len(blocks) and blocks[i + 1].kind in ("section", "priority"):
                notes.append(f"lines {blocks[0].line}-{b.line}: the document's introduction, not imported")
        elif b.kind == "context":
            close()
            mode = "text"
        elif b.kind == "footnote":
            mode = "footnote"
        elif b.kind in ("question", "views"):
            texts: list[Quote] = []
            while i + 1 < len(blocks) and blocks[i + 1].kind == "para":
                i += 1
                texts.append(Quote(blocks[i].text, blocks[i].line))
                if b.kind == "views":
                    break            # a comments box is one paragraph; what follows is commentary or context
            if not texts:
                notes.append(f"line {b.line}: '{b.text}' with no question text after it")
            else:
                start(Quote(" ".join(t.text for t in texts), texts[0].line), comments_box=b.kind == "views")
                mode = "question"
        elif b.kind == "options":
            if current is not None and mode == "question":
                current.options = [o.strip().rstrip(".").strip() for o in b.text.split(";") if o.strip()]
                current.options_line = b.line
                if len(current.options) == 1 and "," in current.options[0]:
                    notes.append(f"line {b.line}: one option, with commas in it: options are separated by ';'")
            else:
                notes.append(f"line {b.line}: an options line with no question before it, not imported")
        elif b.kind == "comment":
            if current is None:      # before its question (the union's comment on what follows)
                pending = [] if pending is None else pending
                comment = pending
            else:
                comment = []
                current.blocks.append((len(current.bullets), comment))
            mode = "comments"
        elif mode == "footnote":
            (current.notes if current else notes).append(f"line {b.line}: footnote, not imported: {b.text}")
        elif b.kind == "para" and layout.note_prefix and b.text.startswith(layout.note_prefix):
            notes.append(f"line {b.line}: editorial note, not imported: {b.text}")
        elif b.kind == "bullet":
            if mode == "comments":
                prev = comment[-1].text if comment else ""
                continues_list = prev.endswith((":", ";", "; and", "; or", ","))
                if current is not None and current.bullets and not continues_list:
                    current.bullets.append(quote)    # the next statement of the question
                    mode = "question"
                else:
                    comment.append(quote)
            elif mode == "question" and current is not None:
                current.bullets.append(quote)
            else:
                context.append(quote)
        else:                        # a paragraph
            asks = b.text.endswith("?")
            if mode == "comments":
                if asks and next_kind(i) == "comment":
                    start(quote, comments_box=True)
                    mode = "question"
                    notes.append(f"line {b.line}: a question inside {layout.comment_marker!r} comments, taken as "
                                 f"the survey's comments box because more comments follow it: check it is the "
                                 f"survey's words, not the union's")
                else:
                    comment.append(quote)
            elif mode == "question" and current is not None and current.bullets:
                start(quote, comments_box=True)      # a comments box straight after the statements
            elif asks and next_kind(i) in ("comment", "bullet", "options"):
                start(quote, comments_box=next_kind(i) == "comment")
                mode = "question"
            else:
                if mode == "question":
                    close()
                context.append(quote)
                mode = "text"
        i += 1
    close()
    drop("survey text with no question after it", context)
    return ImportedDocument(list(dict.fromkeys(sections)), questions, notes)


# --- writing the pack ---------------------------------------------------------------------

SMALL_WORDS = {"a", "an", "and", "the", "of", "in", "for", "to", "on", "or", "with"}


def slug(text: str, words: int = 6) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    parts = [w for w in re.findall(r"[a-z0-9]+", ascii_text.lower()) if w not in SMALL_WORDS]
    return "-".join(parts[:words])


def _scalar(value: str | bool) -> str:
    """One YAML scalar on one line, quoted only where YAML needs it (as yaml.safe_dump does)."""
    dumped = yaml.safe_dump(value, allow_unicode=True, width=1_000_000)
    return dumped.removesuffix("\n").removesuffix("\n...").rstrip("\n")


def _span(quotes: list[Quote]) -> str:
    """Where the quotes are in the source: "line 17", "lines 31-35", "lines 17, 31-33"."""
    runs: list[list[int]] = []
    for q in quotes:
        if runs and q.line - runs[-1][1] <= 2:     # the next paragraph, after one blank line
            runs[-1][1] = q.line
        else:
            runs.append([q.line, q.line])
    text = ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)
    return ("lines " if len(runs) > 1 or runs[0][0] != runs[0][1] else "line ") + text


def candidate_sentences(paragraphs: list[Quote]) -> list[Quote]:
    """The union's sentences that say "recommend" or "suggest": what a suggested answer could rest on."""
    return [Quote(s, p.line) for p in paragraphs for s in SENTENCE_END.split(p.text) if CANDIDATE.search(s)]


def _entry_ids(doc: ImportedDocument) -> list[str]:
    ids: list[str] = []
    counts: dict[str, int] = {}
    for q in doc.questions:
        priority = re.sub(r"^priority-(\d+)", r"p\1", slug(q.priority, 4))
        base = "-".join(p for p in (slug(q.section, 2), priority) if p) or "question"
        counts[base] = counts.get(base, 0) + 1
        candidate = f"{base}-{counts[base]}"
        while candidate in ids:
            candidate += "-x"
        ids.append(candidate)
    return ids


def _consultation_lines(meta: PackMeta) -> list[str]:
    """The consultation (who runs it, when it is open): without its dates, a TODO block, so
    replies can't say "open" or "closed" until a person fills them in (`validate` warns)."""
    lines = ["consultation:", f"  title: {_scalar(meta.title)}   # TODO: the consultation's own name",
             f"  run_by: {_scalar(meta.run_by)}",
             f"  opens: {meta.opens or 'YYYY-MM-DD'}", f"  closes: {meta.closes or 'YYYY-MM-DD'}"]
    if meta.opens and meta.closes:
        return ["# The consultation: who runs it and when it is open (replies say open or closed).", *lines]
    return ["# TODO: the consultation's dates (--opens, --closes), so replies say whether it is open;",
            "# until then this stays a comment and `validate` warns.", *(f"# {line}" for line in lines)]


def render_pack(doc: ImportedDocument, meta: PackMeta) -> dict[str, str]:
    """The pack's files (name -> YAML text) in the current pack format (knowledge/README.md).

    The one place that knows the schema: a schema change is an edit here. Speakers are YAML
    comments until the schema has a field for them."""
    said_by_survey = f"# {meta.run_by}'s words (the survey's own text)"
    said_by_union = f"# {meta.union}'s words (its comments in the source)"
    files: dict[str, str] = {}
    files["pack.yaml"] = "\n".join([
        f"# Made by `python -m bot import-pack` from {meta.source_file}: a skeleton for a person to check.",
        "# TODO: check title, date and sections; the survey entries need titles and keywords.",
        f"name: {_scalar(meta.name)}",
        f"title: {_scalar(meta.title)}",
        "# Survey sections in the order the document gives them (for browsing).",
        "sections:",
        *(f"  - {_scalar(s)}" for s in doc.sections),
        *_consultation_lines(meta),
        "sources:",
        f"  - id: {_scalar(meta.source_id)}",
        f"    file: {_scalar(meta.source_file)}",
        f"    title: {_scalar(meta.title)}",
        f"    publisher: {_scalar(meta.union)}",
        f"    date: {_scalar(meta.date)}",
        "    # The union's document: its comment blocks are its own words; it reproduces the",
        "    # consultation's survey text, which is not.",
        "    speaker: union",
        "    reproduces: ofsted",
        "    old_news: false",
        "    # how the document marks its own words: `validate --sources DIR` proves whose words each quotation is",
        f"    union_block: {_scalar(meta.union_block)}",
        "    other_blocks:",
        f"      - {_scalar(meta.other_block)}",
        "    # TODO: the text in every survey heading, if not Big Listen's (\"Priority 1: ... - X Survey (Schools)\")",
        "    # survey_heading: \"Big Listen Survey (\"",
    ]) + "\n"
    files["synonyms.yaml"] = ("# Words members use that mean the same, and topics this pack does not cover.\n"
                              "# TODO: fill in (see knowledge/big-listen/synonyms.yaml).\n"
                              "synonyms: []\nofftopic: []\n")
    ids = _entry_ids(doc)
    by_group: dict[tuple[str, str], list[str]] = {}
    for q, entry_id in zip(doc.questions, ids):
        by_group.setdefault((q.section, q.priority), []).append(entry_id)
    per_section: dict[str, list[str]] = {}
    for q, entry_id in zip(doc.questions, ids):
        out = per_section.setdefault(q.section, [
            f"# Survey questions and {meta.union}'s commentary, quoted verbatim from {meta.source_file}",
            f"# by `python -m bot import-pack`. Survey text is {meta.run_by}'s; comment blocks are {meta.union}'s.",
            "entries:"])
        number = by_group[(q.section, q.priority)].index(entry_id) + 1
        label = f"{'comments box' if q.comments_box else 'question'} {number}"
        related = [r for r in by_group[(q.section, q.priority)] if r != entry_id]
        out += [
            f"- id: {entry_id}",
            "  kind: survey",
            f"  section: {_scalar(q.section)}",
            f"  priority: {_scalar(q.priority)}",
            "  # TODO: a short title in plain words (not a quotation), and the words members would use.",
            f"  title: {_scalar(f'{q.priority}: {label}')}",
            f"  source: {_scalar(meta.source_id)}",
            "  keywords: []",
        ]
        for note in q.notes:
            out.append(f"  # {note}")
        if q.context:
            out += [f"  {said_by_survey}, {_span(q.context)}", "  context:",
                    *(f"  - {_scalar(c.text)}" for c in q.context)]
        out += [f"  {said_by_survey}, line {q.question.line}", f"  question: {_scalar(q.question.text)}"]
        if q.options:
            out += [f"  {said_by_survey}, line {q.options_line}", "  options:",
                    *(f"  - {_scalar(o)}" for o in q.options)]
        else:
            out.append("  options: []")
        if q.statements:
            out += [f"  {said_by_survey}; the commentary under a statement is {meta.union}'s", "  statements:"]
            for s in q.statements:
                out.append(f"  - text: {_scalar(s.text.text)}   # line {s.text.line}")
                if s.commentary:
                    out += [f"    {said_by_union}, {_span(s.commentary)}", "    commentary:",
                            *(f"    - {_scalar(c.text)}" for c in s.commentary)]
        else:
            out.append("  statements: []")
        if q.commentary:
            out += [f"  {said_by_union}, {_span(q.commentary)}", "  commentary:",
                    *(f"  - {_scalar(c.text)}" for c in q.commentary)]
        else:
            out.append("  commentary: []")
        out.append(f"  related: [{', '.join(related)}]")
        out += ["  # For a person to fill in (knowledge/README.md): `kind: answer` with `answer:` (one of the",
                "  # options) only if the union says which option to give; `kind: advice` for what to do or",
                "  # write; `kind: view` for its view; each with `basis:`, its whole sentence, verbatim.",
                "  # Never turn a view into an answer."]
        candidates = candidate_sentences(q.commentary) + [
            Quote(f"(statement {n}) {c.text}", c.line)
            for n, s in enumerate(q.statements, 1) for c in candidate_sentences(s.commentary)]
        if candidates:
            out.append("  # The union's sentences here that say \"recommend\" or \"suggest\":")
            out += [f"  #   line {c.line}: {c.text}" for c in candidates]
        else:
            out.append("  # No sentence of the union's comments here says \"recommend\" or \"suggest\".")
        out.append("  guidance: []")
    for section, out in per_section.items():
        files[f"survey-{slug(section) or 'survey'}.yaml"] = "\n".join(out) + "\n"
    return files


# --- the command ------------------------------------------------------------------------

@dataclass
class ImportResult:
    document: ImportedDocument
    written: list[Path]


def read_document(source: str | Path, layout: Layout = Layout(), default_section: str = "Survey") -> ImportedDocument:
    path = Path(source)
    if not path.is_file():
        raise SourceError(f"source document not found: {path}")
    try:
        text = path.read_text(encoding="utf-8-sig")   # a byte-order mark would start the first heading
    except UnicodeDecodeError as e:
        raise SourceError(f"{path}: not UTF-8 text ({e.reason})") from None
    doc = parse_document(text, layout, default_section)
    if not doc.questions:
        raise SourceError(
            f"{path}: no survey questions found. The importer looks for '{layout.question_marker}' and "
            f"'{layout.views_marker}' lines and for questions followed by '{layout.comment_marker}'; "
            "if the document uses other words, set them with --question-marker, --views-marker, --comment-marker")
    if not doc.counts()["comment paragraphs"]:   # every comment would be read as the survey's words
        raise SourceError(
            f"{path}: {len(doc.questions)} survey questions found but no comment paragraph under a "
            f"'{layout.comment_marker}' line: if the union's comment blocks start with another line "
            f"(e.g. 'ETU comments'), give it with --comment-marker (and the consultation's own with --context-marker)")
    return doc


def default_meta(source: str | Path, out: str | Path, layout: Layout, **given: str | None) -> PackMeta:
    """Pack details not given on the command line: speakers come from the marker lines
    ("NASUWT comments" -> NASUWT, "Ofsted comments" -> Ofsted)."""
    def who(marker: str, fallback: str) -> str:
        name = re.sub(r"\s*comments?:?$", "", marker.strip(), flags=re.IGNORECASE)
        return name or fallback

    union = given.get("union") or who(layout.comment_marker, "the union")
    return PackMeta(
        name=Path(out).name,
        title=given.get("title") or f"{union} commentary ({Path(source).name})",
        union=union,
        run_by=given.get("run_by") or who(layout.context_marker, "the consultation's authors"),
        date=given.get("date") or "date not given",
        opens=given.get("opens") or "", closes=given.get("closes") or "",
        union_block=layout.comment_marker, other_block=layout.context_marker,
        source_file=Path(source).name,
        source_id=slug(f"{union} commentary") or "commentary")


def _owned_files(folder: Path) -> list[Path]:
    return sorted({p for pattern in OWNED for p in folder.glob(pattern)})


def import_pack(source: str | Path, out: str | Path, *, layout: Layout = Layout(), meta: PackMeta | None = None,
                force: bool = False) -> ImportResult:
    """Read the document and write the pack skeleton. Validation is the caller's (load_pack)."""
    out = Path(out)
    meta = meta or default_meta(source, out, layout)
    if not ID_PATTERN.match(meta.name):   # load_pack refuses it, after the pack was written
        raise BadOutput(f"--out {out}: the folder's name is the pack's name, which app.yaml's channels and "
                        f"`/biglisten walkthrough NAME` use: lower-case letters, digits and hyphens "
                        f"(like 'workload-2026'), got {meta.name!r}")
    try:
        if out.exists() and not out.is_dir():
            raise OutputExists(f"{out} exists and is not a folder")
        if out.is_dir() and any(out.iterdir()) and not force:
            raise OutputExists(f"{out} already exists and is not empty; --force replaces its "
                               f"{', '.join(OWNED)} and leaves other files alone")
    except OSError as e:   # a folder on the way this user can't read
        raise BadOutput(f"--out {out}: can't look there ({e.strerror or e}: {e.filename or out})") from None
    doc = read_document(source, layout, default_section=meta.title)
    files = render_pack(doc, meta)
    written = []
    try:
        out.mkdir(parents=True, exist_ok=True)
        for old in _owned_files(out):
            old.unlink()
        for name, text in files.items():
            (out / name).write_text(text, encoding="utf-8")
            written.append(out / name)
    except OSError as e:   # a file where a folder should be, no permission, a full disk
        raise BadOutput(f"--out {out}: can't write the pack there ({e.strerror or e}: {e.filename or out})") from None
    return ImportResult(doc, written)


# --- how much of a hand-made pack the import reproduces -----------------------------------

@dataclass
class Reproduction:
    """Counts of the reference pack's quotations the import holds verbatim in the same place:
    a question by its text; an option, a statement, a comment paragraph within that question
    (a statement's comment under the same statement). `extra` counts imported comment
    paragraphs the reference doesn't have in that place."""

    found: dict[str, int] = field(default_factory=dict)
    total: dict[str, int] = field(default_factory=dict)
    extra: int = 0
    misses: list[str] = field(default_factory=list)

    def rate(self, kind: str) -> float:
        return self.found.get(kind, 0) / self.total[kind] if self.total.get(kind) else 1.0

    def lines(self) -> list[str]:
        out = [f"{kind}: {self.found.get(kind, 0)} of {n} ({self.rate(kind):.1%})" for kind, n in self.total.items()]
        out.append(f"imported comment paragraphs not in the reference at that place: {self.extra}")
        return out + [f"  missing {m[:110]}" for m in self.misses]


def reproduction(imported: Pack, reference: Pack) -> Reproduction:
    r = Reproduction()

    def count(kind: str, ok: bool, what: str) -> None:
        r.total[kind] = r.total.get(kind, 0) + 1
        r.found[kind] = r.found.get(kind, 0) + ok
        if not ok:
            r.misses.append(f"{kind[:-1]} {what}")

    # The same wording can be asked twice (schools, then SEND): the n-th asking pairs with the n-th.
    by_question: dict[str, list[SurveyEntry]] = {}
    for e in imported.entries:
        if isinstance(e, SurveyEntry):
            by_question.setdefault(e.question, []).append(e)
    asked: dict[str, int] = {}
    reference_places: set[tuple[str, str, str]] = set()
    for ref in (e for e in reference.entries if isinstance(e, SurveyEntry)):
        n = asked[ref.question] = asked.get(ref.question, -1) + 1
        same = by_question.get(ref.question, [])
        got = same[n] if n < len(same) else None
        count("questions", got is not None, f"{ref.id}: {ref.question}")
        statements = {s.text: s for s in got.statements} if got else {}
        for c in ref.context:
            count("context paragraphs", got is not None and c in got.context, f"{ref.id}: {c}")
        for option in ref.options:
            count("options", got is not None and option in got.options, f"{ref.id}: {option}")
        for s in ref.statements:
            count("statements", s.text in statements, f"{ref.id}: {s.text}")
            for c in s.commentary:
                reference_places.add((ref.question, s.text, c))
                count("comment paragraphs", s.text in statements and c in statements[s.text].commentary,
                      f"{ref.id} (under statement '{s.text[:30]}'): {c}")
        for c in ref.commentary:
            reference_places.add((ref.question, "", c))
            count("comment paragraphs", got is not None and c in got.commentary, f"{ref.id}: {c}")
    for e in (e for same in by_question.values() for e in same):
        places = [("", c) for c in e.commentary] + [(s.text, c) for s in e.statements for c in s.commentary]
        r.extra += sum((e.question, where, c) not in reference_places for where, c in places)
    return r
