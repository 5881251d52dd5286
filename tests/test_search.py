"""Ranking cases written from the sources, typos, synonyms, Slack markup and abstention."""
from __future__ import annotations

import pytest

from bot.knowledge import SurveyEntry
from bot.search import Index


def top(index: Index, q: str):
    result = index.find_matches(q)
    assert result.answered, (q, result.matches)
    return result.best


@pytest.mark.parametrize("question, entry_id", [
    ("should safeguarding be a separate judgement?", "safeguarding-separate-judgement"),
    ("how often is safeguarding inspected", "safeguarding-frequency"),
    ("holding back the report for three months to fix safeguarding", "safeguarding-reinspection"),
    ("what should i write about the pause policy question", "safeguarding-pause-policy"),
    ("what is off-rolling", "off-rolling"),
    ("whats a deep dive", "deep-dives"),
    ("what does PRU stand for", "pupil-referral-units"),
    ("anything else box at the end of the survey", "final-anything-else"),
    ("should classroom teachers be inspectors", ("schools-culture-views", "send-culture-views",
                                                 "schools-inspection-practice")),
    ("when did the big listen close", "closing-date"),
    ("what does Ofsted mean by providers in its report?", "providers-ofsted-term"),
])
def test_ranks_the_entry_that_answers(index, question, entry_id):
    best = top(index, question)
    assert best.entry.id in (entry_id if isinstance(entry_id, tuple) else (entry_id,))


def test_what_ofsted_did_after_the_big_listen_is_its_action_report(searcher):
    """Round 27's terminal hunt: "what did ofsted do after the big listen", now the likeliest
    question about it, got why Ofsted launched it ("what did ofsted do after ruth perry died" is one
    of that entry's asks); the round's probes give it to the December 2024 action report."""
    for question in ("what did ofsted do after the big listen", "what did ofsted do next"):
        result = searcher.find_matches(question)
        assert result.answered and result.best.entry.id == "action-report-dec-2024", (question, result.matches)


@pytest.mark.parametrize("question, entry_id", [
    ("what should I put for the separate safeguarding judgement question?", "safeguarding-separate-judgement"),
    ("pause policy question - what do i write", "safeguarding-pause-policy"),
    ("what does off-rolling mean", "off-rolling"),            # a definition asked for keeps it
    ("can parents fill it in too or is it only staff?", None),   # "fill it in": taking part, not what to put
    # not asking what to put in the survey (review)
    ("what was Ofsted's answer on the separate safeguarding judgement after the Big Listen?", None),
    ("what's the separate safeguarding judgement, I want to write about it for my rep report", None),
    ("what is the pause policy? just need to put it in a newsletter", None),
])
def test_asked_what_to_put_the_survey_question_comes_first(searcher, question, entry_id):
    """Round 29's content audit: "what should I put for the separate safeguarding judgement
    question?" got the safeguarding judgement's definition, with no suggested answer; the survey
    question came within 0.75 of it. Asked what to put, as asked where it goes, the survey question
    comes first when it comes that close."""
    result = searcher.find_matches(question)
    first = result.best.entry
    if entry_id is None:
        assert not isinstance(first, SurveyEntry), result.matches
    else:
        assert result.answered and first.id == entry_id, result.matches


@pytest.mark.parametrize("question, entry_id", [
    ("when did the big listen end", "closing-date"),
    ("has the big listen finished", "closing-date"),
    ("is the big listen still open", "closing-date"),
    ("how many questions does the big listen have", "schools-priority-areas"),
    ("how long does the survey take", None),
    ("how long is the survey", None),
    ("do I have to answer every question", "who-can-take-part-ofsted"),
    ("do i need to answer all the questions?", "who-can-take-part-ofsted"),
    ("do I have to answer every section", "who-can-take-part-ofsted"),
])
def test_questions_about_the_survey_itself(searcher, question, entry_id):
    """Round 28's content audit: "when did the big listen end" got the survey's last question (its
    "anything else" box), "how many questions does the big listen have" the progress report's "42
    of 132 actions", and "how long does the survey take" (the sources don't say) the inspection-
    practice question. The round's probes give them the closing date and the survey's sections,
    and the pack's not-covered messages the last. "do I have to answer every question" (round 29)
    had no search term left, every word of it common, and got the greeting."""
    result = searcher.find_matches(question)
    if entry_id is None:
        assert not result.answered, result.matches
    else:
        assert result.answered and result.best.entry.id == entry_id, result.matches


@pytest.mark.parametrize("question, suggested", [
    ("what percentage of respondents wanted grades scrapped", "single-word-judgements-removal"),
    ("whats the telephone number for the complaints hub", "complaints-about-ofsted-hub"),
    ("how many teachers took part in the big listen", "big-listen"),
    ("how much does it cost to complain to icaso", "icaso"),
    ("how many responses did the big listen get", "action-report-dec-2024"),   # "132 actions" is no such figure
    ("what percentage of teachers feel inspections are fair", "schools-inspection-practice"),   # nor "half a day"
])
def test_a_figure_the_guidance_doesnt_give_is_not_answered(searcher, question, suggested):
    """Round 28 (held-out 17's misses, read this round): "what % of big listen responses said scrap
    the one word grades?", "what's the actual phone number for the ofsted helpline" and "how
    many people actually responded" were answered by the entry on the topic, which gives no such
    figure. Declined, the entry offered as a suggestion (bot/figures.py)."""
    result = searcher.find_matches(question)
    assert not result.answered and result.reason == "low_confidence", result.matches
    assert suggested in [m.entry.id for m in result.matches]


@pytest.mark.parametrize("question, entry_id", [
    ("how many actions has ofsted completed", "action-report-dec-2024"),   # "42 of the 132"
    ("how many priority areas are there for schools", "schools-priority-areas"),   # "four"
    ("how much notice will we get of an inspection", "notice-period"),
    ("how many people can take part in the big listen", "who-can-take-part"),   # who may, not how many did (review)
])
def test_a_figure_the_guidance_gives_is_answered(searcher, question, entry_id):
    result = searcher.find_matches(question)
    assert result.answered and result.best.entry.id == entry_id, result.matches


def test_what_a_figure_question_asks_for():
    from bot.figures import asked_for

    assert asked_for("what % of teachers said yes?") == "percent"
    assert asked_for("How much does the chief inspector get paid") == "money"
    assert asked_for("what salary does an HMI get?") == "money"
    assert asked_for("what's the phone number for the helpline") == "phone"
    assert asked_for("how many people responded in the end?") == "count"
    # round 30's content audit: both had a confident answer from an entry without the figure
    assert asked_for("what's the provider contact helpline number") == "phone"
    assert asked_for("what did the big listen find - how many teachers said ofsted was bad") == "count"
    for question in ("what notice period does the union want? need the exact number for the comment box",
                     "how many of the actions are done", "how much notice do we get",
                     "how many teachers from one school can fill in the big listen",
                     "what proportion of my answer should be about workload",
                     "where in the survey can I mention salaries and workload?"):
        assert asked_for(question) is None, question


def test_statement_is_marked(index):
    best = top(index, "the statement that Ofsted holds schools to account for keeping children safe")
    assert best.entry.id == "schools-impact"
    assert best.entry.statements[best.statement].text == "Ofsted holds schools to account for keeping children safe."


def test_typos_are_tolerated(index):
    assert top(index, "shoud safegaurding be a seperate judgment").entry.id == "safeguarding-separate-judgement"
    pause = ("pause-policy", "pause-policy-action-report", "safeguarding-pause-policy")
    assert top(index, "what is ofstead's pause polcy").entry.id in pause


def test_synonyms_from_the_pack(index):
    a = top(index, "should ofsted inspect multi academy trusts").entry.id
    b = top(index, "should ofsted inspect MATs").entry.id
    assert a == b


def test_slack_markup_and_emoji_do_not_change_the_answer(index):
    plain = top(index, "what is off-rolling").entry.id
    marked = top(index, "<@U123ABC> <!channel> :thinking_face: what is *off-rolling*? <https://x.y|link>").entry.id
    assert plain == marked


@pytest.mark.parametrize("plain, marked", [
    ("should ofsted inspect MATs", "<@U0BOT> should ofsted inspect MATs"),   # declined once the model read the mention
    ("what is off-rolling?", "<@U0BOT|biglisten> what is <https://example.org/off|off-rolling>? <!here>"),
    ("safeguarding as a separate judgement", "<!channel> <@U0BOT> safeguarding as a separate judgement <@U0REP>"),
])
def test_slack_markup_changes_nothing_in_the_full_search(searcher, plain, marked):
    """A channel mention starts with the bot's own <@U…>: the meaning signal and the classifiers
    read the message without it, exactly as words do."""
    a, b = searcher.find_matches(plain), searcher.find_matches(marked)
    assert a.answered and (a.answered, a.reason, a.ambiguous) == (b.answered, b.reason, b.ambiguous)
    assert [(m.entry.id, m.score, m.statement) for m in a.matches] == [(m.entry.id, m.score, m.statement)
                                                                      for m in b.matches]


@pytest.mark.parametrize("question", [
    "what's the weather like tomorrow",
    "whats the pay award for teachers this year",
    "how do i opt back into the teachers pension scheme",
    "are we going on strike",
    "how many hours of directed time can my head give me",
    "can i claim maternity pay on a fixed term contract",
])
def test_off_topic_questions_get_no_survey_answer(index, question):
    assert not index.find_matches(question).answered


def test_empty_and_stopword_only_questions_abstain(index):
    for q in ("", "   ", "?!", ":smile: :tada:", "<@U1> <!here>", "what is the"):
        result = index.find_matches(q)
        assert not result.answered and not result.matches


@pytest.mark.parametrize("message", ["gov.uk", "<http://ofsted.gov.uk|ofsted.gov.uk>", "www.example.com/big-listen",
                                     "https://www.gov.uk/government/consultations", "<mailto:x@y.org|x@y.org> ?"])
def test_a_message_of_addresses_alone_has_nothing_to_search(searcher, message):
    """Round 21's hunt: "ofsted.gov.uk" alone was answered as who can take part (its letters
    read as words). An address is not read: the member is asked what they want to know."""
    result = searcher.find_matches(message)
    assert not result.answered and not result.terms and not result.matches


@pytest.mark.parametrize("message, entry_id", [
    ("<https://x.example/y|what is off-rolling>", "off-rolling"),   # a link's label in words is read
    ("what is off-rolling? see https://www.gov.uk/x", "off-rolling"),
    ("inspection.The safeguarding question, how often", "safeguarding-frequency"),   # no space: still words
])
def test_words_beside_an_address_are_read(searcher, message, entry_id):
    assert searcher.find_matches(message).best.entry.id == entry_id


def test_abstention_offers_at_most_three_suggestions(index):
    result = index.find_matches("tell me about inspectors and the weather and my pay")
    assert not result.answered
    assert len(result.matches) <= 3


def test_results_are_best_first(index):
    result = index.find_matches("deep dives in primary schools", limit=5)
    scores = [m.score for m in result.matches]
    assert scores == sorted(scores, reverse=True) and len(scores) == 5


def test_huge_paste_is_bounded(index):
    text = "safeguarding judgement " + "lorem ipsum dolor " * 1000
    result = index.find_matches(text)
    assert len(result.terms) <= 60 and result.clipped


PASTED = ("Our school has had a really difficult year with staffing and behaviour, and the local authority "
          "has been slow to help with any of it. ") * 6


@pytest.mark.parametrize("paste", [PASTED, PASTED * 40], ids=["140 words", "10 KB"])
def test_a_long_message_is_read_at_its_start_and_its_end(searcher, paste):
    """A pasted email or story with the question last: the question is read (it used to be cut
    off after the first 60 words), and the result says the message was read in part."""
    result = searcher.find_matches(paste + "So what does off-rolling actually mean?")
    assert result.clipped and "off-rolling" in [m.entry.id for m in result.matches]
    dense = " ".join(f"minutes item {i}: staffing rota cover budget governors curriculum timetable review"
                     for i in range(12))   # every word a search term: the term cap must keep the end too
    result = searcher.find_matches(dense + ". My question: so what does off-rolling actually mean?")
    assert result.clipped and len(result.terms) == 60 and "offrolling" in result.terms
    assert "off-rolling" in [m.entry.id for m in result.matches]
    short = searcher.find_matches("So what does off-rolling actually mean?")
    assert not short.clipped and short.best.entry.id == "off-rolling"


# --- the search as the bot runs it: words and meaning (bot/blend.py) ---

@pytest.mark.parametrize("question", [
    "thanks all, really helpful 🙏", "morning all ☀️ happy friday", "hiya!", "cheers, legend",
    "is the rep social still on thursday at the pub?", "see you at the meeting", "help", "hi bot",
])
def test_chit_chat_is_declined_as_chit_chat(searcher, question):
    result = searcher.find_matches(question)
    assert not result.answered and result.reason == "chitchat" and not result.matches


@pytest.mark.parametrize("question", [
    "whats the pay award for teachers this year",
    "how do i opt back into the teachers pension scheme",
    "can i claim maternity pay on a fixed term contract",
])
def test_off_topic_is_declined_with_its_reason_and_no_suggestions(searcher, question):
    result = searcher.find_matches(question)
    assert not result.answered and result.reason == "offtopic" and not result.matches


@pytest.mark.parametrize("question", ["whats a caf", "whats DSL"])
def test_a_message_with_no_word_of_the_packs_is_not_answered_on_meaning_alone(searcher, question):
    """Round 13: no word of either is in the pack, and meaning alone answered them confidently
    with what sounds alike ("caf" -> Cafcass) or a neighbour (DSL -> the safeguarding-frequency
    question), neither of which says what a CAF or a DSL is. Such a message now gets "did you mean"."""
    result = searcher.find_matches(question)
    assert not result.answered and result.reason == "low_confidence" and result.matches
    # a known acronym alone still answers
    assert searcher.find_matches("whats a HMI").best.entry.id == "hmis-and-ois"


def test_supply_staff_and_inspection_prep_are_not_off_topic_words(searcher):
    # supply teachers can take part; mocksteds and learning walks are inspection's impact beyond the visit
    result = searcher.find_matches("im on supply, can i fill in the big listen?")
    assert result.answered and result.best.entry.id == "who-can-take-part"
    # (round 7: ranked on the impact comments box, where round 6 answered "anything else", but
    # at a chance of 0.58 it is offered as the first suggestion rather than answered)
    result = searcher.find_matches("SLT ran three mocksteds this term and everyone is exhausted, "
                                   "where do I put that in the survey?")
    assert result.reason != "offtopic" and result.matches[0].entry.id == "schools-impact-views"


@pytest.mark.parametrize("question", [
    "does the big listen ask about the school toilets",
    "does the big listen survey cover staff wellbeing days",
])
def test_the_surveys_own_name_does_not_make_a_question_about_something_else_its_own(searcher, question):
    """The consultation's name is context: "does the big listen cover X" is about X, which no
    entry covers (round 5 answered both with the "What is the Big Listen?" glossary entry). Two
    things decline them: the pack's not-covered asks of this kind, and the classifier over words
    leaving the name out (tests/test_intent.py); these two messages are in neither."""
    assert not searcher.find_matches(question).answered
    result = searcher.find_matches("what is the big listen")
    assert result.answered and result.best.entry.id == "big-listen"


def test_a_question_with_words_but_no_match_is_low_confidence(searcher):
    result = searcher.find_matches("qwxz blorp frobnicate")
    assert not result.answered and result.reason in ("low_confidence", "offtopic")


def test_answers_carry_no_reason(searcher):
    result = searcher.find_matches("what is off-rolling")
    assert result.answered and result.reason is None and result.best.entry.id == "off-rolling"


def test_a_priority_named_as_a_whole_routes_to_its_main_question(searcher):
    result = searcher.find_matches("what should I put for SEND priority 2")
    assert result.answered and result.whole_priority and not result.ambiguous
    assert result.best.entry.id == "send-inspection-practice"
    assert result.best.entry.suggested_answer.answer == "Very important"


@pytest.mark.parametrize("question, statement", [
    # audit 32: a statement named as such in a priority named by number got the priority as a whole
    ("schools priority 2, the statement about local context - how important", 4),
    ("P3 schools, the statement about ofsted making schools off-roll", 2),
    # ... but not the list, nor a statement found by the story's words alone, nor "that statement"
    ("Schools P1, the list: kids safe and happy, behaviour, leadership. very important for all?", None),
    ("send p2 q is confusing - is it about my school's inspection or the area ones?", None),
    ("schools priority 2, the statement about phonics", None),   # no statement has it (the review)
])
def test_a_statement_named_in_a_priority_is_what_was_asked(searcher, question, statement):
    result = searcher.find_matches(question)
    assert result.answered and result.whole_priority is (statement is None)
    if statement is not None:
        assert result.best.statement == statement


@pytest.mark.parametrize("question, entry_id", [
    ("schools priority 3", "schools-impact"),
    ("the SEND section's priority 1", "send-reporting-aims"),
    ("what goes in the comments box for schools priority 1", "schools-reporting-views"),
    ("what are the four things nasuwt says to cover in the free text for schools priority 1 (reporting)?",
     "schools-reporting-views"),
    ("the last question", "final-anything-else"),
])
def test_survey_structure_routes_the_question(searcher, question, entry_id):
    result = searcher.find_matches(question)
    assert result.answered and result.best.entry.id == entry_id


def test_a_priority_named_by_its_name_routes_a_story_to_its_box(searcher):
    # round 7 answered nothing here: the story's Ruth Perry pulled the safeguarding questions first
    result = searcher.find_matches("The culture section intro mentions Ruth Perry. I want to write about staff "
                                   "wellbeing and inspection but not sure its the right place?")
    assert result.answered and result.ambiguous   # no section named: which one?
    assert {m.entry.id for m in result.matches[:2]} == {"schools-culture-views", "send-culture-views"}
    result = searcher.find_matches("schools culture section: where do I write about staff wellbeing?")
    assert result.answered and not result.ambiguous and result.best.entry.id == "schools-culture-views"


@pytest.mark.parametrize("question", [
    "the reporting question I have is about pay",
    "where do I find the reporting part of the appraisal policy",
    "the impact part of the new pay policy worries me",
    "I'm worried about the culture question, our head bullies staff",
    "how do I write a good practice question for a job interview?",
])
def test_a_priority_name_in_a_question_about_something_else_is_not_answered(searcher, question):
    # named by number, a priority is answered whatever else the message says; named by its
    # name, the model decides (a reviewer's messages: all answered by the first version)
    assert not searcher.find_matches(question).answered


@pytest.mark.parametrize("question, entry_id", [
    ("what's a deep dive? asking about the impact section", "deep-dives"),
    ("the culture section: what does off-rolling mean", "off-rolling"),
])
def test_a_priority_name_beside_the_point_gives_way_to_what_is_asked(searcher, question, entry_id):
    """Named by its name alone, a priority doesn't get the answer another entry's confidence
    earned: the message is answered as if it named nothing (both were answered with the named
    priority at the other entry's confidence)."""
    result = searcher.find_matches(question)
    assert result.answered and result.best.entry.id == entry_id


@pytest.mark.parametrize("question, entry_id", [
    ("what does the schools culture bit actually ask?", "schools-culture-views"),
    ("what's the wording of the schools culture question?", "schools-culture-views"),
    ("what's the schools culture section about?", "schools-culture-views"),
    ("what does the SEND culture part actually ask?", "send-culture-views"),
])
def test_a_section_named_with_a_priority_s_name_holds_when_it_is_judged(searcher, question, entry_id):
    """Judged as if it named nothing (above), a priority named by its name lost its section too:
    the SEND culture question, which meaning puts first, was the answer to the schools one
    (held-out 11, round 17)."""
    result = searcher.find_matches(question)
    assert result.answered and result.best.entry.id == entry_id


@pytest.mark.parametrize("question, priority", [
    ("culture section - can I write about my head bullying staff?", "Priority 4: Culture"),
    ("can I put something about teacher pay in the culture section?", "Priority 4: Culture"),
    ("can I mention workload and pay in the impact section?", "Priority 3: Impact"),
])
def test_a_priority_named_by_its_name_with_what_to_write_there_is_answered(searcher, question, priority):
    # "bullying" and "pay" are words the pack doesn't cover: the model alone declined these
    result = searcher.find_matches(question)
    assert result.answered and result.best.entry.priority == priority


def test_a_named_statement_is_marked(searcher):
    result = searcher.find_matches("schools priority 3, the first statement")
    assert result.best.entry.id == "schools-impact" and result.best.statement == 0
    last = searcher.find_matches("SEND P3 last statement")
    assert last.best.entry.id == "send-impact" and last.best.statement == len(last.best.entry.statements) - 1


@pytest.mark.parametrize("question, entry, statement", [
    # round 31's audit: named as a statement by its words, which a keyword holds better
    ("what do I put for the half a day notice statement", "schools-inspection-practice", 3),
    ("does the union have a view on the good and outstanding schools statement", "schools-impact", 4),
    # a statement's place with its part named in words the structure doesn't read as a part
    ("the 4th statement in inspection practice, half a day notice - what should i put",
     "schools-inspection-practice", 3),
    # a place and words that name another statement: the words (the review of round 31)
    ("the 2nd statement about MATs, what should i put", "schools-impact", 5),
])
def test_a_statement_named_by_its_words_or_place_is_marked(searcher, question, entry, statement):
    best = searcher.find_matches(question).best
    assert (best.entry.id, best.statement) == (entry, statement)


@pytest.mark.parametrize("question", [
    "should I put very important for each bullet in the schools reporting list?",   # the list
    # a story, asking which statement fits: its words are the story's, not a statement's
    "our head is scared of exclusion figures so a violent boy stays in my class, which statement is that",
])
def test_the_list_or_a_story_asking_which_statement_marks_none(searcher, question):
    best = searcher.find_matches(question).best
    assert best.entry.statements and best.statement is None


@pytest.mark.parametrize("question, statement", [
    ("should I agree with the statement Ofsted holds special schools to account for the quality of their SEND "
     "provision", 3),
    ("should I agree with the statement Ofsted holds mainstream schools to account for the quality of their SEND "
     "provision", 1),
])
def test_of_near_twin_statements_the_one_with_the_words_that_tell_them_apart_is_marked(searcher, question,
                                                                                       statement):
    """Round 22's audit: "Ofsted holds special schools to account ..." marked statement 2, the shorter
    "Ofsted holds mainstream schools to account ...", which lacks only "special"."""
    best = searcher.find_matches(question).best
    assert (best.entry.id, best.statement) == ("send-impact", statement)


def test_quoted_survey_wording_beats_the_other_words(searcher):
    # the words are about the separate judgement; the quotation is the frequency question's
    q = ("NASUWT said yes to a separate safeguarding judgement from leadership and management, "
         "so do I also tick yes for 'inspect it more regularly than other areas'?")
    result = searcher.find_matches(q)
    assert result.answered and result.best.entry.id == "safeguarding-frequency"


def test_twins_of_one_priority_are_asked_about(searcher):
    result = searcher.find_matches("priority 2")
    assert result.answered and result.ambiguous
    first, second = result.matches[0].entry, result.matches[1].entry
    assert {first.section, second.section} == {"Schools", "Special educational needs and alternative provision"}
    assert first.priority == second.priority


def test_the_section_beside_the_number_wins_over_one_mentioned_elsewhere(searcher):
    result = searcher.find_matches(
        "SENCo in a mainstream school. the schools P3 comments mention SEND, what do they want")
    assert result.answered and not result.ambiguous
    assert result.best.entry.section == "Schools" and result.best.entry.priority.startswith("Priority 3")


def test_a_section_named_wins_over_the_other_section(searcher):
    result = searcher.find_matches("P2 in the schools section")
    assert result.answered and not result.ambiguous
    assert result.best.entry.section == "Schools"


@pytest.mark.parametrize("fitted", ["", "_PLAIN", "_BARE"])
def test_a_section_named_without_a_number_wins_over_its_twin(searcher, monkeypatch, fitted):
    """"the SEND reporting aims": when the schools version comes out ahead in meaning (by more
    than the "section" feature's weight: each pack's weights), the named section's version is
    still first. A glossary entry that scores higher stays first (the section says nothing about
    it); another schools priority gives way to its SEND twin."""
    from bot import blend
    from bot.meaning import Reading
    from bot.normalise import words
    from bot.structure import Target, find_target

    chosen = tuple(getattr(blend, name + fitted) for name in ("RANK_WEIGHTS", "CONFIDENCE_WEIGHTS")) + (0.65,)
    monkeypatch.setattr(blend, "weights", lambda reading: chosen)
    entries = searcher.pack.entries
    at = {e.id: i for i, e in enumerate(entries)}
    q = "are the SEND reporting aims all equally important"
    target = find_target(words(q), searcher.pack, q)
    assert target.section_named and not target.exact

    def ranked(close: dict[str, float], target: Target) -> list[str]:
        sims = [0.1] * len(entries)
        for entry_id, sim in close.items():
            sims[at[entry_id]] = sim
        reading = Reading(sims, sims, sims, [at[e] for e in close], max(sims))   # meaning alone
        return [entries[e].id for e, *_ in blend.blend_scores({}, reading, target, entries)]

    close = {"schools-reporting-aims": 0.75, "send-reporting-aims": 0.59}
    assert ranked(close, Target())[:2] == ["schools-reporting-aims", "send-reporting-aims"]
    assert ranked(close, target)[:2] == ["send-reporting-aims", "schools-reporting-aims"]
    assert ranked({**close, "off-rolling": 0.95}, target)[:3] == [
        "off-rolling", "send-reporting-aims", "schools-reporting-aims"]
    # any priority of the other section gives way to the named section's version of it
    assert ranked({**close, "schools-impact": 0.95}, target)[:3] == [
        "send-impact", "send-reporting-aims", "schools-reporting-aims"]


def test_twins_of_a_named_entry_keep_their_order_below_it():
    """Three sections with the same priority, one named: the named version takes the best
    score, the others keep theirs in order, whatever order the candidates came in."""
    from types import SimpleNamespace

    from bot.blend import _named_twin_first
    from bot.knowledge import SurveyEntry

    def entry(section):
        e = object.__new__(SurveyEntry)   # only what twinship reads
        for k, v in dict(section=section, priority="Priority 1: Reporting", statements=("a",)).items():
            object.__setattr__(e, k, v)
        return e

    entries = [entry("Schools"), entry("Special"), entry("Further education"), SimpleNamespace()]
    rows = [(0, 0.2, 0.0, None), (1, 0.9, 0.0, None), (2, 0.5, 0.0, None)]
    for order in (rows, rows[::-1], [rows[1], rows[0], rows[2]]):
        out = {e: s for e, s, *_ in _named_twin_first(order, entries, {0})}
        assert out == {0: 0.9, 1: 0.5, 2: 0.2}


def test_meaning_results_are_best_first_and_bounded(searcher):
    result = searcher.find_matches("deep dives in primary schools", limit=5)
    scores = [m.score for m in result.matches]
    assert scores == sorted(scores, reverse=True) and len(scores) == 5 and all(0 <= s <= 1 for s in scores)
    assert len(searcher.find_matches("safeguarding judgement " + "lorem ipsum " * 2000).terms) <= 60


def test_shown_scores_are_scaled_by_the_most_a_blend_usually_reaches(searcher):
    """Scores shown, and compared by the near-tie rule, kept answers and pins, are the blend over
    the most words, meaning and both classifiers can give: few answers reach the 1.0 cap (with
    the classifiers left out of the scale, 86 of dev v2's 107 answers were shown as 1.0)."""
    from bot.evaluate import load_questions
    from conftest import SHARED

    path = SHARED / "eval" / "dev_questions.yaml"
    if not path.exists():
        pytest.skip(f"{path} is not here (the shared folder sits beside the repository)")
    tops = [r.matches[0].score for r in map(searcher.find_matches, (q["q"] for q in load_questions(str(path))))
            if r.answered and r.matches]
    assert len(tops) > 50 and sum(t >= 1.0 for t in tops) <= len(tops) // 4
    assert all(0.0 < t <= 1.0 for t in tops)


def test_asked_where_in_the_survey_a_survey_question_comes_first(searcher):
    """Round 14, from held-out 8: "ofsted named my dept in the report as the weak one ... which bit
    of the survey is that" was answered with the definition of subject inspections. Asked what
    they are, the definition still comes first."""
    where = searcher.find_matches("our report singled out my subject as the weak one though they don't do subject "
                                  "inspections, which bit of the survey is that")
    assert where.answered and where.matches[0].entry.id == "schools-reporting-views"
    assert searcher.find_matches("what are subject inspections").matches[0].entry.id == "subject-inspections"


def test_a_definition_far_ahead_of_every_survey_question_keeps_first_place(searcher):
    """The review of round 14: moving the best survey question of the first five up, however weak,
    answered "whats ILACS - where do i put this" with a schools comments box (0.14 against 0.95)."""
    for question, entry_id in (("whats ILACS - where do i put this", "ilacs"),
                               ("what is cafcass? which bit of the survey is that", "cafcass")):
        result = searcher.find_matches(question)
        assert result.answered and result.matches[0].entry.id == entry_id, question


@pytest.mark.parametrize("q, section", [
    # audit 33: declined, the misspelt word read as it was typed by meaning and by the survey's structure
    ("wat shud i put 4 the safegaurding qs", "safeguarding-"),
    ("cn u tell me wot nasuwt sed about excluions", "schools-impact"),
])
def test_a_misspelling_is_read_corrected_by_meaning_too(searcher, q, section):
    result = searcher.find_matches(q)
    assert result.answered and result.best.entry.id.startswith(section), result


def test_only_a_misspelling_is_read_corrected_by_meaning(searcher):
    """Not an English word the pack lacks, whose nearest pack word is another ("launch": "lunch")."""
    assert searcher.meaning.knows("launch") and searcher.meaning.knows("colleague")
    assert not searcher.meaning.knows("safegaurding") and not searcher.meaning.knows("excluions")


@pytest.mark.parametrize("word, misspelling", [
    ("safegaurding", True), ("excluions", True), ("ofstead", True),
    # the review of round 33: British spellings, other forms, prefixes, short and far words
    ("prioritise", False), ("criticise", False), ("publicised", False), ("standardised", False),
    ("regrading", False), ("inconsistency", False), ("maths", False), ("launch", False), ("colleague", False),
])
def test_which_corrected_words_meaning_reads_corrected(searcher, word, misspelling):
    from bot.search import misspelt

    correction = searcher._correct(word)
    assert (correction != word and misspelt(word, correction, searcher.meaning.knows)) is misspelling, correction
