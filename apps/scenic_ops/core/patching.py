"""Data patches (Frappe's patches.txt): an ordered list of modules, each run once."""

from __future__ import annotations

from importlib import import_module

from django.db import transaction

from scenic_ops.conf import ROOT
from scenic_ops.core.models import PatchRun

PATCH_LIST = ROOT / "patches" / "patches.txt"


def listed() -> list[str]:
    lines = PATCH_LIST.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def pending() -> list[str]:
    done = set(PatchRun.objects.values_list("name", flat=True))
    return [name for name in listed() if name not in done]


def run_pending(log=print) -> list[str]:
    applied = []
    for name in pending():
        with transaction.atomic():
            import_module(name).execute()
            PatchRun.objects.create(name=name)
        log(f"patch applied: {name}")
        applied.append(name)
    return applied
