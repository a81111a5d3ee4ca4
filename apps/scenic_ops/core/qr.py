"""QR codes drawn on the server (segno), for the pages that show one: a pick-up code, a cashier link,
a class's sign-in link. Never cached by a shared cache: each one names a person's order or session."""

from __future__ import annotations

import io

import segno
from django.http import HttpResponse


def png(text: str, *, scale: int = 6, border: int = 2) -> bytes:
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=scale, border=border)
    return buffer.getvalue()


def png_response(text: str, *, scale: int = 6, border: int = 2) -> HttpResponse:
    response = HttpResponse(png(text, scale=scale, border=border), content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    return response
