"""Warnings for the person acting, raised deep inside an operation that still succeeds.

A budget line under its Warn rule lets an approval pass, but the approver must see that it
overran. The code that notices calls `notices.warn(text)`; the page or API that ran the
operation reads them with `collected()` and shows them (desk messages, a JSON field).
"""

from __future__ import annotations

import contextvars
from contextlib import contextmanager

_current: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("scenic_notices", default=None)


def warn(text: str) -> None:
    bucket = _current.get()
    if bucket is not None:
        bucket.append(str(text))


@contextmanager
def collected():
    """`with notices.collected() as warnings:` — the warnings raised inside the block."""
    bucket: list[str] = []
    token = _current.set(bucket)
    try:
        yield bucket
    finally:
        _current.reset(token)
