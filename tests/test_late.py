"""Late interaction (bot/late.py): each of a question's content tokens finds its closest token
in an entry's texts, rare tokens counting more; built in the pack's one forward pass and
cached beside its vectors."""
from __future__ import annotations

import numpy as np
import pytest

from bot import blend
from bot.knowledge import load_pack
from bot.late import Tokens
from bot.meaning import Meaning, load_encoder
from conftest import PACK_DIR


@pytest.fixture(scope="module")
def encoder():
    enc = load_encoder()
    assert enc is not None, "the meaning model isn't installed: run `make test` to set up .venv"
    return enc


def unit(*rows):
    v = np.asarray(rows, dtype=np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_an_entry_scores_its_closest_token_for_each_question_token():
    empty = (np.array([], dtype=np.int64), np.zeros((0, 3), dtype=np.float32))
    content = [(np.array([1, 2]), unit([1, 0, 0], [0, 1, 0])),   # entry 0
               empty,                                            # entry 1: no content token
               (np.array([3]), unit([0, 0, 1]))]                 # entry 2
    pool = Tokens.build(np, content, [0, 1, 2], 3, dim=3, vocab=10)
    assert pool.starts.tolist() == [0, 2, 3] and pool.matrix.shape == (4, 3)
    s = pool.scores(np.array([1]), unit([1, 0, 0]))
    assert len(s) == 3 and s[0] == pytest.approx(1.0, abs=1e-3) and s[2] == pytest.approx(0.0, abs=1e-3)
    assert s[1] == 0.0   # an entry without tokens scores nothing, not its neighbour's best
    assert pool.scores(np.array([], dtype=np.int64), np.zeros((0, 3))).all() == [0.0, 0.0, 0.0]
    # no entry with a content token at all ("2024", "the 3 of them"): every score 0, no error
    none = Tokens.build(np, [empty, empty], [0, 1], 2, dim=3, vocab=10)
    assert none.matrix.shape == (2, 3) and none.scores(np.array([1]), unit([1, 0, 0])).all() == [0.0, 0.0]


def test_a_rare_token_counts_more_than_a_common_one():
    # token 1 is in every text, token 2 in one: a question holding both leans to token 2's entry
    content = [(np.array([1, 2]), unit([1, 0, 0], [0, 1, 0])),
               (np.array([1]), unit([1, 0, 0])),
               (np.array([1, 3]), unit([1, 0, 0], [0, 0, 1]))]
    pool = Tokens.build(np, content, [0, 1, 1], 2, dim=3, vocab=10)
    s = pool.scores(np.array([1, 2]), unit([1, 0, 0], [0, 1, 0]))
    assert s[0] == pytest.approx(1.0, abs=1e-3)
    assert s[1] < 0.5 * s[0]   # an unweighted mean would give it 0.5


def test_a_telling_word_in_context_points_at_its_entry(encoder):
    entries = load_pack(PACK_DIR).entries
    ids = [e.id for e in entries]
    meaning = Meaning(encoder, entries)   # no cache folder: built here
    assert meaning.tokens is not None and meaning.tokens.starts.shape == (len(entries),)
    reading = meaning.read("what counts as off-rolling? a lad was pushed off the roll before his GCSEs", 3)
    assert ids[int(np.argmax(reading.late.all()))] == "off-rolling"
    assert reading.late[ids.index("off-rolling")] > reading.late[ids.index("safeguarding-frequency")]


def test_tokens_are_cached_with_the_vectors_and_read_back_the_same(encoder, tmp_path):
    entries = load_pack(PACK_DIR).entries[:5]
    first = Meaning(encoder, entries, tmp_path)
    (path,) = tmp_path.glob("tokens-*.npz")
    (vectors,) = tmp_path.glob("meaning-*.npy")
    again = Meaning(encoder, entries, tmp_path)
    assert again.cached and np.array_equal(first.tokens.matrix, again.tokens.matrix)
    assert first.tokens.arrays()["matrix"].dtype == np.float16   # cached at half precision
    q = "the head ran mocks all term before the visit"
    assert first.read(q, 3).late.all() == again.read(q, 3).late.all()   # cold and cached agree
    written = vectors.stat().st_ino   # a rewrite renames a new file over it (reading only marks it in use)
    path.write_bytes(path.read_bytes()[:200])   # torn: the tokens are built again, the vectors kept
    rebuilt = Meaning(encoder, entries, tmp_path)
    assert not rebuilt.cached and vectors.stat().st_ino == written
    assert np.array_equal(rebuilt.vectors, first.vectors)
    # in the same pass as the vectors, as in a cold build: equal to the bit, so a pack's answers
    # don't depend on what its cache held (encoded apart, a few differed in the last bit)
    assert np.array_equal(rebuilt.tokens.matrix, first.tokens.matrix)
    assert Meaning(encoder, entries, tmp_path).cached


def test_tokens_built_again_are_the_cold_builds_to_the_bit(encoder, tmp_path):
    """With messages the pack doesn't cover after the entries' texts, a pass over the entries'
    texts alone batches them differently: round 7 built the tokens so when only the vectors were
    cached, and a few differed in the last bit (a pack's answers would depend on what its cache
    held)."""
    from bot.asks import Asks

    entries = load_pack(PACK_DIR).entries[:5]
    asks = Asks({}, tuple(f"{q} ({n})" for n in range(3) for q in (
        "what's the pay award", "pension question", "strike ballot dates?",
        "can I get PPA time back if I cover a lesson on a wet break duty day",
        "how many observations a year can SLT do to me under the appraisal policy",
        "is there a union social this term")))
    cold = Meaning(encoder, entries, tmp_path, asks=asks)
    (path,) = tmp_path.glob("tokens-*.npz")
    path.unlink()
    warm = Meaning(encoder, entries, tmp_path, asks=asks)
    assert not warm.cached and np.array_equal(warm.tokens.matrix, cold.tokens.matrix)


def test_a_tokens_file_that_does_not_fit_the_pack_is_built_again(encoder, tmp_path):
    entries = load_pack(PACK_DIR).entries[:3]
    first = Meaning(encoder, entries, tmp_path)
    (path,) = tmp_path.glob("tokens-*.npz")
    arrays = first.tokens.arrays()
    np.savez(path, **{**arrays, "matrix": arrays["matrix"][:, :10]})   # another model's width
    assert not Meaning(encoder, entries, tmp_path).cached
    np.savez(path, **{**arrays, "starts": arrays["starts"][::-1].copy()})   # not increasing
    assert not Meaning(encoder, entries, tmp_path).cached
    assert Meaning(encoder, entries, tmp_path).cached


def test_the_tokens_file_is_named_by_the_entries_bounds_and_the_content_rule(encoder, tmp_path, monkeypatch):
    import bot.meaning

    entries = load_pack(PACK_DIR).entries[:2]
    texts = {"a": ["off-rolling pushes a pupil off the roll", "mocks all term"], "b": ["deep dives in history"]}
    moved = {"a": ["off-rolling pushes a pupil off the roll"], "b": ["mocks all term", "deep dives in history"]}
    first = entries[0].id

    def build(split):
        monkeypatch.setattr(bot.meaning, "entry_texts", lambda e, brief=False: split["a" if e.id == first else "b"])
        return Meaning(encoder, entries, tmp_path)

    one = build(texts)
    assert build(texts).cached
    # the same texts in the same order, "mocks all term" now the second entry's: the vectors are
    # read back, the tokens (whose owner changed) built again under their own name
    other = build(moved)
    assert not other.cached and len(list(tmp_path.glob("meaning-*.npy"))) == 1
    assert len(list(tmp_path.glob("tokens-*.npz"))) == 2
    q = "mocks all term"
    assert np.argmax(one.read(q, 2).late.all()) == 0 and np.argmax(other.read(q, 2).late.all()) == 1
    # what counts as a content token changed: its tokens aren't the cached ones either
    monkeypatch.setattr(bot.meaning, "CONTENT_RULES", bot.meaning.CONTENT_RULES + " (changed)")
    assert not build(texts).cached and len(list(tmp_path.glob("tokens-*.npz"))) == 3


def test_a_pack_too_large_for_the_classifiers_has_no_tokens(encoder, monkeypatch):
    import bot.meaning

    monkeypatch.setattr(bot.meaning, "LARGEST", 2)
    meaning = Meaning(encoder, load_pack(PACK_DIR).entries[:3])
    assert meaning.tokens is None and meaning.read("off-rolling", 2).late is None
    # ... and is weighed by the weights fitted without it
    assert blend.weights(meaning.read("off-rolling", 2))[0] is blend.RANK_WEIGHTS_BARE


def test_the_search_ranks_by_late_interaction_and_decides_by_its_lead(searcher):
    """A ranking feature (above LATE_ZERO) and the last answer/decline feature (the first
    result's late score over the runner-up's, the other section's twin skipped)."""
    from bot.late import LATE_ZERO
    from bot.normalise import words
    from bot.search import MEANING_CANDIDATES
    from bot.structure import find_target

    q = "a lad was pushed off the roll before his GCSEs, is that off-rolling?"
    folded = words(q)
    terms, off = searcher._analyse(folded)
    reading = searcher.meaning.read(q, MEANING_CANDIDATES)
    target = find_target(folded, searcher.pack, q)
    lexical = searcher.lexical_scores(terms, off, folded, set(target.entries) | set(reading.nearest))
    ranked = blend.blend_scores(lexical, reading, target, searcher.entries)
    first, second = ranked[0][0], ranked[1][0]
    feats = blend.rank_features(first, searcher.entries[first], 0.0, reading, target, set(), 0.0, 0.0)
    assert feats[blend.RANK_FEATURES.index("late")] == pytest.approx(max(0.0, reading.late[first] - LATE_ZERO))
    assert feats[-1] > 0.0
    lead = blend.features(ranked, lexical, reading, off, searcher.entries)[-1]
    assert lead == pytest.approx(reading.late[first] - reading.late[second]) and lead != 0


def test_an_entrys_score_is_the_plain_products_to_the_bit(encoder, searcher):
    """`Scores` multiplies an entry's tokens by the question's the other way round (faster):
    the same bits as the question's tokens times the entry's, for 1 to 9 question tokens."""
    t = searcher.meaning.tokens   # the bundled pack's, as the bot runs it (built once per test run)
    rng = np.random.default_rng(6)
    for n in range(1, 10):
        v = rng.standard_normal((n, encoder.dim)).astype(np.float32)
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        s = t.scores(rng.integers(0, encoder.vocab, n), v)
        plain = [float(s.weight @ (v @ t.matrix[t.starts[e]:t.ends[e]].T).max(1)) for e in range(len(s))]
        assert s.all() == plain
    # and entries of 1 to 5 tokens (the bundled pack's have 10 or more; the review of round 34)
    content = [(np.arange(k), rng.standard_normal((k, encoder.dim)).astype(np.float32)) for k in range(1, 6)]
    small = Tokens.build(np, content, list(range(5)), 5, dim=encoder.dim, vocab=10)
    for n in range(1, 10):
        v = rng.standard_normal((n, encoder.dim)).astype(np.float32)
        s = small.scores(rng.integers(0, 10, n), v)
        assert s.all() == [float(s.weight @ (v @ small.matrix[small.starts[e]:small.ends[e]].T).max(1))
                           for e in range(5)]

