"""A member telling the bot which option the union recommends ("NASUWT said answer No to the
safeguarding judgement question didnt they?", "NASUWT recommends Very important for all the
schools inspection practice statements right?"): the reply's guidance contradicted the claim only
by showing something else, and a member reading fast took it as agreement (content audit 30). The
claim is read here; `bot/replies.py` says plainly whether it holds.

A claim is one of the question's own options named after the union's name and a verb of saying or
recommending, within a few words: "nasuwt said answer No", "the union wants us to put Disagree".
"""
from __future__ import annotations

import re
from functools import lru_cache

from bot.asking import SAYING, VIEW_VERBS
from bot.normalise import fold

# a union said to recommend: the words of a view asked, and of telling or advising
CLAIMING = (*VIEW_VERBS, *SAYING, "told", "tells", "advised", "advises", "advise", "suggested", "suggests",
            "suggest")
WITHIN = 60   # characters between the union's name and the option it is said to recommend


# what an option's words mean when these follow them: English, not the option ("no such thing",
# "don't know what to put")
NOT_THE_OPTION = re.compile(r"\s*(?:such|one|idea|way|matter|longer|more|doubt|problem|what|how|which|where|if|"
                            r"whether|why|when)\b")


def _named(option: str, text: str) -> re.Match | None:
    """Where `text` names the option: as words of their own, not "not important" for "Important"
    (unless "not" is the option's own), nor ordinary English ("no such thing")."""
    for m in re.finditer(rf"(?<!\w){re.escape(option)}(?!\w)", text):
        if re.search(r"\b(?:not|is|are|be|was|were|seem|seems|so|too|very)\s+$", text[:m.start()]) \
                or NOT_THE_OPTION.match(text, m.end()):   # "not important", "they are important": English
            continue
        return m
    return None


def claimed_option(query: str, options: tuple[str, ...] | list[str], union: str) -> str | None:
    """The option of `options` the message says the union recommends, or None (the longest
    option named wins: "Not very important" over "Very important")."""
    found = claimed(query, options, union)
    return found[0] if found and not found[1] else None


def claimed_against(query: str, options: tuple[str, ...] | list[str], union: str) -> str | None:
    """The option the message says the union told members not to give ("union said not to answer
    'very important' ...", audit 33), or None."""
    found = claimed(query, options, union)
    return found[0] if found and found[1] else None


# just before the option, a claim that the union advised against it: a negation governing it, with only
# words of answering between ("not to answer", "dont put", "never tick"); not "never mind the comments, just
# tick no" nor "if you're not sure, tick no" (the review: a negation anywhere before it lost the correction)
AGAINST = re.compile(r"\b(?:not|never|dont|shouldnt|mustnt|cant|avoid|against)\s+"
                     r"(?:(?:to|you|we|u|ever|go|for|answer|answering|put|putting|tick|ticking|give|giving|pick|"
                     r"choose|select|say|mark|rate|with|as)\s+){0,3}$")


def claimed(query: str, options: tuple[str, ...] | list[str], union: str) -> tuple[str, bool] | None:
    """The option a message says the union spoke of, and whether against it (None: none named)."""
    if not options or not union:
        return None
    text = fold(query)
    names = "|".join(re.escape(n) for n in sorted({"union", *fold(union).split()} - {""}))
    # a verb that is itself an option ("agree") says nothing of which: "is the union's answer agree or disagree?"
    option_words = {fold(o) for o in options}
    verbs = [v for v in CLAIMING if v not in option_words]
    said = re.compile(rf"\b(?:{names})(?:'s|s)?\b[^.?!]{{0,20}}?\b(?:{'|'.join(verbs)})\b")
    for m in said.finditer(text):
        after = re.split(r"[.?!\n]", text[m.end():m.end() + WITHIN])[0]   # the same sentence only
        spans = {o: m2.span() for o in options if (m2 := _named(fold(o), after))}
        # an option inside a longer one named is no option of its own ("Important" in "Very important")
        named = [o for o, (a, b) in spans.items()
                 if not any(o != p and a >= c and b <= d for p, (c, d) in spans.items())]
        if len(named) == 1:   # "does the union say yes or no": a question, not a claim
            return named[0], AGAINST.search(after[:spans[named[0]][0]].replace("'", "").replace('"', "")) is not None
        if named:
            return None
    return None


# What a member tells the bot the union said, thinks or wants ("nasuwt wants deep dives scrapped in
# primary yeah?", "I heard the union thinks area SEND inspections are pointless"): told, not asked
# ("does nasuwt want ...", "what does the union say about ...": its view answers those).
_TOLD = (r"\b(?P<name>{names})(?:'s|s)?\b(?:\s+(?:has|have|is|really|actually|always|officially|clearly|"
         r"basically|also|apparently))*\s+(?:(?:said|says|thinks|believes|wants|reckons|argued|argues|"
         r"told us)|(?P<stance>is against|is in favou?r of|supports|backs|opposes))\s+(?:that\s+)?"
         r"(?P<claim>[^.?!\n]+)")   # a pattern, once the union's names are in it (`_told`)
# "nasuwt backs ofsted's plan to withhold reports": what it takes a stance on is named in the member's
# words, not quoted; the reason given for it is claimed as the union's ("... cos it drags inspections out")
_REASON = re.compile(r"\b(?:because|cos|coz|since)\b\s*(?:of\s+)?")
# before the union's name, a question about it ("does nasuwt want", "what does the union say")
_ASKED = re.compile(r"\b(?:does|did|do|is|has|have|what|whats|how|why|where|which|when|if|whether|would|could|"
                    r"should)\b")
# not what it thinks: "the union said to ask here", "nasuwt says we should put ...", "... about deep dives"
_NOT_A_CLAIM = re.compile(r"(?:about|on|of|regarding|re|for|in|anything|something|much|i|we|you|u|us|me|it|"
                          r"somewhere|to (?:ask|put|answer|tick|write|fill|say|choose|pick|give|respond|select))\b")
# where the claim ends: the member's own words after it ("..., can i just write that", "... - true?")
_CLAIM_ENDS = re.compile(r",|\s[-–—]\s|\s(?:so|yeah|yes|right|correct|innit|is that|isnt it|doesnt it|"
                         r"didnt (?:it|they)|can i|i want|want to|ill)\b")


@lru_cache(maxsize=16)
def _told(union: str) -> re.Pattern:
    names = "|".join(re.escape(n) for n in sorted({"the union", "union", *fold(union).split()} - {""}, key=len,
                                                  reverse=True))
    return re.compile(_TOLD.format(names=names))


def told_claim(query: str, union: str) -> str | None:
    """The words a message says the union said, thinks or wants (folded), or None: none told, or
    only asked about. Of a stance ("is against", "backs"), only the reason given for it ("... cos
    it drags inspections out"). (Which option it recommends, if that is the claim, `claimed_option`
    reads.)"""
    if not union:
        return None
    text = fold(query)
    m = _told(union).search(text)
    if m is None or _ASKED.search(text[:m.start()]) or _NOT_A_CLAIM.match(m.group("claim")):
        return None
    claim = m.group("claim")
    if m.group("stance"):
        reason = _REASON.search(claim)
        if reason is None:
            return None
        claim = claim[reason.end():]
    claim = _CLAIM_ENDS.split(claim)[0].strip()
    return claim or None


# The words a message says, or asks whether, the union said: told ("the union said ...", "NASUWT's view is
# that ..."), or asked ("is it true the union said ...", "did nasuwt really say ..."). Read as typed, for
# bot/verbatim.py to compare with the union's words (`said_of`).
_SAID_OF = (r"\b(?:(?:is\s+it\s+(?:true|right)|true|did|does|has|have)\s+(?:that\s+)?)?(?P<name>{names})"
            r"(?:\s+(?:has|have|did|really|actually|ever|always|officially|clearly))*\s+"
            r"(?:(?:said|say|says|wrote|write|writes|thinks|think|believes|believe|wants|want)|"
            r"(?:view|position|line|stance)\s+(?:is|was))\s+(?:that\s+)?(?P<claim>[^.?!\n]+)")


# where a claim given as typed ends: a tag asking to confirm it ("... no?", "..., right?", "isn't it")
_SAID_ENDS = re.compile(r",|\s[-–—]\s|\s(?:so|yeah|yes|no|right|correct|innit|true|eh|is that|isn'?t it|doesn'?t it|"
                        r"didn'?t (?:it|they)|can i|i want|want to|i'?ll)\b|\s*\?", re.IGNORECASE)
# a claim reporting another's words ("the union said ofsted says ..."): not given as the union's
_REPORTED = re.compile(r"\b(?:say|says|said|think|thinks|claim|claims|reckon|reckons|argue|argues)\b", re.IGNORECASE)


@lru_cache(maxsize=16)
def _said_of(union: str) -> re.Pattern:
    # the union by its name or as "the union", "my union": not "the NEU union", "other unions" (the review)
    names = "|".join(["(?:the|my|our|this)\\s+union(?:'s)?", *(f"{re.escape(n)}(?:'s|s)?" for n in fold(union).split()
                                                             if n)])
    return re.compile(_SAID_OF.format(names=names), re.IGNORECASE)


def said_of(query: str, union: str) -> str | None:
    """The words a message gives as the union's, told or asked whether ("is it true the union said
    single-word judgements are helpful?": "single-word judgements are helpful"), as typed; None when
    none: asked what it said ("what does the union say about ..."), or not what it thinks ("the union
    said to ask here")."""
    if not union:
        return None
    text = query.replace("’", "'")
    m = _said_of(union).search(text)
    if m is None or _NOT_A_CLAIM.match(m.group("claim").lower()):
        return None
    if m.start() == m.start("name") and _ASKED_WHAT.search(text[:m.start()].lower()):
        return None   # "what does the union say ..." (the asking words before its name)
    claim = _SAID_ENDS.split(m.group("claim"))[0]
    if _REPORTED.search(claim):
        return None
    return query[m.start("claim"):m.start("claim") + len(claim)].strip() or None


_ASKED_WHAT = re.compile(r"\b(?:what|whats|how|why|where|which|when|does|do|did)\b[^.?!]*$")
