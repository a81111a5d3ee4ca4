"""The printable ticket follows the visitor's language and embeds its fonts (no CID font left to the
printer), with text a PDF reader can extract."""

from __future__ import annotations

import re
import subprocess
import zlib

import pytest
from django.test import Client

from scenic_ops.ticketing import render, services
from tests.ticketing.conftest import request, slot_of


def pdf_of(code: str) -> bytes:
    response = Client().get(f"/t/{code}/ticket.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return response.content


def text_of(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "ticket.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    ).stdout.decode()


def fonts_of(pdf: bytes, tmp_path) -> list[list[str]]:
    """pdffonts' rows: name, type (one or two words), encoding, emb, sub, uni, object, generation."""
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    lines = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True).stdout.splitlines()
    return [line.split() for line in lines[2:]]


def embedded_font_files(pdf: bytes) -> int:
    """Font descriptors pointing at an embedded TrueType program (FontFile2), counted in the raw objects."""
    count = len(re.findall(rb"/FontFile2\s+\d+\s+0\s+R", pdf))
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            count += len(re.findall(rb"/FontFile2\s+\d+\s+0\s+R", zlib.decompress(stream)))
        except zlib.error:
            continue
    return count


@pytest.mark.parametrize(
    ("language", "expected", "absent"),
    [
        ("en", ["Admission", "Category: Adult", "Visit:", "Show this QR code"], ["门票", "票种"]),
        ("zh-hans", ["门票", "票种：成人", "游览时间", "入口闸机"], ["Category:", "Visit:"]),
    ],
)
def test_the_pdf_is_in_the_order_language_with_embedded_fonts(tk, tmp_path, language, expected, absent):
    booking = services.book(request(slot_of(), confirm=True, channel="counter", language=language))
    pdf = pdf_of(booking.tickets[0].code)
    text = text_of(pdf, tmp_path)
    for label in expected:
        assert label in text, (label, text)
    for label in absent:
        assert label not in text, (label, text)
    assert booking.tickets[0].code in text
    fonts = fonts_of(pdf, tmp_path)
    assert fonts and all("TrueType" in row and row[-5] == "yes" and row[-3] == "yes" for row in fonts), fonts
    assert {row[0].split("+")[-1] for row in fonts} == {"DroidSansFallback", "DejaVuSans"}
    assert embedded_font_files(pdf) >= 1


def test_an_english_order_pdf_names_the_document_to_show_in_english(tk, tmp_path):
    booking = services.book(request(slot_of(), category="student", confirm=True, channel="counter", language="en"))
    response = Client().get(f"/t/{booking.tickets[0].code}/ticket.pdf")
    text = text_of(response.content, tmp_path)
    assert "Check document: Student" in text and "学生证" not in text


def test_a_missing_font_is_named_with_its_package(settings):
    settings.TICKET_PDF_CJK_FONT = "/nonexistent/DroidSansFallbackFull.ttf"
    render._fonts.cache_clear()
    try:
        with pytest.raises(Exception, match="fonts-droid-fallback"):
            render._fonts()
    finally:
        render._fonts.cache_clear()
