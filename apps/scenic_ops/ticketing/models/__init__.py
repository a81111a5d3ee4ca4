from .catalog import BundleItem, Price, PriceCategory, Product, ProductKind
from .inventory import Bucket, SaleDay, SlotTemplate, TimeSlot
from .orders import Channel, IdClaim, Order, Payment, PaymentNotification, Refund, Ticket, Visitor
from .partners import Partner

__all__ = [
    "Bucket",
    "BundleItem",
    "Channel",
    "IdClaim",
    "Order",
    "Partner",
    "Payment",
    "PaymentNotification",
    "Price",
    "PriceCategory",
    "Product",
    "ProductKind",
    "Refund",
    "SaleDay",
    "SlotTemplate",
    "Ticket",
    "TimeSlot",
    "Visitor",
]
