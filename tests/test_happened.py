"""Asked what has happened since the consultation, of a survey question: the reply says first that
it was asked, not decided, then what later sources record (bot/happened.py, bot/replies.py)."""
from __future__ import annotations

import pytest

from bot.guide import reply_to
from bot.happened import asks_what_happened
from bot.packs import Library
from bot.replies import HAPPENED, HAPPENED_RECORDED, NOTHING_SINCE, render_full_text, render_text, reply_lines


@pytest.mark.parametrize("q", [
    "Ofsted decided safeguarding will be a separate judgement right?",
    "is safeguarding a separate judgement now?",
    "how often will ofsted inspect safeguarding from now on",
    "did Ofsted start inspecting MATs after the Big Listen?",
    "has ofsted agreed classroom teachers can be inspectors now",
    "did the government scrap SATs",
    "wait the reporting list has one about the trust?? can ofsted even do that now?",
    "has anything changed since then?",
    "did the Example Department decide to cut data drops?",        # another pack's actor, passed in
    "after the workload consultation what changed on marking?",     # ... and its name
    "did ofsted do anything about the safeguarding thing",          # round 31's audit
    "did ofsted make safeguarding a separate judgement in the end",  # ... and its re-check
    "ofsted are still doing subject deep dives on ungraded inspections?",   # audit 32
    "do ofsted still grade schools",
    "ofsted already made safeguarding a separate judgement didnt they",   # audit 34
    "ofsted have now made safeguarding separate, right?",
    "what happened after the big listen closed",   # audit 34: the closing date alone
    "anything change since the survey ended?",
    # audit 35 #14: "now" before a tag asking to confirm, in a claim told
    "someone in the staffroom said schools get a full day's notice of ofsted now, true?",
    "schools get a full day's notice now right?",
])
def test_asks_what_happened(q):
    assert asks_what_happened(q, ("ofsted", "example", "department"), ("big", "listen", "workload"))


@pytest.mark.parametrize("q", [
    "what should I put now?",                                      # answering, not news
    "can I still fill in the survey?",                             # too late, not news
    "is the ofsted survey still open",
    "ofsted still running the big listen?",                        # the consultation itself (the review)
    "does ofsted change the grade after a complaint?",             # how it works, not a decision
    "they changed our grade after the visit",                      # a story ("they" is no actor)
    "since then our head left, where do i put that",               # where it goes
    "so the union basically wants ofsted scrapped completely yeah?",   # Ofsted is the object
    "doesn't ticking that make it look like we're happy with how things are now?",
    "after that our head left",
    "",
    # the review of round 30
    "is it too late to comment on the pause policy now?",
    "I've been off since then, what does nasuwt say about the separate safeguarding judgement?",
    "after the survey closes what happens to my answers about safeguarding?",
    "did ofsted do deep dives on behaviour in your school?",      # how inspections worked (round 31)
    # ... and the review of round 31's last commits: "make" only as a decision
    "what did ofsted make of our safeguarding", "did ofsted make you do a deep dive",
    "has ofsted made a mistake in our report", "did ofsted make the safeguarding judgement affect our grade",
    "after the big listen my head made a big deal of workload",
    "ofsted made our week hell", "ofsted has made a mess of our report",   # stories, not decisions
    "is the big listen closed now?", "the survey closed after the big listen ended, can i still respond?",
    # the review of round 34
    "ofsted have made teachers miserable this year", "ofsted has made so many mistakes in our report",
    "ofsted actually made staff cry last time they came", "the dfe have made schools do more paperwork",
    "ofsted has made two visits this year",
    "ofsted have now made everyone anxious about inspections", "ofsted already made its mind up before the big listen",
    "what should I put now, yeah?",                                # answering, tagged
    "I'm stuck on the notice question now, right?",
    "we're on the safeguarding frequency question now, right?", "our school is in a MAT now, right?",
])
def test_does_not_ask_what_happened(q):
    assert not asks_what_happened(q, ("ofsted",), ("big", "listen"))


def _reply(searcher, config, q):
    return reply_to(Library.of(searcher), config, q)[1]


def test_a_claimed_decision_is_told_it_was_a_question_before_the_suggested_answer(searcher, config):
    """Content audit 30: "Suggested answer: Yes." led, read as confirming a decision no source records."""
    r = _reply(searcher, config, "Ofsted decided safeguarding will be a separate judgement right?")
    assert r.entry.id == "safeguarding-separate-judgement"
    lead = [ln.label for ln in reply_lines(r)]
    said = HAPPENED.format(consultation="Ofsted's Big Listen", when="spring 2024", union="NASUWT")
    assert said.endswith("not a record of what was decided.")
    assert lead[0] == said
    assert lead[1].startswith(NOTHING_SINCE) and "NASUWT’s Education Team" in lead[1]
    assert lead.index(said) < next(i for i, label in enumerate(lead) if label.startswith("Suggested answer: Yes"))
    assert said not in render_full_text(r)   # the full view is everything, not an answer to this


def test_a_claimed_decision_with_no_later_record_is_told_none_is_shown(searcher, config):
    r = _reply(searcher, config, "ofsted decided culture is fine now right?")
    lead = [ln.label for ln in reply_lines(r)]
    assert lead[0].startswith("You asked what has happened since")
    assert lead[1].startswith(NOTHING_SINCE) and "NASUWT’s Education Team" in lead[1]


def test_asked_what_has_happened_since_of_safeguarding_frequency_the_planned_reviews_follow(searcher, config):
    """Audit 30b: "how often will ofsted inspect safeguarding from now on" was told no later change
    was shown; the December 2024 report plans annual reviews of safeguarding (a plan, labelled so)."""
    r = _reply(searcher, config, "how often will ofsted inspect safeguarding from now on")
    lines = reply_lines(r)
    assert lines[0].label.startswith("You asked what has happened since")
    assert "annual reviews of safeguarding" in lines[1].quote.text and "plans then" in lines[1].label
    assert lines[1].label.startswith("A related plan since then")   # a plan is no change


def test_what_later_sources_record_leads_when_there_is_some(searcher, config):
    r = _reply(searcher, config, "so Ofsted agreed with the union and stopped inspecting safeguarding after the "
                                 "Big Listen? that's what someone said at the meeting")
    lines = reply_lines(r)
    # not "below is ... not a record of what was decided" above Ofsted's record of one (audit 31's re-check)
    assert lines[0].label == HAPPENED_RECORDED.format(consultation="Ofsted's Big Listen", when="spring 2024",
                                                      union="NASUWT")
    assert lines[1].label.startswith("Since then, Ofsted said (19 December 2024")
    assert "suspend and return" in lines[1].quote.text
    assert NOTHING_SINCE not in render_text(r)
    assert render_text(r).count("suspend and return") == 1   # moved up, not shown twice


def test_asking_what_to_answer_is_unchanged(searcher, config):
    text = render_text(_reply(searcher, config, "should safeguarding be a separate judgement?"))
    assert "You asked what has happened since" not in text
    assert text.index("Suggested answer: Yes") < text.index("Ofsted's survey asks")


def test_a_stated_fact_with_the_unions_view_asked_is_not_told_it_was_a_question(searcher, config):
    """The review of round 30: the pack itself quotes Ofsted's "In January 2024, we introduced a
    new 'pause policy'"; the member states it and asks the union's view."""
    text = render_text(_reply(searcher, config, "ofsted brought in the pause policy last year - what does the "
                                                "union think?"))
    assert "You asked what has happened since" not in text


def test_with_nothing_later_shown_an_entry_linked_to_it_is_named(searcher, config):
    """The review of round 30: "records nothing later" was said of the pause policy question, which
    is linked to Ofsted's later words on it."""
    r = _reply(searcher, config, "ofsted agreed to make the pause policy work better for schools right?")
    lead = [ln.label for ln in reply_lines(r)]
    assert lead[0].startswith("You asked what has happened since")
    # the same policy: "related topic" understated it (audit 30b's second re-check, round 31)
    assert lead[1].startswith("Ofsted's later words on the same topic are under [Pause policy (")


def test_a_later_record_linked_to_the_question_is_named(searcher, config):
    """Audit 30b (high): "Ofsted dropped the pause policy after the big listen didnt they" was told
    no later change was shown, while Ofsted's December 2024 record of the pause policy was two
    links away (the question's glossary entry, and the update of the same name)."""
    r = _reply(searcher, config, "Ofsted dropped the pause policy after the big listen didnt they")
    lead = [ln.label for ln in reply_lines(r)]
    assert lead[1].startswith("Ofsted's later words on the same topic are under [")
    assert NOTHING_SINCE not in render_text(r)


def test_a_later_record_about_something_else_is_not_named(searcher, config):
    """The second review of round 30: "did Ofsted start inspecting MATs after the Big Listen?" was
    pointed to Ofsted's planned annual reviews of off-rolling, linked to the same survey question but
    not about MATs: read as something later having happened on MATs."""
    text = render_text(_reply(searcher, config, "did Ofsted start inspecting MATs after the Big Listen?"))
    assert "annual reviews" not in text and NOTHING_SINCE in text


def test_an_earlier_entry_asked_what_happened_since_names_the_later_record(searcher, config):
    """Audit 30b's re-check: "Ofsted scrapped the pause policy didnt they" got the spring 2024
    survey's text alone (a glossary entry, not a survey question); Ofsted's December 2024 record of
    the pause policy, of the same name, was one link away."""
    r = _reply(searcher, config, "Ofsted scrapped the pause policy didnt they")
    assert r.entry.id == "pause-policy"
    assert reply_lines(r)[0].label == ("What follows is from spring 2024; Ofsted's later words on the same topic "
                                       "are under [Pause policy (Ofsted’s December 2024 update)].")
    # another topic's record stays "related": the Monday call is no notice period
    other = _reply(searcher, config, "did ofsted change the notice period after the big listen")
    assert reply_lines(other)[0].label.startswith("What follows is from spring 2024; Ofsted's later words on a "
                                                  "related topic are under [Routine inspections notified on a Monday")
    # the later record itself is not sent on to itself
    later = _reply(searcher, config, "has ofsted changed the pause policy since the big listen?")
    assert not any(ln.label.startswith("What follows is from") for ln in reply_lines(later)
                   if later.entry.id == "pause-policy-action-report")


def test_did_ofsted_make_it_so_is_told_it_was_a_question_before_the_suggested_answer(searcher, config):
    """Audit 31's re-check: "did ofsted make safeguarding a separate judgement in the end" was led
    with "Suggested answer: Yes", readable as yes, Ofsted did."""
    lead = [ln.label for ln in reply_lines(_reply(searcher, config,
                                                  "did ofsted make safeguarding a separate judgement in the end"))]
    assert lead[0].startswith("You asked what has happened since") and lead[1].startswith(NOTHING_SINCE)


def test_an_earlier_entry_asked_how_things_stand_with_no_later_record_says_it_is_from_then(searcher, config):
    """Audit 32: "ofsted are still doing subject deep dives on ungraded inspections?" got the union's
    spring 2024 account of deep dives with nothing to say it was no record of now."""
    _, r = reply_to(Library.of(searcher), config, "ofsted are still doing subject deep dives on ungraded inspections?")
    assert r.entry.id == "deep-dives"
    lead = [ln.label for ln in reply_lines(r) if ln.part == "lead" and not ln.quote]
    assert lead == [f"You asked how things stand now: what follows is from spring 2024. {NOTHING_SINCE}"]


def test_asked_how_things_stand_an_entry_with_its_own_later_records_does_not_say_none_is_shown(searcher, config):
    """The second review of round 32: "do ofsted still do rapid reinspections" was told "No later change
    to it is shown here." above the December 2024 "suspend and return" lines it shows."""
    _, r = reply_to(Library.of(searcher), config, "do ofsted still do rapid reinspections")
    text = render_text(r)
    assert "suspend and return" in text and NOTHING_SINCE not in text


def test_asked_what_happened_after_the_consultation_closed_its_later_record_is_named(searcher, config):
    """Audit 34 #52: "what happened after the big listen closed" got the closing date alone; the timeline
    of Ofsted's response (December 2024) is linked to it, though it shares no word of the question."""
    r = _reply(searcher, config, "what happened after the big listen closed")
    lead = [ln.label for ln in reply_lines(r)]
    if r.entry.id == "closing-date":
        assert lead[0] == ("What follows is from spring 2024; Ofsted's later words on a related topic are under "
                           "[When the Big Listen ran and when Ofsted responded (March to September 2024)].")
    else:   # found the later record itself
        assert r.entry.id == "big-listen-timeline"


def test_a_claim_about_now_answered_from_2020_says_it_is_from_then(searcher, config):
    """Audit 35 #14: "schools get a full day's notice of ofsted now, true?" was answered with Schools Week's
    2020 "Schools will get up to a day's notice of a visit." and nothing before it saying it was then."""
    _, r = reply_to(Library.of(searcher), config,
                    "someone in the staffroom said schools get a full day's notice of ofsted now, true?")
    assert r.entry.id == "autumn-visits-2020"
    lead = [ln.label for ln in reply_lines(r) if ln.part == "lead" and not ln.quote]
    assert lead == [f"You asked how things stand now: what follows is from summer 2020. {NOTHING_SINCE}"]
