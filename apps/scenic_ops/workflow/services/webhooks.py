"""Workflow events to other systems: a signed JSON POST per event, through the outbox."""

from __future__ import annotations

from django.db.models import Q

from scenic_ops.core import outbox, pii
from scenic_ops.workflow.models import Webhook
from scenic_ops.workflow.services.events import Event

SECRET_CONTEXT = "workflow-webhook"


def set_secret(hook: Webhook, secret: str) -> None:
    hook.secret_enc = pii.encrypt(secret, context=SECRET_CONTEXT) if secret else None


def payload(event: Event) -> dict:
    track = event.track
    return {
        "event": event.name,
        "document_type": event.document_type,
        "document_id": str(event.document.pk),
        "title": event.spec.title_of(event.document),
        "state": track.state if track is not None else event.to_state,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "action": event.action,
        "actor": event.actor.get_username() if getattr(event.actor, "pk", None) else "",
        "on_behalf_of": event.on_behalf_of.get_username() if getattr(event.on_behalf_of, "pk", None) else "",
        "comment": event.comment,
        "fields": list(event.fields),
        "at": event.now.isoformat(),
    }


def on_event(event: Event) -> None:
    hooks = Webhook.objects.filter(enabled=True).filter(Q(document_type="") | Q(document_type=event.document_type))
    for hook in hooks:
        if hook.events and event.name not in hook.events:
            continue
        body = payload(event)
        if hook.secret_enc:
            body["_signing_secret"] = pii.decrypt(hook.secret_enc, context=SECRET_CONTEXT)
        outbox.enqueue(
            "webhook",
            hook.url,
            payload=body,
            subject=f"{event.name} {event.document_type}",
            dedupe_key=f"wf:w{hook.pk}:{event.key}:{event.name}",
            source=f"workflow:webhook:{hook.pk}",
        )
