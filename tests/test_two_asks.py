"""Two questions in one message (bot/two_asks.py): the answer names the one it leaves out, with a
button for it in Slack. Content audits 34 and 35: "MATs - should ofsted inspect them? and whats the
union line on deep dives in primary" answered deep dives and dropped MATs without a word."""
from __future__ import annotations

import json

import pytest

from bot.blocks import answer_blocks
from bot.packs import Library
from bot.replies import also_line, build_reply, render_full_text, render_text
from bot.two_asks import parts
from conftest import run_cli

TWO = "MATs - should ofsted inspect them? and whats the union line on deep dives in primary"


@pytest.mark.parametrize("q, asked", [
    (TWO, ["MATs - should ofsted inspect them", "whats the union line on deep dives in primary"]),
    ("two quick ones: what do i tick on the separate SG judgement question, and whats the union saying on the "
     "pause policy", ["two quick ones: what do i tick on the separate SG judgement question",
                      "whats the union saying on the pause policy"]),
    # one question: a story and where it goes, a follow-up pointing back, a reason, three parts
    ("our inspector only looked at maths all day. where do i put this?", []),
    ("what are the answer options on the reporting bits? is it agree/disagree", []),
    ("the union's against ofsted inspecting MATs isnt it? just doubles up with the trust's own QA", []),
    ("what is off-rolling", []),
    ("what is a MAT? what is a PRU? what is an EHCP?", []),
    # "it" for who speaks, not for what the first part asked about (audit 35's re-check R6)
    ("should ofsted inspect MATs according to the union? what does it say about off-rolling",
     ["should ofsted inspect MATs according to the union", "what does it say about off-rolling"]),
])
def test_a_messages_two_questions(q, asked):
    assert parts(q) == asked


def test_the_question_the_answer_leaves_out_is_named_with_a_button(searcher, config):
    library = Library.of(searcher)
    result, pack = library.find_matches(TWO, also=True)
    assert result.best.entry.id == "schools-inspection-practice"
    assert result.also is not None and result.also[0] == "MATs - should ofsted inspect them"
    assert result.also[1].entry.id == "mats"
    reply = build_reply(result, pack, config.contact)
    said = ("You asked two things, and the answer below is for one of them. For the other (MATs - should ofsted "
            "inspect them), see [MATs (multi-academy trusts)]")
    assert render_text(reply).splitlines()[1] == said + " [mats]."
    assert said in render_full_text(reply)
    blocks = answer_blocks(reply).blocks
    assert said in json.dumps(blocks, ensure_ascii=False)
    buttons = [e for b in blocks if b["type"] == "actions" for e in b["elements"]
               if e["action_id"].startswith("did_you_mean")]
    assert json.loads(buttons[0]["value"])["e"] == "mats"
    assert json.loads(buttons[0]["value"])["q"] == "MATs - should ofsted inspect them"   # opened as that question
    assert len({b["action_id"] for b in buttons}) == len(buttons)


def test_the_whole_messages_answer_among_one_parts_matches_leaves_the_other_out(searcher):
    """Audit 35's re-check R1: the whole message's answer was the pause-policy question, not the glossary
    entry the part found first, and the separate judgement (the union's ‘yes’) was dropped unnamed."""
    result, _ = Library.of(searcher).find_matches("does the union want a separate safeguarding judgement? and "
                                                  "what's the pause policy", also=True)
    assert result.also is not None and result.also[1].entry.id == "safeguarding-separate-judgement"
    assert result.best.entry.id != "safeguarding-separate-judgement"


@pytest.mark.parametrize("q", [
    # a follow-on that, alone, reads as another entry's question (the sets had 65 such splits before the rules)
    "the ofsted autumn 'visits' - are they graded? do we get a proper report at the end",
    "reporting bit - theres a statement about the report telling you if kids are safe and happy at the school? "
    "what's the wording",
    "our last report was vague and got basic facts about our sixth form wrong. where in the survey do i say reports "
    "are inaccurate and what should i cover",
])
def test_a_follow_on_question_is_not_another_question(searcher, q):
    result, _ = Library.of(searcher).find_matches(q, also=True)
    assert result.also is None


def test_ask_json_names_the_other_question():
    out = run_cli("ask", "--json", TWO)
    assert out.returncode == 0, out.stderr
    record = json.loads(out.stdout)
    assert record["also"] == {"question": "MATs - should ofsted inspect them", "id": "mats"}
    assert record["results"][0]["id"] == "schools-inspection-practice"


def test_a_story_before_a_question_mark_is_no_question_and_a_long_question_is_shortened(searcher, config):
    """The review of round 35: "the lead inspector was an HMI and very rude? what does the union say about
    MATs being inspected" named the story as the other question; a second question of 3,000 characters
    made Slack refuse the reply."""
    assert parts("the lead inspector was an HMI and very rude? what does the union say about MATs being "
                 "inspected") == []
    long = ("what is nasuwt's view on deep dives in primary? what should I say about MATs: " +
            "the head was distressed during the inspection, the lead inspector refused to pause. " * 40)
    result, pack = Library.of(searcher).find_matches(long, also=True)
    if result.also is not None:   # named: shortened, and Slack takes it
        reply = build_reply(result, pack, config.contact)
        assert len(also_line(reply)) < 400
        answer_blocks(reply)
    from dataclasses import replace
    reply = build_reply(Library.of(searcher).find_matches(TWO, also=True)[0], pack, config.contact)
    reply = replace(reply, also=("what should I say about MATs " + "and more " * 500, reply.also[1]))
    assert len(also_line(reply)) < 400
    answer_blocks(reply)   # raises on a text over Slack's limit


def test_only_a_reply_to_the_member_searches_the_parts(searcher, config, tmp_path):
    """A rep's search-as-you-type or a picked entry's other matches don't need the other question: the
    two more searches are for a reply (the Guide's answer, `ask`, `eval`)."""
    from bot.guide import Guide
    from bot.store import open_store
    assert Library.of(searcher).find_matches(TWO)[0].also is None
    reply = Guide(config, searcher, open_store(tmp_path / "b.sqlite3")).ask(TWO, via="test")
    assert reply.also is not None and reply.also[1].entry.id == "mats"
