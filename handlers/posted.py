"""Whether one of the bot's posts is in a conversation already, found by its metadata.

Asked before posting again whatever may have landed on an earlier try: an answer whose post
timed out, a request in the reps' channel, the outcome a member is told. Only what came after
`since` is read (the member's message, the request's creation), page by page: a thread is read
oldest first, so a busy one hid a late answer past its first 200 replies, and a channel's
history newest first, so 100 later messages hid an earlier post. Errors are the caller's: what
a refusal means differs between answering and the reps' desk.
"""
from __future__ import annotations

from slack_sdk import WebClient

PAGE = 200        # messages a call (Slack's most for replies and history)
MAX_PAGES = 5     # 1,000 messages after `since`, then it counts as not there


def find_post(client: WebClient, channel: str, *, thread_ts: str = "", since: str = "", event_type: str,
              fields: dict) -> dict | None:
    """The bot's message in `channel` (a thread if `thread_ts`, else the top level) whose
    metadata is `event_type` with every one of `fields` in its payload, posted after `since` (a
    ts; "" for anywhere), or None. Raises what the Web API call raises."""
    params = dict(channel=channel, limit=PAGE, include_all_metadata=True) | ({"oldest": since} if since else {})
    read = (lambda **more: client.conversations_replies(ts=thread_ts, **params, **more)) if thread_ts else \
        (lambda **more: client.conversations_history(**params, **more))
    cursor = ""
    for _ in range(MAX_PAGES):
        page = read(**({"cursor": cursor} if cursor else {}))
        for message in page.get("messages") or []:
            metadata = message.get("metadata") if isinstance(message, dict) else None
            if not isinstance(metadata, dict) or metadata.get("event_type") != event_type:
                continue
            payload = metadata.get("event_payload")
            if isinstance(payload, dict) and all(payload.get(k) == v for k, v in fields.items()):
                return message
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or ""
        if not cursor:
            break
    return None
