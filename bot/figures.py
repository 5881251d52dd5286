"""Questions asking for a figure: a percentage, a sum of money, a phone number, how many took part.

The bot answers only in its sources' words, so such a question is answered only by an entry
whose quotations hold a figure of that kind. Otherwise the entry is about the right thing
but can't answer it ("what % of big listen responses said scrap the one word grades?" got
the single-word judgements entry, which gives no percentage; "how much does the chief
inspector get paid" got who the chief inspector is): the search declines, offering the
entry as a suggestion (bot/blend.py). Narrow on purpose: a number beside what was asked about
("132 actions" is no count of who took part), and "how many can take part" asks who may.
"""
from __future__ import annotations

import re

from bot.normalise import fold

# what is asked for (read in the member's folded words, punctuation kept), and what in an
# entry's quotations would answer it
_ASKS = {
    "percent": re.compile(r"\bwhat ?(?:%|per ?cent\b|percentage\b)|\bhow many per ?cent\b|\b(?:percentage|proportion) "
                          r"of (?:teachers|people|staff|parents|responses|respondents|schools)\b"),
    # a sum asked for, not pay mentioned ("where can I mention salaries?")
    "money": re.compile(r"\bhow much (?:\w+ ){0,6}(?:paid|pay|earn|earns|cost|costs|charge|charges)\b|"
                        r"\bwhat (?:\w+ )?(?:salary|salaries|wage|wages)\b|\bhow much (?:money|funding)\b"),
    "phone": re.compile(r"\b(?:phone|telephone|contact|helpline|hotline) (?:phone )?number\b|"
                        r"\bnumber (?:to ring|to call|for the (?:helpline|hotline))\b|"
                        r"\bwhat number (?:do|should|can) (?:i|we) (?:ring|call)\b"),
    # how many took part (done: "responded", "took part"), not who may ("how many can take part")
    "count": re.compile(r"\bhow many (?:responses|respondents|replies)\b|"
                        r"\bhow many (?:people|teachers|staff|parents|members)\b(?: \w+){0,6}? "
                        r"(?:responded|replied|took part|filled it in|completed it|did it|answered|said|agreed|"
                        r"disagreed|voted|wanted|thought)\b"),
}
_HOLDS = {
    "percent": re.compile(r"\d\s*%|\d ?per ?cent\b"),
    "money": re.compile(r"£\s*\d|\d[\d,.]* ?(?:pounds|million|billion)\b"),
    "phone": re.compile(r"\b0\d{2,4}[ -]?\d{3,4}[ -]?\d{3,4}\b|\+44"),
    # a number of the people who took part, not any number ("132 actions")
    "count": re.compile(r"\d[\d,]*\+? (?:\w+ ){0,3}(?:responses|respondents|replies|people|participants|teachers|"
                        r"parents|children|learners|professionals)\b"),
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
