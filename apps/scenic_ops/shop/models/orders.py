"""Orders: what was bought, at which prices, how it is paid, delivered, picked up or returned."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from scenic_ops.core.models import AuditedModel


class Order(AuditedModel):
    """One checkout: goods, specialties and tickets paid once; each line then follows its own rules."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting payment")
        PAID = "paid", _("Paid")
        COMPLETED = "completed", _("Completed")
        EXPIRED = "expired", _("Expired unpaid")
        CANCELLED = "cancelled", _("Cancelled")
        REFUNDED = "refunded", _("Refunded")

    class Channel(models.TextChoices):
        WEB = "web", _("Online store")
        KIOSK = "kiosk", _("Self-service kiosk")
        POS = "pos", _("Shop counter")

    class Delivery(models.TextChoices):
        SHIP = "ship", _("Delivery by courier")
        PICKUP = "pickup", _("Pick-up in the park")
        NONE = "none", _("Nothing to deliver")

    audit_masked = ("contact_name_enc", "contact_phone_enc", "address_enc", "invoice_tax_id")

    number = models.CharField(_("order number"), max_length=20, unique=True)
    token = models.CharField(max_length=32, unique=True, editable=False)
    channel = models.CharField(_("channel"), max_length=6, choices=Channel.choices, default=Channel.WEB)
    member = models.ForeignKey("shop.Member", verbose_name=_("member"), on_delete=models.PROTECT, related_name="orders")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    delivery = models.CharField(_("delivery"), max_length=6, choices=Delivery.choices)
    pickup_point = models.ForeignKey(
        "shop.ShopPoint",
        verbose_name=_("pick-up at"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    pickup_code = models.CharField(_("pick-up code"), max_length=16, null=True, blank=True, unique=True)
    picked_up_at = models.DateTimeField(_("picked up"), null=True, blank=True)
    contact_name_enc = models.BinaryField(null=True, editable=False)
    contact_name_masked = models.CharField(_("contact"), max_length=60, blank=True)
    contact_phone_enc = models.BinaryField(null=True, editable=False)
    contact_phone_index = models.CharField(max_length=64, blank=True, editable=False)
    contact_phone_masked = models.CharField(_("phone"), max_length=20, blank=True)
    region = models.CharField(_("province"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=30, blank=True)
    address_enc = models.BinaryField(null=True, editable=False)
    address_masked = models.CharField(_("address"), max_length=120, blank=True)
    subtotal = models.DecimalField(_("at shelf prices"), max_digits=10, decimal_places=2, default=0)
    discount = models.DecimalField(_("discounts"), max_digits=10, decimal_places=2, default=0)
    points_used = models.PositiveIntegerField(_("points used"), default=0)
    shipping_fee = models.DecimalField(_("shipping"), max_digits=8, decimal_places=2, default=0)
    total = models.DecimalField(_("to pay (CNY)"), max_digits=10, decimal_places=2, default=0)
    refunded_amount = models.DecimalField(_("refunded (CNY)"), max_digits=10, decimal_places=2, default=0)
    breakdown = models.JSONField(_("price breakdown"), default=dict, editable=False)
    ticket_order = models.CharField(_("ticket order"), max_length=20, blank=True)
    ticket_order_id = models.PositiveIntegerField(null=True, blank=True, editable=False)
    invoice_title = models.CharField(_("invoice title (发票抬头)"), max_length=100, blank=True)
    invoice_tax_id = models.CharField(_("taxpayer id"), max_length=20, blank=True)
    invoice_email = models.CharField(_("invoice e-mail"), max_length=100, blank=True)
    note = models.CharField(_("buyer's note"), max_length=200, blank=True)
    language = models.CharField(max_length=8, default="zh-hans", editable=False)
    pay_by = models.DateTimeField(_("pay by"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"))
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("shop order")
        verbose_name_plural = _("shop orders")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["status", "pay_by"]),
            models.Index(fields=["created_at"]),
            models.Index(fields=["paid_at"]),
            models.Index(fields=["contact_phone_index"]),
        ]

    def __str__(self) -> str:
        return self.number


class OrderLine(models.Model):
    class Kind(models.TextChoices):
        GOODS = "goods", _("Goods")
        TICKET = "ticket", _("Ticket")
        CARD = "card", _("Pick-up card")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    # The hot rows a checkout then UPDATEs (a SKU's pre-sale quota, a point's stock, a flash sale's
    # quota) carry no database FOREIGN KEY from the rows the checkout inserts first: its check would
    # take a shared lock that two checkouts then both try to upgrade (a deadlock). Django's PROTECT
    # still keeps them from being deleted.
    sku = models.ForeignKey(
        "shop.Sku", verbose_name=_("SKU"), null=True, blank=True, on_delete=models.PROTECT, db_constraint=False
    )
    description = models.CharField(_("item"), max_length=160)
    quantity = models.PositiveSmallIntegerField(_("quantity"))
    unit_price = models.DecimalField(_("shelf price"), max_digits=10, decimal_places=2)
    activity = models.CharField(_("activity"), max_length=40, blank=True)
    discount = models.DecimalField(_("discounts"), max_digits=10, decimal_places=2, default=0)
    total = models.DecimalField(_("line total"), max_digits=10, decimal_places=2)
    breakdown = models.JSONField(default=list, editable=False)
    presale = models.BooleanField(default=False)
    ships_from = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["id"]


class Reservation(models.Model):
    """Stock held for an unpaid order until `expires_at`: consumed by the payment or released once."""

    class State(models.TextChoices):
        HELD = "held", _("Held")
        CONSUMED = "consumed", _("Sold")
        RELEASED = "released", _("Released")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="reservations")
    stock = models.ForeignKey(
        "shop.Stock", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    sku = models.ForeignKey("shop.Sku", on_delete=models.PROTECT, related_name="+", db_constraint=False)
    presale = models.BooleanField(default=False)
    flash_sale = models.ForeignKey(
        "shop.FlashSale", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    quantity = models.PositiveSmallIntegerField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.HELD)
    expires_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("stock reservation")
        verbose_name_plural = _("stock reservations")
        indexes = [models.Index(fields=["state", "expires_at"])]


class Payment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    provider = models.CharField(_("provider"), max_length=20)
    reference = models.CharField(_("reference"), max_length=32, unique=True)
    provider_ref = models.CharField(_("provider's reference"), max_length=64, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)
    refunded_amount = models.DecimalField(_("refunded"), max_digits=10, decimal_places=2, default=0)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("created"))
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    class Meta:
        verbose_name = _("shop payment")
        verbose_name_plural = _("shop payments")
        ordering = ["-id"]


class PaymentNotification(models.Model):
    provider = models.CharField(max_length=20)
    notification_id = models.CharField(max_length=64)
    payment = models.ForeignKey(Payment, null=True, on_delete=models.SET_NULL, related_name="+")
    outcome = models.CharField(max_length=20)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["provider", "notification_id"], name="shop_notification_once")]


class Refund(models.Model):
    """Money back for an order: unique per cause (`key`), so a settlement or a retry refunds once."""

    class Status(models.TextChoices):
        AWAITING = "awaiting", _("Awaiting approval")
        PENDING = "pending", _("Being refunded")
        SUCCEEDED = "succeeded", _("Refunded")
        DECLINED = "declined", _("Declined")

    order = models.ForeignKey(
        Order, verbose_name=pgettext_lazy("sales", "order"), on_delete=models.PROTECT, related_name="refunds"
    )
    payment = models.ForeignKey(Payment, null=True, on_delete=models.PROTECT, related_name="refunds")
    key = models.CharField(max_length=60, unique=True, editable=False)
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)
    reason = models.CharField(_("reason"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    provider_ref = models.CharField(max_length=64, blank=True)
    state = models.CharField(_("approval"), max_length=30, blank=True, editable=False)  # owned by the workflow
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"))
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    class Meta:
        verbose_name = _("shop refund")
        verbose_name_plural = _("shop refunds")
        ordering = ["-id"]
