"""Sales orders (and quotations, which are orders in draft) with their lines and exact totals."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oms.catalog.models import Product
from oms.core.models import CustomFieldsMixin, MoneyField
from oms.inventory.models import Warehouse
from oms.parties.models import Party
from oms.sales.states import OrderStatus

QTY = {"max_digits": 19, "decimal_places": 4}


class Channel(models.TextChoices):
    BACK_OFFICE = "back_office", _("back office")
    API = "api", _("API")
    WEB = "web", _("web shop")
    POS = "pos", _("point of sale")
    EDI = "edi", _("EDI")
    IMPORT = "import", _("import")


class PaymentStatus(models.TextChoices):
    """Where the money of an order stands, as recorded by the system it came from (imported orders)."""

    NONE = "", _("not recorded")
    PENDING = "pending", _("pending")
    AUTHORIZED = "authorized", _("authorized")
    PARTIALLY_PAID = "partially_paid", _("partially paid")
    PAID = "paid", _("paid")
    PARTIALLY_REFUNDED = "partially_refunded", _("partially refunded")
    REFUNDED = "refunded", _("refunded")
    VOIDED = "voided", _("voided")


# The unique index of (channel, external_ref): a second order from a channel with the same reference.
EXTERNAL_REF_UNIQUE = "sales_order_unique_external_ref"


class SalesOrder(CustomFieldsMixin):
    number = models.CharField(_("number"), max_length=50, unique=True)
    status = models.CharField(_("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.DRAFT)
    # No index of its own: sales_order_customer_idx (customer, id) serves every lookup by customer,
    # and each placed order would otherwise write one more index entry.
    customer = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="sales_orders",
                                 verbose_name=_("customer"), db_index=False)
    currency = models.CharField(_("currency"), max_length=3)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.API)
    external_ref = models.CharField(_("external reference"), max_length=100, blank=True)
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="sales_orders",
                                  verbose_name=_("warehouse"))
    tax_inclusive = models.BooleanField(_("prices include tax"), default=False)
    billing_address = models.JSONField(_("billing address"), default=dict, blank=True)
    shipping_address = models.JSONField(_("shipping address"), default=dict, blank=True)
    subtotal = MoneyField(_("subtotal"), default=0)
    discount_total = MoneyField(_("discounts"), default=0)
    tax_total = MoneyField(_("tax"), default=0)
    total = MoneyField(_("total"), default=0)
    # Recorded as they were in the system an order was imported from (history stays true);
    # orders taken here leave them at their defaults and are paid through invoices.
    # (database defaults too, so that bulk loaders naming only the older columns keep working)
    shipping_total = MoneyField(_("shipping"), default=0, db_default=0)
    payment_status = models.CharField(_("payment status"), max_length=20, choices=PaymentStatus.choices,
                                      blank=True, default=PaymentStatus.NONE, db_default="")
    amount_paid = MoneyField(_("amount paid"), default=0, db_default=0)
    amount_refunded = MoneyField(_("amount refunded"), default=0, db_default=0)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    fulfilled_at = models.DateTimeField(_("fulfilled"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    hold_reason = models.CharField(_("hold reason"), max_length=200, blank=True)
    held_from = models.CharField(max_length=20, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # A default rather than auto_now_add, so that an imported order keeps its original date.
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)

    class Meta:
        verbose_name = _("sales order")
        verbose_name_plural = _("sales orders")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["status", "id"], name="sales_order_status_idx"),
            models.Index(fields=["customer", "id"], name="sales_order_customer_idx"),
            models.Index(fields=["channel", "id"], name="sales_order_channel_idx"),
            models.Index(fields=["created_at", "id"], name="sales_order_created_id_idx"),
            # Newest first *within* a created_at range: PostgreSQL assumes matching rows are spread
            # evenly over the ids and walks the primary key backwards; ids follow created_at, so for an
            # old range it would read most of the table. Here it walks this index instead, checking
            # created_at in the index without visiting the rows (also serves min(id) since a date).
            models.Index(fields=["id", "created_at"], name="sales_order_id_created_idx"),
            models.Index(fields=["total"], name="sales_order_total_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["channel", "external_ref"], condition=~Q(external_ref=""),
                                    name=EXTERNAL_REF_UNIQUE),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def stock_reference(self) -> str:
        """What the stock ledger calls this order: its id, which (unlike the number) exists from the
        first write and never changes."""
        return f"sales.order:{self.pk}"


class SalesOrderLine(models.Model):
    order = models.ForeignKey(SalesOrder, on_delete=models.CASCADE, related_name="lines",
                              verbose_name=_("sales order"))
    position = models.PositiveIntegerField(_("position"))
    product = models.ForeignKey(Product, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("product"))
    sku = models.CharField(_("SKU"), max_length=64, blank=True, db_index=True)
    description = models.CharField(_("description"), max_length=300)
    quantity = models.DecimalField(_("quantity"), **QTY)
    unit_price = MoneyField(_("unit price"))
    discount_percent = models.DecimalField(_("discount %"), max_digits=7, decimal_places=4, default=0)
    discount_amount = MoneyField(_("discount amount"), default=0)
    tax_rate = models.DecimalField(_("tax rate %"), max_digits=7, decimal_places=4, default=0)
    line_discount = MoneyField(_("line discount"), default=0)
    line_tax = MoneyField(_("line tax"), default=0)
    line_total = MoneyField(_("line total"), default=0)
    quantity_fulfilled = models.DecimalField(_("quantity fulfilled"), default=0, **QTY)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["position"]

    def __str__(self) -> str:
        return f"{self.order.number} #{self.position} {self.sku or self.description}"
