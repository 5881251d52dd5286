"""Kept rep answers as an answer source (issue 9): which kept answer, if any, answers a question.

A rep's answer kept for future members is indexed by its question's words and the rep's own
words (analysed like the pack's: stems, synonyms, spelling), each word weighted by how rare it
is in the pack. It answers a later question only when it clears the same answer threshold as
the pack's entries *and* a floor of its own (a rep answered one particular question, so most
of that question's words must be asked again), and when it scores at least as well as the
pack's best match. Kept answers are shown only while live: not retired, and re-confirmed
within `review_days` plus the grace period.

No Slack imports, and nothing of bot/search.py beyond `Index.query_terms`.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from bot.config import RepSettings
from bot.store import KeptAnswer

DAY = 86400
ANSWER_WEIGHT = 0.6   # a question word found only in the rep's answer counts this much
KEPT_FLOOR = 0.5      # a kept answer's own minimum score (0..1), on top of the answer threshold


@dataclass(frozen=True)
class KeptMatch:
    kept: KeptAnswer
    score: float


def review_due_at(kept: KeptAnswer, settings: RepSettings) -> float:
    return kept.confirmed_at + settings.review_days * DAY


def hidden_from(kept: KeptAnswer, settings: RepSettings) -> float:
    """When an unconfirmed kept answer stops being shown."""
    return review_due_at(kept, settings) + settings.review_grace_days * DAY


def is_live(kept: KeptAnswer, settings: RepSettings, now: float | None = None) -> bool:
    now = time.time() if now is None else now
    return kept.retired_at is None and now < hidden_from(kept, settings)


def needs_review(kept: KeptAnswer, settings: RepSettings, now: float | None = None) -> bool:
    now = time.time() if now is None else now
    return kept.retired_at is None and now >= review_due_at(kept, settings)


def _weight(index, term: str) -> float:
    """How telling a word is: its rarity in the pack (an unknown word counts as the rarest)."""
    term_ids, idf = getattr(index, "term_ids", None), getattr(index, "idf", None)
    top = getattr(index, "max_idf", 1.0) or 1.0
    if term_ids is None or idf is None:
        return 1.0
    tid = term_ids.get(term)
    return (idf[tid] if tid is not None and tid < len(idf) else top) / top


class KeptTerms:
    """The analysed words of kept answers, kept between questions (each is analysed once,
    and again only when a rep edits it); bounded so retired answers don't pile up."""

    LIMIT = 5000

    def __init__(self, index):
        self.index = index
        self._cache: dict[tuple[int, str, str], tuple[frozenset[str], frozenset[str]]] = {}

    def __call__(self, kept: KeptAnswer) -> tuple[frozenset[str], frozenset[str]]:
        key = (kept.id, kept.question, kept.answer)
        found = self._cache.get(key)
        if found is None:
            if len(self._cache) >= self.LIMIT:
                self._cache.clear()
            found = self._cache[key] = (frozenset(self.index.query_terms(kept.question)[0]),
                                        frozenset(self.index.query_terms(kept.answer)[0]))
        return found


def score(index, question: str, kept: KeptAnswer, terms: KeptTerms | None = None) -> float:
    """0..1: how much of the member's question the kept question (and answer) covers, and how
    much of the kept question the member asked again (geometric mean of the two shares)."""
    asked = set(index.query_terms(question)[0])
    own, said = (terms or KeptTerms(index))(kept)
    if not asked or not own:
        return 0.0
    w = {t: _weight(index, t) for t in asked | own}
    covered = sum(w[t] for t in asked & own) + ANSWER_WEIGHT * sum(w[t] for t in (asked & said) - own)
    of_question = covered / sum(w[t] for t in asked)
    of_kept = sum(w[t] for t in asked & own) / sum(w[t] for t in own)
    return round((of_question * of_kept) ** 0.5, 4)


def best_kept(index, question: str, kept: list[KeptAnswer], settings: RepSettings, *, threshold: float,
              rival: float = 0.0, now: float | None = None, terms: KeptTerms | None = None) -> KeptMatch | None:
    """The live kept answer that answers `question`, if one clears the threshold, the floor and
    the pack's best score (`rival`; 0 when the pack didn't answer)."""
    best: KeptMatch | None = None
    for k in kept:
        if not is_live(k, settings, now):
            continue
        s = score(index, question, k, terms)
        if s >= max(threshold, KEPT_FLOOR) and s >= rival and (best is None or s > best.score):
            best = KeptMatch(k, s)
    return best
