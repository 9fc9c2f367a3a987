"""What every purchasing service shares: lookups, locks in one order, tolerances, audit and events.

Locks are taken in one order everywhere: the purchase order row, its lines (by id), product cost
rows (by product id), stock levels (inside the inventory service, by product id), bill rows, then
the number counter; audit records last.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from oms.catalog.models import Product
from oms.core.errors import DomainError, NotFound
from oms.core.money import Money, amount_rounded, is_known_currency, to_decimal
from oms.core.services.audit import AuditEntry
from oms.core.services.events import effects_write, event_build
from oms.core.sqlbatch import Statement
from oms.inventory.models import Warehouse
from oms.parties.models import Party
from oms.purchasing.matching import Tolerance
from oms.purchasing.models import PurchaseOrder, PurchaseOrderLine, PurchasingSettings

ZERO = Decimal(0)
HUNDRED = Decimal(100)
ORDER_SERIES, ORDER_FORMAT = "purchasing.order", "PO-{YYYY}-{seq:05d}"
RECEIPT_SERIES, RECEIPT_FORMAT = "purchasing.receipt", "GR-{YYYY}-{seq:05d}"
BILL_SERIES, BILL_FORMAT = "purchasing.bill", "BILL-{YYYY}-{seq:05d}"


class Effects:
    """Audit entries and outbox events collected by a service and written together at its end,
    once the documents have their numbers."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str, object, dict, bool]] = []

    def add(self, action: str, object_type: str, object_id: object, changes: dict, *, event: bool = True,
            first: bool = False) -> None:
        item = (action, object_type, object_id, changes, event)
        self.items.insert(0, item) if first else self.items.append(item)

    def flush(self, *, before: Sequence[Statement] = ()) -> None:
        """Write the events and audit records, after the service's other pending writes ``before``
        (UPDATEs of rows it changed): one statement on PostgreSQL."""
        events = [event_build(event_type=action, aggregate_type=object_type, aggregate_id=object_id, payload=changes)
                  for action, object_type, object_id, changes, event in self.items if event]
        effects_write(events=events, entries=[AuditEntry(action, object_type, object_id, changes)
                                              for action, object_type, object_id, changes, _ in self.items],
                      before=before)


def settings_get() -> PurchasingSettings:
    return PurchasingSettings.objects.first() or PurchasingSettings()


def bill_tolerance() -> Tolerance:
    current = settings_get()
    return Tolerance(quantity_percent=current.bill_quantity_tolerance_percent,
                     price_percent=current.bill_price_tolerance_percent)


def money_str(amount: Decimal, currency: str) -> str:
    return str(amount_rounded(amount, currency))


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
    if not party.active:
        raise DomainError(f"Supplier {party.code} is inactive", field="supplier", code="inactive_supplier")
    return party


def product_clean(sku: Product | str, *, field: str = "sku") -> Product:
    if isinstance(sku, Product):
        return sku
    product = Product.objects.select_related("unit").filter(sku=sku).first()
    if product is None:
        raise NotFound(f"No product with SKU {sku!r}", field=field)
    return product


def warehouse_clean(warehouse: Warehouse | str | None) -> Warehouse:
    if isinstance(warehouse, Warehouse):
        return warehouse
    qs = Warehouse.objects.filter(active=True)
    found = qs.filter(code=warehouse).first() if warehouse else qs.order_by("id").first()
    if found is None:
        raise NotFound(f"No active warehouse {warehouse!r}" if warehouse else "No active warehouse is set up",
                       field="warehouse")
    return found


def currency_clean(currency: str, *, field: str = "currency") -> str:
    if not is_known_currency(currency):
        raise DomainError(f"Unknown currency {currency!r}", field=field, code="unknown_currency")
    return currency


def price_clean(value: object, *, currency: str, field: str) -> Decimal:
    """A unit price (a number, or Money that must be in ``currency``), not negative."""
    if isinstance(value, Money):
        if value.currency != currency:
            raise DomainError(f"{field} is in {value.currency}, the document in {currency}", field=field,
                              code="currency_mismatch")
        value = value.amount
    amount = to_decimal(value, field=field)
    if amount < 0:
        raise DomainError(f"{field} must not be negative", field=field, code="invalid_amount")
    if amount != amount.quantize(Decimal("0.0001")):
        raise DomainError(f"{field} has more than 4 decimal places", field=field, code="invalid_amount")
    return amount


def line_total(quantity: Decimal, price: Decimal, currency: str) -> Decimal:
    """Exact: quantity x price rounded once, to the currency's minor unit."""
    return Money(quantity * price, currency).rounded().amount


def order_lock(order: PurchaseOrder) -> PurchaseOrder:
    return (PurchaseOrder.objects.select_for_update(of=("self",)).select_related("supplier", "warehouse")
            .get(pk=order.pk))


def lines_lock(order: PurchaseOrder) -> dict[int, PurchaseOrderLine]:
    rows = (PurchaseOrderLine.objects.select_for_update(of=("self",)).select_related("product__unit")
            .filter(order=order).order_by("id"))
    return {line.pk: line for line in rows}
