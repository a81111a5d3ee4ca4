"""Ticketing API (`/api/v1/ticketing/`): remaining places, the partner (OTA) API, gate keys, payments."""

from scenic_ops.ticketing.api.partner import (
    CalendarView,
    OrderCancelView,
    OrderConfirmView,
    OrderRefundView,
    OrdersView,
    OrderView,
    ProductsView,
    partner_orders,
)
from scenic_ops.ticketing.api.public import AvailabilityView, PaymentNotifyView, PublicKeyView, availability

__all__ = [
    "AvailabilityView",
    "CalendarView",
    "OrderCancelView",
    "OrderConfirmView",
    "OrderRefundView",
    "OrderView",
    "OrdersView",
    "PaymentNotifyView",
    "ProductsView",
    "PublicKeyView",
    "availability",
    "partner_orders",
]
