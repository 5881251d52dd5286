"""Operations end to end: /healthz, /readyz and /metrics on the real gunicorn server (two workers,
multiprocess metrics), JSON log lines with the event id, `python -m bot health`, and the
Socket Mode metrics port."""
from __future__ import annotations

import contextlib
import http.client
import json
import logging
import os
import shutil
import subprocess
import sys
import threading
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from bot.errors import ConfigError
from bot.health import check_store
from bot.logs import ContextExecutor, EventIdFilter, JsonFormatter, event_context, log_format
from conftest import ROOT, run_cli
from fake_slack import FakeSlack
from slack_helpers import SlackSender, bot_server, free_port, mention, posts_in, responses_to, wait_until

ANSWERED = "should safeguarding be a separate judgement?"
OFF_TOPIC = "what is the teachers pension scheme employer contribution rate"


@pytest.fixture(scope="module")
def server(fake, tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LOG_FORMAT", "json")
        mp.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
        with bot_server(fake, tmp_path_factory.mktemp("ops-bot"), workers=2) as s:
            yield s
            assert s.process.poll() is None, f"the bot server died during the tests:\n{s.log_tail()}"


@pytest.fixture(scope="module")
def slack(server) -> SlackSender:
    return SlackSender(server.url)


def get(server, path: str) -> tuple[int, str, str]:
    url = f"http://127.0.0.1:{server.port}{path}"
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read().decode()


def samples(text: str) -> dict[tuple[str, tuple], float]:
    """{(sample name, sorted labels): value} from a Prometheus exposition."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def scrape(server) -> dict[tuple[str, tuple], float]:
    status, content_type, body = get(server, "/metrics")
    assert status == 200 and content_type.startswith("text/plain")
    return samples(body)


def test_healthz_and_readyz(server):
    status, _, body = get(server, "/healthz")
    assert status == 200 and json.loads(body) == {"alive": True}
    status, content_type, body = get(server, "/readyz")
    assert status == 200 and content_type == "application/json"
    ready = json.loads(body)
    assert ready["ready"] is True
    assert ready["checks"]["store"]["ok"] and ready["checks"]["pack"]["ok"]
    assert ready["checks"]["pack"]["detail"].endswith("entries")


def test_other_paths_still_go_to_slack(server, slack):
    status, _, _ = get(server, "/nowhere")
    assert status == 404
    # a POST to /healthz is not a health check: Bolt's handler answers it (not found)
    response = slack.send(b"{}", "application/json")
    assert response.status in (200, 400, 401, 404)


def test_questions_are_counted_once_across_workers(server, slack, fake):
    """Counts from both gunicorn workers add up (multiprocess mode), whichever worker is scraped."""
    before = scrape(server)
    channel = f"C{uuid.uuid4().hex[:8].upper()}"
    for text in [ANSWERED] * 3 + [OFF_TOPIC] * 2:
        assert slack.event(mention(f"<@UBOT> {text}", channel)).status == 200
    wait_until(lambda: len(posts_in(fake, channel)) == 5)
    answered = ("biglisten_questions_total", (("outcome", "answered"), ("reason", "")))
    latency = ("biglisten_answer_seconds_count", ())

    def counted(s) -> bool:   # a question is counted, and its post timed, just after Slack took the post
        declined = sum(v - before.get(k, 0) for k, v in s.items()
                       if k[0] == "biglisten_questions_total" and ("outcome", "declined") in k[1])
        return s.get(answered, 0) - before.get(answered, 0) >= 3 and declined >= 2 and \
            s.get(latency, 0) - before.get(latency, 0) >= 5
    wait_until(lambda: counted(scrape(server)))
    declined = [k for k in scrape(server) if k[0] == "biglisten_questions_total" and ("outcome", "declined") in k[1]]
    for _ in range(4):   # several scrapes land on different workers: every one sees the same sums
        after = scrape(server)
        assert after.get(answered, 0) - before.get(answered, 0) == 3
        declined = [k for k in after if k[0] == "biglisten_questions_total" and ("outcome", "declined") in k[1]]
        assert sum(after[k] - before.get(k, 0) for k in declined) == 2
    assert all(dict(k[1])["reason"] for k in declined if after[k] > before.get(k, 0))   # these declines say why
    assert after[latency] - before.get(latency, 0) == 5
    assert after[("biglisten_answer_seconds_sum", ())] > before.get(("biglisten_answer_seconds_sum", ()), 0)


def test_a_message_with_no_words_is_counted_with_the_reason_ask_json_gives(server, slack, fake):
    """Only emoji (or only a mention): the reply asks for a question, and `ask --json` gives it no
    reason; the metric had counted it as declined for reason "unknown"."""
    text = ":wave: :tada:"
    said = json.loads(run_cli("ask", "--json", text).stdout)
    assert said["answered"] is False
    key = ("biglisten_questions_total", (("outcome", "declined"), ("reason", said.get("reason", ""))))
    before = scrape(server)
    channel = f"C{uuid.uuid4().hex[:8].upper()}"
    assert slack.event(mention(f"<@UBOT> {text}", channel)).status == 200
    wait_until(lambda: scrape(server).get(key, 0) > before.get(key, 0))
    after = scrape(server)
    assert [k for k in after if k[0] == "biglisten_questions_total" and after[k] != before.get(k, 0)] == [key]
    assert after[key] - before.get(key, 0) == 1


def test_a_slash_commands_answer_is_timed_too(server, slack, fake):
    """biglisten_answer_seconds timed only messages posted through the Web API: `/biglisten MATs`
    is answered through its response_url, so a slash command's answer, however slow, was never
    in the histogram (its count fell behind the questions answered, and nothing said so)."""
    before = scrape(server)
    latency = ("biglisten_answer_seconds_count", ())
    name = f"cmd{uuid.uuid4().hex[:8]}"
    assert slack.command("/biglisten", ANSWERED, fake.response_url(name)).status == 200
    wait_until(lambda: responses_to(fake, name))
    wait_until(lambda: scrape(server).get(latency, 0) - before.get(latency, 0) >= 1)
    assert scrape(server)[latency] - before.get(latency, 0) == 1


def test_a_walk_request_is_counted_the_same_by_the_command_and_by_a_message(server, slack, fake):
    """Round 26 left it: "can you walk me through the safeguarding questions?" in a message is
    counted as a chat message (declined, reason "chitchat", as `ask --json` says); sent through
    `/biglisten`, which starts the walk-through, it wasn't counted at all."""
    text = "can you walk me through the safeguarding questions?"
    said = json.loads(run_cli("ask", "--json", text).stdout)
    key = ("biglisten_questions_total", (("outcome", "declined"), ("reason", said["reason"])))
    assert said["reason"] == "chitchat"
    before = scrape(server)
    channel = f"C{uuid.uuid4().hex[:8].upper()}"
    assert slack.event(mention(f"<@UBOT> {text}", channel)).status == 200
    wait_until(lambda: scrape(server).get(key, 0) - before.get(key, 0) >= 1)
    name = f"cmd{uuid.uuid4().hex[:8]}"
    assert slack.command("/biglisten", text, fake.response_url(name)).status == 200
    wait_until(lambda: responses_to(fake, name))
    assert "Safeguarding in schools" in str(responses_to(fake, name)[-1])   # the walk-through started
    wait_until(lambda: scrape(server).get(key, 0) - before.get(key, 0) >= 2)
    after = scrape(server)
    assert [k for k in after if k[0] == "biglisten_questions_total" and after[k] != before.get(k, 0)] == [key]
    assert after[key] - before.get(key, 0) == 2


def test_every_slack_request_is_timed_to_its_ack(server, slack, fake):
    """biglisten_ack_seconds: how long Slack waited for each request's response (it wants 3 s),
    signed or refused; health checks and scrapes aren't Slack's."""
    before = scrape(server)
    channel = f"CACK{uuid.uuid4().hex[:6].upper()}"
    for _ in range(3):
        assert slack.event(mention(f"<@UBOT> {ANSWERED}", channel)).status == 200
    assert slack.send(b'{"type": "event_callback"}', "application/json", secret="not-the-secret").status == 401
    get(server, "/healthz")
    wait_until(lambda: len(posts_in(fake, channel)) == 3)
    after = scrape(server)
    count, slow = ("biglisten_ack_seconds_count", ()), ("biglisten_ack_seconds_bucket", (("le", "3.0"),))
    assert after[count] - before.get(count, 0) == 4
    assert after[slow] - before.get(slow, 0) == 4   # all within Slack's 3 seconds
    assert after[("biglisten_ack_seconds_sum", ())] > before.get(("biglisten_ack_seconds_sum", ()), 0)


def test_a_metric_that_cant_be_recorded_costs_nothing_and_is_said_once(monkeypatch, caplog):
    from bot import errors, metrics

    monkeypatch.setattr(errors, "_warned", set())

    def broken():
        raise OSError("No space left on device")

    monkeypatch.setattr(metrics, "_metrics", broken)
    for _ in range(3):
        metrics.record_ack_latency(0.01)
        metrics.record_question(True, None)
    assert sum("record a metric" in r.getMessage() for r in caplog.records) == 1


def test_slack_api_errors_by_method_and_error(server, slack, fake):
    channel = f"CERR{uuid.uuid4().hex[:6].upper()}"
    key = ("biglisten_slack_api_errors_total", (("error", "channel_not_found"), ("method", "chat.postMessage")))
    before = scrape(server).get(key, 0)
    fake.set_response("chat.postMessage", lambda p: {"ok": False, "error": "channel_not_found"}
                      if p.get("channel") == channel else fake._canned("chat.postMessage", p))
    event_id = f"Ev{uuid.uuid4().hex[:10]}"
    try:
        assert slack.event(mention(f"<@UBOT> {ANSWERED}", channel), event_id=event_id).status == 200
        wait_until(lambda: scrape(server).get(key, 0) > before)
    finally:
        fake.set_response("chat.postMessage", None)
    # the failure was logged as JSON lines carrying this event's id (a traceback would be inside the line)
    lines = wait_until(lambda: [json.loads(line) for line in server.log_path.read_text().splitlines()
                                if event_id in line and line.startswith("{")])
    assert all(line["event_id"] == event_id for line in lines)
    assert any(line["level"] == "ERROR" and "channel_not_found" in line["message"] + line.get("traceback", "")
               for line in lines)


def test_a_reply_refused_at_its_response_url_is_counted_as_a_slack_error(server, slack, fake):
    """A slash command's (or a button's) reply goes through its response_url, not the Web API: a
    refused one was logged and never counted, so biglisten_slack_api_errors_total showed nothing
    while members' commands went unanswered."""
    name = f"expired{uuid.uuid4().hex[:8]}"
    key = ("biglisten_slack_api_errors_total", (("error", "expired_url"), ("method", "response_url")))
    before = scrape(server).get(key, 0)
    fake.fault(f"/response/{name}", status=404, payload={"ok": False, "error": "expired_url"})
    assert slack.command("/biglisten", ANSWERED, fake.response_url(name)).status == 200
    wait_until(lambda: scrape(server).get(key, 0) > before)
    assert scrape(server)[key] - before == 1   # refused once, for good: not tried again


def test_a_response_url_that_cant_be_reached_is_counted_by_its_exception():
    import logging

    from bot.metrics import exposition
    from handlers.respond import CheckedRespond

    key = ("biglisten_slack_api_errors_total", (("error", "URLError"), ("method", "response_url")))
    before = samples(exposition()[0].decode()).get(key, 0)
    nowhere = f"http://127.0.0.1:{free_port()}/response/gone"   # nothing listens: the connection is refused
    assert CheckedRespond(nowhere, None, "U1", logging.getLogger("test"), "command /biglisten")("hi") is None
    assert samples(exposition()[0].decode()).get(key, 0) - before == 1


def test_metrics_port_over_http_is_said_to_be_ignored(fake, tmp_path):
    """METRICS_PORT set while serving over HTTP (where /metrics is on PORT) was silently ignored:
    an admin who set it scraped a port nobody served. One line at start-up says so."""
    import socket

    metrics_port = free_port()
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
        with bot_server(fake, tmp_path / "bot", workers=1, env={"METRICS_PORT": str(metrics_port)}) as s:
            lines = [line for line in s.log_path.read_text().splitlines() if "METRICS_PORT" in line]
            assert len(lines) == 1 and (f"METRICS_PORT {metrics_port} is ignored: over HTTP /metrics is served on "
                                        f"PORT {s.port}") in lines[0], lines
            assert get(s, "/metrics")[0] == 200
            with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", metrics_port), 2):
                pass


def test_every_log_line_is_json(server):
    lines = [line for line in server.log_path.read_text().splitlines() if line.strip()]
    assert lines, "the server logged nothing"
    records = [json.loads(line) for line in lines]   # raises on any line that isn't one JSON object
    assert {"time", "level", "logger", "event_id", "message"} <= set(records[0])
    assert any(r["logger"].startswith("gunicorn") for r in records)   # gunicorn's own lines too
    assert not [r for r in records if "will be unused" in r["message"]]   # Bolt's warning: nothing to act on


def test_votes_come_from_the_shared_store(server):
    from bot.store import open_store as Store
    store = Store(server.db_path)
    base = scrape(server)
    yes, no = (("biglisten_votes", (("helpful", h),)) for h in ("yes", "no"))
    for user in ("U1", "U2", "U3"):
        store.vote(message=f"C1:{uuid.uuid4().hex}", user=user, entry_id="off-rolling", query="q",
                   helpful=user != "U3")
    wait_until(lambda: (lambda s: s[yes] == base[yes] + 2 and s[no] == base[no] + 1)(scrape(server)), timeout=15)
    assert scrape(server)[("biglisten_store_up", ())] == 1


def test_questions_waiting_for_a_rep_are_a_gauge(server):
    """Round 27's admin hunt: biglisten_rep_requests_open was exported only by a store with an
    `open_rep_requests_count`, and no store had one: nothing to alert on when members' questions
    wait for a rep. Open requests are counted; one a rep closes is no longer."""
    from bot.store import open_store as Store
    store = Store(server.db_path)
    gauge = ("biglisten_rep_requests_open", ())
    base = store.requests(("open",))
    made = [store.add_request(question=f"q{i}", asker="U1", asker_name="Sam", channel="D1", thread_ts=f"{i}.1")
            for i in range(3)]
    wait_until(lambda: scrape(server).get(gauge) == len(base) + 3, timeout=15)
    store.close_request(made[0].id, state="outside", rep="UREP", rep_name="Rep")
    wait_until(lambda: scrape(server).get(gauge) == len(base) + 2, timeout=15)


def test_serve_removes_the_metrics_folder_it_made_and_no_other(fake, tmp_path, monkeypatch):
    """Audit: every HTTP start left a biglisten-metrics-XXXX folder in /tmp. The one serve made goes
    when serve exits; a PROMETHEUS_MULTIPROC_DIR the admin set stays."""
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    temp = tmp_path / "tmp"
    temp.mkdir()
    with bot_server(fake, tmp_path / "made", workers=1, env={"TMPDIR": str(temp)}):
        assert len(list(temp.glob("biglisten-metrics-*"))) == 1
    assert list(temp.glob("biglisten-metrics-*")) == []
    theirs = tmp_path / "theirs"
    with bot_server(fake, tmp_path / "set", workers=1, env={"PROMETHEUS_MULTIPROC_DIR": str(theirs)}):
        pass
    assert theirs.is_dir()


# ---- in-process pieces ---------------------------------------------------------------------------------
def test_event_id_follows_work_into_listener_threads():
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(self.format(record))

    handler = Keep()
    handler.setFormatter(JsonFormatter())
    handler.addFilter(EventIdFilter())
    logger = logging.getLogger("test-ops-context")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        with ContextExecutor(max_workers=2) as pool:
            with event_context("Ev111"):
                pool.submit(logger.warning, "inside %s", "one").result()
            pool.submit(logger.warning, "outside").result()
            try:
                raise ValueError("boom\nsecond line")
            except ValueError:
                with event_context("Ev222"):
                    logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    parsed = [json.loads(r) for r in records]
    assert [(p["event_id"], p["message"]) for p in parsed] == [("Ev111", "inside one"), ("-", "outside"),
                                                                ("Ev222", "failed")]
    assert "ValueError: boom" in parsed[2]["traceback"] and len(records[2].splitlines()) == 1


def test_log_format_is_checked():
    assert log_format({}) == "text" and log_format({"LOG_FORMAT": "JSON"}) == "json"
    with pytest.raises(ConfigError, match="LOG_FORMAT"):
        log_format({"LOG_FORMAT": "xml"})


def test_a_store_that_stops_answering_is_not_ready(tmp_path):
    from bot.store import open_store as Store
    path = tmp_path / "bot.sqlite3"
    store = Store(path)
    assert check_store(store).ok
    store.connection().close()
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    path.write_bytes(b"this is not a database" * 100)
    result: list = []
    thread = threading.Thread(target=lambda: result.append(check_store(store)))   # a fresh connection
    thread.start()
    thread.join()
    assert not result[0].ok and "not a database" in result[0].detail


def test_socket_mode_metrics_port(tmp_path):
    from bot.guide import Guide
    from bot.ops import serve_metrics_port
    from bot.store import open_store as Store
    store = Store(tmp_path / "bot.sqlite3")
    port = serve_metrics_port({"METRICS_PORT": str(free_port()), "METRICS_HOST": "127.0.0.1"}, store)
    assert serve_metrics_port({}, store) is None
    with pytest.raises(ConfigError, match="METRICS_PORT"):
        serve_metrics_port({"METRICS_PORT": "http"}, store)
    # a config of its own: the repository's var/ store is nobody's test fixture
    guide = Guide.from_config(__import__("bot.config", fromlist=["load_config"]).load_config(_config_file(tmp_path)))
    guide.store = store
    guide.ask(OFF_TOPIC, via="dm")
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
        found = samples(r.read().decode())
    assert found[("biglisten_store_up", ())] == 1
    assert sum(v for k, v in found.items() if k[0] == "biglisten_questions_total"
               and ("outcome", "declined") in k[1]) >= 1


# ---- the CLI -------------------------------------------------------------------------------------------
def _config_file(tmp_path, **changes) -> str:
    data = yaml.safe_load((ROOT / "app.yaml").read_text(encoding="utf-8"))
    data["packs"] = [str(ROOT / pack) for pack in data["packs"]]
    data["storage"]["path"] = str(tmp_path / "bot.sqlite3")
    for key, value in changes.items():
        if key == "storage_path":
            data["storage"]["path"] = value
        elif key == "knowledge_path":
            data["packs"] = [value]
        else:
            data[key] = value
    path = tmp_path / "app.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return str(path)


def test_health_command_ready(tmp_path):
    from bot.store import open_store
    open_store(tmp_path / "bot.sqlite3")   # as serve leaves it
    out = run_cli("--config", _config_file(tmp_path), "health")
    assert out.returncode == 0, out.stderr
    assert "store: ok" in out.stdout and "pack: ok" in out.stdout


def test_health_creates_no_store(tmp_path):
    """From the round 14 audit: a mistyped storage.path passed, `health` having made the folders
    and an empty database there. (A folder that isn't there: `test_..._refuse_a_store_folder_...`.)"""
    missing = tmp_path / "x.db"
    out = run_cli("--config", _config_file(tmp_path, storage_path=str(missing)), "health")
    assert out.returncode == 1 and f"store: FAIL: cannot open: no database at {missing}" in out.stdout, out.stdout
    assert not missing.exists()


def test_a_store_this_user_cannot_write_is_one_line(tmp_path):
    """Round 23's hunt: `report` run as another user than the bot's (the file read-only to it)
    died with "sqlite3.OperationalError: attempt to write a readonly database", and `health`
    said "store: ok". As root, the process runs without the capability that overrides file modes."""
    from bot.store import open_store
    store = tmp_path / "bot.sqlite3"
    open_store(store)
    store.chmod(0o444)
    config = _config_file(tmp_path, storage_path=str(store))
    as_other = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search,-fowner"] if os.geteuid() == 0 else []
    probe = subprocess.run([*as_other, sys.executable, "-c", f"import os, sys; sys.exit(os.access({str(store)!r}, "
                            "os.W_OK))"], capture_output=True, text=True, timeout=60)
    if probe.returncode != 0:   # setpriv without CAP_SETPCAP drops nothing, and says nothing (the review's point)
        pytest.skip(f"this process can't run one that file modes bind: {probe.returncode} {probe.stderr[-200:]}")
    says = f"{store}: can't write it (read-only for this user)"
    for command, code in ((["report"], 2), (["queue"], 2), (["health"], 1)):
        out = subprocess.run([*as_other, sys.executable, "-m", "bot", "--config", config, *command], cwd=ROOT,
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == code and says in out.stdout + out.stderr, (command, out.stdout, out.stderr)
        assert "Traceback" not in out.stderr
    # migrate-store only reads its source: a copy of a file the bot owns is not refused (the review's point)
    out = subprocess.run([*as_other, sys.executable, "-m", "bot", "--config", config, "migrate-store", "--to",
                          "postgresql://bot@127.0.0.1:9/none"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "read-only" not in out.stderr and "127.0.0.1" in out.stderr, out.stderr


@pytest.mark.parametrize("command", [("report",), ("queue",), ("asks-from-reps",),
                                     ("answer", "1", "Yes.", "--rep-name", "Pat")])
def test_the_reps_commands_and_report_refuse_a_store_that_is_not_there(tmp_path, command):
    """Round 23's hunt: `report` at a mistyped storage.path made the folders and an empty
    database there and reported "0 questions" (exit 0), as `queue` did."""
    missing = tmp_path / "x.db"
    config = _config_file(tmp_path, storage_path=str(missing))
    out = run_cli("--config", config, *command)
    assert out.returncode == 2 and out.stderr.strip() == (
        f"error: no database at {missing} (serve creates it on its first start; check storage.path in {config})"
    ), out.stderr
    assert not missing.exists()


@pytest.mark.parametrize("command", [("health",), ("report",), ("queue",), ("asks-from-reps",),
                                     ("answer", "1", "Yes.", "--rep-name", "Pat"), ("backup", "copy.db"),
                                     ("migrate-store", "--to", "postgresql://bot@127.0.0.1:9/none")])
def test_every_command_that_opens_the_store_refuses_a_store_folder_that_is_not_there(tmp_path, command):
    """The admin hunt: serve made a mistyped storage.path's folder and ran on an empty store; it
    refuses it now, and the commands that read the store say it as serve does, exit 2 (`health`
    too: a settings mistake, not "not ready"), naming the folder and the settings file read."""
    missing = tmp_path / "bigilsten" / "bot.sqlite3"
    config = tmp_path / "other.yaml"
    Path(_config_file(tmp_path, storage_path=str(missing))).rename(config)
    out = run_cli("--config", str(config), *command)
    assert out.returncode == 2 and out.stderr == (
        f"error: no folder {missing.parent} for the store {missing} (check storage.path in {config})\n"
    ) and not out.stdout, (out.stdout, out.stderr)
    assert not missing.parent.exists()


@pytest.mark.parametrize("command, stored, says", [
    (["queue"], "missing.db", "error: no database at {store} (serve creates it on its first start; "
                              "check storage.path in {config})"),
    (["health"], "missing.db", "store: FAIL: cannot open: no database at {store} (serve creates it on its "
                               "first start; check storage.path in {config})"),
    (["report"], "", "error: {store}: is a folder, not a file: set storage.path in {config} to a file name"),
    (["backup", "copy.db"], "missing.db", "error: no store at {store}: storage.path in {config} names no SQLite "
                                          "file to back up"),
    (["migrate-store", "--to", "postgresql://bot@127.0.0.1:9/none"], "missing.db",
     "error: no store at {store}: storage.path in {config} names no SQLite file to copy from")])
def test_a_store_path_error_names_the_settings_file_given(tmp_path, command, stored, says):
    """The admin hunt: with `--config other.yaml`, a mistyped storage.path was said to be app.yaml's."""
    store = tmp_path / stored
    config = tmp_path / "other.yaml"
    Path(_config_file(tmp_path, storage_path=str(store))).rename(config)
    out = run_cli("--config", str(config), *command)
    assert says.format(store=store, config=config) in out.stdout + out.stderr, out.stdout + out.stderr
    assert "app.yaml" not in out.stdout + out.stderr and "Traceback" not in out.stderr


def test_health_migrates_no_older_sqlite_store(tmp_path):
    """Round 21 left: `health` opened, and so migrated, a SQLite store an older bot had left.
    It writes nothing now: the older schema is "not ready", and stays as it was."""
    import sqlite3

    from bot.store_sqlite import MIGRATIONS
    path = tmp_path / "bot.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")   # as every bot leaves it
    for statement in filter(str.strip, MIGRATIONS[0].split(";")):
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.close()
    before = path.read_bytes()
    out = run_cli("--config", _config_file(tmp_path), "health")
    assert out.returncode == 1, out.stdout
    assert (f"store: FAIL: cannot open: {path}: schema version 1, where this bot's is {len(MIGRATIONS)}: "
            "serve migrates it on its next start") in out.stdout
    assert path.read_bytes() == before
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == 1


def test_health_command_not_ready(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "a-folder").mkdir()
    out = run_cli("--config", _config_file(tmp_path, knowledge_path=str(tmp_path / "empty"),
                                           storage_path=str(tmp_path / "a-folder")), "health")
    assert out.returncode == 1
    assert "pack: FAIL" in out.stdout and "store: FAIL" in out.stdout
    assert "Traceback" not in out.stdout + out.stderr


def test_the_test_server_is_ready_only_when_readyz_says_so(tmp_path):
    """tests/slack_helpers.bot_server hands the server over only once GET /readyz answers 200,
    not when auth.test calls were counted: here Slack answers auth.test slowly (the start-up
    check's and the worker's), so a worker is still building its app well after the first call."""
    with FakeSlack() as slow:
        slow.fault("auth.test", times=5, status=200, delay=1.5)
        with bot_server(slow, tmp_path / "bot", workers=1) as s:
            url = f"http://127.0.0.1:{s.port}/readyz"
            with urllib.request.urlopen(url, timeout=0.5) as r:   # no waiting for a worker to come up
                assert r.status == 200 and json.loads(r.read())["ready"] is True


def test_health_checks_every_pack(tmp_path):
    """Two packs, the second broken: not ready, naming it (serve and validate refuse it too)."""
    broken = tmp_path / "workload-example"
    shutil.copytree(ROOT / "knowledge" / "workload-example", broken)
    survey = broken / "survey-wellbeing.yaml"
    survey.write_text(survey.read_text(encoding="utf-8").replace("  priority:", "  priorty:", 1), encoding="utf-8")
    config = _config_file(tmp_path, packs=[str(ROOT / "knowledge" / "big-listen"), str(broken)])
    out = run_cli("--config", config, "health")
    assert out.returncode == 1, out.stdout + out.stderr
    assert "pack big-listen: ok" in out.stdout and "pack workload-example: FAIL" in out.stdout
    assert "priorty" in out.stdout and "Traceback" not in out.stdout + out.stderr


@pytest.mark.parametrize("key", ["packs[1]", "knowledge_path"])
def test_health_calls_a_misspelt_pack_folder_a_settings_mistake(tmp_path, key):
    """The admin hunt: a pack folder the settings misspell was "pack: FAIL" and exit 1, "not ready",
    as a pack being edited is, so a supervisor waits for it: exit 2, naming the folder and its key."""
    misspelt = ROOT / "knowledge" / "big-lsiten"
    data = yaml.safe_load(Path(_config_file(tmp_path)).read_text(encoding="utf-8"))
    if key == "knowledge_path":   # the older one-pack form
        del data["packs"]
        data["knowledge_path"] = str(misspelt)
    else:
        data["packs"].append(str(misspelt))
    config = tmp_path / "other.yaml"
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    out = run_cli("--config", str(config), "health")
    assert out.returncode == 2, out.stdout + out.stderr
    assert out.stderr == f"error: {misspelt}: no such folder (check {key} in {config})\n", out.stderr


def test_migrate_store_refuses_a_missing_sqlite_file(tmp_path):
    """Opening it would make an empty store, and 'verified: every count matches' would copy nothing."""
    missing = tmp_path / "not-here.sqlite3"
    out = run_cli("--config", _config_file(tmp_path, storage_path=str(missing)), "migrate-store",
                  "--to", "postgresql://bot@127.0.0.1:9/none")
    assert out.returncode == 2 and f"error: no store at {missing}" in out.stderr
    assert not missing.exists() and "verified" not in out.stdout


def test_migrate_store_says_how_to_write_the_variable_in_to(tmp_path):
    """`--to "${DATABASE_URL}"` (double quotes: the shell's own expansion, empty where the variable
    is set only in another shell) and `--to '$DATABASE_URL'` were both "--to must be a postgresql:// URL"."""
    from bot.store_sqlite import SQLiteStore
    SQLiteStore(tmp_path / "bot.sqlite3")
    config = _config_file(tmp_path)
    empty = run_cli("--config", config, "migrate-store", "--to", "")
    assert empty.returncode == 2 and "--to '${DATABASE_URL}'" in empty.stderr and "single quotes" in empty.stderr
    dollar = run_cli("--config", config, "migrate-store", "--to", "$DATABASE_URL", env={"DATABASE_URL": "x"})
    assert dollar.returncode == 2 and "'$DATABASE_URL'" in dollar.stderr and "${DATABASE_URL}" in dollar.stderr
    other = run_cli("--config", config, "migrate-store", "--to", "mysql://bot:s3cret@db/x")
    assert other.returncode == 2 and "s3cret" not in other.stderr and "postgresql://" in other.stderr


def test_a_response_url_is_never_logged_when_a_post_to_it_is_retried():
    """From the round 14 audit: slack_sdk's webhook client logged "Going to retry the same
    request: POST <response_url>" at INFO, and a response_url (from a request body) lets whoever
    holds it post to the channel for 30 minutes."""
    import io
    import logging
    import socket

    from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler
    from slack_sdk.webhook import WebhookClient

    from bot.logs import configure_logging
    with socket.socket() as s:   # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/commands/T1/SECRET-RESPONSE-URL"
    stream = io.StringIO()
    root = logging.getLogger()
    saved = root.handlers[:], root.level, logging.getLogger("slack_sdk.webhook").level
    try:
        configure_logging({}, stream=stream)
        client = WebhookClient(url, retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=1)], timeout=2)
        with pytest.raises(Exception):   # noqa: B017 - the post fails; what matters is what was logged
            client.send(text="hi")
    finally:
        root.handlers[:], root.level = saved[0], saved[1]
        logging.getLogger("slack_sdk.webhook").setLevel(saved[2])
    assert "SECRET-RESPONSE-URL" not in stream.getvalue(), stream.getvalue()


def test_the_pools_reconnect_warnings_are_not_logged_during_an_outage():
    """From the round 14 audit: psycopg_pool warned at each failed reconnect, about 50 lines a
    minute while the database was down; the bot says so once itself."""
    import io
    import logging

    from bot.logs import configure_logging
    stream = io.StringIO()
    root, pool = logging.getLogger(), logging.getLogger("psycopg.pool")
    saved = root.handlers[:], root.level, pool.level
    try:
        configure_logging({}, stream=stream)
        pool.warning("error connecting in 'biglisten-store': connection refused")
        pool.error("the pool is broken")
    finally:
        root.handlers[:], root.level = saved[0], saved[1]
        pool.setLevel(saved[2])
    assert "error connecting" not in stream.getvalue() and "the pool is broken" in stream.getvalue()


def test_a_replaced_worker_leaves_its_figures_and_no_files_behind(fake, tmp_path):
    """A worker killed (SIGKILL, the OOM killer, gunicorn's timeout) and replaced left its counter
    and histogram files in the metrics folder for good: two more files for every replacement, each
    read at every scrape, so the folder and a scrape's work grew without bound. Its figures are now
    folded into one file per kind; the totals still count what it did."""
    import signal

    from slack_helpers import worker_pids
    folder = tmp_path / "metrics"
    answered = ("biglisten_questions_total", (("outcome", "answered"), ("reason", "")))
    timed = ("biglisten_answer_seconds_count", ())
    with bot_server(fake, tmp_path / "bot", workers=1, env={"PROMETHEUS_MULTIPROC_DIR": str(folder)},
                    startup_timeout=120) as s:
        slack, channel, dead = SlackSender(s.url), f"CRE{uuid.uuid4().hex[:6].upper()}", []
        seen, stop = [], threading.Event()

        def scrapes() -> None:   # all along: no scrape fails, and no count ever goes down
            while not stop.is_set():
                # no worker to answer for a moment, or the one answering killed mid-reply (IncompleteRead:
                # the thread died on it once and stopped scraping for the rest of the test)
                with contextlib.suppress(OSError, http.client.HTTPException):
                    status, _, body = get(s, "/metrics")
                    seen.append((status, samples(body).get(answered, 0) if status == 200 else body[:200]))
        scraper = threading.Thread(target=scrapes, daemon=True)
        scraper.start()
        for n in range(1, 4):
            assert slack.event(mention(f"<@UBOT> {ANSWERED}", channel)).status == 200
            wait_until(lambda n=n: (lambda found: found.get(answered) == n and found.get(timed) == n)(scrape(s)),
                       timeout=30)
            if n < 3:
                dead += worker_pids(s)
                os.kill(dead[-1], signal.SIGKILL)
                wait_until(lambda gone=set(dead): set(worker_pids(s)) - gone and s.readyz() == 200, timeout=120)
        stop.set()
        scraper.join(15)
        assert seen and all(status == 200 for status, _ in seen), [x for x in seen if x[0] != 200][:3]
        counts = [count for _, count in seen]
        assert counts == sorted(counts), counts
        live = {str(pid) for pid in worker_pids(s)}
        kept = sorted(p.name for p in folder.glob("*.db"))
        assert all(name.split("_", 1)[1][:-3] in live | {"archive"} for name in kept), (kept, dead)
        found = scrape(s)
        assert found[answered] == 3 and found[timed] == 3
        assert found[("biglisten_ack_seconds_count", ())] == 3


def test_a_metrics_file_a_killed_worker_left_empty_is_passed_over(fake, tmp_path):
    """A worker killed while it made its metrics file (prometheus_client creates it empty, then
    sizes it) left a 0-byte file: every scrape was a 500 from then on (struct.error reading it),
    and folding the dead worker's files in failed on it too, so it stayed for good."""
    from bot.metrics import worker_exited
    folder = tmp_path / "metrics"
    with bot_server(fake, tmp_path / "bot", workers=1, env={"PROMETHEUS_MULTIPROC_DIR": str(folder)}) as s:
        channel = f"C{uuid.uuid4().hex[:8].upper()}"
        assert SlackSender(s.url).event(mention(f"<@UBOT> {ANSWERED}", channel)).status == 200
        answered = ("biglisten_questions_total", (("outcome", "answered"), ("reason", "")))
        wait_until(lambda: scrape(s).get(answered) == 1, timeout=30)
        (folder / "counter_999999.db").write_bytes(b"")   # the killed worker's, never sized
        status, _, body = get(s, "/metrics")
        assert status == 200 and samples(body).get(answered) == 1
    folder.mkdir(exist_ok=True)
    (folder / "counter_999998.db").write_bytes(b"")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PROMETHEUS_MULTIPROC_DIR", str(folder))
        worker_exited(999998)   # gunicorn's child_exit hook, in the master
    assert not (folder / "counter_999998.db").exists()
