"""Visitor pages (mobile first, zh/en, elderly mode): book → pay → tickets; look up my orders.

Flow: /book/ (days) → /book/<date>/ (slots with live counts, product, how many of each
category) → /book/<date>/visitors (one real-name row per ticket) → /o/<order>/<key>/pay →
the payment provider's cashier → /o/<order>/<key>/ (tickets with QR codes) → /t/<code>/.
Cancelling and refunding go through a confirmation page (/o/<order>/<key>/cancel) that says
what happens first.

The pages live in the visitor portal's shell (`portal/base.html`, `core.visitor`): the portal
owns the language and the elderly mode. In elderly mode the day page takes one step at a time
(the time slot, then the main admission ticket; other products behind "more").
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from scenic_ops.core.visitor import elder_mode, visitor_page
from scenic_ops.ticketing import catalog, idcard, inventory, notify, selectors, services
from scenic_ops.ticketing import render as ticket_render
from scenic_ops.ticketing.errors import Code, TicketingError
from scenic_ops.ticketing.models import Channel, Order, Payment, Ticket

DAYS_AHEAD = 14
MAX_PER_CATEGORY = 20
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
# The mobile number the tickets go to (booking checks it again and is the authority).
MOBILE = re.compile(r"^1[3-9]\d{9}$")


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


ID_NUMBER_HINTS = {
    idcard.RESIDENT: gettext_lazy("An ID card number has 18 characters: 17 digits, then a digit or X."),
    idcard.PERMIT: gettext_lazy(
        "A residence permit number has 18 characters and starts with 810000, 820000 or 830000."
    ),
    idcard.PASSPORT: gettext_lazy("A passport number has 6 to 15 letters and digits."),
    idcard.HKMO: gettext_lazy("An HK/Macao travel permit number is H or M followed by 8 or 10 digits."),
    idcard.TAIWAN: gettext_lazy("A Taiwan travel permit number has 8 or 10 digits."),
}


def _visitor_errors(row: dict, visit_date: dt.date) -> dict[str, str]:
    """What is wrong with one visitor row, per field, in words a visitor understands."""
    errors = {}
    name = " ".join(row["name"].split())
    if not name:
        errors["name"] = _("Enter the visitor's name as on the ID document.")
    elif len(name) > 40:
        errors["name"] = _("The name is too long: at most 40 characters.")
    if row["id_type"] not in idcard.ID_TYPES:
        errors["id_type"] = _("Choose the kind of ID document.")
        return errors
    if not idcard.normalise(row["id_number"]):
        errors["id_number"] = _("Enter the ID number.")
        return errors
    try:
        info = idcard.validate(row["id_type"], row["id_number"])
    except TicketingError as exc:
        if exc.code == Code.INVALID_ID_CHECKSUM:
            errors["id_number"] = _(
                "This ID number has a typing mistake: its last character does not match. Please check every digit."
            )
        else:
            errors["id_number"] = _("This number does not look right. %(hint)s") % {
                "hint": ID_NUMBER_HINTS[row["id_type"]]
            }
        return errors
    category = row["category"]["info"]
    age = info.age_on(visit_date)
    if category.age_based and age is not None and not category.accepts_age(age):
        errors["id_number"] = _(
            "By this ID number the visitor cannot have the “%(category)s” price. Go back and choose another kind of ticket."
        ) % {"category": category.label}
    return errors


def _visitor_rows(product: dict, quantities: dict[str, int]) -> list[dict]:
    rows = []
    for category in product["categories"]:
        for _i in range(quantities[category["code"]]):
            rows.append({"category": category, "name": "", "id_type": "resident", "id_number": "", "errors": {}})
    return rows


@visitor_page
def visitors(request, date: str):
    """One row per ticket: name and ID document; then the contact phone.

    Every row is checked before booking and every mistake is shown next to its field at once;
    what the visitor typed stays. Booking's own refusals (sold out, the per-ID limit, a sales
    halt) show as one message."""
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
    if any(v < 0 or v > MAX_PER_CATEGORY for v in quantities.values()) or sum(quantities.values()) < 1:
        return redirect(f"{day_url}?{urlencode({'error': 'choose_quantity', 'slot': slot.id})}")
    rows = _visitor_rows(product, quantities)
    total = sum((row["category"]["price"] for row in rows), Decimal("0"))
    context = _base(
        request, date=date, slot=slot, product=product, rows=rows, total=total, error="", contact={}, contact_errors={}
    )
    if request.method != "POST":
        return render(request, "ticketing/visitors.html", context)
    posted = request.POST
    for i, row in enumerate(rows):
        row.update(
            name=posted.get(f"name_{i}", "")[:100],
            id_type=posted.get(f"id_type_{i}", "resident"),
            id_number=posted.get(f"id_number_{i}", "")[:40],
        )
        row["errors"] = _visitor_errors(row, date)
    contact = {
        "name": posted.get("contact_name", "")[:100],
        "phone": posted.get("contact_phone", "")[:40],
    }
    phone = re.sub(r"[\s-]", "", contact["phone"])
    contact_errors = {}
    if not phone:
        contact_errors["phone"] = _("Give a mobile number: the tickets are sent there.")
    elif not MOBILE.match(phone):
        contact_errors["phone"] = _("Enter an 11-digit mainland mobile number, for example 13800138000.")
    if len(" ".join(contact["name"].split())) > 40:
        contact_errors["name"] = _("The name is too long: at most 40 characters.")
    context.update(contact=contact, contact_errors=contact_errors)
    if contact_errors or any(row["errors"] for row in rows):
        context["invalid"] = sum(len(row["errors"]) for row in rows) + len(contact_errors)
        return render(request, "ticketing/visitors.html", context, status=400)
    items: dict[str, list[services.VisitorIn]] = {}
    for row in rows:
        visitor = services.VisitorIn(" ".join(row["name"].split()), row["id_type"], row["id_number"])
        items.setdefault(row["category"]["code"], []).append(visitor)
    req = services.BookingRequest(
        slot_id=slot.id,
        items=[services.ItemIn(product["code"], code, people) for code, people in items.items()],
        channel=Channel.WEB,
        contact_name=" ".join(contact["name"].split()),
        contact_phone=phone,
        language=translation.get_language() or "zh-hans",
    )
    try:
        booking = services.book(req)
    except TicketingError as exc:
        if exc.code == Code.INVALID_PHONE:
            contact_errors["phone"] = _("Enter an 11-digit mainland mobile number, for example 13800138000.")
        else:
            context["error"] = exc.detail
        return render(request, "ticketing/visitors.html", context, status=400)
    return redirect("ticketing:pay", number=booking.number, key=notify.order_key(booking.number))


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
    valid = [t for t in tickets if t.status == Ticket.Status.VALID]
    return _base(
        request,
        order=order,
        tickets=tickets,
        key=notify.order_key(order.number),
        slot=tickets[0].slot if tickets else None,
        expired_hold=order.status == Order.Status.HELD and order.hold_expires_at and order.hold_expires_at <= now,
        refund_all=len(valid) > 1 and all(t.refundable_now for t in valid),
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


def _cancel_plan(order: Order, code: str, now: dt.datetime) -> dict:
    """What cancelling (no code) or refunding one ticket would do, from ticketing's own rules;
    `refusal` says why it cannot be done."""
    plan = {"ticket": None, "tickets": [], "amount": Decimal("0"), "fee": Decimal("0"), "refusal": ""}
    if code:
        ticket = order.tickets.select_related("product", "category", "slot").filter(code=code).first()
        if ticket is None:
            raise Http404
        plan["ticket"] = ticket
        tickets = [ticket]
    elif order.status == Order.Status.HELD:
        plan["kind"] = "release"
        plan["count"] = order.ticket_count
        return plan
    else:
        tickets = list(order.tickets.select_related("product", "category", "slot").filter(status=Ticket.Status.VALID))
    plan["kind"] = "refund"
    if order.status != Order.Status.CONFIRMED or not tickets:
        plan["refusal"] = _("This order has no tickets that can be refunded.")
        return plan
    for ticket in tickets:
        try:
            back, fee = services.refund_quote(ticket, now=now)
        except TicketingError as exc:
            plan["refusal"] = exc.detail
            return plan
        plan["amount"] += back
        plan["fee"] += fee
        plan["tickets"].append(
            {"ticket": ticket, "amount": back, "fee": fee, "percent": ticket.product.refund_fee_percent.normalize()}
        )
    plan["count"] = len(tickets)
    return plan


@never_cache
@visitor_page
@require_http_methods(["GET", "POST"])
def cancel(request, number: str, key: str):
    """Cancel a held order or refund tickets: first a page saying what happens, then the visitor confirms."""
    order = _order_or_404(number, key)
    code = (request.POST.get("ticket") if request.method == "POST" else request.GET.get("ticket")) or ""
    plan = _cancel_plan(order, code, timezone.now())
    slot = order.tickets.select_related("slot").first()
    context = _base(request, order=order, key=key, plan=plan, error="", slot=slot.slot if slot else None)
    if request.method == "POST" and request.POST.get("confirm") == "yes" and not plan["refusal"]:
        try:
            if code:
                services.refund_tickets(order, [code], reason="visitor refund")
            else:
                services.cancel_order(order, reason="visitor cancel")
        except TicketingError as exc:
            context["error"] = exc.detail
            return render(request, "ticketing/cancel.html", context, status=409)
        return redirect("ticketing:order", number=number, key=key)
    return render(request, "ticketing/cancel.html", context, status=409 if plan["refusal"] else 200)


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
