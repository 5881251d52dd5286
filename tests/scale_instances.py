"""Scale and database-outage benchmark (not a test): `.venv/bin/python tests/scale_instances.py
[--store postgresql|sqlite] [--instances 1|2] [--kill] [--events 1000] [--clients 20] [--dup 0.1]`,
or paced through a database outage: `... --db-outage stop|freeze [--down-at 15] [--down-for 30]
[--again-at S] [--rate 5] [--events 300] [--logs DIR]`.

One or two gunicorn servers (`python -m bot serve`, 2 workers each) on their own ports sharing
one store: a throwaway PostgreSQL server (tests/pg_server.py) or one SQLite file. Signed
app_mention events go to each instance in turn; --dup of them (10%) are then delivered again
(Slack's retry) to the *other* instance (with one instance, to the same one: either worker).

Flood (the default): concurrent client threads send the events as fast as they can. With --kill,
the second instance (master and workers) gets `kill -9` once 40% of the events have been sent,
and is not restarted: a request it can't take is sent to the survivor, as a load balancer would.
The survivor's inbox worker takes over what the dead one acknowledged but had not answered.
Reports: acknowledged events, answered once / twice+ / never (acknowledged ones), throughput
(answers per second from the first request to the last answer), ack p50/p99 and answer p50/p99
(request sent to the answer reaching the fake Slack).

Paced (--rate, or --db-outage, which needs PostgreSQL): one event every 1/rate s, the duplicate 1 s after
the first delivery, and a delivery that gets no 200 within 3 s is sent again a second later to the
other instance with the next X-Slack-Retry-Num, up to 3 times (as Slack retries). Every 5th event a
`/biglisten` command goes alongside, with its own response_url on the fake Slack. `--db-outage stop`
stops the PostgreSQL server at --down-at seconds (fast shutdown: connections dropped) and starts it
again --down-for seconds later; `freeze` sends SIGSTOP to all its processes and SIGCONT after
--down-for (a hung server or a network partition: nothing answers, nothing is refused); --again-at
repeats the outage. Each instance's /readyz is asked every second. Reports: events answered once /
twice / never, the twice split into events delivered again to another process (the other instance;
with one instance, perhaps its other worker) while the database was down (the known limit: while the
store can't be written, no shared record says the event was taken), the same after it was back but
before every instance's /readyz answered 200 for good, and any other; acks over 2.5 s and deliveries with
no 200 within 3 s, during the outage and outside it; commands answered once / twice / never; each
instance's /readyz timeline; log lines with a traceback or a secret. Exit status 1 if any event was
answered twice otherwise or never, an ack took over 2.5 s, a command was not answered exactly once,
an instance died, or a log line held a traceback or a secret.
"""
from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from load_http import QUESTIONS, percentile
from procs import process_tree

from bot.blocks import SORRY_TEXT
from fake_slack import FakeSlack
from pg_server import PASSWORD, PostgresServer
from slack_helpers import (
    BOT_USER,
    SIGNING_SECRET,
    SlackSender,
    bot_server,
    event_body,
    mention,
)

SLACK_TIMEOUT = 3.0   # Slack waits this long for a 200, then retries
SLACK_RETRIES = 3
SLOW_ACK = 2.5        # an ack slower than this is counted (it is close to Slack giving up)
PROBE_TIMEOUT = 10.0
SECRETS = {"database password": PASSWORD, "bot token": "xoxb-test", "signing secret": SIGNING_SECRET}


@dataclass
class Delivery:
    sent: float              # seconds since the first event
    instance: int
    retry: int | None        # X-Slack-Retry-Num
    status: int | str        # the HTTP status, or the exception's name (no answer)
    seconds: float

    @property
    def failure(self) -> str | None:
        """None for a 200; otherwise what happened."""
        return None if self.status == 200 else self.status if isinstance(self.status, str) else f"HTTP {self.status}"


@dataclass
class Outage:
    start: float
    back: float              # the database is back (accepting connections, or running again)
    ready: float = float("inf")   # every instance's /readyz answers 200 again, and only 200

    def phase(self, t: float) -> str | None:
        if self.start <= t <= self.back:
            return "down"
        if self.back < t <= self.ready:
            return "recovering"
        return None


class Bench:
    """What every mode shares: the store, the instances, the fake Slack's record of answers, deliveries."""

    def __init__(self, args: argparse.Namespace, stack: contextlib.ExitStack):
        self.args = args
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        self.fake = fake = stack.enter_context(FakeSlack())
        os.environ["INBOX_LEASE_SECONDS"] = str(args.lease)
        self.pg = None
        if args.store == "postgresql":
            self.pg = PostgresServer().start()
            stack.callback(self.pg.stop)
            os.environ["DATABASE_URL"] = self.pg.url
            storage = {"url": "${DATABASE_URL}", "retention_days": 180}
        else:
            storage = {"url": f"sqlite:///{tmp / 'shared.sqlite3'}", "retention_days": 180}
        self.answered_at: dict[str, list[float]] = {}
        self.apologies = Counter()
        self.deliveries: dict[str, list[Delivery]] = {}
        self.acked: set[str] = set()
        self.lock = threading.Lock()
        fake.set_response("chat.postMessage", self._record_post)
        print(f"starting {args.instances} instance(s) x {args.workers} workers on {args.store} ...", flush=True)
        self.servers = [stack.enter_context(bot_server(fake, tmp / f"bot{i}", workers=args.workers,
                                                       settings={"storage": storage}))
                        for i in range(args.instances)]
        deadline = time.monotonic() + 60   # every worker of every instance has built its app (the
        # master's start-up check calls auth.test too)
        while (len(fake.calls_to("auth.test")) < (args.workers + 1) * args.instances
               and time.monotonic() < deadline):
            time.sleep(0.1)
        self.senders = [SlackSender(s.url) for s in self.servers]
        questions = itertools.cycle(QUESTIONS)
        self.bodies = [event_body(mention(f"<@{BOT_USER}> {next(questions)}", f"CSCALE{i:05d}"),
                                  event_id=f"EvScale{i:05d}") for i in range(args.events)]
        self.started = time.monotonic()

    def _record_post(self, params: dict) -> dict:
        with self.lock:
            if params.get("text") == SORRY_TEXT:
                self.apologies[params.get("channel")] += 1
            else:
                self.answered_at.setdefault(params.get("channel"), []).append(time.monotonic())
        return self.fake._canned("chat.postMessage", params)

    def duplicated(self, i: int) -> bool:
        """Whether event i is delivered a second time (every 1/dup-th one)."""
        return bool(self.args.dup) and i % round(1 / self.args.dup) == 0

    def now(self) -> float:
        return time.monotonic() - self.started

    def attempt(self, n: int, body: dict, retry: int | None, timeout: float = 10) -> bool:
        """One delivery of an event to instance n, recorded; True if it got a 200."""
        sent = self.now()
        try:
            r = self.senders[n].event_callback(body, retry=retry, timeout=timeout)
            status, seconds = r.status, r.seconds
        except Exception as e:   # refused, reset or timed out: no 200
            status, seconds = type(e).__name__, self.now() - sent
        with self.lock:
            self.deliveries.setdefault(body["event"]["channel"], []).append(
                Delivery(sent, n, retry, status, seconds))
        return status == 200

    def all_deliveries(self) -> list[Delivery]:
        with self.lock:
            return [d for ds in self.deliveries.values() for d in ds]

    def wait_for_answers(self, settle: float) -> None:
        deadline = time.monotonic() + self.args.timeout
        while time.monotonic() < deadline:
            with self.lock:
                if self.acked <= set(self.answered_at):
                    break
            time.sleep(0.1)
        time.sleep(settle)   # late duplicates would show up by now

    def answer_counts(self) -> tuple[list[str], list[str], list[str]]:
        """The acknowledged events answered once, more than once, never."""
        with self.lock:
            n = {ch: len(self.answered_at.get(ch, [])) for ch in self.acked}
        return ([ch for ch, k in n.items() if k == 1], sorted(ch for ch, k in n.items() if k > 1),
                sorted(ch for ch, k in n.items() if k == 0))

    def logs(self, keep: str | None) -> tuple[str, bool]:
        """Log lines with a traceback or a secret, per instance (each log copied into `keep`); and
        whether there were none."""
        tracebacks, secrets = [], []
        for i, server in enumerate(self.servers):
            lines = server.log_path.read_text(errors="replace").splitlines()
            tracebacks.append(sum("Traceback" in line for line in lines))
            secrets.append(sum(any(s in line for s in SECRETS.values()) for line in lines))
            if keep:
                Path(keep).mkdir(parents=True, exist_ok=True)
                shutil.copy(server.log_path, Path(keep) / f"server{i}.log")
        return (f"log lines with a traceback: {' / '.join(map(str, tracebacks))}; with a secret "
                f"({', '.join(SECRETS)}): {' / '.join(map(str, secrets))}"
                + (f"  (logs in {keep})" if keep else "")), not any(tracebacks) and not any(secrets)


def flood(bench: Bench) -> int:
    args = bench.args
    killed = threading.Event()
    sent_count = itertools.count(1)

    def deliver(order: list[int], body: dict, retry: int | None) -> bool:
        # refused or reset: the load balancer tries the other instance
        return any(bench.attempt(n, body, retry) for n in order)

    def send(i: int) -> None:
        body = bench.bodies[i]
        first = i % args.instances
        order = [first, 1 - first] if args.instances == 2 else [0]
        ok = deliver(order, body, None)
        if bench.duplicated(i):   # a duplicate delivery, to the other instance
            ok = deliver(list(reversed(order)), body, 1) or ok
        if ok:
            with bench.lock:
                bench.acked.add(body["event"]["channel"])
        if args.kill and next(sent_count) == int(args.events * 0.4) and not killed.is_set():
            killed.set()
            victims = process_tree(bench.servers[1].process.pid)
            for pid in victims:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            print(f"kill -9 instance 2 ({len(victims)} processes) after {int(args.events * 0.4)} events",
                  flush=True)

    with ThreadPoolExecutor(args.clients) as pool:
        list(pool.map(send, range(args.events)))
    sent_in = bench.now()
    bench.wait_for_answers(max(3.0, args.lease * 0.5))
    with bench.lock:
        posts = {ch: list(times) for ch, times in bench.answered_at.items()}
    survivors_alive = bench.servers[0].process.poll() is None
    logs, _ = bench.logs(args.logs)

    once, twice, never = bench.answer_counts()
    deliveries = bench.all_deliveries()
    ack_ms = [d.seconds * 1000 for d in deliveries if d.status == 200]
    failures = Counter(d.failure for d in deliveries if d.failure)
    first_sent = {ch: min(d.sent for d in ds) + bench.started for ch, ds in bench.deliveries.items()}
    answer_ms = [(posts[ch][0] - first_sent[ch]) * 1000 for ch in bench.acked if ch in posts]
    last = max((t for times in posts.values() for t in times), default=bench.started)
    label = f"{args.store}, {args.instances} instance(s) x {args.workers} workers"
    label += ", kill -9 one" if args.kill else ""
    print(f"== {label}: {args.events} events, {args.dup:.0%} delivered twice"
          + (" (to the other instance)" if args.instances == 2 else "") + f", {args.clients} clients")
    print(f"acknowledged:             {len(bench.acked)} / {args.events}   (sent in {sent_in:.1f} s)"
          + (f"  refused/failed deliveries: {dict(failures)}" if failures else ""))
    print(f"answered once/twice/never: {len(once)} / {len(twice)} / {len(never)}   (of the acknowledged)"
          + (f"  apologies: {sum(bench.apologies.values())}" if bench.apologies else ""))
    print(f"throughput:               {len(posts) / max(1e-9, last - bench.started):.1f} answers/s")
    if ack_ms:
        print(f"ack ms:                   p50 {statistics.median(ack_ms):.1f}  p99 {percentile(ack_ms, 99):.1f}")
    if answer_ms:
        print(f"answer ms:                p50 {statistics.median(answer_ms):.1f}  p99 {percentile(answer_ms, 99):.1f}"
              f"  max {max(answer_ms):.1f}")
    print(f"first instance alive:     {survivors_alive}")
    print(logs)
    return 0 if len(once) == len(bench.acked) and survivors_alive else 1


# ---- paced, with a database outage ---------------------------------------------------------------------
def take_down(pg: PostgresServer, how: str) -> None:
    pg.shut_down() if how == "stop" else pg.freeze()


def bring_back(pg: PostgresServer, how: str) -> None:
    pg.start_again() if how == "stop" else pg.thaw()


def timeline(probes: list[tuple[float, int | None, float]]) -> str:
    """One instance's /readyz answers (time asked, status, seconds taken): a run of quick answers with the
    same status as one item, an answer that took a second or more on its own."""
    runs: list[list] = []
    for t, status, seconds in probes:
        slow = seconds >= 1
        if runs and (runs[-1][0], runs[-1][3], slow) == (status, False, False):
            runs[-1][2] = t
        else:
            runs.append([status, t, t, slow, seconds])
    return "; ".join((f"{'no answer' if status is None else status} {first:.0f}-{last:.0f} s" if not slow else
                      f"{'no answer' if status is None else status} after {seconds:.1f} s at {first:.0f} s")
                     for status, first, last, slow, seconds in runs)


def ready_again(answers: list[tuple[float, int | None, float]], since: float, until: float) -> float:
    """When an instance's /readyz answered 200 after `since` and only 200 after that, before `until`
    (a worker whose pool is still down can answer 503 after another's 200)."""
    ready = float("inf")
    for t, status, took in answers:
        if since < t + took and t < until:
            ready = (min(ready, t + took) if status == 200 else float("inf"))
    return ready


def ack_line(name: str, deliveries: list[Delivery]) -> str:
    acks = [d.seconds for d in deliveries if d.status == 200]
    no_ack = Counter(d.failure for d in deliveries if d.failure)
    if not deliveries:
        return f"  {name:<36} none"
    line = f"  {name:<36} {len(deliveries):4d}"
    if acks:
        line += (f"  ack p50 {statistics.median(acks):.2f} s  max {max(acks):.2f} s"
                 f"  over {SLOW_ACK} s: {sum(s > SLOW_ACK for s in acks)}")
    return line + f"  no 200 within {SLACK_TIMEOUT:.0f} s: {sum(no_ack.values())}" + (
        f" {dict(no_ack)}" if no_ack else "")


def paced(bench: Bench) -> int:
    args, servers = bench.args, bench.servers
    other = (lambda n: 1 - n) if args.instances == 2 else (lambda n: n)
    outages: list[Outage] = []
    probes: list[list[tuple[float, int | None, float]]] = [[] for _ in servers]
    commands: dict[str, Delivery] = {}
    done = threading.Event()

    def probe(n: int) -> None:   # GET /readyz each second (a slow answer delays the next)
        while not done.is_set():
            t = bench.now()
            status = servers[n].readyz(timeout=PROBE_TIMEOUT)
            probes[n].append((t, status, bench.now() - t))
            done.wait(max(0.0, 1 - (bench.now() - t)))

    def fault() -> None:
        for at in [args.down_at] + ([args.again_at] if args.again_at else []):
            time.sleep(max(0.0, at - bench.now()))
            start = bench.now()
            take_down(bench.pg, args.db_outage)
            print(f"[{start:5.1f} s] database {'stopped' if args.db_outage == 'stop' else 'frozen'}", flush=True)
            time.sleep(max(0.0, start + args.down_for - bench.now()))
            bring_back(bench.pg, args.db_outage)
            outages.append(Outage(start, bench.now()))
            print(f"[{outages[-1].back:5.1f} s] database back", flush=True)

    def deliver(n: int, body: dict, retry: int) -> bool:
        """As Slack does: no 200 within 3 s, and it is sent again (here to the other instance)."""
        for attempt in range(SLACK_RETRIES + 1):
            if bench.attempt(n, body, (retry + attempt) or None, timeout=SLACK_TIMEOUT):
                return True
            n = other(n)
            time.sleep(1)
        return False

    def event(i: int) -> None:
        body = bench.bodies[i]
        ok = deliver(i % args.instances, body, 0)
        if bench.duplicated(i):   # Slack's retry, 1 s later, to the other instance
            time.sleep(1)
            ok = deliver(other(i % args.instances), body, 1) or ok
        if ok:
            with bench.lock:
                bench.acked.add(body["event"]["channel"])

    def command(i: int) -> None:
        name, n, sent = f"cmd{i:05d}", i % args.instances, bench.now()
        try:
            r = bench.senders[n].command("/biglisten", QUESTIONS[i % len(QUESTIONS)], bench.fake.response_url(name),
                                         timeout=SLACK_TIMEOUT)
            status, seconds = r.status, r.seconds
        except Exception as e:
            status, seconds = type(e).__name__, bench.now() - sent
        with bench.lock:
            commands[name] = Delivery(sent, n, None, status, seconds)

    probing = [threading.Thread(target=probe, args=(n,), daemon=True) for n in range(len(servers))]
    threads = [threading.Thread(target=fault)] if args.db_outage else []
    for th in probing + threads:
        th.start()
    for i in range(args.events):
        time.sleep(max(0.0, i / args.rate - bench.now()))
        threads.append(threading.Thread(target=event, args=(i,)))
        threads[-1].start()
        if i % 5 == 0:
            threads.append(threading.Thread(target=command, args=(i,)))
            threads[-1].start()
    for th in threads:
        th.join()
    sent_in = bench.now()
    bench.wait_for_answers(max(5.0, float(args.lease)))
    done.set()
    alive = [s.process.poll() is None for s in servers]
    logs, clean_logs = bench.logs(args.logs)

    for outage, after in zip(outages, outages[1:] + [None]):   # /readyz 200 everywhere again (or down again)
        until = after.start if after else float("inf")
        outage.ready = min(until, max(ready_again(answers, outage.back, until) for answers in probes))

    def phase(d: Delivery) -> str | None:
        return next((o.phase(d.sent) for o in outages if o.phase(d.sent)), None)

    once, twice, never = bench.answer_counts()
    with bench.lock:
        per_event = {ch: list(ds) for ch, ds in bench.deliveries.items()}
    known = {"down": [], "recovering": [], "other": []}
    for ch in twice:
        # delivered again, to another process (the other instance, or perhaps the same one's other worker)
        again = len({d.instance for d in per_event[ch]}) > 1 or (len(per_event[ch]) > 1 and args.workers > 1)
        seen = {phase(d) for d in per_event[ch]}
        known["down" if again and "down" in seen else "recovering" if again and "recovering" in seen
              else "other"].append(ch)
    answered = Counter(c.path.rsplit("/", 1)[1] for c in bench.fake.calls_to("response_url"))
    cmd_acked = [name for name, d in commands.items() if d.status == 200]
    texts = Counter((c.params.get("text") or "")[:60] for c in bench.fake.calls_to("response_url"))

    title = f"{args.db_outage or 'no'} database outage" + (
        f" at {args.down_at:g} s for {args.down_for:g} s" if args.db_outage else "") + (
        f", again at {args.again_at:g} s" if args.again_at else "")
    print(f"== {title}; {args.instances} instance(s) x {args.workers} workers on {args.store}; {args.events} events "
          f"at {args.rate:g}/s, {args.dup:.0%} delivered again 1 s later"
          + (" to the other instance" if args.instances == 2 else "") + f"; {len(commands)} commands")
    for o in outages:
        print(f"outage:                   {o.start:.1f}-{o.back:.1f} s, /readyz 200 everywhere (and only 200) from "
              + (f"{o.ready:.1f} s" if o.ready != float("inf") else "never")
              + (" (or down again)" if any(o.ready == later.start for later in outages) else ""))
    print(f"acknowledged:             {len(bench.acked)} / {args.events}   (sent in {sent_in:.1f} s)")
    print(f"answered once/twice/never: {len(once)} / {len(twice)} / {len(never)}   (of the acknowledged)"
          f"  apologies: {sum(bench.apologies.values())}")
    where = ("to the other instance" if args.instances == 2 else "(perhaps to the other worker)" if args.workers > 1
             else "(to the same process)")
    for name, group in ((f"delivered again {where} while the database was down", known["down"]),
                        (f"delivered again {where} after it was back, before /readyz was 200 for good",
                         known["recovering"]), ("otherwise", known["other"])):
        print(f"  twice, {name}: {len(group)}" + (f"  ({', '.join(ch.removeprefix('CSCALE') for ch in group)})"
                                                   if group else ""))
    if never:
        print(f"  never: {never[:10]}")
    for ch in (known["other"] + never)[:5]:
        print(f"    {ch}: " + ", ".join(f"{d.sent:.1f} s to instance {d.instance + 1} retry {d.retry}: {d.status} "
                                        f"{d.seconds:.2f} s" for d in per_event.get(ch, [])))
    print("event deliveries (sent):")
    deliveries = bench.all_deliveries()
    for name, when in (("while the database was down", "down"), ("after, before /readyz 200 for good", "recovering"),
                       ("otherwise", None)):
        print(ack_line(name, [d for d in deliveries if phase(d) == when]))
    cmd_slow = sum(d.status == 200 and d.seconds > SLOW_ACK for d in commands.values())
    print(f"commands:                 {len(cmd_acked)} / {len(commands)} acknowledged ({cmd_slow} over {SLOW_ACK} s); "
          f"answered once/twice/never: {sum(answered[n] == 1 for n in cmd_acked)} / "
          f"{sum(answered[n] > 1 for n in cmd_acked)} / {sum(answered[n] == 0 for n in cmd_acked)}")
    for name in [n for n in cmd_acked if answered[n] != 1][:5]:
        print(f"    {name}: sent at {commands[name].sent:.1f} s to instance {commands[name].instance + 1}, "
              f"answered {answered[name]} times")
    if len(texts) > 1:
        print(f"  replies: {texts.most_common(4)}")
    print(f"/readyz, asked each second (no answer: none within {PROBE_TIMEOUT:.0f} s):")
    for n, answers in enumerate(probes):
        print(f"  instance {n + 1}: {timeline(answers)}")
    print(f"instances alive:          {alive}")
    print(logs)
    slow = sum(d.status == 200 and d.seconds > SLOW_ACK for d in deliveries) + cmd_slow
    ok = (not never and not known["other"] and not slow and all(alive) and clean_logs
          and all(answered[n] == 1 for n in cmd_acked) and len(cmd_acked) == len(commands))
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--instances", type=int, choices=[1, 2], default=2)
    parser.add_argument("--kill", action="store_true", help="kill -9 the second instance at 40%%")
    parser.add_argument("--events", type=int, help="default 1000, paced 300")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per instance")
    parser.add_argument("--dup", type=float, default=0.1, help="share of events delivered a second time")
    parser.add_argument("--lease", type=int, default=10, help="INBOX_LEASE_SECONDS")
    parser.add_argument("--timeout", type=float, default=180, help="seconds to wait for all answers")
    parser.add_argument("--rate", type=float, help="paced: events per second (default 5 with --db-outage)")
    parser.add_argument("--db-outage", choices=["stop", "freeze"], help="paced, PostgreSQL: stop or SIGSTOP it")
    parser.add_argument("--down-at", type=float, default=15, help="seconds after the first event")
    parser.add_argument("--down-for", type=float, default=30)
    parser.add_argument("--again-at", type=float, help="a second outage, this many seconds after the first event")
    parser.add_argument("--logs", help="copy each instance's log into this folder")
    args = parser.parse_args(argv)
    if args.kill and args.instances < 2:
        parser.error("--kill needs two instances")
    if args.db_outage and args.store != "postgresql":
        parser.error("--db-outage needs --store postgresql")
    if args.again_at and args.again_at < args.down_at + args.down_for:
        parser.error("--again-at must come after the first outage ends")
    if args.db_outage and args.rate is None:
        args.rate = 5.0
    if args.kill and args.rate:
        parser.error("--kill is for the flood, not the paced mode")
    if args.events is None:
        args.events = 300 if args.rate else 1000
    with contextlib.ExitStack() as stack:
        bench = Bench(args, stack)
        return paced(bench) if args.rate else flood(bench)


if __name__ == "__main__":
    sys.exit(main())
