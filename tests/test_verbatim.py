"""A member's quotation checked against the words the pack quotes (bot/verbatim.py; bot/replies.py's
`quotation_lines`). Content audit 34: "NASUWT's view is that single-word judgements are helpful but can
be misleading" and "mainstream schools will take more pupils with SEND" were shown the right sentence
under a heading, with no word that theirs differed: a member would send the wrong one in the union's name."""
from __future__ import annotations

import pytest

from bot.guide import reply_to
from bot.packs import Library
from bot.replies import QUOTE_NOT_FOUND, full_lines, render_full_text, render_text, reply_lines
from bot.verbatim import attributed, checked, find, long_enough

MISQUOTE = ("I'm quoting the union in an email: 'NASUWT's view is that single-word judgements are helpful but "
            "can be misleading'. Is that the right wording?")
UNION_SAYS = "NASUWT’s view is that single-word judgements are not helpful and can be misleading."


def test_a_misquote_is_found_with_where_it_differs(pack):
    found = find("The expectation is simply that mainstream schools will take more pupils with SEND.", pack)
    assert found is not None and not found.exact and found.quote.speaker == "union"
    assert found.sentence == "The expectation is simply that mainstream pupils will take more pupils with SEND."
    assert found.differences == (("schools", "pupils"),)
    found = find("NASUWT's view is that single-word judgements are helpful but can be misleading", pack)
    assert found.sentence == UNION_SAYS and found.differences == (("", "not"), ("but", "and"))


def test_a_quotation_word_for_word_and_part_of_a_sentence(pack):
    found = find("single-word judgements are not helpful", pack)   # the words before and after don't count
    assert found is not None and found.exact and found.differences == () and found.sentence == UNION_SAYS
    found = find("we know that most schools are good or outstanding", pack)
    assert found.exact and found.quote.speaker == "ofsted"


@pytest.mark.parametrize("span", [
    "if you get it right for disadvantaged and vulnerable children, you get it right for all",   # not in the pack
    "the union is against everything ofsted does and wants it gone",
    "single-word judgements are fine and should stay but reports need to be kinder to staff",   # a paraphrase
])
def test_words_no_sentence_has_are_not_found(pack, span):
    assert find(span, pack) is None


@pytest.mark.parametrize("q, theirs", [
    ("the union said 'single-word judgements are helpful'", True),
    ("NASUWT's view is that 'single-word judgements are helpful'", True),
    ("a quote from the union: 'single-word judgements are helpful'", True),
    ("nasuwt said tick yes to 'single-word judgements are helpful'", False),   # what to tick, not its words
    ("ofsted said 'single-word judgements are helpful'", False),
])
def test_attributed_to_the_union(q, theirs):
    assert attributed(q, q.index("'single"), "NASUWT") == theirs


def test_only_a_quotation_asked_about_or_given_as_the_unions_is_checked(pack):
    assert checked(MISQUOTE, pack).found.differences == (("", "not"), ("but", "and"))
    # a statement named by the member's shorthand, not claimed word for word (the sets have 100 such)
    assert checked("SEND P3 - the bunch of 'ofsted holds X to account for the quality of their SEND provision' "
                   "statements. agree or what?", pack) is None
    assert checked("whats the union's recommended rating for 'inspections are long enough to make accurate "
                   "judgements'", pack) is None
    assert checked("the union said 'single-word judgements are not helpful and can be misleading'", pack) is None
    assert not long_enough("tail wagging the dog") and long_enough("the tail wagging the dog again")
    asked = checked("where does 'if you get it right for disadvantaged and vulnerable children, you get it right "
                    "for all' come from?", pack)
    assert asked is not None and asked.found is None


def _reply(searcher, config, q):
    return reply_to(Library.of(searcher), config, q)[1]


def test_a_misquote_in_the_unions_name_is_told_first_with_the_sentence(searcher, config):
    r = _reply(searcher, config, MISQUOTE)
    lines = reply_lines(r)
    lead = [ln for ln in lines if ln.part == "lead"]
    assert lead[0].label == ("Not word for word: NASUWT's words, below, have ‘not’ where yours have nothing, "
                             "and ‘and’ where yours have ‘but’.")
    assert lead[1].label == "NASUWT says (spring 2024):" and lead[1].quote.text == UNION_SAYS
    assert [ln.quote.text for ln in lines if ln.quote].count(UNION_SAYS) == 1   # shown once
    assert [ln.quote.text for ln in full_lines(r) if ln.quote].count(UNION_SAYS) == 1
    assert "Not word for word" in render_full_text(r)   # the full view keeps the check


def test_ofsteds_words_given_as_the_unions_are_told_whose_they_are(searcher, config):
    text = render_text(_reply(searcher, config, "the union said 'we know that most schools are good or outstanding' "
                                                "right?"))
    assert text.splitlines()[2] == "Word for word, but those are Ofsted's words, not NASUWT's."
    assert text.splitlines()[3] == ("Ofsted's survey explains (spring 2024): “We know that most schools are good or "
                                    "outstanding.”")


def test_asked_about_words_no_text_has_the_reply_says_so_with_the_contact(searcher, config):
    text = render_text(_reply(searcher, config, "where does 'if you get it right for disadvantaged and vulnerable "
                                                "children, you get it right for all' come from?"))
    assert QUOTE_NOT_FOUND + " If you have any questions about the Big Listen consultation" in text


def test_the_unions_own_words_asked_about_are_confirmed(searcher, config):
    text = render_text(_reply(searcher, config, "the union said 'single-word judgements are not helpful and can be "
                                                "misleading' - is that a real quote?"))
    assert "Word for word: those are NASUWT's words.\nNASUWT says (spring 2024): “" + UNION_SAYS in text
