"""Regression tests for the review of issues 8 and 13, numbered by finding.

Each test fails on the code or pack as it was before the fix.
"""
from __future__ import annotations

import re
from datetime import date

import pytest

from bot.blocks import fallback_text
from bot.errors import BadReference
from bot.knowledge import SurveyEntry, entry_quotes, load_pack, unadvised
from bot.replies import (
    NO_OPTION,
    NO_POSITION,
    NO_STATEMENT_COMMENT,
    build_reply,
    entry_reply,
    full_lines,
    render_full_text,
    render_text,
    reply_lines,
    sentences,
)
from bot.search import Match, SearchResult
from conftest import SHARED

# as said of NASUWT's guidance
NO_POSITION, NO_OPTION, NO_STATEMENT_COMMENT = (
    said.format(union="NASUWT") for said in (NO_POSITION, NO_OPTION, NO_STATEMENT_COMMENT))

AFTER = date(2026, 11, 26)
SOURCES = SHARED / "sources"


def reply(pack, config, entry_id, statement=None, query=""):
    return entry_reply(pack.get(entry_id), pack, config.contact, statement=statement, query=query, today=AFTER)


def asked(pack, config, query, entry_id, statement=None):
    """The reply for a question the search matched to `entry_id`, through build_reply."""
    result = SearchResult(query=query, answered=True, matches=(Match(pack.get(entry_id), 0.5, statement),),
                          terms=tuple(query.split()))
    return build_reply(result, pack, config.contact, today=AFTER)


# --- 1. a priority as a whole: every kind of guidance from each part ---------------------------------------

# Questions that name a priority as a whole: the search marks them `whole_priority`.
PRIORITY_QUESTIONS = {
    "what should I put for schools priority 1": "schools-reporting-aims",
    "what should I put for SEND priority 2": "send-inspection-practice-views",
    "what should I put for schools priority 3": "schools-impact-views",
    "what should I put for SEND priority 3": "send-impact",
}


def whole_priority_result(index, query: str) -> SearchResult:
    return index.find_matches(query)


@pytest.mark.parametrize("query", sorted(PRIORITY_QUESTIONS))
def test_the_search_marks_these_questions_whole_priority(index, query):
    result = index.find_matches(query)
    assert result.whole_priority and result.best.entry.priority == index.pack.get(PRIORITY_QUESTIONS[query]).priority


def priority_text(index, config, query, *, full=False):
    r = build_reply(whole_priority_result(index, query), index.pack, config.contact, today=AFTER)
    assert r.parts, query
    return render_full_text(r) if full else render_text(r)


def test_priority_keeps_the_rating_questions_advice(index, config):
    text = priority_text(index, config, "what should I put for schools priority 1")
    assert "we strongly recommend that you use the ‘Comments’ box" in text
    assert "It will be important to include comments and examples" in text      # the box's advice
    assert text.index("The rating question") < text.index("strongly recommend") < text.index("The comments box")


def test_priority_keeps_statement_level_views(index, config):
    text = priority_text(index, config, "what should I put for SEND priority 3")
    assert ("NASUWT's view (spring 2024, on statements 1 to 5): “NASUWT agrees that Ofsted should hold all settings"
            in text)
    full = priority_text(index, config, "what should I put for SEND priority 3", full=True)
    assert "on statement 8): “NASUWT has a number of concerns" in full


def test_priority_box_covered_by_its_rated_questions_comments_has_advice(index, config):
    text = priority_text(index, config, "what should I put for schools priority 3")
    assert "no explicit advice for this box" not in text
    assert "You should think about the impact of inspection outside of the actual inspection." in text


def test_each_piece_of_priority_guidance_once(index, config):
    for query in PRIORITY_QUESTIONS:
        r = build_reply(whole_priority_result(index, query), index.pack, config.contact, today=AFTER)
        full = full_lines(r)
        summary = full[: next(i for i, ln in enumerate(full) if ln.part == "heading")]   # before "In full: ..."
        for view in (reply_lines(r), summary):
            lead = [ln.quote.text for ln in view if ln.part == "lead" and ln.quote]
            assert lead and len(lead) == len(set(lead)), query


# --- 2. "since then" lines record a change to what was quoted ------------------------------------------------

def test_no_since_line_repeats_the_entrys_own_policy(pack, config):
    for entry_id in ("pause-policy", "safeguarding-pause-policy"):
        text = render_full_text(reply(pack, config, entry_id))
        assert "We have introduced a new policy and clear process" not in text, entry_id


def test_suspend_and_return_is_not_a_change_to_the_separate_judgement(pack, config):
    for entry_id in ("safeguarding-separate-judgement", "safeguarding-judgement"):
        assert "suspend and return" not in render_full_text(reply(pack, config, entry_id)), entry_id
    for entry_id in ("safeguarding-reinspection", "rapid-safeguarding-reinspection"):
        assert "Since then, Ofsted said (19 December 2024, England): “We have a new ‘suspend and return’ policy" in \
            render_full_text(reply(pack, config, entry_id))


@pytest.mark.parametrize("entry_id,statement", [("notice-period", None), ("inspection-basics", None),
                                                ("schools-inspection-practice", 3)])
def test_monday_notification_is_a_related_change_not_a_new_notice_period(pack, config, entry_id, statement):
    text = render_text(reply(pack, config, entry_id, statement))
    assert ("A related change since then (not to the text above), Ofsted said (19 December 2024, England): “Our "
            "notific") in text
    assert "Since then, Ofsted said (19 December 2024, England): “Our notifications" not in text


# --- 3. plans are plans, in since lines too --------------------------------------------------------------------

PLAN_SINCE = ("Since then, Ofsted's plans for England as of 19 December 2024 (plans then, not a record of what "
              "happened): "
              "“This includes removing the single-word judgement")


@pytest.mark.parametrize("entry_id", ["schools-reporting-views", "single-word-judgements"])
def test_a_planned_change_since_is_labelled_a_plan(pack, config, entry_id):
    text = render_full_text(reply(pack, config, entry_id))
    assert PLAN_SINCE in text and "Ofsted said (19 December 2024, England): “This includes removing" not in text


def test_every_since_line_with_a_future_date_is_a_plan(pack):
    """'by September 2025', 'by April 2026': a December 2024 report's future dates are plans."""
    for e in pack.entries:
        for s in e.since:
            if re.search(r"\bby (January|April|September|spring|summer) 202[5-9]", s.text):
                assert s.plan, (e.id, s.text[:60])
        for i, q in enumerate(getattr(e, "body", ())):
            if re.search(r"\bby (January|April|September) 202[5-9]|working with the DfE to develop", q):
                assert e.plan and i not in e.done, (e.id, q[:60])


# --- 4. the Gilbert review's words are not Ofsted's ---------------------------------------------------------------

def test_no_quotation_from_the_gilbert_recommendation_is_labelled_ofsted(pack):
    report = (SOURCES / "ofsted-big-listen-action-monitoring-dec-2024.txt").read_text(encoding="utf-8").splitlines()
    intro = next(i for i, line in enumerate(report) if line.startswith("The first recommendation of Dame Christine"))
    recommendation = report[intro + 1]
    assert "single, overarching improvement and development plan" in recommendation
    for e in pack.entries:
        for q in entry_quotes(e, pack):
            assert q.text not in recommendation, (e.id, q.text[:60])


def test_hmci_quotes_ofsteds_own_sentence(pack, config):
    text = render_text(reply(pack, config, "hmci", query="who is hmci"))
    assert "Ofsted said (19 December 2024, England): “The Big Listen response provided that single overarching" in text


# --- 5. the union's advice is advice -------------------------------------------------------------------------------

def test_advice_shaped_union_sentences_have_advice_guidance(pack):
    """A comment the union writes as advice ("You might ...") means the question (or the
    statement it follows) has advice or a recommended answer, never "no recommendation"
    (knowledge.unadvised; `validate` warns of any in a pack)."""
    assert unadvised(pack) == []


def test_the_advice_check_would_catch_a_missing_advice(pack):
    from dataclasses import replace
    e = pack.get("final-anything-else")
    assert [g.kind for g in e.guidance] == ["advice"]
    stripped = replace(pack, entries=tuple(replace(x, guidance=()) if x is e else x for x in pack.entries))
    assert [(i, s) for i, s, _ in unadvised(stripped)] == [("final-anything-else", None)]


@pytest.mark.parametrize("entry_id,statement,advice", [
    ("final-anything-else", None, "You might include comments that you consider to be particularly significant."),
    ("safeguarding-reinspection", None, "If you make a similar comment, you might also want to comment on the"),
    ("safeguarding-pause-policy", None, "You might want to comment about making it easy to raise concerns"),
    ("schools-impact", None, "You might draw on examples from your own experience"),
    ("schools-culture-views", None, "You might want to comment on the diversity"),
    ("send-culture-views", None, "The comments in this section should reflect the comments"),
    ("send-impact", 7, "You might use the comments section below to raise any concerns"),
])
def test_named_advice_is_shown_as_advice(pack, config, entry_id, statement, advice):
    text = render_text(reply(pack, config, entry_id, statement))
    assert NO_POSITION not in text
    assert f"NASUWT advises (spring 2024): “{advice}" in text


# --- 6. the reinspection reply leads with the union's main position ---------------------------------------------

def test_reinspection_leads_with_the_main_position(pack, config):
    lines = reply_lines(reply(pack, config, "safeguarding-reinspection"))
    assert lines[0].label == "NASUWT's view (spring 2024):"
    assert lines[0].quote.text.startswith("NASUWT questions whether Ofsted should inspect safeguarding.")
    assert lines[1].label == "NASUWT advises (spring 2024):"
    assert lines[1].quote.text.startswith("If you make a similar comment")
    short = render_text(reply(pack, config, "safeguarding-reinspection"))
    assert "this would be a sensible option" not in short
    assert "NASUWT’s view that this would be a sensible option" in render_full_text(
        reply(pack, config, "safeguarding-reinspection"))


# --- 7. a basis keeps its reason; "Therefore, ..." alone is refused ------------------------------------------------

def test_basis_opening_with_therefore_is_refused(pack_copy):
    path = pack_copy / "survey-schools.yaml"
    text = path.read_text(encoding="utf-8")
    whole = ("    basis: While all of the points below could be judged to be important or very important, positive "
             "responses to some or all of the questions could be seen to imply support for the current approach to "
             "inspection. Therefore,")
    assert whole in text
    path.write_text(text.replace(whole, "    basis: Therefore,"), encoding="utf-8")
    with pytest.raises(BadReference, match="whole sentences"):
        load_pack(pack_copy)


def test_short_view_keeps_the_reason_for_the_advice(pack, config):
    text = render_text(reply(pack, config, "schools-reporting-aims"))
    assert "could be seen to imply support for the current approach to inspection. Therefore, we strongly" in text


# --- 8. with no statement matched, the one sentence says what it is about -----------------------------------------

def test_unmatched_statement_lead_gives_its_scope(pack, config):
    r = asked(pack, config, "does ofsted make mainstream schools push out pupils", "send-impact")
    lead = [ln for ln in reply_lines(r) if ln.part == "lead"]
    assert lead[0].label == NO_OPTION   # the union advises on other statements of it
    assert re.match(r"NASUWT says \(spring 2024, on statements? \d+( to \d+)?\):", lead[1].label), lead[1].label


def test_unmatched_statement_lead_follows_the_questions_words(pack, config):
    r = asked(pack, config, "are area SEND inspections important", "send-impact")
    lead = [ln for ln in reply_lines(r) if ln.part == "lead"]
    # the whole view the sentence starts, as the pack codes it (round 35): "These are important because ..."
    assert lead[1].label == "NASUWT's view (spring 2024, on statement 6):"
    assert lead[1].quote.text.startswith("This question addresses the role of SEND area inspections. These are "
                                         "important because")


@pytest.mark.parametrize("statement", [8, 9, 10])
def test_a_statement_the_union_said_nothing_on_says_so_not_another_statements_view(pack, config, statement):
    """Round 22's audit: "should I agree with the statement The number of good and outstanding SEND
    ..." (statement 9, which the union didn't comment on) was led by "NASUWT's view (on statements
    1 to 5): NASUWT agrees ...": under "should I agree?", it read as "answer Agree"."""
    r = asked(pack, config, "should I agree with this statement", "send-impact", statement=statement)
    lead = [ln for ln in reply_lines(r) if ln.part == "lead"]
    assert [ln.label for ln in lead] == [NO_OPTION, NO_STATEMENT_COMMENT]
    full = render_full_text(r)
    assert "NASUWT agrees that Ofsted should hold all settings" in full   # the other statements' stay in full


def test_a_statement_whose_comment_cannot_lead_is_not_said_to_have_none(pack, config):
    """Round 22's review: a statement with a comment of its own whose every sentence is passed over
    for the lead (a list after "... include:", a "However, ...") was said to have none."""
    from dataclasses import replace
    e = pack.get("send-impact")
    listed = ("Things you might want to mention include:", "the time it takes;", "who checks it.")
    statements = tuple(replace(st, commentary=listed, guidance=()) if i == 8 else st
                       for i, st in enumerate(e.statements))
    edited = replace(pack, entries=tuple(replace(x, statements=statements) if x is e else x for x in pack.entries))
    r = asked(edited, config, "should I agree with this statement", "send-impact", statement=8)
    assert NO_STATEMENT_COMMENT not in render_text(r)


def test_a_statement_covered_by_a_later_comment_still_leads_with_it(pack, config):
    r = asked(pack, config, "should I agree ofsted holds special schools to account", "send-impact", statement=3)
    lead = [ln for ln in reply_lines(r) if ln.part == "lead"]
    assert lead[1].quote.text.startswith("NASUWT agrees that Ofsted should hold all settings")


def test_sentences_do_not_break_at_eg():
    p = ("It might also include the professional roles and backgrounds of inspectors (e.g. their experience "
         "in a particular phase of education). This is next.")
    assert sentences(p) == [p[: p.index(" This")], "This is next."]


# --- 9. glossary and background replies lead with what was asked ---------------------------------------------------

@pytest.mark.parametrize("query,entry_id,lead", [
    ("how much notice do schools get", "inspection-basics", "The time between notifying a school"),
    ("what is the union's view on ofsted inspecting MATs", "mats", "NASUWT’s view is that the current arrangements"),
    ("can pupils take part, is there a children's survey", "childrens-survey", "We want to hear from the children"),
])
def test_lead_is_the_sentence_the_question_asks_about(pack, config, query, entry_id, lead):
    r = asked(pack, config, query, entry_id)
    first = next(ln for ln in reply_lines(r) if ln.quote)
    assert first.quote.text.startswith(lead), first.quote.text[:60]
    full = render_full_text(r)
    assert all(q in full for q in pack.get(entry_id).body)        # the rest is still there


def test_without_a_question_the_stored_order_stays(pack, config):
    first = next(ln for ln in reply_lines(reply(pack, config, "mats")) if ln.quote)
    assert first.quote.text.startswith("Currently, Ofsted inspects local authorities")


# --- 10. survey statements are not facts ---------------------------------------------------------------------------

def test_survey_statements_in_glossary_entries_are_labelled_as_statements(pack, config):
    statements = [s.text for e in pack.entries if isinstance(e, SurveyEntry) for s in e.statements]
    seen = 0
    for e in pack.entries:
        if isinstance(e, SurveyEntry):
            continue
        full = render_full_text(reply(pack, config, e.id))
        for q in e.body:
            if any(q in s for s in statements):
                seen += 1
                assert f"Ofsted's survey statement, put to respondents to rate (spring 2024): “{q}”" in full, e.id
    assert seen >= 3     # notice-period, pupil-referral-units, inspection-basics


# --- 11. context, unrelated facts, the notification line ---------------------------------------------------------

def test_send_culture_keeps_the_ruth_perry_paragraph(pack):
    ruth = [c for c in pack.get("send-culture-views").context if "Ruth Perry" in c]
    assert ruth == [c for c in pack.get("schools-culture-views").context if "Ruth Perry" in c]
    assert not ruth[0].startswith("NOTE")


def test_suspend_and_return_policy_has_no_unrelated_fact(pack):
    assert all("piloted" not in f for f in pack.get("suspend-and-return-policy").facts)


def test_notification_line_says_view_and_closed(pack, config):
    view_only = reply(pack, config, "send-impact", statement=5)
    assert {g.kind for g in view_only.guidance} == {"view"}
    assert fallback_text(view_only).startswith(f"{pack.get('send-impact').title} — NASUWT's view")
    big = fallback_text(reply(pack, config, "big-listen"))
    assert big == "The Big Listen — Ofsted's Big Listen closed on 31 May 2024."


def test_notification_line_gives_a_suggested_answer_with_whose_it_is_when_and_its_basis(pack, config):
    """The notification (the message's `text`) is read on its own, on a lock screen: a suggested
    answer there carries the union's name, the date and its whole basis sentence, and a survey
    answer says the consultation has closed (it said "— suggested answer: Yes" and no more)."""
    answer = next(g for g in pack.get("safeguarding-separate-judgement").guidance if g.kind == "answer")
    line = fallback_text(reply(pack, config, "safeguarding-separate-judgement"))
    assert f"Suggested answer: {answer.answer}. NASUWT says (spring 2024): “{answer.basis}”" in line
    assert line.endswith("Ofsted's Big Listen closed on 31 May 2024; advice given while it was open.")


# --- 13. the handlers date replies by the real clock -----------------------------------------------------------------

def test_guide_uses_the_real_date_by_default(tmp_path, config):
    """No handler passes `today`: the default is the real date, and the real date is after
    the Big Listen closed."""
    from dataclasses import replace

    from bot.guide import Guide
    guide = Guide.from_config(replace(config, storage=replace(config.storage, path=str(tmp_path / "bot.sqlite3"))))
    text = render_text(guide.ask("should safeguarding be a separate judgement?", via="test"))
    assert "closed on 31 May 2024" in text and date.today() > date(2024, 5, 31)


# --- plans stay plans; Ofsted's launch text says the consultation has closed ----------------------------------------

@pytest.mark.parametrize("entry_id, plan, record", [
    ("inspector-expertise-and-training", "we will introduce secondments", "This was a specific commitment"),
    ("consistency-reviews", "We are building in similar consistency meetings", "lead a rigorous consistency review"),
    ("area-send-improvements-2024", "We are working closely with the DfE", None),
    ("ofsted-academy", "It will increase our transparency", "We have launched the Ofsted Academy"),
    ("hmci", "They will hold regular challenge sessions", "The Big Listen response provided that"),
    ("area-insights-provider-intelligence-hub", "It will work to make sure", "It makes sure that we investigate"),
    # round 22's audit: a plan stated among records, and a pause under way
    ("action-report-dec-2024", "We will publish regular monitoring reports", "Total Big Listen actions completed"),
    ("ite-inspection-pause", "We are pausing inspection of initial teacher education", None),
])
def test_work_under_way_in_december_2024_is_labelled_a_plan(pack, config, entry_id, plan, record):
    lines = full_lines(reply(pack, config, entry_id))
    label, above = {}, ""
    for ln in lines:   # a line of a passage with no label of its own reads under the one above
        above = ln.label or above
        if ln.quote:
            label[ln.quote.text] = above
    assert any(plan in text and "plans then, not a record" in lab for text, lab in label.items())
    if record:
        assert any(record in text and lab.startswith("Ofsted said") for text, lab in label.items())


@pytest.mark.parametrize("entry_id", ["why-ofsted-launched-big-listen", "ofsted-four-areas", "schools-priority-areas"])
def test_the_consultations_own_description_says_it_has_closed(pack, config, entry_id):
    assert "closed on 31 May 2024" in render_text(reply(pack, config, entry_id))


# --- round 14: the content audit --------------------------------------------------------------------------------

@pytest.mark.parametrize("query", ["what does NASUWT say about report cards", "does the union support report cards?"])
def test_asked_for_the_unions_view_an_answer_quoting_only_ofsted_says_so_first(pack, config, query):
    """The labels were right ("Ofsted's plans ...") but easy to read past when the union's view
    was what was asked; the first line now says whose words follow."""
    text = render_text(asked(pack, config, query, "report-cards"))
    notice = "You asked what NASUWT thinks: what follows are Ofsted's words, not NASUWT's."
    assert text.splitlines()[1].startswith(notice)
    # the union's words on single-word judgements are linked to report cards: no "no view" (round 30's review)
    assert "NASUWT's own words on a related topic are under [Single-word judgements]." in text.splitlines()[1]
    assert any(ln.label.startswith(notice) for ln in full_lines(asked(pack, config, query, "report-cards")))
    assert notice not in render_text(asked(pack, config, "what are report cards", "report-cards"))
    # an entry with the union's own words needs no such line
    assert "You asked what" not in render_text(asked(pack, config, "what does nasuwt think of single word judgements",
                                                    "single-word-judgements"))


def test_ofsteds_report_is_said_to_apply_to_england(pack, config):
    """"does estyn still use single word judgements in wales?" was answered with Ofsted's plan and
    nothing said where it applies; the report says "Applies to England" under its title."""
    text = render_text(reply(pack, config, "single-word-judgements"))
    assert "Ofsted's plans for England as of 19 December 2024" in text
    assert "Source: Ofsted's Big Listen action report (19 December 2024; applies to England)" in render_text(
        reply(pack, config, "report-cards"))
    assert pack.sources["ofsted-announcement"].applies_to == ""   # only where a source says so
    from bot.replies import match_record
    from bot.search import Match
    record = match_record(Match(pack.get("report-cards"), 1.0), pack, today=AFTER)
    assert record["source"]["applies_to"] == "England"   # `ask --json` says so too
    assert "applies_to" not in match_record(Match(pack.get("off-rolling"), 1.0), pack, today=AFTER)["source"]


def test_did_you_mean_ends_with_one_question_mark(pack, config):
    from bot.replies import abstain_lines
    result = SearchResult(query="x", answered=False, matches=(Match(pack.get("send-impact"), 0.3),),
                          terms=("x",), reason="low_confidence")
    line = next(x for x in abstain_lines(build_reply(result, pack, config.contact, today=AFTER))
                if x.startswith("Did you mean: "))
    assert line.endswith("agree?") and not line.endswith("??")


def test_a_decline_suggesting_survey_questions_says_the_survey_has_closed(pack, config):
    """"where do I put this?" asked today, declined with survey questions suggested: the member is
    told which it couldn't tell (where it goes) and that the Big Listen closed, as every answer
    about the survey says; a decline suggesting only a glossary term says nothing of the survey."""
    from bot.blocks import abstain_blocks
    from bot.replies import abstain_lines
    story = "two days of inspection after eighteen months of mocks and book looks. where do I put this?"
    result = SearchResult(query=story, answered=False, matches=(Match(pack.get("schools-impact-views"), 0.4),
                                                                Match(pack.get("off-rolling"), 0.3)),
                          terms=("mocks",), reason="low_confidence")
    reply = build_reply(result, pack, config.contact, today=AFTER)
    lines = abstain_lines(reply)
    assert lines[0] == "I can't tell which question of the survey that fits best, so I won't guess."
    assert lines[-1] == "Ofsted's Big Listen closed on 31 May 2024."
    during = abstain_lines(build_reply(result, pack, config.contact, today=date(2024, 5, 1)))
    assert during[-1].startswith("Ofsted's Big Listen is open until 31 May 2024")
    blocks = str(abstain_blocks(reply).blocks)
    assert "closed on 31 May 2024" in blocks and "I can't tell which question" in blocks
    plain = SearchResult(query="whats the word for taking kids off roll?", answered=False,
                         matches=(Match(pack.get("off-rolling"), 0.3),), terms=("roll",), reason="low_confidence")
    lines = abstain_lines(build_reply(plain, pack, config.contact, today=AFTER))
    assert lines[0].startswith("I'm not sure the") and not any("closed" in x for x in lines)


def test_a_list_keeps_its_lead_in_and_a_sentence_that_refers_back_keeps_the_one_before(pack, config):
    """Short replies quoted "This includes where they have concerns about the well-being ..."
    without the policy it refers to, and "culture." or "... four priority areas:" without the
    rest of the list; the full view scattered the list among the other facts."""
    text = render_text(reply(pack, config, "inspection-wellbeing-support", query="headteacher wellbeing concerns"))
    assert "“We have introduced a new policy and clear process to allow inspectors to pause an inspection.”\n" \
           "  “This includes where they have concerns" in text
    full = render_full_text(reply(pack, config, "schools-priority-areas", query="culture"))
    assert ("split into four priority areas:”\n  “reporting;”\n  “inspection practice;”\n  “impact; and”\n"
            "  “culture.”") in full
    short = render_text(reply(pack, config, "ofsted-four-areas"))
    assert short.count("“") == 5   # the lead-in and its four areas


@pytest.mark.parametrize("query, asks", [
    ("what does NASUWT say about report cards", True), ("nasuwt is backing the new report cards isn't it?", True),
    ("what's the union's view on deep dives", True), ("does the union prefer HMIs to OIs?", True),
    ("what did ofsted say about trade unions on complaints panels", False),
    ("does ofsted want to hear from unions", False), ("what did ofsted say to the unions", False),
    ("union rep said report cards are coming, what are they", False),
    # the second content audit of round 14
    ("is nasuwt in favour of the suspend and return policy", True), ("whats nasuwts view on report cards", True),
    ("where does the union stand on report cards", True), ("has nasuwt commented on report cards", True),
    ("nasuwt what do they think about report cards", True),
    ("I joined the union and want to know what report cards are", False),
    ("The union said to ask here: what is the suspend and return policy?", False),
    ("our union support officer said ofsted has a provider contact helpline, what is it?", False),
    ("my nasuwt line manager asked me what the ofsted academy is", False),
    # round 19's audit: a member telling the bot what the union thinks, and "for or against"
    ("holding back the report for 3 months - is the union for or against that?", True),
    ("nasuwt opposed the 3 month report delay didn't they", True),
    ("nasuwt wants to keep the one-word grades but add more detail, is that right?", True),
    ("I joined the union for the legal cover: what is the ofsted academy?", False),
    # ... and the review of round 19
    ("our union argued this before - what's the report card question", False),
    ("has the union backed off from report cards?", False), ("the union wants to know what you think", False),
    ("the union wanted us to respond to the big listen", False),
    # ... and its second review: the exclusions had taken "support them" and "off-rolling" too
    ("holding back the report for 3 months, does nasuwt support them doing that?", True),
    ("report cards - does nasuwt support them?", True), ("does nasuwt think off-rolling is a problem?", True),
    ("does the union want off-rolling to count?", True),
    # round 29's content audit: "did NASUWT welcome the suspend and return policy?" had no note that
    # Ofsted's words followed
    ("did NASUWT welcome the suspend and return policy?", True), ("does the union welcome report cards", True),
    # round 30's content audit: having, making of and saying, asked
    ("does the union have a view on the new ungraded inspection changes", True),
    ("has nasuwt got a view on report cards", True), ("does nasuwt have a position on MATs", True),
    ("what did nasuwt make of the big listen response", True),
    ("did nasuwt say 'the inspectorate should not inspect safeguarding'?", True),
    ("does the union have a rep in every school", False), ("did the union get my email", False),
    ("does the union have a line manager I can talk to?", False),
    # audit 30b: told what the union said, not the union passing a message on
    ("nasuwt said the 3 month delay to the report is a bad idea", True),
    ("the union said we should put yes for that one", False),
    ("nasuwt said it would email members about the monday notification", False),
    ("nasuwt said sorry about the complaints hub delay", False),
    # round 31's audit: liking, and "says" as well as "said"
    ("i heard nasuwt actually likes single word judgements because parents understand them", True),
    ("the union says funding has nothing to do with SEND problems", True),
    ("the union says to ask my rep", False), ("nasuwt says we should put agree", False),
    ("would nasuwt like us to mention workload", False), ("do unions like nasuwt get a say", False),
])
def test_asking_the_unions_view_is_the_union_thinking(query, asks):
    """The review of round 14: any "union" and any "say" anywhere made the bot open with "You
    asked what NASUWT thinks" for "what did ofsted say about trade unions on complaints panels"."""
    from bot.replies import asks_union_view
    assert asks_union_view(query, "NASUWT") is asks


def test_asked_the_unions_view_a_survey_reply_leads_with_it_not_a_suggested_answer(pack, config):
    """The second content audit of round 14: "does nasuwt even think ofsted should be inspecting
    safeguarding at all?" led with the separate-judgement question's "Suggested answer: Yes" (read
    as yes); the union's position, that it shouldn't, was in the full view only."""
    query = "does nasuwt even think ofsted should be inspecting safeguarding at all?"
    r = asked(pack, config, query, "safeguarding-separate-judgement")
    lines = render_text(r).splitlines()
    view = next(i for i, ln in enumerate(lines) if ln.startswith("NASUWT's view (spring 2024): “NASUWT’s position"))
    assert view < next(i for i, ln in enumerate(lines) if ln.startswith("Suggested answer: Yes"))
    assert " — NASUWT's view, and its suggested answer" in fallback_text(r)
    plain = render_text(asked(pack, config, "should safeguarding be a separate judgement",
                              "safeguarding-separate-judgement"))
    assert plain.splitlines()[2].startswith("Suggested answer: Yes")


@pytest.mark.parametrize("query", [
    "the idea of ofsted holding back the report for 3 months while a school sorts its safeguarding - is the union "
    "for or against that?",
    "nasuwt opposed the thing where ofsted holds the report back for 3 months over safeguarding didn't they",
    "Great so nasuwt backs ofsted's plan to withhold reports for 3 months while safeguarding gets fixed."])
def test_asked_the_unions_view_of_a_proposal_the_short_reply_has_it_with_what_it_refers_to(pack, config, query):
    """Round 19's audit: asked for (or told) the union's view on holding back the report, the
    short reply showed only its view on who should inspect safeguarding and the advice after it;
    the view on the proposal ("this would be a sensible option") was in the full view only, so
    "nasuwt opposed ..." stood. It is shown, after the advice it refers back to."""
    lines = render_text(asked(pack, config, query, "safeguarding-reinspection")).splitlines()
    order = [next(i for i, ln in enumerate(lines) if ln.startswith(start)) for start in (
        "NASUWT's view (spring 2024): “NASUWT questions whether Ofsted should inspect safeguarding",
        "NASUWT advises (spring 2024): “If you make a similar comment, you might also want to comment on the proposal",
        "NASUWT's view (spring 2024): “NASUWT’s view that this would be a sensible option")]
    assert order == sorted(order) and order[0] == 2


def test_a_view_leans_only_on_what_comes_just_before_it_in_the_commentary(pack, config):
    """The review of round 19: "All of these things are important" (SEND reporting's comments
    box) refers to the aims list, not to the advice stored before it in the pack: it still leads,
    not after that advice, as if "these things" were the challenges the advice names."""
    query = "what does nasuwt think ofsted's priorities should be when reporting on SEND provision?"
    lines = render_text(asked(pack, config, query, "send-reporting-views")).splitlines()
    assert lines[2].startswith("NASUWT's view (spring 2024): “All of these things are important.")
    assert lines[3].startswith("NASUWT advises (spring 2024): “It will be particularly important")


@pytest.mark.parametrize("query", ["what does the union recommend for the separate judgement question",
                                   "what does nasuwt say i should put for separate judgement for safeguarding"])
def test_asked_what_to_put_the_suggested_answer_leads(pack, config, query):
    """The review of round 14: "recommend" and "say i should put" counted as asking the union's
    view, and the reply led with its position on inspecting safeguarding, not "answer 'yes'"."""
    r = asked(pack, config, query, "safeguarding-separate-judgement")
    assert render_text(r).splitlines()[2].startswith("Suggested answer: Yes")
    assert "Suggested answer: Yes" in fallback_text(r)


def test_a_consultation_run_by_the_somebody_is_capitalised_only_where_a_sentence_starts(pack_copy, config):
    """Round 20's note: a pack whose `run_by` is "the Example Department" read "the words quoted
    are The Example Department's" and "On The Example Department's survey statement"."""
    info = pack_copy / "pack.yaml"
    info.write_text(info.read_text(encoding="utf-8").replace("run_by: Ofsted", "run_by: the Department"),
                    encoding="utf-8")
    pack = load_pack(pack_copy)
    only_theirs = render_text(reply(pack, config, "off-rolling")).splitlines()
    assert only_theirs[-1] == ("Source: NASUWT commentary (spring 2024); the words quoted are the Department's, "
                               "not NASUWT's")
    full = render_full_text(reply(pack, config, "send-impact"))
    assert "On the Department's survey statement “Ofsted holds local areas to account" in full
    assert "\nThe Department's survey asks (spring 2024):" in full              # a line starts with it
    assert re.search(r"[a-z,;:] The Department's", full) is None, full      # never capitalised mid-sentence


def test_a_reply_quoting_only_ofsted_from_the_unions_page_says_whose_words_they_are(pack, config):
    """Round 19's audit: Ofsted's definition of off-rolling, quoted from the union's commentary,
    ended "Source: NASUWT commentary (spring 2024)" alone, which reads as the union's words."""
    only_ofsted = render_text(reply(pack, config, "off-rolling", query="whats off-rolling")).splitlines()
    assert only_ofsted[-1] == ("Source: NASUWT commentary (spring 2024); the words quoted are Ofsted's, "
                               "not NASUWT's")
    with_union = render_text(reply(pack, config, "safeguarding-separate-judgement"))
    assert "Source: NASUWT commentary (spring 2024)\n" in with_union + "\n" and "not NASUWT's" not in with_union


def test_the_unions_advice_quoted_in_a_glossary_entry_is_labelled_advice(pack, config):
    """Round 22's audit: "You might want to comment on the use of single word judgements." was
    "NASUWT says" in the glossary entry, where survey replies call such a sentence advice."""
    text = render_full_text(reply(pack, config, "single-word-judgements", query="single word judgements"))
    assert "NASUWT advises (spring 2024): “You might want to comment on the use of single word judgements.”" in text
    assert "NASUWT's view (spring 2024): “NASUWT’s view is that single-word judgements" in text
    said = render_full_text(reply(pack, config, "contact-education-team"))   # "... how you might respond"
    assert "NASUWT advises" not in said and "NASUWT says" in said
