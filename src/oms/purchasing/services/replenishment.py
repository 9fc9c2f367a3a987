"""Replenishment: the stock position of every product worth watching, the suggestions the pure rules
make of it, and turning them into draft purchase orders grouped by supplier."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from oms.catalog.models import Product
from oms.core.errors import Conflict
from oms.inventory.models import StockLevel, Warehouse
from oms.purchasing.models import PurchaseOrder, PurchaseOrderLine, ReorderRule, SupplierItem
from oms.purchasing.replenishment import Position, SupplierOption, Suggestion, suggestions
from oms.purchasing.services.common import warehouse_clean
from oms.purchasing.services.orders import POLineSpec, purchase_order_create
from oms.purchasing.states import INCOMING


def _dec(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.0001"))


def positions(*, warehouse: Warehouse | str | None = None) -> list[tuple[Position, list[SupplierOption], Product]]:
    """Every stocked, active product with a reorder rule, a low-stock threshold or a backorder, per
    warehouse where it has stock or a rule, with its supplier options."""
    only = warehouse_clean(warehouse) if warehouse else None
    levels = StockLevel.objects.filter(product__product_type=Product.Type.STOCKED, product__active=True)
    rules = ReorderRule.objects.all()
    incoming = PurchaseOrderLine.objects.filter(order__status__in=INCOMING, quantity__gt=F("quantity_received"))
    if only is not None:
        levels = levels.filter(location__warehouse=only)
        rules = rules.filter(warehouse=only)
        incoming = incoming.filter(order__warehouse=only)
    stock = {(r["product_id"], r["location__warehouse_id"]): r for r in levels.values(
        "product_id", "location__warehouse_id").annotate(on_hand=Sum("on_hand"), reserved=Sum("reserved"))}
    short = {(r["product_id"], r["location__warehouse_id"]): r["short"] for r in levels.filter(
        reserved__gt=F("on_hand")).values("product_id", "location__warehouse_id").annotate(
        short=Sum(F("reserved") - F("on_hand")))}
    coming = {(r["product_id"], r["order__warehouse_id"]): r["q"] for r in incoming.values(
        "product_id", "order__warehouse_id").annotate(q=Sum(F("quantity") - F("quantity_received")))}
    rule_of = {(r.product_id, r.warehouse_id): r for r in rules}
    keys = set(rule_of) | set(short) | set(stock) | set(coming)
    products = {p.pk: p for p in Product.objects.select_related("unit").filter(
        pk__in={k[0] for k in keys}, product_type=Product.Type.STOCKED, active=True)}
    keys = {k for k in keys if k[0] in products and (
        k in rule_of or k in short or products[k[0]].low_stock_threshold is not None)}
    warehouses = {w.pk: w for w in Warehouse.objects.filter(pk__in={k[1] for k in keys})}
    options = defaultdict(list)
    for item in SupplierItem.objects.select_related("supplier").filter(
            product_id__in={k[0] for k in keys}, active=True, supplier__active=True, supplier__is_supplier=True):
        options[item.product_id].append(SupplierOption(
            supplier=item.supplier.code, price=item.price, currency=item.currency,
            min_order_quantity=item.min_order_quantity, lead_time_days=item.lead_time_days,
            preferred=item.preferred))
    result = []
    for key in sorted(keys):
        product, rule, row = products[key[0]], rule_of.get(key), stock.get(key, {})
        position = Position(sku=product.sku, warehouse=warehouses[key[1]].code, on_hand=_dec(row.get("on_hand")),
                            reserved=_dec(row.get("reserved")), incoming=_dec(coming.get(key)),
                            backordered=_dec(short.get(key)),
                            min_level=rule.min_quantity if rule else product.low_stock_threshold,
                            max_level=rule.max_quantity if rule else None, unit_decimals=product.unit.decimals)
        result.append((position, options[product.pk], product))
    return result


def replenishment_suggest(*, warehouse: Warehouse | str | None = None, today: date | None = None) -> list[Suggestion]:
    """What to buy now, per product, warehouse and supplier (see ``oms.purchasing.replenishment``)."""
    return suggestions([(p, o) for p, o, _ in positions(warehouse=warehouse)], today=today or timezone.localdate())


def replenishment_order(*, warehouse: Warehouse | str | None = None, skus: list[str] | None = None,
                        today: date | None = None) -> list[PurchaseOrder]:
    """Turn the current suggestions (all, or those of ``skus``) into draft purchase orders, one per
    supplier, currency and warehouse, at the suppliers' prices. Suggestions without a supplier are left."""
    found = [s for s in replenishment_suggest(warehouse=warehouse, today=today)
             if s.option is not None and (skus is None or s.position.sku in skus)]
    if not found:
        raise Conflict("Nothing to order: no suggestion with a supplier", field="skus", code="nothing_to_order")
    groups: dict[tuple[str, str, str], list[Suggestion]] = defaultdict(list)
    for s in found:
        groups[(s.option.supplier, s.option.currency, s.position.warehouse)].append(s)
    orders = []
    with transaction.atomic():
        for (supplier, currency, code), items in sorted(groups.items()):
            expected = max((s.expected_on for s in items if s.expected_on), default=None)
            orders.append(purchase_order_create(
                supplier=supplier, currency=currency, warehouse=code, expected_on=expected,
                notes="made from replenishment suggestions",
                lines=[POLineSpec(sku=s.position.sku, quantity=s.quantity, unit_price=s.option.price)
                       for s in sorted(items, key=lambda s: s.position.sku)]))
    return orders
