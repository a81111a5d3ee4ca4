"""SLA clocks: response and resolution targets in working time over the holiday calendar.

Due times are computed with `core.calendar.add_working_time` (working hours, weekends,
public holidays, 调休 working days). A pause is handled in working time too: when the
document leaves a pausing state, the working time that was left is added again from
that moment, so a pause across a weekend or a holiday costs nothing (the Frappe bug of
adding wall-clock hold time is exactly what this avoids).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from scenic_ops.core import calendar
from scenic_ops.workflow import conditions
from scenic_ops.workflow.models import DocumentTrack, SlaPolicy, WorkflowState
from scenic_ops.workflow.models.runtime import SlaStatus
from scenic_ops.workflow.registry import DocumentType


def add_time(policy: SlaPolicy, start: dt.datetime, hours: float | Decimal) -> dt.datetime:
    return calendar.add_working_time(
        start,
        float(hours),
        day_start=policy.day_start,
        day_end=policy.day_end,
        around_the_clock=policy.around_the_clock,
    )


def working_seconds(policy: SlaPolicy, start: dt.datetime, end: dt.datetime) -> float:
    """Working time between two moments, in seconds (0 if end is not after start)."""
    if end <= start:
        return 0.0
    if policy.around_the_clock:
        return (end - start).total_seconds()
    tz = timezone.get_current_timezone()
    cursor = timezone.localtime(start, tz)
    end = timezone.localtime(end, tz)
    total = 0.0
    while cursor < end:
        day = cursor.date()
        opens = timezone.make_aware(dt.datetime.combine(day, policy.day_start), tz)
        closes = timezone.make_aware(dt.datetime.combine(day, policy.day_end), tz)
        if calendar.is_working_day(day):
            begin, finish = max(cursor, opens), min(end, closes)
            if finish > begin:
                total += (finish - begin).total_seconds()
        cursor = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 0)), tz)
    return total


def choose_policy(spec: DocumentType, document: Any) -> tuple[SlaPolicy, Any] | None:
    priority = str(getattr(document, spec.priority_field, "") or "") if spec.priority_field else ""
    values = None
    for policy in SlaPolicy.objects.filter(enabled=True, document_type=spec.key).prefetch_related("targets"):
        if policy.condition:
            values = values if values is not None else spec.values(document)
            try:
                if not conditions.evaluate(policy.condition, values):
                    continue
            except conditions.ConditionError:
                continue
        targets = {t.priority: t for t in policy.targets.all()}
        target = targets.get(priority) or targets.get("")
        if target is not None:
            return policy, target
    return None


def start(track: DocumentTrack, spec: DocumentType, document: Any, now: dt.datetime) -> None:
    """Set the clocks when the document enters its workflow (the track is saved by the caller)."""
    found = choose_policy(spec, document)
    if found is None:
        return
    policy, target = found
    track.sla_policy = policy
    track.priority = target.priority
    track.sla_started_at = now
    track.response_due = add_time(policy, now, target.response_hours)
    track.resolution_due = add_time(policy, now, target.resolution_hours)
    track.warn_at = (
        add_time(policy, now, target.resolution_hours * Decimal(policy.warn_at_percent) / 100)
        if policy.warn_at_percent
        else None
    )
    track.sla_status = SlaStatus.ON_TRACK


def on_transition(
    track: DocumentTrack,
    from_state: WorkflowState | None,
    to_state: WorkflowState | None,
    now: dt.datetime,
    *,
    responded: bool = True,
) -> None:
    """The response is the first action by someone other than the requester; the resolution a final state.

    Time spent in pausing states (a draft, "waiting for parts") does not count.
    """
    policy = track.sla_policy
    if policy is None:
        return
    if track.responded_at is None and responded:
        track.responded_at = now
        if track.response_due and now > track.response_due:
            track.response_breached = True
    leaving_pause = track.paused_since is not None and not (to_state and to_state.pauses_sla)
    if leaving_pause:
        paused_at = track.paused_since
        for attr in ("response_due", "resolution_due", "warn_at"):
            due = getattr(track, attr)
            if due is None or due <= paused_at or (attr == "response_due" and track.responded_at):
                continue  # already passed before the pause: stays breached
            left = working_seconds(policy, paused_at, due)
            setattr(track, attr, add_time(policy, now, Decimal(left) / Decimal(3600)))
        track.paused_since = None
    if to_state is not None and to_state.pauses_sla and track.paused_since is None and not to_state.is_final:
        track.paused_since = now
    if to_state is not None and to_state.is_final:
        track.resolved_at = now
        if track.resolution_due and now > track.resolution_due:
            track.resolution_breached = True
    elif track.resolved_at is not None:  # reopened
        track.resolved_at = None
    track.sla_status = status(track, now)


def status(track: DocumentTrack, now: dt.datetime) -> str:
    if track.sla_policy_id is None:
        return SlaStatus.NONE
    if track.resolved_at is not None:
        return SlaStatus.MISSED if track.resolution_breached else SlaStatus.MET
    if track.paused_since is not None:
        return SlaStatus.PAUSED
    if track.resolution_breached or track.response_breached:
        return SlaStatus.BREACHED
    if track.warning_sent or (track.warn_at and now >= track.warn_at):
        return SlaStatus.AT_RISK
    return SlaStatus.ON_TRACK
