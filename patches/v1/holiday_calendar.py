"""Seed the holiday table (2004–2026, with 调休 working days) from the chinese-calendar package."""

from scenic_ops.core import calendar


def execute() -> None:
    calendar.seed_from_package()
