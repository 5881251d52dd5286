"""Issues 8 and 13: whose words and when, the kinds of guidance, and answer first.

Every finding of issue 8 has a regression test here or in test_speakers/test_knowledge;
issue 13's shape (short reply, full view with everything) is checked over the whole pack.
"""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest

from bot.blocks import answer_blocks, full_guidance_view
from bot.evaluate import load_questions, reply_lengths
from bot.knowledge import SurveyEntry
from bot.replies import (
    LEAD_LIMIT,
    NO_OPTION,
    NO_POSITION,
    build_reply,
    entry_reply,
    full_lines,
    length_summary,
    render_full_text,
    render_text,
    reply_lines,
    shown_quotes,
)
from bot.search import Match, SearchResult
from conftest import SHARED, run_cli

# as said of NASUWT's guidance
NO_POSITION, NO_OPTION = (said.format(union="NASUWT") for said in (NO_POSITION, NO_OPTION))

BEFORE = date(2024, 5, 1)      # the Big Listen was open
LAST_DAY = date(2024, 5, 31)
AFTER = date(2026, 11, 26)
KIND_WORDS = ("Suggested answer:", "NASUWT advises", "NASUWT's view", NO_POSITION,
              "recommends no particular option")


def reply(pack, config, entry_id, statement=None, today=AFTER):
    return entry_reply(pack.get(entry_id), pack, config.contact, statement=statement, today=today)


def all_replies(pack, config):
    for e in pack.entries:
        yield entry_reply(e, pack, config.contact, today=AFTER)
        if isinstance(e, SurveyEntry):
            for i in range(len(e.statements)):
                yield entry_reply(e, pack, config.contact, statement=i, today=AFTER)


# --- issue 8: whose words ----------------------------------------------------------------

def test_notice_period_is_ofsteds_survey_text_not_the_unions(pack, config):
    text = render_text(reply(pack, config, "notice-period"))
    assert "Ofsted's survey statement, put to respondents to rate (spring 2024): “The time between notifying" in text
    assert "NASUWT says" not in text


def test_every_shown_quotation_is_labelled_with_its_speaker(pack, config):
    """A labelled line names the speaker of its quotation; an unlabelled one sits under
    the "What NASUWT says" heading (the union's commentary), or goes on a passage begun by a
    labelled quotation of the same speaker (a list after its lead-in)."""
    names = {"union": "NASUWT", "ofsted": "Ofsted", "press": "Schools Week"}
    for r in all_replies(pack, config):
        under_union_heading = False
        passage = None
        for ln in full_lines(r):
            if ln.quote is None:
                passage = None
                if ln.label.startswith("What NASUWT says"):
                    under_union_heading = True
                elif not ln.label.startswith("On "):      # "On the statement ...": a sub-heading
                    under_union_heading = False
                continue
            if not ln.label:
                assert ((under_union_heading and ln.quote.speaker == "union") or passage == ln.quote.speaker), (
                    r.entry.id, ln.quote.text[:50])
                continue
            under_union_heading = False
            passage = ln.quote.speaker
            assert names[ln.quote.speaker] in ln.label, (r.entry.id, ln.label, ln.quote.text[:50])
            if ln.quote.speaker != "union":
                assert "NASUWT says" not in ln.label


def test_press_is_labelled_with_its_date(pack, config):
    text = render_text(reply(pack, config, "autumn-visits-2020"))
    assert "Schools Week reported (summer 2020):" in text and "not necessarily now" in text


# --- issue 8: status and dates ---------------------------------------------------------------

@pytest.mark.parametrize("entry_id", ["safeguarding-separate-judgement", "final-anything-else"])
def test_the_same_pack_before_and_after_closing(pack, config, entry_id):
    before = render_text(reply(pack, config, entry_id, today=BEFORE))
    assert "is open until 31 May 2024: 31 days left to respond." in before
    last = render_text(reply(pack, config, entry_id, today=LAST_DAY))
    assert "1 day left to respond." in last
    after = render_text(reply(pack, config, entry_id, today=AFTER))
    assert "closed on 31 May 2024; advice given while it was open." in after
    assert "days left" not in after


def test_can_i_still_respond_leads_with_closed(pack, config, index):
    r = build_reply(index.find_matches("can I still respond to the big listen"), pack, config.contact, today=AFTER)
    first = reply_lines(r)[0]
    assert r.entry.about_consultation or isinstance(r.entry, SurveyEntry)
    assert "closed on 31 May 2024" in (first.label if not isinstance(r.entry, SurveyEntry)
                                       else render_text(r))
    for entry_id in ("big-listen", "childrens-survey", "who-can-take-part"):
        assert reply_lines(reply(pack, config, entry_id))[0].label == "Ofsted's Big Listen closed on 31 May 2024."


def test_spring_2024_practice_carries_its_date_and_what_changed(pack, config):
    notice = render_text(reply(pack, config, "schools-inspection-practice", statement=3))
    assert ">> Ofsted's survey statement 4 of 5 (spring 2024): “The time between notifying a school" in notice
    # the day of the call changed, not the half-day notice: a related change, not "since then" (review, 2)
    assert ("A related change since then (not to the text above), Ofsted said (19 December 2024, England): "
            "“Our notifications for all routine") in notice
    other = render_text(reply(pack, config, "schools-inspection-practice", statement=0))
    assert "Since then" not in other                       # the change is about the notice statement only
    assert "A related change since then" in render_full_text(reply(pack, config, "schools-inspection-practice"))
    for entry_id in ("rapid-safeguarding-reinspection", "safeguarding-reinspection"):
        text = render_text(reply(pack, config, entry_id))
        assert "Since then, Ofsted said (19 December 2024, England)" in text, entry_id


PLAN = "Ofsted's plans for England as of 19 December 2024 (plans then, not a record of what happened):"


@pytest.mark.parametrize("entry_id", ["report-cards", "education-inspection-framework", "ilacs", "cafcass",
                                      "annual-reviews-safeguarding-attendance-off-rolling"])
def test_plans_stay_plans(pack, config, entry_id):
    text = render_text(reply(pack, config, entry_id))
    assert PLAN in text and "Ofsted said" not in text


def test_a_plan_entry_labels_what_was_done_as_done(pack, config):
    """Review, 3: fe-and-skills' September 2024 handbook update happened; the rest are plans."""
    text = render_full_text(reply(pack, config, "fe-and-skills"))
    assert "Ofsted said (19 December 2024, England): “We have clarified how we will apply" in text
    assert f"{PLAN} “We are working on how we will reduce the burden" in text
    assert f"{PLAN} “We have clarified" not in text


def test_social_care_spring_2026_sentence_is_not_in_a_schools_entry(pack):
    spring = "we intend to make these changes in spring 2026."
    holders = [e.id for e in pack.entries if any(spring in q for q in e.quotes())]
    assert holders == ["sccif"]


def test_context_is_shown_where_the_question_refers_to_it(pack, config):
    text = render_text(reply(pack, config, "safeguarding-reinspection"))
    assert "Ofsted's survey explains (spring 2024): “Where the issues are more serious" in text   # "new approach"
    assert "we could withhold finalising a judgement for three months" in text                  # "proposal"
    assert text.index("Ofsted's survey explains") < text.index("Ofsted's survey asks")


# --- issue 8: kinds of guidance ----------------------------------------------------------------

def test_advice_is_not_labelled_no_advice(pack, config):
    aims = render_text(reply(pack, config, "schools-reporting-aims"))
    assert NO_POSITION not in aims and "no explicit recommendation" not in aims
    advice = ("NASUWT advises (spring 2024): “While all of the points below could be judged to be important or "
              "very important, positive responses to some or all of the questions could be seen to imply support for "
              "the current approach to inspection. Therefore, we strongly recommend that you use the ‘Comments’ box")
    assert advice in aims
    views = render_text(reply(pack, config, "send-inspection-practice-views"))
    assert "NASUWT advises (spring 2024): “We suggest that you include evidence" in views
    assert NO_POSITION not in views


def test_no_recommendation_only_without_answer_or_advice(pack, config):
    for r in all_replies(pack, config):
        if not isinstance(r.entry, SurveyEntry):
            continue
        kinds = {g.kind for g in (*r.guidance, *r.entry.all_guidance())}   # anywhere on the question
        said = NO_POSITION in render_full_text(r)
        assert said == (not kinds & {"answer", "advice"}), (r.entry.id, r.statement)


def test_send_agreement_shows_for_each_holds_to_account_statement(pack, config):
    for i in range(5):
        text = render_text(reply(pack, config, "send-impact", statement=i))
        assert "NASUWT's view (spring 2024): “NASUWT agrees that Ofsted should hold all settings" in text
        assert "Suggested answer" not in text


def whole(pack, entry_id):
    return SearchResult(query="what should I put for SEND priority 2", answered=True,
                        matches=(Match(pack.get(entry_id), 0.5),), terms=("send", "prioriti"), whole_priority=True)


@pytest.mark.parametrize("asked", ["send-inspection-practice", "send-inspection-practice-views"])
def test_a_priority_as_a_whole_gets_both_halves_in_order(pack, config, asked):
    r = build_reply(whole(pack, asked), pack, config.contact, today=AFTER)
    text = render_text(r)
    rating = text.index("Suggested answer: Very important.")
    advice = text.index("NASUWT advises (spring 2024): “We suggest that you include evidence")
    view = text.index("NASUWT's view (spring 2024): “NASUWT believes that it is important for Ofsted to make links")
    assert rating < advice < view
    assert text.startswith("== Priority 2: Inspection practice (Special educational needs")
    full = render_full_text(r)
    for part in ("send-inspection-practice", "send-inspection-practice-views"):
        for q in pack.get(part).quotes():
            assert q in full, q[:60]
    blocks = answer_blocks(r).blocks
    assert "Suggested answer: Very important" in blocks[1]["text"]["text"]


def test_a_priority_as_a_whole_does_not_offer_its_own_other_half_as_a_near_match(pack, config):
    shown, other = pack.get("send-inspection-practice"), pack.get("send-inspection-practice-views")
    result = replace(whole(pack, shown.id), matches=(Match(shown, 0.5), Match(other, 0.5),
                                                     Match(pack.get("send-impact"), 0.48)))
    r = build_reply(result, pack, config.contact, today=AFTER)
    assert [m.entry.id for m in r.others] == ["send-impact"]
    # near-tied (0.5 against 0.5, within replies.NEAR_TIE) the other half would have been offered
    assert other.id not in render_text(r).split("Did you mean")[-1]


def test_without_whole_priority_one_question_is_answered(pack, config):
    result = whole(pack, "send-inspection-practice-views")
    one = build_reply(SearchResult(result.query, True, result.matches, result.terms), pack, config.contact)
    assert not one.parts and "Very important" not in render_text(one)


# --- issue 13: answer first ---------------------------------------------------------------------

def answer_start(blocks: list[dict]) -> int:
    """Where the answer starts: after the header, and after the near-tie warning and its
    buttons when several questions match (they come first on purpose: the answer below may
    be for the wrong question)."""
    assert blocks[0]["type"] == "header"
    i = 1
    if blocks[i]["type"] == "section" and blocks[i]["text"]["text"].startswith("*Several questions match yours.*"):
        assert blocks[i + 1]["type"] == "actions"
        i += 2
    return i


def test_first_block_carries_the_kind_of_guidance(pack, config):
    for r in all_replies(pack, config):
        if not isinstance(r.entry, SurveyEntry):
            continue
        blocks = answer_blocks(r).blocks
        first = blocks[answer_start(blocks)]["text"]["text"]
        assert any(k in first for k in KIND_WORDS), (r.entry.id, r.statement, first[:80])


def test_first_answer_block_carries_the_kind_on_the_real_path(index, config):
    """Review, 12: through find_matches and build_reply, as a member's question goes, near
    ties included: the warning comes first, then the answer block with its kind."""
    near_ties = 0
    for name in ("dev_questions.yaml", "dev_questions_v2.yaml"):
        for item in load_questions(str(SHARED / "eval" / name)):
            r = build_reply(index.find_matches(str(item["q"])), index.pack, config.contact)
            if not r.answered or r.ambiguous or not isinstance(r.entry, SurveyEntry):
                continue        # "which did you mean?" answers nothing yet: test_chat_and_ambiguity
            blocks = answer_blocks(r).blocks
            start = answer_start(blocks)
            near_ties += start > 1
            first = blocks[start]["text"]["text"]
            assert any(k in first for k in KIND_WORDS), (item["q"], first[:80])
    assert near_ties > 0        # the path with the warning was exercised


def test_the_answer_comes_within_about_300_characters(pack, config):
    for r in all_replies(pack, config):
        lead = reply_lines(r)[0]
        text = f"{lead.label} “{lead.quote.text}”" if lead.quote else lead.label
        quote = lead.quote.text if lead.quote else ""
        if isinstance(r.entry, SurveyEntry) and not lead.quote and len(reply_lines(r)) > 1:
            nxt = reply_lines(r)[1]       # "no recommendation" plus its one sentence
            text += " " + (nxt.quote.text if nxt.quote else nxt.label)
            quote = nxt.quote.text if nxt.quote else ""
        # A basis is whole sentences and never cut (schools-reporting-aims' advice with its
        # reason is 320 characters): only then may the lead pass the limit, by no more than it.
        budget = LEAD_LIMIT + 60
        if quote in {g.basis for g in r.guidance}:
            budget = max(budget, len(quote) + 60)
        assert len(text) <= budget, (r.entry.id, r.statement, len(text))


def test_a_named_statement_shows_only_its_commentary(pack, config):
    entry = pack.get("send-impact")
    r = reply(pack, config, "send-impact", statement=6)      # "... mainstream schools exclude ..."
    text = render_text(r)
    assert "This question is asking whether Ofsted inspections of mainstream schools" in text
    assert "NASUWT has a number of concerns" not in text                 # statement 7's
    assert "This question addresses the role of SEND area inspections" not in text   # statement 5's
    assert entry.statements[0].text not in text                          # other statements: full view only
    full = render_full_text(r)
    assert "NASUWT has a number of concerns" in full and entry.statements[0].text in full


def test_should_i_agree_schools_are_held_to_account(pack, config):
    """Issue 13's example: the one line needed comes first."""
    text = render_text(reply(pack, config, "schools-impact", statement=0))
    lines = text.splitlines()
    assert lines[2] == NO_OPTION                      # no recommendation to agree
    assert lines[3].startswith("NASUWT advises (spring 2024): “You might draw on examples")   # review, 5
    assert "MATs should be inspected" not in text        # the union's view on statement 6, not this one
    assert "You should think about the impact" not in text and len(text) < 900


def test_the_full_view_loses_nothing(pack, config):
    """Every quotation a member can see for an entry is in its full view, in the terminal
    and in Slack's modal."""
    for r in all_replies(pack, config):
        full = render_full_text(r)
        modal = "\n".join(b["text"]["text"] for b in full_guidance_view(r).to_dict()["blocks"] if "text" in b)
        for q in shown_quotes(r.entry, pack):
            assert q in full, (r.entry.id, q[:60])
            escaped = q.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            assert f">{escaped}" in modal, (r.entry.id, q[:60])      # the whole quotation, as a quote


def test_short_and_full_views_say_the_same_for_the_answer(pack, config):
    r = reply(pack, config, "safeguarding-separate-judgement")
    assert render_full_text(r).splitlines()[2] == render_text(r).splitlines()[2]
    assert "ask --full:" in render_text(r) and "ask --full" not in render_full_text(r)


@pytest.mark.parametrize("name", ["dev_questions.yaml", "dev_questions_v2.yaml"])
def test_reply_length_targets(searcher, config, name):
    lengths = reply_lengths(searcher, load_questions(str(SHARED / "eval" / name)), config)
    assert lengths["n"] > 50
    assert lengths["median"] <= 700 and lengths["p90"] <= 1400 and lengths["max"] <= 2500, lengths


def test_length_summary():
    assert length_summary([]) == {"n": 0, "median": 0, "p90": 0, "max": 0}
    s = length_summary(list(range(1, 11)))
    assert s == {"n": 10, "median": 6, "p90": 9, "max": 10} or s == {"n": 10, "median": 5, "p90": 9, "max": 10}


# --- the CLI: ask --full and the JSON keys ------------------------------------------------------------

def test_ask_full_prints_everything():
    short = run_cli("ask", "what does the union say about SEND exclusions and off-rolling")
    full = run_cli("ask", "--full", "what does the union say about SEND exclusions and off-rolling")
    assert short.returncode == full.returncode == 0
    assert len(full.stdout) > len(short.stdout) and "ask --full:" in short.stdout


def test_ask_json_lists_the_guidance_on_a_questions_statements_with_their_scope(pack):
    """Round 22's audit: asked about as a whole, the SEND impact question's JSON said
    `"guidance": []` while its reply showed five pieces of the union's guidance (all on its
    statements), so a tool reading it concluded the union said nothing."""
    from bot.replies import match_record
    from bot.search import Match
    rec = match_record(Match(pack.get("send-impact"), 0.9, None), pack)
    assert [(g["kind"], g["scope"]) for g in rec["guidance"]] == [
        ("view", "on statements 1 to 5"), ("view", "on statement 6"), ("advice", "on statement 7"),
        ("view", "on statement 8"), ("advice", "on statement 8")]
    named = match_record(Match(pack.get("send-impact"), 0.9, 7), pack)["guidance"]   # statement 8 asked
    assert [g["scope"] for g in named][:2] == ["", ""] and len(named) == 5


def test_ask_json_gains_reply_text_quotes_guidance_consultation():
    q = "should safeguarding be a separate judgement?"
    out = run_cli("ask", "--json", q)
    rec = json.loads(out.stdout)
    printed = run_cli("ask", q).stdout
    assert rec["reply_text"] == printed.rstrip("\n")
    top = rec["results"][0]
    assert top["guidance"][0] == {"kind": "answer", "text": "Yes", "basis": top["suggested_answer"]["rests_on"],
                                  "scope": ""}
    assert top["consultation"] == {"title": "Ofsted's Big Listen", "closed_on": "2024-05-31", "open": False}
    speakers = {x["speaker"] for x in top["quotes"]}
    assert {"union", "ofsted"} <= speakers and all(x["as_of"] for x in top["quotes"])
    assert all(x["text"] in rec["reply_text"] for x in top["quotes"])
    glossary = json.loads(run_cli("ask", "--json", "what is off-rolling").stdout)["results"][0]
    assert "consultation" not in glossary and glossary["guidance"] == []
    assert glossary["quotes"][0]["speaker"] == "ofsted"


def test_asked_the_unions_concerns_its_view_on_another_statement_leads_labelled_with_it(pack, config):
    """Audit 34 #47: "what are NASUWT's concerns about SEND in mainstream" matched statement 2 on
    "mainstream"; the union's view on statement 8 ("NASUWT has a number of concerns. ...") was in the
    full reply only. Shown whole, as the pack codes it, and labelled with its statement."""
    r = entry_reply(pack.get("send-impact"), pack, config.contact, statement=1,
                    query="what are NASUWT's concerns about SEND in mainstream")
    lead = [ln for ln in reply_lines(r) if ln.quote]
    assert lead[0].label == "NASUWT's view (spring 2024, on statement 8):"
    assert lead[0].quote.text.startswith("NASUWT has a number of concerns. One is that funding is driving decisions.")
    # asked the view on the statement matched, its own view is the answer
    r = entry_reply(pack.get("send-impact"), pack, config.contact, statement=1,
                    query="what's nasuwt's view on ofsted holding mainstream schools to account for SEND")
    assert [ln for ln in reply_lines(r) if ln.quote][0].quote.text.startswith("NASUWT agrees that Ofsted should")
