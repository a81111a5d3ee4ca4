"""Change signals in Redis: a version number, a pub/sub channel for the SSE stream, and a
coalesced trigger for level evaluation. Never fails the caller: if Redis is down, the
figures are still right in MariaDB and the periodic jobs catch up.
"""

from __future__ import annotations

import logging

import django_rq
from django.conf import settings
from django.db import connection

log = logging.getLogger(__name__)

EVALUATE_COALESCE_SECONDS = 1


_client = None
_names: tuple[str, str, str] | None = None
_script = None
# One round trip: bump the version, announce it, and take the 1-second "check levels" flag.
SIGNAL_LUA = """
local version = redis.call('INCR', KEYS[1])
redis.call('PUBLISH', KEYS[2], version)
local first = 0
if ARGV[1] == '1' and redis.call('SET', KEYS[3], '1', 'NX', 'EX', ARGV[2]) then first = 1 end
return {version, first}
"""


def _redis():
    """One client (and connection pool) per process: a new client per call costs a TCP connect."""
    global _client
    if _client is None:
        _client = django_rq.get_connection("default")
    return _client


def _prefix() -> str:
    # Pub/sub channels ignore the Redis db number: name the site and the db to keep runs apart.
    db = _redis().connection_pool.connection_kwargs.get("db", 0)
    return f"scenic:{settings.SITE_NAME}:{db}:flow"


def _keys() -> tuple[str, str, str]:
    global _names
    if _names is None:
        prefix = _prefix()
        _names = (f"{prefix}:version", f"{prefix}:changes", f"{prefix}:evaluate")
    return _names


def version_key() -> str:
    return _keys()[0]


def channel() -> str:
    return _keys()[1]


def current_version() -> int:
    try:
        return int(_redis().get(version_key()) or 0)
    except Exception:  # noqa: BLE001
        return -1


def _signal(evaluate: bool = True) -> None:
    global _script
    try:
        if _script is None:
            _script = _redis().register_script(SIGNAL_LUA)
        _version, first = _script(keys=list(_keys()), args=["1" if evaluate else "0", EVALUATE_COALESCE_SECONDS])
        if first:
            from scenic_ops.flow.services.levels import evaluate_task

            django_rq.get_queue("high").enqueue(evaluate_task, job_timeout=60)
    except Exception:  # noqa: BLE001 - publication must never break a gate scan
        log.warning("flow: could not signal a change through Redis", exc_info=True)


def _signal_with_evaluation() -> None:
    _signal(True)


def _signal_only() -> None:
    _signal(False)


def changed(*, evaluate: bool = True) -> None:
    """Call after a change of figures; fires once per transaction, after it commits."""
    func = _signal_with_evaluation if evaluate else _signal_only
    if connection.in_atomic_block:
        if any(entry[1] is func for entry in connection.run_on_commit):
            return
    connection.on_commit(func)


def subscribe():
    pubsub = _redis().pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(channel())
    return pubsub
