"""A member's quotation checked against the words the pack quotes (bot/verbatim.py; bot/replies.py's
`quotation_lines`). Content audit 34: "NASUWT's view is that single-word judgements are helpful but can
be misleading" and "mainstream schools will take more pupils with SEND" were shown the right sentence
under a heading, with no word that theirs differed: a member would send the wrong one in the union's name."""
from __future__ import annotations

import json

import pytest

from bot.guide import reply_to
from bot.packs import Library
from bot.replies import QUOTE_NOT_FOUND, entry_reply, full_lines, render_full_text, render_text, reply_lines
from bot.verbatim import attributed, checked, find, long_enough, quotations

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
    assert lead[0].label == ("Not word for word with the nearest passage this guidance quotes: NASUWT's words there "
                             "have ‘not’ where yours have nothing, and ‘and’ where yours have ‘but’.")
    assert lead[1].label == "NASUWT's view (spring 2024):" and lead[1].quote.text == UNION_SAYS   # as the pack codes it
    assert [ln.quote.text for ln in lines if ln.quote].count(UNION_SAYS) == 1   # shown once
    plain = entry_reply(r.entry, r.pack, config.contact, query="single word judgements")
    assert [ln.quote.text for ln in full_lines(r) if ln.quote].count(UNION_SAYS) == \
        [ln.quote.text for ln in full_lines(plain) if ln.quote].count(UNION_SAYS)   # the check adds no copy
    assert "Not word for word" in render_full_text(r)   # the full view keeps the check


def test_ofsteds_words_given_as_the_unions_are_told_whose_they_are(searcher, config):
    text = render_text(_reply(searcher, config, "the union said 'we know that most schools are good or outstanding' "
                                                "right?"))
    assert text.splitlines()[2] == "Word for word, but those are Ofsted's words, not NASUWT's own."
    assert text.splitlines()[3] == ("Ofsted's survey explains (spring 2024): “We know that most schools are good or "
                                    "outstanding.”")


def test_asked_about_words_no_text_has_the_reply_says_so_with_the_contact(searcher, config):
    text = render_text(_reply(searcher, config, "where does 'if you get it right for disadvantaged and vulnerable "
                                                "children, you get it right for all' come from?"))
    assert QUOTE_NOT_FOUND + " If you have any questions about the Big Listen consultation" in text


def test_the_unions_own_words_asked_about_are_confirmed(searcher, config):
    text = render_text(_reply(searcher, config, "is this an exact quote: 'NASUWT's view is that single-word "
                                                "judgements are not helpful and can be misleading'"))
    assert "Word for word: those are NASUWT's words.\nNASUWT's view (spring 2024): “" + UNION_SAYS in text
    # a clause of the sentence: word for word, but only part of it (the second review of round 34: "You might
    # want to consider whether Ofsted inspections provide ..." was confirmed as the union's words)
    text = render_text(_reply(searcher, config, "the union said 'single-word judgements are not helpful and can be "
                                                "misleading' - is that a real quote?"))
    assert "Word for word, but only part of NASUWT's sentence: read it whole (below) before quoting it." in text


# the review of round 34


def test_a_quotation_runs_past_a_plural_possessive(pack):
    q = "is this an exact quote: ‘Inspectors also use these activities to gather evidence about behaviour, pupils’ " \
        "wellbeing and safety.’"
    asked = checked(q, pack)
    assert asked.span.endswith("wellbeing and safety.") and not asked.found.exact
    assert asked.found.differences == (("wellbeing", "personal development"), ("safety", "leadership and management"))
    assert [s for _, s in quotations("'a b c d' and 'e f g h'")] == ["a b c d", "e f g h"]
    assert [s for _, s in quotations("the union's view 'we don't say that' ok")] == ["we don't say that"]


@pytest.mark.parametrize("q", [
    "is this an exact quote from nasuwt: 'Inspections are usually carried out by a small number of inspectors and "
    "last two days. Is this effective?'",
    "is this an exact quote: 'NASUWT has a number of concerns. One is that funding is driving decisions. Another is "
    "that insufficient attention is being paid to building capacity in and support for mainstream schools to enable "
    "them to meet the needs of pupils with SEND. The expectation is simply that mainstream pupils will take more "
    "pupils with SEND.'",   # a whole paragraph of four sentences (the second review)
    "is this an exact quote: '*NASUWT’s view* is that _single-word judgements_ are not helpful and can be misleading'",
    "is this an exact quote: 'NASUWT’s view is that single-word :scream: judgements are not helpful and can be "
    "misleading'",
])
def test_correct_words_over_two_sentences_or_in_slack_markup_are_word_for_word(pack, q):
    asked = checked(q, pack)
    assert asked.found is not None and asked.found.exact, asked


@pytest.mark.parametrize("q", [
    "What does the union say: 'Ofsted holds schools to account for keeping children safe'?",
    "NASUWT advice on this one: 'Inspections are long enough to allow inspectors to make accurate judgements'",
    "what would nasuwt say - 'Inspections are long enough to allow inspectors to make accurate judgements' agree?",
    "what exactly should I put for 'inspections are long enough to make accurate judgements'",
])
def test_a_statement_named_in_quotation_marks_gets_no_verdict(pack, q):
    assert checked(q, pack) is None


def test_of_two_quotations_the_one_asked_about_is_checked(pack):
    asked = checked("for 'Ofsted holds local areas to account for the quality of their SEND provision' is 'NASUWT "
                    "recommends that you strongly agree with every statement' an exact quote from the union?", pack)
    assert asked.span.startswith("NASUWT recommends") and asked.found is None


def test_words_a_speaker_quotes_are_said_to_be_quoted(searcher, config, pack):
    text = render_text(_reply(searcher, config, "is this an exact quote: \"Starting with the inspection report could "
                                                "be seen as a case of ‘the tail wagging the dog’.\""))
    assert "Word for word: those are NASUWT's words." in text
    text = render_text(_reply(searcher, config, "did ofsted really say 'the autumn visits aren't inspections'? is "
                                                "that a real quote"))
    assert "Word for word, but only part of a sentence Schools Week reported" in text
    # its end a possessive's mark, maybe ("effectiveness' an"): whole, word for word, or no verdict (the third review)
    assert checked("is 'robust assurance of school effectiveness' an exact quote from nasuwt", pack) is None


@pytest.mark.parametrize("q, kept", [
    ("is this an exact quote: 'NASUWT recommends that you answer yes to this question'", "Suggested answer: Yes."),
    ("is this a real quote: 'We will consult with the FE and skills sector to make sure that our notice periods and "
     "the size of our inspection teams are proportionate'",
     "Ofsted's plans for England as of 19 December 2024 (plans then, not a record of what happened):"),
])
def test_the_check_keeps_the_replys_own_lines_and_labels(searcher, config, q, kept):
    r = _reply(searcher, config, q)
    assert kept in render_text(r) and kept in render_full_text(r)
    assert render_text(r).splitlines()[1].startswith("Word for word") or \
        render_text(r).splitlines()[2].startswith("Word for word")


def test_a_long_paste_of_quotations_is_read_at_its_start_only():
    from bot.verbatim import SCANNED

    paste = "the union said 'single word judgements are helpful and fine' " * 2000
    assert quotations(paste) and max(at for at, _ in quotations(paste)) < SCANNED



# the second review of round 34


def test_of_two_quotations_the_verdict_is_on_the_one_asked_about_and_names_it(searcher, config):
    text = render_text(_reply(searcher, config, "The union said 'single-word judgements are not helpful and can be "
                                                "misleading'. But is 'The expectation is simply that mainstream "
                                                "schools will take more pupils with SEND' an exact quote?"))
    assert "‘The expectation is simply that …’: not word for word with the nearest passage this guidance quotes: " \
           "NASUWT's words there have ‘pupils’ where yours have ‘schools’." in text


@pytest.mark.parametrize("q", [
    # no closing mark: read to the possessive at most, and then only part of a sentence
    "is this an exact quote: 'Inspectors also use these activities to gather evidence about behaviour, pupils' "
    "wellbeing and safety",
    # a clause of the union's "You might want to consider whether ..."
    "is this an exact quote from nasuwt: 'Ofsted inspections provide a robust assurance of a school’s effectiveness'",
    "is this an exact quote from the union: 'classroom teachers should be employed as OIs'",
])
def test_words_cut_from_a_sentence_are_never_whole_words_of_the_union(pack, q):
    asked = checked(q, pack)
    assert asked is None or asked.found is None or not asked.found.whole


@pytest.mark.parametrize("q", [
    # two of an entry's quotations: excerpts, not always consecutive in the source
    "is this exact: 'We have updated and published our code of conduct. It sets out the professionalism, courtesy, "
    "empathy and respect that providers can expect from Ofsted staff.'",
    # named statements, and another speaker named after the union
    "NASUWT says 'Inspections are long enough to allow inspectors to make accurate judgements' is very important, "
    "right?",
    "In reply to the union, Ofsted said 'we know that most schools are good or outstanding'",
    # mostly the union's words, with some added: no "not among the passages"
    "did the union really say 'safeguarding should be separated from the wider inspection of schools and handed to "
    "local authorities'?",
])
def test_no_verdict_where_one_would_be_false(pack, q):
    asked = checked(q, pack)
    assert asked is None or (asked.found is not None and not asked.found.whole), asked


def test_the_neu_union_is_not_nasuwt():
    q = "the NEU union said 'single word judgements are helpful'"
    assert not attributed(q, q.index("'"), "NASUWT")


def test_the_checks_label_is_its_own_sources(pack, config):
    r = entry_reply(pack.get("suspend-and-return-policy"), pack, config.contact,
                    query="is this an exact quote: 'NASUWT questions whether Ofsted should inspect safeguarding.'")
    lead = [ln for ln in reply_lines(r) if ln.quote][0]
    assert lead.quote.speaker == "union" and "(spring 2024" in lead.label and "NASUWT" in lead.label


def test_a_quotation_asked_about_is_answered_in_a_decline_too_and_may_hold_other_marks(searcher, config):
    """The re-check of round 34: "... a process to ‘get through’." (marks inside) was never read, and the
    reply declined; a decline leaves a misattribution standing."""
    text = render_text(_reply(searcher, config, 'Our rep quoted NASUWT: "Inspection should not be a process to '
                                                '‘get through’." Is that the union\'s actual wording?'))
    assert "Word for word: those are Ofsted's words." in text
    assert [s for _, s in quotations('the union said "judgements are ‘not helpful’ and can mislead" ok')] == \
        ["judgements are ‘not helpful’ and can mislead"]


def test_a_near_miss_is_found_among_passages_holding_its_words_far_apart(pack):
    asked = checked("is 'mainstream schools will take more pupils with SEND' exact?", pack)
    assert asked.found.sentence == "The expectation is simply that mainstream pupils will take more pupils with SEND."
    assert asked.found.differences == (("schools", "pupils"),)


# the third review of round 34


@pytest.mark.parametrize("q", [
    # the inner marks of the same kind: read from the inner one, the verdict was on other words
    "is this an exact quote: 'This means that the safeguarding judgement never affects the school's overall grade, as "
    "the 'leadership and management' judgement is closely linked to this.'",
    "At our union meeting the HMCI said 'we know that most schools are good or outstanding' about Ofsted's impact",
    "is 'inspections are high stakes' an exact quote from the union? it was in a post with 'Does robust assurance of "
    "school effectiveness mean that inspections need to be high stakes'",   # the one asked about is too short
    "is this an exact quote: 'Inspectors also use these activities to gather evidence about behaviour, pupils' "
    "wellbeing and safety",   # no end, and the guessed one a possessive
])
def test_still_no_verdict_where_it_could_be_false(pack, q):
    assert checked(q, pack) is None


@pytest.mark.parametrize("q, verdict", [
    ("did the union really say mainstream schools 'exclude, suspend or place pupils with SEND' more?", "part"),
    ("is this an exact quote from Ofsted: 'It is vital that inspections are robust enough for us to provide "
     "assurance'", "part"),
    ("is this an exact quote: \"Does 'robust assurance of school effectiveness' mean that inspections need to be low "
     "stakes?\"", "near"),
    ("is 'Inspections are usually carried out by a small number of inspectors and last two days' an exact quote from "
     "the teachers' union?", "whole"),
    ("is this an exact quote: 'NASUWT view is that single-word judgements are not helpful and can be misleading'",
     "near"),   # "NASUWT" is not "NASUWT’s", though they fold alike
])
def test_verdicts_the_third_review_found_false_are_true(pack, q, verdict):
    found = checked(q, pack).found
    assert {"whole": found.whole, "part": found.exact and not found.whole, "near": not found.exact}[verdict], found


def test_attributed_to_the_union_the_unions_passage_with_the_same_words_wins(pack):
    found = checked("is this an exact quote from nasuwt: 'to account for the quality of their SEND provision'",
                    pack).found
    assert found.quote.speaker == "union" and found.exact


# the fourth review of round 34


@pytest.mark.parametrize("q", [
    # the quotation asked about not read (no end; marks of its own kind inside): no verdict on the other
    "Ofsted wrote 'We know that most schools are good or outstanding' - is 'NASUWT’s view is that single-word "
    "judgements are helpful the exact wording?",
    "Ofsted wrote ‘We know that most schools are good or outstanding’ but is “Starting with the inspection report "
    "could be seen as a case of “the tail wagging the dog”” NASUWT's exact words?",
    # two sentences, one short: not "a word or two added"
    "is this a word for word quote from ofsted: 'We committed to giving that training to our entire inspection "
    "workforce by the end of March 2024. We have done that.'",
    "is this an exact quote from Ofsted: 'Ofsted wants to improve. Our ambition is to be a modern, world-class "
    "inspectorate and regulator.'",
])
def test_no_verdict_the_fourth_review_found_false(pack, q):
    asked = checked(q, pack)
    assert asked is None or (asked.found is not None and asked.found.exact), asked


@pytest.mark.parametrize("q", [
    "Ofsted says 'Inspection should not be a process to get through' - where's that from",   # audit 35 #67
    "'Inspection should not be a process to get through' - where is this from?",
    "wheres that from: 'Inspection should not be a process to get through'",
])
def test_asked_where_a_quotation_is_from_it_is_checked(pack, q):
    asked = checked(q, pack)
    assert asked is not None and asked.found is not None and asked.found.exact
    assert asked.found.quote.speaker != "union"


# the fifth review (round 35)


@pytest.mark.parametrize("q", [
    # H1: a second sentence in lowercase, in markup, with no space or on a new line: no verdict on a near miss
    "is this exact: 'we committed to giving that training to our entire inspection workforce by the end of march "
    "2024. we have done that.'",
    "is this an exact quote from Ofsted: 'Ofsted wants to improve. our ambition is to be a modern, world-class "
    "inspectorate and regulator.'",
    "is this an exact quote from ofsted: 'We committed to giving that training to our entire inspection workforce "
    "by the end of March 2024. *We have done that.*'",
    "is this an exact quote from ofsted: 'We committed to giving that training to our entire inspection workforce "
    "by the end of March 2024.We have done that.'",
    "is this an exact quote from ofsted: 'We committed to giving that training to our entire inspection workforce "
    "by the end of March 2024\nWe have done that'",
    # H2: the member's words before a passage the pack quotes in part ("2. We will foster ...")
    "is this an exact quote from ofsted: 'We will foster a culture of integrity in which we always treat people with "
    "professionalism, courtesy, empathy and respect'",
    "for my email to staff: Ofsted said \"We will reset our relationship with those we regulate and inspect, "
    "working collaboratively with them to put children and learners first\" - is that the exact wording?",
    # H3: a whole sentence quoted without marks (or blockquoted, or in code): not a verdict on the phrase inside it
    "is this an exact quote? Starting with the Ofsted report could be seen as a case of 'the tail wagging the dog'.",
    "is this the union's exact wording?\n> Starting with the Ofsted report could be seen as a case of ‘the tail "
    "wagging the dog’.",
    "is this the union's exact wording?\n&gt; Starting with the Ofsted report could be seen as a case of ‘the tail "
    "wagging the dog’.",
    "is `Spielman said the framework would “strengthen accountability by introducing a continuous inspection cycle "
    "and three distinct inspection outcomes”` word for word?",
    # H5: "is 'A' an exact quote? 'B' ...": the other quotation as near the asking words
    "is 'NASUWT’s view is that single-word judgements are helpful but can be misleading' the exact quote? "
    "'NASUWT’s view is that single-word judgements are not helpful and can be misleading' is what my rep sent me",
    "is 'NASUWT’s view is that single-word judgements are helpful but can be misleading' an exact quote? 'We know "
    "that most schools are good or outstanding' is definitely Ofsted's though",
    # H6: a quotation opening with an inner one in the same kind of marks
    "is \"“Serious issues” found during Ofsted visits could result in “immediate action”, the watchdog has said\" "
    "an exact quote?",
])
def test_no_verdict_the_fifth_review_found_false(pack, q):
    asked = checked(q, pack)
    assert asked is None, asked


def test_the_quotation_asked_about_is_found_among_more_than_three(pack):
    """H4: the quotations were cut to three before the one asked about was chosen."""
    asked = checked("Our head's email mentions “inconsistent experiences and outcomes”, “immediate action” and "
                    "“typically lead to positive experiences and outcomes for children and young people with SEND”. "
                    "Separately, is 'NASUWT’s view is that single-word judgements are helpful but can be misleading' "
                    "an exact quote?", pack)
    assert asked is not None and asked.span.startswith("NASUWT’s view is that single-word judgements are helpful")
    assert asked.found is not None and not asked.found.exact


def test_two_quotations_alike_are_told_apart_in_the_verdicts_label(searcher, config):
    """M1: "‘NASUWT’s view is that single-word …’" named either of two quotations sharing five words."""
    q = ("'NASUWT’s view is that single-word judgements are helpful but can be misleading' or 'NASUWT’s view is "
         "that single-word judgements are not helpful and can be misleading' - which is the exact quote?")
    text = render_text(_reply(searcher, config, q))
    assert "single-word judgements are helpful but …’" in text or "judgements are not …’" in text or \
        "Word for word" not in text


@pytest.mark.parametrize("mark", ["`", "‘", "´"])
def test_an_apostrophe_typed_another_way_is_an_apostrophe(pack, mark):
    """M2: "NASUWT`s view ..." was "not word for word", with a stray word "s"."""
    asked = checked(f'is this an exact quote: "NASUWT{mark}s view is that single-word judgements are not helpful '
                    f'and can be misleading"', pack)
    assert asked is not None and asked.found is not None and asked.found.exact


@pytest.mark.parametrize("q", [
    "is ‘We know that most schools are good or outstanding’ a union quote?",     # L2 of the fifth review
    "is 'We know that most schools are good or outstanding' an exact Ofsted quote?",
])
def test_more_ways_of_asking_about_a_quotation(pack, q):
    asked = checked(q, pack)
    assert asked is not None and asked.found is not None and asked.found.exact


def test_a_sentence_and_part_of_the_next_is_part_of_a_passage_not_of_a_sentence(searcher, config):
    """L3: a whole sentence and part of the next was called "only part of NASUWT's sentence"."""
    text = render_text(_reply(searcher, config, 'is this an exact quote: "NASUWT questions whether Ofsted should '
                                                'inspect safeguarding. We think that it would be more appropriate"'))
    assert "Word for word, but only part of NASUWT's passage" in text


def test_a_quotation_asked_about_is_answered_above_a_menu_too(searcher, config):
    """The fifth review (L1) and audit 35's re-check (R29): "Which did you mean?" dropped the verdict."""
    from bot.blocks import answer_blocks
    r = _reply(searcher, config, "“Our ambition is to be a modern, world-class inspectorate and regulator.” whose "
                                 "words are those")
    assert r.ambiguous
    said = ("Word for word: those are Ofsted's words. Ofsted said (21 March 2024): “Our ambition is to be a modern, "
            "world-class inspectorate and regulator.”")
    assert render_text(r).splitlines()[0] == said
    assert "Word for word: those are Ofsted" in json.dumps(answer_blocks(r).blocks, ensure_ascii=False)


@pytest.mark.parametrize("q", [
    # the fifth review's re-check: the asking words between the two don't part them
    "'NASUWT’s view is that single-word judgements are helpful but can be misleading' - is that the exact wording? "
    "'We know that most schools are good or outstanding' was the other one I saw",
    # words that ask whether, not the union's say: no "not word for word" against them
    "NASUWT's line is 'Ofsted should not inspect safeguarding' right?",
    # a link's name with 's: no quotation opens there, and the one asked about is read
])
def test_no_verdict_the_fifth_reviews_recheck_found_false(pack, q):
    assert checked(q, pack) is None


def test_a_slack_link_before_a_quotation_opens_none():
    q = ("hi :wave: is <https://www.nasuwt.org.uk|NASUWT>'s line 'single-word judgements are not helpful and can be "
         "misleading' a real quote?")
    assert [span for _, span in quotations(q)] == ["single-word judgements are not helpful and can be misleading"]
