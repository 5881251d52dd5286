"""Start-up problems with the store or the token: `python -m bot serve` prints one line naming the
file or the variable and what to do, and exits 2 (a documented code), never a traceback. A 0-byte,
truncated or garbage store is refused, never replaced."""
from __future__ import annotations

import os
import resource
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.store_sqlite import SQLiteStore
from conftest import ROOT
from slack_helpers import SIGNING_SECRET, free_port, http_config


def serve(fake, tmp_path: Path, db: Path, token: str = "xoxb-test", preexec=None, extra: dict | None = None,
          config: Path | None = None) -> subprocess.CompletedProcess:
    config = config or http_config(tmp_path / "app.yaml", db)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env |= dict(SLACK_BOT_TOKEN=token, SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=fake.base_url,
                PORT=str(free_port()), WEB_CONCURRENCY="1") | (extra or {})
    return subprocess.run([sys.executable, "-m", "bot", "--config", str(config), "serve"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60, preexec_fn=preexec)


def one_line(out: subprocess.CompletedProcess) -> str:
    assert out.returncode == 2, (out.returncode, out.stderr[-2000:])
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in out.stderr, out.stderr[-2000:]
    assert lines[0].startswith("error: ")
    return lines[0]


def test_a_zero_byte_store_is_refused_not_replaced(fake, tmp_path):
    db = tmp_path / "bot.sqlite3"
    db.write_bytes(b"")
    line = one_line(serve(fake, tmp_path, db))
    assert str(db) in line and "empty" in line and "backup" in line
    assert db.read_bytes() == b""


def test_a_garbage_store_is_refused(fake, tmp_path):
    db = tmp_path / "bot.sqlite3"
    db.write_bytes(b"this is not a database\n" * 100)
    line = one_line(serve(fake, tmp_path, db))
    assert str(db) in line and "not an SQLite database" in line


def test_a_truncated_store_is_refused(fake, tmp_path):
    db = tmp_path / "bot.sqlite3"
    store = SQLiteStore(db)
    for i in range(3000):
        store.log_question(via="dm", text=f"question {i} " + "x" * 200, answered=False)
    store.connection().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.connection().close()
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 2])
    line = one_line(serve(fake, tmp_path, db))
    assert str(db) in line and ("damaged" in line or "malformed" in line)


def test_a_folder_where_the_store_should_be_is_refused(fake, tmp_path):
    db = tmp_path / "bot.sqlite3"
    db.mkdir()
    line = one_line(serve(fake, tmp_path, db))
    assert str(db) in line and "folder" in line


def test_a_file_where_the_store_folder_should_be_is_refused(fake, tmp_path):
    (tmp_path / "var").write_text("a file")
    db = tmp_path / "var" / "bot.sqlite3"
    line = one_line(serve(fake, tmp_path, db))
    assert str(tmp_path / "var") in line and "is a file, not a folder" in line


@pytest.mark.parametrize("key", ["path", "url"])
def test_a_store_folder_that_is_not_there_is_refused_not_made(fake, tmp_path, key):
    """The admin hunt: serve at a mistyped folder (storage.path: /var/lib/bigilsten/bot.sqlite3)
    made it and ran on a new, empty store: members' history and pins "gone". It is refused first,
    naming the folder, the setting and the settings file read (nothing is asked of Slack: no URL)."""
    db = tmp_path / "bigilsten" / "bot.sqlite3"
    config = http_config(tmp_path / "other.yaml", db)
    if key == "url":
        config.write_text(config.read_text(encoding="utf-8").replace(f"path: {db}", f"url: sqlite:///{db}"),
                          encoding="utf-8")
    line = one_line(serve(fake, tmp_path, db, config=config, extra={"SLACK_API_URL": "http://127.0.0.1:9/api/"}))
    assert line == f"error: no folder {db.parent} for the store {db} (check storage.{key} in {config})"
    assert not db.parent.exists()


def test_the_default_store_folder_is_made_on_a_fresh_clone(fake, tmp_path):
    """A fresh clone has no var/ (.gitignored): `make run` with a token serves, making
    var/bot.sqlite3 beside the settings file, as the project's app.yaml names it."""
    import yaml

    from bot.app import SlackEnv, preflight
    from bot.config import load_config

    data = yaml.safe_load((ROOT / "app.yaml").read_text(encoding="utf-8"))
    data["packs"] = [str(ROOT / pack) for pack in data["packs"]]
    assert data["storage"]["path"] == "var/bot.sqlite3"
    (tmp_path / "app.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    preflight(load_config(tmp_path / "app.yaml", environ={}), SlackEnv(bot_token="xoxb-test", api_url=fake.base_url))
    assert (tmp_path / "var" / "bot.sqlite3").is_file()


def test_the_demo_settings_serve_on_a_fresh_clone(fake, tmp_path):
    """Review of round 29: the store-folder check refused examples/two-packs.yaml on a fresh
    clone (its ../var/demo.sqlite3 wasn't the default file). Any store in the default folder,
    var/ beside the settings file, may have that folder made."""
    import yaml

    from bot.app import SlackEnv, preflight
    from bot.config import load_config

    data = yaml.safe_load((ROOT / "examples" / "two-packs.yaml").read_text(encoding="utf-8"))
    data["packs"] = [str((ROOT / "examples" / pack).resolve()) for pack in data["packs"]]
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / "two-packs.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    preflight(load_config(tmp_path / "examples" / "two-packs.yaml", environ={}),
              SlackEnv(bot_token="xoxb-test", api_url=fake.base_url))
    assert (tmp_path / "examples" / "var" / "demo.sqlite3").is_file()


def test_a_read_only_store_is_refused(fake, tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    db = folder / "bot.sqlite3"
    SQLiteStore(db).connection().close()
    for leftover in folder.glob("bot.sqlite3-*"):
        leftover.unlink()
    if os.geteuid() == 0:   # root ignores permissions: make it immutable instead
        flag = subprocess.run(["chattr", "+i", str(db), str(folder)], capture_output=True)
        if flag.returncode != 0:
            pytest.skip("running as root on a file system without chattr +i")
    else:
        db.chmod(0o444)
        folder.chmod(0o555)
    try:
        line = one_line(serve(fake, tmp_path, db))
    finally:
        subprocess.run(["chattr", "-i", str(db), str(folder)], capture_output=True)
        folder.chmod(0o755)
        db.chmod(0o644)
    assert str(db) in line and "can't" in line and "permissions" in line


def test_a_full_disk_at_start_up_is_one_line(fake, tmp_path):
    db = tmp_path / "bot.sqlite3"

    def disk_full():   # every file write past its first byte fails with EFBIG, as on a full disk
        resource.setrlimit(resource.RLIMIT_FSIZE, (1, resource.RLIM_INFINITY))

    line = one_line(serve(fake, tmp_path, db, preexec=disk_full))
    assert str(db) in line and "free space" in line


def test_a_refused_token_is_one_line_naming_the_variable(fake, tmp_path):
    fake.set_response("auth.test", {"ok": False, "error": "invalid_auth"})
    try:
        line = one_line(serve(fake, tmp_path, tmp_path / "bot.sqlite3", token="xoxb-revoked"))
    finally:
        fake.set_response("auth.test", None)
    assert "SLACK_BOT_TOKEN" in line and "invalid_auth" in line and "xoxb-revoked" not in line


def test_the_store_still_opens_after_those_checks(tmp_path):
    """The checks refuse what they should, and nothing else: a new and an existing store open."""
    db = tmp_path / "bot.sqlite3"
    SQLiteStore(db).log_question(via="dm", text="q", answered=False)
    assert [q.text for q in SQLiteStore(db).questions()] == ["q"]
    assert sqlite3.connect(db).execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_port_out_of_range_is_one_line(fake, tmp_path):
    """Audit: PORT=99999 reached gunicorn's bind and exited 1 with an OverflowError traceback."""
    line = one_line(serve(fake, tmp_path, tmp_path / "bot.sqlite3", extra={"PORT": "99999"}))
    assert line == "error: PORT must be a whole number from 1 to 65535, got '99999'"


@pytest.mark.parametrize("value", ["0", "-2", "two"])
def test_no_workers_is_one_line_saying_how_many_it_takes(fake, tmp_path, value):
    """Hunt (the command line): WEB_CONCURRENCY=0 said "must be a whole number, got '0'", which
    0 is: the admin was not told that at least one worker is needed."""
    import os
    most = max(4, 4 * len(os.sched_getaffinity(0)))   # (round 27: and at most four a core)
    line = one_line(serve(fake, tmp_path, tmp_path / "bot.sqlite3", extra={"WEB_CONCURRENCY": value}))
    assert line == f"error: WEB_CONCURRENCY must be a whole number from 1 to {most}, got {value!r}"


def test_too_many_workers_is_one_line_before_any_starts(fake, tmp_path):
    """Round 27's admin hunt: WEB_CONCURRENCY=500 started 500 workers, each loading the search
    model; the load reached 200 and the workers outlived the stopped server by a minute. At most
    four a core (at least 4), said with why."""
    import os
    most = max(4, 4 * len(os.sched_getaffinity(0)))
    line = one_line(serve(fake, tmp_path, tmp_path / "bot.sqlite3", extra={"WEB_CONCURRENCY": "500"}))
    assert line.startswith(f"error: WEB_CONCURRENCY must be a whole number from 1 to {most}, got '500' (this "
                           "machine has "), line
    assert "search model" in line


def test_a_port_in_use_is_one_line(fake, tmp_path):
    """Audit: gunicorn tried a port in use five times, a line each, then exited 1."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        line = one_line(serve(fake, tmp_path, tmp_path / "bot.sqlite3", extra={"PORT": str(port)}))
    assert line.startswith(f"error: PORT {port}: can't listen there") and "free port" in line


def test_a_metrics_port_in_use_in_socket_mode_is_one_line(fake, tmp_path):
    """Audit: Socket Mode with METRICS_PORT on a port in use ended in an OSError traceback."""
    config = http_config(tmp_path / "app.yaml", tmp_path / "bot.sqlite3")
    config.write_text(config.read_text(encoding="utf-8").replace("socket_mode: false", "socket_mode: true"),
                      encoding="utf-8")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        line = one_line(serve(fake, tmp_path, tmp_path / "bot.sqlite3", config=config,
                              extra={"SLACK_APP_TOKEN": "xapp-test", "METRICS_PORT": str(port),
                                     "METRICS_HOST": "127.0.0.1"}))
    assert line.startswith(f"error: METRICS_PORT {port}: can't listen on 127.0.0.1:{port}"), line


def test_a_bad_metrics_port_is_said_with_the_other_numbers_before_any_token(fake, tmp_path):
    """METRICS_PORT's value was checked only as Socket Mode was about to serve: an admin whose app
    token was refused fixed it, started again, and only then heard of METRICS_PORT; over HTTP it
    wasn't checked at all. Now it is checked with PORT and the others, all said in one line."""
    fake.set_response("apps.connections.open", {"ok": False, "error": "invalid_auth"})
    try:
        line = one_line(serve(fake, tmp_path, tmp_path / "bot.sqlite3", config=socket_config(tmp_path),
                              extra={"SLACK_APP_TOKEN": "xapp-refused", "METRICS_PORT": "http"}))
    finally:
        fake.set_response("apps.connections.open", None)
    assert line == "error: METRICS_PORT must be a whole number from 1 to 65535, got 'http'"
    line = one_line(serve(fake, tmp_path, tmp_path / "bot.sqlite3", extra={"PORT": "99999", "METRICS_PORT": "0"}))
    assert line == ("error: PORT must be a whole number from 1 to 65535, got '99999'; "
                    "METRICS_PORT must be a whole number from 1 to 65535, got '0'")


def socket_config(tmp_path: Path) -> Path:
    config = http_config(tmp_path / "app.yaml", tmp_path / "bot.sqlite3")
    config.write_text(config.read_text(encoding="utf-8").replace("socket_mode: false", "socket_mode: true"),
                      encoding="utf-8")
    return config


@pytest.mark.parametrize("token, refusal, says", [
    ("xapp-revoked", {"ok": False, "error": "invalid_auth"}, "SLACK_APP_TOKEN was refused by Slack (invalid_auth)"),
    ("xapp-of-another-kind", {"ok": False, "error": "not_allowed_token_type"},
     "SLACK_APP_TOKEN was refused by Slack (not_allowed_token_type)"),
    ("xoxb-not-an-app-token", None, "SLACK_APP_TOKEN holds a bot token (xoxb-...), which belongs in SLACK_BOT_TOKEN"),
    ("xapp-1\nsecret", None, "SLACK_APP_TOKEN holds a character no Slack token has"),   # pasted across lines
])
def test_a_refused_or_malformed_app_token_is_one_line_naming_it(fake, tmp_path, token, refusal, says):
    """Round 21's hunt: the app token was never checked, so Socket Mode exited 1 with a traceback
    (a malformed one printed the whole token into the log)."""
    fake.set_response("apps.connections.open", refusal)
    try:
        out = serve(fake, tmp_path, tmp_path / "bot.sqlite3", config=socket_config(tmp_path),
                    extra={"SLACK_APP_TOKEN": token})
    finally:
        fake.set_response("apps.connections.open", None)
    line = one_line(out)
    assert line.startswith(f"error: {says}: copy the App-Level Token"), line
    assert "secret" not in out.stderr and "revoked" not in out.stderr and "not-an-app" not in out.stderr
    assert "another-kind" not in out.stderr


@pytest.mark.parametrize("token, says", [
    ("xoxp-a-person", "SLACK_BOT_TOKEN holds a user token (xoxp-...): copy the Bot User OAuth Token"),
    ("xapp-the-app", "SLACK_BOT_TOKEN holds an app-level token (xapp-...), which belongs in SLACK_APP_TOKEN: "
                     "copy the Bot User OAuth Token"),
])
def test_a_bot_token_of_the_wrong_kind_is_one_line_naming_its_kind(fake, tmp_path, token, says):
    """A user token (OAuth & Permissions shows it above the bot's when the app has user scopes)
    passes auth.test: the bot started and would have posted as that person. An app-level token
    was refused by Slack's code alone (not_allowed_token_type), not said to be the other variable's."""
    line = one_line(serve(fake, tmp_path, tmp_path / "bot.sqlite3", token=token))
    assert line.startswith(f"error: {says}"), line
    assert "a-person" not in line and "the-app" not in line


def test_a_signing_secret_of_spaces_is_not_set(fake, tmp_path):
    """Round 21's hunt: SLACK_SIGNING_SECRET=" " passed the start-up checks, then every gunicorn
    worker failed with a traceback, restarted about once a second, forever."""
    line = one_line(serve(fake, tmp_path, tmp_path / "bot.sqlite3", extra={"SLACK_SIGNING_SECRET": "  "}))
    assert line.startswith("error: SLACK_SIGNING_SECRET is not set"), line


def test_a_worker_that_cannot_boot_stops_the_server_with_one_line(fake, tmp_path):
    """Round 21's hunt: a worker's boot error (gunicorn's exit code 3, which tells the master to
    stop) was turned into exit code 2 inside the worker, so the master started it again about
    once a second, forever. The master stops, and says so in one line (the traceback above it)."""
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(
        "import bot.wsgi\n"
        "def boom(*a, **kw):\n"
        "    raise RuntimeError('a worker-only failure')\n"
        "bot.wsgi.create_wsgi_app = boom\n", encoding="utf-8")
    out = serve(fake, tmp_path, tmp_path / "bot.sqlite3", extra={"PYTHONPATH": str(hook)})
    assert out.returncode == 2, (out.returncode, out.stderr[-3000:])
    assert out.stderr.count("Booting worker") == 1, out.stderr[-3000:]
    assert out.stderr.rstrip().splitlines()[-1] == "error: a gunicorn worker could not start: see the lines above"


def test_a_metrics_folder_that_cant_be_made_is_one_line(fake, tmp_path):
    """A PROMETHEUS_MULTIPROC_DIR serve can't make or write (here: under a file) ended in a
    FileNotFoundError traceback from the gunicorn master."""
    (tmp_path / "a-file").write_text("")
    folder = tmp_path / "a-file" / "metrics"
    line = one_line(serve(fake, tmp_path, tmp_path / "bot.sqlite3", extra={"PROMETHEUS_MULTIPROC_DIR": str(folder)}))
    assert line.startswith(f"error: PROMETHEUS_MULTIPROC_DIR {folder}: can't keep the workers' metrics there"), line
