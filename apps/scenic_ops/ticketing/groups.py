"""Travel agency groups: the member list as an xlsx file, checked row by row before booking."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

from scenic_ops.core import pii
from scenic_ops.ticketing import catalog, idcard
from scenic_ops.ticketing.errors import Code, TicketingError
from scenic_ops.ticketing.models import IdClaim
from scenic_ops.ticketing.validation import PHONE

MAX_ROWS = 300
HEADERS = {
    "name": ("姓名", "name"),
    "id_type": ("证件类型", "id type", "id_type"),
    "id_number": ("证件号码", "id number", "id_number", "身份证号"),
    "phone": ("手机", "手机号", "phone"),
    "category": ("票种", "category"),
}
ID_TYPE_NAMES = {
    "居民身份证": "resident",
    "身份证": "resident",
    "港澳台居民居住证": "permit",
    "居住证": "permit",
    "护照": "passport",
    "港澳居民来往内地通行证": "hkmo",
    "回乡证": "hkmo",
    "台湾居民来往大陆通行证": "tw",
    "台胞证": "tw",
}


@dataclass
class Member:
    row: int
    name: str
    id_type: str
    id_number: str
    phone: str = ""
    category: str = ""


@dataclass
class RowError:
    row: int
    reason: str
    value: str = ""


@dataclass
class MemberList:
    members: list[Member] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.members)


def template_xlsx() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "members"
    sheet.append(["姓名", "证件类型", "证件号码", "手机", "票种"])
    sheet.append(["张三", "居民身份证", idcard.make_number("320506", dt.date(1980, 5, 1), 11), "13800138000", "group"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_member_list(
    data: bytes, *, visit_date: dt.date | None = None, default_category: str = "group", scope: str = "admission"
) -> MemberList:
    """Read and check every row: name, ID document (GB 11643 for resident IDs), phone, category,
    duplicates in the file, and tickets the same ID already holds that day. Nothing is booked."""
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable upload is the same answer
        raise TicketingError(Code.BAD_MEMBER_LIST, reason=_("not an xlsx file")) from exc
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [(_text(c)).lower() for c in next(rows, [])]
    columns: dict[str, int] = {}
    for key, names in HEADERS.items():
        for i, title in enumerate(header):
            if title in names:
                columns[key] = i
                break
    missing = [key for key in ("name", "id_number") if key not in columns]
    if missing:
        raise TicketingError(Code.BAD_MEMBER_LIST, reason=_("missing columns: 姓名 (name) and 证件号码 (ID number)"))
    result = MemberList()
    seen: dict[str, int] = {}
    cat = catalog.get()
    for number, values in enumerate(rows, start=2):
        values = list(values)
        if not any(_text(v) for v in values):
            continue
        if len(result.members) + len(result.errors) >= MAX_ROWS:
            result.errors.append(RowError(number, _("more than %(n)s members in one list") % {"n": MAX_ROWS}))
            break

        def cell(key: str, values=values) -> str:
            index = columns.get(key)
            return _text(values[index]) if index is not None and index < len(values) else ""

        name = " ".join(cell("name").split())
        raw_type = cell("id_type") or "resident"
        id_type = ID_TYPE_NAMES.get(raw_type, raw_type.lower())
        id_number = cell("id_number")
        phone = cell("phone")
        category = cell("category") or default_category
        if not 1 <= len(name) <= 40:
            result.errors.append(RowError(number, _("name is missing or too long"), name))
            continue
        try:
            info = idcard.validate(id_type, id_number)
        except TicketingError as exc:
            result.errors.append(RowError(number, exc.detail, pii.mask_id_number(id_number) if id_number else ""))
            continue
        if phone and not PHONE.match(phone):
            result.errors.append(RowError(number, _("phone is not a mobile number"), pii.mask_phone(phone)))
            continue
        if cat.category(category) is None:
            result.errors.append(RowError(number, _("unknown ticket category"), category))
            continue
        if info.number in seen:
            result.errors.append(RowError(number, _("same ID number as row %(row)s") % {"row": seen[info.number]}, ""))
            continue
        seen[info.number] = number
        if visit_date is not None:
            claim = IdClaim.objects.filter(
                id_index=pii.blind_index(info.number, kind="id"), date=visit_date, scope=scope
            ).first()
            if claim is not None and claim.count >= claim.max_count:
                result.errors.append(
                    RowError(number, _("this ID already has a ticket for that day"), pii.mask_id_number(info.number))
                )
                continue
        result.members.append(Member(number, name, id_type, info.number, phone, category))
    return result
