"""Operations wiring for a running bot: the HTTP routes /healthz, /readyz and /metrics around
Slack's WSGI handler, a Bolt middleware that puts the event id on every log line, and a
WebClient that counts Slack API errors and measures answer latency."""
from __future__ import annotations

import json
import logging
import time

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import metrics
from bot.errors import ConfigError
from bot.health import readiness, report
from bot.logs import current_event, set_event

log = logging.getLogger(__name__)
POSTING_METHODS = frozenset({"chat.postMessage", "chat.postEphemeral"})


class MeteredWebClient(WebClient):
    """Counts failed Web API calls by method and error, and observes answer latency: the time
    from receiving the Slack request to each message posted for it."""

    def api_call(self, api_method: str, **kwargs):
        try:
            response = super().api_call(api_method, **kwargs)
        except SlackApiError as e:
            error = e.response.get("error") if isinstance(e.response.data, dict) else None
            metrics.record_slack_error(api_method, str(error or f"http_{e.response.status_code}"))
            raise
        except Exception as e:
            metrics.record_slack_error(api_method, type(e).__name__)
            raise
        scope = current_event()
        if api_method in POSTING_METHODS and scope.received_at is not None:
            metrics.record_answer_latency(time.time() - scope.received_at)
        return response


def metered(client: WebClient) -> MeteredWebClient:
    """The same client (token, URL, retry handlers...) as a MeteredWebClient."""
    copy = MeteredWebClient(token=client.token, base_url=client.base_url, timeout=client.timeout, ssl=client.ssl,
                            proxy=client.proxy, headers=dict(client.headers), logger=client._logger,
                            retry_handlers=client.retry_handlers)
    copy.default_params = dict(client.default_params)
    return copy


def event_id_middleware(body, context, next):  # noqa: A002 - Bolt injects by this name
    """Global Bolt middleware: the rest of this request (and, through ContextExecutor, its
    listeners) logs the event id (or, for buttons and commands, the trigger id); and the
    listeners' client (Bolt builds a plain one per request) is metered."""
    event_id = (body.get("event_id") or body.get("trigger_id")) if isinstance(body, dict) else None
    set_event(event_id if isinstance(event_id, str) else None, time.time())
    client = context.get("client")
    if isinstance(client, WebClient) and not isinstance(client, MeteredWebClient):
        context["client"] = metered(client)
    next()


class OpsRoutes:
    """WSGI: GET /healthz, /readyz and /metrics answered here, everything else to `app`."""

    def __init__(self, app, guide):
        self.app, self.guide = app, guide
        self.store_collector = metrics.StoreCollector(guide.store)
        self._unready = ""   # the failing checks last logged: a probe every second logs a change, not each probe

    def __call__(self, environ, start_response):
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        if method in ("GET", "HEAD") and path in ("/healthz", "/readyz", "/metrics"):
            status, body, content_type = self._route(path)
            start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body))),
                                    ("Cache-Control", "no-store")])
            return [b"" if method == "HEAD" else body]
        try:
            return self.app(environ, start_response)
        finally:
            set_event(None)   # this thread's next request starts without an event

    def _route(self, path: str) -> tuple[str, bytes, str]:
        if path == "/healthz":
            return "200 OK", b'{"alive": true}\n', "application/json"
        if path == "/readyz":
            result = report(readiness(self.guide.store, self.guide.library.packs))
            failing = sorted(name for name, check in result["checks"].items() if not check["ok"])
            if failing and ",".join(failing) != self._unready:
                log.warning("not ready: %s (logged again when that changes)", json.dumps(result["checks"]))
            elif not failing and self._unready:
                log.warning("ready again")
            self._unready = ",".join(failing)
            status = "200 OK" if result["ready"] else "503 Service Unavailable"
            return status, (json.dumps(result) + "\n").encode(), "application/json"
        body, content_type = metrics.exposition(self.store_collector)
        return "200 OK", body, content_type


METRICS_CONNECTION_SECONDS = 10   # METRICS_PORT: how long a connection may take to send its request


def metrics_port(environ) -> int | None:
    """METRICS_PORT, or None when it is unset; not a port number, ConfigError (as PORT says it)."""
    value = environ.get("METRICS_PORT")
    if not value:
        return None
    if not value.isdecimal() or not 0 < int(value) < 65536:
        raise ConfigError(f"METRICS_PORT must be a whole number from 1 to 65535, got {value!r}")
    return int(value)


def serve_metrics_port(environ, store) -> int | None:
    """Socket Mode has no HTTP server of its own: METRICS_PORT serves /metrics (and /healthz,
    /readyz are `python -m bot health`). Returns the port, or None when METRICS_PORT is unset."""
    port = metrics_port(environ)
    if port is None:
        return None
    from socketserver import ThreadingMixIn
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

    collector = metrics.StoreCollector(store)

    def metrics_app(environ, start_response):
        method = environ.get("REQUEST_METHOD", "GET")
        if environ.get("PATH_INFO") != "/metrics":
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"" if method == "HEAD" else b"not found\n"]
        if method not in ("GET", "HEAD"):
            start_response("405 Method Not Allowed", [("Content-Type", "text/plain"), ("Allow", "GET, HEAD")])
            return [b"method not allowed\n"]
        body, content_type = metrics.exposition(collector)
        start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body))),
                                  ("Cache-Control", "no-store")])
        return [b"" if method == "HEAD" else body]   # wsgiref sends what it is given, even for HEAD

    class Quiet(WSGIRequestHandler):
        # A connection that sends nothing (a TCP health check, a port scan, a scraper that hung)
        # is dropped after this long; before, it held the only thread and every scrape waited.
        timeout = METRICS_CONNECTION_SECONDS

        def log_message(self, *args):   # a scrape every few seconds is not news
            pass

    class Threaded(ThreadingMixIn, WSGIServer):
        daemon_threads = True   # a connection still open never holds up the process's exit

    import threading

    host = environ.get("METRICS_HOST", "0.0.0.0")
    try:
        server = make_server(host, port, metrics_app, server_class=Threaded, handler_class=Quiet)
    except OSError as e:   # a port in use: one line, not a traceback
        raise ConfigError(f"METRICS_PORT {port}: can't listen on {host}:{port} ({e.strerror}): is another "
                          "server using it? Set METRICS_PORT to a free port") from None
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    log.info("metrics on port %s", server.server_port)
    return server.server_port
