"""Visitor service's reactions to other domains (see `triggers`).

Each listener runs in a savepoint of the emitter's transaction: a failure here is logged and
never undoes the level change or the alarm; the minutely `flow.levels_standing` catches up.
"""

from __future__ import annotations

from scenic_ops.core import hooks

RED = "red"


@hooks.listen("flow.level_changed")
def open_over_capacity_incident(*, zone_code, from_level, to_level, at, cause, now, **_payload):
    if to_level != RED or from_level == RED:
        return None
    from scenic_ops.service import triggers

    return triggers.over_capacity(zone_code, at, cause, now=now)


@hooks.listen("flow.levels_standing")
def catch_up_with_levels(*, levels, now, **_payload):
    from scenic_ops.service import triggers

    return triggers.standing_levels(levels, now=now)


@hooks.listen("operations.alarm_raised")
def open_alarm_incident(*, incident_kind, source, title, description, zone_code, latitude, longitude, now, **_p):
    if not incident_kind:
        return None
    from scenic_ops.service import triggers

    return triggers.alarm_incident(
        kind=incident_kind,
        source=source,
        title=title,
        description=description,
        zone_code=zone_code,
        latitude=latitude,
        longitude=longitude,
        now=now,
    )


@hooks.listen("core.person_data_requested")
def person_data(*, phone_index, id_index, now, **_payload):
    """Complaints, consultations and praise the person sent (by their phone)."""
    from scenic_ops.core.privacy import Section, when
    from scenic_ops.service.models import Complaint

    section = Section("service", "Complaints and enquiries sent from this phone number")
    if phone_index:
        for c in Complaint.objects.filter(phone_index=phone_index).order_by("received_at")[:1000]:
            section.rows.append(
                {
                    "code": c.code,
                    "kind": c.kind,
                    "channel": c.channel,
                    "subject": c.subject,
                    "description": c.description,
                    "state": c.state,
                    "visitor": c.name_masked,
                    "phone": c.phone_masked,
                    "received_at": when(c.received_at),
                }
            )
    return [section]


@hooks.listen("core.retention_due")
def purge_complaint_contacts(*, data_class, cutoff, now, **_payload):
    """Complaints received before the cut-off keep their text and masked contact, not the name and phone."""
    from scenic_ops.service.models import Complaint

    if data_class != "complaint_contact":
        return {}
    old = Complaint.objects.filter(received_at__lt=cutoff).exclude(name_enc__isnull=True, phone_enc__isnull=True)
    return {"service": old.update(name_enc=None, phone_enc=None, phone_index="")}
