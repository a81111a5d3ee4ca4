"""Builders for operations tests: assets, devices with keys, checklist plans, crew with positions."""

from __future__ import annotations

import datetime as dt
import io
import itertools
from decimal import Decimal

import pytest
from django.utils import timezone

from tests import shared_fixtures

_seq = itertools.count(1)

# Shared with the other domain's tests (tests/shared_fixtures.py).
at = shared_fixtures.at
media_root = shared_fixtures.media_root
_roles_committed = shared_fixtures._roles_committed
roles = shared_fixtures.roles
zone = shared_fixtures.zone_fixture("索道下站")


def png_bytes(size: tuple[int, int] = (40, 30), colour: str = "red") -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def photo(name: str = "photo.png", data: bytes | None = None):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data if data is not None else png_bytes(), content_type="image/png")


@pytest.fixture
def ops(db, roles):
    """The operations set-up as `setup_site` runs it: repair workflow, rules, categories, alarm rules."""
    from scenic_ops.operations import setup

    setup.load()
    return setup


@pytest.fixture
def make_asset(ops):
    from scenic_ops.operations.models import Asset, AssetCategory

    def build(category: str = "gate", code: str | None = None, **fields):
        cat = AssetCategory.objects.get(code=category)
        fields.setdefault("special_equipment", cat.special_equipment)
        return Asset.objects.create(
            code=code or f"{category}-{next(_seq)}",
            name=fields.pop("name", f"{cat.name}{next(_seq)}"),
            category=cat,
            **fields,
        )

    return build


@pytest.fixture
def make_device(make_asset):
    """make_device(asset=None, ...) -> (device, api key secret)."""
    from scenic_ops.operations.models import Device
    from scenic_ops.operations.services import telemetry

    def build(asset=None, code: str | None = None, **fields):
        asset = asset or make_asset("gate")
        device = Device.objects.create(
            code=code or f"dev-{next(_seq)}", name=fields.pop("name", "控制器"), asset=asset, **fields
        )
        secret = telemetry.issue_key(device)
        device.refresh_from_db()
        return device, secret

    return build


@pytest.fixture
def make_plan(ops):
    """make_plan(items=[...], points=[asset, ...]) -> an InspectionPlan with a checklist and a route."""
    from scenic_ops.operations.models import ChecklistItem, ChecklistTemplate, InspectionPlan, RoutePoint

    def build(*, items: list[dict] | None = None, points: list = (), **fields):
        n = next(_seq)
        template = ChecklistTemplate.objects.create(name=f"检查表{n}")
        for position, spec in enumerate(
            items
            or [
                {"label": "闸机运转正常", "kind": "yes_no", "photo_required": True},
                {
                    "label": "电压",
                    "kind": "number",
                    "min_value": Decimal("0"),
                    "max_value": Decimal("400"),
                    "pass_min": Decimal("210"),
                    "pass_max": Decimal("235"),
                    "unit": "V",
                },
                {"label": "备注", "kind": "text", "required": False},
            ]
        ):
            ChecklistItem.objects.create(template=template, position=position, **spec)
        fields.setdefault("name", f"巡检计划{n}")
        plan = InspectionPlan.objects.create(template=template, **fields)
        for position, point in enumerate(points):
            RoutePoint.objects.create(plan=plan, position=position, asset=point)
        return plan

    return build


@pytest.fixture
def place_crew(db):
    """place_crew(user, lat, lng, at=now) -> the user's phone tracker with a fresh position."""
    from scenic_ops.operations.services import positions

    def build(user, lat: float, lng: float, when: dt.datetime | None = None, on_duty: bool = True):
        tracker = positions.phone_of(user)
        positions.record(
            tracker, [{"at": (when or timezone.now()).isoformat(), "latitude": lat, "longitude": lng, "accuracy": 8}]
        )
        if not on_duty:
            positions.set_on_duty(user, False)
        tracker.refresh_from_db()
        return tracker

    return build
