"""`respond()` that is never silent: a failed response_url post is logged, and a request
without a response_url (a button inside a modal) is answered by direct message instead.

Bolt's own respond() returns the webhook's response unchecked (a 404 or 500 goes unnoticed)
and does nothing at all without a response_url. `provide_respond`, a global middleware, puts
this one in the context, so every listener's `respond` argument is it.

A response_url post that gets 429 is sent again after Retry-After (nothing was posted), and
one that gets a 5xx once more, within RESPOND_SECONDS (slack_sdk.http_retry, bot/retry.py's
handlers): a slash command's reply was lost on a single 500 (round 15's audit). Unlike a
message, an ephemeral reply can't be looked for first, so a 5xx after Slack did post it would
show the member the reply twice: only they see it, which is the lesser harm than no reply.
A reply that fails in the end is counted where failed Web API calls are
(biglisten_slack_api_errors_total, method "response_url").
"""
from __future__ import annotations

import json
import re
import time
from logging import Logger

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from bot.logs import current_event
from bot.metrics import record_answer_latency, record_slack_error
from bot.retry import CappedRateLimitRetry, ServerErrorRetry, deadline

ONLY_FOR_MESSAGES = ("delete_original", "replace_original", "response_type")
RESPOND_SECONDS = 6.0    # a retry's wait must fit in this (Bolt's listener thread waits for it: 5 of them
RESPOND_TIMEOUT = 5      # ... serve every request's ack), each attempt this long at most


# A call made before an ack or a views.open (whose trigger Slack honours for 3 s): one call
# gives up after this, where the app's client waits its full timeout (round 20: a users.info
# answering in 4 s opened "Ask a rep" too late for Slack, and failed a rep's submitted answer)
QUICK_SECONDS = 1.0


def quick(client: WebClient) -> WebClient:
    """The same client, each call giving up after QUICK_SECONDS (retries within `deadline`)."""
    return WebClient(token=client.token, base_url=client.base_url, timeout=QUICK_SECONDS, ssl=client.ssl,
                     proxy=client.proxy, headers=dict(client.headers or {}))


class CheckedRespond:
    def __init__(self, response_url: str | None, client: WebClient, user: str | None, logger: Logger, what: str,
                 *, seconds: float = RESPOND_SECONDS, again_on_5xx: bool = True):
        self.response_url, self.client, self.user, self.logger, self.what = response_url, client, user, logger, what
        self.seconds = seconds   # retries' waits fit in this; each attempt takes RESPOND_TIMEOUT at most, or this
        self.again_on_5xx = again_on_5xx   # not for a message everyone in the channel would see twice

    def __call__(self, text: str = "", blocks=None, **options):
        if self.response_url:
            message = {"text": text} | ({"blocks": blocks} if blocks is not None else {})
            message |= {k: v for k, v in options.items() if v is not None}
            webhook = WebhookClient(self.response_url, timeout=max(1, int(min(RESPOND_TIMEOUT, self.seconds))),
                                    retry_handlers=[CappedRateLimitRetry()]
                                    + ([ServerErrorRetry(max_retry_count=1)] if self.again_on_5xx else []))
            try:
                with deadline(self.seconds):
                    response = webhook.send_dict(message)
            except Exception as e:
                self.logger.error("replying to %s through its response_url failed: %s", self.what, type(e).__name__)
                record_slack_error(RESPONSE_URL, type(e).__name__)
                return None
            if response.status_code != 200:
                self.logger.error("replying to %s through its response_url failed: HTTP %s", self.what,
                                  response.status_code)
                record_slack_error(RESPONSE_URL, _slack_word(response.body) or f"http_{response.status_code}")
            else:   # posted: timed as the Web API's posts are (a slash command's answer comes this way)
                received = current_event().received_at
                if received is not None:
                    record_answer_latency(time.time() - received)
            return response
        if options.get("delete_original") or not (text or blocks) or not self.user:
            return None   # nothing to delete or say, or nobody to say it to
        try:   # a button in a modal: no response_url, so tell the member in a DM from the bot
            return self.client.chat_postMessage(channel=self.user, text=text, blocks=blocks)
        except Exception as e:
            self.logger.error("replying to %s by direct message failed: %s", self.what, type(e).__name__)
            return None


RESPONSE_URL = "response_url"   # the metric's method for these replies, beside the Web API's methods
_WORD = re.compile(r"[a-z_]{1,60}")


def _slack_word(body: str | None) -> str | None:
    """Slack's error word in a refused reply's body ("expired_url", "used_url", ...: plain text,
    or JSON's "error"), else None: nothing else of a body becomes a metric's label."""
    text = (body or "").strip()
    if _WORD.fullmatch(text):
        return text
    try:
        error = json.loads(text).get("error")
    except (ValueError, AttributeError):
        return None
    return error if isinstance(error, str) and _WORD.fullmatch(error) else None


def _what(body: dict) -> str:
    if body.get("command"):
        return f"command {body.get('command')}"
    actions = body.get("actions")
    if isinstance(actions, list) and actions and isinstance(actions[0], dict):
        return f"action {actions[0].get('action_id')}"
    return f"{body.get('type') or 'request'} {body.get('callback_id') or ''}".strip()


def _user(body: dict) -> str | None:
    user = body.get("user")
    if isinstance(user, dict):
        user = user.get("id")
    user = user if isinstance(user, str) else body.get("user_id")
    return user if isinstance(user, str) and user else None


def provide_respond(body: dict, context: BoltContext, client: WebClient, logger: Logger, next) -> None:  # noqa: A002
    if isinstance(body, dict) and body.get("type") != "event_callback":
        url = body.get("response_url")
        urls = body.get("response_urls")   # a modal submission's, if it asked for one
        if not isinstance(url, str) and isinstance(urls, list) and urls and isinstance(urls[0], dict):
            url = urls[0].get("response_url")
        context["respond"] = CheckedRespond(url if isinstance(url, str) and url else None, client, _user(body),
                                            logger, _what(body))
    next()
