"""Who is a rep: user ids and user groups from app.yaml, checked on the server.

Rep-only actions never trust anything in a button payload; they ask this directory.
Group membership comes from Slack (`usergroups.users.list`) and is cached briefly, so a
rep added to the group is recognised within minutes and a busy channel costs few calls.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from bot.config import RepSettings

log = logging.getLogger(__name__)


class RepDirectory:
    def __init__(self, settings: RepSettings, fetch_group: Callable[[str], list[str]] | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.settings = settings
        self.fetch_group = fetch_group
        self.clock = clock
        self._cache: dict[str, tuple[float, frozenset[str]]] = {}
        self._lock = threading.Lock()

    def is_rep(self, user_id: str | None) -> bool:
        if not user_id:
            return False
        if user_id in self.settings.users:
            return True
        return any(user_id in self._members(group) for group in self.settings.usergroups)

    def _members(self, group: str) -> frozenset[str]:
        now = self.clock()
        with self._lock:
            cached = self._cache.get(group)
            if cached and now - cached[0] < self.settings.cache_seconds:
                return cached[1]
        if self.fetch_group is None:
            return frozenset()
        try:
            members = frozenset(self.fetch_group(group))
        except Exception:
            # Slack unreachable: keep the last known list rather than locking every rep out.
            log.exception("could not read user group %s", group)
            return cached[1] if cached else frozenset()
        with self._lock:
            self._cache[group] = (now, members)
        return members
