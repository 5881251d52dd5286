"""Shared fixtures: the bundled pack and index, a temporary knowledge folder, the CLI."""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import load_config
from bot.knowledge import load_pack
from bot.search import Index

ROOT = Path(__file__).resolve().parent.parent
PACK_DIR = ROOT / "knowledge" / "big-listen"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def config():
    return load_config(ROOT / "app.yaml", environ={})   # not the developer's folders: the project's


@pytest.fixture(scope="session")
def pack():
    return load_pack(PACK_DIR)


def normalised(text: str) -> str:
    """Text as quotations are compared with their sources: curly quotes and whitespace evened out."""
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="session")
def sources(pack):
    """Each of the bundled pack's source documents, `normalised`, by source id."""
    folder = SHARED / "sources"
    return {sid: normalised((folder / s.file).read_text(encoding="utf-8")) for sid, s in pack.sources.items()}


@pytest.fixture(scope="session")
def index(pack, config):
    s = config.search
    return Index(pack, s.answer_threshold, s.suggestion_threshold, s.max_suggestions)


@pytest.fixture(scope="session")
def searcher(config):
    """The search as the bot runs it: words and the meaning signal (loaded once per run)."""
    from bot.search import load_index

    s = load_index(config)
    assert s.meaning is not None, "the meaning model isn't installed: run `make test` to set up .venv"
    return s


@pytest.fixture(scope="module")
def fake():
    """A fake Slack Web API on 127.0.0.1 that records every call: one per test module."""
    from fake_slack import FakeSlack

    with FakeSlack() as f:
        yield f


@pytest.fixture(params=["sqlite", "postgresql"])
def location(request, tmp_path) -> str:
    """Where a fresh, empty store lives, once per backend: a SQLite file path or a PostgreSQL
    URL on the throwaway server (tests/pg_server.py). The store contract tests use it."""
    if request.param == "sqlite":
        return str(tmp_path / "bot.sqlite3")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def opener():
    """open_store, closing every store (and its connection pool) when the test ends."""
    from bot.store import open_store

    opened = []

    def open_(location):
        opened.append(open_store(location))
        return opened[-1]

    yield open_
    for s in opened:
        getattr(s, "close", lambda: None)()


@pytest.fixture
def store(location, opener):
    return opener(location)


@pytest.fixture
def pack_copy(tmp_path) -> Path:
    """A writable copy of the bundled pack, for tests that break it on purpose."""
    dest = tmp_path / "pack"
    shutil.copytree(PACK_DIR, dest)
    return dest


def run_cli(*args: str, stdin: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run `python -m bot ...` as a fresh process, the way a user or another tool would."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True,
                          text=True, cwd=ROOT, env=full_env, timeout=60)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """When a test that used a running bot server fails, show the end of that server's log."""
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for value in getattr(item, "funcargs", {}).values():
            if callable(getattr(value, "log_tail", None)):
                report.sections.append(("bot server log (last lines)", value.log_tail()))


@pytest.fixture(scope="session")
def postgres_server():
    """A throwaway PostgreSQL cluster for the whole run (tests/pg_server.py), removed at the end.
    Missing server binaries skip the PostgreSQL tests on a developer's machine and fail them in CI."""
    from pg_server import PostgresServer, find_bindir

    if find_bindir() is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL server binaries are missing: .ci/run should have installed them")
        pytest.skip("PostgreSQL server binaries not installed (apt-get install postgresql)")
    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture
def pg_url(postgres_server):
    """A fresh, empty database on the throwaway server (with its password in the URL), dropped afterwards."""
    with throwaway_database(postgres_server) as url:
        yield url


@contextlib.contextmanager
def throwaway_database(postgres_server, prefix: str = "t"):
    """A new database on the throwaway server: its URL (with the password), dropped afterwards."""
    import uuid

    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server.url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield postgres_server.database_url(name)
    with psycopg.connect(postgres_server.url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
