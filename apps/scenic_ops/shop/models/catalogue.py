"""The catalogue: categories, products, their SKUs, and where the stock of each SKU is."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from scenic_ops.core.models import AuditedModel
from scenic_ops.shop.catalogue import CatalogueRow


class ShopPoint(CatalogueRow, AuditedModel):
    """A place that holds stock: the warehouse that ships, a shop or kiosk in the park (pick-up)."""

    class Kind(models.TextChoices):
        WAREHOUSE = "warehouse", _("Warehouse (ships orders)")
        STORE = "store", _("Shop in the park (pick-up, counter sales)")
        KIOSK = "kiosk", _("Self-service kiosk")

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=80)
    name_en = models.CharField(_("name (English)"), max_length=80, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    address = models.CharField(_("where"), max_length=200, blank=True)
    priority = models.PositiveSmallIntegerField(_("priority"), default=10, help_text=_("Lower ships first."))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("shop point")
        verbose_name_plural = _("shop points")
        ordering = ["priority", "code"]

    def __str__(self) -> str:
        return self.name


class Category(AuditedModel):
    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=60, blank=True)
    sort = models.PositiveSmallIntegerField(_("order"), default=10)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return self.name


class Product(CatalogueRow, AuditedModel):
    """What the visitor browses: goods, a local specialty (地理标志产品) or a ticket."""

    class Kind(models.TextChoices):
        GOODS = "goods", _("Goods")
        SPECIALTY = "specialty", _("Local specialty (geographical indication)")
        TICKET = "ticket", _("Ticket")
        CARD = "card", _("Pick-up card (提货卡)")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.PROTECT)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.GOODS)
    name = models.CharField(_("name"), max_length=80)
    name_en = models.CharField(_("name (English)"), max_length=80, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    image = models.ImageField(_("image"), upload_to="shop/products/", blank=True)
    origin = models.CharField(_("origin"), max_length=80, blank=True, help_text=_("Where a specialty comes from."))
    gi_number = models.CharField(
        _("geographical indication"), max_length=40, blank=True, help_text=_("The GI registration or label number.")
    )
    sale_from = models.DateField(_("on sale from"), null=True, blank=True)
    sale_until = models.DateField(_("on sale until"), null=True, blank=True)
    ships_from = models.DateField(
        _("ships from"), null=True, blank=True, help_text=_("Pre-sale: orders ship after this date (after picking).")
    )
    ticket_product = models.CharField(
        _("ticket product code"), max_length=40, blank=True, help_text=_("For a ticket: the ticketing product sold.")
    )
    ticket_category = models.CharField(_("ticket category code"), max_length=40, blank=True)
    active = models.BooleanField(_("on sale"), default=True)
    sort = models.PositiveSmallIntegerField(_("order"), default=10)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return self.name

    def display_name(self, lang: str) -> str:
        return (self.name_en or self.name) if lang == "en" else self.name

    def display_description(self, lang: str) -> str:
        return (self.description_en or self.description) if lang == "en" else self.description


class Sku(CatalogueRow, AuditedModel):
    """One sellable variant: size, weight, gift box; its price and, for a pre-sale, its quota."""

    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="skus")
    code = models.SlugField(_("SKU code"), max_length=40, unique=True)
    spec = models.CharField(_("specification"), max_length=60, blank=True)
    spec_en = models.CharField(_("specification (English)"), max_length=60, blank=True)
    price = models.DecimalField(_("price (CNY)"), max_digits=10, decimal_places=2)
    weight_g = models.PositiveIntegerField(_("shipping weight (g)"), default=0)
    gift_box = models.BooleanField(_("gift box"), default=False)
    presale_quota = models.PositiveIntegerField(
        _("pre-sale quota"),
        null=True,
        blank=True,
        help_text=_("Set for a pre-sale: how many may be sold before picking."),
    )
    presale_sold = models.PositiveIntegerField(_("pre-sold"), default=0, editable=False)
    delivers = models.ForeignKey(
        "self",
        verbose_name=_("redeemed for"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("For a pick-up card: the goods it is redeemed for."),
    )
    max_per_order = models.PositiveSmallIntegerField(_("at most per order"), default=20)
    active = models.BooleanField(_("on sale"), default=True)

    class Meta:
        verbose_name = _("SKU")
        verbose_name_plural = _("SKUs")
        ordering = ["product", "price"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(presale_quota__isnull=True) | models.Q(presale_sold__lte=models.F("presale_quota")),
                name="shop_sku_presale_within_quota",
            )
        ]

    def __str__(self) -> str:
        return f"{self.product.name} {self.spec}".strip()

    def display_spec(self, lang: str) -> str:
        return (self.spec_en or self.spec) if lang == "en" else self.spec


class Stock(CatalogueRow, models.Model):
    """How many of a SKU one point holds: free to sell, held by unpaid checkouts, sold.

    Changed only by conditional UPDATEs (`services/stock.py`): `available` never goes below 0
    (a CHECK constraint too), so two buyers of the last unit cannot both get it.
    """

    sku = models.ForeignKey(Sku, verbose_name=_("SKU"), on_delete=models.PROTECT, related_name="stocks")
    point = models.ForeignKey(ShopPoint, verbose_name=_("point"), on_delete=models.PROTECT, related_name="stocks")
    available = models.PositiveIntegerField(_("available"), default=0)
    reserved = models.PositiveIntegerField(_("held by checkouts"), default=0)
    sold = models.PositiveIntegerField(_("sold"), default=0)
    low_alert = models.PositiveIntegerField(_("alert below"), default=5)
    alerted_at = models.DateTimeField(_("low-stock alert sent"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("stock")
        verbose_name_plural = _("stock")
        constraints = [
            models.UniqueConstraint(fields=["sku", "point"], name="shop_stock_sku_point"),
            models.CheckConstraint(condition=models.Q(available__gte=0), name="shop_stock_available_not_negative"),
            models.CheckConstraint(condition=models.Q(reserved__gte=0), name="shop_stock_reserved_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.sku.code} @ {self.point.code}"
