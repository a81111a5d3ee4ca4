"""Per-process caches that every process drops within a second of a change.

The hot paths keep configuration in memory (the catalogue, the gate configuration, a day's
buckets, partners' keys): reading MariaDB on every request would cost more than the request.
A change made in one process (the desk) must reach every other web worker and RQ worker
quickly: a product added at 9:00 must be sellable everywhere at 9:00.

Each cache has a name and a version number in Redis. The process that changes something calls
`bump(name)` (after its transaction commits); every process asks `current(name)` before using
its cache and reloads when the number differs from the one it loaded with. `current` reads
Redis at most every `REFRESH` seconds per process, all versions in one `MGET`, so the hot path
pays a clock read and a dict lookup. If Redis is unreachable the last known versions stand and
the caches fall back on their own time-to-live.
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.db import transaction

log = logging.getLogger(__name__)

REFRESH = 0.5  # seconds between reads of the versions by one process

_known: dict[str, int] = {}
_names: set[str] = set()
_next_read = 0.0
_lock = threading.Lock()


def _key(name: str) -> str:
    return f"scenic:{settings.SITE_NAME}:version:{name}"


def _redis():
    import django_rq

    return django_rq.get_connection("default")


def current(name: str) -> int:
    """The version of `name` as this process last read it (refreshed every `REFRESH` seconds)."""
    global _next_read
    if name not in _names:
        with _lock:
            _names.add(name)
        _read()
    elif time.monotonic() >= _next_read:
        _read()
    return _known.get(name, 0)


def _read() -> None:
    global _next_read
    with _lock:
        names = sorted(_names)
        _next_read = time.monotonic() + REFRESH
    try:
        found = _redis().mget([_key(n) for n in names])
    except Exception:  # noqa: BLE001 - Redis down: keep the last known versions
        log.warning("versions: Redis unreachable; caches fall back on their time-to-live", exc_info=True)
        return
    with _lock:
        for name, value in zip(names, found, strict=True):
            _known[name] = int(value) if value is not None else 0


def bump(name: str) -> None:
    """Announce a change of `name`: this process at once, every process within `REFRESH` seconds
    of the commit (inside a transaction the announcement waits for it)."""

    def announce() -> None:
        try:
            value = _redis().incr(_key(name))
        except Exception:  # noqa: BLE001
            log.warning("versions: could not announce a change of %s", name, exc_info=True)
            value = _known.get(name, 0) + 1
        with _lock:
            _names.add(name)
            _known[name] = int(value)

    transaction.on_commit(announce)


def forget_all() -> None:
    """Forget what this process knows (tests start each test afresh)."""
    global _next_read
    with _lock:
        _known.clear()
        _next_read = 0.0
