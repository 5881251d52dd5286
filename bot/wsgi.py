"""HTTP mode: the Bolt app as a WSGI application under gunicorn (POST /slack/events)."""
from __future__ import annotations

from gunicorn.app.base import BaseApplication
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.config import Config


def create_wsgi_app(config: Config, env) -> SlackRequestHandler:
    from bot.app import build_bot
    from bot.guide import Guide

    guide = Guide.from_config(config)
    guide.purge_if_due()
    bot = build_bot(guide, env)
    bot.worker.start()   # takes over what killed workers (or the last server) left in the inbox
    return SlackRequestHandler(bot.app, path="/slack/events")


class _Gunicorn(BaseApplication):
    def __init__(self, config: Config, env):
        self.bot_config, self.env = config, env
        super().__init__()

    def load_config(self) -> None:
        self.cfg.set("bind", f"0.0.0.0:{self.env.port}")
        self.cfg.set("workers", self.env.workers)
        # Threads keep one slow Slack call from blocking other requests' 3-second acks.
        self.cfg.set("worker_class", "gthread")
        self.cfg.set("threads", 8)
        self.cfg.set("timeout", 30)
        if "control_socket_disable" in self.cfg.settings:   # gunicorn >= 25.1
            self.cfg.set("control_socket_disable", True)    # several bots (or tests) on one host

    def load(self):
        # Runs in each worker after the fork: its own app, index and SQLite connection.
        return create_wsgi_app(self.bot_config, self.env)


def run_gunicorn(config: Config, env) -> int:
    _Gunicorn(config, env).run()
    return 0
