import io

import pytest
from PIL import Image
from pyzbar.pyzbar import decode

from scenic_ops.ticketing import render, services, tokens
from scenic_ops.ticketing.models import Ticket
from tests.ticketing.conftest import request, slot_of


def test_token_verifies_offline_with_the_public_key_only(tk):
    booking = services.book(request(slot_of(), confirm=True, channel="counter"))
    token = booking.tickets[0].token
    gate_key = tokens.load_public_key(tokens.public_key_b64())
    claims = tokens.verify(token, key=gate_key)
    assert claims.code == booking.tickets[0].code and claims.uses == 1
    assert claims.kid == tokens.key_id()
    assert tokens.verify(token, key={tokens.key_id(): gate_key}).code == claims.code
    head, body, sig = token.split(".")
    forged = f"{head}.{body[:-2]}AA.{sig}"
    for bad in (forged, token[:-3] + "AAA", "SO1.x.y", "garbage"):
        with pytest.raises(tokens.InvalidToken):
            tokens.verify(bad, key=gate_key)
    other = tokens.Ed25519PrivateKey.generate().public_key()
    with pytest.raises(tokens.InvalidToken):
        tokens.verify(token, key=other)
    assert "BEGIN PUBLIC KEY" in tokens.public_key_pem()


def test_qr_png_decodes_to_the_token(tk, client):
    booking = services.book(request(slot_of(), confirm=True, channel="counter"))
    ticket = booking.tickets[0]
    png = client.get(f"/t/{ticket.code}/qr.png")
    assert png["Content-Type"] == "image/png"
    found = decode(Image.open(io.BytesIO(png.content)))
    assert [f.data.decode() for f in found] == [ticket.token]
    assert found[0].type == "QRCODE"
    svg = render.qr_svg(ticket.token)
    assert svg.startswith("<svg")


def test_ticket_pdf_and_page(tk, client):
    booking = services.book(request(slot_of(), confirm=True, channel="counter", n=2))
    pdf = client.get(f"/t/{booking.tickets[0].code}/ticket.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    page = client.get(f"/t/{booking.tickets[0].code}/")
    assert page.status_code == 200 and booking.tickets[0].code in page.content.decode()
    Ticket.objects.filter(code=booking.tickets[1].code).update(status="refunded")
    assert client.get(f"/t/{booking.tickets[1].code}/qr.png").status_code == 404


def test_gate_lookup_by_id_number(tk):
    from scenic_ops.access import credentials
    from scenic_ops.ticketing import gate
    from tests.ticketing.conftest import valid_id

    slot = slot_of()
    booking = services.book(request(slot, confirm=True, channel="counter", seq=88))
    # The gates look a visitor up by the blind index of the ID number, however it was typed.
    found = gate.candidates(credentials.id_index(valid_id(88).lower()), slot.date)
    assert [c.code for c in found] == [booking.tickets[0].code]
    assert gate.candidates(credentials.id_index(valid_id(89)), slot.date) == []
