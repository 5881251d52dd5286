"""A member's quotation checked against the words the pack quotes.

Members quote the union in emails and to colleagues, and half-remember: "NASUWT's view is that
single-word judgements are helpful but can be misleading" (the union wrote "not helpful and can
be misleading"), "mainstream schools will take more pupils with SEND" (it wrote "mainstream
pupils"). Shown the right sentence under a heading, with no word that theirs differs, a member
sends the wrong one in the union's name (content audit 34). Here a quotation in a message (a
span in quotation marks) is found among the pack's quotations, a sentence or a run of up to
three of one quotation, each with its speaker and date, and compared word by word: the same
words in the same order, a near miss and where it differs, or none of the pack's.

Only a quotation the member asks about ("is this an exact quote", "where does '...' come from")
or gives as the union's words ("the union said '...'") is checked: one in quotation marks to name
a survey statement ("what do I put for 'ofsted holds X to account'") is the member's shorthand.

No Slack and no search: a message and a pack in, a `Checked` (or None) out; bot/replies.py says it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from rapidfuzz import fuzz, process

from bot.knowledge import BackgroundEntry, GlossaryEntry, Pack, Quote, entry_quotes, sentences, union_of
from bot.normalise import STOPWORDS, clean_slack_text, fold

QUOTE_WORDS = 5          # words a quotation needs to be checked (3 of them no stopwords): shorter names a thing
RUN = 3                  # sentences of one quotation a member's quotation may run over
CANDIDATE_MATCH = 75     # rapidfuzz partial_ratio (0-100): a passage close enough to compare word by word
CANDIDATES = 8           # ... compared, at most
NEAR = 0.7               # share of the member's words found in order in one passage: a near miss
MAX_DIFFERENCES = 3      # places where they differ, at most, for a near miss (more: a paraphrase, not a quote)
MAX_DIFFERENT = 4        # words on either side of one difference, at most (more: another sentence)
SCANNED = 3000           # characters of a message read for quotations (a 40,000-character paste: its start)
QUOTATIONS = 3           # quotations of a message checked, at most
SPAN_CHARS = 400         # characters of one quotation, at most

# asking about a quotation's words or where they are from; not "what exactly should I put for '...'"
ASKS = re.compile(r"\b(?:exact|real|actual|direct|genuine|proper|right|correct)\s+(?:quote|quotation|words|wording)\b|"
                  r"\bwording\s+(?:right|correct|accurate)\b|\bword for word\b|\bverbatim\b|\bquoting\b|"
                  r"\bis\s+(?:this|that|it)\s+(?:a\s+)?(?:real\s+|genuine\s+|direct\s+|proper\s+)?quote\b|"
                  r"\bis\s+(?:this|that|it)\s+(?:word\s+for\s+word\s+)?exact\b|"
                  r"\b(?:come|comes|came)\s+from\b|\bwho\s+(?:said|wrote)\b|\bwhose\s+words\b")
# just before a quotation, saying it is someone's words: "the union said '...'", "NASUWT's view is that
# '...'", "a quote from the union: '...'"; not asked ("what does the union say: '...'")
_SAYING = re.compile(r"\b(?:said|says|wrote|writes|stated|states|believes|thinks|put it|"
                     r"(?:view|position|line|words?) (?:is|are|was|were))(?: that)?\s*[:,-]?\s*$")
_QUOTE_FROM = re.compile(r"\b(?:quote|quotation|words?)\s+(?:from|of|by)\s+(?:the\s+)?(\w+)\s*[:,-]?\s*$")
_ASKING = re.compile(r"\b(?:what|how|does|do|did|would|will|should|could|can)\b")
ATTRIBUTED_WITHIN = 60   # characters before the quotation where the union is named
_OPENING = {"‘": "’", "'": "'", "“": "”", '"': '"'}
_TOKEN = re.compile(r"\w+(?:['’]\w+)*")
_EMOJI = re.compile(r":[a-z0-9_+'-]+:")
_MARKUP = re.compile(r"(?<!\w)[*_~]+|[*_~]+(?!\w)")


@dataclass(frozen=True)
class Found:
    """Where a member's quotation is: the pack's quotation holding it (speaker, source, date),
    the passage its words come from (verbatim: one to RUN sentences), whether word for word,
    and if not, where it differs: (the member's words, the pack's), either "" when one has words
    the other lacks. `plan`: the passage is a plan as of its date; `inner`: the words matched are
    in quotation marks in the passage (its speaker quotes someone)."""
    quote: Quote
    sentence: str
    exact: bool
    differences: tuple[tuple[str, str], ...] = ()
    plan: bool = False
    inner: bool = False
    parts: tuple[str, ...] = ()   # `sentence` as quoted: a piece of each of the entry's quotations it runs over


@dataclass(frozen=True)
class Checked:
    """A quotation in a message and where it is (None: no passage of the pack's is it, nor nearly);
    `theirs`: the message gives it as the union's words."""
    span: str
    found: Found | None
    theirs: bool


@dataclass(frozen=True)
class _Passage:
    quote: Quote
    text: str
    tokens: tuple[str, ...]     # as written
    folded: tuple[str, ...]     # compared
    plan: bool
    parts: tuple[str, ...]      # its text as quoted: one piece of each quotation it runs over


def _clean(text: str) -> str:
    """A member's text as words: Slack markup, emoji codes and formatting marks out, "&" as "and"."""
    text = _MARKUP.sub(" ", _EMOJI.sub(" ", clean_slack_text(text)))
    return re.sub(r"\s&\s", " and ", text)


def _tokens(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    shown = tuple(_TOKEN.findall(text))
    return shown, tuple(" ".join(fold(t.replace("’", "'")).split()) for t in shown)


def _passages(pack: Pack) -> list[_Passage]:
    """Every run of one to RUN consecutive sentences of the pack's quotations, each once (the first
    entry quoting it gives its speaker: one text has one speaker, as the speaker proof checks). A
    glossary or background entry's quotations are consecutive sentences of one source, read as one
    text ("We have updated and published our code of conduct. It sets out ..."); a run across a
    plan and a record is left out (labelled as one, it would mislabel the other)."""
    def build() -> list[_Passage]:
        seen: set[str] = set()
        out = []
        for e in pack.entries:
            body = e.body if isinstance(e, (GlossaryEntry, BackgroundEntry)) else ()
            quotes = entry_quotes(e, pack)
            streams: list[list[tuple[Quote, str, bool]]] = []
            for q in quotes:
                at = body.index(q.text) if q.text in body else -1
                plan = bool(getattr(e, "plan", False)) and at >= 0 and at not in e.done or \
                    any(s.plan and s.text == q.text for s in e.since)
                said = [(q, t, plan) for t in sentences(q.text) or [q.text]]
                if at > 0 and streams and streams[-1][-1][0].text in body:
                    streams[-1] += said   # the entry's body reads on
                else:
                    streams.append(said)
            for stream in streams:
                for n in range(1, RUN + 1):
                    for i in range(len(stream) - n + 1):
                        run = stream[i:i + n]
                        if len({plan for _, _, plan in run}) > 1:
                            continue
                        text = " ".join(t for _, t, _ in run)
                        if text not in seen:
                            seen.add(text)
                            parts: dict[str, list[str]] = {}
                            for q, t, _ in run:
                                parts.setdefault(q.text, []).append(t)
                            out.append(_Passage(run[0][0], text, *_tokens(text), plan=run[0][2],
                                                parts=tuple(" ".join(ts) for ts in parts.values())))
        return out
    return pack.derived("verbatim_passages", build)


def quotations(query: str) -> list[tuple[int, str]]:
    """The quotations of a message (where each starts, its words), read to where it really ends: a
    mark closing it is followed by a space or punctuation, and the last such before the next
    quotation opens counts ("‘... about behaviour, pupils’ wellbeing and safety.’" is one)."""
    text = query[:SCANNED]
    opens = [i for i, c in enumerate(text) if c in _OPENING and (i == 0 or text[i - 1] in " \t\n([:—-")
             and i + 1 < len(text) and not text[i + 1].isspace()]
    out = []
    for k, i in enumerate(opens):
        if out and i < out[-1][0] + len(out[-1][1]) + 2:
            continue   # inside the quotation before it
        limit = min(len(text), i + SPAN_CHARS, next((j for j in opens[k + 1:] if j > i + 1), len(text)))
        close = _OPENING[text[i]]
        ends = [j for j in range(i + 2, limit) if text[j] == close and text[j - 1] != " " and
                (j + 1 == len(text) or not text[j + 1].isalnum())]
        if ends:
            out.append((i, text[i + 1:ends[-1]]))
    return out


def long_enough(span: str) -> bool:
    """A span in quotation marks long enough to be a quotation, not a name ("the 'tail wagging
    the dog' thing")."""
    ws = _TOKEN.findall(_clean(span))
    return len(ws) >= QUOTE_WORDS and sum(w.lower() not in STOPWORDS for w in ws) >= 3


def _inside_marks(text: str, tokens: tuple[str, ...], start: int, end: int) -> bool:
    """Whether tokens[start:end] of `text` lie within quotation marks of its own."""
    at = 0
    spans = []
    for t in tokens:
        at = text.find(t, at)
        spans.append((at, at + len(t)))
        at += len(t)
    if not spans or end <= start:
        return False
    a, b = spans[start][0], spans[end - 1][1]
    before, after = text[:a], text[b:]
    opened = max(before.rfind("‘"), before.rfind("“"))
    return opened >= 0 and max(before.rfind("’", opened + 1), before.rfind("”", opened + 1)) < 0 and \
        (after.find("’") >= 0 or after.find("”") >= 0)


def find(span: str, pack: Pack) -> Found | None:
    """The pack's passage a quotation comes from, word for word or nearly, or None."""
    pool = _passages(pack)
    shown, folded = _tokens(_clean(span))
    if not pool or not folded:
        return None
    hits = process.extract(" ".join(folded), [" ".join(p.folded) for p in pool], scorer=fuzz.partial_ratio,
                           score_cutoff=CANDIDATE_MATCH, limit=CANDIDATES)
    best, key = None, None
    for _, _, k in hits:
        p = pool[k]
        matched = sum(b.size for b in SequenceMatcher(None, folded, p.folded, autojunk=False).get_matching_blocks())
        # most words found; then the passage they cover most fully; then not the union's (which quotes others)
        rank = (matched, matched / max(len(p.folded), 1), p.quote.speaker != "union")
        if key is None or rank > key:
            best, key = p, rank
    if best is None or key[0] < NEAR * len(folded):
        return None
    ops = SequenceMatcher(None, folded, best.folded, autojunk=False).get_opcodes()
    same = [op for op in ops if op[0] == "equal"]
    start, end = same[0][3], same[-1][4]   # the part of the passage the member's words quote
    differences = []
    for tag, i1, i2, j1, j2 in ops:
        if tag == "equal" or tag == "insert" and (j2 <= start or j1 >= end):
            continue   # the passage's words before or after the part quoted are no difference
        differences.append((" ".join(shown[i1:i2]), " ".join(best.tokens[j1:j2])))
    if len(differences) > MAX_DIFFERENCES or any(len(x.split()) > MAX_DIFFERENT for d in differences for x in d):
        return None
    return Found(best.quote, best.text, exact=not differences, differences=tuple(differences), plan=best.plan,
                 inner=_inside_marks(best.text, best.tokens, start, end), parts=best.parts)


def attributed(query: str, start: int, union: str) -> bool:
    """Whether a quotation starting at `start` is given as the union's words: the union named
    shortly before it, and a saying word told, not asked, just before it ("the union said '...'",
    "a quote from the union: '...'"; not "what does the union say: '...'", "nasuwt said tick yes
    to '...'")."""
    before = query[max(0, start - 2 * ATTRIBUTED_WITHIN):start].lower().rstrip()
    names = {"union", *(w for w in fold(union).split() if w)} if union else {"union"}
    source = _QUOTE_FROM.search(before)
    if source is not None:
        return source.group(1) in names
    saying = _SAYING.search(before)
    if saying is None or _ASKING.search(before[max(0, saying.start() - 30):saying.start()]):
        return False
    near = before[-ATTRIBUTED_WITHIN:]
    return any(re.search(rf"\b{re.escape(n)}", near) for n in names)


def checked(query: str, pack: Pack | None) -> Checked | None:
    """The quotation a message asks about, or gives as the union's words, and where it is: asked
    about, the one given as the union's (else the first); not asked, one given as the union's with
    a word changed or in another's words. A quotation only naming a statement gets no word."""
    if pack is None:
        return None
    union = union_of(pack)
    asked = ASKS.search(query[:SCANNED].lower())
    spans = [(at, span, attributed(query, at, union)) for at, span in quotations(query) if long_enough(span)]
    # the union's first, then the one nearest the words asking about it ("for '<statement>' is '...' an
    # exact quote from the union?" asks about the second)
    spans = sorted(spans, key=lambda s: (not s[2], abs(s[0] + len(s[1]) / 2 - asked.start()) if asked else 0))
    spans = [(span, theirs) for _, span, theirs in spans[:QUOTATIONS]]
    if not spans:
        return None
    if asked:
        span, theirs = spans[0]
        return Checked(span, find(span, pack), theirs)
    for span, theirs in spans:
        found = find(span, pack) if theirs else None
        if found is not None and (not found.exact or found.quote.speaker != "union" or found.inner):
            return Checked(span, found, theirs)
    return None
