"""Shipments: what leaves a warehouse for a sales order, line by line, with carrier and tracking."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from oms.core.models import MoneyField
from oms.inventory.models import Warehouse
from oms.sales.models import SalesOrder, SalesOrderLine
from oms.shipping.states import ShipmentStatus

QTY = {"max_digits": 19, "decimal_places": 4}


class Shipment(models.Model):
    # The number is taken from its series when the shipment ships (gap-free among shipped ones).
    number = models.CharField(_("number"), max_length=50, unique=True, null=True, blank=True)
    order = models.ForeignKey(SalesOrder, on_delete=models.PROTECT, related_name="shipments",
                              verbose_name=_("sales order"))
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="shipments",
                                  verbose_name=_("warehouse"))
    status = models.CharField(_("status"), max_length=20, choices=ShipmentStatus.choices,
                              default=ShipmentStatus.DRAFT)
    carrier = models.CharField(_("carrier"), max_length=100, blank=True)
    service = models.CharField(_("service"), max_length=100, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=100, blank=True, db_index=True)
    tracking_url = models.URLField(_("tracking URL"), max_length=500, blank=True)
    weight = models.DecimalField(_("weight (kg)"), null=True, blank=True, **QTY)
    parcels = models.PositiveIntegerField(_("parcels"), default=1)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    packed_at = models.DateTimeField(_("packed"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("shipped"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    # The label a carrier integration made (shipping/carriers.py), and which integration made it.
    label_carrier = models.CharField(_("label made by"), max_length=30, blank=True)
    label_format = models.CharField(_("label format"), max_length=10, blank=True)
    label_data = models.BinaryField(_("label"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["status", "id"], name="shipping_shipment_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(weight__isnull=True) | Q(weight__gte=0),
                                   name="shipping_shipment_weight_not_negative"),
        ]

    def __str__(self) -> str:
        return self.number or f"shipment #{self.pk}"

    @property
    def reference(self) -> str:
        """What the audit trail and events call this shipment: its id, which exists from the first write."""
        return f"shipping.shipment:{self.pk}"


class ShipmentLine(models.Model):
    # No index of its own: shipping_line_unique starts with it.
    shipment = models.ForeignKey(Shipment, db_index=False, on_delete=models.CASCADE, related_name="lines",
                                 verbose_name=_("shipment"))
    order_line = models.ForeignKey(SalesOrderLine, on_delete=models.PROTECT, related_name="shipment_lines",
                                   verbose_name=_("order line"))
    quantity = models.DecimalField(_("quantity"), **QTY)

    class Meta:
        verbose_name = _("shipment line")
        verbose_name_plural = _("shipment lines")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["shipment", "order_line"], name="shipping_line_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="shipping_line_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.shipment} {self.order_line.sku or self.order_line.description} x {self.quantity}"


class ShippingZone(models.Model):
    """Where some methods ship: a set of areas (country, optionally region and postcode pattern)."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("shipping zone")
        verbose_name_plural = _("shipping zones")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ShippingZoneArea(models.Model):
    zone = models.ForeignKey(ShippingZone, on_delete=models.CASCADE, related_name="areas",
                             verbose_name=_("shipping zone"))
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166 code, e.g. ID or US"))
    region = models.CharField(_("region"), max_length=100, blank=True, help_text=_("empty: the whole country"))
    postcode_pattern = models.CharField(_("postcode pattern"), max_length=100, blank=True,
                                        help_text=_("empty: every postcode; 10* or 1000-1999"))

    class Meta:
        verbose_name = _("zone area")
        verbose_name_plural = _("zone areas")
        ordering = ["id"]

    def __str__(self) -> str:
        return " ".join(x for x in (self.country, self.region, self.postcode_pattern) if x)


class ShippingMethod(models.Model):
    """A way to ship with its price: flat, by weight band or by order-value band, optionally free over
    an order value, optionally only to the destinations of one zone."""

    class Kind(models.TextChoices):
        FLAT = "flat", _("flat rate")
        WEIGHT_BAND = "weight_band", _("by weight band")
        VALUE_BAND = "value_band", _("by order value band")

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    carrier = models.CharField(_("carrier"), max_length=100, blank=True)
    service = models.CharField(_("service"), max_length=100, blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    kind = models.CharField(_("rate kind"), max_length=20, choices=Kind.choices, default=Kind.FLAT)
    amount = MoneyField(_("flat amount"), default=0)
    free_over = MoneyField(_("free from order value"), null=True, blank=True)
    zone = models.ForeignKey(ShippingZone, on_delete=models.PROTECT, null=True, blank=True, related_name="methods",
                             verbose_name=_("only to zone"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("shipping method")
        verbose_name_plural = _("shipping methods")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="shipping_method_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ShippingRateBand(models.Model):
    # No index of its own: shipping_band_unique starts with it.
    method = models.ForeignKey(ShippingMethod, db_index=False, on_delete=models.CASCADE, related_name="bands",
                               verbose_name=_("shipping method"))
    up_to_weight = models.DecimalField(_("up to weight (kg)"), **QTY)
    amount = MoneyField(_("amount"))

    class Meta:
        verbose_name = _("weight band")
        verbose_name_plural = _("weight bands")
        ordering = ["up_to_weight"]
        constraints = [
            models.UniqueConstraint(fields=["method", "up_to_weight"], name="shipping_band_unique"),
            models.CheckConstraint(condition=Q(up_to_weight__gt=0), name="shipping_band_weight_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.method.code} ≤ {self.up_to_weight} kg"


class ShippingValueBand(models.Model):
    # No index of its own: shipping_value_band_unique starts with it.
    method = models.ForeignKey(ShippingMethod, db_index=False, on_delete=models.CASCADE, related_name="value_bands",
                               verbose_name=_("shipping method"))
    from_value = MoneyField(_("from order value"))
    amount = MoneyField(_("amount"))

    class Meta:
        verbose_name = _("order value band")
        verbose_name_plural = _("order value bands")
        ordering = ["from_value"]
        constraints = [
            models.UniqueConstraint(fields=["method", "from_value"], name="shipping_value_band_unique"),
            models.CheckConstraint(condition=Q(from_value__gte=0), name="shipping_value_band_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.method.code} ≥ {self.from_value}"
