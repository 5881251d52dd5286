"""The Slack app manifest is generated from app.yaml, for Socket Mode and for HTTP."""
from __future__ import annotations

from dataclasses import replace

import yaml

from bot.manifest import build_manifest
from conftest import PACK_DIR, ROOT, run_cli


def test_manifest_command_prints_yaml_from_app_yaml(config):
    out = run_cli("manifest")
    assert out.returncode == 0, out.stderr
    manifest = yaml.safe_load(out.stdout)
    features, settings = manifest["features"], manifest["settings"]
    assert [c["command"] for c in features["slash_commands"]] == [config.slash_command]
    assert features["shortcuts"][0]["callback_id"] == "ask_guidance_bot"
    assert features["shortcuts"][0]["type"] == "message"
    assert features["app_home"]["home_tab_enabled"] is True
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"app_mentions:read", "chat:write", "commands", "im:history", "pins:write", "usergroups:read"} <= scopes
    assert {"app_mention", "message.im", "app_home_opened", "pin_added", "pin_removed"} <= set(
        settings["event_subscriptions"]["bot_events"])
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is config.socket_mode is True
    assert "request_url" not in settings["event_subscriptions"]


def test_a_name_slack_would_refuse_is_said_with_the_key(config, tmp_path):
    """Slack refuses a manifest whose app name is over 35 characters (display_information.name)
    or whose description is over 140: the admin learns which key to shorten, not Slack's error."""
    fits = build_manifest(replace(config, bot_name="x" * 35, organisation="y" * 200))["display_information"]
    assert fits["name"] == "x" * 35 and len(fits["description"]) == 140
    app = tmp_path / "app.yaml"
    text = (ROOT / "app.yaml").read_text(encoding="utf-8").replace("knowledge/big-listen", str(PACK_DIR))
    app.write_text(text.replace("bot_name: Big Listen guidance", "bot_name: The NASUWT Big Listen consultation helper"),
                   encoding="utf-8")
    out = run_cli("--config", str(app), "manifest")
    assert out.returncode == 2 and out.stdout == ""
    assert "key 'bot_name'" in out.stderr and "is 41 characters" in out.stderr and "over 35" in out.stderr, out.stderr


def test_http_manifest_has_request_urls(config):
    manifest = build_manifest(replace(config, socket_mode=False, slash_command="/askunion"))
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is False
    for url in (settings["event_subscriptions"]["request_url"], settings["interactivity"]["request_url"],
                manifest["features"]["slash_commands"][0]["url"]):
        assert url.endswith("/slack/events")
    assert manifest["features"]["slash_commands"][0]["command"] == "/askunion"


def test_serve_names_the_missing_token():
    out = run_cli("serve")
    assert out.returncode == 2 and "SLACK_BOT_TOKEN" in out.stderr and "Traceback" not in out.stderr
    out = run_cli("serve", env={"SLACK_BOT_TOKEN": "xoxb-test"})
    assert out.returncode == 2 and "SLACK_APP_TOKEN" in out.stderr
    assert "xoxb-test" not in out.stderr + out.stdout   # never echo a secret


def test_serve_and_the_manifest_agree_on_the_mode(config):
    """Audit: with socket_mode true (the manifest: Socket Mode, no request URLs) and only the
    signing secret set, serve started HTTP, which Slack would never call. It refuses in one line."""
    from bot.app import SlackEnv

    out = run_cli("serve", env={"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "s",
                                "SLACK_API_URL": "http://127.0.0.1:9/api/"})   # nothing reaches Slack
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert out.returncode == 2 and len(lines) == 1 and "Traceback" not in out.stderr, out.stderr[-2000:]
    assert lines[0] == (f"error: socket_mode in {ROOT / 'app.yaml'} is true: set SLACK_APP_TOKEN, or set "
                        "socket_mode: false to serve over HTTP")
    both = SlackEnv(bot_token="xoxb-test", app_token="xapp-test", signing_secret="s")
    assert both.mode(config) == "socket" and both.mode(replace(config, socket_mode=False)) == "http"


def test_serve_names_the_settings_file_read_for_socket_mode(tmp_path):
    """The admin hunt: with `--config other.yaml`, serve said to set socket_mode "in app.yaml", a
    file it hadn't read (and which may not be there)."""
    data = yaml.safe_load((ROOT / "app.yaml").read_text(encoding="utf-8"))
    data["packs"] = [str(ROOT / pack) for pack in data["packs"]]
    other = tmp_path / "other.yaml"
    other.write_text(yaml.safe_dump(data), encoding="utf-8")
    nowhere = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": "http://127.0.0.1:9/api/"}   # nothing reaches Slack
    out = run_cli("--config", str(other), "serve", env=nowhere | {"SLACK_SIGNING_SECRET": "s"})
    assert out.returncode == 2 and out.stderr == (f"error: socket_mode in {other} is true: set SLACK_APP_TOKEN, or "
                                                  "set socket_mode: false to serve over HTTP\n"), out.stderr
    out = run_cli("--config", str(other), "serve", env=nowhere)
    assert out.returncode == 2 and out.stderr.endswith(f"; or, to serve over HTTP, set socket_mode in {other} to "
                                                       "false and set SLACK_SIGNING_SECRET\n"), out.stderr
    assert "app.yaml" not in out.stderr
