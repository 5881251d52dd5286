"""Weighs the word score and the meaning signal together, and decides: answer, ask which
one was meant, or decline (and why).

Words are precise when a member echoes the pack; meaning carries paraphrase, and tells
chat and near-topic questions (pay, DSL training rules) from real ones, which shared
words can't. The blend: word score + MEANING_WEIGHT x how far the entry's closest text is
above MEANING_ZERO in cosine similarity. Whether to answer is a small logistic model of
"the first result is right" over a handful of features (scripts/fit_blend.py fits it on
the dev sets; `python -m bot eval` measures it), where wrong answers count most.
"""
from __future__ import annotations

import math

from bot.chitchat import is_chitchat
from bot.knowledge import SurveyEntry
from bot.results import Match, SearchResult
from bot.structure import Target

MEANING_WEIGHT = 0.5     # the meaning signal's share of an entry's score
MEANING_ZERO = 0.2       # cosine similarity that counts as no evidence at all
TARGET_BONUS = 0.25      # added for the entries a question names by structure ("SEND priority 2")
SECTION_BONUS = 0.1      # added for the entries of a section named without a number ("the SEND impact one")
WHOLE_PRIORITY_BONUS = 0.3   # a priority asked about as a whole: its main question before its comments box
AMBIGUOUS_RATIO = 0.9    # schools and SEND versions of one priority this close: ask which was meant
# The answer/decline decision: a logistic model of "the first result is right", fitted on
# the dev sets by scripts/fit_blend.py (features: see `features`). Answered when the
# modelled chance reaches ANSWER_CHANCE; wrong answers cost most, so it leans to declining.
CONFIDENCE_WEIGHTS = (-4.80, 3.37, 4.37, 2.08, 3.92, 2.00, -0.31)
ANSWER_CHANCE = 0.45
OFFTOPIC_BELOW = 0.3     # a declined question this far from every entry in meaning is off-topic


def blend_scores(lexical: dict[int, Match], meaning: list[float] | None, target: Target,
                 entries, nearest: list[int] = ()) -> list[tuple[int, float, float, int | None]]:
    """(entry index, blended score, meaning similarity, statement) for every candidate (the
    word candidates, the `nearest` in meaning, the structure's), best first."""
    candidates = set(lexical) | set(target.entries) | set(nearest)
    out = []
    for e in candidates:
        m = lexical.get(e)
        lex = m.score if m else 0.0
        sim = meaning[e] if meaning is not None else 1.0
        score = lex + (MEANING_WEIGHT * max(0.0, sim - MEANING_ZERO) if meaning is not None else 0.0)
        statement = m.statement if m else None
        if e in target.entries:
            score += TARGET_BONUS if target.exact else SECTION_BONUS
            entry = entries[e]
            if target.whole_priority and isinstance(entry, SurveyEntry) and entry.statements:
                score += WHOLE_PRIORITY_BONUS
            if target.statement is not None and isinstance(entry, SurveyEntry) and entry.statements:
                n = len(entry.statements)
                if -n <= target.statement < n:
                    statement = target.statement % n
        out.append((e, score, sim, statement))
    out.sort(key=lambda x: (-x[1], x[0]))
    return out


def features(ranked, lexical: dict[int, Match], closest: float, off: set[str], entries) -> list[float]:
    """What the confidence model reads: the best blend, its word and meaning parts, its lead
    over the runner-up (the other section's twin of an ambiguous pair is skipped: that tie is
    asked about, not guessed), how close the question comes to anything, off-topic words."""
    e, best, sim, _ = ranked[0]
    rest = [r for r in ranked[1:] if not _twins(entries[e], entries[r[0]])]
    lex = lexical[e].score if e in lexical else 0.0
    return [1.0, best, lex, sim, best - (rest[0][1] if rest else 0.0), closest, 1.0 if off else 0.0]


def confidence(feats: list[float]) -> float:
    z = sum(w * f for w, f in zip(CONFIDENCE_WEIGHTS, feats))
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def decide(index, query: str, folded: list[str], terms: tuple[str, ...], off: set[str],
           lexical: dict[int, Match], meaning_nearest, target: Target, limit: int) -> SearchResult:
    """The search's answer: matches best first, answered or declined with a reason.
    `meaning_nearest`: (similarity per entry, the closest entries) or (None, [])."""
    meaning, nearest = meaning_nearest
    closest = meaning[nearest[0]] if meaning and nearest else -1.0
    if is_chitchat(folded) and not target:
        return SearchResult(query, False, (), terms, reason="chitchat")
    if not terms and not target:
        return SearchResult(query, False, (), terms, reason="low_confidence" if folded else None)
    entries = index.entries
    ranked = blend_scores(lexical, meaning, target, entries, nearest)
    if not ranked:
        return SearchResult(query, False, (), terms, reason="offtopic" if off else "low_confidence")
    matches = [Match(entries[e], round(min(s, 1.0), 4), st) for e, s, _, st in ranked]
    best_e = ranked[0][0]
    if best_e in target.entries and target.exact:
        confident = True   # the member named this part of the survey by its number or place
    elif meaning is None:  # words alone: the configured threshold, as before the meaning signal
        confident = ranked[0][1] >= index.answer_threshold
    else:
        confident = confidence(features(ranked, lexical, closest, off, entries)) >= ANSWER_CHANCE
    if not confident:
        far = meaning is not None and closest < OFFTOPIC_BELOW
        reason = "offtopic" if off or far else "low_confidence"
        # did-you-mean suggestions, except for a question about something else entirely
        shown = () if reason == "offtopic" else tuple(
            m for m in matches[:index.max_suggestions] if m.score >= index.suggestion_threshold)
        return SearchResult(query, False, shown, terms, reason=reason)
    whole = bool(target.whole_priority and best_e in target.entries)
    return SearchResult(query, True, tuple(matches[:limit]), terms,
                        ambiguous=_ambiguous(ranked, entries, target), whole_priority=whole)


def _twins(a, b) -> bool:
    """The schools and SEND versions of one survey priority."""
    return (isinstance(a, SurveyEntry) and isinstance(b, SurveyEntry) and a.section != b.section
            and a.priority == b.priority and a.priority.lower().startswith("priority"))


def _ambiguous(ranked, entries, target: Target) -> bool:
    """The schools and SEND versions of one priority, near-tied, and the question named
    neither section: ask which one rather than guess."""
    if len(ranked) < 2 or target.section_named:
        return False
    (a, sa, _, _), (b, sb, _, _) = ranked[0], ranked[1]
    return _twins(entries[a], entries[b]) and sb >= AMBIGUOUS_RATIO * sa
