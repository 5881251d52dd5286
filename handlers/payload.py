"""Reading Slack payloads without trusting their shape: every getter returns a safe default
for a missing or wrongly typed field, so a listener answers, skips or tells the member, and
never raises on an odd payload."""
from __future__ import annotations

import math
import time

from bot.normalise import safe_text


def text_field(data, *keys: str) -> str:
    """data[k1][k2]... when it is text, else ""."""
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data if isinstance(data, str) else ""


def user_id(body) -> str:
    """Who pressed, typed or pinned: body.user.id, body.user (events) or body.user_id (commands)."""
    if not isinstance(body, dict):
        return ""
    user = body.get("user")
    if isinstance(user, dict):
        user = user.get("id")
    return user if isinstance(user, str) else text_field(body, "user_id")


def channel_of(body) -> str:
    """The channel a button was pressed in: the message's container, else body.channel.id."""
    return text_field(body, "container", "channel_id") or text_field(body, "channel", "id")


def first_action(body) -> dict:
    actions = body.get("actions") if isinstance(body, dict) else None
    return actions[0] if isinstance(actions, list) and actions and isinstance(actions[0], dict) else {}


def message_text(message) -> str:
    """What a message says: its text, else (forwarded, attachment-only or blocks-only
    messages) the text of its attachments and blocks."""
    if not isinstance(message, dict):
        return ""
    if text_field(message, "text").strip():
        return message["text"]
    parts: list[str] = []
    for attachment in message.get("attachments") or []:
        if isinstance(attachment, dict):
            said = [text_field(attachment, k) for k in ("pretext", "title", "text")]
            parts += said if any(said) else [text_field(attachment, "fallback")]
            parts += _block_texts(attachment.get("message_blocks"))   # a forwarded message
    parts += _block_texts(message.get("blocks"))
    return " ".join(p.strip() for p in parts if p.strip())


def forwarded_text(message) -> str:
    """The text of messages forwarded with this one (its attachments Slack marks as a shared
    message), not a link's preview: someone else's words, as a message shortcut's are."""
    if not isinstance(message, dict) or not isinstance(message.get("attachments"), list):
        return ""
    return " ".join(message_text({"attachments": [a]}) for a in message["attachments"]
                    if isinstance(a, dict) and (a.get("is_share") is True or a.get("is_msg_unfurl") is True)).strip()


def _block_texts(node) -> list[str]:
    """Text in blocks (section text and fields, rich_text elements, forwarded messages), in order."""
    out: list[str] = []
    if isinstance(node, list):
        for child in node:
            out += _block_texts(child)
    elif isinstance(node, dict):
        if node.get("type") in ("plain_text", "mrkdwn", "text", "link") and isinstance(node.get("text"), str):
            out.append(node["text"])
        for key in ("text", "fields", "elements", "blocks", "message"):
            if isinstance(node.get(key), (list, dict)):
                out += _block_texts(node[key])
    return out


def press_of(body) -> dict:
    """What answering a press takes (and, kept in the inbox, takes again): the button, who
    pressed it where, and its response_url (valid for 30 minutes); never the request's token."""
    action = first_action(body)
    container = body.get("container") if isinstance(body, dict) else None
    container = container if isinstance(container, dict) else {}
    press = {"action_id": text_field(action, "action_id"), "value": text_field(action, "value"),
             "user_id": user_id(body), "channel_id": channel_of(body),
             "conversation": text_field(body, "channel", "id"),   # where a shared answer goes
             # the answer voted on, keyed as votes always were (an odd payload's "None:None" too)
             "message": f"{container.get('channel_id')}:{container.get('message_ts')}",
             "response_url": text_field(body, "response_url"), "trigger_id": text_field(body, "trigger_id")}
    press = {k: safe_text(v) for k, v in press.items()}
    try:   # when the member pressed (Slack's action_ts), else now: a vote replaces only an earlier one
        pressed = float(text_field(action, "action_ts"))
    except ValueError:
        pressed = time.time()
    return press | {"pressed_at": pressed if math.isfinite(pressed) else time.time()}
