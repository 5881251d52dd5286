"""Wiring: build the Bolt app around a Guide, and serve it (Socket Mode or HTTP).

HTTP mode runs under gunicorn through slack_bolt's WSGI adapter (App.start() is a dev
server). Each gunicorn worker builds its own app after the fork, so SQLite connections and
Bolt's thread pool are never shared across processes.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

from bot.config import Config
from bot.errors import ConfigError, MissingToken
from bot.guide import Guide
from bot.reps import RepDirectory
from handlers import register_listeners

DEFAULT_API_URL = "https://slack.com/api/"


@dataclass(frozen=True)
class SlackEnv:
    """The Slack settings that come from the environment (never from files)."""

    bot_token: str = field(default="", repr=False)       # secrets never appear in a repr or a log
    app_token: str = field(default="", repr=False)
    signing_secret: str = field(default="", repr=False)
    api_url: str = DEFAULT_API_URL
    port: int = 3000
    workers: int = 2

    @classmethod
    def from_environ(cls, environ=os.environ) -> SlackEnv:
        return cls(bot_token=environ.get("SLACK_BOT_TOKEN", ""), app_token=environ.get("SLACK_APP_TOKEN", ""),
                   signing_secret=environ.get("SLACK_SIGNING_SECRET", ""),
                   api_url=environ.get("SLACK_API_URL") or DEFAULT_API_URL,
                   port=_whole_number(environ, "PORT", 3000), workers=_whole_number(environ, "WEB_CONCURRENCY", 2))

    def mode(self, config: Config) -> str:
        """"socket" or "http"; a missing token is one clear line naming the variable."""
        if not self.bot_token:
            raise MissingToken("SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-...) "
                               "from your Slack app's OAuth & Permissions page")
        if self.app_token and config.socket_mode:
            return "socket"
        if self.signing_secret:
            return "http"
        if config.socket_mode:
            raise MissingToken("SLACK_APP_TOKEN is not set: Socket Mode needs an app-level token (xapp-...) "
                               "with connections:write; or set SLACK_SIGNING_SECRET to serve HTTP")
        raise MissingToken("SLACK_SIGNING_SECRET is not set: HTTP mode needs the Signing Secret from your "
                           "Slack app's Basic Information page")


def _whole_number(environ, name: str, default: int) -> int:
    value = environ.get(name) or str(default)
    if not value.isdecimal() or int(value) < 1:
        raise ConfigError(f"{name} must be a whole number, got {value!r}")
    return int(value)


def build_app(guide: Guide, env: SlackEnv, *, socket_mode: bool = False) -> App:
    client = WebClient(token=env.bot_token, base_url=env.api_url,
                       retry_handlers=[ConnectionErrorRetryHandler(), RateLimitErrorRetryHandler(max_retry_count=2)])
    app = App(client=client, signing_secret=env.signing_secret, request_verification_enabled=not socket_mode,
              logger=logging.getLogger("biglisten"))
    guide.reps = RepDirectory(guide.config.reps,
                              fetch_group=lambda group: client.usergroups_users_list(usergroup=group)["users"])

    @app.middleware
    def provide_guide(context, next):  # noqa: A002 - Bolt injects by this name
        context["guide"] = guide
        next()

    register_listeners(app)
    return app


def serve(config: Config, environ=os.environ) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    env = SlackEnv.from_environ(environ)
    mode = env.mode(config)
    if mode == "socket":
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        guide = Guide.from_config(config)
        guide.purge_if_due()
        SocketModeHandler(build_app(guide, env, socket_mode=True), app_token=env.app_token).start()
        return 0
    from bot.wsgi import run_gunicorn
    return run_gunicorn(config, env)
