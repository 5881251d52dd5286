"""bot/retry.py's handlers in a real WebClient against the fake Slack: what is retried, and what isn't."""
from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.retry import deadline, retry_handlers
from fake_slack import FakeSlack


@pytest.fixture
def fake():
    with FakeSlack() as f:
        yield f


@pytest.fixture
def client(fake):
    return WebClient(token="xoxb-test", base_url=fake.base_url, timeout=1, retry_handlers=retry_handlers())


def test_a_5xx_on_a_read_is_retried(fake, client):
    fake.fault("conversations.history", times=1, status=503)
    assert client.conversations_history(channel="C1")["ok"]
    assert [c.status for c in fake.calls_to("conversations.history")] == [503, 200]


def test_a_5xx_on_a_post_is_not_retried_blindly(fake, client):
    fake.fault("chat.postMessage", times=1, status=503)
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C1", text="hi")
    assert len(fake.calls_to("chat.postMessage")) == 1    # it may have landed: the caller checks first


def test_a_timeout_on_a_read_is_retried_but_not_on_a_post(fake, client):
    fake.fault("conversations.replies", times=1, status=200, delay=1.5)
    assert client.conversations_replies(channel="C1", ts="1.1")["ok"]
    assert len(fake.calls_to("conversations.replies")) == 2
    fake.fault("chat.postMessage", times=1, status=200, delay=1.5)
    with pytest.raises(TimeoutError):
        client.chat_postMessage(channel="C1", text="hi")
    assert len(fake.calls_to("chat.postMessage")) == 1


def test_retry_after_is_obeyed_when_short_and_refused_past_the_deadline(fake, client):
    fake.rate_limit("chat.postMessage", times=1, retry_after=1)
    assert client.chat_postMessage(channel="C1", text="hi")["ok"]
    assert [c.status for c in fake.calls_to("chat.postMessage")] == [429, 200]
    fake.clear()
    fake.rate_limit("chat.postMessage", times=1, retry_after=3600)
    with deadline(5), pytest.raises(SlackApiError) as refused:   # capped at 30 s, still past the deadline
        client.chat_postMessage(channel="C1", text="hi")
    assert refused.value.response.status_code == 429
    assert [c.status for c in fake.calls_to("chat.postMessage")] == [429]
