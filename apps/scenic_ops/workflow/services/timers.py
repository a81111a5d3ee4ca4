"""Time-driven work, run by the scheduled jobs in workflow/jobs.py (each idempotent).

- `check_sla`: warn when a document reaches its warning point, mark breaches of the
  response and resolution targets, and emit events that notification rules turn into messages.
- `check_escalations`: a document waiting in a state longer than an escalation rule
  allows is handed to the next level (they may act on it from then on) and they are told.
- `send_date_reminders`: "N days before/after a date field" notification rules.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from scenic_ops.core import calendar
from scenic_ops.core.models import User
from scenic_ops.workflow import conditions, registry
from scenic_ops.workflow.models import ApprovalEntry, DocumentTrack, EscalationRule, NotificationRule
from scenic_ops.workflow.services import notifications, sla
from scenic_ops.workflow.services.events import Event, emit

# --- SLA -------------------------------------------------------------------------


def check_sla(now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    due = DocumentTrack.objects.filter(is_open=True, sla_policy__isnull=False, paused_since__isnull=True).filter(
        Q(response_due__lte=now, responded_at__isnull=True, response_breached=False)
        | Q(resolution_due__lte=now, resolution_breached=False)
        | Q(warn_at__lte=now, warning_sent=False)
    )
    counts = {"warning": 0, "response": 0, "resolution": 0}
    for track_id in due.values_list("pk", flat=True)[:1000]:
        for kind in _sla_step(track_id, now):
            counts[kind] += 1
    return counts


@transaction.atomic
def _sla_step(track_id: int, now: dt.datetime) -> list[str]:
    track = DocumentTrack.objects.select_for_update().filter(pk=track_id, is_open=True).first()
    if track is None or track.paused_since is not None or track.sla_policy_id is None:
        return []
    track = DocumentTrack.objects.select_related("workflow", "requester", "department", "assignee").get(pk=track_id)
    fired: list[tuple[str, str]] = []
    if track.responded_at is None and track.response_due and track.response_due <= now and not track.response_breached:
        track.response_breached = True
        fired.append(("sla_breached", "response"))
    if track.resolution_due and track.resolution_due <= now and not track.resolution_breached:
        track.resolution_breached = True
        fired.append(("sla_breached", "resolution"))
    if track.warn_at and track.warn_at <= now and not track.warning_sent:
        track.warning_sent = True
        if not track.resolution_breached:
            fired.append(("sla_warning", "resolution"))
    if not fired:
        return []
    track.sla_status = sla.status(track, now)
    track.save()
    document = track.document()
    spec = registry.of(document)
    for name, kind in fired:
        label = {
            ("sla_warning", "resolution"): _("SLA at risk: resolution due %(due)s"),
            ("sla_breached", "response"): _("SLA breached: response was due %(due)s"),
            ("sla_breached", "resolution"): _("SLA breached: resolution was due %(due)s"),
        }[(name, kind)]
        due = track.response_due if kind == "response" else track.resolution_due
        entry = ApprovalEntry.objects.create(
            track=track,
            kind=ApprovalEntry.Kind.SLA,
            round=track.round,
            action=name,
            action_label=(label % {"due": timezone.localtime(due).strftime("%m-%d %H:%M")})[:60],
            from_state=track.state,
            from_label=track.stored_state_label,
            to_state=track.state,
            to_label=track.stored_state_label,
            actor_name=_("SLA check"),
            at=now,
        )
        if spec is not None:
            emit(
                Event(
                    name,
                    document=document,
                    spec=spec,
                    track=track,
                    now=now,
                    key=f"e{entry.pk}",
                    to_state=track.state,
                    extra={"sla": kind},
                )
            )
    return [kind if name == "sla_breached" else "warning" for name, kind in fired]


# --- escalation ------------------------------------------------------------------


def escalation_due(rule: EscalationRule, entered_at: dt.datetime) -> dt.datetime:
    if rule.working_hours:
        return calendar.add_working_time(entered_at, float(rule.after_hours))
    return entered_at + dt.timedelta(hours=float(rule.after_hours))


def check_escalations(now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    escalated = 0
    for rule in EscalationRule.objects.filter(enabled=True).order_by("after_hours"):
        earliest = now - dt.timedelta(hours=float(rule.after_hours))  # working-time limits end later, never earlier
        candidates = DocumentTrack.objects.filter(
            is_open=True, document_type=rule.document_type, state=rule.state, state_entered_at__lte=earliest
        ).values_list("pk", "state_entered_at", "escalations_fired")
        for track_id, entered_at, fired in candidates[:1000]:
            if rule.pk in (fired or []) or escalation_due(rule, entered_at) > now:
                continue
            escalated += escalate(track_id, rule, now)
    return escalated


@transaction.atomic
def escalate(track_id: int, rule: EscalationRule, now: dt.datetime) -> int:
    track = DocumentTrack.objects.select_for_update().filter(pk=track_id).first()
    if track is None or not track.is_open or track.state != rule.state or rule.pk in (track.escalations_fired or []):
        return 0
    track = DocumentTrack.objects.select_related("workflow", "requester", "department", "assignee").get(pk=track_id)
    document = track.document()
    spec = registry.of(document)
    if spec is None:
        return 0
    targets = _escalation_targets(rule, track, document, spec, now)
    track.escalations_fired = [*(track.escalations_fired or []), rule.pk]
    track.escalation_level += 1
    track.save()
    if targets:
        track.escalated_to.add(*targets)
    names = ", ".join(str(u) for u in targets) or _("nobody (no one found at the next level)")
    waited = rule.after_hours.normalize() if isinstance(rule.after_hours, Decimal) else rule.after_hours
    entry = ApprovalEntry.objects.create(
        track=track,
        kind=ApprovalEntry.Kind.ESCALATE,
        round=track.round,
        action="escalate",
        action_label=(_("Escalated (level %(level)d)") % {"level": track.escalation_level})[:60],
        from_state=track.state,
        from_label=track.stored_state_label,
        to_state=track.state,
        to_label=track.stored_state_label,
        actor_name=_("escalation rule"),
        comment=_("Waiting longer than %(hours)s hours (%(rule)s); handed to %(names)s.")
        % {"hours": waited, "rule": rule.name, "names": names},
        at=now,
    )
    for user in targets:
        notifications.notify_in_app(
            user,
            _("Escalated to you: %(document)s") % {"document": track.title},
            _("It has waited in “%(state)s” longer than %(hours)s hours. You may now act on it.")
            % {"state": track.state_label, "hours": waited},
            track=track,
            event="escalated",
            link=spec.url_of(document),
            dedupe_key=f"wf:esc:{entry.pk}:{user.pk}",
        )
    emit(
        Event(
            "escalated",
            document=document,
            spec=spec,
            track=track,
            now=now,
            key=f"e{entry.pk}",
            to_state=track.state,
            extra={"level": track.escalation_level, "to": names},
        )
    )
    return 1


def _escalation_targets(rule: EscalationRule, track: DocumentTrack, document, spec, now) -> list[User]:
    ids: set[int] = set()
    if rule.to_approvers_managers:
        waiting = notifications.next_approvers(track, document, spec, now)
        ids |= {m for m in User.objects.filter(pk__in=waiting).values_list("manager_id", flat=True) if m}
    if rule.to_roles:
        ids |= set(
            User.objects.filter(is_active=True, groups__role__code__in=rule.to_roles).values_list("pk", flat=True)
        )
    ids |= set(rule.to_users.filter(is_active=True).values_list("pk", flat=True))
    if rule.to_department_head and track.department_id and track.department.head_id:
        ids.add(track.department.head_id)
    if track.requester_id:
        ids.discard(track.requester_id)  # never hand a document to the person who raised it
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("pk"))


# --- date reminders ----------------------------------------------------------------


def send_date_reminders(now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    today = timezone.localdate(now)
    sent = 0
    rules = NotificationRule.objects.filter(enabled=True, event__in=["days_before", "days_after"]).exclude(field="")
    for rule in rules.prefetch_related("recipient_users"):
        spec = registry.get(rule.document_type)
        if spec is None:
            continue
        offset = dt.timedelta(days=rule.days)
        target = today + offset if rule.event == "days_before" else today - offset
        field = spec.model._meta.get_field(rule.field)
        lookup = f"{rule.field}__date" if field.get_internal_type() == "DateTimeField" else rule.field
        for document in spec.model._default_manager.filter(**{lookup: target})[:2000]:
            track = _track_of(document)
            if track is not None and not track.is_open:
                continue
            if rule.condition:
                try:
                    if not conditions.evaluate(rule.condition, spec.values(document)):
                        continue
                except conditions.ConditionError:
                    continue
            with transaction.atomic():
                event = Event(
                    rule.event,
                    document=document,
                    spec=spec,
                    track=track,
                    now=now,
                    key=f"d{document.pk}:{today.isoformat()}",
                    extra={"days": rule.days},
                )
                sent += notifications.send(rule, event)
    return sent


def _track_of(document) -> DocumentTrack | None:
    from scenic_ops.workflow.services.engine import track_of

    return track_of(document)
