"""Every quotation in the pack occurs verbatim in the source documents, so quotes can't drift.

Only curly quotes and whitespace are normalised; a changed word fails the test.
"""
from __future__ import annotations

import re

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


def test_every_span_in_curly_quotes_in_a_reply_is_a_quotation(pack, sources, config):
    """Curly quotes in a reply mean someone's words, verbatim (each says whose). The pack's own
    titles had been shown in them, e.g. "NASUWT advises (spring 2024, on “Your views: ...”)":
    the bot's label under the union's name. Every entry, each statement, each whole priority,
    short and full: every “...” (pieces either side of an ellipsis) is in a source."""
    from dataclasses import replace

    from bot.replies import entry_reply, priority_parts, render_full_text, render_text

    everything = " ".join(sources.values())
    replies = []
    for e in pack.entries:
        replies.append(entry_reply(e, pack, config.contact))
        if isinstance(e, SurveyEntry):
            replies += [entry_reply(e, pack, config.contact, statement=i) for i in range(len(e.statements))]
            if len(parts := priority_parts(e, pack)) > 1:
                replies.append(replace(replies[-1], parts=parts, statement=None,
                                       guidance=e.statement_guidance(None)))
    not_quotations = set()
    for reply in replies:
        for text in (render_text(reply), render_full_text(reply)):
            for quoted in re.findall(r"“([^”]*)”", text):
                pieces = [p.strip(" .") for p in normalised(quoted).split("…") if p.strip(" .")]
                if not all(p in everything for p in pieces):
                    not_quotations.add(quoted[:80])
    assert len(replies) > 100 and not not_quotations, sorted(not_quotations)
