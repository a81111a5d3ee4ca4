"""Members: a phone number that has bought or signed in, its level, points and their ledger."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from scenic_ops.shop.catalogue import CatalogueRow


class MemberLevel(CatalogueRow, models.Model):
    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=40)
    name_en = models.CharField(_("name (English)"), max_length=40, blank=True)
    min_spent = models.DecimalField(_("from spending (CNY)"), max_digits=10, decimal_places=2, default=0)
    discount_percent = models.PositiveSmallIntegerField(
        _("member discount (%)"), default=0, help_text=_("Off goods at their shelf price; not on activity prices.")
    )
    points_per_yuan = models.PositiveSmallIntegerField(_("points per yuan"), default=1)

    class Meta:
        verbose_name = _("member level")
        verbose_name_plural = _("member levels")
        ordering = ["min_spent"]

    def __str__(self) -> str:
        return self.name


class Member(models.Model):
    """One customer, known by the blind index of their phone number (the number itself is encrypted)."""

    phone_enc = models.BinaryField(null=True, editable=False)
    phone_index = models.CharField(max_length=64, unique=True, editable=False)
    phone_masked = models.CharField(_("phone"), max_length=20)
    level = models.ForeignKey(MemberLevel, verbose_name=_("level"), null=True, blank=True, on_delete=models.PROTECT)
    points = models.PositiveIntegerField(_("points"), default=0)
    spent = models.DecimalField(_("spent (CNY)"), max_digits=12, decimal_places=2, default=0)
    created_at = models.DateTimeField(_("member since"))

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(points__gte=0), name="shop_member_points_not_negative")
        ]

    def __str__(self) -> str:
        return self.phone_masked


class PointsEntry(models.Model):
    """One change of a member's points. Earned points wait for the refund window, then count."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for the refund window")
        CREDITED = "credited", _("Credited")
        CANCELLED = "cancelled", _("Cancelled (refunded)")

    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="entries")
    delta = models.IntegerField(_("points"))
    reason = models.CharField(_("reason"), max_length=20)
    order = models.ForeignKey("shop.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    state = models.CharField(_("state"), max_length=10, choices=State.choices)
    key = models.CharField(max_length=80, unique=True, editable=False)
    created_at = models.DateTimeField(_("at"))
    available_at = models.DateTimeField(_("counts from"))

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points history")
        ordering = ["-id"]
        indexes = [models.Index(fields=["state", "available_at"])]
