"""The reps' gaps report: what members asked that the bot couldn't answer, which answers they
found unhelpful, and how many messages reps settled are ready to teach the bot. Counts only:
no member is named."""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from bot.asks import learned_from_reps
from bot.knowledge import Pack
from bot.normalise import words
from bot.store import Store

REPORT_DAYS = range(1, 3651)   # the gaps report's periods: `report --days` and Slack's `gaps [days]` alike
SAME_QUESTION = 80   # token_set_ratio at which two asked questions count as one


@dataclass(frozen=True)
class GapGroup:
    question: str        # the most common wording
    count: int
    variants: int        # how many different wordings were grouped


@dataclass
class GapsReport:
    days: int
    questions: int = 0
    answered: int = 0
    abstained: int = 0
    votes: int = 0
    not_helpful: int = 0
    shortcut_unanswered: int = 0   # unanswered via the message shortcut; their words aren't kept
    gaps: list[GapGroup] = field(default_factory=list)
    unhelpful: list[tuple[str, str, int]] = field(default_factory=list)   # (entry id, title, votes)
    to_teach: int = 0    # messages reps settled or pinned, not yet among the pack's asks (bot/asks.py)


def group_questions(texts: list[str]) -> list[GapGroup]:
    """Group near-duplicate questions ("whats the pay award" / "what is the pay award?")."""
    counts = Counter(" ".join(t.split()) for t in texts if t.strip())
    keys = {t: " ".join(words(t)) for t in counts}
    groups: list[tuple[str, list[str]]] = []   # (key of the first wording, wordings)
    for text, _ in counts.most_common():
        hit = process.extractOne(keys[text], [g[0] for g in groups], scorer=fuzz.token_set_ratio,
                                 score_cutoff=SAME_QUESTION) if groups else None
        if hit:
            groups[hit[2]][1].append(text)
        else:
            groups.append((keys[text], [text]))
    out = [GapGroup(question=ws[0], count=sum(counts[w] for w in ws), variants=len(ws)) for _, ws in groups]
    return sorted(out, key=lambda g: g.count, reverse=True)


@dataclass(frozen=True)
class ReportReads:
    """What the gaps report reads from the store: the period's questions and votes, the requests
    reps settled and the pins. Read apart from the working out, so that a caller can bound the
    reads alone (App Home: grouping a busy week's questions is seconds of work, not a stall)."""
    days: int
    questions: list
    votes: list
    settled: list
    pins: list


def read_report(store: Store, days: int = 7, now: float | None = None) -> ReportReads:
    since = (time.time() if now is None else now) - days * 86400
    return ReportReads(days, store.questions(since), store.votes(since), store.requests(("covered", "outside")),
                       store.pins())


def build_report(store: Store, packs: Pack | list[Pack], days: int = 7, now: float | None = None,
                 top: int = 10) -> GapsReport:
    """The gaps report over every pack the bot answers from (one Pack, or a list)."""
    return report_from(read_report(store, days, now), packs, top)


def report_from(reads: ReportReads, packs: Pack | list[Pack], top: int = 10) -> GapsReport:
    """The gaps report worked out from what `read_report` read."""
    packs = [packs] if isinstance(packs, Pack) else list(packs)
    rows = reads.questions
    report = GapsReport(days=reads.days, questions=len(rows))
    report.answered = sum(r.answered for r in rows)
    report.abstained = report.questions - report.answered
    # message-shortcut rows keep no words (they were someone else's): counted, not grouped
    report.gaps = group_questions([r.text for r in rows if not r.answered and r.via != "shortcut"])[:top]
    report.shortcut_unanswered = sum(1 for r in rows if not r.answered and r.via == "shortcut")
    votes = reads.votes
    report.votes = len(votes)
    bad = Counter(entry_id for entry_id, helpful in votes if not helpful)
    report.not_helpful = sum(bad.values())
    titles = {e.id: e.title for p in reversed(packs) for e in p.entries}
    report.unhelpful = [(eid, titles.get(eid, eid), n) for eid, n in bad.most_common(top)]
    settled, pins = reads.settled, reads.pins
    # each pack counts what was settled as its entries; "outside the guidance" once, by the first
    report.to_teach = sum(learned_from_reps(p, settled if i == 0 else [r for r in settled if r.state == "covered"],
                                            pins).new for i, p in enumerate(packs))
    return report


def report_lines(report: GapsReport) -> list[str]:
    lines = [f"The bot, last {report.days} days: {report.questions} questions, {report.answered} answered, "
             f"{report.abstained} not answered; {report.votes} votes ({report.not_helpful} not helpful)."]
    lines.append("Most asked questions the bot could not answer:")
    if report.gaps:
        for g in report.gaps:
            extra = f", {g.variants} wordings" if g.variants > 1 else ""
            lines.append(f"  {g.count}× “{g.question}”{extra}")
    else:
        lines.append("  none")
    if report.shortcut_unanswered:
        lines.append(f"  (and {report.shortcut_unanswered} from the message shortcut, whose words are not kept)")
    lines.append("Answers most often marked not helpful:")
    if report.unhelpful:
        lines += [f"  {n}× {title} [{eid}]" for eid, title, n in report.unhelpful]
    else:
        lines.append("  none")
    if report.to_teach:
        lines.append(f"Members' messages reps have settled or pinned, ready to teach the bot: {report.to_teach} "
                     "(an admin adds them to the pack with `python -m bot asks-from-reps`).")
    return lines
