from __future__ import annotations

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


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.yaml")


def test_paths_are_relative_to_the_settings_file(tmp_path):
    cfg = load_config(write(tmp_path, BASE))
    assert cfg.resolve("k") == tmp_path / "k"
    assert load_config(ROOT / "app.yaml").resolve("knowledge").is_dir()
