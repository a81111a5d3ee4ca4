"""Writing the audit trail. Who acts comes from the request (middleware) or `acting_as`."""

from __future__ import annotations

import contextlib
import contextvars
import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from scenic_ops.core import sql
from scenic_ops.core.models.audit import AuditEvent
from scenic_ops.core.sqlvalues import utc_naive


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    name: str
    ip: str | None = None


_actor: contextvars.ContextVar[Any] = contextvars.ContextVar("audit_actor", default=None)


def actor_of_request(request) -> Actor:
    user = getattr(request, "user", None)  # DRF sets an API-key caller here too
    ip = request.META.get("REMOTE_ADDR")
    if user is not None and user.is_authenticated:
        return Actor(getattr(user, "pk", None), user.get_username(), ip)
    return Actor(None, "anonymous", ip)


def current_actor() -> Actor | None:
    """Who is acting: set by `acting_as`, or resolved lazily from the current request."""
    value = _actor.get()
    if value is None or isinstance(value, Actor):
        return value
    return actor_of_request(value)


@contextlib.contextmanager
def acting_as(user: Any = None, *, name: str = "", ip: str | None = None) -> Iterator[None]:
    """Attribute everything recorded inside the block to `user` (or a named system actor)."""
    if user is not None and getattr(user, "is_authenticated", False) and getattr(user, "pk", None):
        actor = Actor(user.pk, user.get_username(), ip)
    else:
        actor = Actor(None, name or str(user or "system"), ip)
    token = _actor.set(actor)
    try:
        yield
    finally:
        _actor.reset(token)


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | bool | int):  # most values: already what JSON gives back
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return "<binary>"
    if isinstance(value, FieldFile):  # uploaded files are recorded by their stored name
        return value.name or None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def _snapshot(value: Any) -> Any:
    return value.name if isinstance(value, FieldFile) else value


def _tracked_fields(instance: models.Model) -> list[models.Field]:
    ignored = set(getattr(instance, "audit_ignored", ()))
    return [f for f in instance._meta.concrete_fields if f.name not in ignored and f.attname not in ignored]


def diff(instance: models.Model, *, creating: bool) -> dict[str, list[Any]]:
    loaded: dict[str, Any] = getattr(instance, "_audit_loaded", {})
    masked = set(getattr(instance, "audit_masked", ()))
    changes: dict[str, list[Any]] = {}
    for field in _tracked_fields(instance):
        new = getattr(instance, field.attname)
        if creating:
            old = None
        elif field.attname in loaded:
            old = loaded[field.attname]
        else:
            continue  # deferred: we do not know the old value
        if isinstance(old, memoryview):
            old = bytes(old)
        if isinstance(new, memoryview):
            new = bytes(new)
        new = _snapshot(new)
        if old == new:
            continue
        if creating and new in (None, "", [], {}):
            continue
        if field.name in masked or field.attname in masked:
            changes[field.name] = ["***", "***"]
        else:
            changes[field.name] = [_jsonable(old), _jsonable(new)]
    return changes


def record(
    action: str,
    instance: models.Model | None = None,
    *,
    changes: dict | None = None,
    message: str = "",
    actor: Actor | None = None,
    user: Any = None,
) -> AuditEvent:
    if user is not None and getattr(user, "pk", None):
        actor = Actor(user.pk, user.get_username(), actor.ip if actor else None)
    actor = actor or current_actor()
    event = AuditEvent(
        at=timezone.now(),
        action=action,
        actor_id=actor.user_id if actor else None,
        actor_name=(actor.name if actor else "system")[:150],
        ip=actor.ip if actor else None,
        changes=changes or {},
        message=message[:500],
    )
    if instance is not None:
        event.content_type = ContentType.objects.get_for_model(instance, for_concrete_model=False)
        event.object_id = str(instance.pk)
        event.object_repr = str(instance)[:200]
    # One prepared INSERT (the statement the hot paths embed), not a model save: every audited
    # change pays for this row, and the ORM's insert costs several times the statement's own work.
    event.pk = sql.insert_audit(
        {name: getattr(event, name) for name in sql.AUDIT_COLUMNS} | {"at": utc_naive(event.at)}, event.object_id
    )
    event._state.adding, event._state.db = False, "default"
    return event


def row_for(
    action: str,
    model: type[models.Model],
    *,
    object_repr: str,
    changes: dict,
    at,
    message: str = "",
    actor: Actor | None = None,
) -> dict[str, Any]:
    """An audit event as a row, for a hot path that writes it inside its own statement (`core.sql`)."""
    from scenic_ops.core.sqlvalues import utc_naive

    actor = actor or current_actor()
    return {
        "at": utc_naive(at),
        "action": action,
        "actor_id": actor.user_id if actor else None,
        "actor_name": (actor.name if actor else "system")[:150],
        "ip": actor.ip if actor else None,
        "content_type_id": ContentType.objects.get_for_model(model, for_concrete_model=False).pk,
        "object_repr": object_repr[:200],
        "changes": changes,
        "message": message[:500],
    }


def record_many(action: str, instances: list[models.Model], *, changes: dict, message: str = "") -> int:
    """The same event for several documents (the tickets of one refund), in one INSERT."""
    if not instances:
        return 0
    actor = current_actor()
    content_type = ContentType.objects.get_for_model(instances[0], for_concrete_model=False)
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                action=action,
                actor_id=actor.user_id if actor else None,
                actor_name=(actor.name if actor else "system")[:150],
                ip=actor.ip if actor else None,
                content_type=content_type,
                object_id=str(instance.pk),
                object_repr=str(instance)[:200],
                changes=changes,
                message=message[:500],
            )
            for instance in instances
        ]
    )
    return len(instances)


def record_save(instance: models.Model, *, creating: bool) -> None:
    changes = diff(instance, creating=creating)
    if not creating and not changes:
        return
    record(AuditEvent.Action.CREATE if creating else AuditEvent.Action.UPDATE, instance, changes=changes)
    instance._audit_loaded = {
        f.attname: _snapshot(getattr(instance, f.attname)) for f in instance._meta.concrete_fields
    }


def mark_saved(instance: models.Model) -> None:
    """An instance a hot path INSERTed with raw SQL (its audit row written with it): from now on it
    behaves as one loaded from the database (a later `save()` UPDATEs it and audits the changes)."""
    instance._state.adding = False
    instance._state.db = "default"
    instance._audit_loaded = {
        f.attname: _snapshot(getattr(instance, f.attname)) for f in instance._meta.concrete_fields
    }


def record_delete(instance: models.Model) -> None:
    record(AuditEvent.Action.DELETE, instance)


def history(instance: models.Model):
    ct = ContentType.objects.get_for_model(instance, for_concrete_model=False)
    return AuditEvent.objects.filter(content_type=ct, object_id=str(instance.pk)).select_related("actor")
