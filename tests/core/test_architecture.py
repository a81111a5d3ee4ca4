"""The architecture holds: one door per domain, raw SQL only in a domain's sql.py, no SQL naming
another domain's tables, and the layers of `.importlinter` (lint-imports).

A new domain copies the pattern: it imports other domains only through their public modules
(`DOORS`), keeps its raw SQL in its own `sql.py`, and reacts to other domains through `core.hooks`.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PACKAGE = ROOT / "apps" / "scenic_ops"
DOMAINS = ("core", "workflow", "ticketing", "access", "flow", "operations", "service")
FUTURE = ("shop", "governance", "insights", "portal")
# What other domains may import of a domain. The platform (core) is open to every domain.
DOORS = {
    "workflow": {"services", "selectors", "registry", "setup", "admin", "errors"},
    "ticketing": {"services", "selectors", "gate", "catalog", "tokens", "idcard", "errors"},
    "access": {"services", "selectors", "errors"},
    "flow": {"services", "selectors", "errors"},
    "operations": {"services", "selectors", "errors"},
    "service": {"services", "selectors", "errors"},
    **{name: {"services", "selectors", "errors"} for name in FUTURE},
}
TABLE = re.compile(r"\b(" + "|".join(DOMAINS + FUTURE) + r")_[a-z0-9_]+\b")
SQL = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|REPLACE)\b.*\b(FROM|INTO|SET|VALUES)\b", re.S)


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if "migrations" in relative.parts or len(relative.parts) < 2:
            continue
        yield relative.parts[0], relative, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _imports(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("scenic_ops."):
            parts = node.module.split(".")
            if len(parts) == 2:  # from scenic_ops.ticketing import gate, tokens
                for alias in node.names:
                    yield node.lineno, parts[1], alias.name
            else:
                yield node.lineno, parts[1], parts[2]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "scenic_ops" and len(parts) > 2:
                    yield node.lineno, parts[1], parts[2]


def _strings(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value
        elif isinstance(node, ast.JoinedStr):
            text = "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
            yield node.lineno, text


def test_domains_use_each_other_only_through_their_doors():
    broken = []
    for domain, relative, tree in _modules():
        for line, target, module in _imports(tree):
            if target in (domain, "core", "conf") or target not in DOORS:
                continue
            if module not in DOORS[target]:
                broken.append(f"{relative}:{line} imports scenic_ops.{target}.{module}")
    assert broken == [], "use the other domain's public modules (DOORS):\n" + "\n".join(broken)


def test_no_sql_names_another_domains_tables():
    broken = []
    for domain, relative, tree in _modules():
        for line, text in _strings(tree):
            if not SQL.search(text):
                continue
            for table in TABLE.finditer(text):
                if table.group(1) != domain:
                    broken.append(f"{relative}:{line} names {table.group(0)}")
    assert broken == [], "ask the owning domain (its gate/services/sql fragments):\n" + "\n".join(broken)


def test_raw_sql_lives_only_in_a_domains_sql_module():
    allowed = {"sql.py", "sqlblock.py"}
    broken = []
    for _domain, relative, tree in _modules():
        if relative.name in allowed:
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("execute", "executemany", "raw")
                and node.args
                and not (isinstance(node.args[0], ast.Name) and node.args[0].id == "name")
            ):
                broken.append(f"{relative}:{node.lineno} .{node.func.attr}(…)")
    assert broken == [], "move raw SQL into the domain's sql.py:\n" + "\n".join(broken)


def test_every_domain_has_a_services_module():
    missing = [
        name
        for name in DOMAINS
        if not (PACKAGE / name / "services.py").exists() and not (PACKAGE / name / "services").is_dir()
    ]
    assert missing == []


def test_every_hook_listened_to_is_defined():
    from scenic_ops.core import hooks

    assert hooks.undefined() == []
    wiring = {name: [f.__module__ for f in hook.listeners] for name, hook in hooks.catalogue().items()}
    assert "scenic_ops.ticketing.hooks" in wiring["flow.sales_halt_changed"]
    assert "scenic_ops.service.hooks" in wiring["flow.level_changed"]
    assert {"scenic_ops.service.hooks", "scenic_ops.flow.hooks"} <= set(wiring["operations.alarm_raised"])


@pytest.mark.slow
def test_the_import_layers_hold():
    """`.importlinter`: domains depend only downwards; flow, operations and service never on each other."""
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "lint-imports"), "--no-cache"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT / "apps")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-3000:]
