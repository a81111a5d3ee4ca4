"""Tickets as pictures and paper: the QR code (a real QR, never Micro QR) and a printable PDF.

The PDF is in the order's language (zh-hans or en) and embeds its fonts, so it prints the same on
any printer or phone: Chinese from Droid Sans Fallback (Debian `fonts-droid-fallback`, Apache-2.0),
Latin letters and digits, which that font lacks, from DejaVu Sans (`fonts-dejavu-core`, free to
embed). Both are TrueType: reportlab embeds TrueType subsets, not the CFF outlines of Noto CJK.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
from pathlib import Path

import segno
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A6
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

CJK_FONT = ("ScenicCJK", "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", "fonts-droid-fallback")
LATIN_FONT = ("ScenicLatin", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "fonts-dejavu-core")


def qr_png(token: str, *, scale: int = 6) -> bytes:
    """A standard QR code (segno.make_qr: never a Micro QR, which phone and gate readers reject)."""
    buffer = io.BytesIO()
    segno.make_qr(token, error="m").save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def qr_svg(token: str, *, scale: int = 4) -> str:
    buffer = io.BytesIO()
    segno.make_qr(token, error="m").save(buffer, kind="svg", scale=scale, border=4, xmldecl=False, svgns=True)
    return buffer.getvalue().decode()


@functools.cache
def _fonts() -> tuple[TTFont, TTFont]:
    """The two embedded fonts, registered once; a clear error naming the Debian package when one is missing."""
    loaded = []
    for setting, (name, default, package) in (("TICKET_PDF_CJK_FONT", CJK_FONT), ("TICKET_PDF_LATIN_FONT", LATIN_FONT)):
        path = Path(getattr(settings, setting, default))
        if not path.is_file():
            raise ImproperlyConfigured(
                f"The PDF ticket needs the TrueType font {path}: install the Debian package {package} "
                f"(scripts/setup.sh does), or point settings.{setting} at another TrueType font."
            )
        font = TTFont(name, str(path))
        pdfmetrics.registerFont(font)
        loaded.append(font)
    return loaded[0], loaded[1]


def _runs(text: str) -> list[tuple[str, str]]:
    """`text` cut into (font name, piece): Latin letters, digits and punctuation in the Latin font,
    everything else (Chinese, full-width signs) in the CJK font."""
    cjk, latin = _fonts()
    runs: list[tuple[str, str]] = []
    for ch in text:
        code = ord(ch)
        name = latin.fontName if code in latin.face.charToGlyph or code not in cjk.face.charToGlyph else cjk.fontName
        if runs and runs[-1][0] == name:
            runs[-1] = (name, runs[-1][1] + ch)
        else:
            runs.append((name, ch))
    return runs


def _line(pdf: canvas.Canvas, x: float, y: float, text: str, size: float) -> None:
    writing = pdf.beginText(x, y)
    for name, piece in _runs(text):
        writing.setFont(name, size)
        writing.textOut(piece)
    pdf.drawText(writing)


def _site_name(english: bool) -> str:
    from scenic_ops.core.services import site_profile

    profile = site_profile()
    name = (profile.name_en if english else "") or profile.name
    return name or settings.SITE.get("profile", "name", settings.SITE_NAME)


def _document(ticket, english: bool) -> str:
    """What the gate checks (学生证 …), in the ticket's language."""
    if not ticket.check_document:
        return ""
    category = ticket.category
    if english:
        return category.document_label_en or category.label
    return ticket.check_document


def ticket_pdf(tickets, *, now: dt.datetime | None = None) -> bytes:
    """One A6 page per ticket, in its order's language: site, product, category, date and slot,
    masked visitor, what the gate checks, the QR code and the ticket number."""
    from scenic_ops.ticketing.booking import token_of

    cjk, _latin = _fonts()
    now = timezone.localtime(now)
    buffer = io.BytesIO()
    # The initial font is one of ours: reportlab would otherwise declare Helvetica, never embedded.
    pdf = canvas.Canvas(buffer, pagesize=A6, initialFontName=cjk.fontName, initialFontSize=10)
    width, height = A6
    for page, ticket in enumerate(tickets):
        english = (ticket.order.language or "").lower().startswith("en")
        with translation.override("en" if english else "zh-hans"):
            if page == 0:
                pdf.setTitle(_("Tickets"))
            slot = ticket.slot
            _line(pdf, 8 * mm, height - 12 * mm, _site_name(english), 13)
            _line(pdf, 8 * mm, height - 19 * mm, ticket.product.label, 12)
            rows = [
                _("Category: %(category)s") % {"category": ticket.category.label},
                _("Visit: %(date)s %(start)s–%(end)s")
                % {"date": f"{ticket.date:%Y-%m-%d}", "start": f"{slot.start:%H:%M}", "end": f"{slot.end:%H:%M}"},
                _("Visitor: %(name)s %(id)s") % {"name": ticket.name_masked, "id": ticket.id_number_masked},
            ]
            document = _document(ticket, english)
            if document:
                rows.append(_("Check document: %(document)s") % {"document": document})
            for i, row in enumerate(rows):
                _line(pdf, 8 * mm, height - (26 + 6 * i) * mm, row, 10)
            image = ImageReader(io.BytesIO(qr_png(token_of(ticket), scale=4)))
            size = 56 * mm
            pdf.drawImage(image, (width - size) / 2, 17 * mm, size, size)
            _line(pdf, 8 * mm, 12 * mm, _("Show this QR code at the entrance gate."), 9)
            _line(
                pdf,
                8 * mm,
                7 * mm,
                _("Ticket %(code)s · printed %(at)s") % {"code": ticket.code, "at": f"{now:%Y-%m-%d %H:%M}"},
                8,
            )
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()
