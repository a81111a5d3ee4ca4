"""Idempotency-Key support shared by every create endpoint.

The key is recorded in the same transaction as the work it guards. A second request
with the same key waits on the unique index until the first commits, then gets the
stored answer; if the first failed, nothing was stored and the retry runs afresh.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from rest_framework.response import Response

from scenic_ops.core.errors import CoreCode, CoreError
from scenic_ops.core.models import ApiKey, IdempotencyRecord

HEADER = "HTTP_IDEMPOTENCY_KEY"
T = TypeVar("T")


def _scope(request) -> str:
    if isinstance(getattr(request, "auth", None), ApiKey):
        return f"key:{request.auth.pk}"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.pk:
        return f"user:{user.pk}"
    return f"anon:{request.META.get('REMOTE_ADDR', '')}"


def _fingerprint(request) -> str:
    return fingerprint_of(request.method, request.path, request.data)  # a malformed body raises ParseError here


def valid_key(key: str) -> bool:
    return 0 < len(key) <= 128 and all(33 <= ord(ch) <= 126 for ch in key)


@dataclass(frozen=True)
class Stored:
    """The answer stored for a key, given again to a repeated request."""

    status: int
    body: Any


def guarded(
    *,
    scope: str,
    key: str,
    fingerprint: str,
    work: Callable[[], T],
    status_of: Callable[[T], int],
    body_of: Callable[[T], Any],
) -> T | Stored:
    """Run `work` once per (scope, key): the first answer is stored with the work, in its transaction.

    A repeat gets the stored answer (`Stored`); the same key with another request body is refused
    (`idempotency_key_reused`, 422); a repeat while the first is still running waits on the unique
    index, then gets its answer or, if it failed, runs afresh. Errors (status >= 400) are not stored.
    """
    if not valid_key(key):
        raise CoreError(CoreCode.IDEMPOTENCY_KEY_INVALID)
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(scope=scope, key=key, fingerprint=fingerprint)
        except IntegrityError:
            previous = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
            if previous is None or previous.status_code == 0:
                raise CoreError(CoreCode.IDEMPOTENCY_IN_PROGRESS, status=409) from None
            if previous.fingerprint != fingerprint:
                raise CoreError(CoreCode.IDEMPOTENCY_KEY_REUSED, status=422) from None
            return Stored(previous.status_code, previous.response)
        result = work()
        status = status_of(result)
        if status >= 400:
            transaction.set_rollback(True)  # errors are not remembered: a retry runs again
            return result
        record.status_code = status
        record.response = json.loads(json.dumps(body_of(result), default=str))
        record.save(update_fields=["status_code", "response"])
    return result


def fingerprint_of(method: str, path: str, data: Any) -> str:
    body = json.dumps(data, sort_keys=True, default=str)
    return hashlib.sha256(f"{method} {path}\n{body}".encode()).hexdigest()


def idempotent(view_method: Callable[..., Response]) -> Callable[..., Response]:
    """A DRF view method made repeat-safe with the `Idempotency-Key` header (see `guarded`)."""

    @functools.wraps(view_method)
    def wrapper(self, request, *args: Any, **kwargs: Any) -> Response:
        key = request.META.get(HEADER)
        if key is None:
            return view_method(self, request, *args, **kwargs)
        result = guarded(
            scope=_scope(request),
            key=key,
            fingerprint=_fingerprint(request),
            work=lambda: view_method(self, request, *args, **kwargs),
            status_of=lambda response: response.status_code,
            body_of=lambda response: response.data,
        )
        if isinstance(result, Stored):
            replay = Response(result.body, status=result.status)
            replay["Idempotent-Replayed"] = "true"
            return replay
        return result

    return wrapper
