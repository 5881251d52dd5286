"""Search quality can't silently regress: the issue's targets on the dev set, and a floor on
an independently written question set (tests/data/proxy_questions.yaml)."""
from __future__ import annotations

import pytest

from bot.evaluate import evaluate, load_questions
from conftest import ROOT, SHARED


@pytest.mark.parametrize("path, top1, top3", [
    (SHARED / "eval" / "dev_questions.yaml", 0.90, 0.97),
    (ROOT / "tests" / "data" / "proxy_questions.yaml", 0.85, 0.93),
])
def test_search_meets_targets(index, path, top1, top3):
    report = evaluate(index, load_questions(str(path)))
    s = report.summary()
    assert s["top1"] >= top1, report.misses
    assert s["top3"] >= top3, report.misses
    assert s["offtopic_abstention"] >= 0.90, report.misses
    assert s["false_abstention"] <= 0.05, report.misses
