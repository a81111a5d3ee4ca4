"""Notification rules: on an event, if the condition holds, tell the recipients on their channels.

In-app notifications are rows of `Notification`; email, SMS and the WeCom robot go
through the outbox (retried, then dead letters), all in the transaction of the event.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from scenic_ops.core import outbox, pii
from scenic_ops.core.models import User
from scenic_ops.workflow import conditions, templating
from scenic_ops.workflow.models import DocumentTrack, Notification, NotificationRule
from scenic_ops.workflow.services import approvers
from scenic_ops.workflow.services.events import Event

log = logging.getLogger(__name__)


def message_names(fields: dict[str, Any]) -> list[str]:
    return [*fields, *templating.EVENT_NAMES]


def message_values(event: Event) -> dict[str, Any]:
    values = event.spec.display_values(event.document)
    track = event.track
    workflow = track.workflow if track is not None else None

    def label(code: str) -> str:
        return workflow.label_of(code) if workflow and code else code

    link = event.spec.url_of(event.document)
    base = settings.SITE.get("web", "base_url", "")
    values.update(
        {
            "document": event.spec.title_of(event.document),
            "document_type": event.spec.label,
            "state": label(track.state if track else event.to_state),
            "from_state": label(event.from_state),
            "action": event.action_label or event.action,
            "actor": str(event.actor) if event.actor is not None else "",
            "comment": event.comment,
            "link": f"{base}{link}" if link else "",
            "requester": str(track.requester) if track and track.requester_id else "",
            "assignee": str(track.assignee) if track and track.assignee_id else "",
            "due": track.resolution_due if track else None,
            "days": event.extra.get("days", ""),
            "event": event.name,
        }
    )
    return values


def _matches(rule: NotificationRule, event: Event) -> bool:
    if rule.event == "state_entered" and rule.state and rule.state != event.to_state:
        return False
    if rule.event == "transition" and rule.action and rule.action != event.action:
        return False
    if rule.event == "field_changed" and rule.field and rule.field not in event.fields:
        return False
    if rule.condition:
        try:
            return conditions.evaluate(rule.condition, event.spec.values(event.document))
        except conditions.ConditionError as exc:
            log.warning("notification rule %s: %s", rule.pk, exc.message)
            return False
    return True


def recipients(rule: NotificationRule, event: Event) -> list[User]:
    ids: set[int] = set()
    track = event.track
    if rule.recipient_roles:
        ids |= set(
            User.objects.filter(is_active=True, groups__role__code__in=rule.recipient_roles).values_list(
                "pk", flat=True
            )
        )
    ids |= set(rule.recipient_users.filter(is_active=True).values_list("pk", flat=True))
    if rule.recipient_field:
        uid = getattr(event.document, f"{rule.recipient_field}_id", None)
        if uid:
            ids.add(uid)
    if track is not None:
        if rule.to_requester and track.requester_id:
            ids.add(track.requester_id)
        if rule.to_department_head and track.department_id and track.department.head_id:
            ids.add(track.department.head_id)
        if rule.to_assignee and track.assignee_id:
            ids.add(track.assignee_id)
        if rule.to_approvers:
            ids |= next_approvers(track, event.document, event.spec, event.now)
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("pk"))


def next_approvers(track: DocumentTrack, document: Any, spec, now: dt.datetime) -> set[int]:
    """Everyone who could take an action from the document's current state (and their delegates)."""
    if track.workflow is None:
        return set()
    ctx = approvers.DocContext(document, spec, track)
    ids: set[int] = set()
    for t in track.workflow.transition_list():
        if t.from_state != track.state:
            continue
        if t.condition:
            try:
                if not conditions.evaluate(t.condition, ctx.values()):
                    continue
            except conditions.ConditionError:
                continue
        ids |= approvers.resolve_users(t, ctx)
    ids |= set(track.escalated_to.values_list("pk", flat=True))
    return approvers.with_delegates(ids, spec.key, now)


def _external_language_is_english() -> bool:
    return settings.LANGUAGE_CODE.startswith("en")


def send(rule: NotificationRule, event: Event, users: list[User] | None = None) -> int:
    """Render the rule's message for this event and queue it on every channel. Returns messages queued."""
    users = recipients(rule, event) if users is None else users
    with translation.override("zh-hans"):  # state labels and choices in the template's language
        values = message_values(event)
        subject = templating.render(rule.subject, values)[:200]
        body = templating.render(rule.message, values)
    with translation.override("en"):
        values_en = message_values(event)
        subject_en = templating.render(rule.subject_en, values_en)[:200]
        body_en = templating.render(rule.message_en, values_en)
    ext_subject, ext_body = (
        (subject_en or subject, body_en or body) if _external_language_is_english() else (subject, body)
    )
    source = f"workflow:rule:{rule.pk}"
    key = f"wf:n{rule.pk}:{event.key}:{event.name}"
    link = values.get("link", "")
    queued = 0
    for user in users:
        if rule.in_app:
            notify_in_app(
                user,
                subject,
                body,
                subject_en=subject_en,
                body_en=body_en,
                track=event.track,
                event=event.name,
                link=event.spec.url_of(event.document),
                dedupe_key=f"{key}:{user.pk}",
            )
            queued += 1
        if rule.email and user.email:
            outbox.enqueue(
                "email", user.email, subject=ext_subject, body=f"{ext_body}\n\n{link}".strip(),
                dedupe_key=f"{key}:{user.pk}:email", source=source,
            )  # fmt: skip
            queued += 1
        if rule.sms and user.phone_enc:
            phone = pii.decrypt(user.phone_enc, context="phone")
            outbox.enqueue(
                "sms", phone, body=f"{ext_subject} {ext_body}".strip()[:300],
                dedupe_key=f"{key}:{user.pk}:sms", source=source,
            )  # fmt: skip
            queued += 1
    if rule.wecom and rule.wecom_webhook:
        outbox.enqueue(
            "wecom", rule.wecom_webhook, subject=ext_subject, body=f"{ext_body}\n{link}".strip(),
            dedupe_key=f"{key}:wecom", source=source,
        )  # fmt: skip
        queued += 1
    return queued


def notify_in_app(
    user: User,
    subject: str,
    body: str = "",
    *,
    subject_en: str = "",
    body_en: str = "",
    track: DocumentTrack | None = None,
    event: str = "",
    link: str = "",
    dedupe_key: str | None = None,
) -> Notification | None:
    try:
        with transaction.atomic():
            return Notification.objects.create(
                recipient=user,
                track=track,
                event=event,
                subject=subject[:200] or _("Notification"),
                subject_en=subject_en[:200],
                body=body,
                body_en=body_en,
                link=link[:300],
                dedupe_key=dedupe_key[:190] if dedupe_key else None,
                created_at=timezone.now(),
            )
    except IntegrityError:  # already told (a job ran twice)
        return None


def on_event(event: Event) -> None:
    rules = NotificationRule.objects.filter(enabled=True, document_type=event.document_type, event=event.name)
    for rule in rules.prefetch_related("recipient_users"):
        if _matches(rule, event):
            send(rule, event)


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def mark_read(user: User, ids: list[int] | None = None, *, now: dt.datetime | None = None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=now or timezone.now())
