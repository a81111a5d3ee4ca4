"""Spending approved in one domain, checked against the budget by another (`core.hooks`).

A domain whose documents spend money (a repair's cost, a purchase request, a project payment)
says so at the moment of approval, inside the approving transaction::

    spending.approved(source=f"operations.repairticket:{ticket.pk}", label=str(ticket), department="engineering",
                      category="repair", amount=ticket.estimated_cost, kind="actual", enforce=True, actor_id=user.pk,
                      at=now, now=now)

The hook is strict: a listener that refuses (the budget's Stop rule, a budget line that cannot be
resolved) raises a coded error and the approval is undone with it. `enforce=False` records spending
that was not approved (small work done without a cost approval): it is checked and flagged, never
refused. With no listener (no budgets in use), nothing is checked.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from scenic_ops.core import hooks

APPROVED = hooks.define(
    "core.spending_approved",
    ("source", "label", "department", "category", "amount", "kind", "enforce", "actor_id", "at", "now"),
    doc="Money committed or spent by an approved document; the budget owner checks it (strict).",
    strict=True,
)


class Category(models.TextChoices):
    """What an approved document spends on: the budget lines' categories (governance) and the
    spending documents' (a budgeted approval request) are the same list."""

    REPAIR = "repair", _("Repairs and maintenance")
    MATERIALS = "materials", _("Materials and dispatch")
    PURCHASE = "purchase", _("Purchases")
    PROJECT = "project", _("Smart-tourism projects")
    TRAINING = "training", _("Training")
    OTHER = "other", _("Other")


def approved(
    *,
    source: str,
    label: str,
    department: str,
    category: str,
    amount: Decimal,
    kind: str = "commitment",
    enforce: bool = True,
    actor_id: int | None = None,
    at: dt.datetime,
    now: dt.datetime,
) -> None:
    hooks.emit(
        APPROVED,
        source=source,
        label=label,
        department=department,
        category=category,
        amount=amount,
        kind=kind,
        enforce=enforce,
        actor_id=actor_id,
        at=at,
        now=now,
    )
