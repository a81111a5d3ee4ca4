"""Demo scenic area: a Jiangsu 5A-style mountain-and-lake site (idempotent)."""

from __future__ import annotations

from decimal import Decimal

from scenic_ops.core import roles, services
from scenic_ops.core.models import Department, Zone

DEMO_PASSWORD = "Scenic@2026demo"
ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "Scenic@2026admin"

ZONES = [
    # code, name, English, kind, area m², m²/person, instantaneous capacity, lat, lng
    ("gate-south", "南山门", "South Gate", "entrance", 6000, "2.0", 3000, "31.2301", "120.4102"),
    ("gate-east", "东山门", "East Gate", "entrance", 3000, "2.0", 1500, "31.2355", "120.4260"),
    ("summit", "主峰", "Main Peak", "spot", 40000, "20.0", 2000, "31.2410", "120.4180"),
    ("temple", "古寺", "Ancient Temple", "spot", 18000, "15.0", 1200, "31.2365", "120.4150"),
    ("lake", "湖区", "Lake District", "area", 120000, "60.0", 2000, "31.2280", "120.4200"),
    ("cableway-lower", "索道下站", "Cableway Lower Station", "station", 2500, "2.5", 1000, "31.2330", "120.4170"),
    ("cableway-upper", "索道上站", "Cableway Upper Station", "station", 1500, "2.5", 600, "31.2400", "120.4175"),
    ("pier", "游船码头", "Boat Pier", "station", 2000, "2.5", 800, "31.2270", "120.4150"),
    ("theatre", "山水剧场", "Landscape Theatre", "spot", 3000, "1.5", 2000, "31.2310", "120.4230"),
    ("parking-p1", "P1停车场", "Car Park P1", "parking", 0, "0", 0, "31.2290", "120.4080"),
    ("parking-p2", "P2停车场", "Car Park P2", "parking", 0, "0", 0, "31.2360", "120.4290"),
]

DEPARTMENTS = [
    ("office", "综合办公室", "General Office"),
    ("ticketing", "票务中心", "Ticketing Centre"),
    ("service", "游客服务中心", "Visitor Service Centre"),
    ("engineering", "工程运维部", "Engineering and Maintenance"),
    ("security", "安全保卫部", "Security"),
    ("operations", "运营调度中心", "Operations Dispatch Centre"),
    ("finance", "财务部", "Finance"),
    ("marketing", "市场营销部", "Marketing and Shop"),
    ("it", "信息中心", "Information Centre"),
]

STAFF = [
    # username, name, role, department, employee no
    ("sysadmin", "王建国", "sysadmin", "it", "YX0001"),
    ("manager", "李慧敏", "manager", "office", "YX0002"),
    ("ticket_clerk", "张丽", "ticket_clerk", "ticketing", "YX0101"),
    ("gate_checker", "刘强", "gate_checker", "ticketing", "YX0102"),
    ("service_agent", "陈静", "service_agent", "service", "YX0201"),
    ("engineer", "赵磊", "engineer", "engineering", "YX0301"),
    ("inspector", "孙浩", "inspector", "engineering", "YX0302"),
    ("security", "周勇", "security", "security", "YX0401"),
    ("dispatcher", "吴婷", "dispatcher", "operations", "YX0501"),
    ("finance", "郑芳", "finance", "finance", "YX0601"),
    ("shop_operator", "冯雪", "shop_operator", "marketing", "YX0701"),
    ("training_admin", "何敏", "training_admin", "office", "YX0003"),
    ("security_auditor", "马骏", "security_auditor", "it", "YX0004"),
    ("security_admin", "林涛", "security_admin", "it", "YX0005"),
]


def build(stdout) -> None:
    roles.sync_roles()
    services.ensure_site_profile()
    zones = {}
    for order, (code, name, en, kind, area, per, cap, lat, lng) in enumerate(ZONES):
        zones[code], _ = Zone.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": en,
                "kind": kind,
                "area_m2": area,
                "space_per_person_m2": Decimal(per),
                "instant_capacity": cap,
                "latitude": Decimal(lat),
                "longitude": Decimal(lng),
                "sort_order": order,
            },
        )
    departments = {}
    for code, name, en in DEPARTMENTS:
        departments[code], _ = Department.objects.update_or_create(code=code, defaults={"name": name, "name_en": en})
    for index, (username, name, role, dept, number) in enumerate(STAFF):
        user = services.upsert_staff(
            username,
            password=DEMO_PASSWORD,
            display_name=name,
            roles=[role],
            department=departments[dept],
            employee_no=number,
            phone=f"1390512{index:04d}",
        )
        if role in ("engineer", "inspector", "security", "dispatcher"):
            user.zones.set([zones["summit"], zones["temple"], zones["cableway-lower"], zones["lake"]])
    managers = services.users_with_role("manager")
    for dept in departments.values():
        if dept.head is None:
            dept.head = managers.first()
            dept.save()
    services.upsert_staff(
        ADMIN_USERNAME,
        password=ADMIN_PASSWORD,
        display_name="管理员",
        roles=["sysadmin"],
        superuser=True,
        department=departments["it"],
    )
    stdout.write(f"demo: {len(ZONES)} zones, {len(DEPARTMENTS)} departments, {len(STAFF)} staff users")


def print_logins(base_url: str) -> None:
    from scenic_ops.core.models import User

    print(f"\n  scenic-ops is starting on {base_url}/admin/  (health: {base_url}/healthz, API: {base_url}/api/docs/)")
    if User.objects.filter(username=ADMIN_USERNAME).exists():
        print(f"  admin login:  {ADMIN_USERNAME} / {ADMIN_PASSWORD}")
        print(f"  role logins:  {', '.join(s[0] for s in STAFF)}  (password {DEMO_PASSWORD})\n")
