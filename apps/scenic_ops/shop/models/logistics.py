"""Delivery: shipping rates, shipments with their tracking, pick-up cards."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from scenic_ops.core.models import AuditedModel
from scenic_ops.shop.catalogue import CatalogueRow


class ShippingRate(CatalogueRow, AuditedModel):
    """The fee to a province: a first-kilogram price plus each further kilogram; free above an amount."""

    region = models.CharField(
        _("province"),
        max_length=20,
        unique=True,
        help_text=_("A province name as the address gives it, or * for the rest."),
    )
    first_kg = models.DecimalField(_("first kg (CNY)"), max_digits=8, decimal_places=2)
    extra_kg = models.DecimalField(_("each further kg (CNY)"), max_digits=8, decimal_places=2)
    free_over = models.DecimalField(
        _("free from (CNY)"), max_digits=10, decimal_places=2, null=True, blank=True, help_text=_("Goods total.")
    )
    ships = models.BooleanField(_("we deliver there"), default=True)

    class Meta:
        verbose_name = _("shipping rate")
        verbose_name_plural = _("shipping rates")
        ordering = ["region"]

    def __str__(self) -> str:
        return self.region


class Shipment(AuditedModel):
    class Status(models.TextChoices):
        WAITING = "waiting", _("Being packed")
        SHIPPED = "shipped", _("Shipped")
        IN_TRANSIT = "in_transit", _("In transit")
        DELIVERED = "delivered", _("Delivered")
        RETURNED = "returned", _("Returned")

    order = models.ForeignKey(
        "shop.Order", verbose_name=pgettext_lazy("sales", "order"), on_delete=models.PROTECT, related_name="shipments"
    )
    point = models.ForeignKey("shop.ShopPoint", verbose_name=_("from"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.WAITING)
    carrier = models.CharField(_("carrier"), max_length=30, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=40, blank=True)
    ships_from = models.DateField(_("ships from"), null=True, blank=True)
    events = models.JSONField(_("tracking"), default=list, editable=False)
    created_at = models.DateTimeField(_("created"))
    shipped_at = models.DateTimeField(_("shipped"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "created_at"]), models.Index(fields=["tracking_number"])]

    def __str__(self) -> str:
        return f"{self.carrier} {self.tracking_number}".strip() or f"#{self.pk}"


class PickupCard(models.Model):
    """提货卡: bought now, redeemed later by its code for a delivery date in the season."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Not yet paid")
        ACTIVE = "active", _("Ready to redeem")
        REDEEMED = "redeemed", _("Redeemed")
        VOID = "void", _("Void")

    code = models.CharField(_("card code"), max_length=20, unique=True)
    sku = models.ForeignKey("shop.Sku", verbose_name=_("goods"), on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveSmallIntegerField(_("quantity"), default=1)
    order = models.ForeignKey("shop.Order", verbose_name=_("sold in"), on_delete=models.PROTECT, related_name="cards")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    redeem_from = models.DateField(_("redeemable from"), null=True, blank=True)
    redeem_until = models.DateField(_("redeemable until"), null=True, blank=True)
    delivery_date = models.DateField(_("delivery date"), null=True, blank=True)
    redeemed_order = models.ForeignKey(
        "shop.Order", verbose_name=_("redeemed as"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    redeemed_at = models.DateTimeField(_("redeemed"), null=True, blank=True)

    class Meta:
        verbose_name = _("pick-up card")
        verbose_name_plural = _("pick-up cards")
        ordering = ["-id"]
