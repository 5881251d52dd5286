"""Several packs: settings, the merged search (tie rule, channels), statuses, and reloading
edited packs (good edit swapped in, broken edit refused with file and line)."""
from __future__ import annotations

import re
import shutil
import time
from datetime import date
from pathlib import Path

import pytest

from bot.blocks import fallback_text
from bot.config import Config, load_config
from bot.errors import ConfigError, KnowledgeError
from bot.guide import Guide
from bot.knowledge import load_pack
from bot.packs import Library, check_unique_ids, load_library, pack_status
from bot.replies import NO_POSITION, entry_reply, render_full_text, render_text
from bot.store import open_store
from conftest import PACK_DIR, ROOT, run_cli

EXAMPLE_DIR = ROOT / "knowledge" / "workload-example"
CHARTER = "should every school publish a workload charter"
SAFEGUARDING = "should safeguarding be a separate judgement?"
TODAY = date(2026, 11, 26)     # the example consultation runs 2 November to 18 December 2026


def settings(tmp_path: Path, packs: list[Path], **extra) -> Config:
    cfg = Config(organisation="NASUWT", contact="Ask the Education Team.", slash_command="/biglisten",
                 packs=tuple(str(p) for p in packs), knowledge_path=str(packs[0]), base_dir=str(tmp_path), **extra)
    return cfg


def closed_twin(tmp_path: Path) -> Path:
    """The example pack under another name and ids, with its consultation closed."""
    twin = tmp_path / "twin"
    shutil.copytree(EXAMPLE_DIR, twin)
    info = twin / "pack.yaml"
    text = info.read_text(encoding="utf-8").replace("name: workload-example", "name: workload-twin")
    text = text.replace("opens: 2026-11-02", "opens: 2020-01-06").replace("closes: 2026-12-18", "closes: 2020-02-28")
    info.write_text(text, encoding="utf-8")
    for f in twin.glob("survey-*.yaml"):
        body = f.read_text(encoding="utf-8")
        body = re.sub(r"(?m)^(- id: |  related: \[)([a-z])", r"\1twin-\2", body)
        body = body.replace(", workload-", ", twin-workload-").replace(", wellbeing-", ", twin-wellbeing-")
        f.write_text(body, encoding="utf-8")
    return twin


# --- settings ---------------------------------------------------------------------------------

def write(tmp_path, text: str) -> Path:
    path = tmp_path / "app.yaml"
    path.write_text("organisation: X\ncontact: ask us\nslash_command: /x\n" + text, encoding="utf-8")
    return path


def test_the_old_knowledge_path_still_means_one_pack(tmp_path):
    cfg = load_config(write(tmp_path, "knowledge_path: k\n"))
    assert cfg.packs == ("k",) and cfg.pack_paths() == [tmp_path / "k"]


def test_packs_and_knowledge_path_together_are_refused_with_advice(tmp_path):
    with pytest.raises(ConfigError, match="remove 'knowledge_path'"):
        load_config(write(tmp_path, "knowledge_path: k\npacks: [k]\n"))
    with pytest.raises(ConfigError, match="key 'packs' is missing"):
        load_config(write(tmp_path, ""))


def test_a_channel_with_no_packs_or_listed_twice_is_refused(tmp_path):
    """Round 13: `packs: []` was read as every pack, and a channel listed twice kept its last list."""
    with pytest.raises(ConfigError, match=r"channels\[0\]\.packs': name at least one pack"):
        load_config(write(tmp_path, "packs: [k]\nchannels:\n  - channel: C1\n    packs: []\n"))
    with pytest.raises(ConfigError, match=r"channels\[1\]\.channel': C1 is listed twice"):
        load_config(write(tmp_path, "packs: [k]\nchannels:\n  - channel: C1\n    packs: [a]\n"
                                    "  - channel: C1\n    packs: [b]\n"))


def test_health_and_validate_check_the_packs_together_as_serve_does(tmp_path):
    """Round 13: a channel naming a pack that isn't loaded, or two packs sharing an entry id,
    passed `health` (and the first, `validate`) while `serve` refused to start."""
    settings_file = write(tmp_path, f"packs: [{PACK_DIR}]\nchannels:\n  - channel: C1\n    packs: [nope]\n")
    for command in ("health", "validate"):
        out = run_cli("--config", str(settings_file), command)
        assert out.returncode == 2 and "names pack 'nope', which is not loaded" in out.stderr, (command, out.stderr)
    copy = tmp_path / "copy"
    shutil.copytree(EXAMPLE_DIR, copy)
    (copy / "pack.yaml").write_text((copy / "pack.yaml").read_text().replace("name: workload-example", "name: b"))
    settings_file = write(tmp_path, f"packs: [{EXAMPLE_DIR}, {copy}]\nstorage:\n  path: {tmp_path / 's.db'}\n")
    out = run_cli("--config", str(settings_file), "health")
    assert out.returncode == 1 and "packs together: FAIL: " in out.stdout and "used by both packs" in out.stdout
    twice = write(tmp_path, f"packs: [{EXAMPLE_DIR}, {EXAMPLE_DIR}]\n")   # round 23's hunt: no hint why
    out = run_cli("--config", str(twice), "validate")
    # the settings file read (it said "app.yaml's packs" for any)
    assert out.returncode == 2 and f"is one folder listed twice (packs in {twice})?" in out.stderr, out.stderr


def test_the_bundled_settings_enable_only_the_big_listen_pack(config):
    """The fictional example is for demos and tests: members never get it by default."""
    assert config.pack_paths() == [PACK_DIR]
    demo = load_config(ROOT / "examples" / "two-packs.yaml")
    assert [p.resolve() for p in demo.pack_paths()] == [PACK_DIR, EXAMPLE_DIR]


def test_the_example_pack_says_it_is_fictional():
    pack = load_pack(EXAMPLE_DIR)
    assert pack.title.startswith("EXAMPLE ONLY (fictional")
    assert all("fictional" in s.title.lower() for s in pack.sources.values())


def test_advice_a_pack_leaves_uncoded_is_warned_of_and_never_denied(config):
    """Round 22's audit: the example pack's "Things you might want to mention include:" (a list
    follows) has no coded advice, and its reply said "The union gives no explicit recommendation"
    with a list item cut from its lead-in ("the time marking takes each week;"). `validate` names
    it; the reply says neither."""
    out = run_cli("validate", str(EXAMPLE_DIR))
    assert out.returncode == 0
    warned = [line for line in out.stdout.splitlines() if "the union's comments advise" in line]
    assert len(warned) == 1 and "workload-schools-p1-marking-feedback-2:" in warned[0], out.stdout
    assert "the union's comments advise" not in run_cli("validate", str(PACK_DIR)).stdout
    pack = load_pack(EXAMPLE_DIR)
    reply = entry_reply(pack.get("workload-schools-p1-marking-feedback-2"), pack, config.contact,
                        query="what should I put for marking comments")
    short = render_text(reply)
    assert NO_POSITION.format(union="ETU") not in short and "marking takes each week" not in short
    assert "“the time marking takes each week;”" in render_full_text(reply)


def test_the_bots_own_words_about_another_unions_guidance_name_that_union(tmp_path, two):
    """Round 28's audit: the example pack's replies said "The union recommends no particular
    option here", "The union's views:" and "— the union's advice on what to write". In
    NASUWT's workspace "the union" reads as NASUWT, but the guidance is the ETU's. And the
    notification text said "the union gives no explicit recommendation" of a comments box whose
    comments advise (left uncoded), which the reply itself rightly never says."""
    pack = load_pack(EXAMPLE_DIR)
    for entry in pack.entries:
        reply = entry_reply(entry, pack, "contact", query="what should I put")
        for text in (render_full_text(reply), fallback_text(reply)):
            assert not re.search(r"\bthe union\b", text, re.I), (entry.id, text)
    meetings = entry_reply(pack.get("workload-schools-p2-meetings-data-1"), pack, "contact", query="what to put")
    assert "ETU recommends no particular option here." in render_text(meetings)
    assert " — ETU recommends no particular option here — " in fallback_text(meetings)
    survey = entry_reply(pack.get("wellbeing-staff-wellbeing-survey-1"), pack, "contact", query="what to put")
    assert " — ETU's advice on what to write — " in fallback_text(survey)
    marking = entry_reply(pack.get("workload-schools-p1-marking-feedback-2"), pack, "contact", query="what to put")
    assert "recommendation" not in fallback_text(marking) and "recommendation" not in render_text(marking)
    guide = Guide(settings(tmp_path, [PACK_DIR, EXAMPLE_DIR]), two, open_store(tmp_path / "b.sqlite3"))
    whole = guide.ask("workload consultation priority 1", via="dm", today=TODAY)
    assert whole.parts and "ETU's views:" in render_text(whole), render_text(whole)
    assert not re.search(r"\bthe union\b", render_full_text(whole), re.I)
    nasuwt = guide.ask("what should I put for the safeguarding concerns comments", via="dm", today=TODAY)
    assert "The union" not in render_full_text(nasuwt)


def test_asked_whether_the_consultation_is_open_every_consultation_answering_here_says():
    """Round 28's content audit: with the Big Listen and the example pack both answering, "is the
    consultation still open" said only that the Big Listen closed, while the other was open. An
    answer about one consultation's dates says the others' status too."""
    out = run_cli("--config", str(ROOT / "examples" / "two-packs.yaml"), "ask", "is the consultation still open")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert "Ofsted's Big Listen closed on 31 May 2024." in lines, out.stdout
    assert any(ln.startswith("The fictional Workload Consultation (an example) ") for ln in lines), out.stdout
    alone = run_cli("ask", "is the big listen still open")   # one pack answering: its own status alone
    assert "Workload" not in alone.stdout and "Ofsted's Big Listen closed on 31 May 2024." in alone.stdout


def _whole_priority_reply(pack, config, query: str):
    from bot.replies import build_reply
    from bot.results import Match, SearchResult
    box = pack.get("workload-schools-p1-marking-feedback-2")
    result = SearchResult(query, True, (Match(box, 0.9),), ("mark",), whole_priority=True)
    return render_full_text(build_reply(result, pack, config.contact))


def test_uncoded_advice_led_by_a_view_or_lent_by_the_rated_question(tmp_path, config):
    """Review: a passage led by a view ("ETU thinks three things matter here:" and a list with
    one "you might" item) was labelled as advice whole; and a box whose comments the rated
    question lends (the source's one comments block between them) was still told "no explicit
    advice" when that advice was uncoded."""
    copy = tmp_path / "workload"
    shutil.copytree(EXAMPLE_DIR, copy)
    survey = copy / "survey-workload-schools.yaml"
    text = survey.read_text(encoding="utf-8")
    led = text.replace("- 'Things you might want to mention include:'", "- 'ETU thinks three things matter here:'")
    led = led.replace("  - what happens when marking falls behind.", "  - you might also mention data drops.")
    survey.write_text(led, encoding="utf-8")
    shown = _whole_priority_reply(load_pack(copy), config, "priority 1 of the workload consultation")
    assert "ETU advises (fictional example): “you might also mention data drops.”" in shown, shown
    assert "advises (fictional example): “ETU thinks three things matter here:”" not in shown, shown
    # the box's comments moved to the rated question (which then lends them), its coded advice taken out
    box_comments = ("  commentary:\n  - 'Things you might want to mention include:'\n"
                    "  - the time marking takes each week;\n"
                    "  - whether marking is checked by leaders; and\n  - what happens when marking falls behind.\n")
    assert box_comments in text
    lent = text.replace(box_comments, "  commentary: []\n").replace(
        "  - You might want to say how many hours a week you spend on marking.\n",
        "  - 'Things you might want to mention include:'\n  - the time marking takes each week;\n").replace(
        "    - kind: advice\n      basis: \"You might want to say how many hours a week you spend on marking.\"\n", "")
    survey.write_text(lent, encoding="utf-8")
    shown = _whole_priority_reply(load_pack(copy), config, "priority 1 of the workload consultation")
    assert "no explicit advice for this box" not in shown, shown
    assert "“Things you might want to mention include:”" in shown, shown


def test_a_whole_priority_never_denies_advice_a_pack_left_uncoded():
    """Round 28's content audit: asked about the example pack's priority 1 as a whole, the reply
    said of its comments box "The union gives no explicit advice for this box.", whose comments
    say "Things you might want to mention include:" and a list. It quotes them as the advice."""
    out = run_cli("--config", str(ROOT / "examples" / "two-packs.yaml"), "ask",
                  "what should I put for priority 1 of the workload consultation")
    assert out.returncode == 0, out.stderr
    assert "no explicit advice" not in out.stdout, out.stdout
    assert "ETU advises (fictional example): “Things you might want to mention include:”" in out.stdout, out.stdout
    assert "“the time marking takes each week;”" in out.stdout


def test_ids_must_be_unique_across_packs(tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(EXAMPLE_DIR, copy)
    (copy / "pack.yaml").write_text((copy / "pack.yaml").read_text().replace("name: workload-example", "name: b"))
    with pytest.raises(KnowledgeError, match="used by both packs 'workload-example' and 'b'"):
        check_unique_ids([load_pack(EXAMPLE_DIR), load_pack(copy)])


# --- searching several packs --------------------------------------------------------------------

@pytest.fixture(scope="module")
def two(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("two")
    return load_library(settings(tmp, [PACK_DIR, EXAMPLE_DIR]), meaning=False)


def test_each_question_is_answered_from_its_own_pack(two):
    result, pack = two.find_matches(CHARTER, today=TODAY)
    assert result.answered and pack.name == "workload-example"
    assert result.best.entry.id == "wellbeing-workload-charter-1"
    result, pack = two.find_matches(SAFEGUARDING, today=TODAY)
    assert result.answered and pack.name == "big-listen" and result.best.entry.id == "safeguarding-separate-judgement"


def test_a_section_named_alone_lists_only_its_own_packs_questions(two, config):
    from bot.replies import build_reply, render_text
    result, pack = two.find_matches("what does the union recommend for the schools section", today=TODAY)
    assert result.whole_section and pack.name == "big-listen"
    schools = [e.id for e in pack.entries if getattr(e, "section", "") == "Schools"]
    assert [m.entry.id for m in result.matches] != [] and {m.entry.id for m in result.matches} == set(schools)
    lines = render_text(build_reply(result, pack, config.contact)).splitlines()
    assert lines[0] == "Which question in the Schools section did you mean?"
    assert [ln.rsplit("[", 1)[1].rstrip("]") for ln in lines[1:]] == schools


def test_the_reply_names_its_pack_and_the_pack_names_the_speakers(tmp_path, two):
    guide = Guide(settings(tmp_path, [PACK_DIR, EXAMPLE_DIR]), two, open_store(tmp_path / "b.sqlite3"))
    text = render_text(guide.ask(CHARTER, via="dm", today=TODAY))
    assert "Guidance pack: EXAMPLE ONLY (fictional, not real guidance): Workload Consultation" in text
    assert "Suggested answer: Yes. ETU says (fictional example): “ETU recommends that you answer ‘yes’" in text
    assert "The Example Department's survey asks" in text and "NASUWT" not in text and "Ofsted" not in text
    text = render_text(guide.ask(SAFEGUARDING, via="dm", today=TODAY))
    assert "Guidance pack: Ofsted's Big Listen (2024)" in text and "NASUWT says (spring 2024)" in text


def test_one_pack_replies_do_not_name_the_pack(tmp_path, index):
    guide = Guide(settings(tmp_path, [PACK_DIR]), index, open_store(tmp_path / "b.sqlite3"))
    assert "Guidance pack:" not in render_text(guide.ask(SAFEGUARDING, via="dm", today=TODAY))


def test_on_a_tie_the_open_consultation_ranks_first(tmp_path):
    twin = closed_twin(tmp_path)
    for order in ([twin, EXAMPLE_DIR], [EXAMPLE_DIR, twin]):
        library = load_library(settings(tmp_path, order), meaning=False)
        result, pack = library.find_matches(CHARTER, today=TODAY)
        assert pack.name == "workload-example", order
        assert [m.entry.id for m in result.matches[:2]] == ["wellbeing-workload-charter-1",
                                                            "twin-wellbeing-workload-charter-1"]
        assert result.matches[0].score == result.matches[1].score   # a real tie
    # once both are closed, the order of app.yaml decides
    result, pack = library.find_matches(CHARTER, today=date(2027, 1, 4))
    assert pack.name == "workload-example"


def test_a_channel_uses_only_its_packs(tmp_path):
    from bot.config import ChannelPacks
    cfg = settings(tmp_path, [PACK_DIR, EXAMPLE_DIR], channels=(ChannelPacks("CWORK", ("workload-example",)),))
    library = load_library(cfg, meaning=False)
    result, pack = library.find_matches(SAFEGUARDING, channel="CWORK", today=TODAY)
    assert pack.name == "workload-example"
    assert all(library.pack_of(m.entry).name == "workload-example" for m in result.matches)
    assert library.find_matches(SAFEGUARDING, channel="CELSE", today=TODAY)[1].name == "big-listen"
    with pytest.raises(ConfigError, match="names pack 'nope'"):
        load_library(settings(tmp_path, [EXAMPLE_DIR], channels=(ChannelPacks("C1", ("nope",)),)), meaning=False)


@pytest.mark.parametrize("question, names", [
    ("what does nasuwt say about the workload charter", ["big-listen"]),       # its union
    ("is the big listen still open", ["big-listen"]),                           # its consultation
    ("what does ETU recommend for marking", ["workload-example"]),
    ("workload consultation: what does the union recommend on the charter", ["workload-example"]),
    ("schools priority 1, what should I put", ["big-listen"]),   # its section "Schools", not "Workload in schools"
    ("SEND P2 grid: very important for all?", ["big-listen"]),   # the other pack has no such section
    ("what does the union recommend for the final question", []),   # both have one: the tie rule decides
    ("nasuwt or ETU on the charter?", []),                       # both named: neither alone
    ("should every school publish a workload charter", []),
])
def test_a_message_that_names_one_pack_is_asked_of_that_pack(two, question, names):
    from bot.packs import named_shelves
    assert [s.name for s in named_shelves(question, two.shelves)] == names


def test_the_last_question_is_the_last_sections_last_question(two):
    """Round 13: "the last question" named every question of the last section; the Big Listen's
    last section is its one final question, but the example pack's Wellbeing section has three,
    and the workload charter (its first) was answered."""
    result, pack = two.find_matches("what should I put for the last question of the workload consultation",
                                    today=TODAY)
    assert pack.name == "workload-example" and result.best.entry.id == "wellbeing-staff-wellbeing-survey-2"
    result, pack = two.find_matches("what does nasuwt say about the final question", today=TODAY)
    assert pack.name == "big-listen" and result.best.entry.id == "final-anything-else"


def test_a_running_bot_refuses_an_edit_that_renames_a_pack(tmp_path):
    """app.yaml's channels name packs: renamed while running, a channel kept to the pack would
    have fallen back to every pack (the fictional one's advice where only NASUWT's belongs)."""
    from bot.config import ChannelPacks
    folder = tmp_path / "example"
    shutil.copytree(EXAMPLE_DIR, folder)
    cfg = settings(tmp_path, [PACK_DIR, folder], channels=(ChannelPacks("CWORK", ("workload-example",)),))
    library = load_library(cfg, meaning=False)
    touch_later(folder / "pack.yaml", (folder / "pack.yaml").read_text(encoding="utf-8").replace(
        "name: workload-example", "name: workload-demo"))
    lines = library.reload_changed()
    assert len(lines) == 1 and "edit refused" in lines[0] and "'workload-example' to 'workload-demo'" in lines[0]
    assert [s.name for s in library.for_channel("CWORK")] == ["workload-example"]
    assert not library.find_matches(SAFEGUARDING, channel="CWORK", today=TODAY)[0].answered


def test_statuses_say_open_or_closed():
    big, example = load_pack(PACK_DIR), load_pack(EXAMPLE_DIR)
    # counted as replies count it (Round 13: "closes in 9 days" beside replies' "10 days left to respond")
    assert pack_status(example, date(2026, 12, 9)) == "open until 18 December 2026: 10 days left to respond"
    assert pack_status(example, date(2026, 12, 17)) == "open until 18 December 2026: 2 days left to respond"
    assert pack_status(example, date(2026, 12, 18)) == "open until 18 December 2026: 1 day left to respond"
    assert pack_status(example, date(2026, 11, 1)) == "opens on 2 November 2026"
    assert pack_status(big, TODAY) == "closed on 31 May 2024"


# --- reloading ----------------------------------------------------------------------------------

def touch_later(path: Path, text: str) -> None:
    """Write, and make sure the mtime moves even on a coarse clock."""
    before = path.stat().st_mtime_ns
    path.write_text(text, encoding="utf-8")
    while path.stat().st_mtime_ns == before:
        time.sleep(0.01)
        path.write_text(text, encoding="utf-8")


def test_a_good_edit_is_swapped_in_and_a_broken_one_refused(tmp_path):
    folder = tmp_path / "example"
    shutil.copytree(EXAMPLE_DIR, folder)
    library = load_library(settings(tmp_path, [folder]), meaning=False)
    assert library.reload_changed() == []   # nothing changed
    survey = folder / "survey-wellbeing.yaml"
    good = survey.read_text(encoding="utf-8").replace("title: A workload charter", "title: A published charter")
    touch_later(survey, good)
    lines = library.reload_changed()
    assert lines == [f"pack workload-example: reloaded from {folder} (6 entries)"]
    assert library.get("wellbeing-workload-charter-1").title == "A published charter"

    broken = good.replace("  kind: survey\n  section: Wellbeing\n  priority: A workload charter",
                          "  kind: survey\n  section: Wellbeing\n  priorty: A workload charter", 1)
    touch_later(survey, broken)
    lines = library.reload_changed()
    assert len(lines) == 1 and "edit refused, still answering from the running pack" in lines[0]
    assert re.search(r"survey-wellbeing\.yaml:\d+", lines[0]) and "priorty" in lines[0]
    assert library.get("wellbeing-workload-charter-1").title == "A published charter"   # still running
    assert list(library.problems.values()) == [lines[0].split("running pack: ", 1)[1]]
    assert library.reload_changed() == []   # told once per edit, not at every poll
    touch_later(survey, good.replace("A published charter", "A charter again"))
    library.reload_changed()
    assert library.problems == {} and library.get("wellbeing-workload-charter-1").title == "A charter again"


def test_an_edit_with_a_bad_date_or_a_control_character_is_refused_once(tmp_path):
    """Each used to escape the watcher as a traceback at every poll."""
    folder = tmp_path / "example"
    shutil.copytree(EXAMPLE_DIR, folder)
    library = load_library(settings(tmp_path, [folder]), meaning=False)
    survey = folder / "survey-wellbeing.yaml"
    good = survey.read_text(encoding="utf-8")
    pack_yaml = folder / "pack.yaml"
    assert re.search(r"closes: \d{4}-\d\d-\d\d", pack_yaml.read_text(encoding="utf-8"))
    for path, text, why in [
        (survey, good.replace("title: A workload charter", "title: A workload\x07charter"), "doesn't allow (#x0007"),
        (pack_yaml, re.sub(r"closes: \d{4}-\d\d-\d\d", "closes: 2024-02-30", pack_yaml.read_text(encoding="utf-8")),
         "'2024-02-30' is not a real date"),
    ]:
        before = path.read_text(encoding="utf-8")
        touch_later(path, text)
        lines = library.reload_changed()
        assert len(lines) == 1 and "edit refused" in lines[0] and why in lines[0], lines
        assert re.search(rf"{path.name}:\d+: ", lines[0])
        assert library.reload_changed() == []
        touch_later(path, before)
        assert "reloaded" in library.reload_changed()[0]


def test_an_unexpected_error_while_loading_an_edit_is_refused_once_and_logged_in_full(tmp_path, caplog):
    """Not the edit's fault, perhaps the bot's: still refused once (not a traceback at every
    poll), with its traceback in the log for whoever maintains the bot."""
    folder = tmp_path / "example"
    shutil.copytree(EXAMPLE_DIR, folder)
    library = load_library(settings(tmp_path, [folder]), meaning=False)

    def broken(pack):
        raise RuntimeError("an index bug")

    library.build_index = broken
    survey = folder / "survey-wellbeing.yaml"
    touch_later(survey, survey.read_text(encoding="utf-8").replace("A workload charter", "A charter", 1))
    with caplog.at_level("ERROR", logger="bot.packs"):
        lines = library.reload_changed()
    assert len(lines) == 1 and "edit refused" in lines[0] and "RuntimeError: an index bug" in lines[0]
    assert any(r.exc_info for r in caplog.records)   # the traceback, for the bot's maintainer
    assert library.reload_changed() == []


def test_a_library_of_one_index_never_reloads(index):
    assert Library.of(index).reload_changed() == [] and Library.of(index).watch(1) is None


# --- the command line ---------------------------------------------------------------------------

def test_ask_and_validate_cover_every_pack():
    demo = str(ROOT / "examples" / "two-packs.yaml")
    out = run_cli("--config", demo, "ask", CHARTER)
    assert out.returncode == 0, out.stderr
    assert "Guidance pack: EXAMPLE ONLY" in out.stdout and "ETU recommends" in out.stdout
    out = run_cli("--config", demo, "validate")
    assert out.returncode == 0, out.stderr
    assert out.stdout.count(": ok, ") == 2


def test_off_topic_is_said_by_the_pack_that_knows_its_topic(two):
    """The Big Listen pack lists pay and pensions as off-topic; the example pack lists nothing,
    so its "no match" must not turn the decline into "did you mean: marking?"."""
    result, pack = two.find_matches("how do I opt back into the teachers pension scheme", today=TODAY)
    assert not result.answered and result.reason == "offtopic" and pack.name == "big-listen"


def test_adding_the_example_pack_changes_no_answer_of_the_dev_sets(tmp_path):
    """As the bot runs (words and meaning): what is answered, and by which entry. On words
    alone one off-topic question ("lunch duty ... hours of directed time") is answered by the
    example pack's marking question: a pack without off-topic words is easier to match by accident.
    Round 13: dev v2 had 12 changed, all to the example pack ("schools priority 1" is also its
    "Workload in schools" priority 1, "SEND P2" its priority 2): `named_shelves`."""
    import yaml

    from conftest import SHARED
    questions = [q["q"] for name in ("dev_questions.yaml", "dev_questions_v2.yaml")
                 for q in yaml.safe_load((SHARED / "eval" / name).read_text())]
    one = load_library(settings(tmp_path, [PACK_DIR]))
    both = load_library(settings(tmp_path, [PACK_DIR, EXAMPLE_DIR]))
    for q in questions:
        a, _ = one.find_matches(q, today=TODAY)
        b, _ = both.find_matches(q, today=TODAY)
        assert b.answered == a.answered, q
        if a.answered:   # (a decline's suggestions may come from either pack)
            assert b.best.entry.id == a.best.entry.id, q


def test_kept_rep_answers_work_with_several_packs(tmp_path):
    """Ask a rep (issue 9) with several packs: a kept answer must beat the Library's best match,
    and one tied to an entry of a pack that doesn't answer in a channel is left out there."""
    from bot.config import ChannelPacks
    cfg = settings(tmp_path, [PACK_DIR, EXAMPLE_DIR], channels=(ChannelPacks("CWORK", ("workload-example",)),))
    store = open_store(tmp_path / "b.sqlite3")
    guide = Guide(cfg, load_library(cfg, meaning=False), store)
    req = store.add_request(question="will the big listen ask about staff car parking", asker="U1",
                            asker_name="Mo", channel="C1", thread_ts="1.1")
    store.close_request(req.id, state="answered", rep="UREP", rep_name="Sam Rep", keep=True, entry_id="off-rolling",
                        answer="No: there is no question on car parking in the Big Listen survey.")
    asked = "does the big listen survey cover car parking for staff"
    reply = guide.ask(asked, via="dm", today=TODAY)
    assert reply.answered and reply.kept is not None and reply.kept.rep_name == "Sam Rep"
    charter = guide.ask(CHARTER, via="dm", today=TODAY)   # the example pack's own answer still wins its question
    assert charter.kept is None and charter.answered and charter.pack_title.startswith("EXAMPLE ONLY")
    assert guide.ask(asked, via="dm", today=TODAY, channel="CWORK").kept is None   # big-listen doesn't answer there
    assert guide.ask(asked, via="dm", today=TODAY, channel="CELSE").kept is not None


def test_a_decline_names_the_contact_of_the_pack_it_was_asked_of(tmp_path):
    """A question asked of one pack alone (the channel's only pack, or the one it names) that the
    bot can't answer gets that pack's own contact line (pack.yaml `contact:`), not app.yaml's,
    which spoke of the Big Listen to a member asking about another consultation."""
    from bot.config import ChannelPacks
    cfg = settings(tmp_path, [PACK_DIR, EXAMPLE_DIR], channels=(ChannelPacks("CWORK", ("workload-example",)),))
    guide = Guide(cfg, load_library(cfg, meaning=False), open_store(tmp_path / "c.sqlite3"))
    example, big_listen = (load_pack(d).contact for d in (EXAMPLE_DIR, PACK_DIR))
    assert example.startswith("EXAMPLE ONLY") and "Big Listen" in big_listen
    stray = "the photocopier is jammed again"
    named = guide.ask("the photocopier is jammed again: workload consultation", via="dm", today=TODAY)
    assert not named.answered and named.contact == example
    assert f"the {load_pack(EXAMPLE_DIR).title} guidance" in render_text(named).splitlines()[0]
    assert not guide.ask(stray, via="dm", today=TODAY, channel="CWORK").answered
    assert guide.ask(stray, via="dm", today=TODAY, channel="CWORK").contact == example
    anywhere = guide.ask(stray, via="dm", today=TODAY)   # asked of both packs: app.yaml's line speaks for both
    assert not anywhere.answered and anywhere.contact == cfg.contact and anywhere.topic == cfg.bot_name
    assert cfg.contact in render_text(anywhere) and example not in render_text(anywhere)
    assert guide.ask(CHARTER, via="dm", today=TODAY).contact == example   # an answer: its pack's


def test_a_pack_without_a_contact_line_uses_app_yamls(tmp_path):
    bare = tmp_path / "bare"
    shutil.copytree(EXAMPLE_DIR, bare)
    info = bare / "pack.yaml"
    info.write_text(re.sub(r"(?m)^contact: .*\n", "", info.read_text(encoding="utf-8")), encoding="utf-8")
    assert load_pack(bare).contact == ""
    cfg = settings(tmp_path, [PACK_DIR, bare])
    guide = Guide(cfg, load_library(cfg, meaning=False), open_store(tmp_path / "c.sqlite3"))
    reply = guide.ask("the photocopier is jammed again: workload consultation", via="dm", today=TODAY)
    assert not reply.answered and reply.contact == cfg.contact


def test_a_packs_contact_line_too_long_for_a_slack_reply_is_refused(tmp_path):
    wordy = tmp_path / "wordy"
    shutil.copytree(EXAMPLE_DIR, wordy)
    info = wordy / "pack.yaml"
    info.write_text(re.sub(r"(?m)^contact: .*$", "contact: " + "x" * 501, info.read_text(encoding="utf-8")),
                    encoding="utf-8")
    with pytest.raises(KnowledgeError, match="contact.*501 characters: keep it to 500"):
        load_pack(wordy)


def test_the_terminal_shows_the_contact_of_the_pack_asked():
    demo = str(ROOT / "examples" / "two-packs.yaml")
    out = run_cli("--config", demo, "ask", "is the workload consultation still open?")
    assert out.returncode == 0, out.stderr
    assert "fictional ETU's officers" in out.stdout and "Big Listen consultation" not in out.stdout
    assert out.stdout.startswith("I'm not sure the EXAMPLE ONLY (fictional, not real guidance): Workload Consultation "
                                 "guidance covers that"), out.stdout   # as in Slack: the pack asked, by its title
    out = run_cli("--config", demo, "ask", "what does the big listen say about pay for supply staff")
    assert out.returncode == 0, out.stderr
    assert "questions about the Big Listen consultation" in out.stdout and "ETU" not in out.stdout


def test_eval_scores_every_pack_as_ask_searches_them(tmp_path):
    """`eval` searched the first pack only: with two packs, a question the second pack answers
    (as `ask` and Slack answer it) was scored a false decline."""
    questions = tmp_path / "two.yaml"
    questions.write_text(f"- q: {CHARTER}\n  kind: survey\n  expect: [ETU recommends that you answer]\n"
                         "- q: what is off-rolling\n  kind: glossary\n"
                         "  expect: [removing a pupil from the school roll]\n"
                         "- q: what's the best pizza topping\n  kind: offtopic\n  expect: []\n", encoding="utf-8")
    out = run_cli("--config", str(ROOT / "examples" / "two-packs.yaml"), "eval", str(questions))
    assert out.returncode == 0, out.stderr
    assert "top-1: 1.000  top-3: 1.000" in out.stdout and "misses" not in out.stdout, out.stdout
    assert "wrong answers (answered, first result wrong, off-topic included): 0.000" in out.stdout, out.stdout


def test_the_replies_tables_are_built_with_the_index_and_again_on_a_reload(tmp_path):
    """The review of round 30: on a 10,000-entry pack the replies' tables (links, the union's words
    and their weights) were built on the first reply after a load, 0.7 s; now as the pack is indexed."""
    from bot.replies import prepare_pack
    folder = tmp_path / "example"
    shutil.copytree(EXAMPLE_DIR, folder)
    built = {"reply_synonyms", "entry_links", "union_voiced", "coded_guidance", "commented_where",
             "reply_word_weights", "unsaid_union_words"}
    library = load_library(settings(tmp_path, [folder]), meaning=False, prepare=prepare_pack)
    assert built <= library.default.pack.__dict__.get("_derived", {}).keys()
    survey = folder / "survey-wellbeing.yaml"
    touch_later(survey, survey.read_text(encoding="utf-8").replace("title: A workload charter",
                                                                   "title: A published charter"))
    assert len(library.reload_changed()) == 1
    assert built <= library.default.pack.__dict__.get("_derived", {}).keys()
    unprepared = load_library(settings(tmp_path, [folder]), meaning=False).default.pack
    assert not built & unprepared.__dict__.get("_derived", {}).keys()
