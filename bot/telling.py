"""Which quotations tell a question apart: the words they share with it (counted, or weighed by
how rare each is among the union's sentences), and which of an entry's passages answers it (a
date for "when", a count for "how many", what someone named said). What the replies lead with
reads these (`bot.replies`); nothing here knows of replies or Slack."""
from __future__ import annotations

import math
import re
from collections import Counter

from bot.knowledge import Pack, SurveyEntry, entry_quotes, sentences, union_of
from bot.normalise import STOPWORDS, stem, words
from bot.search import consultation_name


def synonym_map(pack: Pack | None) -> dict[str, str]:
    """Single words the pack's synonyms treat as one ("the union" = "NASUWT"), stem to group."""
    if pack is None:
        return {}

    def build() -> dict[str, str]:
        found: dict[str, str] = {}
        for i, group in enumerate(pack.synonyms):
            for phrase in group:
                content = [stem(w) for w in words(phrase) if w not in STOPWORDS]
                if len(content) == 1:
                    found.setdefault(content[0], f"#{i}")
        return found
    return pack.derived("reply_synonyms", build)


def terms(text: str, synonyms: dict[str, str]) -> set[str]:
    """Content words, stemmed and cut to 5 letters so "exclusions" meets "exclude"."""
    return {synonyms.get(t, t)[:5] for t in (stem(w) for w in words(text) if w not in STOPWORDS and not w.isdigit())}


def shared_words(texts: list[str], query: str, pack: Pack | None, *, ignore: str = "") -> list[int]:
    """How many content words each of `texts` shares with the question (words of `ignore` don't
    count: in the union's own commentary, "the union" tells no sentence apart)."""
    synonyms = synonym_map(pack)
    asked = (terms(query, synonyms) - terms(ignore, synonyms)) if query else set()
    return [len(asked & terms(t, synonyms)) for t in texts]


def by_relevance(texts: list[str], query: str, pack: Pack | None, *, ignore: str = "") -> list[int]:
    """Indices of `texts`, the one sharing most words with the question first (ties, and
    a question sharing no words, keep the stored order). A word-overlap count, not a search."""
    scores = shared_words(texts, query, pack, ignore=ignore)
    return sorted(range(len(texts)), key=lambda i: -scores[i])


def commentary_text(entry) -> str:
    """All the union's commentary on a survey question, in order, one paragraph a line."""
    if not isinstance(entry, SurveyEntry):
        return ""
    return "\n".join([*entry.commentary, *(p for s in entry.statements for p in s.commentary)])


# the nouns of asking for a view that are no topic of one ("nasuwt's take", "their line" may be:
# "take any of that into account")
ASKED_VIEW = "view views opinion opinions stance verdict"   # not "position": cut to 5 letters, it is "positive"
RARE_SHARE = 0.1   # the share of the union's sentences a word may be in and still tell them apart


def names_text(pack: Pack | None) -> str:
    """The union's name, who runs the consultation and the consultation's own name ("NASUWT union
    Ofsted big listen"): words that tell none of the pack's quotations apart."""
    if pack is None:
        return ""
    c = pack.consultation
    return " ".join((union_of(pack), "union", c.run_by if c else "", *(" ".join(p) for p in consultation_name(pack))))


def named_consultation(query: str, pack: Pack | None) -> str:
    """The consultation's own name when the question uses it, as a phrase (`bot.search`'s
    `consultation_name`: "big listen", not "Ofsted"): asked "when did ofsted publish its response to
    the big listen", the launch dates' "the Big Listen" told nothing apart. Another pack's "Workload
    Consultation" keeps "workload" in "workload of marking"."""
    if pack is None:
        return ""
    asked = " ".join(words(query))
    return " ".join(" ".join(p) for p in consultation_name(pack) if f" {' '.join(p)} " in f" {asked} ")


def word_weights(pack: Pack) -> dict[str, float]:
    """How telling each word of the union's sentences on the pack's survey questions is: the log
    of how many sentences there are over how many have it. Words in more than RARE_SHARE of them
    ("school", "inspection", "pupils") and the names of the union, the pack and its consultation
    ("can I say that in the big listen?") tell none apart and are left out."""
    def build() -> dict[str, float]:
        synonyms = synonym_map(pack)
        said = {s for e in pack.entries if isinstance(e, SurveyEntry) for p in commentary_text(e).split("\n")
                for s in sentences(p)}
        counts = Counter(t for s in said for t in terms(s, synonyms))
        names = terms(names_text(pack), synonyms)
        return {t: math.log(len(said) / n) for t, n in counts.items() if n <= RARE_SHARE * len(said) and t not in names}
    return pack.derived("reply_word_weights", build)


def telling_words(texts: list[str], query: str, pack: Pack, topic: tuple[str, ...] = (),
                  ignore: str = "") -> list[float]:
    """How telling of the question each of `texts` is: the weights (`word_weights`) of the
    question's words it shares. One word alone counts only when it is one of `topic`'s (an
    entry's keywords): "same", "long" or "year" shared alone is chance, "workload" is not.
    `ignore`: words that don't count (an entry's own title, asked about as a whole)."""
    synonyms, weights = synonym_map(pack), word_weights(pack)
    # "whats nasuwt view on ..." asks for a view: "NASUWT's view is that ..." is not the more telling for it
    asked = (terms(query, synonyms) - terms(f"{ignore} {ASKED_VIEW}", synonyms)) & weights.keys()
    topical = terms(" ".join(topic), synonyms)

    def weight(text: str) -> float:
        shared = asked & terms(text, synonyms)
        return 0.0 if len(shared) == 1 and not shared <= topical else sum(weights[t] for t in shared)
    return [weight(t) for t in texts]


_MONTHS = ("january|february|march|april|june|july|august|september|october|november|december|"
           "spring|summer|autumn|winter")   # and May, with a day or a year: "we may" is no date
_A_DATE = re.compile(rf"\b(?:(?:19|20)\d\d|(?:{_MONTHS})|\d\d? may|may (?:19|20)\d\d)\b", re.I)
# a count: not a footnote mark ("[1]"), a year or a day of a month ("Published 19 December 2024")
_A_NUMBER = re.compile(rf"(?<!\[)\b(?!(?:19|20)\d\d\b)\d+(?:[.,/]\d+)*\b(?!\]|\s+(?:{_MONTHS}|may)\b)", re.I)
# how a message asks for a time or a number: "when do report cards start", "how many ... done"
_ASKS_WHEN = re.compile(r"(?:^|\b(?:so|but|and|then|ok)\s)when\s(?:do|does|did|is|are|was|were|will|would|can|could|"
                        r"should|has|have|had|s)\b|\bwhat (?:date|year|month|day)\b|"
                        r"\bhow soon\b|\bby when\b|\buntil when\b")
_ASKS_HOW_MANY = re.compile(r"\bhow (?:many|much)\b|\bwhat (?:percentage|proportion|share|number)\b")


def asked_type(query: str) -> re.Pattern | None:
    """What a question's answer must hold to answer it: a date ("when ..."), a number ("how many"),
    or None."""
    said = " ".join(words(query))
    if _ASKS_WHEN.search(said):
        return _A_DATE
    if _ASKS_HOW_MANY.search(said) or re.search(r"\bwhat\s*%|\bwhat (?:per ?cent|percent)\b", query, re.I):
        return _A_NUMBER   # "what % agreed with the new outcomes"
    listed = _ASKS_THE_N.search(said)
    if listed:   # "what are the three outcomes": the passage saying there are three (audit 33)
        n = listed.group(1)
        return re.compile(rf"\b(?:{n}|{_NUMBERS.get(n, n)})\b", re.I)
    return None


_NUMBERS = {"2": "two", "3": "three", "4": "four", "5": "five", "6": "six", "7": "seven", "8": "eight", "9": "nine",
            "10": "ten"}
_NUMBERS |= {v: k for k, v in _NUMBERS.items()}
# how a message asks for the members of a set it counts: "what are the three outcomes", "which are the 4 areas"
_ASKS_THE_N = re.compile(rf"\b(?:what|which|whats)\s+(?:are|were|r)?\s*(?:the|its|their)\s+({'|'.join(_NUMBERS)})\b")


_CAPITALISED = re.compile(r"(?<![\w’'])[A-Z][a-z]+")
_LOWER = re.compile(r"(?<![\w’'])[a-z]+")


def _capitalised(text: str) -> set[str]:
    return {stem(w) for w in words(" ".join(_CAPITALISED.findall(text)))}


def only_named(pack: Pack | None) -> frozenset[str]:
    """Words the pack's quotations only ever write capitalised: names ("Spielman", "Perry"), not
    "Mental Health First Aid England"'s "health" nor a month; also some that start a sentence
    ("Instead") or an institution's name ("Family"), hence `asked_who`."""
    if pack is None:
        return frozenset()

    def build() -> frozenset[str]:
        said = {q.text for e in pack.entries for q in entry_quotes(e, pack)}
        plain = {stem(w) for t in said for w in _LOWER.findall(t)}
        months = {stem(m) for m in (*_MONTHS.split("|"), "may")}   # a date is no one: `asked_type` reads dates
        return frozenset(set().union(*(_capitalised(t) for t in said)) - plain - months)
    return pack.derived("reply_only_named", build)


# how a message asks what someone said or who they are: "what did spielman say", "who is chris jones"
SAYING = frozenset("say says said think thinks thought reckon reckons claimed warned".split())


def asked_who(query: str, pack: Pack | None) -> set[str]:
    """The names (`only_named`) a message asks what someone said, or who they are: one name just
    before a word of saying ("what did spielman say", "spielman said"), or two together ("who is
    chris jones", "what did nick brook say"); not "my family keeps asking" nor "my family told me"
    (the reviews of round 32: "Family" of "Children and Family Court ..." is only written
    capitalised). The union and the consultation's runner are named too often to tell passages
    apart."""
    folded = words(query)
    names = only_named(pack) - {stem(w) for w in words(names_text(pack))}
    named = [False, *(w not in STOPWORDS and stem(w) in names for w in folded), False]   # padded
    return {stem(w) for i, w in enumerate(folded, 1) if named[i] and (
        folded[i:i + 1] and folded[i] in SAYING or named[i - 1] or named[i + 1])}


def passage_order(texts: list[str], query: str, pack: Pack | None, *, ignore: str = "",
                  ahead: list[bool] | None = None) -> list[int]:
    """Indices of an entry's passages, the one that answers the question first: those sharing a
    word with it and holding what it asks for (a date for "when", a count for "how many"), if any
    do, then one naming someone it asks about (`asked_who`), then the one sharing most of its words,
    then those of `ahead` (the union's view, when asked it); the rest keep the stored order, as all
    do for a question sharing nothing with them and no `ahead`. A count, not weights by rarity
    (tried, round 31): one rare word a long message happens to share ("the whole day") outweighed
    the words it was about. `ignore`: words that don't count (the consultation's name)."""
    if not query:
        return list(range(len(texts)))
    synonyms = synonym_map(pack)
    asked = terms(query, synonyms) - terms(ignore, synonyms)
    shared = [asked & terms(t, synonyms) for t in texts]
    kind = asked_type(query)
    typed = [bool(kind and kind.search(t)) for t in texts]
    # someone named ("what did spielman say about area send inspections") is answered by what they said, not
    # by the passage sharing most words ("annual ... area SEND inspection arrangements")
    who = asked_who(query, pack)
    named = [bool(who & _capitalised(t)) for t in texts] if who else [False] * len(texts)
    # a date or a count counts only in a passage about what was asked: "how many councils had significant
    # weaknesses" led with "73 per cent of respondents ..." over "two thirds of councils" (the review)
    first = ahead or [False] * len(texts)
    return sorted(range(len(texts)),
                  key=lambda i: (not (typed[i] and shared[i]), not named[i], -len(shared[i]), not first[i]))
