"""Visitor pages (mobile first, zh/en, elderly mode): book → pay → tickets; look up my orders.

Flow: /book/ (days) → /book/<date>/ (slots with live counts, product, how many of each
category) → /book/<date>/visitors (one real-name row per ticket) → /o/<order>/<key>/pay →
the payment provider's cashier → /o/<order>/<key>/ (tickets with QR codes) → /t/<code>/.

The pages live in the visitor portal's shell (`portal/base.html`, `portal.shell`): the portal
owns the language and the elderly mode. In elderly mode the day page takes one step at a time
(the time slot, then the main admission ticket; other products behind "more").
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from scenic_ops.portal.shell import elder_mode, visitor_page
from scenic_ops.ticketing import catalog, inventory, notify, selectors, services
from scenic_ops.ticketing import render as ticket_render
from scenic_ops.ticketing.errors import TicketingError
from scenic_ops.ticketing.models import Channel, Order, Payment, Ticket

DAYS_AHEAD = 14
SESSION_PHONE = "tk_phone_index"
SESSION_PHONE_UNTIL = "tk_phone_until"
ID_TYPES = [
    ("resident", gettext_noop("Resident identity card")),
    ("permit", gettext_noop("Residence permit (HK/Macao/Taiwan)")),
    ("passport", gettext_noop("Passport")),
    ("hkmo", gettext_noop("HK/Macao travel permit")),
    ("tw", gettext_noop("Taiwan travel permit")),
]


# The messages the day page shows for `?error=<code>`; anything else in `error` shows nothing.
DAY_ERRORS = {
    "choose_slot": gettext_lazy("Choose a time slot and a product."),
    "choose_quantity": gettext_lazy("Choose how many tickets of each kind (1 to 20)."),
}


def _base(request, **extra) -> dict:
    return {
        "elder": elder_mode(request),
        "id_types": [(code, _(label)) for code, label in ID_TYPES],
        **extra,
    }


def _order_or_404(number: str, key: str) -> Order:
    if key != notify.order_key(number):
        raise Http404
    return get_object_or_404(Order, number=number)


@visitor_page
def days(request):
    today = timezone.localdate()
    entries = []
    for offset in range(DAYS_AHEAD):
        date = today + dt.timedelta(days=offset)
        info = selectors.availability(date)
        entries.append({"date": date, "status": info["status"], "remaining": info["remaining"], "note": info["note"]})
    return render(request, "ticketing/days.html", _base(request, days=entries))


def _products_for(date: dt.date) -> list[dict]:
    cat = catalog.get()
    day = inventory.layout(date)
    day_type = catalog.day_type(date, peak=day.peak)
    out = []
    for product in sorted(cat.products.values(), key=lambda p: (p.sort_order, p.code)):
        if not product.active:
            continue
        categories = []
        for category in cat.categories_for(product):
            price = cat.price(product, category, day_type)
            if price is None or not category.active or category.group_only:
                continue
            categories.append({"code": category.code, "label": category.label, "price": price, "info": category})
        if categories:
            out.append(
                {
                    "code": product.code,
                    "label": product.label,
                    "kind": product.kind,
                    "bundle": bool(product.components),
                    "categories": categories,
                }
            )
    return out


def _main_product(products: list[dict]) -> dict | None:
    """The plain admission ticket (not a bundle), else the first admission, else the first product."""
    for wanted in (lambda p: p["kind"] == "admission" and not p["bundle"], lambda p: p["kind"] == "admission"):
        found = next((p for p in products if wanted(p)), None)
        if found:
            return found
    return products[0] if products else None


def _parse_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise Http404 from None


@visitor_page
def day(request, date: str):
    date = _parse_date(date)
    info = selectors.availability(date)
    products = _products_for(date)
    error = DAY_ERRORS.get(request.GET.get("error", ""), "")
    elder = elder_mode(request)
    selected = request.GET.get("slot", "")
    slot = next((s for s in info["slots"] if str(s["id"]) == selected), None)
    if slot is not None:  # only what this time slot sells
        products = [p for p in products if p["code"] in slot["products"]]
    main = _main_product(products)
    # Elderly mode: fewer choices, the main admission ticket first, the rest behind "more".
    shown = products if not elder or request.GET.get("more") == "1" or main is None else [main]
    return render(
        request,
        "ticketing/day.html",
        _base(
            request,
            date=date,
            info=info,
            products=shown,
            more=len(shown) < len(products),
            selected_slot=slot,
            error=error,
            day_type=catalog.day_type(date),
        ),
    )


def _quantities(request, product: dict) -> dict[str, int]:
    out = {}
    for category in product["categories"]:
        raw = request.GET.get(f"q_{category['code']}", "0").strip() or "0"
        try:
            value = int(raw)
        except ValueError:
            value = -1
        out[category["code"]] = value
    return out


@visitor_page
def visitors(request, date: str):
    """One row per ticket: name and ID document; then the contact phone."""
    date = _parse_date(date)
    products = {p["code"]: p for p in _products_for(date)}
    product = products.get(request.GET.get("product", ""))
    try:
        slot_id = int(request.GET.get("slot", ""))
    except ValueError:
        slot_id = 0
    slot = inventory.slot(slot_id) if slot_id else None
    day_url = reverse("ticketing:day", args=[date.isoformat()])
    if product is None or slot is None or slot.date != date:
        return redirect(f"{day_url}?{urlencode({'error': 'choose_slot'})}")
    quantities = _quantities(request, product)
    if any(v < 0 or v > 20 for v in quantities.values()) or sum(quantities.values()) < 1:
        return redirect(f"{day_url}?{urlencode({'error': 'choose_quantity', 'slot': slot.id})}")
    rows = []
    for category in product["categories"]:
        for _i in range(quantities[category["code"]]):
            rows.append({"category": category, "name": "", "id_type": "resident", "id_number": ""})
    total = sum((row["category"]["price"] for row in rows), Decimal("0"))
    context = _base(request, date=date, slot=slot, product=product, rows=rows, total=total, error="", posted={})
    if request.method == "POST":
        posted = request.POST
        items: dict[str, list[services.VisitorIn]] = {}
        for i, row in enumerate(rows):
            row.update(
                name=posted.get(f"name_{i}", ""),
                id_type=posted.get(f"id_type_{i}", "resident"),
                id_number=posted.get(f"id_number_{i}", ""),
            )
            visitor = services.VisitorIn(row["name"], row["id_type"], row["id_number"])
            items.setdefault(row["category"]["code"], []).append(visitor)
        req = services.BookingRequest(
            slot_id=slot.id,
            items=[services.ItemIn(product["code"], code, people) for code, people in items.items()],
            channel=Channel.WEB,
            contact_name=posted.get("contact_name", ""),
            contact_phone=posted.get("contact_phone", "").strip(),
            language=translation.get_language() or "zh-hans",
        )
        context["posted"] = posted
        if not req.contact_phone:
            context["error"] = _("Give a mobile number: the tickets are sent there.")
            return render(request, "ticketing/visitors.html", context, status=400)
        try:
            booking = services.book(req)
        except TicketingError as exc:
            context.update(error=exc.detail, error_code=exc.code)
            return render(request, "ticketing/visitors.html", context, status=400)
        return redirect("ticketing:pay", number=booking.number, key=notify.order_key(booking.number))
    return render(request, "ticketing/visitors.html", context)


def _order_context(request, order: Order) -> dict:
    now = timezone.now()
    tickets = list(order.tickets.select_related("product", "category", "slot").order_by("id"))
    for ticket in tickets:
        try:
            ticket.refund_amount, ticket.refund_fee = services.refund_quote(ticket, now=now)
            ticket.refundable_now = order.status == Order.Status.CONFIRMED
        except TicketingError as exc:
            ticket.refundable_now = False
            ticket.refund_reason = exc.detail
    return _base(
        request,
        order=order,
        tickets=tickets,
        key=notify.order_key(order.number),
        slot=tickets[0].slot if tickets else None,
        expired_hold=order.status == Order.Status.HELD and order.hold_expires_at and order.hold_expires_at <= now,
    )


@never_cache
@visitor_page
def order_page(request, number: str, key: str):
    order = _order_or_404(number, key)
    context = _order_context(request, order)
    context["waiting"] = order.status == Order.Status.HELD and order.payments.filter(status="pending").exists()
    return render(request, "ticketing/order.html", context)


@never_cache
@visitor_page
def pay(request, number: str, key: str):
    order = _order_or_404(number, key)
    if request.method == "POST":
        try:
            payment = services.start_payment(order)
        except TicketingError as exc:
            context = _order_context(request, order)
            context["error"] = exc.detail
            return render(request, "ticketing/pay.html", context, status=409)
        from scenic_ops.ticketing.payments import provider

        return redirect(provider(payment.provider).checkout_url(payment))
    if order.status != Order.Status.HELD:
        return redirect("ticketing:order", number=number, key=key)
    return render(request, "ticketing/pay.html", _order_context(request, order))


@never_cache
@visitor_page
def sandbox_cashier(request, reference: str):
    """The sandbox provider's cashier: pay or fail; the notification comes back asynchronously."""
    payment = get_object_or_404(Payment.objects.select_related("order"), reference=reference, provider="sandbox")
    order = payment.order
    if request.method == "POST" and payment.status == Payment.Status.PENDING:
        services.sandbox_pay(payment, outcome="failed" if request.POST.get("outcome") == "failed" else "succeeded")
        return redirect("ticketing:order", number=order.number, key=notify.order_key(order.number))
    return render(request, "ticketing/sandbox.html", _base(request, payment=payment, order=order))


@require_POST
@visitor_page
def cancel(request, number: str, key: str):
    order = _order_or_404(number, key)
    code = request.POST.get("ticket", "")
    try:
        if code:
            services.refund_tickets(order, [code], reason="visitor refund")
        else:
            services.cancel_order(order, reason="visitor cancel")
    except TicketingError as exc:
        context = _order_context(request, order)
        context["error"] = exc.detail
        return render(request, "ticketing/order.html", context, status=409)
    return redirect("ticketing:order", number=number, key=key)


@never_cache
@visitor_page
def ticket_page(request, code: str):
    ticket = get_object_or_404(Ticket.objects.select_related("order", "product", "category", "slot"), code=code)
    return render(
        request,
        "ticketing/ticket.html",
        _base(request, ticket=ticket, order=ticket.order, key=notify.order_key(ticket.order.number)),
    )


def _valid_ticket(code: str) -> Ticket:
    ticket = get_object_or_404(Ticket.objects.select_related("product", "category", "slot", "order"), code=code)
    if ticket.status not in (Ticket.Status.VALID, Ticket.Status.USED):
        raise Http404
    return ticket


def ticket_qr(request, code: str):
    ticket = _valid_ticket(code)
    response = HttpResponse(ticket_render.qr_png(services.token_of(ticket)), content_type="image/png")
    response["Cache-Control"] = "private, max-age=300"
    return response


def ticket_pdf(request, code: str):
    ticket = _valid_ticket(code)
    response = HttpResponse(ticket_render.ticket_pdf([ticket]), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="ticket-{ticket.code}.pdf"'
    return response


def order_pdf(request, number: str, key: str):
    order = _order_or_404(number, key)
    tickets = [t for t in order.tickets.select_related("product", "category", "slot") if t.status in ("valid", "used")]
    if not tickets:
        raise Http404
    response = HttpResponse(ticket_render.ticket_pdf(tickets), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="order-{order.number}.pdf"'
    return response


@never_cache
@visitor_page
def my_orders(request):
    """Look up my orders: phone → SMS code → list (the code's proof lasts 30 minutes)."""
    context = _base(request, step="phone", error="", phone="")
    now = timezone.now().timestamp()
    if request.method == "POST":
        phone = request.POST.get("phone", "").strip()
        context["phone"] = phone
        try:
            if request.POST.get("action") == "send":
                services.send_lookup_code(phone, language=translation.get_language() or "zh-hans")
                context["step"] = "code"
            else:
                index = services.check_lookup_code(phone, request.POST.get("code", ""))
                request.session[SESSION_PHONE] = index
                request.session[SESSION_PHONE_UNTIL] = now + 1800
                return redirect("ticketing:my")
        except TicketingError as exc:
            context["error"] = exc.detail
            context["step"] = "code" if request.POST.get("action") == "verify" else "phone"
    index = request.session.get(SESSION_PHONE)
    if (
        index
        and request.session.get(SESSION_PHONE_UNTIL, 0) > now
        and context["step"] == "phone"
        and not context["error"]
    ):
        orders = list(selectors.orders_for_phone_index(index))
        for order in orders:
            order.key = notify.order_key(order.number)
        context.update(step="list", orders=orders)
    return render(request, "ticketing/my.html", context)
