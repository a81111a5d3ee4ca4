"""Roles and their permission matrix, loaded from fixtures/ (idempotent; re-sync on every load)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from scenic_ops.conf import ROOT
from scenic_ops.core.models import Role

FIXTURES = ROOT / "fixtures"
LETTERS = {"v": "view", "a": "add", "c": "change", "d": "delete"}


@dataclass
class Matrix:
    roles: list[dict[str, str]]
    # role code -> set of "app_label.codename"
    grants: dict[str, set[str]] = field(default_factory=dict)
    # "app_label.model" -> role code -> letters (for table-driven tests)
    models: dict[str, dict[str, str]] = field(default_factory=dict)


def load_matrix(folder: Path = FIXTURES) -> Matrix:
    roles = tomllib.loads((folder / "roles.toml").read_text(encoding="utf-8"))["role"]
    codes = {r["code"] for r in roles}
    matrix = Matrix(roles=roles, grants={code: set() for code in codes})
    for path in sorted((folder / "permissions").glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for key, table in data.items():
            if key == "extra":
                for role, perms in table.items():
                    _check_role(role, codes, path)
                    matrix.grants[role].update(perms)
                continue
            app_label, _, model = key.partition(".")
            entry = matrix.models.setdefault(key, {})
            for role, letters in table.items():
                _check_role(role, codes, path)
                unknown = set(letters) - set(LETTERS)
                if unknown:
                    raise ValueError(f"{path.name}: {key}.{role}: unknown letters {sorted(unknown)}")
                entry[role] = "".join(sorted(set(entry.get(role, "")) | set(letters)))
                matrix.grants[role].update(f"{app_label}.{LETTERS[ch]}_{model}" for ch in letters)
    return matrix


def _check_role(role: str, codes: set[str], path: Path) -> None:
    if role not in codes:
        raise ValueError(f"{path.name}: unknown role {role!r}; known roles are in fixtures/roles.toml")


def _permission(perm: str) -> Permission | None:
    app_label, _, codename = perm.partition(".")
    try:
        apps.get_app_config(app_label)
    except LookupError:
        return None
    return Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()


@transaction.atomic
def sync_roles(folder: Path = FIXTURES) -> dict[str, int]:
    """Create the groups and set each one's permissions to exactly what the matrix grants."""
    ContentType.objects.clear_cache()
    matrix = load_matrix(folder)
    counts: dict[str, int] = {}
    missing: list[str] = []
    for spec in matrix.roles:
        role = Role.objects.filter(code=spec["code"]).select_related("group").first()
        if role is None:
            group, _ = Group.objects.get_or_create(name=spec["name"])
            role = Role.objects.create(code=spec["code"], group=group, name_en=spec["name_en"])
        group = role.group
        if group.name != spec["name"]:
            group.name = spec["name"]
            group.save(update_fields=["name"])
        role.name_en = spec["name_en"]
        role.description = spec.get("description", "")
        role.save()
        perms = []
        for perm in sorted(matrix.grants[spec["code"]]):
            found = _permission(perm)
            if found is None:
                missing.append(perm)
            else:
                perms.append(found)
        group.permissions.set(perms)
        counts[spec["code"]] = len(perms)
    if missing:
        raise ValueError(f"permissions named in fixtures do not exist: {', '.join(sorted(set(missing)))}")
    return counts
