"""Activity prices (flash sales, group-buy deals), 满减 rules and coupons."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from scenic_ops.core.models import AuditedModel
from scenic_ops.shop.catalogue import CatalogueRow


class FlashSale(CatalogueRow, AuditedModel):
    """秒杀: a SKU at an activity price for a window, with its own quota and a per-member limit."""

    name = models.CharField(_("name"), max_length=60)
    sku = models.ForeignKey("shop.Sku", verbose_name=_("SKU"), on_delete=models.PROTECT)
    price = models.DecimalField(_("activity price (CNY)"), max_digits=10, decimal_places=2)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    quota = models.PositiveIntegerField(_("quota"))
    sold = models.PositiveIntegerField(_("sold"), default=0, editable=False)
    per_member = models.PositiveSmallIntegerField(_("at most per member"), default=1)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("flash sale")
        verbose_name_plural = _("flash sales")
        ordering = ["-starts_at"]
        constraints = [models.CheckConstraint(condition=models.Q(sold__lte=models.F("quota")), name="shop_flash_quota")]

    def __str__(self) -> str:
        return self.name


class ThresholdOffer(CatalogueRow, AuditedModel):
    """满减: spend at least `min_amount` on goods, take `off_amount` off (the best rule applies)."""

    name = models.CharField(_("name"), max_length=60)
    min_amount = models.DecimalField(_("spend at least (CNY)"), max_digits=10, decimal_places=2)
    off_amount = models.DecimalField(_("take off (CNY)"), max_digits=10, decimal_places=2)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("spend-and-save offer (满减)")
        verbose_name_plural = _("spend-and-save offers (满减)")
        ordering = ["min_amount"]

    def __str__(self) -> str:
        return self.name


class Coupon(AuditedModel):
    """A coupon code: an amount or a percentage off the goods it covers, within limits.

    `used` counts live redemptions and only moves by conditional UPDATEs (`used < total_limit`);
    each redemption is a row unique per (coupon, member, nth use), so neither a burst of buyers
    nor one buyer's double tap exceeds the limits. A failed or refunded payment gives it back.
    """

    class Kind(models.TextChoices):
        AMOUNT = "amount", _("Amount off")
        PERCENT = "percent", _("Percentage off")

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.AMOUNT)
    value = models.DecimalField(_("value"), max_digits=10, decimal_places=2, help_text=_("CNY, or percent off."))
    min_spend = models.DecimalField(_("minimum spend (CNY)"), max_digits=10, decimal_places=2, default=0)
    total_limit = models.PositiveIntegerField(_("uses in total"), default=1)
    used = models.PositiveIntegerField(_("used"), default=0, editable=False)
    per_member = models.PositiveSmallIntegerField(_("uses per member"), default=1)
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"))
    products = models.ManyToManyField("shop.Product", verbose_name=_("only for products"), blank=True)
    categories = models.ManyToManyField("shop.Category", verbose_name=_("only for categories"), blank=True)
    stacks_with_offers = models.BooleanField(
        _("combines with 满减"), default=True, help_text=_("Off: not usable on an order that already gets a 满减.")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("coupon")
        verbose_name_plural = _("coupons")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(used__lte=models.F("total_limit")), name="shop_coupon_limit")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class CouponRedemption(models.Model):
    coupon = models.ForeignKey(Coupon, on_delete=models.PROTECT, related_name="redemptions")
    member = models.ForeignKey("shop.Member", on_delete=models.PROTECT, related_name="+")
    nth = models.PositiveSmallIntegerField()
    order = models.OneToOneField("shop.Order", on_delete=models.CASCADE, related_name="coupon_redemption")
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("coupon use")
        verbose_name_plural = _("coupon uses")
        constraints = [models.UniqueConstraint(fields=["coupon", "member", "nth"], name="shop_coupon_use_once")]


class GroupDeal(AuditedModel):
    """拼团: a SKU at a group price when `size` buyers join within `hours` of the leader."""

    name = models.CharField(_("name"), max_length=60)
    sku = models.ForeignKey("shop.Sku", verbose_name=_("SKU"), on_delete=models.PROTECT)
    price = models.DecimalField(_("group price (CNY)"), max_digits=10, decimal_places=2)
    size = models.PositiveSmallIntegerField(_("group size"))
    hours = models.PositiveSmallIntegerField(_("hours to fill"), default=24)
    virtual_fill = models.BooleanField(
        _("virtual fill (虚拟成团)"),
        default=False,
        help_text=_("At the deadline, a group that is not full still succeeds."),
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("group-buy deal")
        verbose_name_plural = _("group-buy deals")
        ordering = ["-starts_at"]

    def __str__(self) -> str:
        return self.name


class Group(models.Model):
    """One group of a deal: `seats` held by its members' orders (paid or not yet), at most `size`."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed, refunded")

    deal = models.ForeignKey(GroupDeal, verbose_name=_("deal"), on_delete=models.PROTECT, related_name="groups")
    code = models.CharField(_("code"), max_length=12, unique=True)
    size = models.PositiveSmallIntegerField(_("size"))
    seats = models.PositiveSmallIntegerField(_("seats taken"), default=0)
    paid = models.PositiveSmallIntegerField(_("seats paid"), default=0)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    deadline = models.DateTimeField(_("deadline"))
    created_at = models.DateTimeField(_("opened"))
    settled_at = models.DateTimeField(_("settled"), null=True, blank=True)
    virtual = models.BooleanField(_("filled virtually"), default=False)

    class Meta:
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "deadline"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(seats__lte=models.F("size")), name="shop_group_not_overfull"),
            models.CheckConstraint(condition=models.Q(paid__lte=models.F("seats")), name="shop_group_paid_le_seats"),
        ]

    def __str__(self) -> str:
        return self.code


class GroupSeat(models.Model):
    """A member's place in a group, held by their order; freed when that order expires unpaid."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="members")
    member = models.ForeignKey("shop.Member", on_delete=models.PROTECT, related_name="+")
    order = models.OneToOneField("shop.Order", on_delete=models.CASCADE, related_name="group_seat")
    leader = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("group member")
        verbose_name_plural = _("group members")
        constraints = [models.UniqueConstraint(fields=["group", "member"], name="shop_group_member_once")]
