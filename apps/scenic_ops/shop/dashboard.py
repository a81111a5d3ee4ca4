"""Desk home cards: the shop's sales today, its best sellers, and the stock running low."""

from __future__ import annotations

from django.utils.translation import gettext as _

from scenic_ops.core.dashboard import Card, cards
from scenic_ops.shop import selectors


@cards(permission="shop.view_order")
def shop_cards(request, now) -> list[Card]:
    sales = selectors.sales_today(now)
    low = selectors.low_stock()
    top = sales["top"]
    out = [
        Card(
            title=_("Shop sales today (CNY)"),
            kind="number",
            value=f"{sales['amount']:,.2f}",
            hint=_("%(n)s paid orders") % {"n": sales["orders"]},
            order=20,
            width="third",
            link="/admin/shop/order/",
        ),
        Card(
            title=_("Low stock"),
            kind="number",
            value=str(len(low)),
            hint=", ".join(str(s.sku) for s in low[:3]) or _("Every SKU is above its alert level"),
            order=21,
            width="third",
            link="/admin/shop/stock/?level=low",
        ),
    ]
    if top:
        out.append(
            Card(
                title=_("Top products today"),
                chart_type="bar",
                labels=[row["description"][:16] for row in top],
                datasets=[{"name": _("Units"), "values": [int(row["quantity"]) for row in top]}],
                order=22,
                width="third",
                link="/admin/shop/order/",
            )
        )
    return out
