"""Processes from /proc: a gunicorn master's workers, a PostgreSQL server's backends."""
from __future__ import annotations

import contextlib
from pathlib import Path


def children() -> dict[int, list[int]]:
    """Every process's children."""
    found: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            found.setdefault(ppid, []).append(int(stat.parent.name))
    return found


def process_tree(pid: int) -> list[int]:
    """pid and all its descendants."""
    known, tree, todo = children(), [], [pid]
    while todo:
        tree.append(todo.pop())
        todo.extend(known.get(tree[-1], []))
    return tree
