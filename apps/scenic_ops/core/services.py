"""Platform services: site profile, staff accounts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction

from scenic_ops.core import pii
from scenic_ops.core.models import Department, Role, SiteProfile, User

PROFILE_FIELDS = (
    "name",
    "name_en",
    "grade",
    "operator",
    "credit_code",
    "province",
    "city",
    "address",
    "website",
    "max_instant_capacity",
    "max_daily_capacity",
    "open_ratio_percent",
)


def site_profile() -> SiteProfile:
    profile = SiteProfile.objects.order_by("pk").first()
    return profile if profile is not None else ensure_site_profile()


def ensure_site_profile() -> SiteProfile:
    """The one SiteProfile row, created from the site config's [profile] section when missing."""
    existing = SiteProfile.objects.order_by("pk").first()
    if existing is not None:
        return existing
    data = settings.SITE.data.get("profile", {})
    values = {key: data[key] for key in PROFILE_FIELDS if key in data}
    for key in ("opening_time", "closing_time"):
        if key in data:
            values[key] = dt.time.fromisoformat(data[key])
    if "mean_visit_hours" in data:
        values["mean_visit_hours"] = Decimal(str(data["mean_visit_hours"]))
    values.setdefault("name", settings.SITE_NAME)
    return SiteProfile.objects.create(**values)


@transaction.atomic
def upsert_staff(
    username: str,
    *,
    password: str | None = None,
    display_name: str = "",
    roles: list[str] = (),
    department: Department | None = None,
    employee_no: str = "",
    phone: str = "",
    superuser: bool = False,
    skills: list[str] | None = None,
) -> User:
    user = User.objects.filter(username=username).first() or User(username=username)
    user.display_name = display_name or user.display_name
    user.employee_no = employee_no or user.employee_no
    user.department = department or user.department
    user.is_staff = True
    user.is_superuser = superuser
    if skills is not None:
        user.skills = skills
    if phone:
        pii.assign(user, "phone", phone, kind="phone")
    if password:
        user.set_password(password)
    user.save()
    if roles:
        groups = Group.objects.filter(role__code__in=list(roles))
        user.groups.set(groups)
    return user


def users_with_role(code: str):
    return User.objects.filter(is_active=True, groups__role__code=code).distinct()


def role(code: str) -> Role:
    return Role.objects.select_related("group").get(code=code)
