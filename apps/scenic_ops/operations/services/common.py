"""Helpers shared by the operations services: uploaded pictures, positions, client ids, telling people."""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from scenic_ops.core import outbox, pii
from scenic_ops.core.models import User
from scenic_ops.operations.errors import OpsCode, OpsError

MAX_PHOTO_BYTES = int(getattr(settings, "OPS_MAX_PHOTO_BYTES", 8 * 1024 * 1024))
IMAGE_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "MPO": "jpg"}
CLIENT_ID = re.compile(r"^[A-Za-z0-9-]{8,64}$")


def check_photo(upload: Any, *, name: str = "") -> str:
    """Refuse a file that is too large or not a picture; returns its extension. Reads the file, rewinds it."""
    label = name or getattr(upload, "name", "") or _("the photo")
    size = getattr(upload, "size", None) or 0
    if size > MAX_PHOTO_BYTES:
        raise OpsError(
            OpsCode.FILE_TOO_LARGE,
            name=str(label)[:80],
            size_mb=f"{size / 1024 / 1024:.1f}",
            limit_mb=f"{MAX_PHOTO_BYTES / 1024 / 1024:.0f}",
        )
    from PIL import Image, UnidentifiedImageError

    try:
        upload.seek(0)
        with Image.open(upload) as image:
            fmt = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise OpsError(OpsCode.NOT_AN_IMAGE, name=str(label)[:80]) from None
    finally:
        upload.seek(0)
    if fmt not in IMAGE_FORMATS:
        raise OpsError(OpsCode.NOT_AN_IMAGE, name=str(label)[:80])
    return IMAGE_FORMATS[fmt]


def plain(number: Decimal) -> str:
    """A decimal without exponent or trailing zeros: 4000, 12.5."""
    return f"{number.normalize():f}"


def check_client_id(value: Any) -> str | None:
    if value in (None, ""):
        return None
    text = str(value)
    if not CLIENT_ID.match(text):
        raise OpsError(OpsCode.INVALID_CLIENT_ID)
    return text


def coordinate(value: Any, low: float, high: float, what: str) -> Decimal | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise OpsError(OpsCode.INVALID_POSITION, reason=what)
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise OpsError(OpsCode.INVALID_POSITION, reason=what) from None
    if not number.is_finite() or not low <= number <= high:
        raise OpsError(OpsCode.INVALID_POSITION, reason=what)
    return number.quantize(Decimal("0.000001"))


def lat_lng(latitude: Any, longitude: Any) -> tuple[Decimal | None, Decimal | None]:
    lat = coordinate(latitude, -90, 90, _("latitude must lie between -90 and 90"))
    lng = coordinate(longitude, -180, 180, _("longitude must lie between -180 and 180"))
    if (lat is None) != (lng is None):
        raise OpsError(OpsCode.INVALID_POSITION, reason=_("give both latitude and longitude"))
    return lat, lng


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in metres (haversine)."""
    lat1, lng1, lat2, lng2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


def tell(
    users: list[User],
    subject: str,
    body: str = "",
    *,
    link: str = "",
    key: str,
    sms: bool = False,
    event: str = "operations",
) -> int:
    """In-app notification (the desk's bell) and optionally an SMS, in the caller's transaction."""
    from scenic_ops.workflow.services.notifications import notify_in_app

    sent = 0
    for user in users:
        if notify_in_app(user, subject, body, event=event, link=link, dedupe_key=f"{key}:{user.pk}"[:190]):
            sent += 1
        if sms and user.phone_enc:
            phone = pii.decrypt(user.phone_enc, context="phone")
            outbox.enqueue(
                "sms",
                phone,
                body=f"{subject} {body}".strip()[:300],
                dedupe_key=f"{key}:{user.pk}:sms"[:190],
                source="operations",
            )
    return sent


def users_of_roles(roles: list[str]) -> list[User]:
    if not roles:
        return []
    return list(User.objects.filter(is_active=True, groups__role__code__in=roles).distinct().order_by("pk"))
