"""Settling a received return: refund, store credit or exchange; the return is then closed.

* **refund**: a credit note for the returned goods on each invoice that billed them (through
  invoicing's ``credit_note_create``), then a refund payment of what each note owes back in money
  (through payments' ``payment_refund``): only what takes the invoice's account below zero, since
  a credit note first lowers what is still owed. When the customer had not paid, nothing is paid out
  and the event is ``return.credited``; otherwise ``return.refunded``.
* **store credit**: the credit notes only; the customer's account keeps the credit.
* **exchange**: a new confirmed sales order for the replacement goods at no charge (the same SKU,
  or another one per line, e.g. another size), linked to the return; no credit note.

Everything happens in one transaction: a refused step (e.g. the goods were never invoiced, 409
``not_invoiced``; a replacement out of stock, 409 ``insufficient_stock``) writes nothing. Locks:
the sales order, the return, then invoices and payments (inside their services), then stock
levels and number counters.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from oms.core.errors import Conflict, DomainError
from oms.core.money import Money
from oms.invoicing.models import Invoice, InvoiceLine
from oms.invoicing.services import NoteLineSpec, credit_note_create
from oms.invoicing.states import ISSUED
from oms.payments.allocation import credit_note_refundable
from oms.payments.models import Payment
from oms.payments.selectors import account_balance, credit_note_refunded
from oms.payments.services import payment_refund
from oms.returns.models import Resolution, Return, ReturnLine, ReturnSettlement
from oms.returns.services.common import locked, move, record, text
from oms.returns.states import ReturnStatus
from oms.sales.lines import LineSpec
from oms.sales.models import Channel
from oms.sales.services import OrderSpec, order_create

S = ReturnStatus
K = Invoice.Kind
ZERO = Decimal(0)
PRICE = Decimal("0.0001")


def _q(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(PRICE)


def _credited(invoice_line_ids: list[int]) -> dict[int, Decimal]:
    """Per invoice line: the quantity issued credit notes already took off it."""
    rows = (InvoiceLine.objects.filter(original_line_id__in=invoice_line_ids, invoice__kind=K.CREDIT_NOTE)
            .exclude(invoice__status=Invoice.Status.CANCELLED).values("original_line_id").annotate(q=Sum("quantity")))
    return {row["original_line_id"]: _q(row["q"]) for row in rows}


def _note_line(invoice_line: InvoiceLine, quantity: Decimal, credited: Decimal) -> NoteLineSpec:
    if credited == 0 and quantity == invoice_line.quantity:
        return NoteLineSpec(original_line_id=invoice_line.pk)  # the whole line, its discount included
    if invoice_line.discount_amount:
        # Part of a discounted line: credit it at the price actually charged per unit.
        net = (invoice_line.unit_price * invoice_line.quantity - invoice_line.discount_amount) / invoice_line.quantity
        return NoteLineSpec(original_line_id=invoice_line.pk, quantity=quantity, unit_price=net.quantize(PRICE))
    return NoteLineSpec(original_line_id=invoice_line.pk, quantity=quantity)


def _credit_plan(rma: Return, lines: list[ReturnLine]) -> dict[int, list[NoteLineSpec]]:
    """Per invoice id: the credit note lines for the returned goods, taken from the issued invoices
    that billed them (oldest first) and not credited yet."""
    billed = list(InvoiceLine.objects.filter(order_line_id__in=[x.order_line_id for x in lines],
                                             invoice__kind=K.INVOICE, invoice__status__in=ISSUED)
                  .order_by("invoice_id", "position"))
    credited = _credited([x.pk for x in billed])
    plan: dict[int, list[NoteLineSpec]] = {}
    for line in lines:
        need = line.quantity
        for invoice_line in (x for x in billed if x.order_line_id == line.order_line_id):
            done = credited.get(invoice_line.pk, ZERO)
            take = min(need, invoice_line.quantity - done)
            if take <= 0:
                continue
            plan.setdefault(invoice_line.invoice_id, []).append(_note_line(invoice_line, take, done))
            credited[invoice_line.pk] = done + take
            need -= take
            if need == 0:
                break
        if need > 0:
            raise Conflict(f"{text(need)} of order line {line.order_line.position} returned on {rma.number} was "
                           "never invoiced (or is already credited): invoice it first, or close the return",
                           field="resolution", code="not_invoiced",
                           extra={"line_id": line.order_line_id, "quantity": text(need)})
    return plan


def _credit(rma: Return, lines: list[ReturnLine], *, refund_method: str | None) -> dict:
    """Credit notes (and refunds when ``refund_method``) for the returned goods; what was written."""
    notes, refunded = [], ZERO
    currency = rma.order.currency
    for invoice_id, note_lines in sorted(_credit_plan(rma, lines).items()):
        invoice = Invoice.objects.get(pk=invoice_id)
        note = credit_note_create(invoice=invoice, lines=note_lines, reason=f"Return {rma.number}: {rma.reason}")
        settlement = ReturnSettlement(rma=rma, credit_note=note)
        entry = {"credit_note": note.number, "invoice": invoice.number, "total": str(note.total)}
        if refund_method is not None:
            available = credit_note_refundable(credit_note_total=note.total,
                                               already_refunded=credit_note_refunded(credit_note=note),
                                               original_balance=account_balance(invoice))
            if available > 0:
                settlement.refund = payment_refund(customer=rma.customer, amount=Money(available, currency).rounded()
                                                   .amount, currency=currency, method=refund_method,
                                                   credit_note=note, reference=rma.number)
                refunded += settlement.refund.amount
                entry.update(refund=settlement.refund.number, refund_amount=str(settlement.refund.amount))
        settlement.save()
        notes.append(entry)
    return {"credit_notes": notes, "refunded": str(refunded), "currency": currency}


def _exchange(rma: Return, lines: list[ReturnLine], replacements: dict[int, str]) -> dict:
    specs = []
    zero = Money(ZERO, rma.order.currency)
    for line in lines:
        sku = replacements.get(line.order_line_id) or line.order_line.sku
        if not sku:
            raise DomainError(f"Order line {line.order_line_id} has no SKU: name the replacement",
                              field=f"exchange.{line.order_line_id}", code="required")
        specs.append(LineSpec(sku=sku, quantity=line.quantity, unit_price=zero))
    order = rma.order
    replacement = order_create(spec=OrderSpec(
        customer=order.customer.code, currency=order.currency, lines=specs, channel=Channel.BACK_OFFICE,
        warehouse=order.warehouse.code, billing_address=order.billing_address or None,
        shipping_address=order.shipping_address or None, notes=f"Exchange for return {rma.number} of {order.number}"),
        confirm=True)
    rma.exchange_order = replacement
    return {"exchange_order": replacement.number}


def return_resolve(*, rma: Return, resolution: str, refund_method: str = "bank_transfer",
                   replacements: dict[int, str] | None = None) -> Return:
    """Settle a received return by ``resolution`` (refund, store_credit or exchange) and close it.
    ``replacements`` (order line id -> SKU) names other goods for an exchange."""
    if resolution not in (Resolution.REFUND, Resolution.STORE_CREDIT, Resolution.EXCHANGE):
        raise DomainError("resolution must be refund, store_credit or exchange", field="resolution")
    if resolution == Resolution.REFUND and refund_method not in Payment.Method.values:
        raise DomainError(f"refund_method must be one of {Payment.Method.values}", field="refund_method")
    with transaction.atomic():
        rma = locked(rma)
        changes = move(rma, S.CLOSED, {"resolution": resolution})
        lines = list(rma.lines.select_related("order_line").order_by("id"))
        if resolution == Resolution.EXCHANGE:
            done = _exchange(rma, lines, replacements or {})
            event = "return.exchanged"
        else:
            done = _credit(rma, lines, refund_method=refund_method if resolution == Resolution.REFUND else None)
            event = "return.refunded" if Decimal(done["refunded"]) > 0 else "return.credited"
        rma.resolution, rma.closed_at = resolution, timezone.now()
        rma.save(update_fields=["status", "resolution", "exchange_order", "closed_at", "updated_at"])
        record(rma, event, {"resolution": resolution, **done})
        record(rma, "return.closed", changes)
    return rma
