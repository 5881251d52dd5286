"""Where the store is: app.yaml's `storage.url` (or the older `storage.path`) made into what
`bot.store.open_store` opens.

- `sqlite:///var/bot.sqlite3`: a SQLite file, relative to app.yaml (`sqlite:////srv/bot.db` is absolute);
- `postgresql://bot@db.internal:5432/biglisten`: PostgreSQL, the password from the environment
  (`PGPASSWORD`, or a `~/.pgpass` file: libpq reads both), never from the file;
- `${DATABASE_URL}`: the whole URL, password included, from that environment variable.

Without `storage.url`, `storage.path` names the SQLite file (default var/bot.sqlite3).
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

from bot.config import Config, StorageSettings
from bot.errors import ConfigError

ENV_REFERENCE = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")
SCHEMES = ("sqlite", "postgresql", "postgres")


def check_url(url: str, *, where: str) -> None:
    """A `storage.url` as written in app.yaml: a known scheme and no password."""
    if ENV_REFERENCE.match(url.strip()):
        return
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme not in SCHEMES:
        raise ConfigError(f"{where}: must start with sqlite:/// or postgresql://, or be ${{DATABASE_URL}}")
    if scheme == "sqlite":
        if not url.startswith("sqlite:///") or len(url) == len("sqlite:///"):
            raise ConfigError(f"{where}: a SQLite URL is sqlite:///relative/path or sqlite:////absolute/path")
        return
    try:
        parts = urlsplit(url)
        has_password = parts.password is not None or "password=" in (parts.query or "")
    except ValueError as e:
        raise ConfigError(f"{where}: not a valid URL ({e})") from None
    try:   # as libpq reads it: "?%70assword=..." is a password too
        from psycopg.conninfo import conninfo_to_dict
        has_password = has_password or "password" in conninfo_to_dict(url)
    except Exception:
        raise ConfigError(f"{where}: not a valid PostgreSQL URL") from None
    if has_password:
        raise ConfigError(f"{where}: a password must not be written in the settings file: set PGPASSWORD, or put the "
                          "whole URL in an environment variable and write url: ${DATABASE_URL}")


def storage_location(config: Config, environ=os.environ) -> str | Path:
    """A file path (SQLite) or a postgresql:// URL (which may carry a password from the environment)."""
    url = config.storage.url.strip()
    if not url:
        return config.resolve(config.storage.path)
    reference = ENV_REFERENCE.match(url)
    if reference:
        name = reference.group(1)
        url = (environ.get(name) or "").strip()
        if not url:
            raise ConfigError(f"{name} is not set: {store_setting(config)} reads the store's URL from it "
                              "(e.g. postgresql://bot:PASSWORD@db-host:5432/biglisten)")
        if not url.startswith(("postgresql://", "postgres://", "sqlite:///")):
            raise ConfigError(f"{name} must hold a postgresql:// or sqlite:/// URL")
    if url.startswith("sqlite:///"):
        rest = url[len("sqlite:///"):]
        return Path(rest) if rest.startswith("/") else config.resolve(rest)
    return url


def store_setting(config: Config) -> str:
    """The setting that names the store, and the file it is in, as messages about the store name it."""
    return config.setting("storage.url" if config.storage.url.strip() else "storage.path")


def check_store_folder(config: Config, location: str | Path) -> None:
    """A SQLite store's folder is there, or a ConfigError naming it, the setting and the settings
    file. Opening a store makes it, folders and all: serve at a mistyped folder
    (/var/lib/bigilsten/bot.sqlite3) ran on a new, empty store, members' history and pins
    seemingly gone. The default folder alone (var/ beside the settings file) may be made, for any
    store in it: a fresh clone has none (`make run`, the demo's examples/var/demo.sqlite3)."""
    if isinstance(location, Path) and not location.parent.exists() \
            and location.parent != config.resolve(StorageSettings.path).parent:
        raise ConfigError(f"no folder {location.parent} for the store {location} (check {store_setting(config)})")
