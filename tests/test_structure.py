"""Survey structure named in a question: priorities by number, sections, places."""
from __future__ import annotations

import pytest

from bot.normalise import words
from bot.structure import asks_where, find_target, names_a_statement


def ids(pack, q):
    t = find_target(words(q), pack, q)
    return {pack.entries[i].id for i in t.entries}, t


@pytest.mark.parametrize("q, expected", [
    ("what should I put for SEND priority 2", {"send-inspection-practice", "send-inspection-practice-views"}),
    ("schools priority 3", {"schools-impact", "schools-impact-views"}),
    ("the SEND section's priority 1", {"send-reporting-aims", "send-reporting-views"}),
    ("schools priority three", {"schools-impact", "schools-impact-views"}),
    ("the second priority in the schools section",
     {"schools-inspection-practice", "schools-inspection-practice-views"}),
    ("SEND P3, last statement", {"send-impact", "send-impact-views"}),
    ("the last question", {"final-anything-else"}),
])
def test_named_priorities_and_places(pack, q, expected):
    found, target = ids(pack, q)
    assert found == expected
    assert target.exact


def test_a_priority_without_a_section_names_both_sections(pack):
    found, target = ids(pack, "P4")
    assert found == {"schools-culture-views", "send-culture-views"}
    assert not target.section_named


def test_whole_priority_unless_a_box_or_statement_is_named(pack):
    assert ids(pack, "what should I put for SEND priority 2")[1].whole_priority
    assert not ids(pack, "schools priority 1 comments box")[1].whole_priority
    assert ids(pack, "is priority 3 just a tick box exercise?")[1].whole_priority   # not the comments box
    _, t = ids(pack, "SEND P3, last statement")
    assert not t.whole_priority and t.statement == -1
    assert ids(pack, "the first statement of schools priority 1")[1].statement == 0


@pytest.mark.parametrize("q, expected", [
    # of several sections named, the one next to the number is meant
    ("SENCo in a mainstream school. the schools P3 comments mention SEND, what do they want",
     {"schools-impact", "schools-impact-views"}),
    ("priority 2 in the schools section, not the send one",
     {"schools-inspection-practice", "schools-inspection-practice-views"}),
    # "a SEND school", "special schools": the SEND section, whatever is nearer
    ("I work in a SEN school, what about priority 2", {"send-inspection-practice", "send-inspection-practice-views"}),
    ("priority 2 - I teach in special schools", {"send-inspection-practice", "send-inspection-practice-views"}),
    # a section without numbered priorities doesn't compete; "send" as a verb names nothing
    ("schools section: in priority 2 safeguarding comes up a lot, what do I say",
     {"schools-inspection-practice", "schools-inspection-practice-views"}),
    ("safeguarding school priority 2", {"schools-inspection-practice", "schools-inspection-practice-views"}),
    ("I'm in a mainstream school - when do I send my P2 answers?",
     {"schools-inspection-practice", "schools-inspection-practice-views"}),
])
def test_the_section_named_beside_the_number_wins(pack, q, expected):
    found, target = ids(pack, q)
    assert found == expected and target.section_named


@pytest.mark.parametrize("q", [
    "different groups of kids, EAL, SEND etc? where would I say that in P2",
    "the chase for grades hurts our PP and SEN kids the most. is that priority 2?",
    "where do SEND pupils go in priority 2",
])
def test_send_pupils_are_who_not_where(pack, q):
    """Held-out 17's misses (round 29): a message about SEND pupils named the SEND section, so
    "... EAL, SEND etc? where would I say that in P2" got the SEND section's priority 2, while
    schools questions ask about those pupils too. A number alone names both sections' priority."""
    found, target = ids(pack, q)
    assert found == {"schools-inspection-practice", "schools-inspection-practice-views",
                     "send-inspection-practice", "send-inspection-practice-views"}
    assert target.exact and not target.section_named


@pytest.mark.parametrize("q, expected", [
    ("safeguarding q1 what do i answer", "safeguarding-separate-judgement"),
    ("Q1 safeguarding what should i tick", "safeguarding-separate-judgement"),
    ("safeguarding question 1", "safeguarding-separate-judgement"),
    ("the second safeguarding question", "safeguarding-frequency"),
    ("safeguarding question 3", "safeguarding-reinspection"),
    ("what about the last safeguarding question", "safeguarding-pause-policy"),
])
def test_a_question_named_by_its_place_in_an_unnumbered_section(pack, q, expected):
    """Round 29's content audit: "safeguarding q1 what do i answer" got the frequency question
    (the number ignored) and its "NASUWT recommends no particular option here", where the first
    question carries the union's "answer 'yes'". A section of unnumbered questions names its
    questions by place; one that isn't there names none, nor does a number in a numbered one."""
    found, target = ids(pack, q)
    assert found == {expected} and target.exact and target.section_named


def test_a_place_past_the_section_or_in_a_numbered_section_names_no_one_question(pack):
    assert len(ids(pack, "safeguarding question 5")[0]) > 1
    assert not ids(pack, "SEND question 2 what do i put")[1].exact
    assert ids(pack, "the first question of the safeguarding section")[0] == {"safeguarding-separate-judgement"}
    # the member's own first question, not the section's (review: these got "answer 'yes'")
    for q in ("the first question I had was about safeguarding training for support staff",
              "my q1 is about safeguarding training", "my first question is whether safeguarding is in the survey",
              "quick question 1: what does safeguarding mean in the survey?"):
        assert not ids(pack, q)[1].exact, q


def test_send_after_a_subject_is_the_verb_unless_written_in_capitals(pack):
    q = "I teach in a secondary school, should I send priority 3 back by Friday"
    assert quoted(pack, q)[0] == ["schools-impact", "schools-impact-views"]
    assert quoted(pack, "should I SEND priority 3")[0] == ["send-impact", "send-impact-views"]
    assert quoted(pack, "what do I put for send p3")[0] == ["send-impact", "send-impact-views"]


def test_two_sections_as_near_the_number_are_both_named_and_asked_about(pack):
    found, target = ids(pack, "SEND priority 2 schools")
    assert found == {"schools-inspection-practice", "schools-inspection-practice-views",
                     "send-inspection-practice", "send-inspection-practice-views"}
    assert target.exact and not target.section_named


def test_a_named_box_is_marked_but_the_unions_comments_are_not_a_box(pack):
    assert ids(pack, "the free text for schools priority 1")[1].box
    assert ids(pack, "SEND P3 box")[1].box
    assert not ids(pack, "what are the union's comments on schools priority 1")[1].box
    assert not ids(pack, "is priority 3 just a tick box exercise?")[1].box
    assert not ids(pack, "box-ticking for P3?")[1].box


def test_a_section_named_without_a_number_only_nudges(pack):
    found, target = ids(pack, "the safeguarding ones")
    assert "safeguarding-pause-policy" in found and not target.exact and target.section_named
    found, _ = ids(pack, "the SEND impact statements")
    assert found and all(pack.get(i).section.startswith("Special") for i in found)


@pytest.mark.parametrize("q, expected", [
    # a priority's name and a noun name it as its number would: in both sections without a section
    ("the culture section mentions Ruth Perry, is that the place for wellbeing?",
     {"schools-culture-views", "send-culture-views"}),
    ("is there anywhere in the reporting part of the survey for this?",
     {"schools-reporting-aims", "schools-reporting-views", "send-reporting-aims", "send-reporting-views"}),
    # ... with the section beside it, in that section; the name's last word alone will do
    ("the SEND impact bit", {"send-impact", "send-impact-views"}),
    ("in the schools inspection practice questions", {"schools-inspection-practice",
                                                      "schools-inspection-practice-views"}),
    ("the SEND practice bit", {"send-inspection-practice", "send-inspection-practice-views"}),
])
def test_a_priority_named_by_its_name_is_where_to_write(pack, q, expected):
    found, target = ids(pack, q)
    assert found == expected and target.exact
    assert not target.whole_priority and target.by_name   # a place to write: the models choose question or box


def test_a_priority_named_by_its_name_and_its_box(pack):
    found, target = ids(pack, "for the SEND culture box, can I copy what I put in the schools culture section?")
    assert found == {"send-culture-views"} and target.box


@pytest.mark.parametrize("q", ["what impact one visit had on our staff", "the culture of fear in our school",
                               "impact on workload", "reporting to parents", "what about culture",
                               # a longer name's last word alone is English unless a section is named
                               "can I use practice questions from past papers in lessons?"])
def test_a_priority_name_without_a_noun_after_it_is_an_ordinary_word(pack, q):
    found, target = ids(pack, q)
    assert not target.exact


@pytest.mark.parametrize("q, expected", [
    ("I did the culture bit already. What should I put for priority 3?", {"schools-impact", "schools-impact-views",
                                                                          "send-impact", "send-impact-views"}),
    ("I answered the culture section, now what about P1?", {"schools-reporting-aims", "schools-reporting-views",
                                                            "send-reporting-aims", "send-reporting-views"}),
])
def test_a_number_wins_over_a_name(pack, q, expected):
    found, target = ids(pack, q)
    assert found == expected and not target.by_name


def test_names_are_read_from_the_pack_and_a_shared_or_common_word_names_nothing(pack):
    from bot.knowledge import load_pack
    from bot.structure import _Survey
    from conftest import ROOT

    assert _Survey.of(pack).named[("culture",)] == (4, False)
    other = load_pack(ROOT / "knowledge" / "workload-example")   # "Priority 2: Meetings and data"
    assert _Survey.of(other).named[("meetings", "and", "data")] == (2, False)
    assert not ids(other, "a GDPR data question about my payslip")[1].exact
    assert ids(other, "the meetings and data section")[1].exact


def test_the_schools_section_is_not_safeguarding_in_schools(pack):
    found, target = ids(pack, "help with the schools section")
    assert found and all(pack.get(i).section == "Schools" for i in found) and target.section_named
    found, _ = ids(pack, "the safeguarding ones")
    assert found and all(pack.get(i).section == "Safeguarding in schools" for i in found)


@pytest.mark.parametrize("q, section", [
    ("what should I put for the safeguarding question?", "Safeguarding in schools"),
    ("what does the union say about the SEND questions", "Special educational needs and alternative provision"),
    ("any tips for the schools section of the survey? what does the union recommend", "Schools"),
    # the section word alone, in a question about what to answer
    ("what should I put for safeguarding?", "Safeguarding in schools"),
    ("safeguarding - what do I put", "Safeguarding in schools"),
    ("what does the union recommend for SEND", "Special educational needs and alternative provision"),
    ("what should I tick for SEND", "Special educational needs and alternative provision"),
    # a section and nothing more (round 23: one of its questions was answered, and a member asking
    # "help with the safeguarding question" could miss the union's 'Yes' on the separate judgement)
    ("the safeguarding question", "Safeguarding in schools"),
    ("help with the safeguarding question", "Safeguarding in schools"),
    ("the safeguarding ones", "Safeguarding in schools"),
    ("the SEND questions", "Special educational needs and alternative provision"),
    ("SEND section?", "Special educational needs and alternative provision"),
    ("what about the safeguarding one", "Safeguarding in schools"),   # audit 34: its frequency question got
    ("how about the SEND bit?", "Special educational needs and alternative provision"),   # "no particular option"
])
def test_a_section_named_alone_is_the_whole_section(pack, q, section):
    found, target = ids(pack, q)
    assert target.whole_section and not target.exact
    assert found == {e.id for e in pack.entries if getattr(e, "section", "") == section}


@pytest.mark.parametrize("q", ["what is SEND", "what do I put, and when do I send", "safeguarding?",
                               "what does nasuwt say about safeguarding"])
def test_a_section_word_alone_names_nothing_without_a_question_about_what_to_answer(pack, q):
    found, target = ids(pack, q)
    assert not target.whole_section and not found


@pytest.mark.parametrize("q", [
    "do I have to answer the SEND questions?", "do I need to fill in the SEND section?",
    "is it ok to not answer the SEND questions", "who should answer the SEND questions?",
    "why are there SEND questions?", "is there a SEND section?", "where are the safeguarding questions?",
    "thanks for the help with the safeguarding section", "I don't need help with the safeguarding questions",
    # a section noun and other words (the review of round 23)
    "I'm against the safeguarding questions", "I got through the safeguarding questions",
    "I only did the SEND questions", "the SEND questions are too few", "the SEND questions lol",
    "which section is after the SEND section?",
])
def test_a_question_about_the_section_itself_is_not_asked_which_question(pack, q):
    found, target = ids(pack, q)
    assert found and not target.whole_section   # the section still nudges; the question is answered


def test_two_sections_named_alone_are_both_listed(pack):
    found, target = ids(pack, "what should I put for the schools and SEND sections")
    assert target.whole_section
    assert {pack.get(i).section for i in found} == {"Schools", "Special educational needs and alternative provision"}


@pytest.mark.parametrize("q", ["the safeguarding question about how often it is inspected",
                               "schools section priority 2", "the SEND section's first statement",
                               "I have a school question: what is off-rolling",
                               "what the safeguarding question about frequency says",
                               # the review of round 34: two sections named
                               "what about safeguarding in the schools part", "what about SEND in the schools section"])
def test_a_section_with_more_in_the_question_is_not_the_whole_section(pack, q):
    assert not ids(pack, q)[1].whole_section


def quoted(pack, q):
    t = find_target(words(q), pack, q)
    return [pack.entries[i].id for i in t.entries], t.statement, t.exact


def test_quoted_survey_wording_names_its_question_or_statement(pack):
    assert quoted(pack, "so yes again for 'should we inspect it more regularly than other areas'?") == (
        ["safeguarding-frequency"], None, True)
    # a statement: the whole entry, that statement marked; the SEND grid's near-copy is further off
    q = "the union line on 'The number of schools graded good and outstanding in England gives you a strong indication'"
    assert quoted(pack, q) == (["schools-impact"], 4, True)
    # inside the priority the member named, the quotation narrows it to its statement
    q = "SEND P3: what about 'Ofsted holds local areas to account for how well they support children with SEND'"
    assert quoted(pack, q) == (["send-impact"], 5, True)
    # curly quotes and backticks pair up; an apostrophe inside the words doesn't end the quotation
    assert quoted(pack, "what about “the context of the school’s local area as part of our inspections”?")[0] == [
        "schools-inspection-practice"]
    backticks = "`should we inspect it more regularly than other areas`-- yes?"
    assert quoted(pack, backticks)[0] == ["safeguarding-frequency"]


@pytest.mark.parametrize("q", [
    "what's 'ofsted holds schools to account' about",           # several entries' statements: names none
    "the school's 'learning journey' thing, don't ask",          # apostrophes open no quotation
    "our head 'took early retirement' a fortnight after",        # not the survey's wording
    "our head keeps saying 'we are a good school' so what do i put",   # its words are in a statement, mostly stopwords
    "she said 'we should inspect it more' and I agree",
    "schools P1: what about 'Ofsted holds local areas to account for how well they support children with SEND'",
])
def test_quotations_that_are_not_one_entrys_wording_name_nothing_new(pack, q):
    ids_, statement, _ = quoted(pack, q)
    assert statement is None and "send-impact" not in ids_ and len(ids_) != 1


@pytest.mark.parametrize("q", ["how are schools inspected", "what is off-rolling", "", "safeguarding judgement"])
def test_ordinary_questions_name_no_structure(pack, q):
    found, target = ids(pack, q)
    assert not found and not target


@pytest.mark.parametrize("message, where", [
    ("where do I put this?", True), ("Where do I say that?", True), ("where would that fit", True),
    ("where can we mention it", True), ("which bit of the survey is that", True),
    ("Is there anywhere I can say I'd like reports to help staff?", True),
    ("is there a bit that asks whether they look at the right things?", True),
    ("can I write about all that prep, and if so where?", True), ("which part do I use for that?", True),
    ("Which bit wants that?", True), ("anywhere in the survey for that?", True),
    # asking where someone said something, or where a thing is, is not asking where to write
    ("where did ofsted say that", False), ("where does nasuwt say that", False), ("where is the survey", False),
    ("where are the results", False), ("what is off-rolling", False), ("is there a deadline", False),
])
def test_asking_where_in_the_survey_something_goes_is_read_by_a_grammar(message, where):
    """Members ask where a story goes in many ways; a fixed list of phrases missed "is there a
    bit for that" and "if so where" (bot/blend.py puts a survey question first for them, and a
    decline says which it couldn't tell)."""
    assert asks_where(words(message)) is where


@pytest.mark.parametrize("q", ["last question: is safeguarding inspected separately?",
                               "one last question about safeguarding: does NASUWT want it inspected at all?",
                               "final question from me, what does SEND mean"])
def test_last_question_as_an_opener_names_no_question(pack, q):
    """Review of round 29: "last question" anywhere was the survey's catch-all question, answered
    confidently ("last question, what does SEND mean" got "anything else?"). Only "the last question"
    (that, this) names it."""
    found, target = ids(pack, q)
    assert "final-anything-else" not in found or not target.exact, q
    assert ids(pack, "what should I put for the final question")[0] == {"final-anything-else"}


@pytest.mark.parametrize("message, named", [
    ("what do I put for the half a day notice statement", True),
    ("there's a statement about ofsted making schools off-roll", True),
    ("the 'less inclusive' statement confused me", True),
    ("very important for every bullet?", False),                     # the list
    ("the schools impact statements, any guidance overall?", False),
    ("is there a statement for that", False),                        # asking which fits a story
    ("which SEND statement is this", False),
    ("there's a statement on it in the SEND impact bit", False),
    ("Is there a statement that fits this?", False),
    # the review of round 31: a statement of everyday life
    ("I had to give a witness statement about the inspection", False),
    ("my son had a statement of SEN before EHCPs came in", False),
    ("the press statement ofsted put out about the pause policy", False),
    # the member's own words, referred back to
    ("union reckons inspection makes schools push SEND kids out, so agree with that statement?", False),
    # asked what it is, by what it is about (audit 35 #58): named, not asked which fits
    ("What's the statement about unregistered AP oversight and what does the union say about it", True),
    ("what is the statement on notice periods", True),
    ("what statement is about my situation", False),
    ("which statement is it about", False),
])
def test_a_statement_named_by_its_words_not_the_list_nor_a_story(message, named):
    assert names_a_statement(words(message)) is named


@pytest.mark.parametrize("q, expected", [
    # audit 34 #80: SEND Priority 1 has 7 statements; only the schools version has a 10th
    ("Priority 1 bullet 10 - the MAT one. thoughts?", {"schools-reporting-aims", "schools-reporting-views"}),
    ("P3 statement 9?", {"send-impact", "send-impact-views"}),
    # audit 35 #22, #80 and audit 34 #81: the words name a statement only one section's version has
    ("priority 3 statement 3 - the unintended consequence one. agree or disagree?", {"schools-impact",
                                                                                   "schools-impact-views"}),
    ("priority 2, the notice one. what do i put", {"schools-inspection-practice", "schools-inspection-practice-views"}),
    ("Priority 2 statement 4, the notice period one - union view?",
     {"schools-inspection-practice", "schools-inspection-practice-views"}),
    ("P1 personal dev bullet - does it mention character or careers or anything beyond exams?",
     {"schools-reporting-aims", "schools-reporting-views"}),
])
def test_a_statement_only_one_sections_version_has_names_that_section(pack, q, expected):
    """By its number, or by its words."""
    found, target = ids(pack, q)
    assert found == expected and target.section_named


def test_a_statement_number_both_versions_have_names_no_section(pack):
    found, target = ids(pack, "Priority 2 statement 4?")
    assert not target.section_named and len({pack.get(i).section for i in found}) == 2


@pytest.mark.parametrize("q", [
    "SEND version of the off-rolling statement - what's the union saying",   # audit 34 #45
    "what about the SEND equivalent",
])
def test_a_sections_version_names_the_section(pack, q):
    found, target = ids(pack, q)
    assert target.section_named and {pack.get(i).section for i in found} == {
        "Special educational needs and alternative provision"}


@pytest.mark.parametrize("q", [
    "priority 3, the off-rolling one",          # both versions have an off-rolling statement
    "priority 3 - do MATs get inspected?",      # both have a statement on inspecting groups ("inspect")
    "priority 2 what do i put",                 # no words of a statement
    # the review of round 35: only the words naming the statement, not the story's ("parents")
    "priority 2 the one about how much warning we get, parents were furious",
    "priority 2, the one about consistency - parents keep saying inspections vary",
])
def test_words_both_versions_statements_have_or_none_name_no_section(pack, q):
    found, target = ids(pack, q)
    assert not target.section_named and len({pack.get(i).section for i in found}) == 2
