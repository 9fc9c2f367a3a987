"""Purchasing: supplier price lists, reorder levels, purchase orders, receipts, supplier bills, costs."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from oms.catalog.models import Product
from oms.core.models import MoneyField
from oms.inventory.models import Location, StockMove, Warehouse
from oms.parties.models import Party
from oms.payments.models import Payment
from oms.purchasing.states import BillStatus, POStatus

QTY = {"max_digits": 19, "decimal_places": 4}
PERCENT = {"max_digits": 7, "decimal_places": 4}


class PurchasingSettings(models.Model):
    """The business's tolerances; one row (defaults apply until it exists)."""

    receipt_tolerance_percent = models.DecimalField(
        _("over-receipt tolerance %"), default=0, **PERCENT,
        help_text=_("How much more than ordered a line may receive, as a share of the ordered quantity"))
    bill_quantity_tolerance_percent = models.DecimalField(
        _("bill quantity tolerance %"), default=0, **PERCENT,
        help_text=_("How much more than received a bill may charge before it is held"))
    bill_price_tolerance_percent = models.DecimalField(
        _("bill price tolerance %"), default=0, **PERCENT,
        help_text=_("How far a billed unit price may differ from the order's before the bill is held"))

    class Meta:
        verbose_name = _("purchasing settings")
        verbose_name_plural = _("purchasing settings")
        constraints = [
            models.CheckConstraint(condition=Q(receipt_tolerance_percent__gte=0, bill_quantity_tolerance_percent__gte=0,
                                               bill_price_tolerance_percent__gte=0),
                                   name="purchasing_tolerances_not_negative"),
        ]

    def __str__(self) -> str:
        return str(_("purchasing settings"))


class SupplierItem(models.Model):
    """One line of a supplier's price list: their part number for one of our products."""

    # No index of its own: purchasing_item_unique starts with it.
    supplier = models.ForeignKey(Party, db_index=False, on_delete=models.PROTECT, related_name="supplier_items",
                                 verbose_name=_("supplier"))
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="supplier_items",
                                verbose_name=_("product"))
    supplier_sku = models.CharField(_("supplier's part number"), max_length=64, blank=True)
    price = MoneyField(_("unit price"))
    currency = models.CharField(_("currency"), max_length=3)
    min_order_quantity = models.DecimalField(_("minimum order quantity"), default=1, **QTY)
    lead_time_days = models.PositiveIntegerField(_("lead time (days)"), default=7)
    preferred = models.BooleanField(_("preferred supplier"), default=False)
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("supplier price")
        verbose_name_plural = _("supplier prices")
        ordering = ["supplier__code", "product__sku"]
        constraints = [
            models.UniqueConstraint(fields=["supplier", "product"], name="purchasing_item_unique"),
            models.UniqueConstraint(fields=["supplier", "supplier_sku"], condition=~Q(supplier_sku=""),
                                    name="purchasing_item_unique_supplier_sku"),
            models.UniqueConstraint(fields=["product"], condition=Q(preferred=True),
                                    name="purchasing_one_preferred_supplier"),
            models.CheckConstraint(condition=Q(price__gte=0), name="purchasing_item_price_not_negative"),
            models.CheckConstraint(condition=Q(min_order_quantity__gt=0), name="purchasing_item_moq_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.supplier.code} {self.supplier_sku or self.product.sku}"


class ReorderRule(models.Model):
    """Min and max stock of a product in a warehouse: below min, replenishment buys up to max."""

    # No index of its own: purchasing_rule_unique starts with it.
    product = models.ForeignKey(Product, db_index=False, on_delete=models.CASCADE, related_name="reorder_rules",
                                verbose_name=_("product"))
    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="reorder_rules",
                                  verbose_name=_("warehouse"))
    min_quantity = models.DecimalField(_("min level"), **QTY)
    max_quantity = models.DecimalField(_("max level"), **QTY)

    class Meta:
        verbose_name = _("reorder rule")
        verbose_name_plural = _("reorder rules")
        constraints = [
            models.UniqueConstraint(fields=["product", "warehouse"], name="purchasing_rule_unique"),
            models.CheckConstraint(condition=Q(min_quantity__gte=0) & Q(max_quantity__gte=F("min_quantity")),
                                   name="purchasing_rule_min_max"),
        ]

    def __str__(self) -> str:
        return f"{self.product.sku} @ {self.warehouse.code}"


class ProductCost(models.Model):
    """The moving-average unit cost of a product's received goods, per currency (no conversion)."""

    # No index of its own: purchasing_cost_unique starts with it.
    product = models.ForeignKey(Product, db_index=False, on_delete=models.PROTECT, related_name="costs",
                                verbose_name=_("product"))
    currency = models.CharField(_("currency"), max_length=3)
    average_cost = models.DecimalField(_("average unit cost"), **QTY)
    received_quantity = models.DecimalField(_("received to date"), default=0, **QTY)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("product cost")
        verbose_name_plural = _("product costs")
        constraints = [models.UniqueConstraint(fields=["product", "currency"], name="purchasing_cost_unique")]

    def __str__(self) -> str:
        return f"{self.product.sku} {self.average_cost} {self.currency}"


class PurchaseOrder(models.Model):
    number = models.CharField(_("number"), max_length=50, unique=True)
    # No index of its own: purchasing_po_supplier_idx starts with it.
    supplier = models.ForeignKey(Party, db_index=False, on_delete=models.PROTECT, related_name="purchase_orders",
                                 verbose_name=_("supplier"))
    currency = models.CharField(_("currency"), max_length=3)
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="purchase_orders",
                                  verbose_name=_("deliver to"))
    status = models.CharField(_("status"), max_length=20, choices=POStatus.choices, default=POStatus.DRAFT)
    expected_on = models.DateField(_("expected"), null=True, blank=True)
    total = MoneyField(_("total"), default=0)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("purchase order")
        verbose_name_plural = _("purchase orders")
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "id"], name="purchasing_po_status_idx"),
                   models.Index(fields=["supplier", "id"], name="purchasing_po_supplier_idx")]

    def __str__(self) -> str:
        return self.number

    @property
    def reference(self) -> str:
        return f"purchasing.po:{self.pk}"


class PurchaseOrderLine(models.Model):
    # No index of its own: purchasing_line_unique_position starts with it.
    order = models.ForeignKey(PurchaseOrder, db_index=False, on_delete=models.CASCADE, related_name="lines",
                              verbose_name=_("purchase order"))
    position = models.PositiveIntegerField(_("position"))
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+", verbose_name=_("product"))
    supplier_sku = models.CharField(_("supplier's part number"), max_length=64, blank=True)
    description = models.CharField(_("description"), max_length=300)
    quantity = models.DecimalField(_("quantity"), **QTY)
    unit_price = MoneyField(_("unit price"))
    line_total = MoneyField(_("line total"))
    quantity_received = models.DecimalField(_("received"), default=0, **QTY)
    quantity_billed = models.DecimalField(_("billed"), default=0, **QTY)

    class Meta:
        verbose_name = _("purchase order line")
        verbose_name_plural = _("purchase order lines")
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["order", "position"], name="purchasing_line_unique_position"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="purchasing_line_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="purchasing_line_price_not_negative"),
            models.CheckConstraint(condition=Q(quantity_received__gte=0), name="purchasing_line_received_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.order.number} #{self.position} {self.product.sku}"

    @property
    def open_quantity(self):
        return max(self.quantity - self.quantity_received, 0)


class Receipt(models.Model):
    number = models.CharField(_("number"), max_length=50, unique=True)
    purchase_order = models.ForeignKey(PurchaseOrder, on_delete=models.PROTECT, related_name="receipts",
                                       verbose_name=_("purchase order"))
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+", verbose_name=_("location"))
    received_on = models.DateField(_("received on"))
    notes = models.TextField(_("notes"), blank=True)
    backorders_filled = models.JSONField(_("backorders filled"), default=list, blank=True,
                                         help_text=_("Waiting sales orders this receipt covered"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.number

    @property
    def reference(self) -> str:
        """What the stock ledger calls this receipt (its id exists from the first write)."""
        return f"purchasing.receipt:{self.pk}"


class ReceiptLine(models.Model):
    receipt = models.ForeignKey(Receipt, on_delete=models.CASCADE, related_name="lines", verbose_name=_("receipt"))
    order_line = models.ForeignKey(PurchaseOrderLine, on_delete=models.PROTECT, related_name="receipt_lines",
                                   verbose_name=_("order line"))
    quantity = models.DecimalField(_("quantity"), **QTY)
    unit_cost = MoneyField(_("unit cost"))
    stock_move = models.OneToOneField(StockMove, on_delete=models.PROTECT, related_name="+",
                                      verbose_name=_("stock move"))

    class Meta:
        verbose_name = _("receipt line")
        verbose_name_plural = _("receipt lines")
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="purchasing_receipt_qty_positive")]


class SupplierBill(models.Model):
    number = models.CharField(_("number"), max_length=50, unique=True)
    supplier = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="supplier_bills",
                                 verbose_name=_("supplier"))
    purchase_order = models.ForeignKey(PurchaseOrder, on_delete=models.PROTECT, related_name="bills",
                                       verbose_name=_("purchase order"))
    supplier_reference = models.CharField(_("supplier's invoice number"), max_length=100)
    currency = models.CharField(_("currency"), max_length=3)
    bill_date = models.DateField(_("bill date"))
    due_date = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=20, choices=BillStatus.choices, default=BillStatus.OPEN)
    total = MoneyField(_("total"), default=0)
    amount_paid = MoneyField(_("paid"), default=0)
    differences = models.JSONField(_("match differences"), default=list, blank=True)
    hold_reason = models.CharField(_("hold reason"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("supplier bill")
        verbose_name_plural = _("supplier bills")
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "due_date"], name="purchasing_bill_status_idx")]
        constraints = [
            # A cancelled bill frees its reference: the supplier's invoice may be entered again, correctly.
            models.UniqueConstraint(fields=["supplier", "supplier_reference"], name="purchasing_bill_unique_ref",
                                    condition=~Q(status=BillStatus.CANCELLED)),
            models.CheckConstraint(condition=Q(amount_paid__gte=0) & Q(amount_paid__lte=F("total")),
                                   name="purchasing_bill_paid_within_total"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def balance(self):
        return self.total - self.amount_paid


class SupplierBillLine(models.Model):
    # No index of its own: purchasing_bill_line_unique starts with it.
    bill = models.ForeignKey(SupplierBill, db_index=False, on_delete=models.CASCADE, related_name="lines",
                             verbose_name=_("bill"))
    order_line = models.ForeignKey(PurchaseOrderLine, on_delete=models.PROTECT, related_name="bill_lines",
                                   verbose_name=_("order line"))
    quantity = models.DecimalField(_("quantity"), **QTY)
    unit_price = MoneyField(_("unit price"))
    line_total = MoneyField(_("line total"))

    class Meta:
        verbose_name = _("bill line")
        verbose_name_plural = _("bill lines")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["bill", "order_line"], name="purchasing_bill_line_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="purchasing_bill_qty_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="purchasing_bill_price_not_negative"),
        ]


class BillPayment(models.Model):
    """Part of a payment to a supplier applied to one bill."""

    bill = models.ForeignKey(SupplierBill, on_delete=models.PROTECT, related_name="payments", verbose_name=_("bill"))
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="bill_payments",
                                verbose_name=_("payment"))
    amount = MoneyField(_("amount"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("bill payment")
        verbose_name_plural = _("bill payments")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="purchasing_bill_payment_positive")]
