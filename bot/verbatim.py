"""A member's quotation checked against the words the pack quotes.

Members quote the union in emails and to colleagues, and half-remember: "NASUWT's view is that
single-word judgements are helpful but can be misleading" (the union wrote "not helpful and can
be misleading"), "mainstream schools will take more pupils with SEND" (it wrote "mainstream
pupils"). Shown the right sentence under a heading, with no word that theirs differs, a member
sends the wrong one in the union's name (content audit 34). Here a quotation in a message (a
span in quotation marks) is found among runs of consecutive sentences of each of the pack's
quotations, each with its speaker and date, and compared word by word, as written: the same
words in the same order (whole sentences, or part of one), a near miss and where it differs, or
none of the pack's. Where a verdict could be false there is none (`checked`).

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

QUOTE_WORDS = 5          # words a quotation needs to be checked (2 of them no stopwords): shorter names a thing
CANDIDATE_MATCH = 75     # rapidfuzz partial_ratio (0-100): a passage close enough to compare word by word
CANDIDATES = 30          # ... compared, at most
MOSTLY = 0.5             # share of a quotation not found still in one passage: no verdict ("not among" is false)
NEAR = 0.7               # share of the member's words found in order in one passage: a near miss
MAX_DIFFERENCES = 3      # places where they differ, at most, for a near miss (more: a paraphrase, not a quote)
MAX_DIFFERENT = 4        # words on either side of one difference, at most (more: another sentence)
SCANNED = 3000           # characters of a message read for quotations (a 40,000-character paste: its start)
QUOTATIONS = 3           # quotations of a message checked, at most
SPAN_CHARS = 400         # characters of one quotation, at most

# asking about a quotation's words or where they are from; not "what exactly should I put for '...'"
ASKS = re.compile(r"\b(?:exact|real|actual|direct|genuine|proper|right|correct)\s+(?:(?:union|nasuwt|ofsted)\s+)?"
                  r"(?:quotes?|quotations?|words|wording)\b|['’\"”]\s+(?:a|an)\s+(?:union|nasuwt|ofsted)\s+quote\b|"
                  r"\bwording\s+(?:right|correct|accurate)\b|\bword for word\b|\bverbatim\b|\bquoting\b|"
                  r"\b(?:is|are)\s+(?:this|that|it|these|those)\s+(?:a\s+)?(?:real\s+|genuine\s+|direct\s+|proper\s+)?"
                  r"quotes?\b|\b(?:is|are)\s+(?:this|that|it|these|those)\s+(?:word\s+for\s+word\s+)?exact\b|"
                  r"['’\"”]\s+exact\b|\b(?:come|comes|came)\s+from\b|\bwhose\s+words\b|"
                  r"\bwhere\s*(?:['’]?s|\s+is|\s+was|\s+are)\s+(?:that|this|it|these|those)\s+(?:quote\s+|from\b)|"
                  r"\bdid\s+(?:the\s+union|nasuwt|ofsted|they)\s+(?:really\s+|actually\s+|ever\s+)?(?:say|write)\b")
# just before a quotation, saying it is someone's words: "the union said '...'", "NASUWT's view is that
# '...'", "a quote from the union: '...'"; not asked ("what does the union say: '...'")
_SAYING = re.compile(r"\b(?:said|says|wrote|writes|stated|states|believes|thinks|put it|"
                     r"(?:view|position|line|words?) (?:is|are|was|were))(?: that)?\s*[:,-]?\s*$")
_QUOTE_FROM = re.compile(r"\b(?:quote|quotation|words?)\s+(?:from|of|by)\s+(?:the\s+)?\w+\s*[:,-]?\s*$")
_ASKING = re.compile(r"\b(?:what|how|does|do|did|would|will|should|could|can)\b")
ATTRIBUTED_WITHIN = 60   # characters before the quotation where the union is named
# between the union's name and its saying word, only these: "the union said", "NASUWT's view is", "nasuwt has
# always said"; not "at our union meeting the HMCI said" (the third review)
_SUBJECT_TO_VERB = re.compile(r"(?:['’]s)?(?:\s+(?:has|have|had|did|does|always|actually|literally|officially|"
                              r"clearly|also|once|apparently|itself|explicitly|even|just|own))*\s*")
_OPENING = frozenset("‘'“\"")
CUT = "\u2060"   # appended to a quotation whose end is a guess (a possessive's mark): word for word whole, or nothing
_FAMILY = {"‘": 1, "'": 1, "“": 2, '"': 2}
_CLOSING = {"‘": "’'", "'": "'’", "“": "”\"", '"': '"”'}
_TOKEN = re.compile(r"\w+(?:['’]\w+)*")
_EMOJI = re.compile(r":[a-z0-9_+'-]+:")
_MARKUP = re.compile(r"(?<!\w)[*_~]+|[*_~]+(?!\w)")
_APOSTROPHES = re.compile(r"(?<=\w)[‘`´′](?=\w)")


@dataclass(frozen=True)
class Found:
    """Where a member's quotation is: the pack's quotation holding it (speaker, source, date),
    the passage its words come from (verbatim: consecutive sentences of one quotation), whether word for word
    (`whole`: and all of the passage's sentences, not a clause lifted out of one),
    and if not, where it differs: (the member's words, the pack's), either "" when one has words
    the other lacks. `plan`: the passage is a plan as of its date; `inner`: the words matched are
    in quotation marks in the passage (its speaker quotes someone)."""
    quote: Quote
    sentence: str
    exact: bool
    differences: tuple[tuple[str, str], ...] = ()
    plan: bool = False
    inner: bool = False
    whole: bool = False
    at: tuple[int, int] = (0, 0)   # the passage's words matched (first, past the last)
    edge: bool = False             # the member has words before or after all of the passage's matched


@dataclass(frozen=True)
class Checked:
    """A quotation in a message and where it is (None: no passage of the pack's is it, nor nearly);
    `theirs`: the message gives it as the union's words."""
    span: str
    found: Found | None
    theirs: bool
    quotations: int = 1   # in the message: with more than one, the verdict names which ...
    label: str = ""       # ... by its first words, to where it differs from the others


@dataclass(frozen=True)
class _Passage:
    quote: Quote
    text: str
    tokens: tuple[str, ...]     # as written
    folded: tuple[str, ...]     # compared
    plan: bool


def _clean(text: str) -> str:
    """A member's text as words: Slack markup, emoji codes and formatting marks out, "&" as "and"."""
    text = _MARKUP.sub(" ", _EMOJI.sub(" ", clean_slack_text(text)))
    text = _APOSTROPHES.sub("'", text)   # "NASUWT`s" typed on another keyboard (the fifth review)
    return re.sub(r"\s&\s", " and ", text)


def _tokens(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    shown = tuple(_TOKEN.findall(text))
    return shown, tuple("".join(fold(t.replace("’", "'")).split()).replace("'", "") for t in shown)


def _passages(pack: Pack) -> list[_Passage]:
    """Every run of consecutive sentences of each of the pack's quotations, each once (the first
    entry quoting it gives its speaker: one text has one speaker, as the speaker proof checks).
    Only within one quotation: an entry's quotations are excerpts, not always consecutive in the
    source (the second review of round 34 found 99 joined runs no source has)."""
    def build() -> list[_Passage]:
        seen: set[str] = set()
        out = []
        for e in pack.entries:
            body = e.body if isinstance(e, (GlossaryEntry, BackgroundEntry)) else ()
            for q in entry_quotes(e, pack):
                at = body.index(q.text) if q.text in body else -1
                plan = bool(getattr(e, "plan", False)) and at >= 0 and at not in e.done or \
                    any(s.plan and s.text == q.text for s in e.since)
                said = sentences(q.text) or [q.text]
                for i in range(len(said)):
                    for j in range(i + 1, len(said) + 1):
                        start = q.text.find(said[i])
                        end = q.text.find(said[j - 1], start) + len(said[j - 1])
                        text = q.text[start:end] if 0 <= start < end else " ".join(said[i:j])
                        if text not in seen:
                            seen.add(text)
                            out.append(_Passage(q, text, *_tokens(text), plan=plan))
        return out
    return pack.derived("verbatim_passages", build)


def quotations(query: str) -> list[tuple[int, str]]:
    """The quotations of a message read to their ends (`_reading`)."""
    return _reading(query)[0]


def _reading(query: str) -> tuple[list[tuple[int, str]], bool]:
    """The quotations of a message (where each starts, its words), read to where each really ends,
    and whether all were read (an unclosed one stops the reading):
    a closing mark (either kind of its pair: ‘...' is one) followed by a space, punctuation or the
    end, the last such before the next quotation opens. A mark after an "s" with a word after it may
    be a plural possessive ("pupils’ wellbeing"): an end only when no other is found ("is 'robust
    assurance of school effectiveness' an exact quote"). Cut short at one, a quotation is found as
    part of a sentence at most, never "word for word" (the reviews of round 34)."""
    text = query[:SCANNED]
    opens = [i for i, c in enumerate(text) if c in _OPENING and (i == 0 or text[i - 1] in " \t\n([:—-_*`/")
             and i + 1 < len(text) and not text[i + 1].isspace()]
    out = []
    for k, i in enumerate(opens):
        if out and i < out[-1][0] + len(out[-1][1]) + 2:
            continue   # inside the quotation before it
        if text[i + 1] in _OPENING:   # opening with a quotation of its own ("“Serious issues” found ..." in
            return out, False         # double marks): where either ends can't be told (the fifth review)
        # to the next quotation opening with a mark of the same kind: one of the other kind is quoted
        # inside it ("Inspection should not be a process to ‘get through’." in double marks)
        limit = min(len(text), i + SPAN_CHARS, next((j for j in opens[k + 1:] if j > i + 1 and
                                                     _FAMILY[text[j]] == _FAMILY[text[i]]), len(text)))
        closes = _CLOSING[text[i]]
        ends = [j for j in range(i + 2, limit) if text[j] in closes and text[j - 1] != " " and
                (j + 1 == len(text) or not text[j + 1].isalnum())]
        if not ends:   # an unclosed quotation: what follows may be inside it ("... as the 'leadership and
            return out, False   # management' judgement ..." read from its inner mark, the third review): no more
        plain = [j for j in ends if not _possessive(text, j)]
        if plain:
            out.append((i, text[i + 1:plain[-1]]))
        elif ends:   # only a plural possessive's mark, maybe the end: the first, and marked as a guess
            out.append((i, text[i + 1:ends[0]] + CUT))
    return out, True


def _possessive(text: str, j: int) -> bool:
    """A mark at `j` after an "s" with a word after it: "pupils’ wellbeing"."""
    return text[j - 1] in "sS" and re.match(r"\s+[a-z]", text[j + 1:j + 3]) is not None


def long_enough(span: str) -> bool:
    """A span in quotation marks long enough to be a quotation, not a name ("the 'tail wagging
    the dog' thing")."""
    ws = _TOKEN.findall(_clean(span))
    return len(ws) >= QUOTE_WORDS and sum(w.lower() not in STOPWORDS for w in ws) >= 2


def _spans(text: str, tokens: tuple[str, ...]) -> list[tuple[int, int]]:
    """Where each of `text`'s tokens (`_tokens`, in order) starts and ends in it."""
    at, spans = 0, []
    for t in tokens:
        at = text.find(t, at)
        spans.append((at, at + len(t)))
        at += len(t)
    return spans


def _inside_marks(text: str, tokens: tuple[str, ...], start: int, end: int) -> bool:
    """Whether tokens[start:end] of `text` lie within quotation marks of its own."""
    spans = _spans(text, tokens)
    if not spans or end <= start:
        return False
    a, b = spans[start][0], spans[end - 1][1]
    before, after = text[:a], text[b:]
    if any(m in text[a:b] for m in "‘’“”"):   # words and marks of the passage's own in between: not one quotation
        return False
    opened = max(before.rfind("‘"), before.rfind("“"))
    return opened >= 0 and max(before.rfind("’", opened + 1), before.rfind("”", opened + 1)) < 0 and \
        (after.find("’") >= 0 or after.find("”") >= 0)


def find(span: str, pack: Pack, union_first: bool = False) -> Found | None:
    """The pack's passage a quotation comes from, word for word or nearly, or None. Of the passages
    close to it, each read word by word: of those it nearly is (NEAR of its words, in order, with
    at most MAX_DIFFERENCES small differences), the one with fewest differences, then most words
    found, then covered most fully, then not the union's (which quotes others). Most words alone
    chose a paragraph holding them all far apart (the third review of round 34)."""
    pool = _passages(pack)
    shown, folded = _tokens(_clean(span))
    best, key = None, None
    for k in _candidates(folded, pack):
        found = _compare(shown, folded, pool[k])
        if found is None:
            continue
        matched, found = found
        union = found.quote.speaker == "union"
        # given as the union's, the union's passage with the same words (it repeats Ofsted's statements)
        rank = (-len(found.differences), matched, union if union_first else False,
                matched / max(len(pool[k].folded), 1), not union)
        if key is None or rank > key:
            best, key = found, rank
    return best


def _strict(token: str) -> str:
    """A word as compared for "word for word": case aside, and curly or straight apostrophes alike
    (`fold` drops a possessive's "'s": "NASUWT view" passed for "NASUWT’s view", the third review)."""
    return token.lower().replace("’", "'")


def _ops(shown: tuple[str, ...], folded: tuple[str, ...], p: _Passage) -> list[tuple[str, int, int, int, int]]:
    """How a member's words map onto a passage's (difflib's opcodes), words that fold alike but are
    written otherwise ("NASUWT" for "NASUWT’s") not equal."""
    ops = SequenceMatcher(None, folded, p.folded, autojunk=False).get_opcodes()
    strict = []
    for tag, i1, i2, j1, j2 in ops:   # an equal run split where the words as written differ
        if tag != "equal":
            strict.append((tag, i1, i2, j1, j2))
            continue
        k = 0
        while k < i2 - i1:
            same = _strict(shown[i1 + k]) == _strict(p.tokens[j1 + k])
            n = k
            while n < i2 - i1 and (_strict(shown[i1 + n]) == _strict(p.tokens[j1 + n])) == same:
                n += 1
            strict.append(("equal" if same else "replace", i1 + k, i1 + n, j1 + k, j1 + n))
            k = n
    return strict


def _near(folded: tuple[str, ...], ops) -> tuple[int, int, int, list] | None:
    """Words found, where the part of the passage matched starts and ends, and the places the two
    differ (opcodes), when a member's words are nearly the passage's; else None."""
    matched = sum(i2 - i1 for tag, i1, i2, _, _ in ops if tag == "equal")
    if not matched or matched < NEAR * len(folded):
        return None
    start, end = min(op[3] for op in ops if op[0] != "insert"), max(op[4] for op in ops if op[0] != "insert")
    # the passage's words before or after the part quoted are no difference
    differ = [op for op in ops if op[0] != "equal" and not (op[0] == "insert" and (op[4] <= start or op[3] >= end))]
    # more, or longer, differences: a paraphrase, or a quotation running into another passage (two
    # paragraphs quoted whole were "not word for word" with the second as the member's addition)
    if len(differ) > MAX_DIFFERENCES or any(i2 - i1 > MAX_DIFFERENT or j2 - j1 > MAX_DIFFERENT
                                            for _, i1, i2, j1, j2 in differ):
        return None
    return matched, start, end, differ


def _compare(shown: tuple[str, ...], folded: tuple[str, ...], p: _Passage) -> tuple[int, Found] | None:
    """A member's words against one passage: (words found, the finding), or None if it isn't nearly it."""
    near = _near(folded, _ops(shown, folded, p))
    if near is None:
        return None
    matched, start, end, differ = near
    differences = [(" ".join(shown[i1:i2]), " ".join(p.tokens[j1:j2])) for _, i1, i2, j1, j2 in differ]
    edge = any(tag == "delete" and (i1 == 0 or i2 == len(folded)) for tag, i1, i2, _, _ in differ)
    return matched, Found(p.quote, p.text, exact=not differences, differences=tuple(differences), plan=p.plan,
                          inner=_inside_marks(p.text, p.tokens, start, end),
                          whole=not differences and start == 0 and end == len(p.folded), at=(start, end),
                          edge=edge)


def _candidates(folded: tuple[str, ...], pack: Pack) -> list[int]:
    """The passages (indices of `_passages`) close enough to a quotation's words to compare word by word."""
    if not folded:
        return []
    choices = pack.derived("verbatim_choices", lambda: [" ".join(p.folded) for p in _passages(pack)])
    return [k for _, _, k in process.extract(" ".join(folded), choices, scorer=fuzz.partial_ratio,
                                             score_cutoff=CANDIDATE_MATCH, limit=CANDIDATES)]


def _near_any(span: str, pack: Pack) -> bool:
    """Whether half or more of a quotation's words are, in order, in one of the pack's passages."""
    folded = _tokens(_clean(span))[1]
    pool = _passages(pack)
    return any(sum(b.size for b in SequenceMatcher(None, folded, pool[k].folded, autojunk=False).get_matching_blocks())
               >= MOSTLY * len(folded) for k in _candidates(folded, pack))


def attributed(query: str, start: int, union: str) -> bool:
    """Whether a quotation starting at `start` is given as the union's words: the union named
    ("the union", its name; not "the NEU union"), then a saying word, told, not asked, just before
    the quotation, with only such words as "has" or "always" between the two ("the union said
    '...'", "a quote from the union: '...'"; not "what does the union say: '...'", "nasuwt said
    tick yes to '...'", "in reply to the union, Ofsted said '...'")."""
    before = query[max(0, start - 2 * ATTRIBUTED_WITHIN):start].lower().rstrip()
    name = rf"\b(?:(?:the|my|our|this)\s+union|{re.escape(fold(union))})\b" if union else r"\b(?:the|my|our)\s+union\b"
    source = _QUOTE_FROM.search(before)
    if source is not None:
        return re.search(name, source.group(0)) is not None
    saying = _SAYING.search(before)
    if saying is None or _ASKING.search(before[max(0, saying.start() - 30):saying.start()]):
        return False
    near = before[max(0, saying.start() - ATTRIBUTED_WITHIN):saying.start()]
    named = list(re.finditer(name, near))
    # the union the one saying it: named just before the verb ("the union said", "NASUWT's view is"),
    # no one else in between ("at our union meeting the HMCI said", the third review)
    return bool(named) and _SUBJECT_TO_VERB.fullmatch(near[named[-1].end():]) is not None


def checked(query: str, pack: Pack | None) -> Checked | None:
    """The quotation a message asks about (the one nearest the asking words, however short: a verdict
    on another read as its answer), or gives as the union's words, and where it is. Not asked, only
    one given as the union's with a word changed or in another's words; never a survey statement or
    question (named, not quoted: "NASUWT says '<statement>' is very important, right?"). No verdict
    where one could be false: a quotation whose end is a guess (a possessive's mark) unless it is a
    whole passage word for word; one with an ellipsis (words left out on purpose); one not found
    whose words are mostly the pack's, or whose sentences are, apart; another quotation as near the
    asking words; a near miss whose difference is words the member has before or after all of the
    passage's (another sentence of the source, or more of one the pack quotes in part); and one
    inside a longer text the member quotes without marks ("... a case of 'the tail wagging the dog'.")."""
    if pack is None:
        return None
    union = union_of(pack)
    asked = ASKS.search(query[:SCANNED].lower())
    spans, complete = _reading(query)
    if not complete:   # a quotation not read (unclosed, or holding marks of its own kind): a verdict on
        return None    # another would read as its answer (the fourth review of round 34)
    every = [span.rstrip(CUT) for _, span in spans]
    count = len(spans)
    if asked and spans:   # of them all, not the first three (the fifth review)
        away = [_words_between(query, at, span, asked) for at, span in spans]
        near = min(range(len(spans)), key=lambda k: away[k])
        if any(k != near and away[k] <= away[near] + AS_NEAR and long_enough(every[k]) for k in range(len(spans))):
            return None   # "is 'A' an exact quote? 'B' ...": which is asked about can't be told
        spans = [spans[near]]
    for at, span in spans[:QUOTATIONS]:
        guess = span.endswith(CUT)
        span = span.rstrip(CUT)
        theirs = attributed(query, at, union)
        if not long_enough(span) or "..." in span or "…" in span or not (asked or theirs):
            continue
        found = find(span, pack, union_first=theirs)
        if found is not None and guess and not found.whole:
            return None
        if found is not None and not found.exact and (len(sentences(span)) > 1 or found.edge):
            return None   # more than the passage (another sentence, or more of the source's), read as words added
        if found is not None and found.inner and _goes_on(query, at, span, found):
            return None   # the passage's own marks: the member quotes the longer text around them
        if found is not None and not found.exact and POSING & set(_tokens(found.sentence)[1][max(0, found.at[0] - 3):
                                                                                           found.at[0]]):
            return None   # the words there ask whether ("NASUWT questions whether Ofsted should inspect ...")
        label = _label(span, [o for o in every if o != span])
        if asked:
            if found is None and (guess or _near_any(span, pack) or
                                  any(find(part, pack) for part in sentences(span) if long_enough(part))):
                return None
            return Checked(span, found, theirs, count, label)
        if found is not None and found.quote.role not in ("statement", "question") and \
                (not found.exact or found.quote.speaker != "union" or found.inner):
            return Checked(span, found, True, count, label)
    return None


AS_NEAR = 2     # words: another quotation this near the asking words as the nearest is as likely meant
ASKING_BETWEEN = frozenset({"is", "are", "was", "that", "this", "it", "these", "those", "the", "a", "an", "really",
                            "actually", "definitely"})
GOES_ON = 2     # content words of the member's own, just outside the marks, that carry on the passage's


def _words_between(query: str, at: int, span: str, asked: re.Match) -> int:
    """How many words lie between a quotation and the asking words, on either side."""
    end = at + len(span) + 2
    between = query[end:asked.start()] if end <= asked.start() else query[asked.end():at] if at >= asked.end() else ""
    # the words of asking itself don't part them ("'A' - is that the exact wording? 'B' ...": the fifth review)
    return sum(w.lower() not in ASKING_BETWEEN for w in _TOKEN.findall(between))


def _goes_on(query: str, at: int, span: str, found: Found) -> bool:
    """Whether the member's words just outside a quotation's marks, on its line, carry on the passage
    found (GOES_ON of their last or first four content words among the passage's words just before or
    after the part matched): with the marks the passage's own, the member quotes the longer text,
    unmarked, blockquoted or in code (the fifth review: "Starting with the Ofsted report could be
    seen as a case of 'the tail wagging the dog'." misquotes the union's sentence)."""
    passage = _tokens(found.sentence)[1]
    start, end = found.at
    line_start = query.rfind("\n", 0, at) + 1
    line_end = query.find("\n", at + len(span) + 2)
    before = _content(query[line_start:at])[-4:]
    after = _content(query[at + len(span) + 2:line_end if line_end >= 0 else len(query)])[:4]
    return len(set(before) & set(_content_of(passage[max(0, start - 8):start]))) >= GOES_ON or \
        len(set(after) & set(_content_of(passage[end:end + 8]))) >= GOES_ON


def _content(text: str) -> list[str]:
    return _content_of(_tokens(_clean(text))[1])


def _content_of(folded) -> list[str]:
    return [w for w in folded if w not in STOPWORDS]


def _label(span: str, others: list[str]) -> str:
    """A quotation's first words, enough to tell it from the message's others ("‘NASUWT’s view is that
    single-word judgements are helpful …’" beside "... are not helpful ...": the fifth review)."""
    ws = span.split()
    n = 5
    for other in others:   # words compared as the check compares them ("NASUWT's" and "NASUWT’s" alike)
        mine, theirs = [_tokens(_clean(w))[1] for w in ws], [_tokens(_clean(w))[1] for w in other.split()]
        same = next((k for k, (a, b) in enumerate(zip(mine, theirs)) if a != b), min(len(ws), len(theirs)))
        n = max(n, same + 1)
    return " ".join(ws[:n]) + (" …" if n < len(ws) else "")


# A claim in the union's words with the sense reversed: "is it true the union said single-word judgements
# are helpful?" (it wrote "are not helpful"), "NASUWT's view is that the current arrangements are consistent
# and MATs should not be inspected" (audit 34's re-check: shown the right sentence, nothing said the
# member's was the opposite). A negation's words, a word's negated form ("shouldnt"), and a negating prefix.
NEGATIONS = frozenset({"not", "no", "never", "nor", "cannot", "non"})
NEGATED = {"dont": "do", "doesnt": "does", "didnt": "did", "isnt": "is", "arent": "are", "wasnt": "was",
           "werent": "were", "shouldnt": "should", "wouldnt": "would", "couldnt": "could", "cant": "can",
           "wont": "will", "mustnt": "must", "neednt": "need", "hasnt": "has", "havent": "have", "hadnt": "had"}
NEGATING = ("un", "in", "im", "ir", "il", "dis", "non")
# ... a negating prefix only on these words' stems: "inform" is no negation of "form" (the review of round 35)
NEGATED_WORDS = frozenset("""
inconsistent inconsistency insufficient inappropriate inadequate ineffective inaccurate incomplete incorrect
inconclusive ineligible inexperienced ineffective insignificant unhelpful unfair unclear unnecessary unreliable
unregistered unregulated unsafe unacceptable unlikely unable unaware unintended unreasonable unsupported
unsuccessful unequal unimportant unusual unfit unlawful illegal illegitimate impossible improper impractical
irrelevant irresponsible disagree disagrees dislike dislikes dissatisfied disproportionate dishonest nonstatutory
""".split())
CLAIM_WORDS = 4          # words a claim needs to be compared (2 of them no stopwords)
# the passage asks whether, or poses: its words there are no answer of the union's ("NASUWT questions whether
# Ofsted should inspect safeguarding")
POSING = frozenset({"whether", "if", "questions", "asks", "ask"})


@dataclass(frozen=True)
class Flipped:
    """The union's passage a claim reverses, and where: (the union's words, the member's) for each place."""
    quote: Quote
    sentence: str
    places: tuple[tuple[str, str], ...]
    plan: bool = False


def _negations(words: tuple[str, ...], other: tuple[str, ...]) -> tuple[int, list[str]]:
    """How many negations some words hold, and the words with them taken out (`other`: the words
    they are compared with, whose bare form a negating prefix is read against: "inconsistent")."""
    count, kept = 0, []
    for w in words:
        if w in NEGATIONS:
            count += 1
        elif w in NEGATED:
            count, kept = count + 1, [*kept, NEGATED[w]]
        elif w in NEGATED_WORDS and w not in other and any(w.startswith(p) and w[len(p):] in other for p in NEGATING):
            count, kept = count + 1, [*kept, next(w[len(p):] for p in NEGATING if w.startswith(p)
                                                  and w[len(p):] in other)]
        else:
            kept.append(w)
    return count, kept


def _reverses(mine: tuple[str, ...], theirs: tuple[str, ...]) -> bool:
    """Whether two runs of words differ only by a negation (one has it, the other not)."""
    a, kept_mine = _negations(mine, theirs)
    b, kept_theirs = _negations(theirs, mine)
    return (a - b) % 2 == 1 and sorted(kept_mine) == sorted(kept_theirs)


def flipped(claim: str, pack: Pack) -> Flipped | None:
    """The union's passage a claim given as its words (bot/claims.py's `said_of`) nearly is, with the
    sense reversed at one place or more (a negation in one and not the other); None when it is none's,
    or any passage of the union's has it without such a place (its words, or others it wrote), or
    the union's words there ask or pose rather than say ("whether", a question)."""
    shown, folded = _tokens(_clean(claim))
    union = fold(union_of(pack))
    if len(folded) < CLAIM_WORDS or sum(w not in STOPWORDS for w in folded) < 2:
        return None
    pool = _passages(pack)
    best, key = None, None
    for k in _candidates(folded, pack):
        p = pool[k]
        if p.quote.speaker != "union" or p.quote.role in ("statement", "question"):
            continue
        ops = _ops(shown, folded, p)
        near = _near(folded, ops)
        if near is None:
            continue
        matched, start, end, differ = near
        places = [op for op in differ if _reverses(folded[op[1]:op[2]], p.folded[op[3]:op[4]])]
        # every difference a negation's, and in some clause an odd number of them: "sufficient attention is
        # not being paid" for "insufficient attention is being paid" says the same (the review of round 35)
        places = _reversed_clauses(places, p.folded) if len(places) == len(differ) else []
        # a place after "whether" ("NASUWT questions whether Ofsted should inspect ..."), or in words the union
        # quotes ("‘Is there anything else you would like to tell us?’"), is no say of its own
        if any(POSING & set(p.folded[max(start - 3, 0):op[3]]) or
               _inside_marks(p.text, p.tokens, max(op[3] - 1, 0), min(max(op[4], op[3] + 1) + 1, len(p.tokens)))
               for op in places):
            return None
        if not places or POSING & set(p.folded[max(start - 3, 0):start]) or p.text.rstrip().endswith("?") \
                or _inside_marks(p.text, p.tokens, start, end) or not _own_say(p, start, union):
            return None   # nearly its words, not reversed, or not its own say: no verdict
        rank = (-len(differ), matched)
        if key is None or rank > key:
            shown_places = tuple(_in_context(shown, p.tokens, op) for op in places)
            best, key = Flipped(p.quote, p.text, shown_places, p.plan), rank
    return best


CLAUSE_WORDS = frozenset({"and", "but", "or", "while", "whereas", "although", "though", "because"})


def _reversed_clauses(places: list, folded: tuple[str, ...]) -> list:
    """Of the places a claim reverses the passage's words (opcodes), those in clauses of the passage
    (split at "and", "but" ...) reversed an odd number of times: two in one clause cancel."""
    clause, at = [], 0
    for w in folded:
        clause.append(at)
        at += w in CLAUSE_WORDS
    by: dict[int, list] = {}
    for op in places:
        by.setdefault(clause[min(op[3], len(folded) - 1)], []).append(op)
    return [op for ops in by.values() if len(ops) % 2 for op in ops]


def _own_say(p: _Passage, start: int, union: str) -> bool:
    """Whether the words matched from `start` are said in the union's own voice: its sentence starts
    there, after a word or two ("Currently,"), or after the union's name or "we" ("NASUWT’s view is
    that ..."); not after another's words or a frame ("The expectation is simply that mainstream
    pupils will take more pupils with SEND.": the expectation it criticises)."""
    # to where the first word matched starts: a stop before it ends a sentence
    at = _spans(p.text, p.tokens)[start][0] if start < len(p.tokens) else len(p.text)
    said = _tokens(re.split(r"[.?!:;]\s", p.text[:at])[-1])[1] if start else ()
    return len(said) <= 2 or bool({union, "we", "our", "us"} & set(said))


def _in_context(shown: tuple[str, ...], tokens: tuple[str, ...], op) -> tuple[str, str]:
    """A place two runs of words differ, as (the passage's words, the member's), with the words on either
    side when one has none there ("are not helpful" for "are helpful", not "not" for nothing)."""
    _, i1, i2, j1, j2 = op
    if i1 == i2 or j1 == j2:
        before = i1 > 0 and j1 > 0 and _strict(shown[i1 - 1]) == _strict(tokens[j1 - 1])
        after = i2 < len(shown) and j2 < len(tokens) and _strict(shown[i2]) == _strict(tokens[j2])
        i1, j1 = i1 - before, j1 - before
        i2, j2 = i2 + after, j2 + after
    return " ".join(tokens[j1:j2]), " ".join(shown[i1:i2])
