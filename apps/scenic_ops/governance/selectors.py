"""Read-only views of governance data for other domains (reports, the annex forms later)."""

from __future__ import annotations

from scenic_ops.governance.models import Budget


def approved_budgets(year: int):
    return Budget.objects.filter(fiscal_year=year, state="approved").select_related("department")


def projects_summary(year: int) -> dict:
    """The smart-tourism projects as the annex 2 form counts them: those running in `year` (started by its
    end, not in plan), their investment and completed amount, the funding received and awards won that year."""
    from django.db.models import Sum

    from scenic_ops.governance.models import Award, Funding, Project

    running = Project.objects.exclude(phase=Project.Phase.PLAN).filter(starts_on__year__lte=year)
    totals = running.aggregate(investment=Sum("investment"), completed=Sum("completed_amount"))
    return {
        "projects": [p.name for p in running.order_by("code")],
        "investment": totals["investment"] or 0,
        "completed": totals["completed"] or 0,
        "funding": Funding.objects.filter(received_on__year=year).aggregate(n=Sum("amount"))["n"] or 0,
        "awards": [f"{a.name}（{a.level}）" if a.level else a.name for a in Award.objects.filter(year=year)],
    }
