"""Weighs the word score and the meaning signal together, and decides: answer, ask which
one was meant, or decline (and why).

Words are precise when a member echoes the pack; meaning carries paraphrase, and tells
chat and near-topic questions (pay, DSL training rules) from real ones, which shared
words can't. The blend: the word score plus weighted readings of meaning (the whole message,
its closest sentence, its sentences on average: how far each is above MEANING_ZERO in cosine
similarity), the pack's two classifiers' chances (over meaning and over words: bot/intent.py),
the late-interaction score (the question's words against the entry's, in context: bot/late.py),
the structure bonuses and a few small priors (RANK_FEATURES). Whether to answer
is a small logistic model of "the first result is right" over a handful of features.
scripts/fit_blend.py fits both on the dev and blind sets; `python -m bot eval` measures them; wrong
answers count most.
"""
from __future__ import annotations

import math

from bot.chitchat import is_about_bot, is_chitchat
from bot.figures import figure_missing
from bot.knowledge import SurveyEntry, twins
from bot.late import LATE_ZERO
from bot.normalise import STOPWORDS, stem, words
from bot.results import Match, SearchResult
from bot.structure import (
    SECTION_NOUNS,
    STATEMENT_WORDS,
    Target,
    asks_what_to_put,
    asks_where,
    names_a_statement,
)
from bot.walk_request import asks_how_to_walk, walk_request

TARGET_BONUS = 0.25      # added for the entries a question names by structure ("SEND priority 2")
SECTION_BONUS = 0.1      # added for the entries of a section named without a number ("the SEND impact one")
AMBIGUOUS_RATIO = 0.9    # schools and SEND versions of one priority this close: ask which was meant
ANSWER_AT_STAKE_RATIO = 0.75  # ... and any other question this close to one with a suggested answer
MEANING_ZERO = 0.2       # cosine similarity that counts as no evidence at all
# How a candidate entry is ranked: a weighted sum of what `rank_features` reads, the word
# score's weight fixed at 1. Fitted on the dev and blind sets by scripts/fit_blend.py (a listwise
# model of "this entry is the right one", checked by cross-validation), in RANK_FEATURES order.
RANK_FEATURES = (
    "words",                 # the word score (0..1)
    "meaning",               # meaning of the whole message, above MEANING_ZERO
    "meaning_sentence",      # ... of its closest sentence (a story's topic is in one sentence)
    "meaning_sentences",     # ... averaged over its sentences
    "named", "section",      # the question names the entry by structure / names its section
    "cue_survey", "cue_glossary", "cue_background",   # phrased for this kind ("where do I put", "what is")
    "survey", "glossary", "background",               # the kind itself
    "send_section", "safeguarding_section", "comments_box",
    "words_first", "meaning_first",                   # first on words / on meaning of the whole
    "intent",                # the pack's classifier's chance for this entry (bot/intent.py; 0 without asks)
    "word_intent",           # ... and by its classifier over words (bot/intent.py's WordIntent)
    "late",                  # the question's words against the entry's, each in context (bot/late.py), above LATE_ZERO
)
RANK_WEIGHTS = (1.000, 1.453, 1.327, 1.185, TARGET_BONUS, -0.031, 0.408, -0.108, -0.133, 0.000, 0.000, 0.000, -0.124,
                -0.232, 0.156, 0.746, 0.164, 1.431, 3.889, 3.819)
# The answer/decline decision: a logistic model of "the first result is right", fitted on
# the dev and blind sets by scripts/fit_blend.py (features: see `features`). Answered when the
# modelled chance reaches ANSWER_CHANCE; wrong answers cost most, so it leans to declining.
CONFIDENCE_WEIGHTS = (-2.56, 0.12, 3.33, 0.88, -0.04, 1.61, -2.17, 0.32, -0.24, 0.62, -10.07, 0.30, -3.30, 1.83, 4.15)
# Both models again, fitted with the classifiers off (`scripts/fit_blend.py --plain`): for a
# pack with no asks (bot/intent.py), whose readings have no chances to weigh. The weights above
# lean on the chances; without them they answered more questions wrongly.
RANK_WEIGHTS_PLAIN = (1.000, 0.830, 0.824, 0.761, TARGET_BONUS, 0.326, -0.004, -0.036, -0.067, 0.000, 0.000, 0.000,
                      -0.131, -0.094, 0.037, 0.178, 0.117, 0.000, 0.000, 2.405)
CONFIDENCE_WEIGHTS_PLAIN = (-2.90, 0.45, 1.73, 0.35, 1.09, 0.73, -2.00, 2.01, 0.07, -0.13, -13.66, 0.00, 0.00, 0.00,
                            3.96)
ANSWER_CHANCE = 0.65
# And with late interaction off too (`fit_blend.py --bare`): a pack over 2,000 entries, which
# has neither classifiers nor late interaction (bot/meaning.py's LARGEST). Answered at round 6's
# threshold (fitted then, before late interaction existed; refitted since).
RANK_WEIGHTS_BARE = (1.000, 0.692, 0.677, 0.662, TARGET_BONUS, 0.252, 0.172, -0.072, -0.059, 0.000, 0.000, 0.000,
                     -0.083, -0.090, 0.059, 0.167, 0.110, 0.000, 0.000, 0.000)
CONFIDENCE_WEIGHTS_BARE = (-3.63, 0.77, 1.59, 0.74, 2.68, 1.59, -1.77, 1.51, 0.06, -0.32, -12.11, 0.00, 0.00, 0.00,
                           0.00)
ANSWER_CHANCE_BARE = 0.6
OFFTOPIC_BELOW = 0.3     # a declined question this far from every entry in meaning is off-topic
KINDS = ("survey", "glossary", "background")


def weights(reading) -> tuple[tuple[float, ...], tuple[float, ...], float]:
    """The ranking weights, answer/decline weights and answer threshold for a reading: with the
    pack's classifiers and late interaction; fitted without the classifiers when it lacks either
    (no asks; or, over words, too many terms); without late interaction too (over 2,000 entries)."""
    if reading is not None and reading.late is None:
        return RANK_WEIGHTS_BARE, CONFIDENCE_WEIGHTS_BARE, ANSWER_CHANCE_BARE
    if reading is not None and (reading.intent is None or reading.word_intent is None):
        return RANK_WEIGHTS_PLAIN, CONFIDENCE_WEIGHTS_PLAIN, ANSWER_CHANCE
    return RANK_WEIGHTS, CONFIDENCE_WEIGHTS, ANSWER_CHANCE


def most_added(rank: tuple[float, ...]) -> float:
    """The most that meaning, the classifiers and late interaction can add to an entry's blend."""
    chances = sum(max(0.0, rank[RANK_FEATURES.index(name)]) for name in ("intent", "word_intent"))
    late = (1.0 - LATE_ZERO) * max(0.0, rank[RANK_FEATURES.index("late")])
    return (1.0 - MEANING_ZERO) * sum(rank[1:4]) + chances + late


def rank_features(e: int, entry, lex: float, reading, target: Target, cues, lex_top: float,
                  meaning_top: float) -> list[float]:
    """What ranks one candidate entry (RANK_FEATURES). `reading`: bot.meaning.Reading or None;
    `cues`: the kinds of entry the question's phrasing asks for."""
    if reading is not None:
        sim = reading.whole[e]
        meaning = [max(0.0, x - MEANING_ZERO) for x in (sim, reading.sentence_best[e], reading.sentence_mean[e])]
        first = 1.0 if sim >= meaning_top - 1e-9 else 0.0
    else:
        meaning, first = [0.0, 0.0, 0.0], 0.0
    named = e in target.entries
    kind = entry.kind
    section = entry.section.lower() if isinstance(entry, SurveyEntry) else ""
    return [lex, *meaning,
            1.0 if named and target.exact else 0.0, 1.0 if named and not target.exact else 0.0,
            *(1.0 if kind == k and k in cues else 0.0 for k in KINDS),
            *(1.0 if kind == k else 0.0 for k in KINDS),
            1.0 if "special" in section else 0.0, 1.0 if "safeguarding" in section else 0.0,
            1.0 if isinstance(entry, SurveyEntry) and not entry.statements else 0.0,
            1.0 if lex > 0 and lex >= lex_top - 1e-9 else 0.0, first,
            reading.chance(e) if reading is not None else 0.0,
            reading.word_chance(e) if reading is not None else 0.0,
            max(0.0, reading.late[e] - LATE_ZERO) if reading is not None and reading.late is not None else 0.0]


def blend_scores(lexical: dict[int, Match], reading, target: Target, entries,
                 cues=frozenset()) -> list[tuple[int, float, float, int | None]]:
    """(entry index, blended score, meaning similarity, statement) for every candidate (the
    word candidates, the closest in meaning, the structure's), best first. `reading`: the
    question read by bot.meaning (None: words alone, the meaning signal counted as 1)."""
    nearest = reading.nearest if reading is not None else ()
    rank = weights(reading)[0]
    # added to the entries a question names by number or place ("schools P3"), and again to a
    # priority's main question when asked about as a whole or by statement: more than the most
    # meaning, the classifiers and late interaction can add to another entry
    whole_priority_bonus = 0.5 + most_added(rank)
    candidates = set(lexical) | set(target.entries) | set(nearest)
    lex_top = max((m.score for m in lexical.values()), default=0.0)
    meaning_top = max((reading.whole[e] for e in candidates), default=0.0) if reading is not None else 0.0
    out = []
    for e in candidates:
        m = lexical.get(e)
        entry = entries[e]
        feats = rank_features(e, entry, m.score if m else 0.0, reading, target, cues, lex_top, meaning_top)
        if reading is None:   # words alone: the word score and structure, as the configured threshold expects
            score = feats[0] + TARGET_BONUS * feats[4] + SECTION_BONUS * feats[5]
        else:
            score = sum(w * f for w, f in zip(rank, feats))
        sim = reading.whole[e] if reading is not None else 1.0
        statement = m.statement if m else None
        if not target.entries and target.statement is not None and isinstance(entry, SurveyEntry) \
                and statement is None:   # "the 4th statement", no part named; "the 2nd statement about
            statement = _nth(entry, target.statement, statement)   # MATs" is the one its words name
        if e in target.entries:
            survey = isinstance(entry, SurveyEntry)
            grid = survey and bool(entry.statements)   # a priority's rating grid, not its comments box
            if target.exact and reading is not None:   # named by number or place: before anything else
                score += whole_priority_bonus
            if grid and (target.whole_priority or target.statement is not None):
                score += whole_priority_bonus
            if survey and not grid and target.box:
                score += whole_priority_bonus
            if grid and target.statement is not None:
                statement = _nth(entry, target.statement, statement)
        out.append((e, score, sim, statement))
    if target.section_named and not target.exact:
        out = _named_twin_first(out, entries, set(target.entries))
    out.sort(key=lambda x: (-x[1], x[0]))
    return out


def _nth(entry: SurveyEntry, place: int, otherwise: int | None) -> int | None:
    """The statement at a place the member named (-1: the last), if the question has one there."""
    n = len(entry.statements)
    return place % n if -n <= place < n else otherwise


def _named_twin_first(scored, entries, named: set[int]):
    """A section named without a number ("the SEND reporting aims") wins over the other
    sections' versions of the same question: of each named entry and its twins (grid with grid,
    box with box), the named one takes the highest score and the twins the rest, in their order.
    Only twins: the section named says nothing about other questions."""
    out = list(scored)
    at = {row[0]: k for k, row in enumerate(out)}
    for e in sorted(e for e in at if e in named):
        mine = entries[e]
        group = [e] + sorted((o for o in at if o not in named and twins(mine, entries[o])
                              and bool(mine.statements) == bool(entries[o].statements)),
                             key=lambda o: (-out[at[o]][1], o))
        if len(group) < 2:
            continue
        scores = sorted((out[at[g]][1] for g in group), reverse=True)
        for g, score in zip(group, scores):
            _, _, sim, st = out[at[g]]
            out[at[g]] = (g, score, sim, st)
    return out


def features(ranked, lexical: dict[int, Match], reading, off: set[str], entries) -> list[float]:
    """What the confidence model reads: the best blend, its word and meaning parts, its lead
    over the runner-up (the other section's twin of an ambiguous pair is skipped: that tie is
    asked about, not guessed), how close the question comes to anything, off-topic words,
    its closest sentence's meaning, whether words and meaning alone agree it is first, how
    much closer it comes to a message the pack doesn't cover (bot/asks.py), the classifiers'
    chances (over meaning for it and for "none", over words for it), and its late-interaction
    lead over the runner-up (bot/late.py)."""
    e, best, sim, _ = ranked[0]
    rest = [r for r in ranked[1:] if not twins(entries[e], entries[r[0]])]
    lex = lexical[e].score if e in lexical else 0.0
    lex_top = max((m.score for m in lexical.values()), default=0.0)
    words_agree = 1.0 if lex > 0 and lex >= lex_top - 1e-9 else 0.0
    meaning_agree = 1.0 if sim >= max(r[2] for r in ranked) - 1e-9 else 0.0
    late = reading.late
    late_lead = late[e] - late[rest[0][0]] if late is not None and rest else 0.0
    return [1.0, best, lex, sim, best - (rest[0][1] if rest else 0.0), reading.closest, 1.0 if off else 0.0,
            reading.sentence_best[e], words_agree, meaning_agree, max(0.0, reading.not_covered - sim),
            reading.chance(e), reading.intent_none, reading.word_chance(e), late_lead]


def judged_ranking(ranked, lexical: dict[int, Match], reading, target: Target, entries, cues=frozenset()):
    """The ranking the answer/decline model reads. A priority named by its name alone, with
    nothing said about writing there, is judged as if the message named nothing: the bonus that
    puts the named entry first would make any such message look confident ("I'm worried about the
    culture question, our head bullies staff" was answered at 0.98). When something else then
    comes first, the message is answered or declined as if it named nothing (`decide`). A section
    named with the name still holds: "the actual question in the schools culture bit" was judged,
    and then answered, as the SEND section's culture question, which meaning put first (round 17;
    not "SEND kids ... the impact section", a topic beside a name)."""
    if ranked and ranked[0][0] in target.entries and target.exact and target.by_name and not target.writing:
        section = Target(target.entries, section_named=True) if target.section_beside else Target()
        return blend_scores(lexical, reading, section, entries, cues)
    return ranked


def confidence(feats: list[float], reading=None) -> float:
    z = sum(w * f for w, f in zip(weights(reading)[1], feats))
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def decide(index, query: str, folded: list[str], terms: tuple[str, ...], off: set[str],
           lexical: dict[int, Match], reading, target: Target, limit: int, cues=frozenset()) -> SearchResult:
    """The search's answer: matches best first, answered or declined with a reason.
    `reading`: the question read by bot.meaning (a Reading), or None."""
    meaning = reading.whole if reading is not None else None
    closest = reading.closest if reading is not None else -1.0
    walk = walk_request(folded, index.pack.sections)
    walk = walk if not target.exact else None   # "talk me through the last question": that question's answer
    if ((is_chitchat(folded) or is_about_bot(folded) or asks_how_to_walk(folded)) and not target) \
            or walk is not None:   # a friendly word, or how to use the bot
        return SearchResult(query, False, (), terms, reason="chitchat", walk=walk)
    if not terms and not target:
        return SearchResult(query, False, (), terms, reason="low_confidence" if folded else None)
    entries = index.entries
    ranked = blend_scores(lexical, reading, target, entries, cues)
    if not ranked:
        return SearchResult(query, False, (), terms, reason="offtopic" if off else "low_confidence")
    judged = judged_ranking(ranked, lexical, reading, target, entries, cues) if reading is not None else ranked
    if judged is not ranked and judged[0][0] not in target.entries:
        ranked = judged   # a name beside the point: "what's a deep dive? asking about the impact section"
    moved = _survey_first(ranked, entries, folded)
    judged = moved if judged is ranked else _survey_first(judged, entries, folded)   # the model judges that order
    ranked = moved
    # Scores shown (and compared by replies' near-tie rule, kept answers and pins) are the blend
    # scaled into 0..1 by its largest usual value, not clipped: clipping made every strong
    # candidate a tie at 1.0.
    scale = 1.0 if reading is None else 1.0 + most_added(weights(reading)[0])
    matches = [Match(entries[e], round(min(s / scale, 1.0), 4), st) for e, s, _, st in ranked]
    if target.whole_section and len(target.entries) > 1:   # "what do I put for the safeguarding questions?": which?
        return SearchResult(query, True, tuple(m for m, r in zip(matches, ranked) if r[0] in target.entries),
                            terms, ambiguous=True, whole_section=True)
    best_e = ranked[0][0]
    if best_e in target.entries and target.exact and (not target.by_name or target.writing):
        confident = True   # the member named this part of the survey by its number or place
        # (by its name, "the culture section", only with what to write there: "can I put my head's
        # bullying in the culture section?"; else the model decides, as "the reporting question I
        # have is about pay" names no part of the survey)
    elif meaning is None:  # words alone: the configured threshold, as before the meaning signal
        confident = ranked[0][1] >= index.answer_threshold
    elif not lexical:
        # no word of the message is the pack's ("whats a caf", "whats DSL"): meaning alone then
        # matches how a term sounds ("caf" ~ "Cafcass"), not what it is
        confident = False
    else:
        confident = confidence(features(judged, lexical, reading, off, entries), reading) >= (
            index.answer_chance or weights(reading)[2])
    if confident and figure_missing(query, entries[best_e]):   # "what % of ..." of an entry with no percentage
        confident = False
    if not confident:
        # far from every entry, or nearer something the pack says it doesn't cover
        far = meaning is not None and (closest < OFFTOPIC_BELOW or reading.not_covered > closest)
        reason = "offtopic" if off or far else "low_confidence"
        # did-you-mean suggestions, except for a question about something else entirely
        shown = () if reason == "offtopic" else tuple(
            m for m, r in zip(matches[:index.max_suggestions], ranked) if r[1] >= index.suggestion_threshold)
        return SearchResult(query, False, shown, terms, reason=reason)
    # a statement of it named as such ("schools priority 3 - the statement about schools excluding or off
    # rolling") is what was asked, not the priority as a whole (audit 32); not the list ("kids safe and
    # happy, QoE, behaviour ... very important for all of them") nor a statement found by words alone
    whole = bool(target.whole_priority and best_e in target.entries
                 and not (names_a_statement(folded) and _statement_shares_a_word(matches[0], folded)))
    ambiguous = _ambiguous(ranked, entries, target, reading) or _answer_at_stake(ranked, entries, target, folded)
    return SearchResult(query, True, tuple(matches[:limit]), terms, ambiguous=ambiguous, whole_priority=whole)


# words naming where a statement is, not what it says ("schools priority 2, the statement about phonics")
WHERE_WORDS = STATEMENT_WORDS | SECTION_NOUNS | {"schools", "school", "send", "sen", "ap", "about", "survey", "ofsted"}


def _statement_shares_a_word(match, folded: list[str]) -> bool:
    """The statement marked has a word of the message's besides the words placing it: "the statement
    about phonics" in schools priority 2 marked the local-context statement (it shares "school"),
    and the whole priority is the safer answer (the review of round 32)."""
    if match.statement is None or not isinstance(match.entry, SurveyEntry):
        return False
    said = {stem(w) for w in words(match.entry.statements[match.statement].text) if w not in STOPWORDS}
    return any(stem(w) in said for w in folded if w not in STOPWORDS and w not in WHERE_WORDS and not w.isdigit())


def _ambiguous(ranked, entries, target: Target, reading) -> bool:
    """The schools and SEND versions of one priority, near-tied, and the question named
    neither section: ask which one rather than guess. `reading`: bot.meaning's, or None."""
    if len(ranked) < 2 or target.section_named:
        return False
    (a, sa, _, _), (b, sb, _, _) = ranked[0], ranked[1]
    if not twins(entries[a], entries[b]):
        return False
    # the fitted section priors and the classifiers break such ties by habit (which twin has the
    # likelier-sounding examples), not by the question: left out here
    if reading is not None:
        sa, sb = sa - _habit(a, entries[a], reading), sb - _habit(b, entries[b], reading)
    return min(sa, sb) >= AMBIGUOUS_RATIO * max(sa, sb)


def _survey_first(ranked, entries, folded: list[str]):
    """Asked where in the survey something goes, or what to put (`asks_what_to_put`), the best survey question
    among the first five comes first when it comes close (ANSWER_AT_STAKE_RATIO): a definition came
    first for "ofsted named my dept in the report as the weak one ... which bit of the survey is
    that" and "what should I put for the separate safeguarding judgement question?"; "whats ILACS
    - where do i put this" keeps its definition (no survey question comes close)."""
    if not ranked or isinstance(entries[ranked[0][0]], SurveyEntry) or not (
            asks_where(folded) or asks_what_to_put(folded)):
        return ranked
    i = next((i for i, r in enumerate(ranked[:5]) if isinstance(entries[r[0]], SurveyEntry)), None)
    if i is None or ranked[i][1] < ANSWER_AT_STAKE_RATIO * ranked[0][1]:
        return ranked
    return [ranked[i], *ranked[:i], *ranked[i + 1:]]


def _answer_at_stake(ranked, entries, target: Target, folded: list[str] = ()) -> bool:
    """The first result is a question the union recommends an answer to, and another question
    (not its own comments box) comes close: ask which was meant rather than lead with a
    suggested answer that may belong to the other ("safeguarding frequency q - should i put
    yes or no?" was given the separate-judgement question's "answer 'yes'"). Not when the
    member named the question."""
    if len(ranked) < 2 or target.exact:
        return False
    (a, sa, _, _), (b, sb, _, _) = ranked[0], ranked[1]
    first, second = entries[a], entries[b]
    if not (isinstance(first, SurveyEntry) and isinstance(second, SurveyEntry)):
        return False
    if (first.section, first.priority) == (second.section, second.priority):
        return False
    if _names(folded, first) and not _names(folded, second):   # "... the safeguarding separate judgement question?"
        return False
    return any(g.kind == "answer" for g in first.all_guidance()) and sb >= ANSWER_AT_STAKE_RATIO * sa


def _names(folded: list[str], entry) -> bool:
    """The message holds every telling word of the question's priority ("separate judgement" of
    "Separate judgement for safeguarding"; "inspection practice" of both sections' Priority 2)."""
    name = entry.priority.split(":", 1)[-1]
    telling = {w for w in words(name) if w not in STOPWORDS and not w.isdigit()} - {"priority"}
    telling -= set(words(entry.section))
    return bool(telling) and telling <= set(folded)


def _habit(e: int, entry, reading) -> float:
    section = entry.section.lower()
    i, rank = RANK_FEATURES.index, weights(reading)[0]
    return (rank[i("send_section")] * ("special" in section)
            + rank[i("safeguarding_section")] * ("safeguarding" in section)
            + rank[i("intent")] * reading.chance(e) + rank[i("word_intent")] * reading.word_chance(e))
