"""The shop's service functions: every state change other domains, the pages and the API may call.

Checkout (`checkout`, `quote`; the request and its validation in `intake`, what a checkout
claims in `claims`), payment and the order's transitions (`orders`), stock moves (`stock`),
group-buy settlement (`groups`), members' points (`members`), shipments and pick-ups
(`logistics`), pick-up cards (`cards`) and returns (`returns`) live in their own modules; this
module is the one place others import them from. Reads are in `shop.selectors`.
"""

from scenic_ops.shop.cards import redeem_card  # noqa: F401
from scenic_ops.shop.checkout import checkout, quote  # noqa: F401
from scenic_ops.shop.groups import settle, settle_due  # noqa: F401
from scenic_ops.shop.intake import CheckoutRequest, ItemIn, TicketIn, VisitorIn  # noqa: F401
from scenic_ops.shop.logistics import (  # noqa: F401
    ImportResult,
    confirm_delivered,
    import_tracking,
    redeem_pickup,
    update_tracking,
)
from scenic_ops.shop.logistics import status_of as logistics_status  # noqa: F401
from scenic_ops.shop.members import (  # noqa: F401
    credit_due_points,
    grant_points,
    member_for_phone,
    member_for_phone_index,
)
from scenic_ops.shop.orders import (  # noqa: F401
    cancel,
    close_unpaid,
    expire_due,
    handle_notification,
    mark_paid,
    notification_body,
    pay_without_money,
    process_refund,
    refund_order,
    sandbox_pay,
    start_payment,
)
from scenic_ops.shop.returns import request_refund  # noqa: F401
from scenic_ops.shop.stock import adjust as adjust_stock  # noqa: F401
