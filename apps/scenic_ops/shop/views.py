"""The shop's visitor pages (in the portal's shell), the sandbox cashier and the staff pick-up page.

Every page works without JavaScript: forms post back, errors come back on the page with the
shop's coded messages, and nothing is changed by a refused request. The cart lives in the
session (`cart.py`); checkout is `services.checkout`, with the total the buyer saw as
`expected_total` so a price changed in between is refused, not charged.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from scenic_ops.core import qr
from scenic_ops.core.visitor import elder_mode, visitor_page
from scenic_ops.shop import cart, selectors, services
from scenic_ops.shop.errors import Code, ShopError
from scenic_ops.shop.models import Group, Order, Payment, Product, ShopPoint

MEMBER_KEY = "shop_member"
PROVINCES = (
    "北京市 天津市 河北省 山西省 内蒙古自治区 辽宁省 吉林省 黑龙江省 上海市 江苏省 浙江省 安徽省 福建省 江西省 山东省 "
    "河南省 湖北省 湖南省 广东省 广西壮族自治区 海南省 重庆市 四川省 贵州省 云南省 西藏自治区 陕西省 甘肃省 青海省 "
    "宁夏回族自治区 新疆维吾尔自治区 香港特别行政区 澳门特别行政区 台湾省"
).split()


def _lang() -> str:
    return "en" if (translation.get_language() or "").startswith("en") else "zh"


def _int(value, default: int = 0) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


def _context(request, **extra) -> dict:
    return {"lang": _lang(), "elder": elder_mode(request), "cart_count": cart.count(request.session), **extra}


@require_GET
@visitor_page
def home(request):
    category = request.GET.get("c", "")
    return render(
        request,
        "shop/home.html",
        _context(
            request,
            products=selectors.catalogue(category=category),
            categories=selectors.categories(),
            category=category,
        ),
    )


@require_http_methods(["GET", "POST"])
@visitor_page
def product(request, code: str):
    found = Product.objects.select_related("category").filter(code=code, active=True).first()
    if found is None:
        raise Http404
    rows = [row for row in selectors.catalogue() if row["product"].pk == found.pk]
    skus = rows[0]["skus"] if rows else []
    context = _context(request, product=found, skus=skus, error="")
    if found.kind == Product.Kind.TICKET:
        return _ticket_product(request, found, context)
    if request.method == "POST":
        code = request.POST.get("sku", "")
        quantity = _int(request.POST.get("quantity"), -1)
        deal = _int(request.POST.get("deal"), 0) or None
        known = {s["sku"].code: s for s in skus}
        deal_sku = next((s["sku"].code for s in skus if deal and s["deal"] and s["deal"].pk == deal), None)
        if deal:
            code, quantity = deal_sku or "", 1
        if code not in known:
            context["error"] = ShopError(Code.UNKNOWN_SKU, sku=code[:40]).detail
        elif not 1 <= quantity <= 99:
            context["error"] = ShopError(Code.INVALID_QUANTITY).detail
        else:
            cart.add_item(
                request.session, code, 1 if deal else quantity, deal=deal, group=request.POST.get("group", "")[:12]
            )
            return redirect("shop:cart")
        return render(request, "shop/product.html", context, status=400)
    return render(request, "shop/product.html", context)


def _ticket_product(request, found: Product, context: dict):
    from scenic_ops.ticketing import selectors as ticketing

    today = timezone.localdate()
    days = [today + dt.timedelta(days=i) for i in range(7)]
    chosen = request.GET.get("date") or request.POST.get("date") or days[0].isoformat()
    try:
        day = dt.date.fromisoformat(chosen)
    except ValueError:
        day = days[0]
    sale = ticketing.availability(day)
    slots = [
        {**s, "left": s["products"].get(found.ticket_product, s["remaining"])}
        for s in sale["slots"]
        if not s.get("product") and s["status"] == "open"
    ]
    context.update(days=days, day=day, slots=slots, sale=sale)
    if request.method == "POST":
        slot_id = _int(request.POST.get("slot"))
        names = request.POST.getlist("name")
        numbers = request.POST.getlist("id_number")
        visitors = [
            (" ".join(n.split())[:30], "resident", num.strip().upper()[:18])
            for n, num in zip(names, numbers, strict=False)
            if n.strip() or num.strip()
        ]
        try:
            if slot_id not in {s["id"] for s in slots}:
                raise ShopError(Code.INVALID_REQUEST, reason=_("choose a time slot"))
            if not visitors or any(not v[0] or not v[2] for v in visitors):
                raise ShopError(Code.INVALID_REQUEST, reason=_("each visitor needs a name and an ID number"))
            from scenic_ops.ticketing import idcard

            for _name, id_type, number in visitors:
                if not idcard.is_valid(id_type, number):
                    raise ShopError(
                        Code.TICKET_REFUSED,
                        reason=_("the ID number {number} is not valid").format(number=number[:4] + "…"),
                    )
        except ShopError as exc:
            context["error"] = exc.detail
            return render(request, "shop/ticket_product.html", context, status=400)
        cart.add_tickets(request.session, found.code, slot_id, visitors)
        return redirect("shop:cart")
    return render(request, "shop/ticket_product.html", context)


@require_http_methods(["GET", "POST"])
@visitor_page
def cart_page(request):
    if request.method == "POST":
        action = request.POST.get("action", "")
        index = _int(request.POST.get("index"), -1)
        if action == "set":
            cart.set_quantity(request.session, index, _int(request.POST.get("quantity"), 0))
        elif action == "remove":
            cart.set_quantity(request.session, index, 0)
        elif action == "remove_tickets":
            cart.remove_tickets(request.session, index)
        return redirect("shop:cart")
    return render(request, "shop/cart.html", _cart_context(request))


def _cart_context(request, **extra) -> dict:
    data = cart.load(request.session)
    skus = {s.code: s for s in _skus([i["sku"] for i in data["items"]])}
    lang = _lang()
    items = []
    for index, item in enumerate(data["items"]):
        sku = skus.get(item["sku"])
        if sku is None:
            continue
        items.append(
            {
                "index": index,
                "sku": sku,
                "name": sku.product.display_name(lang),
                "spec": sku.display_spec(lang),
                "quantity": item["quantity"],
                "deal": item.get("deal"),
                "group": item.get("group", ""),
            }
        )
    products = {p.code: p for p in Product.objects.filter(code__in=[t["product"] for t in data["tickets"]])}
    tickets = [
        {"index": i, "product": products.get(t["product"]), "slot_id": t["slot_id"], "visitors": t["visitors"]}
        for i, t in enumerate(data["tickets"])
    ]
    return _context(request, items=items, tickets=tickets, empty=not items and not tickets, **extra)


def _skus(codes):
    from scenic_ops.shop.models import Sku

    return Sku.objects.select_related("product").filter(code__in=codes)


CHECKOUT_FIELDS = (
    "phone",
    "contact_name",
    "delivery",
    "region",
    "city",
    "address",
    "pickup_point",
    "coupon",
    "points",
    "invoice_title",
    "invoice_tax_id",
    "invoice_email",
    "note",
)


@never_cache
@require_http_methods(["GET", "POST"])
@visitor_page
def checkout_page(request):
    if not cart.count(request.session):
        return redirect("shop:cart")
    form = {f: request.POST.get(f, "").strip() for f in CHECKOUT_FIELDS} if request.method == "POST" else {}
    form.setdefault("delivery", "ship")
    member = _member(request)
    if not form.get("phone") and member is not None:
        form["phone"] = ""
    context = _cart_context(
        request,
        form=form,
        provinces=PROVINCES,
        points_of_member=member.points if member else None,
        error="",
        quote=None,
    )
    context["pickup_points"] = selectors.pickup_points()
    if request.method != "POST":
        return render(request, "shop/checkout.html", context)
    fields = {
        "phone": form["phone"],
        "contact_name": form["contact_name"],
        "delivery": form["delivery"] if form["delivery"] in ("ship", "pickup") else "ship",
        "region": form["region"],
        "city": form["city"],
        "address": form["address"],
        "pickup_point": form["pickup_point"],
        "coupon": form["coupon"],
        "points": _int(form["points"], -1) if form["points"] else 0,
        "invoice_title": form["invoice_title"],
        "invoice_tax_id": form["invoice_tax_id"],
        "invoice_email": form["invoice_email"],
        "note": form["note"],
        "language": translation.get_language() or "zh-hans",
    }
    try:
        if request.POST.get("action") == "place" and request.POST.get("seen_total"):
            fields["expected_total"] = request.POST["seen_total"]
            order = services.checkout(cart.request_of(request.session, **fields))
            cart.clear(request.session)
            return redirect("shop:order", token=order.token)
        context["quote"] = services.quote(cart.request_of(request.session, **fields))
    except ShopError as exc:
        context["error"] = exc.detail
        context["error_code"] = exc.code
        status = 409 if exc.code == Code.PRICE_CHANGED else 400
        if exc.code == Code.PRICE_CHANGED:
            try:
                context["quote"] = services.quote(cart.request_of(request.session, **fields))
            except ShopError:
                pass
        return render(request, "shop/checkout.html", context, status=status)
    return render(request, "shop/checkout.html", context)


@never_cache
@require_GET
@visitor_page
def order(request, token: str):
    found = selectors.order_for_token(token)
    if found is None:
        raise Http404
    waiting = request.GET.get("waiting") == "1" and found.status == Order.Status.PENDING
    return render(
        request,
        "shop/order.html",
        _context(
            request,
            order=found,
            lines=list(found.lines.all()),
            shipments=list(found.shipments.all()),
            cards=list(found.cards.all()),
            tickets=selectors.tickets_of(found) if found.status != Order.Status.PENDING else [],
            waiting=waiting,
            refunds=list(found.refunds.all()),
            refund_open=found.refunds.filter(status="awaiting").exists(),
            error=request.GET.get("error", "")[:200] and ShopError(request.GET["error"][:40]).detail,
        ),
    )


@require_POST
@visitor_page
def order_action(request, token: str):
    found = selectors.order_for_token(token)
    if found is None:
        raise Http404
    action = request.POST.get("action")
    try:
        if action == "pay":
            if found.total == 0:
                services.pay_without_money(found)
                return redirect("shop:order", token=token)
            payment = services.start_payment(found)
            return redirect("shop:sandbox-pay", reference=payment.reference)
        if action == "cancel":
            services.cancel(found)
        elif action == "delivered":
            services.confirm_delivered(found)
        elif action == "refund":
            services.request_refund(found, reason=request.POST.get("reason", ""))
    except ShopError as exc:
        return redirect(reverse("shop:order", args=[token]) + f"?error={exc.code}")
    return redirect("shop:order", token=token)


@require_GET
def pickup_qr(request, token: str):
    found = selectors.order_for_token(token)
    if found is None or not found.pickup_code:
        raise Http404
    return qr.png_response(found.pickup_code)


@never_cache
@require_http_methods(["GET", "POST"])
@visitor_page
def sandbox_cashier(request, reference: str):
    """The sandbox provider's cashier for shop payments: the notification comes back asynchronously."""
    payment = get_object_or_404(Payment.objects.select_related("order"), reference=reference, provider="sandbox")
    if request.method == "POST" and payment.status == Payment.Status.PENDING:
        services.sandbox_pay(payment, outcome="failed" if request.POST.get("outcome") == "failed" else "succeeded")
        return redirect(reverse("shop:order", args=[payment.order.token]) + "?waiting=1")
    return render(request, "shop/sandbox.html", _context(request, payment=payment, order=payment.order))


@require_http_methods(["GET", "POST"])
@visitor_page
def group_page(request, code: str):
    group = Group.objects.select_related("deal", "deal__sku", "deal__sku__product").filter(code=code[:12]).first()
    if group is None:
        raise Http404
    if request.method == "POST" and group.status == Group.Status.OPEN:
        cart.add_item(request.session, group.deal.sku.code, 1, deal=group.deal_id, group=group.code)
        return redirect("shop:cart")
    left = max(0, group.size - group.seats)
    return render(request, "shop/group.html", _context(request, group=group, left=left, now=timezone.now()))


def _member(request):
    index = request.session.get(MEMBER_KEY)
    return services.member_for_phone_index(index) if index else None


@never_cache
@require_http_methods(["GET", "POST"])
@visitor_page
def member_page(request):
    from scenic_ops.ticketing import errors as ticketing_errors
    from scenic_ops.ticketing import services as ticketing

    context = _context(request, error="", sent=False, phone=request.POST.get("phone", "").strip()[:11])
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "send":
                ticketing.send_lookup_code(context["phone"], language=translation.get_language() or "zh-hans")
                context["sent"] = True
            elif action == "check":
                request.session[MEMBER_KEY] = ticketing.check_lookup_code(
                    context["phone"], request.POST.get("code", "")
                )
                return redirect("shop:me")
            elif action == "logout":
                request.session.pop(MEMBER_KEY, None)
                return redirect("shop:me")
        except ticketing_errors.TicketingError as exc:
            context["error"] = exc.detail
            return render(request, "shop/member.html", context, status=400)
    member = _member(request)
    if member is not None:
        context.update(
            member=member,
            orders=selectors.orders_of_member(member.pk),
            entries=list(member.entries.all()[:50]),
            coupons=selectors.coupons_of_member(member.pk),
        )
    return render(request, "shop/member.html", context)


@login_required(login_url="/admin/login/")
@permission_required("shop.change_order", raise_exception=True)
@require_http_methods(["GET", "POST"])
def pickup_desk(request):
    """Staff at a shop point: scan (a handheld scanner types the code) or type the buyer's pick-up code."""
    points = list(ShopPoint.objects.filter(active=True).exclude(kind=ShopPoint.Kind.WAREHOUSE))
    point_code = request.POST.get("point") or request.GET.get("point") or (points[0].code if points else "")
    point = next((p for p in points if p.code == point_code), None)
    context = {"points": points, "point": point, "result": None, "error": ""}
    if request.method == "POST":
        try:
            context["result"] = services.redeem_pickup(request.POST.get("code", ""), point=point, user=request.user)
        except ShopError as exc:
            context["error"], context["error_code"] = exc.detail, exc.code
            return render(request, "shop/pickup_desk.html", context, status=409 if exc.status == 409 else 400)
    return render(request, "shop/pickup_desk.html", context)
