"""The loader refuses a broken pack and says exactly where the problem is."""
from __future__ import annotations

import pytest

from bot.errors import (
    BadReference,
    DuplicateId,
    EmptyText,
    KnowledgeError,
    MissingField,
    UnknownField,
    WrongType,
    YamlSyntax,
)
from bot.knowledge import SurveyEntry, load_pack
from conftest import run_cli

GLOSSARY = """entries:
- id: widget
  kind: glossary
  term: Widget
  source: nasuwt-commentary
  definition: ["Off-rolling is the practice of removing a pupil from the school roll"]
"""


def add_file(folder, name: str, text: str):
    (folder / name).write_text(text, encoding="utf-8")
    return str(folder / name)


def test_bundled_pack_is_complete(pack):
    kinds = {}
    for e in pack.entries:
        kinds.setdefault(e.kind, []).append(e)
    assert len(kinds["survey"]) == 19
    sections = {e.section for e in kinds["survey"]}
    assert sections == {"Schools", "Safeguarding in schools",
                        "Special educational needs and alternative provision", "Final question"}
    assert len(kinds["glossary"]) >= 12 and len(kinds["background"]) >= 7
    for term in ("off-rolling", "deep-dives", "hmis-and-ois", "mats", "unregistered-ap", "pupil-referral-units",
                 "pause-policy", "suspend-and-return", "single-word-judgements", "report-cards",
                 "area-send-inspections", "closing-date", "contact-education-team", "childrens-survey",
                 "action-report-dec-2024", "autumn-visits-2020"):
        assert pack.get(term) is not None, term


def test_explicit_answers_are_the_unions_own(pack):
    explicit = {e.id: e.suggested_answer for e in pack.entries
                if isinstance(e, SurveyEntry) and e.suggested_answer.explicit}
    assert set(explicit) == {"safeguarding-separate-judgement", "send-inspection-practice"}
    assert explicit["safeguarding-separate-judgement"].answer == "Yes"
    assert "recommends that you answer ‘yes’" in explicit["safeguarding-separate-judgement"].rests_on
    assert explicit["send-inspection-practice"].answer == "Very important"


def test_send_holds_to_account_is_not_turned_into_agree(pack):
    """'NASUWT agrees that Ofsted should hold all settings to account' is a view on what
    should happen; the statements ask whether Ofsted does. No 'answer Agree' there."""
    impact = pack.get("send-impact")
    for s in impact.statements:
        assert s.suggested_answer is None or not s.suggested_answer.explicit
    assert not impact.suggested_answer.explicit


def test_old_news_sources_are_dated(pack):
    old = {s.id: s for s in pack.sources.values() if s.old_news}
    assert set(old) == {"schoolsweek-area-send-2022", "schoolsweek-autumn-visits-2020"}
    for e in pack.entries:
        if e.source in old:
            assert any(year in e.title for year in ("2020", "2022")), e.id


def test_duplicate_id(pack_copy):
    add_file(pack_copy, "extra.yaml", GLOSSARY.replace("id: widget", "id: off-rolling"))
    with pytest.raises(DuplicateId) as err:
        load_pack(pack_copy)
    assert "extra.yaml" in str(err.value) and "off-rolling" in str(err.value)


def test_missing_field(pack_copy):
    add_file(pack_copy, "extra.yaml", GLOSSARY.replace("  term: Widget\n", ""))
    with pytest.raises(MissingField, match=r"extra\.yaml:2: entry 'widget': field 'term'"):
        load_pack(pack_copy)


def test_unknown_field_names_line(pack_copy):
    add_file(pack_copy, "extra.yaml", GLOSSARY + "  defintion: [oops]\n")
    with pytest.raises(UnknownField, match=r"extra\.yaml:7: entry 'widget': field 'defintion'"):
        load_pack(pack_copy)


def test_wrong_type(pack_copy):
    add_file(pack_copy, "extra.yaml", GLOSSARY.replace('definition: ["Off', 'definition: "Off').replace(
        'roll"]', 'roll"'))
    with pytest.raises(WrongType, match=r"field 'definition': expected a list of text, got text"):
        load_pack(pack_copy)


def test_empty_text(pack_copy):
    add_file(pack_copy, "extra.yaml", GLOSSARY.replace("term: Widget", "term: '   '"))
    with pytest.raises(EmptyText, match="field 'term'"):
        load_pack(pack_copy)


def test_broken_yaml_gives_file_and_line(pack_copy):
    add_file(pack_copy, "extra.yaml", "entries:\n- id: x\n  kind: [glossary\n")
    with pytest.raises(YamlSyntax) as err:
        load_pack(pack_copy)
    assert err.value.file.endswith("extra.yaml") and err.value.line is not None


def test_duplicate_key_in_yaml(pack_copy):
    add_file(pack_copy, "extra.yaml", GLOSSARY + "  term: Again\n")
    with pytest.raises(YamlSyntax, match="'term' appears twice"):
        load_pack(pack_copy)


def test_unknown_kind(pack_copy):
    add_file(pack_copy, "extra.yaml", GLOSSARY.replace("kind: glossary", "kind: faq"))
    with pytest.raises(WrongType, match="kind must be one of"):
        load_pack(pack_copy)


def test_unknown_source_and_related(pack_copy):
    add_file(pack_copy, "extra.yaml", GLOSSARY.replace("nasuwt-commentary", "blog"))
    with pytest.raises(BadReference, match="unknown source 'blog'"):
        load_pack(pack_copy)
    add_file(pack_copy, "extra.yaml", GLOSSARY + "  related: [nowhere]\n")
    with pytest.raises(BadReference, match="related id 'nowhere'"):
        load_pack(pack_copy)


def test_invented_suggested_answer_is_refused(pack_copy):
    path = pack_copy / "survey-safeguarding.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("    answer: 'Yes'", "    answer: Maybe", 1), encoding="utf-8")
    with pytest.raises(BadReference, match="not one of the options"):
        load_pack(pack_copy)
    text2 = text.replace("    rests_on: Given the high stakes", "    rests_on: We say given the high stakes", 1)
    path.write_text(text2, encoding="utf-8")
    with pytest.raises(BadReference, match="rests_on must be quoted"):
        load_pack(pack_copy)


def test_answer_without_explicit_position_is_refused(pack_copy):
    path = pack_copy / "survey-safeguarding.yaml"
    text = path.read_text(encoding="utf-8")
    assert "    explicit: false\n    rests_on: NASUWT’s view is that the most important" in text
    path.write_text(text.replace("    explicit: false\n    rests_on: NASUWT’s view is that the most important",
                                 "    explicit: false\n    answer: 'No'\n    rests_on: NASUWT’s view is that the "
                                 "most important", 1), encoding="utf-8")
    with pytest.raises(BadReference, match="explicit is false"):
        load_pack(pack_copy)


def test_missing_folder(tmp_path):
    with pytest.raises(KnowledgeError, match="not found"):
        load_pack(tmp_path / "nothing")


def test_validate_command(pack_copy):
    ok = run_cli("validate", str(pack_copy))
    assert ok.returncode == 0 and "ok, " in ok.stdout
    add_file(pack_copy, "extra.yaml", "entries:\n- id: x\n  kind: glossary\n  term: [unclosed\n")
    bad = run_cli("validate", str(pack_copy))
    assert bad.returncode != 0
    assert "extra.yaml:" in bad.stderr and "Traceback" not in bad.stderr


def test_rests_on_must_sit_inside_one_paragraph(pack_copy):
    path = pack_copy / "survey-safeguarding.yaml"
    text = path.read_text(encoding="utf-8")
    spanning = ("the principle focus on inspection should be on teaching and learning. Given the high stakes "
                "nature of the safeguarding judgement")
    path.write_text(text.replace("    rests_on: Given the high stakes nature of the safeguarding judgement and "
                                 "the fact that a negative judgement will override other judgements about "
                                 "leadership and management, NASUWT recommends that you answer ‘yes’ to this "
                                 "question.", f"    rests_on: {spanning}", 1), encoding="utf-8")
    with pytest.raises(BadReference, match="one paragraph"):
        load_pack(pack_copy)


def test_rests_on_may_not_come_from_another_priority(pack_copy):
    """The pause-policy question is related to nothing of its priority; a sentence from the
    separate-judgement question (another priority) can't support its answer."""
    path = pack_copy / "survey-safeguarding.yaml"
    text = path.read_text(encoding="utf-8")
    old = ("    rests_on: NASUWT’s position is that pausing inspection may be important, for instance, "
           "to ensure that the headteacher is supported.")
    assert old in text
    path.write_text(text.replace(old, "    rests_on: NASUWT’s position is that the inspectorate should not inspect "
                                      "safeguarding", 1).replace("  related:\n  - pause-policy",
                                                                 "  related:\n  - pause-policy\n  - "
                                                                 "safeguarding-separate-judgement", 1),
                    encoding="utf-8")
    with pytest.raises(BadReference, match="one paragraph"):
        load_pack(pack_copy)
