"""A scan's request and its answer, shared by the online and offline paths.

`Answer.as_dict()` is what the gate receives: admit or not, a stable `reason`, a zh/en message,
and what the gate shows (masked name, category, a document to check, uses left).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from scenic_ops.access.config import DeviceInfo, Snapshot
from scenic_ops.access.errors import reason_text
from scenic_ops.ticketing import catalog

IN, OUT = "in", "out"
QR, ID_CARD, SSC, FACE, MANUAL = "qr", "id_card", "ssc", "face", "manual"
METHODS = (QR, ID_CARD, SSC, FACE)


@dataclass
class ScanRequest:
    """One scan to decide. Online, `at` is `now`; an offline row carries the gate's time in `at`."""

    device: DeviceInfo
    method: str
    value: str
    direction: str
    now: dt.datetime
    device_scan_id: str | None = None
    bind: dict[str, Any] | None = None
    at: dt.datetime | None = None
    offline: bool = False
    upload_id: int | None = None
    conflicts: list[tuple] = field(default_factory=list)  # offline: (kind, flagged scan, first scan, reason)
    passages: list[tuple] = field(default_factory=list)  # offline: counted at the end of the upload

    def __post_init__(self) -> None:
        if self.at is None:
            self.at = self.now


@dataclass
class Answer:
    admit: bool
    reason: str
    ticket_code: str = ""
    name: str = ""
    category_id: int | None = None
    product_id: int | None = None
    check_document: str = ""
    uses_left: int | None = None
    scan_id: int | None = None
    context: dict[str, str] = field(default_factory=dict)
    replayed: bool = False

    def as_dict(self) -> dict[str, Any]:
        cat = catalog.get()
        out: dict[str, Any] = {
            "admit": self.admit,
            "reason": self.reason,
            "message": {
                "zh": reason_text(self.reason, "zh", **self.context.get("zh", self.context)),
                "en": reason_text(self.reason, "en", **self.context.get("en", self.context)),
            },
        }
        if self.ticket_code:
            out["ticket"] = self.ticket_code
        if self.name:
            out["name"] = self.name
        category = cat.category(self.category_id) if self.category_id else None
        if category is not None:
            out["category"] = {"code": category.code, "zh": category.name, "en": category.name_en or category.name}
            if self.admit and category.needs_document:
                out["check_document"] = {
                    "zh": self.check_document or category.document_label,
                    "en": category.document_label_en or category.document_label or self.check_document,
                }
        elif self.check_document and self.admit:
            out["check_document"] = {"zh": self.check_document, "en": self.check_document}
        product = cat.product(self.product_id) if self.product_id else None
        if product is not None:
            out["product"] = product.code
        if self.uses_left is not None:
            out["uses_left"] = self.uses_left
        if self.scan_id is not None:
            out["scan"] = self.scan_id
        if self.replayed:
            out["replayed"] = True
        return out


# --- message context ----------------------------------------------------------------------------
def gate_context(snap: Snapshot, gate_id: int | None, at: dt.datetime | None) -> dict[str, Any]:
    """Where and when the ticket was seen before (for "used", "passback")."""
    when = timezone.localtime(at).strftime("%H:%M:%S") if at else "—"
    return {
        "zh": {"gate": snap.gate_label(gate_id, "zh") or "—", "time": when},
        "en": {"gate": snap.gate_label(gate_id, "en") or "—", "time": when},
    }


def time_context(boundary: dt.datetime) -> dict[str, str]:
    return {"time": boundary.strftime("%H:%M")}


def date_context(day: dt.date) -> dict[str, str]:
    return {"date": day.isoformat()}


def product_context(product, fallback: str = "") -> dict[str, Any]:
    if product is None:
        return {"zh": {"product": fallback}, "en": {"product": fallback}}
    return {"zh": {"product": product.name}, "en": {"product": product.name_en or product.name}}
