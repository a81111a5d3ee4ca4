"""What is sold: products of five kinds, price categories with eligibility rules, prices per day type."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from scenic_ops.core.models import AuditedModel


class ProductKind(models.TextChoices):
    ADMISSION = "admission", _("Admission")
    TRANSPORT = "transport", _("In-park transport")
    ATTRACTION = "attraction", _("Core attraction")
    SHOW = "show", _("Show or event")
    SERVICE = "service", _("Related service")


class DayType(models.TextChoices):
    WORKDAY = "workday", _("Weekday")
    WEEKEND = "weekend", _("Weekend")
    HOLIDAY = "holiday", _("Public holiday")
    PEAK = "peak", _("Peak day")


class Localised:
    """`label` picks the English name when the active language is English."""

    @property
    def label(self) -> str:
        lang = (get_language() or "zh-hans").lower()
        return (getattr(self, "name_en", "") or self.name) if lang.startswith("en") else self.name


class PriceCategory(Localised, AuditedModel):
    """成人, 儿童, 老年人 …: who may buy at which price, checked against the ID number where possible."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=30)
    name_en = models.CharField(_("English name"), max_length=40, blank=True)
    min_age = models.PositiveSmallIntegerField(
        _("minimum age"), null=True, blank=True, help_text=_("Age on the visit day, from the ID number's birth date.")
    )
    max_age = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    needs_document = models.BooleanField(
        _("needs a document at the gate"), default=False, help_text=_("The gate shows 'check document'.")
    )
    document_label = models.CharField(
        pgettext_lazy("ID document", "document"), max_length=40, blank=True, help_text=_("e.g. 学生证")
    )
    document_label_en = models.CharField(_("document (English)"), max_length=60, blank=True)
    group_only = models.BooleanField(_("travel agency groups only"), default=False)
    sort_order = models.PositiveSmallIntegerField(_("display order"), default=0)
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("price category")
        verbose_name_plural = _("price categories")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def age_based(self) -> bool:
        return self.min_age is not None or self.max_age is not None


class Product(Localised, AuditedModel):
    """Something sold per time slot: admission, a shuttle or boat, an attraction, a show, a service."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=ProductKind.choices)
    description = models.TextField(_("description"), blank=True)
    description_en = models.TextField(_("English description"), blank=True)
    zone = models.ForeignKey(
        "core.Zone", verbose_name=_("zone"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    draws_site_capacity = models.BooleanField(
        _("counts against the site's capacity"),
        default=False,
        help_text=_("Admission does: each ticket takes a place from the day's and the time slot's capacity."),
    )
    own_slots = models.BooleanField(
        _("has its own time slots"),
        default=False,
        help_text=_("A show's performances, for instance, instead of the site's entry time slots."),
    )
    per_slot_capacity = models.PositiveIntegerField(
        _("capacity per time slot"),
        default=0,
        help_text=_("Seats on the boat, in the theatre…; 0 means no limit of its own."),
    )
    id_limit_per_day = models.PositiveSmallIntegerField(
        _("tickets per ID number per day"), default=0, help_text=_("0 means no limit.")
    )
    limit_scope = models.SlugField(
        _("limit shared with"),
        max_length=24,
        blank=True,
        help_text=_("Products with the same scope share the per-ID limit; empty means the product's kind."),
    )
    uses_allowed = models.PositiveSmallIntegerField(_("entries per ticket"), default=1)
    hold_minutes = models.PositiveSmallIntegerField(_("unpaid hold (minutes)"), default=15)
    refundable = models.BooleanField(_("refundable"), default=True)
    refund_deadline_hours = models.PositiveSmallIntegerField(_("refund deadline (hours before the slot)"), default=0)
    refund_fee_percent = models.DecimalField(
        _("refund fee (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    components = models.ManyToManyField(
        "self",
        verbose_name=_("bundle of"),
        through="BundleItem",
        symmetrical=False,
        blank=True,
        related_name="bundles",
    )
    sort_order = models.PositiveSmallIntegerField(_("display order"), default=0)
    active = models.BooleanField(_("on sale"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def scope(self) -> str:
        return self.limit_scope or self.kind


class BundleItem(models.Model):
    """A bundle (admission + cableway) sells one ticket that draws from each component's buckets."""

    bundle = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="bundle_items")
    component = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("bundle component")
        verbose_name_plural = _("bundle components")
        constraints = [models.UniqueConstraint(fields=["bundle", "component"], name="tk_bundle_component")]

    def __str__(self) -> str:
        return f"{self.bundle} + {self.component}"


class Price(AuditedModel):
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="prices")
    category = models.ForeignKey(PriceCategory, verbose_name=_("price category"), on_delete=models.PROTECT)
    day_type = models.CharField(_("day type"), max_length=8, choices=DayType.choices, default=DayType.WORKDAY)
    amount = models.DecimalField(
        _("price (CNY)"), max_digits=8, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("price")
        verbose_name_plural = _("prices")
        ordering = ["product", "category__sort_order", "day_type"]
        constraints = [
            models.UniqueConstraint(fields=["product", "category", "day_type"], name="tk_price_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.product} · {self.category} · {self.get_day_type_display()}: {self.amount}"
