"""Catalog: products and variants with the business's own SKUs, units, taxes and price lists."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from oms.core.models import CustomFieldsMixin, MoneyField
from oms.parties.models import CustomerGroup


class UnitOfMeasure(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=50)
    decimals = models.PositiveSmallIntegerField(_("decimals allowed"), default=0,
                                                help_text=_("0 for pieces, 3 for kilograms"))

    class Meta:
        verbose_name = _("unit of measure")
        verbose_name_plural = _("units of measure")

    def __str__(self) -> str:
        return self.code


class TaxCategory(models.Model):
    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    rate = models.DecimalField(_("rate (%)"), max_digits=7, decimal_places=4, default=0)

    class Meta:
        verbose_name = _("tax category")
        verbose_name_plural = _("tax categories")

    def __str__(self) -> str:
        # format(..., "f"): 20.0000 shows as 20, where str(normalize()) would show 2E+1
        return f"{self.name} ({format(self.rate.normalize(), 'f')}%)"


class CatalogSettings(models.Model):
    """Per-business catalog rules; one row."""

    sku_pattern = models.CharField(_("SKU pattern (regular expression)"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("catalog settings")
        verbose_name_plural = _("catalog settings")


class Product(CustomFieldsMixin):
    class Type(models.TextChoices):
        STOCKED = "stocked", _("stocked good")
        CONSUMABLE = "consumable", _("consumable")
        SERVICE = "service", _("service")

    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200, db_index=True)
    description = models.TextField(_("description"), blank=True)
    product_type = models.CharField(_("type"), max_length=20, choices=Type.choices, default=Type.STOCKED)
    unit = models.ForeignKey(UnitOfMeasure, on_delete=models.PROTECT, related_name="products",
                             verbose_name=_("unit"))
    barcode = models.CharField(_("barcode"), max_length=14, blank=True, db_index=True,
                               help_text=_("EAN-13, UPC-A or EAN-8"))
    tax_category = models.ForeignKey(TaxCategory, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="products", verbose_name=_("tax category"))
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="variants",
                               verbose_name=_("variant of"))
    variant_attributes = models.JSONField(_("variant attributes"), default=dict, blank=True,
                                          help_text=_('e.g. {"size": "M", "colour": "red"}'))
    allow_backorder = models.BooleanField(_("allow backorders"), default=False)
    low_stock_threshold = models.DecimalField(_("low-stock threshold"), max_digits=19, decimal_places=4,
                                              null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["sku"]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"

    @property
    def is_stocked(self) -> bool:
        return self.product_type == self.Type.STOCKED


class PriceList(models.Model):
    name = models.CharField(_("name"), max_length=100)
    currency = models.CharField(_("currency"), max_length=3)
    customer_group = models.ForeignKey(CustomerGroup, on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="price_lists", verbose_name=_("customer group"),
                                       help_text=_("Empty: applies to every customer"))
    tax_inclusive = models.BooleanField(_("prices include tax"), default=False)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    priority = models.IntegerField(_("priority"), default=0, help_text=_("Higher wins when several apply"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("price list")
        verbose_name_plural = _("price lists")

    def __str__(self) -> str:
        return f"{self.name} ({self.currency})"


class PriceListItem(models.Model):
    # No index of its own: catalog_price_break_unique starts with it.
    price_list = models.ForeignKey(PriceList, db_index=False, on_delete=models.CASCADE, related_name="items",
                                   verbose_name=_("price list"))
    # No index of its own: catalog_price_lookup_idx starts with it.
    product = models.ForeignKey(Product, db_index=False, on_delete=models.CASCADE, related_name="price_items",
                                verbose_name=_("product"))
    min_quantity = models.DecimalField(_("from quantity"), max_digits=19, decimal_places=4, default=1)
    price = MoneyField(_("unit price"))

    class Meta:
        verbose_name = _("price")
        verbose_name_plural = _("prices")
        constraints = [
            models.UniqueConstraint(fields=["price_list", "product", "min_quantity"], name="catalog_price_break_unique"),
        ]
        indexes = [models.Index(fields=["product", "price_list"], name="catalog_price_lookup_idx")]
