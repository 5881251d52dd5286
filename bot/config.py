"""The bot's settings: app.yaml, loaded once into a typed Config and passed in.

No other module reads app.yaml, nor the folders in the environment (ENVIRONMENT below). What
only a running server needs is read where it starts, passed in as `environ`: the tokens, port
and workers (bot/app.py), the database URL (bot/store_location.py), the metrics folder and port
(bot/metrics.py, bot/ops.py). Tests build a Config directly.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from bot.errors import ConfigError, KnowledgeError
from bot.schema import build, contact_problem, load_yaml

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "app.yaml"


@dataclass(frozen=True)
class SearchSettings:
    answer_threshold: float = 0.13      # words alone: the score to answer at (no meaning model installed)
    answer_chance: float = 0.0          # with it: the modelled chance to answer at (0: the fitted 0.65)
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
class ChannelPacks:
    """A channel that uses only some of the packs (by their `name` in pack.yaml)."""
    channel: str
    packs: tuple[str, ...]


@dataclass(frozen=True)
class Config:
    organisation: str
    contact: str
    slash_command: str
    # The knowledge packs, one folder each; the first is the default (reports, the
    # walk-through's first choice). `knowledge_path` is the older one-pack form: it still
    # works alone, and after loading it always names the first pack.
    knowledge_path: str = ""
    packs: tuple[str, ...] = ()
    channels: tuple[ChannelPacks, ...] = ()
    reload_seconds: float = 2.0     # how often the running bot looks for edited packs (0: never)
    bot_name: str = "Big Listen guidance"
    socket_mode: bool = True
    search: SearchSettings = field(default_factory=SearchSettings)
    reps: RepSettings = field(default_factory=RepSettings)
    storage: StorageSettings = field(default_factory=StorageSettings)
    # The meaning signal's folders (bot/meaning.py): where what it computes once per pack is
    # kept ($BIGLISTEN_CACHE_DIR, else this key, else var/cache), and the sentence model's own
    # files ($BIGLISTEN_MODEL_DIR, else this key, else the installed model package's)
    cache_dir: str = ""
    model_dir: str = ""
    base_dir: str = field(default="", metadata={"from_yaml": False})   # the settings file's folder, set on loading
    # the settings file read (--config), as messages name it: "app.yaml" was named for any file
    settings_file: str = field(default="", metadata={"from_yaml": False})
    packs_key: str = field(default="packs", metadata={"from_yaml": False})   # or the older "knowledge_path"

    def pack_paths(self) -> list[Path]:
        """Every configured pack folder, the default first."""
        return [self.resolve(p) for p in (self.packs or (self.knowledge_path,))]

    def setting(self, key: str) -> str:
        """`key` as a message names it, with the file it is set in: "storage.path in /etc/bot/app.yaml"."""
        return f"{key} in {self.settings_file or 'app.yaml'}"

    def check_pack_folders(self) -> None:
        """Every pack folder the settings name is a folder; if not, a ConfigError naming it and its key
        (`health` had said "not ready", exit 1, as for a pack being edited: a misspelt folder never is)."""
        for i, folder in enumerate(self.pack_paths()):
            if not folder.is_dir():
                key = f"packs[{i}]" if self.packs_key == "packs" else self.packs_key
                what = "not a folder" if folder.exists() else "no such folder"
                raise ConfigError(f"{folder}: {what} (check {self.setting(key)})")

    def cache_folder(self) -> Path | None:
        """The meaning signal's cache folder, if one is set (else bot/cache.py's default)."""
        return self.resolve(self.cache_dir) if self.cache_dir else None

    def model_folder(self) -> Path | None:
        """The sentence model's folder, if one is set (else the installed package's)."""
        return self.resolve(self.model_dir) if self.model_dir else None

    def resolve(self, path: str) -> Path:
        """Paths in app.yaml are relative to the file itself, not the working directory."""
        p = Path(path)
        return p if p.is_absolute() else Path(self.base_dir) / p


# the environment's settings, over app.yaml's (a deployment moves a folder without editing it)
ENVIRONMENT = {"cache_dir": "BIGLISTEN_CACHE_DIR", "model_dir": "BIGLISTEN_MODEL_DIR"}


# Slack ids, as the settings must give them: a name ("@sam", "#reps") where an id belongs was
# accepted, and then read as "not a rep" or "I'm not in the reps' channel" (wrong advice).
SLACK_IDS = {"user": (re.compile(r"[UW][A-Z0-9]+"), "U0123ABCD: a member's profile → ⋮ → Copy member ID"),
             "user group": (re.compile(r"S[A-Z0-9]+"), "S0123ABCD: the group's page → ⋮ → Copy group ID"),
             "channel": (re.compile(r"[CGD][A-Z0-9]+"), "C0123ABCD: the channel's details → About, at the "
                                                            "bottom")}


def _check_ids(cfg: Config, path: Path) -> None:
    """Every Slack id in the settings has an id's shape, or start-up says which key and where to find one."""
    keys = [(f"reps.users[{i}]", "user", v) for i, v in enumerate(cfg.reps.users)]
    keys += [(f"reps.usergroups[{i}]", "user group", v) for i, v in enumerate(cfg.reps.usergroups)]
    keys += [("reps.channel", "channel", cfg.reps.channel)] if cfg.reps.channel else []
    keys += [(f"channels[{i}].channel", "channel", c.channel) for i, c in enumerate(cfg.channels)]
    for key, kind, value in keys:
        shape, where = SLACK_IDS[kind]
        if not shape.fullmatch(value):
            raise ConfigError(f"{path}: key '{key}': {value!r} is not a Slack {kind} id (like {where})")


def load_config(path: str | os.PathLike | None = None, environ=os.environ) -> Config:
    """Read app.yaml, then the environment's settings (ENVIRONMENT); any problem is a
    ConfigError naming the key."""
    path = Path(path or DEFAULT_PATH)
    if not path.exists():
        raise ConfigError(f"{path}: settings file not found")
    try:
        data = load_yaml(str(path))
        cfg = build(Config, data)
    except KnowledgeError as e:
        key = f"key '{e.field}': " if e.field else ""
        line = f":{e.line}" if e.line else ""
        raise ConfigError(f"{path}{line}: {key}{e.what}") from None
    if contact_problem(cfg.contact):
        raise ConfigError(f"{path}: key 'contact': {contact_problem(cfg.contact)}")
    if not cfg.slash_command.startswith("/"):
        raise ConfigError(f"{path}: key 'slash_command': must start with '/', got {cfg.slash_command!r}")
    if len(cfg.slash_command) < 2 or any(c.isspace() for c in cfg.slash_command):
        # Slack reads everything after the first space as the command's text: it can't have this one
        raise ConfigError(f"{path}: key 'slash_command': must be '/' and one word, no spaces (e.g. /biglisten), "
                          f"got {cfg.slash_command!r}")
    if cfg.storage.url:
        from bot.store_location import check_url
        check_url(cfg.storage.url, where=f"{path}: key 'storage.url'")
    if not 0 < cfg.search.answer_threshold <= 1:
        raise ConfigError(f"{path}: key 'search.answer_threshold': must be between 0 and 1")
    if not 0 <= cfg.search.answer_chance < 1:
        raise ConfigError(f"{path}: key 'search.answer_chance': must be 0 (the fitted value) or a chance below 1")
    if not 0 <= cfg.search.suggestion_threshold <= 1:
        raise ConfigError(f"{path}: key 'search.suggestion_threshold': must be between 0 and 1")
    for key, value in (("search.max_suggestions", cfg.search.max_suggestions),
                       ("reps.cache_seconds", cfg.reps.cache_seconds)):
        if value < 0:
            raise ConfigError(f"{path}: key '{key}': must be 0 or more, got {value}")
    # Upper bounds too: a watcher waiting .inf seconds never looked again (.nan: it spun), and no
    # one means a review due in the year 2,739,933 (review_days: 1000000000 showed that date).
    for key, value, least, most in (("reload_seconds", cfg.reload_seconds, 0, 86_400),
                                    # retention_days 0 kept nothing: every question and vote was purged
                                    ("storage.retention_days", cfg.storage.retention_days, 1, 36_500),
                                    ("reps.review_days", cfg.reps.review_days, 1, 36_500),
                                    ("reps.review_grace_days", cfg.reps.review_grace_days, 1, 36_500),
                                    ("reps.escalate_hours", cfg.reps.escalate_hours, 1, 87_600)):
        if not least <= value <= most:   # False for .nan too
            raise ConfigError(f"{path}: key '{key}': must be from {least} to {most:,}, got {value}")
    if 0 < cfg.reload_seconds < 0.1:   # the watcher would read every pack file thousands of times a second
        raise ConfigError(f"{path}: key 'reload_seconds': must be 0 (never) or at least 0.1, got {cfg.reload_seconds}")
    if cfg.packs and cfg.knowledge_path:
        raise ConfigError(f"{path}: keys 'packs' and 'knowledge_path' are both set: list every pack under "
                          f"'packs' and remove 'knowledge_path' (the older one-pack form)")
    if not cfg.packs and not cfg.knowledge_path:
        raise ConfigError(f"{path}: key 'packs' is missing: list the knowledge pack folders, "
                          f"e.g. packs: [knowledge/big-listen]")
    _check_ids(cfg, path)
    seen: set[str] = set()
    for i, c in enumerate(cfg.channels):
        if not c.packs:   # read as "every pack", it would quietly lift the channel's restriction
            raise ConfigError(f"{path}: key 'channels[{i}].packs': name at least one pack, or leave the channel out")
        if c.channel in seen:
            raise ConfigError(f"{path}: key 'channels[{i}].channel': {c.channel} is listed twice")
        seen.add(c.channel)
    packs = cfg.packs or (cfg.knowledge_path,)
    # a folder in the environment is relative to the working directory, as a shell user means it
    from_env = {key: os.path.abspath(os.path.expanduser(environ[name].strip()))
                for key, name in ENVIRONMENT.items() if environ.get(name, "").strip()}
    return Config(**{**cfg.__dict__, **from_env, "packs": packs, "knowledge_path": packs[0],
                     "base_dir": str(path.resolve().parent), "settings_file": str(path),
                     "packs_key": "packs" if cfg.packs else "knowledge_path"})
