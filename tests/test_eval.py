"""Search quality can't silently regress: the issue's targets on the dev set, and floors on
two question sets written by others without seeing the knowledge pack (tests/data/)."""
from __future__ import annotations

import pytest

from bot.evaluate import evaluate, load_questions
from conftest import ROOT, SHARED


@pytest.mark.parametrize("path, top1, top3, offtopic, wrong", [
    (SHARED / "eval" / "dev_questions.yaml", 0.90, 0.97, 0.9, 0.06),
    (ROOT / "tests" / "data" / "proxy_questions.yaml", 0.85, 0.93, 0.9, 0.12),
    (ROOT / "tests" / "data" / "blind_questions.yaml", 0.75, 0.85, 0.7, 0.22),
])
def test_search_meets_targets(index, path, top1, top3, offtopic, wrong):
    report = evaluate(index, load_questions(str(path)))
    s = report.summary()
    assert s["top1"] >= top1, report.misses
    assert s["top3"] >= top3, report.misses
    assert s["offtopic_abstention"] >= offtopic, report.misses
    assert s["false_abstention"] <= 0.05, report.misses
    assert s["wrong_answer"] <= wrong, report.misses   # confident wrong answers are the worst outcome
