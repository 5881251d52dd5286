"""The answering side of a serving process (handlers/answering.py), below Slack."""
from __future__ import annotations

import logging
import threading
import time

from slack_sdk import WebClient

from bot.guide import Guide
from bot.store import open_store
from handlers.answering import COMPOSING_AT_ONCE, Answerer


def test_a_process_composes_few_answers_at_once(searcher, config, tmp_path):
    """The search holds the GIL in its Python parts: answers composed side by side queued the
    acks behind them (handlers/answering.py, README's fault bench), so listener threads take turns."""
    guide = Guide(config, searcher, open_store(tmp_path / "bot.sqlite3"))
    inside, most, lock = [0], [0], threading.Lock()
    ask = guide.ask

    def slow_ask(*args, **kwargs):
        with lock:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        time.sleep(0.2)   # long enough that unguarded threads certainly overlap
        try:
            return ask(*args, **kwargs)
        finally:
            with lock:
                inside[0] -= 1

    guide.ask = slow_ask
    client = WebClient(token="xoxb-unused", base_url="http://127.0.0.1:9/")   # never called: composing only
    answerer = Answerer(guide, client, logging.getLogger("test"), "me")
    questions = ("what is off-rolling", "whats a deep dive", "P4", "when did the big listen close",
                 "what is a PRU", "who is HMCI")
    start = threading.Barrier(len(questions))
    messages = []

    def compose(text):
        start.wait()
        messages.append(answerer.compose({"text": text, "via": "mention", "channel": "C1"}))

    threads = [threading.Thread(target=compose, args=(q,)) for q in questions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most[0] <= COMPOSING_AT_ONCE < len(questions)
    assert len(messages) == len(questions) and all(m.text for m in messages)

