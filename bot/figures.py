"""Questions asking for a figure: a percentage, a sum of money, a phone number, how many took part.

The bot answers only in its sources' words, so such a question is answered only by an entry
whose quotations hold a figure of that kind. Otherwise the entry is about the right thing
but can't answer it ("what % of big listen responses said scrap the one word grades?" got
the single-word judgements entry, which gives no percentage; "how much does the chief
inspector get paid" got who the chief inspector is): the search declines, offering the
entry as a suggestion (bot/blend.py).
"""
from __future__ import annotations

import re

from bot.normalise import fold

# what is asked for (read in the member's folded words, punctuation kept), and what in an
# entry's quotations would answer it
_ASKS = {
    "percent": re.compile(r"\bwhat ?(?:%|per ?cent|percentage|proportion)|\bhow many per ?cent\b|"
                          r"\b(?:percentage|proportion) of (?:teachers|people|staff|responses|respondents|schools)\b"),
    "money": re.compile(r"\bhow much (?:\w+ ){0,6}(?:paid|pay|earn|earns|cost|costs|charge|charges)\b|"
                        r"\b(?:salary|salaries|wage|wages)\b|\bhow much (?:money|funding)\b"),
    "phone": re.compile(r"\b(?:phone|telephone|contact) number\b|\bnumber (?:to ring|to call)\b|"
                        r"\bwhat number (?:do|should|can) (?:i|we) (?:ring|call)\b"),
    "count": re.compile(r"\bhow many (?:people|teachers|staff|parents|responses|respondents|replies)\b"
                        r"(?:.*\b(?:respond|responded|took part|replied|filled|completed|answered|did it)\b)?"),
}
_HOLDS = {
    "percent": re.compile(r"\d\s*%|\bper ?cent\b|\b(?:half|third|quarter|majority)\b"),
    "money": re.compile(r"£\s*\d|\d[\d,.]* ?(?:pounds|million|billion)\b"),
    "phone": re.compile(r"\b0\d{2,4}[ -]?\d{3,4}[ -]?\d{3,4}\b|\+44"),
    "count": re.compile(r"\b(?!(?:19|20)\d\d\b)\d[\d,]*\b"),   # a number, not a year
}


def asked_for(query: str) -> str | None:
    """The kind of figure a question asks for, or None."""
    text = fold(query)
    return next((kind for kind, pattern in _ASKS.items() if pattern.search(text)), None)


def holds(entry, kind: str) -> bool:
    """Whether an entry's quotations hold a figure of `kind`."""
    return any(_HOLDS[kind].search(q.lower()) for q in entry.quotes())


def figure_missing(query: str, entry) -> bool:
    """The question asks for a figure `entry` can't give."""
    kind = asked_for(query)
    return kind is not None and not holds(entry, kind)
