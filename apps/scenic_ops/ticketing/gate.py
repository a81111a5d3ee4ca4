"""What the gates (the access domain) may ask of ticketing: its only door into tickets.

Access decides scans; ticketing owns tickets. Everything access needs of a ticket goes
through these functions, so no SQL or ORM query in access names a ticketing table:

- `first_entry(code, day, at)` — the statements of the usual scan's one-round-trip path: consume
  the use of a single-use ticket sold without a partner, then put its fields into session
  variables (`FIRST_ENTRY_VARIABLES`) for the caller's scan INSERT (docs/adr/0008);
- `lock(cursor, code= | ticket_id=)` — the ticket with its row lock (every other scan);
- `consume_use(cursor, day=, at=, ticket_id=)` — one use, only while valid for that day with uses left;
- `notify_used(ticket_id, …)` — the partner's `ticket.used` webhook, through the outbox;
- `config_version()`, `closed_days(start, end)` — what a gate's cached configuration depends on;
- `summary(ticket_id)`, `link_codes(codes)`, `candidates(id_index, day)`, `next_day(id_index, day)`,
  `visitor(ticket_code= | id_index=, from_day=)`, `whitelist(day, products, with_ids=)` — reads.

The rule of `consume_use` and `first_entry` is one: a use is consumed only while the ticket is
valid, for that day, with uses left — two lanes scanning the same ticket at once consume it once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection

from scenic_ops.core import versions
from scenic_ops.core.sqlvalues import utc_naive
from scenic_ops.ticketing import sql
from scenic_ops.ticketing.models import Ticket

FIRST_ENTRY_VARIABLES = sql.FIRST_ENTRY_VARIABLES


def config_version() -> tuple[int, int]:
    """Versions of what a gate configuration takes from ticketing (products, the sale calendar):
    a gate's cached configuration is stale once these change."""
    from scenic_ops.ticketing import catalog, inventory

    return versions.current(catalog.VERSION), versions.current(inventory.LAYOUT_VERSION)


def closed_days(start: dt.date, end: dt.date) -> list[dt.date]:
    """Days between `start` and `end` (inclusive) on which the scenic area is closed."""
    from scenic_ops.ticketing.models import SaleDay

    return list(SaleDay.objects.filter(closed=True, date__gte=start, date__lte=end).values_list("date", flat=True))


@dataclass
class GateTicket:
    """A ticket as a gate decision sees it (read with its row locked)."""

    id: int
    code: str
    status: str
    date: dt.date
    used_count: int
    uses_allowed: int
    product_id: int
    category_id: int
    name: str  # masked
    document: str
    order_id: int
    slot_id: int
    first_used_at: dt.datetime | None
    id_index: str
    channel: str = ""
    partner_id: int | None = None
    start: dt.time = dt.time(0)
    end: dt.time = dt.time(23, 59)


def first_entry(*, code: str, day: dt.date, at: dt.datetime) -> tuple[list[str], list]:
    """(statements, params) consuming a single-use, partner-less ticket's first entry.

    The first statement is the conditional UPDATE: the caller tests `ROW_COUNT() = 1` right after
    it, then runs the second, which fills `FIRST_ENTRY_VARIABLES`.
    """
    return [sql.CONSUME_FIRST_ENTRY], [utc_naive(at), code, day]


def capture_first_entry(*, code: str) -> tuple[str, list]:
    return sql.CAPTURE_FIRST_ENTRY, [code]


def lock(cursor, *, code: str | None = None, ticket_id: int | None = None) -> GateTicket | None:
    row = sql.lock_ticket(cursor, code=code, ticket_id=ticket_id)
    if row is None:
        return None
    row["start"] = row["start"] or dt.time(0)
    row["end"] = row["end"] or dt.time(23, 59)
    return GateTicket(**row)


def consume_use(cursor, *, day: dt.date, at: dt.datetime, ticket_id: int) -> bool:
    """Consume one use of a ticket valid on `day`; True if this call did. Inside the caller's transaction."""
    return sql.consume(cursor, day=day, at=at, ticket_id=ticket_id)


def notify_used(ticket_id: int, *, at: dt.datetime, gate: str, entry: int) -> None:
    """The partner's 'ticket.used' webhook (outbox, inside the caller's transaction)."""
    from scenic_ops.ticketing import webhooks

    ticket = Ticket.objects.select_related("order").filter(pk=ticket_id).first()
    if ticket is not None:
        webhooks.ticket_event(ticket, "ticket.used", at, extra={"gate": gate, "entry": entry})


@dataclass(frozen=True)
class Summary:
    name: str  # masked
    document: str
    uses_left: int


def summary(ticket_id: int | None) -> Summary | None:
    """What a gate shows again when it repeats an answer."""
    if ticket_id is None:
        return None
    row = Ticket.objects.filter(pk=ticket_id).values("name_masked", "check_document", "uses_allowed", "used_count")
    found = row.first()
    if found is None:
        return None
    return Summary(found["name_masked"], found["check_document"], found["uses_allowed"] - found["used_count"])


def link_codes(codes: Sequence[str]) -> dict[str, tuple[int, str]]:
    """{code: (ticket id, channel)} for the codes that are tickets."""
    with connection.cursor() as cursor:
        found = sql.ticket_links(cursor, sorted(set(codes)))
    return {code: (row["id"], row["channel"]) for code, row in found.items()}


@dataclass
class Candidate:
    """A visitor's ticket for the day, found by the blind index of the ID number."""

    id: int
    code: str
    product_id: int
    category_id: int
    status: str
    used_count: int
    uses_allowed: int
    start: dt.time
    end: dt.time
    id_masked: str
    id_index: str


def candidates(id_index: str, day: dt.date) -> list[Candidate]:
    """The visitor's tickets for the day that may still pass a gate (read-only)."""
    rows = (
        Ticket.objects.filter(id_number_index=id_index, date=day, status__in=["valid", "used"])
        .order_by("slot__start", "id")
        .values_list(
            "id",
            "code",
            "product_id",
            "category_id",
            "status",
            "used_count",
            "uses_allowed",
            "slot__start",
            "slot__end",
            "id_number_masked",
            "id_number_index",
        )
    )
    return [Candidate(*r) for r in rows]


def next_day(id_index: str, day: dt.date) -> dt.date | None:
    """The next day after `day` the visitor holds a valid ticket for."""
    return (
        Ticket.objects.filter(id_number_index=id_index, date__gt=day, status="valid")
        .order_by("date")
        .values_list("date", flat=True)
        .first()
    )


@dataclass(frozen=True)
class Visitor:
    id_index: str
    id_masked: str
    last_day: dt.date


def visitor(*, from_day: dt.date, ticket_code: str = "", id_index: str = "") -> Visitor | None:
    """The real-name visitor of a ticket (or of an ID number) holding a ticket from `from_day` on."""
    qs = Ticket.objects.filter(status__in=["valid", "used"], date__gte=from_day)
    if ticket_code:
        qs = qs.filter(code=ticket_code.strip())
    elif id_index:
        qs = qs.filter(id_number_index=id_index)
    else:
        return None
    found = qs.order_by("-date").values_list("id_number_index", "id_number_masked", "date").first()
    return Visitor(*found) if found else None


@dataclass
class WhitelistTicket:
    id: int
    code: str
    status: str
    product_id: int
    category_id: int
    uses_allowed: int
    used_count: int
    name: str
    document: str
    id_index: str
    id_enc: bytes | None
    start: dt.time
    end: dt.time
    changed: dt.datetime  # the last time anything about the ticket changed (sale, payment, refund, entry)


def whitelist(day: dt.date, products: Sequence[int], *, with_ids: bool) -> list[WhitelistTicket]:
    """The tickets of a day for a gate's offline whitelist (withdrawn ones too, so gates drop them)."""
    with connection.cursor() as cursor:
        rows = sql.whitelist_tickets(cursor, day, products, with_ids=with_ids)
    out = []
    for row in rows:
        stamps = [row.pop(name) for name in ("created_at", "confirmed_at", "refunded_at", "first_used_at")]
        changed = max(s for s in stamps if s is not None)
        out.append(WhitelistTicket(**row, changed=changed))
    return out
