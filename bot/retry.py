"""Slack Web API faults: bounded retries with jitter, a cap on Retry-After, a deadline per answer.

Built on slack_sdk.http_retry: the WebClient runs these handlers after a failed call.

- 429: wait Retry-After (capped at MAX_RETRY_AFTER, plus jitter), at most twice.
- 5xx and connection errors: exponential backoff with jitter, at most twice, but only for
  calls that are safe to repeat. A post (chat.postMessage) that timed out or got a 5xx may
  have gone through, so it is never blindly re-sent: the answering code asks Slack first.
- Every wait must fit in the current answer's deadline (`deadline(seconds)`, per thread);
  a wait that doesn't is not taken, the call fails, and the durable inbox retries later.
"""
from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.client import RemoteDisconnected
from urllib.error import URLError

from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.jitter import RandomJitter

MAX_RETRY_AFTER = 30.0     # seconds: a 429's Retry-After above this is treated as this
MAX_RETRIES = 2
# Calls that change something once per call: repeating one after an unclear failure could
# post twice. (pins.add/remove answer already_pinned/no_pin when repeated; views.open fails.)
NOT_REPEATABLE = frozenset({"chat.postMessage", "chat.postEphemeral", "chat.update", "views.open",
                            "views.push"})
RETRYABLE_STATUS = frozenset({500, 502, 503, 504})

_local = threading.local()


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Slack calls in this block (this thread) never wait past `seconds` from now for a retry,
    nor past an enclosing block's deadline (an inner block can only shorten it)."""
    previous = getattr(_local, "at", None)
    at = time.monotonic() + seconds
    _local.at = at if previous is None else min(at, previous)
    try:
        yield
    finally:
        _local.at = previous


def remaining() -> float:
    """Seconds left before this thread's deadline (infinite outside one)."""
    at = getattr(_local, "at", None)
    return float("inf") if at is None else at - time.monotonic()


def _method(request) -> str:
    return request.url.split("?")[0].rstrip("/").rsplit("/", 1)[-1]


def _never_sent(error: Exception | None) -> bool:
    """True when the request certainly never reached Slack (the connection was refused)."""
    reason = getattr(error, "reason", error)
    return isinstance(reason, ConnectionRefusedError)


class _Backoff(BackoffRetryIntervalCalculator):
    def __init__(self):
        super().__init__(backoff_factor=0.5, jitter=RandomJitter())   # 0.5-1.5 s, 1-2 s


class CappedRateLimitRetry(RateLimitErrorRetryHandler):
    """429: wait min(Retry-After, MAX_RETRY_AFTER) plus up to a second of jitter, if the deadline allows."""

    def __init__(self, max_retry_count: int = MAX_RETRIES, cap: float = MAX_RETRY_AFTER):
        super().__init__(max_retry_count=max_retry_count)
        self.cap = cap

    def _wait(self, response) -> float:
        for name, values in (response.headers or {}).items():
            if name.lower() == "retry-after":
                value = values[0] if isinstance(values, list) else values
                try:
                    return min(max(float(value), 0.0), self.cap)
                except (TypeError, ValueError):
                    break
        return 1.0

    def _can_retry(self, *, state, request, response=None, error=None) -> bool:
        if response is None or response.status_code != 429:
            return False
        wait = self._wait(response) + random.random()
        state.custom_values = (state.custom_values or {}) | {"wait": wait}
        return wait < remaining()

    def prepare_for_next_attempt(self, *, state, request, response=None, error=None) -> None:
        state.next_attempt_requested = True
        time.sleep((state.custom_values or {}).get("wait", 1.0))
        state.increment_current_attempt()


class ServerErrorRetry(RetryHandler):
    """500/502/503/504 on a call that is safe to repeat: back off with jitter and try again."""

    def __init__(self, max_retry_count: int = MAX_RETRIES):
        super().__init__(max_retry_count=max_retry_count, interval_calculator=_Backoff())

    def _can_retry(self, *, state, request, response=None, error=None) -> bool:
        if response is None or response.status_code not in RETRYABLE_STATUS:
            return False
        if _method(request) in NOT_REPEATABLE:
            return False
        return self.interval_calculator.backoff_factor * 2 ** (state.current_attempt + 1) + 1 < remaining()


class SafeConnectionRetry(ConnectionErrorRetryHandler):
    """Connection errors and timeouts: retried for calls safe to repeat; a post only when the
    connection was refused (then it certainly never arrived)."""

    def __init__(self, max_retry_count: int = MAX_RETRIES):
        super().__init__(max_retry_count=max_retry_count, interval_calculator=_Backoff(),
                         error_types=[URLError, ConnectionError, RemoteDisconnected, TimeoutError])

    def _can_retry(self, *, state, request, response=None, error=None) -> bool:
        if not super()._can_retry(state=state, request=request, response=response, error=error):
            return False
        if _method(request) in NOT_REPEATABLE and not _never_sent(error):
            return False
        return self.interval_calculator.backoff_factor * 2 ** (state.current_attempt + 1) + 1 < remaining()


def retry_handlers() -> list[RetryHandler]:
    return [CappedRateLimitRetry(), ServerErrorRetry(), SafeConnectionRetry()]
