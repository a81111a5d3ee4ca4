"""What the gates domain (access) needs from ticketing on its hot path, split out of `admit_ticket`.

`lifecycle.admit_ticket` does the admission in one call but re-reads the ticket through the
ORM inside a savepoint; at a gate that validates hundreds of scans a second, access runs
the same conditional UPDATE on its own cursor, inside its own transaction (scan log and
counts commit together), and asks for the partner webhook only when the order came
from a partner. The rule is the same: a use is consumed only while the ticket is valid,
for that day, with uses left, so two gates scanning at once consume it once.
"""

from __future__ import annotations

import datetime as dt

from scenic_ops.ticketing.booking import utc_naive

_CONSUME = (
    "UPDATE ticketing_ticket {hint}SET status = IF(used_count + 1 >= uses_allowed, 'used', status), "
    "used_count = used_count + 1, first_used_at = COALESCE(first_used_at, %s) "
    "WHERE {where} AND status = 'valid' AND date = %s AND used_count < uses_allowed"
)
# By code, the unique index on `code` must be the access path: on a small table MariaDB may
# range-scan (date, status) instead and lock that index before the row, in the opposite
# order of a by-id admission of the same ticket (a deadlock seen in the tests).
_BY_CODE = _CONSUME.format(hint="FORCE INDEX (code) ", where="code = %s")
_BY_ID = _CONSUME.format(hint="", where="id = %s")
# The same rule for a caller that commits in the same statement block as the consumption (the
# gates' one-round-trip admission): only tickets whose order came from no partner, since a
# partner's ticket also owes the partner a 'ticket.used' webhook in that transaction.
CONSUME_UNLESS_PARTNER_SQL = (
    _BY_CODE + " AND NOT EXISTS (SELECT 1 FROM ticketing_order o WHERE o.id = ticketing_ticket.order_id "
    "AND o.partner_id IS NOT NULL)"
)


def consume_unless_partner_params(*, day: dt.date, at: dt.datetime, code: str) -> list:
    return [utc_naive(at), code, day]


def consume_use(
    cursor, *, day: dt.date, at: dt.datetime, code: str | None = None, ticket_id: int | None = None
) -> bool:
    """Consume one use of a ticket valid on `day`; True if this call did. Run inside the caller's transaction."""
    if code is not None:
        cursor.execute(_BY_CODE, [utc_naive(at), code, day])
    else:
        cursor.execute(_BY_ID, [utc_naive(at), ticket_id, day])
    return cursor.rowcount == 1


def notify_used(ticket_id: int, *, at: dt.datetime, gate: str, entry: int) -> None:
    """The partner's 'ticket.used' webhook (through the outbox), as `admit_ticket` sends it."""
    from scenic_ops.ticketing import lifecycle
    from scenic_ops.ticketing.models import Ticket

    ticket = Ticket.objects.select_related("order").filter(pk=ticket_id).first()
    if ticket is None:
        return
    partner = lifecycle._partner(ticket.order)
    lifecycle._webhook(partner, ticket.order, ticket, "ticket.used", at, extra={"gate": gate, "entry": entry})
