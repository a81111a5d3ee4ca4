"""Repair tickets: reported by staff, visitors, alarms and inspections; moved by the workflow engine.

The default workflow (fixtures/workflows/repair_ticket.toml) decides who may do what; this
module creates tickets, keeps photos, parts, costs and the crew's work log, and reacts to
the engine's events (`on_workflow_event`) to stamp work and downtime times and to keep the
asset's status in step.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone

from scenic_ops.core import audit, pii, spending
from scenic_ops.core.models import AuditEvent, User, Zone
from scenic_ops.operations.errors import OpsCode, OpsError
from scenic_ops.operations.models import (
    Asset,
    AssetCategory,
    Priority,
    RepairPart,
    RepairPhoto,
    RepairTicket,
    RepairWorkLog,
)
from scenic_ops.operations.services.common import check_client_id, check_photo, lat_lng
from scenic_ops.workflow import registry
from scenic_ops.workflow import services as workflow

Source = RepairTicket.Source
MAX_COST = Decimal("10000000")
# The crew app's verbs and the default workflow's actions.
CREW_ACTIONS = {
    "accept": ("accept", RepairWorkLog.Action.ACCEPT, None),
    "start": ("start", RepairWorkLog.Action.START, RepairPhoto.Stage.BEFORE),
    "pause": ("hold", RepairWorkLog.Action.PAUSE, None),
    "resume": ("resume", RepairWorkLog.Action.RESUME, None),
    "finish": ("finish", RepairWorkLog.Action.FINISH, RepairPhoto.Stage.AFTER),
}
# Each of those workflow actions' crew verb (hold → pause); the app posts any other action of the
# workflow under its own code.
VERB_OF_ACTION = {action: verb for verb, (action, _log, _stage) in CREW_ACTIONS.items()}
OPEN_STATES_EXCLUDED = ("closed", "rejected")
CATEGORY_OF_KIND = {
    AssetCategory.Kind.GATE: RepairTicket.Category.ELECTRICAL,
    AssetCategory.Kind.CAMERA: RepairTicket.Category.NETWORK,
    AssetCategory.Kind.COUNTER: RepairTicket.Category.NETWORK,
    AssetCategory.Kind.SENSOR: RepairTicket.Category.NETWORK,
    AssetCategory.Kind.NETWORK: RepairTicket.Category.NETWORK,
    AssetCategory.Kind.CABLEWAY: RepairTicket.Category.MECHANICAL,
    AssetCategory.Kind.CABIN: RepairTicket.Category.MECHANICAL,
    AssetCategory.Kind.ELEVATOR: RepairTicket.Category.MECHANICAL,
    AssetCategory.Kind.BOAT: RepairTicket.Category.MECHANICAL,
    AssetCategory.Kind.RIDE: RepairTicket.Category.MECHANICAL,
    AssetCategory.Kind.VEHICLE: RepairTicket.Category.MECHANICAL,
    AssetCategory.Kind.TOILET: RepairTicket.Category.SANITATION,
    AssetCategory.Kind.LAMP: RepairTicket.Category.ELECTRICAL,
    AssetCategory.Kind.POWER: RepairTicket.Category.ELECTRICAL,
}


def money(value: Any, field: str) -> Decimal:
    if value in (None, ""):
        return Decimal("0.00")
    if isinstance(value, bool):
        raise OpsError(OpsCode.INVALID_COST, field=field)
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise OpsError(OpsCode.INVALID_COST, field=field) from None
    if not amount.is_finite() or not Decimal("0") <= amount <= MAX_COST:
        raise OpsError(OpsCode.INVALID_COST, field=field)
    return amount.quantize(Decimal("0.01"))


def report(
    *,
    title: str,
    description: str = "",
    asset: Asset | None = None,
    zone: Zone | None = None,
    priority: str = Priority.NORMAL,
    source: str = Source.STAFF,
    reported_by: User | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
    latitude: Any = None,
    longitude: Any = None,
    category: str | None = None,
    skill: str | None = None,
    estimated_cost: Any = None,
    photos: list[Any] = (),
    alarm=None,
    inspection_task=None,
    inspection_result=None,
    client_id: str | None = None,
    failure_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> RepairTicket:
    """Open a repair ticket and put it under the active repair workflow.

    `client_id` (from a phone's offline queue) makes the call idempotent: the same id
    returns the ticket created the first time. Photos are uploaded files (checked) or
    names of files already in storage (an inspection's photo).
    """
    now = now or timezone.now()
    client_id = check_client_id(client_id)
    if client_id:
        existing = RepairTicket.objects.filter(client_id=client_id).first()
        if existing is not None:
            return existing
    title = (title or "").strip()
    if not title:
        raise OpsError(OpsCode.TITLE_MISSING)
    if priority not in Priority.values:
        priority = Priority.NORMAL
    lat, lng = lat_lng(latitude, longitude)
    cost = money(estimated_cost, "estimated_cost")
    for photo in photos:
        if isinstance(photo, UploadedFile):
            check_photo(photo)
    if asset is not None:
        if zone is None:
            zone = asset.zone
        if skill is None:
            skill = asset.category.skill
        if category is None:
            category = CATEGORY_OF_KIND.get(asset.category.kind, RepairTicket.Category.OTHER)
        if lat is None:
            where = asset.position()
            if where:
                lat, lng = (Decimal(str(round(c, 6))) for c in where)
    if lat is None and zone is not None and zone.latitude is not None:
        lat, lng = zone.latitude, zone.longitude
    ticket = RepairTicket(
        title=title[:120],
        description=description or "",
        asset=asset,
        zone=zone,
        category=category if category in RepairTicket.Category.values else RepairTicket.Category.OTHER,
        skill=(skill or "")[:40],
        priority=priority,
        source=source,
        reported_by=reported_by if getattr(reported_by, "pk", None) else None,
        reporter_name=(reporter_name or "")[:40],
        latitude=lat,
        longitude=lng,
        alarm=alarm,
        inspection_task=inspection_task,
        inspection_result=inspection_result,
        estimated_cost=cost,
        failure_at=failure_at or now,
        client_id=client_id,
    )
    if reporter_phone:
        pii.assign(ticket, "reporter_phone", reporter_phone, kind="phone")
    try:
        with transaction.atomic():
            ticket.save()
            for photo in photos:
                add_photo(ticket, photo, RepairPhoto.Stage.REPORT, reported_by)
            if asset is not None and priority in (Priority.HIGH, Priority.URGENT):
                _set_asset_status(asset, Asset.Status.OUT_OF_ORDER)
            workflow.start(ticket, reported_by, now=now)
    except IntegrityError:
        if client_id:  # the same report arrived twice at once: the first one won
            existing = RepairTicket.objects.filter(client_id=client_id).first()
            if existing is not None:
                return existing
        raise
    ticket.refresh_from_db()
    return ticket


def add_photo(ticket: RepairTicket, photo: Any, stage: str, user: User | None) -> RepairPhoto:
    """Attach a picture: an uploaded file (saved through the storage API) or a stored file's name."""
    record = RepairPhoto(ticket=ticket, stage=stage, uploaded_by=user if getattr(user, "pk", None) else None)
    if isinstance(photo, str):
        record.file.name = photo
        record.save()
    else:
        extension = check_photo(photo)
        record.file.save(f"{stage}-{timezone.now():%Y%m%d%H%M%S%f}.{extension}", photo, save=True)
    return record


def _set_asset_status(asset: Asset, status: str) -> None:
    if asset.status == status or asset.status == Asset.Status.RETIRED:
        return
    asset.status = status
    asset.save(update_fields=["status", "updated_at"])


def _open_blocking_tickets(asset: Asset, exclude_pk: int) -> bool:
    return (
        RepairTicket.objects.filter(asset=asset, priority__in=[Priority.HIGH, Priority.URGENT])
        .exclude(pk=exclude_pk)
        .exclude(state__in=[*OPEN_STATES_EXCLUDED, "done", "cost_review"])
        .exists()
    )


def _mirror(ticket: RepairTicket, track) -> list[str]:
    """Copy the engine's assignee and SLA onto the ticket (for lists and the crew app)."""
    changed = []
    if track is None:
        return changed
    for name, value in (
        ("assignee_id", track.assignee_id),
        ("resolution_due", track.resolution_due),
        ("sla_status", track.sla_status or ""),
    ):
        if getattr(ticket, name) != value:
            setattr(ticket, name, value)
            changed.append(name.removesuffix("_id"))
    return changed


def on_workflow_event(event) -> None:
    """The engine tells us a ticket moved: stamp work and downtime, keep the asset's status in step."""
    if not isinstance(event.document, RepairTicket):
        return
    ticket = RepairTicket.objects.select_related("asset").get(pk=event.document.pk)
    state, now = event.to_state, event.now
    changed: list[str] = _mirror(ticket, event.track)
    if event.name != "state_entered":
        pass
    elif state == "in_progress":
        if ticket.work_started_at is None:
            ticket.work_started_at = now
            changed.append("work_started_at")
        if ticket.restored_at is not None:  # reopened after the work was done
            ticket.restored_at = ticket.work_finished_at = None
            changed += ["restored_at", "work_finished_at"]
        if ticket.asset is not None:
            _set_asset_status(ticket.asset, Asset.Status.IN_MAINTENANCE)
    elif state in ("done", "cost_review"):
        if state == "done":
            _spend(ticket, event)
        if ticket.restored_at is None:
            ticket.work_finished_at = ticket.restored_at = now
            changed += ["work_finished_at", "restored_at"]
        if ticket.asset is not None and not _open_blocking_tickets(ticket.asset, ticket.pk):
            _set_asset_status(ticket.asset, Asset.Status.IN_SERVICE)
    elif state == "closed":
        ticket.verified_at = now
        ticket.verified_by = event.actor if getattr(event.actor, "pk", None) else None
        changed += ["verified_at", "verified_by"]
        if ticket.restored_at is None:
            ticket.restored_at = now
            changed.append("restored_at")
    elif state == "rejected" and ticket.asset is not None:
        if ticket.asset.status == Asset.Status.OUT_OF_ORDER and not _open_blocking_tickets(ticket.asset, ticket.pk):
            _set_asset_status(ticket.asset, Asset.Status.IN_SERVICE)
    if changed:
        ticket.save(update_fields=[*changed, "updated_at"])
        for name in changed:
            setattr(event.document, name, getattr(ticket, name))


def _spend(ticket: RepairTicket, event) -> None:
    """The repair's cost, at the moment it is approved (or, for small work done without a cost
    approval, when it is done): checked against the department's repair budget (`core.spending`)."""
    department = ""
    if ticket.asset is not None and ticket.asset.department_id:
        department = ticket.asset.department.code
    elif ticket.reported_by_id and ticket.reported_by.department_id:
        department = ticket.reported_by.department.code
    approved = event.from_state == "cost_review"
    spending.approved(
        source=f"operations.repairticket:{ticket.pk}",
        label=str(ticket),
        department=department,
        category="repair",
        amount=max(ticket.estimated_cost, ticket.parts_cost + ticket.labour_cost),
        kind="actual",
        enforce=approved,
        actor_id=getattr(event.actor, "pk", None),
        at=event.now,
        now=event.now,
    )


def crew_action(
    ticket: RepairTicket,
    user: User,
    verb: str,
    *,
    note: str = "",
    photos: list[UploadedFile] = (),
    estimated_cost: Any = None,
    labour_hours: Any = None,
    parts: list[dict] | None = None,
    at: dt.datetime | None = None,
    latitude: Any = None,
    longitude: Any = None,
    client_id: str | None = None,
    now: dt.datetime | None = None,
) -> RepairWorkLog:
    """Accept, start, pause (wait for parts), resume or finish a repair from the phone, or take any
    other action of the ticket's workflow the desk would offer the user (accept the work, reopen,
    approve the cost, do not accept …), posted under the action's code.

    The workflow engine decides whether `user` may (only the assignee, or a dispatcher);
    a refusal raises WorkflowError and nothing is saved. The same `client_id` again
    returns the first entry (an offline queue retrying).
    """
    now = now or timezone.now()
    client_id = check_client_id(client_id)
    if client_id:
        done = RepairWorkLog.objects.filter(client_id=client_id).first()
        if done is not None:
            return done
    verb = VERB_OF_ACTION.get(verb, verb)
    if verb in CREW_ACTIONS:
        action, log_action, photo_stage = CREW_ACTIONS[verb]
    elif verb in _workflow_actions(ticket):
        action, log_action, photo_stage = verb, RepairWorkLog.Action.NOTE, None
    else:
        raise OpsError(OpsCode.UNKNOWN_ACTION, action=str(verb)[:20])
    lat, lng = lat_lng(latitude, longitude)
    for photo in photos:
        check_photo(photo)
    cost = money(estimated_cost, "estimated_cost") if estimated_cost not in (None, "") else None
    hours = money(labour_hours, "labour_hours") if labour_hours not in (None, "") else None
    part_rows = [
        (
            str(p.get("name", ""))[:100],
            money(p.get("quantity", 1), "quantity"),
            money(p.get("unit_cost", 0), "unit_cost"),
        )
        for p in (parts or [])
        if isinstance(p, dict) and str(p.get("name", "")).strip()
    ]
    with transaction.atomic():
        changed = []
        if cost is not None and cost != ticket.estimated_cost:
            ticket.estimated_cost = cost
            changed.append("estimated_cost")
        if hours is not None:
            ticket.labour_hours = hours
            changed.append("labour_hours")
        if changed:
            ticket.save(update_fields=[*changed, "updated_at"])
            workflow.document_changed(ticket, changed, user, now=now)
        for name, quantity, unit_cost in part_rows:
            RepairPart.objects.create(ticket=ticket, name=name, quantity=quantity, unit_cost=unit_cost)
        if part_rows:
            refresh_costs(ticket)
        outcome = workflow.apply(ticket, action, user, note, now=now)
        if log_action == RepairWorkLog.Action.NOTE:  # the work log names the workflow's action
            note = f"{outcome.entry.action_label}: {note}" if note else outcome.entry.action_label
        entry = RepairWorkLog.objects.create(
            ticket=ticket,
            action=log_action,
            at=at or now,
            by=user,
            note=(note or "")[:500],
            latitude=lat,
            longitude=lng,
            client_id=client_id,
        )
        for photo in photos:
            add_photo(ticket, photo, photo_stage or RepairPhoto.Stage.AFTER, user)
    return entry


def _workflow_actions(ticket: RepairTicket) -> set[str]:
    track = workflow.track_of(ticket)
    flow = (
        track.workflow if track is not None and track.workflow_id else workflow.active_workflow(registry.key_of(ticket))
    )
    return {t.action for t in flow.transition_list()} if flow is not None else set()


def refresh_costs(ticket: RepairTicket) -> None:
    """Parts cost = Σ quantity × unit cost; kept on the ticket for lists and reports."""
    total = RepairPart.objects.filter(ticket=ticket).aggregate(total=Sum(F("quantity") * F("unit_cost")))["total"]
    ticket.parts_cost = Decimal(total or 0).quantize(Decimal("0.01"))
    ticket.save(update_fields=["parts_cost", "updated_at"])


def note_costs(ticket: RepairTicket, user: User, *, labour_cost: Any = None) -> None:
    if labour_cost is not None:
        ticket.labour_cost = money(labour_cost, "labour_cost")
        ticket.save(update_fields=["labour_cost", "updated_at"])
        audit.record(AuditEvent.Action.ACTION, ticket, user=user, message=f"labour cost {ticket.labour_cost}")
