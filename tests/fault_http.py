"""Fault benchmark for HTTP mode (not a test): is every acknowledged question answered exactly once?

    .venv/bin/python tests/fault_http.py --fault none|worker|server [--events 1000 --clients 20 --workers 4
                                                                     --presses 200]

Starts a fake Slack and `python -m bot serve` under gunicorn, sends signed app_mention events
(each in its own channel, `--dup` of them delivered twice as Slack's retries) and, mixed in,
`--presses` presses of an answer's buttons (Other matches, Helpful, Did you mean; each with its
own response_url) from concurrent client threads, and at `--at` of the way through:

- `worker`: kill -9 one gunicorn worker (the master starts another);
- `server`: kill -9 the master and every worker, then start the server again on the same
  SQLite file and port.

A request that fails (connection refused or reset) is re-sent up to 3 times, a second apart,
as Slack retries an event it got no 200 for. Then it waits for the answers and reports, for
the events that got a 200: answered once / twice / never, and the ack latency; and for the
presses that got a 200 (Slack doesn't send a press again: a member who got an error presses
again, a new press), replied to once / twice / never.
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import random
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

from bot.blocks import SORRY_TEXT
from fake_slack import FakeSlack
from slack_helpers import (
    BOT_USER,
    SlackSender,
    block_actions,
    bot_server,
    event_body,
    mention,
    server_acks,
    worker_pids,
)

SLACK_RETRIES = 3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fault", choices=["none", "worker", "server"], default="none")
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--dup", type=float, default=0.1, help="share of events delivered twice")
    parser.add_argument("--at", type=float, default=0.4, help="when to strike, as a share of the events sent")
    parser.add_argument("--lease", type=int, default=20, help="INBOX_LEASE_SECONDS for the server")
    parser.add_argument("--timeout", type=float, default=180, help="seconds to wait for all answers")
    parser.add_argument("--presses", type=int, default=200, help="button presses mixed in")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)

    with FakeSlack() as fake, tempfile.TemporaryDirectory() as tmp:
        env = {"INBOX_LEASE_SECONDS": str(args.lease)}
        print(f"starting gunicorn with {args.workers} workers (lease {args.lease} s) ...", flush=True)
        running = {"cm": bot_server(fake, Path(tmp), workers=args.workers, env=env)}
        server = running["cm"].__enter__()
        try:
            questions = itertools.cycle(QUESTIONS)
            bodies = [event_body(mention(f"<@{BOT_USER}> {next(questions)}", f"CFLT{i:05d}"))
                      for i in range(args.events)]
            deliveries = [(b, 0) for b in bodies] + [(b, 1) for b in rng.sample(bodies, int(args.dup * len(bodies)))]
            buttons = ("other_matches", "vote_helpful", "did_you_mean_0")
            value = json.dumps({"e": "off-rolling", "q": "what is off-rolling", "ids": ["deep-dives", "mats"]})
            presses = [block_actions(buttons[i % 3], value, response_url=fake.response_url(f"press{i:05d}"),
                                     channel=f"CPRS{i:05d}", user=f"UPRS{i:05d}") for i in range(args.presses)]
            deliveries += [(press, None) for press in presses]
            rng.shuffle(deliveries)
            pressed: set[str] = set()
            press_latencies: list[float] = []
            acked: set[str] = set()
            latencies: list[float] = []
            lock = threading.Lock()
            sent = itertools.count(1)
            strike_at = int(args.at * len(deliveries))
            struck = threading.Event()
            up = threading.Event()
            up.set()
            slack = SlackSender(server.url)

            def strike() -> None:
                nonlocal server
                if args.fault == "worker":
                    pid = worker_pids(server)[0]
                    os.kill(pid, signal.SIGKILL)
                    print(f"kill -9 worker {pid}", flush=True)
                elif args.fault == "server":
                    up.clear()
                    pids = [server.process.pid, *worker_pids(server)]
                    for pid in pids:
                        os.kill(pid, signal.SIGKILL)
                    server.process.wait()
                    print(f"kill -9 the whole server ({len(pids)} processes); restarting on the same file",
                          flush=True)
                    running["cm"].__exit__(None, None, None)
                    running["cm"] = bot_server(fake, Path(tmp), workers=args.workers, env=env, port=server.port,
                                               db_path=server.db_path)
                    server = running["cm"].__enter__()
                    up.set()

            def send(delivery) -> None:
                body, retry = delivery
                if next(sent) == strike_at and not struck.is_set():
                    struck.set()
                    threading.Thread(target=strike, daemon=True).start()
                if retry is None:   # a press: sent once
                    up.wait(120)
                    try:
                        r = slack.interaction(body)
                    except Exception:
                        return
                    if r.status == 200:
                        with lock:
                            pressed.add(body["response_url"].rsplit("/", 1)[-1])
                            latencies.append(r.seconds * 1000)
                            press_latencies.append(r.seconds * 1000)
                    return
                for attempt in range(SLACK_RETRIES + 1):
                    up.wait(120)
                    try:
                        r = slack.event_callback(body, retry=retry + attempt or None)
                    except Exception:   # refused or reset: no 200, so Slack retries
                        time.sleep(1)
                        continue
                    if r.status == 200:
                        with lock:
                            acked.add(body["event"]["channel"])
                            latencies.append(r.seconds * 1000)
                        return
                    time.sleep(1)

            started = time.monotonic()
            with ThreadPoolExecutor(args.clients) as pool:
                list(pool.map(send, deliveries))
            sent_in = time.monotonic() - started

            def answered() -> Counter:
                return Counter(c.params.get("channel") for c in fake.calls_to("chat.postMessage")
                               if c.status == 200 and c.params.get("text") != SORRY_TEXT)

            def replied() -> Counter:
                return Counter(c.path.rsplit("/", 1)[-1] for c in fake.calls_to("response_url")
                               if c.status == 200 and c.params.get("text") != SORRY_TEXT)

            deadline = time.monotonic() + args.timeout
            while time.monotonic() < deadline and not (acked <= set(answered()) and pressed <= set(replied())):
                time.sleep(0.25)
            all_answered_in = time.monotonic() - started
            time.sleep(2.0)   # let any duplicate arrive before counting
            per_channel, per_press = answered(), replied()
            apologies = sum(1 for c in fake.calls_to("chat.postMessage") if c.params.get("text") == SORRY_TEXT)
            alive = server.process.poll() is None
            acks = server_acks(server.port) if alive else None
            logged = server.log_path.read_text(errors="replace")
            twice_in = [ch for ch in acked if per_channel[ch] > 1]
            if twice_in or any(per_press[name] != 1 for name in pressed):   # kept for reading: what happened
                kept = Path(tempfile.gettempdir()) / f"fault_http-{os.getpid()}.log"
                kept.write_text(logged)
                print(f"server log kept in {kept}; answered more than once in: {sorted(twice_in)}", flush=True)
            taken_over = logged.count("taking over event")
            already = logged.count("had been answered already")
        finally:
            running["cm"].__exit__(None, None, None)

    once = sum(1 for ch in acked if per_channel[ch] == 1)
    twice = sum(1 for ch in acked if per_channel[ch] == 2)
    more = sum(1 for ch in acked if per_channel[ch] > 2)
    never = sum(1 for ch in acked if per_channel[ch] == 0)
    print(f"fault:                    {args.fault} (at {args.at:.0%} of {len(deliveries)} deliveries, "
          f"{sum(retry == 1 for _, retry in deliveries)} of them duplicates, {len(presses)} presses)")
    print(f"events sent:              {len(bodies)} from {args.clients} client threads in {sent_in:.1f} s")
    print(f"acknowledged (HTTP 200):  {len(acked)} / {len(bodies)}")
    if latencies:
        print(f"ack latency ms:           p50 {statistics.median(latencies):.1f}  "
              f"p99 {percentile(latencies, 99):.1f}  max {max(latencies):.1f}")
    if acks:
        print(f"acks timed by the server: {acks}"
              + ("  (the restarted server's only)" if args.fault == "server" else ""))
    print(f"answered once/twice/never: {once} / {twice} / {never}" + (f"  (more than twice: {more})" if more else ""))
    if press_latencies:
        print(f"press ack latency ms:     p50 {statistics.median(press_latencies):.1f}  "
              f"p99 {percentile(press_latencies, 99):.1f}  max {max(press_latencies):.1f}")
    if args.presses:
        counts = [per_press[name] for name in pressed]
        print(f"presses acknowledged:     {len(pressed)} / {len(presses)}; replied to once/twice/never: "
              f"{counts.count(1)} / {counts.count(2)} / {counts.count(0)}")
    print(f"apologies:                {apologies}")
    print(f"taken over from the inbox: {taken_over} (found already answered in Slack: {already})")
    print(f"all answered after:       {all_answered_in:.1f} s")
    print(f"server alive at the end:  {alive}")
    presses_once = sum(1 for name in pressed if per_press[name] == 1)
    return 0 if once == len(acked) and presses_once == len(pressed) and alive else 1


if __name__ == "__main__":
    sys.exit(main())
