"""Payments: money received from (or refunded to) customers, and its allocation to invoices; money
paid to suppliers (the ``payable`` side, applied to supplier bills by purchasing).

What is not allocated is the customer's credit. Allocations are rows that are added or reversed,
never edited, so every change is in the record: a reversal is a new negative row pointing at the
one it cancels (once). A refund is a payment of kind ``refund``: from customer credit it draws on
payments' unallocated amounts (``RefundSource`` rows); for a credit note it carries a negative
allocation on the note, so the invoice's account balance rises by what was paid out.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from oms.core.models import MoneyField
from oms.invoicing.models import Invoice
from oms.parties.models import Party


class Payment(models.Model):
    class Side(models.TextChoices):
        RECEIVABLE = "receivable", _("customer (receivables)")
        PAYABLE = "payable", _("supplier (payables)")

    class Method(models.TextChoices):
        BANK_TRANSFER = "bank_transfer", _("bank transfer")
        CASH = "cash", _("cash")
        CARD = "card", _("card")
        OTHER = "other", _("other")

    class Kind(models.TextChoices):
        PAYMENT = "payment", _("payment received")
        REFUND = "refund", _("refund paid out")

    class Status(models.TextChoices):
        PENDING = "pending", _("pending (authorised)")
        COMPLETED = "completed", _("completed")
        FAILED = "failed", _("failed")

    number = models.CharField(_("number"), max_length=50, unique=True)
    # Receivable: money from customers and the refunds paid back to them. Payable: money paid to a
    # supplier (``customer`` then holds the supplier party; purchasing applies it to supplier bills).
    side = models.CharField(_("side"), max_length=10, choices=Side.choices, default=Side.RECEIVABLE)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PAYMENT)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.COMPLETED)
    customer = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="payments",
                                 verbose_name=_("customer"))
    currency = models.CharField(_("currency"), max_length=3)
    amount = MoneyField(_("amount"))
    method = models.CharField(_("method"), max_length=15, choices=Method.choices)
    received_on = models.DateField(_("date"))
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    provider = models.CharField(_("provider"), max_length=30, default="manual")
    provider_reference = models.CharField(_("provider reference"), max_length=100, blank=True)
    refund_of = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="refunds",
                                  verbose_name=_("refund of"))
    credit_note = models.ForeignKey(Invoice, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="refunds", verbose_name=_("refund for credit note"))
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-id"]
        # The list by status, newest first: a status with few payments (failed ones to look into)
        # walked every payment by id without it.
        indexes = [models.Index(fields=["status", "id"], name="payments_status_id_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_amount_positive"),
            models.UniqueConstraint(fields=["provider", "provider_reference"], condition=~Q(provider_reference=""),
                                    name="payments_unique_provider_reference"),
            models.CheckConstraint(condition=Q(side="receivable") | Q(kind="payment"),
                                   name="payments_payable_is_a_payment"),
        ]

    def __str__(self) -> str:
        return self.number


class Allocation(models.Model):
    """Part of a payment applied to an invoice (or debit note). A reversal is a new negative row."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="allocations",
                                verbose_name=_("payment"))
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="allocations",
                                verbose_name=_("invoice"))
    amount = MoneyField(_("amount"))
    reverses = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="reversal", verbose_name=_("reverses"),
                                    help_text=_("For a reversal: the allocation it cancels (at most once)"))
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="payments_allocation_not_zero")]


class RefundSource(models.Model):
    """The part of a customer's unallocated payment that a refund paid back (a refund from credit
    can draw on several payments): a payment's unallocated amount is its amount minus its
    allocations minus these rows."""

    refund = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refund_sources",
                               verbose_name=_("refund"))
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunded_from",
                                verbose_name=_("payment"))
    amount = MoneyField(_("amount"))

    class Meta:
        verbose_name = _("refund source")
        verbose_name_plural = _("refund sources")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payments_refund_source_positive")]


class ProviderEvent(models.Model):
    """A webhook event already handled: a duplicate delivery is recognised and ignored."""

    provider = models.CharField(max_length=30)
    event_id = models.CharField(max_length=100)
    event_type = models.CharField(max_length=50, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    payload = models.JSONField(default=dict)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="provider_events")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["provider", "event_id"], name="payments_event_once")]
