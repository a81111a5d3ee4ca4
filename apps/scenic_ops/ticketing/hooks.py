"""Ticketing's reactions to other domains.

- `flow.sales_halt_changed`: a red visitor-flow level (or an operator in visitor flow) stops the
  sale of the day's remaining slots; it resumes when the level falls again (`halts`).
"""

from __future__ import annotations

from scenic_ops.core import hooks


@hooks.listen("flow.sales_halt_changed")
def record_sales_halt(*, day, halted, reason, now, **_payload):
    from scenic_ops.ticketing.halts import stop_sales

    return stop_sales(day, halted, reason=reason, by="flow", now=now)


@hooks.listen("core.person_data_requested")
def person_data(*, phone_index, id_index, now, **_payload):
    """Orders the person placed (by their phone) and tickets in their name (by their ID number)."""
    from scenic_ops.core.privacy import Section, when
    from scenic_ops.ticketing.models import Order, Ticket

    orders = Section("ticketing", "Ticket orders placed with this phone number")
    if phone_index:
        for o in Order.objects.filter(contact_phone_index=phone_index).order_by("created_at")[:1000]:
            orders.rows.append(
                {
                    "number": o.number,
                    "channel": o.channel,
                    "status": o.status,
                    "visit_date": when(o.visit_date),
                    "tickets": o.ticket_count,
                    "total": str(o.total),
                    "contact": o.contact_name_masked,
                    "phone": o.contact_phone_masked,
                    "created_at": when(o.created_at),
                }
            )
    tickets = Section("ticketing", "Tickets in this person's name (real-name)")
    if id_index:
        for t in Ticket.objects.filter(id_number_index=id_index).select_related("order").order_by("date")[:1000]:
            tickets.rows.append(
                {
                    "code": t.code,
                    "order": t.order.number,
                    "date": when(t.date),
                    "status": t.status,
                    "price": str(t.price),
                    "id_type": t.id_type,
                    "id_number": t.id_number_masked,
                    "name": t.name_masked,
                }
            )
    return [orders, tickets]
