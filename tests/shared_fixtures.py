"""Fixtures and helpers the operations and service tests share; their conftests import them.

The roles here are committed once for the session; they stay out of the root conftest so the
other domains' tests keep starting from a database without them.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.utils import timezone

_seq = itertools.count(1)


def at(text: str) -> dt.datetime:
    """A moment in Asia/Shanghai: at("2026-05-01 09:00")."""
    return timezone.make_aware(dt.datetime.fromisoformat(text))


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploaded files of a test go to its own folder, never to the site's."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(scope="session")
def _roles_committed(django_db_setup, django_db_blocker):
    """Roles and their permissions, committed once for the session (syncing them costs ~1 s a test)."""
    from scenic_ops.core.roles import sync_roles

    with django_db_blocker.unblock():
        sync_roles()


@pytest.fixture
def roles(db, _roles_committed):
    """Overrides the root fixture: re-syncs only when a transactional test flushed the database."""
    from scenic_ops.core.models import Role
    from scenic_ops.core.roles import load_matrix, sync_roles

    if Role.objects.count() != len(load_matrix().roles):
        sync_roles()


def zone_fixture(default_name: str):
    """A `zone` factory fixture: zone(code=None, lat=..., lng=..., **fields) -> a Zone named `default_name`."""

    @pytest.fixture
    def zone(db):
        from scenic_ops.core.models import Zone

        def build(code: str | None = None, lat: str = "31.2330", lng: str = "120.4170", **fields):
            return Zone.objects.create(
                code=code or f"zone-{next(_seq)}",
                name=fields.pop("name", default_name),
                latitude=Decimal(lat),
                longitude=Decimal(lng),
                **fields,
            )

        return build

    return zone
