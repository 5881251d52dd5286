"""Turns a search result into a Reply: the one answer that Slack and the terminal both show.

A Reply holds only verbatim knowledge text plus the bot's own fixed labels, so a renderer
can never put words in the union's mouth. Every quotation is shown with whose words it is
and when they held. A reply has two views: the short one leads with what was asked
(`reply_lines`), the full one holds everything (`full_lines`). `render_text` and
`render_full_text` are the terminal views; the Block Kit views live in bot/blocks.py.
"""
from __future__ import annotations

import re
import statistics
import time
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import lru_cache

from bot.asking import BETWEEN, SAYING, VIEW_NOUNS, VIEW_VERBS, WANTING
from bot.chitchat import is_about_bot, is_social, is_thanks
from bot.claims import claimed, claimed_against, claimed_option, said_of, told_claim
from bot.happened import asks_what_happened
from bot.knowledge import (
    ADVICE_OPENING,
    CONNECTIVES,
    BackgroundEntry,
    Consultation,
    Entry,
    GlossaryEntry,
    Guidance,
    Pack,
    Quote,
    Since,
    Source,
    SuggestedAnswer,
    SurveyEntry,
    advice_shaped,
    advises,
    entry_quotes,
    entry_speaker,
    quote_of,
    sentences,
    suggested_answer_of,
    survey_speaker,
    twins,
    union_commentary,
    union_of,
)
from bot.normalise import STOPWORDS, fold, stem, words
from bot.search import Match, SearchResult, consultation_name
from bot.speakers import norm
from bot.store import KeptAnswer, Pin
from bot.structure import ANSWERING, asks_where, section_named
from bot.telling import (
    by_relevance,
    commentary_text,
    named_consultation,
    names_text,
    passage_order,
    shared_words,
    synonym_map,
    telling_words,
    word_weights,
)
from bot.unsaid import claim_words, never_said, union_words, unsaid
from bot.verbatim import checked, flipped
from bot.walk_request import asks_how_to_walk

NEAR_TIE = 0.9    # other matches scoring this share of the best are offered up front
# The bot's own words about a union's guidance name that union (pack.yaml's `publisher`): in one
# union's workspace "the union" reads as that union, whichever pack's guidance it is.
NO_POSITION = "{union} gives no explicit recommendation for this question."
NO_OPTION = "{union} recommends no particular option here."
# Asked what has happened since (`bot.happened`), of a survey question: it was asked, not decided
HAPPENED = ("You asked what has happened since: below is what {consultation} asked ({when}) and {union}'s guidance "
            "on it, not a record of what was decided.")
# ... and when later sources record something of it, that comes first ("below is ... not a record of
# what was decided" sat above Ofsted's December 2024 record of a decision: audit 31's re-check)
HAPPENED_RECORDED = ("You asked what has happened since: first what later sources say (a plan is labelled so), "
                     "then what {consultation} asked ({when}) and {union}'s guidance on it, which record no "
                     "decision.")
NOTHING_SINCE = "No later change to it is shown here."
QUOTE_EXACT = "Word for word: those are {whose}."
QUOTE_NEAR = "Not word for word with the nearest passage this guidance quotes: {whose} there have {where}."
QUOTE_PART = "Word for word, but only part of {sentence}: read it whole (below) before quoting it."
QUOTE_EXACT_OTHER = "Word for word, but those are {whose}, not {union}'s own."
QUOTE_NOT_THEIRS = "They are {whose}, not {union}'s own."
QUOTE_NOT_FOUND = "Those words aren't among the passages this guidance quotes, so I can't say whose they are."
OPPOSITE = "{union}'s words say the opposite: {where}."
# Asked what the union says about something only others' words on the question name (`bot.unsaid`)
UNSAID = "You asked what {union} says about this: {union}'s guidance doesn't mention it. {speaker}'s words here do:"
NO_STATEMENT_COMMENT = ("{union}'s commentary says nothing on this statement (what it says on the question's "
                        "other statements is in the full guidance).")
LEAD_LIMIT = 300  # characters: the answer a member reads first
QUESTION_AS_A_WHOLE = "On the question as a whole:"
KIND_LABELS = {"advice": "{union} advises", "view": "{union}'s view"}   # an answer has answer_label


@dataclass(frozen=True)
class Commentary:
    """Union commentary paragraphs, and the statement(s) they follow in the source (if any)."""

    paragraphs: tuple[str, ...]
    about: str = ""                       # the (last) statement the comments follow
    statements: tuple[int, ...] = ()      # indices of every statement they follow


@dataclass(frozen=True)
class ConsultationStatus:
    """The consultation and the date the reply was made for: replies say, relative to
    `today`, whether it is still open."""

    consultation: Consultation
    today: date


@dataclass(frozen=True)
class Line:
    """One line of a reply: the bot's own label, and the quotation it introduces (if any).
    `part` says where it goes: lead, question, body, since, status, source, note."""

    label: str = ""
    quote: Quote | None = None
    part: str = "body"


@dataclass(frozen=True)
class Reply:
    query: str
    answered: bool
    contact: str
    entry: Entry | None = None
    score: float = 0.0
    statement: int | None = None
    commentary: tuple[Commentary, ...] = ()
    commentary_from: str = ""          # title of the related entry the commentary belongs to
    suggestion: SuggestedAnswer | None = None
    source: Source | None = None
    others: tuple[Match, ...] = ()     # other matches, or "did you mean" when not answered
    empty_query: bool = False
    pinned: Pin | None = None          # a rep pinned this answer for questions like this one
    chosen: bool = False               # the member picked this entry (a button, an id): no "did you mean?" first
    guidance: tuple[Guidance, ...] = ()           # for the named statement, else the question
    consultation: ConsultationStatus | None = None
    elsewhere: tuple[ConsultationStatus, ...] = ()   # asked about one's dates: the other consultations answering here
    parts: tuple[SurveyEntry, ...] = ()           # a priority asked about as a whole: its questions
    kept: KeptAnswer | None = None     # a rep's kept answer, not the union's guidance (bot/rep_blocks.py)
    pack: Pack | None = field(default=None, repr=False, compare=False)
    chitchat: bool = False             # a greeting or thanks: a friendly word, not an answer
    walk: str | None = None            # ... asking to be taken through the survey: the section named, or ""
    unsure: bool = False               # declined for low confidence, not as off-topic: it may be covered
    clipped: bool = False              # a long message, read at its start and its end only
    ambiguous: bool = False            # near-tied entries (schools or SEND?): ask which was meant
    whole_section: bool = False        # a section named alone ("the safeguarding questions"): ask which of them
    # ... but the union's sentence asked about is under this one too, word for word: (it, the sentence)
    alike: tuple[Entry, str] | None = None
    also: tuple[str, Match] | None = None   # of two questions asked, the one left out and its match
    pack_title: str = ""               # named when several packs answer (bot/packs.py)
    topic: str = "Big Listen guidance"  # what the bot answers from (app.yaml `bot_name`), for "I don't know"
    command: str = "/biglisten"        # the slash command (app.yaml `slash_command`), for "type ..."
    asker: str = ""                    # who asked (a Slack user id): "Ask a rep" is theirs alone

    @property
    def paragraphs(self) -> list[str]:
        return [p for group in self.commentary for p in group.paragraphs]


def build_reply(result: SearchResult, pack: Pack, contact: str, *, today: date | None = None) -> Reply:
    """Choose what to show for a search result (and nothing the sources don't say)."""
    if result.reason == "chitchat":
        return Reply(query=result.query, answered=False, contact=contact, empty_query=True, chitchat=True,
                     walk=result.walk)
    if not result.answered or not result.best:
        # suggesting survey questions today: whether the survey can still be answered is said too
        # ("where do I put this?" in November 2026 is told the Big Listen closed in May 2024)
        survey = any(isinstance(m.entry, SurveyEntry) for m in result.matches)
        status = ConsultationStatus(pack.consultation, today or date.today()) if survey and pack.consultation else None
        return Reply(query=result.query, answered=False, contact=contact, others=result.matches,
                     empty_query=not result.terms, unsure=result.reason == "low_confidence" and bool(result.matches),
                     clipped=result.clipped, consultation=status, pack=pack)
    best = result.best
    reply = entry_reply(best.entry, pack, contact, query=result.query, statement=best.statement,
                        score=best.score, others=result.matches[1:], today=today)
    if result.whole_priority and isinstance(best.entry, SurveyEntry):
        parts = priority_parts(best.entry, pack)
        if len(parts) > 1:
            reply = replace(reply, parts=parts, statement=None, guidance=best.entry.statement_guidance(None),
                            commentary=commentary_groups(best.entry) if not reply.commentary_from else reply.commentary,
                            others=tuple(m for m in reply.others if m.entry.id not in {p.id for p in parts}))   # shown
    if result.clipped:
        reply = replace(reply, clipped=True)
    if result.also:   # the other question's match among the others, first: a button in Slack
        other = result.also[1]
        reply = replace(reply, also=result.also,
                        others=(other, *(m for m in reply.others if m.entry.id != other.entry.id)))
    alike = _said_alike(reply, pack) if result.ambiguous and not result.whole_section else None
    if alike:
        return replace(reply, alike=alike)
    return replace(reply, ambiguous=True, whole_section=result.whole_section) if result.ambiguous else reply


def _view_answers(reply: Reply, pack: Pack | None) -> bool:
    """Asked what the union thinks ("does nasuwt want ofsted to stop inspecting safeguarding
    altogether?"), two near-tied questions of different priorities: the union's view on the first
    answers it, above "Which did you mean?" (`ambiguity_head`), which alone left a true claim hanging
    (audit 34 #12). The menu stays: it keeps a suggested answer that may be the other question's
    from leading (`bot.blend`'s `_answer_at_stake`; answered outright, "does nasuwt want safeguarding
    to stay part of ofsted inspection?" read "Suggested answer: Yes", the separate judgement's: the
    review of round 35). Not twins (schools or SEND: which was meant matters), nor where to put it
    or what, nor an option claimed; and only when one of the union's sentences on the first tells
    of the question."""
    if pack is None:
        return False
    first, query = reply.entry, reply.query
    options = ambiguity_options(reply)
    second = options[1].entry if len(options) > 1 else None
    union = union_of(pack)
    if not (isinstance(first, SurveyEntry) and isinstance(second, SurveyEntry)) or not union \
            or twins(first, second) or (first.section, first.priority) == (second.section, second.priority) \
            or not asks_union_view(query, union) or asks_what_to_answer(query) or asks_where(words(query)) \
            or any(claimed_option(query, e.options, union) for e in (first, second)):
        return False
    said = [s for p in commentary_text(first).split("\n") for s in sentences(p)]
    return max(telling_words(said, query, pack, first.keywords), default=0) > 0


def _said_alike(reply: Reply, pack: Pack) -> tuple[SurveyEntry, str] | None:
    """Asked what the union thinks of something it says in the same words under both near-tied
    questions (the schools and SEND culture questions' "NASUWT believes that it would be appropriate
    for classroom teachers to be employed as inspectors"): the other question and that sentence,
    and the first is answered, not "Which did you mean?", which left "the union said classroom
    teachers shouldnt be inspectors" standing (audit 32). Only when that sentence alone tells most
    of the question in both, and every piece of guidance holding it is word for word under the
    other too (the SEND view adds "In the case of SEND, this might include SENCOs ...": the review).
    Not for where to put it or what, nor an option claimed: the twins' answers may differ."""
    first, query = reply.entry, reply.query
    options = ambiguity_options(reply)
    second = options[1].entry if len(options) > 1 else None
    union = union_of(pack)
    if not (isinstance(first, SurveyEntry) and isinstance(second, SurveyEntry)) or not union \
            or pack.get(second.id) is not second or not asks_union_view(query, union) or asks_what_to_answer(query) \
            or asks_where(words(query)) or any(claimed_option(query, e.options, union) for e in (first, second)):
        return None

    def most_telling(entry: SurveyEntry) -> str | None:
        """The union's one sentence on `entry` most telling of the question (None for a tie)."""
        said = [s for p in commentary_text(entry).split("\n") for s in sentences(p)]
        scores = sorted(zip(telling_words(said, query, pack, entry.keywords), said), reverse=True)
        if not scores or scores[0][0] <= 0 or len(scores) > 1 and scores[1][0] == scores[0][0]:
            return None
        return scores[0][1]
    # "... inspectors in SEND": the other's section named, that one was meant (the re-check of audit 32)
    if second.section in {section_named(w, pack.sections) for w in words(query)}:
        return None
    sentence = most_telling(first)
    there = norm(commentary_text(second))
    held = [g.basis for g in first.all_guidance() if sentence and sentence in g.basis]
    if sentence is None or sentence != most_telling(second) or not all(norm(h) in there for h in held):
        return None
    return second, sentence


def entry_reply(entry: Entry, pack: Pack, contact: str, *, query: str = "", statement: int | None = None,
                score: float = 1.0, others: tuple[Match, ...] = (), today: date | None = None) -> Reply:
    """The reply for one entry, as `/biglisten <entry id>` or a pinned answer shows it."""
    commentary: tuple[Commentary, ...] = ()
    borrowed = ""
    suggestion = None
    guidance: tuple[Guidance, ...] = ()
    status = None
    if isinstance(entry, SurveyEntry):
        guidance = entry.statement_guidance(statement)
        suggestion = suggested_answer_of(guidance)
        commentary = commentary_groups(entry, statement)
        lender = commentary_lender(entry, pack)
        if lender:
            commentary, borrowed = commentary_groups(lender), lender.title
            if not advises(guidance):   # the comments it shows advise
                guidance += tuple(g for g in lender.statement_guidance(None) if g.kind == "advice")
    if pack.consultation and (isinstance(entry, SurveyEntry) or getattr(entry, "about_consultation", False)):
        status = ConsultationStatus(pack.consultation, today or date.today())
    return Reply(query=query, answered=True, contact=contact, entry=entry, score=score, statement=statement,
                 commentary=commentary, commentary_from=borrowed, suggestion=suggestion,
                 source=pack.sources[entry.source], others=others, guidance=guidance,
                 consultation=status, pack=pack)


def priority_parts(entry: SurveyEntry, pack: Pack) -> tuple[SurveyEntry, ...]:
    """Every question of the entry's priority, the rated question (with options) first."""
    same = [e for e in pack.entries if isinstance(e, SurveyEntry)
            and e.section == entry.section and e.priority == entry.priority]
    return tuple(sorted(same, key=lambda e: not e.options))


def commentary_groups(entry: SurveyEntry, statement: int | None = None) -> tuple[Commentary, ...]:
    """All the union wrote on a question: the asked-about statement's comments first, then
    the question's own, then every other statement's, each labelled with its statement(s)."""
    def group(i: int) -> Commentary:
        s = entry.statements[i]
        return Commentary(s.commentary, s.text, tuple(sorted({*s.commentary_covers, i})))

    own = [i for i, s in enumerate(entry.statements) if s.commentary]
    first = [i for i in own if statement is not None and statement in group(i).statements]
    groups = [group(i) for i in first]
    if entry.commentary:
        groups.append(Commentary(entry.commentary))
    groups += [group(i) for i in own if i not in first]
    return tuple(groups)


def group_label(group: Commentary, groups, owner: str = "the consultation") -> str:
    """A group's heading, or "" when there is nothing to tell apart. Once any group belongs
    to a statement, the question's own comments are labelled too, so no one reads them as
    comments on that statement. The statement quoted is `owner`'s survey text, said so under
    the union's heading."""
    if group.about and len(group.statements) > 1:
        first, last = group.statements[0] + 1, group.statements[-1] + 1
        return (f"On statements {first} to {last} (this comment follows all of them), ending with {owner}'s "
                f"survey statement “{group.about}”:")
    if group.about:
        return f"On {owner}'s survey statement “{group.about}”:"
    return QUESTION_AS_A_WHOLE if any(g.about for g in groups) else ""


def commentary_lender(entry: Entry, pack: Pack) -> SurveyEntry | None:
    """For a question the union did not comment on directly (a "Your views" box right
    after a rated question), the related question of the same priority whose comments
    cover it. The source places one "NASUWT comments" block between the two."""
    if not isinstance(entry, SurveyEntry) or union_commentary(entry):
        return None
    for rel in entry.related:
        other = pack.get(rel)
        if isinstance(other, SurveyEntry) and union_commentary(other) and other.priority == entry.priority:
            return other
    return None


def shown_quotes(entry: Entry, pack: Pack) -> list[str]:
    """Every quotation a member is shown for this entry, lent commentary included."""
    lender = commentary_lender(entry, pack)
    return entry.quotes() + (union_commentary(lender) if lender else [])


# --- labels: whose words, and when -------------------------------------------------------

def union_name(source: Source | None) -> str:
    """The union's name, from the union's own document (pack.yaml's `publisher`)."""
    return source.publisher if source is not None and source.speaker == "union" else "The union"


def survey_owner(pack: Pack | None) -> str:
    """Who runs the consultation (pack.yaml's `consultation.run_by`), as written there ("Ofsted",
    "the Example Department"): `capitalised` where it starts a sentence."""
    return pack.consultation.run_by if pack is not None and pack.consultation else "the consultation"


def capitalised(name: str) -> str:
    """A name starting a sentence ("The Example Department said"); mid-sentence it is as written."""
    return name[:1].upper() + name[1:]


def speaker_label(q: Quote, pack: Pack | None, *, plan: bool = False) -> str:
    """Who said it and when, in the bot's own fixed words."""
    src = pack.sources.get(q.source) if pack else None
    when = q.as_of
    if q.speaker == "union":
        return f"{union_name(src)} says ({when}):"
    if q.speaker == "press":
        return f"{src.publisher if src else 'The press'} reported ({when}):"
    if src is not None and src.speaker == "union":        # Ofsted's words, reproduced by the union
        owner = capitalised(survey_owner(pack))
        return {"question": f"{owner}'s survey asks ({when}):",
                "statement": f"{owner}'s survey statement, put to respondents to rate ({when}):",
                "framing": f"{owner}'s survey explains ({when}):"}.get(q.role, f"{owner}'s survey text ({when}):")
    # speaker "ofsted": Ofsted, or the body the source names (its `speaker_name`: "the Department")
    owner = capitalised(speaker_name(q, pack))
    where = src.applies_to if src is not None else ""   # "England": a member in Wales reads it as not theirs
    if plan:
        owner += f"'s plans for {where}" if where else "'s plans"
        return f"{owner} as of {when} (plans then, not a record of what happened):"
    return f"{owner} said ({when}{', ' + where if where else ''}):"


def status_line(status: ConsultationStatus, survey: bool) -> str:
    c = status.consultation
    closes = _day(c.closes)
    if status.today < c.opens:
        return f"{c.title} opens on {_day(c.opens)} and runs until {closes}."
    if c.is_open(status.today):
        days = c.days_left(status.today)
        return f"{c.title} is open until {closes}: {days} day{'s' if days != 1 else ''} left to respond."
    line = f"{c.title} closed on {closes}"
    return line + ("; advice given while it was open." if survey else ".")


def _day(d: date) -> str:
    return f"{d.day} {d.strftime('%B %Y')}"


def pinned_line(pin: Pin) -> str:
    when = time.strftime("%-d %B %Y", time.gmtime(pin.at))
    return f"Pinned by {pin.rep_name or 'a rep'} on {when}: a rep chose this answer for questions like this"


def source_line(source: Source, *, short: bool = False) -> str:
    title = source.short_title if short and source.short_title else source.title
    # the short line leaves out a publisher its short title already names ("NASUWT commentary")
    named = short and source.publisher.split()[0] in title.split()[0]
    where = f"; applies to {source.applies_to}" if source.applies_to else ""
    line = f"Source: {title} ({source.date if named else f'{source.publisher}, {source.date}'}{where})"
    if source.old_news:
        line += f". This is from {source.date}: it describes what was true then, not necessarily now."
    return line


def _union(text: str, reply: Reply, role: str = "guidance") -> Quote:
    return quote_of(text, "union", reply.source, role)


def guidance_label(g: Guidance, reply: Reply, scope: str = "") -> str:
    """"Suggested answer: X. NASUWT says (date):", "NASUWT advises (date):" or "NASUWT's view
    (date):", with the statements it is about when that isn't plain from the reply."""
    scope = f", {scope}" if scope else ""
    if g.kind == "answer":
        return f"Suggested answer: {g.answer}. {union_name(reply.source)} says ({reply.source.date}{scope}):"
    return f"{KIND_LABELS[g.kind].format(union=union_name(reply.source))} ({reply.source.date}{scope}):"


def guidance_line(g: Guidance, reply: Reply, scope: str = "") -> Line:
    return Line(guidance_label(g, reply, scope), _union(g.basis, reply), part="lead")


def guidance_block(g: Guidance, reply: Reply, scope: str = "") -> list[Line]:
    """A piece of guidance's line, after the sentence it is an example of when it is one
    (`what_it_instances`), labelled as what it is: "NASUWT says: “You might reflect on who Ofsted
    recruits as inspectors ...”" then "NASUWT's view: “For instance, NASUWT believes ...”". Alone,
    the example was an instance of nothing shown (the reviews of round 32)."""
    lead_in = what_it_instances(g.basis, reply.entry)
    line = guidance_line(g, reply, scope)
    if lead_in is None:
        return [line]
    said = f"{union_name(reply.source)} says ({reply.source.date}{', ' + scope if scope else ''}):"
    return [Line(said, _union(lead_in, reply, "commentary"), part="lead"), line]


EXAMPLES = ("For instance, ", "For example, ")


def what_it_instances(basis: str, entry: Entry | None) -> str | None:
    """The sentence of the union's commentary just before a piece of guidance that is an example
    ("For instance, NASUWT believes that it would be appropriate for classroom teachers to be
    employed as inspectors."): what it is an example of ("You might reflect on who Ofsted recruits
    as inspectors and whether it would be appropriate to draw from a broader base of
    professionals."). None for guidance that is no example, or opens its paragraph."""
    if not basis.startswith(EXAMPLES):
        return None
    for p in commentary_text(entry).split("\n"):
        at = p.find(basis)
        before = sentences(p[:at]) if at > 0 else []
        if before:
            return before[-1].strip()
    return None


def entry_label(title: str) -> str:
    """An entry's title inside a sentence: the pack's own label, not anyone's words, so in
    square brackets; curly quotes are for quotations, each of which says whose words it is
    (a title in them, under "NASUWT advises", read as the union's words)."""
    return f"[{title}]"


def scope_for(g: Guidance, reply: Reply) -> str:
    """Where a piece of guidance shown in the lead belongs, when that isn't what was asked: "on
    statement 6" (a view the union gave on one statement), or the question whose comments it is
    (advice lent by the comments box the union commented on for both)."""
    e = reply.entry
    if not isinstance(e, SurveyEntry):
        return ""
    if reply.commentary_from and all(x.basis != g.basis for x in e.all_guidance()):
        return f"on {entry_label(reply.commentary_from)}"
    statements = e.guidance_scope(g)
    return "" if reply.statement in statements else scope_of(statements)


def short_guidance(guidance: tuple[Guidance, ...]) -> tuple[Guidance, ...]:
    """What the short view shows: the guidance up to the first recommended answer or piece
    of advice (a view listed before advice is what that advice refers back to), or the
    first view when there is neither."""
    for i, g in enumerate(guidance):
        if g.kind in ("answer", "advice"):
            return guidance[: i + 1]
    return guidance[:1]


def lead_guidance(reply: Reply) -> tuple[Guidance, ...]:
    """The guidance the short view leads with (`short_guidance`); asked what the union thinks,
    its view most relevant to the question first (`asked_view`): "does nasuwt even think ofsted
    should inspect safeguarding at all?" was led with the separate-judgement question's
    "Suggested answer: Yes", read as yes, and the union's position (it shouldn't) was in the
    full view only."""
    short = elsewhere_views_left(reply, short_guidance(reply.guidance))
    lead = asked_view(reply)
    if lead and _claim(reply)[1]:   # told an option the union does give ("nasuwt says yes for ... right"):
        return (*short, *(g for g in lead if g not in short))   # its answer first, then the view (the review)
    return (*lead, *(g for g in short if g not in lead)) if lead else short


def elsewhere_views_left(reply: Reply, short: tuple[Guidance, ...]) -> tuple[Guidance, ...]:
    """The short view's guidance without a view the union gave on another statement than the one
    asked (or on one statement, none asked) that shares no telling word with the question, when
    something else is left to lead with: audit 30b, "our school keeps a kid who assaulted staff in
    class" and a dozen more were led with "NASUWT's view (on statement 6): ... MATs should be
    inspected"."""
    e = reply.entry
    if not isinstance(e, SurveyEntry) or reply.pack is None or not reply.query.strip():
        return short   # an entry shown as itself (the walk-through, a button) shows all it leads with

    def elsewhere(g: Guidance) -> bool:
        scope = e.guidance_scope(g)
        return g.kind == "view" and bool(scope) and reply.statement not in scope and \
            not telling_words([g.basis], reply.query, reply.pack, e.keywords)[0]
    kept = tuple(g for g in short if not elsewhere(g))
    return kept if kept else short


def asked_view(reply: Reply) -> tuple[Guidance, ...]:
    """Asked (or told) what the union thinks, not what to put: its view most relevant to the
    question, with the guidance it refers back to before it (`leaning_on`); else (). Round 19's
    audit: "is the union for or against holding back the report?" was shown the union's view on
    who should inspect safeguarding, not "this would be a sensible option"."""
    views = [i for i, g in enumerate(reply.guidance) if g.kind == "view"]
    union = union_of(reply.pack)
    if not union or not asks_union_view(reply.query, union) or asks_what_to_answer(reply.query) \
            or _false_claim(reply):   # told an option the union doesn't give: `claim_lines` answers
        return ()
    elsewhere = view_elsewhere(reply, [reply.guidance[i] for i in views])
    if elsewhere is not None:
        return (elsewhere,)
    if not views:
        return ()
    said = commentary_text(reply.entry)
    chains = [leaning_on(reply.guidance, i, said) for i in views]
    texts = [" ".join(g.basis for g in chain) for chain in chains]
    scores = shared_words(texts, reply.query, reply.pack, ignore=f"{union} union")
    telling = telling_words(texts, reply.query, reply.pack, reply.entry.keywords)
    best = max(range(len(chains)), key=lambda i: (telling[i], scores[i]))
    # a view sharing no word with the question, when another sentence of the union's answers it, is no
    # answer to it ("does the union say anything about ofsted's budget" was led with its view that
    # classroom teachers should be inspectors, not its sentences on Ofsted's budget)
    if telling[best]:
        return chains[best]
    # ... words of the entry's own title ("what does nasuwt think about ofsted's culture") ask about
    # the whole question, which its view answers (the re-check of round 30)
    said = [s for _, s, _ in union_sentences(reply)]
    other = telling_words(said, reply.query, reply.pack, reply.entry.keywords, ignore=reply.entry.title)
    return () if any(other) else chains[best]


def view_elsewhere(reply: Reply, views: list[Guidance]) -> Guidance | None:
    """Asked the union's view, its view on another statement of the question than the one matched,
    when far more telling of the question than any view on it (by NEARER_BY of the rarest word's
    weight, as `nearer_sentence`): shown labelled with its statement ("on statement 8"). Audit 34:
    "what are NASUWT's concerns about SEND in mainstream" matched statement 2 on "mainstream", and
    "NASUWT has a number of concerns. ..." (its view on statement 8) was in the full reply only. A
    whole view, as the pack codes it: a sentence of it alone ("The expectation is simply that
    mainstream pupils will take more pupils with SEND.") read as the union's expectation."""
    e = reply.entry
    if not isinstance(e, SurveyEntry) or reply.pack is None or not reply.query.strip():
        return None
    others = [g for g in e.all_guidance() if g.kind == "view" and g not in reply.guidance]
    if not others:
        return None
    telling = telling_words([g.basis for g in others], reply.query, reply.pack, e.keywords)
    best = max(range(len(others)), key=lambda i: telling[i])
    bar = _telling_bar(reply, [g.basis for g in views])
    return others[best] if telling[best] > 0 and telling[best] >= bar else None


def leaning_on(guidance: tuple[Guidance, ...], i: int, said: str) -> tuple[Guidance, ...]:
    """Guidance `i` with what it refers back to: the guidance before it that comes just before
    it in the union's commentary (`said`), back to the first that reads on its own, never a
    suggested answer. "All of these things are important" refers to a list the guidance
    doesn't hold, not to the advice stored before it (round 19's review)."""
    start = i
    while start > 0 and refers_back(guidance[start].basis) and guidance[start - 1].kind != "answer" and \
            _just_before(said, guidance[start - 1].basis, guidance[start].basis):
        start -= 1
    return guidance[start:i + 1]


def _just_before(said: str, first: str, then: str) -> bool:
    """Whether `then` follows `first` in `said` with at most a space or a line between."""
    at = said.find(first)
    return at >= 0 and said.find(then, at + len(first)) - (at + len(first)) in range(3)


def scope_of(statements: tuple[int, ...]) -> str:
    """"on statement 3" or "on statements 1 to 5" (numbered from 1, as the survey shows them)."""
    if not statements:
        return ""
    if len(statements) == 1:
        return f"on statement {statements[0] + 1}"
    return f"on statements {statements[0] + 1} to {statements[-1] + 1}"


def guidance_lines(guidance: tuple[Guidance, ...], reply: Reply, *, verdict: bool = True) -> list[Line]:
    """The union's guidance for what was asked, kind first: a recommended answer, advice,
    a view. With `verdict`, also say plainly when there is no recommendation, and then give
    the union's single sentence most relevant to the question."""
    said = verdict_of(guidance, reply) if verdict else ""
    blocks = [guidance_block(g, reply, scope_for(g, reply)) for g in guidance]
    lines = [ln for block in blocks for ln in block]
    if said:   # asked what the union thinks, the view it leads with answers first (audit 32: "does the
        # union think MATs should be inspected" was led with "NASUWT recommends no particular option here"),
        # when the view is about what was asked, unless an option's words are in it or the question: "All
        # of these things are important" read as a rating
        asked = asked_view(reply)
        rated = {stem(w) for o in reply.entry.options for w in words(o) if w not in STOPWORDS}
        worded = {stem(w) for w in words(" ".join([reply.query, *(g.basis for g in asked)]))}
        telling = asked and reply.pack is not None and \
            telling_words([asked[-1].basis], reply.query, reply.pack, reply.entry.keywords)[0] > 0
        at = len(asked) if telling and guidance[:len(asked)] == asked and not rated & worded else 0
        lines.insert(sum(len(block) for block in blocks[:at]), Line(said, part="lead"))
    if verdict and not guidance:
        # "says nothing on this statement" only when no comment of the union's is on it (one
        # whose every sentence was passed over, a list or a "However, ...", still says something)
        silent = reply.statement is not None and reply.commentary and \
            not any(reply.statement in g.statements or not g.statements for g in reply.commentary)
        lines += most_relevant_sentence(reply) or (
            [Line(NO_STATEMENT_COMMENT.format(union=union_name(reply.source)), part="lead")] if silent else [])
    return lines


def verdict_of(guidance: tuple[Guidance, ...], reply: Reply) -> str:
    """What to say plainly when the union recommends nothing ("" when it advises): "no explicit
    recommendation" only when it gave none anywhere on the question, nor advice a pack left
    uncoded (its own comments' or lent); "no particular option" when it advises but names none."""
    union = union_name(reply.source)
    if not (advises(guidance) or advises(reply.entry.all_guidance())
            or advice_shaped(p for g in reply.commentary for p in g.paragraphs)):
        return NO_POSITION.format(union=union)
    if not any(g.kind == "answer" for g in guidance) and reply.entry.options:
        return NO_OPTION.format(union=union)
    return ""


def union_sentences(reply: Reply) -> list[tuple[Commentary, str, str]]:
    """The union's sentences a reply may lead with: of its comments on the statement asked and on
    the question as a whole, or, with no statement asked, of any; each as (its comment group, the
    sentence, the sentence with those it leans on). A sentence that refers back comes with the
    sentences of its paragraph it leans on, as in `passages` ("These are important because ..."
    with "This question addresses the role of SEND area inspections."); one that would then pass
    LEAD_LIMIT is passed over, as is one opening with a connective ("However, ..." alone leaves
    out what it answers)."""
    found = []
    for g in _comments_asked(reply):
        # in a list after a lead-in ("... include:"): items are no sentences of their own (`listed_item`)
        for p, lead_in in zip(g.paragraphs, list_leads(g.paragraphs)):
            if lead_in is not None:
                continue
            said, spans, at = sentences(p), [], 0
            for sentence in said:
                at = p.index(sentence, at)
                spans.append((at, at + len(sentence)))
                at += len(sentence)
            for run in passages(said):
                for i in run:
                    quote = p[spans[run[0]][0]:spans[i][1]]
                    if not said[i].startswith(CONNECTIVES) and not said[i].rstrip().endswith(":") and \
                            (i == run[0] or len(quote) <= LEAD_LIMIT):
                        found.append((g, said[i], quote))
    return found


def _comments_asked(reply: Reply) -> list[Commentary]:
    """The reply's comment groups on the statement asked and on the question as a whole (all, with
    no statement asked): one said of another statement, led with, read as the answer to this one."""
    return [g for g in reply.commentary
            if reply.statement is None or not g.statements or reply.statement in g.statements]


def list_leads(paragraphs: tuple[str, ...] | list[str]) -> list[int | None]:
    """For each paragraph, the one introducing the list it is an item of ("Things that you might want
    to address in your response could include:"), or None; a list runs to the item ending "."."""
    leads: list[int | None] = []
    lead = None
    for i, p in enumerate(paragraphs):
        leads.append(lead)
        end = p.rstrip()
        if end.endswith(":"):
            lead = i
        elif end.endswith("."):
            lead = None
    return leads


def sentence_line(reply: Reply, group: Commentary, quote: str) -> Line:
    """One of the union's sentences as a lead line: labelled as the pack codes it (a view,
    advice) or as what the union says, with the statements its comment is about."""
    scope = "" if reply.statement in group.statements else scope_of(group.statements)
    coded = next((g for g in reply.entry.all_guidance() if g.kind != "answer" and g.basis == quote), None)
    label = (guidance_label(coded, reply, scope) if coded   # the pack calls it a view or advice: say so
             else f"{union_name(reply.source)} says ({reply.source.date}{', ' + scope if scope else ''}):")
    return Line(label, _union(quote, reply, "commentary"), part="lead")


def whole_coded(reply: Reply, group: Commentary, quote: str) -> str:
    """A quotation of the union's, or the whole view or advice it starts as the pack codes it ("NASUWT
    has a number of concerns. One is ... Another is ..." and its fourth sentence, "The expectation is
    simply that ...", which alone read as the union's expectation)."""
    said = "\n".join(group.paragraphs)
    return next((g.basis for g in reply.entry.all_guidance() if g.kind != "answer" and g.basis.startswith(quote)
                 and g.basis in said), quote)


def most_relevant_sentence(reply: Reply) -> list[Line]:
    """The union's sentence sharing most words with the question (the first, if none do), of
    `union_sentences`, labelled with the statements its comment is about."""
    found = union_sentences(reply)
    if not found:
        return []
    best = by_relevance([s for _, s, _ in found], reply.query, reply.pack,
                        ignore=f"{union_name(reply.source)} union")[0]
    group, _, quote = found[best]
    return [sentence_line(reply, group, whole_coded(reply, group, quote))]


# How much more telling (`telling_words`) a sentence of the union's must be of the question than
# anything the short reply leads with before it is shown too (`nearer_sentence`), as a share of
# how telling a word only one of the union's sentences has is
NEARER_BY = 0.85


def _claim(reply: Reply) -> tuple[SurveyEntry, str | None, list[tuple[str, tuple[int, ...]]]]:
    """The rated question a claim is about (a comments box's: its priority's), the option the
    message says the union recommends (`bot.claims`), and every answer the union gives on that
    question with the statements it is about."""
    rated = reply.entry
    if not rated.options and reply.pack is not None and rated.priority:
        rated = next((p for p in priority_parts(rated, reply.pack) if p.options), rated)
    claim = claimed_option(reply.query, rated.options, union_name(reply.source))
    return rated, claim, [(g.answer, rated.guidance_scope(g)) for g in rated.all_guidance() if g.kind == "answer"]


def _false_claim(reply: Reply) -> bool:
    _, claim, answers = _claim(reply)
    return bool(claim) and all(a != claim for a, _ in answers)


def names_option(text: str, option: str) -> bool:
    """Whether `text` has the option's words, in order, stemmed: "agrees" has ‘Agree’, "disagree"
    hasn't."""
    said, wanted = [stem(w) for w in words(text)], [stem(w) for w in words(option)]
    return bool(wanted) and any(said[i:i + len(wanted)] == wanted for i in range(len(said)))


def claim_lines(reply: Reply, guidance: tuple[Guidance, ...], lead: list[Line], *,
                whole_priority: bool = False) -> list[Line]:
    """A member telling the bot which option the union recommends (`bot.claims`) is told plainly
    when it doesn't: "NASUWT recommends ‘Yes’ here, not ‘No’." first; or, where it names no
    option, its verdict line goes on ": not ‘Disagree’, nor any other option." or, before a view
    (which may amount to the option), ". It doesn't name ‘Agree’; its view follows." or ". Its
    words mention ‘Agree’ but recommend no option; its view follows." (content
    audit 30: the guidance contradicted such claims only by showing something else). Only what
    an answer the union gave on the whole question shows is asserted: an option it recommends on
    some statement is left to the guidance (review: "no particular option" was said of a question
    whose statement carried one). Denied here but recommended on the other section's version,
    that follows (`_twin_recommending`). `guidance`: what `lead` was made of; `whole_priority`:
    `lead` is a priority's two questions (`part_lines`), so the rated one is named."""
    lines = _claim_lines(reply, guidance, lead, whole_priority=whole_priority)
    twin = _twin_recommending(reply) if lines is not lead else None
    return [lines[0], twin, *lines[1:]] if twin else lines


def _twin_recommending(reply: Reply) -> Line | None:
    """The other section's version of the question that does recommend the option claimed, when
    the message names neither section (the re-check of audit 32: "nasuwt said very important for
    the inspection practice questions right?" got only the schools question's "not ‘Very important’",
    and the union recommends it for the SEND one)."""
    rated, claim, _ = _claim(reply)
    pack = reply.pack
    claim = claim or claimed_against(reply.query, rated.options, union_name(reply.source))   # "said not to ..."
    if pack is None or not claim or any(section_named(w, pack.sections) for w in words(reply.query)):
        return None
    twin = next((e for e in pack.entries if twins(rated, e) and e.options
                 and any(g.kind == "answer" and g.answer == claim and not e.guidance_scope(g)
                         for g in e.all_guidance())), None)
    if twin is None:
        return None
    return Line(f"{union_of(pack)} does recommend ‘{claim}’ on {pack.section_label(twin.section)} · {twin.priority}: "
                f"{entry_label(twin.title)}.", part="lead")


def _claim_lines(reply: Reply, guidance: tuple[Guidance, ...], lead: list[Line], *,
                 whole_priority: bool = False) -> list[Line]:
    union = union_name(reply.source)
    rated, claim, answers = _claim(reply)
    whole = [a for a, scope in answers if not scope]
    view_label = KIND_LABELS["view"].format(union=union)
    viewed = any(g.kind == "view" for g in guidance) or any(ln.label.startswith(view_label) for ln in lead)
    if not claim:
        against = claimed_against(reply.query, rated.options, union)
        if not against or answers or not viewed:
            return _against_lines(reply, rated, against, answers, lead)
        # a view may amount to the option ("MATs should be inspected" and 'Disagree'): said as of a claim of
        # it, "It doesn't name ‘Disagree’; its view follows." (the review of round 33)
        claim = against
    if any(a == claim for a, _ in answers):
        return lead
    if answers and not whole:
        return lead
    where = "" if rated is reply.entry and not whole_priority else \
        f"On the rating question {entry_label(rated.title)}, "
    if whole:
        said = f"{where or ''}{union} recommends ‘{whole[0]}’{' here' if not where else ''}, not ‘{claim}’."
        return [Line(said[0].upper() + said[1:], part="lead"), *lead]
    if viewed:
        # a view may amount to the option ("MATs should be inspected" and Agree; "NASUWT agrees that
        # Ofsted should hold all settings to account"): "not ‘Agree’" read as the union opposing it
        # (audit 30b's second re-check); say the view is there instead, and that no option is named
        # only where none of the union's words shown has the option's words (as words: "agree" is
        # not in "disagree"; the review of round 31)
        named = names_option(" ".join(ln.quote.text for ln in lead if ln.quote and ln.quote.speaker == "union"),
                             claim)
        denied = (f". Its words mention ‘{claim}’ but recommend no option; its view follows." if named else
                  f". It doesn't name ‘{claim}’; its view follows.")   # not "or any other option": "All of
        # these things are important" names 'Important' (audit 31's re-check)
    else:   # "not ‘X’", never "it doesn't name ‘X’": the union's advice may name it ("could be judged
        denied = f": not ‘{claim}’, nor any other option."   # important or very important", audit 30b)
    if where:
        return [Line(f"{where}{union} recommends no particular option{denied}", part="lead"), *lead]
    verdicts = {NO_OPTION.format(union=union), NO_POSITION.format(union=union)}
    if lead and lead[0].label in verdicts:
        return [replace(lead[0], label=lead[0].label.rstrip(".") + denied), *lead[1:]]
    return [Line(NO_OPTION.format(union=union).rstrip(".") + denied, part="lead"), *lead]


# a word of advising against ("not", "avoid"): a sentence of the union's naming an option with one of these
# may tell members not to give it
_NEGATION = re.compile(r"\b(?:not|never|no|nor|avoid|against|dont|shouldnt|mustnt|cannot|cant)\b")


def _against_lines(reply: Reply, rated: SurveyEntry, against: str | None, answers: list[tuple[str, tuple[int, ...]]],
                   lead: list[Line]) -> list[Line]:
    """Told that the union said not to give an option (`claimed_against`: "union said not to answer
    'very important' on the reporting aims", audit 33, was answered "not ‘Very important’, nor any
    other option", read as agreeing): "NASUWT does recommend ‘X’ here." when it does; when it
    recommends none, that it doesn't say not to give it, unless a sentence of its naming the option
    has a word of advising against in it ("... does not recommend that you give ‘X’")."""
    union = union_name(reply.source)
    whole = [a for a, scope in answers if not scope]
    if not against or (answers and not whole) or (whole and whole[0] != against):
        return lead   # none claimed, or the answer shown already bears the claim out
    if whole:
        return [Line(f"{union} does recommend ‘{against}’ here.", part="lead"), *lead]
    if _may_say_not_to(commentary_text(rated), against):
        return lead
    # (not "its words that mention it follow": "it will be very important to comment" is English, not the option)
    verdict = f"{union} recommends no particular option here and doesn't say not to give ‘{against}’."
    verdicts = {NO_OPTION.format(union=union), NO_POSITION.format(union=union)}
    rest = lead[1:] if lead and lead[0].label in verdicts else lead
    return [Line(verdict, part="lead"), *rest]


def _may_say_not_to(said: str, option: str) -> bool:
    """Whether a sentence of `said` names the option with a word of advising against in it."""
    return any(names_option(s, option) and _NEGATION.search(fold(s))
               for p in said.split("\n") for s in sentences(p))


def alike_lines(reply: Reply, lead: list[Line]) -> list[Line]:
    """`lead` with the other near-tied question, under which the union's sentence asked about is
    too (`_said_alike`), named right after the line quoting it (else that sentence and the line
    come first)."""
    if reply.alike is None or reply.pack is None:
        return lead
    other, said = reply.alike
    where = f"{reply.pack.section_label(other.section)} · {other.priority}"
    line = Line(f"{union_of(reply.pack)} used these same words under {where}: {entry_label(other.title)}.",
                part="lead")
    at = next((i for i, ln in enumerate(lead) if ln.quote and said in ln.quote.text), None)
    # the quotation says more than the other has
    if at is not None and norm(lead[at].quote.text) not in norm(commentary_text(other)):
        line = Line(f"{union_of(reply.pack)} wrote this part of it under {where} too ({entry_label(other.title)}):",
                    _union(said, reply, "commentary"), part="lead")   # only what is there is said to be
    if at is not None:
        return [*lead[:at + 1], line, *lead[at + 1:]]
    # as `union_sentences` quotes it: with the sentence it leans on (the review)
    group, quote = next(((g, q) for g, s, q in union_sentences(reply) if s == said), (None, said))
    return [sentence_line(reply, group, quote), line, *lead] if group else [line, *lead]


def nearer_sentence(reply: Reply, lead: list[Line]) -> list[Line]:
    """The union's sentence that answers the question, when the short reply's lead doesn't: the
    one of `union_sentences` most telling of the question (`telling_words`), when it is more so
    than any quotation in the lead by NEARER_BY of the rarest word's weight. Round 29's audit:
    "are classroom teachers employed as inspectors?" was led with the culture box's advice on the
    workforce's diversity, and the union's view that classroom teachers should be employed as
    inspectors was one click away."""
    found = union_sentences(reply)
    if not found or not reply.query or reply.pack is None:
        return []
    shown = [ln.quote.text for ln in lead if ln.quote]
    topic = reply.entry.keywords
    scores = telling_words([s for _, s, _ in found], reply.query, reply.pack, topic)
    best = max(range(len(found)), key=lambda i: scores[i])
    group, _, quote = found[best]
    if scores[best] <= 0 or any(quote in t for t in shown):   # nothing telling (a pack too small to weigh)
        return []
    # with the sentences after it that lean on it ("... last two days." "Is this effective?"), or the whole
    # view or advice it starts, as the pack codes it ("NASUWT has a number of concerns. ...", four sentences)
    quote = whole_coded(reply, group, max((q for g, _, q in found if g is group and q.startswith(quote)), key=len))
    if any(quote in t for t in shown):
        return []
    return [sentence_line(reply, group, quote)] if scores[best] >= _nearer_bar(reply, lead) else []


def _nearer_bar(reply: Reply, lead: list[Line]) -> float:
    """How telling of the question a passage of the union's must be to be added to `lead`: more than
    any quotation in it, by NEARER_BY of the rarest word's weight."""
    return _telling_bar(reply, [ln.quote.text for ln in lead if ln.quote])


def _telling_bar(reply: Reply, shown: list[str]) -> float:
    """`_nearer_bar` over texts: the most telling of `shown`, plus NEARER_BY of the rarest word's weight."""
    most = max(word_weights(reply.pack).values(), default=0)
    return max(telling_words(shown, reply.query, reply.pack, reply.entry.keywords), default=0) + NEARER_BY * most


OWNER_SHARES = 2   # words a sentence of the consultation runner's shares with a question asking what it said
                   # (more than any quotation the lead shows)


def _asks_what_owner_said(query: str, owner: str) -> bool:
    """"did ofsted say most schools are good or outstanding?", "what did ofsted say about ...",
    "does ofsted say ...": what the consultation's runner wrote, not the union's view."""
    if not owner:
        return False
    return re.search(rf"\b(?:did|does|do|has|have)\s+{re.escape(owner.lower())}\s+(?:\w+\s+)?"
                     rf"(?:say|said|write|wrote|claim|state|mention|admit)\b", query.lower()) is not None


def owner_sentence(reply: Reply, lead: list[Line]) -> list[Line]:
    """Asked what the consultation's runner said ("Did Ofsted say most schools are good or
    outstanding?"), its own sentence explaining the survey question (its framing) most telling of
    the question, when more so than anything `lead` quotes (as `nearer_sentence`). Audit 34: the
    union's advice to draw on experience led, and "We know that most schools are good or
    outstanding." was one click away. Not a statement put to respondents to rate: no claim of
    Ofsted's."""
    e = reply.entry
    c = reply.pack.consultation if reply.pack is not None else None
    if not isinstance(e, SurveyEntry) or not e.context or c is None or not reply.query \
            or not _asks_what_owner_said(reply.query, c.run_by):
        return []
    said = [s for p in e.context for s in sentences(p)]
    # asked for its words, a count of words shared: "most schools are good or outstanding" are words
    # too common in the pack for `telling_words` to weigh
    names = names_text(reply.pack)
    shared = shared_words(said, reply.query, reply.pack, ignore=names)
    best = max(range(len(said)), key=lambda i: shared[i])
    shown = [ln.quote.text for ln in lead if ln.quote]
    if shared[best] < OWNER_SHARES or shared[best] <= max(shared_words(shown, reply.query, reply.pack, ignore=names),
                                                           default=0):
        return []
    q = quote_of(said[best], survey_speaker(reply.source), reply.source, "framing")
    return [Line(speaker_label(q, reply.pack), q, part="lead")]


def listed_item(reply: Reply, lead: list[Line]) -> list[Line]:
    """An item of one of the union's lists ("the tone of the report; and") that tells the question
    more than anything `lead` quotes (by NEARER_BY of the rarest word's weight, as `nearer_sentence`),
    after the sentence introducing the list ("Things that you might want to address in your response
    could include:"). Items are no sentences of their own (`union_sentences`), so "what does nasuwt
    say about the tone of reports" had the item in the full reply only (audit 33)."""
    if not reply.query or reply.pack is None:
        return []
    listed = [(g, sentences(g.paragraphs[lead])[-1], p)   # (comment group, the list's lead-in sentence, an item)
              for g in _comments_asked(reply) for p, lead in zip(g.paragraphs, list_leads(g.paragraphs))
              if lead is not None and not p.rstrip().endswith(":") and sentences(g.paragraphs[lead])]
    if not listed:
        return []
    scores = telling_words([item for _, _, item in listed], reply.query, reply.pack, reply.entry.keywords)
    best = max(range(len(listed)), key=lambda i: scores[i])
    if scores[best] <= 0 or scores[best] < _nearer_bar(reply, lead):
        return []
    group, lead_in, item = listed[best]
    return [sentence_line(reply, group, lead_in), Line("", _union(item, reply, "commentary"), part="lead")]


def lead_lines(reply: Reply, *, everything: bool = True) -> list[Line]:
    """What was asked, first: the guidance (survey), the status (consultation entries),
    or the first quotation (glossary, background). The short view keeps one piece of
    guidance (the strongest kind); the full view has all of it."""
    e = reply.entry
    if isinstance(e, SurveyEntry):
        if reply.parts:   # a claim about the priority is checked against its rated question (the review of round 30)
            lines = part_lines(reply, everything=everything)
            shown = tuple(g for p in reply.parts for g in p.all_guidance())
            return lines if everything else claim_lines(reply, shown, lines, whole_priority=True)
        if everything:   # the claim's verdict too: pressing "more" lost it (the second review of round 33)
            return alike_lines(reply, claim_lines(reply, reply.guidance, guidance_lines(reply.guidance, reply)))
        guidance = lead_guidance(reply)
        lines = claim_lines(reply, guidance, guidance_lines(guidance, reply))
        lines += nearer_sentence(reply, lines)
        # more telling than any guidance shown, the item comes before it, after the bot's own lines and
        # a suggested answer (the review of round 33: "what does nasuwt say about the tone of reports"
        # opened with the union's view on single-word judgements)
        at = next((i for i, ln in enumerate(lines) if ln.quote and not ln.label.startswith("Suggested answer")),
                  len(lines))
        return alike_lines(reply, lines[:at] + owner_sentence(reply, lines) + listed_item(reply, lines) + lines[at:])
    lines = []
    if reply.consultation:
        lines += [Line(status_line(c, survey=False), part="lead") for c in (reply.consultation, *reply.elsewhere)]
    body = body_lines(reply)
    return lines + not_the_union_lines(reply, body) + where_written(reply, body[:first_passage(body)])


def where_written(reply: Reply, lead: list[Line]) -> list[Line]:
    """Asked where in the survey to say something, and answered from an entry quoting the union's
    comments on a survey question (not naming it already, `written_under`): `lead` with that
    question named after the quotation, with the statements the comments follow, and for a rated
    question the comments box they cover too, where a member can write. Audit 33: "inspection only
    lasted 2 days with 2 inspectors. enough? where do i say this" got the union's "Inspections are
    usually carried out by a small number of inspectors and last two days." as a fact, and no
    question. Only a whole paragraph or sentence of the comments counts: "culture." of a list in the
    union's introduction is no comment on the culture questions (the review)."""
    pack = reply.pack
    if pack is None or isinstance(reply.entry, SurveyEntry) or not asks_where(words(reply.query)):
        return lead
    for i, ln in enumerate(lead):
        if not (ln.quote and ln.quote.speaker == "union"):
            continue
        held = _commented_where(pack).get(ln.quote.text)
        if not held or "on [" in ln.label:   # none, or its label names the question already
            return lead
        places = []
        for e, statements in held:
            scope = scope_of(statements).removeprefix("on ")
            box = next((b for b in pack.entries if commentary_lender(b, pack) is e), None)
            places.append(f"{pack.section_label(e.section)} · {e.priority}: {entry_label(e.title)}"
                          + (f" ({scope})" if scope else "")
                          + (f", whose comments box is {entry_label(box.title)}" if box else ""))
        line = (f"You asked where to say this: {union_of(pack)}'s comments with these words are under "
                f"{' and '.join(places)}.")
        # and whether the survey can still be answered (the re-check of round 33: "where do i say this" was
        # pointed to a question of a survey closed in May 2024 without a word of it)
        status = reply.consultation or (ConsultationStatus(pack.consultation, date.today()) if pack.consultation
                                        else None)
        line += f" {status_line(status, survey=False)}" if status else ""
        end = i + 1   # after the quotation's lines that go on from it
        while end < len(lead) and lead[end].quote and not lead[end].label:
            end += 1
        return [*lead[:end], Line(line, part="lead"), *lead[end:]]
    return lead


# How a message asks what the union thinks (`asks_union_view`): bot/asking.py
NOT_A_VIEW = ("officer", "officers", "staff", "team", "office", "manager", "managers", "network", "group", "rep",
              "reps", "member", "members", "meeting", "branch",
              # not what it thinks: "the union backed off" (not "off-rolling"), "wants to know"
              "off(?!-)", "down(?!-)", "to know", "to hear")
WANTS_SOMEONE = ("us", "you", "me", "them", "everyone", "members", "staff", "people", "teachers")


@lru_cache(maxsize=16)
def _union_view_pattern(union: str) -> re.Pattern:
    name = "|".join(re.escape(n) for n in sorted({"union", *words(union)} - {""}))
    one = rf"\b(?:{name})\b"   # one union, not "do unions like nasuwt ..."
    name = rf"\b(?:{name})(?:'s|s'|s)?"
    between = rf"(?:\s+(?:{'|'.join(BETWEEN)})){{0,2}}"
    after = rf"(?!\s+(?:{'|'.join(NOT_A_VIEW)})\b)"
    return re.compile("|".join((
        rf"{name}\s+(?:{'|'.join(VIEW_NOUNS)})\b{after}",            # "the union's view", "nasuwts line"
        rf"{name}{between}\s+(?:{'|'.join(VIEW_VERBS)})\b{after}",   # "does the union support", "does nasuwt stand"
        rf"{name}{between}\s+(?:{'|'.join(WANTING)})\b(?!\s+(?:{'|'.join(WANTS_SOMEONE)})\b){after}",
        rf"{name}{between}\s+(?:in\s+favou?r|against|for\s+or\s+against)\b",   # "is nasuwt in favour of"
        rf"\b(?:what|how|anything)\b[^.?!]{{0,40}}?{name}{between}\s+(?:{'|'.join(SAYING)})\b",   # "what does it say"
        rf"{name}\W+what\s+(?:do|does)\s+(?:they|it)\s+(?:think|say)\b",   # "nasuwt - what do they think"
        # "does the union have a view on", "has nasuwt got a position", "what did nasuwt make of" (audit 30)
        rf"{name}{between}\s+(?:have|has|got|hold|holds)\s+(?:got\s+)?(?:a|an|any)\s+(?:{'|'.join(VIEW_NOUNS)})\b"
        rf"(?!\s+(?:manager|managers|to|for)\b){after}",   # not "a line manager"
        rf"{name}{between}\s+make\s+of\b",
        # "does the union like them", "would nasuwt like ofsted doing ..." (audit 33), not "would nasuwt like us
        # to mention ..." nor "unions like nasuwt"
        rf"\b(?:does|do|did|would|doesnt|wouldnt)\s+(?:the\s+)?{one}{between}\s+like\b"
        rf"(?!\s+(?:to|(?:{'|'.join(WANTS_SOMEONE)})\s+to)\b)",
        # "nasuwt said the 3 month delay is a bad idea": told what the union thinks (audit 30b), not
        # "the union said to ask here", "the union said we should put ..."
        # (and "the union says funding has nothing to do with SEND problems", round 31's audit)
        rf"{name}{between}\s+(?:said|says)\b(?!\s+(?:to|i|we|you|u|they|it|he|she|us|everyone|members|teachers|staff|sorry|"
        rf"thanks|on|in|at|that\s+(?:i|we|you|they|it))\b){after}",
        # "did nasuwt say the inspectorate should not inspect safeguarding?": asked, not told
        rf"\b(?:did|does|has|have)\s+(?:the\s+)?{name}(?:\s+(?:ever|actually|really|officially))?\s+"
        rf"(?:say|said|mention|mentioned|comment|commented)\b",
    )))


TO_ANSWER = ANSWERING | {"recommended", "recommendation", "suggested"}


def asks_what_to_answer(query: str) -> bool:
    """"what does the union recommend for ...", "what does nasuwt say i should put": what to put in
    the survey (bot/structure.py's answering words), so its suggested answer leads even when the
    union's view is asked about too."""
    return not TO_ANSWER.isdisjoint(words(query))


def asks_union_view(query: str, union: str) -> bool:
    """"what does NASUWT think about report cards", "does the union support suspend and return",
    "nasuwt is backing report cards isn't it", "whats nasuwts view on ...": the union is who thinks,
    not "what did ofsted say to the unions", "I joined the union and want to know ..." or "our
    union support officer said ..."."""
    return _union_view_pattern(union).search(fold(query)) is not None


def not_the_union_lines(reply: Reply, body: list[Line]) -> list[Line]:
    """Asked for the union's view, an entry quoting only others (in `body` and its "since" lines)
    says so first: labels alone ("Ofsted said") are easy to read past when the union's view was
    what was asked."""
    union = union_of(reply.pack)
    if not union or not asks_union_view(reply.query, union):
        return []
    quotes = [ln.quote for ln in body + since_lines(reply, everything=True) if ln.quote]
    if not quotes or any(q.speaker == "union" for q in quotes):
        return []
    names = list(dict.fromkeys(speaker_name(q, reply.pack) for q in quotes))
    said = f"You asked what {union} thinks: what follows are {' and '.join(names)}'s words, not {union}'s."
    if unsaid(reply.query, reply.entry, reply.pack, union):   # no quotation of the union's in the pack
        said += f" {union}'s guidance doesn't mention it."    # has the word ("the new monday call policy")
    related = commented_on(reply.entry, reply.pack)
    if related:
        what = "survey question" if isinstance(related[0], SurveyEntry) else "topic"
        said += f" {union}'s own words on a related {what} are under {entry_label(related[0].title)}."
    elif reply.contact:   # never "no view": the union's words may be under an entry not linked (audit 30b)
        said += f" {reply.contact}"
    return [Line(said, part="lead")]


def commented_on(entry: Entry, pack: Pack | None) -> list[Entry]:
    """The entries holding the union's own words that an entry of others' words is linked to:
    by `related`, either way round, and the survey questions quoting its words as what happened
    since (the December 2024 report's "suspend and return" sentences are the reinspection
    question's "Since then"; a related change, the Monday call beside the notice period, is not).
    Read once per pack (`linked`)."""
    if pack is None:
        return []
    return [e for e in linked(entry, pack) if e.id in _voiced(pack)]


def _voiced(pack: Pack) -> frozenset[str]:
    return pack.derived("union_voiced", lambda: frozenset(e.id for e in pack.entries if _voices(e, pack)))


def _voices(entry: Entry, pack: Pack) -> bool:
    """Whether an entry holds the union's view or advice: a survey question it commented on, or
    an entry quoting a sentence its guidance codes as a view or advice (not its dates: "Ofsted's
    Big Listen is running until 31 May 2024" is no view on Ofsted's response; audit 30b)."""
    if isinstance(entry, SurveyEntry):
        return bool(union_commentary(entry) or entry.all_guidance())
    coded = _coded_guidance(pack)
    return any(q.speaker == "union" and coded.get(q.text) is not None for q in entry_quotes(entry, pack))


def linked(entry: Entry, pack: Pack) -> list[Entry]:
    """The entries an entry is linked to: by `related`, either way round, and, between a survey
    question and an entry of later words, by the question quoting them as "Since then" (not as a
    related change). Read once per pack."""
    return [e for e in (pack.get(i) for i in _links(pack).get(entry.id, ())) if e is not None]


def _links(pack: Pack) -> dict[str, tuple[str, ...]]:
    def build() -> dict[str, tuple[str, ...]]:
        said_by = {}   # each quotation, to the entries holding it
        for e in pack.entries:
            for q in e.quotes():
                said_by.setdefault(q, []).append(e.id)
        links: dict[str, list[str]] = {}
        for e in pack.entries:
            for r in e.related:
                links.setdefault(e.id, []).append(r)
                links.setdefault(r, []).append(e.id)
            if isinstance(e, SurveyEntry):
                for since in e.since:
                    if not since.related:
                        for other in said_by.get(since.text, ()):
                            if other != e.id:
                                links.setdefault(other, []).append(e.id)
                                links.setdefault(e.id, []).append(other)
        return {k: tuple(i for i in dict.fromkeys(v) if i != k) for k, v in links.items()}
    return pack.derived("entry_links", build)


def prepare_pack(pack: Pack) -> None:
    """Build what replies read once per pack (its links, coded guidance, the union's words and
    their weights) when the pack is indexed, not on its first reply after a load: on a
    10,000-entry pack that first reply took 0.7 s (the review of round 30). Passed to
    `bot.packs.load_library` by the callers that reply; the packs floor knows nothing of replies."""
    synonym_map(pack)
    _links(pack)
    _coded_guidance(pack)
    _voiced(pack)
    _commented_where(pack)
    word_weights(pack)
    union_words(pack)
    claim_words(pack)


def speaker_name(q: Quote, pack: Pack | None) -> str:
    """Who a quotation that isn't the union's belongs to, by name as written: "Ofsted", "Schools
    Week", "the Department" (`capitalised` where it starts a sentence)."""
    src = pack.sources.get(q.source) if pack else None
    if q.speaker == "press":
        return src.publisher if src else "the press"
    if src is not None and src.speaker == "union":   # the survey's text, reproduced by the union
        return survey_owner(pack)
    return src.speaker_name if src is not None and src.speaker_name else "Ofsted"


def part_guidance(p: SurveyEntry) -> list[tuple[Guidance, str]]:
    """Every piece of guidance on a question, each once, the question's own first and then
    each statement's, with the statements it is about ("" for the question as a whole)."""
    return [(g, scope_of(p.guidance_scope(g))) for g in p.all_guidance()]


def part_lines(reply: Reply, *, everything: bool = True) -> list[Line]:
    """A priority asked about as a whole: for each question (the rated one first), the
    recommended rating and the advice (for a comments box with none of its own, the advice
    of the comments that cover it); then the union's views, in that order. The short view
    keeps each question's answers, its first advice not already shown and one view per
    question; the full view keeps every piece of guidance, each once."""
    lines: list[Line] = []
    shown: set[str] = set()
    union = union_name(reply.source)

    def add(items: list[tuple[Guidance, str]], limit: int | None = None) -> int:
        added = 0
        for g, scope in items:
            if g.basis not in shown and (limit is None or added < limit):
                shown.add(g.basis)
                lines.extend(guidance_block(g, reply, scope))
                added += 1
        return added

    one = None if everything else 1
    for p in reply.parts:
        found = part_guidance(p)
        lender = commentary_lender(p, reply.pack) if not p.options else None   # a comments box's
        if not any(g.kind == "advice" for g, _ in found) and lender:
            found += part_guidance(lender)
        if p.options:
            lines.append(Line(f"The rating question, {entry_label(p.title)}:", part="lead"))
            answers = [(g, scope) for g, scope in found if g.kind == "answer"]
            if not add(answers):
                lines.append(Line(NO_OPTION.format(union=union), part="lead"))
        else:
            lines.append(Line(f"The comments box, {entry_label(p.title)}:", part="lead"))
        advice = [(g, scope) for g, scope in found if g.kind == "advice"]
        if not add(advice, one) and not p.options:
            if any(g.basis in shown for g, _ in advice):
                lines.append(Line(f"{union}'s advice above covers this box too.", part="lead"))
            else:   # advice the pack left uncoded is never denied ("Things you might want to mention include:")
                lines += uncoded_advice(p, reply) or (uncoded_advice(lender, reply) if lender else []) or [
                    Line(f"{union} gives no explicit advice for this box.", part="lead")]
    views = [(g, scope) for p in reply.parts for g, scope in part_guidance(p) if g.kind == "view"]
    if any(g.basis not in shown for g, _ in views):   # under their own heading, not the last box's
        lines.append(Line(f"{union}'s views:", part="lead"))
    for p in reply.parts:
        add([(g, scope) for g, scope in part_guidance(p) if g.kind == "view"], one)
    return lines


def uncoded_advice(p: SurveyEntry, reply: Reply) -> list[Line]:
    """The passage of a question's own comments worded as advice that its pack left uncoded (a
    lead-in and its list), labelled as advice; a passage led by something else (a view) gives its
    advice sentence alone; [] when none is."""
    texts = list(p.commentary)
    for group in passages(texts):
        if not advice_shaped([texts[group[0]]]):
            group = [i for i in group if advice_shaped([texts[i]]) and not refers_back(texts[i])][:1]
        if group:
            label = guidance_label(Guidance(kind="advice", basis=texts[group[0]]), reply)
            return [Line(label if n == 0 else "", _union(texts[i], reply), part="lead") for n, i in enumerate(group)]
    return []


# Openings that stand for something said before ("This includes ...", "The same applies ...").
REFERS_BACK = ("This ", "These ", "That ", "It ", "They ", "In this ", "Such ", "Those ", "The same ", "Its ",
               "Their ", "In doing so", "In so doing", "Doing so", "For instance, ", "For example, ")
LIST_GOES_ON = (":", ";", "; and", "; or", ", and")
# A head left out ("One is that funding ...", "The second will be for ..."): one of what, said before.
_ELLIPTICAL = re.compile(r"(?:the\s+)?(?:first|second|third|fourth|fifth|last|latter|former|other|one|another)\s+"
                         r"(?:is|are|was|were|will|would|has|have|had|can|could|may|might|should|must)\b", re.I)
# Pointing words inside a sentence. Before its first comma there is nothing earlier in the sentence
# for them to point at ("Providers can use this to ...", "We reinspect some schools sooner than this,
# ..."); after it, they usually point within ("Where we identify a mistake, we put this right").
# "this year" points at the date the label gives, "this report" at the source the reply names.
_TIME = r"(?:year|month|week|term|spring|summer|autumn|winter|morning|afternoon|evening|time|country)"
_DOCUMENT = r"(?:report|document|page|survey|consultation|question|questions|section|commentary|guidance|website)"
_POINTS_BACK_EARLY = re.compile("|".join((
    rf"\b(?:this|these)\b(?!\s+(?:{_TIME}|{_DOCUMENT})\b)",
    # not "those who ...", "those responsible for ...": what follows says who
    r"\bthose\b(?!\s+(?:\w+\s+)?(?:who|whom|whose|which|that|with|in|of|on|at|for|from|by|we|you|they)\b)",
    r"\b(?:do|does|did|done|doing)\s+(?:so|that|this|likewise|the\s+same)\b",                  # "We have done that."
    # "We will also use it to ...": nothing named before it ("We want it to be easy ..." points ahead)
    r"^(?:we|you|i)\b(?:\s+\w+){1,3}?\s+(?:it(?!\s+to\s+be\b)|them)\b",
)), re.I)
_POINTS_BACK = re.compile("|".join((
    r"\bthat\s*(?:[.,;:!?)]|$)",                    # "that" closing a clause stands for a thing, not a clause
    r"\bsuch\s+(?!as\b|that\b)[a-z]",                # "such practices", not "such as"
    r"\b(?:above|aforementioned)\b",
    r"\b(?:as\s+well|too)\s*(?:[.,;:!?)]|$)",
    r"\bsimilar\b(?![^,.;]*\bto\b)",                # similar to nothing the sentence names
)), re.I)
# "that" as a determiner after a verb ("identify that work", "giving that training ..."), not a
# conjunction: what follows has no verb of its own ("... indicated that previous frameworks did ...").
_THAT_THING = re.compile(r"\b\w+(?:ing|ify|ed)\s+that\s+(?!(?:we|you|they|it|he|she|i|there|the|a|an|this|these|"
                         r"those|our|your|their|its|his|her|some|all|any|each|every|no)\b)([^,;.]*)", re.I)
_VERB = re.compile(r"\b(?:is|are|was|were|be|been|will|would|can|could|may|might|shall|should|must|has|have|had|do|"
                   r"does|did)\b", re.I)


def refers_back(text: str) -> bool:
    """Whether a quotation's first sentence leans on the one before it: it opens with a word
    standing for what was said ("This ...", "Such ..."), leaves out its head ("Another is that
    ..."), or points back from inside ("Providers can use this ...", "We have done that.", "...
    these changes"). Alone, its referent is missing: "We have done that." says nothing.
    Connectives ("However, ...") and "also" are not counted: what they add to is missing, but
    the sentence still says what it says; an example is ("For instance, some primary school
    teachers ..." lost the question it illustrates, audit 32)."""
    s = (sentences(text.lstrip("“‘\"'")) or [""])[0]
    if s.startswith(REFERS_BACK) or _ELLIPTICAL.match(s) or _POINTS_BACK.search(s):
        return True
    first_clause = s.split(",", 1)[0]
    if _POINTS_BACK_EARLY.search(first_clause):
        return True
    thing = _THAT_THING.search(first_clause)
    return thing is not None and not _VERB.search(thing.group(1))


def passages(texts: list[str], apart: Collection[int] = ()) -> list[list[int]]:
    """The quotations cut into passages that read on their own, each in stored order: a lead-in
    ending ":" with the list after it ("... four priority areas:", "reporting;", ... "culture."),
    and a sentence that refers back ("This includes where ...", "We have done that.") with the
    one before it. The quotations in `apart` refer back to a sentence not quoted before them
    (an entry's `refers_elsewhere`): joined, they would point at the wrong one."""
    groups: list[list[int]] = []
    for i, text in enumerate(texts):
        prev = texts[i - 1].rstrip() if i else ""
        in_list = (bool(groups) and texts[groups[-1][0]].rstrip().endswith(":") and
                   (prev.endswith(LIST_GOES_ON) or text[:1].islower()))
        if i and (in_list or (i not in apart and refers_back(text))):
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups


def body_lines(reply: Reply) -> list[Line]:
    """A glossary or background entry's quotations, each labelled, the passage sharing most
    words with the question first and the rest in their stored order; a passage's later lines
    carry no label of their own when it would repeat the first's. Ofsted's survey statements
    (put to respondents to rate) are labelled as such, not as facts; in a plan entry,
    quotations recording something already done are not labelled plans."""
    e = reply.entry
    src = reply.source
    kind = "definition" if isinstance(e, GlossaryEntry) else "fact"
    statements = _survey_statements(reply.pack)
    coded = _coded_guidance(reply.pack)
    groups = passages(list(e.body), e.refers_elsewhere)
    lines = []
    texts = [" ".join(e.body[i] for i in group) for group in groups]
    # the consultation's name tells the passages apart only when nothing else is shared, and so does who
    # runs it, in words not the union's ("did ofsted accept all of Gilbert's recommendations": its "Ofsted’s
    # response" led, audit 34; in the union's, "Ofsted does not undertake deep dives that focus on behaviour")
    c = reply.pack.consultation if reply.pack is not None else None
    runner = c.run_by if c and entry_speaker(e, src) != "union" else ""
    named = " ".join(filter(None, (named_consultation(reply.query, reply.pack), runner)))
    ignore = named if max(shared_words(texts, reply.query, reply.pack, ignore=named), default=0) else ""
    # asked the union's view, its view comes before its other sentences sharing as many words ("did nasuwt
    # say ofsted should inspect academy trusts" was led with "Currently, Ofsted ... does not inspect MATs.")
    union = union_of(reply.pack)
    views = [any(getattr(coded.get(e.body[i]), "kind", None) == "view" for i in group)
             for group in groups] if union and asks_union_view(reply.query, union) else None
    order = passage_order(texts, reply.query, reply.pack, ignore=ignore, ahead=views)
    qualifying = _qualifying(texts, order, reply.pack)
    if qualifying is not None:   # read with the passage it qualifies, under its label
        order.remove(qualifying)
        order.insert(1, qualifying)
    above = ""
    for g in order:
        if g != qualifying:
            above = ""   # the label in force: a line under the same one needs none of its own
        for i in groups[g]:
            text = e.body[i]
            role = "statement" if any(text in s for s in statements) else kind
            q = quote_of(text, entry_speaker(e, src), src, role)
            label = speaker_label(q, reply.pack, plan=e.plan and i not in e.done)
            if q.speaker == "union" and coded.get(text):   # the pack calls it a view or advice: say so
                label = guidance_label(coded[text], reply)
            elif q.speaker == "union" and ADVICE_OPENING.match(text):   # worded as advice: shown as advice
                label = guidance_label(Guidance(kind="advice", basis=text), reply)
            shown = written_under(text, label, reply) if q.speaker == "union" else label
            lines.append(Line("" if label == above else shown, q, part="lead"))
            above = label
    return lines


PASSAGE_LIMIT = 5   # lines of the first passage in the short view (the full view has them all)
# A passage making an exception to what another says ("... now take place on Monday, unless an
# inspection has previously been deferred or is an urgent inspection.")
EXCEPTION = re.compile(r"\b(?:unless|except|apart from|other than|with the exception of)\b", re.IGNORECASE)
QUALIFIES = 3   # content words it shares with the passage shown first, to be taken as its exception
                # (2 joined "We have made immediate changes to our practice for ungraded school inspections."
                # and the Monday notifications, the review of round 34)


def _qualifying(texts: list[str], order: list[int], pack: Pack | None) -> int | None:
    """The passage after the first in `order` that makes an exception to it (EXCEPTION, sharing
    QUALIFIES words with it): shown with it, for without it the first misleads (audit 34: "we got
    the call on a wednesday afternoon, is that even allowed anymore" was told only "We have
    implemented a policy to give notice for all routine school inspections on a Monday.")."""
    if len(order) < 2:
        return None
    first = order[0]
    near = shared_words([texts[g] for g in order[1:]], texts[first], pack)
    return next((g for g, n in zip(order[1:], near) if n >= QUALIFIES and EXCEPTION.search(texts[g])
                 and not EXCEPTION.search(texts[first])), None)


def first_passage(lines: list[Line]) -> int:
    """How many of `body_lines` the short view leads with: the first line and the lines of its
    passage after it, up to PASSAGE_LIMIT."""
    n = 1
    while n < min(len(lines), PASSAGE_LIMIT) and not lines[n].label:
        n += 1
    return min(n, len(lines))


def _survey_statements(pack: Pack | None) -> list[str]:
    if pack is None:
        return []
    return [s.text for e in pack.entries if isinstance(e, SurveyEntry) for s in e.statements]


def _coded_guidance(pack: Pack | None) -> dict[str, Guidance | None]:
    """The union sentences the pack's survey guidance calls a view or advice, by sentence
    (one coded both ways, or an answer, maps to None: left as what the union says)."""
    if pack is None:
        return {}

    def build() -> dict[str, Guidance | None]:
        coded: dict[str, list[Guidance]] = {}
        for e in pack.entries:
            if isinstance(e, SurveyEntry):
                for g in e.all_guidance():
                    coded.setdefault(g.basis, []).append(g)
        return {text: gs[0] if len({g.kind for g in gs}) == 1 and gs[0].kind in KIND_LABELS else None
                for text, gs in coded.items()}
    return pack.derived("coded_guidance", build)


# A union sentence about the survey question it was written under ("This question addresses ...")
_OF_THE_QUESTION = re.compile(r"\bth(?:is|ese) (?:question|statement)s?\b", re.I)


def _commented_where(pack: Pack) -> dict[str, list[tuple[SurveyEntry, tuple[int, ...]]]]:
    """Each paragraph of the union's commentary on the pack's survey questions, and each of its
    sentences: the questions it was written under (the schools and SEND versions of a question may
    share it), each with the statements it follows."""
    def build() -> dict[str, list[tuple[SurveyEntry, tuple[int, ...]]]]:
        where: dict[str, list[tuple[SurveyEntry, tuple[int, ...]]]] = {}
        for e in pack.entries:
            if isinstance(e, SurveyEntry):
                for group in commentary_groups(e):
                    for p in group.paragraphs:
                        for text in dict.fromkeys((p, *sentences(p))):
                            where.setdefault(text, []).append((e, group.statements))
        return where
    return pack.derived("commented_where", build)


def written_under(text: str, label: str, reply: Reply) -> str:
    """A union quotation in a glossary or background entry that speaks of "this question" says
    which question, in its label: "NASUWT says (spring 2024, on [The impact of inspection on SEND
    and AP: do you agree?], statement 6):" (round 29's audit: "what is area SEND" opened with
    "This question addresses the role of SEND area inspections." and no question in sight)."""
    if reply.pack is None or not _OF_THE_QUESTION.search(text) or not label.endswith("):"):
        return label
    found = _commented_where(reply.pack).get(text)
    if not found:
        return label
    entry, statements = found[0]
    scope = scope_of(statements).removeprefix("on ")
    return f"{label[:-2]}, on {entry_label(entry.title)}{', ' + scope if scope else ''}):"


def since_lines(reply: Reply, *, everything: bool) -> list[Line]:
    """What a later source records as changed: for the named statement (or the entry)."""
    e = reply.entry
    out = []
    if reply.pack is None:     # a Reply built by hand, without its pack: no later sources to cite
        return out
    for since in _since_items(e, reply.statement, everything):
        later = reply.pack.sources[since.source]
        q = quote_of(since.text, later.speaker, later, "since")
        label = speaker_label(q, reply.pack, plan=since.plan)[:-1]
        if since.related:   # e.g. the day of the call changed, not the notice period quoted
            what = "plan" if since.plan else "change"   # a plan is no change (audit 30b's second re-check)
            out.append(Line(f"A related {what} since then (not to the text above), {label}:", q, part="since"))
        else:
            out.append(Line(f"Since then, {label}:", q, part="since"))
    return out


def _since_items(e: Entry, statement: int | None, everything: bool) -> list[Since]:
    return [s for s in e.since if everything or s.statement is None or s.statement == statement]


def question_lines(reply: Reply, *, everything: bool) -> list[Line]:
    """The survey wording: the question, its options, and the statement asked about (or,
    in full, every statement)."""
    e = reply.entry
    src = reply.source
    ofsted = survey_speaker(src)
    lines = []
    if everything or e.refers_to_context:
        shown = range(len(e.context)) if everything else e.refers_to_context
        for i in shown:
            q = quote_of(e.context[i], ofsted, src, "framing")
            lines.append(Line(speaker_label(q, reply.pack), q, part="question"))
    q = quote_of(e.question, ofsted, src, "question")
    lines.append(Line(speaker_label(q, reply.pack), q, part="question"))
    if e.options and (everything or any(g.kind == "answer" for g in reply.guidance)):
        # briefly: the short view lists the options only when the union recommends one of them
        lines.append(Line("Options: " + "; ".join(e.options), part="question"))
    owner = capitalised(survey_owner(reply.pack))
    if everything:
        for i, s in enumerate(e.statements):
            mark = ">>" if i == reply.statement else " -"
            quote = quote_of(s.text, ofsted, src, "statement")
            lines.append(Line(f"{mark} {owner}'s survey statement {i + 1} ({src.date}):", quote, part="question"))
    elif reply.statement is not None:
        s = e.statements[reply.statement]
        lines.append(Line(f">> {owner}'s survey statement {reply.statement + 1} of {len(e.statements)} ({src.date}):",
                          quote_of(s.text, ofsted, src, "statement"), part="question"))
    return lines


def commentary_lines_of(reply: Reply, *, everything: bool) -> list[Line]:
    """The union's commentary: all of it (full view), or only the named statement's."""
    groups = reply.commentary
    if not everything:
        if reply.statement is None or reply.commentary_from:
            return []
        groups = tuple(g for g in groups if reply.statement in g.statements)
    if not groups:
        return []
    heading = f"What {union_name(reply.source)} says"
    if reply.commentary_from:
        heading += f" (its comments on {entry_label(reply.commentary_from)})"
    lines = [Line(f"{heading}, {reply.source.date}:", part="body")]
    for group in groups:
        label = group_label(group, reply.commentary, survey_owner(reply.pack))
        if not everything:   # only the asked statement's comments: no need to repeat its text
            label = (f"On statements {group.statements[0] + 1} to {group.statements[-1] + 1} together:"
                     if len(group.statements) > 1 else "")
        if label:
            lines.append(Line(label, part="body"))
        lines += [Line("", _union(p, reply, "commentary"), part="body") for p in group.paragraphs]
    return lines


def reply_lines(reply: Reply) -> list[Line]:
    """The short view: the answer first, then the wording briefly, the status and source."""
    return _lines(reply, everything=False)


def full_lines(reply: Reply) -> list[Line]:
    """The full guidance: every quotation of the entry, each with its speaker and date."""
    return _lines(reply, everything=True)


def asks_about_since(reply: Reply) -> bool:
    """`bot.happened`'s reading, with the pack's own names (who runs the consultation, its name),
    and not when the union's view is asked ("ofsted brought in the pause policy last year - what
    does the union think?" states what happened: the review of round 30)."""
    pack = reply.pack
    c = pack.consultation if pack is not None else None
    union = union_of(pack)
    if union and asks_union_view(reply.query, union):
        return False
    return asks_what_happened(reply.query, words(c.run_by) if c else (),
                              [w for p in consultation_name(pack) for w in p] if pack is not None else ())


def _later_linked(reply: Reply) -> Entry | None:
    """An entry within two links of the reply's whose source is dated after the consultation
    closed (audit 30b: "Ofsted dropped the pause policy after the big listen didnt they" was told
    no later change was shown, while the December 2024 report's record was two links away)."""
    c = reply.pack.consultation if reply.pack is not None else None
    if reply.pack is None or c is None:
        return None

    def named(title: str) -> set[str]:
        return _title_words(title, reply.pack)

    near = linked(reply.entry, reply.pack)
    # a second link only to an entry of the same name ("Pause policy" to "Pause policy (Ofsted's
    # December 2024 update)"), not on to whatever that entry links ("MATs" to annual reviews)
    later = []
    for e in dict.fromkeys([*near, *(x for n in near for x in linked(n, reply.pack)
                                     if named(x.title) & named(n.title))]):
        if e is reply.entry or isinstance(e, SurveyEntry):
            continue
        dated = _dated(reply.pack.sources[e.source].date) if e.source in reply.pack.sources else None
        if dated is not None and dated > c.closes:
            later.append(e)
    # and only about what was asked: "did Ofsted start inspecting MATs ..." is not answered by the
    # annual reviews of off-rolling linked to the same survey question (the second review)
    scores = shared_words([" ".join((e.title, *e.quotes())) for e in later], reply.query, reply.pack,
                          ignore=names_text(reply.pack))
    mine = named(reply.entry.title)   # a tie goes to the entry of the same name ("Pause policy (... update)")
    best = max(range(len(later)), key=lambda i: (scores[i], len(named(later[i].title) & mine)), default=None)
    # of the consultation itself ("what happened after the big listen closed", audit 34: its closing date),
    # what is recorded after it is what was asked, whatever words it shares
    itself = getattr(reply.entry, "about_consultation", False)
    return later[best] if best is not None and (scores[best] or itself) else None


def _dated(text: str) -> date | None:
    """A source's date as a day ("19 December 2024", "2024-12-19"), or None ("spring 2024")."""
    for form in ("%d %B %Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, form).date()
        except ValueError:
            continue
    return None


def happened_lines(reply: Reply, since: list[Line]) -> list[Line]:
    """Asked what has happened since, of a survey question ("Ofsted decided safeguarding will be a
    separate judgement right?", content audit 30: "Suggested answer: Yes." led, read as yes): that
    it was asked, not decided, then what later sources record of it, or that none is shown here
    (with an entry linked to it, and the contact)."""
    c = reply.consultation.consultation if reply.consultation else None
    title = c.title if c else "the survey"
    title = title[0].lower() + title[1:] if title.startswith(("The ", "A ")) else title   # mid-sentence
    said = (HAPPENED_RECORDED if since else HAPPENED).format(consultation=title, when=reply.source.date,
                                                           union=union_name(reply.source))
    if since:
        return [Line(said, part="lead"), *since]
    after = _later_linked(reply)
    if after:   # Ofsted's December 2024 pause policy update, two links from the 2024 survey's question
        none = later_words(reply, after) + "."
    else:
        others = [x for x in linked(reply.entry, reply.pack) if not isinstance(x, SurveyEntry)] if reply.pack else []
        none = NOTHING_SINCE + (f" See also {entry_label(others[0].title)}." if others else "")
    return [Line(said, part="lead"), Line(none + (f" {reply.contact}" if reply.contact else ""), part="lead")]


def earlier_lines(reply: Reply) -> list[Line]:
    """Asked what has happened since, of a glossary or background entry from before the
    consultation closed: that it is from then, and where a later record linked to it is, else that
    none is shown ("Ofsted scrapped the pause policy didnt they" got the spring 2024 survey's text
    alone, and Ofsted's December 2024 record of the pause policy was one link away; audit 30b's
    re-check)."""
    c = reply.pack.consultation
    dated = _dated(reply.source.date)
    if c is None or (dated is not None and dated > c.closes):
        return []   # the entry is the later record itself
    after = _later_linked(reply)
    if after is None and since_lines(reply, everything=False):
        return []   # its own later records follow ("do ofsted still do rapid reinspections": the review)
    if after is None:   # "are ofsted still doing subject deep dives?" got spring 2024's account alone (audit 32)
        return [Line(f"You asked how things stand now: what follows is from {reply.source.date}. {NOTHING_SINCE}",
                     part="lead")]
    return [Line(f"What follows is from {reply.source.date}; {later_words(reply, after)}.", part="lead")]


def later_words(reply: Reply, after: Entry) -> str:
    """ "Ofsted's later words on a related topic are under [title]": named as its source speaks
    (the union by its name, Ofsted, the press by their names); "on the same topic" when its title
    names what this entry's does ("Ofsted's pause policy" and "Pause policy (Ofsted's December 2024
    update)": "related topic" understated a record of the same policy, audit 30b's second re-check)."""
    src = reply.pack.sources[after.source]
    who = union_name(src) if src.speaker == "union" else speaker_name(entry_quotes(after, reply.pack)[0], reply.pack)
    mine = _title_words(reply.entry.title, reply.pack)
    same = bool(mine) and mine <= _title_words(after.title, reply.pack)
    return f"{who}'s later words on {'the same' if same else 'a related'} topic are under {entry_label(after.title)}"


def _title_words(title: str, pack: Pack) -> set[str]:
    """What a title names: its words but stopwords, numbers and the union's, the consultation's
    and its runner's names ("Pause policy (Ofsted's December 2024 update)": pause, policy, december,
    update)."""
    names = set(words(names_text(pack)))
    return {w for w in words(title) if w not in STOPWORDS and w not in names and not w.isdigit()}


def unsaid_lines(reply: Reply) -> list[Line]:
    """Asked what the union says about something its guidance never names, that only others' words
    on this question do ("what did nasuwt say about ruth perry": led with the union's view on who
    should inspect safeguarding, it read as the union's word on her death; content audit 30): say
    so, with the quotation that names it, before the guidance on the question."""
    union = union_of(reply.pack)
    if not union or not asks_union_view(reply.query, union):
        return []
    found = unsaid(reply.query, reply.entry, reply.pack, union)
    if not found:
        return []
    q = found[0]
    return [Line(UNSAID.format(union=union, speaker=capitalised(speaker_name(q, reply.pack))), part="lead"),
            Line(speaker_label(q, reply.pack), q, part="lead")]


def quotation_lines(reply: Reply, *, contact: bool = True) -> list[Line]:
    """A quotation the member asks about ("is this an exact quote: '...'") or gives as the union's
    words with a word changed ("NASUWT's view is that '... are helpful but ...'"), first: whether
    the words are word for word (whole sentences, or only part of one), whose and when, with the
    passage (labelled from its own source, as the reply labels it: a plan, the union's view or
    advice), or that none of the texts quoted here has any sentence of them (content audit 34:
    shown the right sentence under a heading, a member would send the wrong one in the union's
    name). `bot.verbatim` finds it; with two quotations in the message, the verdict names which."""
    if reply.pack is None:
        return []
    asked = checked(reply.query, reply.pack)
    if asked is None:
        return []
    found = asked.found
    if found is None:
        said = QUOTE_NOT_FOUND + (f" {reply.contact}" if reply.contact and contact else "")
        return [Line(_which(asked, said), part="lead")]
    q = replace(found.quote, text=found.sentence)
    src = reply.pack.sources.get(q.source)
    union = union_of(reply.pack)
    owner = union_name(src) if q.speaker == "union" else capitalised(speaker_name(q, reply.pack))
    if found.inner:   # in quotation marks in the passage: quoted, or a name ("the ‘complaints about Ofsted’ hub")
        whose, sentence = f"words in quotation marks in {owner}'s text", f"{owner}'s sentence"
    elif q.speaker == "press":
        whose, sentence = f"the words {owner} reported", f"a sentence {owner} reported"
    else:   # of a sentence and part of the next, a passage (the fifth review)
        whose, sentence = f"{owner}'s words", f"{owner}'s {'passage' if len(sentences(asked.span)) > 1 else 'sentence'}"
    other = asked.theirs and (q.speaker != "union" or found.inner) and bool(union)
    if found.whole:
        said = (QUOTE_EXACT_OTHER if other else QUOTE_EXACT).format(whose=whose, union=union)
    elif found.exact:   # a clause lifted out of "You might want to consider whether ..." is no statement of it
        said = QUOTE_PART.format(sentence=sentence)
    else:
        said = QUOTE_NEAR.format(whose=whose, where=", and ".join(
            _difference(mine, theirs) for mine, theirs in found.differences))
    if other and not found.whole:
        said += " " + QUOTE_NOT_THEIRS.format(whose=whose, union=union)
    return [Line(_which(asked, said), part="lead"), _passage_line(q, reply.pack, owner, plan=found.plan)]


def _passage_line(q: Quote, pack: Pack, owner: str, *, plan: bool) -> Line:
    """A passage checked against a member's words, labelled from its own source as the reply labels it
    (a plan; the union's view or advice)."""
    coded = _coded_guidance(pack).get(q.text) if q.speaker == "union" else None
    label = (f"{KIND_LABELS[coded.kind].format(union=owner)} ({q.as_of}):" if coded
             else speaker_label(q, pack, plan=plan))
    return Line(label, q, part="lead")


def opposite_lines(reply: Reply) -> list[Line]:
    """Words given as the union's, told or asked ("is it true the union said single-word judgements are
    helpful?"), that are its words with the sense reversed (`bot.verbatim.flipped`): said first, with its
    sentence (audit 34's re-check: shown the right sentence, nothing said the member's was the opposite).
    Not for an option claimed (`claim_lines`), nor beside a quotation's verdict."""
    if reply.pack is None:
        return []
    union = union_of(reply.pack)
    claim = said_of(reply.query, union)
    if not claim or _claims_an_option(reply, union):
        return []
    found = flipped(claim, reply.pack)
    if found is None:
        return []
    owner = union_name(reply.pack.sources.get(found.quote.source))
    where = ", and ".join(f"‘{theirs}’ where yours have ‘{mine}’" for theirs, mine in found.places)
    return [Line(OPPOSITE.format(union=owner, where=where), part="lead"),
            _passage_line(replace(found.quote, text=found.sentence), reply.pack, owner, plan=found.plan)]


def _which(asked, said: str) -> str:
    """A verdict, after the quotation it is on when the message has more than one ("‘The expectation is
    simply that …’: not word for word ...")."""
    if asked.quotations < 2:
        return said
    return f"‘{asked.label}’: {said[0].lower()}{said[1:]}"


def _difference(mine: str, theirs: str) -> str:
    if not mine:
        return f"‘{theirs}’ where yours have nothing"
    if not theirs:
        return f"nothing where yours have ‘{mine}’"
    return f"‘{theirs}’ where yours have ‘{mine}’"


def _claims_an_option(reply: Reply, union: str) -> bool:
    """Whether the message claims which option of any question the union recommends (`claim_lines`
    answers that: the union's words aren't then checked as a claim)."""
    return any(claimed(reply.query, e.options, union) for e in reply.pack.entries if isinstance(e, SurveyEntry))


def never_said_lines(reply: Reply) -> list[Line]:
    """Told that the union said something in words none of its quotations use ("nasuwt wants deep
    dives scrapped in primary yeah?"), the reply says so first: answered with its view alone, the
    claim stood (audits 32 and 33). Not a denial (the union may have said it in other words), and
    not for a claim of which option it recommends (`claim_lines` checks those)."""
    if reply.entry is None:
        return []
    said = never_said_text(reply, "below")
    return [Line(said, part="lead")] if said else []


def never_said_text(reply: Reply, where: str = "") -> str:
    """`never_said_lines`' line, "" for none: the union's words are `where` ("" when none are shown)."""
    union = union_of(reply.pack)
    claim = told_claim(reply.query, union) if reply.pack is not None else None
    if not claim or _claims_an_option(reply, union):
        return ""
    never = never_said(claim, reply.pack)
    if not never:
        return ""
    # about its words, not a denial: a true claim in other words has some too ("MATs ought to be inspected")
    listed = " or ".join(f"‘{w}’" for w in never)
    return f"{union}'s words never use {listed}" + (
        f": if you quote {union}, quote what it does say ({where})." if where else ".")


def _lines(reply: Reply, *, everything: bool) -> list[Line]:
    e = reply.entry
    lines = lead_lines(reply, everything=everything)
    if isinstance(e, SurveyEntry) and not everything:
        lines = unsaid_lines(reply) + lines
    happened = isinstance(e, SurveyEntry) and not everything and asks_about_since(reply)
    if happened:   # what later sources record leads, not after the survey's wording
        lines = happened_lines(reply, since_lines(reply, everything=False)) + lines
    elif not isinstance(e, SurveyEntry) and not everything and reply.pack is not None and asks_about_since(reply):
        lines = earlier_lines(reply) + lines
    quoted = quotation_lines(reply) or opposite_lines(reply)
    lines = quoted + never_said_lines(reply) + lines
    if isinstance(e, SurveyEntry):
        if everything and not reply.parts:   # the other statements' guidance, each labelled with its statements
            shown = {g.basis for g in reply.guidance} | {ln.quote.text for ln in lines if ln.quote}
            for i, s in enumerate(e.statements):
                extra = [g for g in s.guidance if g.basis not in shown]
                if extra and i != reply.statement:
                    lines += guidance_lines(tuple(extra), reply, verdict=False)
                    shown |= {g.basis for g in extra}
        if everything and reply.parts:   # each question of the priority in full, one after the other
            for p in reply.parts:
                sub = entry_reply(p, reply.pack, reply.contact, today=reply.consultation.today if reply.consultation
                                  else None)
                lines.append(Line(f"In full: {entry_label(p.title)}", part="heading"))
                lines += [ln for ln in _lines(sub, everything=True) if ln.part not in ("status", "source", "note")]
        else:
            lines += question_lines(reply, everything=everything)
        if not (everything and reply.parts):
            lines += commentary_lines_of(reply, everything=everything)
            lines += [] if happened else since_lines(reply, everything=everything)
        if reply.consultation:
            lines.append(Line(status_line(reply.consultation, survey=True), part="status"))
    else:
        if everything:
            body = body_lines(reply)
            lines += [replace(ln, part="body") for ln in body[first_passage(body):]]
        lines += since_lines(reply, everything=True)
    later = [ln.quote.text for ln in lines[len(quoted):] if ln.quote]
    # the passage checked, where the reply shows it already: its verdict only, above (one sentence, one label)
    lines = [ln for i, ln in enumerate(lines)
             if not (i < len(quoted) and ln.quote and any(ln.quote.text in t for t in later))]
    if reply.clipped:
        lines.append(Line(CLIPPED, part="status"))
    if reply.pack_title:
        lines.append(Line(f"Guidance pack: {reply.pack_title}", part="source"))
    source = source_line(reply.source, short=not everything)
    quotes = [ln.quote for ln in lines if ln.quote]
    if quotes and reply.source.speaker == "union" and all(q.speaker != "union" for q in quotes):
        # the union's page, but none of its own words: "Source: NASUWT commentary" under
        # Ofsted's definition of off-rolling read as the union's (round 19's audit)
        names = " and ".join(dict.fromkeys(speaker_name(q, reply.pack) for q in quotes))
        source += f"; the words quoted are {names}'s, not {union_name(reply.source)}'s"
    lines.append(Line(source, part="source"))
    if not everything:
        hidden = len(reply_quotes_of(full_lines(reply))) - len(reply_quotes_of(lines))
        if hidden > 0:
            lines.append(Line(f"Full guidance: {hidden} more quotation{'s' if hidden != 1 else ''}.", part="note"))
    return lines


def reply_quotes_of(lines: list[Line]) -> list[Quote]:
    seen, out = set(), []
    for ln in lines:
        if ln.quote and (ln.quote.text, ln.quote.speaker) not in seen:
            seen.add((ln.quote.text, ln.quote.speaker))
            out.append(ln.quote)
    return out


def reply_title(reply: Reply) -> str:
    if reply.parts:
        return f"{reply.entry.priority} ({reply.entry.section}): both questions"
    return reply.entry.title


def line_text(line: Line) -> str:
    if line.quote is None:
        return line.label
    quoted = f"“{line.quote.text}”"
    return f"{line.label} {quoted}" if line.label else f"  {quoted}"


def close_matches(reply: Reply) -> list[Match]:
    """Other matches nearly as good as the answer: the question may have meant them. A pinned
    answer too: a pin vouches for the answer, not for what this member meant (the SEND impact
    question pinned, a schools teacher's "the impact question" got it with no word of the other)."""
    if not reply.answered or reply.chosen:
        return []
    # named already: with what it shares with this one, or as the other question asked
    named = {e.id for e in (reply.alike[0] if reply.alike else None, reply.also[1].entry if reply.also else None) if e}
    return [m for m in reply.others[:3] if m.score >= NEAR_TIE * reply.score and m.entry.id not in named]


CLIPPED = ("Your message is long, so I read only its start and its end: if this isn't what you asked, "
           "send the question on its own.")
CHITCHAT = ("Hello! I'm the {topic} bot: ask me where something goes in the survey, what the union says "
            "about a survey question, what a term means, or what has happened since.")
SOCIAL = " I don't know about socials or events: ask your rep."
ABOUT = ("I'm the {topic} bot: a program, not a person. My answers quote their sources word for word (the "
         "union's published commentary, and Ofsted's and the press's texts), say whose words they are and when "
         "they were said, and name the source. I add no advice of my own, and when I'm not sure I say so rather "
         "than guess.")
WALK = ("I can take you through the survey one question at a time, with the guidance on each: type "
        "`{command} walkthrough{section}`{or_button}.")
# how to move in it, in Slack (bot/walk_blocks.py's buttons; Stop ends it) and in the terminal (bot/terminal.py)
WALK_MOVES_SLACK = ("In the walk-through (`{command} walkthrough`), each question has buttons: Next (Finish on the "
                    "last), Back, Skip section and Stop. Leave it part-way and `{command} walkthrough` picks up "
                    "where you left off; after Stop it starts again from the first question.")
WALK_MOVES_TERMINAL = ("In the walk-through (`{command} walkthrough`), type n (or Enter) for the next question, b to "
                       "go back, s to skip a section and q to stop; `{command} walkthrough` again picks up where "
                       "you left off.")


def chitchat_lines(reply: Reply, or_button: str = "", *, slack: bool = False) -> list[str]:
    """A greeting, thanks or chat: a friendly line on what the bot can help with. Not a survey
    answer, and not "I couldn't find that" (nothing was missing from the guidance). A question
    about a social is told who would know; one asking to be taken through the survey, how
    (`or_button`: how else, where there is a button); one asking how to move in the walk-through,
    its moves (`slack`: its buttons, else the terminal's keys)."""
    said = words(reply.query)
    if reply.walk is None and asks_how_to_walk(said):
        return [(WALK_MOVES_SLACK if slack else WALK_MOVES_TERMINAL).format(command=reply.command)]
    if reply.walk is not None:   # "can you walk me through the survey?"
        section = f" {reply.walk}" if reply.walk else ""
        return [WALK.format(command=reply.command, section=section, or_button=or_button)]
    if is_about_bot(said):   # "can I trust your answers?", "are you a real person?"
        return [ABOUT.format(topic=reply.topic) + (f" {reply.contact}" if reply.contact else "")]
    line = CHITCHAT.format(topic=reply.topic)
    if is_thanks(said):
        line = line.replace("Hello!", "You're welcome!", 1)
    return [line + (SOCIAL if is_social(said) else "")]


def ambiguity_options(reply: Reply) -> list[Match]:
    """The near-tied entries a member is asked to choose between, best first; for a section
    named alone, all its questions in the survey's order."""
    best = reply.entry
    if reply.whole_section:   # the section's questions (anything else, last)
        order = {e.id: i for i, e in enumerate(reply.pack.entries)} if reply.pack is not None else {}
        options = [Match(best, reply.score, reply.statement), *reply.others]
        return sorted(options, key=lambda m: order.get(m.entry.id, len(order)))
    pair = [m for m in reply.others if twins(best, m.entry)]
    rest = pair[:1] or close_matches(reply)[:1] or list(reply.others[:1])   # one per section
    return [Match(best, reply.score, reply.statement), *rest]


def ambiguity_choice(reply: Reply) -> tuple[str, list[tuple[Match, str]]]:
    """What to ask ("" for the usual "Which did you mean?") and the options, each with where it
    sits in the survey ("" for an entry that isn't a survey question): for a section named
    alone, "Which question in the Safeguarding section ...?" and just the priorities."""
    options = ambiguity_options(reply)
    sections = {getattr(m.entry, "section", "") for m in options}
    one_section = reply.whole_section and len(sections) == 1 and "" not in sections
    places = [(m, "" if not isinstance(m.entry, SurveyEntry) else m.entry.priority if one_section
               else f"{m.entry.section} · {m.entry.priority}") for m in options]
    if not reply.whole_section:
        return "", places
    if "" in sections:
        return "Which question did you mean?", places
    label = reply.pack.section_label if reply.pack is not None else str
    order = {s: i for i, s in enumerate(reply.pack.sections)} if reply.pack is not None else {}
    names = [label(s) for s in sorted(sections, key=lambda s: order.get(s, len(order)))]
    where = f"the {names[0]} section" if len(names) == 1 else f"the {' and '.join(names)} sections"
    return f"Which question in {where} did you mean?", places


def ambiguity_claim(reply: Reply) -> str:
    """Told which option the union recommends and asked "Which did you mean?", the claim is
    answered when the union recommends no option on any of the questions offered nor their comments
    boxes ("union said to put very important for everything in the reporting section right?" stood
    uncorrected until an option was picked, audit 32): whether its words there have the option's
    (`names_option`), and, where it gives views (which may amount to the option: "MATs should be
    inspected" and Agree), that they are under the questions, as `claim_lines` says "its view
    follows". "" when any of them recommends an option (which was meant matters then), or one is
    another pack's."""
    pack = reply.pack
    union = union_of(pack)
    if pack is None:   # a reply built without its pack (the review)
        return ""
    parts: list[SurveyEntry] = []
    offered = ambiguity_options(reply)
    if len(offered) < 2:   # `ask --top 1`: no questions "below" to speak of (the second review)
        return ""
    for m in offered:
        if not isinstance(m.entry, SurveyEntry) or pack.get(m.entry.id) is not m.entry:
            return ""
        parts += [p for p in (priority_parts(m.entry, pack) if m.entry.priority else [m.entry]) if p not in parts]
    claims = {claimed_option(reply.query, p.options, union) for p in parts if p.options} if union else set()
    guidance = [g for p in parts for g in p.all_guidance()]
    if claims <= {None}:   # no option claimed: said not to give one, or a claim in words the union never uses
        against = {claimed_against(reply.query, p.options, union) for p in parts if p.options} - {None}
        if len(against) != 1:
            return never_said_text(reply, "under the questions below")
        option = against.pop()
        if any(g.kind == "answer" for g in guidance) or \
                _may_say_not_to("\n".join(commentary_text(p) for p in parts), option):
            return ""
        return (f"{union} recommends no particular option on these questions and doesn't say not to give ‘{option}’"
                + ("; its views are under the questions below." if any(g.kind == "view" for g in guidance) else "."))
    if len(claims) != 1 or None in claims or any(g.kind == "answer" for g in guidance):
        return ""
    claim = claims.pop()
    said = (f"{union}'s words on these questions mention ‘{claim}’ but recommend no particular option"
            if names_option(" ".join(commentary_text(p) for p in parts), claim)
            else f"{union} recommends no particular option on these questions and doesn't name ‘{claim}’")
    return said + ("; its views are under the questions below." if any(g.kind == "view" for g in guidance) else ".")


def ambiguity_head(reply: Reply) -> str:
    """What "Which did you mean?" says first: a quotation asked about, with its verdict and passage
    (the fifth review and audit 35's re-check: "“Our ambition is to be a modern, world-class
    inspectorate and regulator.” whose words are those" got the menu alone), or the union's words
    reversed; else a claimed option that holds for none of the questions (`ambiguity_claim`)."""
    said = quotation_lines(reply, contact=False) or opposite_lines(reply) or _view_above_menu(reply)
    return " ".join(line_text(ln).strip() for ln in said) if said else ambiguity_claim(reply)


def _view_above_menu(reply: Reply) -> list[Line]:
    """Asked the union's view, two questions near (`_view_answers`): its view on the first, labelled
    with that question, above "Which did you mean?"."""
    if reply.whole_section or not _view_answers(reply, reply.pack):
        return []
    view = asked_view(reply)
    return [guidance_line(g, reply, f"on {entry_label(reply.entry.title)}") for g in view]


def ambiguity_lines(reply: Reply) -> list[str]:
    """The terminal's "which did you mean?": a numbered list of the near-tied entries (after
    `ambiguity_head`)."""
    prompt, places = ambiguity_choice(reply)
    claim = ambiguity_head(reply)
    lines = [*([claim] if claim else []), prompt or "Which did you mean?"]
    for i, (m, place) in enumerate(places, 1):
        where = f" ({place})" if place else ""
        lines.append(f"  {i}. {m.entry.title}{where} [{m.entry.id}]")
    return lines + ([CLIPPED] if reply.clipped else [])   # as every other reply to a long message says


def abstain_lines(reply: Reply) -> list[str]:
    if reply.chitchat:
        return chitchat_lines(reply)
    if reply.empty_query:
        head = f"Ask me about a survey question in the {reply.topic}, a term it uses, or what has happened since."
    elif reply.unsure and reply.consultation and asks_where(words(reply.query)):
        # asked where in the survey it goes, and survey questions came close: that is what it can't tell
        head = "I can't tell which question of the survey that fits best, so I won't guess."
    elif reply.unsure:   # something came close, so "couldn't find" would overstate it
        head = f"I'm not sure the {reply.topic} covers that, so I won't guess."
        # a claim in words the union never uses stood, declined (audit 33: "nasuwt told us to leave the
        # reporting questions blank didn't they")
        head += f" {never}" if (never := never_said_text(reply)) else ""
    else:
        head = f"I couldn't find that in the {reply.topic}, so I won't guess."
    if not reply.empty_query:   # a quotation asked about is answered, declined or not (the reviews of round 34)
        head += "".join(f" {line_text(ln).strip()}" for ln in quotation_lines(reply, contact=False)
                        or opposite_lines(reply))
    lines = [head + (" " + CLIPPED if reply.clipped and not reply.empty_query else ""), reply.contact]
    if reply.others:
        titles = "; ".join(m.entry.title for m in reply.others)
        lines.append(f"Did you mean: {titles}{'' if titles.endswith('?') else '?'}")
    if reply.consultation:
        lines.append(status_line(reply.consultation, survey=False))
    return lines


def render_text(reply: Reply) -> str:
    """The reply as plain text for the terminal: the short view (same content as Slack's
    message). `render_full_text` prints everything."""
    return _render(reply, everything=False)


def render_full_text(reply: Reply) -> str:
    """The full guidance as plain text (the Slack modal's content)."""
    return _render(reply, everything=True)


ALSO_CHARS = 200   # of the other question, shown at most


def also_line(reply: Reply, *, ids: bool = False) -> str:
    """Of a message asking two questions, the one this answer leaves out, named with where its answer is
    (`ids`: with its entry's id, as the terminal names entries to ask for)."""
    part, match = reply.also   # the member's words, not a quotation of a source: no quotation marks
    if len(part) > ALSO_CHARS:   # a long paste's question: Slack's 3,000 characters a text (the review)
        part = part[:ALSO_CHARS - 1].rstrip() + "…"
    return (f"You asked two things, and the answer below is for one of them. For the other ({part}), "
            f"see {entry_label(match.entry.title)}{f' [{match.entry.id}]' if ids else ''}.")


def position_line(reply: Reply) -> str:
    """Where a survey entry sits: its section (short name) and priority."""
    e = reply.entry
    section = reply.pack.section_label(e.section) if reply.pack is not None else e.section
    return f"{section} · {e.priority}"


def _render(reply: Reply, *, everything: bool) -> str:
    if not reply.answered:
        return "\n".join(abstain_lines(reply))
    if reply.ambiguous:
        return "\n".join(ambiguity_lines(reply))
    e = reply.entry
    out = [f"== {reply_title(reply)} =="]
    if reply.also:
        out.append(also_line(reply, ids=True))
    close = close_matches(reply)
    if close:   # before the answer, as in Slack: this answer may be for the wrong question
        out.append("Several questions match yours; this answer is for the one above. Did you mean: " +
                   "; ".join(f"{m.entry.title} [{m.entry.id}]" for m in close) + "?")
    if isinstance(e, SurveyEntry) and not reply.parts:
        out.append(position_line(reply))
    lines = full_lines(reply) if everything else reply_lines(reply)
    if not everything:
        lines = [ln if ln.part != "note" else Line(f"(ask --full: {ln.label.split()[2]} more)", part="note")
                 for ln in lines]
    out += [line_text(ln) for ln in lines]
    if reply.pinned:
        out.append(pinned_line(reply.pinned))
    others = [m for m in reply.others if m not in close]
    if others and everything:   # the short view leaves them to Slack's "Other matches" button and --full
        out.append("Other matches: " + ", ".join(m.entry.id for m in others))
    return "\n".join(out)


def reply_quotes(reply: Reply, *, everything: bool = False) -> list[Quote]:
    """Every quotation a view of the reply shows, in order, each once."""
    return reply_quotes_of(full_lines(reply) if everything else reply_lines(reply))


def length_summary(lengths: list[int]) -> dict[str, int]:
    """Median, 90th percentile and maximum of reply lengths in characters."""
    if not lengths:
        return {"n": 0, "median": 0, "p90": 0, "max": 0}
    ordered = sorted(lengths)
    p90 = ordered[min(len(ordered) - 1, max(0, round(0.9 * len(ordered)) - 1))]
    return {"n": len(ordered), "median": round(statistics.median(ordered)), "p90": p90, "max": ordered[-1]}


def match_record(match: Match, pack: Pack, *, today: date | None = None, query: str = "",
                 shown: Reply | None = None) -> dict:
    """One result of `ask --json`: a stable contract other tools read. Add keys; never rename.
    `shown`: the reply printed, whose quotations the record of its entry gives (built again
    without the question, its lead could differ: the content audit of round 29 found about 20)."""
    e = match.entry
    src = pack.sources[e.source]
    rec: dict = {"id": e.id, "kind": e.kind, "title": e.title, "score": match.score,
                 "source": {"id": src.id, "file": src.file, "title": src.title, "publisher": src.publisher,
                            "date": src.date, "old_news": src.old_news,
                            **({"applies_to": src.applies_to} if src.applies_to else {})}}
    printed = shown is not None and shown.answered and not (shown.ambiguous or shown.whole_section)
    reply = shown if printed and shown.entry is e else entry_reply(   # ("which did you mean?" quotes none)
        e, pack, "", query=query, statement=match.statement, today=today)
    if isinstance(e, SurveyEntry):
        lender = commentary_lender(e, pack)
        sa = reply.suggestion
        rec.update(section=e.section, priority=e.priority, question=e.question, options=list(e.options),
                   statements=[{"text": s.text, "commentary": list(s.commentary), "matched": i == match.statement}
                               for i, s in enumerate(e.statements)],
                   matched_statement=match.statement, context=list(e.context),
                   commentary=list(e.commentary) or (union_commentary(lender) if lender else []),
                   commentary_groups=[{"about": g.about or None, "paragraphs": list(g.paragraphs)}
                                      for g in reply.commentary],
                   commentary_from=lender.id if lender else None,
                   suggested_answer={"explicit": sa.explicit, "answer": sa.answer or None,
                                     "rests_on": sa.rests_on or None})
    elif isinstance(e, GlossaryEntry):
        rec.update(term=e.term, aliases=list(e.aliases), definition=list(e.definition))
    elif isinstance(e, BackgroundEntry):
        rec.update(facts=list(e.facts))
    rec["quotes"] = [{"text": q.text, "speaker": q.speaker, "as_of": q.as_of} for q in reply_quotes(reply)]
    # every piece of guidance the full reply shows: for what was asked first (scope ""), then the
    # question's other statements' ("on statement 6", ...); with only the first, a question asked
    # as a whole whose guidance is all on its statements read as one the union gave none on
    shown = reply.guidance + tuple(g for g in (e.all_guidance() if isinstance(e, SurveyEntry) else ())
                                   if g.basis not in {x.basis for x in reply.guidance})
    rec["guidance"] = [{"kind": g.kind, "text": g.text, "basis": g.basis, "scope": scope_for(g, reply)}
                       for g in shown]
    if reply.consultation:
        c = reply.consultation
        rec["consultation"] = {"title": c.consultation.title, "closed_on": c.consultation.closes.isoformat(),
                               "open": c.consultation.is_open(c.today)}
    return rec
