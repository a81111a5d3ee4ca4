"""Budget control: each approved document's money checked against its line at the moment of approval.

`charge()` runs inside the approving transaction (the `core.spending_approved` hook is strict):
1. the document's line is resolved: its year (from the approval's date), department and category,
   approved lines only. None, or more than one, refuses the approval (`budget_line_unknown`):
   spending is never passed unchecked;
2. the line's row is locked (SELECT … FOR UPDATE) until the approval commits, so two approvals of
   the last 10,000 CNY run one after the other and the second sees what the first took;
3. the amount is compared with what is left: over it, a Stop line refuses (`budget_exceeded`, and
   the approval is undone), a Warn line lets it pass, flagged, with a warning for the approver;
4. the line's `committed` or `actual` moves and a `BudgetEntry` records it, once per document and
   kind (a replayed event changes nothing).
Unapproved spending (`enforce=False`: small repairs done without a cost approval) is recorded and
flagged the same way but never refused; without a line it is kept as unbudgeted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from scenic_ops.core import notices
from scenic_ops.governance.errors import Code, GovernanceError
from scenic_ops.governance.models import Budget, BudgetEntry, Category

APPROVED = "approved"


def enabled() -> bool:
    """Budget control is on unless the site turns it off (`[governance] budget_control = false`)."""
    return bool(settings.SITE.get("governance", "budget_control", True))


def _category_label(code: str) -> str:
    try:
        return str(Category(code).label)
    except ValueError:
        return code


def _line(year: int, department: str, category: str, *, document: str, required: bool) -> Budget | None:
    lines = list(
        Budget.objects.select_for_update()
        .select_related("department")
        .filter(fiscal_year=year, department__code=department, category=category, state=APPROVED)
        .order_by("pk")[:2]
    )
    context = {"year": year, "department": department, "category": _category_label(category), "document": document}
    if len(lines) > 1:
        raise GovernanceError(Code.BUDGET_LINE_AMBIGUOUS, **context)
    if not lines:
        if required:
            raise GovernanceError(Code.BUDGET_LINE_UNKNOWN, **context)
        return None
    return lines[0]


@transaction.atomic
def charge(
    *,
    source: str,
    label: str,
    department: str,
    category: str,
    amount: Decimal,
    kind: str = BudgetEntry.Kind.COMMITMENT,
    enforce: bool = True,
    actor_id: int | None = None,
    at: dt.datetime | None = None,
) -> BudgetEntry | None:
    """Check and book one document's money (see the module docstring). None when there is nothing to book."""
    amount = Decimal(str(amount or 0))
    if amount < 0:
        raise GovernanceError(Code.INVALID_AMOUNT)
    if amount == 0 or not enabled():
        return None
    at = at or timezone.now()
    done = BudgetEntry.objects.filter(source=source, kind=kind).first()
    if done is not None:
        return done
    year, month = timezone.localdate(at).year, timezone.localdate(at).month
    line = _line(year, department, category, document=label, required=enforce)
    over, message = False, ""
    if line is None:
        over, message = True, _("No budget line: unbudgeted spending.")
    elif amount > line.remaining:
        over = True
        if enforce and line.control == Budget.Control.STOP:
            raise GovernanceError(
                Code.BUDGET_EXCEEDED, document=label, amount=amount, budget=line.title, remaining=line.remaining
            )
        message = _("Over budget by %(over)s CNY (%(left)s CNY were left on “%(line)s”).") % {
            "over": amount - max(line.remaining, Decimal(0)),
            "left": line.remaining,
            "line": line.title,
        }
    if line is not None:
        field = "actual" if kind == BudgetEntry.Kind.ACTUAL else "committed"
        Budget.objects.filter(pk=line.pk).update(**{field: F(field) + amount})
    entry = BudgetEntry.objects.create(
        budget=line,
        kind=kind,
        source=source[:80],
        label=label[:160],
        department_code=department[:40],
        category=category,
        amount=amount,
        month=month,
        over_budget=over,
        message=message[:200],
        actor_id=actor_id,
        at=at,
    )
    if over:
        notices.warn(f"{label}: {message}")
    return entry


@dataclass(frozen=True)
class VarianceRow:
    budget: Budget
    to_date: Decimal  # the budget for January to this month (monthly distribution)
    used: Decimal  # committed + spent
    variance: Decimal  # to_date - used (negative: over)
    used_percent: int
    over_entries: int


def variance(year: int, *, month: int | None = None) -> list[VarianceRow]:
    """Every approved line of a year: budget to date, committed and spent, the variance."""
    today = timezone.localdate()
    month = month or (today.month if today.year == year else 12)
    over = {}
    for budget_id in BudgetEntry.objects.filter(budget__fiscal_year=year, over_budget=True).values_list(
        "budget_id", flat=True
    ):
        over[budget_id] = over.get(budget_id, 0) + 1
    rows = []
    for line in Budget.objects.filter(fiscal_year=year, state=APPROVED).select_related("department"):
        used = line.committed + line.actual
        to_date = line.share_to(month)
        rows.append(
            VarianceRow(
                budget=line,
                to_date=to_date,
                used=used,
                variance=to_date - used,
                used_percent=int(used * 100 / line.amount) if line.amount else 0,
                over_entries=over.get(line.pk, 0),
            )
        )
    return rows


def unbudgeted(year: int):
    """Spending recorded without a line (never refused, since it was not approved)."""
    return BudgetEntry.objects.filter(budget__isnull=True, at__year=year)
