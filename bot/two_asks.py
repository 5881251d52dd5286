"""Two questions in one message ("MATs - should ofsted inspect them? and whats the union line on
deep dives in primary"): searched whole, one was answered and the other dropped without a word,
even in the full reply (content audits 34 and 35). Here a message is cut into its questions, and
`other_ask` finds the one the answer leaves out, for the reply to name.

Only a plain second question: after a question mark, or "and" before a question word; asking in
its own words (a question word first), not pointing back ("... is it agree/disagree?", "want to
quote that"); and each part naming its own entry in two words or more of the entry's title,
names or keywords. A story with "where do I put this?" after it is one question, and so is "the
autumn visits - are they graded? do we get a proper report at the end": its second part, alone,
reads as another entry's question (the sets' messages showed 65 such splits before these rules, 0
after).

No search here: `other_ask` is given the search to run (bot/packs.py's Library).
"""
from __future__ import annotations

import re
from collections.abc import Callable

from bot.asking import ASKING
from bot.normalise import STOPWORDS, stem, words
from bot.results import Match, SearchResult
from bot.structure import FILLER

SPLIT = re.compile(r"\?+\s+|\s+and\s+(?=(?:also\s+)?(?:what|whats|how|does|do|did|is|are|can|should|would|who|"
                   r"when|where|why|which)\b)", re.IGNORECASE)
QUESTION_WORDS = frozenset({"what", "whats", "how", "does", "do", "did", "is", "are", "can", "should", "would",
                            "who", "when", "where", "why", "which", "also"})
POINTING_BACK = frozenset({"it", "that", "this", "they", "them", "those", "these", "its", "their", "theyre"})
SAYING = ("say", "says", "said", "think", "thinks", "recommend", "recommends", "want", "wants")
PART_WORDS = 3       # words a part needs to be a question of its own
NAMING_WORDS = 2     # of its content words, in its entry's title, names or keywords


def parts(query: str) -> list[str]:
    """A message's two questions, or [] when it asks one (or more than two)."""
    found = [p.strip(" ,.-–—") for p in SPLIT.split(query.strip())]
    found = [p for p in found if len(p.split()) >= PART_WORDS]
    if len(found) != 2:
        return []
    second = words(found[1])
    asks = bool(second) and (second[0] in QUESTION_WORDS or second[0] == "and" and second[1:2] and
                             second[1] in QUESTION_WORDS)
    # the first a question too, not a story with a question mark ("the lead inspector was an HMI and very
    # rude? what does the union say about ...": the review of round 35)
    asks = asks and not QUESTION_WORDS.isdisjoint(words(found[0]))
    # pointing back at what the first asked about ("is it agree/disagree?"); not at who speaks ("what does
    # it say about off-rolling": the union)
    back = any(w in POINTING_BACK and second[i + 1:i + 2] not in ([v] for v in SAYING)
               for i, w in enumerate(second))
    return [re.sub(r"^(?:and\s+)?(?:also\s+)?", "", p, flags=re.IGNORECASE) for p in found] if asks and not back else []


def _content(text: str) -> set[str]:
    return {stem(w) for w in words(text) if w not in STOPWORDS and w not in ASKING and w not in FILLER
            and not w.isdigit()}


def names(part: str, match: Match) -> bool:
    """Whether a part names the entry it found, in NAMING_WORDS words of its title, names or keywords."""
    e = match.entry
    said = " ".join([getattr(e, "title", ""), *getattr(e, "aliases", ()), *getattr(e, "keywords", ())])
    return len(_content(part) & {stem(w) for w in words(said)}) >= NAMING_WORDS


def other_ask(query: str, result: SearchResult, search: Callable[[str], SearchResult]) -> tuple[str, Match] | None:
    """The question of a two-question message that `result` (the whole message's) doesn't answer,
    and its best match: each part searched alone answered plainly (not asked which), by entries of
    their own (neither among the other's matches), each named by its part, and the whole message's
    answer among one part's matches only. None otherwise."""
    if not result.answered or result.ambiguous or result.whole_section or result.best is None:
        return None
    asked = parts(query)
    if not asked:
        return None
    found = [search(p) for p in asked]
    if not all(r.answered and r.best is not None and not r.ambiguous for r in found):
        return None
    ids = [{m.entry.id for m in r.matches} for r in found]
    first, second = (r.best for r in found)
    if first.entry.id in ids[1] or second.entry.id in ids[0] or \
            not all(names(p, r.best) for p, r in zip(asked, found)):
        return None
    # the whole message's answer one part's (among its matches, not the other's): the other part is left out
    answered = result.best.entry.id
    if answered in ids[0] and answered not in ids[1]:
        return asked[1], second
    if answered in ids[1] and answered not in ids[0]:
        return asked[0], first
    return None
