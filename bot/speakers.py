"""Whose words a quotation is: the union's own text, derived from the commentary source.

The NASUWT commentary reproduces Ofsted's survey text (its framing, questions, options and
statements) and adds the union's words: an introduction and "NASUWT comments" blocks. Only
quotations lying inside those may carry the union's name. The spans are found from the
document's structure, not listed by hand, so a re-issued source is re-read the same way.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

# The defaults: NASUWT's Big Listen commentary; a source in pack.yaml may give its own markers
UNION_BLOCK = "NASUWT comments"
OTHER_BLOCKS = ("Ofsted comments",)
# Lines that start the reproduced survey text again after a union block.
SURVEY_MARKERS = ("Question", "Question:", "Your views", "Footnote")
SURVEY_HEADING = "Big Listen Survey ("     # "Priority 1: Reporting - Ofsted's Big Listen Survey (Schools)"
BULLET = re.compile(r"^\s*(?:[•●▪◦‣]|[-*–](?=\s))\s*")   # "•" and the like, or "- ", "* ", "– " (import-pack too)


@dataclass(frozen=True)
class Markers:
    """How a union document marks its words and the words it reproduces."""

    union_block: str = UNION_BLOCK
    survey_heading: str = SURVEY_HEADING
    other_blocks: tuple[str, ...] = OTHER_BLOCKS

    @classmethod
    def of(cls, source) -> Markers:
        return cls(source.union_block or UNION_BLOCK, source.survey_heading or SURVEY_HEADING,
                   tuple(source.other_blocks) or OTHER_BLOCKS)


def norm(text: str) -> str:
    """Compare text as the quote check does: curly quotes and whitespace don't count."""
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"\s+", " ", text).strip()


def _is_heading(line: str) -> bool:
    """A survey heading or section title: no sentence punctuation at its end."""
    return not line.endswith((".", "?", ":", ";", "!", "’", "'", '"', "”"))


def _bullet(line: str) -> bool:
    return BULLET.match(line) is not None


def _unbullet(line: str) -> str:
    return BULLET.sub("", line, count=1).strip()


def split_paragraphs(text: str, markers: Markers = Markers()) -> tuple[list[str], list[str]]:
    """(the union's paragraphs, the runs of text it reproduces). The union's own paragraphs
    in the commentary: everything before the first survey heading (its introduction), and
    each "NASUWT comments" block up to the next piece of survey text. A bullet belongs to a
    union block only when a union paragraph ending in ":" introduces it; otherwise it is
    the next survey statement."""
    lines = [line.strip() for line in text.lstrip("\ufeff").splitlines() if line.strip()]
    union_block, heading = markers.union_block, markers.survey_heading
    ends_block = (*SURVEY_MARKERS, *markers.other_blocks, union_block)
    out: list[str] = []
    other: list[str] = []
    i = 0
    while i < len(lines) and heading not in lines[i]:
        if _bullet(lines[i]) or not _is_heading(lines[i]):   # not the "Schools" title
            out.append(_unbullet(lines[i]))
        i += 1
    in_block, intro, last_other = False, "", -2
    for j in range(i, len(lines)):
        line = lines[j]
        nxt = lines[j + 1] if j + 1 < len(lines) else ""
        if line == union_block:
            in_block, intro = True, ""
            continue
        bullet = _bullet(line)
        if in_block and (line in ends_block or heading in line or nxt == union_block
                         or (bullet and not intro.endswith(":")) or (not bullet and _is_heading(line))):
            in_block = False
        if not in_block:   # consecutive reproduced lines form one run: a question may span several
            text_ = _unbullet(line)
            if other and last_other == j - 1:
                other[-1] += " " + text_
            else:
                other.append(text_)
            last_other = j
            continue
        out.append(_unbullet(line))
        if not bullet:
            intro = line
    return out, other


@dataclass(frozen=True)
class UnionText:
    """A union document split into its own paragraphs and the text it reproduces,
    normalised for containment checks."""

    paragraphs: tuple[str, ...]
    reproduced: tuple[str, ...] = ()

    @classmethod
    def from_file(cls, path: str | Path, markers: Markers = Markers()) -> UnionText:
        union, other = split_paragraphs(Path(path).read_text(encoding="utf-8"), markers)
        return cls(tuple(norm(p) for p in union), tuple(norm(p) for p in other))

    def holds(self, quote: str) -> bool:
        q = norm(quote)
        return any(q in p for p in self.paragraphs)

    def reproduces(self, quote: str) -> bool:
        """The quote is in the text the union reproduces (Ofsted's survey), not its own."""
        q = norm(quote)
        return any(q in p for p in self.reproduced)


def speaker_problems(pack, sources_dir: str | Path) -> list[str]:
    """Every quotation the pack labels, checked against the sources: a quotation given to
    the union lies inside the union's own text; one inside the union's text is labelled the
    union's; every other speaker is its source's. Returns one line per problem."""
    from bot.knowledge import entry_quotes

    sources_dir = Path(sources_dir)
    union_texts = {}
    for sid, s in pack.sources.items():
        if s.speaker == "union":
            try:
                union_texts[sid] = UnionText.from_file(sources_dir / s.file, Markers.of(s))
            except (OSError, UnicodeDecodeError) as e:
                return [f"source '{sid}': cannot read {sources_dir / s.file} ({getattr(e, 'strerror', None) or e})"]
    problems = []
    for entry in pack.entries:
        for q in entry_quotes(entry, pack):
            src = pack.sources[q.source]
            if q.speaker == "union":
                if q.source not in union_texts or not union_texts[q.source].holds(q.text):
                    problems.append(f"{entry.id}: labelled the union's but not in its own text: {q.text[:70]}")
            elif q.source in union_texts:
                if not union_texts[q.source].reproduces(q.text):
                    problems.append(f"{entry.id}: the union's own words labelled {q.speaker}: {q.text[:70]}")
                elif q.speaker != src.reproduces:
                    problems.append(f"{entry.id}: labelled {q.speaker}, but {src.id} reproduces "
                                    f"{src.reproduces or 'nobody'}: {q.text[:70]}")
            elif q.speaker != src.speaker:
                problems.append(f"{entry.id}: labelled {q.speaker}, but {src.id} is {src.speaker}: {q.text[:70]}")
    return problems
