"""What every payment service shares: input checks, locking in one order, numbering, effects."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from oms.core.errors import Conflict, DomainError, NotFound
from oms.core.models import OutboxEvent
from oms.core.money import amount_rounded, is_known_currency
from oms.core.services.audit import AuditEntry, audit_record_many
from oms.core.services.events import event_build
from oms.core.services.numbering import number_allocate
from oms.invoicing.models import Invoice
from oms.invoicing.services import invoice_payment_status_refresh
from oms.parties.models import Party
from oms.payments.allocation import OpenDocument
from oms.payments.models import Payment
from oms.payments.selectors import account_balance

PAYMENT_SERIES, PAYMENT_FORMAT = "payments.payment", "PAY-{YYYY}-{seq:05d}"
REFUND_SERIES, REFUND_FORMAT = "payments.refund", "RF-{YYYY}-{seq:05d}"
PAYABLE_SERIES, PAYABLE_FORMAT = "payments.payable", "PP-{YYYY}-{seq:05d}"
OBJECT_TYPE = "payments.payment"
INVOICE_OBJECT_TYPE = "invoicing.invoice"  # invoicing's audit records name documents by id


class Effects:
    """Events and audit entries a service collects, written together at the end of its transaction.

    They are built at ``flush``, once the payment has its number (taken last, like every document's).
    """

    def __init__(self) -> None:
        self.events: list[tuple[str, dict]] = []
        self.entries: list[tuple[str, Invoice | None, dict]] = []  # action, document (None: the payment), changes

    def event(self, event_type: str, payload: dict, *, first: bool = False) -> None:
        self.events.insert(0, (event_type, payload)) if first else self.events.append((event_type, payload))

    def audit(self, action: str, changes: dict, *, invoice: Invoice | None = None, first: bool = False) -> None:
        entry = (action, invoice, changes)
        self.entries.insert(0, entry) if first else self.entries.append(entry)

    def flush(self, payment: Payment) -> None:
        number = payment.number
        OutboxEvent.objects.bulk_create([
            event_build(event_type=event_type, aggregate_type=OBJECT_TYPE, aggregate_id=number,
                        payload={"number": number, **payload})
            for event_type, payload in self.events])
        audit_record_many(entries=[
            AuditEntry(action, OBJECT_TYPE, number, changes) if doc is None
            else AuditEntry(action, INVOICE_OBJECT_TYPE, doc.pk, {"number": doc.number, "payment": number, **changes})
            for action, doc, changes in self.entries])


def money_str(amount: Decimal, currency: str) -> str:
    return str(amount_rounded(amount, currency))


def customer_clean(customer: Party | str) -> Party:
    if isinstance(customer, Party):
        party = customer
    else:
        if not customer:
            raise DomainError("customer is required", field="customer", code="required")
        party = Party.objects.filter(code=customer).first()
        if party is None:
            raise NotFound(f"No customer with code {customer!r}", field="customer")
    if not party.is_customer:
        raise DomainError(f"{party.code} is not a customer", field="customer", code="not_a_customer")
    return party


def supplier_clean(supplier: Party | str) -> Party:
    if isinstance(supplier, Party):
        party = supplier
    else:
        if not supplier:
            raise DomainError("supplier is required", field="supplier", code="required")
        party = Party.objects.filter(code=supplier).first()
        if party is None:
            raise NotFound(f"No supplier with code {supplier!r}", field="supplier")
    if not party.is_supplier:
        raise DomainError(f"{party.code} is not a supplier", field="supplier", code="not_a_supplier")
    return party


def currency_clean(currency: str) -> str:
    if not is_known_currency(currency):
        raise DomainError(f"Unknown currency {currency!r}", field="currency", code="unknown_currency")
    return currency


def method_clean(method: str) -> str:
    if method not in Payment.Method.values:
        raise DomainError(f"method must be one of {Payment.Method.values}", field="method")
    return method


def text_clean(value: str | None, *, field: str, max_length: int) -> str:
    value = (value or "").strip()
    if len(value) > max_length:
        raise DomainError(f"{field} must be at most {max_length} characters", field=field)
    return value


def payment_lock(payment: Payment) -> Payment:
    return Payment.objects.select_for_update(of=("self",)).select_related("customer").get(pk=payment.pk)


def accounts_lock(ids: Iterable[int]) -> dict[int, Invoice]:
    """The documents and the invoices they adjust, locked in id order (the order every payment
    service uses). A note's account is its invoice: both rows are locked, as invoicing's status
    refresh locks the invoice."""
    ids = set(ids)
    originals = Invoice.objects.filter(pk__in=ids, original__isnull=False).values_list("original_id", flat=True)
    rows = Invoice.objects.select_for_update(of=("self",)).filter(pk__in=ids | set(originals)).order_by("pk")
    return {inv.pk: inv for inv in rows}


def open_document(doc: Invoice, locked: dict[int, Invoice], balances: dict[int, Decimal]) -> OpenDocument:
    """A locked document as the allocation rules see it: its account's status and balance."""
    account = locked[doc.original_id] if doc.original_id else doc
    if account.pk not in balances:
        balances[account.pk] = account_balance(account)
    return OpenDocument(key=doc.pk, number=doc.number or f"draft #{doc.pk}", kind=doc.kind, status=account.status,
                        customer=doc.customer_id, currency=doc.currency, balance=balances[account.pk],
                        account=account.pk)


def status_refresh(documents: Iterable[Invoice]) -> None:
    """Invoicing recomputes issued / partially paid / paid for each account touched, in id order."""
    accounts = sorted({doc.original_id or doc.pk for doc in documents})
    for pk in accounts:
        invoice_payment_status_refresh(invoice=Invoice(pk=pk))


def payment_json(payment: Payment) -> dict:
    cur = payment.currency
    return {"side": payment.side, "kind": payment.kind, "status": payment.status, "customer": payment.customer.code, "currency": cur,
            "amount": money_str(payment.amount, cur), "method": payment.method,
            "received_on": payment.received_on.isoformat(), "reference": payment.reference,
            "provider": payment.provider, "provider_reference": payment.provider_reference}


def payment_insert(*, customer: Party, amount: Decimal, currency: str, method: str, received_on: date | None,
                   reference: str, notes: str, kind: str = Payment.Kind.PAYMENT,
                   status: str = Payment.Status.COMPLETED, provider: str = "manual", provider_reference: str = "",
                   credit_note: Invoice | None = None, side: str = Payment.Side.RECEIVABLE) -> Payment:
    """Insert a payment row with a unique placeholder number (the real one is taken last)."""
    payment = Payment(number=f"~{uuid.uuid4().hex}", side=side, kind=kind, status=status, customer=customer,
                      currency=currency, amount=amount, method=method,
                      received_on=received_on or timezone.localdate(), reference=reference, notes=notes,
                      provider=provider, provider_reference=provider_reference, credit_note=credit_note)
    try:
        with transaction.atomic():
            payment.save(force_insert=True)
    except IntegrityError as exc:
        raise Conflict(f"A payment with {provider} reference {provider_reference!r} is already recorded",
                       field="provider_reference", code="duplicate_provider_reference") from exc
    return payment


def number_take(payment: Payment) -> None:
    """Give the payment its number: PAY-2026-00001, RF-2026-00001 for a refund, PP-2026-00001 for a
    payment to a supplier."""
    if payment.side == Payment.Side.PAYABLE:
        series, fmt = PAYABLE_SERIES, PAYABLE_FORMAT
    elif payment.kind == Payment.Kind.REFUND:
        series, fmt = REFUND_SERIES, REFUND_FORMAT
    else:
        series, fmt = PAYMENT_SERIES, PAYMENT_FORMAT
    payment.number = number_allocate(doc_type=series, default_format=fmt)
    Payment.objects.filter(pk=payment.pk).update(number=payment.number)
