"""Shop error codes: stable strings the pages, the kiosk and the API rely on, with zh/en messages."""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from scenic_ops.core.errors import DomainError


class Code(StrEnum):
    INVALID_REQUEST = "invalid_request"
    EMPTY_CART = "empty_cart"
    INVALID_QUANTITY = "invalid_quantity"
    UNKNOWN_SKU = "unknown_sku"
    NOT_ON_SALE = "not_on_sale"
    OUT_OF_STOCK = "out_of_stock"
    PRESALE_SOLD_OUT = "presale_sold_out"
    TOO_MANY_OF_ONE = "too_many_of_one"
    PRICE_CHANGED = "price_changed"
    INVALID_PHONE = "invalid_phone"
    INVALID_ADDRESS = "invalid_address"
    NO_DELIVERY_THERE = "no_delivery_there"
    UNKNOWN_PICKUP_POINT = "unknown_pickup_point"
    INVALID_INVOICE = "invalid_invoice"
    UNKNOWN_COUPON = "unknown_coupon"
    COUPON_NOT_VALID_NOW = "coupon_not_valid_now"
    COUPON_NOT_APPLICABLE = "coupon_not_applicable"
    COUPON_MIN_SPEND = "coupon_min_spend"
    COUPON_NOT_STACKABLE = "coupon_not_stackable"
    COUPON_USED_UP = "coupon_used_up"
    COUPON_ALREADY_USED = "coupon_already_used"
    NOT_ENOUGH_POINTS = "not_enough_points"
    INVALID_POINTS = "invalid_points"
    FLASH_SALE_SOLD_OUT = "flash_sale_sold_out"
    FLASH_SALE_LIMIT = "flash_sale_limit"
    UNKNOWN_DEAL = "unknown_deal"
    DEAL_NOT_ACTIVE = "deal_not_active"
    GROUP_NOT_FOUND = "group_not_found"
    GROUP_FULL = "group_full"
    GROUP_CLOSED = "group_closed"
    ALREADY_IN_GROUP = "already_in_group"
    TICKET_REFUSED = "ticket_refused"
    ORDER_NOT_FOUND = "order_not_found"
    ORDER_NOT_PENDING = "order_not_pending"
    ORDER_EXPIRED = "order_expired"
    ALREADY_PAID = "already_paid"
    BAD_NOTIFICATION = "bad_notification"
    PAYMENT_NOT_FOUND = "payment_not_found"
    UNKNOWN_PICKUP_CODE = "unknown_pickup_code"
    ALREADY_PICKED_UP = "already_picked_up"
    WRONG_PICKUP_POINT = "wrong_pickup_point"
    NOT_PAID = "not_paid"
    UNKNOWN_CARD = "unknown_card"
    CARD_NOT_ACTIVE = "card_not_active"
    CARD_DATE_OUTSIDE = "card_date_outside"
    BAD_TRACKING_FILE = "bad_tracking_file"
    UNKNOWN_SHIPMENT = "unknown_shipment"
    INVALID_STATUS = "invalid_status"
    REFUND_ALREADY_REQUESTED = "refund_already_requested"
    NOTHING_TO_REFUND = "nothing_to_refund"


MESSAGES = {
    Code.INVALID_REQUEST: _("The request is not valid: {reason}"),
    Code.EMPTY_CART: _("The cart is empty."),
    Code.INVALID_QUANTITY: _("Quantities must be whole numbers from 1 to 99."),
    Code.UNKNOWN_SKU: _("This item ({sku}) is not in the shop."),
    Code.NOT_ON_SALE: _("{item} is not on sale now."),
    Code.OUT_OF_STOCK: _("{item} is sold out."),
    Code.PRESALE_SOLD_OUT: _("The pre-sale of {item} is fully booked."),
    Code.TOO_MANY_OF_ONE: _("At most {limit} of {item} per order."),
    Code.PRICE_CHANGED: _("Prices have changed since you added them to the cart: the order now costs {total} CNY."),
    Code.INVALID_PHONE: _("Please give a mainland mobile number (11 digits)."),
    Code.INVALID_ADDRESS: _("Please give the contact's name, the province, the city and the street address."),
    Code.NO_DELIVERY_THERE: _("We do not deliver to {region}."),
    Code.UNKNOWN_PICKUP_POINT: _("Please choose a pick-up point in the park."),
    Code.INVALID_INVOICE: _("An invoice needs a title; a company's also a taxpayer id (15–20 letters and digits)."),
    Code.UNKNOWN_COUPON: _("There is no coupon with this code."),
    Code.COUPON_NOT_VALID_NOW: _("This coupon is not valid now."),
    Code.COUPON_NOT_APPLICABLE: _("This coupon does not cover anything in the cart."),
    Code.COUPON_MIN_SPEND: _("This coupon needs a spend of at least {amount} CNY on the goods it covers."),
    Code.COUPON_NOT_STACKABLE: _("This coupon cannot be combined with the spend-and-save offer."),
    Code.COUPON_USED_UP: _("This coupon has been used up."),
    Code.COUPON_ALREADY_USED: _("You have already used this coupon."),
    Code.NOT_ENOUGH_POINTS: _("You have {points} points."),
    Code.INVALID_POINTS: _("Points are used in whole hundreds (100 points = 1 CNY), up to half of the goods."),
    Code.FLASH_SALE_SOLD_OUT: _("The flash sale of {item} is sold out."),
    Code.FLASH_SALE_LIMIT: _("At most {limit} per person in this flash sale."),
    Code.UNKNOWN_DEAL: _("There is no such group-buy deal."),
    Code.DEAL_NOT_ACTIVE: _("This group-buy deal is not running now."),
    Code.GROUP_NOT_FOUND: _("There is no such group."),
    Code.GROUP_FULL: _("This group is full."),
    Code.GROUP_CLOSED: _("This group is closed."),
    Code.ALREADY_IN_GROUP: _("You are already in this group."),
    Code.TICKET_REFUSED: _("The ticket cannot be booked: {reason}"),
    Code.ORDER_NOT_FOUND: _("There is no such order."),
    Code.ORDER_NOT_PENDING: _("This order is no longer awaiting payment."),
    Code.ORDER_EXPIRED: _("The time to pay this order has run out."),
    Code.ALREADY_PAID: _("This order is already paid."),
    Code.BAD_NOTIFICATION: _("The payment notification cannot be verified."),
    Code.PAYMENT_NOT_FOUND: _("There is no such payment."),
    Code.UNKNOWN_PICKUP_CODE: _("There is no order with this pick-up code."),
    Code.ALREADY_PICKED_UP: _("This order was already picked up at {at}."),
    Code.WRONG_PICKUP_POINT: _("This order is picked up at {point}."),
    Code.NOT_PAID: _("This order is not paid."),
    Code.UNKNOWN_CARD: _("There is no pick-up card with this code."),
    Code.CARD_NOT_ACTIVE: _("This pick-up card cannot be redeemed ({status})."),
    Code.CARD_DATE_OUTSIDE: _("Choose a delivery date from {start} to {end}."),
    Code.BAD_TRACKING_FILE: _("The tracking file cannot be read: {reason}"),
    Code.UNKNOWN_SHIPMENT: _("There is no shipment for order {order}."),
    Code.INVALID_STATUS: _("Unknown shipment status: {status}."),
    Code.REFUND_ALREADY_REQUESTED: _("A refund of this order is already waiting for approval."),
    Code.NOTHING_TO_REFUND: _("Nothing is left to refund on this order."),
}

STATUS = {
    Code.UNKNOWN_SKU: 404,
    Code.ORDER_NOT_FOUND: 404,
    Code.PAYMENT_NOT_FOUND: 404,
    Code.GROUP_NOT_FOUND: 404,
    Code.UNKNOWN_DEAL: 404,
    Code.UNKNOWN_PICKUP_CODE: 404,
    Code.UNKNOWN_CARD: 404,
    Code.UNKNOWN_COUPON: 404,
    Code.OUT_OF_STOCK: 409,
    Code.PRESALE_SOLD_OUT: 409,
    Code.PRICE_CHANGED: 409,
    Code.COUPON_USED_UP: 409,
    Code.COUPON_ALREADY_USED: 409,
    Code.FLASH_SALE_SOLD_OUT: 409,
    Code.GROUP_FULL: 409,
    Code.GROUP_CLOSED: 409,
    Code.ALREADY_IN_GROUP: 409,
    Code.ORDER_NOT_PENDING: 409,
    Code.ORDER_EXPIRED: 409,
    Code.ALREADY_PAID: 409,
    Code.ALREADY_PICKED_UP: 409,
    Code.NOT_ENOUGH_POINTS: 409,
    Code.BAD_NOTIFICATION: 401,
    Code.REFUND_ALREADY_REQUESTED: 409,
}


class ShopError(DomainError):
    messages = MESSAGES
    statuses = STATUS
