"""Input checks shared by the service domain: text, phones, e-mail, photos, places, codes."""

from __future__ import annotations

import re
import secrets
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from scenic_ops.core.models import User, Zone
from scenic_ops.service.errors import ServiceCode, ServiceError

MAX_PHOTO_BYTES = 8 * 1024 * 1024
MAX_PHOTOS = 4
MOBILE = re.compile(r"^1[3-9]\d{9}$")
PHONE = re.compile(r"^0\d{2,3}-?\d{7,8}$")  # a landline, for calls taken at the hotline
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud over the phone
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: Any) -> str:
    """Text as typed, without control characters; markup is kept and escaped wherever it is shown."""
    text = unicodedata.normalize("NFC", str(value or ""))
    return _CONTROL.sub("", text).strip()


def check_length(text: str, limit: int, code: ServiceCode) -> str:
    if len(text) > limit:
        raise ServiceError(code, limit=limit, length=len(text))
    return text


def normalise_phone(value: Any, *, landline_ok: bool = False) -> str:
    raw = clean_text(value)
    if not raw:
        return ""
    digits = re.sub(r"[\s()]", "", raw)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    if MOBILE.match(digits) or (landline_ok and PHONE.match(digits)):
        return digits.replace("-", "")
    raise ServiceError(ServiceCode.INVALID_PHONE, value=raw[:30])


def normalise_email(value: Any) -> str:
    raw = clean_text(value)
    if not raw:
        return ""
    try:
        validate_email(raw)
    except ValidationError:
        raise ServiceError(ServiceCode.INVALID_EMAIL, value=raw[:60]) from None
    return raw


def mask_email(value: str) -> str:
    name, _at, domain = value.partition("@")
    return (name[:1] + "***@" + domain)[:80] if domain else ""


def choice(value: Any, choices, field: str, default: str | None = None) -> str:
    text = clean_text(value)
    if not text and default is not None:
        return default
    if text not in choices.values:
        raise ServiceError(ServiceCode.INVALID_CHOICE, value=text[:40], field=field)
    return text


def zone_of(value: Any) -> Zone | None:
    if value in (None, ""):
        return None
    if isinstance(value, Zone):
        return value
    text = clean_text(value)
    zone = Zone.objects.filter(code=text).first()
    if zone is None and text.isdigit():
        zone = Zone.objects.filter(pk=int(text)).first()
    if zone is None:
        raise ServiceError(ServiceCode.UNKNOWN_ZONE, value=text[:40])
    return zone


def lat_lng(latitude: Any, longitude: Any) -> tuple[Decimal | None, Decimal | None]:
    if latitude in (None, "") and longitude in (None, ""):
        return None, None
    try:
        lat, lng = Decimal(str(latitude)), Decimal(str(longitude))
    except (InvalidOperation, ValueError):
        raise ServiceError(ServiceCode.INVALID_LOCATION) from None
    if not (lat.is_finite() and lng.is_finite() and -90 <= lat <= 90 and -180 <= lng <= 180):
        raise ServiceError(ServiceCode.INVALID_LOCATION)
    return lat.quantize(Decimal("0.000001")), lng.quantize(Decimal("0.000001"))


def check_photo(upload: Any) -> None:
    if (getattr(upload, "size", 0) or 0) > MAX_PHOTO_BYTES:
        raise ServiceError(ServiceCode.PHOTO_INVALID)
    from PIL import Image, UnidentifiedImageError

    try:
        upload.seek(0)
        with Image.open(upload) as image:
            fmt = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ServiceError(ServiceCode.PHOTO_INVALID) from None
    finally:
        upload.seek(0)
    if fmt not in ("JPEG", "PNG", "WEBP", "MPO"):
        raise ServiceError(ServiceCode.PHOTO_INVALID)


def new_code(prefix: str, model, *, now) -> str:
    from django.utils import timezone

    stamp = timezone.localtime(now).strftime("%y%m%d")
    for _attempt in range(20):
        code = prefix + stamp + "".join(secrets.choice(CODE_ALPHABET) for _ in range(4))
        if not model.objects.filter(code=code).exists():
            return code
    raise RuntimeError("could not find a free code")  # pragma: no cover - 32**4 codes a day


def throttle(key: str, limit: int, seconds: int) -> None:
    """A fixed-window rate limit in the shared cache (Redis): refuse past `limit` calls per window."""
    full = f"service:rl:{key}"
    try:
        added = cache.add(full, 1, seconds)
        count = 1 if added else cache.incr(full)
    except Exception:  # noqa: BLE001 - no cache: do not block visitors
        return
    if count > limit:
        raise ServiceError(ServiceCode.RATE_LIMITED, status=429)


def users_of_roles(roles: list[str]):
    return User.objects.filter(is_active=True, groups__role__code__in=list(roles)).distinct().order_by("pk")
