"""Demo gates, scheduled jobs and retention."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone

from tests.access.conftest import at

pytestmark = pytest.mark.django_db


def test_demo_gates_are_built_once(db):
    from scenic_ops.access import demo as access_demo
    from scenic_ops.access.models import Gate, GateDevice, Lane
    from scenic_ops.core import demo as core_demo
    from scenic_ops.ticketing import demo as ticketing_demo

    out = io.StringIO()
    core_demo.build(out)
    ticketing_demo.build(out)
    access_demo.build(out)
    access_demo.build(out)
    assert Gate.objects.count() == 6 and Lane.objects.count() == 9
    assert GateDevice.objects.count() == 9 and not GateDevice.objects.filter(api_key__isnull=True).exists()
    assert "access: 6 gates" in out.getvalue()


def test_jobs_are_registered_and_flush_and_purge(site):
    from scenic_ops.access import jobs, scanlog
    from scenic_ops.access.models import CredentialBinding, Scan
    from scenic_ops.core.scheduling import registry

    assert {"access_flush_scans", "access_purge"} <= set(registry())
    site.scan("s-in-1", "SO1.not.atoken", now=at(10))
    assert scanlog.pending() == 1
    assert jobs.access_flush_scans_task() == "written=1"
    assert Scan.objects.filter(reason="malformed").count() == 1
    ticket = site.book(hour=10)
    site.scan("s-in-1", ticket.token, now=at(10))
    from scenic_ops.access import credentials

    credentials.bind_for_visitor("face", "FM-1", ticket_code=ticket.code, consent=True, source="desk", now=at(9))
    later = timezone.now() + dt.timedelta(days=500)
    result = jobs.access_purge_task(now=later)
    assert "bindings=1" in result and not CredentialBinding.objects.exists()
    assert not Scan.objects.exists()  # past the 400-day retention
    assert "scans=0" in jobs.access_purge_task(now=timezone.now())
