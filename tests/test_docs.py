"""The README documents every command, and every command has help text."""
from __future__ import annotations

from bot.cli import COMMANDS, _parser
from conftest import ROOT, run_cli


def test_every_command_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in COMMANDS:
        assert f"`{name}" in readme, name


def test_every_command_has_help():
    sub = next(a for a in _parser()._actions if a.dest == "command")
    for name in COMMANDS:
        assert sub.choices[name].format_help().strip()
        assert any(a.dest == name and a.help for a in sub._choices_actions), name


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in readme and "make test" in ci


def test_help_runs():
    out = run_cli("--help")
    assert out.returncode == 0 and "ask" in out.stdout


def test_the_readme_names_every_key_of_ask_json():
    """Audit: the contract listed query, answered, results and reply_text, not reason or ambiguous."""
    import json

    row = next(line for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
               if line.startswith("| `ask --json"))
    out = run_cli("ask", "--json", "--stdin", stdin="what is off-rolling\nwhats the pay award this year\n"
                  "priority 2\nwhat should I put for the safeguarding question?\n")
    keys = {key for line in out.stdout.splitlines() for key in json.loads(line)}
    assert {"reason", "ambiguous"} <= keys
    assert all(f'"{key}"' in row for key in keys), [k for k in keys if f'"{k}"' not in row]
