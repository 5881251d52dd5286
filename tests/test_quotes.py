"""Every quotation in the pack occurs verbatim in the source documents, so quotes can't drift.

Only curly quotes and whitespace are normalised; a changed word fails the test.
"""
from __future__ import annotations

from bot.knowledge import SurveyEntry, entry_quotes
from conftest import SHARED, normalised


def test_source_files_exist(pack):
    for s in pack.sources.values():
        assert (SHARED / "sources" / s.file).is_file(), s.file


def test_every_quote_is_verbatim_in_its_source(pack, sources):
    drifted = []
    for e in pack.entries:
        quotes = entry_quotes(e, pack)
        assert {q.text for q in quotes} == set(e.quotes()), e.id   # the check sees every quotation
        for q in quotes:
            if normalised(q.text) not in sources[q.source]:
                drifted.append(f"{e.id}: {q.text[:80]}")
    assert not drifted, "quotes not found verbatim in their source:\n" + "\n".join(drifted)


def test_options_are_the_surveys(pack, sources):
    text = sources["nasuwt-commentary"]
    for e in pack.entries:
        if isinstance(e, SurveyEntry):
            for option in e.options:
                assert normalised(option) in text, (e.id, option)


def test_the_drift_check_can_fail(pack, sources):
    """Guard the guard: a one-word change is caught."""
    q = pack.get("safeguarding-separate-judgement").suggested_answer.rests_on
    assert normalised(q) in sources["nasuwt-commentary"]
    assert normalised(q.replace("answer", "tick")) not in sources["nasuwt-commentary"]
