"""Retention: each class of personal data is kept for its policy's days, then the purge job has the
domains clear it (`core.privacy.purge`) and writes what went to the destruction log."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from scenic_ops.core import privacy
from scenic_ops.governance.models import DestructionLog, RetentionPolicy

DEFAULTS = {  # data class: (days, basis) — written once by the data patch, edited in the desk afterwards
    "complaint_contact": (1095, "投诉处理完毕后保存三年，供复查与统计"),
    "shop_contact": (1095, "订单联系人信息保存三年（售后、发票与纠纷处理）"),
}


def ensure_defaults() -> int:
    made = 0
    for data_class, (days, basis) in DEFAULTS.items():
        _policy, created = RetentionPolicy.objects.get_or_create(
            data_class=data_class, defaults={"keep_days": days, "note": basis}
        )
        made += created
    return made


def purge(now: dt.datetime | None = None) -> list[DestructionLog]:
    """One pass over every active policy: one log row per class, even when nothing was due."""
    now = now or timezone.now()
    logs = []
    for policy in RetentionPolicy.objects.filter(active=True):
        cutoff = now - dt.timedelta(days=policy.keep_days)
        with transaction.atomic():
            counts = privacy.purge(policy.data_class, cutoff=cutoff, now=now)
            logs.append(
                DestructionLog.objects.create(
                    data_class=policy.data_class,
                    cutoff=cutoff,
                    counts=counts,
                    total=sum(counts.values()),
                    run_at=now,
                )
            )
    return logs
