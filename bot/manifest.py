"""`python -m bot manifest`: the Slack app manifest, generated from app.yaml.

Paste it into "Create New App → From an app manifest". In HTTP mode replace the
request URLs' host with where the bot is served.
"""
from __future__ import annotations

import yaml

from bot.config import Config
from bot.errors import ConfigError

NAME_MAX = 35          # Slack's longest app name (display_information.name); a longer one is refused
DESCRIPTION_MAX = 140  # ... and short description
CALLBACK_ID = "ask_guidance_bot"   # the message shortcut; handlers/shortcuts.py listens for it

# Only what the listeners use: a leaked token should be able to read as little as possible.
# channels:history and groups:history: after a crash the bot reads the thread it may have
# answered in (conversations.replies) before answering again; and a pinned message's buttons.
# channels:read and groups:read: "Ask a rep" checks the bot is in the reps' channel (conversations.info).
# im:write: the DM telling a member a rep's answer is looked for before it is sent again
# (conversations.open gives the DM's id; the bot only reads its own posts there).
BOT_SCOPES = ["app_mentions:read", "channels:history", "channels:read", "chat:write", "commands", "groups:history",
              "groups:read", "im:history", "im:write", "pins:read", "pins:write", "usergroups:read", "users:read"]
BOT_EVENTS = ["app_mention", "message.im", "app_home_opened", "pin_added", "pin_removed"]
EVENTS_URL = "https://YOUR-HOST/slack/events"


def build_manifest(config: Config) -> dict:
    """The manifest; a ConfigError when Slack would refuse it (a `bot_name` too long for an app's name)."""
    if len(config.bot_name) > NAME_MAX:
        raise ConfigError(f"key 'bot_name': {config.bot_name!r} is {len(config.bot_name)} characters; "
                          f"Slack refuses an app name over {NAME_MAX}: shorten it")
    socket = config.socket_mode
    command = {"command": config.slash_command, "description": f"Ask the {config.bot_name}"[:100],
               "usage_hint": "[question] | sections | walkthrough | pins | queue | answers | help",
               "should_escape": False}
    interactivity: dict = {"is_enabled": True}
    events: dict = {"bot_events": BOT_EVENTS}
    if not socket:
        command["url"] = EVENTS_URL
        interactivity["request_url"] = EVENTS_URL
        interactivity["message_menu_options_url"] = EVENTS_URL   # the reps' entry search (external_select)
        events["request_url"] = EVENTS_URL
    return {
        "display_information": {"name": config.bot_name,
                                "description": f"{config.organisation}: {config.bot_name}"[:DESCRIPTION_MAX]},
        "features": {
            "app_home": {"home_tab_enabled": True, "messages_tab_enabled": True,
                         "messages_tab_read_only_enabled": False},
            "bot_user": {"display_name": config.bot_name[:80], "always_online": True},
            "slash_commands": [command],
            "shortcuts": [{"name": "Ask the guidance bot", "type": "message", "callback_id": CALLBACK_ID,
                           "description": f"Look this message up in the {config.bot_name}"[:100]}],
        },
        "oauth_config": {"scopes": {"bot": BOT_SCOPES}},
        "settings": {"event_subscriptions": events, "interactivity": interactivity,
                     "org_deploy_enabled": False, "socket_mode_enabled": socket,
                     "token_rotation_enabled": False},
    }


def manifest_yaml(config: Config) -> str:
    return yaml.safe_dump(build_manifest(config), sort_keys=False, allow_unicode=True)
