"""Whose words: a quotation labelled the union's lies inside the union's own text in the
source (its introduction and its "NASUWT comments" blocks), found from the source file."""
from __future__ import annotations

import dataclasses

import pytest

from bot.knowledge import GlossaryEntry, SurveyEntry, entry_quotes
from bot.speakers import UnionText, speaker_problems, split_paragraphs
from conftest import SHARED

SOURCES = SHARED / "sources"
COMMENTARY = SOURCES / "nasuwt-big-listen-commentary-schools-send.txt"


@pytest.fixture(scope="module")
def union_text():
    return UnionText.from_file(COMMENTARY)


def test_every_quotation_in_the_pack_has_the_right_speaker(pack):
    assert speaker_problems(pack, SOURCES) == []


def test_every_quotation_has_a_speaker_and_a_date(pack):
    for e in pack.entries:
        for q in entry_quotes(e, pack):
            assert q.speaker in ("union", "ofsted", "press"), (e.id, q.text[:40])
            assert q.as_of == pack.sources[q.source].date


def test_the_union_blocks_are_found_from_the_document(union_text):
    """Spot checks of the derivation: comment blocks, their bullet lists and the
    introduction are the union's; survey questions, statements and framing are not."""
    union = union_text.holds
    assert union("Ofsted’s Big Listen is running until 31 May 2024.")                    # introduction
    assert union("the tone of the report; and")                                          # a union bullet list
    assert union("Ofsted does not carry out subject inspections")                        # after that list
    assert union("NASUWT agrees that Ofsted should hold all settings to account")
    assert union("You might include comments that you consider to be particularly significant.")  # last block
    assert not union("the notice period is half a day")                                  # a survey statement
    assert not union("Ofsted holds local areas to account for how well they support")   # statement after a block
    assert not union("Our judgement on whether safeguarding arrangements in a school are effective")  # framing
    assert union_text.reproduces("Is there anything else you would like to tell us?")  # the final question
    assert not union("Now, when there are minor safeguarding issues")
    union_paras, other = split_paragraphs(COMMENTARY.read_text(encoding="utf-8"))
    assert len(union_paras) > 80 and len(other) > 10


@pytest.mark.parametrize("entry_id", ["notice-period", "pupil-referral-units", "unregistered-ap",
                                      "alternative-provision", "safeguarding-judgement",
                                      "rapid-safeguarding-reinspection", "pause-policy", "dfe", "inspection-basics"])
def test_ofsteds_words_are_not_under_the_unions_name(pack, entry_id):
    """Issue 8's list: these entries quote Ofsted's survey text, so they are labelled Ofsted."""
    quotes = entry_quotes(pack.get(entry_id), pack)
    assert {q.speaker for q in quotes if q.role != "since"} == {"ofsted"}


@pytest.mark.parametrize("entry_id", ["mats", "send"])
def test_mixed_entries_now_quote_one_speaker(pack, entry_id):
    """Issue 8: `mats` and `send` mixed a survey statement into the union's words."""
    assert {q.speaker for q in entry_quotes(pack.get(entry_id), pack)} == {"union"}


def test_a_mislabelled_quotation_is_caught(pack):
    """Guard the guard: Ofsted's words labelled the union's, and the union's labelled Ofsted's."""
    notice = pack.get("notice-period")
    wrong = dataclasses.replace(pack, entries=(dataclasses.replace(notice, speaker="union"),))
    assert any("not in its own text" in p for p in speaker_problems(wrong, SOURCES))
    mats = pack.get("mats")
    wrong = dataclasses.replace(pack, entries=(dataclasses.replace(mats, speaker="ofsted"),))
    assert any("the union's own words labelled ofsted" in p for p in speaker_problems(wrong, SOURCES))
    impact = pack.get("schools-impact")
    moved = dataclasses.replace(impact, commentary=impact.commentary + (impact.statements[0].text,))
    wrong = dataclasses.replace(pack, entries=(moved,))
    assert any("not in its own text" in p for p in speaker_problems(wrong, SOURCES))


def test_survey_fields_fix_the_speaker(pack):
    e = pack.get("schools-inspection-practice")
    assert isinstance(e, SurveyEntry)
    by_role = {}
    for q in entry_quotes(e, pack):
        by_role.setdefault(q.role, set()).add(q.speaker)
    assert by_role["question"] == by_role["statement"] == by_role["framing"] == {"ofsted"}
    assert by_role["commentary"] == by_role["guidance"] == {"union"}
    assert isinstance(pack.get("off-rolling"), GlossaryEntry)


def test_the_loader_proves_speakers_when_given_the_sources(pack_copy):
    from bot.errors import BadReference
    from bot.knowledge import load_pack
    assert load_pack(pack_copy, sources_dir=SOURCES).entries
    path = pack_copy / "glossary.yaml"
    text = path.read_text(encoding="utf-8")
    marked = ("  source: nasuwt-commentary\n"
              "  speaker: ofsted   # Ofsted's survey text, as the commentary reproduces it\n")
    assert marked in text
    path.write_text(text.replace(marked, "  source: nasuwt-commentary\n  speaker: union\n", 1), encoding="utf-8")
    load_pack(pack_copy)                                   # without the sources: structure only
    with pytest.raises(BadReference, match="labelled the union's but not in its own text"):
        load_pack(pack_copy, sources_dir=SOURCES)


def test_another_unions_document_is_read_by_its_own_markers(tmp_path):
    """Round 13: the proof knew only NASUWT's markers ("NASUWT comments", "Big Listen Survey ("),
    so on the example pack every survey quotation was "the union's own words labelled ofsted"
    (18 false problems) and no mislabelling could be caught. pack.yaml now gives each union
    document's markers; `validate --sources DIR` runs the proof."""
    import shutil

    from bot.knowledge import load_pack
    from conftest import ROOT, run_cli
    example, data = ROOT / "knowledge" / "workload-example", ROOT / "tests" / "data"
    assert speaker_problems(load_pack(example), data) == []
    assert run_cli("validate", str(example), "--sources", str(data)).returncode == 0
    copy = tmp_path / "example"
    shutil.copytree(example, copy)
    survey = copy / "survey-wellbeing.yaml"
    text = survey.read_text(encoding="utf-8")
    # the survey's own question moved into the union's comments: the union would be quoted saying it
    comment = "  - Should every school publish a workload charter?\n"
    assert "  commentary:\n" in text
    survey.write_text(text.replace("  commentary:\n", "  commentary:\n" + comment, 1), encoding="utf-8")
    problems = speaker_problems(load_pack(copy), data)
    assert any("labelled the union's but not in its own text: Should every school publish" in p for p in problems)
    out = run_cli("validate", str(copy), "--sources", str(data))
    assert out.returncode == 2 and "labelled the union's but not in its own text" in out.stderr
