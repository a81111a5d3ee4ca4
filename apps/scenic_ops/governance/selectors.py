"""Read-only views of governance data for other domains (reports, the annex forms later)."""

from __future__ import annotations

from scenic_ops.governance.models import Budget


def approved_budgets(year: int):
    return Budget.objects.filter(fiscal_year=year, state="approved").select_related("department")
