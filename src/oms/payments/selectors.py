"""Payment reads: unallocated amounts, customer credit, lists, the customer statement and AR aging."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Case, DecimalField, F, OuterRef, Prefetch, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from oms.core.errors import NotFound
from oms.core.money import DECIMAL_PLACES, MAX_DIGITS, Money
from oms.core.selectors import audit_for_object
from oms.invoicing.models import Invoice
from oms.invoicing.selectors import invoice_balance, with_balance
from oms.parties.models import Party
from oms.payments.aging import AgingRow, Entry, OpenItem, aging_rows, aging_totals, running_balance
from oms.payments.models import Allocation, Payment, RefundSource

_DEC = DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)
ZERO = Value(Decimal(0), output_field=_DEC)


def _sum_of(queryset: QuerySet, *, by: str = "payment", column: str = "amount") -> Coalesce:
    """A correlated SUM(column) subquery of rows filtered on OuterRef, grouped by ``by`` (0 when none)."""
    summed = queryset.order_by().values(by).annotate(s=Sum(column)).values("s")
    return Coalesce(Subquery(summed, output_field=_DEC), ZERO)


_UNIT = Decimal(1).scaleb(-DECIMAL_PLACES)


def exact(value: object) -> Decimal:
    """A sum of stored amounts back at the columns' 4 places. On SQLite, arithmetic on NUMERIC values
    runs on 64-bit floats and Django rounds only plain columns back, so a computed sum or difference
    can come back as 1.20999999999999 for 1.21; its error is far below 0.00005, so quantizing to the
    stored places gives the exact sum again (on PostgreSQL it changes nothing)."""
    return Decimal(value or 0).quantize(_UNIT)


def account_balance(invoice: Invoice) -> Decimal:
    """invoicing's ``invoice_balance`` (the account of an invoice and its notes), exact."""
    return exact(invoice_balance(invoice))


def _total(queryset: QuerySet, column: str = "amount") -> Decimal:
    return exact(queryset.aggregate(s=Sum(column))["s"])


def with_unallocated(queryset: QuerySet[Payment]) -> QuerySet[Payment]:
    """Payments annotated with ``unallocated``: amount - allocations - refunds drawn on them (0 for refunds,
    payments to suppliers and payments that are not completed). For lists and filters; on SQLite pass a value through
    ``exact`` before deciding anything with it."""
    allocated = _sum_of(Allocation.objects.filter(payment=OuterRef("pk")))
    refunded = _sum_of(RefundSource.objects.filter(payment=OuterRef("pk"), refund__status=Payment.Status.COMPLETED))
    left = Case(When(kind=Payment.Kind.PAYMENT, status=Payment.Status.COMPLETED, side=Payment.Side.RECEIVABLE,
                     then=F("amount") - F("allocated_total") - F("refunded_total")), default=ZERO, output_field=_DEC)
    return queryset.annotate(allocated_total=allocated, refunded_total=refunded, unallocated=left)


def payments_unallocated(*, customer: Party, currency: str) -> QuerySet[Payment]:
    """The customer's completed payments in a currency, with what each has left."""
    return with_unallocated(Payment.objects.filter(customer=customer, currency=currency, kind=Payment.Kind.PAYMENT,
                                                   side=Payment.Side.RECEIVABLE,
                                                   status=Payment.Status.COMPLETED))


def payment_unallocated(*, payment: Payment) -> Decimal:
    """What a payment has not applied to invoices nor paid back (0 unless it is a completed customer payment)."""
    if (payment.kind != Payment.Kind.PAYMENT or payment.status != Payment.Status.COMPLETED
            or payment.side != Payment.Side.RECEIVABLE):
        return Decimal(0)
    allocated = _total(Allocation.objects.filter(payment=payment))
    refunded = _total(RefundSource.objects.filter(payment=payment, refund__status=Payment.Status.COMPLETED))
    return exact(payment.amount - allocated - refunded)


def customer_credit(customer: Party, currency: str) -> Money:
    """The customer's unapplied money: completed payments - their allocations - refunds paid from credit."""
    payments = Payment.objects.filter(customer=customer, currency=currency, status=Payment.Status.COMPLETED,
                                      side=Payment.Side.RECEIVABLE)
    received = _total(payments.filter(kind=Payment.Kind.PAYMENT))
    allocated = _total(Allocation.objects.filter(payment__in=payments.filter(kind=Payment.Kind.PAYMENT)))
    refunded = _total(payments.filter(kind=Payment.Kind.REFUND, credit_note__isnull=True))
    return Money(exact(received - allocated - refunded), currency)


def credit_note_refunded(*, credit_note: Invoice) -> Decimal:
    return _total(Payment.objects.filter(credit_note=credit_note, kind=Payment.Kind.REFUND)
                  .exclude(status=Payment.Status.FAILED))


@dataclass(frozen=True)
class PaymentFilter:
    customer: str | None = None
    side: str | None = None
    kind: str | None = None
    status: str | None = None
    method: str | None = None
    currency: str | None = None
    reference: str | None = None
    received_from: date | None = None
    received_to: date | None = None


def payments_with_allocations() -> QuerySet[Payment]:
    return with_unallocated(Payment.objects.select_related("customer", "credit_note", "refund_of")).prefetch_related(
        Prefetch("allocations", queryset=Allocation.objects.select_related("invoice").order_by("id")))


def payment_list(*, filters: PaymentFilter) -> QuerySet[Payment]:
    qs = payments_with_allocations()
    f = filters
    if f.customer:
        qs = qs.filter(customer__code=f.customer)
    for name in ("side", "kind", "status", "method", "currency", "reference"):
        value = getattr(f, name)
        if value:
            qs = qs.filter(**({f"{name}__in": value.split(",")} if name in ("kind", "status", "method")
                              else {name: value}))
    if f.received_from:
        qs = qs.filter(received_on__gte=f.received_from)
    if f.received_to:
        qs = qs.filter(received_on__lte=f.received_to)
    return qs


def payment_get(*, number: str) -> Payment:
    payment = payments_with_allocations().filter(number=number).first()
    if payment is None:
        raise NotFound(f"No payment {number!r}", field="number")
    return payment


def allocation_get(*, allocation_id: int) -> Allocation:
    allocation = Allocation.objects.select_related("payment", "invoice").filter(pk=allocation_id).first()
    if allocation is None:
        raise NotFound(f"No allocation {allocation_id}", field="id")
    return allocation


def payment_timeline(*, payment: Payment):
    return audit_for_object(object_type="payments.payment", object_id=payment.number)


# --- accounts receivable -----------------------------------------------------------------------------

OPEN_STATUSES = (Invoice.Status.ISSUED, Invoice.Status.PARTIALLY_PAID)


@dataclass(frozen=True)
class AgingReport:
    as_of: date
    rows: list[AgingRow]  # customer is a Party
    totals: list[AgingRow]  # one per currency, customer None


def ar_aging(*, as_of: date, customer: Party | None = None, currency: str | None = None) -> AgingReport:
    """Open balances by days past due on ``as_of``, per customer and currency, and overall per currency.

    An invoice and its debit and credit notes are one account (invoicing's ``invoice_balance``):
    each issued or partially paid invoice counts once, with its account's balance, in the bucket of
    its due date. Balances are today's; invoices issued after ``as_of`` are left out.
    """
    qs = with_balance(Invoice.objects.select_related("customer")
                      .filter(kind=Invoice.Kind.INVOICE, status__in=OPEN_STATUSES).exclude(issue_date__gt=as_of))
    if customer is not None:
        qs = qs.filter(customer=customer)
    if currency:
        qs = qs.filter(currency=currency)
    customers: dict[int, Party] = {}
    items = []
    for invoice in qs.order_by("customer_id", "id"):
        customers[invoice.customer_id] = invoice.customer
        items.append(OpenItem(customer=invoice.customer_id, currency=invoice.currency, due_date=invoice.due_date,
                              balance=exact(invoice.balance)))
    rows = aging_rows(items, as_of=as_of)
    for row in rows:
        row.customer = customers[row.customer]
    rows.sort(key=lambda r: (r.customer.code, r.currency))
    return AgingReport(as_of=as_of, rows=rows, totals=aging_totals(rows))


@dataclass(frozen=True)
class Statement:
    customer: Party
    currency: str
    date_from: date | None
    date_to: date | None
    opening_balance: Decimal
    lines: list[tuple[Entry, Decimal]]
    closing_balance: Decimal
    credit: Decimal  # unapplied payments now


def _statement_entries(customer: Party, currency: str, date_to: date | None) -> list[Entry]:
    entries: list[Entry] = []
    docs = (Invoice.objects.filter(customer=customer, currency=currency)
            .exclude(status__in=(Invoice.Status.DRAFT, Invoice.Status.CANCELLED)).select_related("original"))
    for doc in docs:
        on = doc.issue_date or (doc.issued_at.date() if doc.issued_at else doc.created_at.date())
        label = doc.get_kind_display()
        if doc.original_id:
            label = f"{label} for {doc.original.number}"
        credit = doc.kind == Invoice.Kind.CREDIT_NOTE
        entries.append(Entry(on=on, order=(0, doc.pk), kind=doc.kind, reference=doc.number or "",
                             description=str(label), debit=Decimal(0) if credit else doc.total,
                             credit=doc.total if credit else Decimal(0)))
    payments = Payment.objects.filter(customer=customer, currency=currency, status=Payment.Status.COMPLETED,
                                      side=Payment.Side.RECEIVABLE)
    for p in payments.select_related("credit_note"):
        if p.kind == Payment.Kind.PAYMENT:
            entries.append(Entry(on=p.received_on, order=(1, p.pk), kind="payment", reference=p.number,
                                 description=f"Payment ({p.get_method_display()}) {p.reference}".strip(),
                                 credit=p.amount))
        else:
            what = f"credit note {p.credit_note.number}" if p.credit_note_id else "customer credit"
            entries.append(Entry(on=p.received_on, order=(1, p.pk), kind="refund", reference=p.number,
                                 description=f"Refund of {what}", debit=p.amount))
    allocations = (Allocation.objects.filter(payment__in=payments.filter(kind=Payment.Kind.PAYMENT))
                   .select_related("payment", "invoice"))
    for a in allocations:
        on = max(a.payment.received_on, timezone.localdate(a.created_at))
        text = (f"Reversal of allocation {a.reverses_id}: {a.reason}" if a.reverses_id
                else f"{a.payment.number} applied to {a.invoice.number}")
        entries.append(Entry(on=on, order=(2, a.pk), kind="reversal" if a.reverses_id else "allocation",
                             reference=a.invoice.number or "", description=text, applied=a.amount))
    if date_to is not None:
        entries = [e for e in entries if e.on <= date_to]
    return entries


def customer_statement(*, customer: Party, currency: str | None = None, date_from: date | None = None,
                       date_to: date | None = None) -> Statement:
    """Issued documents, payments, allocations and refunds in date order with a running balance
    (what the customer owes; negative when the business owes the customer), after an opening
    balance of everything before ``date_from``. Allocations move no money: they show ``applied``."""
    currency = currency or customer.currency
    entries = _statement_entries(customer, currency, date_to)
    before = [e for e in entries if date_from is not None and e.on < date_from]
    within = [e for e in entries if date_from is None or e.on >= date_from]
    opening = sum((e.debit - e.credit for e in before), Decimal(0))
    lines = running_balance(within, opening=opening)
    closing = lines[-1][1] if lines else opening
    return Statement(customer=customer, currency=currency, date_from=date_from, date_to=date_to,
                     opening_balance=opening, lines=lines, closing_balance=closing,
                     credit=customer_credit(customer, currency).amount)
