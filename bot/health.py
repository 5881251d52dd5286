"""Health checks: alive (/healthz), ready (/readyz: store reachable, pack loaded), and
`python -m bot health` (the same readiness checks from a fresh process, for Socket Mode)."""
from __future__ import annotations

from dataclasses import dataclass, replace

from bot.bounded import within

STORE_CHECK_SECONDS = 2.0


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def check_store(store) -> Check:
    """Reachable, migrated and writable: reads the schema version and whether the store can be
    written (small queries), within STORE_CHECK_SECONDS: a hung database server answers nothing,
    and a probe that hangs with it tells the load balancer nothing (round 16's outage bench: no
    answer for 10 s and more)."""
    try:
        version, read_only = within(STORE_CHECK_SECONDS, lambda: (store.schema_version, store.read_only()))
    except TimeoutError:
        return Check("store", False, f"unreachable: no answer within {STORE_CHECK_SECONDS:g} s")
    except Exception as e:   # the message, never a traceback: a readiness probe runs every few seconds
        return Check("store", False, f"unreachable: {type(e).__name__}: {_one_line(e)}")
    if read_only:   # every write fails: answers go out from memory, nothing is kept
        return Check("store", False, f"read-only: {read_only}")
    return Check("store", True, f"schema version {version}")


def check_pack(pack) -> Check:
    entries = len(getattr(pack, "entries", ()) or ())
    if not entries:
        return Check("pack", False, "no knowledge pack loaded")
    return Check("pack", True, f"{entries} entries")


def readiness(store, packs) -> list[Check]:
    """The store, and each pack (named "pack NAME" when there are several, as `health` names them)."""
    packs = list(packs)
    if len(packs) == 1:
        return [check_store(store), check_pack(packs[0])]
    return [check_store(store)] + [replace(check_pack(p), name=f"pack {p.name}") for p in packs]


def report(checks: list[Check]) -> dict:
    return {"ready": all(c.ok for c in checks), "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in checks}}


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split())[:300]
