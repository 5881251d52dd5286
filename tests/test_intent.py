"""bot/intent.py's classifier over words: its sparse training is the dense classifier's, words
no text uses count against it, and the consultation's own name is left out."""
from __future__ import annotations

import numpy as np

from bot import intent
from bot.intent import Vocabulary, WordIntent, _fit

TEXTS = [
    "deep dives into the history curriculum", "the inspector did a deep dive in maths",
    "off-rolling pupils before exams", "schools telling parents to home educate difficult pupils",
    "the the and of",   # stopwords alone: no terms, not taught
    "teachers pay award this year", "pension scheme contributions",
]
LABELS = [0, 0, 1, 1, 1, 2, 2]


def test_sparse_training_gives_the_dense_classifiers_weights():
    vocabulary = Vocabulary(np, TEXTS)
    dense = np.zeros((len(TEXTS), len(vocabulary)), dtype=np.float32)
    for i, text in enumerate(TEXTS):
        cols, vals = vocabulary.vector(text)
        dense[i, cols] = vals
    taught = dense.any(1)
    assert taught.tolist() == [True, True, True, True, False, True, True]
    x, y = dense[taught], np.asarray(LABELS)[taught]
    w, b = _fit(np, lambda w: x @ w, lambda g: x.T @ g, x.shape[1], y, 3, intent.WORD_STEPS)
    trained = WordIntent.train(vocabulary, TEXTS, LABELS, 3)
    assert np.allclose(trained.w, w, atol=1e-5) and np.allclose(trained.b, b, atol=1e-5)
    assert np.abs(w).max() > 0.1   # it learnt something: the comparison isn't of two zero matrices


def test_words_no_text_uses_lower_the_chance():
    classifier = WordIntent.train(Vocabulary(np, TEXTS), TEXTS, LABELS, 3)
    alone = classifier.probabilities("deep dive")
    padded = classifier.probabilities("deep dive car parking minibus rota photocopier")
    assert alone.argmax() == padded.argmax() == 0
    # the same known terms, at a shorter length: the lead over the next entry (in logits) shrinks
    lead = [float(np.log(p[0] / np.sort(p)[-2])) for p in (alone, padded)]
    assert lead[1] < 0.5 * lead[0]
    assert abs(padded.sum() - 1) < 1e-5


def test_context_words_are_left_out():
    texts = ["what is the big listen", "big listen deep dive questions", "big listen off-rolling question"]
    vocabulary = Vocabulary(np, texts, frozenset({"big", "listen"}))
    assert not any("big" in t or "listen" in t for t in vocabulary.columns)
    assert len(vocabulary.vector("the big listen")[0]) == 0
    assert "big listen" in Vocabulary(np, texts).columns
