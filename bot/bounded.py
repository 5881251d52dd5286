"""Calls with a deadline the callee can't overrun.

A database server that has stalled (SIGSTOP, a frozen VM, a partition where the kernel still
acknowledges) answers nothing, and no timeout of the driver fires: statement_timeout is the
server's to enforce, the pool's timeout only covers waiting for a connection. A call that must
not wait on it (the inbox write before Slack's ack; the pins and kept answers read while a
question is answered) runs here on a daemon thread of its own, so neither the caller nor the
process's exit waits for it.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def within(seconds: float, call: Callable[[], T], *, late: Callable[[T], None] | None = None) -> T:
    """call()'s result if it returns within `seconds` (its exception if it raises), else
    TimeoutError. If the call returns after that, `late` gets its result (on the call's thread):
    the caller has gone on without it (an inbox write that landed late is settled there)."""
    gate = threading.Lock()
    state: dict = {"gave_up": False, "done": False, "result": None, "error": None}

    def run() -> None:
        try:
            result = call()
        except BaseException as e:   # handed to the caller, who may still be waiting
            with gate:
                state["done"], state["error"] = True, e
            return
        with gate:
            state["done"], state["result"] = True, result
            gone = state["gave_up"]
        if gone and late is not None:
            late(result)

    worker = threading.Thread(target=run, name="bounded-call", daemon=True)
    worker.start()
    worker.join(seconds)
    with gate:
        if not state["done"]:
            state["gave_up"] = True
            raise TimeoutError(f"no answer within {seconds:g} s")
    if state["error"] is not None:
        raise state["error"]
    return state["result"]
