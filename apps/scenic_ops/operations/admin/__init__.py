"""The operations desk: assets and devices, alarm console, inspections, repair tickets, dispatch, live map."""

from scenic_ops.operations.admin import alarms, assets, dispatching, inspections, labels, repairs  # noqa: F401
