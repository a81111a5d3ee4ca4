"""Ticketing desk: catalogue, capacity, orders, tickets, visitors (masked), refunds, partners."""

from scenic_ops.ticketing.admin import catalog, inventory, labels, orders, partners  # noqa: F401  (registers the admins)
