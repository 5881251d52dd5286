"""A message asking to be taken through the survey ("can you walk me through the survey?",
"walkthrough", "take me through the SEND questions one by one"): it wants the guided
walk-through, not one question's answer, and not "I'm not sure the guidance covers that".

A small grammar, not a list of phrases: a verb of guiding with "through" after it (or the word
"walkthrough"), and nothing else in the message but the survey, a section, how to go ("one by
one", "step by step") and chat. Anything else makes it a question about that ("talk me through
what off-rolling means" is about off-rolling), left to the search.
"""
from __future__ import annotations

from bot.chitchat import CHAT_WORDS, THANKS
from bot.normalise import STOPWORDS
from bot.structure import SECTION_WORDS, sends

GUIDING = frozenset({"walk", "take", "talk", "guide", "run", "step"})   # ... followed by "through"
THROUGH_WITHIN = 3   # "walk me through", "take us all through", "talk me and my TA through"
THROUGH = frozenset({"through", "thru"})
ONE_WORD = frozenset({"walkthrough", "walkthru"})
# a message with one of these asks something (the search answers it) or turns the walk-through down
ASKS = frozenset({"what", "whats", "why", "who", "whos", "whom", "whose", "when", "whens", "where", "wheres", "which"})
DECLINES = frozenset({"dont", "don", "not", "never", "without", "instead", "rather", "nope"})
# what else a request to be walked through may say
ABOUT = frozenset("""
survey surveys questionnaire consultation big listen biglisten whole thing lot everything each every
step time one ones by bit bits part parts section sections question questions start beginning first
guided guide tour slowly properly together quickly u
""".split())


def walk_request(folded: list[str], sections=()) -> str | None:
    """None unless the message asks to be taken through the survey; then the section word it
    names ("send", "safeguarding", or the first word of one of `sections`' names, "wellbeing":
    `walkthrough.section_start` reads it), or "" for none."""
    if not folded or len(folded) > 30 or not (ASKS | DECLINES).isdisjoint(folded):
        return None
    named = SECTION_WORDS.keys() | {s.lower().split()[0] for s in sections if s.strip()}
    guiding = {i for i, w in enumerate(folded) if w in GUIDING and _through(folded[i + 1:i + 1 + THROUGH_WITHIN])}
    if not (guiding or any(w in ONE_WORD for w in folded)):
        return None
    if any(sends(folded, i) for i, w in enumerate(folded) if w == "send"):   # "walk me through how to send it"
        return None
    if ("take", "part") in zip(folded, folded[1:]):   # "how do I take part? walk me through it": who may answer
        return None
    rest = [w for i, w in enumerate(folded) if w not in STOPWORDS and i not in guiding and w not in ONE_WORD
            and w not in THROUGH]
    if not all(w in ABOUT or w in named or w in CHAT_WORDS for w in rest):
        return None
    return next((w for w in folded if w in named and w not in STOPWORDS), "")


def _through(after: list[str]) -> bool:
    """ "through" within the words after a verb of guiding, with no "to" before it: "take me
    through", not "does it take to get through" (how long it takes)."""
    at = next((i for i, w in enumerate(after) if w in THROUGH), None)
    return at is not None and "to" not in after[:at]


# How a message asks how to use the walk-through: it names the walk-through (the word, or "the walk
# through") and a move of it. "how do I skip a section in the walkthrough" and "can I go back a
# question in the walk through" got "I'm not sure the guidance covers that" with survey questions
# as suggestions (the pause policy, for "how do i stop the walkthrough").
MOVES = frozenset("""
skip skipping back previous next stop stopping pause quit exit leave end finish restart resume continue carry
save notes work works working use using
""".split())
NOUN_BEFORE = frozenset({"the", "this", "your", "a", "that", "ur"})


# ... and nothing else but these, its own words, chat and common words: "Does Ofsted use a walkthrough
# of the school?" or "the inspector did a walkthrough, can they stop lessons?" are about inspection
# (review), "thanks, the walkthrough works really well" is thanks
WALK_WORDS = frozenset("""
walkthrough walkthru walk through thru question questions section sections bit part button buttons key keys
halfway half way later again go get got press pressed type typed one bot it how
""".split())
ASKING_HOW = frozenset({"how", "can", "could", "do", "does", "is", "will", "if", "way"})


def asks_how_to_walk(folded: list[str]) -> bool:
    """A question about moving in the walk-through, not a request to start it (`walk_request`)."""
    if not folded or len(folded) > 20 or MOVES.isdisjoint(folded) or ASKING_HOW.isdisjoint(folded) \
            or not (ASKS | THANKS).isdisjoint(folded):
        return False
    named = any(w in ONE_WORD for w in folded) or any(
        a == "walk" and b in THROUGH and i > 0 and folded[i - 1] in NOUN_BEFORE
        for i, (a, b) in enumerate(zip(folded, folded[1:])))
    rest = [w for w in folded if w not in STOPWORDS]
    return named and all(w in MOVES or w in WALK_WORDS or w in CHAT_WORDS for w in rest) \
        and walk_request(folded) is None

