"""Load benchmark for HTTP mode (not a test): `.venv/bin/python tests/load_http.py [--events 200 --clients 10]`.

Starts a fake Slack and `python -m bot serve` under gunicorn (as tests/test_slack_http.py does),
sends signed app_mention events with distinct event ids from concurrent client threads, records
each HTTP status and how long the ack took, then waits until every event has been answered and
reports the ack latencies and whether each event was answered exactly once.
"""
from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

# Run as a script, this file's folder is first on sys.path: fake_slack, slack_helpers and conftest import.
from fake_slack import FakeSlack
from slack_helpers import BOT_USER, SlackSender, bot_server, mention, server_acks

QUESTIONS = [
    "should safeguarding be a separate judgement?",
    "what is off-rolling",
    "whats off-rolling",
    "what should I put for the safeguarding question?",
    "where do I put my views on workload?",
    "what does MAT mean",
    "how do I answer the question about single word judgements",
    "when does the Big Listen close?",
    "should safeguarding be inspected more often",
    "what does NASUWT say about SEND inspections",
    "is the children's survey separate?",
    "what did Ofsted do after the Big Listen",
    "what is a deep dive",
    "how long do inspections last",
    "who can take part in the big listen",
    "what about alternative provision",
    "what does the union say about inspector expertise and training",
    "what is the pause policy",
    "what should i say about inspection and teacher wellbeing",
    "will there be a pay rise this year?",   # off-topic: the bot abstains, but still replies once
]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (WEB_CONCURRENCY)")
    parser.add_argument("--timeout", type=float, default=60, help="seconds to wait for all answers")
    args = parser.parse_args(argv)

    with FakeSlack() as fake, tempfile.TemporaryDirectory() as tmp:
        print(f"starting gunicorn with {args.workers} workers ...", flush=True)
        with bot_server(fake, Path(tmp), workers=args.workers) as server:
            slack = SlackSender(server.url)
            questions = itertools.cycle(QUESTIONS)
            events = [mention(f"<@{BOT_USER}> {next(questions)}", f"CLOAD{i:04d}") for i in range(args.events)]
            results: list[tuple[int, float]] = []
            lock = threading.Lock()

            def send(event: dict) -> None:
                try:
                    r = slack.event(event, event_id=f"EvLoad{event['channel']}")
                    outcome = (r.status, r.seconds)
                except Exception as e:  # a refused or reset connection counts as a failure, not a crash
                    print(f"request failed: {e!r}", file=sys.stderr)
                    outcome = (0, float("nan"))
                with lock:
                    results.append(outcome)

            started = time.monotonic()
            with ThreadPoolExecutor(args.clients) as pool:
                list(pool.map(send, events))
            sent_in = time.monotonic() - started

            expected = {e["channel"] for e in events}
            deadline = time.monotonic() + args.timeout
            while time.monotonic() < deadline:
                answered = {c.params.get("channel") for c in fake.calls_to("chat.postMessage") if c.status == 200}
                if expected <= answered:
                    break
                time.sleep(0.05)
            all_answered_in = time.monotonic() - started
            time.sleep(1.0)  # let any duplicate arrive before counting
            per_channel = Counter(c.params.get("channel") for c in fake.calls_to("chat.postMessage")
                                  if c.status == 200)
            alive = server.process.poll() is None
            acks = server_acks(server.port) if alive else None

    statuses = Counter(status for status, _ in results)
    latencies = [seconds * 1000 for status, seconds in results if status == 200]
    once = sum(1 for ch in expected if per_channel[ch] == 1)
    duplicates = sum(per_channel[ch] - 1 for ch in expected if per_channel[ch] > 1)
    missing = sum(1 for ch in expected if per_channel[ch] == 0)

    print(f"events sent:              {args.events} from {args.clients} client threads in {sent_in:.2f} s")
    print(f"HTTP 200 acks:            {statuses[200]} / {args.events}"
          + (f"  (other: {dict((k, v) for k, v in statuses.items() if k != 200)})" if len(statuses) > 1 else ""))
    if latencies:
        print(f"ack latency ms:           p50 {statistics.median(latencies):.1f}  "
              f"p99 {percentile(latencies, 99):.1f}  max {max(latencies):.1f}")
    if acks:
        print(f"acks timed by the server: {acks}")
    print(f"answered exactly once:    {once} / {args.events}")
    print(f"duplicates:               {duplicates}")
    print(f"missing:                  {missing}")
    print(f"all answered after:       {all_answered_in:.2f} s")
    print(f"server alive at the end:  {alive}")
    return 0 if statuses[200] == args.events and once == args.events and alive else 1


if __name__ == "__main__":
    raise SystemExit(main())
