"""Demo data of the service domain (idempotent): three weeks of complaints in every state, a month of
mentions with a negative spike, resource pools, materials with stock movements, energy meters with a
month of readings (one unusual day), a closed drill and an open visitor SOS."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from scenic_ops.core.models import Zone
from scenic_ops.core.services import users_with_role
from scenic_ops.service import complaints, dispatch, incident_work, incidents, opinion, setup
from scenic_ops.service.models import (
    Complaint,
    EnergyDay,
    EnergyMeter,
    Incident,
    Material,
    Mention,
    ResourcePool,
)
from scenic_ops.workflow import services as workflow

COMPLAINTS = [
    ("sanitation", "南门厕所没有纸巾，地面很湿。", "minor"),
    ("queues", "索道排队两个小时，没有人维持秩序。", "normal"),
    ("prices", "山顶小卖部一瓶水卖十五元，太贵了。", "normal"),
    ("service", "检票员态度很差，对老人不耐烦。", "normal"),
    ("safety", "观景台护栏松动，孩子靠上去很危险。", "serious"),
    ("ticketing", "预约了上午场次，到了闸机刷不进去。", "normal"),
    ("transport", "停车场指示不清楚，绕了三圈才找到车位。", "minor"),
    ("facilities", "游客中心的充电宝都没电。", "minor"),
    ("food", "餐厅的面太咸，等了四十分钟。", "minor"),
]
SUGGESTIONS = ["建议在古寺门口增加休息座椅。", "希望增加英文导览。", "建议夜间延长观光车运营时间。"]
GOOD = [
    "风景太美了，强烈推荐！",
    "工作人员很热情，非常满意。",
    "预约入园很方便，不用排队。",
    "古寺很有特色，值得一去。",
    "索道很快，山顶景色壮观。",
]
BAD = [
    "排队太久，管理混乱。",
    "厕所很脏，失望。",
    "门票太贵，不值。",
    "停车难，乱收费。",
    "工作人员态度差，再也不来了。",
]
NEUTRAL = ["今天去了云岫山。", "请问周末需要预约吗？", "山顶有卖水的吗？"]
SOURCES = ["ctrip", "meituan", "weibo", "douyin", "xiaohongshu"]


def build(stdout) -> None:
    setup.load()
    rng = random.Random(2026)
    now = timezone.now()
    zones = list(Zone.objects.filter(active=True))
    agents = list(users_with_role("service_agent")[:3])
    manager = users_with_role("manager").first()
    if not Complaint.objects.exists():
        _complaints(rng, now, zones, agents, manager)
    if not Mention.objects.exists():
        _mentions(rng, now)
    _resources(now, zones)
    if not EnergyDay.objects.exists():
        _energy(rng, now, zones)
    if not Incident.objects.exists():
        _incidents(now, zones, manager)
    stdout.write(
        f"service demo: {Complaint.objects.count()} complaints, {Mention.objects.count()} mentions, "
        f"{Incident.objects.count()} incidents, {Material.objects.count()} materials, "
        f"{EnergyMeter.objects.count()} energy meters"
    )


def _complaints(rng, now, zones, agents, manager) -> None:
    channels = ["portal", "portal", "portal", "hotline", "12345", "12301", "counter"]
    for i in range(36):
        at = now - dt.timedelta(days=rng.randint(0, 20), hours=rng.randint(0, 8), minutes=rng.randint(0, 59))
        if i % 9 == 8:
            category, text, severity, kind = "other", rng.choice(SUGGESTIONS), "minor", "suggestion"
        else:
            category, text, severity = COMPLAINTS[i % len(COMPLAINTS)]
            kind = "complaint"
        channel = channels[i % len(channels)]
        complaint = complaints.file_complaint(
            description=text,
            kind=kind,
            channel=channel,
            category=category,
            zone=rng.choice(zones) if zones else None,
            phone=f"139{rng.randint(10000000, 99999999)}" if channel == "portal" or i % 2 else "",
            external_ref=f"GD{at:%Y%m%d}{i:04d}" if channel in ("12345", "12301") else "",
            severity=severity,
            priority="urgent" if severity == "serious" else "normal",
            now=at,
        )
        agent = complaint.handler or (agents[0] if agents else None)
        if agent is None or at > now - dt.timedelta(hours=4):
            continue
        step = at + dt.timedelta(hours=rng.randint(1, 6))
        workflow.apply(complaint, "accept", agent, now=step)
        if i % 5 == 4:
            continue  # still being investigated
        step += dt.timedelta(hours=rng.randint(2, 30))
        workflow.apply(complaint, "reply", agent, "感谢您的反馈，我们已核实并整改，给您带来不便深表歉意。", now=step)
        complaint.refresh_from_db()
        if complaint.state == "reply_review" and manager is not None:
            workflow.apply(complaint, "approve", manager, now=step + dt.timedelta(hours=1))
            complaint.refresh_from_db()
        if complaint.state == "replied" and i % 3 != 2:
            if complaint.phone_index:
                complaints.rate(complaint, rng.choice([5, 5, 4, 4, 3, 2]), now=step + dt.timedelta(hours=3))
            complaint.refresh_from_db()
            workflow.apply(complaint, "close", agent, now=step + dt.timedelta(hours=5))


def _mentions(rng, now) -> None:
    items = []
    for i in range(180):
        at = now - dt.timedelta(days=rng.randint(0, 29), hours=rng.randint(0, 23), minutes=rng.randint(0, 59))
        pool = rng.choices([GOOD, BAD, NEUTRAL], weights=[5, 3, 2])[0]
        items.append(
            {
                "source": rng.choice(SOURCES),
                "external_id": f"demo-{i}",
                "published_at": at.isoformat(),
                "text": rng.choice(pool),
                "rating": rng.choice([4, 5]) if pool is GOOD else rng.choice([1, 2]) if pool is BAD else None,
            }
        )
    for j in range(7):  # a negative spike an hour ago
        at = now - dt.timedelta(minutes=30 + j * 5)
        items.append(
            {"source": "weibo", "external_id": f"spike-{j}", "published_at": at.isoformat(), "text": BAD[j % 5]}
        )
    for start in range(0, len(items), 400):
        opinion.ingest(items[start : start + 400], now=now)
    opinion.check_spikes(now=now)


def _resources(now, zones) -> None:
    home = zones[0] if zones else None
    for code, name, kind, units in [
        ("sanitation", "保洁一班", "sanitation", 12),
        ("stewards", "游客引导员", "visitor_service", 20),
        ("security", "安保机动队", "security", 10),
        ("shuttle", "观光车队", "shuttle", 8),
        ("boats", "游船队", "boat", 6),
        ("first-aid", "医疗救护队", "medical", 4),
    ]:
        ResourcePool.objects.get_or_create(
            code=code, defaults={"name": name, "kind": kind, "units_total": units, "home_zone": home}
        )
    for code, name, unit, stock, low in [
        ("sandbag", "防汛沙袋", "袋", 400, 100),
        ("poncho", "一次性雨衣", "件", 180, 200),
        ("water", "应急饮用水", "箱", 60, 20),
        ("disinfectant", "消毒液", "瓶", 45, 10),
        ("toilet-paper", "厕纸", "卷", 300, 80),
    ]:
        material, created = Material.objects.get_or_create(
            code=code, defaults={"name": name, "unit": unit, "low_stock_level": Decimal(low)}
        )
        if created:
            dispatch.receive_stock(material, stock, note="期初库存", now=now - dt.timedelta(days=20))
            dispatch.issue_stock(material, max(1, stock // 10), note="日常领用", now=now - dt.timedelta(days=3))


def _energy(rng, now, zones) -> None:
    today = timezone.localdate(now)
    for code, name, kind, unit, base in [
        ("visitor-centre", "游客中心电表", "electricity", "kWh", 820),
        ("cableway", "索道电表", "electricity", "kWh", 2400),
        ("toilets-water", "公厕水表", "water", "m³", 35),
    ]:
        meter, _created = EnergyMeter.objects.get_or_create(
            code=code, defaults={"name": name, "kind": kind, "unit": unit, "zone": zones[0] if zones else None}
        )
        value = Decimal("10000")
        for offset in range(31, 0, -1):
            day = today - dt.timedelta(days=offset)
            used = Decimal(base) * Decimal(str(rng.uniform(0.85, 1.15)))
            if code == "toilets-water" and offset == 2:
                used *= 3  # a leak
            value += used.quantize(Decimal("0.01"))
            moment = timezone.make_aware(dt.datetime.combine(day, dt.time(23, 55)))
            dispatch.record_reading(meter, moment, value, now=now)
    for offset in range(30, 0, -1):
        dispatch.compute_day(today - dt.timedelta(days=offset), now=now)


def _incidents(now, zones, manager) -> None:
    zone = zones[0] if zones else None
    drill = incidents.raise_incident(
        "fire",
        None,
        zone=zone,
        title="消防演练：游客中心",
        is_drill=True,
        source="drill",
        reported_by=manager,
        now=now - dt.timedelta(days=7),
    )
    for task in drill.tasks.all():
        people = list(users_with_role(task.owner_role)[:1])
        if people:
            incident_work.acknowledge_task(task, people[0], now=drill.raised_at + dt.timedelta(minutes=2))
            incident_work.complete_task(task, people[0], "按预案完成", now=drill.raised_at + dt.timedelta(minutes=12))
    if manager is not None:
        incident_work.close(
            drill,
            manager,
            incident_work.draft_report(drill) + "演练顺利，疏散用时 6 分钟。",
            now=drill.raised_at + dt.timedelta(minutes=40),
        )
    sos_zone = zones[-1] if zones else None
    incidents.raise_incident(
        "medical",
        "sos:demo-1",
        latitude=sos_zone.latitude if sos_zone else None,
        longitude=sos_zone.longitude if sos_zone else None,
        title="求助：受伤或身体不适",
        description="老人在台阶处摔倒",
        source="sos",
        reporter_phone="13900001234",
        now=now - dt.timedelta(minutes=20),
    )
