from __future__ import annotations

import re

import pytest

from bot.config import load_config
from bot.errors import ConfigError
from conftest import ROOT


def test_bundled_settings_load(config):
    assert config.slash_command == "/biglisten"
    assert "Education Team" in config.contact
    assert config.resolve(config.knowledge_path).is_dir()
    assert 0 < config.search.answer_threshold < 1


def write(tmp_path, text: str):
    path = tmp_path / "app.yaml"
    path.write_text(text, encoding="utf-8")
    return path


BASE = "organisation: X\ncontact: ask us\nslash_command: /x\nknowledge_path: k\n"


def test_unknown_key_is_named(tmp_path):
    with pytest.raises(ConfigError, match=r"search\.treshold"):
        load_config(write(tmp_path, BASE + "search:\n  treshold: 0.3\n"))


def test_wrong_type_is_named(tmp_path):
    with pytest.raises(ConfigError, match=r"search\.answer_threshold.*number"):
        load_config(write(tmp_path, BASE + "search:\n  answer_threshold: high\n"))


def test_missing_key_is_named(tmp_path):
    with pytest.raises(ConfigError, match="contact"):
        load_config(write(tmp_path, "organisation: X\nslash_command: /x\nknowledge_path: k\n"))


def test_slash_command_must_start_with_slash(tmp_path):
    with pytest.raises(ConfigError, match="slash_command"):
        load_config(write(tmp_path, BASE.replace("/x", "x")))


def test_a_contact_line_too_long_for_a_slack_reply_is_refused(tmp_path):
    """Every decline shows it in a context block, whose text Slack refuses over 3,000 characters:
    every decline would then fail to post."""
    longest = "x" * 500
    assert load_config(write(tmp_path, BASE.replace("ask us", longest))).contact == longest
    with pytest.raises(ConfigError, match=r"key 'contact': the contact line is 501 characters: keep it to 500"):
        load_config(write(tmp_path, BASE.replace("ask us", longest + "x")))


@pytest.mark.parametrize("setting, key, says", [
    ("reps:\n  users: [UREP, '@sam.rep']\n", "reps.users[1]", "'@sam.rep' is not a Slack user id (like U0123ABCD"),
    ("reps:\n  usergroups: ['@reps']\n", "reps.usergroups[0]", "is not a Slack user group id (like S0123ABCD"),
    ("reps:\n  channel: '#reps'\n", "reps.channel", "'#reps' is not a Slack channel id (like C0123ABCD"),
    ("channels:\n  - channel: general\n    packs: [big-listen]\n", "channels[0].channel", "not a Slack channel id"),
])
def test_a_name_where_a_slack_id_belongs_is_refused_with_the_key(tmp_path, setting, key, says):
    """"@sam.rep" or "#reps" was accepted, then read as "not a rep", or told members "I'm not in the
    reps' channel: ask a rep to invite me" (wrong advice)."""
    with pytest.raises(ConfigError, match=re.escape(f"key '{key}': ") + ".*" + re.escape(says)):
        load_config(write(tmp_path, BASE + setting))


def test_slack_ids_are_accepted(tmp_path):
    ok = "reps:\n  users: [U0123ABCD, W0123ABCD]\n  usergroups: [S0123ABCD]\n  channel: C0123ABCD\n" \
         "channels:\n  - channel: G0123ABCD\n    packs: [big-listen]\n"
    cfg = load_config(write(tmp_path, BASE + ok))
    assert cfg.reps.users == ("U0123ABCD", "W0123ABCD") and cfg.reps.usergroups == ("S0123ABCD",)
    assert cfg.reps.channel == "C0123ABCD" and cfg.channels[0].channel == "G0123ABCD"


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.yaml")


def test_paths_are_relative_to_the_settings_file(tmp_path):
    cfg = load_config(write(tmp_path, BASE))
    assert cfg.resolve("k") == tmp_path / "k"
    assert load_config(ROOT / "app.yaml").resolve("knowledge").is_dir()


def test_the_meaning_folders_come_from_app_yaml_or_the_environment(tmp_path):
    """The cache and model folders: unset by default (bot/cache.py's var/cache; the installed
    model package), an app.yaml key relative to the file, the environment over both."""
    plain = load_config(write(tmp_path, BASE), environ={})
    assert plain.cache_folder() is None and plain.model_folder() is None
    keyed = load_config(write(tmp_path, BASE + "cache_dir: var/vectors\nmodel_dir: /opt/minilm\n"), environ={})
    assert keyed.cache_folder() == tmp_path / "var" / "vectors"
    assert str(keyed.model_folder()) == "/opt/minilm"
    env = {"BIGLISTEN_CACHE_DIR": str(tmp_path / "elsewhere"), "BIGLISTEN_MODEL_DIR": str(tmp_path / "model"),
           "BIGLISTEN_UNRELATED": "x"}
    moved = load_config(write(tmp_path, BASE + "cache_dir: var/vectors\nmodel_dir: /opt/minilm\n"), environ=env)
    assert moved.cache_folder() == tmp_path / "elsewhere"
    assert moved.model_folder() == tmp_path / "model"
    assert load_config(write(tmp_path, BASE), environ={"BIGLISTEN_CACHE_DIR": ""}).cache_folder() is None


def test_a_folder_in_the_environment_is_relative_to_the_working_directory(tmp_path, monkeypatch):
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    settings = tmp_path / "etc" / "app.yaml"
    settings.parent.mkdir()
    settings.write_text(BASE, encoding="utf-8")
    cfg = load_config(settings, environ={"BIGLISTEN_CACHE_DIR": "cache", "BIGLISTEN_MODEL_DIR": "../model"})
    assert cfg.cache_folder() == tmp_path / "here" / "cache"
    assert cfg.model_folder() == tmp_path / "model"


@pytest.mark.parametrize("section, key, value, says", [
    ("storage", "retention_days", 0, "from 1 to 36,500"),      # 0 kept nothing: every question and vote was purged
    ("storage", "retention_days", -5, "from 1 to 36,500"),
    ("reps", "escalate_hours", -3, "from 1 to 87,600"),
    ("reps", "review_days", 0, "from 1 to 36,500"),
    # Round 21: review_days 1000000000 was accepted and showed reps a review due in the year 2,739,933
    ("reps", "review_days", 10**9, "from 1 to 36,500, got 1000000000"),
    ("reps", "review_grace_days", 10**9, "from 1 to 36,500"),
    ("reps", "cache_seconds", -1, "0 or more"),
    ("search", "max_suggestions", -2, "0 or more"),
    ("search", "suggestion_threshold", 5, "between 0 and 1"),
    ("search", "answer_chance", 1.5, "below 1"),
])
def test_numbers_out_of_range_are_refused_with_the_key(tmp_path, section, key, value, says):
    """From the round 14 audit: these loaded, and `health` said all was well."""
    with pytest.raises(ConfigError, match=rf"{section}\.{key}'.*{says}"):
        load_config(write(tmp_path, BASE + f"{section}:\n  {key}: {value}\n"))


def test_answer_chance_sets_where_the_model_answers(tmp_path):
    """search.answer_threshold only ever applied to words alone: with the model installed, as
    `make` installs it, no key moved the answer/decline line (an audit set 1.0: nothing changed)."""
    from dataclasses import replace

    from bot.config import SearchSettings
    from bot.search import load_index
    config = load_config(ROOT / "app.yaml")
    index = load_index(config)
    question = "what should I put for the safeguarding separate judgement question"
    assert index.find_matches(question).answered
    strict = load_index(replace(config, search=replace(config.search, answer_chance=0.999)))
    assert isinstance(config.search, SearchSettings) and not strict.find_matches(question).answered


def test_base_dir_is_neither_settable_nor_listed_as_known(tmp_path):
    """It is the settings file's folder, set on loading: the unknown-field message listed it
    among the keys one may write, then refused it when written."""
    with pytest.raises(ConfigError) as e:
        load_config(write(tmp_path, BASE + "bogus: 1\n"))
    assert "known fields: " in str(e.value) and "base_dir" not in str(e.value).split("known fields: ")[1]
    with pytest.raises(ConfigError, match=r":5: key 'base_dir': unknown field"):
        load_config(write(tmp_path, BASE + "base_dir: /etc\n"))


@pytest.mark.parametrize("value", [".inf", ".nan", "-1", "100000"])
def test_reload_seconds_must_be_a_real_wait(tmp_path, value):
    """Round 21, from a bug hunt: .inf was accepted and the pack watcher never looked again (edits
    were never picked up); .nan was accepted and it died or spun."""
    with pytest.raises(ConfigError, match=r"key 'reload_seconds': must be from 0 to 86,400, got"):
        load_config(write(tmp_path, BASE + f"reload_seconds: {value}\n"))
    with pytest.raises(ConfigError, match=r"key 'reload_seconds': must be 0 \(never\) or at least 0\.1, got 0\.0001"):
        load_config(write(tmp_path, BASE + "reload_seconds: 0.0001\n"))   # the round's review: a busy loop
    assert load_config(write(tmp_path, BASE + "reload_seconds: 0\n")).reload_seconds == 0
