"""Portal tests use the ticketing catalogue, the service set-up and a flow site with figures."""

from __future__ import annotations

import pytest

from tests import shared_fixtures
from tests.ticketing.conftest import tk  # noqa: F401 - a fixture

_roles_committed = shared_fixtures._roles_committed
roles = shared_fixtures.roles
media_root = shared_fixtures.media_root


@pytest.fixture
def service_ready(roles):
    from scenic_ops.service import setup

    setup.load()


@pytest.fixture
def busy_park(db):
    """A key spot, a car park and a wait time, 620 of 1,000 visitors in the park."""
    from decimal import Decimal

    from django.utils import timezone

    from scenic_ops.core.models import SiteProfile, Zone
    from scenic_ops.core.services import ensure_site_profile
    from scenic_ops.flow.models import ParkingLot, WaitQueue
    from scenic_ops.flow.services import counting, evaluate, record_passages

    counting.forget_places()
    profile = ensure_site_profile()
    SiteProfile.objects.filter(pk=profile.pk).update(max_instant_capacity=1000, max_daily_capacity=3000)
    Zone.objects.create(code="summit", name="主峰", name_en="Main Peak", kind="spot", instant_capacity=100,
                        latitude=Decimal("31.2400"), longitude=Decimal("120.4200"))  # fmt: skip
    lot = Zone.objects.create(code="parking-p1", name="P1停车场", name_en="Car Park P1", kind="parking")
    ParkingLot.objects.create(zone=lot, spaces=50, occupied=47, state_at=timezone.now())
    WaitQueue.objects.create(code="cableway", name="索道排队", name_en="Cableway queue", service_rate_per_minute=4)
    record_passages(None, entries=700, exits=80)
    record_passages("summit", entries=90, exits=5)
    evaluate()
    yield
    counting.forget_places()
