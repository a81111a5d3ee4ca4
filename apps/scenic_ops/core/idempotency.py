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
from typing import Any

from django.db import IntegrityError, transaction
from rest_framework.response import Response

from scenic_ops.core.errors import CoreCode, CoreError
from scenic_ops.core.models import ApiKey, IdempotencyRecord

HEADER = "HTTP_IDEMPOTENCY_KEY"


def _scope(request) -> str:
    if isinstance(getattr(request, "auth", None), ApiKey):
        return f"key:{request.auth.pk}"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.pk:
        return f"user:{user.pk}"
    return f"anon:{request.META.get('REMOTE_ADDR', '')}"


def _fingerprint(request) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str)  # a malformed body raises ParseError here
    raw = f"{request.method} {request.path}\n{body}"
    return hashlib.sha256(raw.encode()).hexdigest()


def valid_key(key: str) -> bool:
    return 0 < len(key) <= 128 and all(33 <= ord(ch) <= 126 for ch in key)


def idempotent(view_method: Callable[..., Response]) -> Callable[..., Response]:
    @functools.wraps(view_method)
    def wrapper(self, request, *args: Any, **kwargs: Any) -> Response:
        key = request.META.get(HEADER)
        if key is None:
            return view_method(self, request, *args, **kwargs)
        if not valid_key(key):
            raise CoreError(CoreCode.IDEMPOTENCY_KEY_INVALID)
        scope, fingerprint = _scope(request), _fingerprint(request)
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
                replay = Response(previous.response, status=previous.status_code)
                replay["Idempotent-Replayed"] = "true"
                return replay
            response = view_method(self, request, *args, **kwargs)
            if response.status_code >= 400:
                transaction.set_rollback(True)  # errors are not remembered: a retry runs again
                return response
            record.status_code = response.status_code
            record.response = json.loads(json.dumps(response.data, default=str))
            record.save(update_fields=["status_code", "response"])
        return response

    return wrapper
