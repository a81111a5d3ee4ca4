"""Demo data of the operations domain (idempotent): the site's assets (gates, cameras, a cableway
with cabins, boats, shuttle buses, toilets), devices, certificates, checklists and inspection
plans, crew, the park map, and three weeks of history (inspections, repairs, alarms, telemetry,
today's positions) made through the domain's own services."""

from __future__ import annotations

import datetime as dt
import io
import math
import random
from decimal import Decimal

from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.utils import timezone

from scenic_ops.core import services as core_services
from scenic_ops.core.demo import DEMO_PASSWORD
from scenic_ops.core.models import Department, User, Zone
from scenic_ops.operations import setup
from scenic_ops.operations.demo_data import ASSETS, BOATS, BUSES, CABINS, CREW, PLANS, TEMPLATES
from scenic_ops.operations.models import (
    Alarm,
    AlarmRule,
    Asset,
    AssetCategory,
    Certificate,
    ChecklistItem,
    ChecklistTemplate,
    Device,
    InspectionPlan,
    InspectionTask,
    ParkMap,
    RepairTicket,
    RoutePoint,
    Tracker,
)
from scenic_ops.operations.services import alarms, certificates, inspections, positions, telemetry
from scenic_ops.workflow import services as workflow
from scenic_ops.workflow.errors import WorkflowError

HISTORY_DAYS = 21


def _png(seed: int) -> ContentFile:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (160, 120), (120 + seed * 13 % 100, 140, 160))
    ImageDraw.Draw(image).rectangle((20, 20, 140, 100), outline=(200, 40, 40), width=4)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return ContentFile(out.getvalue(), name=f"demo-{seed}.png")


def build(stdout) -> None:
    setup.load()
    rng = random.Random(2026)
    now = timezone.now()
    zones = {z.code: z for z in Zone.objects.all()}
    engineering = Department.objects.filter(code="engineering").first()
    crew = _crew(engineering, zones)
    assets = _assets(zones, engineering)
    devices = _devices(assets)
    _certificates(assets, now)
    plans = _plans(zones, assets, engineering)
    _park_map()
    trackers = _trackers(assets, crew)
    if not InspectionTask.objects.filter(plan__in=plans).exists():
        _history(plans, crew, rng, now)
        _alarm_history(devices, crew, rng, now)
        _telemetry(devices, rng, now)
        _positions(trackers, zones, rng, now)
    stdout.write(
        f"operations demo: {Asset.objects.count()} assets, {Device.objects.count()} devices, "
        f"{InspectionPlan.objects.count()} plans, {InspectionTask.objects.count()} inspection tasks, "
        f"{RepairTicket.objects.count()} repair tickets, {Alarm.objects.count()} alarms"
    )


def _crew(department, zones) -> dict[str, User]:
    for username, name, role, skills, number in CREW:
        user = core_services.upsert_staff(
            username, password=DEMO_PASSWORD, display_name=name, roles=[role], department=department,
            employee_no=number, skills=skills,
        )  # fmt: skip
        user.zones.set([zones[c] for c in ("gate-south", "gate-east", "pier", "lake", "cableway-lower") if c in zones])
    people = {
        u.username: u
        for u in User.objects.filter(
            username__in=["engineer", "inspector", "security", "dispatcher", "manager", *[c[0] for c in CREW]]
        )
    }
    if "engineer" in people and not people["engineer"].skills:
        people["engineer"].skills = ["mechanical", "electrical"]
        people["engineer"].save(update_fields=["skills"])
    return people


def _asset(code, name, en, category, zone, parent=None, lat=None, lng=None, **extra) -> Asset:
    cat = AssetCategory.objects.get(code=category)
    asset, _ = Asset.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "name_en": en,
            "category": cat,
            "zone": zone,
            "parent": parent,
            "latitude": Decimal(lat) if lat else None,
            "longitude": Decimal(lng) if lng else None,
            "special_equipment": cat.special_equipment,
            **extra,
        },
    )
    return asset


def _assets(zones, department) -> dict[str, Asset]:
    out = {}
    for code, name, en, category, zone, _parent, lat, lng in ASSETS:
        extra = {"department": department, "installed_on": dt.date(2021, 4, 1), "warranty_until": dt.date(2026, 12, 31)}
        if category == "cableway":
            extra.update(
                vendor="北京起重运输机械设计研究院",
                model_no="MGD-6",
                registration_no="索沪苏A00123",
                purchase_cost=Decimal("38000000"),
            )
        elif category == "gate":
            extra.update(vendor="深圳某闸机公司", model_no="TG-300")
        out[code] = _asset(code, name, en, category, zones.get(zone), **extra, lat=lat, lng=lng)
    cableway = out["cableway"]
    for n in range(1, CABINS + 1):
        out[f"cabin-{n:02d}"] = _asset(
            f"cabin-{n:02d}",
            f"索道{n}号吊厢",
            f"Cableway cabin {n}",
            "cabin",
            zones.get("cableway-lower"),
            parent=cableway,
        )
    for n in range(1, BOATS + 1):
        out[f"boat-{n:02d}"] = _asset(
            f"boat-{n:02d}", f"电动游船{n}号", f"Electric boat {n}", "boat", zones.get("pier"),
            registration_no=f"苏无锡船{2020 + n}00{n}", lat="31.2270", lng=f"{120.4150 + n * 0.0002:.4f}",
        )  # fmt: skip
    for n in range(1, BUSES + 1):
        out[f"bus-{n:02d}"] = _asset(
            f"bus-{n:02d}", f"观光车{n}号", f"Shuttle bus {n}", "vehicle", zones.get("gate-south")
        )
    return out


def _devices(assets) -> dict[str, Device]:
    specs = [
        ("cw-drive", "索道驱动控制器", "cableway", 5),
        ("cw-wind", "索道上站风速仪", "cableway", 10),
        ("gate-south-ctl", "南山门闸机控制器", "gate-south-1", 10),
        ("gate-east-ctl", "东山门闸机控制器", "gate-east-1", 10),
        ("cam-summit-nvr", "主峰监控", "cam-summit", 15),
        ("toilet-south-iot", "南山门厕所传感器", "toilet-south", 30),
        *[(f"boat-{n:02d}-bms", f"{n}号游船电池管理", f"boat-{n:02d}", 15) for n in range(1, BOATS + 1)],
    ]
    out = {}
    for code, name, asset_code, minutes in specs:
        device, created = Device.objects.get_or_create(
            code=code, defaults={"name": name, "asset": assets[asset_code], "offline_after_minutes": minutes}
        )
        if created or device.api_key_id is None:
            telemetry.issue_key(device)
        out[code] = device
    return out


def _certificates(assets, now) -> None:
    today = timezone.localdate(now)
    expiries = {
        "cableway": today + dt.timedelta(days=30),
        **{f"boat-{n:02d}": today + dt.timedelta(days=120 + n) for n in range(1, BOATS + 1)},
    }
    for n in range(1, CABINS + 1):
        expiries[f"cabin-{n:02d}"] = today + dt.timedelta(days=200)
    for code, expires in expiries.items():
        asset = assets[code]
        if not asset.certificates.exists():
            certificates.renew(
                Certificate(
                    asset=asset,
                    number=f"TS{asset.pk:04d}-{expires.year - 1}",
                    issued_by="江苏省特种设备安全监督检验研究院",
                    issued_on=expires - dt.timedelta(days=365),
                    expires_on=expires,
                )
            )


def _plans(zones, assets, department) -> list[InspectionPlan]:
    templates = {}
    for name, (en, items) in TEMPLATES.items():
        template, created = ChecklistTemplate.objects.get_or_create(name=name, defaults={"name_en": en})
        if created:
            for position, spec in enumerate(items):
                values = {
                    k: (Decimal(str(v)) if k in ("min_value", "max_value", "pass_min", "pass_max") else v)
                    for k, v in spec.items()
                }
                ChecklistItem.objects.create(template=template, position=position, **values)
        templates[name] = template
    plans = []
    for name, en, template, frequency, weekdays, start, minutes, role, zone, route in PLANS:
        plan, created = InspectionPlan.objects.get_or_create(
            name=name,
            defaults={
                "name_en": en,
                "template": templates[template],
                "frequency": frequency,
                "weekdays": weekdays,
                "start_time": dt.time.fromisoformat(start),
                "duration_minutes": minutes,
                "role": role,
                "department": department,
                "zone": zones.get(zone) if zone else None,
            },
        )
        if created:
            for position, code in enumerate(route):
                RoutePoint.objects.create(plan=plan, position=position, asset=assets[code])
        plans.append(plan)
    return plans


def _park_map() -> None:
    if ParkMap.objects.exists():
        return
    path = finders.find("operations/park-map.svg")
    if path is None:
        return
    with open(path, "rb") as handle:
        data = handle.read()
    from scenic_ops.operations.selectors import DEFAULT_BOUNDS

    south, west, north, east = (Decimal(str(v)) for v in DEFAULT_BOUNDS)
    park = ParkMap(name="云岫山导览图", south=south, west=west, north=north, east=east)
    park.image.save("yunxiu-park-map.svg", ContentFile(data), save=False)
    park.save()


def _trackers(assets, crew) -> list[Tracker]:
    out = []
    for user in crew.values():
        if user.username != "manager":
            out.append(positions.phone_of(user))
    for prefix, kind, count in (("boat", "boat", BOATS), ("bus", "vehicle", BUSES)):
        for n in range(1, count + 1):
            code = f"{prefix}-{n:02d}"
            tracker, _ = Tracker.objects.get_or_create(
                code=f"gps-{code}", defaults={"name": assets[code].name, "kind": kind, "asset": assets[code]}
            )
            out.append(tracker)
    return out


def _answers(task, rng, fail_rate: float) -> tuple[list[dict], dict]:
    answers, files = [], {}
    for point, items in inspections.checklist(task):
        for item in items:
            fails = rng.random() < fail_rate
            value: object = ""
            if item.kind == ChecklistItem.Kind.YES_NO:
                value = "no" if fails == item.expected_yes else "yes"
            elif item.kind == ChecklistItem.Kind.NUMBER:
                low = float(item.pass_min if item.pass_min is not None else item.min_value or 0)
                high = float(item.pass_max if item.pass_max is not None else item.max_value or low + 10)
                value = round(high + 2, 1) if fails and item.pass_max is not None else round(rng.uniform(low, high), 1)
            elif item.kind == ChecklistItem.Kind.CHOICE:
                value = item.failing_choices[0] if fails and item.failing_choices else item.choices[0]
            elif item.kind == ChecklistItem.Kind.SIGNATURE:
                import base64

                value = "data:image/png;base64," + base64.b64encode(_png(1).read()).decode()
            answer = {"point": point.pk if point else None, "item": item.pk, "value": value}
            if item.kind == ChecklistItem.Kind.PHOTO or (item.photo_required and fails):
                key = f"p{point.pk if point else 0}-{item.pk}"
                files[key] = _png(len(files) + item.pk)
                answer["photo"] = key
                answer["note"] = "现场照片见附件" if fails else ""
            answers.append(answer)
    return answers, files


def _history(plans, crew, rng, now) -> None:
    today = timezone.localdate(now)
    dispatcher = crew.get("dispatcher")
    for offset in range(HISTORY_DAYS, -1, -1):
        day = today - dt.timedelta(days=offset)
        midnight = timezone.make_aware(dt.datetime.combine(day, dt.time(0, 5)))
        inspections.create_daily_tasks(day, now=midnight)
        for task in InspectionTask.objects.filter(day=day, state="pending").select_related("plan", "assignee"):
            if task.assignee is None:
                continue
            if offset == 0 and task.due_at > now:
                continue  # today's open rounds stay for the crew app
            if rng.random() < 0.06 and offset > 0:
                continue  # now and then a round is missed
            late = rng.random() < 0.15
            done_at = task.starts_at + dt.timedelta(
                minutes=rng.randint(20, task.plan.duration_minutes + (90 if late else -10))
            )
            if done_at > now:
                continue
            answers, files = _answers(task, rng, fail_rate=0.015)
            result = inspections.submit(
                task, task.assignee, answers, files=files, submission_id=f"demo-{task.pk:08d}",
                latitude=31.23 + rng.random() / 100, longitude=120.41 + rng.random() / 100, accuracy_m=10, now=done_at,
            )  # fmt: skip
            for ticket_id in result.tickets:
                _work(RepairTicket.objects.get(pk=ticket_id), crew, dispatcher, rng, done_at, now)


def _work(ticket, crew, dispatcher, rng, since, now) -> None:
    """Move a ticket along the repair workflow with plausible times (recent ones stay open)."""
    age = (now - since).total_seconds() / 3600
    t = since + dt.timedelta(minutes=rng.randint(10, 50))
    try:
        if dispatcher is not None and ticket.assignee_id is None:
            workflow.apply(ticket, "accept", dispatcher, now=t)
            ticket.refresh_from_db()
        assignee = ticket.assignee
        if assignee is None or age < 3:
            return
        if ticket.state == "reported":
            workflow.apply(ticket, "accept", assignee, now=t)
            ticket.refresh_from_db()
            assignee = ticket.assignee
        t += dt.timedelta(minutes=rng.randint(15, 90))
        workflow.apply(ticket, "start", assignee, now=t)
        ticket.refresh_from_db()
        if age < 20:
            return
        cost = Decimal(rng.choice([150, 380, 900, 2600, 6800]))
        ticket.estimated_cost = cost
        ticket.labour_hours = Decimal(rng.choice([1, 2, 3, 5]))
        ticket.labour_cost = ticket.labour_hours * Decimal("80")
        ticket.save(update_fields=["estimated_cost", "labour_hours", "labour_cost", "updated_at"])
        t += dt.timedelta(hours=rng.uniform(0.5, 6))
        workflow.apply(ticket, "finish", assignee, "已修复", now=t)
        ticket.refresh_from_db()
        if ticket.state == "cost_review":
            manager = crew.get("manager")
            t += dt.timedelta(hours=rng.uniform(1, 8))
            workflow.apply(ticket, "approve", manager, "同意", now=t)
            ticket.refresh_from_db()
        t += dt.timedelta(hours=rng.uniform(1, 10))
        if t < now and ticket.reported_by is not None:
            workflow.apply(ticket, "accept_work", ticket.reported_by, "验收合格", now=t)
    except WorkflowError:
        return


def _alarm_history(devices, crew, rng, now) -> None:
    """Older alarms (before the 7 days the device API accepts) through the alarm service."""
    for offset in range(HISTORY_DAYS, 7, -1):
        day = now - dt.timedelta(days=offset)
        if rng.random() < 0.5:
            device = devices[rng.choice(["gate-south-ctl", "gate-east-ctl", "cam-summit-nvr", "toilet-south-iot"])]
            began = day.replace(hour=rng.randint(8, 17), minute=rng.randint(0, 59))
            alarm, _created = alarms.raise_alarm(
                asset=device.asset, device=device, cause="offline", kind=AlarmRule.Kind.OFFLINE,
                title=f"{device.name}离线", at=began, now=began + dt.timedelta(minutes=device.offline_after_minutes),
            )  # fmt: skip
            alarms.clear(
                alarm,
                reason="设备恢复上报",
                at=began + dt.timedelta(minutes=rng.randint(15, 120)),
                now=began + dt.timedelta(hours=2),
            )


def _telemetry(devices, rng, now) -> None:
    """Six days of hourly reports: wind at the cableway (one gusty afternoon), boat batteries, heartbeats."""
    start = (now - dt.timedelta(days=6)).replace(minute=0, second=0, microsecond=0)
    hours = int((now - start).total_seconds() // 3600)
    wind, battery, beats = [], {n: [] for n in range(1, BOATS + 1)}, []
    for h in range(hours + 1):
        at = start + dt.timedelta(hours=h)
        if at > now:
            break
        local = timezone.localtime(at)
        gust = 9 if h // 24 == 3 and 13 <= local.hour <= 15 else 0
        speed = max(0.5, 4 + 3 * math.sin(local.hour / 24 * 2 * math.pi) + rng.uniform(-1, 1) + gust)
        wind.append({"type": "metric", "at": at.isoformat(), "name": "wind_speed", "value": round(speed, 1)})
        beats.append({"type": "heartbeat", "at": at.isoformat()})
        for n in battery:
            level = 100 - (local.hour - 8) * 9 if 8 <= local.hour <= 17 else 100
            battery[n].append(
                {"type": "metric", "at": at.isoformat(), "name": "battery", "value": max(5, level - n * 3)}
            )
    telemetry.ingest(devices["cw-wind"], wind, now=now)
    telemetry.ingest(
        devices["cw-drive"], beats + [{"type": "status", "at": now.isoformat(), "status": "running"}], now=now
    )
    for n, rows in battery.items():
        telemetry.ingest(devices[f"boat-{n:02d}-bms"], rows, now=now)
    for code in ("gate-south-ctl", "gate-east-ctl", "toilet-south-iot"):
        telemetry.ingest(
            devices[code], [{"type": "heartbeat", "at": (now - dt.timedelta(minutes=1)).isoformat()}], now=now
        )
    # One gate controller reports a jammed flap now: an open alarm with a repair ticket for the console.
    telemetry.ingest(
        devices["gate-east-ctl"],
        [{"type": "fault", "at": now.isoformat(), "code": "F12", "message": "摆闸电机堵转"}],
        now=now,
    )
    Device.objects.filter(pk=devices["cam-summit-nvr"].pk).update(last_seen_at=now - dt.timedelta(hours=1))
    alarms.check_offline(now=now)  # the summit camera has been silent for an hour: offline


def _positions(trackers, zones, rng, now) -> None:
    """Today's last two hours of positions along paths between places."""
    places = [
        zones[c]
        for c in ("gate-south", "temple", "cableway-lower", "pier", "lake", "theatre", "gate-east")
        if c in zones
    ]
    if len(places) < 2:
        return
    for index, tracker in enumerate(trackers):
        route = places[index % len(places) :] + places[: index % len(places)]
        fixes = []
        steps = 60
        for step in range(steps + 1):
            at = now - dt.timedelta(minutes=2 * (steps - step))
            leg = step * (len(route) - 1) / steps
            a, b = route[int(leg)], route[min(int(leg) + 1, len(route) - 1)]
            f = leg - int(leg)
            lat = float(a.latitude) + (float(b.latitude) - float(a.latitude)) * f + rng.uniform(-0.0001, 0.0001)
            lng = float(a.longitude) + (float(b.longitude) - float(a.longitude)) * f + rng.uniform(-0.0001, 0.0001)
            if tracker.kind == Tracker.Kind.BOAT:
                lat, lng = 31.2285 + 0.0015 * math.sin(step / 9 + index), 120.4190 + 0.003 * math.cos(step / 9 + index)
            fixes.append({"at": at.isoformat(), "latitude": round(lat, 6), "longitude": round(lng, 6), "accuracy": 8})
        positions.record(tracker, fixes, now=now)
