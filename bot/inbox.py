"""The durable inbox's worker: each serving process takes over events other processes left.

An event that needs an answer is written to the store (`Store.enqueue`) before Slack gets
its 200 and leased to the process that received it. If that process is killed, or the whole
server stops, the lease expires; this worker (one daemon thread per process, in every
gunicorn worker and after a restart) polls for expired leases, takes each one
(`Store.lease`: at most one process wins) and hands it to the answering code.

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
POLL_SECONDS = 2.0      # how often each process looks for expired leases (plus jitter)
BATCH = 8               # leases taken per poll, at most
THREADS = 4             # answers a worker runs at once

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
        while not self._stop.is_set():
            self.poll_once()
            self._stop.wait(self.poll_seconds * (0.75 + random.random() / 2))

    def poll_once(self) -> int:
        """Take the expired leases there are now (at most BATCH); returns how many were taken."""
        try:
            keys = self.store.expired(limit=BATCH)
        except Exception as e:
            if not self._failing:   # a broken store: say so once, keep polling
                log.error("the inbox can't be read (%s: %s); will keep trying", type(e).__name__, e)
            self._failing = True
            return 0
        self._failing = False
        taken = 0
        for key in keys:
            with self._lock:
                if key in self._busy or len(self._busy) >= THREADS:
                    continue
            try:
                item = self.store.lease(key, owner=self.owner, lease_seconds=self.lease_seconds)
            except Exception:
                log.exception("could not lease an inbox item")
                continue
            if item is None:   # another process won it
                continue
            taken += 1
            with self._lock:
                self._busy.add(key)
            self._pool.submit(self._handle, item)
        return taken

    def _handle(self, item: InboxItem) -> None:
        try:
            with event_context(item.payload.get("event_id") or item.key, item.received_at):   # log lines, latency
                self.handle(item)
        except Exception:
            log.exception("answering an inbox item failed")
        finally:
            with self._lock:
                self._busy.discard(item.key)
