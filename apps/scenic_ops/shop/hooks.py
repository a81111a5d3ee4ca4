"""The shop's reactions to other domains."""

from __future__ import annotations

from scenic_ops.core import hooks


@hooks.listen("core.person_data_requested")
def person_data(*, phone_index, id_index, now, **_payload):
    """The person's membership, points and shop orders (by their phone)."""
    from scenic_ops.core.privacy import Section, when
    from scenic_ops.shop.models import Member, Order

    member = Section("shop", "Shop membership and points")
    orders = Section("shop", "Shop orders")
    if not phone_index:
        return []
    found = Member.objects.filter(phone_index=phone_index).select_related("level").first()
    if found is not None:
        member.rows.append(
            {
                "phone": found.phone_masked,
                "level": str(found.level) if found.level else "",
                "points": found.points,
                "spent": str(found.spent),
                "member_since": when(found.created_at),
            }
        )
        member.rows += [
            {"points": e.delta, "reason": e.reason, "state": e.state, "at": when(e.created_at)}
            for e in found.entries.order_by("created_at")[:1000]
        ]
    for o in Order.objects.filter(contact_phone_index=phone_index).order_by("created_at")[:1000]:
        orders.rows.append(
            {
                "number": o.number,
                "status": o.status,
                "channel": o.channel,
                "delivery": o.delivery,
                "total": str(o.total),
                "contact": o.contact_name_masked,
                "phone": o.contact_phone_masked,
                "address": o.address_masked,
                "items": [f"{line.description} × {line.quantity}" for line in o.lines.all()],
                "created_at": when(o.created_at),
            }
        )
    return [member, orders]


@hooks.listen("core.retention_due")
def purge_order_contacts(*, data_class, cutoff, now, **_payload):
    """Closed orders placed before the cut-off keep their masked contact, not the name, phone and address."""
    from scenic_ops.shop.models import Order

    if data_class != "shop_contact":
        return {}
    old = (
        Order.objects.filter(created_at__lt=cutoff)
        .exclude(status=Order.Status.PENDING)
        .exclude(contact_name_enc__isnull=True, contact_phone_enc__isnull=True, address_enc__isnull=True)
    )
    return {"shop": old.update(contact_name_enc=None, contact_phone_enc=None, contact_phone_index="", address_enc=None)}
