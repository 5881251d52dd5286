"""Search quality can't silently regress: the issue's targets on the dev set, and floors on
two question sets written by others without seeing the knowledge pack (tests/data/)."""
from __future__ import annotations

import pytest

from bot.evaluate import evaluate, load_questions
from conftest import ROOT, SHARED


# Floors a little below the figures measured after issue 7's round 11 (HISTORY.md);
# dev v2's are the issue's targets where met: top-1, top-3, off-topic and wrong answers (5 of
# 150). Its false declines (14 of 120) are still over the target's 0.06.
# The ranking and answer/decline models are fitted on the first four sets (scripts/fit_blend.py),
# so their floors are in-sample. blind2-4 (held-out 1-3 until round 9, fitted on in rounds 9-10)
# are the pack's asks since round 11 (scripts/asks_from_sets.py): they measure nothing now.
@pytest.mark.parametrize("path, top1, top3, offtopic, false_decline, wrong", [
    (SHARED / "eval" / "dev_questions.yaml", 0.95, 0.96, 0.95, 0.05, 0.03),
    (SHARED / "eval" / "dev_questions_v2.yaml", 0.87, 0.95, 0.95, 0.15, 0.04),
    (ROOT / "tests" / "data" / "proxy_questions.yaml", 0.94, 0.94, 0.95, 0.05, 0.05),
    (ROOT / "tests" / "data" / "blind_questions.yaml", 0.94, 0.96, 0.85, 0.05, 0.05),
    # Written from the sources alone by blind writers who saw neither the pack nor the other sets,
    # and never tuned on: only measured, so these are gates against regressions, not targets.
    # Held-out 4, by a sixth blind writer at round 8 (100 messages), committed before its first
    # measurement: round 7's code 0.939 / 0.988 / 0.889 / 0.000 / 0.070, round 8's 0.927 / 0.988 /
    # 0.889 / 0.000 / 0.080, round 9's 0.951 / 0.976 / 0.889 / 0.012 / 0.060 (one of its misses,
    # read in round 8, led to round 9's twin rule), round 11's 0.976 / 0.988 / 0.889 / 0.012 / 0.040.
    (ROOT / "tests" / "data" / "heldout4_questions.yaml", 0.93, 0.96, 0.83, 0.03, 0.06),
    # Held-out 5, by a seventh at round 9 (100 messages), committed before its first measurement:
    # round 8's weights 0.939 / 0.976 / 0.889 / 0.049 / 0.060; round 9's 0.939 / 0.988 / 0.889 / 0.061 /
    # 0.050; round 11's 0.927 / 0.976 / 0.944 / 0.037 / 0.050.
    (ROOT / "tests" / "data" / "heldout5_questions.yaml", 0.90, 0.95, 0.88, 0.06, 0.07),
    # Held-out 6, by an eighth at round 10 (100 messages), committed before its first measurement:
    # 0.917 / 0.988 / 1.000 / 0.071 / 0.050 on round 9's models; round 11's 0.940 / 0.988 / 1.000 /
    # 0.036 / 0.030.
    (ROOT / "tests" / "data" / "heldout6_questions.yaml", 0.90, 0.96, 0.93, 0.06, 0.05),
    # Held-out 7, by a ninth at round 11 (150 messages), written to become asks and kept as a
    # held-out set when it didn't help as asks; committed before its first measurement: 0.887 /
    # 0.965 / 1.000 / 0.070 / 0.040 on round 11's models.
    (ROOT / "tests" / "data" / "heldout7_questions.yaml", 0.86, 0.94, 0.95, 0.09, 0.06),
    # Held-out 8, by a tenth at round 14 (150 messages), committed before its first measurement:
    # 0.887 / 0.974 / 1.000 / 0.017 / 0.073 on round 13's models. Its misses were then read (three
    # fixes in round 14), so it is a fitting set now: 0.904 / 0.983 / 1.000 / 0.017 / 0.060.
    (ROOT / "tests" / "data" / "heldout8_questions.yaml", 0.86, 0.95, 0.95, 0.04, 0.09),
    # Held-out 9, by an eleventh at round 14 (150 messages), committed before its first measurement
    # and measured after most of the round's changes and again at its end: 0.913 / 0.957 / 0.971 / 0.043 / 0.053.
    (ROOT / "tests" / "data" / "heldout9_questions.yaml", 0.89, 0.94, 0.95, 0.06, 0.07),
    # Held-out 10, by a twelfth at round 15 (150 messages), committed before its first measurement
    # (round 15's models, unchanged from round 14's): 0.930 / 0.965 / 1.000 / 0.070 / 0.033; round 17,
    # one of its messages found word for word among the pack's asks and taken out of them: 0.922 /
    # 0.965 / 1.000 / 0.061 / 0.040.
    (ROOT / "tests" / "data" / "heldout10_questions.yaml", 0.91, 0.94, 0.97, 0.09, 0.05),
    # Held-out 11 and 12, by a thirteenth and a fourteenth at round 17 (150 messages each),
    # committed before their first measurement (round 16's models): 0.887 / 0.957 / 0.914 / 0.096 /
    # 0.073 and 0.887 / 0.939 / 0.943 / 0.096 / 0.047; after the asks fix above, 0.887 / 0.948 /
    # 0.914 / 0.096 / 0.073 and unchanged.
    (ROOT / "tests" / "data" / "heldout11_questions.yaml", 0.86, 0.93, 0.88, 0.12, 0.09),
    (ROOT / "tests" / "data" / "heldout12_questions.yaml", 0.86, 0.92, 0.91, 0.12, 0.07),
    # Held-out 13, by a fifteenth at round 19 (150 messages), committed before its first measurement
    # (round 17's models, one chit-chat ask it held word for word taken out): 0.917 / 0.992 / 0.900 /
    # 0.058 / 0.060.
    (ROOT / "tests" / "data" / "heldout13_questions.yaml", 0.89, 0.97, 0.86, 0.08, 0.08),
    # Held-out 14, by a sixteenth at round 20 (150 messages), committed before its first measurement
    # (round 19's code): 0.917 / 0.958 / 1.000 / 0.025 / 0.067.
    (ROOT / "tests" / "data" / "heldout14_questions.yaml", 0.89, 0.93, 0.95, 0.05, 0.09),
    # Held-out 15, by a seventeenth at round 21 (150 messages), committed before its first measurement
    # (round 21's code, search unchanged since round 19): 0.867 / 0.958 / 1.000 / 0.050 / 0.080.
    (ROOT / "tests" / "data" / "heldout15_questions.yaml", 0.84, 0.93, 0.95, 0.07, 0.10),
    # Held-out 16, by an eighteenth at round 26 (150 messages: 110 on-topic, 40 off-topic), committed
    # before its first measurement (round 26's code): 0.945 / 0.973 / 0.925 / 0.036 / 0.047.
    (ROOT / "tests" / "data" / "heldout16_questions.yaml", 0.92, 0.95, 0.90, 0.06, 0.07),
    # Held-out 17, by a nineteenth at round 27 (150 messages: 110 on-topic, 40 off-topic, a third of
    # those close to the sources' topics), committed before its first measurement: 0.900 / 0.945 /
    # 0.800 / 0.027 / 0.113. The floors hold today's figures, not the targets.
    # Round 28: its misses were read, so it is a fitting set now: three figure questions it answered
    # are declined (bot/figures.py), 0.900 / 0.945 / 0.900 / 0.027 / 0.087.
    (ROOT / "tests" / "data" / "heldout17_questions.yaml", 0.87, 0.92, 0.77, 0.05, 0.14),
    # Held-out 18, by a twentieth at round 28 (150 messages: 110 on-topic, 40 off-topic, 17 of those
    # close to the sources' topics), committed before its first measurement: 0.918 / 1.000 / 0.675 /
    # 0.018 / 0.133; again at the round's end, misses never read: 0.918 / 1.000 / 0.725 / 0.018 / 0.120.
    (ROOT / "tests" / "data" / "heldout18_questions.yaml", 0.89, 0.97, 0.70, 0.04, 0.14),
    # Held-out 19, by a twenty-first at round 29 (150 messages: 110 on-topic, 40 off-topic, 26 of
    # those close to the sources' topics), committed before its first measurement: 0.936 / 0.982 /
    # 1.000 / 0.055 / 0.033, issue 7's five targets all met (held-out 18's off-topic 0.725 is not).
    (ROOT / "tests" / "data" / "heldout19_questions.yaml", 0.91, 0.95, 0.97, 0.08, 0.06),
])
def test_search_meets_targets(searcher, path, top1, top3, offtopic, false_decline, wrong):
    if not path.exists():
        pytest.skip(f"{path} is not here (the shared folder sits beside the repository)")
    report = evaluate(searcher, load_questions(str(path)))
    s = report.summary()
    assert s["top1"] >= top1, report.misses
    assert s["top3"] >= top3, report.misses
    assert s["offtopic_abstention"] >= offtopic, report.misses
    assert s["false_abstention"] <= false_decline, report.misses
    assert s["wrong_answer"] <= wrong, report.misses   # confident wrong answers are the worst outcome


def test_words_alone_still_meet_the_old_floors(index):
    """Without the model (not installed), the search falls back to words and its old threshold."""
    report = evaluate(index, load_questions(str(ROOT / "tests" / "data" / "proxy_questions.yaml")))
    s = report.summary()
    assert s["top1"] >= 0.85 and s["false_abstention"] <= 0.05 and s["wrong_answer"] <= 0.12, report.misses


@pytest.fixture(scope="module")
def without_classifiers(config):
    """The search as it runs a pack with no asks: meaning and late interaction, no classifier."""
    from bot.search import load_index

    index = load_index(config)
    index.meaning.intent = index.meaning.word_intent = None
    return index


@pytest.mark.parametrize("path, top1, wrong", [
    # round 8 0.842 / 0.040 (6: 0.783 / 0.060); round 11 0.875 / 0.033 (the pack's vectors hold more asks)
    (SHARED / "eval" / "dev_questions_v2.yaml", 0.80, 0.05),
    # blind3 until round 11, when its messages became asks; blind at round 11: 0.960 / 0.067
    (ROOT / "tests" / "data" / "blind_questions.yaml", 0.90, 0.09),
])
def test_a_pack_without_classifiers_ranks_and_decides_with_its_own_weights(without_classifiers, path, top1, wrong):
    """bot/blend.py's weights fitted with the classifiers lean on their chances; a pack without
    asks reads with the _PLAIN weights, fitted without them (on the classifiers' weights it
    answered dev v2 0.742 top-1 with 0.080 wrong)."""
    from bot import blend

    assert blend.weights(without_classifiers.meaning.read("off-rolling", 3))[:2] == (
        blend.RANK_WEIGHTS_PLAIN, blend.CONFIDENCE_WEIGHTS_PLAIN)
    s = evaluate(without_classifiers, load_questions(str(path))).summary()
    assert s["top1"] >= top1 and s["wrong_answer"] <= wrong, s


@pytest.fixture(scope="module")
def bare(config):
    """The search as it runs a pack over 2,000 entries: meaning, but no classifier and no late
    interaction (bot/meaning.py's LARGEST)."""
    from bot.search import load_index

    index = load_index(config)
    index.meaning.intent = index.meaning.word_intent = index.meaning.tokens = None
    return index


@pytest.mark.parametrize("path, top1, wrong, false_decline", [
    # round 6's plain weights and threshold, as measured then (0.783 / 0.060 / 0.242): the weights
    # fitted with late interaction on read its absence as no evidence, and declined 0.408
    (SHARED / "eval" / "dev_questions_v2.yaml", 0.76, 0.07, 0.27),
])
def test_a_pack_without_late_interaction_keeps_the_weights_fitted_without_it(bare, path, top1, wrong, false_decline):
    from bot import blend

    assert blend.weights(bare.meaning.read("off-rolling", 3)) == (
        blend.RANK_WEIGHTS_BARE, blend.CONFIDENCE_WEIGHTS_BARE, blend.ANSWER_CHANCE_BARE)
    s = evaluate(bare, load_questions(str(path))).summary()
    assert s["top1"] >= top1 and s["wrong_answer"] <= wrong and s["false_abstention"] <= false_decline, s


def _script(name: str):
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    return script


def test_the_asks_from_retired_sets_are_what_their_script_writes():
    """knowledge/big-listen/asks-sets.yaml is written by scripts/asks_from_sets.py from
    tests/data/blind2-4: an edit to either shows here until the script is run again."""
    script = _script("asks_from_sets")
    text, _ = script.build()
    assert script.OUT.read_text(encoding="utf-8") == text, "run scripts/asks_from_sets.py"
    # and no message a set still measures with is among them
    import yaml

    asks = {t for texts in yaml.safe_load(text).values() for t in texts}
    measuring = {" ".join(str(item["q"]).split()) for path in script.MEASURING for item in load_questions(str(path))}
    assert "hiya 👋" in measuring and not asks & measuring


def test_the_fitting_refuses_a_set_whose_messages_are_the_packs_asks(searcher):
    """Fitted on, such a set's rows would read classifiers that were trained on its messages."""
    fit = _script("fit_blend")
    with pytest.raises(SystemExit, match="most of its messages are the pack's asks"):
        list(fit.questions(searcher, [ROOT / "tests" / "data" / "blind3_questions.yaml"]))
    with pytest.raises(SystemExit, match="never fitted on"):
        list(fit.questions(searcher, [ROOT / "tests" / "data" / "heldout7_questions.yaml"]))
    assert len(list(fit.questions(searcher, [ROOT / "tests" / "data" / "blind_questions.yaml"]))) > 40
