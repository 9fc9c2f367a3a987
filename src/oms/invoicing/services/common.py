"""What every invoicing service shares: line input, tax resolution, pricing lines, effects at the end.

Taxes of a line come from, in this order: explicit tax rates (TaxRate ids; each must be in force on
the document's date, else 422 ``tax_rate_not_valid``); the line's tax category (given, or the
product's), whose rates in force on that date for the customer's jurisdiction apply (422
``no_tax_rate`` when it has rates but none applies); a category that has no rates at all is taxed
at its plain catalog rate (for an order line: the rate the order was priced with). A line with none
of these is not taxed. The document's date is today for a draft and the issue date when issued: a
draft is re-taxed when it is issued.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from django.db.models import Model
from django.utils import timezone

from oms.catalog.models import Product, TaxCategory
from oms.catalog.services import quantity_validate
from oms.core.context import current_actor
from oms.core.errors import DomainError, NotFound
from oms.core.money import CurrencyMismatch, Money, amount_rounded, to_decimal
from oms.core.services.audit import AuditEntry
from oms.core.services.company import company_default
from oms.core.services.events import effects_write, event_build
from oms.invoicing import taxes as tx
from oms.invoicing.models import Invoice, InvoiceLine, InvoiceLineTax, TaxRate
from oms.invoicing.selectors import NoTaxRate, invoicing_settings, rate_valid_on, rates_applying
from oms.parties.models import Party
from oms.sales.models import SalesOrderLine

QUANTUM = Decimal("0.0001")
MAX_QUANTITY = Decimal(10) ** 12
OBJECT_TYPE = "invoicing.invoice"


class TaxRateNotValid(DomainError):
    code = "tax_rate_not_valid"
    status = 422


@dataclass(frozen=True)
class LineSpec:
    """One line as a caller describes it. ``unit_price`` may be Money (its currency must be the
    document's) or a plain amount. ``tax_rates`` (TaxRate ids) replace the category's rates."""

    description: str | None = None
    quantity: object = None
    unit_price: object = None
    kind: str = InvoiceLine.Kind.GOODS
    sku: str | None = None
    discount_amount: object = None
    tax_category: str | None = None
    tax_rates: list[int] | None = None
    original_line_id: int | None = None
    # Set by the services, not by callers:
    order_line: SalesOrderLine | None = None
    tax_percent: Decimal | None = None
    tax_parts: tuple[tx.TaxSpec, ...] | None = None
    product: Product | None = None
    original_line: InvoiceLine | None = None


@dataclass
class Built:
    lines: list[InvoiceLine]
    taxes: list[list[InvoiceLineTax]]
    totals: tx.Totals = field(default=None)


def customer_get(code: str) -> Party:
    if not code:
        raise DomainError("customer is required", field="customer", code="required")
    party = Party.objects.filter(code=code, is_customer=True).first()
    if party is None:
        raise NotFound(f"No customer with code {code!r}", field="customer")
    if not party.active:
        raise DomainError(f"Customer {code} is inactive", field="customer", code="inactive_customer")
    return party


def default_billing_address(party: Party) -> dict:
    address = party.addresses.filter(kind="billing").order_by("-is_default", "id").first()
    return address.as_dict() if address else {}


def jurisdiction_of(invoice: Invoice) -> str:
    """The customer's country (from the billing address), else the company's: whose taxes apply."""
    country = (invoice.billing_address or {}).get("country") or company_default().country or ""
    region = (invoice.billing_address or {}).get("region") or ""
    country = str(country).strip().upper()
    return f"{country}-{str(region).strip().upper()}" if country and region and len(str(region)) <= 3 else country


def _decimal(raw: object, name: str, prefix: str) -> Decimal:
    try:
        return to_decimal(raw, field=f"{prefix}.{name}")
    except DomainError as exc:
        exc.field = f"{prefix}.{name}"
        raise


def quantity_clean(raw: object, prefix: str) -> Decimal:
    if raw is None:
        raise DomainError("quantity is required", field=f"{prefix}.quantity", code="required")
    quantity = _decimal(raw, "quantity", prefix)
    if quantity <= 0 or quantity >= MAX_QUANTITY or quantity != quantity.quantize(QUANTUM):
        raise DomainError("quantity must be positive, below 10^12, with at most 4 decimals",
                          field=f"{prefix}.quantity", code="invalid_quantity")
    return quantity


def amount_clean(raw: object, name: str, prefix: str, currency: str, *, required: bool) -> Decimal:
    if raw is None:
        if required:
            raise DomainError(f"{name} is required", field=f"{prefix}.{name}", code="required")
        return Decimal(0)
    if isinstance(raw, Money):
        if raw.currency != currency:
            raise CurrencyMismatch(f"The {name.replace('_', ' ')} is in {raw.currency}, the document in {currency}",
                                   field=f"{prefix}.{name}.currency")
        raw = raw.amount
    amount = _decimal(raw, name, prefix)
    if amount < 0 or amount != amount.quantize(QUANTUM):
        raise DomainError(f"{name} must not be negative and have at most 4 decimals", field=f"{prefix}.{name}",
                          code="invalid_amount")
    return amount


def tax_spec_of(rate: TaxRate) -> tx.TaxSpec:
    return tx.TaxSpec(key=rate.pk, code=rate.code, name=rate.name, percent=rate.rate,
                      withholding=rate.kind == TaxRate.Kind.WITHHOLDING, compound=rate.compound)


def plain_tax(category: TaxCategory | None, percent: Decimal) -> tx.TaxSpec:
    code = category.code if category else "tax"
    return tx.TaxSpec(key=f"plain:{code}:{percent}", code=code, name=category.name if category else "", percent=percent)


def stored_taxes(line: InvoiceLine) -> tuple[tx.TaxSpec, ...]:
    """A written line's taxes as they were computed (notes copy them from the line they adjust)."""
    return tuple(tx.TaxSpec(key=t.tax_rate_id or f"plain:{t.code}:{t.percent}", code=t.code, name=t.name,
                            percent=t.percent, withholding=t.kind == TaxRate.Kind.WITHHOLDING, compound=t.compound)
                 for t in line.taxes.all())


class TaxResolver:
    """Looks up everything the lines' taxes need in a few queries, then resolves each line."""

    def __init__(self, specs: list[LineSpec], *, on_date: date, jurisdiction: str) -> None:
        self.on_date, self.jurisdiction = on_date, jurisdiction
        codes = {s.tax_category for s in specs if s.tax_category}
        self.categories = {c.code: c for c in TaxCategory.objects.filter(code__in=codes)} if codes else {}
        ids = {i for s in specs for i in (s.tax_rates or [])}
        self.explicit = {r.pk: r for r in TaxRate.objects.filter(pk__in=ids)} if ids else {}
        wanted = {c.pk for c in self.categories.values()}
        wanted |= {s.product.tax_category_id for s in specs if s.product and s.product.tax_category_id}
        wanted |= {s.order_line.product.tax_category_id for s in specs
                   if s.order_line and s.order_line.product and s.order_line.product.tax_category_id}
        self.rates: dict[int, list[TaxRate]] = {}
        for rate in TaxRate.objects.filter(category_id__in=wanted) if wanted else []:
            self.rates.setdefault(rate.category_id, []).append(rate)

    def category(self, spec: LineSpec, prefix: str) -> TaxCategory | None:
        if spec.tax_category:
            found = self.categories.get(spec.tax_category)
            if found is None:
                raise NotFound(f"Unknown tax category {spec.tax_category!r}", field=f"{prefix}.tax_category")
            return found
        product = spec.product or (spec.order_line.product if spec.order_line else None)
        return product.tax_category if product else None

    def resolve(self, spec: LineSpec, prefix: str) -> tuple[TaxCategory | None, tuple[tx.TaxSpec, ...]]:
        if spec.tax_parts is not None:
            return None, spec.tax_parts
        if spec.tax_rates is not None:
            found = []
            for rate_id in spec.tax_rates:
                rate = self.explicit.get(rate_id)
                if rate is None:
                    raise NotFound(f"Unknown tax rate {rate_id}", field=f"{prefix}.tax_rates")
                if not rate_valid_on(rate, self.on_date):
                    raise TaxRateNotValid(f"tax rate outside its validity: {rate.code} is valid from "
                                          f"{rate.valid_from or 'always'} to {rate.valid_to or 'open'}, the document "
                                          f"is dated {self.on_date.isoformat()}", field=f"{prefix}.tax_rates")
                found.append(tax_spec_of(rate))
            return None, tuple(found)
        category = self.category(spec, prefix)
        if category is None:
            percent = spec.tax_percent or Decimal(0)
            return None, (plain_tax(None, percent),) if percent else ()
        rates = self.rates.get(category.pk)
        if not rates:  # a category without rates: its catalog rate (an order line: the rate it was priced at)
            return category, (plain_tax(category, spec.tax_percent if spec.tax_percent is not None else category.rate),)
        applying = rates_applying(rates, jurisdiction=self.jurisdiction, on_date=self.on_date)
        if not applying:
            raise NoTaxRate(f"No tax rate for {category.code!r} in {self.jurisdiction or 'any jurisdiction'!r} on "
                            f"{self.on_date.isoformat()}", field=f"{prefix}.tax_category")
        return category, tuple(tax_spec_of(r) for r in applying)


def products_by_sku(specs: list[LineSpec], field: str) -> list[LineSpec]:
    """Attach the product of each line that names a SKU (in one query)."""
    skus = {s.sku for s in specs if s.sku and s.product is None}
    products = ({p.sku: p for p in Product.objects.filter(sku__in=skus).select_related("tax_category", "unit")}
                if skus else {})
    result = []
    for i, spec in enumerate(specs):
        if spec.sku and spec.product is None:
            product = products.get(spec.sku)
            if product is None:
                raise NotFound(f"Unknown SKU {spec.sku!r}", field=f"{field}.{i}.sku", code="unknown_sku")
            spec = replace(spec, product=product)
        result.append(spec)
    return result


def build_lines(invoice: Invoice, specs: list[LineSpec], *, on_date: date, field: str = "lines",
                rounding: str | None = None) -> Built:
    """Price the lines for the document (not saved): amounts, taxes and the document totals on
    ``invoice``. ``rounding``: the settings' tax rounding, when the caller has read them already."""
    if not specs:
        raise DomainError("A document needs at least one line", field=field, code="required")
    specs = products_by_sku(specs, field)
    resolver = TaxResolver(specs, on_date=on_date, jurisdiction=jurisdiction_of(invoice))
    lines, inputs = [], []
    for i, spec in enumerate(specs):
        prefix = f"{field}.{i}"
        if spec.kind not in InvoiceLine.Kind.values:
            raise DomainError(f"kind must be one of {InvoiceLine.Kind.values}", field=f"{prefix}.kind")
        product = spec.product
        description = (spec.description or (product.name if product else "")).strip()
        if not description:
            raise DomainError("A line needs a description or a SKU", field=f"{prefix}.description", code="required")
        quantity = quantity_clean(spec.quantity, prefix)
        if product is not None and spec.order_line is None and spec.original_line is None:
            quantity_validate(product=product, quantity=quantity, field=f"{prefix}.quantity")  # its unit's decimals
        price = amount_clean(spec.unit_price, "unit_price", prefix, invoice.currency, required=True)
        discount = amount_clean(spec.discount_amount, "discount_amount", prefix, invoice.currency, required=False)
        category, line_taxes = resolver.resolve(spec, prefix)
        inputs.append(tx.LineIn(quantity=quantity, unit_price=price, discount=discount, taxes=line_taxes))
        lines.append(InvoiceLine(
            invoice=invoice, position=i + 1, kind=spec.kind, product=product, sku=product.sku if product else "",
            description=description[:300], quantity=quantity, unit_price=price, discount_amount=discount,
            tax_category=category, order_line=spec.order_line, original_line=spec.original_line))
    totals = tx.compute(inputs, currency=invoice.currency, tax_inclusive=invoice.tax_inclusive,
                        rounding=rounding or invoicing_settings().tax_rounding, field=field)
    built = Built(lines=lines, taxes=[], totals=totals)
    for line, out in zip(lines, totals.lines):
        apply_amounts(line, out)
        built.taxes.append(tax_rows(line, out))
    totals_set(invoice, totals)
    return built


def apply_amounts(line: InvoiceLine, out: tx.LineOut) -> None:
    line.line_subtotal, line.line_tax, line.line_total = out.subtotal, out.tax, out.total
    main = next((p.tax for p in out.parts if p.tax.added and not p.tax.compound), None)
    line.tax_percent = main.percent if main else Decimal(0)
    line.tax_rate_id = main.key if main and isinstance(main.key, int) else None


def tax_rows(line: InvoiceLine, out: tx.LineOut) -> list[InvoiceLineTax]:
    return [InvoiceLineTax(line=line, tax_rate_id=p.tax.key if isinstance(p.tax.key, int) else None,
                           code=p.tax.code, name=p.tax.name, percent=p.tax.percent,
                           kind=TaxRate.Kind.WITHHOLDING if p.tax.withholding else TaxRate.Kind.STANDARD,
                           compound=p.tax.compound, taxable=p.taxable, amount=p.amount) for p in out.parts]


def totals_set(invoice: Invoice, totals: tx.Totals) -> None:
    invoice.subtotal, invoice.tax_total = totals.subtotal, totals.tax_total
    invoice.withholding_total, invoice.total = totals.withholding_total, totals.total


def lines_insert(built: Built) -> list[InvoiceLineTax]:
    """Insert the lines (they get their ids); returns their tax rows, ready to insert."""
    InvoiceLine.objects.bulk_create(built.lines)
    for line, rows in zip(built.lines, built.taxes):
        for row in rows:
            row.line = line
    return [row for rows in built.taxes for row in rows]


def lines_save(built: Built) -> None:
    """Insert the lines, then their taxes."""
    InvoiceLineTax.objects.bulk_create(lines_insert(built))


def line_snapshot(line: InvoiceLine) -> dict:
    return {"id": line.pk, "kind": line.kind, "sku": line.sku, "description": line.description,
            "quantity": str(line.quantity), "unit_price": str(line.unit_price),
            "discount_amount": str(line.discount_amount), "tax_percent": str(line.tax_percent),
            "tax": str(line.line_tax), "total": str(line.line_total)}


def today() -> date:
    return timezone.localdate()


class Effects:
    """Audit entries and events a service collects, written together as its last writes."""

    EVENTS = {"invoice.issued", "invoice.cancelled", "credit_note.issued", "debit_note.issued",
              "invoice.payment_status_changed"}

    def __init__(self, invoice: Invoice) -> None:
        self.invoice = invoice
        self.steps: list[tuple[str, dict]] = []

    def add(self, action: str, changes: dict) -> None:
        self.steps.append((action, changes))

    def flush(self, *others: Effects, rows: Sequence[Model] = ()) -> None:
        """Write the events and then the audit records of this and the ``others`` (last writes),
        with the service's other new ``rows`` (of one model) in the same statement on PostgreSQL."""
        events, entries = [], []
        for effects in (self, *others):
            effects.collect(events, entries)
        effects_write(events=events, entries=entries, rows=[rows])

    def collect(self, events: list, entries: list) -> None:
        doc = self.invoice
        for action, changes in self.steps:
            entries.append(AuditEntry(action=action, object_type=OBJECT_TYPE, object_id=doc.pk, changes=changes))
            if action in self.EVENTS:
                payload = {**changes, "id": doc.pk, "number": doc.number, "kind": doc.kind, "status": doc.status,
                           "customer": doc.customer.code, "currency": doc.currency,
                           "total": str(amount_rounded(doc.total, doc.currency)),
                           "original": doc.original.number if doc.original_id else None}
                events.append(event_build(event_type=action, aggregate_type=OBJECT_TYPE, aggregate_id=doc.pk,
                                          payload=payload))


def actor_label() -> str:
    return current_actor().label[:150]
