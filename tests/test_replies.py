"""The reply says only what the sources say, and says when the union takes no position."""
from __future__ import annotations

import json

import pytest

from bot.blocks import answer_blocks
from bot.guide import reply_to
from bot.packs import Library
from bot.replies import (
    NO_OPTION,
    NO_POSITION,
    asks_union_view,
    build_reply,
    entry_reply,
    line_text,
    render_full_text,
    render_text,
    reply_lines,
)
from conftest import ROOT

# as said of NASUWT's guidance
NO_POSITION, NO_OPTION = (said.format(union="NASUWT") for said in (NO_POSITION, NO_OPTION))

def reply_for(index, config, q):
    return build_reply(index.find_matches(q), index.pack, config.contact)


def test_explicit_recommendation_shows_the_sentence_it_rests_on(index, config):
    text = render_text(reply_for(index, config, "should safeguarding be a separate judgement?"))
    assert "Suggested answer: Yes" in text
    assert "NASUWT recommends that you answer ‘yes’ to this question." in text
    assert "Do you think safeguarding should be a separate judgement" in text
    assert "Source: NASUWT commentary" in text


def test_no_recommendation_is_said_plainly(index, config):
    """A question the union gave no answer or advice on, anywhere (send-impact without its
    statements' guidance, nor their comments worded as advice): said plainly, with the union's most
    relevant sentence."""
    from dataclasses import replace

    from bot.knowledge import advice_shaped
    entry = index.pack.get("send-impact")
    bare = replace(entry, guidance=(), statements=tuple(
        replace(s, guidance=(), commentary=() if advice_shaped(s.commentary) else s.commentary)
        for s in entry.statements))
    text = render_text(entry_reply(bare, index.pack, config.contact))
    assert NO_POSITION in text and NO_OPTION not in text
    assert "Suggested answer:" not in text and "NASUWT says (spring 2024" in text


def test_the_most_relevant_sentence_keeps_what_it_refers_to(index, config):
    """With no guidance to lead with, the union's sentence nearest the question leads; "These are
    important ..." and "One is that funding ..." alone say nothing of what they are about, so
    they come with the sentences before them that say it (send-impact asked as a whole: no guidance
    of its own)."""
    from bot.replies import reply_lines
    entry = index.pack.get("send-impact")
    for query, lead in (
        ("how do different services work together for SEND", "This question addresses the role of SEND area "
                                                                "inspections. These are important because"),
        ("is funding driving decisions", "NASUWT has a number of concerns. One is that funding is driving decisions."),
    ):
        quoted = [ln.quote.text for ln in reply_lines(entry_reply(entry, index.pack, config.contact, query=query))
                  if ln.quote]
        assert quoted[0].startswith(lead), (query, quoted[0])


def test_no_recommendation_is_not_said_when_the_union_advised_on_another_statement(index, config):
    """send-impact's guidance is all on statements (advice on 7 and 8): asked about the question
    as a whole, or a statement the union didn't comment on, the reply says no option is
    recommended, not that the union gives no recommendation at all."""
    from bot.blocks import fallback_text
    for statement in (None, 9):
        reply = entry_reply(index.pack.get("send-impact"), index.pack, config.contact, statement=statement)
        text = render_text(reply)
        assert NO_POSITION not in text and NO_OPTION in text and "Suggested answer:" not in text
        assert fallback_text(reply).endswith(" — NASUWT recommends no particular option here — Ofsted's Big Listen "
                                             "closed on 31 May 2024; advice given while it was open.")


def test_a_statement_keeps_the_questions_advice_and_not_another_statements_view(index, config):
    """schools-impact: the MATs view is the union's on statement 6 (and listed for the question);
    the question's advice holds for every statement."""
    entry = index.pack.get("schools-impact")
    mats = render_text(entry_reply(entry, index.pack, config.contact, statement=5))
    assert "NASUWT's view (spring 2024): “NASUWT’s view is that the current arrangements" in mats
    assert "NASUWT advises (spring 2024): “You might draw on examples" in mats and NO_POSITION not in mats
    off_rolling = render_text(entry_reply(entry, index.pack, config.contact, statement=2))
    assert "MATs should be inspected" not in off_rolling.split("Ofsted's survey asks")[0]
    assert "NASUWT advises (spring 2024): “You might draw on examples" in off_rolling
    whole = render_text(entry_reply(entry, index.pack, config.contact))
    assert "NASUWT's view (spring 2024, on statement 6): “NASUWT’s view is that the current arrangements" in whole


def test_a_question_shows_the_advice_of_the_comments_it_borrows(index, config):
    """send-reporting-aims has no comments of its own: it shows the comments box's, which the
    source puts after both questions, so it shows their advice too, saying where it is from."""
    text = render_text(entry_reply(index.pack.get("send-reporting-aims"), index.pack, config.contact))
    assert NO_POSITION not in text and NO_OPTION in text
    assert ("NASUWT advises (spring 2024, on [Your views: priorities for SEND and AP reporting (comments box)]): "
            "“It will be particularly important to reflect the challenges") in text


def test_statement_view_is_quoted_not_turned_into_agree(index, config):
    r = index.find_matches("Ofsted should be able to inspect groups that schools may be a part of, such as MATs")
    reply = build_reply(r, index.pack, config.contact)
    assert reply.entry.id == "schools-impact" and reply.statement == 5
    text = render_text(reply)
    assert "MATs should be inspected" in text and "Suggested answer:" not in text
    assert ">> Ofsted's survey statement 6 of 6 (spring 2024): “Ofsted should be able to inspect groups" in text


def test_views_box_shows_the_comments_that_cover_it(index, config):
    reply = entry_reply(index.pack.get("schools-impact-views"), index.pack, config.contact)
    assert reply.commentary_from == index.pack.get("schools-impact").title
    assert "workload and management practices" in " ".join(reply.paragraphs)


def test_old_news_is_dated(index, config):
    text = render_text(entry_reply(index.pack.get("autumn-visits-2020"), index.pack, config.contact))
    assert "summer 2020" in text and "not necessarily now" in text


def test_abstention_names_the_contact_and_suggestions(index, config):
    reply = reply_for(index, config, "pay award and pension and inspectors")
    text = render_text(reply)
    assert not reply.answered
    assert "couldn't find that" in text and config.contact in text


def test_a_low_confidence_decline_does_not_claim_nothing_was_found(searcher, config):
    """Declined because nothing was sure enough, with suggestions: "couldn't find that" would
    overstate it (the suggestions may be right); an off-topic decline keeps saying it."""
    unsure = reply_for(searcher, config, "¿Qué debo contestar en la pregunta sobre la protección infantil?")
    assert not unsure.answered and unsure.unsure and unsure.others
    text = render_text(unsure)
    assert text.startswith("I'm not sure the Big Listen guidance covers that, so I won't guess.")
    assert "couldn't find" not in text and config.contact in text and "Did you mean:" in text
    off = reply_for(searcher, config, "whats the weather")
    assert not off.unsure and render_text(off).startswith("I couldn't find that")


def test_empty_question_gets_help(index, config):
    text = render_text(reply_for(index, config, "   "))
    assert "Ask me about" in text and config.contact in text


def test_an_ambiguous_question_offers_the_close_matches(index, config):
    from bot.blocks import answer_blocks
    from bot.replies import close_matches
    reply = reply_for(index, config, "what should I put for the safeguarding question?")
    close = [m.entry.id for m in close_matches(reply)]
    assert close and all(i.startswith("safeguarding-") for i in close)
    ids = [e["action_id"] for b in answer_blocks(reply).blocks if b["type"] == "actions" for e in b["elements"]]
    assert "did_you_mean_0" in ids
    clear = reply_for(index, config, "should safeguarding be a separate judgement from leadership and management?")
    assert close_matches(clear) == []


def test_statement_commentary_is_shown_under_its_statement(index, config):
    """send-impact's only union comments follow individual statements: all of them show,
    each labelled with its statement (in the full guidance)."""
    reply = entry_reply(index.pack.get("send-impact"), index.pack, config.contact)
    text = render_full_text(reply)
    assert "NASUWT has a number of concerns. One is that funding is driving decisions." in text
    assert "On Ofsted's survey statement “Ofsted holds local areas to account" in text
    assert "On statements 1 to 5 (this comment follows all of them)" in text
    views = render_full_text(entry_reply(index.pack.get("send-impact-views"), index.pack, config.contact))
    assert "NASUWT has a number of concerns." in views and "its comments on" in views


def test_no_commentary_means_no_talking_points_line(index, config):
    from dataclasses import replace
    bare = replace(index.pack.get("schools-impact"), commentary=(), related=())
    bare = replace(bare, statements=tuple(replace(s, commentary=()) for s in bare.statements))
    text = render_full_text(entry_reply(bare, index.pack, config.contact))
    assert "What NASUWT says" not in text and "NASUWT says" not in text


def test_asking_about_one_statement_keeps_the_others_commentary(index, config):
    entry = index.pack.get("send-impact")
    asked = next(i for i, s in enumerate(entry.statements) if "mainstream schools to account" in s.text)
    text = render_full_text(entry_reply(entry, index.pack, config.contact, statement=asked))
    assert "NASUWT agrees that Ofsted should hold all settings to account" in text
    assert "This question addresses the role of SEND area inspections." in text   # another statement's
    asked_line = text.index(">> Ofsted's survey statement 2 (spring 2024): “Ofsted holds mainstream schools")
    assert asked_line < text.index("What NASUWT says")


def test_question_level_comments_are_labelled_once_a_statement_has_its_own(index, config):
    from dataclasses import replace

    from bot.knowledge import Statement
    base = index.pack.get("schools-impact")
    mixed = replace(base, statements=(Statement(base.statements[0].text, commentary=(base.commentary[0],)),)
                    + base.statements[1:], commentary=base.commentary[1:])
    text = render_full_text(entry_reply(mixed, index.pack, config.contact, statement=0))
    assert text.index("On Ofsted's survey statement “Ofsted holds schools to account for the quality") < text.index(
        "On the question as a whole:")


def test_close_matches_come_before_the_answer(index, config):
    from bot.blocks import answer_blocks
    reply = reply_for(index, config, "what does the union say about safeguarding")
    text = render_text(reply)
    assert text.index("Several questions match") < text.index("Ofsted's survey asks")
    kinds = [b["type"] for b in answer_blocks(reply).blocks]
    assert kinds.index("actions") < kinds.index("divider")   # the did-you-mean buttons sit above the body


def test_long_lines_without_spaces_still_fit_a_section():
    from bot.blocks import SECTION_LIMIT, _sections, escape
    for line in ("x" * 4000, escape("&" * 2000), "a " + "&amp;" * 900):
        sections, cut = _sections([line], "*heading*")
        assert cut and sections
        assert all(0 < len(s.text.text) <= SECTION_LIMIT for s in sections)
        assert all(not s.text.text.rstrip(" …").endswith(("&", "&a", "&am", "&amp")) for s in sections)


def test_the_position_line_uses_the_sections_short_name(searcher, config):
    result = searcher.find_matches("SEND priority 4 comments")
    text = render_text(build_reply(result, searcher.pack, config.contact))
    assert "\nSEND and AP · Priority 4: Culture\n" in text


def test_a_reply_to_a_long_message_says_only_its_ends_were_read(searcher, config):
    from bot.blocks import answer_blocks
    from bot.replies import CLIPPED
    story = "Our school has had a difficult year with staffing and behaviour, and the council was slow to help. " * 8
    reply = reply_for(searcher, config, story + "What should I put for the safeguarding separate judgement question?")
    assert reply.answered and reply.clipped and reply.entry.id == "safeguarding-separate-judgement"
    assert CLIPPED in render_text(reply) and CLIPPED in render_full_text(reply)
    assert CLIPPED in str(answer_blocks(reply).blocks)
    declined = reply_for(searcher, config, story + "anyway how's everyone's week going")
    assert not declined.answered and CLIPPED in render_text(declined)
    assert not reply_for(searcher, config, "what is off-rolling").clipped


def test_not_sure_only_when_something_came_close(index, config):
    """Declined for low confidence with nothing to suggest: "couldn't find that", not "not sure"."""
    reply = reply_for(index, config, "my cat is ill")
    assert not reply.answered and not reply.others and not reply.unsure
    assert render_text(reply).startswith("I couldn't find that")


def test_the_full_view_shows_each_piece_of_guidance_once_labelled_with_its_statements(index, config):
    from bot.knowledge import SurveyEntry
    from bot.replies import full_lines
    for entry in (e for e in index.pack.entries if isinstance(e, SurveyEntry)):
        for statement in (None, *range(len(entry.statements))):
            lead = [ln for ln in full_lines(entry_reply(entry, index.pack, config.contact, statement=statement))
                    if ln.part == "lead" and ln.quote]
            texts = [ln.quote.text for ln in lead]
            assert len(texts) == len(set(texts)), (entry.id, statement)
    text = render_full_text(entry_reply(index.pack.get("send-impact"), index.pack, config.contact))
    assert "For statement" not in text   # each line says its statements (it used to say both, differently)
    assert "NASUWT's view (spring 2024, on statements 1 to 5): “NASUWT agrees" in text   # a coded view, so labelled one
    assert "NASUWT advises (spring 2024, on statement 7): “You might want to consider" in text


def test_json_guidance_says_which_statements_it_is_about(index):
    from bot.replies import match_record
    from bot.results import Match
    rec = match_record(Match(index.pack.get("schools-impact"), 1.0), index.pack)
    scopes = {g["basis"].split()[2]: g["scope"] for g in rec["guidance"]}
    assert scopes["is"] == "on statement 6"        # "NASUWT’s view is that ... MATs should be inspected."
    assert scopes["draw"] == ""                    # "You might draw on examples ...": the question's
    aims = match_record(Match(index.pack.get("send-reporting-aims"), 1.0), index.pack)
    assert [g["scope"] for g in aims["guidance"] if g["kind"] == "advice"] == [
        "on [Your views: priorities for SEND and AP reporting (comments box)]"]


def test_a_statement_with_its_own_suggested_answer_never_shows_the_questions_too(index):
    """Never two suggested answers: a statement's own wins over the question's (no pack has
    both yet, so the entry is made here)."""
    from dataclasses import replace

    from bot.knowledge import Guidance
    entry = index.pack.get("schools-impact")
    mine, theirs = Guidance("answer", "For statement 6, answer Agree.", "Agree"), Guidance(
        "answer", "For the question, answer Disagree.", "Disagree")
    statements = tuple(replace(s, guidance=(mine,)) if i == 5 else s for i, s in enumerate(entry.statements))
    both = replace(entry, statements=statements, guidance=(theirs, *entry.guidance))
    answers = [g.answer for g in both.statement_guidance(5) if g.kind == "answer"]
    assert answers == ["Agree"]
    assert [g.answer for g in both.statement_guidance(0) if g.kind == "answer"] == ["Disagree"]


def test_a_definition_sentence_the_pack_codes_as_a_view_is_labelled_a_view(index, config):
    """Round 13: the glossary's single-word judgements and MATs entries quote union sentences
    that the survey entries' guidance calls the union's view; they were labelled "NASUWT says".
    Sentences the pack codes as nothing stay "says", unless they open by advising (round 22's
    audit: "You might want to comment on ..." is advice, as survey replies call it)."""
    text = render_full_text(entry_reply(index.pack.get("single-word-judgements"), index.pack, config.contact))
    assert "NASUWT's view (spring 2024): “NASUWT’s view is that single-word judgements are not helpful" in text
    assert "NASUWT advises (spring 2024): “You might want to comment on the use of single word judgements.”" in text
    text = render_full_text(entry_reply(index.pack.get("mats"), index.pack, config.contact))
    assert "NASUWT's view (spring 2024): “NASUWT’s view is that the current arrangements are inconsistent" in text
    assert "NASUWT says (spring 2024): “MATs fulfil very similar functions to local authorities.”" in text


def test_a_source_of_another_body_is_named_by_its_speaker_name_not_ofsted(index):
    """Round 13: every `speaker: ofsted` quotation was "Ofsted said", whoever's document it was
    (a pack for a department's consultation). A source's `speaker_name` names the body; a
    review found that taking the consultation's run_by instead would relabel Ofsted's own
    documents quoted in such a pack."""
    from dataclasses import replace

    from bot.knowledge import quote_of
    from bot.replies import speaker_label
    pack = index.pack
    report = pack.sources["ofsted-action-report-dec-2024"]
    q = quote_of("We have a new policy.", "ofsted", report, "since")
    other_run = replace(pack, consultation=replace(pack.consultation, run_by="the Department for Homework"))
    assert speaker_label(q, pack) == speaker_label(q, other_run) == "Ofsted said (19 December 2024, England):"
    dept = replace(report, speaker_name="the Department for Homework")
    named = replace(pack, sources={**pack.sources, report.id: dept})
    q = quote_of("We have a new policy.", "ofsted", dept, "since")
    assert speaker_label(q, named) == "The Department for Homework said (19 December 2024, England):"
    assert speaker_label(q, named, plan=True).startswith(
        "The Department for Homework's plans for England as of 19 December 2024")


@pytest.mark.parametrize("q, entry_id, sentence", [
    # round 29's and 30's content audits: each was led by the entry's first advice alone
    ("are classroom teachers employed as inspectors?", "schools-culture-views",
     "NASUWT believes that it would be appropriate for classroom teachers to be employed as inspectors."),
    ("will my school be academised if we get inadequate", "schools-culture-views",
     "The Government also uses inspection outcomes to decide to academise a maintained school"),
    ("what should I write about workload", "schools-impact-views",
     "This could cover issues such as workload and management practices"),
    ("what does NASUWT say about the two day inspection for send", "send-inspection-practice-views",
     "You might question how much meaningful evidence can be collected during a two-day school inspection."),
    ("what does the tail wagging the dog bit mean in the union comments", "schools-reporting-aims",
     "Starting with the inspection report could be seen as a case of ‘the tail wagging the dog’."),
    # audit 32: "For instance, some primary school teachers ..." was shown without the question it
    # illustrates
    ("union view on deep dives in primary?", "schools-inspection-practice",
     "Are deep dives of curriculum subjects appropriate for different phases of education? For instance, some primary"),
])
def test_the_short_reply_shows_the_unions_sentence_that_answers(searcher, config, q, entry_id, sentence):
    """The short reply leads with an entry's guidance; when another sentence of the union's on the
    question shares clearly more of the member's telling words, it is shown too, labelled as the
    union's, after the guidance (which still leads)."""
    _, r = reply_to(Library.of(searcher), config, q)
    assert r.entry.id == entry_id
    lines = [ln for ln in reply_lines(r) if ln.part == "lead"]
    assert sentence in lines[-1].quote.text and lines[-1].quote.speaker == "union"
    assert lines[-1].label.startswith(("NASUWT says (spring 2024", "NASUWT's view (spring 2024"))
    assert lines[0].quote is None or sentence not in lines[0].quote.text   # the guidance still leads


@pytest.mark.parametrize("q", [
    # audit 32: "view" asked for counted as shared with "NASUWT's view is that ...", which then needed no
    # sentence after it; audit 35 #88: who should inspect it instead was in the full reply only. The union's
    # view is its whole paragraph, naming who
    "whats nasuwt view on safeguarding being done by the local authority instead",
    "who should inspect safeguarding if not ofsted according to the union",
])
def test_who_the_union_would_have_look_after_safeguarding_is_in_its_view(searcher, config, q):
    _, r = reply_to(Library.of(searcher), config, q)
    assert r.entry.id == "safeguarding-frequency"
    lead = [ln for ln in reply_lines(r) if ln.part == "lead" and ln.quote]
    assert "such as local authorities and that they must be adequately funded" in lead[0].quote.text
    assert lead[0].label.startswith("NASUWT's view (spring 2024")


def test_the_sentence_comes_with_what_leans_on_it(searcher, config):
    """"Is this effective?" is the union's point about two-day inspections: shown with it."""
    _, r = reply_to(Library.of(searcher), config, "is 2 days long enough for an inspection? which q is that")
    text = render_text(r)
    assert "“Inspections are usually carried out by a small number of inspectors and last two days. " \
           "Is this effective?”" in text


def test_a_word_shared_alone_by_chance_adds_nothing(searcher, config):
    """"same" is in one sentence of the union's ("... so that schools treat all pupils the same"),
    but shared alone it is chance, not the question's topic: not shown."""
    _, r = reply_to(Library.of(searcher), config,
                    "NASUWT thinks Ofsted shouldn't be inspecting SEND provision at all, same as with safeguarding?")
    assert r.entry.id == "send-impact"
    assert "treat all pupils the same" not in render_text(r)
    assert "treat all pupils the same" in render_full_text(r)


def test_the_consultations_name_tells_no_passage_apart(searcher, config):
    """Content audit 30: "when did ofsted publish its response to the big listen" was led with the
    launch dates, which share "Big Listen" with it as much as the answer shares "publish" and
    "response"; the consultation's name is in every passage, so it doesn't count."""
    _, r = reply_to(Library.of(searcher), config, "when did ofsted publish its response to the big listen")
    lead = next(ln for ln in reply_lines(r) if ln.quote)
    assert lead.quote.text == "We published our response in early September."


@pytest.mark.parametrize("q, then", [
    # the December 2024 sentences are the reinspection question's "Since then": the union's view is there
    ("did nasuwt welcome suspend and return",
     "NASUWT's own words on a related survey question are under [Reinspecting safeguarding and holding back the "
     "report for three months]."),
    # linked the other way round: the survey question lists the Ofsted glossary entry (the review of round 30)
    ("Ofsted introduced a new pause policy in January, what does NASUWT think of it?",
     "NASUWT's own words on a related survey question are under [Ofsted’s pause policy]."),
    # a related change beside the notice period is no comment of the union's on Monday calls; and never "no
    # view": the union's words may be under an entry not linked (audit 30b); no quotation of the union's has
    # "Monday" (round 31)
    ("does NASUWT back the monday phone call",
     "not NASUWT's. NASUWT's guidance doesn't mention it. If you have any questions about the Big Listen"),
])
def test_asked_the_unions_view_of_others_words_says_where_its_view_is_or_gives_the_contact(searcher, config, q,
                                                                                             then):
    """Content audit 30: said whose words followed, but not that there was no union view to give,
    nor where the union's view on the related survey question is."""
    _, r = reply_to(Library.of(searcher), config, q)
    first = reply_lines(r)[0].label
    assert first.startswith("You asked what NASUWT thinks: what follows are Ofsted's words, not NASUWT's.")
    assert then in first


def test_a_view_the_question_shares_nothing_telling_with_does_not_lead(searcher, config):
    """Round 30: "does the union say anything about ofsted's budget" (now read as asking the union's
    view) was led with its view that classroom teachers should be inspectors; the union's sentences
    on Ofsted's budget answer it, so no view leads."""
    _, r = reply_to(Library.of(searcher), config, "does the union say anything about ofsted's money / budget?")
    assert r.entry.id == "schools-culture-views"
    assert "classroom teachers" not in render_text(r)
    assert "Ofsted has a limited inspection budget" in render_text(r)   # and what does answer it is shown


def test_asked_about_a_question_as_a_whole_its_view_still_leads(searcher, config):
    """The re-check of round 30: "what does nasuwt think about ofsted's culture" lost the union's
    view: "culture" is in other sentences of the union's, but it is the question's own title."""
    _, r = reply_to(Library.of(searcher), config, "what does nasuwt think about ofsted's culture")
    assert r.entry.id == "schools-culture-views"
    first, second = reply_lines(r)[:2]   # after the sentence it is an example of (round 33)
    assert first.quote.text.startswith("You might reflect on who Ofsted recruits as inspectors")
    assert second.label.startswith("NASUWT's view (spring 2024)")


def test_a_pack_too_small_to_weigh_its_words_adds_no_sentence(tmp_path, config):
    """The review of round 30: with too few union sentences no word passed the rarity cut, the bar
    was 0 and every survey reply gained the union's first sentence."""
    import shutil

    from bot.knowledge import load_pack
    from bot.search import Index
    folder = tmp_path / "tiny"
    shutil.copytree(ROOT / "knowledge" / "workload-example", folder)
    (folder / "survey-workload-schools.yaml").unlink()
    pack = load_pack(folder)
    index = Index(pack, config.search.answer_threshold, config.search.suggestion_threshold, 3)
    r = build_reply(index.find_matches("should every school publish a workload charter?"), pack, config.contact)
    lead = [ln for ln in reply_lines(r) if ln.part == "lead"]
    assert not any(ln.label.startswith("ETU says") for ln in lead), [ln.label for ln in lead]


def test_a_union_sentence_about_this_question_says_which_question(searcher, config):
    """Round 29's audit: "what is area SEND" opened with the union's "This question addresses the
    role of SEND area inspections." and no question in sight: its label says which one."""
    _, r = reply_to(Library.of(searcher), config, "what is an area send inspection")
    lines = reply_lines(r)
    assert lines[0].quote.text == "This question addresses the role of SEND area inspections."
    assert lines[0].label == ("NASUWT says (spring 2024, on [The impact of inspection on SEND and AP: do you agree?], "
                              "statement 6):")
    assert lines[1].label == "" and lines[1].quote.text.startswith("These are important because")


def test_a_link_to_the_unions_dates_is_no_view(searcher, config):
    """Audit 30b: "what did nasuwt think of ofsted's big listen response in september" was pointed to
    the closing date's entry, whose only union words are the date: no view, so no pointer to it."""
    _, r = reply_to(Library.of(searcher), config, "what did nasuwt think of ofsted's big listen response in september")
    first = reply_lines(r)[0].label
    assert first.startswith("You asked what NASUWT thinks") and "own words" not in first


def test_told_what_the_union_said_the_view_on_it_is_shown(searcher, config):
    """Audit 30b (high): "nasuwt said the 3 month delay to the report is a bad idea" was led with the
    union's view on who should inspect safeguarding, read as agreeing; its view on the delay is that
    it "would be a sensible option", which was only in the full reply."""
    _, r = reply_to(Library.of(searcher), config, "nasuwt said the 3 month delay to the report is a bad idea")
    assert "this would be a sensible option" in render_text(r)


@pytest.mark.parametrize("q", [
    "we've got a yr9 who's genuinely dangerous and SLT wont exclude bc of how it'll look to ofsted. where?",
    "is 'most schools are good or outstanding' actually a meaningful stat? is there a question on that",
])
def test_a_view_on_another_statement_does_not_lead_an_unrelated_question(searcher, config, q):
    """Audit 30b: a dozen questions about the impact statements were led with "NASUWT's view (on
    statement 6): ... MATs should be inspected"; it stays in the full view, and leads when MATs
    are asked about."""
    _, r = reply_to(Library.of(searcher), config, q)
    assert r.entry.id == "schools-impact"
    assert "MATs should be inspected" not in render_text(r) and "MATs should be inspected" in render_full_text(r)
    _, mats = reply_to(Library.of(searcher), config, "whats the union's view on ofsted inspecting MATs")
    assert "MATs should be inspected" in render_text(mats)


@pytest.mark.parametrize("q, entry_id, first", [
    # audit 32: asked what the union thinks, "NASUWT recommends no particular option here" came first
    ("does the union think MATs should be inspected", "schools-impact", "NASUWT's view (spring 2024, on statement 6)"),
    # ... but a view about something else than was asked ("MATs should be inspected") doesn't lead
    ("does the union think the academy down the road should be turning away SEND kids, schools impact",
     "schools-impact", "NASUWT recommends no particular option here."),
])
def test_asked_the_unions_view_the_view_about_it_comes_before_no_option(searcher, config, q, entry_id, first):
    _, r = reply_to(Library.of(searcher), config, q)
    assert r.entry.id == entry_id and not r.ambiguous
    lines = [line_text(ln) for ln in reply_lines(r)]
    assert lines[0].startswith(first)
    assert "NASUWT recommends no particular option here." in lines


def test_a_view_in_an_options_words_stays_after_no_option(searcher, config):
    """The view asked about leads (above), but not "All of these things are important ...", which
    comes first would read as the rating 'Important' (audit 30b)."""
    r = entry_reply(searcher.pack.get("send-reporting-aims"), searcher.pack, config.contact,
                    query="union view on taking account of context for SEND reports?")
    lines = [line_text(ln) for ln in reply_lines(r)]
    assert lines[0] == "NASUWT recommends no particular option here."
    assert lines[1].startswith("NASUWT's view (spring 2024): “All of these things are important.")


@pytest.mark.parametrize("entry_id", ["schools-culture-views", "send-culture-views"])
def test_an_example_of_the_unions_comes_with_what_it_is_an_example_of(searcher, config, entry_id):
    """The reviews of round 32: the culture boxes' view was shown as "For instance, NASUWT believes that it
    would be appropriate for classroom teachers to be employed as inspectors.", an instance of nothing
    shown; the commentary's sentence before it says what it is an example of, and comes first, labelled
    as what it is (advice the pack doesn't code as the view: the review of round 33)."""
    r = entry_reply(searcher.pack.get(entry_id), searcher.pack, config.contact,
                    query="does nasuwt think classroom teachers should be inspectors")
    lines = [line_text(ln) for ln in reply_lines(r)]
    at = next(i for i, ln in enumerate(lines) if ln.startswith("NASUWT's view"))
    assert lines[at].startswith("NASUWT's view (spring 2024): “For instance, NASUWT believes that it would be "
                                "appropriate for classroom teachers to be employed as inspectors.")
    assert lines[at - 1] == ("NASUWT says (spring 2024): “You might reflect on who Ofsted recruits as inspectors "
                             "and whether it would be appropriate to draw from a broader base of professionals.”")


@pytest.mark.parametrize("q, asked", [
    # audit 33: led with the box's advice; the union's view that they are "not helpful" was in the full reply
    ("what are single word judgements and does the union like them", True),
    ("would the union like ofsted doing deep dives on leadership and management", True),
    ("would nasuwt like us to mention workload", False),   # what it wants members to do, not its view
    ("does nasuwt like to hear from members", False),
    ("do unions like nasuwt get a say", False),   # other unions (the review)
])
def test_whether_the_union_likes_something_asks_its_view(searcher, config, q, asked):
    assert asks_union_view(q, "NASUWT") is asked
    if "single word" in q:
        _, r = reply_to(Library.of(searcher), config, q)
        assert line_text(reply_lines(r)[0]).startswith("NASUWT's view (spring 2024): “NASUWT’s view is that "
                                                       "single-word judgements are not helpful")


def test_asked_where_a_union_fact_answers_names_the_question_it_was_written_under(searcher, config):
    """Audit 33: "inspection only lasted 2 days with 2 inspectors. enough? where do i say this" got the
    union's "Inspections are usually carried out by a small number of inspectors and last two days."
    as a background fact, and no survey question: the union wrote it under Priority 2's question."""
    r = entry_reply(searcher.pack.get("inspection-basics-union"), searcher.pack, config.contact,
                    query="inspection only lasted 2 days with 2 inspectors. enough? where do i say this")
    lines = [line_text(ln) for ln in reply_lines(r)]
    at = next(i for i, ln in enumerate(lines) if "last two days" in ln)
    assert lines[at + 1] == ("You asked where to say this: NASUWT's comments with these words are under Schools · "
                             "Priority 2: Inspection practice: [How inspections should be carried out], whose "
                             "comments box is [Your views: changes to inspection practice (comments box)]. "
                             "Ofsted's Big Listen closed on 31 May 2024.")
    assert "comments with these words are under" in json.dumps(answer_blocks(r).blocks)   # in Slack too
    dives = entry_reply(searcher.pack.get("deep-dives"), searcher.pack, config.contact,
                        query="only ever subject deep dives, never behaviour. where can i say that")
    lines = [line_text(ln) for ln in reply_lines(dives)]
    at = next(i for i, ln in enumerate(lines) if "comments with these words are under" in ln)
    assert "Inspectors also use these activities" in lines[at - 1]   # after the quotation's every line
    asked = entry_reply(searcher.pack.get("inspection-basics-union"), searcher.pack, config.contact,
                        query="how long do inspections last")
    assert not any("comments with these words" in line_text(ln) for ln in reply_lines(asked))
    # the review: "culture." of a list in the union's introduction is inside "... inspection culture." of the
    # culture questions' comments, and is no comment on them
    intro = entry_reply(searcher.pack.get("schools-priority-areas"), searcher.pack, config.contact,
                        query="culture - where do i put this")
    assert "“culture.”" in render_text(intro) and "comments with these words" not in render_text(intro)


@pytest.mark.parametrize("q, item", [
    # audit 33: the item asked about was in the full reply only, the lists' items being no sentences
    ("what does nasuwt say about the tone of reports", "the tone of the report; and"),
    ("the school report question - what should i put re accuracy", "the accuracy of the report;"),
])
def test_an_item_of_the_unions_list_asked_about_comes_with_its_lead_in(searcher, config, q, item):
    r = entry_reply(searcher.pack.get("schools-reporting-views"), searcher.pack, config.contact, query=q)
    lines = [line_text(ln) for ln in reply_lines(r)]
    at = lines.index(f"  “{item}”")
    assert lines[at - 1] == ("NASUWT says (spring 2024): “Things that you might want to address in your response "
                             "could include:”")
    assert at - 1 == 0   # first: the union's other words answer something else (the review of round 33)
    plain = entry_reply(searcher.pack.get("schools-reporting-views"), searcher.pack, config.contact,
                        query="where do i comment on reports")
    assert not any("could include:" in line_text(ln) for ln in reply_lines(plain))


@pytest.mark.parametrize("q", [
    "Does the union think mainstream schools should just take more SEND pupils?",   # audit 35 #114
    "does the union want mainstream schools to take more SEND pupils?",              # audit 34 #118
    "honestly feels like every SEND placement decision in our LA is about money",
])
def test_the_unions_concerns_on_send_in_mainstream_are_shown_whole_as_its_view(searcher, config, q):
    """Its view on statement 8 is the whole paragraph: "The expectation is simply that mainstream pupils
    will take more pupils with SEND." is the last of its concerns, never shown alone as its own."""
    _, r = reply_to(Library.of(searcher), config, q)
    lead = [ln for ln in reply_lines(r) if ln.part == "lead" and ln.quote]
    concern = next(ln for ln in lead if "funding is driving decisions" in ln.quote.text)
    assert concern.quote.text.startswith("NASUWT has a number of concerns.")
    assert concern.quote.text.endswith("The expectation is simply that mainstream pupils will take more pupils with "
                                       "SEND.")
    assert concern.label.startswith("NASUWT's view (spring 2024, on statement 8)")
