"""Wiring: build the Bolt app around a Guide, and serve it (Socket Mode or HTTP).

HTTP mode runs under gunicorn through slack_bolt's WSGI adapter (App.start() is a dev
server). Each gunicorn worker builds its own app after the fork, so SQLite connections and
Bolt's thread pool are never shared across processes.
"""
from __future__ import annotations

import logging
import os
import signal
import threading
from dataclasses import dataclass, field

from slack_bolt import App
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk import WebClient

from bot.config import Config
from bot.errors import ConfigError, MissingToken
from bot.guide import Guide
from bot.inbox import LEASE_SECONDS, InboxWorker, new_owner
from bot.logs import ContextExecutor, configure_logging
from bot.ops import MeteredWebClient, event_id_middleware, metrics_port
from bot.reps import RepDirectory
from bot.retry import retry_handlers
from handlers import register_listeners
from handlers.actions import press_reply
from handlers.answering import Answerer
from handlers.commands import command_reply
from handlers.rep_requests import RepChores, RepDesk

DEFAULT_API_URL = "https://slack.com/api/"
SLACK_TIMEOUT = 10   # seconds for one Web API call at most (slack_sdk's default is 30)


@dataclass(frozen=True)
class SlackEnv:
    """The Slack settings that come from the environment (never from files)."""

    bot_token: str = field(default="", repr=False)       # secrets never appear in a repr or a log
    app_token: str = field(default="", repr=False)
    signing_secret: str = field(default="", repr=False)
    api_url: str = DEFAULT_API_URL
    port: int = 3000
    workers: int = 2
    inbox_lease: int = int(LEASE_SECONDS)
    metrics_port: int | None = None   # Socket Mode's /metrics (HTTP mode serves it on `port`)

    @classmethod
    def from_environ(cls, environ=os.environ) -> SlackEnv:
        """The numbers are checked together, before any token (a bad METRICS_PORT had been said
        only once the tokens were right, as Socket Mode was about to serve): every one that is
        wrong is in the one line."""
        problems: list[str] = []

        def checked(read, *args, **limits):
            try:
                return read(environ, *args, **limits)
            except ConfigError as e:
                problems.append(str(e))
                return None
        numbers = dict(port=checked(_whole_number, "PORT", 3000, most=65535),
                       workers=checked(_workers),
                       inbox_lease=checked(_whole_number, "INBOX_LEASE_SECONDS", int(LEASE_SECONDS), least=6),
                       metrics_port=checked(metrics_port))
        if problems:
            raise ConfigError("; ".join(problems))
        # Stripped: a secret from an env file may end in a newline (every request then failed its
        # signature check), and one of spaces passed as set (every worker then failed to start).
        return cls(bot_token=environ.get("SLACK_BOT_TOKEN", "").strip(),
                   app_token=environ.get("SLACK_APP_TOKEN", "").strip(),
                   signing_secret=environ.get("SLACK_SIGNING_SECRET", "").strip(),
                   api_url=environ.get("SLACK_API_URL") or DEFAULT_API_URL, **numbers)

    def mode(self, config: Config) -> str:
        """"socket" or "http", as app.yaml's socket_mode says; a missing token is one clear line naming
        the variable."""
        if not self.bot_token:
            raise MissingToken("SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-...) "
                               "from your Slack app's OAuth & Permissions page")
        if config.socket_mode:   # app.yaml decides, as the manifest does: Slack calls no URL in Socket Mode
            if self.app_token:
                return "socket"
            # the settings file read, which `--config` may name (these said "app.yaml" for any)
            if self.signing_secret:
                raise ConfigError(f"{config.setting('socket_mode')} is true: set SLACK_APP_TOKEN, or set "
                                  "socket_mode: false to serve over HTTP")
            raise MissingToken("SLACK_APP_TOKEN is not set: Socket Mode needs an app-level token (xapp-...) "
                               f"with connections:write; or, to serve over HTTP, set {config.setting('socket_mode')} "
                               "to false and set SLACK_SIGNING_SECRET")
        if self.signing_secret:
            return "http"
        raise MissingToken("SLACK_SIGNING_SECRET is not set: HTTP mode needs the Signing Secret from your "
                           "Slack app's Basic Information page")


def _whole_number(environ, name: str, default: int, least: int = 1, most: int | None = None) -> int:
    value = environ.get(name) or str(default)
    if not value.isdecimal() or int(value) < least or (most is not None and int(value) > most):
        what = f"a whole number from {least} to {most}" if most is not None else f"a whole number of at least {least}"
        raise ConfigError(f"{name} must be {what}, got {value!r}")
    return int(value)


def _workers(environ) -> int:
    """WEB_CONCURRENCY, at most four workers a core: each loads the search model (about 500 MB) and
    answers on a core; 500 (a typo, or a value meant for another app) started 500 workers, which
    took the machine down (load 200) and outlived the stopped server by a minute."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    try:
        return _whole_number(environ, "WEB_CONCURRENCY", 2, most=max(4, 4 * cores))
    except ConfigError as e:
        if (environ.get("WEB_CONCURRENCY") or "").isdecimal() and int(environ["WEB_CONCURRENCY"]) > 0:
            raise ConfigError(f"{e} (this machine has {cores} core{'s' if cores != 1 else ''}, and each "
                              "worker loads the search model, about 500 MB)") from None
        raise


def _check_port_free(port: int) -> None:
    """Bind the port once, as gunicorn will (SO_REUSEADDR), before starting it: gunicorn retries a
    port in use five times, then exits 1 with a line per try."""
    import socket

    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("0.0.0.0", port))
        except OSError as e:
            raise ConfigError(f"PORT {port}: can't listen there ({e.strerror}): is another server using it? "
                              "Set PORT to a free port") from None


@dataclass
class Bot:
    """The Bolt app and its inbox worker (start it where the app serves: after the fork)."""
    app: App
    worker: InboxWorker
    chores: RepChores | None = None   # the reps' pending Slack work, escalations, reviews

    def start(self) -> None:
        self.worker.start()
        if self.chores:
            self.chores.start()

    def stop(self) -> None:
        """Take no more work (the inbox's takeovers, the reps' chores); what is under way goes on."""
        self.worker.stop()
        if self.chores:
            self.chores.stop()


class _ClientCarriesTheToken(logging.Filter):
    """Bolt warns "`token` will be unused" whenever SLACK_BOT_TOKEN is set and a client is
    given, at every worker's start: the client carries that same token, so there's nothing to
    act on."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


def build_bot(guide: Guide, env: SlackEnv, *, socket_mode: bool = False) -> Bot:
    # A call's timeout is at most a sixth of the inbox lease: an answer (half the lease) can
    # make its calls and still finish before another worker may take the event over.
    timeout = max(1, min(SLACK_TIMEOUT, env.inbox_lease // 6))
    client = MeteredWebClient(token=env.bot_token, base_url=env.api_url, timeout=timeout,
                              retry_handlers=retry_handlers())
    logger = logging.getLogger("biglisten")
    if not any(isinstance(f, _ClientCarriesTheToken) for f in logger.filters):
        logger.addFilter(_ClientCarriesTheToken())
    app = App(client=client, signing_secret=env.signing_secret, request_verification_enabled=not socket_mode,
              logger=logger, listener_executor=ContextExecutor(max_workers=5))
    app.use(event_id_middleware)
    guide.reps = RepDirectory(guide.config.reps,
                              fetch_group=lambda group: client.usergroups_users_list(usergroup=group)["users"])
    owner = new_owner()
    desk = RepDesk(guide, client, logger, owner)
    answerer = Answerer(guide, client, logger, owner, lease_seconds=env.inbox_lease,
                        command=lambda payload: command_reply(guide, desk, payload, logger),
                        press=lambda payload: press_reply(guide, payload, logger))

    @app.middleware
    def provide_guide(context, next):  # noqa: A002 - Bolt injects by this name
        context["guide"] = guide
        context["answerer"] = answerer
        context["rep_desk"] = desk
        next()

    register_listeners(app)
    guide.library.watch(guide.config.reload_seconds)   # edited packs are swapped in (bot/packs.py)
    return Bot(app, InboxWorker(guide.store, answerer.take_over, owner, lease_seconds=env.inbox_lease),
               RepChores(desk))


def build_app(guide: Guide, env: SlackEnv, *, socket_mode: bool = False) -> App:
    """The Bolt app alone (its inbox worker not started: tests, or a host that runs its own)."""
    return build_bot(guide, env, socket_mode=socket_mode).app


def preflight(config: Config, env: SlackEnv) -> None:
    """What would otherwise fail in every gunicorn worker at once (a traceback each, and
    gunicorn's own exit code): the store, the knowledge pack and the bot token, checked once
    before serving. Each problem is a BotError: one line naming the file or variable."""
    from bot.knowledge import load_pack
    from bot.packs import check_unique_ids
    from bot.store import open_store
    from bot.store_location import check_store_folder, storage_location, store_setting

    location = storage_location(config)
    check_store_folder(config, location)   # a mistyped folder was made, and served from an empty store
    open_store(location, setting=store_setting(config))
    check_unique_ids([load_pack(path) for path in config.pack_paths()], config)
    _check_token(env, "SLACK_BOT_TOKEN", "the Bot User OAuth Token (xoxb-...) again from your Slack app's "
                 "OAuth & Permissions page", lambda client: client.auth_test(), env.bot_token)
    if config.socket_mode and env.app_token:   # refused, it was a traceback (and, malformed, the token itself)
        _check_token(env, "SLACK_APP_TOKEN", APP_TOKEN_COPY,
                     lambda client: client.apps_connections_open(app_token=env.app_token), env.app_token)


APP_TOKEN_COPY = ("the App-Level Token (xapp-..., with connections:write) again from your Slack app's Basic "
                  "Information page")
# apps.connections.open's refusals that no retry can mend: the token is read once, at start
APP_TOKEN_REFUSED = frozenset({"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive",
                               "not_allowed_token_type", "invalid_token", "missing_scope"})


class _Stopping(threading.Event):
    """Set when Socket Mode serving should stop: on SIGTERM, or the app token refused for good
    (`error`, Slack's word for it)."""
    error = ""


def _watch_app_token(handler, refused: _Stopping) -> None:
    """Set `refused` (with Slack's error) when Slack refuses the app token for good as the SDK
    reconnects (the token revoked or regenerated while serving): the SDK would otherwise retry
    every 10 s forever, deaf to every member, logging errors that never name SLACK_APP_TOKEN."""
    from slack_sdk.errors import SlackApiError

    client = handler.client
    issue = client.issue_new_wss_url

    def issue_new_wss_url() -> str:
        try:
            return issue()
        except SlackApiError as e:
            error = e.response.get("error") if isinstance(e.response.data, dict) else None
            if error in APP_TOKEN_REFUSED:
                client.auto_reconnect_enabled = False
                refused.error = str(error)
                refused.set()
            raise

    client.issue_new_wss_url = issue_new_wss_url


# Slack's token kinds by prefix, and the one each variable takes. A user token (xoxp-) in
# SLACK_BOT_TOKEN passes auth.test, so Slack alone never refused it: the bot would post as that person.
TOKEN_KINDS = {"xoxb-": "a bot token", "xapp-": "an app-level token", "xoxp-": "a user token"}
TOKEN_HOMES = {"xoxb-": "SLACK_BOT_TOKEN", "xapp-": "SLACK_APP_TOKEN"}


def _check_token(env: SlackEnv, name: str, copy: str, call, token: str) -> None:
    """One call to Slack with the token in `name`: refused or malformed, one line naming it."""
    from slack_sdk.errors import SlackApiError

    if not token.isascii() or not token.isprintable() or " " in token:   # said before slack_sdk logs it
        raise MissingToken(f"{name} holds a character no Slack token has: copy {copy}")
    prefix = next((p for p in TOKEN_KINDS if token.startswith(p)), None)
    if prefix and TOKEN_HOMES.get(prefix) != name:   # the kind shown by its prefix alone, never the token
        home = TOKEN_HOMES.get(prefix)
        belongs = f", which belongs in {home}" if home else ""
        raise MissingToken(f"{name} holds {TOKEN_KINDS[prefix]} ({prefix}...){belongs}: copy {copy}")
    try:
        call(WebClient(token=token, base_url=env.api_url, timeout=SLACK_TIMEOUT))
    except SlackApiError as e:
        error = e.response.get("error") if isinstance(e.response.data, dict) else e.response.status_code
        raise MissingToken(f"{name} was refused by Slack ({error}): copy {copy}") from None
    except Exception as e:
        raise ConfigError(f"can't reach Slack at {env.api_url} ({type(e).__name__}): check the network "
                          "(or SLACK_API_URL)") from None


def serve(config: Config, environ=os.environ) -> int:
    configure_logging(environ)
    env = SlackEnv.from_environ(environ)
    mode = env.mode(config)
    preflight(config, env)
    if mode == "socket":
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        from bot.metrics import single_process
        single_process(environ)   # before any metric is made: they stay in this process's memory
        guide = Guide.from_config(config)
        guide.purge_if_due()
        from bot.ops import serve_metrics_port
        serve_metrics_port(environ, guide.store)   # a port in use stops start-up before any event is taken
        bot = build_bot(guide, env, socket_mode=True)
        bot.start()
        handler = SocketModeHandler(bot.app, app_token=env.app_token)
        stopping = _Stopping()
        _watch_app_token(handler, stopping)
        # (a second SIGTERM sets nothing: Event.set takes a lock the main thread may hold in wait())
        signal.signal(signal.SIGTERM, lambda _signum, _frame: stopping.is_set() or stopping.set())
        handler.connect()
        stopping.wait()   # SIGTERM, or the app token refused for good (Ctrl-C: KeyboardInterrupt, exit 130)
        if not stopping.error:
            logging.getLogger("biglisten").info("SIGTERM: closing the Socket Mode connection (Slack sends new "
                                                "events to the others) and finishing the answers under way")
        handler.close()
        bot.stop()   # the answers under way finish before the process exits (their threads are joined)
        if stopping.error:
            raise MissingToken(f"SLACK_APP_TOKEN was refused by Slack ({stopping.error}) while reconnecting, so "
                               f"no events could reach the bot: copy {APP_TOKEN_COPY}, then start the bot again")
        return 0
    _check_port_free(env.port)
    if env.metrics_port is not None:   # set for a reason: an admin told nothing scrapes a port nobody serves
        logging.getLogger("biglisten").warning("METRICS_PORT %s is ignored: over HTTP /metrics is served on PORT "
                                               "%s (METRICS_PORT is for Socket Mode)", env.metrics_port, env.port)
    from bot.metrics import remove_made_folder
    from bot.wsgi import run_gunicorn
    try:
        return run_gunicorn(config, env)
    finally:
        remove_made_folder()   # the metrics folder run_gunicorn made (unless PROMETHEUS_MULTIPROC_DIR was set)
