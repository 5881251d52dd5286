"""The guided walk-through without Slack: steps, moving, the place in the store (a real
SQLite file), the closed-consultation line at every step, the notes, and the terminal."""
from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import date

import pytest
import yaml

from bot import walkthrough as walk
from bot.knowledge import load_pack
from bot.packs import Library
from bot.replies import line_text
from bot.search import Index
from bot.store_sqlite import MIGRATIONS, SQLiteStore
from conftest import PACK_DIR, ROOT, run_cli

EXAMPLE_DIR = ROOT / "knowledge" / "workload-example"
OPEN_DAY = date(2026, 11, 26)


@pytest.fixture(scope="module")
def library():
    from bot.packs import Shelf
    return Library([Shelf(Index(load_pack(PACK_DIR))), Shelf(Index(load_pack(EXAMPLE_DIR)))])


@pytest.fixture
def store(tmp_path):
    return SQLiteStore(tmp_path / "bot.sqlite3")


# --- the store's part (the rest is in tests/test_store_contract.py, on both backends) ------------

def test_a_version_6_database_gains_the_table(tmp_path):
    """Ask a rep's tables are migration 6 (they may be deployed already); the walk-through's is 7."""
    path = tmp_path / "v6.sqlite3"
    conn = sqlite3.connect(path)
    for script in MIGRATIONS[:6]:
        conn.executescript(script)
    conn.execute("PRAGMA user_version = 6")
    conn.commit()
    conn.close()
    store = SQLiteStore(path)
    assert store.schema_version == len(MIGRATIONS) == 10
    store.save_walk_place("U1", "big-listen", 0)
    assert store.walk_place("U1").position == 0


# --- moving through a pack ----------------------------------------------------------------------

def test_steps_follow_the_survey_and_skip_goes_to_the_next_section(library):
    pack = library.pack_named("workload-example")
    sections = [e.section for e in walk.steps(pack)]
    assert sections == ["Workload in schools"] * 3 + ["Wellbeing"] * 3
    assert walk.skip_section(pack, 0) == 3 and walk.skip_section(pack, 4) is None


def test_next_back_skip_and_finish(library, store):
    step = walk.start(library, store, "U1", "workload-example", today=OPEN_DAY)
    assert step.position == 0 and store.walk_place("U1").position == 0
    step = walk.move(library, store, "U1", "workload-example", 0, "next", today=OPEN_DAY)
    assert step.position == 1 and store.walk_place("U1").position == 1
    step = walk.move(library, store, "U1", "workload-example", 1, "back", today=OPEN_DAY)
    assert step.position == 0
    step = walk.move(library, store, "U1", "workload-example", 0, "skip", today=OPEN_DAY)
    assert step.position == 3 and step.entry.section == "Wellbeing"
    # resuming: start without a name goes back to the place
    assert walk.start(library, store, "U1", today=OPEN_DAY).position == 3
    assert walk.move(library, store, "U1", "workload-example", 5, "next", today=OPEN_DAY) is None
    assert store.walk_place("U1") is None


def test_without_a_name_the_first_open_consultation_is_chosen(library, store):
    assert walk.start(library, store, "U9", today=OPEN_DAY).pack.name == "workload-example"
    assert walk.start(library, store, "U8", today=date(2027, 3, 1)).pack.name == "big-listen"   # both closed


def test_without_a_name_an_open_pack_with_no_survey_is_passed_over(tmp_path, store):
    """Round 13: an open pack of background only was chosen, and the walk-through stopped with
    "no survey to walk through" though the Big Listen has one."""
    from dataclasses import replace

    from bot.packs import Shelf
    example = load_pack(EXAMPLE_DIR)
    background_only = replace(example, entries=tuple(e for e in example.entries if e.kind != "survey"))
    assert walk.steps(example) and not walk.steps(background_only)
    two = Library([Shelf(Index(load_pack(PACK_DIR))), Shelf(Index(background_only))])
    assert walk.start(two, store, "U9", today=OPEN_DAY).pack.name == "big-listen"


def test_a_pack_edited_mid_walk_moves_from_the_question_pressed_on(library, store):
    """Round 21's hunt: buttons named a question by its number only. With the pack's sections
    swapped by an edit, Next from "Marking and feedback" (2 of 6) went to a Wellbeing question,
    and Make my notes opened another question's notes; with the pack cut to 3 questions, Back
    from the old 5 saved position 3, which no longer existed."""
    from dataclasses import replace

    from bot.packs import Shelf
    example = library.pack_named("workload-example")
    marking = walk.steps(example)[1]
    swapped = replace(example, sections=tuple(reversed(example.sections)))
    assert [e.section for e in walk.steps(swapped)][:3] == ["Wellbeing"] * 3
    moved = Library([Shelf(Index(load_pack(PACK_DIR))), Shelf(Index(swapped))])
    assert walk.pressed_on(swapped, marking.id, 1) == (4, False)                     # where that question is now
    step = walk.move(moved, store, "U5", "workload-example", walk.pressed_on(swapped, marking.id, 1)[0], "next",
                     today=OPEN_DAY)
    assert step.entry.id == walk.steps(example)[2].id and store.walk_place("U5").position == 5
    assert walk.pressed_on(swapped, "gone-from-the-pack", 1) == (1, True)          # a question removed: its number
    shorter = replace(example, entries=tuple(e for e in example.entries if getattr(e, "section", "") != "Wellbeing"))
    cut = Library([Shelf(Index(load_pack(PACK_DIR))), Shelf(Index(shorter))])
    step = walk.move(cut, store, "U5", "workload-example", 4, "back", today=OPEN_DAY)
    assert step.position == 1 and store.walk_place("U5").position == 1     # within the 3 left
    assert walk.finished_text(example, "skip").startswith("That was the last section of")


def test_a_question_removed_mid_walk_moves_on_to_the_one_now_in_its_place(library, store):
    """Round 23's hunt: with the question the member was on taken out of the pack, Next went to
    the one after the question now in its place (skipping it), Skip section finished the
    walk-through from the first section, and Back from a removed last question skipped one."""
    from dataclasses import replace

    from bot.packs import Shelf
    example = library.pack_named("workload-example")
    before = walk.steps(example)
    gone = before[2]   # the last of the first section
    cut = replace(example, entries=tuple(e for e in example.entries if e.id != gone.id))
    edited = Library([Shelf(Index(load_pack(PACK_DIR))), Shelf(Index(cut))])
    assert walk.pressed_on(cut, gone.id, 2) == (2, True) and walk.pressed_on(cut, "", 2) == (2, False)
    assert walk.pressed_on(cut, before[3].id, 3) == (2, False)
    for how, shown in (("next", before[3]), ("skip", before[3]), ("back", before[1])):
        step = walk.move(edited, store, "U7", "workload-example", 2, how, today=OPEN_DAY, removed=True)
        assert step.entry.id == shown.id and store.walk_place("U7").position == step.position, how
    last = replace(example, entries=tuple(e for e in example.entries if e.id != before[-1].id))
    edited = Library([Shelf(Index(load_pack(PACK_DIR))), Shelf(Index(last))])
    step = walk.move(edited, store, "U7", "workload-example", 5, "back", today=OPEN_DAY, removed=True)
    assert step.entry.id == before[4].id
    assert walk.move(edited, store, "U7", "workload-example", 5, "next", today=OPEN_DAY, removed=True) is None


def test_resuming_after_an_earlier_question_was_removed_resumes_at_the_same_question(library, store):
    """Round 23's left item: the place was kept as a number only, so with a question before it
    taken out of the pack, `walkthrough` resumed one question late (the member never saw the
    question they had stopped at). The place names its question, as the buttons do."""
    from dataclasses import replace

    from bot.packs import Shelf
    example = library.pack_named("workload-example")
    before = walk.steps(example)
    walk.start(library, store, "U9", "workload-example", today=OPEN_DAY)
    walk.move(library, store, "U9", "workload-example", 2, "next", today=OPEN_DAY)   # now at question 4 of 6
    assert store.walk_place("U9").entry_id == before[3].id
    cut = replace(example, entries=tuple(e for e in example.entries if e.id != before[0].id))
    edited = Library([Shelf(Index(load_pack(PACK_DIR))), Shelf(Index(cut))])
    assert walk.start(edited, store, "U9", today=OPEN_DAY).entry.id == before[3].id   # not before[4]
    gone = replace(example, entries=tuple(e for e in example.entries if e.id != before[3].id))
    edited = Library([Shelf(Index(load_pack(PACK_DIR))), Shelf(Index(gone))])
    assert walk.start(edited, store, "U9", today=OPEN_DAY).entry.id == before[4].id   # the one now in its place
    store.save_walk_place("U9", "workload-example", 3)   # a place saved before it named its question
    assert walk.start(library, store, "U9", today=OPEN_DAY).entry.id == before[3].id


def test_starting_another_pack_keeps_the_place_in_the_first_until_they_move_on(library, store):
    """Round 23's hunt: `/biglisten walkthrough` in a channel kept to the Big Listen saved its
    first question over the member's place in the workload pack, which was lost."""
    walk.start(library, store, "U8", "workload-example", today=OPEN_DAY)
    walk.move(library, store, "U8", "workload-example", 1, "next", today=OPEN_DAY)
    step = walk.start(library, store, "U8", "big-listen", today=OPEN_DAY)
    assert step.pack.name == "big-listen" and step.position == 0
    assert (store.walk_place("U8").pack, store.walk_place("U8").position) == ("workload-example", 2)
    assert walk.start(library, store, "U8", today=OPEN_DAY).position == 2   # resumed
    walk.move(library, store, "U8", "big-listen", 0, "next", today=OPEN_DAY)   # moving on in the other
    assert (store.walk_place("U8").pack, store.walk_place("U8").position) == ("big-listen", 1)


def test_a_section_named_starts_at_its_first_question(library, store):
    """Round 26: `/biglisten walkthrough send` said there was no survey called 'send'. A section
    named instead of a pack starts at its first question, and keeps the place there; a section
    whose name starts with the word wins over one with it inside ("schools": the Big Listen's
    Schools, not the open example consultation's "Workload in schools")."""
    step = walk.start(library, store, "U5", "send", today=OPEN_DAY)
    first_send = next(i for i, e in enumerate(walk.steps(step.pack)) if e.section.startswith("Special"))
    assert (step.pack.name, step.position, step.resumed) == ("big-listen", first_send, False)
    assert store.walk_place("U5").position == first_send and store.walk_place("U5").entry_id == step.entry.id
    assert walk.start(library, store, "U5", today=OPEN_DAY).resumed   # then resumed there
    step = walk.start(library, store, "U5", "Safeguarding", today=OPEN_DAY)   # moved there: asked for
    assert step.entry.section == "Safeguarding in schools" and store.walk_place("U5").position == step.position
    assert walk.start(library, store, "U4", "schools", today=OPEN_DAY).entry.section == "Schools"
    assert walk.start(library, store, "U4", "wellbeing", today=OPEN_DAY).entry.section == "Wellbeing"
    # a place in another pack is kept until they move on in this one, as a pack started afresh
    assert (store.walk_place("U4").pack, store.walk_place("U4").position) == ("big-listen", 0)
    assert walk.start(library, store, "U3", "pay", today=OPEN_DAY) is None
    assert walk.start(library, store, "U3", "in", today=OPEN_DAY) is None   # no section's first word
    assert walk.section_word(library) == "schools"


def test_a_place_in_a_pack_left_with_no_survey_starts_afresh(library, store):
    """Round 21's hunt: the member's saved place was in a pack since edited to hold no survey
    questions, and `/biglisten walkthrough` said there was no survey to walk through."""
    from dataclasses import replace

    from bot.packs import Shelf
    walk.start(library, store, "U6", "workload-example", today=OPEN_DAY)
    example = library.pack_named("workload-example")
    background_only = replace(example, entries=tuple(e for e in example.entries if e.kind != "survey"))
    two = Library([Shelf(Index(load_pack(PACK_DIR))), Shelf(Index(background_only))])
    assert walk.start(two, store, "U6", today=OPEN_DAY).pack.name == "big-listen"


def test_a_closed_consultation_says_so_at_every_step(library):
    pack = library.pack_named("big-listen")
    for i in range(len(walk.steps(pack))):
        step = walk.step_at(pack, i, OPEN_DAY)
        assert step.closed
        assert walk.status_text(step) == "Ofsted's Big Listen closed on 31 May 2024; advice given while it was open."


def test_a_step_shows_the_guidance_first_and_every_quote_with_its_speaker(library):
    step = walk.step_at(library.pack_named("workload-example"), 3, OPEN_DAY)
    lines = walk.step_lines(step)
    assert line_text(lines[0]).startswith("Suggested answer: Yes. ETU says (fictional example): “ETU recommends")
    heading = next(i for i, ln in enumerate(lines) if ln.label.startswith("What ETU says"))
    # no quotation without its speaker: a label of its own, or the union's comments under their heading
    assert all(ln.label or (i > heading and ln.quote.speaker == "union")
               for i, ln in enumerate(lines) if ln.quote is not None)


def test_notes_are_the_unions_points_verbatim(library):
    pack = library.pack_named("workload-example")
    box = walk.step_at(pack, 1, OPEN_DAY)   # "Do you have any comments on marking and feedback?"
    assert box.is_comments_box
    assert walk.notes_points(box) == list(box.entry.commentary)
    assert walk.notes_text(walk.notes_points(box)).splitlines()[1] == "☐ the time marking takes each week;"
    survey_box = walk.step_at(pack, 4, OPEN_DAY)
    assert walk.notes_points(survey_box) == ["You might want to say who should see the results."]


def test_the_notes_say_whose_points_they_start_from_and_when(pack, tmp_path):
    """Round 28's content audit: the notes (the terminal's, and the Slack modal's box) held the
    union's views and advice as the member's own checklist, with no name or date: "NASUWT
    questions whether Ofsted should inspect safeguarding ..." read as a point to make."""
    from bot.walk_blocks import notes_view

    box = next(walk.step_at(pack, i) for i in range(len(walk.steps(pack)))
               if walk.step_at(pack, i).is_comments_box and walk.notes_points(walk.step_at(pack, i)))
    intro = walk.notes_intro(box)
    assert "NASUWT's points (spring 2024), word for word" in intro
    modal = json.dumps(notes_view(box).to_dict())
    assert json.dumps(intro)[1:-1] in modal and modal.index(json.dumps(intro)[1:-1]) < modal.index("Your notes")


def test_a_note_that_refers_back_comes_with_what_it_refers_to(pack):
    """Round 22's audit: question 10's notes held "If you make a similar comment, you might also
    want to comment on ..." without the union's comment it refers to."""
    steps = walk.steps(pack)
    step = walk.step_at(pack, next(i for i, e in enumerate(steps) if e.id == "safeguarding-reinspection"))
    points = walk.notes_points(step)
    similar = next(i for i, p in enumerate(points) if p.startswith("If you make a similar comment"))
    assert similar > 0 and points[similar - 1].startswith("NASUWT questions whether Ofsted should inspect")


# --- the terminal -------------------------------------------------------------------------------

def _two_packs(tmp_path):
    """app.yaml for the bundled pack and a copy of the example, with a store of its own."""
    data = yaml.safe_load((ROOT / "examples" / "two-packs.yaml").read_text(encoding="utf-8"))
    data["packs"] = [str(PACK_DIR), str(tmp_path / "example")]
    data["storage"]["path"] = str(tmp_path / "bot.sqlite3")
    shutil.copytree(EXAMPLE_DIR, tmp_path / "example")
    cfg = tmp_path / "app.yaml"
    cfg.write_text(yaml.safe_dump(data), encoding="utf-8")
    return cfg


def test_the_terminal_walkthrough_resumes_after_a_restart(tmp_path):
    cfg = _two_packs(tmp_path)
    first = run_cli("--config", str(cfg), "walkthrough", "workload-example", stdin="n\nn\nb\nq\n")
    assert first.returncode == 0, first.stderr
    assert [line for line in first.stdout.splitlines() if line.startswith("Question ")] == [
        "Question 1 of 6 · Workload in schools · Priority 1: Marking and feedback",
        "Question 2 of 6 · Workload in schools · Priority 1: Marking and feedback",
        "Question 3 of 6 · Workload in schools · Priority 2: Meetings and data",
        "Question 2 of 6 · Workload in schools · Priority 1: Marking and feedback"]
    assert "☐ the time marking takes each week;" in first.stdout
    again = run_cli("--config", str(cfg), "walkthrough", stdin="s\nn\nn\nn\n")
    assert again.returncode == 0, again.stderr
    # where it was left, and it says so, as Slack's step does (the terminal's didn't)
    assert again.stdout.splitlines()[1] == ("Question 2 of 6 · Workload in schools · Priority 1: Marking and "
                                            "feedback (where you left off)")
    assert "Question 4 of 6 · Wellbeing" in again.stdout
    assert again.stdout.rstrip().endswith("The walk-through is finished.")


def test_the_terminal_walkthrough_starts_at_a_section_named(tmp_path):
    cfg = _two_packs(tmp_path)
    walked = run_cli("--config", str(cfg), "walkthrough", "wellbeing", stdin="q\n")
    assert walked.returncode == 0, walked.stderr
    assert walked.stdout.splitlines()[1] == "Question 4 of 6 · Wellbeing · A workload charter"
    wrong = run_cli("--config", str(cfg), "walkthrough", "pay")
    assert wrong.returncode == 2 and wrong.stdout == ""
    assert wrong.stderr.strip() == ("error: no pack or section 'pay' (packs: big-listen, workload-example; or a "
                                    "section, e.g. `walkthrough schools`)")


def test_the_terminal_chat_walks_through_as_the_slash_command_does(tmp_path):
    """Round 26: the chat told a member asking to be walked through to type `/biglisten walkthrough`,
    and typed in the chat, that was searched ("I'm not sure ..."). The chat takes it (and
    `walkthrough` alone) as Slack does, walks through in place, then goes back to questions."""
    cfg = _two_packs(tmp_path)
    chat = run_cli("--config", str(cfg), "chat", stdin="can you walk me through the wellbeing questions?\n"
                   "/biglisten walkthrough wellbeing\nn\nq\nwalkthrough\nq\nwalkthrough pay\n"
                   "/biglisten can you take me through the wellbeing questions?\nq\nthanks\n")
    assert chat.returncode == 0, chat.stderr
    replies = chat.stdout.split("\n\n")
    assert replies[0].endswith("type `/biglisten walkthrough wellbeing`.")
    assert [line for line in chat.stdout.splitlines() if line.startswith("Question ")] == [
        "Question 4 of 6 · Wellbeing · A workload charter", "Question 5 of 6 · Wellbeing · Staff wellbeing survey",
        "Question 5 of 6 · Wellbeing · Staff wellbeing survey (where you left off)",   # resumed by `walkthrough`
        "Question 4 of 6 · Wellbeing · A workload charter"]   # asked in words after the command, as Slack's starts it
    assert chat.stdout.count("Stopped; `walkthrough` resumes here.\n(back to questions)") == 3
    assert "no pack or section 'pay' (packs: big-listen, workload-example; or a section" in chat.stdout
    assert chat.stdout.rstrip().splitlines()[-1].startswith("You're welcome!")


def test_a_mistyped_walk_through_name_makes_no_store(tmp_path):
    """Review of round 29: `walkthrough NAME` checked the name only after opening its store, so a
    typo made one (the command since this round's first fix, the chat's too)."""
    cfg = _two_packs(tmp_path)
    for args, stdin in ((("chat",), "walkthrough sned\nquit\n"), (("walkthrough", "sned"), "")):
        out = run_cli("--config", str(cfg), *args, stdin=stdin)
        assert "no pack or section 'sned'" in out.stdout + out.stderr, (args, out.stdout, out.stderr)
        assert not (tmp_path / "bot.sqlite3").exists(), args


def test_the_terminal_walkthrough_reads_whole_words_and_moves_on_no_others(tmp_path):
    """"stop" used to skip a section (its s), "exit" and "help" to go to the next question."""
    cfg = _two_packs(tmp_path)
    first = run_cli("--config", str(cfg), "walkthrough", "workload-example", stdin="help\nexit\n")
    assert first.returncode == 0, first.stderr
    assert [line for line in first.stdout.splitlines() if line.startswith("Question ")] == [
        "Question 1 of 6 · Workload in schools · Priority 1: Marking and feedback"]
    assert "Type n (or Enter) for next, b back, s skip section, q stop" in first.stdout
    assert first.stdout.rstrip().endswith("Stopped; `walkthrough` resumes here.")
    again = run_cli("--config", str(cfg), "walkthrough", stdin="NEXT\n\nback\nskip\nstop\nn\n")
    assert again.returncode == 0, again.stderr
    assert [line.split(" · ")[0] for line in again.stdout.splitlines() if line.startswith("Question ")] == [
        "Question 1 of 6", "Question 2 of 6", "Question 3 of 6", "Question 2 of 6", "Question 4 of 6"]
    assert again.stdout.rstrip().endswith("Stopped; `walkthrough` resumes here.")


def test_the_notes_dm_keeps_every_word_within_slacks_section_limit():
    """The notes DM carries the consultation's status beside the member's words: their words,
    escaped, are split into sections of at most 3,000 characters, none lost, the status last."""
    from bot.blocks import SECTION_LIMIT
    from bot.walk_blocks import notes_message
    notes = "☐ " + "&" * 1400 + "\n☐ <2 hours\n\n" + "x" * 2990
    message = notes_message(notes, "The survey closed on 31 May 2024.")
    assert message.text == notes.replace("&", "&amp;").replace("<", "&lt;")
    *sections, status = message.blocks
    texts = [b["text"]["text"] for b in sections]
    assert all(len(t) <= SECTION_LIMIT for t in texts) and len(texts) > 1
    shown = "".join(texts).replace("&lt;", "<").replace("&amp;", "&")
    assert shown.replace("\n", "") == notes.replace("\n", "") and "☐ <2 hours\n\nxx" in shown
    assert status["type"] == "context" and status["elements"][0]["text"] == "The survey closed on 31 May 2024."
    assert notes_message(notes, "").blocks is None   # no consultation: the words alone, as before


def test_a_place_moved_on_by_an_older_instance_resumes_where_it_moved_to(library, store):
    """A rolling upgrade: an instance still running the code before migration 10 (PostgreSQL 6)
    saves the member's place by number alone, leaving the question a newer one saved beside it.
    That question is not the place any more: resuming must go by the number it saved."""
    example = library.pack_named("workload-example")
    before = walk.steps(example)
    walk.start(library, store, "U8", "workload-example", today=OPEN_DAY)
    walk.move(library, store, "U8", "workload-example", 0, "next", today=OPEN_DAY)   # new instance: question 2
    # the older instance takes the next three presses of Next (its upsert, verbatim from before migration 10)
    store.connection().execute(
        "INSERT INTO walkthrough(user, pack, position, at) VALUES (?,?,?,?) ON CONFLICT(user) DO UPDATE SET "
        "pack = excluded.pack, position = excluded.position, at = excluded.at", ("U8", "workload-example", 4, 1.0))
    assert walk.start(library, store, "U8", today=OPEN_DAY).entry.id == before[4].id   # not back at question 2


def test_finish_on_a_step_of_another_pack_leaves_the_walkthrough_the_member_is_in(library, store):
    """Review of round 25: Stop on a step of another pack leaves the member's place alone, but
    Next past the other pack's last question (an old message) forgot the place in the pack they
    were walking through."""
    walk.start(library, store, "U7", "workload-example", today=OPEN_DAY)
    walk.move(library, store, "U7", "workload-example", 0, "next", today=OPEN_DAY)
    big = library.pack_named("big-listen")
    last = walk.steps(big)[-1]
    pressed = walk.press(library, store, "U7", big, last.id, len(walk.steps(big)) - 1, "next", today=OPEN_DAY)
    assert pressed.outcome == "finished"
    assert (store.walk_place("U7").pack, store.walk_place("U7").position) == ("workload-example", 1)


def test_app_homes_button_under_a_packs_section_starts_in_that_pack(tmp_path, store):
    """Round 26's App Home button under each section named the section only: where two packs have
    a section of one name ("Schools"), the button under the Big Listen's started the other pack's
    (the open consultation first). It names its pack too, and starts there."""
    from bot.blocks import button_ref, home_view
    from bot.packs import Shelf
    shutil.copytree(EXAMPLE_DIR, tmp_path / "example")
    for name in ("survey-wellbeing.yaml", "pack.yaml"):   # the example's Wellbeing section is called Schools
        path = tmp_path / "example" / name
        path.write_text(path.read_text(encoding="utf-8").replace("section: Wellbeing", "section: Schools")
                        .replace("  - Wellbeing\n", "  - Schools\n"), encoding="utf-8")
    library = Library([Shelf(Index(load_pack(PACK_DIR))), Shelf(Index(load_pack(tmp_path / "example")))])
    assert [p.sections.count("Schools") for p in library.packs] == [1, 1]
    sections = [(f"{p.title} · {section}", entries) for p in library.packs
                for section, entries in _sections(p)]
    view = home_view(sections, [], library, command="/biglisten", packs=[(p, "") for p in library.packs], title="T")
    buttons = {b.text.text.split("\n")[0]: b.accessory.value for b in view.blocks
               if getattr(b, "accessory", None) is not None and b.accessory.action_id == "walk_start"}
    big_listen = next(v for label, v in buttons.items() if label == "*Ofsted's Big Listen (2024) · Schools*")
    ref = button_ref(big_listen)
    step = walk.start(library, store, "U9", ref["s"], today=OPEN_DAY, within=ref["p"])
    assert (step.pack.name, step.entry.section, step.position) == ("big-listen", "Schools", 0)
    assert walk.start(library, store, "U8", "Schools", today=OPEN_DAY).pack.name == "workload-example"   # (no pack)


def _sections(pack):
    groups: dict = {}
    for e in walk.steps(pack):
        groups.setdefault(e.section, []).append(e)
    return list(groups.items())
