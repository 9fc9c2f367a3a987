"""Refunds: money paid back to a customer, from a credit note or from the customer's credit."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction

from oms.core.errors import Conflict, DomainError, NotFound
from oms.invoicing.models import Invoice
from oms.parties.models import Party
from oms.payments.allocation import RefundExceedsCredit, amount_clean, credit_note_refundable, split_in_order
from oms.payments.models import Allocation, Payment, RefundSource
from oms.payments.selectors import account_balance, credit_note_refunded, exact, payments_unallocated
from oms.payments.services.common import (
    Effects, accounts_lock, currency_clean, customer_clean, method_clean, money_str, number_take, payment_insert,
    payment_json, status_refresh, text_clean,
)


def _credit_note(credit_note: Invoice | str) -> Invoice:
    if isinstance(credit_note, Invoice):
        return credit_note
    found = Invoice.objects.filter(number=credit_note).first()
    if found is None:
        raise NotFound(f"No credit note {credit_note!r}", field="credit_note")
    return found


def payment_refund(*, customer: Party | str, amount: object, currency: str, method: str,
                   credit_note: Invoice | str | None = None, from_credit: bool = True,
                   received_on: date | None = None, reference: str = "", notes: str = "") -> Payment:
    """Pay money back to a customer: what a credit note still owes, or from the customer's credit.

    Never more than is available (422 ``refund_exceeds_credit``, with ``available``).

    * With ``credit_note``: a credit note first lowers what is owed on its invoice; only what takes
      that account below zero (the customer had paid) is owed back in money. The refund is a refund
      payment plus a negative allocation on the credit note, so the account's balance rises back by
      what was paid out.
    * Else, with ``from_credit``: the customer's unapplied payments in that currency are paid back,
      oldest first; ``RefundSource`` rows say how much came from which payment.
    """
    customer = customer_clean(customer)
    currency = currency_clean(currency)
    amount = amount_clean(amount, currency=currency)
    method = method_clean(method)
    reference = text_clean(reference, field="reference", max_length=100)
    if credit_note is None and not from_credit:
        raise DomainError("A refund needs a source: a credit note, or from_credit", field="credit_note",
                          code="refund_source_required")
    note = _credit_note(credit_note) if credit_note is not None else None
    details = dict(customer=customer, amount=amount, currency=currency, method=method, received_on=received_on,
                   reference=reference, notes=notes)
    with transaction.atomic():
        effects = Effects()
        if note is not None:
            refund, changes = _from_credit_note(note, effects, **details)
        else:
            refund, changes = _from_customer_credit(**details)
        number_take(refund)
        payload = {**payment_json(refund), **changes}
        effects.event("payment.refunded", payload, first=True)
        effects.audit("payment.refunded", payload, first=True)
        effects.flush(refund)
    return refund


def _from_credit_note(note: Invoice, effects: Effects, *, customer: Party, amount: Decimal, currency: str,
                      **details) -> tuple[Payment, dict]:
    if note.kind != Invoice.Kind.CREDIT_NOTE:
        raise DomainError(f"{note.number or note.pk} is not a credit note", field="credit_note",
                          code="not_a_credit_note")
    locked = accounts_lock([note.pk])
    note, original = locked[note.pk], locked[note.original_id]
    if note.customer_id != customer.pk:
        raise DomainError(f"{note.number} belongs to another customer", field="credit_note", code="customer_mismatch")
    if note.currency != currency:
        raise DomainError(f"{note.number} is in {note.currency}, the refund in {currency}", field="currency",
                          code="currency_mismatch")
    if note.status in (Invoice.Status.DRAFT, Invoice.Status.CANCELLED):
        raise Conflict(f"{note.number or 'The credit note'} is {note.status}", field="credit_note",
                       code="credit_note_not_issued")
    balance = account_balance(original)
    available = credit_note_refundable(credit_note_total=note.total, already_refunded=credit_note_refunded(
        credit_note=note), original_balance=balance)
    if amount > available:
        raise RefundExceedsCredit(
            f"{note.number} can pay back at most {money_str(available, currency)} {currency} (what "
            f"{original.number} is over-credited by, less earlier refunds)", field="amount",
            extra={"available": money_str(available, currency)})
    refund = payment_insert(customer=customer, amount=amount, currency=currency, kind=Payment.Kind.REFUND,
                            credit_note=note, **details)
    row = Allocation.objects.create(payment=refund, invoice=note, amount=-amount,
                                    reason=f"refund of credit note {note.number}")
    status_refresh([note])
    effects.audit("invoice.refunded", {
        "allocation": row.pk, "amount": money_str(amount, currency),
        "refundable": [money_str(available, currency), money_str(available - amount, currency)],
        "balance": [money_str(balance, currency), money_str(balance + amount, currency)]}, invoice=note)
    return refund, {"credit_note": note.number, "invoice": original.number}


def _from_customer_credit(*, customer: Party, amount: Decimal, currency: str, **details) -> tuple[Payment, dict]:
    # Lock the payments that have money left (payment rows first, in id order), then re-read what
    # each has left: nobody can change that any more until we commit.
    ids = list(payments_unallocated(customer=customer, currency=currency).filter(unallocated__gt=0)
               .values_list("pk", flat=True))
    locked = list(Payment.objects.select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk"))
    left = {pk: exact(value) for pk, value in payments_unallocated(customer=customer, currency=currency)
            .filter(pk__in=ids).values_list("pk", "unallocated")}
    available = sum((v for v in left.values() if v > 0), Decimal(0))
    if amount > available:
        raise RefundExceedsCredit(
            f"{customer.code} has {money_str(available, currency)} {currency} of credit; cannot pay back "
            f"{money_str(amount, currency)}", field="amount", extra={"available": money_str(available, currency)})
    oldest_first = sorted(locked, key=lambda p: (p.received_on, p.pk))
    draws = split_in_order(amount, [(p.pk, left.get(p.pk, Decimal(0))) for p in oldest_first])
    by_pk = {p.pk: p for p in locked}
    refund = payment_insert(customer=customer, amount=amount, currency=currency, kind=Payment.Kind.REFUND,
                            **details)
    if len(draws) == 1:  # drawn on one payment: say which
        refund.refund_of = by_pk[draws[0][0]]
        Payment.objects.filter(pk=refund.pk).update(refund_of=refund.refund_of)
    RefundSource.objects.bulk_create([RefundSource(refund=refund, payment_id=pk, amount=part) for pk, part in draws])
    sources = [{"payment": by_pk[pk].number, "amount": money_str(part, currency)} for pk, part in draws]
    return refund, {"sources": sources,
                    "credit": [money_str(available, currency), money_str(available - amount, currency)]}
