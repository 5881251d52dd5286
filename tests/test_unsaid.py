"""Asked what the union says about something only others' words on a survey question name, the
reply says the union's guidance doesn't mention it, with the quotation that does, before the
guidance (bot/unsaid.py, bot/replies.py's `unsaid_lines`)."""
from __future__ import annotations

import pytest

from bot.guide import reply_to
from bot.packs import Library
from bot.replies import UNSAID, render_text, reply_lines
from bot.unsaid import unsaid


def _reply(searcher, config, q):
    return reply_to(Library.of(searcher), config, q)[1]


def test_a_name_only_ofsted_uses_is_not_given_the_unions_view(searcher, config):
    """Content audit 30 (high): the union's view on who should inspect safeguarding led, read as
    its comment on Ruth Perry's death, which only Ofsted's survey text names."""
    r = _reply(searcher, config, "what did nasuwt say about ruth perry")
    lines = reply_lines(r)
    assert lines[0].label == UNSAID.format(union="NASUWT", speaker="Ofsted")
    assert lines[1].quote.speaker != "union" and "Ruth Perry" in lines[1].quote.text
    assert lines[1].label.startswith("Ofsted's survey")
    assert all("Ruth Perry" not in ln.quote.text for ln in lines if ln.quote and ln.quote.speaker == "union")


def test_a_topic_the_union_never_names_is_said_to_be_unmentioned(searcher, config):
    r = _reply(searcher, config, "whats the union position on the notice period, should it be longer?")
    text = render_text(r)
    assert text.index(UNSAID.format(union="NASUWT", speaker="Ofsted")) < text.index("NASUWT advises")
    assert "the notice period is half a day" in text


@pytest.mark.parametrize("q", [
    "what does nasuwt think about single word judgements",   # the union's words do name them
    "what did ofsted say about ruth perry",                  # not the union's view asked
    "what should I put for the separate safeguarding judgement?",
])
def test_otherwise_nothing_is_said_unmentioned(searcher, config, q):
    assert UNSAID.format(union="NASUWT", speaker="Ofsted") not in render_text(_reply(searcher, config, q))


def test_a_word_the_union_uses_elsewhere_is_not_unsaid(pack):
    """The union's words across the whole pack count: "funding" is in its SEND comments, so a
    question about funding under another question is not told the union never mentions it."""
    entry = pack.get("schools-inspection-practice")
    assert unsaid("does nasuwt want ofsted to get more funding", entry, pack, "NASUWT") == []
    assert unsaid("what notice period does nasuwt want", entry, pack, "NASUWT")


def test_the_framing_the_unions_comment_is_about_is_not_unsaid(searcher, config):
    """The review of round 30: "withholding the grade" is in Ofsted's framing that the union's
    comment speaks to (`refers_to_context`), in its own words: not "doesn't mention it"."""
    text = render_text(_reply(searcher, config, "what does nasuwt think about withholding the grade?"))
    assert UNSAID.format(union="NASUWT", speaker="Ofsted") not in text


def test_an_entry_of_others_words_says_when_the_union_never_mentions_it(searcher, config):
    """Re-check of content audit 30b: "I have no NASUWT view" went (the union's words may be under
    an entry not linked), and with it the answer to a claim about a topic the union never names.
    Said only when no quotation of the union's in the pack has the word."""
    said = "NASUWT's guidance doesn't mention it."
    lead = reply_lines(_reply(searcher, config, "nasuwt welcomed the new monday call policy right?"))[0].label
    assert lead.startswith("You asked what NASUWT thinks") and said in lead
    other = reply_lines(_reply(searcher, config, "does nasuwt support the suspend and return policy"))[0].label
    assert other.startswith("You asked what NASUWT thinks") and said not in other
