"""`python -m bot serve` in Socket Mode, as a process: the real SocketModeHandler connected to the
fake Slack's WebSocket, envelopes pushed through it, the process killed and restarted."""
from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from conftest import ROOT
from slack_helpers import BOT_USER, _copy, http_config, mention, posts_in, stop_process, wait_until

AUTH = {"authorizations": [{"team_id": "T1", "user_id": BOT_USER, "is_bot": True}]}


@dataclass
class SocketBot:
    process: subprocess.Popen
    log_path: Path
    copier: threading.Thread

    def log(self) -> str:
        """What the bot has logged; once it has exited, all of it: a thread copies its output from
        the pipe, and may still be writing the last lines when `process.wait()` returns."""
        if self.process.poll() is not None:
            self.copier.join(10)
        return self.log_path.read_text(errors="replace")


@contextlib.contextmanager
def socket_bot(fake, workdir: Path, *, db: Path | None = None, settings: dict | None = None,
               env: dict | None = None) -> Iterator[SocketBot]:
    """`serve` with socket_mode: true, connected (its WebSocket open on the fake) when yielded."""
    workdir.mkdir(parents=True, exist_ok=True)
    config = http_config(workdir / "app.yaml", db or workdir / "bot.sqlite3", settings)
    config.write_text(config.read_text(encoding="utf-8").replace("socket_mode: false", "socket_mode: true"),
                      encoding="utf-8")
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    environ |= dict(SLACK_BOT_TOKEN="xoxb-test", SLACK_APP_TOKEN="xapp-test-secret", SLACK_API_URL=fake.base_url,
                    PYTHONUNBUFFERED="1", INBOX_LEASE_SECONDS="6") | (env or {})
    opened = len(fake.calls_to("apps.connections.open"))
    process = subprocess.Popen([sys.executable, "-m", "bot", "--config", str(config), "serve"], cwd=ROOT,
                               env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    log_path = workdir / "server.log"
    copier = threading.Thread(target=_copy, args=(process.stdout, log_path), daemon=True)
    copier.start()
    bot = SocketBot(process, log_path, copier)
    try:
        # connected: the start-up check and the handler both opened a connection, and a client is on the socket
        wait_until(lambda: len(fake.calls_to("apps.connections.open")) - opened >= 2 and fake._ws_clients
                   or process.poll() is not None, timeout=60)
        assert process.poll() is None, bot.log()
        yield bot
    finally:
        stop_process(process)


def close_sockets(fake) -> None:
    """Slack closes the connection (as it does for a refresh, or a revoked token)."""
    with fake._cond:
        clients = list(fake._ws_clients)
    for conn in clients:
        conn.close()


def new_channel() -> str:
    return "C" + uuid.uuid4().hex[:10].upper()


def ask(fake, text: str, channel: str) -> dict:
    envelope = fake.event_envelope(mention(f"<@{BOT_USER}> {text}", channel), **AUTH)
    fake.wait_for_ack(fake.send_envelope(envelope, timeout=30), timeout=10)
    return envelope


def test_an_app_token_revoked_while_serving_stops_the_bot_with_one_line_naming_it(fake, tmp_path):
    """The app token revoked (or regenerated) while the bot runs: Slack closes the socket and
    refuses a new one. The bot stayed up and deaf, every member's question unanswered, logging
    two multi-line SDK errors every 10 s that never named SLACK_APP_TOKEN; a supervisor saw it
    running. It now stops (exit 2, as at start-up) with one line naming the variable."""
    with socket_bot(fake, tmp_path) as bot:
        channel = new_channel()
        ask(fake, "what is off-rolling", channel)
        wait_until(lambda: posts_in(fake, channel), timeout=20)
        fake.set_response("apps.connections.open", {"ok": False, "error": "token_revoked"})
        try:
            close_sockets(fake)
            bot.process.wait(timeout=40)
        finally:
            fake.set_response("apps.connections.open", None)
        log = bot.log()
        assert bot.process.returncode == 2, log[-3000:]
        last = log.rstrip().splitlines()[-1]
        assert last.startswith("error: SLACK_APP_TOKEN was refused by Slack (token_revoked)"), log[-3000:]
        assert "xapp-test-secret" not in log and "Traceback" not in log


def test_sigterm_stops_taking_events_and_finishes_the_answers_under_way(fake, tmp_path):
    """A supervisor's SIGTERM (a deploy, `systemctl stop`, Kubernetes) killed the Socket Mode bot
    at once: an answer it was posting was cut off, and its inbox item stayed leased, so the
    member's question waited for the lease to run out and another instance to check Slack. It
    now closes the socket (Slack sends new events to the other connections), finishes the answers
    under way, marks them done and exits 0."""
    import signal
    import sqlite3
    import time
    db = tmp_path / "bot.sqlite3"
    with socket_bot(fake, tmp_path, db=db, env={"INBOX_LEASE_SECONDS": "60"}) as bot:
        channel = new_channel()
        fake.fault("chat.postMessage", delay=3.0, status=200)   # the post lands, and is answered late
        ask(fake, "what is off-rolling", channel)
        wait_until(lambda: posts_in(fake, channel), timeout=20)
        bot.process.send_signal(signal.SIGTERM)
        started = time.monotonic()
        bot.process.wait(timeout=30)
        log = bot.log()
        assert bot.process.returncode == 0, log[-3000:]
        assert time.monotonic() - started < 15, log[-3000:]
        assert "SIGTERM" in log and "Traceback" not in log, log[-3000:]
        with sqlite3.connect(db) as conn:
            states = conn.execute("SELECT state FROM inbox").fetchall()
        assert states == [("done",)], states   # settled by this process, not left for a takeover
        assert len(posts_in(fake, channel)) == 1
        assert not fake._ws_clients   # the socket was closed, so Slack sends new events elsewhere


def _http(port: int, request: bytes, timeout: float = 10) -> bytes:
    """One raw HTTP exchange with the bot's metrics port: all it sends until it closes."""
    import socket
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(request)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    return data


def test_the_metrics_port_serves_scrapes_while_a_connection_sits_idle(fake, tmp_path):
    """METRICS_PORT was one thread with no timeout: a connection that sent nothing (a load
    balancer's TCP check, a port scan, a scraper that hung) held it, and every scrape after it
    timed out until that connection closed. HEAD got the whole body, and POST /metrics was scraped."""
    import socket
    import time

    from slack_helpers import free_port
    port = free_port()
    with socket_bot(fake, tmp_path, env={"METRICS_PORT": str(port), "METRICS_HOST": "127.0.0.1"}):
        idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(3)]
        try:
            started = time.monotonic()
            answer = _http(port, b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            assert answer.startswith(b"HTTP/1.0 200") and b"biglisten_store_up 1.0" in answer
            assert time.monotonic() - started < 5
            head, _, body = _http(port, b"HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n").partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.0 200") and b"Content-Length" in head and body == b""
            assert _http(port, b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n").startswith(
                b"HTTP/1.0 405")
        finally:
            for s in idle:
                s.close()


def test_socket_mode_keeps_its_metrics_in_memory_whatever_prometheus_multiproc_dir_says(fake, tmp_path):
    """PROMETHEUS_MULTIPROC_DIR (gunicorn's, from an env file both modes share) put Socket Mode in
    multiprocess mode: a folder that wasn't there made every scrape a 500 with a traceback and no
    question was counted; one that was there was never emptied, so an earlier run's figures, and
    those of any other instance on the host using it, were added to this one's."""
    from slack_helpers import free_port
    port = free_port()
    folder = tmp_path / "not-there"
    env = {"METRICS_PORT": str(port), "METRICS_HOST": "127.0.0.1", "PROMETHEUS_MULTIPROC_DIR": str(folder)}
    with socket_bot(fake, tmp_path / "bot", env=env) as bot:
        channel = new_channel()
        ask(fake, "what is off-rolling", channel)
        wait_until(lambda: posts_in(fake, channel), timeout=20)

        def questions() -> float:
            answer = _http(port, b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            assert answer.startswith(b"HTTP/1.0 200"), answer[:300]
            return sum(float(line.rsplit(b" ", 1)[1]) for line in answer.splitlines()
                       if line.startswith(b"biglisten_questions_total{"))
        wait_until(lambda: questions() == 1)
        assert not folder.exists()
        assert "PROMETHEUS_MULTIPROC_DIR" in bot.log() and "Traceback" not in bot.log()


def test_malformed_frames_are_one_line_each_and_the_next_question_is_answered(fake, tmp_path):
    """Left since round 22: a frame that isn't JSON, or JSON that isn't an envelope, logged the SDK's
    traceback (and a frame's text must never be logged: it holds members' messages)."""
    with socket_bot(fake, tmp_path) as bot:
        for frame in ('{"type": "events_api", "envelope_id": "e1", "payload": ', '{"type": "events_api"}',
                      '{"type": "events_api", "envelope_id": "e2", "payload": "members text"}', "[1, 2]"):
            fake.send_raw(frame)
        channel = new_channel()
        ask(fake, "what is off-rolling", channel)
        wait_until(lambda: posts_in(fake, channel), timeout=20)
        log = bot.log()
    assert "Traceback" not in log and "members text" not in log, log[-3000:]
    assert "Socket Mode" in log and "dropped" in log, log[-3000:]
