"""Invoicing reads: tax rates in force, balances, the tax summary, lookups, lists and timelines.

Balances (see ``oms.invoicing.balances`` for the arithmetic) are computed in SQL from stored,
rounded amounts, so they are exact sums:

* ``invoice_balance(invoice)``: what the customer still owes on an *issued* invoice =
  invoice total + issued debit notes - issued credit notes - every payment allocation made to the
  invoice or to one of its notes (signed: a reversal is a negative allocation). The invoice and
  the notes that adjust it are one account, counted once, on the invoice: a credit or debit note's
  own balance is 0 (what it adds or takes off is in its invoice's balance), and so is a draft's or
  a cancelled invoice's. So the balances of all documents add up to the customer's balance.
  Negative: the customer paid more than is now owed (e.g. credited after payment).
* ``customer_balance(customer, currency)``: the sum of ``invoice_balance`` over the customer's
  documents in that currency = issued invoices + issued debit notes - issued credit notes -
  allocations to any of them. Payments not allocated to a document (the customer's credit) are not
  in it: the payments module subtracts them on its side.
* ``invoice_account(doc)``: the figures of the account (for a note: of the invoice it adjusts).

Allocations are read from the payments module's table only when that module is installed, through
the app registry (invoicing must not import payments).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.apps import apps
from django.db.models import Case, DecimalField, F, Func, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from oms.catalog.models import TaxCategory
from oms.core.errors import DomainError, NotFound
from oms.core.money import DECIMAL_PLACES, MAX_DIGITS
from oms.core.selectors import audit_for_object
from oms.invoicing.models import Invoice, InvoiceLine, InvoiceLineTax, InvoicingSettings, TaxRate
from oms.invoicing.states import ISSUED, OPEN
from oms.parties.models import Party

K = Invoice.Kind
AMOUNT = DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)
ZERO = Value(Decimal(0), output_field=AMOUNT)
QUANTUM = Decimal(1).scaleb(-DECIMAL_PLACES)  # the smallest stored amount


class NoTaxRate(DomainError):
    code = "no_tax_rate"
    status = 422


# ---- settings and tax rates ----------------------------------------------------------------------

def invoicing_settings() -> InvoicingSettings:
    """The settings row (unsaved defaults when the business never changed them)."""
    return InvoicingSettings.objects.order_by("pk").first() or InvoicingSettings()


def rate_valid_on(rate: TaxRate, on_date: date) -> bool:
    started = rate.valid_from is None or rate.valid_from <= on_date
    return started and (rate.valid_to is None or on_date <= rate.valid_to)


def jurisdiction_levels(jurisdiction: str) -> list[str]:
    """Where to look, most specific first: ``US-CA`` -> ``US-CA``, ``US``, then rates for anywhere ("")."""
    jurisdiction = (jurisdiction or "").strip().upper()
    levels = [jurisdiction, jurisdiction.split("-")[0], ""]
    return list(dict.fromkeys(levels))


def rates_applying(rates: list[TaxRate], *, jurisdiction: str, on_date: date) -> list[TaxRate]:
    """Of one category's rates, those in force on the date at the most specific jurisdiction that has any."""
    for level in jurisdiction_levels(jurisdiction):
        found = [r for r in rates if r.jurisdiction.upper() == level and rate_valid_on(r, on_date)]
        if found:
            return sorted(found, key=lambda r: (r.kind != TaxRate.Kind.STANDARD, r.compound, r.pk))
    return []


def tax_rates_for(*, category: TaxCategory, jurisdiction: str, on_date: date) -> list[TaxRate]:
    """Every rate of the category that applies (e.g. VAT and a withholding tax); NoTaxRate if none."""
    found = rates_applying(list(TaxRate.objects.filter(category=category)), jurisdiction=jurisdiction,
                           on_date=on_date)
    if not found:
        raise NoTaxRate(f"No tax rate for {category.code!r} in {jurisdiction or 'any jurisdiction'!r} on "
                        f"{on_date.isoformat()}", field="tax_category")
    return found


def tax_rate_for(*, category: TaxCategory, jurisdiction: str, on_date: date) -> TaxRate:
    """The category's main rate on that date for the customer's jurisdiction (falling back to the
    country, then to rates for any jurisdiction ""); valid_from and valid_to are inclusive."""
    return tax_rates_for(category=category, jurisdiction=jurisdiction, on_date=on_date)[0]


@dataclass(frozen=True)
class TaxRateFilter:
    category: str | None = None
    jurisdiction: str | None = None
    on_date: date | None = None


def tax_rate_list(*, filters: TaxRateFilter = TaxRateFilter()) -> list[TaxRate]:
    qs = TaxRate.objects.select_related("category").order_by("category__code", "jurisdiction", "valid_from", "pk")
    if filters.category:
        qs = qs.filter(category__code=filters.category)
    if filters.jurisdiction is not None:
        qs = qs.filter(jurisdiction=filters.jurisdiction.upper())
    rates = list(qs)
    if filters.on_date:
        rates = [r for r in rates if rate_valid_on(r, filters.on_date)]
    return rates


# ---- balances -------------------------------------------------------------------------------------

def allocation_model():
    """The payments module's Allocation model, or None when payments is not installed."""
    if not apps.is_installed("oms.payments"):
        return None
    return apps.get_model("payments", "Allocation")


def _sum(qs: QuerySet, field: str) -> Subquery:
    """SELECT SUM(field) of a filtered queryset, as a subquery (no GROUP BY)."""
    return Subquery(qs.order_by().values(s=Func(F(field), function="SUM", output_field=AMOUNT))[:1],
                    output_field=AMOUNT)


def _notes_sum(kind: str) -> Coalesce:
    notes = Invoice.objects.filter(original_id=OuterRef("account_id"), kind=kind, status__in=ISSUED)
    return Coalesce(_sum(notes, "total"), ZERO, output_field=AMOUNT)


def _allocated() -> Coalesce | Value:
    model = allocation_model()
    if model is None:
        return ZERO
    # Two sums, each read through an index: one subquery with the OR of both made PostgreSQL scan
    # every allocation for every invoice (seconds per invoice at a million of them).
    on_invoice = model.objects.filter(invoice_id=OuterRef("account_id"))
    on_its_notes = model.objects.filter(invoice__original_id=OuterRef("account_id"))
    return (Coalesce(_sum(on_invoice, "amount"), ZERO, output_field=AMOUNT)
            + Coalesce(_sum(on_its_notes, "amount"), ZERO, output_field=AMOUNT))


def with_balance(qs: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """Annotate each document with its account's figures: ``account_total``, ``debited``,
    ``credited``, ``allocated`` and ``balance`` (see the module docstring), in the same query."""
    account_total = Case(When(kind=K.INVOICE, then=F("total")), default=F("original__total"), output_field=AMOUNT)
    owes = Q(kind=K.INVOICE, status__in=ISSUED)
    qs = qs.annotate(account_id=Coalesce("original_id", "id"), account_total=account_total)
    qs = qs.annotate(debited=_notes_sum(K.DEBIT_NOTE), credited=_notes_sum(K.CREDIT_NOTE), allocated=_allocated())
    balance = F("account_total") + F("debited") - F("credited") - F("allocated")
    return qs.annotate(balance=Case(When(owes, then=balance), default=ZERO, output_field=AMOUNT))


@dataclass(frozen=True)
class Account:
    """An invoice's figures: its total, its notes, the payments allocated and what is left."""

    total: Decimal
    debited: Decimal
    credited: Decimal
    allocated: Decimal
    balance: Decimal


def exact(value: Decimal | None) -> Decimal:
    """A sum read back from the database, to the stored 4 places. PostgreSQL sums NUMERIC exactly;
    SQLite sums and subtracts as floats, whose error (far below 0.0001 for amounts under about
    10^11, see docs/architecture.md) this removes."""
    return Decimal(0) if value is None else Decimal(value).quantize(QUANTUM)


def invoice_account(invoice: Invoice) -> Account:
    """The account's figures; for a note, the account of the invoice it adjusts."""
    target = invoice.original_id or Invoice.objects.filter(pk=invoice.pk).values_list("original_id", flat=True)[0]
    row = (with_balance(Invoice.objects.filter(pk=target or invoice.pk))
           .values("account_total", "debited", "credited", "allocated", "balance").get())
    return Account(total=exact(row["account_total"]), debited=exact(row["debited"]),
                   credited=exact(row["credited"]), allocated=exact(row["allocated"]), balance=exact(row["balance"]))


def invoice_balance(invoice: Invoice) -> Decimal:
    """What the customer still owes on the invoice (see the module docstring); exact, not rounded
    further. 0 for drafts, cancelled invoices and notes (a note counts in its invoice's balance)."""
    return exact(with_balance(Invoice.objects.filter(pk=invoice.pk)).values_list("balance", flat=True).get())


def customer_balance(customer: Party, currency: str) -> Decimal:
    """Sum of the balances of the customer's issued invoices in ``currency`` (module docstring):
    invoices + debit notes - credit notes - allocated payments. Unallocated payments are not in it."""
    docs = Invoice.objects.filter(customer=customer, currency=currency, status__in=ISSUED)
    total = docs.order_by().values(s=Func(Case(
        When(kind=K.CREDIT_NOTE, then=-F("total")), default=F("total"), output_field=AMOUNT),
        function="SUM", output_field=AMOUNT))[0]["s"]
    total = exact(total)
    model = allocation_model()
    if model is not None:
        allocated = (model.objects.filter(invoice__customer=customer, invoice__currency=currency,
                                          invoice__status__in=ISSUED)
                     .order_by().values(s=Func(F("amount"), function="SUM", output_field=AMOUNT))[0]["s"])
        total -= exact(allocated)
    return total


# ---- the tax summary ------------------------------------------------------------------------------

def tax_summary(invoice: Invoice) -> list[dict]:
    """One row per rate on the document: code, name, percent, kind, compound, taxable and tax (sums of
    the stored line taxes, so the tax rows add up to the document's tax and withholding totals)."""
    rows: dict[tuple, dict] = {}
    if "lines" in getattr(invoice, "_prefetched_objects_cache", {}):  # from invoices_full: no more queries
        taxes = [t for line in invoice.lines.all() for t in line.taxes.all()]
    else:
        taxes = InvoiceLineTax.objects.filter(line__invoice=invoice).order_by("line__position", "id")
    for t in taxes:
        key = (t.code, t.percent, t.kind, t.compound)
        row = rows.setdefault(key, {"code": t.code, "name": t.name, "percent": t.percent, "kind": t.kind,
                                    "compound": t.compound, "taxable": Decimal(0), "tax": Decimal(0)})
        row["taxable"] += t.taxable
        row["tax"] += t.amount
    return list(rows.values())


# ---- lookups and lists ----------------------------------------------------------------------------

@functools.cache
def _invoices_full() -> QuerySet[Invoice]:
    lines = (InvoiceLine.objects.select_related("tax_category").order_by("position")
             .prefetch_related(Prefetch("taxes", queryset=InvoiceLineTax.objects.order_by("id"))))
    return with_balance(Invoice.objects.select_related("customer", "sales_order", "original")
                        .prefetch_related(Prefetch("lines", queryset=lines)))


def invoices_full() -> QuerySet[Invoice]:
    """Documents with what the API and the back office show, in a constant number of queries.

    Built once per process and cloned for each use (a QuerySet is never changed by filtering or
    reading a clone): resolving the balance's subqueries again cost a third of a lookup's CPU. The
    modules, which decide whether payments count, are fixed when the process starts."""
    return _invoices_full().all()


def _one(qs: QuerySet[Invoice]) -> Invoice | None:
    """The one document of a lookup on a unique column: no ORDER BY to compile and run."""
    found = list(qs.order_by()[:1])
    return found[0] if found else None


def _by_key(qs: QuerySet[Invoice], key: str | int) -> Invoice:
    """By number, or by id (drafts have no number yet): a ``str`` key is tried as a number first,
    then as an id when it is all digits; an ``int`` key is an id."""
    invoice = None if isinstance(key, int) else _one(qs.filter(number=key))
    if invoice is None and str(key).isdigit():
        invoice = _one(qs.filter(pk=int(key)))
    if invoice is None:
        raise NotFound(f"No invoice {key!r}", field="invoice")
    return invoice


def invoice_get(*, key: str | int) -> Invoice:
    """A document with its lines, taxes and balance (``invoices_full``), by number or id."""
    return _by_key(invoices_full(), key)


def invoice_find(*, key: str | int) -> Invoice:
    """A document with its customer, order and original, by number or id: for a service that locks
    and reads it again, and for the PDF and UBL forms, which read their own lines (no balance)."""
    return _by_key(Invoice.objects.select_related("customer", "sales_order", "original"), key)


@dataclass(frozen=True)
class InvoiceFilter:
    status: str | None = None
    customer: str | None = None
    kind: str | None = None
    currency: str | None = None
    sales_order: str | None = None
    due_before: date | None = None
    overdue: bool | None = None


def invoice_list(*, filters: InvoiceFilter) -> QuerySet[Invoice]:
    """Documents newest first; ``overdue`` = issued, something left to pay and due before today."""
    qs = invoices_full()
    f = filters
    if f.status:
        qs = qs.filter(status__in=f.status.split(","))
    if f.customer:
        qs = qs.filter(customer__code=f.customer)
    if f.kind:
        qs = qs.filter(kind__in=f.kind.split(","))
    if f.currency:
        qs = qs.filter(currency=f.currency)
    if f.sales_order:
        qs = qs.filter(sales_order__number=f.sales_order)
    if f.due_before:
        qs = qs.filter(due_date__lt=f.due_before)
    if f.overdue is not None:
        overdue = Q(status__in=OPEN, kind=K.INVOICE, due_date__lt=timezone.localdate(),
                    balance__gte=QUANTUM)  # not "> 0": robust to SQLite's float sums
        qs = qs.filter(overdue) if f.overdue else qs.exclude(overdue)
    return qs


def invoice_timeline(*, invoice: Invoice):
    return audit_for_object(object_type="invoicing.invoice", object_id=invoice.pk)


def invoiced_quantities(*, order_id: int) -> dict[int, tuple[Decimal, Decimal]]:
    """Per order line: quantity and discount already on the order's invoices (drafts included,
    cancelled ones not), so the same goods are never invoiced twice."""
    found: dict[int, tuple[Decimal, Decimal]] = {}
    rows = (InvoiceLine.objects.filter(invoice__sales_order_id=order_id, invoice__kind=K.INVOICE,
                                       order_line__isnull=False)
            .exclude(invoice__status=Invoice.Status.CANCELLED).values_list("order_line_id", "quantity",
                                                                           "discount_amount"))
    for line_id, quantity, discount in rows:
        q, d = found.get(line_id, (Decimal(0), Decimal(0)))
        found[line_id] = (q + quantity, d + discount)
    return found
