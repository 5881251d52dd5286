"""A message asking what has happened since the consultation ("Ofsted decided safeguarding will
be a separate judgement right?", "is safeguarding a separate judgement now?", "did Ofsted start
inspecting MATs after the Big Listen?", "how often will ofsted inspect safeguarding from now on"):
it asks about a decision, not what to answer. A survey question answers it only in part: what was
asked in 2024 and what the union advised, so the reply says first that the question was asked,
not decided (`bot/replies.py`'s `happened_lines`).

A small grammar over folded words: an actor (who runs the consultation, the government) with a
verb of deciding or changing, "now" closing a question about how things stand, or "since"/"after"
the consultation with a word of change. A message asking what to put or where something goes
("what do I put now?"), or whether it is too late to, is about answering, not news.
"""
from __future__ import annotations

import re

from bot.normalise import words
from bot.structure import asks_what_to_put, asks_where

ACTORS = frozenset({"government", "govt", "dfe", "inspectorate"})   # and who runs it; not "they": stories say it
DONE = frozenset({   # "Ofsted decided ...", "has ofsted now agreed ..."
    "decided", "agreed", "confirmed", "announced", "changed", "scrapped", "dropped", "introduced", "started",
    "stopped", "ended", "abolished", "removed", "brought", "promised", "implemented", "adopted"})
DO = frozenset({   # only asked: "did ofsted scrap ...", "will ofsted change ..." ("does ofsted change" is how it works)
    "decide", "agree", "confirm", "announce", "change", "scrap", "drop", "introduce", "start", "stop", "end",
    "abolish", "remove", "bring", "implement", "adopt", "go"})
ASKED = frozenset({"did", "will", "has", "have"})
NOT_MADE = frozenset({"of", "me", "us", "you", "them", "him", "her", "it", "a", "an", "the", "my", "our", "your",
                      "their", "his", "sure", "up"})
HAS_MADE = frozenset({"has", "have", "ve", "actually"})   # between an actor and "made" ...
DONE_SO_FAR = frozenset({"already", "finally", "now"})     # ... with one of these: told it was decided
# ... of something decided, not of people or a mind ("ofsted have now made everyone anxious", "ofsted already
# made its mind up": the second review of round 34)
NOT_DECIDED = frozenset({"its", "everyone", "everybody", "people", "staff", "teachers", "heads", "leaders", "things",
                         "life", "lives", "sure", "some", "many", "no"})
OBJECT_AFTER = frozenset({"want", "wants", "wanted", "see", "get", "got"})   # "wants ofsted scrapped"
BETWEEN = 2   # words between the actor and its verb: "ofsted has now decided", "did ofsted actually scrap"
NOW = frozenset({"now", "nowadays", "anymore", "yet"})
CONFIRMING = frozenset({"true", "right", "yeah", "yes", "innit", "correct", "surely", "eh"})   # "..., true?"
MINE = frozenset({"i", "im", "me", "my", "ive", "id", "ill", "we", "were", "our", "us", "weve"})   # ours, not news
STATUS_ASKING = frozenset({"is", "are", "was", "were", "has", "have", "do", "does", "did", "can", "could", "will",
                           "would", "so", "and"})
AFTER = frozenset({"since", "after", "following"})
CONSULTATION = frozenset({"consultation", "survey"})   # and the consultation's own name: "after the big listen"
# with "since"/"after": a change asked about ("has anything changed since then?"), not the member's own
# time ("I've been off since then") nor what happens to the answers ("after the survey closes")
CHANGE = DONE | DO | frozenset({"happened", "new", "different", "anything", "differently"})
COLLECTING = frozenset({"running", "collecting", "accepting", "taking", "views", "responses", "answers"})
ENDED = frozenset({"closed", "ended", "finished", "shut"})
TOO_LATE = frozenset({"late", "deadline", "still", "open", "closed", "closes", "submit", "respond", "fill"})


def asks_what_happened(query: str, actors=(), names=()) -> bool:
    """Whether a message asks about a decision or a change since the consultation. `actors`: who
    runs it ("ofsted"); `names`: its own name's words ("big", "listen")."""
    folded = words(query)
    actors = ACTORS | set(actors)
    if not folded or asks_what_to_put(folded) or asks_where(folded):
        return False
    if _still(folded, actors):   # "are ofsted still doing deep dives?": how things stand, not a deadline;
        # "ofsted still running the big listen?", "is ofsted still collecting views?" ask about the consultation
        about = CONSULTATION | set(names) | COLLECTING
        return TOO_LATE.isdisjoint(set(folded) - {"still"}) and about.isdisjoint(folded)
    consultation = CONSULTATION | set(names)
    if not TOO_LATE.isdisjoint(_without_its_close(folded, consultation)):
        return False
    return _decided(folded, actors) or _now(query, folded, actors) or _since(folded, consultation, actors)


def _without_its_close(folded: list[str], consultation) -> list[str]:
    """The words but "closed" (or "ended") straight after the consultation's name following "after"
    or "since": "what happened after the big listen closed" (audit 34) asks what happened since,
    not whether it is too late to answer."""
    out = []
    for i, w in enumerate(folded):
        if w in ENDED and i > 0 and folded[i - 1] in consultation and \
                any(x in AFTER for x in folded[max(0, i - 5):i]):
            continue
        out.append(w)
    return out


def _still(folded: list[str], actors) -> bool:
    """"still" just after who runs the consultation ("are ofsted still doing subject deep dives",
    "do ofsted still grade schools"): how things stand now (audit 32); "can I still fill it in"
    asks whether it is too late."""
    return any(w == "still" and not actors.isdisjoint(folded[max(0, i - 2):i]) and folded[i + 1:]
               for i, w in enumerate(folded))


def _decided(folded: list[str], actors) -> bool:
    """An actor then a verb of deciding: "Ofsted decided ...", "has ofsted agreed ...", or, asked,
    "did ofsted scrap ...", "will the government change ..."."""
    for i, w in enumerate(folded):
        if w not in actors:
            continue
        after = folded[i + 1:i + 2 + BETWEEN]
        if i > 0 and folded[i - 1] in OBJECT_AFTER:   # "the union wants ofsted scrapped": Ofsted is no actor
            continue
        asked = i > 0 and folded[i - 1] in ASKED or i > 1 and folded[i - 2] in ASKED   # "did the government"
        if not DONE.isdisjoint(after) or asked and not DO.isdisjoint(after):
            return True
        # "did ofsted do anything about the safeguarding thing" (round 31's audit); not "did ofsted do
        # deep dives", which asks how inspections worked
        if asked and any(a == "do" and b in ("anything", "something") for a, b in zip(after, folded[i + 2:])):
            return True
        # "did ofsted make safeguarding a separate judgement in the end" (audit 31's re-check): right
        # after the actor, and not "make of", "make us", "made a mistake", "make the judgement affect"
        if asked and folded[i + 1:i + 2] in (["make"], ["made"]) and folded[i + 2:i + 3] and \
                folded[i + 2] not in NOT_MADE:
            return True
        # told, done: "ofsted already made safeguarding a separate judgement didnt they" (audit 34),
        # "ofsted have now made ..."; not a story's "ofsted have made teachers miserable" (the review)
        gap = folded[i + 1:i + 1 + BETWEEN + 1]
        j = next((k for k, w in enumerate(gap) if w not in HAS_MADE | DONE_SO_FAR), len(gap))
        if DONE_SO_FAR & set(gap[:j]) and gap[j:j + 1] == ["made"] and folded[i + 2 + j:i + 3 + j] and \
                folded[i + 2 + j] not in NOT_MADE | NOT_DECIDED:
            return True
    return False


def _now(query: str, folded: list[str], actors) -> bool:
    """A question closed by "now" (or "any more", "yet") that asks how things stand: "is
    safeguarding separate now?", "can ofsted even do that now?"; not "doesn't ticking that make it
    look like we're happy with how things are now?". "from now on" anywhere."""
    if ("from", "now", "on") in zip(folded, folded[1:], folded[2:]):
        return True
    asked = [c for c in re.split(r"[.!?\n]+(?=\s|$)", query.rstrip()) if c.strip()]
    if "?" not in query or not asked:
        return False
    last = words(asked[-1])
    # a claim told, then asked to be confirmed: "schools get a full day's notice of ofsted now, true?" (audit
    # 35); not the member's own state ("I'm stuck on the notice question now, right?", "our school is in a MAT
    # now, right?": the review of round 35)
    tagged = False
    while last and last[-1] in CONFIRMING:
        last, tagged = last[:-1], True
    if tagged and not MINE.isdisjoint(last):
        return False
    return bool(last) and last[-1] in NOW and (tagged or last[0] in STATUS_ASKING or last[0] in actors)


def _since(folded: list[str], consultation, actors) -> bool:
    """"since"/"after"/"following" the consultation ("after the big listen"), or "since then",
    in a message asking about a change."""
    if CHANGE.isdisjoint(folded):
        return False
    for i, w in enumerate(folded[:-1]):
        if w in AFTER:
            rest = [x for x in folded[i + 1:i + 4] if x not in ("the", "s", "its", "their") and x not in actors]
            if rest and (rest[0] in consultation or w == "since" and rest[0] == "then"):
                return True
    return False
