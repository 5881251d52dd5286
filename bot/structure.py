"""The part of the survey a question names by its structure, not its words: "schools
priority 3", "P4", "the SEND section's priority 1", "the culture section", "the last
question", "the first statement", "the safeguarding ones".

Words can't find these: "priority 2" names no topic, and the schools and SEND sections
share their priorities' titles. A section named wins over the other section (of several, the
one beside the number); a priority without a section names both sections' priorities of that
number. A comments box named with a priority ("the free text for P1") means its box question.
A priority named by its name and a noun ("the culture section", "the SEND impact bit") is
named as by its number (which wins over it), but as a place to write: its question or its box,
not the whole priority; and the search still decides whether to answer ("the reporting question
I have is about pay" names no part of the survey).
A section named alone ("the safeguarding questions") is the whole section: the member is asked
which question. A quotation of the survey's own wording names that question or statement.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.knowledge import Pack, SurveyEntry
from bot.normalise import STOPWORDS, stem, words

ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3,
            "fifth": 4, "5th": 4, "sixth": 5, "6th": 5, "last": -1, "final": -1}
# How a member names a section: the words, and a word of the section's own name that must match.
SECTION_WORDS = {
    "schools": "schools", "school": "schools", "mainstream": "schools",
    "send": "special", "sen": "special", "special": "special", "ap": "alternative", "sendap": "special",
    "safeguarding": "safeguarding",
}
# "send" followed by these is the verb ("send my P2 answers", "send it back"), not the section
# ... and after these ("should I send priority 3 back?"), unless the message writes SEND in capitals
VERB_SUBJECTS = frozenset({"i", "we", "you", "they", "to", "ll", "can", "should", "must", "will", "please", "cant",
                           "wont", "d"})
VERB_OBJECTS = frozenset({"my", "the", "it", "them", "this", "that", "our", "your", "a", "an", "back", "off", "in",
                          "me", "him", "her", "us", "over", "on", "out", "answers", "responses"})
SECTION_NOUNS = frozenset({"section", "sections", "bit", "bits", "part", "parts", "one", "ones", "question",
                           "questions", "page", "priorities", "priority",
                           "version", "versions", "equivalent", "side"})   # "the SEND version of ..." (audit 34)
# A section named alone is the whole section, asked which question ("what does the union
# recommend for the safeguarding questions?", "the safeguarding question"), when one word asks
# what to answer (WHAT_TO_ANSWER) or is a section noun (SECTION_NOUNS), every word is one of
# those, a section's or filler (FILLER), and it isn't a yes/no question about the section itself
# ("do I have to answer the SEND questions?", "is there a SEND section?") or thanks.
ANSWERING = frozenset({"put", "write", "answer", "tick", "respond", "fill", "recommend", "recommends", "advise",
                       "suggest"})
# A priority named by its name is where to write when one of these is in the message too
WRITING = ANSWERING | {"mention", "raise", "include", "comment", "say"}
YES_NO = frozenset({"yes", "no"})   # "safeguarding yes or no": which answer, for a section of yes/no questions
WHAT_TO_ANSWER = ANSWERING | YES_NO | {"say", "recommended", "recommendation", "advice", "tips", "guidance",
                                       "suggested", "line", "position"}
FILLER = STOPWORDS | WHAT_TO_ANSWER | SECTION_NOUNS | SECTION_WORDS.keys() | {
    "union", "nasuwt", "nasuwts", "view", "views", "responding", "filling", "ofsted", "big", "listen", "consultation",
    "stuff", "sure", "unsure", "stuck", "help", "idea", "want", "wants", "meant", "supposed", "actually", "steer",
    "qs", "shld", "hiya", "right", "ok",
    "educational", "needs", "alternative", "provision"}   # the rest of "the special educational needs section"
# ... or, with no such word, a section noun and only these ("the safeguarding question", "help
# with the SEND bit"): not "I only did the SEND questions", "the SEND questions lol"
NAMING_ONLY = SECTION_NOUNS | SECTION_WORDS.keys() | {
    "the", "a", "that", "this", "those", "these", "help", "with", "about", "on", "for", "re", "and", "any", "please",
    "pls", "ok", "hi", "hiya", "hello", "hey", "union", "nasuwt", "nasuwts", "ofsted", "big", "listen", "survey",
    "consultation", "of", "in", "educational", "needs", "alternative", "provision"}
# ... and these, opening a follow-up naming one section ("what about the safeguarding one"; audit 34: one of
# its questions was picked); not "what about safeguarding in the schools part" (the review of round 34)
FOLLOW_UP = (["what", "about"], ["how", "about"])
NOT_WHICH = frozenset({"do", "does", "did", "is", "are", "am", "who", "why", "where", "when", "can", "should", "must",
                       "have", "has", "will", "would", "could"})   # a message opening so asks yes/no, who, why ...
NOT_ASKING = frozenset({"not", "skip", "dont", "don", "need", "thanks", "thank", "cheers", "ta", "whether", "if",
                        "optional", "compulsory", "mandatory"})
# A section word alone (no "section", "questions" after it) names the section in such a message
# with an ANSWERING word, when it opens the message or follows one of these ("what should I put
# for safeguarding?"; "when do I send" is the verb)
BARE_BEFORE = frozenset({"for", "about", "on", "in", "the", "re", "with", "under"})
# After a SEND or AP word these make it a group of pupils, not the section ("EAL, SEND etc? where
# would I say that in P2", "do I talk about SEND kids in the schools part"): schools questions ask
# about them too
PUPIL_NOUNS = frozenset({"kids", "kid", "pupils", "pupil", "children", "child", "students", "student", "learners",
                         "learner", "etc", "youngsters"})


# A quotation in a message: a pair of marks at word edges ("don't" and "school's" open nothing);
# inside, an apostrophe between letters is part of the words ("Ofsted’s openness").
_IN = r"""(?:[^"“”‘’'`\n]|(?<=\w)['’](?=\w))"""
QUOTED = re.compile(rf"""(?:^|(?<=[\s(\[]))(?:"({_IN}{{10,300}}?)"|“({_IN}{{10,300}}?)”|‘({_IN}{{10,300}}?)’"""
                    rf"""|'({_IN}{{10,300}}?)'|`({_IN}{{10,300}}?)`)(?=[\s.,;:!?)\]/-]|$)""")
QUOTE_WORDS = 3       # words (not stopwords) a quotation needs to be taken for the survey's wording
QUOTE_MATCH = 90      # rapidfuzz token_set_ratio (0-100) between a quotation and survey wording that names it
QUOTE_PARTIAL = 80    # ... and partial_ratio: all its words somewhere in the wording is not enough
QUOTE_MARGIN = 5      # ... ahead of any other entry's wording by this much


class _Survey:
    """What finding a target reads of a pack's survey, read once per pack (not per question)."""

    def __init__(self, pack: Pack):
        self.pack = pack
        self.entries = [(i, e) for i, e in enumerate(pack.entries) if isinstance(e, SurveyEntry)]
        # the words of numbered priorities' names ("reporting", "impact"): "the schools impact
        # statement" names the section too
        self.titles = {w for _, e in self.entries if _number(e.priority)
                       for w in e.priority.lower().split() if w.isalpha() and w != "priority"}
        # each numbered priority's name, and a longer name's last word, as folded words: "the culture
        # section" names priority 4, "the SEND practice bit" priority 2 (the last word only after a
        # section: "a practice question" is English). A key two priorities share, a stopword or a
        # section's word names none. Values: (number, the last word only).
        keys: dict[tuple[str, ...], set[tuple[int, bool]]] = {}
        for _, e in self.entries:
            if number := _number(e.priority):
                name = tuple(words(e.priority.split(":", 1)[1])) if ":" in e.priority else ()
                for key in {name, name[-1:]} - {()}:
                    keys.setdefault(key, set()).add((number, key != name))
        common = STOPWORDS | SECTION_WORDS.keys()
        self.named: dict[tuple[str, ...], tuple[int, bool]] = {
            key: min(found, key=lambda f: f[1]) for key, found in keys.items()   # a whole name first
            if len({n for n, _ in found}) == 1 and not (len(key) == 1 and key[0] in common)}
        # each priority number's sections, by the words of their names (safeguarding has none)
        self.numbered: dict[int, set[str]] = {}
        for _, e in self.entries:
            if number := _number(e.priority):
                self.numbered.setdefault(number, set()).update(e.section.lower().split())
        # each survey question's and statement's wording, folded, and where it is: (entry, statement)
        self.places: list[tuple[int, int | None]] = []
        self.wording: list[str] = []
        for i, e in self.entries:
            for st, text in [(None, e.question), *enumerate(s.text for s in e.statements)]:
                self.places.append((i, st))
                self.wording.append(" ".join(words(text)))

    @classmethod
    def of(cls, pack: Pack) -> _Survey:
        return pack.derived("structure", lambda: cls(pack))


@dataclass(frozen=True)
class Target:
    """Entries (indexes into the pack) the question names by structure; empty if none."""

    entries: tuple[int, ...] = ()
    whole_priority: bool = False     # a priority named as a whole ("SEND priority 2")
    statement: int | None = None     # "the first statement" (-1: the last)
    section_named: bool = False      # the question named a section, so other sections lose
    exact: bool = False              # named by number or place ("P3", "the last question"), not just a section
    box: bool = False                # a priority's comments box named ("the free text for P1", "P3 box")
    whole_section: bool = False      # a section named and nothing in it ("the safeguarding questions"): ask which
    by_name: bool = False            # a priority named by its name ("the culture section"), not its number
    writing: bool = False            # ... in a message about what to write there ("can I put X in the culture bit?")
    section_beside: bool = False     # ... its section named right before the name ("the schools culture bit")

    def __bool__(self) -> bool:
        return bool(self.entries)


def _priority(folded: list[str]) -> tuple[int, int, int] | None:
    """The priority the question first names by number ("P3", "priority 3", "third
    priority"): (its number, its first word, its last word)."""
    for i, w in enumerate(folded):
        if len(w) == 2 and w[0] == "p" and w[1] in "1234":
            return int(w[1]), i, i
        if w in ("priority", "priorities") and i + 1 < len(folded) and folded[i + 1] in ("1", "2", "3", "4"):
            return int(folded[i + 1]), i, i + 1
        if w in ("priority", "priorities") and i > 0 and folded[i - 1] in ORDINALS and ORDINALS[folded[i - 1]] >= 0:
            return ORDINALS[folded[i - 1]] + 1, i - 1, i
    return None


# After a priority's name, the nouns that make it the survey's part ("the impact section"),
# not a word in a sentence ("what impact one visit had": "one" isn't among them)
NAME_NOUNS = SECTION_NOUNS - {"one", "ones", "priorities"} | {"box", "statement", "statements"}


def _priority_by_name(folded: list[str], named: dict[tuple[str, ...], tuple[int, bool]]) -> tuple[int, int, int] | None:
    """The priority the question first names by its name and a noun ("the culture section"):
    (its number, its first word, its last word)."""
    for i in range(len(folded)):
        for key, (number, last_word_only) in named.items():
            end = i + len(key)
            if (tuple(folded[i:end]) == key and end < len(folded) and folded[end] in NAME_NOUNS
                    and (not last_word_only or (i > 0 and folded[i - 1] in SECTION_WORDS))):
                return number, i, end - 1
    return None


STATEMENT_WORDS = frozenset({"statement", "statements", "bullet"})
EVERY = frozenset({"every", "each", "all"})   # "very important for every bullet": the list
BACK = frozenset({"it", "that", "this", "these", "those"})   # "a statement for that", "is that"
OWN = frozenset({"my", "our", "me", "us", "what", "which"})   # "a statement about my situation": the member's
# a statement of everyday life, not the survey's: "a witness statement", "a statement of SEN"
EVERYDAY = frozenset({"witness", "bank", "press", "personal", "mission", "written", "police", "public", "vision",
                      "financial", "sworn", "closing", "opening"})


def names_a_statement(folded: list[str]) -> bool:
    """The message names one statement by its words, as such: "the half a day notice statement",
    "there's a statement about off-rolling"; not the list ("the impact statements", "each
    bullet"), nor a member asking which one fits their story ("is there a statement for that",
    "which SEND statement is this", "there's a statement on it"): there the words are the
    story's, not the statement's; nor a statement of everyday life ("my witness statement", "his
    statement of SEN", the review of round 31). Asked what it is, by what it is about ("what's the
    statement about unregistered AP oversight", "is there a statement about disadvantaged pupils"),
    it is named (audit 35)."""
    if not EVERY.isdisjoint(folded):
        return False
    for k, w in enumerate(folded):
        if w not in ("statement", "bullet"):
            continue
        before, after = folded[:k], folded[k + 1:k + 3]
        if before[-1:] and before[-1] in EVERYDAY or after[:1] == ["of"] and after[1:] and \
                after[1] in ("sen", "send", "special", "educational"):
            continue
        if before[-1:] and before[-1] in BACK and not after:   # "... so agree with that statement?": the
            continue                                            # member's own words before it, not the survey's
        # "what's the statement about unregistered AP": asked what it is, named by what it is about
        about = after[:1] in (["about"], ["on"], ["regarding"]) and after[1:] and after[1] not in BACK \
            and after[1] not in OWN
        asks = not about and ("which" in before[-3:] or "what" in before[-3:] or "any" in before
                              or any(a in ("is", "are") and b == "there" for a, b in zip(before, before[1:])))
        if not asks and not (after[:1] and after[0] in BACK) and not (after[1:] and after[0] in (
                "for", "on", "about", "is", "fits") and after[1] in BACK):
            return True
    return False


def _statement(folded: list[str]) -> int | None:
    for i, w in enumerate(folded):
        if (w in STATEMENT_WORDS or w == "one") and i > 0 and folded[i - 1] in ORDINALS:
            return ORDINALS[folded[i - 1]]
        if w in STATEMENT_WORDS and i + 1 < len(folded) and folded[i + 1].isdigit():
            n = int(folded[i + 1])
            return n - 1 if 1 <= n <= 20 else None
    return None


def _position(folded: list[str]) -> tuple[int, str] | None:
    """A question named by its place in a section, with the section word tied to it: "safeguarding
    q1", "Q1 safeguarding", "safeguarding question 1", "the second safeguarding question", "the
    first question of the safeguarding section": (0-based place, -1 the last; the section word).
    Not "the first question I had was about safeguarding", "my q1 is about safeguarding" (review)."""
    for i, w in enumerate(folded):
        nxt = folded[i + 1] if i + 1 < len(folded) else ""
        if re.fullmatch(r"q[1-9]", w):
            place, end = int(w[1]) - 1, i
        elif w in ("question", "q") and re.fullmatch(r"[1-9]", nxt):
            place, end = int(nxt) - 1, i + 1
        elif w in ORDINALS and nxt in SECTION_WORDS and folded[i + 2:i + 3] == ["question"]:
            return ORDINALS[w], nxt   # "the second safeguarding question"
        elif w in ORDINALS and nxt in ("question", "q"):
            place, end = ORDINALS[w], i + 1
        else:
            continue
        before = folded[i - 1] if i > 0 else ""
        after = folded[end + 1:end + 5]
        if before in SECTION_WORDS:   # "safeguarding q1", "safeguarding question 1"
            return place, before
        if after[:1] and after[0] in SECTION_WORDS:   # "Q1 safeguarding"
            return place, after[0]
        if after[:1] and after[0] in ("of", "in", "on"):   # "the first question of the safeguarding section"
            word = next((a for a in after[1:3] if a in SECTION_WORDS), None)
            if word is not None and after[after.index(word) + 1:][:1] in (["section"], ["bit"], ["part"], ["page"]):
                return place, word
    return None


def _sections(folded: list[str], survey: _Survey, priority: tuple[int, int, int] | None, alone: bool = False,
              verb: bool = True) -> set[str]:
    """Sections the question names: with a priority number any section word counts
    ("SEND P3"), and of several the one nearest the number wins ("SENCo here: the schools P3
    comments mention SEND"); without one, only with a noun or a priority's name after it ("the
    schools section", "the SEND impact statements"), or, in a question about what to answer
    that names nothing else (`alone`), after a preposition ("what do I put for safeguarding")."""
    found: list[tuple[int, str]] = []   # (where, section word's key)
    for i, w in enumerate(folded):
        key = SECTION_WORDS.get(w)
        if key is None:
            continue
        nxt = folded[i + 1] if i + 1 < len(folded) else ""
        if key == "schools" and i > 0 and SECTION_WORDS.get(folded[i - 1]) in ("special", "alternative"):
            continue   # "special schools", "a SEND school": the SEND section
        if w == "send" and sends(folded, i, subject=verb):
            continue   # "when do I send my P2 answers", "should I send priority 3 back": the verb
        if key in ("special", "alternative") and nxt in PUPIL_NOUNS:
            continue   # "SEND pupils": who, not where
        bare = alone and (i == 0 or folded[i - 1] in BARE_BEFORE)
        if priority is None and nxt not in SECTION_NOUNS and nxt not in survey.titles and not bare:
            continue
        found.append((i, key))
    if priority is not None:
        # only sections that have this priority (safeguarding has no numbered ones), and of
        # several, the one nearest the number
        number, start, end = priority
        found = [(i, k) for i, k in found if k in survey.numbered.get(number, ())]
        if len({k for _, k in found}) > 1:
            away = {i: max(start - i, i - end, 0) for i, _ in found}
            found = [(i, k) for i, k in found if away[i] == min(away.values())]
    return {s for _, key in found for s in _named_by(key, survey.pack.sections)}


def names_own_section(folded: list[str], pack: Pack, query: str = "") -> bool:
    """The message names one of this pack's sections by the word its name starts with ("schools
    P1" and the Schools section, "SEND P2" and Special educational needs ...), read as `find_target`
    reads sections. Among several packs, one whose section only has the word inside its name
    ("Workload in schools") or that lacks the section gives way (bot/packs.py)."""
    survey = _Survey.of(pack)
    if not folded or len(folded) > 80 or not survey.entries:
        return False
    priority = _priority(folded) or _priority_by_name(folded, survey.named)
    keys = {SECTION_WORDS[w] for w in folded if w in SECTION_WORDS}
    named = _sections(folded, survey, priority, verb="SEND" not in query)
    return any(s.lower().split()[:1] == [key] for s in named for key in keys)


def sends(folded: list[str], i: int, subject: bool = True) -> bool:
    """The "send" at `i` is the verb: an object after it ("send my answers", "send it back"), or
    (`subject`) a subject or modal before it ("I send", "should I send")."""
    nxt = folded[i + 1] if i + 1 < len(folded) else ""
    return nxt in VERB_OBJECTS or (subject and i > 0 and folded[i - 1] in VERB_SUBJECTS)


def section_named(word: str, sections) -> str | None:
    """The one section a single word names, as a message names it ("send", "SEN" and "ap" the
    special educational needs section, "safeguarding", "schools"), or a word a section's name
    starts with ("wellbeing"), or its whole name (App Home's buttons); None for none or several."""
    word = word.lower()
    whole = [s for s in sections if s.lower() == word]
    if whole:
        return whole[0]
    key = SECTION_WORDS.get(word)
    named = _named_by(key, sections) if key else [s for s in sections if s.lower().split()[:1] == [word]]
    return named[0] if len(named) == 1 else None


def _named_by(key: str, sections) -> list[str]:
    """The sections a section word names: those whose name starts with it ("schools" is the
    Schools section, not "Safeguarding in schools"), else those with it in their name."""
    first = [s for s in sections if s.lower().split()[:1] == [key]]
    return first or [s for s in sections if key in s.lower().split()]


def _number(priority_title: str) -> int | None:
    parts = priority_title.lower().split()
    if len(parts) >= 2 and parts[0] == "priority" and parts[1].rstrip(":").isdigit():
        return int(parts[1].rstrip(":"))
    return None


# How a message asks where in the survey something goes (its answer is a survey question): a
# small grammar, not a list of phrases. "where" near a verb of writing or placing ("where do I
# say that", "where would that fit", "and if so where"), a place asked after ("is there a bit
# for that", "anywhere I can say", "which part do I use"), or the survey named as the place.
_PLACE = r"(?:place|bit|part|question|section|box|space|spot|slot|priority)"
_PUT = r"(?:put|say|mention|write|raise|go|goes|fit|fits|belong|belongs|add|include|comment|talk|bring|flag|use)"
WHERE_RE = re.compile(
    r"\bwhere\s+(?:\w+\s+)?(?:i|we|you|this|that|it|these|those|all this|all that)\s+(?:\w+\s+)?" + _PUT
    + r"\b"                                                                         # where do i put / where does it go
    r"|\b(?:if so|and) where\s*$|\bif so where\b"                             # can i write about it, and if so where
    r"|\b(?:is|are) there\s+(?:a|an|any|some)?\s*(?:other\s+)?" + _PLACE + r"s?\b"   # is there a bit for that
    r"|\b(?:is|are) there\s+(?:anywhere|somewhere)\b|\b(?:anywhere|somewhere)\s+(?:i|we|to|in|for)\b"
    r"|\bwhich\s+(?:\w+\s+)?" + _PLACE + r"\s+(?:do|does|did|should|would|could|can|is|wants|covers|takes|"
    r"for|fits|would|that|this)\b"                                               # which bit wants that
    r"|\b(?:where|which bit|which part) (?:in|of) the survey\b")


# How a message asks what to put for a survey question: "what should I put for ...", "what do we
# write", "what am I meant to tick", "how do I answer ...", "what to put"; not "Ofsted's answer",
# "I want to write about it", "fill it in" (taking part), nor what to put in another document
PUT_RE = re.compile(
    r"\b(?:what|how) (?:should|do|shall|would|can|could|must|am|are|r) (?:i|we|you|u)(?: \w+){0,2}? "
    r"(?:put|write|tick|answer|select|pick|choose)\b|\bwhat to (?:put|write|tick|answer)\b")
OTHER_DOCUMENTS = frozenset({"form", "forms", "newsletter", "letter", "email", "sef", "appraisal", "application"})


def asks_what_to_put(folded: list[str]) -> bool:
    """"what should I put for the separate safeguarding judgement question?": the survey question
    answers it, not a definition of its words (`bot.blend._survey_first`)."""
    return bool(PUT_RE.search(" ".join(folded))) and OTHER_DOCUMENTS.isdisjoint(folded)


def asks_where(folded: list[str]) -> bool:
    """"which bit of the survey is that", "where do I put this", "is there anywhere I can say
    that": the member wants a place in the survey, so a definition or a background fact
    doesn't answer them."""
    return bool(WHERE_RE.search(" ".join(folded)))


def find_target(folded: list[str], pack: Pack, query: str = "") -> Target:
    """The survey entries a question names by number, position or quoted wording, if any.
    `query`: the message as typed (quote marks are gone from `folded`)."""
    survey = _Survey.of(pack)
    named = _structure(folded, survey, verb="SEND" not in query, query=query)
    quoted = _quoted(query, survey) if query else None
    if quoted is not None and (not named or quoted[0] in named.entries):
        e, statement = quoted   # the survey's own words, quoted: that question (or statement) exactly
        return Target((e,), statement=statement, section_named=True, exact=True)
    return named


def _quoted(query: str, survey: _Survey) -> tuple[int, int | None] | None:
    """The survey question or statement a message quotes ("what's the union line on 'the
    extent to which the curriculum extends beyond the academic'?"): (entry index, statement
    or None), if its quotation matches the wording of one entry only."""
    spans = [" ".join(words(next(g for g in m.groups() if g is not None))) for m in QUOTED.finditer(query)]
    spans = [s for s in spans if sum(w not in STOPWORDS for w in s.split()) >= QUOTE_WORDS]
    for span in spans:
        hits = process.extract(span, survey.wording, scorer=fuzz.token_set_ratio, score_cutoff=QUOTE_MATCH, limit=None)
        hits = [h for h in hits if fuzz.partial_ratio(span, h[0]) >= QUOTE_PARTIAL]
        if not hits:
            continue
        top = hits[0][1]
        found = {survey.places[k] for _, score, k in hits if score >= top - QUOTE_MARGIN}
        if len({e for e, _ in found}) == 1:   # one entry's wording, clearly: else it names nothing
            return found.pop() if len(found) == 1 else (next(iter(found))[0], None)
    return None


def _structure(folded: list[str], survey: _Survey, verb: bool = True, query: str = "") -> Target:
    """The survey entries a question names by number or position, if it names any."""
    if not folded or len(folded) > 80:
        return Target()
    text = " " + " ".join(folded) + " "
    if not survey.entries:
        return Target()
    statement = _statement(folded)
    sections_in_order = survey.pack.sections
    # "the last question", not an opener ("last question: is safeguarding ...", "one last question")
    if any(f" {d} {o} question " in text for o in ("last", "final") for d in ("the", "that", "this")) \
            and " last question in " not in text:
        final = [i for i, e in survey.entries if e.section == sections_in_order[-1]] if sections_in_order else []
        if final:   # the last section's last question (the Big Listen's last section is that one question)
            return Target(tuple(final[-1:]), statement=statement, exact=True)
    # a number wins over a name ("I did the culture bit already, what should I put for priority 3?")
    priority = _priority(folded)
    by_name = priority is None and (priority := _priority_by_name(folded, survey.named)) is not None
    naming = NAMING_ONLY | {"what", "how"} if folded[:2] in FOLLOW_UP and \
        sum(w in SECTION_WORDS for w in folded) == 1 else NAMING_ONLY
    asking_only = (folded[0] not in NOT_WHICH and NOT_ASKING.isdisjoint(folded) and FILLER.issuperset(folded)
                   and (not WHAT_TO_ANSWER.isdisjoint(folded)
                        or (not SECTION_NOUNS.isdisjoint(folded) and naming.issuperset(folded))))
    answering = not ANSWERING.isdisjoint(folded) or YES_NO <= set(folded)
    sections = _sections(folded, survey, priority, alone=asking_only and answering, verb=verb)
    position = _position(folded) if priority is None else None
    placed = set(_named_by(SECTION_WORDS[position[1]], survey.pack.sections)) if position else set()
    if len(placed) == 1 and not any(_number(e.priority) for _, e in survey.entries if e.section in placed):
        # one question of a section of unnumbered questions, named by its place: "safeguarding q1"
        # (the number ignored, it got the section's likeliest question and its "no particular option")
        in_section = [i for i, e in survey.entries if e.section in placed]
        if -len(in_section) <= position[0] < len(in_section):
            return Target((in_section[position[0]],), statement=statement, section_named=True, exact=True)
    if priority is not None:
        hits = [(i, e) for i, e in survey.entries
                if _number(e.priority) == priority[0] and (not sections or e.section in sections)]
        if statement is not None and statement >= 0:   # a statement only one section's version has: that section
            has = {e.section for _, e in hits if len(getattr(e, "statements", ())) > statement}
            if len(has) == 1 and len({e.section for _, e in hits}) > 1:
                hits, sections = [(i, e) for i, e in hits if e.section in has], has
        # a statement named by its words ("the notice one", "statement 3 - the unintended consequence one")
        naming = naming_words(query)
        told = _told_by_statements(hits, naming, statement) if naming and not by_name and \
            len({e.section for _, e in hits}) > 1 else None
        if told is not None:
            hits, sections = [(i, e) for i, e in hits if e.section == told], {told}
        if hits:   # two sections named as near the number: both, and asked which
            one = bool(sections) and len({e.section for _, e in hits}) == 1
            # named by its name ("is there anywhere in the reporting part for ..."), it is where to
            # write: the models choose its question or its box; by number, the priority as a whole
            whole = statement is None and not _names_box(folded) and not by_name
            return Target(tuple(i for i, _ in hits), whole_priority=whole, statement=statement,
                          section_named=one, exact=True, box=_box(folded), by_name=by_name,
                          writing=by_name and not WRITING.isdisjoint(folded),
                          section_beside=by_name and one and folded[max(priority[1] - 1, 0)] in SECTION_WORDS)
    if sections:
        hits = [i for i, e in survey.entries if e.section in sections]
        return Target(tuple(hits), statement=statement, section_named=True,
                      whole_section=statement is None and asking_only)
    # a statement with no part named ("the 4th statement"): of the question found by its words,
    # when named as a statement (not "the last one", which is English)
    return Target(statement=statement if not STATEMENT_WORDS.isdisjoint(folded) else None)


# the words a message names a statement by: "the notice one", "the notice period one", "statement 3 - the
# unintended consequence one", "the one about X" (to the end of its clause), "the personal dev bullet"
_NAMING = re.compile(r"\bthe\s+((?:[a-z'’-]+\s+){1,3}?)one\b|\b(?:one|statement|bullet)\s+(?:about|on|re|regarding|"
                     r"saying)\s+([^,.;:?!()\n–—-]+)|((?:\b[a-z'’-]+\s+){1,2})(?:bullet|statement)\b", re.IGNORECASE)
NAMING_WORDS = 5   # of "the one about ...", at most


def naming_words(query: str) -> list[str]:
    """The words a message names a statement by (`_NAMING`), or []: not the rest of its story ("priority
    2 the one about how much warning we get, parents were furious": "parents" is only in the SEND
    version's statements, and picked it; the review of round 35)."""
    return [w for m in _NAMING.finditer(query) for w in words(next(filter(None, m.groups()), ""))[:NAMING_WORDS]]


def _told_by_statements(hits, naming: list[str], statement: int | None) -> str | None:
    """The one section whose version of a priority has a statement (the one numbered, if any) sharing
    a word the message names a statement by (`naming_words`: "priority 2, the notice one": only the
    schools version has a notice statement; audits 34 and 35); None when both versions' do, or
    neither's."""
    # not the words of the priority's name or its questions: both versions' ("the one asking what ofsted's
    # priorities should be when reporting" is a comments box, and "Report on ..." a schools statement)
    either = {stem(w) for _, e in hits for w in words(f"{e.priority} {e.question}")}
    asked = {stem(w) for w in naming if w not in FILLER and w not in STATEMENT_WORDS and w not in ORDINALS
             and not any(c.isdigit() for c in w)} - either
    rated = [e for _, e in hits if getattr(e, "statements", ())]
    if not asked or len({e.section for e in rated}) < 2:
        return None
    sharing = set()
    for e in rated:
        chosen = e.statements if statement is None else e.statements[statement:statement + 1] if statement >= 0 \
            else e.statements[statement:]
        if any(asked & {stem(w) for w in words(s.text)} for s in chosen):
            sharing.add(e.section)
    return sharing.pop() if len(sharing) == 1 else None


def _names_box(folded: list[str]) -> bool:
    """The comments box of a priority, or comments on it: not the priority as a whole."""
    return _box(folded) or any(w in ("comment", "comments", "views") for w in folded)


def _box(folded: list[str]) -> bool:
    """The comments box itself ("box", "free text"), not the union's comments on a priority."""
    pairs = list(zip(["", *folded], folded, [*folded[1:], ""]))
    return (any(w == "box" and before != "tick" and not after.startswith("tick") for before, w, after in pairs)
            or any(a == "free" and b == "text" for a, b in zip(folded, folded[1:])))
