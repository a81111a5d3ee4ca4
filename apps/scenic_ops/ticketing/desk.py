"""Desk pages beyond the model lists: capacity calendar, sales report, counter sale, group booking."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, pgettext
from unfold.widgets import UnfoldAdminSelectWidget, UnfoldAdminTextInputWidget

from scenic_ops.core import audit, exports
from scenic_ops.core.admin_base import date_param, desk_page, require_perm
from scenic_ops.ticketing import catalog, groups, idcard, selectors, services
from scenic_ops.ticketing.errors import TicketingError
from scenic_ops.ticketing.models import Bucket, Channel, Order, Partner, TimeSlot


# --- calendar --------------------------------------------------------------------------------------
def calendar_view(admin_site, request):
    """A week of sale days: per slot, used / capacity (and allotments), with the day's bucket."""
    require_perm(request, "ticketing.view_bucket")
    start = date_param(request.GET.get("start"), timezone.localdate())
    days = [start + dt.timedelta(days=i) for i in range(7)]
    buckets = Bucket.objects.filter(date__in=days).select_related("slot", "product").order_by("slot__start", "id")
    grid: dict[dt.date, dict] = {d: {"day": None, "slots": [], "products": {}, "allotments": {}} for d in days}
    for b in buckets:
        entry = grid[b.date]
        if b.kind == Bucket.Kind.DAY:
            entry["day"] = b
        elif b.kind == Bucket.Kind.SLOT:
            entry["slots"].append(b)
        elif b.kind == Bucket.Kind.PRODUCT:
            entry["products"].setdefault(b.slot_id, []).append(b)
        else:
            entry["allotments"].setdefault(b.slot_id, []).append(b)
    rows = []
    for d in days:
        entry = grid[d]
        for slot_bucket in entry["slots"]:
            slot_bucket.extra = entry["products"].get(slot_bucket.slot_id, []) + entry["allotments"].get(
                slot_bucket.slot_id, []
            )
        rows.append({"date": d, **entry})
    from scenic_ops.core.services import site_profile
    from scenic_ops.ticketing.capacity import lbt034_daily_capacity

    profile = site_profile()
    return desk_page(
        admin_site,
        request,
        "admin/ticketing/calendar.html",
        _("Capacity calendar"),
        profile=profile,
        estimate=lbt034_daily_capacity(profile),
        rows=rows,
        previous=(start - dt.timedelta(days=7)).isoformat(),
        next=(start + dt.timedelta(days=7)).isoformat(),
    )


# --- sales report ----------------------------------------------------------------------------------
REPORT_COLUMNS = [
    "date",
    "channel",
    "product",
    "product_name",
    "tickets",
    "gross",
    "refunded_tickets",
    "refunded",
    "net",
]


def report_view(admin_site, request):
    require_perm(request, "ticketing.view_order")
    today = timezone.localdate()
    start = date_param(request.GET.get("start"), today - dt.timedelta(days=6))
    end = date_param(request.GET.get("end"), today)
    if end < start or (end - start).days > 366:
        end = start
    rows = selectors.daily_sales(start, end)
    labels = dict(Channel.choices)
    for row in rows:
        row["channel_label"] = labels.get(row["channel"], row["channel"])
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        audit.record("action", message=f"sales report export {start}..{end} ({fmt})")
        header = [
            _("date"),
            _("channel"),
            _("product"),
            _("product name"),
            _("tickets"),
            _("gross (CNY)"),
            _("refunded tickets"),
            _("refunded (CNY)"),
            _("net (CNY)"),
        ]
        data = [[row[c] if c != "channel" else str(row["channel_label"]) for c in REPORT_COLUMNS] for row in rows]
        name = f"sales-{start}-{end}"
        return exports.csv_response(name, header, data) if fmt == "csv" else exports.xlsx_response(name, header, data)
    totals = {
        "tickets": sum(r["tickets"] for r in rows),
        "gross": sum((r["gross"] for r in rows), Decimal("0")),
        "refunded": sum((r["refunded"] for r in rows), Decimal("0")),
        "net": sum((r["net"] for r in rows), Decimal("0")),
    }
    by_channel: dict[str, Decimal] = {}
    for r in rows:
        by_channel[str(r["channel_label"])] = by_channel.get(str(r["channel_label"]), Decimal("0")) + r["net"]
    chart = {
        "title": _("Net sales by channel (CNY)"),
        "chart_type": "bar",
        "labels": list(by_channel),
        "datasets": [{"name": _("Net"), "values": [float(v) for v in by_channel.values()]}],
    }
    return desk_page(
        admin_site,
        request,
        "admin/ticketing/report.html",
        _("Daily sales by channel and product"),
        rows=rows,
        totals=totals,
        start=start,
        end=end,
        chart=json.dumps(chart, ensure_ascii=False),
        query=request.GET.urlencode(),
    )


# --- counter sale and staff-assisted booking ---------------------------------------------------------
class SlotChoice(forms.ModelChoiceField):
    def label_from_instance(self, slot: TimeSlot) -> str:
        return f"{slot.date:%m-%d} {slot.start:%H:%M}–{slot.end:%H:%M}" + (
            f" · {slot.product}" if slot.product_id else ""
        )


def _text(**attrs) -> UnfoldAdminTextInputWidget:
    return UnfoldAdminTextInputWidget(attrs={"autocomplete": "off", **attrs})


class CounterForm(forms.Form):
    """The counter sale: product, time slot, visitors (rows left wholly empty are ignored), payment."""

    slot = SlotChoice(
        queryset=TimeSlot.objects.none(),
        label=gettext_lazy("Time slot"),
        error_messages={"required": gettext_lazy("Choose a time slot.")},
    )
    product = forms.ChoiceField(label=gettext_lazy("Product"))
    payment_method = forms.ChoiceField(
        label=gettext_lazy("Payment"),
        initial=Order.PaymentMethod.CASH,
        choices=[
            (Order.PaymentMethod.CASH, Order.PaymentMethod.CASH.label),
            (Order.PaymentMethod.CARD, Order.PaymentMethod.CARD.label),
            (Order.PaymentMethod.QR, Order.PaymentMethod.QR.label),
            (Order.PaymentMethod.FREE, Order.PaymentMethod.FREE.label),
        ],
    )
    channel = forms.ChoiceField(
        label=gettext_lazy("Sold as"),
        initial=Channel.COUNTER,
        choices=[
            (Channel.COUNTER, gettext_lazy("Counter sale")),
            (Channel.STAFF, gettext_lazy("For an elderly visitor (phone/counter)")),
        ],
    )
    contact_phone = forms.CharField(
        label=gettext_lazy("Mobile for the SMS (optional)"),
        required=False,
        max_length=11,
        widget=_text(inputmode="numeric", placeholder="13800138000"),
    )

    def __init__(self, *args, visitors: int = 1, **kwargs):
        super().__init__(*args, **kwargs)
        now = timezone.now()
        self.fields["slot"].queryset = TimeSlot.objects.filter(
            date__gte=timezone.localdate(now), date__lte=timezone.localdate(now) + dt.timedelta(days=7), ends_at__gt=now
        ).select_related("product")
        cat = catalog.get()
        self.products = [p for p in sorted(cat.products.values(), key=lambda p: (p.sort_order, p.code)) if p.active]
        self.fields["product"].choices = [(p.code, p.label) for p in self.products]
        categories = [
            (c.code, c.label) for c in sorted(cat.categories.values(), key=lambda c: c.sort_order) if c.active
        ]
        id_types = [(code, _(label)) for code, label in ID_TYPE_LABELS]
        self.visitor_rows = []
        for i in range(visitors):
            self.fields[f"name_{i}"] = forms.CharField(
                label=gettext_lazy("Name"), max_length=40, required=False, widget=_text(**{"data-counter": "name"})
            )
            self.fields[f"id_number_{i}"] = forms.CharField(
                label=gettext_lazy("ID number"),
                max_length=20,
                required=False,
                widget=_text(**{"data-counter": "id_number", "spellcheck": "false"}),
            )
            self.fields[f"category_{i}"] = forms.ChoiceField(
                label=gettext_lazy("Category"),
                choices=categories,
                widget=UnfoldAdminSelectWidget(attrs={"data-counter": "category"}),
            )
            self.fields[f"id_type_{i}"] = forms.ChoiceField(
                label=gettext_lazy("ID document"),
                choices=id_types,
                widget=UnfoldAdminSelectWidget(attrs={"data-counter": "id_type"}),
            )
            self.visitor_rows.append([f"name_{i}", f"id_number_{i}", f"category_{i}", f"id_type_{i}"])

    def rows(self):
        """Per visitor row, its bound fields (for the template)."""
        return [[self[name] for name in row] for row in self.visitor_rows]

    def clean(self):
        data = super().clean()
        filled = 0
        for i in range(len(self.visitor_rows)):
            name = (data.get(f"name_{i}") or "").strip()
            number = (data.get(f"id_number_{i}") or "").strip()
            if not name and not number:
                continue
            filled += 1
            if not name:
                self.add_error(f"name_{i}", _("Enter the visitor's name."))
            if not number:
                self.add_error(f"id_number_{i}", _("Enter the ID number."))
        if not filled:
            self.add_error(None, _("Enter at least one visitor."))
        return data

    def visitors(self) -> list[tuple[str, str, str, str]]:
        """(category, name, ID type, ID number) of each filled row, in order."""
        data = self.cleaned_data
        return [
            (data[f"category_{i}"], data[f"name_{i}"].strip(), data[f"id_type_{i}"], data[f"id_number_{i}"].strip())
            for i in range(len(self.visitor_rows))
            if (data.get(f"name_{i}") or "").strip() or (data.get(f"id_number_{i}") or "").strip()
        ]


ID_TYPE_LABELS = [
    (idcard.RESIDENT, gettext_noop("Resident identity card")),
    (idcard.PERMIT, gettext_noop("Residence permit (HK/Macao/Taiwan)")),
    (idcard.PASSPORT, gettext_noop("Passport")),
    (idcard.HKMO, gettext_noop("HK/Macao travel permit")),
    (idcard.TAIWAN, gettext_noop("Taiwan travel permit")),
]

COUNTER_DAYS = 7  # the counter sells today and the coming week


def _slot_cells(day: dt.date) -> list[dict]:
    """The day's time slots still to come, with places left per product (the visitors' own view)."""
    cells = []
    for slot in selectors.availability(day)["slots"]:
        if slot["status"] == selectors.PAST:
            continue
        left = {code: (n if n < selectors.UNLIMITED else None) for code, n in slot["products"].items()}
        cells.append({**slot, "left": left, "left_json": json.dumps(left)})
    return cells


def _cell_state(cell: dict, product: str) -> dict:
    """How a slot button shows for the chosen product: hidden (not sold in it), open, sold out or closed."""
    if product not in cell["left"]:
        return {"state": "hidden", "places": None}
    places = cell["left"][product]
    if cell["status"] == selectors.CLOSED:
        return {"state": "closed", "places": 0}
    if cell["status"] != selectors.OPEN or (places is not None and places <= 0):
        return {"state": "sold_out", "places": 0}
    return {"state": "open", "places": places}


def _counter_day(request, today: dt.date) -> tuple[dt.date, list[dict], bool]:
    """The day asked for (today by default); when today has no slot left, the next day that has one."""
    asked = date_param(request.POST.get("day") or request.GET.get("date"), today)
    if not today <= asked <= today + dt.timedelta(days=COUNTER_DAYS):
        asked = today
    cells = _slot_cells(asked)
    moved = False
    if asked == today and not request.GET.get("date") and not request.POST.get("day"):
        for offset in range(1, COUNTER_DAYS + 1):
            if any(c["status"] == selectors.OPEN for c in cells):
                break
            moved, asked = True, today + dt.timedelta(days=offset)
            cells = _slot_cells(asked)
    return asked, cells, moved


def counter_view(admin_site, request):
    """The ticket counter: sell for cash, card or QR, or book for an elderly visitor; print or SMS."""
    require_perm(request, "ticketing.add_order")
    try:
        visitors = max(1, min(20, int(request.POST.get("visitors") or request.GET.get("visitors") or 1)))
    except ValueError:
        visitors = 1
    form = CounterForm(request.POST or None, visitors=visitors)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        items: dict[str, list[services.VisitorIn]] = {}
        for category, name, id_type, id_number in form.visitors():
            items.setdefault(category, []).append(services.VisitorIn(name, id_type, id_number))
        req = services.BookingRequest(
            slot_id=data["slot"].id,
            items=[services.ItemIn(data["product"], code, people) for code, people in items.items()],
            channel=data["channel"],
            contact_phone=data["contact_phone"],
            confirm=True,
            payment_method=data["payment_method"],
            created_by_id=request.user.pk,
            notify_sms=bool(data["contact_phone"]),
        )
        try:
            booking = services.book(req)
        except TicketingError as exc:
            messages.error(request, f"{exc.detail} ({exc.code})")
        else:
            messages.success(
                request, _("Sold: order %(number)s, ¥%(total)s.") % {"number": booking.number, "total": booking.total}
            )
            return redirect("admin:ticketing_order_change", booking.order_id)
    today = timezone.localdate()
    day, cells, moved = _counter_day(request, today)
    product = form["product"].value() or (form.products[0].code if form.products else "")
    chosen = str(form["slot"].value() or "")
    for cell in cells:
        cell.update(_cell_state(cell, product))
    if not any(str(c["id"]) == chosen and c["state"] == "open" for c in cells):
        chosen = next((str(c["id"]) for c in cells if c["state"] == "open"), "")
    return desk_page(
        admin_site,
        request,
        "admin/ticketing/counter.html",
        _("Counter sale"),
        form=form,
        visitors=visitors,
        day=day,
        moved=moved,
        days=[today + dt.timedelta(days=i) for i in range(COUNTER_DAYS + 1)],
        cells=cells,
        product=product,
        chosen=chosen,
        texts=json.dumps(
            {
                "badId": _("This resident ID number is not valid (check digit): type it again or scan the card."),
                "left": _("%(n)s left"),
                "unlimited": _("open"),
                "soldOut": _("sold out"),
                "closed": pgettext("sales", "closed"),
            },
            ensure_ascii=False,
        ),
    )


# --- group bookings --------------------------------------------------------------------------------
class GroupForm(forms.Form):
    agency = forms.ModelChoiceField(
        queryset=Partner.objects.filter(kind=Partner.Kind.AGENCY, active=True), label=gettext_lazy("Travel agency")
    )
    slot = SlotChoice(queryset=TimeSlot.objects.none(), label=gettext_lazy("Time slot"))
    product = forms.ChoiceField(label=gettext_lazy("Product"))
    guide = forms.CharField(label=gettext_lazy("Guide (name and phone)"), max_length=120)
    members = forms.FileField(label=gettext_lazy("Member list (xlsx)"))
    valid_only = forms.BooleanField(label=gettext_lazy("Book the valid rows even if some rows are bad"), required=False)
    on_account = forms.BooleanField(
        label=gettext_lazy("Settle on the agency's account (confirm now)"), required=False, initial=True
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        now = timezone.now()
        self.fields["slot"].queryset = TimeSlot.objects.filter(
            date__gte=timezone.localdate(now),
            date__lte=timezone.localdate(now) + dt.timedelta(days=30),
            ends_at__gt=now,
        ).select_related("product")
        cat = catalog.get()
        self.fields["product"].choices = [(p.code, p.label) for p in cat.products.values() if p.active]


def group_view(admin_site, request):
    require_perm(request, "ticketing.add_order")
    if request.GET.get("template"):
        response = HttpResponse(groups.template_xlsx(), content_type=exports.XLSX)
        response["Content-Disposition"] = 'attachment; filename="group-members.xlsx"'
        return response
    form = GroupForm(request.POST or None, request.FILES or None)
    report = None
    booking = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            report = groups.parse_member_list(data["members"].read(), visit_date=data["slot"].date)
        except TicketingError as exc:
            messages.error(request, exc.detail)
        else:
            if report.members and (not report.errors or data["valid_only"]):
                agency = data["agency"]
                items: dict[str, list[services.VisitorIn]] = {}
                for m in report.members:
                    items.setdefault(m.category, []).append(services.VisitorIn(m.name, m.id_type, m.id_number, m.phone))
                req = services.BookingRequest(
                    slot_id=data["slot"].id,
                    items=[services.ItemIn(data["product"], code, people) for code, people in items.items()],
                    channel=Channel.AGENCY,
                    partner=services.PartnerRef(agency.id, agency.code, agency.prepaid),
                    confirm=data["on_account"],
                    payment_method=Order.PaymentMethod.ACCOUNT if data["on_account"] else "",
                    group_name=data["guide"],
                    created_by_id=request.user.pk,
                )
                try:
                    booking = services.book(req)
                except TicketingError as exc:
                    messages.error(request, f"{exc.detail} ({exc.code})")
                else:
                    messages.success(
                        request,
                        _("Group booked: order %(number)s, %(n)s members.")
                        % {"number": booking.number, "n": len(booking.tickets)},
                    )
    return desk_page(
        admin_site, request, "admin/ticketing/group.html", _("Group booking"), form=form, report=report, booking=booking
    )
