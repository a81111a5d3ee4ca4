"""Ticketing's reactions to other domains.

- `flow.sales_halt_changed`: a red visitor-flow level (or an operator in visitor flow) stops the
  sale of the day's remaining slots; it resumes when the level falls again (`halts`).
"""

from __future__ import annotations

from scenic_ops.core import hooks


@hooks.listen("flow.sales_halt_changed")
def record_sales_halt(*, day, halted, reason, now, **_payload):
    from scenic_ops.ticketing.halts import stop_sales

    return stop_sales(day, halted, reason=reason, by="flow", now=now)
