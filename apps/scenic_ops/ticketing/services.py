"""Ticketing's service functions: every state change other domains and the UI may call.

Booking (`book`), the order lifecycle (`confirm_paid`, `expire_order`, `cancel_order`,
`refund_tickets`), the sales stop of a day (`stop_sales`), payments and capacity set-up live in
their own modules; this module is the one place other domains import them from. The gates
(access) use `ticketing.gate`; reads are in `ticketing.selectors`.
"""

from scenic_ops.ticketing.booking import (  # noqa: F401
    Booking,
    BookingRequest,
    ItemIn,
    PartnerRef,
    VisitorIn,
    book,
    describe,
    token_of,
)
from scenic_ops.ticketing.capacity import (  # noqa: F401
    change_bucket,
    create_allotment,
    generate,
    release_allotment,
    release_due_allotments,
    set_day_closed,
    set_slot_closed,
    sync_days,
)
from scenic_ops.ticketing.halts import stop_sales  # noqa: F401
from scenic_ops.ticketing.lifecycle import (  # noqa: F401
    cancel_order,
    confirm_paid,
    expire_due_holds,
    expire_order,
    refund_quote,
    refund_tickets,
)
from scenic_ops.ticketing.notify import check_lookup_code, send_lookup_code  # noqa: F401
from scenic_ops.ticketing.payments import (  # noqa: F401  (the provider interface other domains pay through)  # noqa: F401
    PROVIDERS,
    Notification,
    PaymentProvider,
    handle_notification,
    process_refund,
    provider,
    sandbox_pay,
    start_payment,
)
