"""The real CLI as a subprocess: the text reply, the JSON contract, chat, eval and errors."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from conftest import ROOT, SHARED, run_cli

REQUIRED_KEYS = {"id", "kind", "title", "score", "source"}


def test_ask_prints_the_reply():
    out = run_cli("ask", "should safeguarding be a separate judgement?")
    assert out.returncode == 0, out.stderr
    assert "Suggested answer: Yes" in out.stdout


def test_ask_json_stdin_contract():
    questions = "what is off-rolling\nwhats the pay award this year\n\nshould ofsted inspect MATs\n"
    out = run_cli("ask", "--json", "--stdin", "--top", "3", stdin=questions)
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["query"] for r in lines] == questions.split("\n")[:4]
    first, pay, empty, mats = lines
    assert first["answered"] is True and first["results"][0]["id"] == "off-rolling"
    assert 1 <= len(first["results"]) <= 3
    for rec in first["results"] + mats["results"]:
        assert REQUIRED_KEYS <= rec.keys()
        assert {"title", "date", "publisher", "file"} <= rec["source"].keys()
    assert "definition" in first["results"][0]
    scores = [r["score"] for r in mats["results"]]
    assert scores == sorted(scores, reverse=True)
    survey = next(r for r in mats["results"] if r["kind"] == "survey")
    assert {"question", "options", "statements", "commentary", "suggested_answer"} <= survey.keys()
    assert pay["answered"] is False and empty["answered"] is False


def test_chat_works_piped():
    out = run_cli("chat", stdin="what is a deep dive\n\nwhats the weather\n")
    assert out.returncode == 0, out.stderr
    assert "Deep dives" in out.stdout or "deep dives" in out.stdout
    assert "couldn't find that" in out.stdout


def test_quit_leaves_the_terminal_chat():
    out = run_cli("chat", stdin="whats off-rolling\nquit\nwhat is a deep dive\n")
    assert out.returncode == 0, out.stderr
    assert "Off-rolling" in out.stdout and "eep dive" not in out.stdout and "Did you mean" not in out.stdout


def test_chat_picks_from_the_numbered_list_and_shows_more():
    """A number answers "which did you mean?" (as Slack's buttons do); `more` is the chat's `--full`."""
    out = run_cli("chat", stdin="what should I put for the safeguarding question?\n9\n2\nmore\n")
    assert out.returncode == 0, out.stderr
    listed, wrong, picked, more = out.stdout.rstrip().split("\n\n")
    assert "  2. Should safeguarding be inspected more often?" in listed
    assert picked.startswith("== Should safeguarding be inspected more often? ==") and "not sure" not in picked
    assert "ask --full" not in picked and picked.splitlines()[-1].startswith("(type more for the full guidance: ")
    assert wrong == "Type a number from 1 to 4 to pick from the list, or ask a question."
    # a number too long for int() (round 23's hunt: ValueError, a traceback that ended the chat)
    out = run_cli("chat", stdin="what should I put for the safeguarding question?\n" + "1" * 5000 + "\n2\n")
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr
    assert out.stdout.rstrip().split("\n\n")[1:] == [wrong, picked]
    # another number picks another of the same list (round 23's hunt: "1" was searched as a question)
    out = run_cli("chat", stdin="what should I put for the safeguarding question?\n2\n1\nwhat is off-rolling\n1\n")
    replies = out.stdout.rstrip().split("\n\n")
    assert replies[1] == picked and replies[2].startswith("== Should safeguarding be a separate judgement? ==")
    assert replies[3].startswith("== Off-rolling") and "Type a number" not in replies[4] and len(replies) == 5
    assert more.startswith(picked.splitlines()[0]) and "Options: Yes; No; Don’t know" in more
    asked = run_cli("ask", "should safeguarding be inspected more often?").stdout   # `ask` still names its flag
    assert asked.startswith(picked.splitlines()[0]) and "(ask --full: " in asked


def test_a_number_picks_from_a_declines_did_you_mean_in_the_chat():
    """A decline's "Did you mean: A; B; C?" (Slack's buttons) could not be picked in the chat: "1"
    was searched as a question and got other suggestions. They are numbered, and a number opens one."""
    question = "wat is a deep dvie"
    asked = json.loads(run_cli("ask", "--json", "--stdin", "--top", "3", stdin=question + "\n").stdout)
    assert not asked["answered"] and len(asked["results"]) == 3, asked   # (the search's; else pick another)
    ids = [r["id"] for r in asked["results"]]
    out = run_cli("chat", stdin=f"{question}\n2\n4\n1\nwhats the weather\n1\n")
    assert out.returncode == 0, out.stderr
    declined, second, wrong, first, weather, one = out.stdout.rstrip().split("\n\n")
    assert "Did you mean (type its number)?\n" in declined and "Did you mean: " not in declined
    assert f"  2. {asked['results'][1]['title']} [{ids[1]}]" in declined.splitlines()
    assert second.startswith(f"== {asked['results'][1]['title']}") and "not sure" not in second
    assert wrong == "Type a number from 1 to 3 to pick from the list, or ask a question."
    assert first.startswith(f"== {asked['results'][0]['title']}")
    assert "Did you mean" not in weather and not one.startswith("Type a number")   # no list: a question


def test_the_chat_reads_a_slash_command_as_slack_does():
    """Round 26: "/biglisten MATs" (the product's own example) typed in the terminal chat was
    searched with "/biglisten" in it and declined, though "MATs" is answered; "/biglisten help"
    was declined too. A line starting with the slash command reads as the command does."""
    out = run_cli("chat", stdin="/biglisten MATs\n/BIGLISTEN help\n/biglisten sections\n/biglisten off-rolling\n"
                  "/biglisten queue\n/biglisten gaps 30\n/biglisten what is a deep dive\nmore\n/biglisten pins\n")
    assert out.returncode == 0, out.stderr
    mats, helped, sections, entry, queue, gaps, question, more, pins = out.stdout.rstrip().split("\n\n")
    assert mats.startswith("== MATs (multi-academy trusts) ==") and mats == run_cli(
        "chat", stdin="MATs\n").stdout.rstrip()
    assert helped.startswith("Ask me about Ofsted's Big Listen (2024) and NASUWT's guidance on it.\n")
    assert "• `/biglisten walkthrough`: go through the survey" in helped and "*" not in helped
    # the terminal's own moves, not Slack's button and mentions, which it hasn't got (it offered them)
    assert "Ask a rep" not in helped and "Mention me" not in helped and "direct message" not in helped
    # nor the pins and reps' lists, which the chat only points elsewhere for (round 27's review)
    assert "/biglisten pins" not in helped and "(reps)" not in helped
    assert "• a number: pick from the list I last gave; `more`: the last answer's full guidance" in helped
    assert helped.endswith("• quit (or Ctrl-D): leave\nAnswers quote their sources word for word (the union's "
                             "commentary, Ofsted's and the press's texts), say whose words each is and when, and "
                             "name the source; a rep's answer says it is a rep's.")
    assert sections.splitlines()[:3] == [
        "== Ofsted's Big Listen (2024) == (closed on 31 May 2024)", "Schools",
        "  - What every school inspection report should achieve [schools-reporting-aims]"]
    assert "  - Ofsted’s pause policy [safeguarding-pause-policy]" in sections.splitlines()
    assert entry.startswith("== Off-rolling ==")
    assert queue == "`/biglisten queue` is for reps in Slack; in the terminal: `python -m bot queue`."
    assert gaps == "`/biglisten gaps 30` is for reps in Slack; in the terminal: `python -m bot report`."
    assert question.startswith("== Deep dives") and more.startswith("== Deep dives")
    # pins are everyone's in Slack, not a reps' list (it said "is for reps in Slack; `/biglisten pins` is Slack's")
    assert pins == ("`/biglisten pins` is Slack's: the answers reps pinned there, for everyone "
                    "(the terminal shows no pins).")


def test_a_walkthrough_asked_in_the_chat_with_no_store_says_so_and_chats_on(tmp_path):
    import yaml
    data = yaml.safe_load((ROOT / "app.yaml").read_text(encoding="utf-8"))
    data["packs"] = [str(ROOT / pack) for pack in data["packs"]]
    data["storage"] = {"url": "postgresql://bot@127.0.0.1:9/none"}
    config = tmp_path / "app.yaml"
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    out = run_cli("--config", str(config), "chat", stdin="/biglisten walkthrough\nwhat is off-rolling\n")
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr
    said, answer = out.stdout.rstrip().split("\n\n")
    assert said.startswith("The walk-through keeps your place in the store, which can't be opened: ")
    assert answer.startswith("== Off-rolling")


def test_run_without_tokens_falls_back_to_chat():
    out = run_cli("run", stdin="what does PRU stand for\n")
    assert out.returncode == 0, out.stderr
    assert "SLACK_BOT_TOKEN" in out.stderr
    assert "pupil referral unit" in out.stdout.lower()


def test_run_with_an_app_token_and_no_bot_token_says_which_is_missing():
    """A misspelt SLACK_BOT_TOKEN beside Slack's other tokens is a mistake, not a wish to chat:
    `run` under a service (stdin empty) had started the chat, read nothing and exited 0."""
    for env in ({"SLACK_APP_TOKEN": "xapp-1", "SLACK_BOT_TOKN": "xoxb-1"}, {"SLACK_SIGNING_SECRET": "s"}):
        out = run_cli("run", stdin="", env=env)
        assert out.returncode == 2, (env, out.stderr)
        assert out.stderr.startswith("error: SLACK_BOT_TOKEN is not set"), out.stderr


def test_a_python_without_the_bot_s_packages_is_one_line_saying_which_to_use():
    """The README's `python -m bot ...` typed with the system Python (no .venv activated) was a
    traceback ending "No module named 'rapidfuzz'". -S leaves out site-packages, as such a Python has none."""
    out = subprocess.run([sys.executable, "-S", "-m", "bot", "--help"], capture_output=True, text=True, cwd=ROOT,
                         timeout=60)
    assert out.returncode == 2 and "Traceback" not in out.stderr, out.stderr
    assert out.stderr.startswith("error: ") and ".venv/bin/python -m bot" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_config_is_read_after_the_command_too():
    """`--config` after the command (as a unit file's ExecStart often has it) was "unrecognized
    arguments"; before it, it still works, and the command's own one wins."""
    two = "examples/two-packs.yaml"
    after = run_cli("validate", "--config", two)
    before = run_cli("--config", two, "validate")
    assert after.returncode == before.returncode == 0 and after.stdout == before.stdout, after.stderr
    assert "workload-example: ok" in after.stdout
    assert "workload-example: ok" in run_cli("--config", "app.yaml", "validate", "--config", two).stdout


def test_a_module_of_the_bot_s_own_missing_is_not_blamed_on_the_python():
    """Round 27's review: any ModuleNotFoundError while starting was said as "X is not installed
    for this Python: run .venv/bin/python", a module of the project's own too: that one is the
    project's fault, and its traceback says where."""
    code = "import runpy, sys; sys.modules['bot.cli'] = None; runpy.run_module('bot', run_name='__main__')"
    out = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 1 and "Traceback" in out.stderr and "bot.cli" in out.stderr, out.stderr
    assert "is not installed for" not in out.stderr


def test_eval_prints_the_four_scores():
    out = run_cli("eval", str(SHARED / "eval" / "dev_questions.yaml"), "--quiet")
    assert out.returncode == 0, out.stderr
    for label in ("top-1:", "top-3:", "off-topic abstention:", "false abstention:"):
        assert label in out.stdout


def test_bad_config_is_one_clear_line(tmp_path):
    bad = tmp_path / "app.yaml"
    bad.write_text("organisation: X\ncontact: c\nslash_command: /x\nknowledge_path: k\nsurch: {}\n")
    out = run_cli("--config", str(bad), "ask", "hello")
    assert out.returncode == 2
    assert "surch" in out.stderr and "Traceback" not in out.stderr


def test_a_key_that_is_a_list_in_app_yaml_is_one_line_with_its_line(tmp_path):
    """Round 23's hunt: `[a]: 1` in app.yaml was a TypeError traceback (exit 1) from `health`."""
    bad = tmp_path / "app.yaml"
    text = (ROOT / "app.yaml").read_text(encoding="utf-8")
    bad.write_text(text + "[a]: 1\n", encoding="utf-8")
    out = run_cli("--config", str(bad), "health")
    assert out.returncode == 2 and "Traceback" not in out.stderr, out.stderr
    assert f"{bad}:{len(text.splitlines()) + 1}: a key must be a plain word" in out.stderr, out.stderr


def test_ask_does_not_import_slack():
    """`ask` must start fast as a fresh process: no Slack libraries on that path."""
    probe = subprocess.run([sys.executable, "-c", "import sys, bot.cli; bot.cli.main(['ask', 'hi']); "
                            "print([m for m in sys.modules if m.startswith('slack')])"],
                           capture_output=True, text=True, cwd=ROOT)
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip().endswith("[]"), probe.stdout


def test_bytes_that_are_not_utf8_are_dropped_not_a_crash():
    """A terminal in another encoding: the rest of the batch is still answered."""
    strict = {**os.environ, "PYTHONIOENCODING": "utf-8:strict"}   # as in a UTF-8 locale, not C.UTF-8
    out = subprocess.run([sys.executable, "-m", "bot", "ask", "--stdin", "--json"], cwd=ROOT, capture_output=True,
                         input=b"what is off-rolling\ncaf\xe9 workload\nwhat is a deep dive\n", timeout=60, env=strict)
    assert out.returncode == 0, out.stderr.decode()
    records = [json.loads(line) for line in out.stdout.decode().splitlines()]
    assert [r["query"] for r in records] == ["what is off-rolling", "caf workload", "what is a deep dive"]
    assert records[2]["results"][0]["id"] == "deep-dives"
    chat = subprocess.run([sys.executable, "-m", "bot", "chat"], cwd=ROOT, capture_output=True,
                          input=b"caf\xe9\nwhat is off-rolling\n", timeout=60, env=strict)
    assert chat.returncode == 0 and b"Off-rolling" in chat.stdout and b"Traceback" not in chat.stderr


def test_a_yaml_error_in_a_question_set_is_one_line_with_its_line(tmp_path):
    """Audit: eval printed PyYAML's four-line message; app.yaml's and packs' are file:line: what."""
    questions = tmp_path / "questions.yaml"
    questions.write_text("- q: what is off-rolling\n  expect: off-rolling: the practice\n", encoding="utf-8")
    out = run_cli("eval", str(questions))
    assert out.returncode == 2 and out.stderr.splitlines() == [
        f"error: {questions}:2: not valid YAML: mapping values are not allowed here"], out.stderr


def test_bad_arguments_get_one_line_not_a_traceback(tmp_path):
    import yaml
    data = yaml.safe_load((ROOT / "app.yaml").read_text(encoding="utf-8"))
    data["packs"] = [str(ROOT / pack) for pack in data["packs"]]
    # a store here, not in the checkout's var/ (`walkthrough` had opened it before looking for the pack)
    data["storage"] = {"path": str(tmp_path / "bot.sqlite3")}
    config = tmp_path / "app.yaml"
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    for args, says in [(("eval", str(tmp_path / "none.yaml")), "none.yaml: cannot read it (No such file"),
                       (("eval", str(tmp_path)), "cannot read it (Is a directory)"),
                       (("--config", str(tmp_path), "ask", "hi"), "cannot read it (Is a directory)"),
                       (("--config", str(config), "walkthrough", "no-such-pack"),
                        "no pack or section 'no-such-pack' (packs: big-listen; or a section"),
                       (("report", "--days", "0"), "--days: must be at least 1, got 0"),
                       (("ask", "--top", "0", "hi"), "--top: must be at least 1, got 0"),   # was 1 result
                       (("ask", "--top", "-1", "hi"), "--top: must be at least 1, got -1"),
                       (("ask", "--stdin", "hi"), "give the question or --stdin, not both"),   # one was dropped
                       (("report", "--days", "3651"), "--days: must be at most 3650, got 3651"),
                       (("bench", "--queries", "-5"), "--queries: must be at least 1, got -5"),
                       (("answer", "1", "x" * 3000, "--rep-name", "Pat"),
                        "the answer is 3,000 characters; at most 2,900"),
                       (("answer", "1", "Yes.", "--rep-name", "Pat", "--kept-question", "Q?"), "add --keep"),
                       (("answer", "1", "--outside", "--rep-name", "Pat", "--keep"), "not --covered or --outside"),
                       (("answer", "1", "--outside", "--rep-name", "Pat", "--entry", "off-rolling"),
                        "--entry is for a rep's own answer")]:
        out = run_cli(*args)
        assert out.returncode == 2 and says in out.stderr, (args, out.stderr)
        assert "Traceback" not in out.stderr
    assert not (tmp_path / "bot.sqlite3").exists()   # a mistyped walk-through name makes no store


@pytest.mark.parametrize("encoding", ["latin-1", "ascii"])
def test_a_terminal_without_curly_quotes_gets_straight_ones_not_a_traceback(encoding, tmp_path):
    """A terminal in a Latin-1 or ASCII locale: the first reply quoting the union (every answer:
    curly quotes) was a UnicodeEncodeError traceback that ended the chat, and the walk-through."""
    import yaml
    data = yaml.safe_load((ROOT / "app.yaml").read_text(encoding="utf-8"))
    data["packs"] = [str(ROOT / pack) for pack in data["packs"]]
    data["storage"] = {"path": str(tmp_path / "bot.sqlite3")}
    config = tmp_path / "app.yaml"
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")} | {"PYTHONIOENCODING": encoding}
    for command, stdin in (["chat"], b"whats off-rolling\nwalkthrough safeguarding\nq\nMATs\n"), \
                          (["walkthrough", "safeguarding"], b"n\nq\n"):
        out = subprocess.run([sys.executable, "-m", "bot", "--config", str(config), *command], cwd=ROOT,
                             capture_output=True, input=stdin, timeout=60, env=env)
        assert out.returncode == 0 and b"Traceback" not in out.stderr, out.stderr.decode(errors="replace")
        text = out.stdout.decode(encoding)
        assert "Stopped; `walkthrough` resumes here." in text
        assert 'NASUWT says (spring 2024): "Given the high stakes nature of the safeguarding judgement' in text
    assert text.count("Question 9 of 19") == 1
    assert '"This includes pressuring a parent to remove their child from the school roll."' in (
        run_cli("--config", str(config), "chat", stdin="whats off-rolling\n",
                env={"PYTHONIOENCODING": encoding}).stdout)


def test_picking_in_the_chat_needs_no_store(tmp_path):
    """The review of round 14: a picked number opened the store (only to look up pins), so with
    the database unreachable the chat ended there; the chat reads no store."""
    import yaml
    data = yaml.safe_load((ROOT / "app.yaml").read_text(encoding="utf-8"))
    data["packs"] = [str(ROOT / pack) for pack in data["packs"]]
    data["storage"] = {"url": "postgresql://bot@127.0.0.1:9/none"}
    config = tmp_path / "app.yaml"
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    out = run_cli("--config", str(config), "chat",
                  stdin="what should I put for the safeguarding question?\n2\nwhat is off-rolling\n")
    assert out.returncode == 0, out.stderr
    assert "== Should safeguarding be inspected more often? ==" in out.stdout and "Off-rolling" in out.stdout


@pytest.mark.parametrize("item, line, says", [
    ("- q: what is off-rolling\n  expect: removing a pupil\n", 2, "item 1: 'expect' must be a list of text phrases"),
    ("- q: what is off-rolling\n  expect: [7]\n", 2, "item 1: 'expect' must be a list of text phrases"),
    ("- q: what is off-rolling\n  expect: []\n- expect: [x]\n", 3, "item 2: expected a mapping with the question"),
    ("- q: what is off-rolling\n  kind: [survey]\n  expect: []\n", 2, "item 1: 'kind' must be text"),
    # round 23's hunt: a mistyped key made it off-topic; a phrase of no words matched every answer; none scored 0
    ("- q: what is off-rolling\n  expect: []\n- q: x\n  expects: [removing]\n", 4, "item 2: unknown key 'expects'"),
    ("- q: what is off-rolling\n  expect: ['...']\n", 2, "item 1: an 'expect' phrase has no words"),
    ("- q: what is off-rolling\n  expect: [removing, '  ']\n", 2, "item 1: an 'expect' phrase has no words"),
    ("[]\n", None, "the set has no questions"),
])
def test_a_question_set_item_of_the_wrong_shape_is_named(tmp_path, item, line, says):
    """A text `expect` was scored phrase by character (top-1 1.000 for anything); a number crashed."""
    questions = tmp_path / "questions.yaml"
    questions.write_text(item, encoding="utf-8")
    out = run_cli("eval", str(questions))
    assert out.returncode == 2, out.stdout
    where = f"{questions}:{line}" if line else str(questions)
    assert len(out.stderr.splitlines()) == 1 and out.stderr.startswith(f"error: {where}: {says}"), \
        out.stderr


@pytest.mark.parametrize("command", ["chat", "walkthrough", "ask --stdin"])
def test_a_closed_stdin_reads_as_empty_not_a_traceback(command, tmp_path):
    """Round 21's hunt: started with stdin closed (`<&-`, as some service managers do), `chat` and
    `walkthrough` died with AttributeError: 'NoneType' object has no attribute 'isatty'."""
    import yaml
    data = yaml.safe_load((ROOT / "app.yaml").read_text(encoding="utf-8"))
    data["packs"] = [str(ROOT / pack) for pack in data["packs"]]
    data["storage"] = {"path": str(tmp_path / "bot.sqlite3")}   # the walk-through keeps the member's place
    config = tmp_path / "app.yaml"
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    out = subprocess.run(["sh", "-c", f'exec "{sys.executable}" -m bot --config "{config}" {command} <&-'],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr


def test_bytes_that_are_not_utf8_dont_end_the_walkthrough(tmp_path):
    """Hunt (the command line): in a strict UTF-8 locale a Latin-1 "é" typed in the walk-through
    was a UnicodeDecodeError traceback (exit 1), as it had been in `chat` and `ask --stdin`."""
    import yaml
    data = yaml.safe_load((ROOT / "app.yaml").read_text(encoding="utf-8"))
    data["packs"] = [str(ROOT / pack) for pack in data["packs"]]
    data["storage"] = {"path": str(tmp_path / "bot.sqlite3")}
    config = tmp_path / "app.yaml"
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    strict = {**os.environ, "PYTHONIOENCODING": "utf-8:strict"}
    out = subprocess.run([sys.executable, "-m", "bot", "--config", str(config), "walkthrough"], cwd=ROOT,
                         capture_output=True, input=b"caf\xe9\nn\nq\n", timeout=60, env=strict)
    assert out.returncode == 0 and b"Traceback" not in out.stderr, out.stderr.decode()
    text = out.stdout.decode()
    assert "Type n (or Enter) for next" in text and "Question 2 of" in text and "Stopped;" in text, text


def test_a_walkthrough_makes_no_folder_a_mistyped_storage_path_names(tmp_path):
    """The admin hunt: `walkthrough` (and the chat's) at a storage.path whose folder isn't there
    made the folders and a store, and kept the member's place where serve never looks. A store not
    made yet is made, as serve and a fresh install need, in a folder that exists or the default var/."""
    import yaml
    data = yaml.safe_load((ROOT / "app.yaml").read_text(encoding="utf-8"))
    data["packs"] = [str(ROOT / pack) for pack in data["packs"]]
    del data["storage"]   # the default: var/bot.sqlite3 beside the settings file
    config = tmp_path / "other.yaml"
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    first = run_cli("--config", str(config), "walkthrough", stdin="n\nq\n")
    store = tmp_path / "var" / "bot.sqlite3"
    assert first.returncode == 0 and store.exists(), first.stderr
    assert first.stderr == f"(a new store for walk-through places: {store}, from storage.path in {config})\n"
    again = run_cli("--config", str(config), "walkthrough", stdin="q\n")
    assert "Question 2 of 19" in again.stdout and "(where you left off)" in again.stdout and not again.stderr
    mistyped = tmp_path / "vra" / "bot.sqlite3"
    config.write_text(yaml.safe_dump({**data, "storage": {"path": str(mistyped)}}), encoding="utf-8")
    says = f"no folder {mistyped.parent} for the store {mistyped} (check storage.path in {config})"
    out = run_cli("--config", str(config), "walkthrough", stdin="q\n")
    assert out.returncode == 2 and out.stderr == f"error: {says}\n" and not out.stdout, out.stderr
    out = run_cli("--config", str(config), "chat", stdin="walkthrough\nwhat is off-rolling\n")
    said, answer = out.stdout.rstrip().split("\n\n")
    assert said == f"The walk-through keeps your place in the store, which can't be opened: {says}"
    assert out.returncode == 0 and answer.startswith("== Off-rolling") and not mistyped.parent.exists()


@pytest.mark.parametrize("command", ["/big listen", "/", "/biglisten\t"])
def test_a_slash_command_slack_cant_have_is_refused_naming_the_key(tmp_path, command):
    """Hunt (the command line): `slash_command: /big listen` passed; `manifest` printed it for Slack,
    which can't have a command with a space in it (everything after the first space is the
    command's text), and Help and App Home told members to type it."""
    import yaml
    data = yaml.safe_load((ROOT / "app.yaml").read_text(encoding="utf-8"))
    data["packs"] = [str(ROOT / pack) for pack in data["packs"]]
    data["slash_command"] = command
    config = tmp_path / "app.yaml"
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    out = run_cli("--config", str(config), "manifest")
    assert out.returncode == 2 and out.stdout == "", out.stdout
    assert out.stderr == (f"error: {config}: key 'slash_command': must be '/' and one word, no spaces "
                          f"(e.g. /biglisten), got {command!r}\n"), out.stderr


def _in_a_terminal(args: list[str], keys: list[bytes], timeout: float = 300) -> tuple[bytes, int]:
    """Run `python -m bot ARGS` in a pseudo-terminal, as a member at a keyboard: each of `keys` is
    typed once the bot shows its prompt ("> ") again; everything it wrote, and its exit code.
    `timeout` is generous: the machine may be loaded."""
    import pty
    import select
    import signal
    import time

    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env["TERM"] = "xterm"
    pid, fd = pty.fork()
    if pid == 0:   # the child: the CLI, with the terminal as its stdin and stdout
        # Ctrl-C as at a person's terminal: a run started in the background (`make test &`, nohup)
        # ignores SIGINT, which a child inherits, and the chat then never heard Ctrl-C (killed)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.chdir(ROOT)
        os.execve(sys.executable, [sys.executable, "-m", "bot", *args], env)
    seen, prompts, deadline, heard = b"", 0, time.monotonic() + timeout, time.monotonic()
    try:
        while time.monotonic() < deadline:
            # typed once the prompt is shown and the terminal has been quiet a moment, as a person
            # types: a Ctrl-C sent as readline was still setting the terminal up could be lost
            # (the chat then waited for a key until killed, once in a CI run under load)
            if seen.count(b"> ") > prompts and keys and time.monotonic() - heard >= 0.3:
                prompts = seen.count(b"> ")
                os.write(fd, keys.pop(0))
            ready, _, _ = select.select([fd], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:   # the child closed the terminal
                    break
                if not chunk:
                    break
                seen, heard = seen + chunk, time.monotonic()
    finally:
        if keys or time.monotonic() >= deadline:
            os.kill(pid, 9)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return seen, os.waitstatus_to_exitcode(status)


def test_the_terminal_chat_edits_lines_and_recalls_questions():
    """Hunt (the command line): the chat read its terminal with no line editing, so the Up arrow
    (to ask again) or Left (to fix a typo) sent "^[[A" and was answered as a question."""
    seen, code = _in_a_terminal(["chat"], [b"what is off-rolling\r", b"\x1b[A\r",
                                           b"what is a deep ive\x1b[D\x1b[D\x1b[Dd\r", b"\x04"])
    assert code == 0, seen
    replies = seen.decode(errors="replace").split("> ")
    assert replies[1].count("== Off-rolling ==") == 1 and replies[2].count("== Off-rolling ==") == 1, replies
    assert "Deep dives" in replies[3] or "deep dives" in replies[3], replies[3]
    assert b"^[[" not in seen and "Ask me about a survey question" not in seen.decode(errors="replace")


def test_ctrl_c_at_the_chats_prompt_leaves_the_shells_prompt_a_line_of_its_own(tmp_path):
    """Ctrl-C at "> " ended the chat with the cursor after it, so the shell's prompt followed on
    that line (Ctrl-D printed a newline first); the same in the walk-through, whose place is kept."""
    import yaml
    data = yaml.safe_load((ROOT / "app.yaml").read_text(encoding="utf-8"))
    data["packs"] = [str(ROOT / pack) for pack in data["packs"]]
    data["storage"] = {"path": str(tmp_path / "bot.sqlite3")}
    config = tmp_path / "app.yaml"
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    for keys in ([b"MATs\r", b"\x03"], [b"walkthrough\r", b"\x03"]):
        seen, code = _in_a_terminal(["--config", str(config), "chat"], keys)
        assert code == 130 and b"Traceback" not in seen, seen
        assert seen.endswith(b"> \r\n"), seen[-200:]


def test_ask_json_is_one_line_per_question_however_lines_are_split():
    """Hunt (the command line): a question pasted with a Unicode line separator (U+2028, U+2029
    or NEL, as some editors and PDFs copy line breaks) was printed raw inside its JSON, so a
    reader splitting lines as Python's splitlines() does got two halves, neither valid JSON."""
    questions = "what is\u2028off-rolling\nwhat is a\u2029deep dive\nwhat is\x85a PRU\n"
    out = run_cli("ask", "--json", "--stdin", stdin=questions)
    assert out.returncode == 0, out.stderr
    records = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["query"] for r in records] == questions.split("\n")[:3]


def test_a_full_disk_under_the_output_is_one_line_not_a_traceback():
    """`ask ... > file` on a full disk (here /dev/full): an OSError traceback, and another
    "Exception ignored" one as Python flushed stdout at exit."""
    with open("/dev/full", "w") as full:
        out = subprocess.run([sys.executable, "-m", "bot", "ask", "what is off-rolling"], stdout=full,
                             stderr=subprocess.PIPE, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 1
    assert out.stderr == "error: couldn't write the output: No space left on device\n"


@pytest.mark.parametrize("command, stdin", [("chat", "what is off-rolling\n"), ("run", "what is off-rolling\n"),
                                            ("walkthrough", "n\nq\n"), ("ask --stdin", "what is off-rolling\n")])
def test_a_conversation_whose_reader_has_gone_says_so_and_fails(tmp_path, command, stdin):
    """The admin hunt: `chat < questions | head -c 10` (the reader gone) or `chat >&-` exited 0 and
    said nothing, the member's replies written nowhere. As `cat` does with SIGPIPE ignored (Python
    ignores it): one line, exit 1. `ask ... | head` wants its first lines only: done, exit 0."""
    import yaml
    data = yaml.safe_load((ROOT / "app.yaml").read_text(encoding="utf-8"))
    data["packs"] = [str(ROOT / pack) for pack in data["packs"]]
    data["storage"] = {"path": str(tmp_path / "bot.sqlite3")}   # the walk-through keeps the member's place
    config = tmp_path / "app.yaml"
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    args = [sys.executable, "-m", "bot", "--config", str(config), *command.split()]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    read, write = os.pipe()
    os.close(read)   # gone before the first reply
    try:
        out = subprocess.run(args, input=stdin, stdout=write, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                             env=env, timeout=60)
    finally:
        os.close(write)
    if command.startswith("ask"):
        assert out.returncode == 0 and out.stderr == "", out.stderr
        return
    assert out.returncode == 1 and out.stderr.endswith("error: couldn't write the output: Broken pipe\n"), out.stderr
    assert "Traceback" not in out.stderr and "Exception ignored" not in out.stderr
    closed = subprocess.run(["sh", "-c", 'exec "$@" >&-', "sh", *args], input=stdin, capture_output=True,
                            text=True, cwd=ROOT, env=env, timeout=60)
    assert closed.returncode == 1, closed.stderr
    assert closed.stderr.endswith("error: couldn't write the output: stdout is closed\n"), closed.stderr


def test_ask_json_lists_a_named_sections_questions_in_the_order_the_reply_numbers_them():
    """A section named alone: the reply asks "Which question in the Safeguarding section?" with a
    numbered list in the survey's order, and `results` is that list (as the README says); it
    was in score order, so a tool taking the member's "1" as results[0] sent the wrong entry."""
    out = run_cli("ask", "--json", "what should I put for the safeguarding question?")
    record = json.loads(out.stdout)
    assert record["ambiguous"] and record["reply_text"].startswith("Which question in the Safeguarding section")
    numbered = re.findall(r"^  \d+\. .* \[([a-z0-9-]+)\]$", record["reply_text"], re.M)
    assert len(numbered) == 4
    assert [r["id"] for r in record["results"]] == numbered


def test_a_pasted_text_with_long_runs_of_spaces_is_read_at_once():
    """The command word (the slash command's and the chat's: a chat line with "walk" in it) took
    off spaces and punctuation at its end with a regex tried from every place in a run of them:
    40,000 spaces, a pasted text, took half a minute of a worker (or of the chat) before any reply."""
    import time

    from handlers.commands import command_word
    started = time.monotonic()
    for text in ("walk " + " " * 40000 + "x", "walk " + ". " * 20000 + "x", "/biglisten " + "\u3000" * 40000 + "help"):
        command_word(text, "/biglisten")
    assert time.monotonic() - started < 2
    assert command_word("/biglisten  walkthrough send, thank you! ", "/biglisten") == "walkthrough send"
