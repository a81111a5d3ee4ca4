"""Offline mode: a signed whitelist per gate and day, and the reconciliation of uploaded offline scans.

**Whitelist.** `GET /api/v1/access/whitelist?date=…[&since=<version>]` answers
`{"payload": "<JSON text>", "signature": "<base64url Ed25519>", "key_id": "…"}`. The
signature covers the bytes `SO-WL1.` + payload, made with the site's ticket-signing key, so
a gate holding only the public key (`/api/v1/ticketing/keys`) can check it before use.
The payload lists the tickets of the day the gate's lanes accept (code, product,
category, slot, uses left, masked name, document to check, and — when the gate takes ID
cards offline — a keyed hash of the ID number and of bound face/card ids under a key
issued for this gate and day only), the products' admission rules, and `version`
(milliseconds). With `since`, only what changed after that version is listed (`full:
false`), plus `removed` codes (refunded or cancelled tickets).

**Upload.** The gate uploads its offline scans later (`POST /api/v1/access/offline-uploads`).
Every row is checked first; garbage rows are answered with a per-row rejection and never
applied. The other rows are applied in one transaction in the order they happened (all
or nothing): an admission consumes the ticket on its own day; when a ticket was admitted
twice, the first admission in time wins and the other is flagged for staff as a duplicate
(counts follow admissions, so the duplicate is not counted); a ticket let in while it was
no longer valid is flagged too. Re-sending a batch returns the first report.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from scenic_ops.access import admission, config, decision, scanlog, sql
from scenic_ops.access.answers import METHODS, QR, Answer, ScanRequest
from scenic_ops.access.config import DeviceInfo
from scenic_ops.access.errors import AccessCode, AccessError, Reason
from scenic_ops.core import pii
from scenic_ops.core.sqlvalues import aware
from scenic_ops.ticketing import catalog, gate, idcard, tokens

FORMAT = "scenic-ops/whitelist/1"
DOMAIN = b"SO-WL1."
MARGIN_MS = 10_000  # a change committed late still reaches the next delta
MAX_ROWS = 5000
MAX_AGE = dt.timedelta(days=7)
CLOCK_TOLERANCE = dt.timedelta(seconds=120)


def _b64e(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _ms(value: dt.datetime | None) -> int:
    if value is None:
        return 0
    return int(aware(value).timestamp() * 1000)


# --- whitelist --------------------------------------------------------------------------------------
def day_key(gate_code: str, day: dt.date) -> bytes:
    """The key of one gate's ID hashes for one day (so a leaked whitelist is good for one gate, one day)."""
    secret = base64.b64decode(settings.BLIND_INDEX_KEY)
    return hmac.new(secret, f"access-whitelist:{gate_code}:{day.isoformat()}".encode(), hashlib.sha256).digest()


def offline_hash(key: bytes, kind: str, value: str) -> str:
    """What a gate computes from a card or a face-match id read offline, to look it up in the whitelist."""
    normal = idcard.normalise(value) if kind == "id" else value.strip()
    return hmac.new(key, f"{kind}:{normal}".encode(), hashlib.sha256).hexdigest()[:24]


def _lanes_of_gate(lane: config.LaneInfo) -> list[config.LaneInfo]:
    snap = config.get()
    return [x for x in snap.lanes.values() if x.gate_id == lane.gate_id]


def build(device: DeviceInfo, day: dt.date, *, since: int | None = None, now: dt.datetime | None = None) -> dict:
    """The signed whitelist of the device's gate for `day` (full, or the changes after `since`)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    if not (today - dt.timedelta(days=1) <= day <= today + dt.timedelta(days=7)):
        raise AccessError(AccessCode.INVALID_DATE)
    version = _ms(now)
    if since is not None and not (0 < since <= version):
        raise AccessError(AccessCode.INVALID_VERSION)
    full = since is None or since < version - 24 * 3600 * 1000
    lane = device.lane
    lanes = _lanes_of_gate(lane)
    cat = catalog.get()
    snap = config.get()
    accepted = {p.id for p in cat.products.values() if any(x.mode(p) for x in lanes)}
    gate_code = lane.gate_code
    with_ids = lane.offline_id_cards
    key = day_key(gate_code, day) if with_ids else b""
    rows = _tickets(day, accepted, with_ids)
    scanned = _last_scans(day)
    bindings = _bindings({r["id_index"] for r in rows}) if with_ids else {}
    cutoff = (since or 0) - MARGIN_MS
    entries, removed = [], []
    for r in rows:
        changed = max(r["changed"], scanned.get(r["id"], 0))
        if not full and changed < cutoff:
            continue
        if r["status"] in ("refunded", "cancelled"):
            if not full:
                removed.append(r["code"])
            continue
        product, category = cat.product(r["product_id"]), cat.category(r["category_id"])
        entry: dict[str, Any] = {
            "c": r["code"],
            "p": product.code if product else "",
            "k": category.code if category else "",
            "s": r["start"].strftime("%H:%M"),
            "e": r["end"].strftime("%H:%M"),
            "u": max(0, r["uses_allowed"] - r["used_count"]),
            "n": r["name"],
        }
        if r["document"]:
            entry["d"] = r["document"]
        if with_ids and r["id_enc"]:
            entry["i"] = offline_hash(key, "id", pii.decrypt(r["id_enc"], context="id"))
            faces = [offline_hash(key, kind, value) for kind, value in bindings.get(r["id_index"], [])]
            if faces:
                entry["b"] = sorted(faces)
        entries.append(entry)
    rules = {}
    for pid in sorted(accepted):
        product = cat.product(pid)
        rule = snap.rule(pid)
        rules[product.code] = {
            "early": int(rule.early.total_seconds() // 60),
            "until": rule.until,
            "late": int(rule.late.total_seconds() // 60),
            "reentry": rule.reentry,
            "times": rule.reentry_times,
        }
    payload = {
        "format": FORMAT,
        "gate": gate_code,
        "date": day.isoformat(),
        "version": version,
        "since": None if full else since,
        "full": full,
        "closed": day in snap.closed_days,
        "closing": snap.closing.strftime("%H:%M"),
        "lanes": [
            {
                "code": x.code,
                "direction": x.direction,
                "accepts": sorted(cat.product(p).code for p in accepted if x.mode(cat.product(p))),
            }
            for x in sorted(lanes, key=lambda x: x.code)
        ],
        "rules": rules,
        "id_key": _b64e(key) if with_ids else None,
        "entries": sorted(entries, key=lambda e: e["c"]),
        "removed": sorted(removed),
    }
    return sign(payload)


def sign(payload: dict) -> dict:
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    signature = tokens.private_key().sign(DOMAIN + text.encode("utf-8"))
    return {"payload": text, "signature": _b64e(signature), "key_id": tokens.key_id()}


def verify(document: dict, public_key_b64: str) -> dict:
    """What a gate does with the whitelist: check the signature with the public key, then parse."""
    key = tokens.load_public_key(public_key_b64)
    text = document["payload"]
    key.verify(_b64d(document["signature"]), DOMAIN + text.encode("utf-8"))  # raises InvalidSignature
    return json.loads(text)


def _tickets(day: dt.date, products: set[int], with_ids: bool) -> list[dict]:
    return [{**vars(t), "changed": _ms(t.changed)} for t in gate.whitelist(day, sorted(products), with_ids=with_ids)]


def _last_scans(day: dt.date) -> dict[int, int]:
    begin = timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_current_timezone())
    with connection.cursor() as cur:
        return {tid: _ms(at) for tid, at in sql.last_scans_since(cur, begin).items()}


def _bindings(indexes: set[str]) -> dict[str, list[tuple[str, str]]]:
    from scenic_ops.access.models import CredentialBinding

    out: dict[str, list[tuple[str, str]]] = {}
    if not indexes:
        return out
    for kind, enc, index in CredentialBinding.objects.filter(
        id_index__in=list(indexes), expires_at__gt=timezone.now()
    ).values_list("kind", "value_enc", "id_index"):
        out.setdefault(index, []).append((kind, pii.decrypt(enc, context=f"access-{kind}")))
    return out


# --- upload --------------------------------------------------------------------------------------------
def _parse_at(value: Any) -> dt.datetime | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 1e11 else value
        try:
            return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            return None
        return parsed if not timezone.is_naive(parsed) else None
    return None


def check_row(
    row: Any, index: int, lane: config.LaneInfo, now: dt.datetime, seen: set[str]
) -> tuple[dict | None, dict | None]:
    """(clean row, None) or (None, rejection) for one uploaded row."""

    def reject(code: str, detail: str) -> tuple[None, dict]:
        ident = row.get("id") if isinstance(row, dict) and isinstance(row.get("id"), str) else None
        return None, {"row": index, "id": ident, "code": code, "detail": detail}

    if not isinstance(row, dict):
        return reject("not_an_object", "each row must be a JSON object")
    ident = row.get("id")
    if not isinstance(ident, str) or not 1 <= len(ident) <= 64 or not ident.isprintable():
        return reject("invalid_id", "id must be the gate's scan id, 1 to 64 characters")
    if ident in seen:
        return reject("duplicate_row", "the same id appears twice in this batch")
    at = _parse_at(row.get("at"))
    if at is None:
        return reject("invalid_time", "at must be an ISO 8601 time with its UTC offset, or unix time")
    if at > now + CLOCK_TOLERANCE:
        return reject("future_time", "at lies in the future; check the gate's clock")
    if at < now - MAX_AGE:
        return reject("too_old", "offline scans older than 7 days are not accepted")
    direction = row.get("direction", lane.direction if lane.direction != "both" else None)
    if direction not in ("in", "out") or (lane.direction != "both" and direction != lane.direction):
        return reject("invalid_direction", f"direction must be 'in' or 'out' and allowed on lane {lane.code}")
    method = row.get("type")
    if method not in METHODS:
        return reject("invalid_type", "type must be qr, id_card, ssc or face")
    value = row.get("value")
    if not isinstance(value, str) or not 1 <= len(value.strip()) <= 512:
        return reject("invalid_value", "value must be the scanned code, 1 to 512 characters")
    result = row.get("result")
    if result not in ("admitted", "denied"):
        return reject("invalid_result", "result must be the gate's own decision: admitted or denied")
    local_reason = row.get("reason") or ("admitted" if result == "admitted" else "unknown")
    if not isinstance(local_reason, str) or local_reason not in {r.value for r in Reason}:
        local_reason = "unknown" if result == "denied" else "admitted"
    seen.add(ident)
    return {
        "index": index,
        "id": ident,
        "at": at,
        "direction": direction,
        "type": method,
        "value": value.strip(),
        "result": result,
        "reason": local_reason,
    }, None


def _fingerprint(rows: list) -> str:
    return hashlib.sha256(json.dumps(rows, sort_keys=True, default=str).encode()).hexdigest()


def upload(device: DeviceInfo, batch: str, rows: Any, *, now: dt.datetime | None = None) -> dict:
    """Reconcile a batch of offline scans; returns the report (also stored, and replayed for the same batch)."""
    from scenic_ops.access.models import Conflict, OfflineUpload

    now = now or timezone.now()
    if not isinstance(batch, str) or not 1 <= len(batch) <= 64:
        raise AccessError(AccessCode.INVALID_REQUEST, reason="batch must be 1 to 64 characters")
    if not isinstance(rows, list) or not rows:
        raise AccessError(AccessCode.UPLOAD_EMPTY)
    if len(rows) > MAX_ROWS:
        raise AccessError(AccessCode.UPLOAD_TOO_LARGE, limit=MAX_ROWS)
    fingerprint = _fingerprint(rows)
    previous = OfflineUpload.objects.filter(device_id=device.id, batch=batch).first()
    if previous is not None:
        if previous.report.get("fingerprint") != fingerprint:
            raise AccessError(AccessCode.BATCH_REUSED, batch=batch)
        return {**previous.report, "replayed": True}
    lane = device.lane
    seen: set[str] = set()
    clean, rejected = [], []
    for index, row in enumerate(rows):
        ok, bad = check_row(row, index, lane, now, seen)
        if bad:
            rejected.append(bad)
        else:
            clean.append(ok)
    already = set(admission_scans_for(device.id, [r["id"] for r in clean]))
    results: list[dict] = []
    snap = config.get()
    with transaction.atomic():
        record = OfflineUpload.objects.create(
            device_id=device.id, batch=batch, received_at=now, rows=len(rows), rejected=len(rejected)
        )
        cursor = connection.cursor()
        for row in sorted(clean, key=lambda r: (r["at"], r["index"])):
            if row["id"] in already:
                results.append({"row": row["index"], "id": row["id"], "outcome": "already_applied"})
                continue
            results.append(_apply(cursor, device, lane, snap, row, record.id, now))
        for r in results:
            for lane_info, direction, at, key in r.pop("_passages", []):
                decision.count(lane_info, direction, at, now=now, dedupe_key=key)
        conflicts = [c for r in results for c in r.pop("_conflicts", [])]
        for kind, flagged, first, why in conflicts:
            ticket_id = _ticket_of(flagged)
            Conflict.objects.create(
                kind=kind, scan_id=flagged, first_scan_id=first, ticket_id=ticket_id, upload=record, reason=str(why)
            )
        report = {
            "batch": batch,
            "rows": len(rows),
            "applied": sum(1 for r in results if r["outcome"] != "already_applied"),
            "admitted": sum(1 for r in results if r["outcome"] in ("admitted", "readmitted")),
            "exits": sum(1 for r in results if r["outcome"] == "exited"),
            "duplicates": sum(1 for r in results if r["outcome"] == "duplicate"),
            "conflicts": len(conflicts),
            "rejected": sorted(rejected, key=lambda r: r["row"]),
            "results": sorted(results, key=lambda r: r["row"]),
            "fingerprint": fingerprint,
        }
        OfflineUpload.objects.filter(pk=record.pk).update(
            applied=report["applied"],
            admitted=report["admitted"],
            duplicates=report["duplicates"],
            report=report,
        )
    return report


def admission_scans_for(device_id: int, ids: list[str]) -> list[str]:
    from scenic_ops.access.models import Scan

    if not ids:
        return []
    return list(
        Scan.objects.filter(device_id=device_id, device_scan_id__in=ids).values_list("device_scan_id", flat=True)
    )


def _ticket_of(scan_id: int | None) -> int | None:
    from scenic_ops.access.models import Scan

    if scan_id is None:
        return None
    return Scan.objects.filter(pk=scan_id).values_list("ticket_id", flat=True).first()


def _apply(cursor, device: DeviceInfo, lane, snap, row: dict, upload_id: int, now: dt.datetime) -> dict:
    req = ScanRequest(
        device=device,
        method=row["type"],
        value=row["value"],
        direction=row["direction"],
        now=now,
        device_scan_id=row["id"],
        at=row["at"],
        offline=True,
        upload_id=upload_id,
    )
    day = timezone.localdate(row["at"])
    if row["result"] == "denied":
        answer = _log_refusal(cursor, req, lane, row["reason"])
    else:
        answer = _admitted_offline(cursor, req, lane, snap, day)
    return {
        "row": row["index"],
        "id": row["id"],
        "outcome": "denied" if row["result"] == "denied" else _outcome(answer),
        "reason": answer.reason,
        "ticket": answer.ticket_code,
        "scan": answer.scan_id,
        "_conflicts": req.conflicts,
        "_passages": req.passages,
    }


def _outcome(answer: Answer) -> str:
    if answer.reason == Reason.DUPLICATE:
        return "duplicate"
    if answer.reason in (Reason.ADMITTED, Reason.READMITTED, Reason.EXITED):
        return {Reason.ADMITTED: "admitted", Reason.READMITTED: "readmitted", Reason.EXITED: "exited"}[answer.reason]
    return "flagged"


def _resolve(req: ScanRequest, lane, day: dt.date) -> tuple[str | None, int | None]:
    """The ticket an offline row names: by its token, or by the visitor behind a card or face."""
    from scenic_ops.access import credentials

    if req.method == QR:
        claims, _bad = admission.read_token(req.value)
        return (claims.code, None) if claims else (None, None)
    index = credentials.visitor_index(req.method, req.value)
    if index is None:
        return None, None
    cat = catalog.get()
    fits = [c for c in gate.candidates(index, day) if lane.mode(cat.product(c.product_id))]
    if not fits:
        return None, None
    return None, credentials.choose(fits, config.get(), req.at, req.direction).id


def _admitted_offline(cursor, req, lane, snap, day: dt.date) -> Answer:
    code, ticket_id = _resolve(req, lane, day)
    if code is None and ticket_id is None:
        claims, bad = admission.read_token(req.value) if req.method == QR else (None, None)
        reason = bad or Reason.UNKNOWN
        return decision.record(cursor, req, lane, None, reason)
    return decision.decide(cursor, req, lane, snap, day, None, code=code, ticket_id=ticket_id)


def _log_refusal(cursor, req, lane, reason: str) -> Answer:
    """A scan the gate refused itself: appended as it was, nothing consumed or counted."""
    code = ""
    product_id = category_id = None
    if req.method == QR:
        claims, _bad = admission.read_token(req.value)
        if claims:
            code = claims.code
            cat = catalog.get()
            product, category = cat.product(claims.product), cat.category(claims.category)
            product_id, category_id = (product.id if product else None), (category.id if category else None)
    scan_id = scanlog.insert(
        cursor,
        **scanlog.origin(req, lane),
        at=req.at,
        outcome="denied",
        reason=reason,
        ticket_code=code,
        product_id=product_id,
        category_id=category_id,
        offline=True,
        upload_id=req.upload_id,
    )
    return Answer(False, reason, ticket_code=code, scan_id=scan_id)
