"""Operations services: every state change of the domain, as plain functions.

Other domains call these (never the tables):
- repairs.report(title=..., asset=..., source=..., reported_by=...)   — open a repair ticket
- telemetry.ingest(device, records)                                    — device reports
- alarms.acknowledge(alarm, user), alarms.clear(alarm, ...)            — alarm console
- inspections.create_daily_tasks(day), inspections.submit(task, ...)   — inspection rounds
- positions.record(tracker, fixes), dispatch.nearest_crew(...), dispatch.call(...)
"""
