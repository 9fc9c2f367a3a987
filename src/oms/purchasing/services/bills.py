"""Supplier bills: entered against a purchase order with a three-way match, held on differences,
corrected or released, and paid through the payments module (the payable side)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from oms.catalog.services import quantity_validate
from oms.core.errors import Conflict, DomainError, NotFound
from oms.core.money import to_decimal
from oms.core.services.numbering import number_allocate
from oms.core.sqlbatch import update_statement
from oms.payments.services import payment_send
from oms.purchasing.matching import MatchLine, three_way_match
from oms.purchasing.models import BillPayment, PurchaseOrder, PurchaseOrderLine, SupplierBill, SupplierBillLine
from oms.purchasing.services.common import (
    BILL_FORMAT, BILL_SERIES, ZERO, Effects, bill_tolerance, currency_clean, line_total, lines_lock, money_str,
    order_lock, price_clean,
)
from oms.purchasing.services.orders import status_advance, status_unbill
from oms.purchasing.states import BILLABLE, PAYABLE, BillStatus, bill_transition_check

B = BillStatus
QUANTUM = Decimal("0.0001")
OBJECT_TYPE = "purchasing.supplier_bill"


@dataclass(frozen=True)
class BillLineSpec:
    line_id: int  # the purchase order line's id
    quantity: object
    unit_price: object


def _record(effects: Effects, bill: SupplierBill, action: str, changes: dict) -> None:
    # The snapshot first, the changes last: a transition's [before, after] must not be overwritten by the
    # bill's current status, or the audit trail would lose where the bill came from.
    effects.add(action, OBJECT_TYPE, bill.number, {
        "number": bill.number, "supplier": bill.supplier.code,
        "purchase_order": bill.purchase_order.number, "status": bill.status, "currency": bill.currency,
        "total": money_str(bill.total, bill.currency), "balance": money_str(bill.balance, bill.currency),
        **changes})


def _clean_lines(order: PurchaseOrder, lines: dict[int, PurchaseOrderLine],
                 specs: list[BillLineSpec]) -> list[tuple[PurchaseOrderLine, Decimal, Decimal]]:
    if not specs:
        raise DomainError("A bill needs at least one line", field="lines", code="required")
    cleaned, seen = [], set()
    for i, spec in enumerate(specs):
        field = f"lines.{i}"
        line = lines.get(spec.line_id)
        if line is None:
            raise NotFound(f"{order.number} has no line {spec.line_id}", field=f"{field}.line_id",
                           code="unknown_line")
        if spec.line_id in seen:
            raise DomainError(f"Line {line.position} is billed twice on this bill", field=f"{field}.line_id",
                              code="duplicate_line")
        seen.add(spec.line_id)
        quantity = quantity_validate(product=line.product, quantity=spec.quantity, field=f"{field}.quantity")
        price = price_clean(spec.unit_price, currency=order.currency, field=f"{field}.unit_price")
        cleaned.append((line, quantity, price))
    return cleaned


def _q(value: Decimal) -> Decimal:
    return Decimal(value).quantize(QUANTUM)


def _match(bill_lines: list[tuple[PurchaseOrderLine, Decimal, Decimal]], billed_elsewhere: dict[int, Decimal]):
    items = [MatchLine(line=line.position, sku=line.product.sku, ordered=_q(line.quantity),
                       received=_q(line.quantity_received), billed_before=_q(billed_elsewhere.get(line.pk, ZERO)),
                       billed=_q(quantity), order_price=_q(line.unit_price), billed_price=_q(price))
             for line, quantity, price in bill_lines]
    return [d.as_dict() for d in three_way_match(items, bill_tolerance())]


def supplier_bill_create(*, order: PurchaseOrder, supplier_reference: str, lines: list[BillLineSpec],
                         currency: str | None = None, bill_date: date | None = None, due_date: date | None = None,
                         notes: str = "") -> SupplierBill:
    """Enter a supplier's bill against an order. The three-way match (ordered, received, billed; order
    price vs billed price) decides: no difference beyond tolerance, the bill is open to pay; else it
    is on hold with the differences listed."""
    reference = (supplier_reference or "").strip()
    if not reference or len(reference) > 100:
        raise DomainError("supplier_reference (the supplier's invoice number, up to 100 characters) is required",
                          field="supplier_reference", code="required")
    with transaction.atomic():
        order = order_lock(order)
        if currency is not None and currency_clean(currency) != order.currency:
            raise DomainError(f"{order.number} is in {order.currency}, the bill in {currency}", field="currency",
                              code="currency_mismatch")
        if order.status not in BILLABLE:
            raise Conflict(f"{order.number} is {order.status}; it cannot be billed", field="status",
                           code="order_not_billable", extra={"status": order.status})
        locked = lines_lock(order)
        cleaned = _clean_lines(order, locked, lines)
        if (SupplierBill.objects.filter(supplier=order.supplier, supplier_reference=reference)
                .exclude(status=B.CANCELLED).exists()):
            raise Conflict(f"{order.supplier.code}'s bill {reference!r} is already entered",
                           field="supplier_reference", code="duplicate")
        differences = _match(cleaned, {line.pk: line.quantity_billed for line in locked.values()})
        bill_date = bill_date or timezone.localdate()
        bill = SupplierBill(number=f"~{uuid.uuid4().hex}", supplier=order.supplier, purchase_order=order,
                            supplier_reference=reference, currency=order.currency, bill_date=bill_date,
                            due_date=due_date or bill_date + timedelta(days=order.supplier.payment_terms_days),
                            status=B.ON_HOLD if differences else B.OPEN, differences=differences, notes=notes,
                            hold_reason="three-way match differences" if differences else "",
                            total=sum((line_total(q, p, order.currency) for _, q, p in cleaned), ZERO))
        try:
            with transaction.atomic():
                bill.save(force_insert=True)
        except IntegrityError as exc:
            raise Conflict(f"{order.supplier.code}'s bill {reference!r} is already entered",
                           field="supplier_reference", code="duplicate") from exc
        SupplierBillLine.objects.bulk_create([
            SupplierBillLine(bill=bill, order_line=line, quantity=q, unit_price=p,
                             line_total=line_total(q, p, order.currency)) for line, q, p in cleaned])
        updates = []  # written with the events and audit records, in one statement on PostgreSQL
        for line, quantity, _ in cleaned:
            line.quantity_billed += quantity
            updates.append(update_statement(line, ["quantity_billed"]))
        effects = Effects()
        status_advance(order, list(locked.values()), effects)
        bill.number = number_allocate(doc_type=BILL_SERIES, default_format=BILL_FORMAT)
        updates.append(update_statement(bill, ["number"]))
        changes = {"supplier_reference": reference, "differences": differences,
                   "lines": [{"line": line.position, "sku": line.product.sku, "quantity": str(q),
                              "unit_price": str(p)} for line, q, p in cleaned]}
        _record(effects, bill, "supplier_bill.created", changes)
        if differences:
            _record(effects, bill, "supplier_bill.held", {"differences": differences})
        effects.flush(before=updates)
    return bill


def _bill_lock(bill: SupplierBill) -> tuple[PurchaseOrder, SupplierBill]:
    order = order_lock(bill.purchase_order)
    locked = (SupplierBill.objects.select_for_update(of=("self",)).select_related("supplier", "purchase_order")
              .get(pk=bill.pk))
    locked.purchase_order = order
    return order, locked


def supplier_bill_correct(*, bill: SupplierBill, lines: list[BillLineSpec], reason: str = "") -> SupplierBill:
    """Correct a held bill's lines (the supplier's corrected quantities or prices) and match again:
    without differences it is released to pay, else it stays on hold with the new differences."""
    with transaction.atomic():
        order, bill = _bill_lock(bill)
        if bill.status != B.ON_HOLD:
            raise Conflict(f"{bill.number} is {bill.status}; only a held bill is corrected", field="status",
                           code="bill_not_on_hold")
        locked = lines_lock(order)
        current = {row.order_line_id: row for row in bill.lines.all()}
        cleaned = _clean_lines(order, locked, lines)
        for i, (line, _, _) in enumerate(cleaned):
            if line.pk not in current:
                raise NotFound(f"{bill.number} has no line for order line {line.position}",
                               field=f"lines.{i}.line_id", code="unknown_line")
        before = {pk: (row.quantity, row.unit_price) for pk, row in current.items()}
        new = {line.pk: (q, p) for line, q, p in cleaned}
        for pk, row in current.items():
            quantity, price = new.get(pk, before[pk])
            line = locked[pk]
            line.quantity_billed += quantity - row.quantity
            line.save(update_fields=["quantity_billed"])
            row.quantity, row.unit_price = quantity, price
            row.line_total = line_total(quantity, price, bill.currency)
            row.save(update_fields=["quantity", "unit_price", "line_total"])
        rows = list(current.values())
        bill.total = sum((row.line_total for row in rows), ZERO)
        elsewhere = {pk: locked[pk].quantity_billed - row.quantity for pk, row in current.items()}
        bill.differences = _match([(locked[row.order_line_id], row.quantity, row.unit_price) for row in rows],
                                  elsewhere)
        effects = Effects()
        changes = {"reason": reason, "lines": [{"line": locked[pk].position, "quantity": [str(before[pk][0]), str(q)],
                                                "unit_price": [str(before[pk][1]), str(p)]}
                                               for pk, (q, p) in new.items()], "differences": bill.differences}
        if not bill.differences:
            bill_transition_check(bill.status, B.OPEN)
            changes["status"] = [bill.status, B.OPEN]
            bill.status, bill.hold_reason = B.OPEN, ""
        bill.save(update_fields=["total", "differences", "status", "hold_reason", "updated_at"])
        _record(effects, bill, "supplier_bill.corrected", changes)
        status_advance(order, list(locked.values()), effects)
        effects.flush()
    return bill


def supplier_bill_release(*, bill: SupplierBill, reason: str) -> SupplierBill:
    """Release a held bill as it stands, accepting its differences (the reason is kept in the record)."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Releasing a bill with differences needs a reason", field="reason", code="required")
    with transaction.atomic():
        _, bill = _bill_lock(bill)
        bill_transition_check(bill.status, B.OPEN)
        before = bill.status
        bill.status, bill.hold_reason = B.OPEN, ""
        bill.save(update_fields=["status", "hold_reason", "updated_at"])
        effects = Effects()
        _record(effects, bill, "supplier_bill.released", {"status": [before, B.OPEN], "reason": reason,
                                                          "differences_accepted": bill.differences})
        effects.flush()
    return bill


def supplier_bill_pay(*, bill: SupplierBill, method: str, amount: object = None, paid_on: date | None = None,
                      reference: str = "") -> SupplierBill:
    """Pay (part of) an open bill: a payment to the supplier through the payments module, applied to the bill."""
    with transaction.atomic():
        order, bill = _bill_lock(bill)
        if bill.status not in PAYABLE:
            code = "bill_on_hold" if bill.status == B.ON_HOLD else "bill_not_payable"
            raise Conflict(f"{bill.number} is {bill.status}; it cannot be paid", field="status", code=code,
                           extra={"status": bill.status})
        balance = bill.balance
        value = balance if amount is None else to_decimal(amount, field="amount")
        if value <= 0:
            raise DomainError("amount must be greater than zero", field="amount", code="invalid_amount")
        if value > balance:
            raise DomainError(f"{bill.number} has {money_str(balance, bill.currency)} left to pay", field="amount",
                              code="exceeds_balance", extra={"balance": money_str(balance, bill.currency)})
        payment = payment_send(supplier=bill.supplier, amount=value, currency=bill.currency, method=method,
                               paid_on=paid_on, reference=reference or f"{bill.number} / {bill.supplier_reference}")
        BillPayment.objects.create(bill=bill, payment=payment, amount=value)
        before = bill.status
        bill.amount_paid += value
        target = B.PAID if bill.amount_paid >= bill.total else B.PARTIALLY_PAID
        if target != before:
            bill_transition_check(before, target)
            bill.status = target
        bill.save(update_fields=["amount_paid", "status", "updated_at"])
        effects = Effects()
        _record(effects, bill, "supplier_bill.paid" if target == B.PAID else "supplier_bill.payment_applied",
                {"payment": payment.number, "amount": money_str(value, bill.currency), "status": [before, bill.status]})
        status_advance(order, list(lines_lock(order).values()), effects)
        effects.flush()
    return bill


def supplier_bill_cancel(*, bill: SupplierBill, reason: str) -> SupplierBill:
    """Cancel an unpaid bill (held or open): entered by mistake, or replaced by the supplier. What it
    billed goes back on the order's lines (they may be billed again), and an order that was billed in
    full is received again. A bill with any payment is refused (409 ``invalid_transition``)."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Cancelling a bill needs a reason", field="reason", code="required")
    with transaction.atomic():
        order, bill = _bill_lock(bill)
        if bill.amount_paid:
            raise Conflict(f"{bill.number} has payments; it cannot be cancelled", field="status",
                           code="bill_has_payments", extra={"amount_paid": money_str(bill.amount_paid, bill.currency)})
        bill_transition_check(bill.status, B.CANCELLED)
        before = bill.status
        locked = lines_lock(order)
        returned = []
        for row in bill.lines.order_by("order_line_id"):
            line = locked[row.order_line_id]
            line.quantity_billed -= row.quantity
            line.save(update_fields=["quantity_billed"])
            returned.append({"line": line.position, "sku": line.product.sku, "quantity": str(row.quantity)})
        bill.status, bill.hold_reason = B.CANCELLED, ""
        bill.save(update_fields=["status", "hold_reason", "updated_at"])
        effects = Effects()
        _record(effects, bill, "supplier_bill.cancelled", {"status": [before, B.CANCELLED], "reason": reason,
                                                           "unbilled": returned})
        lines = list(locked.values())
        status_unbill(order, lines, effects)
        status_advance(order, lines, effects)
        effects.flush()
    return bill
