"""Invoice tax arithmetic: plain Python over Decimal, no database.

A line is ``quantity x unit price`` (rounded to the currency's minor unit) less a discount: its
*net*. Each line carries zero or more taxes:

* standard taxes are added to the line; their taxable amount is the line's amount before tax;
* compound taxes are standard taxes charged on top of the line's amount *plus* its non-compound
  standard taxes (e.g. a provincial tax on top of a federal one);
* withholding taxes are deducted: the customer keeps them and pays them to the tax office, so the
  document's ``total`` (what the customer pays us) is ``subtotal + tax_total - withholding_total``.

Tax-exclusive documents: the net is the amount before tax. Tax-inclusive documents: the net already
contains the added (standard and compound) taxes, which are taken out of it: the line's amount
before tax is ``net / ((1 + S) x (1 + C))`` with ``S`` and ``C`` the sums of the standard and of the
compound rates. Withholding is never in a price.

Rounding: every stored amount is rounded to the currency's minor unit and every sum is of rounded
amounts, so the totals are the exact sums of the lines and the tax summary is the exact sum of the
line taxes. With rounding ``line`` each line's taxes are rounded on their own; with ``document``
each rate's tax is rounded once over all lines that carry it (tax-inclusive: once per group of
lines with the same added taxes) and then shared out to the lines in proportion to their amounts,
losing nothing (``Money.allocate``).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from oms.core.errors import DomainError
from oms.core.money import MAX_ABS_AMOUNT, Money

HUNDRED = Decimal(100)
ZERO = Decimal(0)
LINE, DOCUMENT = "line", "document"


@dataclass(frozen=True)
class TaxSpec:
    """One tax on a line. ``key`` identifies the rate (a TaxRate id, or a key for a plain percent)."""

    key: Hashable
    code: str
    percent: Decimal
    withholding: bool = False
    compound: bool = False
    name: str = ""

    @property
    def added(self) -> bool:
        return not self.withholding


@dataclass(frozen=True)
class LineIn:
    quantity: Decimal
    unit_price: Decimal
    discount: Decimal = ZERO
    taxes: tuple[TaxSpec, ...] = ()


@dataclass(frozen=True)
class TaxPart:
    tax: TaxSpec
    taxable: Decimal
    amount: Decimal


@dataclass(frozen=True)
class LineOut:
    gross: Decimal  # quantity x unit price, rounded
    discount: Decimal
    net: Decimal  # gross - discount, as priced (with the added taxes when tax-inclusive)
    subtotal: Decimal  # the amount before tax
    tax: Decimal  # added taxes (standard and compound)
    withholding: Decimal
    parts: tuple[TaxPart, ...] = ()

    @property
    def total(self) -> Decimal:
        """The line with its added taxes (withholding is deducted from the document, not the line)."""
        return self.subtotal + self.tax


@dataclass(frozen=True)
class SummaryRow:
    code: str
    name: str
    percent: Decimal
    withholding: bool
    compound: bool
    taxable: Decimal
    tax: Decimal


@dataclass(frozen=True)
class Totals:
    lines: list[LineOut]
    subtotal: Decimal
    tax_total: Decimal
    withholding_total: Decimal
    total: Decimal
    summary: list[SummaryRow] = field(default_factory=list)


def _round(amount: Decimal, currency: str) -> Decimal:
    return Money(amount, currency).rounded().amount


def distribute(amount: Decimal, weights: Sequence[Decimal], currency: str) -> list[Decimal]:
    """Share a rounded amount out in proportion to non-negative weights, in minor units, losing nothing."""
    if not weights:
        return []
    if amount == 0 or all(w == 0 for w in weights):
        if amount != 0:
            raise ValueError("cannot share a non-zero amount over zero weights")
        return [ZERO] * len(weights)
    return [part.amount for part in Money(amount, currency).allocate(list(weights))]


def line_validate(line: LineIn, *, field: str) -> None:
    if line.quantity <= 0:
        raise DomainError("quantity must be positive", field=f"{field}.quantity", code="invalid_quantity")
    if line.unit_price < 0:
        raise DomainError("unit price must not be negative", field=f"{field}.unit_price", code="invalid_amount")
    if line.unit_price > MAX_ABS_AMOUNT or line.quantity > MAX_ABS_AMOUNT:
        raise DomainError("unit price is too large", field=f"{field}.unit_price", code="amount_too_large")
    if line.discount < 0:
        raise DomainError("discount must not be negative", field=f"{field}.discount_amount", code="invalid_discount")
    keys = [t.key for t in line.taxes]
    if len(keys) != len(set(keys)):
        raise DomainError("a tax rate is listed twice on the line", field=f"{field}.tax_rates", code="duplicate_tax")
    for tax in line.taxes:
        if not ZERO <= tax.percent <= HUNDRED:
            raise DomainError("tax rate must be between 0 and 100", field=f"{field}.tax_rates", code="invalid_tax_rate")
        if tax.compound and tax.withholding:
            raise DomainError("a withholding tax cannot be compound", field=f"{field}.tax_rates",
                              code="invalid_tax_rate")


def _net(line: LineIn, currency: str, field: str) -> tuple[Decimal, Decimal, Decimal]:
    gross = _round(line.quantity * line.unit_price, currency)
    if gross > MAX_ABS_AMOUNT:
        raise DomainError("line amount is too large", field=f"{field}.quantity", code="amount_too_large")
    discount = _round(line.discount, currency)
    if discount > gross:
        raise DomainError("discount is larger than the line amount", field=f"{field}.discount_amount",
                          code="invalid_discount")
    return gross, discount, gross - discount


def _rates(taxes: tuple[TaxSpec, ...]) -> tuple[list[TaxSpec], list[TaxSpec], list[TaxSpec]]:
    standard = [t for t in taxes if t.added and not t.compound]
    compound = [t for t in taxes if t.compound]
    withholding = [t for t in taxes if t.withholding]
    return standard, compound, withholding


class _Work:
    """Per-line amounts while a document is computed."""

    def __init__(self, line: LineIn, net: Decimal) -> None:
        self.line, self.net, self.base = line, net, net
        self.amounts: dict[Hashable, Decimal] = {}
        self.taxable: dict[Hashable, Decimal] = {}


def _exclusive(work: list[_Work], currency: str) -> None:
    """Each rate rounded once over the lines carrying it, shared out by those lines' taxable amounts."""
    specs = {t.key: t for w in work for t in w.line.taxes}
    for compound in (False, True):
        for key, tax in specs.items():
            if not tax.added or tax.compound != compound:
                continue
            carriers = [w for w in work if any(t.key == key for t in w.line.taxes)]
            for w in carriers:
                std = sum((w.amounts[t.key] for t in w.line.taxes if t.added and not t.compound), ZERO) \
                    if compound else ZERO
                w.taxable[key] = w.base + std
            total = _round(sum((w.taxable[key] for w in carriers), ZERO) * tax.percent / HUNDRED, currency)
            for w, share in zip(carriers, distribute(total, [w.taxable[key] for w in carriers], currency)):
                w.amounts[key] = share


def _inclusive(work: list[_Work], currency: str) -> None:
    """Per group of lines with the same added taxes: the tax inside their nets, shared out."""
    groups: dict[tuple, list[_Work]] = {}
    for w in work:
        signature = tuple(sorted((str(t.key) for t in w.line.taxes if t.added)))
        groups.setdefault(signature, []).append(w)
    for members in groups.values():
        standard, compound, _ = _rates(members[0].line.taxes)
        s = sum((t.percent for t in standard), ZERO) / HUNDRED
        c = sum((t.percent for t in compound), ZERO) / HUNDRED
        net = sum((w.net for w in members), ZERO)
        base = _round(net / ((1 + s) * (1 + c)), currency)
        tax_total = net - base
        for w, line_tax in zip(members, distribute(tax_total, [w.net for w in members], currency)):
            w.base = w.net - line_tax
            # The line's tax split over its rates in proportion to what each would charge on the base.
            raw = {t.key: w.base * t.percent / HUNDRED for t in standard}
            std_raw = sum(raw.values(), ZERO)
            raw.update({t.key: (w.base + std_raw) * t.percent / HUNDRED for t in compound})
            keys = list(raw)
            weights = [raw[k] for k in keys]
            if not any(weights):  # a line whose base rounded to nothing: split by the rates themselves
                weights = [t.percent for t in standard + compound]
            shares = distribute(line_tax, weights, currency) if line_tax else [ZERO] * len(keys)
            w.amounts.update(zip(keys, shares))
            std = sum((w.amounts[t.key] for t in standard), ZERO)
            for t in standard:
                w.taxable[t.key] = w.base
            for t in compound:
                w.taxable[t.key] = w.base + std


def _withholding(work: list[_Work], currency: str) -> None:
    specs = {t.key: t for w in work for t in w.line.taxes if t.withholding}
    for key, tax in specs.items():
        carriers = [w for w in work if any(t.key == key for t in w.line.taxes)]
        total = _round(sum((w.base for w in carriers), ZERO) * tax.percent / HUNDRED, currency)
        for w, share in zip(carriers, distribute(total, [w.base for w in carriers], currency)):
            w.taxable[key], w.amounts[key] = w.base, share


def _compute_group(work: list[_Work], currency: str, tax_inclusive: bool) -> None:
    (_inclusive if tax_inclusive else _exclusive)(work, currency)
    _withholding(work, currency)


def summarize(parts: list[TaxPart]) -> list[SummaryRow]:
    """One row per rate (code, percent and kind), in the order the rates first appear."""
    rows: dict[tuple, list] = {}
    for part in parts:
        t = part.tax
        key = (t.code, t.percent, t.withholding, t.compound)
        row = rows.setdefault(key, [t.name, ZERO, ZERO])
        row[1] += part.taxable
        row[2] += part.amount
    return [SummaryRow(code=k[0], name=v[0], percent=k[1], withholding=k[2], compound=k[3], taxable=v[1], tax=v[2])
            for k, v in rows.items()]


def compute(lines: Sequence[LineIn], *, currency: str, tax_inclusive: bool = False, rounding: str = LINE,
            field: str = "lines") -> Totals:
    """Amounts of every line, the document totals and the tax summary (see the module docstring)."""
    if rounding not in (LINE, DOCUMENT):
        raise ValueError(f"rounding must be {LINE!r} or {DOCUMENT!r}")
    work = []
    for i, line in enumerate(lines):
        line_validate(line, field=f"{field}.{i}")
        gross, discount, net = _net(line, currency, f"{field}.{i}")
        w = _Work(line, net)
        w.gross, w.discount = gross, discount
        work.append(w)
    if rounding == DOCUMENT:
        _compute_group(work, currency, tax_inclusive)
    else:
        for w in work:
            _compute_group([w], currency, tax_inclusive)
    out: list[LineOut] = []
    for w in work:
        parts = tuple(TaxPart(tax=t, taxable=w.taxable.get(t.key, ZERO), amount=w.amounts.get(t.key, ZERO))
                      for t in w.line.taxes)
        tax = sum((p.amount for p in parts if p.tax.added), ZERO)
        withheld = sum((p.amount for p in parts if p.tax.withholding), ZERO)
        out.append(LineOut(gross=w.gross, discount=w.discount, net=w.net, subtotal=w.base, tax=tax,
                           withholding=withheld, parts=parts))
    subtotal = sum((x.subtotal for x in out), ZERO)
    tax_total = sum((x.tax for x in out), ZERO)
    withholding_total = sum((x.withholding for x in out), ZERO)
    total = subtotal + tax_total - withholding_total
    if subtotal + tax_total > MAX_ABS_AMOUNT:
        raise DomainError("document total is too large", field=field, code="amount_too_large")
    return Totals(lines=out, subtotal=subtotal, tax_total=tax_total, withholding_total=withholding_total,
                  total=total, summary=summarize([p for x in out for p in x.parts]))
