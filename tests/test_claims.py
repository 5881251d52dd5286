"""A member telling the bot which option the union recommends is told plainly whether it does
(bot/claims.py; bot/replies.py's `claim_lines`). Content audit 30: the guidance contradicted such
claims only by showing something else."""
from __future__ import annotations

import json

import pytest

from bot.blocks import answer_blocks
from bot.claims import claimed_against, claimed_option, said_of, told_claim
from bot.guide import reply_to
from bot.packs import Library
from bot.replies import render_text, reply_lines

YES_NO = ("Yes", "No", "Don’t know")
RATINGS = ("Very important", "Important", "Neutral", "Not very important", "Not at all important")


@pytest.mark.parametrize("q, options, claim", [
    ("NASUWT said answer No to the safeguarding judgement question didnt they?", YES_NO, "No"),
    ("the union wants us to put Disagree for that one", ("Agree", "Neither agree nor disagree", "Disagree"),
     "Disagree"),
    ("nasuwt says tick very important for all of them", RATINGS, "Very important"),   # not "Important"
    ("nasuwt said go 'not very important' didn't they", RATINGS, "Not very important"),
    ("does the union say tick yes or no?", YES_NO, None),                     # asked, not claimed
    ("should I tick very important for these?", RATINGS, None),               # nobody said it
    ("very important, says my head, but what does the union say?", RATINGS, None),   # the option is before
    # the review and re-check of round 30: English, not an option
    ("the union said rate them all as not important cos context matters", RATINGS, None),
    ("what does the union say? I don't know what to put for the safeguarding one", YES_NO, None),
    ("the union said no such thing about safeguarding being separate, did they?", YES_NO, None),
    ("is the union's answer agree or disagree?", ("Agree", "Neither agree nor disagree", "Disagree"), None),
    ("does the union think all the bullets are important or should i mark some down?", RATINGS, None),
    ("nasuwt agrees ofsted should hold them to account so I tick Agree, right?",
     ("Agree", "Neither agree nor disagree", "Disagree"), "Agree"),
])
def test_claimed_option(q, options, claim):
    assert claimed_option(q, options, "NASUWT") == claim


def _reply(searcher, config, q):
    return reply_to(Library.of(searcher), config, q)[1]


def test_a_claimed_option_against_the_unions_recommendation_is_corrected_first(searcher, config):
    r = _reply(searcher, config, "NASUWT said answer No to the safeguarding judgement question didnt they?")
    lines = [ln.label for ln in reply_lines(r)]
    assert lines[0] == "NASUWT recommends ‘Yes’ here, not ‘No’."
    assert lines[1].startswith("Suggested answer: Yes.")


def test_a_claimed_option_where_the_union_recommends_none_is_denied(searcher, config):
    r = _reply(searcher, config, "so nasuwt wants us to put very important for every single schools reporting "
                                 "bullet yeah?")
    assert r.entry.id == "schools-reporting-aims"
    # "it doesn't name ‘Very important’" was false beside the union's "important or very important"
    assert reply_lines(r)[0].label == ("NASUWT recommends no particular option here: not ‘Very important’, nor any "
                                       "other option.")


def test_a_denial_beside_a_view_that_may_mean_the_option_says_the_view_follows(searcher, config):
    """Audit 30b: "nasuwt said agree on the MAT inspection statement didnt they" was told "It doesn't
    name ‘Agree’", true but read as false beside the union's view that MATs should be inspected;
    leaving the denial out let false claims stand (the second review): it says the view follows."""
    text = render_text(_reply(searcher, config, "nasuwt said agree on the MAT inspection statement didnt they"))
    # not "not ‘Agree’": beside a view that may amount to agreeing it read as the union opposing Agree
    # (audit 30b's second re-check, round 31)
    assert "NASUWT recommends no particular option here. It doesn't name ‘Agree’; its view follows." in text \
        and "not ‘Agree’" not in text
    assert text.index("its view follows") < text.index("MATs should be inspected")
    r = _reply(searcher, config, "the union said answer Disagree to the good and outstanding schools statement")
    # the view on statement 6 (MATs) doesn't lead a question about statement 5: no view follows
    assert reply_lines(r)[0].label == ("NASUWT recommends no particular option here: not ‘Disagree’, nor any other "
                                       "option.")


def test_a_claim_about_a_comments_box_is_checked_against_its_rated_question(searcher, config):
    """Round 29's audit leftover: the comments box was chosen, so the claim about ratings stood."""
    r = _reply(searcher, config, "NASUWT recommends Very important for all the schools inspection practice "
                                 "statements right?")
    assert not r.entry.options
    assert reply_lines(r)[0].label == (
        "On the rating question [How inspections should be carried out], NASUWT recommends no particular option: "
        "not ‘Very important’, nor any other option.")


def test_a_true_claim_gets_no_correction(searcher, config):
    text = render_text(_reply(searcher, config, "nasuwt recommends 'very important' for the SEND inspection "
                                                "practice question yeah?"))
    assert "not ‘" not in text and "nor any other" not in text
    assert "Suggested answer: Very important" in text


def test_an_option_recommended_on_one_statement_is_neither_denied_nor_said_of_the_question(pack, config):
    """The review of round 30: with an answer only on a statement, "no particular option ... not
    ‘X’" was said of the question, and on a comments box that answer was stated for the whole
    question. Only an answer on the whole question is asserted."""
    from dataclasses import replace

    from bot.knowledge import Guidance
    from bot.replies import entry_reply
    entry = pack.get("schools-impact")
    basis = entry.statements[4].commentary[0] if entry.statements[4].commentary else "x"
    statements = list(entry.statements)
    statements[4] = replace(statements[4], guidance=(Guidance(kind="answer", basis=basis, answer="Disagree"),))
    marked = replace(entry, statements=tuple(statements))
    for claim in ("Agree", "Disagree"):
        r = entry_reply(marked, pack, config.contact, query=f"the union said answer {claim} to these, right?")
        assert not any(f"‘{claim}’" in ln.label for ln in reply_lines(r)), claim


def test_a_claim_about_a_priority_asked_about_as_a_whole_is_checked_against_its_rated_question(searcher,
                                                                                                config):
    """The review of round 30: a priority asked about as a whole (both its questions) skipped the
    claim check, so "nasuwt said put Important for SEND priority 2" stood beside 'Very important'."""
    r = _reply(searcher, config, "nasuwt said put Important for SEND priority 2 didnt they")
    assert r.parts
    assert reply_lines(r)[0].label == ("On the rating question [How SEND and AP inspections should be carried out], "
                                       "NASUWT recommends ‘Very important’, not ‘Important’.")
    r = _reply(searcher, config, "the union says agree with everything in schools priority 3 right?")
    assert r.parts and reply_lines(r)[0].label.endswith("It doesn't name ‘Agree’; its view follows.")
    r = _reply(searcher, config, "nasuwt says very important for SEND P2 yeah")   # true: no correction
    assert r.parts and "not ‘" not in render_text(r)


def test_a_claim_that_the_union_likes_what_it_calls_unhelpful_gets_its_view(searcher, config):
    """Round 31's audit: "i heard nasuwt actually likes single word judgements" got the advice to
    comment on them; the union's view that they are not helpful was one click away."""
    r = _reply(searcher, config, "i heard nasuwt actually likes single word judgements because parents understand them")
    views = [ln.quote.text for ln in reply_lines(r) if ln.quote and ln.label.startswith("NASUWT's view")]
    assert views and "single-word judgements are not helpful" in views[0]


def test_a_view_shown_on_the_statements_counts_and_an_option_is_named_only_as_words(searcher, config):
    """The review of round 31: the SEND impact question's views are on its statements, so the check
    for a view missed them and "not ‘Agree’" stood above "NASUWT agrees that ..."; and "agree" was
    found in "disagree", "no" in "not"."""
    text = render_text(_reply(searcher, config, "the union said strongly agree for the send impact question"))
    assert "not ‘Agree’" not in text and "its view follows" in text
    r = _reply(searcher, config, "nasuwt said put very important for schools priority 1 didnt they")
    assert reply_lines(r)[0].label.endswith("Its words mention ‘Very important’ but recommend no option; its view "
                                            "follows.")


def test_a_true_claimed_option_keeps_its_answer_first_though_the_view_is_asked(searcher, config):
    """The review of round 31: "nasuwt says ..." read as the union's view asked put the view above
    "Suggested answer: Yes"."""
    labels = [ln.label for ln in reply_lines(_reply(
        searcher, config, "nasuwt says yes for the separate safeguarding judgement question right"))]
    answer = next(i for i, label in enumerate(labels) if label.startswith("Suggested answer: Yes"))
    assert not any(label.startswith("NASUWT's view") for label in labels[:answer])


@pytest.mark.parametrize("q, said", [
    # audit 32: the claim stood behind "Which did you mean?" until an option was picked; the union's
    # views there may amount to an option, so they are pointed to ("its view follows" in one reply)
    ("union said to put very important for everything in the reporting section right?",
     "NASUWT's words on these questions mention ‘Very important’ but recommend no particular option; its views "
     "are under the questions below."),
    ("the union said neutral for the priority 1 statements",
     "NASUWT recommends no particular option on these questions and doesn't name ‘Neutral’; its views are under "
     "the questions below."),
    ("the union told us to put agree for the MATs statement",   # "NASUWT agrees that ..." (the review)
     "NASUWT's words on these questions mention ‘Agree’ but recommend no particular option; its views are under "
     "the questions below."),
    # ... but not where one of them recommends an option: which was meant matters then
    ("nasuwt says dont know for safeguarding", None),
])
def test_a_claim_asked_which_question_is_answered_when_no_question_offered_has_an_option(searcher, config, q, said):
    from bot.blocks import answer_blocks

    _, r = reply_to(Library.of(searcher), config, q)
    assert r.ambiguous
    text = render_text(r).splitlines()
    message = answer_blocks(r)
    if said:
        assert text[0] == said and text[1].startswith("Which")
        assert message.text.startswith(said) and said in message.blocks[0]["text"]["text"]
    else:
        assert text[0].startswith("Which") and "recommend" not in render_text(r)


def test_a_claim_with_only_a_view_behind_the_menu_says_no_view_follows(searcher, config):
    """With no view under any question offered, the line ends without pointing to one."""
    from dataclasses import replace

    from bot.replies import ambiguity_claim
    _, r = reply_to(Library.of(searcher), config, "the union said neutral for the priority 1 statements")
    pack = searcher.pack
    stripped = replace(pack, entries=tuple(
        replace(e, guidance=tuple(g for g in getattr(e, "guidance", ()) if g.kind != "view"),
                statements=tuple(replace(st, guidance=tuple(g for g in st.guidance if g.kind != "view"))
                                 for st in getattr(e, "statements", ())))
        if hasattr(e, "statements") else e for e in pack.entries))
    said = ambiguity_claim(replace(r, pack=stripped, entry=stripped.get(r.entry.id),
                                   others=tuple(replace(m, entry=stripped.get(m.entry.id)) for m in r.others)))
    assert said == "NASUWT recommends no particular option on these questions and doesn't name ‘Neutral’."


def test_a_claim_denied_here_but_true_of_the_other_sections_version_says_so(searcher, config):
    """The re-check of audit 32: "nasuwt said very important for the inspection practice questions right?"
    got the schools question's "not ‘Very important’" alone; the union recommends it for the SEND
    one. Named the section, the member meant that one."""
    said = ("NASUWT does recommend ‘Very important’ on SEND and AP · Priority 2: Inspection practice: "
            "[How SEND and AP inspections should be carried out].")
    q = "nasuwt said very important for the inspection practice questions right?"
    _, r = reply_to(Library.of(searcher), config, q)
    lines = [ln.label for ln in reply_lines(r) if ln.part == "lead"]
    assert r.entry.section == "Schools" and "not ‘Very important’" in lines[0] and lines[1] == said
    _, named = reply_to(Library.of(searcher), config,
                        "nasuwt said very important for the schools inspection practice question right?")
    assert said not in render_text(named)


@pytest.mark.parametrize("q, told", [
    ("nasuwt wants deep dives scrapped in primary yeah?", "deep dives scrapped in primary"),
    ("I heard the union thinks area SEND inspections are pointless", "area send inspections are pointless"),
    ("my rep said nasuwt told us to leave the reporting questions blank", "to leave the reporting questions blank"),
    ("the union says the pause policy is too harsh, right?", "the pause policy is too harsh"),
    ("does nasuwt want deep dives scrapped?", None),                 # asked, not told
    ("what does the union say about deep dives", None),
    ("the union said to ask here", None),                            # not what it thinks
    ("nasuwt said answer Very important didn't they", "answer very important"),   # (an option: see below)
    # a stance's object is named in the member's words, not the union's; its reason is claimed
    ("Great so nasuwt backs ofsted's plan to withhold reports for 3 months", None),
    ("union is against the pause policy cos it just drags inspections out, yeah?", "it just drags inspections out"),
    ("nasuwt is against classroom teachers being inspectors because of conflicts of interest",
     "conflicts of interest"),
])
def test_a_claim_told_of_the_union_is_read(q, told):
    assert told_claim(q, "NASUWT") == told


@pytest.mark.parametrize("q, never", [
    # audits 32 and 33: a false claim about what the union said stood, answered with its view alone
    ("nasuwt wants deep dives scrapped in primary yeah? want to quote that", "‘scrapped’"),
    ("nasuwt said area SEND inspections are pointless", "‘pointless’"),
    # the survey's wording is not the union's (the review of round 35: "more regularly" hid the flag)
    ("the union said safeguarding should be inspected more regularly", "‘regularly’"),
])
def test_a_claim_in_words_the_union_never_uses_is_flagged_first(searcher, config, q, never):
    lines = render_text(_reply(searcher, config, q)).splitlines()
    said = f"NASUWT's words never use {never}: if you quote NASUWT, quote what it does say (below)."
    assert said in lines[:3]


@pytest.mark.parametrize("q", [
    "nasuwt thinks MATs should be inspected right?",                        # its words
    "the union said mainstream schools should take more SEND pupils didn't they",
    "does nasuwt want deep dives scrapped in primary?",                     # asked: its view answers
    "nasuwt said tick yes for the separate safeguarding judgement",         # an option: checked as one
    # true claims in other words (the re-check and review of round 33): a modal, a synonym's phrase, "un-",
    # another form of a word, a misspelling
    "nasuwt says MATs ought to be inspected",
    "nasuwt says multi academy trusts should be inspected",
    "nasuwt says single word judgements are unhelpful",
    "the union said ofsted should prioritise school improvement in reports",
    "nasuwt said safegaurding should be separate",
    # audit 35: another form ("using" for "use"), a filler, the pack's own name ("aims"), read as a denial
    "the union said they strongly recommend using the comments box - which section was that",
    "NASUWT says inspectors already look for off-rolling evidence?",
    "union says all the SEND reporting aims are important, so put Very important for all 7?",
])
def test_a_claim_in_the_unions_own_words_or_asked_is_not_flagged(searcher, config, q):
    assert "never use" not in render_text(_reply(searcher, config, q))


def test_a_claim_in_words_the_union_never_uses_is_flagged_above_a_menu(searcher, config):
    r = _reply(searcher, config, "nasuwt said teachers would be rubbish inspectors")
    lines = render_text(r).splitlines()
    assert r.ambiguous and lines[1] == "Which did you mean?"
    assert lines[0] == ("NASUWT's words never use ‘rubbish’: if you quote NASUWT, quote what it does say (under the "
                        "questions below).")
    assert "NASUWT's words never use ‘rubbish’" in json.dumps(answer_blocks(r).blocks, ensure_ascii=False)   # Slack


def test_a_claim_in_words_the_union_never_uses_is_flagged_when_declined(searcher, config):
    """Audit 33: "nasuwt told us to leave the reporting questions blank didn't they" was declined as
    not surely covered, and the false claim stood."""
    r = _reply(searcher, config, "nasuwt told us to leave the reporting questions blank didn't they")
    assert not r.answered and r.unsure
    said = "NASUWT's words never use ‘blank’."
    assert render_text(r).splitlines()[0].endswith(said)
    assert said in json.dumps(answer_blocks(r).blocks, ensure_ascii=False)   # in Slack too


@pytest.mark.parametrize("q, options, against", [
    ('union said not to answer "very important" on the reporting aims, right?', RATINGS, "Very important"),
    ("nasuwt said dont tick yes for the separate safeguarding judgement", YES_NO, "Yes"),
    ("nasuwt said go 'not very important' didn't they", RATINGS, None),   # the option's own "not"
    ("nasuwt said tick very important for all of them", RATINGS, None),
    # the review of round 33: a negation that doesn't govern the option
    ("nasuwt said never mind the comments, just tick no for the separate safeguarding judgement", YES_NO, None),
    ("nasuwt said if you're not sure, tick no for the separate safeguarding judgement question", YES_NO, None),
])
def test_an_option_the_union_is_said_to_advise_against(q, options, against):
    assert claimed_against(q, options, "NASUWT") == against
    assert claimed_option(q, options, "NASUWT") is None or against is None


def test_told_the_union_advised_against_an_option_the_reply_says_what_it_did(searcher, config):
    """Audit 33: "union said not to answer 'very important' on the reporting aims ..." got "not ‘Very
    important’, nor any other option", read as agreeing; the union said the points "could be judged
    to be important or very important" and to explain in the Comments box."""
    lines = render_text(_reply(searcher, config, 'union said not to answer "very important" on the reporting '
                                                 'aims, right?'))
    assert lines.splitlines()[0] == ("NASUWT recommends no particular option on these questions and doesn't say "
                                     "not to give ‘Very important’; its views are under the questions below.")
    assert lines.splitlines()[1] == "Which did you mean?"   # schools or SEND: both recommend none
    assert "not ‘Very important’, nor" not in lines
    schools = render_text(_reply(searcher, config, "union said not to answer very important on the schools reporting "
                                                   "aims because it looks like supporting the current system"))
    assert "NASUWT recommends no particular option here and doesn't say not to give ‘Very important’." in schools
    # a view that may amount to the option: not "doesn't say not to" above it (the review of round 33)
    mats = render_text(_reply(searcher, config, "nasuwt said not to disagree with the MATs statement"))
    assert "NASUWT recommends no particular option here. It doesn't name ‘Disagree’; its view follows." in mats
    twin = render_text(_reply(searcher, config, "the union said not to put very important for the inspection "
                                                "practice questions"))
    assert "NASUWT does recommend ‘Very important’ on SEND and AP · Priority 2" in twin
    recommended = render_text(_reply(searcher, config, "nasuwt said dont tick yes for the separate safeguarding "
                                                       "judgement question"))
    assert recommended.splitlines()[2] == "NASUWT does recommend ‘Yes’ here."


def test_a_sentence_naming_an_option_with_a_word_against_may_say_not_to_give_it():
    """The review of round 33: "doesn't say not to give ‘X’" must not be said over such a sentence."""
    from bot.replies import _may_say_not_to

    assert _may_say_not_to("NASUWT does not recommend that you give ‘Very important’ here.", "Very important")
    assert _may_say_not_to("Members shouldn't answer ‘Very important’.\nOther text.", "Very important")
    assert not _may_say_not_to("While all of the points below could be judged to be important or very important, "
                               "positive responses could be seen to imply support.", "Very important")


def test_the_full_view_carries_the_claims_verdict_too(searcher, config):
    """The second review of round 33: pressing "more" (`ask --full`, Slack's full view) lost "NASUWT
    recommends ‘Yes’ here, not ‘No’.", leaving the claim standing there."""
    from bot.replies import render_full_text

    r = _reply(searcher, config, "NASUWT said answer No to the safeguarding judgement question didnt they?")
    assert render_full_text(r).splitlines()[2] == "NASUWT recommends ‘Yes’ here, not ‘No’."
    assert render_full_text(r).count("NASUWT recommends ‘Yes’ here, not ‘No’.") == 1


@pytest.mark.parametrize("q, said", [
    ("is it true the union said single-word judgements are helpful?", "single-word judgements are helpful"),
    ("did nasuwt really say that MATs shouldn’t be inspected", "MATs shouldn’t be inspected"),
    ("NASUWT's view is that the current arrangements are consistent and MATs should not be inspected",
     "the current arrangements are consistent and MATs should not be inspected"),
    ("the union said single-word judgements are helpful, right?", "single-word judgements are helpful"),
    ("what does the union say about single-word judgements", None),   # asked what, not whether
    ("the union said to ask here", None),
    ("is it true ofsted said single-word judgements are helpful?", None),   # not the union
])
def test_words_told_or_asked_as_the_unions_are_read(q, said):
    """Audit 34's re-check: a claim in the union's words with the sense reversed, told ("NASUWT's view is
    that ...") or asked ("is it true the union said ..."), is checked against its words (`said_of`)."""
    assert said_of(q, "NASUWT") == said


@pytest.mark.parametrize("q, opposite", [
    ("is it true the union said single-word judgements are helpful?",
     "NASUWT's words say the opposite: ‘are not helpful’ where yours have ‘are helpful’."),
    ("NASUWT's view is that the current arrangements are consistent and MATs should not be inspected",
     "NASUWT's words say the opposite: ‘inconsistent’ where yours have ‘consistent’, and ‘should be’ where "
     "yours have ‘should not be’."),
    ("did nasuwt say MATs shouldn't be inspected?",
     "NASUWT's words say the opposite: ‘should’ where yours have ‘shouldn't’."),
])
def test_the_unions_words_reversed_are_told_first_with_its_sentence(searcher, config, q, opposite):
    lines = render_text(_reply(searcher, config, q)).splitlines()
    at = lines.index(opposite)
    assert at <= 3 and lines[at + 1].startswith("NASUWT's view (spring 2024")
    assert "“NASUWT’s view is that " in lines[at + 1]


@pytest.mark.parametrize("q, opposite", [
    # a sentence after another in the union's text: its own say too (the fifth review's re-check: the one
    # before it was read as another's framing)
    ("did nasuwt say inspectors are not required to look for evidence of such practice?",
     "NASUWT's words say the opposite: ‘are required’ where yours have ‘are not required’."),
])
def test_a_later_sentence_of_the_unions_reversed_is_told_too(searcher, config, q, opposite):
    assert opposite in render_text(_reply(searcher, config, q)).splitlines()[:4]


@pytest.mark.parametrize("q", [
    "the union said ofsted should not inspect safeguarding",        # its position, in other words
    "is it true the union said single-word judgements aren't helpful?",
    "nasuwt says single word judgements are unhelpful",
    "nasuwt says MATs should be inspected",
    "did nasuwt say the current arrangements are inconsistent",
    "is it true the union said inspections need to be high stakes?",   # the union asked whether: no answer of its
    # the union's words there frame another's expectation, which it criticises: not its own say
    "the union said mainstream schools will not take more pupils with send",
    # a place after "whether", or inside words the union quotes: no say of its own
    "the union said NASUWT questions whether Ofsted should not inspect safeguarding",
    # the review of round 35: a tag "no?", double negatives, a word no negation ("inform"), others' words
    "the union said single-word judgements are not helpful and can be misleading no?",
    "nasuwt said the current arrangements are inconsistent and MATs should be inspected no?",
    "NASUWT said sufficient attention is not being paid to building capacity in and support for mainstream schools",
    "nasuwt said they didnt think single word judgements are helpful and can be misleading",
    "NASUWT said ofsted should make links between evidence gathered from the inspection of individual providers in "
    "order to form judgements about the effectiveness of SEND areas",
    "the NEU union says single-word judgements are helpful and can be misleading",
    "other unions say single word judgements are helpful, what does nasuwt think?",
    "the union said ofsted says single-word judgements are helpful",
    # ... and its re-check: "no" for "not", a negation said another way
    "NASUWT's view is that no classroom teachers are employed as inspectors",
    "my rep told me the union's view is that no single-word judgements are helpful",
    "the union thinks single-word judgements aren't helpful and can be misleading no?",
])
def test_the_unions_words_not_reversed_get_no_such_line(searcher, config, q):
    assert "say the opposite" not in render_text(_reply(searcher, config, q))


