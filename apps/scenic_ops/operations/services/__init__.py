"""Operations services: every state change of the domain, as plain functions.

Other domains call these (never the tables):
- repairs.report(title=..., asset=..., source=..., reported_by=...)   — open a repair ticket
- telemetry.ingest(device, records)                                    — device reports
- alarms.acknowledge(alarm, user), alarms.clear(alarm, ...)            — alarm console
- inspections.create_daily_tasks(day), inspections.submit(task, ...)   — inspection rounds
- positions.record(tracker, fixes), crew_calls.nearest_crew(...), crew_calls.call(...)  — crew calls (定位调度)
"""
