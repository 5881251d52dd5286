"""A member's quotation checked against the words the pack quotes.

Members quote the union in emails and to colleagues, and half-remember: "NASUWT's view is that
single-word judgements are helpful but can be misleading" (the union wrote "not helpful and can
be misleading"), "mainstream schools will take more pupils with SEND" (it wrote "mainstream
pupils"). Shown the right sentence under a heading, with no word that theirs differs, a member
sends the wrong one in the union's name (content audit 34). Here a quotation in a message (a
span in quotation marks) is found in the sentences of every quotation the pack holds, each with
its speaker and date, and compared word by word: the same words in the same order, or a near
miss and where it differs, or none of the pack's sentences.

No Slack and no search: a message and a pack in, a `Found` (or None) out; bot/replies.py says it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from rapidfuzz import fuzz, process

from bot.knowledge import Pack, Quote, entry_quotes, sentences, union_of
from bot.normalise import STOPWORDS, fold
from bot.structure import QUOTED

QUOTE_WORDS = 5          # words a quotation needs to be checked (with 3 not stopwords): shorter names a thing
CANDIDATE_MATCH = 75     # rapidfuzz partial_ratio (0-100): a sentence close enough to compare word by word
NEAR = 0.7               # share of the member's words found in order in one sentence: a near miss
MAX_DIFFERENCES = 3      # places where they differ, at most, for a near miss (more: a paraphrase, not a quote)
MAX_DIFFERENT = 4        # words on either side of one difference, at most (more: another sentence)
# a message asking about a quotation's words or source, not only naming something by them
ASKS = re.compile(r"\b(?:exact(?:ly)?|quot(?:e|es|ed|ing)|wording|word for word|verbatim|come from|comes from|"
                  r"came from|who said|who wrote|whose words|real quote|actual words|right words)\b")
# just before a quotation, saying whose words it is: "the union said '...'", "NASUWT's view is that '...'"
_SAYING = re.compile(r"\b(?:said|says|say|wrote|writes|write|stated|states|believes|thinks|put it|"
                     r"(?:view|position|line|words?) (?:is|are|was|were))(?: that)?\s*[:,-]?\s*$")
ATTRIBUTED_WITHIN = 60   # characters before the quotation where the union is named
_TOKEN = re.compile(r"\w+(?:['’]\w+)*")


@dataclass(frozen=True)
class Found:
    """Where a member's quotation is: the pack's quotation holding it (speaker, source, date),
    the sentences its words come from (verbatim), whether word for word, and if not, where it
    differs: (the member's words, the pack's), either "" when one has words the other lacks."""
    quote: Quote
    sentence: str
    exact: bool
    differences: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class _Sentence:
    quote: Quote
    text: str
    tokens: tuple[str, ...]     # as written
    folded: tuple[str, ...]     # compared


def _tokens(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    shown = tuple(_TOKEN.findall(text))
    return shown, tuple(" ".join(fold(t.replace("’", "'")).split()) for t in shown)


def _sentences(pack: Pack) -> list[_Sentence]:
    """Every sentence of every quotation in the pack, each once (the first entry quoting it gives
    its speaker: one text has one speaker, as the speaker proof checks)."""
    def build() -> list[_Sentence]:
        seen: set[str] = set()
        out = []
        for e in pack.entries:
            for q in entry_quotes(e, pack):
                for s in sentences(q.text) or [q.text]:
                    if s not in seen:
                        seen.add(s)
                        out.append(_Sentence(q, s, *_tokens(s)))
        return out
    return pack.derived("verbatim_sentences", build)


def long_enough(span: str) -> bool:
    """A span in quotation marks long enough to be a quotation, not a name ("the 'tail wagging
    the dog' thing")."""
    ws = _TOKEN.findall(span)
    return len(ws) >= QUOTE_WORDS and sum(w.lower() not in STOPWORDS for w in ws) >= 3


def asks_about_words(query: str) -> bool:
    return bool(ASKS.search(query.lower()))


def find(span: str, pack: Pack) -> Found | None:
    """The pack's sentence a quotation comes from, word for word or nearly, or None."""
    pool = _sentences(pack)
    if not pool:
        return None
    shown, folded = _tokens(span)
    if not folded:
        return None
    text = " ".join(folded)
    hits = process.extract(text, [" ".join(s.folded) for s in pool], scorer=fuzz.partial_ratio,
                           score_cutoff=CANDIDATE_MATCH, limit=5)
    best = None
    for _, _, k in hits:
        s = pool[k]
        blocks = SequenceMatcher(None, folded, s.folded, autojunk=False).get_matching_blocks()
        matched = sum(b.size for b in blocks)
        if best is None or matched > best[0]:
            best = (matched, s)
    if best is None or best[0] < NEAR * len(folded):
        return None
    s = best[1]
    ops = SequenceMatcher(None, folded, s.folded, autojunk=False).get_opcodes()
    same = [op for op in ops if op[0] == "equal"]
    start, end = same[0][3], same[-1][4]   # the part of the sentence the member's words quote
    differences = []
    for tag, i1, i2, j1, j2 in ops:
        if tag == "equal" or tag == "insert" and (j2 <= start or j1 >= end):
            continue   # the sentence's words before or after the part quoted are no difference
        differences.append((" ".join(shown[i1:i2]), " ".join(s.tokens[j1:j2])))
    if len(differences) > MAX_DIFFERENCES or any(len(x.split()) > MAX_DIFFERENT for d in differences for x in d):
        return None
    return Found(s.quote, s.text, exact=not differences, differences=tuple(differences))


def attributed(query: str, start: int, union: str) -> bool:
    """Whether a quotation starting at `start` is given as the union's words: the union named
    shortly before it, and a saying word or a colon just before it ("the union said '...'", "a
    quote from the union: '...'"; not "nasuwt said tick yes to '...'")."""
    before = query[max(0, start - 2 * ATTRIBUTED_WITHIN):start].lower().rstrip()
    if not (_SAYING.search(before) or before.endswith(":")):
        return False
    near = before[-ATTRIBUTED_WITHIN:]
    return "union" in near or bool(union) and union.lower() in near


@dataclass(frozen=True)
class Checked:
    """A quotation in a message and where it is (None: no sentence of the pack's, nor nearly);
    `theirs`: the message gives it as the union's words."""
    span: str
    found: Found | None
    theirs: bool


def checked(query: str, pack: Pack | None) -> Checked | None:
    """The quotation a message asks about, or gives as the union's words, and where it is: asked
    about ("is this an exact quote", "where does '...' come from"), or given as the union's with a
    word changed or in another's words. A quotation naming a statement ("what do I put for 'ofsted
    holds X to account'") is the member's shorthand, not a claim about the words: no word on them."""
    if pack is None:
        return None
    union = union_of(pack)
    asked = asks_about_words(query)
    for m in QUOTED.finditer(query):
        span = next(g for g in m.groups() if g is not None)
        if not long_enough(span):
            continue
        theirs = attributed(query, m.start(), union)
        if asked:
            return Checked(span, find(span, pack), theirs)
        found = find(span, pack) if theirs else None
        if found is not None and (not found.exact or found.quote.speaker != "union"):
            return Checked(span, found, theirs)
    return None
