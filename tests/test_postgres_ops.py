"""storage.url, and the bot on PostgreSQL: settings, `health`, /readyz when the server goes away,
and two gunicorn instances sharing one database (each event answered once, whichever instance
gets it)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from bot.config import load_config
from bot.errors import ConfigError, StoreError
from bot.health import check_store
from bot.store_location import storage_location
from bot.store_postgres import MIGRATIONS as PG_MIGRATIONS
from conftest import ROOT, run_cli
from fake_slack import FakeSlack
from pg_server import PASSWORD, PostgresServer
from slack_helpers import SlackSender, bot_server, mention, posts_in, wait_until

BASE = "organisation: X\ncontact: ask us\nslash_command: /x\nknowledge_path: k\n"
ANSWERED = "should safeguarding be a separate judgement?"


def settings(tmp_path, storage: str) -> Path:
    path = tmp_path / "app.yaml"
    path.write_text(BASE + "storage:\n" + storage, encoding="utf-8")
    return path


# ---- storage.url ----------------------------------------------------------------------------------------
def test_storage_url_forms(tmp_path):
    default = load_config(settings(tmp_path, "  retention_days: 30\n"))
    assert storage_location(default, {}) == tmp_path / "var/bot.sqlite3"
    relative = load_config(settings(tmp_path, "  url: sqlite:///data/bot.db\n"))
    assert storage_location(relative, {}) == tmp_path / "data/bot.db"
    absolute = load_config(settings(tmp_path, "  url: sqlite:////srv/bot.db\n"))
    assert storage_location(absolute, {}) == Path("/srv/bot.db")
    pg = load_config(settings(tmp_path, "  url: postgresql://bot@db.internal:5432/biglisten\n"))
    assert storage_location(pg, {}) == "postgresql://bot@db.internal:5432/biglisten"
    from_env = load_config(settings(tmp_path, "  url: ${DATABASE_URL}\n"))
    url = "postgresql://bot:s3cret@db.internal/biglisten"
    assert storage_location(from_env, {"DATABASE_URL": url}) == url
    with pytest.raises(ConfigError, match="DATABASE_URL is not set"):
        storage_location(from_env, {})


@pytest.mark.parametrize("url", ["postgresql://bot:s3cret@db/biglisten", "postgresql://bot@db/biglisten?password=s3cret",
                                 "postgresql://bot@db/biglisten?%70assword=s3cret"])   # as libpq decodes it
def test_a_password_in_app_yaml_is_refused(tmp_path, url):
    with pytest.raises(ConfigError, match="storage.url.*password must not be written") as refused:
        load_config(settings(tmp_path, f"  url: '{url}'\n"))
    assert "s3cret" not in str(refused.value)


@pytest.mark.parametrize("url", ["mysql://db/x", "sqlite://relative.db", "/var/bot.db"])
def test_unknown_storage_urls_are_refused(tmp_path, url):
    with pytest.raises(ConfigError, match="storage.url"):
        load_config(settings(tmp_path, f"  url: '{url}'\n"))


# ---- health on PostgreSQL -----------------------------------------------------------------------------------
def config_file(tmp_path, storage: dict) -> str:
    data = yaml.safe_load((ROOT / "app.yaml").read_text(encoding="utf-8"))
    data["packs"] = [str(ROOT / pack) for pack in data["packs"]]
    data["storage"] = storage
    data["socket_mode"] = False   # `serve` with SLACK_SIGNING_SECRET is HTTP mode (as slack_helpers.http_config)
    path = tmp_path / "app.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return str(path)


def test_health_command_on_postgres(tmp_path, pg_url):
    import psycopg

    from bot.store import open_store
    config = config_file(tmp_path, {"url": "${DATABASE_URL}"})
    # Round 21's hunt: `health` migrated the database it was pointed at (8 tables in a wrong one,
    # or a shared schema upgraded under older instances). It writes nothing, and says so.
    fresh = run_cli("--config", config, "health", env={"DATABASE_URL": pg_url})
    assert fresh.returncode == 1 and "store: FAIL: cannot open:" in fresh.stdout, fresh.stdout + fresh.stderr
    assert "no bot tables in this database (serve creates them on its first start); check storage.url" in fresh.stdout
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0] == 0
    open_store(pg_url).close()   # as serve leaves it
    out = run_cli("--config", config, "health", env={"DATABASE_URL": pg_url})
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"store: ok: schema version {len(PG_MIGRATIONS)}" in out.stdout
    wrong = run_cli("--config", config, "health", env={"DATABASE_URL": pg_url.replace(PASSWORD, "nope")})
    assert wrong.returncode == 1 and "store: FAIL" in wrong.stdout and "password authentication failed" in wrong.stdout
    assert "nope" not in wrong.stdout + wrong.stderr and "Traceback" not in wrong.stderr
    unset = run_cli("--config", config, "health")
    assert unset.returncode == 2 and "DATABASE_URL is not set" in unset.stderr


def test_a_database_user_who_may_not_create_the_tables_gets_one_line(tmp_path, pg_url):
    """PostgreSQL 15 no longer lets every user create tables in schema public: a bot user who
    isn't the database's owner (or, on an older schema, doesn't own its tables) failed start-up,
    `report` and the reps' commands with psycopg's traceback, naming neither the store nor what to do."""
    import psycopg

    role, secret = f"bot_{uuid.uuid4().hex[:8]}", "Role-Secret-4x9"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{secret}'")
    try:
        url = pg_url.replace(f"postgres:{PASSWORD}@", f"{role}:{secret}@")
        out = run_cli("--config", config_file(tmp_path, {"url": "${DATABASE_URL}"}), "report",
                      env={"DATABASE_URL": url})
        assert out.returncode == 2, out.stdout + out.stderr
        assert "Traceback" not in out.stderr and secret not in out.stdout + out.stderr
        assert out.stderr.startswith(f"error: postgresql://{role}@127.0.0.1:") and len(out.stderr.splitlines()) == 1
        assert "cannot create or migrate the bot's tables (permission denied for schema public)" in out.stderr
    finally:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(f"DROP ROLE {role}")


@pytest.mark.parametrize("url", ["postgresql://bot:s3crEt@[::1/db", "postgresql://bot:s3cr%zzEt@localhost/db"])
def test_a_malformed_database_url_is_refused_without_showing_its_password(tmp_path, url):
    """Round 13, from an audit: libpq's message quotes the URL, and `health` printed it, password
    and all; `serve` exited with a traceback holding the same text."""
    config = config_file(tmp_path, {"url": "${DATABASE_URL}"})
    for command in ("health", "serve"):
        out = run_cli("--config", config, command, env={"DATABASE_URL": url, "SLACK_BOT_TOKEN": "xoxb-test",
                                                        "SLACK_SIGNING_SECRET": "s"})
        said = out.stdout + out.stderr
        assert out.returncode in (1, 2) and "s3cr" not in said and "Traceback" not in said, (command, said)
        assert "not a valid PostgreSQL URL" in said, said


@pytest.mark.parametrize("url", ["postgresql://bot:Xy7/Qz9s3cr@db.invalid:5432/biglisten",
                                 "postgresql://postgres:PW@A@BCs3cr@127.0.0.1:1/postgres"])
def test_a_password_with_an_unencoded_slash_or_at_is_never_shown(tmp_path, url):
    """From the round 14 audit: libpq reads "bot:Xy7/Qz9SECRET@db..." as host "bot", port "Xy7",
    database "Qz9SECRET@db...", and the redacted URL, rebuilt from those, printed the password
    (generated passwords often hold "/"). Refused, saying what to encode, with the user and host."""
    config = config_file(tmp_path, {"url": "${DATABASE_URL}"})
    for command in ("health", "serve", "migrate-store"):
        args = ("--to", "${DATABASE_URL}") if command == "migrate-store" else ()
        out = run_cli("--config", config, command, *args, env={
            "DATABASE_URL": url, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "s"})
        said = out.stdout + out.stderr
        assert out.returncode in (1, 2) and "s3cr" not in said and "Traceback" not in said, (command, said)
        assert "must be percent-encoded" in said and "postgresql://(URL not shown)" in said, said


def test_redact_cuts_the_url_as_libpq_does_and_refuses_only_what_it_misreads():
    """The review of round 14: cut at the last "@", a password in the query ("?password=x@y")
    was kept as the "user"; and an "@" in the query, or a "?" in a password (both read right by
    libpq), were refused."""
    from psycopg.conninfo import conninfo_to_dict

    from bot.store_postgres import misread_userinfo, redact
    for url, shown in [("postgresql://bot:ab?cd#s3cr@db:5432/bl?sslmode=require", "postgresql://bot@db:5432/bl"),
                       ("postgresql://db.invalid/bl?user=bot&password=Tr0ub4s3cr@horse", "postgresql://db.invalid/bl"),
                       ("postgresql://bot@db.invalid:5432/bl?password=Tr0ub4s3cr@horse", "postgresql://bot@db.invalid:5432/bl"),
                       ("postgresql://bot@127.0.0.1:9/bl?application_name=bot@prod", "postgresql://bot@127.0.0.1:9/bl"),
                       ("postgresql://u:p:s3cr@[::1]:5432/db", "postgresql://u@[::1]:5432/db"),
                       ("postgresql:///bl?host=/run/postgresql", "postgresql:///bl"),
                       ("postgresql://bot:Xy7/Qz9s3cr@db:5432/bl", "postgresql://(URL not shown)"),
                       ("postgresql://bot:PW@As3cr@db/bl", "postgresql://(URL not shown)")]:
        assert redact(url) == shown, url
        assert misread_userinfo(url) == shown.endswith("(URL not shown)"), url
        if not misread_userinfo(url) and "s3cr" in url:   # libpq does read the password where we said
            assert "s3cr" in conninfo_to_dict(url).get("password", ""), url
    assert "s3cr" not in redact("host=db password=s3cr dbname=bl")


def test_password_from_pgpassword(tmp_path, pg_url):
    """storage.url without a password in app.yaml: libpq takes it from PGPASSWORD."""
    from bot.store import open_store
    open_store(pg_url).close()   # as serve leaves it (`health` creates nothing)
    without = pg_url.replace(f":{PASSWORD}@", "@")
    config = config_file(tmp_path, {"url": without})
    assert run_cli("--config", config, "health", env={"PGPASSWORD": PASSWORD}).returncode == 0
    refused = run_cli("--config", config, "health", env={"PGPASSWORD": "", "PGPASSFILE": "/dev/null"})
    assert refused.returncode == 1 and "store: FAIL" in refused.stdout


def test_a_stopped_server_is_not_ready(postgres_server):
    """The store opened fine, then the database went away: the readiness check says so (no traceback)."""
    from bot.store import open_store
    server = PostgresServer().start()
    try:
        store = open_store(server.url)
        assert check_store(store).ok
        server.stop()
        result = check_store(store)
        assert not result.ok and result.detail.startswith("unreachable")
        assert PASSWORD not in result.detail
        store.close()
    finally:
        server.stop()


def test_a_hung_server_is_not_ready_and_the_check_says_so_in_time(pg_url, postgres_server):
    """Round 16's outage bench: with the server frozen (SIGSTOP), /readyz's first check gave no
    answer for 10 s and more. It gives up after STORE_CHECK_SECONDS, saying why."""
    from bot.health import STORE_CHECK_SECONDS
    from bot.store import open_store
    store = open_store(pg_url)
    assert check_store(store).ok
    postgres_server.freeze()
    safety = threading.Timer(15, postgres_server.thaw)   # a check that hangs fails the test, not the session
    safety.start()
    try:
        result = check_store(store)
    finally:
        postgres_server.thaw()
        safety.cancel()
    assert not result.ok and result.detail == f"unreachable: no answer within {STORE_CHECK_SECONDS:g} s"
    store.close()


def test_the_store_carries_on_after_a_database_restart(postgres_server):
    """Pooled connections the server dropped are replaced before use: no call fails after a restart."""
    from bot.store import open_store
    server = PostgresServer().start()
    try:
        store = open_store(server.url)
        for i in range(3):                       # the pool holds a few connections
            store.log_question(via="dm", text=f"before {i}", answered=False)
        server.restart()
        store.log_question(via="dm", text="after", answered=False)
        assert [q.text for q in store.questions()][-1] == "after"
        assert check_store(store).ok
        store.close()
    finally:
        server.stop()


@contextmanager
def busy(store):
    """Another thread holds one of the store's pooled connections meanwhile. It waits up to 20 s
    for it (under load, a role limited to one connection may still count the migration's for a
    moment, and the pool's first connection is retried): the test then runs on a busy pool, or
    fails here saying so (it passed a held-nothing pool on as busy, and flaked)."""
    held, release = threading.Event(), threading.Event()

    def hold():
        with store._connection(timeout=20):
            held.set()
            release.wait(10)
    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(25), "the holder never got a pooled connection"
    try:
        yield
    finally:
        release.set()
        holder.join()


def test_a_database_found_unreachable_fails_calls_at_once_for_a_moment_and_a_busy_one_does_not(pg_url):
    """Round 13: once the database was found unreachable, calls fail at once for DOWN_SECONDS
    (each waited out the pool's 5 s: a question's pins, kept answers and log, every readiness
    probe). A review found it also tripped on a busy pool and on a statement timeout: a healthy
    database then looked down for 5 s. Neither trips it now; a stopped server does."""
    import psycopg
    from psycopg_pool import PoolTimeout

    from bot.store_postgres import DOWN_SECONDS, PostgresStore, StoreUnreachable
    store = PostgresStore(pg_url, max_size=1, timeout=0.5)
    with pytest.raises(PoolTimeout), busy(store):     # the one connection is busy
        store.inbox_counts()
    assert store.inbox_counts()["pending"] == 0    # not taken for down
    with pytest.raises(psycopg.errors.QueryCanceled), store._connection() as conn, conn.transaction():
        conn.execute("SET LOCAL statement_timeout = 50")
        conn.execute("SELECT pg_sleep(1)")
    assert store.inbox_counts()["pending"] == 0    # a slow statement isn't a dead database
    store.close()

    server = PostgresServer().start()
    try:
        store = PostgresStore(server.url, timeout=1)
        assert store.inbox_counts()["pending"] == 0
        server.stop()
        with pytest.raises((PoolTimeout, psycopg.OperationalError)):   # found unreachable (a
            store.inbox_counts()                                         # pool timeout: by a probe)
        deadline = time.monotonic() + 10
        while store._down_until < time.monotonic() and time.monotonic() < deadline:
            time.sleep(0.1)
        started = time.monotonic()
        with pytest.raises(StoreUnreachable, match="unreachable moments ago"):
            store.inbox_counts()
        assert time.monotonic() - started < DOWN_SECONDS
        store.close()
    finally:
        server.stop()


def test_a_database_at_its_connection_limit_is_not_taken_for_down(pg_url):
    """From a second review: the probe counted "too many connections" as unreachable."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo
    from psycopg_pool import PoolTimeout

    from bot.store_postgres import PostgresStore
    parts = conninfo_to_dict(pg_url)
    with psycopg.connect(pg_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        admin.execute("CREATE ROLE lim LOGIN PASSWORD 'lim' CONNECTION LIMIT 1")
        admin.execute(f'ALTER DATABASE "{parts["dbname"]}" OWNER TO lim')
    try:
        url = make_conninfo(pg_url, user="lim", password="lim")
        store = PostgresStore(url, max_size=1, timeout=0.5)
        with busy(store):
            with pytest.raises(PoolTimeout):
                store.inbox_counts()
            with store._probing:   # the probe ran (refused: too many connections for role "lim")
                pass
        assert store.inbox_counts()["pending"] == 0
        store.close()
    finally:
        with psycopg.connect(pg_url, autocommit=True) as admin:   # the test database's tables are lim's
            admin.execute("REASSIGN OWNED BY lim TO postgres")
        with psycopg.connect(pg_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{parts["dbname"]}" OWNER TO postgres')
            admin.execute("DROP ROLE lim")


# ---- two instances, one database ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def shared_db(postgres_server):
    import psycopg
    name = f"two_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_server.url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield postgres_server.database_url(name)


@pytest.fixture(scope="module")
def instances(fake, shared_db, tmp_path_factory):
    pg = {"storage": {"url": "${DATABASE_URL}", "retention_days": 180}}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DATABASE_URL", shared_db)
        with bot_server(fake, tmp_path_factory.mktemp("pg-a"), workers=2, settings=pg) as a:
            with bot_server(fake, tmp_path_factory.mktemp("pg-b"), workers=2, settings=pg) as b:
                yield a, b


def test_both_instances_are_ready_on_the_shared_database(instances):
    for server in instances:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/readyz", timeout=10) as r:
            ready = json.loads(r.read())
        assert ready["ready"] and ready["checks"]["store"]["detail"] == f"schema version {len(PG_MIGRATIONS)}"
        assert not server.db_path.exists()            # nothing went to a SQLite file
        assert PASSWORD not in server.log_path.read_text()


def test_each_event_is_answered_once_whichever_instance_gets_it(instances, fake):
    a, b = (SlackSender(s.url) for s in instances)
    channel = f"C{uuid.uuid4().hex[:8].upper()}"
    events = [(f"Ev{uuid.uuid4().hex[:10]}", mention(f"<@UBOT> {ANSWERED}", channel)) for _ in range(12)]
    for i, (event_id, event) in enumerate(events):
        first, other = (a, b) if i % 2 else (b, a)
        assert first.event(event, event_id=event_id).status == 200
        assert other.event(event, event_id=event_id, retry=1).status == 200   # duplicate to the other instance
    wait_until(lambda: len(posts_in(fake, channel)) >= len(events))
    import time
    time.sleep(1.0)   # anything else still in flight would show up by now
    answered_ts = [c.params.get("thread_ts") for c in posts_in(fake, channel)]
    assert sorted(answered_ts) == sorted(e["ts"] for _, e in events)   # each once, none twice


def test_metrics_on_postgres_report_the_shared_store(instances):
    from prometheus_client.parser import text_string_to_metric_families
    for server in instances:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/metrics", timeout=10) as r:
            families = {f.name: f for f in text_string_to_metric_families(r.read().decode())}
        assert families["biglisten_store_up"].samples[0].value == 1
        assert "biglisten_inbox_depth" in families and "biglisten_votes" in families
        assert "biglisten_rep_requests_open" in families   # counted in PostgreSQL (round 27)


def ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=10) as r:
            return r.status == 200
    except (urllib.error.URLError, OSError):
        return False


@contextmanager
def bot_on_its_own_database(tmp_path):
    """A bot server (one worker) on a dedicated throwaway PostgreSQL server, which a test may
    stop or change; yields (database server, fake Slack, bot) once the bot is ready."""
    server = PostgresServer().start()
    try:
        with FakeSlack() as fake, pytest.MonkeyPatch.context() as mp:
            mp.setenv("DATABASE_URL", server.url)
            settings_ = {"storage": {"url": "${DATABASE_URL}", "retention_days": 180}}
            with bot_server(fake, tmp_path / "bot", workers=1, settings=settings_) as bot:
                wait_until(lambda: ready(bot.port), timeout=30)   # the worker is up (and was ready)
                yield server, fake, bot
    finally:
        server.stop()


def test_readyz_is_503_when_a_request_cannot_reach_the_store(tmp_path):
    """/readyz itself on a server whose database is gone (a dedicated throwaway server, stopped)."""
    with bot_on_its_own_database(tmp_path) as (server, _fake, bot):
        server.stop()
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{bot.port}/readyz", timeout=30)
            raise AssertionError("/readyz answered 200 with the database stopped")
        except urllib.error.HTTPError as e:
            assert e.code == 503
            assert json.loads(e.read())["checks"]["store"]["ok"] is False
        with urllib.request.urlopen(f"http://127.0.0.1:{bot.port}/healthz", timeout=10) as r:
            assert r.status == 200      # alive all the same: restarting it would not help
        for _ in range(3):              # a load balancer probes every few seconds: logged once
            with pytest.raises(urllib.error.HTTPError):
                urllib.request.urlopen(f"http://127.0.0.1:{bot.port}/readyz", timeout=30)
        # logged before the first 503 went out; the log file is copied from the server's output
        wait_until(lambda: "not ready:" in bot.log_tail(300))   # by a thread of this process
        assert bot.log_tail(300).count("not ready:") == 1


def test_a_server_turned_read_only_is_not_ready_and_members_are_still_answered(tmp_path):
    """After a failover the URL may lead to a server that can't be written (a standby; or
    default_transaction_read_only set for maintenance). /readyz said ready while every write
    failed; and a refused write counted as a bug in the bot, not an outage (the reps' chores
    log a bug's traceback)."""
    import psycopg

    from bot.store import open_store, store_outage
    with bot_on_its_own_database(tmp_path) as (server, fake, bot):
        with psycopg.connect(server.url, autocommit=True) as admin:
            admin.execute("ALTER SYSTEM SET default_transaction_read_only = on")
            admin.execute("SELECT pg_reload_conf()")
        wait_until(lambda: not ready(bot.port), timeout=30)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"http://127.0.0.1:{bot.port}/readyz", timeout=30)
        store_check = json.loads(refused.value.read())["checks"]["store"]
        assert store_check["ok"] is False and "read-only" in store_check["detail"]
        channel = f"C{uuid.uuid4().hex[:8].upper()}"
        assert SlackSender(bot.url).event(mention(f"<@UBOT> {ANSWERED}", channel)).status == 200
        wait_until(lambda: posts_in(fake, channel))   # answered from memory
        wait_until(lambda: "could not" in bot.log_tail(300) or "can't" in bot.log_tail(300))
        assert "Traceback" not in bot.log_tail(300)
        store = open_store(server.url, migrate=False)
        with pytest.raises(psycopg.Error) as write:
            store.log_question(via="dm", text="q", answered=True)
        assert store_outage(write.value)   # a store that can't be written, as SQLite's read-only file: no bug
        store.close()


def test_a_bot_started_on_a_standby_says_so(tmp_path, postgres_server):
    """A standby refuses the tables' creation: the start-up line blamed the user's grants.
    migrate-store pointed at one said to point storage.url at the primary, where the admin had
    given --to (and storage.url named the SQLite store being copied)."""
    from bot.store import open_store
    open_store(postgres_server.url).close()
    standby = postgres_server.standby()
    try:
        with pytest.raises(StoreError) as refused:
            open_store(standby.url)
        assert "read-only" in str(refused.value) and "point storage.url at the primary" in str(refused.value)
        assert "GRANT" not in str(refused.value) and PASSWORD not in str(refused.value)
        open_store(tmp_path / "bot.sqlite3").log_question(via="dm", text="q", answered=True)
        config = config_file(tmp_path, {"path": str(tmp_path / "bot.sqlite3")})
        out = run_cli("--config", config, "migrate-store", "--to", "${DATABASE_URL}", env={"DATABASE_URL": standby.url})
        assert out.returncode == 2 and "Traceback" not in out.stderr, out.stderr
        assert "read-only (a standby in recovery): point --to at the primary" in out.stderr, out.stderr
        assert "storage.url" not in out.stderr and PASSWORD not in out.stdout + out.stderr
    finally:
        standby.stop()

# ---- migrate-store ----------------------------------------------------------------------------------------
def test_migrate_store_copies_everything_and_verifies(tmp_path, pg_url):
    import time

    from bot.store import Pin, open_store
    sqlite_path = tmp_path / "bot.sqlite3"
    old = open_store(sqlite_path)
    now = time.time()
    for i in range(40):
        old.log_question(via="dm" if i % 2 else "mention", text=f"question {i} ✓", answered=bool(i % 3),
                         entry_id="off-rolling" if i % 3 else None, score=0.5 if i % 3 else None, now=now - i)
    for i in range(7):
        old.vote(message=f"C1:{i}", user=f"U{i}", entry_id="mats", query=f"q{i}", helpful=i % 2 == 0, now=now)
    old.add_pin(Pin("C1", "1.1", "off-rolling", None, "q", "UREP", "Rep", now, "https://x/1"))
    old.add_pin(Pin("C2", "2.2", "mats", 1, "q2", "UREP", "Rep", now - 5, ""))
    old.enqueue("event:waiting", {"text": "still to answer"}, owner="gone", lease_seconds=30, now=now)
    old.enqueue("event:done", {}, owner="w", lease_seconds=30, now=now)
    old.complete("event:done")
    old.save_walk_place("U1", "big-listen", 4, "safeguarding-judgement", now=now)
    req = old.add_request(question="staff car parking?", asker="U2", asker_name="Mo", channel="C1", thread_ts="1.1",
                          now=now)
    old.close_request(req.id, state="answered", rep="UREP", rep_name="Sam Rep", answer="No.", keep=True, now=now)
    config = config_file(tmp_path, {"path": str(sqlite_path)})

    out = run_cli("--config", config, "migrate-store", "--to", "${DATABASE_URL}", env={"DATABASE_URL": pg_url})
    assert out.returncode == 0, out.stdout + out.stderr
    assert "questions: 40 rows in SQLite, 40 in PostgreSQL" in out.stdout
    assert "votes: 7 rows in SQLite, 7 in PostgreSQL" in out.stdout
    assert "pins: 2 rows in SQLite, 2 in PostgreSQL" in out.stdout
    assert "inbox: 1 rows in SQLite, 1 in PostgreSQL" in out.stdout
    assert "walkthrough: 1 rows in SQLite, 1 in PostgreSQL" in out.stdout
    assert "rep_requests: 1 rows in SQLite, 1 in PostgreSQL" in out.stdout   # Ask a rep's tables too
    assert "kept_answers: 1 rows in SQLite, 1 in PostgreSQL" in out.stdout
    assert PASSWORD not in out.stdout + out.stderr

    new = open_store(pg_url)
    try:
        assert new.questions() == old.questions()
        assert sorted(new.votes()) == sorted(old.votes())
        assert new.pins() == old.pins()
        assert new.walk_place("U1") == old.walk_place("U1")
        assert new.request(req.id) == old.request(req.id) and new.kept_answers() == old.kept_answers()
        assert new.inbox_counts() == {"pending": 1, "done": 0, "failed": 0}
        taken = new.lease("event:waiting", owner="new", lease_seconds=30, now=now + 60)
        assert taken and taken.payload == {"text": "still to answer"}
    finally:
        new.close()

    again = run_cli("--config", config, "migrate-store", "--to", "${DATABASE_URL}", env={"DATABASE_URL": pg_url})
    assert again.returncode == 2 and "only copies into an empty store" in again.stderr
    check = open_store(pg_url)
    try:
        assert len(check.questions()) == 40           # the refused run wrote nothing
    finally:
        check.close()


def test_migrate_store_of_a_large_log_has_no_statement_time_limit_and_a_refusal_is_one_line(tmp_path, pg_url):
    """Each table is one COPY, lasting as long as its rows take to send: the pool's statement
    time limit (10 s; here the URL's 10 ms) cancelled a large question log sent over a slow link,
    with psycopg's traceback, so such a store could never be moved. Anything PostgreSQL refuses is
    one line saying nothing was written."""
    import psycopg

    from bot.store import open_store
    old = open_store(tmp_path / "bot.sqlite3")
    conn = old.connection()
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO questions(at, via, text, answered) VALUES (?, 'dm', ?, 0)",
                     [(1e9 + i, f"question {i} about workload and pay") for i in range(30000)])
    conn.execute("COMMIT")
    config = config_file(tmp_path, {"path": str(tmp_path / "bot.sqlite3")})
    # the tables made first, as `serve` leaves them: under the 10 ms limit, making them on a loaded
    # machine was itself cancelled now and then (the fresh-clone run of round 33), which is not the point
    open_store(pg_url).close()
    slow = pg_url + "?options=-c%20statement_timeout%3D10"
    out = run_cli("--config", config, "migrate-store", "--to", "${DATABASE_URL}", env={"DATABASE_URL": slow})
    assert out.returncode == 0, out.stdout + out.stderr
    assert "questions: 30000 rows in SQLite, 30000 in PostgreSQL" in out.stdout

    with psycopg.connect(pg_url, autocommit=True) as target:   # emptied, and refusing every question
        for table in ("questions", "pins", "inbox", "rep_requests", "kept_answers", "walkthrough", "votes"):
            target.execute(f"DELETE FROM {table}")
        target.execute("ALTER TABLE questions ADD CONSTRAINT no_questions CHECK (false)")
    refused = run_cli("--config", config, "migrate-store", "--to", "${DATABASE_URL}", env={"DATABASE_URL": pg_url})
    assert refused.returncode == 2 and "Traceback" not in refused.stderr, refused.stderr
    assert "the copy failed (new row for relation \"questions\" violates check constraint" in refused.stderr
    assert "nothing was written" in refused.stderr and PASSWORD not in refused.stdout + refused.stderr


def test_scrapes_of_a_frozen_database_give_up_and_leave_slack_answered(fake, pg_url, postgres_server, tmp_path):
    """Round 21's hunt: /metrics read the store with no time limit, so while the database was
    frozen each scrape held one of the worker's threads; after eight, /healthz and Slack's events
    got no answer. A scrape now gives up as /readyz does (store_up 0), and starts no second read
    while one is stuck."""
    def get(url: str) -> tuple[object, float, str]:
        start = time.monotonic()
        try:
            with urllib.request.urlopen(url, timeout=15) as r:
                return r.status, time.monotonic() - start, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, time.monotonic() - start, ""
        except OSError as e:
            return type(e).__name__, time.monotonic() - start, ""

    settings = {"storage": {"url": "${DATABASE_URL}"}}
    with bot_server(fake, tmp_path / "bot", workers=1, settings=settings, env={"DATABASE_URL": pg_url}) as bot:
        base = f"http://127.0.0.1:{bot.port}"   # nothing scraped yet: the first scrape below reads the store
        postgres_server.freeze()
        safety = threading.Timer(60, postgres_server.thaw)   # a hang fails the test, not the session
        safety.start()
        try:
            scrapes: dict[int, tuple] = {}
            threads = [threading.Thread(target=lambda i=i: scrapes.__setitem__(i, get(base + "/metrics")))
                       for i in range(10)]
            for t in threads:
                t.start()
                time.sleep(0.2)
            for t in threads:
                t.join(20)
            assert len(scrapes) == 10 and all(status == 200 for status, _, _ in scrapes.values()), scrapes
            assert all("biglisten_store_up 0.0" in body for _, _, body in scrapes.values())
            status, seconds, _ = get(base + "/healthz")
            assert status == 200 and seconds < 5, (status, seconds)
            acked = SlackSender(bot.url).event(mention("<@UBOT> what is off-rolling", "CFRZ"))
            assert acked.status == 200 and acked.seconds < 3.5, acked
        finally:
            postgres_server.thaw()
            safety.cancel()
        assert wait_until(lambda: "biglisten_store_up 1.0" in get(base + "/metrics")[2], timeout=30)


def test_a_worker_replaced_while_the_database_is_down_waits_quietly_and_comes_back(fake, tmp_path):
    """Round 21's hunt: a worker killed during an outage was replaced about once a second, each
    with a traceback (the worker's boot error was turned into exit code 2, so gunicorn never
    stopped trying). Now: one line every few seconds, and answering again once the database is."""
    import os
    import signal

    from slack_helpers import worker_pids
    server = PostgresServer().start()
    try:
        settings = {"storage": {"url": "${DATABASE_URL}"}}
        with bot_server(fake, tmp_path / "bot", workers=1, settings=settings, env={"DATABASE_URL": server.url}) as bot:
            mark = len(bot.log_path.read_text().splitlines())
            server.shut_down()
            os.kill(worker_pids(bot)[0], signal.SIGKILL)
            time.sleep(8)
            during = "\n".join(bot.log_path.read_text().splitlines()[mark:])
            assert "Traceback" not in during and PASSWORD not in during, during
            assert 1 <= during.count("worker can't start") <= 3, during   # about once a second before
            assert bot.process.poll() is None   # the server keeps trying
            server.start_again()
            assert wait_until(lambda: bot.readyz(5) == 200, timeout=60)
            assert SlackSender(bot.url).event(mention("<@UBOT> what is off-rolling", "CBACK")).status == 200
            assert wait_until(lambda: posts_in(fake, "CBACK"), timeout=30)
    finally:
        server.stop()


WRITE_STORE = """
import os, sys, time
from bot.store import open_store
store = open_store(sys.argv[1])
for i in range(5):
    store.log_question(via="dm", text=f"question {i}", answered=True, now=time.time() - i)
if sys.argv[2].startswith("killed"):   # the bot killed: its last writes are still in the -wal file beside the store
    if sys.argv[2] == "killed, -shm not copied":
        os.remove(sys.argv[1] + "-shm")
    os._exit(0)
"""


def run_read_only(folder: Path, *args: str, env: dict) -> subprocess.CompletedProcess:
    """`python -m bot ARGS` by a user who can read `folder` but not write in it: as root, on a
    read-only bind mount of it (a backup on a read-only disk) in a mount namespace of its own;
    otherwise with its permissions taken away (another user's store)."""
    cmd = [sys.executable, "-m", "bot", *args]
    if os.geteuid() == 0:
        cmd = ["unshare", "--mount", "sh", "-c", 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" "$0" '
               '&& exec "$@"', str(folder), *cmd]
    else:
        for path in folder.iterdir():
            path.chmod(0o444)
        folder.chmod(0o555)
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")} | env
    return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=full_env, timeout=120)


def as_another_user(*cmd: str) -> list[str]:
    """`cmd` run as uid 65534, who can read every file (an admin who can read the bot's store) and
    write only what others may. Only root can start it."""
    return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=+dac_read_search",
            "--ambient-caps=+dac_read_search", *cmd]


def test_migrate_store_by_another_user_leaves_no_shm_beside_the_store(tmp_path, pg_url):
    """An admin who may write the store's folder, copying a store whose last writes are in its
    -wal with no -shm beside it: SQLite made a -shm there to read them, the admin's, left behind
    (a read-only connection never removes it); the bot's user, unable to write it, then got
    "attempt to write a readonly database" from its own store. Now refused with the reason, and
    nothing is made beside the store. (SQLite gives what root makes the store owner's.) Another
    user is started as root only: a test run by anyone else checks the owner's copy alone."""
    import shutil
    import tempfile

    import psycopg
    # not in tmp_path: the admin reaches the store's folder as any user does (SQLite asks access(),
    # which no capability passes, and pytest's folders are root's alone)
    top = Path(tempfile.mkdtemp(prefix="biglisten-store-"))
    top.chmod(0o755)
    try:
        _another_user_copies(tmp_path, top / "store", pg_url, psycopg)
    finally:
        shutil.rmtree(top)


def _another_user_copies(tmp_path: Path, folder: Path, pg_url: str, psycopg) -> None:
    folder.mkdir()
    made = subprocess.run([sys.executable, "-c", WRITE_STORE, str(folder / "bot.sqlite3"), "killed, -shm not copied"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    folder.chmod(0o777)   # the admin may write in it
    config = config_file(tmp_path, {"path": str(folder / "bot.sqlite3")})
    if os.geteuid() == 0:
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")} | {"DATABASE_URL": pg_url}
        out = subprocess.run(as_another_user(sys.executable, "-m", "bot", "--config", config, "migrate-store", "--to",
                                             "${DATABASE_URL}"), capture_output=True, text=True, cwd=ROOT,
                             env=full_env, timeout=120)
        assert out.returncode == 2 and "Traceback" not in out.stderr, out.stdout + out.stderr
        assert "bot.sqlite3-wal" in out.stderr and "bot.sqlite3-shm" in out.stderr and "owner" in out.stderr, out.stderr
        assert sorted(p.name for p in folder.iterdir()) == ["bot.sqlite3", "bot.sqlite3-wal"]   # nothing beside it
        with psycopg.connect(pg_url) as conn:
            assert conn.execute("SELECT to_regclass('questions')").fetchone()[0] is None   # nor written there
    # the store's owner reads it (what SQLite makes beside it is the owner's, as the bot's own are)
    out = run_cli("--config", config, "migrate-store", "--to", "${DATABASE_URL}", env={"DATABASE_URL": pg_url})
    assert out.returncode == 0 and "questions: 5 rows in SQLite, 5 in PostgreSQL" in out.stdout, out.stderr
    owner = (folder / "bot.sqlite3").stat().st_uid
    assert all(p.stat().st_uid == owner for p in folder.iterdir())


@pytest.mark.parametrize("stopped", ["cleanly", "killed", "killed, -shm not copied", "cleanly, folder writable"])
def test_migrate_store_copies_a_store_this_user_cannot_write(tmp_path, pg_url, stopped):
    """"Stop the bot, then migrate-store", run by an admin who can read the bot's store but not
    write it or its folder: the copy failed ("attempt to write a readonly database"), as it
    migrated its source first and SQLite writes a -shm file beside the store to read it.
    A store whose last writes are still in its -wal file (the bot was killed) is copied whole
    or refused with the reason, never copied without them."""
    import psycopg
    folder = tmp_path / "store"
    folder.mkdir()
    made = subprocess.run([sys.executable, "-c", WRITE_STORE, str(folder / "bot.sqlite3"), stopped], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    assert (folder / "bot.sqlite3-wal").exists() == stopped.startswith("killed")
    config = config_file(tmp_path, {"path": str(folder / "bot.sqlite3")})
    if stopped == "cleanly, folder writable":   # the admin may write the folder (not the file): nothing is left in it
        out = run_cli("--config", config, "migrate-store", "--to", "${DATABASE_URL}", env={"DATABASE_URL": pg_url})
    else:
        out = run_read_only(folder, "--config", config, "migrate-store", "--to", "${DATABASE_URL}",
                            env={"DATABASE_URL": pg_url})
    with psycopg.connect(pg_url) as conn:
        made_tables = conn.execute("SELECT to_regclass('questions')").fetchone()[0] is not None
        copied = made_tables and conn.execute("SELECT count(*) FROM questions").fetchone()[0]
    if out.returncode == 0:
        assert "questions: 5 rows in SQLite, 5 in PostgreSQL" in out.stdout and copied == 5
    else:
        assert stopped == "killed, -shm not copied" and out.returncode == 2 and "Traceback" not in out.stderr
        assert "bot.sqlite3-wal" in out.stderr and "owner" in out.stderr and not copied
    files = {"cleanly": ["bot.sqlite3"], "cleanly, folder writable": ["bot.sqlite3"],
             "killed": ["bot.sqlite3", "bot.sqlite3-shm", "bot.sqlite3-wal"],
             "killed, -shm not copied": ["bot.sqlite3", "bot.sqlite3-wal"]}
    assert sorted(p.name for p in folder.iterdir()) == files[stopped]   # nothing written beside it
