"""What the union never said: asked what it thinks about something ("what did nasuwt say about
Ruth Perry", "does nasuwt want no-notice inspections"), a survey question's reply can hold that
thing only in Ofsted's words. Led with the union's view on the question, it read as the union's
word on it (content audit 30: NASUWT's view that another body should inspect safeguarding, shown
as if it were the union's comment on Ruth Perry's death, which only Ofsted's text names).

A word of the question counts as unsaid when a quotation of the entry not the union's has it and
none of the union's quotations in the whole pack does (so the union didn't put it another way
under another question either, in the same word).
"""
from __future__ import annotations

import re
from bisect import bisect_left

from rapidfuzz import fuzz, process

from bot.asking import ASKING as WORDS_OF_ASKING
from bot.knowledge import Entry, Pack, Quote, entry_quotes
from bot.normalise import STOPWORDS, stem, words

# the words of asking for a view, not what it is about ("what does nasuwt *really think* about")
ASKING = WORDS_OF_ASKING | frozenset("""
thought supports backs comment comments saying opinion union unions anything something much whats
""".split())


def _stems(text: str) -> set[str]:
    return {stem(w) for w in words(text) if w not in STOPWORDS and w not in ASKING and not w.isdigit()}


def union_words(pack: Pack) -> frozenset[str]:
    """Every word stem in a quotation of the union's, across the pack."""
    def build() -> frozenset[str]:
        said = {q.text for e in pack.entries for q in entry_quotes(e, pack) if q.speaker == "union"}
        return frozenset(s for text in said for s in _stems(text))   # each text read once, however often quoted
    return pack.derived("unsaid_union_words", build)


_NAME = re.compile(r"(?<=[a-z,;:]\s)[A-Z][a-z]+")   # capitalised inside a sentence: "headteacher Ruth Perry"


def _names(text: str) -> set[str]:
    return {stem(w) for m in _NAME.finditer(text) for w in words(m.group())}


def unsaid(query: str, entry: Entry, pack: Pack, union: str) -> list[Quote]:
    """The entry's quotations not the union's that hold what the question asks the union about
    when the union's words never do, most of those words first; [] unless the question names
    someone or something (a capitalised name: "Ruth Perry") the union never does, or every word
    of the question the entry holds is one the union never uses ("what notice period does NASUWT
    want?": the survey's statement has it, no comment of the union's does)."""
    asked = _stems(query) - _stems(union)
    quotes = entry_quotes(entry, pack)
    # Ofsted's framing the union's comment is about (`refers_to_context`) is what the union speaks
    # to, in its own words ("withholding the grade" is "delay issuing an inspection report")
    framing = {entry.context[i] for i in getattr(entry, "refers_to_context", ())}
    others = [q for q in quotes if q.speaker != "union" and q.role != "since" and q.text not in framing]
    stems = {q.text: _stems(q.text) for q in quotes}   # each quotation's words, read once
    held = asked & set().union(*stems.values())
    never = held - union_words(pack) - set().union(*(_stems(t) for t in framing))
    if not never:
        return []
    named = never & set().union(*(_names(q.text) for q in others))
    if not named and (never != held or len(never) < 2):
        return []
    found = [(len(never & stems[q.text]), i) for i, q in enumerate(others)]
    return [others[i] for n, i in sorted(found, key=lambda f: (-f[0], f[1])) if n]


# Words of a claim that say nothing of what it claims: fillers, modals, contractions (the union writes
# "should not"), the words of answering a survey (an option claimed is checked as one: bot/claims.py)
FILLER = frozenset("""
somewhere basically completely totally really actually literally just anyway since instead cos coz though also
still even etc yeah yep kinda sort thing things stuff whole ought might must already currently anymore again
shouldnt wouldnt couldnt dont doesnt didnt isnt arent wasnt werent cant wont havent hasnt hadnt mustnt neednt
put write answer tick respond fill recommend recommends advise suggest choose pick select give mark
""".split())
TYPO_RATIO = 88   # rapidfuzz ratio from which a claim's word is a misspelling of one of the union's


def claim_words(pack: Pack) -> tuple[tuple[str, ...], frozenset[str]]:
    """What a claim's words are checked against (`never_said`), read once per pack: every word, as
    written (lower case), in a quotation of the union's, sorted, with the words of every synonym phrase
    whose group has one ("multi academy trust" with "MATs"); and the stems that count as said besides
    the union's own (`union_words`): those the pack's synonyms make one with them ("kids" for
    "children"), every question's options ("disagree": a claimed option is checked as one), and the
    pack's own names for what the union comments on (its entries' ids and titles)."""
    def build() -> tuple[tuple[str, ...], frozenset[str]]:
        said = {w for e in pack.entries for q in entry_quotes(e, pack) if q.speaker == "union" for w in words(q.text)}
        for group in pack.synonyms:
            if any(set(words(p)) <= said for p in group):
                said |= {w for p in group for w in words(p)}
        stems = union_words(pack)
        singles = [{stem(p) for p in group if len(words(p)) == 1} for group in pack.synonyms]
        too = set().union(*(g for g in singles if g & stems))
        too |= {stem(w) for e in pack.entries for o in getattr(e, "options", ()) for w in words(o)}
        # the pack's own names for what the union comments on, its entries' ids and titles ("the SEND reporting
        # aims": audit 35); not the survey's wording ("more regularly", the review of round 35) nor the
        # keywords, members' own words ("too short")
        too |= {stem(w) for e in pack.entries for w in words(f"{e.id} {e.title}")}
        return tuple(sorted(said)), frozenset(too)
    return pack.derived("unsaid_claim_words", build)


def _written(word: str, spellings: tuple[str, ...]) -> bool:
    """Whether the union wrote the word in some form: as a word's start ("stop" in "stopped", British
    "prioritise" and "priorities" sharing six letters), with "un" ("unhelpful": "not helpful"), a word
    it wrote whole with "-ing" or "-ed" ("using": "use"), or misspelt ("safegaurding")."""
    def starts(prefix: str, whole: bool = False) -> bool:
        i = bisect_left(spellings, prefix)
        return i < len(spellings) and (spellings[i] == prefix if whole else spellings[i].startswith(prefix))
    if starts(word if len(word) < 6 else word[:6]) or (word.startswith("un") and len(word) > 5 and starts(word[2:])):
        return True
    # another form of a word written whole: "using" for "use", "used" for "use" (not "added" for "address")
    bases = [word[:-3] + "e", word[:-3]] if word.endswith("ing") else [word[:-1], word[:-2]] if word.endswith("ed") \
        else []
    if any(len(b) >= 3 and starts(b, whole=True) for b in bases):
        return True
    return process.extractOne(word, spellings, scorer=fuzz.ratio, score_cutoff=TYPO_RATIO) is not None


def never_said(claim: str, pack: Pack) -> list[str]:
    """The words of a claim told of the union (bot/claims.py's `told_claim`: "deep dives scrapped in
    primary") the union never wrote in any form (`_written`), in a quotation of its anywhere in the
    pack, nor one the pack's synonyms make one with such a word ("kids" for "children"): ["scrapped"].
    Only words of four letters or more that aren't fillers, the words of asking, or any question's
    options ("disagree"). Words, not meaning: a true claim in other words has some too ("ought")."""
    said = union_words(pack)
    spellings, too = claim_words(pack)
    found = []
    for w in words(claim):
        s = stem(w)
        if (w.isalpha() and len(w) >= 4 and w not in STOPWORDS and w not in ASKING and w not in FILLER
                and s not in said and s not in too and w not in found and not _written(w, spellings)):
            found.append(w)
    return found
