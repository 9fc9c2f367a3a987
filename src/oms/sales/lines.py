"""Turning line input into priced order lines: product lookup, quantity rules, prices, discounts, tax."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from oms.catalog.models import Product
from oms.catalog.selectors import prices_for
from oms.catalog.services import quantity_validate
from oms.core.errors import DomainError, NotFound
from oms.core.money import CurrencyMismatch, Money, to_decimal
from oms.core.sqlbatch import select_related_where
from oms.sales.models import SalesOrder, SalesOrderLine
from oms.sales.pricing import HUNDRED, LineInput, line_amounts, order_totals

PRICE_QUANTUM = Decimal("0.0001")
MAX_QUANTITY = Decimal(10) ** 12


@dataclass(frozen=True)
class LineSpec:
    sku: str | None = None
    description: str | None = None
    quantity: object = None
    unit_price: Money | None = None
    discount_percent: object = None
    discount_amount: object = None
    tax_rate: object = None


def _with_field(exc: DomainError, prefix: str) -> DomainError:
    exc.field = f"{prefix}.{exc.field}" if exc.field else prefix
    return exc


def _quantity(raw: object, product: Product | None, prefix: str) -> Decimal:
    if raw is None:
        raise DomainError("quantity is required", field=f"{prefix}.quantity", code="required")
    try:
        quantity = to_decimal(raw, field="quantity")
        if product is not None:
            return quantity_validate(product=product, quantity=quantity)
    except DomainError as exc:
        raise _with_field(exc, prefix) from exc
    if quantity <= 0 or quantity >= MAX_QUANTITY or -quantity.as_tuple().exponent > 4:
        raise DomainError("quantity must be positive, below 10^12, with at most 4 decimals",
                          field=f"{prefix}.quantity", code="invalid_quantity")
    return quantity


def _decimal(raw: object, name: str, prefix: str) -> Decimal:
    if raw is None:
        return Decimal(0)
    try:
        return to_decimal(raw, field=name)
    except DomainError as exc:
        raise _with_field(exc, prefix) from exc


def _explicit_price(order: SalesOrder, price: Money, prefix: str) -> Decimal:
    if price.currency != order.currency:
        raise CurrencyMismatch(f"The price is in {price.currency}, the order in {order.currency}",
                               field=f"{prefix}.unit_price.currency")
    if -price.amount.as_tuple().exponent > 4:
        raise DomainError("unit price has more than 4 decimals", field=f"{prefix}.unit_price.amount",
                          code="invalid_amount")
    return price.amount


def _list_prices(order: SalesOrder, wanted: list[tuple[Product, Decimal, Decimal, str]]) -> list[Decimal]:
    """Prices from the price lists for (product, quantity, tax rate, field) in one query.

    A price list may hold gross prices while the order is net (or the reverse): such prices are
    converted with 4 places, enough that each line rounds to the cent the list intended.
    """
    if not wanted:
        return []
    try:
        quotes = prices_for(wanted=[(p, q) for p, q, _, _ in wanted], currency=order.currency,
                            on_date=timezone.localdate(), customer_group=order.customer.customer_group)
    except DomainError as exc:
        index = exc.extra.pop("index", None)
        raise _with_field(exc, wanted[index][3] if index is not None else "lines") from exc
    prices = []
    for quote, (_, _, tax_rate, _) in zip(quotes, wanted, strict=True):
        price = quote.unit_price.amount
        if quote.tax_inclusive and not order.tax_inclusive:
            price = (price / (1 + tax_rate / HUNDRED)).quantize(PRICE_QUANTUM)
        elif order.tax_inclusive and not quote.tax_inclusive:
            price = (price * (1 + tax_rate / HUNDRED)).quantize(PRICE_QUANTUM)
        prices.append(price)
    return prices


def _tax_rate(product: Product | None, spec: LineSpec, prefix: str) -> Decimal:
    if spec.tax_rate is not None:
        return _decimal(spec.tax_rate, "tax_rate", prefix)
    if product is not None and product.tax_category is not None:
        return product.tax_category.rate
    return Decimal(0)


def _price_line(order: SalesOrder, line: SalesOrderLine, prefix: str) -> SalesOrderLine:
    amounts = line_amounts(
        LineInput(quantity=line.quantity, unit_price=line.unit_price, discount_percent=line.discount_percent,
                  discount_amount=line.discount_amount, tax_rate=line.tax_rate),
        currency=order.currency, tax_inclusive=order.tax_inclusive, field=prefix)
    line.line_discount, line.line_tax, line.line_total = amounts.discount, amounts.tax, amounts.total
    # Hold values as the database stores them (4 places), so a new line reads the same as a loaded
    # one; line_amounts has refused anything too large to quantize.
    for name in ("quantity", "unit_price", "discount_percent", "discount_amount", "tax_rate", "quantity_fulfilled"):
        setattr(line, name, Decimal(getattr(line, name)).quantize(PRICE_QUANTUM))
    return line


def build_lines(order: SalesOrder, specs: list[LineSpec], *, start: int, field: str = "lines") -> list[SalesOrderLine]:
    skus = {spec.sku for spec in specs if spec.sku}
    products = ({p.sku: p for p in select_related_where(Product, ["unit", "tax_category"],
                                                         f"t0.sku IN ({', '.join('%s' for _ in skus)})", list(skus))}
                if skus else {})
    lines, to_price = [], []
    for i, spec in enumerate(specs):
        prefix = f"{field}.{i}"
        product = None
        if spec.sku:
            product = products.get(spec.sku)
            if product is None:
                raise NotFound(f"Unknown SKU {spec.sku!r}", field=f"{prefix}.sku", code="unknown_sku")
            if not product.active:
                raise DomainError(f"Product {spec.sku} is inactive", field=f"{prefix}.sku", code="inactive_product")
        elif not spec.description:
            raise DomainError("A line without a SKU needs a description", field=f"{prefix}.sku", code="required")
        quantity = _quantity(spec.quantity, product, prefix)
        tax_rate = _tax_rate(product, spec, prefix)
        if spec.unit_price is not None:
            unit_price = _explicit_price(order, spec.unit_price, prefix)
        elif product is None:
            raise DomainError("A line without a SKU needs a unit price", field=f"{prefix}.unit_price",
                              code="required")
        else:
            unit_price = None
            to_price.append((len(lines), product, quantity, tax_rate, prefix))
        lines.append(SalesOrderLine(
            order=order, position=start + i, product=product, sku=product.sku if product else "",
            description=(spec.description or product.name)[:300], quantity=quantity, unit_price=unit_price,
            discount_percent=_decimal(spec.discount_percent, "discount_percent", prefix),
            discount_amount=_decimal(spec.discount_amount, "discount_amount", prefix), tax_rate=tax_rate))
    prices = _list_prices(order, [(p, q, r, f) for _, p, q, r, f in to_price])
    for (index, *_), price in zip(to_price, prices, strict=True):
        lines[index].unit_price = price
    return [_price_line(order, line, f"{field}.{i}") for i, line in enumerate(lines)]


def change_lines(order: SalesOrder, by_id: dict[int, SalesOrderLine], changes: list) -> list[SalesOrderLine]:
    """Apply quantity, price and discount changes to existing lines and re-price them."""
    changed = []
    for i, change in enumerate(changes):
        prefix = f"change.{i}"
        line = by_id.get(change.line_id)
        if line is None:
            raise NotFound(f"Order {order.number} has no line {change.line_id}", field=f"{prefix}.line_id")
        if change.quantity is not None:
            line.quantity = _quantity(change.quantity, line.product, prefix)
            if line.quantity < line.quantity_fulfilled:
                raise DomainError("quantity is below what was already fulfilled", field=f"{prefix}.quantity",
                                  code="invalid_quantity")
        if change.unit_price is not None:
            line.unit_price = _explicit_price(order, change.unit_price, prefix)
        if change.discount_percent is not None:
            line.discount_percent = _decimal(change.discount_percent, "discount_percent", prefix)
        if change.discount_amount is not None:
            line.discount_amount = _decimal(change.discount_amount, "discount_amount", prefix)
        changed.append(_price_line(order, line, prefix))
    return changed


def totals_of(lines: list[SalesOrderLine]) -> dict[str, Decimal]:
    totals = order_totals([
        _Stored(line) for line in lines  # stored line amounts are already rounded per line
    ])
    return {"subtotal": totals.subtotal, "discount_total": totals.discount_total, "tax_total": totals.tax_total,
            "total": totals.total}


class _Stored:
    """A stored line seen as LineAmounts, for summing."""

    def __init__(self, line: SalesOrderLine) -> None:
        self.total, self.tax, self.discount = line.line_total, line.line_tax, line.line_discount
        self.subtotal = line.line_total - line.line_tax


def line_snapshot(line: SalesOrderLine) -> dict:
    return {"id": line.pk, "sku": line.sku, "description": line.description, "quantity": str(line.quantity),
            "unit_price": str(line.unit_price), "discount_percent": str(line.discount_percent),
            "discount_amount": str(line.discount_amount), "tax_rate": str(line.tax_rate),
            "total": str(line.line_total)}
