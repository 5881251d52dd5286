"""Turns a search result into a Reply: the one answer that Slack and the terminal both show.

A Reply holds only verbatim knowledge text plus the bot's own fixed labels, so a renderer
can never put words in the union's mouth. `render_text` is the terminal view; the Block
Kit view lives in bot/blocks.py.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, replace

from bot.knowledge import (
    BackgroundEntry,
    Entry,
    GlossaryEntry,
    Pack,
    Source,
    SuggestedAnswer,
    SurveyEntry,
    union_commentary,
)
from bot.search import Match, SearchResult
from bot.store import Pin

NEAR_TIE = 0.9    # other matches scoring this share of the best are offered up front
NO_POSITION = "The union gives no explicit recommendation for this question."
USE_TALKING_POINTS = " Use its talking points above."


@dataclass(frozen=True)
class Commentary:
    """Union commentary paragraphs, and the statement they follow in the source (if any)."""

    paragraphs: tuple[str, ...]
    about: str = ""


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
    chitchat: bool = False             # a greeting or thanks: a friendly word, not an answer
    ambiguous: bool = False            # near-tied entries (schools or SEND?): ask which was meant

    @property
    def paragraphs(self) -> list[str]:
        return [p for group in self.commentary for p in group.paragraphs]


def build_reply(result: SearchResult, pack: Pack, contact: str) -> Reply:
    """Choose what to show for a search result (and nothing the sources don't say)."""
    if result.reason == "chitchat":
        return Reply(query=result.query, answered=False, contact=contact, empty_query=True, chitchat=True)
    if not result.answered or not result.best:
        return Reply(query=result.query, answered=False, contact=contact, others=result.matches,
                     empty_query=not result.terms)
    best = result.best
    reply = entry_reply(best.entry, pack, contact, query=result.query, statement=best.statement,
                        score=best.score, others=result.matches[1:])
    return replace(reply, ambiguous=True) if result.ambiguous else reply


def entry_reply(entry: Entry, pack: Pack, contact: str, *, query: str = "", statement: int | None = None,
                score: float = 1.0, others: tuple[Match, ...] = ()) -> Reply:
    """The reply for one entry, as `/biglisten <entry id>` or a pinned answer shows it."""
    commentary: tuple[Commentary, ...] = ()
    borrowed = ""
    suggestion = None
    if isinstance(entry, SurveyEntry):
        suggestion = entry.suggested_answer
        if statement is not None and entry.statements[statement].suggested_answer:
            suggestion = entry.statements[statement].suggested_answer
        commentary = commentary_groups(entry, statement)
        lender = commentary_lender(entry, pack)
        if lender:
            commentary, borrowed = commentary_groups(lender), lender.title
    return Reply(query=query, answered=True, contact=contact, entry=entry, score=score, statement=statement,
                 commentary=commentary, commentary_from=borrowed, suggestion=suggestion,
                 source=pack.sources[entry.source], others=others)


def commentary_groups(entry: SurveyEntry, statement: int | None = None) -> tuple[Commentary, ...]:
    """All the union wrote on a question: the asked-about statement's comments first, then
    the question's own, then every other statement's, each labelled with its statement."""
    groups = []
    if statement is not None and entry.statements[statement].commentary:
        groups.append(Commentary(entry.statements[statement].commentary, entry.statements[statement].text))
    if entry.commentary:
        groups.append(Commentary(entry.commentary))
    groups += [Commentary(s.commentary, s.text) for i, s in enumerate(entry.statements)
               if s.commentary and i != statement]
    return tuple(groups)


QUESTION_AS_A_WHOLE = "On the question as a whole:"


def group_label(group: Commentary, groups) -> str:
    """A group's heading, or "" when there is nothing to tell apart. Once any group belongs
    to a statement, the question's own comments are labelled too, so no one reads them as
    comments on that statement."""
    if group.about:
        return f"On the statement “{group.about}”:"
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


def pinned_line(pin: Pin) -> str:
    when = time.strftime("%-d %B %Y", time.gmtime(pin.at))
    return f"Pinned by {pin.rep_name or 'a rep'} on {when}"


def source_line(source: Source) -> str:
    line = f"Source: {source.title} ({source.publisher}, {source.date})"
    if source.old_news:
        line += f". This is from {source.date}: it describes what was true then, not necessarily now."
    return line


def suggestion_lines(reply: Reply) -> list[str]:
    sa = reply.suggestion
    if sa is None:
        return []
    if sa.explicit:
        return [f"Suggested answer: {sa.answer}", f"The union says: “{sa.rests_on}”"]
    lines = [NO_POSITION + (USE_TALKING_POINTS if reply.commentary else "")]
    if sa.rests_on:
        lines.append(f"The union's view: “{sa.rests_on}”")
    return lines


def close_matches(reply: Reply) -> list[Match]:
    """Other matches nearly as good as the answer: the question may have meant them."""
    if not reply.answered or reply.pinned:
        return []
    return [m for m in reply.others[:3] if m.score >= NEAR_TIE * reply.score]


CHITCHAT = ("Hello! I'm the Big Listen guidance bot: ask me where something goes in Ofsted's Big Listen "
            "survey, what the union says about a survey question, what a term like off-rolling means, "
            "or what Ofsted did next.")


def chitchat_lines(reply: Reply) -> list[str]:
    """A greeting, thanks or chat: a friendly line on what the bot can help with. Not a survey
    answer, and not "I couldn't find that" (nothing was missing from the guidance)."""
    return [CHITCHAT]


def ambiguity_options(reply: Reply) -> list[Match]:
    """The near-tied entries a member is asked to choose between, best first."""
    best = reply.entry
    twins = [m for m in reply.others if isinstance(best, SurveyEntry) and isinstance(m.entry, SurveyEntry)
             and m.entry.section != best.section and m.entry.priority == best.priority]
    rest = twins[:1] or close_matches(reply)[:1] or list(reply.others[:1])   # one per section
    return [Match(best, reply.score, reply.statement), *rest]


def ambiguity_lines(reply: Reply) -> list[str]:
    """The terminal's "which did you mean?": a numbered list of the near-tied entries."""
    lines = ["Which did you mean?"]
    for i, m in enumerate(ambiguity_options(reply), 1):
        where = f" ({m.entry.section} · {m.entry.priority})" if isinstance(m.entry, SurveyEntry) else ""
        lines.append(f"  {i}. {m.entry.title}{where} [{m.entry.id}]")
    return lines


def abstain_lines(reply: Reply) -> list[str]:
    if reply.chitchat:
        return chitchat_lines(reply)
    if reply.empty_query:
        head = "Ask me about a Big Listen survey question, a term like off-rolling, or what Ofsted did next."
    else:
        head = "I couldn't find that in the Big Listen guidance, so I won't guess."
    lines = [head, reply.contact]
    if reply.others:
        lines.append("Did you mean: " + "; ".join(m.entry.title for m in reply.others) + "?")
    return lines


def render_text(reply: Reply) -> str:
    """The reply as plain text for the terminal (same content as the Slack blocks)."""
    if not reply.answered:
        return "\n".join(abstain_lines(reply))
    if reply.ambiguous:
        return "\n".join(ambiguity_lines(reply))
    e = reply.entry
    out = [f"== {e.title} =="]
    close = close_matches(reply)
    if close:   # before the answer, as in Slack: this answer may be for the wrong question
        out.append("Several questions match yours; this answer is for the one above. Did you mean: " +
                   "; ".join(f"{m.entry.title} [{m.entry.id}]" for m in close) + "?")
    if isinstance(e, SurveyEntry):
        out.append(f"{e.section} · {e.priority}")
        out.append(f"Survey question: “{e.question}”")
        if e.options:
            out.append("Options: " + "; ".join(e.options))
        for i, s in enumerate(e.statements):
            mark = ">>" if i == reply.statement else " -"
            out.append(f"  {mark} {s.text}")
        if reply.commentary:
            label = "What the union says"
            if reply.commentary_from:
                label += f" (its comments on “{reply.commentary_from}”)"
            out.append(label + ":")
            for group in reply.commentary:
                label = group_label(group, reply.commentary)
                if label:
                    out.append(f"  {label}")
                out += [f"  “{c}”" for c in group.paragraphs]
        out += suggestion_lines(reply)
    elif isinstance(e, GlossaryEntry):
        out += [f"  “{d}”" for d in e.definition]
    elif isinstance(e, BackgroundEntry):
        out += [f"  “{f}”" for f in e.facts]
    out.append(source_line(reply.source))
    if reply.pinned:
        out.append(pinned_line(reply.pinned))
    if reply.others:
        out.append("Other matches: " + "; ".join(f"{m.entry.title} [{m.entry.id}]" for m in reply.others))
    return "\n".join(out)


def match_record(match: Match, pack: Pack) -> dict:
    """One result of `ask --json`: a stable contract other tools read. Add keys; never rename."""
    e = match.entry
    src = pack.sources[e.source]
    rec: dict = {"id": e.id, "kind": e.kind, "title": e.title, "score": match.score,
                 "source": {"id": src.id, "file": src.file, "title": src.title, "publisher": src.publisher,
                            "date": src.date, "old_news": src.old_news}}
    if isinstance(e, SurveyEntry):
        reply = entry_reply(e, pack, "", statement=match.statement)
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
    else:
        rec.update(facts=list(e.facts))
    return rec
