"""The demo data builds on the core demo site and is idempotent."""

from __future__ import annotations

import io

from scenic_ops.service.models import Complaint, EnergyDay, Incident, Mention, ServiceAlert


def test_the_demo_builds_once_and_again_without_duplicates(service):
    from scenic_ops.core import demo as core_demo
    from scenic_ops.service import demo

    core_demo.build(io.StringIO())
    out = io.StringIO()
    demo.build(out)
    counts = (Complaint.objects.count(), Mention.objects.count(), Incident.objects.count())
    assert counts[0] == 36 and counts[1] == 187 and counts[2] == 2
    assert (
        Complaint.objects.filter(state="closed").exists() and Complaint.objects.filter(state="investigating").exists()
    )
    assert ServiceAlert.objects.filter(kind="opinion_spike", cleared_at=None).count() == 1
    assert EnergyDay.objects.filter(anomaly=True).exists()
    assert Incident.objects.get(is_drill=True).state == "closed"
    demo.build(io.StringIO())
    assert (Complaint.objects.count(), Mention.objects.count(), Incident.objects.count()) == counts
    assert "service demo" in out.getvalue()
