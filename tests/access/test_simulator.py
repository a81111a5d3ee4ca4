"""The gate simulator plays gates against a real server, including an offline period and its upload."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from tests.access.conftest import counts


@pytest.mark.django_db(transaction=True)
def test_simulator_with_an_offline_gate_reconciles_to_exactly_once(site, live_server, tmp_path):
    from django.db.models import Count

    from scenic_ops.access.models import Conflict, OfflineUpload, Scan

    tickets = [site.book() for _ in range(24)]
    tokens = tmp_path / "tokens.txt"
    tokens.write_text("\n".join(t.token for t in tickets) + "\n", encoding="ascii")
    _a, key1 = site.device("s-in-1")
    _b, key2 = site.device("s-in-2")
    out = io.StringIO()
    call_command(
        "gate_simulator",
        url=live_server.url,
        key=[key1, key2],
        tokens=str(tokens),
        repeat=0.25,
        forged=0.1,
        offline=["2:2:10"],
        seed=7,
        stdout=out,
    )
    report = out.getvalue()
    assert "g2:" in report and "upload" in report and "total:" in report
    assert OfflineUpload.objects.count() == 1
    per_ticket = dict(
        Scan.objects.filter(outcome="admitted").values_list("ticket_id").annotate(n=Count("id")).order_by()
    )
    assert per_ticket and max(per_ticket.values()) == 1  # never two admissions for one ticket
    assert set(per_ticket) == {t.id for t in tickets}  # every ticket got in exactly once
    assert counts()["entries"] == len(tickets)
    duplicates = Scan.objects.filter(outcome="duplicate").count()
    assert Conflict.objects.filter(kind="duplicate").count() >= duplicates
    assert Scan.objects.filter(offline=True).exists()
