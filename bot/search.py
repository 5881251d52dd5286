"""Finds the knowledge entries that answer a member's question, or decides it can't.

Why not one fuzzy scorer over whole passages: WRatio/token_set_ratio give long passages
near-identical scores, so ranking collapses to file order. Instead every entry is split
into short weighted fields (title, keywords, each statement, each commentary paragraph,
...), words are normalised, stemmed and mapped through the pack's synonyms, misspelt
words are corrected against the pack's vocabulary with `rapidfuzz.process.extractOne`,
and each field is scored by how much of the question's (IDF-weighted) meaning it covers.
Words the pack marks off-topic (pay, pensions, ...) weigh heavily against an answer, so
an off-topic question can't ride in on one shared word.
"""
from __future__ import annotations

import gc
import heapq
import math
import re
from array import array
from collections import defaultdict
from dataclasses import replace
from functools import lru_cache
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from bot.blend import decide
from bot.knowledge import Entry, GlossaryEntry, Pack, SurveyEntry
from bot.normalise import STOPWORDS, clean_slack_text, stem, without_addresses, words
from bot.results import Match, SearchResult
from bot.structure import find_target, names_a_statement

if TYPE_CHECKING:
    from bot.config import Config

# How much a hit in each kind of field counts: short, specific fields count most.
FIELD_WEIGHTS = {
    "title": 1.0, "term": 1.0, "alias": 1.0, "statement": 1.0, "keyword": 0.9,
    "question": 0.95, "definition": 0.85, "commentary": 0.8, "context": 0.6, "section": 0.5,
}
CANDIDATES = 15          # entries rescored at field level after the cheap first pass
MEANING_CANDIDATES = 5   # and the entries closest in meaning, whatever their words
OFFTOPIC_FACTOR = 2.5    # an off-topic word weighs this many times the rarest pack word
UNNAMED_TERM = 0.8       # a glossary entry whose term the question doesn't name
NAME_FIELDS = ("title", "term", "alias")
OFFTOPIC_PENALTY = 0.5   # and any off-topic word halves every score
UNKNOWN_FACTOR = 1.0     # a word the pack has never seen weighs this much of the rarest
QUERY_EXP = 0.5          # field score = share of the question it covers ** QUERY_EXP
FIELD_EXP = 0.75         #   * share of the field the question covers ** FIELD_EXP
COVER_MIX = 0.5          # entry score = COVER_MIX * whole-entry coverage + rest * best field
PHRASE_FACTOR = 0.5      # two question words side by side in a field, as a share of their weight
KIND_BOOST = 1.25
PRIORITY_BOOST = 1.15    # the question names the entry's survey priority
MAX_BOOST = KIND_BOOST * PRIORITY_BOOST
KIND_CUES = {
    "survey": ("survey", "question", "statement", "statements", "comments box", "comment box", "box", "tick",
               "put", "write", "answer", "answering", "respond", "response", "section", "where do i",
               "where in", "which bit", "which question", "recommend", "suggest", "union", "nasuwt"),
    "glossary": ("what is", "what are", "whats", "what does", "stand for", "mean", "meaning", "define",
                 "definition", "difference between", "what counts", "counts as"),
    "background": ("when", "date", "happening", "happened", "scrapped", "is it true", "since", "yet"),
}
MAX_QUERY_WORDS = 60     # search terms at most
NEAR_STATEMENT = 0.75   # a statement scoring this share of the best one may be the one named, by its own words
MAX_QUERY_CHARS = 2000   # a 10 KB paste is read at its first and last 1,000 characters
# A longer message (a pasted email or story, the question often last) is read at its start and its end:
# its first and last words, and for the meaning model (~128 tokens) its first and last characters.
LONG_MESSAGE_WORDS = 80   # the longest message in the question sets has 58
HEAD_WORDS, TAIL_WORDS = 50, 30
TAIL_TERMS = 20           # of the MAX_QUERY_WORDS search terms, kept from the message's end
HEAD_CHARS, TAIL_CHARS = 200, 300


@lru_cache(maxsize=65536)
def _plain_term(word: str) -> str:
    """A word's search term, or "" for stopwords and numbers (years are kept)."""
    if word.isdigit():
        return word if len(word) <= 2 or len(word) == 4 else ""  # "2 day", "3 months", "2024"
    if word in STOPWORDS:
        return ""
    st = stem(word)
    return "" if st in _STOP_STEMS else st


_STOP_STEMS = frozenset(stem(w) for w in STOPWORDS)


class Analyzer:
    """Turns text into search terms the same way for the index and the query."""

    def __init__(self, synonyms: tuple[tuple[str, ...], ...] = ()):
        # first stem -> [(phrase stems, canonical)], longest phrase first
        self.phrases: dict[str, list[tuple[tuple[str, ...], str]]] = defaultdict(list)
        self.single: dict[str, str] = {}   # stem -> canonical, for one-word variants
        seen: set[tuple[str, ...]] = set()
        for group in synonyms:
            canonical = "_".join(words(group[0]))
            for variant in group:
                key = tuple(stem(w) for w in words(variant))
                if not key or key in seen:
                    continue
                seen.add(key)
                if len(key) == 1:
                    self.single.setdefault(key[0], canonical)
                else:
                    self.phrases[key[0]].append((key, canonical))
        for options in self.phrases.values():
            options.sort(key=lambda kc: len(kc[0]), reverse=True)
        self._cache: dict[str, tuple[str, str, bool]] = {}

    def _word(self, word: str) -> tuple[str, str, bool]:
        """(stem, search term or "", starts a synonym phrase) for one word; cached, as words
        repeat endlessly."""
        st = stem(word)
        if st in self.single:
            term = self.single[st]
        elif word in self.single:
            term = self.single[word]
        else:
            term = _plain_term(word)
        found = (st, term, st in self.phrases)
        if len(self._cache) < 200_000:
            self._cache[word] = found
        return found

    def terms(self, raw_words: list[str]) -> list[str]:
        """Search terms for a list of words: synonym phrases first (longest wins), then
        single words, stopwords dropped. This runs for every field at start-up, so each
        word costs one cached lookup unless it can start a phrase (measured: a plain loop
        beats list comprehensions with slicing here)."""
        cache, phrases = self._cache, self.phrases
        out: list[str] = []
        i, n = 0, len(raw_words)
        while i < n:
            st, term, starts = cache.get(raw_words[i]) or self._word(raw_words[i])
            if starts:
                following = stem(raw_words[i + 1]) if i + 1 < n else None
                for key, canonical in phrases[st]:
                    k = len(key)
                    if following == key[1] and i + k <= n and all(
                            stem(raw_words[i + j]) == key[j] for j in range(2, k)):
                        out.append(canonical)
                        i += k
                        break
                else:
                    starts = False
                if starts:
                    continue
            if term:
                out.append(term)
            i += 1
        return out

    def text_terms(self, text: str) -> list[str]:
        return self.terms(words(text))


def entry_fields(entry: Entry) -> list[tuple[str, str, int | None]]:
    """(field kind, text, statement index) for everything a member might echo."""
    out = [("title", entry.title, None)]
    out += [("keyword", k, None) for k in entry.keywords]
    if isinstance(entry, SurveyEntry):
        out.append(("section", f"{entry.section} {entry.priority}", None))
        out.append(("question", entry.question, None))
        for i, s in enumerate(entry.statements):
            out.append(("statement", s.text, i))
            out += [("commentary", c, i) for c in s.commentary]
        out += [("commentary", c, None) for c in entry.commentary]
        out += [("context", c, None) for c in entry.context]
    elif isinstance(entry, GlossaryEntry):
        out.append(("term", entry.term, None))
        out += [("alias", a, None) for a in entry.aliases]
        out += [("definition", d, None) for d in _merge_fragments(entry.definition)]
    else:
        out += [("definition", f, None) for f in _merge_fragments(entry.facts)]
    return out


def _merge_fragments(sentences: tuple[str, ...]) -> list[str]:
    """Index list fragments ("reporting;", "culture.") with the sentence they continue:
    alone, a two-word fragment would match any question that happens to use its words."""
    out: list[str] = []
    for s in sentences:
        if out and len(s.split()) < 5:
            out[-1] += " " + s
        else:
            out.append(s)
    return out


class Index:
    """The searchable form of a pack. Build once at start-up; `find_matches` per question.

    Terms are stored as small ints in arrays: a 10,000-entry pack must index in seconds
    and fit in a couple of hundred MB, which tuples of Python objects would not.
    """

    def __init__(self, pack: Pack, answer_threshold: float = 0.13,
                 suggestion_threshold: float = 0.05, max_suggestions: int = 3, meaning=None,
                 answer_chance: float = 0.0):
        self.pack = pack
        # The meaning signal (bot/meaning.py's Meaning, or None for words alone): anything
        # with `closest(question, k) -> ([cosine per entry], [the k closest entries])`.
        self.meaning = meaning
        self.entries = pack.entries
        self.answer_threshold = answer_threshold   # words alone (no meaning model)
        self.answer_chance = answer_chance         # with it: app.yaml's, or 0 for the fitted one (bot/blend.py)
        self.suggestion_threshold = suggestion_threshold
        self.max_suggestions = max_suggestions
        self.analyzer = Analyzer(pack.synonyms)
        self.term_ids: dict[str, int] = {}
        self.unit_terms: list[tuple[int, ...]] = []
        self.unit_weight = array("f")
        self.unit_statement = array("i")   # -1: the field is not a statement
        self.unit_is_name = bytearray()     # 1: a title, term or alias (what the entry is called)
        self.entry_units: list[range] = []
        # The words naming an entry's survey priority ("Impact", "Inspection practice"):
        # a question that names them ("the impact section") is looking in that part.
        self.entry_priority: list[frozenset[str]] = [
            frozenset(self.analyzer.text_terms(e.priority)) - {"priority", "1", "2", "3", "4"}
            if isinstance(e, SurveyEntry) else frozenset() for e in pack.entries]
        surface: set[str] = set()
        gc_was_on = gc.isenabled()
        gc.disable()  # ~1M small tuples: the cycle collector would rescan them again and again
        try:
            self.postings = self._index_entries(surface)
        finally:
            if gc_was_on:
                gc.enable()
        n = max(len(self.entries), 1)
        self.idf = array("f", [0.0] * len(self.term_ids))
        for t, (es, _) in self.postings.items():
            self.idf[t] = math.log(1 + n / len(es))
        self.max_idf = max(self.idf, default=1.0)
        self.unit_own = array("f", (sum(self.idf[t] for t in set(ids)) or 1.0 for ids in self.unit_terms))
        # off-topic phrases by their first term, so a question is checked in one pass
        self.offtopic: dict[str, list[tuple[str, ...]]] = defaultdict(list)
        for phrase in {tuple(self.analyzer.text_terms(p)) for p in pack.offtopic} - {()}:
            self.offtopic[phrase[0]].append(phrase)
        for phrase in pack.offtopic:
            surface.update(words(phrase))
        for group in pack.synonyms:
            for variant in group:
                surface.update(words(variant))
        self.vocabulary = sorted(w for w in surface if len(w) >= 4 and w.isalpha())
        self._known = frozenset(surface) | STOPWORDS
        self._correct = lru_cache(maxsize=4096)(self._correct_word)

    def _index_entries(self, surface: set[str]) -> dict[int, tuple[array, array]]:
        """Split every entry into fields, analyse them, and build the term postings:
        term id -> (entry indexes, best field weight of the term in that entry)."""
        term_ids, analyze = self.term_ids, self.analyzer.terms
        postings_e: dict[int, array] = {}
        postings_w: dict[int, array] = {}
        for e_idx, entry in enumerate(self.entries):
            best: dict[int, float] = {}
            first = len(self.unit_terms)
            for kind, text, st in entry_fields(entry):
                raw = words(text)
                surface.update(raw)
                ids = []
                for t in analyze(raw):
                    tid = term_ids.get(t)
                    if tid is None:
                        tid = term_ids[t] = len(term_ids)
                    ids.append(tid)
                if not ids:
                    continue
                weight = FIELD_WEIGHTS[kind]
                self.unit_terms.append(tuple(ids))
                self.unit_weight.append(weight)
                self.unit_statement.append(st if kind == "statement" and st is not None else -1)
                self.unit_is_name.append(kind in NAME_FIELDS)
                for t in ids:
                    if best.get(t, 0.0) < weight:
                        best[t] = weight
            self.entry_units.append(range(first, len(self.unit_terms)))
            for t, w in best.items():
                if t not in postings_e:
                    postings_e[t], postings_w[t] = array("i"), array("f")
                postings_e[t].append(e_idx)
                postings_w[t].append(w)
        return {t: (postings_e[t], postings_w[t]) for t in postings_e}

    @property
    def units(self) -> list[tuple[int, ...]]:
        return self.unit_terms

    def _correct_word(self, word: str) -> str:
        """Map a misspelt word to the pack's closest word ("safegaurding" -> "safeguarding")."""
        if word in self._known or len(word) < 5 or not word.isalpha():
            return word
        cutoff = 86 if len(word) < 8 else 82
        hit = process.extractOne(word, self.vocabulary, scorer=fuzz.ratio, score_cutoff=cutoff)
        return hit[0] if hit else word

    def query_terms(self, query: str) -> tuple[list[str], set[str]]:
        """Search terms for a question, and which of them are off-topic markers."""
        return self._analyse(read_words(query)[0])

    def _analyse(self, folded: list[str]) -> tuple[list[str], set[str]]:
        raw = [self._correct(w) for w in folded]
        terms = self.analyzer.terms(raw)
        if len(terms) > MAX_QUERY_WORDS:   # dense text: its first terms and its last, as read_words keeps words
            terms = terms[:MAX_QUERY_WORDS - TAIL_TERMS] + terms[-TAIL_TERMS:]
        off: set[str] = set()
        for i, term in enumerate(terms):
            for phrase in self.offtopic.get(term, ()):
                if tuple(terms[i:i + len(phrase)]) == phrase:
                    off.update(phrase)
        return terms, off

    def find_matches(self, query: str, limit: int = 3) -> SearchResult:
        """The entries that answer a question, best first, or a decline with its reason.
        Words and meaning are scored apart and weighed together in bot/blend.py."""
        folded, clipped = read_words(query)   # once: terms and phrasing cues both read it
        terms, off = self._analyse(folded)
        text = message_text(query, clipped=clipped)
        if self.meaning is not None:
            # a misspelling (`misspelt`) the words were corrected from is read corrected by the survey's
            # structure and by meaning too ("wat shud i put 4 the safegaurding qs" was declined: audit 33)
            fixed = {w: c for w in folded if (c := self._correct(w)) != w and misspelt(w, c, self.meaning.knows)}
            if fixed:
                folded = [fixed.get(w, w) for w in folded]
                text = re.sub(r"[A-Za-z]+", lambda m: fixed.get(m.group().lower(), m.group()), text)
        reading = None
        if self.meaning is not None and terms:
            reading = self.meaning.read(text, MEANING_CANDIDATES)
        target = find_target(folded, self.pack, text)
        nearest = set(reading.nearest) if reading is not None else set()
        lexical = self.lexical_scores(terms, off, folded, set(target.entries) | nearest) if terms else {}
        result = decide(self, query, folded, tuple(terms), off, lexical, reading, target, limit,
                        set(_kind_boost(folded)))
        return replace(result, clipped=True) if clipped else result

    def lexical_scores(self, terms: list[str], off: set[str], folded: list[str],
                       extra: set[int] = frozenset()) -> dict[int, Match]:
        """Each candidate entry's word score (0..1) and the statement the question names:
        the entries covering most of the question, plus `extra` (meaning's candidates)."""
        weight: dict[int, float] = {}   # known, on-topic terms by id
        total = 0.0
        for t in dict.fromkeys(terms):
            tid = self.term_ids.get(t)
            if t in off:
                total += OFFTOPIC_FACTOR * self.max_idf
            elif tid is None or tid not in self.postings:
                total += UNKNOWN_FACTOR * self.max_idf
            else:
                weight[tid] = self.idf[tid]
                total += weight[tid]
        # First pass: how much of the question each entry covers anywhere.
        cover: dict[int, float] = defaultdict(float)
        for tid, wt in weight.items():
            es, ws = self.postings[tid]
            for e_idx, w in zip(es, ws):
                cover[e_idx] += wt * w
        if not cover:
            return {}
        candidates = set(heapq.nlargest(CANDIDATES, cover, key=cover.__getitem__))
        candidates.update(e for e in extra if e in cover)
        # Second pass: the single best field of each candidate, so words that occur
        # together in one statement beat words scattered over a long entry, and words in
        # the question's order ("pause policy", "deep dive") beat the same words apart.
        ids = [self.term_ids.get(t) for t in terms]
        pairs = {(a, b): PHRASE_FACTOR * (weight[a] + weight[b]) / 2
                 for a, b in zip(ids, ids[1:]) if a in weight and b in weight and a != b}
        denominator = total + sum(pairs.values())
        boost = _kind_boost(folded)
        qkeys = weight.keys()
        qterms = set(terms)
        # A question about a topic the pack says it doesn't cover (pay, pensions, ...) is
        # answered only on overwhelming evidence: a wrong confident answer is the worst case.
        penalty = OFFTOPIC_PENALTY if off else 1.0
        scored: dict[int, Match] = {}
        said = names_a_statement(folded)
        # locals: this loop runs for every field of every candidate
        unit_terms, unit_weight, unit_own = self.unit_terms, self.unit_weight, self.unit_own
        unit_is_name, unit_statement = self.unit_is_name, self.unit_statement
        for e_idx in candidates:
            best_unit, stmt_scores, stmt_words, named = 0.0, {}, {}, False
            for u in self.entry_units[e_idx]:
                unit = unit_terms[u]
                common = qkeys & unit  # set intersection runs in C
                if not common:
                    continue
                hit = sum([weight[t] for t in common])
                if pairs and len(common) > 1:
                    hit_pairs = sum([pairs.get(p, 0.0) for p in set(zip(unit, unit[1:]))])
                else:
                    hit_pairs = 0.0
                own = unit_own[u]
                s = (unit_weight[u] * ((hit + hit_pairs) / denominator) ** QUERY_EXP
                     * (hit / own if hit < own else 1.0) ** FIELD_EXP)
                if s > best_unit:
                    best_unit = s
                if unit_is_name[u] and hit >= own - 1e-6:
                    named = True
                if unit_statement[u] >= 0:
                    stmt_scores[unit_statement[u]] = s
                    stmt_words[unit_statement[u]] = common
            entry = self.entries[e_idx]
            score = (COVER_MIX * cover[e_idx] / total + (1 - COVER_MIX) * best_unit) * boost.get(entry.kind, 1.0)
            if self.entry_priority[e_idx] and self.entry_priority[e_idx] <= qterms:
                score *= PRIORITY_BOOST
            if entry.kind != "glossary":
                score *= penalty
            elif not named:
                score *= penalty * UNNAMED_TERM  # a definition answers "what is X" only when X is asked
            # a glossary term the question names escapes the off-topic penalty:
            # "supply teacher here: what's a PRU?" still gets PRU
            # Scaled into 0..1 by the largest possible boost, so scores stay comparable.
            scored[e_idx] = Match(entry, min(score / MAX_BOOST, 1.0),
                                  _named_statement(stmt_scores, best_unit, stmt_words, weight, said))
        return scored


def _kind_boost(folded: list[str]) -> dict[str, float]:
    """Small nudges from how a question is phrased: "where do I put" wants a survey
    question, "what does X mean" a glossary term, "when"/"is it true" what happened."""
    text = " " + " ".join(folded) + " "
    return {kind: KIND_BOOST for kind, cues in KIND_CUES.items()
            if any(f" {cue} " in text for cue in cues)}


def _named_statement(stmt_scores: dict[int, float], best_unit: float, stmt_words: dict[int, set] | None = None,
                     weight: dict[int, float] | None = None, said: bool = False) -> int | None:
    """The statement a question names: the entry's best field, clearly ahead of the rest; and
    then, among statements near it, the one alone holding the question's words that tell them
    apart ("Ofsted holds special schools to account ..." is statement 4, not the shorter "Ofsted
    holds mainstream schools to account ..." that shares every other word of it). Words that tell
    near statements apart only correct a statement named, never name one: alone they are weak
    evidence ("a process to get through" named "... Ofsted's inspection process ...").
    `said`: the question says it names a statement ("the half a day notice statement"), so a
    statement clearly ahead of the others names it though a keyword holds its words better."""
    if not stmt_scores:
        return None
    top = sorted(stmt_scores.items(), key=lambda kv: kv[1], reverse=True)
    if (top[0][1] < 0.6 * best_unit and not said) or (len(top) > 1 and top[0][1] < 1.15 * top[1][1]):
        return None
    if stmt_words and weight:
        near = [i for i, s in top if s >= NEAR_STATEMENT * top[0][1]]
        shared = set.intersection(*(set(stmt_words[i]) for i in near))
        telling = {i: sum(weight[t] for t in stmt_words[i] if t not in shared) for i in near}
        winner = max(telling, key=telling.get)
        if telling[winner] > 0 and all(v < telling[winner] / 2 for i, v in telling.items() if i != winner):
            return winner
    return top[0][0]


def read_part(query: str) -> str:
    """The part of a message search reads at all: all of it, or a huge paste's two ends, with
    no address in it (normalise.without_addresses)."""
    if len(query) > MAX_QUERY_CHARS:
        half = MAX_QUERY_CHARS // 2
        query = f"{query[:half]}\n…\n{query[-half:]}"
    return without_addresses(query)


def read_words(query: str) -> tuple[list[str], bool]:
    """The message's words as search reads them, and whether it was long enough to be read at
    its start and its end only (more than LONG_MESSAGE_WORDS words, or a huge paste)."""
    folded = words(read_part(query))
    if len(folded) > LONG_MESSAGE_WORDS:
        return folded[:HEAD_WORDS] + folded[-TAIL_WORDS:], True
    return folded, len(query) > MAX_QUERY_CHARS


MISSPELT_LENGTH = 7   # the shortest misspelling meaning reads corrected (bot.search.Index.find_matches)
# British spellings the model's (American) vocabulary lacks: "prioritise" is "prioritize", not "priorities"
BRITISH = (("ise", "ize"), ("ised", "ized"), ("ising", "izing"), ("isation", "ization"), ("our", "or"),
           ("yse", "yze"), ("tre", "ter"), ("ogue", "og"))
BRITISH_ISE = ("ise", "ised", "ises", "ising", "isation", "isations")   # the model may lack "-ize" too
PREFIXES = ("re", "un", "de", "dis", "mis", "pre", "over", "under")   # "regrading" is "re" + "grading"


def misspelt(word: str, correction: str, knows) -> bool:
    """Whether `word` is a misspelling of the pack's `correction` ("safegaurding": "safeguarding"), to
    be read corrected by meaning too: not a word the model knows (`knows`; "launch" is no "lunch"),
    nor its British spelling ("prioritise"), nor another form of the word ("inconsistency",
    "regrading"), nor a short one ("maths" is no "mats"), nor more than two letters' edit away
    ("standardised" is no "standards"). The review of round 33 found each of these read wrongly."""
    if len(word) < MISSPELT_LENGTH or correction in word or word in correction or knows(word):
        return False
    if word.endswith(BRITISH_ISE) or any(word.endswith(uk) and knows(word[:-len(uk)] + us) for uk, us in BRITISH):
        return False
    if any(word.startswith(p) and knows(word[len(p):]) for p in PREFIXES):
        return False
    return Levenshtein.distance(word, correction) <= 2


def message_text(query: str, *, clipped: bool = False) -> str:
    """What the member wrote, without Slack's markup, as the meaning signal, the classifiers and
    quotations read it ("<@U0BOT> should ofsted inspect MATs" read with the mention was declined);
    of a long message (`clipped`), its start and its end."""
    text = clean_slack_text(read_part(query)).strip()
    if clipped and len(text) > HEAD_CHARS + TAIL_CHARS:
        return f"{text[:HEAD_CHARS]} … {text[-TAIL_CHARS:]}"
    return text


def load_index(config, meaning: bool = True) -> Index:
    """Load the configured pack and index it (the one start-up cost): its words, and its
    meaning vectors (read back from var/cache when the pack hasn't changed)."""
    from bot.knowledge import load_pack

    return index_pack(load_pack(config.resolve(config.knowledge_path)), config, meaning)


def index_pack(pack: Pack, config, meaning: bool = True) -> Index:
    """A loaded pack indexed with app.yaml's search settings."""
    s = config.search
    return Index(pack, s.answer_threshold, s.suggestion_threshold, s.max_suggestions,
                 meaning=load_meaning(pack, config) if meaning else None, answer_chance=s.answer_chance)


def load_meaning(pack: Pack, config: Config):
    """The pack's meaning vectors, or None when the model isn't installed. `config`: bot.config's
    Config (its model and cache folders)."""
    from bot.cache import cache_dir
    from bot.meaning import Meaning, load_encoder

    encoder = load_encoder(config.model_folder())
    return Meaning(encoder, pack.entries, cache_dir(config), pack.asks, context=consultation_name(pack)) \
        if encoder is not None else None


def consultation_name(pack: Pack) -> tuple[tuple[str, ...], ...]:
    """The consultation's own name, less who runs it and stopwords ("big listen"), as the
    phrase the classifier over words leaves out: members name the survey in every kind of
    question, so "does the big listen cover X" is about X. A phrase, not its words: another
    pack's "Workload Consultation" keeps "workload" wherever it stands alone."""
    c = pack.consultation
    if c is None:
        return ()
    by = set(words(c.run_by))
    phrase = tuple(w for w in words(c.title) if w not in by and w not in STOPWORDS)
    return (phrase,) if phrase else ()
