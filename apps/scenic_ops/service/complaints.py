"""Complaints and feedback: filed by visitors or staff, moved by the complaint workflow, answered
through the outbox, rated by the visitor.

The default workflow (fixtures/workflows/complaint.toml) decides who may accept, reply, approve
and close, and its SLA policy holds the time limits (editable in the desk: 流程与审批 → SLA). This
module creates complaints, keeps photos and replies, reacts to the engine's events
(`on_workflow_event`) and lets visitors follow their complaint with their phone number and code.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from scenic_ops.core import audit, outbox, pii
from scenic_ops.core.models import AuditEvent, User
from scenic_ops.service import messaging
from scenic_ops.service.common import (
    MAX_PHOTOS,
    check_length,
    check_photo,
    choice,
    clean_text,
    mask_email,
    new_code,
    normalise_email,
    normalise_phone,
    zone_of,
)
from scenic_ops.service.errors import ServiceCode, ServiceError
from scenic_ops.service.models import Complaint, ComplaintCategory, ComplaintPhoto, ComplaintReply
from scenic_ops.service.models.complaints import SUBJECT_MAX, TEXT_MAX
from scenic_ops.workflow import services as workflow

VISITOR_CHANNELS = (Complaint.Channel.PORTAL,)
OPEN_STATES = ("received", "investigating", "waiting_visitor", "reply_review")
CODE_LEN = 12


def _category(value: Any) -> ComplaintCategory | None:
    if value in (None, ""):
        return None
    if isinstance(value, ComplaintCategory):
        return value
    text = clean_text(value)
    found = ComplaintCategory.objects.filter(code=text).first()
    if found is None and text.isdigit():
        found = ComplaintCategory.objects.filter(pk=int(text)).first()
    if found is None:
        raise ServiceError(ServiceCode.INVALID_CHOICE, value=text[:40], field=pgettext("complaint", "category"))
    return found


def file_complaint(
    *,
    description: Any,
    subject: Any = "",
    kind: str = Complaint.Kind.COMPLAINT,
    channel: str = Complaint.Channel.PORTAL,
    category: Any = None,
    zone: Any = None,
    phone: Any = "",
    name: Any = "",
    email: Any = "",
    order_ref: Any = "",
    ticket_ref: Any = "",
    asset_ref: Any = "",
    external_ref: Any = "",
    visit_date: dt.date | None = None,
    severity: str = Complaint.Severity.NORMAL,
    priority: str = Complaint.Priority.NORMAL,
    photos: list[Any] = (),
    language: str = "zh-hans",
    entered_by: User | None = None,
    client_token: str | None = None,
    now: dt.datetime | None = None,
) -> Complaint:
    """Check everything first (nothing is written for bad input), then create and start the workflow."""
    now = now or timezone.now()
    if client_token:
        existing = Complaint.objects.filter(client_token=client_token[:64]).first()
        if existing is not None:  # the same form sent twice (double tap, retry)
            return existing
    text = clean_text(description)
    if not text:
        raise ServiceError(ServiceCode.TEXT_MISSING)
    check_length(text, TEXT_MAX, ServiceCode.TEXT_TOO_LONG)
    title = clean_text(subject)
    if len(title) > SUBJECT_MAX:
        raise ServiceError(ServiceCode.SUBJECT_TOO_LONG, limit=SUBJECT_MAX)
    if not title:
        first_line = text.splitlines()[0]
        title = first_line[:40] + ("…" if len(first_line) > 40 else "")
    kind = choice(kind, Complaint.Kind, _("kind"), Complaint.Kind.COMPLAINT)
    channel = choice(channel, Complaint.Channel, _("channel"), Complaint.Channel.PORTAL)
    severity = choice(severity, Complaint.Severity, _("severity"), Complaint.Severity.NORMAL)
    priority = choice(priority, Complaint.Priority, _("priority"), Complaint.Priority.NORMAL)
    phone = normalise_phone(phone, landline_ok=channel not in VISITOR_CHANNELS)
    mail = normalise_email(email)
    if channel in VISITOR_CHANNELS and not phone:
        raise ServiceError(ServiceCode.CONTACT_MISSING)
    photos = [p for p in photos if p]
    if len(photos) > MAX_PHOTOS:
        raise ServiceError(ServiceCode.TOO_MANY_PHOTOS, limit=MAX_PHOTOS)
    for photo in photos:
        check_photo(photo)
    category_obj = _category(category)
    zone_obj = zone_of(zone)
    visitor_name = clean_text(name)[:40]

    with transaction.atomic():
        complaint = Complaint(
            code=new_code("TS", Complaint, now=now),
            kind=kind,
            channel=channel,
            external_ref=clean_text(external_ref)[:60],
            category=category_obj,
            department=category_obj.department if category_obj else None,
            subject=title,
            description=text,
            severity=severity,
            priority=priority,
            zone=zone_obj,
            order_ref=clean_text(order_ref)[:40],
            ticket_ref=clean_text(ticket_ref)[:40],
            asset_ref=clean_text(asset_ref)[:40],
            visit_date=visit_date,
            language="en" if str(language).startswith("en") else "zh-hans",
            entered_by=entered_by if getattr(entered_by, "pk", None) else None,
            received_at=now,
            client_token=client_token[:64] if client_token else None,
        )
        if phone:
            pii.assign(complaint, "phone", phone, kind="phone")
        if visitor_name:
            pii.assign(complaint, "name", visitor_name, kind="name")
        if mail:
            complaint.email_enc = pii.encrypt(mail, context="email")
            complaint.email_masked = mask_email(mail)
        complaint.save()
        for photo in photos:
            ComplaintPhoto.objects.create(complaint=complaint, file=photo)
        track = workflow.start(complaint, entered_by, now=now)
        complaint.refresh_from_db()
        _acknowledge(complaint, phone, mail, track)
    return complaint


def _values(complaint: Complaint, english: bool, **extra: Any) -> dict[str, Any]:
    return {
        "site": messaging.site_name(english),
        "code": complaint.code,
        "kind": complaint.get_kind_display() if english else _kind_zh(complaint.kind),
        "subject": complaint.subject,
        "link": messaging.absolute(f"/service/my/?code={complaint.code}"),
        **extra,
    }


def _kind_zh(kind: str) -> str:
    return {"complaint": "投诉", "suggestion": "建议", "praise": "表扬"}.get(kind, "反馈")


def _acknowledge(complaint: Complaint, phone: str, mail: str, track) -> None:
    english = complaint.language == "en"
    due = track.resolution_due if track is not None and track.resolution_due else None
    due_text = timezone.localtime(due).strftime("%Y-%m-%d %H:%M") if due else ("soon" if english else "尽快")
    message = messaging.render("complaint_received", _values(complaint, english, due=due_text), english=english)
    if phone:
        outbox.enqueue(
            "sms",
            phone,
            body=message.body,
            dedupe_key=f"service:complaint:{complaint.pk}:received:sms",
            source=f"service:complaint:{complaint.code}",
        )
    if mail:
        outbox.enqueue(
            "email",
            mail,
            subject=message.subject or message.body[:60],
            body=message.body,
            dedupe_key=f"service:complaint:{complaint.pk}:received:email",
            source=f"service:complaint:{complaint.code}",
        )


def _contacts(complaint: Complaint) -> tuple[str, str]:
    phone = pii.decrypt(complaint.phone_enc, context="phone") if complaint.phone_enc else ""
    mail = pii.decrypt(complaint.email_enc, context="email") if complaint.email_enc else ""
    return phone, mail


def send_reply(complaint: Complaint, text: str, by: User | None, *, now: dt.datetime) -> ComplaintReply:
    """Record the reply and send it to the visitor by SMS and/or e-mail (through the outbox)."""
    reply = ComplaintReply.objects.create(complaint=complaint, text=text, by=by, at=now)
    english = complaint.language == "en"
    message = messaging.render("complaint_replied", _values(complaint, english, reply=text), english=english)
    phone, mail = _contacts(complaint)
    sent = []
    if phone:
        outbox.enqueue(
            "sms",
            phone,
            body=message.body,
            dedupe_key=f"service:complaint:reply:{reply.pk}:sms",
            source=f"service:complaint:{complaint.code}",
        )
        sent.append("sms")
    if mail:
        outbox.enqueue(
            "email",
            mail,
            subject=message.subject,
            body=message.body,
            dedupe_key=f"service:complaint:reply:{reply.pk}:email",
            source=f"service:complaint:{complaint.code}",
        )
        sent.append("email")
    reply.sent_to = sent
    reply.save(update_fields=["sent_to"])
    return reply


def on_workflow_event(event) -> None:
    """The complaint workflow moved: keep our own fields in step (inside the engine's transaction)."""
    complaint: Complaint = event.document
    now = event.now
    if event.name == "assigned" and event.track is not None:
        Complaint.objects.filter(pk=complaint.pk).update(handler=event.track.assignee, updated_at=now)
        complaint.handler = event.track.assignee
        return
    if event.name == "transition" and event.action == "reply" and event.to_state == "reply_review":
        Complaint.objects.filter(pk=complaint.pk).update(reply_draft=event.comment, updated_at=now)
        complaint.reply_draft = event.comment
        return
    if event.name == "transition" and event.action == "reopen":
        Complaint.objects.filter(pk=complaint.pk).update(
            reopen_count=F("reopen_count") + 1, rating=None, rated_at=None, rating_comment="", updated_at=now
        )
        return
    if event.name != "state_entered":
        return
    if event.to_state == "replied":
        fresh = Complaint.objects.get(pk=complaint.pk)
        text = event.comment if event.action == "reply" else fresh.reply_draft
        send_reply(fresh, text or "", event.actor if getattr(event.actor, "pk", None) else None, now=now)
        Complaint.objects.filter(pk=complaint.pk).update(replied_at=now, reply_draft="", updated_at=now)
        complaint.replied_at = now
    elif event.to_state == "closed":
        Complaint.objects.filter(pk=complaint.pk).update(closed_at=now, updated_at=now)
        complaint.closed_at = now


# --- the visitor's side ----------------------------------------------------------------


def lookup(phone: Any, code: Any) -> Complaint:
    """The complaint with this code filed with this phone number; the same error for any mismatch."""
    code_text = clean_text(code).upper().replace(" ", "").replace("-", "")
    try:
        number = normalise_phone(phone, landline_ok=True)
    except ServiceError:
        raise ServiceError(ServiceCode.LOOKUP_FAILED, status=404) from None
    if not number or len(code_text) != CODE_LEN:
        raise ServiceError(ServiceCode.LOOKUP_FAILED, status=404)
    found = Complaint.objects.filter(code=code_text, phone_index=pii.blind_index(number, kind="phone")).first()
    if found is None:
        raise ServiceError(ServiceCode.LOOKUP_FAILED, status=404)
    return found


def visitor_view(complaint: Complaint) -> dict[str, Any]:
    """What the visitor may see: state in plain words, replies, whether they can rate."""
    from scenic_ops.workflow.services import track_of

    track = track_of(complaint)
    state_label = track.state_label if track is not None else complaint.state
    return {
        "complaint": complaint,
        "state_label": state_label,
        "replies": list(complaint.replies.all()),
        "due": track.resolution_due if track is not None and complaint.state in OPEN_STATES else None,
        "can_rate": complaint.replied_at is not None
        and complaint.rating is None
        and complaint.state in ("replied", "closed"),
    }


def rate(complaint: Complaint, rating: Any, comment: Any = "", *, now: dt.datetime | None = None) -> Complaint:
    now = now or timezone.now()
    try:
        stars = int(str(rating).strip())
    except ValueError:
        raise ServiceError(ServiceCode.RATING_INVALID) from None
    if not 1 <= stars <= 5:
        raise ServiceError(ServiceCode.RATING_INVALID)
    if complaint.replied_at is None or complaint.state not in ("replied", "closed"):
        raise ServiceError(ServiceCode.NOT_REPLIED, status=409)
    note = clean_text(comment)[:300]
    with transaction.atomic(), audit.acting_as(None, name="visitor"):
        updated = Complaint.objects.filter(pk=complaint.pk, rating__isnull=True).update(
            rating=stars, rating_comment=note, rated_at=now, updated_at=now
        )
        if not updated:
            raise ServiceError(ServiceCode.ALREADY_RATED, status=409)
        audit.record(AuditEvent.Action.ACTION, complaint, message=f"visitor rating {stars}/5 {note}"[:500])
        complaint.refresh_from_db()
        if stars <= 2 and complaint.handler_id:
            from scenic_ops.workflow.services.notifications import notify_in_app

            notify_in_app(
                complaint.handler,
                _("The visitor is not satisfied: %(code)s") % {"code": complaint.code},
                _("Rated %(stars)d/5. %(note)s Consider reopening the complaint.") % {"stars": stars, "note": note},
                event="complaint_rating",
                link=f"/admin/service/complaint/{complaint.pk}/change/",
                dedupe_key=f"service:complaint:{complaint.pk}:rating:{complaint.reopen_count}",
            )
    return complaint
