"""Payments API: record and allocate payments, reverse allocations, refunds, provider webhooks,
customer statements and accounts-receivable aging."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from ninja import Field, Header, Query, Router, Schema

from oms.core.apikit import idempotent, page_of, require_perm
from oms.core.context import Actor, reset_actor, set_actor
from oms.core.money import amount_rounded
from oms.core.schemas import AmountIn
from oms.invoicing.pdf import StatementEntry, statement_pdf
from oms.parties.models import Party
from oms.parties.selectors import party_by_code, party_get
from oms.payments.aging import BUCKETS
from oms.payments.providers import WebhookRejected, provider_get
from oms.payments.selectors import (
    PaymentFilter, allocation_get, ar_aging, customer_statement, payment_get, payment_list,
)
from oms.payments.services import (
    AllocationSpec, allocation_reverse, payment_allocate, payment_record, payment_refund, webhook_handle,
)

router = Router(tags=["payments"])


class AllocationIn(Schema):
    invoice: str = Field(min_length=1, max_length=50, description="The invoice or debit note number")
    amount: AmountIn


def _specs(allocations: list[AllocationIn]) -> list[AllocationSpec]:
    return [AllocationSpec(invoice=a.invoice, amount=a.amount) for a in allocations]


class PaymentIn(Schema):
    customer: str = Field(min_length=1, max_length=50, description="The customer's code")
    amount: AmountIn
    currency: str = Field(min_length=3, max_length=3)
    method: str = Field(max_length=15, description="bank_transfer, cash, card or other")
    received_on: date | None = Field(None, description="Defaults to today")
    reference: str = Field("", max_length=100, description="The bank or cheque reference")
    notes: str = Field("", max_length=5000)
    allocations: list[AllocationIn] = Field([], max_length=1000,
                                            description="Apply the payment to these invoices at once")
    auto_allocate: bool = Field(False, description="Apply it to the customer's open invoices, earliest due first")


class AllocateIn(Schema):
    allocations: list[AllocationIn] = Field([], max_length=1000)
    auto: bool = Field(False, description="Apply what is left to open invoices, earliest due first")


class ReverseIn(Schema):
    reason: str = Field(min_length=1, max_length=300)


class RefundIn(Schema):
    customer: str = Field(min_length=1, max_length=50)
    amount: AmountIn
    currency: str = Field(min_length=3, max_length=3)
    method: str = Field(max_length=15)
    credit_note: str | None = Field(None, max_length=50, description="Refund what this credit note still owes")
    from_credit: bool = Field(True, description="Without a credit note: pay back the customer's unapplied credit")
    received_on: date | None = None
    reference: str = Field("", max_length=100)
    notes: str = Field("", max_length=5000)


class AllocationOut(Schema):
    id: int
    invoice: str | None
    amount: Decimal
    reverses: int | None
    reason: str
    created_at: datetime


class PaymentOut(Schema):
    number: str
    side: str = Field(description="receivable (from a customer) or payable (to a supplier; customer is the supplier)")
    kind: str
    status: str
    customer: str
    customer_name: str
    currency: str
    amount: Decimal
    unallocated: Decimal
    method: str
    received_on: date
    reference: str
    provider: str
    provider_reference: str
    credit_note: str | None
    refund_of: str | None
    notes: str
    created_at: datetime
    allocations: list[AllocationOut]


def payment_out(payment) -> dict:
    cur = payment.currency
    return PaymentOut(
        number=payment.number, side=payment.side, kind=payment.kind, status=payment.status, customer=payment.customer.code,
        customer_name=payment.customer.name, currency=cur, amount=amount_rounded(payment.amount, cur),
        unallocated=amount_rounded(payment.unallocated, cur),
        method=payment.method, received_on=payment.received_on, reference=payment.reference,
        provider=payment.provider, provider_reference=payment.provider_reference,
        credit_note=payment.credit_note.number if payment.credit_note_id else None,
        refund_of=payment.refund_of.number if payment.refund_of_id else None, notes=payment.notes,
        created_at=payment.created_at,
        allocations=[AllocationOut(id=a.pk, invoice=a.invoice.number, amount=amount_rounded(a.amount, cur),
                                   reverses=a.reverses_id, reason=a.reason, created_at=a.created_at)
                     for a in payment.allocations.all()],
    ).model_dump(mode="json")


class PaymentPage(Schema):
    items: list[PaymentOut]
    next_cursor: str | None


class PaymentListQuery(Schema):
    customer: str | None = None
    side: str | None = Field(None, description="receivable or payable")
    kind: str | None = Field(None, description="payment or refund (several separated by commas)")
    status: str | None = None
    method: str | None = None
    currency: str | None = None
    reference: str | None = None
    received_from: date | None = None
    received_to: date | None = None
    cursor: str | None = None
    limit: int | None = None


class WebhookOut(Schema):
    status: str = Field(description="recorded, completed, failed, duplicate or ignored")
    event_id: str
    payment: str | None


class StatementLineOut(Schema):
    date: date
    kind: str
    reference: str
    description: str
    debit: Decimal
    credit: Decimal
    applied: Decimal
    balance: Decimal


class StatementOut(Schema):
    customer: str
    customer_name: str
    currency: str
    date_from: date | None
    date_to: date | None
    opening_balance: Decimal
    closing_balance: Decimal
    credit: Decimal = Field(description="Unapplied payments the customer can use or have refunded")
    lines: list[StatementLineOut]


class StatementQuery(Schema):
    currency: str | None = Field(None, min_length=3, max_length=3, description="Defaults to the customer's")
    date_from: date | None = None
    date_to: date | None = None


class AgingRowOut(Schema):
    customer: str | None
    customer_name: str | None
    currency: str
    buckets: dict[str, Decimal] = Field(description=f"Open balance by days past due: {', '.join(BUCKETS)}")
    total: Decimal
    documents: int


class AgingOut(Schema):
    as_of: date
    rows: list[AgingRowOut]
    totals: list[AgingRowOut]


class AgingQuery(Schema):
    as_of: date | None = Field(None, description="Defaults to today")
    customer: str | None = Field(None, description="A customer's code")
    currency: str | None = Field(None, min_length=3, max_length=3)


# --- payments ---------------------------------------------------------------------------------------

@router.post("/payments", response={201: PaymentOut})
def payments_create(request, payload: PaymentIn, idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    """Record money received. ``allocations`` applies it to invoices in the same step; what is not
    allocated stays as the customer's credit."""
    require_perm(request, "payments.add_payment")

    def action():
        payment = payment_record(customer=payload.customer, amount=payload.amount, currency=payload.currency,
                                 method=payload.method, received_on=payload.received_on,
                                 reference=payload.reference, notes=payload.notes,
                                 allocations=_specs(payload.allocations), auto_allocate=payload.auto_allocate)
        return 201, payment_out(payment_get(number=payment.number))

    return idempotent(request, key=idempotency_key, body=payload.dict(), action=action)


@router.post("/payments/refunds", response={201: PaymentOut})
def payments_refund(request, payload: RefundIn, idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    """Pay money back: what a credit note still owes (``credit_note``), or the customer's unapplied
    credit. Never more than is available (``refund_exceeds_credit``)."""
    require_perm(request, "payments.add_payment")

    def action():
        refund = payment_refund(customer=payload.customer, amount=payload.amount, currency=payload.currency,
                                method=payload.method, credit_note=payload.credit_note,
                                from_credit=payload.from_credit, received_on=payload.received_on,
                                reference=payload.reference, notes=payload.notes)
        return 201, payment_out(payment_get(number=refund.number))

    return idempotent(request, key=idempotency_key, body=payload.dict(), action=action)


@router.post("/payments/webhooks/{provider}", response=WebhookOut, auth=None)
def payments_webhook(request, provider: str):
    """A payment provider's event. No token: providers cannot send one. **Signatures are not
    verified yet**, so only enable providers whose ``parse_webhook`` checks them. Each event id is
    processed once: duplicates answer 200 with ``status: duplicate``."""
    gateway = provider_get(provider)
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise WebhookRejected("The webhook body is not valid JSON", field="body") from exc
    token = set_actor(Actor(type="system", id=f"webhook:{gateway.name}", label=f"{gateway.name} webhook"))
    try:
        outcome = webhook_handle(provider=gateway.name, payload=body,
                                 headers={k: v for k, v in request.headers.items()})
    finally:
        reset_actor(token)
    return {"status": outcome.status, "event_id": outcome.event_id,
            "payment": outcome.payment.number if outcome.payment else None}


@router.get("/payments", response=PaymentPage)
def payments_list(request, query: Query[PaymentListQuery]):
    require_perm(request, "payments.view_payment")
    filters = PaymentFilter(**query.dict(exclude={"cursor", "limit"}))
    return page_of(payment_list(filters=filters), cursor=query.cursor, limit=query.limit, render=payment_out)


@router.get("/payments/{number}", response=PaymentOut)
def payments_get(request, number: str):
    require_perm(request, "payments.view_payment")
    return payment_out(payment_get(number=number))


@router.post("/payments/{number}/allocations", response=PaymentOut)
def payments_allocate(request, number: str, payload: AllocateIn):
    """Apply what a payment has left (customer credit) to invoices or debit notes."""
    require_perm(request, "payments.change_payment")
    payment = payment_allocate(payment=payment_get(number=number), allocations=_specs(payload.allocations),
                               auto=payload.auto)
    return payment_out(payment_get(number=payment.number))


@router.post("/payments/allocations/{allocation_id}/reverse", response=PaymentOut)
def allocations_reverse(request, allocation_id: int, payload: ReverseIn):
    """Cancel an allocation with a negative one (the original stays); the amount goes back to the payment."""
    require_perm(request, "payments.change_payment")
    reversal = allocation_reverse(allocation=allocation_get(allocation_id=allocation_id), reason=payload.reason)
    return payment_out(payment_get(number=reversal.payment.number))


# --- receivables ------------------------------------------------------------------------------------

@router.get("/customers/{customer_id}/statement", response=StatementOut)
def customers_statement(request, customer_id: int, query: Query[StatementQuery]):
    """Issued documents, payments, allocations and refunds with a running balance (what the customer owes)."""
    require_perm(request, "payments.view_payment")
    customer = party_get(party_id=customer_id)
    st = customer_statement(customer=customer, currency=query.currency, date_from=query.date_from,
                            date_to=query.date_to)
    cur = st.currency
    return {"customer": customer.code, "customer_name": customer.name, "currency": cur, "date_from": st.date_from,
            "date_to": st.date_to, "opening_balance": amount_rounded(st.opening_balance, cur),
            "closing_balance": amount_rounded(st.closing_balance, cur), "credit": amount_rounded(st.credit, cur),
            "lines": [{"date": e.on, "kind": e.kind, "reference": e.reference, "description": e.description,
                       "debit": amount_rounded(e.debit, cur), "credit": amount_rounded(e.credit, cur),
                       "applied": amount_rounded(e.applied, cur), "balance": amount_rounded(balance, cur)}
                      for e, balance in st.lines]}


@router.get("/customers/{customer_id}/statement.pdf", response={200: None})
def customers_statement_pdf(request, customer_id: int, query: Query[StatementQuery]):
    """The same statement as a PDF, in the customer's language."""
    require_perm(request, "payments.view_payment")
    customer = party_get(party_id=customer_id)
    st = customer_statement(customer=customer, currency=query.currency, date_from=query.date_from,
                            date_to=query.date_to)
    entries = [StatementEntry(date=e.on, reference=e.reference, description=e.description, debit=e.debit,
                              credit=e.credit) for e, _ in st.lines]
    pdf = statement_pdf(customer, entries, currency=st.currency, opening_balance=st.opening_balance,
                        period_start=st.date_from, period_end=st.date_to)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="statement-{customer.code}-{st.currency}.pdf"'
    return response


def _aging_row(row) -> dict:
    cur = row.currency
    customer: Party | None = row.customer
    return {"customer": customer.code if customer else None, "customer_name": customer.name if customer else None,
            "currency": cur, "buckets": {k: amount_rounded(v, cur) for k, v in row.buckets.items()},
            "total": amount_rounded(row.total, cur), "documents": row.documents}


@router.get("/reports/aging", response=AgingOut)
def reports_aging(request, query: Query[AgingQuery]):
    """Open receivables per customer and currency by days past due (current, 1-30, 31-60, 61-90, 90+)."""
    require_perm(request, "payments.view_payment")
    customer = party_by_code(code=query.customer) if query.customer else None
    report = ar_aging(as_of=query.as_of or timezone.localdate(), customer=customer, currency=query.currency)
    return {"as_of": report.as_of, "rows": [_aging_row(r) for r in report.rows],
            "totals": [_aging_row(r) for r in report.totals]}
