"""Tickets as pictures and paper: the QR code (a real QR, never Micro QR) and a printable PDF."""

from __future__ import annotations

import io

import segno
from django.conf import settings
from django.utils import timezone
from reportlab.lib.pagesizes import A6
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"  # reportlab's built-in CID font: Chinese without shipping a font file


def qr_png(token: str, *, scale: int = 6) -> bytes:
    """A standard QR code (segno.make_qr: never a Micro QR, which phone and gate readers reject)."""
    buffer = io.BytesIO()
    segno.make_qr(token, error="m").save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def qr_svg(token: str, *, scale: int = 4) -> str:
    buffer = io.BytesIO()
    segno.make_qr(token, error="m").save(buffer, kind="svg", scale=scale, border=4, xmldecl=False, svgns=True)
    return buffer.getvalue().decode()


def ticket_pdf(tickets) -> bytes:
    """One A6 page per ticket: site, product, date and slot, masked visitor, QR code."""
    from scenic_ops.ticketing.booking import token_of

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A6)
    width, height = A6
    site = settings.SITE.get("profile", "name", settings.SITE_NAME)
    for ticket in tickets:
        pdf.setFont(FONT, 13)
        pdf.drawString(8 * mm, height - 12 * mm, site)
        pdf.setFont(FONT, 11)
        pdf.drawString(8 * mm, height - 19 * mm, f"{ticket.product.name} · {ticket.category.name}")
        slot = ticket.slot
        pdf.drawString(8 * mm, height - 25 * mm, f"{ticket.date:%Y-%m-%d} {slot.start:%H:%M}–{slot.end:%H:%M}")
        pdf.drawString(8 * mm, height - 31 * mm, f"{ticket.name_masked}  {ticket.id_number_masked}")
        if ticket.check_document:
            pdf.drawString(8 * mm, height - 37 * mm, f"查验证件 Check document: {ticket.check_document}")
        image = ImageReader(io.BytesIO(qr_png(token_of(ticket), scale=4)))
        size = 60 * mm
        pdf.drawImage(image, (width - size) / 2, 14 * mm, size, size)
        pdf.setFont(FONT, 8)
        pdf.drawString(8 * mm, 8 * mm, f"{ticket.code} · {timezone.localtime():%Y-%m-%d %H:%M}")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()
