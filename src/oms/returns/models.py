"""Returns (RMA): shipped goods a customer sends back, line by line, with how each was inspected
on arrival and how the return was settled (refund, store credit or exchange)."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from oms.invoicing.models import Invoice
from oms.parties.models import Party
from oms.payments.models import Payment
from oms.returns.states import ReturnStatus
from oms.sales.models import SalesOrder, SalesOrderLine

QTY = {"max_digits": 19, "decimal_places": 4}


class ReturnReason(models.TextChoices):
    DAMAGED = "damaged", _("arrived damaged")
    DEFECTIVE = "defective", _("defective")
    WRONG_ITEM = "wrong_item", _("wrong item sent")
    NOT_AS_DESCRIBED = "not_as_described", _("not as described")
    NOT_NEEDED = "not_needed", _("no longer needed")
    OTHER = "other", _("other")


class Resolution(models.TextChoices):
    REFUND = "refund", _("refund")
    STORE_CREDIT = "store_credit", _("store credit")
    EXCHANGE = "exchange", _("exchange")
    NONE = "none", _("none")


class Return(models.Model):
    number = models.CharField(_("number"), max_length=50, unique=True)
    order = models.ForeignKey(SalesOrder, on_delete=models.PROTECT, related_name="returns",
                              verbose_name=_("sales order"))
    customer = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="returns", verbose_name=_("customer"))
    status = models.CharField(_("status"), max_length=20, choices=ReturnStatus.choices,
                              default=ReturnStatus.REQUESTED)
    reason = models.CharField(_("reason"), max_length=20, choices=ReturnReason.choices)
    notes = models.TextField(_("notes"), blank=True)
    rejection_reason = models.CharField(_("rejection reason"), max_length=300, blank=True)
    resolution = models.CharField(_("resolution"), max_length=20, choices=Resolution.choices, blank=True)
    exchange_order = models.ForeignKey(SalesOrder, on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="exchange_for", verbose_name=_("exchange order"))
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("return")
        verbose_name_plural = _("returns")
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "id"], name="returns_status_idx")]

    def __str__(self) -> str:
        return self.number

    @property
    def stock_reference(self) -> str:
        """What the stock ledger calls this return."""
        return f"returns.return:{self.pk}"


class ReturnLine(models.Model):
    # No index of its own: returns_line_unique starts with it.
    rma = models.ForeignKey(Return, db_index=False, on_delete=models.CASCADE, related_name="lines",
                            verbose_name=_("return"))
    order_line = models.ForeignKey(SalesOrderLine, on_delete=models.PROTECT, related_name="return_lines",
                                   verbose_name=_("order line"))
    quantity = models.DecimalField(_("quantity"), **QTY)
    # How the goods were found on arrival (set when received): back to stock, damaged, scrap.
    quantity_restocked = models.DecimalField(_("restocked"), default=0, **QTY)
    quantity_damaged = models.DecimalField(_("damaged"), default=0, **QTY)
    quantity_scrapped = models.DecimalField(_("scrapped"), default=0, **QTY)

    class Meta:
        verbose_name = _("return line")
        verbose_name_plural = _("return lines")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["rma", "order_line"], name="returns_line_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="returns_line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(quantity_restocked__gte=0, quantity_damaged__gte=0, quantity_scrapped__gte=0)
                & Q(quantity__gte=F("quantity_restocked") + F("quantity_damaged") + F("quantity_scrapped")),
                name="returns_line_inspection_within_quantity"),
        ]

    def __str__(self) -> str:
        return f"{self.rma} {self.order_line.sku or self.order_line.description} x {self.quantity}"

    @property
    def quantity_outstanding(self):
        """What has not come back yet (received goods are counted by how they were inspected)."""
        return self.quantity - self.quantity_restocked - self.quantity_damaged - self.quantity_scrapped


class ReturnSettlement(models.Model):
    """A document that settled a return: a credit note (one per invoice the goods were billed on)
    and, for a refund, the refund payment of it."""

    rma = models.ForeignKey(Return, on_delete=models.PROTECT, related_name="settlements", verbose_name=_("return"))
    credit_note = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("credit note"))
    refund = models.ForeignKey(Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("refund"))

    class Meta:
        verbose_name = _("return settlement")
        verbose_name_plural = _("return settlements")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.rma} {self.credit_note}"
