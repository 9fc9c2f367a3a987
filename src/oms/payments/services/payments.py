"""Record payments, allocate them to invoices, reverse allocations, take card payments through a provider;
record payments made to suppliers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction

from oms.core.errors import Conflict, DomainError, NotFound
from oms.core.money import Money
from oms.invoicing.models import Invoice
from oms.parties.models import Party
from oms.payments.allocation import Requested, allocations_check, amount_clean, split_in_order
from oms.payments.models import Allocation, Payment
from oms.payments.providers import ProviderDeclined, provider_get
from oms.payments.selectors import account_balance, payment_unallocated
from oms.payments.services.common import (
    Effects, accounts_lock, currency_clean, customer_clean, method_clean, money_str, number_take, open_document,
    payment_insert, payment_json, payment_lock, status_refresh, supplier_clean, text_clean,
)

MAX_ALLOCATIONS = 1000
OPEN_KINDS = (Invoice.Kind.INVOICE, Invoice.Kind.DEBIT_NOTE)
OPEN_STATUSES = (Invoice.Status.ISSUED, Invoice.Status.PARTIALLY_PAID)


@dataclass(frozen=True)
class AllocationSpec:
    """Apply ``amount`` of a payment to an invoice or debit note (an ``Invoice`` or its number)."""

    invoice: Invoice | str
    amount: object


def _resolve(specs: Sequence[AllocationSpec]) -> list[int]:
    """The document ids of the requested allocations, in request order (numbers looked up in one query)."""
    numbers = [s.invoice for s in specs if not isinstance(s.invoice, Invoice)]
    by_number = dict(Invoice.objects.filter(number__in=numbers).values_list("number", "pk")) if numbers else {}
    ids = []
    for i, spec in enumerate(specs):
        if isinstance(spec.invoice, Invoice):
            ids.append(spec.invoice.pk)
        elif spec.invoice in by_number:
            ids.append(by_number[spec.invoice])
        else:
            raise NotFound(f"No invoice {spec.invoice!r}", field=f"allocations.{i}.invoice")
    return ids


def _auto_requests(payment: Payment, available: Decimal) -> tuple[list[Requested], dict[int, Invoice]]:
    """What is left of the payment over the customer's open invoices, the earliest due first."""
    candidates = Invoice.objects.filter(customer_id=payment.customer_id, currency=payment.currency,
                                        kind=Invoice.Kind.INVOICE, status__in=OPEN_STATUSES)
    locked = accounts_lock(candidates.values_list("pk", flat=True))
    ordered = sorted((inv for inv in locked.values() if inv.status in OPEN_STATUSES),
                     key=lambda inv: (inv.due_date or date.max, inv.pk))
    parts = split_in_order(available, [(inv.pk, account_balance(inv)) for inv in ordered])
    return [Requested(key, amount, f"allocations.{i}") for i, (key, amount) in enumerate(parts)], locked


def allocate_locked(payment: Payment, specs: Sequence[AllocationSpec], effects: Effects, *,
                    auto: bool = False) -> list[Allocation]:
    """Apply a locked, completed payment to documents; the caller owns the transaction."""
    if payment.kind != Payment.Kind.PAYMENT:
        raise Conflict(f"{payment.number} is a refund; only payments are allocated", field="payment",
                       code="not_a_payment")
    if payment.side != Payment.Side.RECEIVABLE:
        raise Conflict(f"{payment.number} was paid to a supplier; it is applied to supplier bills, not invoices",
                       field="payment", code="not_a_customer_payment")
    if payment.status != Payment.Status.COMPLETED:
        raise Conflict(f"{payment.number} is {payment.status}; only completed payments are allocated",
                       field="payment", code="payment_not_completed")
    available = payment_unallocated(payment=payment)
    if auto:
        requests, locked = _auto_requests(payment, available)
    else:
        if len(specs) > MAX_ALLOCATIONS:
            raise DomainError(f"At most {MAX_ALLOCATIONS} allocations per request", field="allocations")
        amounts = [amount_clean(s.amount, currency=payment.currency, field=f"allocations.{i}.amount")
                   for i, s in enumerate(specs)]
        ids = _resolve(specs)
        locked = accounts_lock(ids)
        requests = [Requested(key, amount, f"allocations.{i}") for i, (key, amount) in enumerate(zip(ids, amounts))]
    if not requests:
        return []
    balances: dict[int, Decimal] = {}
    documents = {r.key: open_document(locked[r.key], locked, balances) for r in requests}
    allocations_check(customer=payment.customer_id, currency=payment.currency, available=available,
                      requests=requests, documents=documents)
    rows = Allocation.objects.bulk_create(
        [Allocation(payment=payment, invoice=locked[r.key], amount=r.amount) for r in requests])
    status_refresh(locked[r.key] for r in requests)
    left = available - sum((r.amount for r in requests), Decimal(0))
    cur = payment.currency
    listed = [{"id": row.pk, "invoice": locked[row.invoice_id].number, "amount": money_str(row.amount, cur)}
              for row in rows]
    effects.event("payment.allocated", {"customer": payment.customer.code, "currency": cur, "allocations": listed,
                                        "unallocated": money_str(left, cur)})
    effects.audit("payment.allocated", {"allocations": listed,
                                        "unallocated": [money_str(available, cur), money_str(left, cur)]})
    running = dict(balances)
    for row in rows:
        account = documents[row.invoice_id].account
        before, running[account] = running[account], running[account] - row.amount
        effects.audit("invoice.payment_allocated", {"allocation": row.pk, "amount": money_str(row.amount, cur),
                                                    "balance": [money_str(before, cur),
                                                                money_str(running[account], cur)]},
                      invoice=locked[row.invoice_id])
    return rows


def payment_record(*, customer: Party | str, amount: object, currency: str, method: str,
                   received_on: date | None = None, reference: str = "", notes: str = "",
                   allocations: Sequence[AllocationSpec] = (), auto_allocate: bool = False,
                   provider: str = "manual", provider_reference: str = "",
                   status: str = Payment.Status.COMPLETED) -> Payment:
    """Record money received, optionally applied to invoices in the same transaction.

    What is not allocated stays as the customer's credit, to be applied later with
    ``payment_allocate`` or paid back with ``payment_refund``.
    """
    customer = customer_clean(customer)
    currency = currency_clean(currency)
    amount = amount_clean(amount, currency=currency)
    method = method_clean(method)
    reference = text_clean(reference, field="reference", max_length=100)
    provider_reference = text_clean(provider_reference, field="provider_reference", max_length=100)
    if status not in Payment.Status.values:
        raise DomainError(f"status must be one of {Payment.Status.values}", field="status")
    if (allocations or auto_allocate) and status != Payment.Status.COMPLETED:
        raise DomainError("Only a completed payment can be allocated", field="allocations",
                          code="payment_not_completed")
    if allocations and auto_allocate:
        raise DomainError("Send allocations or auto_allocate, not both", field="allocations")
    with transaction.atomic():
        payment = payment_insert(customer=customer, amount=amount, currency=currency, method=method,
                                 received_on=received_on, reference=reference, notes=notes, status=status,
                                 provider=provider, provider_reference=provider_reference)
        effects = Effects()
        if allocations or auto_allocate:
            allocate_locked(payment, allocations, effects, auto=auto_allocate)
        number_take(payment)
        effects.event("payment.recorded", payment_json(payment), first=True)
        effects.audit("payment.recorded", payment_json(payment), first=True)
        effects.flush(payment)
    return payment


def payment_allocate(*, payment: Payment, allocations: Sequence[AllocationSpec] = (),
                     auto: bool = False) -> Payment:
    """Apply (more of) a payment's unallocated amount, the customer's credit, to invoices or debit notes."""
    if not allocations and not auto:
        raise DomainError("Send at least one allocation (or auto)", field="allocations", code="required")
    if allocations and auto:
        raise DomainError("Send allocations or auto, not both", field="allocations")
    with transaction.atomic():
        payment = payment_lock(payment)
        effects = Effects()
        if not allocate_locked(payment, allocations, effects, auto=auto):
            raise DomainError(f"Nothing to allocate: {payment.number} has nothing left or the customer has no "
                              f"open invoice in {payment.currency}", field="allocations", code="nothing_to_allocate")
        effects.flush(payment)
    return payment


def allocation_reverse(*, allocation: Allocation, reason: str) -> Allocation:
    """Cancel an allocation with a new negative one (the original stays); the amount goes back to the
    payment's unallocated amount and the invoice's balance rises again."""
    reason = text_clean(reason, field="reason", max_length=300)
    if not reason:
        raise DomainError("A reversal needs a reason", field="reason", code="required")
    with transaction.atomic():
        payment = payment_lock(allocation.payment)
        locked = accounts_lock([allocation.invoice_id])
        document = locked[allocation.invoice_id]
        original = Allocation.objects.get(pk=allocation.pk)
        if original.amount < 0 or original.reverses_id is not None:
            raise Conflict("A reversal cannot be reversed; allocate again instead", field="allocation",
                           code="not_reversible")
        if payment.kind != Payment.Kind.PAYMENT or payment.side != Payment.Side.RECEIVABLE:
            raise Conflict("A refund's allocation cannot be reversed", field="allocation", code="not_reversible")
        if Allocation.objects.filter(reverses=original).exists():
            raise Conflict(f"Allocation {original.pk} is already reversed", field="allocation",
                           code="already_reversed")
        balance = account_balance(locked[document.original_id] if document.original_id else document)
        try:
            with transaction.atomic():
                reversal = Allocation.objects.create(payment=payment, invoice=document, amount=-original.amount,
                                                     reverses=original, reason=reason)
        except IntegrityError as exc:  # the unique ``reverses``: a concurrent reversal won
            raise Conflict(f"Allocation {original.pk} is already reversed", field="allocation",
                           code="already_reversed") from exc
        status_refresh([document])
        cur = payment.currency
        changes = {"allocation": original.pk, "reversal": reversal.pk, "invoice": document.number,
                   "amount": money_str(reversal.amount, cur), "reason": reason}
        effects = Effects()
        effects.event("payment.allocation_reversed", {"customer": payment.customer.code, "currency": cur, **changes})
        effects.audit("payment.allocation_reversed", changes)
        effects.audit("invoice.payment_allocation_reversed",
                      {"allocation": original.pk, "reversal": reversal.pk, "amount": money_str(reversal.amount, cur),
                       "reason": reason,
                       "balance": [money_str(balance, cur), money_str(balance + original.amount, cur)]},
                      invoice=document)
        effects.flush(payment)
    return reversal


def payment_send(*, supplier: Party | str, amount: object, currency: str, method: str,
                 paid_on: date | None = None, reference: str = "", notes: str = "") -> Payment:
    """Record money paid to a supplier (the payable side), numbered from its own series.

    The payment is not applied to anything here: purchasing applies it to supplier bills, in the
    caller's transaction when there is one.
    """
    supplier = supplier_clean(supplier)
    currency = currency_clean(currency)
    amount = amount_clean(amount, currency=currency)
    method = method_clean(method)
    reference = text_clean(reference, field="reference", max_length=100)
    with transaction.atomic():
        payment = payment_insert(customer=supplier, amount=amount, currency=currency, method=method,
                                 received_on=paid_on, reference=reference, notes=notes, side=Payment.Side.PAYABLE)
        number_take(payment)
        effects = Effects()
        payload = {**payment_json(payment), "supplier": supplier.code}
        effects.event("payment.sent", payload)
        effects.audit("payment.sent", payload)
        effects.flush(payment)
    return payment


def payment_charge(*, customer: Party | str, amount: object, currency: str, provider: str, reference: str = "",
                   allocations: Sequence[AllocationSpec] = ()) -> Payment:
    """Take a card payment through a provider (authorise, then capture), then record it.

    The provider is called outside any transaction. A decline raises ``payment_declined`` and
    records nothing; a timeout raises ``provider_timeout`` and records nothing either: the outcome
    is unknown, and the provider's webhook settles it (``webhook_handle`` records it once).
    """
    party = customer_clean(customer)
    currency = currency_clean(currency)
    money = Money(amount_clean(amount, currency=currency), currency)
    gateway = provider_get(provider)
    result = gateway.authorise(amount=money, reference=reference)
    if result.approved:
        result = gateway.capture(provider_reference=result.provider_reference, amount=money)
    if not result.approved:
        raise ProviderDeclined(f"The payment was declined: {result.message or 'no reason given'}", field="amount",
                               extra={"provider_reference": result.provider_reference})
    return payment_record(customer=party, amount=money.amount, currency=currency, method=Payment.Method.CARD,
                          reference=reference, allocations=allocations, provider=gateway.name,
                          provider_reference=result.provider_reference)
