"""The durable inbox's worker: each serving process takes over events other processes left.

An event that needs an answer is written to the store (`Store.enqueue`) before Slack gets
its 200 and leased to the process that received it. If that process is killed, or the whole
server stops, the lease expires; this worker (one daemon thread per process, in every
gunicorn worker and after a restart) polls for expired leases, leases as many as it has
free threads (`Store.lease_expired`: at most one process wins each) and hands them to the
answering code; while a backlog lasts it takes the next item as soon as a thread is free.

No Slack imports: what "answering" means is the `handle` callable (handlers/answering.py).
"""
from __future__ import annotations

import logging
import os
import random
import socket
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from bot.logs import event_context
from bot.store import InboxItem, Store

LEASE_SECONDS = 60.0    # longer than an answer's deadline plus one Slack call's timeout
POLL_SECONDS = 2.0      # how often each process looks for expired leases when it has none (plus jitter)
THREADS = 8             # answers a process runs at once (its share of a backlog it drains)

log = logging.getLogger(__name__)


def new_owner() -> str:
    """Who holds a lease: host, process and a random part (pids are reused after a restart)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class InboxWorker:
    def __init__(self, store: Store, handle: Callable[[InboxItem], None], owner: str, *,
                 lease_seconds: float = LEASE_SECONDS, poll_seconds: float = POLL_SECONDS):
        self.store, self.handle, self.owner = store, handle, owner
        self.lease_seconds, self.poll_seconds = lease_seconds, poll_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pool = ThreadPoolExecutor(THREADS, thread_name_prefix="inbox")
        self._busy: set[str] = set()
        self._lock = threading.Lock()
        self._failing = False
        self._freed = threading.Event()   # set when an answer finishes (a thread is free)

    def start(self) -> InboxWorker:
        self._thread = threading.Thread(target=self._run, name="inbox-poller", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _run(self) -> None:
        # The first poll comes at once: a restarted server answers what the last one left.
        # While there is a backlog (a poll filled every free thread) it drains continuously:
        # each answer finished frees a thread, which leases the next expired item at once.
        while not self._stop.is_set():
            self._freed.clear()
            free = self.free_threads()
            taken = self.poll_once() if free else 0
            if free and taken < free:   # no backlog left (or the store failed): poll again later
                self._stop.wait(self.poll_seconds * (0.75 + random.random() / 2))
            else:                       # every thread busy: wait for one to finish
                self._freed.wait(self.poll_seconds)

    def free_threads(self) -> int:
        with self._lock:
            return THREADS - len(self._busy)

    def poll_once(self) -> int:
        """Lease as many expired items as there are free threads (`Store.lease_expired`: one
        statement on PostgreSQL, skipping rows other instances are taking) and start answering
        them; returns how many were taken."""
        free = self.free_threads()
        if free <= 0:
            return 0
        try:
            items = self.store.lease_expired(owner=self.owner, lease_seconds=self.lease_seconds, limit=free)
        except Exception as e:
            if not self._failing:   # a broken store: say so once, keep polling
                log.error("the inbox can't be read (%s: %s); will keep trying", type(e).__name__, e)
            self._failing = True
            return 0
        self._failing = False
        for item in items:
            with self._lock:
                self._busy.add(item.key)
            self._pool.submit(self._handle, item)
        return len(items)

    def _handle(self, item: InboxItem) -> None:
        try:
            with event_context(item.payload.get("event_id") or item.key, item.received_at):   # log lines, latency
                self.handle(item)
        except Exception:
            log.exception("answering an inbox item failed")
        finally:
            with self._lock:
                self._busy.discard(item.key)
            self._freed.set()
