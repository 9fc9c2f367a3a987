"""Inventory: warehouses, locations, stock levels and the append-only stock move ledger.

Stock levels are a cache of the ledger: every change is a StockMove row written in the same
transaction as the level update, and ``oms stock check`` proves the two agree.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from oms.catalog.models import Product

QTY = {"max_digits": 19, "decimal_places": 4}


class Warehouse(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    address = models.JSONField(_("address"), default=dict, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Location(models.Model):
    class Kind(models.TextChoices):
        STOCK = "stock", _("stock")
        RECEIVING = "receiving", _("receiving")
        SHIPPING = "shipping", _("shipping")
        DAMAGED = "damaged", _("damaged")
        SCRAP = "scrap", _("scrap")

    # No index of its own: inventory_location_unique_code starts with it.
    warehouse = models.ForeignKey(Warehouse, db_index=False, on_delete=models.PROTECT, related_name="locations",
                                  verbose_name=_("warehouse"))
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.STOCK)
    is_default = models.BooleanField(_("default for the warehouse"), default=False)

    class Meta:
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "code"], name="inventory_location_unique_code"),
            models.UniqueConstraint(fields=["warehouse"], condition=Q(is_default=True),
                                    name="inventory_one_default_location"),
        ]

    def __str__(self) -> str:
        return f"{self.warehouse.code}/{self.code}"


class StockLevel(models.Model):
    """On-hand and reserved quantity of one product at one location.

    The check constraint is the last line of defence against overselling: even a bug elsewhere
    cannot commit more reserved than on hand for a product that does not allow backorders.
    """

    # No index of its own: inventory_level_unique starts with it.
    product = models.ForeignKey(Product, db_index=False, on_delete=models.PROTECT, related_name="stock_levels",
                                verbose_name=_("product"))
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="stock_levels",
                                 verbose_name=_("location"))
    on_hand = models.DecimalField(_("on hand"), default=0, **QTY)
    reserved = models.DecimalField(_("reserved"), default=0, **QTY)
    backorder_allowed = models.BooleanField(_("backorders allowed"), default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        constraints = [
            models.UniqueConstraint(fields=["product", "location"], name="inventory_level_unique"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="inventory_reserved_not_negative"),
            models.CheckConstraint(condition=Q(backorder_allowed=True) | Q(on_hand__gte=F("reserved")),
                                   name="inventory_no_oversell"),
            models.CheckConstraint(condition=Q(backorder_allowed=True) | Q(on_hand__gte=0),
                                   name="inventory_on_hand_not_negative"),
        ]

    @property
    def available(self):
        return self.on_hand - self.reserved


class StockMove(models.Model):
    """One change of stock. Append-only: corrections are new moves."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("receipt")
        RESERVATION = "reservation", _("reservation")
        RELEASE = "release", _("release")
        SHIPMENT = "shipment", _("shipment")
        ADJUSTMENT = "adjustment", _("adjustment")
        TRANSFER_OUT = "transfer_out", _("transfer out")
        TRANSFER_IN = "transfer_in", _("transfer in")

    # No index of its own: inventory_move_product_idx starts with it.
    product = models.ForeignKey(Product, db_index=False, on_delete=models.PROTECT, related_name="stock_moves",
                                verbose_name=_("product"))
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="stock_moves",
                                 verbose_name=_("location"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    on_hand_delta = models.DecimalField(_("on-hand change"), default=0, **QTY)
    reserved_delta = models.DecimalField(_("reserved change"), default=0, **QTY)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    reference = models.CharField(_("reference"), max_length=100, blank=True, db_index=True,
                                 help_text=_("The document behind the move, e.g. sales.order:SO-2026-00001"))
    # What one unit cost, for goods received from a supplier (empty for every other move).
    unit_cost = models.DecimalField(_("unit cost"), null=True, blank=True, max_digits=19, decimal_places=4)
    cost_currency = models.CharField(_("cost currency"), max_length=3, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("stock move")
        verbose_name_plural = _("stock moves")
        indexes = [models.Index(fields=["product", "location", "id"], name="inventory_move_product_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(unit_cost__isnull=True) | Q(unit_cost__gte=0),
                                   name="inventory_move_unit_cost_not_negative"),
        ]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Stock moves are append-only")
        super().save(*args, **kwargs)


class Reservation(models.Model):
    """How much of a product one document (an order) holds at one location."""

    reference = models.CharField(max_length=100)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="reservations")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="reservations")
    quantity = models.DecimalField(default=0, **QTY)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["reference", "product", "location"], name="inventory_reservation_unique"),
        ]
