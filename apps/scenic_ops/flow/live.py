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


def _redis():
    return django_rq.get_connection("default")


def _prefix() -> str:
    # Pub/sub channels ignore the Redis db number: name the site and the db to keep runs apart.
    db = _redis().connection_pool.connection_kwargs.get("db", 0)
    return f"scenic:{settings.SITE_NAME}:{db}:flow"


def version_key() -> str:
    return f"{_prefix()}:version"


def channel() -> str:
    return f"{_prefix()}:changes"


def current_version() -> int:
    try:
        return int(_redis().get(version_key()) or 0)
    except Exception:  # noqa: BLE001
        return -1


def _signal(evaluate: bool = True) -> None:
    try:
        redis = _redis()
        pipe = redis.pipeline(transaction=False)
        pipe.incr(version_key())
        if evaluate:
            pipe.set(f"{_prefix()}:evaluate", "1", nx=True, ex=EVALUATE_COALESCE_SECONDS)
        results = pipe.execute()
        redis.publish(channel(), results[0])
        if evaluate and results[1]:
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
