"""`import-pack`: the union's commentary document becomes a pack skeleton that validates.

On the Big Listen source the import is compared with the hand-made pack (knowledge/big-listen):
how many of its questions, options, statements, Ofsted context and union comment paragraphs
the import holds verbatim and in the same place. The fictional workload fixture exercises
the settable markers and a suggested answer filled in by a person.
"""
from __future__ import annotations

import dataclasses
import re

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from bot.importer import Layout, _scalar, parse_document, reproduction
from bot.knowledge import SurveyEntry, load_pack
from conftest import PACK_DIR, ROOT, SHARED, run_cli

BIG_LISTEN = SHARED / "sources" / "nasuwt-big-listen-commentary-schools-send.txt"
FIXTURE = ROOT / "tests" / "data" / "workload-consultation-commentary.txt"
FIXTURE_ARGS = ("--comment-marker", "ETU comments", "--context-marker", "Example Department comments",
                "--run-by", "the Example Department", "--date", "fictional",
                "--title", "Workload consultation (FICTIONAL TEST FIXTURE)")
QUOTED_KEYS = re.compile(r"^(\s*)(?:- )?(context|question|options|statements|commentary):(?! \[\])")


@pytest.fixture(scope="module")
def big_listen(tmp_path_factory):
    out = tmp_path_factory.mktemp("import") / "big-listen-imported"
    result = run_cli("import-pack", str(BIG_LISTEN), "--out", str(out), "--compare", str(PACK_DIR))
    assert result.returncode == 0, result.stderr
    return out, result.stdout


def _survey(pack) -> list[SurveyEntry]:
    return [e for e in pack.entries if isinstance(e, SurveyEntry)]


def test_big_listen_import_validates_and_prints_the_comparison(big_listen):
    out, stdout = big_listen
    assert f"{out}: ok, 19 entries (19 survey)" in stdout
    assert "questions: 19 of 19 (100.0%)" in stdout
    assert "comment paragraphs:" in stdout


def test_big_listen_reproduction_floors(big_listen, pack):
    """Targets: every question and statement, >= 95% of the union's comment paragraphs (measured: all)."""
    r = reproduction(load_pack(big_listen[0]), pack)
    assert r.total["questions"] == len(_survey(pack)) >= 19
    assert r.total["statements"] >= 43 and r.total["comment paragraphs"] >= 76
    assert r.rate("questions") == 1.0, r.misses
    assert r.rate("statements") == 1.0, r.misses
    assert r.rate("options") == 1.0, r.misses
    assert r.rate("comment paragraphs") >= 0.95, r.misses
    assert r.rate("context paragraphs") >= 0.95, r.misses
    assert r.extra == 0


def test_the_comparison_notices_a_misplaced_paragraph(big_listen, pack):
    """Guard the guard: one comment paragraph moved to the next question is one miss and one extra."""
    imported = load_pack(big_listen[0])
    entries = list(imported.entries)
    i = next(n for n, e in enumerate(entries) if isinstance(e, SurveyEntry) and len(e.commentary) > 1)
    moved = entries[i].commentary[-1]
    entries[i] = dataclasses.replace(entries[i], commentary=entries[i].commentary[:-1])
    entries[i + 1] = dataclasses.replace(entries[i + 1], commentary=(*entries[i + 1].commentary, moved))
    r = reproduction(dataclasses.replace(imported, entries=tuple(entries)), pack)
    assert r.found["comment paragraphs"] == r.total["comment paragraphs"] - 1
    assert r.extra == 1
    assert any(moved[:60] in m for m in r.misses)


def test_every_imported_quote_is_a_source_paragraph(big_listen):
    lines = [re.sub(r"^\s*•\s*", "", line).strip() for line in BIG_LISTEN.read_text(encoding="utf-8").splitlines()]
    paragraphs = set(lines) - {""}
    flat = " ".join(p for p in lines if p)
    for e in _survey(load_pack(big_listen[0])):
        assert e.question in flat, e.id   # a question may be several paragraphs, joined by a space
        for quote in [*e.context, *e.commentary, *(s.text for s in e.statements),
                      *(c for s in e.statements for c in s.commentary)]:
            assert quote in paragraphs, (e.id, quote)
        for option in e.options:
            assert option in flat, (e.id, option)


def test_each_quotation_says_whose_words_it_is(big_listen):
    """Survey text is Ofsted's, the comment blocks NASUWT's: a YAML comment right above each."""
    checked = 0
    for path in sorted(big_listen[0].glob("survey-*.yaml")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for n, line in enumerate(lines):
            m = QUOTED_KEYS.match(line)
            if not m:
                continue
            speaker = "NASUWT's words" if m.group(2) == "commentary" else "Ofsted's words"
            assert lines[n - 1].strip().startswith(f"# {speaker}"), (path.name, n + 1, line)
            checked += 1
    assert checked >= 19 * 2


def test_suggested_answers_are_left_for_a_person_with_the_candidates_beside_them(big_listen):
    out = big_listen[0]
    assert all(not e.suggested_answer.explicit and not e.suggested_answer.answer
               for e in _survey(load_pack(out)))
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(out.glob("survey-*.yaml")))
    for sentence in ("We recommend that you give ‘Very important’ as the response to this question and provide "
                     "information to support your response in the ‘Comments’ box below.",
                     "Given the high stakes nature of the safeguarding judgement and the fact that a negative "
                     "judgement will override other judgements about leadership and management, NASUWT recommends "
                     "that you answer ‘yes’ to this question."):
        assert re.search(r"  #   line \d+: " + re.escape(sentence) + r"\n(  #.*\n)*  guidance: \[\]", text)


def test_the_import_writes_the_consultation_or_a_todo_and_validate_warns(tmp_path):
    """Round 13: an imported pack had no `consultation`, silently: replies then never say
    whether it is open, and run_by was lost."""
    out = tmp_path / "undated"
    result = run_cli("import-pack", str(FIXTURE), "--out", str(out), *FIXTURE_ARGS)
    assert result.returncode == 0, result.stderr
    assert "warning: pack.yaml has no 'consultation'" in result.stdout and load_pack(out).consultation is None
    assert "# TODO: the consultation's dates (--opens, --closes)" in (out / "pack.yaml").read_text(encoding="utf-8")
    out = tmp_path / "dated"
    result = run_cli("import-pack", str(FIXTURE), "--out", str(out), *FIXTURE_ARGS,
                     "--opens", "2026-11-02", "--closes", "2026-12-18")
    assert result.returncode == 0 and "no 'consultation'" not in result.stdout, result.stdout + result.stderr
    # what a person fills in next: each question whose comments advise, named (guidance is left empty)
    assert result.stdout.count("the union's comments advise") == 7, result.stdout   # one recommends an answer
    c = load_pack(out).consultation
    assert (c.run_by, str(c.opens), str(c.closes)) == ("the Example Department", "2026-11-02", "2026-12-18")
    bad = run_cli("import-pack", str(FIXTURE), "--out", str(tmp_path / "bad"), "--closes", "18/12/2026")
    assert bad.returncode == 2 and "expected a date as YYYY-MM-DD" in bad.stderr


def test_arguments_are_checked_before_anything_is_written(tmp_path):
    """Audit: dates the wrong way round and a missing --compare folder were found after the pack
    was written (so a re-run needed --force), and a folder as SOURCE was "not found"."""
    def refused(out: str, *args: str) -> str:
        result = run_cli("import-pack", *args, "--out", str(tmp_path / out))
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 2 and len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
        assert not (tmp_path / out).exists() and result.stdout == ""
        return lines[0]

    assert refused("a", str(FIXTURE), *FIXTURE_ARGS, "--opens", "2024-05-01", "--closes", "2024-01-01") == (
        "error: --closes 2024-01-01 is before --opens 2024-05-01: the consultation closes before it opens")
    line = refused("b", str(FIXTURE), *FIXTURE_ARGS, "--compare", str(tmp_path / "missing"))
    assert line.startswith("error: --compare: ") and "missing: knowledge folder not found" in line
    assert refused("c", str(tmp_path)) == (f"error: {tmp_path} is a folder: give the commentary document itself "
                                           "(a text file)")
    # Round 21, from a bug hunt: a folder name that isn't a pack name was written, then failed
    # validation; a document without the default comment marker was imported as NASUWT's with
    # the other union's comments labelled as the consultation's words, and exit 0.
    assert refused("My_Pack", str(FIXTURE), *FIXTURE_ARGS).startswith(
        f"error: --out {tmp_path / 'My_Pack'}: the folder's name is the pack's name")
    line = refused("d", str(FIXTURE), "--context-marker", "Example Department comments")
    assert line.startswith(f"error: {FIXTURE}: 7 survey questions found but no comment paragraph under a "
                           "'NASUWT comments' line"), line
    assert "give it with --comment-marker" in line


def test_a_byte_order_mark_dash_bullets_and_comma_options(tmp_path):
    """Round 13, from an audit: a file saved by Windows (BOM, CRLF) with "- " bullets and comma
    options imported with the section named "\ufeffHomework in schools", its statements taken
    as the next question's framing, and one option "Agree, Disagree, Don't know", silently."""
    from bot.importer import Layout, read_document
    source = tmp_path / "odd.txt"
    source.write_bytes("\ufeffHomework in schools\r\n\r\nPriority 1: Setting homework - Homework (Schools)\r\n\r\n"
                       "Question\r\n\r\nHow far do you agree with the following statements?\r\n\r\n"
                       "Options: Agree, Disagree, Don't know.\r\n\r\n- Homework helps pupils learn.\r\n\r\n"
                       "* Homework policies take account of teachers' time.\r\n\r\nETU comments\r\n\r\n"
                       "Homework takes hours to set and mark.\r\n".encode("utf-8"))
    doc = read_document(source, Layout(comment_marker="ETU comments"))
    assert doc.sections == ["Homework in schools"]
    (q,) = doc.questions
    assert [s.text.text for s in q.statements] == ["Homework helps pupils learn.",
                                                   "Homework policies take account of teachers' time."]
    assert any("one option, with commas in it" in n for n in doc.notes + q.notes)


def test_fictional_fixture_imports_loads_and_takes_a_filled_in_answer(tmp_path):
    assert FIXTURE.read_text(encoding="utf-8").startswith("FICTIONAL TEST FIXTURE.")
    out = tmp_path / "workload"
    result = run_cli("import-pack", str(FIXTURE), "--out", str(out), *FIXTURE_ARGS)
    assert result.returncode == 0, result.stderr
    assert f"{out}: ok, 6 entries (6 survey)" in result.stdout
    pack = load_pack(out)
    assert pack.name == "workload" and "FICTIONAL" in pack.title
    assert pack.sections == ("Workload in schools", "Wellbeing")
    by_question = {e.question: e for e in _survey(pack)}
    assert len(by_question) == 6
    charter = by_question["Should every school publish a workload charter?"]
    assert charter.options == ("Yes", "No", "Don’t know") and charter.statements == ()
    assert charter.context == ("We want every school to look after the wellbeing of its staff.",
                               "A workload charter would set out what a school will and will not ask of its staff.")
    data = by_question["Do you agree with the following statements?"]
    assert [len(s.commentary) for s in data.statements] == [1, 2, 0] and data.commentary == ()
    marking = by_question["How far do you agree with the following statements about marking?"]
    assert marking.commentary[0].startswith("Marking policies vary")       # the block before "Question"
    assert len(marking.statements) == 3 and marking.options[0] == "Strongly agree"
    box = by_question["Do you have any comments on marking and feedback?"]
    assert box.commentary[1:] == ("the time marking takes each week;", "whether marking is checked by leaders; and",
                                  "what happens when marking falls behind.")
    assert by_question["Is there anything else you would like to tell us?"].commentary
    everything = " ".join(q for e in _survey(pack) for q in e.quotes())
    assert "data drop is a date" not in everything and "NOTE:" not in everything and "FICTIONAL" not in everything
    assert "line 79: footnote, not imported" in result.stdout

    # A person fills in the one explicit recommendation from the candidate listed beside it.
    survey = out / "survey-wellbeing.yaml"
    text = survey.read_text(encoding="utf-8")
    sentence = "ETU recommends that you answer ‘yes’ to this question."
    filled, n = re.subn(r"(  #   line \d+: " + re.escape(sentence) + r"\n)  guidance: \[\]",
                        lambda m: m.group(1) + "  guidance:\n  - kind: answer\n    answer: 'Yes'\n"
                        f"    basis: {sentence}",
                        text)
    assert n == 1
    survey.write_text(filled, encoding="utf-8")
    answer = load_pack(out).get(charter.id).suggested_answer
    assert answer.explicit and answer.answer == "Yes" and answer.rests_on == sentence


def test_the_markers_are_what_finds_the_comments():
    text = FIXTURE.read_text(encoding="utf-8")
    layout = Layout(comment_marker="ETU comments", context_marker="Example Department comments")
    assert parse_document(text, layout).counts()["comment paragraphs"] == 15
    assert parse_document(text).counts()["comment paragraphs"] == 0     # NASUWT's marker isn't in it


def test_windows_line_endings_and_unindented_bullets_read_the_same():
    text = BIG_LISTEN.read_text(encoding="utf-8")
    plain = parse_document(text)
    variant = parse_document(re.sub(r"^\s+•", "•", text, flags=re.MULTILINE).replace("\n", "\r\n"))
    assert plain.counts() == variant.counts() == {"questions": 19, "options": 34, "statements": 43,
                                                  "comment paragraphs": 76}
    assert [q.question.text for q in plain.questions] == [q.question.text for q in variant.questions]


def test_bad_input_is_one_clear_message(tmp_path):
    def fails(*args: str) -> str:
        result = run_cli("import-pack", *args)
        assert result.returncode != 0 and "Traceback" not in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        return result.stderr

    assert "source document not found" in fails(str(tmp_path / "missing.txt"), "--out", str(tmp_path / "a"))
    prose = tmp_path / "prose.txt"
    prose.write_text("A letter.\n\nIt asks nothing and has no comment blocks.\n", encoding="utf-8")
    assert "no survey questions found" in fails(str(prose), "--out", str(tmp_path / "b"))
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("Caf\xe9 question?\n".encode("latin-1"))
    assert "not UTF-8" in fails(str(latin1), "--out", str(tmp_path / "c"))
    assert "priority" in fails(str(FIXTURE), "--out", str(tmp_path / "d"), "--priority-pattern", "(unclosed")
    assert not any((tmp_path / d).exists() for d in "abcd")
    (tmp_path / "a-file").write_text("", encoding="utf-8")   # round 23's hunt: NotADirectoryError, a traceback
    assert f"--out {tmp_path / 'a-file' / 'pack'}: can't write the pack there (Not a directory" in fails(
        str(FIXTURE), "--out", str(tmp_path / "a-file" / "pack"), *FIXTURE_ARGS)

    existing = tmp_path / "existing"
    existing.mkdir()
    (existing / "notes.txt").write_text("keep me", encoding="utf-8")
    (existing / "survey-old.yaml").write_text("entries: []\n", encoding="utf-8")
    assert "--force" in fails(str(FIXTURE), "--out", str(existing), *FIXTURE_ARGS)
    assert sorted(p.name for p in existing.iterdir()) == ["notes.txt", "survey-old.yaml"]
    forced = run_cli("import-pack", str(FIXTURE), "--out", str(existing), "--force", *FIXTURE_ARGS)
    assert forced.returncode == 0, forced.stderr
    assert (existing / "notes.txt").read_text(encoding="utf-8") == "keep me"
    assert not (existing / "survey-old.yaml").exists() and (existing / "survey-wellbeing.yaml").exists()


def test_an_out_folder_this_user_cannot_look_in_is_one_line(tmp_path):
    """The review of round 23: a folder on the way to --out that this user can't read was still a
    PermissionError traceback. As root, the process runs without the capability that overrides
    file modes."""
    import os
    import subprocess
    import sys

    closed = tmp_path / "closed"
    closed.mkdir()
    closed.chmod(0)
    as_other = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search,-fowner"] if os.geteuid() == 0 else []
    try:
        probe = subprocess.run([*as_other, sys.executable, "-c", f"import os; os.listdir({str(closed)!r})"],
                               capture_output=True, text=True, timeout=60)
        if probe.returncode == 0:   # setpriv without CAP_SETPCAP drops nothing
            pytest.skip("this process can't run one that file modes bind")
        out = subprocess.run([*as_other, sys.executable, "-m", "bot", "import-pack", str(FIXTURE), "--out",
                              str(closed / "pack"), *FIXTURE_ARGS], cwd=ROOT, capture_output=True, text=True,
                             timeout=60)
    finally:
        closed.chmod(0o755)
    assert out.returncode == 2 and "Traceback" not in out.stderr, out.stderr
    assert out.stderr.startswith(f"error: --out {closed / 'pack'}: can't look there (Permission denied"), out.stderr


@given(st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1))
def test_any_paragraph_survives_the_yaml_writer(text):
    text = text.strip()
    if text:
        written = _scalar(text)
        assert "\n" not in written
        assert yaml.safe_load(f"k: {written}   # line 1")["k"] == text


def test_an_import_that_does_not_validate_says_so(pack_copy):
    """--force over the bundled pack keeps its glossary and background, which name sources and ids
    the import doesn't have: the files are written and the command fails naming the first problem."""
    result = run_cli("import-pack", str(BIG_LISTEN), "--out", str(pack_copy), "--force")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "written but does not validate" in result.stderr
    assert re.search(r"(background|glossary)\.yaml:\d+: entry '[a-z-]+'", result.stderr), result.stderr
    assert (pack_copy / "glossary.yaml").exists() and not (pack_copy / "survey-send.yaml").exists()
