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
  speaker: ofsted
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
        assert all(g.kind != "answer" for g in s.guidance)
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
    with pytest.raises(UnknownField, match=r"extra\.yaml:8: entry 'widget': field 'defintion'"):
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


def test_a_control_character_gives_file_line_and_the_character(pack_copy):
    add_file(pack_copy, "extra.yaml", GLOSSARY.replace("term: Widget", "term: Wid\x07get"))
    with pytest.raises(YamlSyntax, match=r"extra\.yaml:\d+: a character YAML doesn't allow \(#x0007") as err:
        load_pack(pack_copy)
    assert err.value.line == GLOSSARY.splitlines().index("  term: Widget") + 1


def test_a_date_not_in_the_calendar_gives_file_and_line(pack_copy):
    pack_yaml = pack_copy / "pack.yaml"
    text = pack_yaml.read_text(encoding="utf-8")
    pack_yaml.write_text(text.replace("closes: 2024-05-31", "closes: 2024-13-45"), encoding="utf-8")
    line = text.splitlines().index("  closes: 2024-05-31") + 1
    with pytest.raises(YamlSyntax, match=rf"pack\.yaml:{line}: '2024-13-45' is not a real date"):
        load_pack(pack_copy)


def test_wrong_types_are_named_in_words_not_pythons(pack_copy):
    """Round 23's hunt: "expected a mapping, got NoneType" for an empty file, "got int" for a
    date written without hyphens."""
    pack_yaml = pack_copy / "pack.yaml"
    text = pack_yaml.read_text(encoding="utf-8")
    pack_yaml.write_text(text.replace("closes: 2024-05-31", "closes: 20240531"), encoding="utf-8")
    with pytest.raises(WrongType, match=r"expected a date \(YYYY-MM-DD\), got a whole number"):
        load_pack(pack_copy)
    pack_yaml.write_text("", encoding="utf-8")
    with pytest.raises(WrongType, match=r"pack\.yaml: expected a mapping, got nothing \(is the file empty\?\)"):
        load_pack(pack_copy)


def test_duplicate_key_in_yaml(pack_copy):
    add_file(pack_copy, "extra.yaml", GLOSSARY + "  term: Again\n")
    with pytest.raises(YamlSyntax, match="'term' appears twice"):
        load_pack(pack_copy)


@pytest.mark.parametrize("key", ["[a, b]", "{a: 1}", "? [a]"])
def test_a_key_that_is_a_list_or_mapping_gives_file_and_line(pack_copy, key):
    """Round 23's hunt: TypeError: unhashable type: 'list', a traceback."""
    add_file(pack_copy, "extra.yaml", GLOSSARY + f"  {key}: x\n")
    line = len(GLOSSARY.splitlines()) + 1
    with pytest.raises(YamlSyntax, match=rf"extra\.yaml:{line}: a key must be a plain word"):
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


def test_a_survey_entry_in_a_section_pack_yaml_does_not_list_is_refused(pack_copy):
    """Round 23's hunt: a mistyped section loaded, and the question dropped out of its section's
    list and moved to the end of the walk-through."""
    path = pack_copy / "survey-safeguarding.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  section: Safeguarding in schools", "  section: Safeguarding at school", 1),
                    encoding="utf-8")
    line = text.splitlines().index("  section: Safeguarding in schools") + 1
    with pytest.raises(BadReference, match=rf"survey-safeguarding\.yaml:{line}: .*'Safeguarding at school' is "
                                           r"not one of pack\.yaml's sections \(Schools; "):
        load_pack(pack_copy)


def test_invented_suggested_answer_is_refused(pack_copy):
    path = pack_copy / "survey-safeguarding.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("    answer: 'Yes'", "    answer: Maybe", 1), encoding="utf-8")
    with pytest.raises(BadReference, match="not one of the options"):
        load_pack(pack_copy)
    text2 = text.replace("    basis: Given the high stakes", "    basis: We say given the high stakes", 1)
    path.write_text(text2, encoding="utf-8")
    with pytest.raises(BadReference, match="basis must be quoted"):
        load_pack(pack_copy)


def test_a_suggested_answer_its_basis_does_not_name_is_refused(pack_copy):
    """Round 13: answer 'No' on the sentence "NASUWT recommends that you answer ‘yes’" loaded,
    and the bot said "Suggested answer: No. NASUWT says: ... answer ‘yes’ ..."."""
    path = pack_copy / "survey-safeguarding.yaml"
    text = path.read_text(encoding="utf-8")
    assert "    answer: 'Yes'" in text
    path.write_text(text.replace("    answer: 'Yes'", "    answer: 'No'", 1), encoding="utf-8")
    with pytest.raises(BadReference, match="basis must name the recommended answer 'No'"):
        load_pack(pack_copy)
    send = pack_copy / "survey-send.yaml"
    body = send.read_text(encoding="utf-8")
    assert "answer: Very important" in body
    send.write_text(body.replace("answer: Very important", "answer: Important", 1), encoding="utf-8")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BadReference, match="basis must name the recommended answer 'Important'"):
        load_pack(pack_copy)   # "give ‘Very important’" has the word, but recommends the other option
    # from the review: an apostrophe opens no quotation, and a word elsewhere in the sentence isn't the answer
    from bot.knowledge import _names_answer
    yes_no = ("Yes", "No", "Don’t know")
    assert not _names_answer("Important", ("Very important", "Important"), "NASUWT's view: give 'Very important'.")
    assert not _names_answer("No", yes_no, "We recommend you answer yes, as no school should have to.")
    assert _names_answer("Yes", yes_no, "We recommend you answer yes, as no school should have to.")
    assert _names_answer("Yes", yes_no, "NASUWT recommends Yes.") and _names_answer("Yes", yes_no, "It should be yes.")


def test_an_empty_pack_and_a_pack_name_slack_cannot_type_are_refused(tmp_path, pack_copy):
    """Round 13: a pack.yaml alone validated "ok, 0 entries" and ran, declining everything; a
    name like "Hand Pack" loaded, though `/biglisten walkthrough NAME` can never name it."""
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "pack.yaml").write_text((pack_copy / "pack.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(KnowledgeError, match="the pack has no entries"):
        load_pack(empty)
    info = pack_copy / "pack.yaml"
    info.write_text(info.read_text(encoding="utf-8").replace("name: big-listen", "name: Big Listen"), encoding="utf-8")
    with pytest.raises(KnowledgeError, match="name must be lower-case letters, digits and hyphens"):
        load_pack(pack_copy)


def test_answer_without_the_answer_kind_is_refused(pack_copy):
    """Only kind 'answer' may name an option: a view can't be turned into an answer."""
    path = pack_copy / "survey-safeguarding.yaml"
    text = path.read_text(encoding="utf-8")
    old = "  - kind: view\n    basis: NASUWT’s view is that the most important"
    assert old in text
    path.write_text(text.replace(old, "  - kind: view\n    answer: 'No'\n    basis: NASUWT’s view is that the "
                                      "most important", 1), encoding="utf-8")
    with pytest.raises(BadReference, match="only kind 'answer' recommends an option"):
        load_pack(pack_copy)


def test_unknown_guidance_kind_is_refused(pack_copy):
    path = pack_copy / "survey-safeguarding.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  - kind: view\n    basis: NASUWT’s view is that the most important",
                                 "  - kind: hint\n    basis: NASUWT’s view is that the most important", 1),
                    encoding="utf-8")
    with pytest.raises(WrongType, match="kind must be one of answer, advice, view"):
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
    file = run_cli("validate", str(pack_copy / "pack.yaml"))   # round 23's hunt: "knowledge folder not found"
    assert file.returncode == 2 and file.stderr.strip() == (
        f"error: {pack_copy / 'pack.yaml'}: is a file: give the pack's folder (the one holding pack.yaml)"), file.stderr


def test_basis_must_sit_inside_one_paragraph(pack_copy):
    path = pack_copy / "survey-safeguarding.yaml"
    text = path.read_text(encoding="utf-8")
    spanning = ("the principle focus on inspection should be on teaching and learning. Given the high stakes "
                "nature of the safeguarding judgement")
    old = ("    basis: Given the high stakes nature of the safeguarding judgement and the fact that a negative "
           "judgement will override other judgements about leadership and management, NASUWT recommends that "
           "you answer ‘yes’ to this question.")
    assert old in text
    path.write_text(text.replace(old, f"    basis: {spanning}", 1), encoding="utf-8")
    with pytest.raises(BadReference, match="one paragraph"):
        load_pack(pack_copy)


def test_basis_may_not_come_from_another_priority(pack_copy):
    """The pause-policy question is related to nothing of its priority; a sentence from the
    separate-judgement question (another priority) can't support its guidance."""
    path = pack_copy / "survey-safeguarding.yaml"
    text = path.read_text(encoding="utf-8")
    old = ("    basis: NASUWT’s position is that pausing inspection may be important, for instance, "
           "to ensure that the headteacher is supported. However,")
    assert old in text
    new = ("    basis: NASUWT’s position is that the inspectorate should not inspect safeguarding and as the "
           "principle focus on inspection should be on teaching and learning.\n  - kind: view\n    basis: "
           "NASUWT’s position is that pausing inspection may be important, for instance, to ensure that the "
           "headteacher is supported. However,")
    related = "  related:\n  - pause-policy"
    text = text.replace(old, new, 1).replace(related, related + "\n  - safeguarding-separate-judgement", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BadReference, match="one paragraph"):
        load_pack(pack_copy)


@pytest.mark.parametrize("cut", [
    # issue 8: the pause-policy view without its "However, ..." reads stronger than the source
    ("NASUWT’s position is that pausing inspection may be important, for instance, to ensure that the "
     "headteacher is supported. However, separating the inspection of safeguarding from the wider inspection "
     "of the school would help to address this issue.",
     "NASUWT’s position is that pausing inspection may be important, for instance, to ensure that the "
     "headteacher is supported."),
    # issue 8: "All of these things are important." without "However, ... context."
    ("All of these things are important. However, it is also important for inspectors to take account of context.",
     "All of these things are important."),
    # a basis starting mid-sentence
    ("For instance, NASUWT believes that it would be appropriate for classroom teachers to be employed as "
     "inspectors.", "NASUWT believes that it would be appropriate for classroom teachers to be employed as "
                    "inspectors."),
])
def test_a_cut_basis_is_refused(pack_copy, cut):
    whole, part = cut
    changed = False
    for path in pack_copy.glob("survey-*.yaml"):
        text = path.read_text(encoding="utf-8")
        if f"basis: {whole}" in text:
            path.write_text(text.replace(f"basis: {whole}", f"basis: {part}"), encoding="utf-8")
            changed = True
    assert changed
    with pytest.raises(BadReference, match="whole sentences"):
        load_pack(pack_copy)


def test_the_bundled_guidance_rests_on_whole_sentences(pack):
    """Issue 8's cut basis sentences, now whole: the loader's check is what keeps them so."""
    pause = pack.get("safeguarding-pause-policy").guidance
    assert [g.kind for g in pause] == ["view", "advice"] and "However, separating the inspection" in pause[0].basis
    send = pack.get("send-reporting-aims").guidance
    assert send[0].basis.endswith("However, it is also important for inspectors to take account of context.")


def test_guidance_kinds_issue_8(pack):
    """Advice is advice: 'use the Comments box' and 'include evidence' are not 'no recommendation'."""
    aims = pack.get("schools-reporting-aims")
    assert aims.guidance[0].kind == "advice" and "use the ‘Comments’ box" in aims.guidance[0].basis
    assert aims.guidance[0].basis.startswith("While all of the points below")   # its reason, not "Therefore, ..."
    views = pack.get("send-inspection-practice-views")
    assert [g.kind for g in views.guidance] == ["advice"]
    assert views.guidance[0].basis.startswith("We suggest that you include evidence")
    answers = {e.id: [g.answer for g in e.guidance if g.kind == "answer"] for e in pack.entries
               if isinstance(e, SurveyEntry)}
    assert {k: v for k, v in answers.items() if v} == {"safeguarding-separate-judgement": ["Yes"],
                                                       "send-inspection-practice": ["Very important"]}


def test_send_holds_to_account_covers_all_five_statements(pack):
    """Issue 8: 'NASUWT agrees ...' follows all five 'holds ... to account' statements, not
    only the further-education one, and stays a view (never 'Agree')."""
    impact = pack.get("send-impact")
    for i in range(5):
        assert "holds" in impact.statements[i].text and "to account" in impact.statements[i].text
        g = impact.statement_guidance(i)
        assert [x.kind for x in g] == ["view"] and g[0].basis.startswith("NASUWT agrees that Ofsted should hold all")
    assert impact.statement_guidance(5)[0].basis != impact.statement_guidance(0)[0].basis


def test_commentary_covers_must_point_back(pack_copy):
    path = pack_copy / "survey-send.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("commentary_covers: [0, 1, 2, 3]", "commentary_covers: [0, 9]", 1), encoding="utf-8")
    with pytest.raises(BadReference, match="not an earlier statement"):
        load_pack(pack_copy)


def test_consultation_dates_are_checked(pack_copy):
    path = pack_copy / "pack.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("closes: 2024-05-31", "closes: '31 May 2024'"), encoding="utf-8")
    with pytest.raises(WrongType, match=r"consultation\.closes': expected a date \(YYYY-MM-DD\)"):
        load_pack(pack_copy)
    path.write_text(text.replace("closes: 2024-05-31", "closes: 2024-01-31"), encoding="utf-8")
    with pytest.raises(WrongType, match="closes before it opens"):
        load_pack(pack_copy)


def test_an_entry_quoting_a_mixed_source_must_say_whose_words(pack_copy):
    add_file(pack_copy, "extra.yaml", GLOSSARY.replace("  speaker: ofsted\n", ""))
    with pytest.raises(MissingField, match="say whose words these are"):
        load_pack(pack_copy)
    add_file(pack_copy, "extra.yaml", GLOSSARY.replace("nasuwt-commentary", "ofsted-action-report-dec-2024")
             .replace("speaker: ofsted", "speaker: union"))
    with pytest.raises(WrongType, match="speaker must be ofsted"):
        load_pack(pack_copy)


def test_since_must_come_from_another_source(pack_copy):
    path = pack_copy / "glossary.yaml"
    text = path.read_text(encoding="utf-8")
    i = text.index("- id: notice-period")
    j = text.index("source: ofsted-action-report-dec-2024", i)
    path.write_text(text[:j] + "source: nasuwt-commentary" + text[j + len("source: ofsted-action-report-dec-2024"):],
                    encoding="utf-8")
    with pytest.raises(BadReference, match="later source"):
        load_pack(pack_copy)


def test_short_names_must_name_a_section(pack_copy, pack):
    assert pack.section_label("Special educational needs and alternative provision") == "SEND and AP"
    assert pack.section_label("Schools") == "Schools"
    info = pack_copy / "pack.yaml"
    info.write_text(info.read_text(encoding="utf-8").replace("  - section: Safeguarding in schools",
                                                             "  - section: Safeguarding"), encoding="utf-8")
    with pytest.raises(BadReference) as e:
        load_pack(pack_copy)
    assert "'Safeguarding' is not one of the pack's sections" in str(e.value) and e.value.file == str(info)


def test_a_source_id_listed_twice_is_refused_with_its_line(pack_copy):
    """Entries name a source by id: a second source with the same id silently replaced the
    first, so NASUWT's words were dated and credited as another document's."""
    info = pack_copy / "pack.yaml"
    text = info.read_text(encoding="utf-8")
    second = text.index("  - id: ", text.index("  - id: nasuwt-commentary") + 1)
    end = text.index("\n", second)
    info.write_text(text[:second] + "  - id: nasuwt-commentary" + text[end:], encoding="utf-8")
    line = text[:second].count("\n") + 1
    with pytest.raises(DuplicateId, match=rf"pack\.yaml:{line}: field 'sources\[1\]\.id': source id "
                                          r"'nasuwt-commentary' is already sources\[0\]'s"):
        load_pack(pack_copy)


@pytest.mark.parametrize("kind, body", [("glossary", "definition"), ("background", "facts")])
def test_an_entry_with_nothing_to_quote_is_refused(pack_copy, kind, body):
    """An empty definition or facts list loaded, and the bot answered with a title and no words."""
    text = GLOSSARY.replace('definition: ["Off-rolling is the practice of removing a pupil from the school roll"]',
                            f"{body}: []")
    if kind == "background":
        text = text.replace("kind: glossary", "kind: background").replace("term: Widget", "title: Widget")
    add_file(pack_copy, "extra.yaml", text)
    line = text.splitlines().index(f"  {body}: []") + 1
    with pytest.raises(EmptyText, match=rf"extra\.yaml:{line}: entry 'widget': field '{body}': "
                                        rf"'{body}' is empty"):
        load_pack(pack_copy)


@pytest.mark.parametrize("kind", ["[glossary]", "{a: b}"])
def test_a_kind_that_is_not_text_is_refused_not_a_traceback(pack_copy, kind):
    add_file(pack_copy, "extra.yaml", GLOSSARY.replace("kind: glossary", f"kind: {kind}"))
    with pytest.raises(WrongType, match=r"extra\.yaml:2: entry 'widget': field 'kind': kind must be one of"):
        load_pack(pack_copy)


def test_a_sentence_quoted_in_two_entries_is_a_plan_in_both_or_neither(pack):
    """Round 29's content audit: Ofsted's "We are pausing inspection of initial teacher education
    (ITE) providers ..." was "plans then, not a record of what happened" under "ITE inspections
    paused?" and a plain "Ofsted said" under "what's ITE". Plans stay plans, whichever entry quotes them."""
    told: dict[tuple[str, str], set[tuple[str, bool]]] = {}
    for entry in pack.entries:
        if isinstance(entry, SurveyEntry):   # (the survey's own text: no plans)
            continue
        for i, text in enumerate(entry.body):
            told.setdefault((entry.source, text), set()).add((entry.id, entry.plan and i not in entry.done))
    mixed = {text: sorted(ids) for (_, text), ids in told.items() if len({plan for _, plan in ids}) > 1}
    assert not mixed, mixed
    assert sum(len(ids) > 1 for ids in told.values()) >= 5   # sentences quoted twice are there to compare
