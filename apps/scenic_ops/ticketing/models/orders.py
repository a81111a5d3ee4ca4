"""Orders, real-name tickets, per-ID claims, payments and refunds.

Orders and tickets are written by `services` with raw SQL on the hot path; their state
changes are recorded in the audit trail explicitly (`audit.record`), not by save().
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Channel(models.TextChoices):
    WEB = "web", _("Own web portal")
    COUNTER = "counter", _("Ticket counter")
    PARTNER = "partner", _("OTA partner")
    AGENCY = "agency", _("Travel agency")
    STAFF = "staff", _("Staff-assisted (elderly)")


class Order(models.Model):
    class Status(models.TextChoices):
        HELD = "held", _("Held, awaiting payment")
        CONFIRMED = "confirmed", _("Confirmed")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Expired unpaid")
        REFUNDED = "refunded", _("Refunded")

    class PaymentMethod(models.TextChoices):
        NONE = "", _("Not paid")
        ONLINE = "online", _("Online payment")
        CASH = "cash", _("Cash")
        CARD = "card", _("Bank card")
        QR = "qr", _("QR payment at the counter")
        ACCOUNT = "account", _("Partner account (prepaid)")
        FREE = "free", _("Free of charge")

    number = models.CharField(_("order number"), max_length=20, unique=True)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    # Hot references (every booking points at the same partner, product, category and slot rows)
    # carry no database FOREIGN KEY: its check would take a shared lock on those rows in every
    # booking transaction. Django's PROTECT still keeps them from being deleted.
    partner = models.ForeignKey(
        "ticketing.Partner",
        verbose_name=_("partner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_constraint=False,
    )
    external_id = models.CharField(_("partner's order id"), max_length=64, null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    visit_date = models.DateField(_("visit date"))
    ticket_count = models.PositiveSmallIntegerField(_("tickets"), default=0)
    total = models.DecimalField(_("total (CNY)"), max_digits=10, decimal_places=2, default=0)
    refunded_amount = models.DecimalField(_("refunded (CNY)"), max_digits=10, decimal_places=2, default=0)
    payment_method = models.CharField(_("payment"), max_length=8, choices=PaymentMethod.choices, blank=True, default="")
    contact_name_enc = models.BinaryField(null=True, editable=False)
    contact_name_masked = models.CharField(_("contact"), max_length=60, blank=True)
    contact_phone_enc = models.BinaryField(null=True, editable=False)
    contact_phone_index = models.CharField(max_length=64, blank=True, editable=False)
    contact_phone_masked = models.CharField(_("phone"), max_length=20, blank=True)
    group_name = models.CharField(_("group / guide"), max_length=120, blank=True)
    language = models.CharField(max_length=8, default="zh-hans", editable=False)
    hold_expires_at = models.DateTimeField(_("hold expires"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"))
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    closed_at = models.DateTimeField(_("cancelled/expired"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sold by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = pgettext_lazy("sales", "order")
        verbose_name_plural = _("orders")
        ordering = ["-id"]
        # external_id first: the same index finds an order by the partner's id in the desk search.
        constraints = [models.UniqueConstraint(fields=["external_id", "partner"], name="tk_order_partner_external")]
        # Each index costs every booking an insert: only what the expiry job, the desk filters,
        # the reports (by confirmation time) and the phone look-up need.
        indexes = [
            models.Index(fields=["status", "hold_expires_at"]),
            models.Index(fields=["visit_date", "status", "channel"]),  # the desk's filters, index-only counts
            models.Index(fields=["confirmed_at"]),
            models.Index(fields=["created_at"]),
            models.Index(fields=["contact_phone_index"]),
        ]

    def __str__(self) -> str:
        return self.number


class Ticket(models.Model):
    """One person's right to enter (or ride, or see) in one time slot."""

    class Status(models.TextChoices):
        HELD = "held", _("Held")
        VALID = "valid", _("Valid")
        USED = "used", _("Used")
        REFUNDED = "refunded", _("Refunded")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Expired unpaid")

    class IdType(models.TextChoices):
        RESIDENT = "resident", _("Resident identity card")
        RESIDENCE_PERMIT = "permit", _("Residence permit for HK, Macao and Taiwan residents")
        PASSPORT = "passport", _("Passport")
        HK_MACAO_PASS = "hkmo", _("Mainland travel permit for HK and Macao residents")
        TAIWAN_PASS = "tw", _("Mainland travel permit for Taiwan residents")

    code = models.CharField(_("ticket code"), max_length=16, unique=True)
    order = models.ForeignKey(
        Order, verbose_name=pgettext_lazy("sales", "order"), on_delete=models.CASCADE, related_name="tickets"
    )
    product = models.ForeignKey(
        "ticketing.Product", verbose_name=_("product"), on_delete=models.PROTECT, db_constraint=False
    )
    category = models.ForeignKey(
        "ticketing.PriceCategory", verbose_name=_("category"), on_delete=models.PROTECT, db_constraint=False
    )
    slot = models.ForeignKey(
        "ticketing.TimeSlot", verbose_name=_("time slot"), on_delete=models.PROTECT, db_constraint=False
    )
    date = models.DateField(_("visit date"))
    price = models.DecimalField(_("price (CNY)"), max_digits=8, decimal_places=2)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    id_type = models.CharField(_("ID type"), max_length=10, choices=IdType.choices)
    id_number_enc = models.BinaryField(null=True, editable=False)
    id_number_index = models.CharField(max_length=64, editable=False)
    id_number_masked = models.CharField(_("ID number"), max_length=40)
    name_enc = models.BinaryField(null=True, editable=False)
    name_masked = models.CharField(_("name"), max_length=60)
    phone_enc = models.BinaryField(null=True, editable=False)
    phone_masked = models.CharField(_("phone"), max_length=20, blank=True)
    # Analytics attributes kept after personal data is purged (GB/T 35273: minimal, de-identified).
    region_code = models.CharField(_("region code"), max_length=6, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=1, blank=True)
    check_document = models.CharField(
        _("check document"), max_length=60, blank=True, help_text=_("Shown at the gate: the document to check.")
    )
    # Buckets taken, "id:used:reserved;…" — exactly what a release must give back.
    takes = models.CharField(max_length=160, editable=False)
    claim_scope = models.CharField(max_length=24, blank=True, editable=False)
    uses_allowed = models.PositiveSmallIntegerField(_("entries allowed"), default=1)
    used_count = models.PositiveSmallIntegerField(_("entries used"), default=0)
    first_used_at = models.DateTimeField(_("first entry"), null=True, blank=True)
    refund = models.ForeignKey(
        "ticketing.Refund", verbose_name=_("refund"), null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("created"))
    personal_data_purged = models.BooleanField(_("personal data purged"), default=False)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["id_number_index", "date"]),
            models.Index(fields=["date", "status"]),
            models.Index(fields=["product", "date"]),
        ]

    def __str__(self) -> str:
        return self.code


class Visitor(Ticket):
    """The desk's view of real-name visitors (masked), over the ticket table."""

    class Meta:
        proxy = True
        verbose_name = _("visitor")
        verbose_name_plural = _("visitors")


class IdClaim(models.Model):
    """Per-ID limit: one row per (ID blind index, day, scope), counted with a conditional UPDATE."""

    id_index = models.CharField(max_length=64)
    date = models.DateField()
    scope = models.CharField(max_length=24)
    count = models.IntegerField(default=0)
    max_count = models.IntegerField(default=1)

    class Meta:
        verbose_name = _("ID claim")
        verbose_name_plural = _("ID claims")
        constraints = [
            models.UniqueConstraint(fields=["id_index", "date", "scope"], name="tk_idclaim_unique"),
            # The database itself refuses a claim over the limit, also under concurrency.
            models.CheckConstraint(condition=models.Q(count__lte=models.F("max_count")), name="tk_idclaim_limit"),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.date}: {self.count}"


class Payment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("payment", "Pending")
        SUCCEEDED = "succeeded", _("Paid")
        FAILED = "failed", _("Failed")

    order = models.ForeignKey(
        Order, verbose_name=pgettext_lazy("sales", "order"), on_delete=models.PROTECT, related_name="payments"
    )
    provider = models.CharField(_("provider"), max_length=16)
    method = models.CharField(_("method"), max_length=8, choices=Order.PaymentMethod.choices)
    reference = models.CharField(_("our reference"), max_length=32, unique=True)
    provider_ref = models.CharField(_("provider reference"), max_length=64, blank=True)
    amount = models.DecimalField(_("amount (CNY)"), max_digits=10, decimal_places=2)
    refunded_amount = models.DecimalField(_("refunded (CNY)"), max_digits=10, decimal_places=2, default=0)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-id"]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return self.reference


class PaymentNotification(models.Model):
    """Every provider notification received; the unique id makes a replay harmless."""

    provider = models.CharField(_("provider"), max_length=16)
    notification_id = models.CharField(_("notification id"), max_length=64)
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=40)
    body = models.JSONField(_("body"), default=dict)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        verbose_name = _("payment notification")
        verbose_name_plural = _("payment notifications")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "notification_id"], name="tk_payment_notification_once")
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.notification_id}"


class Refund(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending at the provider")
        SUCCEEDED = "succeeded", _("Refunded")
        FAILED = "failed", _("Failed")

    order = models.ForeignKey(
        Order, verbose_name=pgettext_lazy("sales", "order"), on_delete=models.PROTECT, related_name="refunds"
    )
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="refunds")
    method = models.CharField(_("refunded by"), max_length=8, choices=Order.PaymentMethod.choices, blank=True)
    amount = models.DecimalField(_("refund (CNY)"), max_digits=10, decimal_places=2)
    fee = models.DecimalField(_("fee kept (CNY)"), max_digits=10, decimal_places=2, default=0)
    ticket_count = models.PositiveSmallIntegerField(_("tickets"), default=0)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    provider_ref = models.CharField(_("provider reference"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created"))
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["-id"]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"{self.order} −{self.amount}"
