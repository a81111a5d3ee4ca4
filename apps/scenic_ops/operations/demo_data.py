"""What the operations demo site has: its assets, crew, checklists and inspection plans (`demo` builds them)."""

from __future__ import annotations

ASSETS = [
    # code, name, English, category, zone, parent, lat, lng
    ("gate-south-1", "南山门闸机1号", "South Gate turnstile 1", "gate", "gate-south", None, "31.23015", "120.41005"),
    ("gate-south-2", "南山门闸机2号", "South Gate turnstile 2", "gate", "gate-south", None, "31.23015", "120.41015"),
    ("gate-south-3", "南山门闸机3号", "South Gate turnstile 3", "gate", "gate-south", None, "31.23015", "120.41025"),
    ("gate-south-4", "南山门闸机4号", "South Gate turnstile 4", "gate", "gate-south", None, "31.23015", "120.41035"),
    ("gate-east-1", "东山门闸机1号", "East Gate turnstile 1", "gate", "gate-east", None, "31.23545", "120.42595"),
    ("gate-east-2", "东山门闸机2号", "East Gate turnstile 2", "gate", "gate-east", None, "31.23555", "120.42605"),
    ("cam-gate-south", "南山门监控", "South Gate camera", "camera", "gate-south", None, "31.2302", "120.4104"),
    ("cam-summit", "主峰观景台监控", "Main Peak camera", "camera", "summit", None, "31.2409", "120.4181"),
    ("cam-temple", "古寺监控", "Temple camera", "camera", "temple", None, "31.2366", "120.4149"),
    ("cam-pier", "码头监控", "Pier camera", "camera", "pier", None, "31.2271", "120.4151"),
    (
        "cableway",
        "云岫山客运索道",
        "Yunxiu passenger cableway",
        "cableway",
        "cableway-lower",
        None,
        "31.2330",
        "120.4170",
    ),
    ("toilet-south", "南山门智慧厕所", "South Gate smart toilet", "toilet", "gate-south", None, "31.2298", "120.4110"),
    ("toilet-summit", "主峰智慧厕所", "Main Peak smart toilet", "toilet", "summit", None, "31.2407", "120.4185"),
    ("toilet-lake", "湖区智慧厕所", "Lake smart toilet", "toilet", "lake", None, "31.2283", "120.4190"),
]
CABINS = 12
BOATS = 4
BUSES = 3
CREW = [
    # username, name, role, skills, employee no
    ("engineer2", "钱卫东", "engineer", ["mechanical", "electrical"], "YX0303"),
    ("engineer3", "孔祥", "engineer", ["network", "electrical"], "YX0304"),
    ("inspector2", "林晓", "inspector", [], "YX0305"),
]
TEMPLATES = {
    "闸机日检": (
        "Turnstile daily check",
        [
            {"label": "闸机通行正常", "label_en": "Passage works", "kind": "yes_no", "photo_required": True},
            {
                "label": "刷码/刷证识读正常",
                "label_en": "QR and ID readers work",
                "kind": "yes_no",
                "photo_required": True,
            },
            {
                "label": "供电电压",
                "label_en": "Supply voltage",
                "kind": "number",
                "min_value": 0,
                "max_value": 400,
                "pass_min": 210,
                "pass_max": 235,
                "unit": "V",
            },
            {"label": "备注", "label_en": "Remarks", "kind": "text", "required": False},
        ],
    ),
    "索道开机前检查": (
        "Cableway pre-start check",
        [
            {
                "label": "风速",
                "label_en": "Wind speed",
                "kind": "number",
                "min_value": 0,
                "max_value": 60,
                "pass_max": 15,
                "unit": "m/s",
                "ticket_priority": "urgent",
            },
            {
                "label": "工作制动器和紧急制动器正常",
                "label_en": "Service and emergency brakes work",
                "kind": "yes_no",
                "photo_required": True,
                "ticket_priority": "urgent",
            },
            {
                "label": "钢丝绳无断丝、无异常磨损",
                "label_en": "Rope: no broken wires or unusual wear",
                "kind": "yes_no",
                "photo_required": True,
                "ticket_priority": "urgent",
            },
            {
                "label": "吊厢门锁闭可靠",
                "label_en": "Cabin doors lock",
                "kind": "yes_no",
                "photo_required": True,
                "ticket_priority": "high",
            },
            {
                "label": "空载试运行",
                "label_en": "Empty test run",
                "kind": "choice",
                "choices": ["正常", "有异响", "停车"],
                "failing_choices": ["有异响", "停车"],
            },
            {
                "label": "值班站长签字",
                "label_en": "Station master's signature",
                "kind": "signature",
                "opens_ticket": False,
            },
        ],
    ),
    "游船日检": (
        "Boat daily check",
        [
            {
                "label": "救生衣数量齐全",
                "label_en": "Life jackets complete",
                "kind": "yes_no",
                "photo_required": True,
                "ticket_priority": "high",
            },
            {
                "label": "电池电量",
                "label_en": "Battery charge",
                "kind": "number",
                "min_value": 0,
                "max_value": 100,
                "pass_min": 60,
                "unit": "%",
            },
            {
                "label": "船体无渗漏",
                "label_en": "No hull leaks",
                "kind": "yes_no",
                "photo_required": True,
                "ticket_priority": "urgent",
            },
        ],
    ),
    "厕所巡查": (
        "Toilet round",
        [
            {
                "label": "卫生状况",
                "label_en": "Cleanliness",
                "kind": "choice",
                "choices": ["好", "一般", "差"],
                "failing_choices": ["差"],
            },
            {
                "label": "设施完好（水龙头、冲水、照明）",
                "label_en": "Fittings work (taps, flush, light)",
                "kind": "yes_no",
                "photo_required": True,
            },
            {"label": "现场照片", "label_en": "Photo", "kind": "photo", "required": False},
        ],
    ),
}
PLANS = [
    # name, English, template, frequency, weekdays, start, minutes, role, zone, route
    ("南山门闸机日检", "South Gate turnstiles", "闸机日检", "daily", [], "07:30", 90, "inspector", "gate-south",
     ["gate-south-1", "gate-south-2", "gate-south-3", "gate-south-4"]),
    ("东山门闸机日检", "East Gate turnstiles", "闸机日检", "daily", [], "07:40", 60, "inspector", "gate-east",
     ["gate-east-1", "gate-east-2"]),
    ("索道开机前检查", "Cableway pre-start", "索道开机前检查", "daily", [], "07:00", 60, "engineer", "cableway-lower",
     ["cableway"]),
    ("游船码头巡检", "Pier and boats", "游船日检", "daily", [], "08:00", 90, "inspector", "pier",
     [f"boat-{n:02d}" for n in range(1, BOATS + 1)]),
    ("厕所巡查", "Toilet round", "厕所巡查", "daily", [], "10:00", 180, "inspector", None,
     ["toilet-south", "toilet-lake", "toilet-summit"]),
    ("索道吊厢周检", "Cabins weekly", "索道开机前检查", "weekly", [1], "06:30", 120, "engineer", "cableway-lower",
     [f"cabin-{n:02d}" for n in range(1, 4)]),
]  # fmt: skip
