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


def test_the_consultations_name_is_left_out_as_a_phrase():
    texts = ["what is the big listen", "big listen deep dive questions", "a big deal for off-rolling"]
    vocabulary = Vocabulary(np, texts, (("big", "listen"),))
    assert not any("listen" in t for t in vocabulary.columns)
    assert "big" in vocabulary.columns and "big deal" in vocabulary.columns   # the phrase, not its words
    assert len(vocabulary.vector("the big listen")[0]) == 0
    assert "big listen" in Vocabulary(np, texts).columns
    assert Vocabulary(np, texts).fingerprint != vocabulary.fingerprint   # cached weights are told apart


def test_the_phrase_is_the_consultations_title_less_who_runs_it(config):
    from bot.knowledge import load_pack
    from bot.search import consultation_name

    assert consultation_name(load_pack(config.resolve(config.knowledge_path))) == (("big", "listen"),)
    workload = consultation_name(load_pack(config.resolve("knowledge/workload-example")))
    assert workload == (("fictional", "workload", "consultation"),)
    # a pack's own topic word stays a term wherever the whole name isn't there
    assert "workload" in Vocabulary(np, ["workload and wellbeing"], workload).columns


def test_a_pack_without_words_to_learn_gets_no_classifier_over_words():
    assert len(Vocabulary(np, ["the and of", "", "big listen"], (("big", "listen"),))) == 0


def test_a_reading_without_either_classifier_is_weighed_by_the_plain_weights():
    from bot import blend
    from bot.late import Tokens
    from bot.meaning import Reading

    late = Tokens.build(np, [(np.array([1]), np.ones((1, 2), dtype=np.float32))], [0], 1, 2, 5).scores(
        np.array([1]), np.ones((1, 2), dtype=np.float32))
    both = Reading([0.5], [0.5], [0.5], [0], 0.5, intent=[0.9], intent_none=0.1, word_intent=[0.8], late=late)
    assert blend.weights(both) == (blend.RANK_WEIGHTS, blend.CONFIDENCE_WEIGHTS, blend.ANSWER_CHANCE)
    plain = (blend.RANK_WEIGHTS_PLAIN, blend.CONFIDENCE_WEIGHTS_PLAIN, blend.ANSWER_CHANCE)
    assert blend.weights(Reading([0.5], [0.5], [0.5], [0], 0.5, intent=[0.9], intent_none=0.1, late=late)) == plain
    assert blend.weights(Reading([0.5], [0.5], [0.5], [0], 0.5, late=late)) == plain
    # no late interaction either (a pack over 2,000 entries): the weights fitted without all three
    bare = (blend.RANK_WEIGHTS_BARE, blend.CONFIDENCE_WEIGHTS_BARE, blend.ANSWER_CHANCE_BARE)
    assert blend.weights(Reading([0.5], [0.5], [0.5], [0], 0.5)) == bare
    assert blend.RANK_WEIGHTS_BARE[blend.RANK_FEATURES.index("late")] == 0.0
    assert blend.CONFIDENCE_WEIGHTS_BARE[-1] == 0.0
    assert blend.RANK_WEIGHTS != blend.RANK_WEIGHTS_PLAIN
