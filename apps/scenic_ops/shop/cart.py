"""The visitor's cart, kept in their session until checkout.

Goods are (sku, quantity[, group deal, group code]); tickets are (shop ticket product, slot,
visitors). A visitor's ID number is kept encrypted in the session (`core.pii`), shown masked.
"""

from __future__ import annotations

from scenic_ops.core import pii
from scenic_ops.shop.intake import CheckoutRequest, ItemIn, TicketIn, VisitorIn

KEY = "shop_cart"
MAX_LINES = 30


def load(session) -> dict:
    data = session.get(KEY) or {}
    return {"items": list(data.get("items", [])), "tickets": list(data.get("tickets", []))}


def save(session, data: dict) -> None:
    session[KEY] = data
    session.modified = True


def clear(session) -> None:
    session.pop(KEY, None)


def count(session) -> int:
    data = load(session)
    return sum(int(i["quantity"]) for i in data["items"]) + sum(len(t["visitors"]) for t in data["tickets"])


def add_item(session, sku: str, quantity: int, *, deal: int | None = None, group: str = "") -> None:
    data = load(session)
    for item in data["items"]:
        if item["sku"] == sku and item.get("deal") == deal and item.get("group", "") == group:
            item["quantity"] = min(99, int(item["quantity"]) + quantity) if deal is None else 1
            break
    else:
        if len(data["items"]) >= MAX_LINES:
            return
        data["items"].append({"sku": sku, "quantity": quantity, "deal": deal, "group": group})
    save(session, data)


def set_quantity(session, index: int, quantity: int) -> None:
    data = load(session)
    if 0 <= index < len(data["items"]):
        if quantity <= 0:
            data["items"].pop(index)
        else:
            data["items"][index]["quantity"] = min(99, quantity)
    save(session, data)


def add_tickets(session, product: str, slot_id: int, visitors: list[tuple[str, str, str]]) -> None:
    data = load(session)
    data["tickets"].append(
        {
            "product": product,
            "slot_id": slot_id,
            "visitors": [
                {
                    "name": name,
                    "id_type": id_type,
                    "id_enc": pii.encrypt(number, context="cart").hex(),
                    "id_masked": pii.mask_id_number(number),
                }
                for name, id_type, number in visitors
            ],
        }
    )
    save(session, data)


def remove_tickets(session, index: int) -> None:
    data = load(session)
    if 0 <= index < len(data["tickets"]):
        data["tickets"].pop(index)
    save(session, data)


def request_of(session, **fields) -> CheckoutRequest:
    data = load(session)
    return CheckoutRequest(
        items=[ItemIn(i["sku"], i["quantity"], i.get("deal"), i.get("group", "")) for i in data["items"]],
        tickets=[
            TicketIn(
                t["product"],
                int(t["slot_id"]),
                [
                    VisitorIn(v["name"], v["id_type"], pii.decrypt(bytes.fromhex(v["id_enc"]), context="cart"))
                    for v in t["visitors"]
                ],
            )
            for t in data["tickets"]
        ],
        **fields,
    )
