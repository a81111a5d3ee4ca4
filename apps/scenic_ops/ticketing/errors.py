"""Ticketing error codes: stable strings partners and pages rely on, with zh/en messages."""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from scenic_ops.core.errors import DomainError


class Code(StrEnum):
    INVALID_REQUEST = "invalid_request"
    UNKNOWN_PRODUCT = "unknown_product"
    UNKNOWN_CATEGORY = "unknown_category"
    UNKNOWN_SLOT = "unknown_slot"
    PRODUCT_NOT_IN_SLOT = "product_not_in_slot"
    PRODUCT_NOT_ALLOWED = "product_not_allowed"
    NO_PRICE = "no_price"
    INVALID_QUANTITY = "invalid_quantity"
    TOO_MANY_TICKETS = "too_many_tickets"
    VISITORS_MISMATCH = "visitors_mismatch"
    SLOT_PAST = "slot_past"
    DAY_CLOSED = "day_closed"
    SLOT_CLOSED = "slot_closed"
    SALES_HALTED = "sales_halted"
    SOLD_OUT = "sold_out"
    INVALID_ID_TYPE = "invalid_id_type"
    INVALID_ID_NUMBER = "invalid_id_number"
    INVALID_ID_CHECKSUM = "invalid_id_checksum"
    INVALID_NAME = "invalid_name"
    INVALID_PHONE = "invalid_phone"
    ID_LIMIT_REACHED = "id_limit_reached"
    NOT_ELIGIBLE = "not_eligible"
    GROUP_ONLY = "group_only"
    ORDER_NOT_FOUND = "order_not_found"
    TICKET_NOT_FOUND = "ticket_not_found"
    ORDER_NOT_HELD = "order_not_held"
    ORDER_NOT_CONFIRMED = "order_not_confirmed"
    HOLD_EXPIRED = "hold_expired"
    ALREADY_PAID = "already_paid"
    NOT_REFUNDABLE = "not_refundable"
    REFUND_DEADLINE_PASSED = "refund_deadline_passed"
    TICKET_NOT_VALID = "ticket_not_valid"
    PAYMENT_NOT_FOUND = "payment_not_found"
    BAD_NOTIFICATION = "bad_notification"
    BAD_SIGNATURE = "bad_signature"
    STALE_REQUEST = "stale_request"
    REPLAYED_REQUEST = "replayed_request"
    PARTNER_INACTIVE = "partner_inactive"
    EXTERNAL_ID_CONFLICT = "external_id_conflict"
    BAD_TOKEN = "bad_token"
    BAD_CODE = "bad_code"
    TOO_MANY_CODES = "too_many_codes"
    CAPACITY_BELOW_SOLD = "capacity_below_sold"
    BAD_MEMBER_LIST = "bad_member_list"


MESSAGES = {
    Code.INVALID_REQUEST: _("The request is not valid: {reason}"),
    Code.UNKNOWN_PRODUCT: _("Unknown product: {product}."),
    Code.UNKNOWN_CATEGORY: _("Unknown price category: {category}."),
    Code.UNKNOWN_SLOT: _("Unknown time slot."),
    Code.PRODUCT_NOT_IN_SLOT: _("This product is not sold in this time slot."),
    Code.PRODUCT_NOT_ALLOWED: _("This product is not available through this channel."),
    Code.NO_PRICE: _("There is no price for {product} in the category {category} on this day."),
    Code.INVALID_QUANTITY: _("The quantity must be a whole number from 1 to {max}."),
    Code.TOO_MANY_TICKETS: _("An order holds at most {max} tickets."),
    Code.VISITORS_MISMATCH: _("Give one visitor (name and ID) for each ticket."),
    Code.SLOT_PAST: _("This time slot has already ended."),
    Code.DAY_CLOSED: _("The scenic area is closed on this day."),
    Code.SLOT_CLOSED: _("This time slot is closed for sale."),
    Code.SALES_HALTED: _(
        "Sales for this day are paused: the scenic area is at its visitor limit. Please try another day."
    ),
    Code.SOLD_OUT: _("Sold out: {what}."),
    Code.INVALID_ID_TYPE: _("Unknown ID document type."),
    Code.INVALID_ID_NUMBER: _("The ID number is not valid for this document type."),
    Code.INVALID_ID_CHECKSUM: _("The ID number's check digit is wrong; please check the number."),
    Code.INVALID_NAME: _("Give the visitor's name as on the ID document."),
    Code.INVALID_PHONE: _("The phone number is not a valid mobile number."),
    Code.ID_LIMIT_REACHED: _("This ID number already has the most tickets allowed for this day."),
    Code.NOT_ELIGIBLE: _("The visitor is not eligible for the price category {category}."),
    Code.GROUP_ONLY: _("The price category {category} is for travel agency groups only."),
    Code.ORDER_NOT_FOUND: _("Order not found."),
    Code.TICKET_NOT_FOUND: _("Ticket not found."),
    Code.ORDER_NOT_HELD: _("The order is not awaiting payment."),
    Code.ORDER_NOT_CONFIRMED: _("The order is not confirmed."),
    Code.HOLD_EXPIRED: _("The hold on this order has expired; please book again."),
    Code.ALREADY_PAID: _("The order is already paid."),
    Code.NOT_REFUNDABLE: _("This ticket cannot be refunded."),
    Code.REFUND_DEADLINE_PASSED: _("The refund deadline for this ticket has passed."),
    Code.TICKET_NOT_VALID: _("The ticket is not valid (used, refunded or not paid)."),
    Code.PAYMENT_NOT_FOUND: _("Payment not found."),
    Code.BAD_NOTIFICATION: _("The payment notification is not valid."),
    Code.BAD_SIGNATURE: _("The request signature is missing or wrong."),
    Code.STALE_REQUEST: _("The request timestamp is too old or in the future."),
    Code.REPLAYED_REQUEST: _("This request nonce was already used."),
    Code.PARTNER_INACTIVE: _("This partner account is not active."),
    Code.EXTERNAL_ID_CONFLICT: _("This partner order id was already used for a different order."),
    Code.BAD_TOKEN: _("The ticket token is not valid."),
    Code.BAD_CODE: _("The verification code is wrong or has expired."),
    Code.TOO_MANY_CODES: _("Too many codes requested; please wait a minute."),
    Code.CAPACITY_BELOW_SOLD: _("The capacity cannot be set below the places already sold ({sold})."),
    Code.BAD_MEMBER_LIST: _("The member list cannot be read: {reason}"),
}

STATUS = {
    Code.UNKNOWN_SLOT: 404,
    Code.ORDER_NOT_FOUND: 404,
    Code.TICKET_NOT_FOUND: 404,
    Code.PAYMENT_NOT_FOUND: 404,
    Code.SOLD_OUT: 409,
    Code.SALES_HALTED: 409,
    Code.ID_LIMIT_REACHED: 409,
    Code.ORDER_NOT_HELD: 409,
    Code.ORDER_NOT_CONFIRMED: 409,
    Code.HOLD_EXPIRED: 409,
    Code.ALREADY_PAID: 409,
    Code.TICKET_NOT_VALID: 409,
    Code.EXTERNAL_ID_CONFLICT: 409,
    Code.BAD_SIGNATURE: 401,
    Code.STALE_REQUEST: 401,
    Code.REPLAYED_REQUEST: 401,
    Code.PARTNER_INACTIVE: 403,
    Code.PRODUCT_NOT_ALLOWED: 403,
    Code.TOO_MANY_CODES: 429,
}


class TicketingError(DomainError):
    messages = MESSAGES
    statuses = STATUS
