"""The bot's settings: app.yaml, loaded once into a typed Config and passed in.

No other module reads app.yaml or the environment; tests build a Config directly.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from bot.errors import ConfigError, KnowledgeError
from bot.schema import build, load_yaml

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "app.yaml"


@dataclass(frozen=True)
class SearchSettings:
    answer_threshold: float = 0.13
    suggestion_threshold: float = 0.05
    max_suggestions: int = 3


@dataclass(frozen=True)
class RepSettings:
    users: tuple[str, ...] = ()
    usergroups: tuple[str, ...] = ()
    cache_seconds: int = 300
    channel: str | None = None     # the reps' channel id: "Ask a rep" posts members' questions there
    review_days: int = 90          # a kept rep answer older than this is sent to reps for review
    review_grace_days: int = 14    # ... and stops being shown this long after, unless re-confirmed
    escalate_hours: int = 24       # an unanswered request is raised again (once) after this long


@dataclass(frozen=True)
class StorageSettings:
    path: str = "var/bot.sqlite3"
    # sqlite:///relative/path, sqlite:////absolute/path, postgresql://user@host/db (no password
    # here: PGPASSWORD), or ${DATABASE_URL} (the whole URL from that variable). See bot.store_location.
    url: str = ""
    retention_days: int = 180


@dataclass(frozen=True)
class Config:
    organisation: str
    contact: str
    slash_command: str
    knowledge_path: str
    bot_name: str = "Big Listen guidance"
    socket_mode: bool = True
    search: SearchSettings = field(default_factory=SearchSettings)
    reps: RepSettings = field(default_factory=RepSettings)
    storage: StorageSettings = field(default_factory=StorageSettings)
    base_dir: str = ""

    def resolve(self, path: str) -> Path:
        """Paths in app.yaml are relative to the file itself, not the working directory."""
        p = Path(path)
        return p if p.is_absolute() else Path(self.base_dir) / p


def load_config(path: str | os.PathLike | None = None) -> Config:
    """Read app.yaml; any problem is a ConfigError naming the key."""
    path = Path(path or DEFAULT_PATH)
    if not path.exists():
        raise ConfigError(f"{path}: settings file not found")
    try:
        data = load_yaml(str(path))
        if isinstance(data, dict) and "base_dir" in data:
            raise ConfigError(f"{path}: unknown key 'base_dir'")
        cfg = build(Config, data)
    except KnowledgeError as e:
        key = f"key '{e.field}': " if e.field else ""
        line = f":{e.line}" if e.line else ""
        raise ConfigError(f"{path}{line}: {key}{e.what}") from None
    if not cfg.slash_command.startswith("/"):
        raise ConfigError(f"{path}: key 'slash_command': must start with '/', got {cfg.slash_command!r}")
    if cfg.storage.url:
        from bot.store_location import check_url
        check_url(cfg.storage.url, where=f"{path}: key 'storage.url'")
    if not 0 < cfg.search.answer_threshold <= 1:
        raise ConfigError(f"{path}: key 'search.answer_threshold': must be between 0 and 1")
    return Config(**{**cfg.__dict__, "base_dir": str(path.resolve().parent)})
