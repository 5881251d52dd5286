"""Who is a rep: user ids and user groups from app.yaml, checked on the server.

Rep-only actions never trust anything in a button payload; they ask this directory.
Group membership comes from Slack (`usergroups.users.list`) and is cached briefly, so a
rep added to the group is recognised within minutes and a busy channel costs few calls.
When Slack can't be asked, the last list read stays in use (and Slack is asked again after
RETRY_AFTER_FAILURE seconds, not on every button press).
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from bot.config import RepSettings
from bot.errors import slack_error

log = logging.getLogger(__name__)
RETRY_AFTER_FAILURE = 30.0


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
            members = frozenset(u for u in self.fetch_group(group) if isinstance(u, str))
        except Exception as e:
            # Slack unreachable: keep the last known list rather than locking every rep out,
            # and don't ask again for a while (each call may spend seconds retrying).
            log.warning("could not read user group %s (%s); using the last list read", group,
                        slack_error(e) or type(e).__name__)   # Slack's code: missing_scope, no_such_subteam
            last = cached[1] if cached else frozenset()
            with self._lock:
                retry_at = now - self.settings.cache_seconds + min(RETRY_AFTER_FAILURE, self.settings.cache_seconds)
                self._cache[group] = (retry_at, last)
            return last
        with self._lock:
            self._cache[group] = (now, members)
        return members
