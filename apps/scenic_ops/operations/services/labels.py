"""QR labels: each asset's label opens its page in the crew app on a phone."""

from __future__ import annotations

import io

import segno
from django.conf import settings

from scenic_ops.operations.models import Asset


def asset_path(asset: Asset) -> str:
    return f"/crew/a/{asset.qr_token}"


def asset_url(asset: Asset, request=None) -> str:
    """Absolute link: the site's configured base URL, else the address the desk was opened with."""
    base = settings.SITE.get("web", "base_url", "")
    if base:
        return f"{base.rstrip('/')}{asset_path(asset)}"
    if request is not None:
        return request.build_absolute_uri(asset_path(asset))
    return asset_path(asset)


def qr_svg(url: str) -> str:
    # make_qr, not make: short contents would become a Micro QR that phone scanners do not read.
    return segno.make_qr(url, error="m").svg_inline(scale=4, border=2)


def qr_png(url: str) -> bytes:
    out = io.BytesIO()
    segno.make_qr(url, error="m").save(out, kind="png", scale=8, border=4)
    return out.getvalue()
