"""handlers/posted.find_post against the fake Slack Web API: it reads only what came after
`since`, pages on by Slack's cursor, and stops after MAX_PAGES."""
from __future__ import annotations

import pytest
from slack_sdk import WebClient

from handlers.posted import MAX_PAGES, PAGE, find_post

ANSWER = {"event_type": "biglisten_answer", "event_payload": {"key": "message:C1:1.5"}}


@pytest.fixture
def client(fake) -> WebClient:
    return WebClient(token="xoxb-test", base_url=fake.base_url)


def find(client: WebClient, **where) -> dict | None:
    return find_post(client, "C1", event_type="biglisten_answer", fields={"key": "message:C1:1.5"}, **where)


def test_a_late_answer_in_a_busy_thread_is_found_by_reading_from_the_question(client, fake):
    """The round-18 limit: a thread is read oldest first, 200 a call, so an answer after 250
    replies wasn't seen and a takeover answered again."""
    root = client.chat_postMessage(channel="C1", text="the thread's start")["ts"]
    question = fake.chatter("C1", 250, root)[-1]
    answer = client.chat_postMessage(channel="C1", thread_ts=root, text="our answer", metadata=ANSWER)["ts"]
    fake.calls.clear()
    assert find(client, thread_ts=root, since=question)["ts"] == answer
    (call,) = fake.calls_to("conversations.replies")        # one page: only what came after the question
    assert call.params["oldest"] == question and call.params["ts"] == root

    fake.calls.clear()                                      # with no starting point, it pages on
    assert find(client, thread_ts=root)["ts"] == answer
    assert [c.params.get("cursor") for c in fake.calls_to("conversations.replies")] == [None, str(PAGE)]


def test_an_earlier_post_under_later_history_is_found_and_one_before_since_is_not(client, fake):
    """History is read newest first: 250 later messages hid an earlier post, and a post from
    before `since` (a review notice of an earlier confirmation) is not this one."""
    old = client.chat_postMessage(channel="C1", text="an old notice", metadata=ANSWER)["ts"]
    since = fake.chatter("C1", 1)[0]
    post = client.chat_postMessage(channel="C1", text="ours", metadata=ANSWER)["ts"]
    fake.chatter("C1", 250)
    fake.calls.clear()
    assert find(client, since=since)["ts"] == post
    assert len(fake.calls_to("conversations.history")) == 2
    assert find(client, since=post) is None
    assert find(client)["ts"] == post and old < post          # newest first: the later one


def test_it_reads_at_most_max_pages_then_counts_it_as_not_there(client, fake):
    root = client.chat_postMessage(channel="C1", text="the thread's start")["ts"]
    question = fake.chatter("C1", 1, root)[0]
    fake.chatter("C1", PAGE * MAX_PAGES, root)
    client.chat_postMessage(channel="C1", thread_ts=root, text="our answer", metadata=ANSWER)
    fake.calls.clear()
    assert find(client, thread_ts=root, since=question) is None
    assert len(fake.calls_to("conversations.replies")) == MAX_PAGES
