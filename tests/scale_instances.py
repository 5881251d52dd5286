"""Scale benchmark (not a test): `.venv/bin/python tests/scale_instances.py [--store postgresql|sqlite]
[--instances 1|2] [--kill] [--events 1000] [--clients 20]`.

One or two gunicorn servers (`python -m bot serve`, 2 workers each) on their own ports sharing
one store: a throwaway PostgreSQL server (tests/pg_server.py) or one SQLite file. Concurrent
client threads send signed app_mention events, each to one instance in turn; 10% are then
delivered again (Slack's retry) to the *other* instance. With --kill, the second instance
(master and workers) gets `kill -9` once 40% of the events have been sent, and is not
restarted: a request it can't take is sent to the survivor, as a load balancer would. The
survivor's inbox worker takes over what the dead one acknowledged but had not answered.

Reports: acknowledged events, answered once / twice+ / never (acknowledged ones), throughput
(answers per second from the first request to the last answer), ack p50/p99 and answer p50/p99
(request sent to the answer reaching the fake Slack).
"""
from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import signal
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from load_http import QUESTIONS, percentile

from fake_slack import FakeSlack
from pg_server import PostgresServer
from slack_helpers import BOT_USER, SlackSender, bot_server, mention, process_tree


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--instances", type=int, choices=[1, 2], default=2)
    parser.add_argument("--kill", action="store_true", help="kill -9 the second instance at 40%%")
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per instance")
    parser.add_argument("--lease", type=int, default=10, help="INBOX_LEASE_SECONDS")
    parser.add_argument("--timeout", type=float, default=180, help="seconds to wait for all answers")
    args = parser.parse_args(argv)
    if args.kill and args.instances < 2:
        parser.error("--kill needs two instances")

    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        fake = stack.enter_context(FakeSlack())
        os.environ["INBOX_LEASE_SECONDS"] = str(args.lease)
        if args.store == "postgresql":
            pg = PostgresServer().start()
            stack.callback(pg.stop)
            os.environ["DATABASE_URL"] = pg.url
            storage = {"url": "${DATABASE_URL}", "retention_days": 180}
        else:
            storage = {"url": f"sqlite:///{tmp / 'shared.sqlite3'}", "retention_days": 180}

        answered_at: dict[str, list[float]] = {}
        answer_lock = threading.Lock()

        def record_post(params: dict) -> dict:
            with answer_lock:
                answered_at.setdefault(params.get("channel"), []).append(time.monotonic())
            return fake._canned("chat.postMessage", params)

        fake.set_response("chat.postMessage", record_post)
        print(f"starting {args.instances} instance(s) x {args.workers} workers on {args.store} ...", flush=True)
        servers = [stack.enter_context(bot_server(fake, tmp / f"bot{i}", workers=args.workers,
                                                  settings={"storage": storage}))
                   for i in range(args.instances)]
        deadline = time.monotonic() + 60   # every worker of every instance has built its app (the
        # master's start-up check calls auth.test too)
        while len(fake.calls_to("auth.test")) < (args.workers + 1) * args.instances and time.monotonic() < deadline:
            time.sleep(0.1)
        senders = [SlackSender(s.url) for s in servers]
        questions = itertools.cycle(QUESTIONS)
        events = [(f"EvScale{i:05d}", mention(f"<@{BOT_USER}> {next(questions)}", f"CSCALE{i:05d}"))
                  for i in range(args.events)]
        sent_at: dict[str, float] = {}
        acked: set[str] = set()
        ack_ms: list[float] = []
        failures = Counter()
        lock = threading.Lock()
        sent_count = itertools.count(1)
        killed = threading.Event()

        def deliver(order: list[int], event_id: str, event: dict, retry: int | None) -> bool:
            for n in order:
                try:
                    r = senders[n].event(event, event_id=event_id, retry=retry)
                except Exception as e:   # refused or reset: the load balancer tries the other instance
                    failures[type(e).__name__] += 1
                    continue
                if r.status == 200:
                    with lock:
                        ack_ms.append(r.seconds * 1000)
                    return True
                failures[f"HTTP {r.status}"] += 1
            return False

        def send(i: int) -> None:
            event_id, event = events[i]
            first = i % args.instances
            order = [first, 1 - first] if args.instances == 2 else [0]
            with lock:
                sent_at[event["channel"]] = time.monotonic()
            ok = deliver(order, event_id, event, None)
            if i % 10 == 0:   # a duplicate delivery, to the other instance
                ok = deliver(list(reversed(order)), event_id, event, 1) or ok
            if ok:
                with lock:
                    acked.add(event["channel"])
            if args.kill and next(sent_count) == int(args.events * 0.4) and not killed.is_set():
                killed.set()
                victims = process_tree(servers[1].process.pid)
                for pid in victims:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                print(f"kill -9 instance 2 ({len(victims)} processes) after {int(args.events * 0.4)} events",
                      flush=True)

        started = time.monotonic()
        with ThreadPoolExecutor(args.clients) as pool:
            list(pool.map(send, range(args.events)))
        sent_in = time.monotonic() - started
        deadline = time.monotonic() + args.timeout
        while time.monotonic() < deadline:
            with answer_lock:
                if acked <= set(answered_at):
                    break
            time.sleep(0.1)
        time.sleep(max(3.0, args.lease * 0.5))   # late duplicates would show up by now
        with answer_lock:
            posts = {ch: list(times) for ch, times in answered_at.items()}
        survivors_alive = servers[0].process.poll() is None

    once = sum(1 for ch in acked if len(posts.get(ch, [])) == 1)
    twice = sum(1 for ch in acked if len(posts.get(ch, [])) > 1)
    never = sum(1 for ch in acked if ch not in posts)
    answer_ms = [(posts[ch][0] - sent_at[ch]) * 1000 for ch in acked if ch in posts]
    last = max((t for times in posts.values() for t in times), default=started)
    label = f"{args.store}, {args.instances} instance(s) x {args.workers} workers"
    label += ", kill -9 one" if args.kill else ""
    print(f"== {label}: {args.events} events, 10% delivered twice"
          + (" (to the other instance)" if args.instances == 2 else "") + f", {args.clients} clients")
    print(f"acknowledged:             {len(acked)} / {args.events}   (sent in {sent_in:.1f} s)"
          + (f"  refused/failed deliveries: {dict(failures)}" if failures else ""))
    print(f"answered once/twice/never: {once} / {twice} / {never}   (of the acknowledged)")
    print(f"throughput:               {len(posts) / max(1e-9, last - started):.1f} answers/s")
    if ack_ms:
        print(f"ack ms:                   p50 {statistics.median(ack_ms):.1f}  p99 {percentile(ack_ms, 99):.1f}")
    if answer_ms:
        print(f"answer ms:                p50 {statistics.median(answer_ms):.1f}  p99 {percentile(answer_ms, 99):.1f}"
              f"  max {max(answer_ms):.1f}")
    print(f"first instance alive:     {survivors_alive}")
    return 0 if once == len(acked) and survivors_alive else 1


if __name__ == "__main__":
    sys.exit(main())
