"""Writes for price lists and their prices (one row per product and quantity break).

Prices are recorded in the audit trail one break at a time ("items.<SKU>@<quantity>"), so a
review shows exactly which prices changed and from what, however the change was made.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction

from oms.catalog.models import PriceList, PriceListItem, Product
from oms.catalog.services.products import quantity_validate
from oms.core.errors import DomainError, NotFound
from oms.core.money import DECIMAL_PLACES, MAX_ABS_AMOUNT, is_known_currency, to_decimal
from oms.core.services.audit import audit_record, diff
from oms.parties.models import CustomerGroup
from oms.parties.services import text_clean

OBJECT_TYPE = "catalog.pricelist"
PRICE_LIST_FIELDS = ("name", "currency", "customer_group", "tax_inclusive", "valid_from", "valid_to", "priority",
                     "active")
PRICE_QUANTUM = Decimal(1).scaleb(-DECIMAL_PLACES)
MAX_PRIORITY = 2**31 - 1


def _num(value: Decimal) -> str:
    """A decimal as plain text without trailing zeros, so 10 and 10.0000 read the same."""
    return format(Decimal(value).normalize(), "f")


def price_clean(value: object, *, field: str = "price") -> Decimal:
    """A unit price: zero or more, up to 4 decimals (unit prices may be finer than a cent)."""
    price = to_decimal(value, field=field)
    if price < 0:
        raise DomainError(f"{field} must not be negative", field=field, code="invalid_amount")
    if price > MAX_ABS_AMOUNT:
        raise DomainError(f"{field} is too large", field=field, code="amount_too_large")
    if price != price.quantize(PRICE_QUANTUM):
        raise DomainError(f"{field} may have at most {DECIMAL_PLACES} decimals", field=field, code="invalid_amount")
    return price.quantize(PRICE_QUANTUM)


def _date(value: object, *, field: str) -> date | None:
    if value is None or value == "" or isinstance(value, date):
        return value or None
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise DomainError(f"{field} must be a date as YYYY-MM-DD", field=field) from exc


def _group(value: CustomerGroup | str | None) -> CustomerGroup | None:
    if value is None or value == "" or isinstance(value, CustomerGroup):
        return value or None
    group = CustomerGroup.objects.filter(code=value).first()
    if group is None:
        raise DomainError(f"No customer group {value!r}", field="customer_group", code="not_found")
    return group


def _list_clean(values: dict) -> dict:
    if not is_known_currency(values["currency"]):
        raise DomainError(f"Unknown currency code {values['currency']!r}", field="currency", code="unknown_currency")
    priority = values["priority"]
    if isinstance(priority, bool) or not isinstance(priority, int) or abs(priority) > MAX_PRIORITY:
        raise DomainError("priority must be a whole number", field="priority")
    valid_from = _date(values["valid_from"], field="valid_from")
    valid_to = _date(values["valid_to"], field="valid_to")
    if valid_from and valid_to and valid_to < valid_from:
        raise DomainError("valid_to must not be before valid_from", field="valid_to")
    for name in ("tax_inclusive", "active"):
        if not isinstance(values[name], bool):
            raise DomainError(f"{name} must be true or false", field=name)
    return {
        "name": text_clean(values["name"], field="name", max_length=100, required=True),
        "currency": values["currency"], "customer_group": _group(values["customer_group"]),
        "tax_inclusive": values["tax_inclusive"], "valid_from": valid_from, "valid_to": valid_to,
        "priority": priority, "active": values["active"],
    }


def _items_clean(items: object) -> list[PriceListItem]:
    """Unsaved rows for ``items`` ([{"product": Product or SKU, "price", "min_quantity"}]),
    with the SKUs looked up in one query."""
    if not isinstance(items, list):
        raise DomainError("items must be a list", field="items")
    skus = [i.get("product") for i in items if isinstance(i, dict) and isinstance(i.get("product"), str)]
    by_sku = Product.objects.select_related("unit").in_bulk(skus, field_name="sku") if skus else {}
    rows, seen = [], set()
    for n, item in enumerate(items):
        if not isinstance(item, dict):
            raise DomainError(f"items.{n} must be an object", field=f"items.{n}")
        product = item.get("product")
        product = by_sku.get(product) if isinstance(product, str) else product
        if not isinstance(product, Product):
            raise DomainError(f"No product with SKU {item.get('product')!r}", field=f"items.{n}.sku",
                              code="not_found")
        min_quantity = quantity_validate(product=product, quantity=item.get("min_quantity", 1),
                                         field=f"items.{n}.min_quantity")
        if (product.pk, min_quantity) in seen:
            raise DomainError(f"{product.sku} has two prices from quantity {_num(min_quantity)}",
                              field=f"items.{n}.min_quantity", code="duplicate_price")
        seen.add((product.pk, min_quantity))
        rows.append(PriceListItem(product=product, min_quantity=min_quantity,
                                  price=price_clean(item.get("price"), field=f"items.{n}.price")))
    return rows


def _snapshot(price_list: PriceList) -> dict:
    return {"name": price_list.name, "currency": price_list.currency,
            "customer_group": price_list.customer_group.code if price_list.customer_group_id else None,
            "tax_inclusive": price_list.tax_inclusive, "priority": price_list.priority, "active": price_list.active,
            "valid_from": price_list.valid_from.isoformat() if price_list.valid_from else None,
            "valid_to": price_list.valid_to.isoformat() if price_list.valid_to else None}


def _items_snapshot(price_list: PriceList) -> dict:
    rows = price_list.items.values_list("product__sku", "min_quantity", "price")
    return {f"items.{sku}@{_num(qty)}": _num(price) for sku, qty, price in rows}


def price_list_create(*, name: str, currency: str, customer_group: CustomerGroup | str | None = None,
                      tax_inclusive: bool = False, valid_from: date | str | None = None,
                      valid_to: date | str | None = None, priority: int = 0, active: bool = True,
                      items: list[dict] | None = None) -> PriceList:
    with transaction.atomic():
        price_list = PriceList.objects.create(**_list_clean({
            "name": name, "currency": currency, "customer_group": customer_group, "tax_inclusive": tax_inclusive,
            "valid_from": valid_from, "valid_to": valid_to, "priority": priority, "active": active}))
        rows = _items_clean(items or [])
        for row in rows:
            row.price_list = price_list
        PriceListItem.objects.bulk_create(rows)
        audit_record(action="price_list.created", object_type=OBJECT_TYPE, object_id=price_list.pk,
                     changes=diff({}, {**_snapshot(price_list), **_items_snapshot(price_list)}))
    return price_list


def price_list_update(*, price_list: PriceList, **changes) -> PriceList:
    """Change the list's terms; ``items``, when given, is the complete new set of prices."""
    unknown = set(changes) - set(PRICE_LIST_FIELDS) - {"items"}
    if unknown:
        raise DomainError(f"Unknown price list field(s) {sorted(unknown)}", field=sorted(unknown)[0])
    with transaction.atomic():
        price_list = (PriceList.objects.select_for_update(of=("self",)).select_related("customer_group")
                      .get(pk=price_list.pk))
        before = {**_snapshot(price_list), **_items_snapshot(price_list)}
        values = _list_clean({**{n: getattr(price_list, n) for n in PRICE_LIST_FIELDS},
                              **{k: v for k, v in changes.items() if k != "items"}})
        if (values["currency"] != price_list.currency and "items" not in changes
                and price_list.items.exists()):
            # The prices are amounts in the list's currency: restate them along with the currency.
            raise DomainError("Send the prices in the new currency (items) together with a currency change",
                              field="currency", code="immutable")
        for key, value in values.items():
            setattr(price_list, key, value)
        price_list.save()
        if "items" in changes:
            rows = _items_clean(changes["items"] or [])
            price_list.items.all().delete()
            for row in rows:
                row.price_list = price_list
            PriceListItem.objects.bulk_create(rows)
        changed = diff(before, {**_snapshot(price_list), **_items_snapshot(price_list)})
        if changed:
            audit_record(action="price_list.updated", object_type=OBJECT_TYPE, object_id=price_list.pk,
                         changes=changed)
    return price_list


def price_list_deactivate(*, price_list: PriceList) -> PriceList:
    """Price lists are kept (orders record which list priced them); an inactive one prices nothing."""
    return price_list_update(price_list=price_list, active=False)


def price_item_set(*, price_list: PriceList, product: Product, price: Decimal | str | int,
                   min_quantity: Decimal | str | int = 1) -> PriceListItem:
    """Set one price break (created or replaced) without resending the whole list."""
    min_quantity = quantity_validate(product=product, quantity=min_quantity, field="min_quantity")
    price = price_clean(price)
    with transaction.atomic():
        price_list = PriceList.objects.select_for_update().get(pk=price_list.pk)
        item = PriceListItem.objects.filter(price_list=price_list, product=product, min_quantity=min_quantity).first()
        old = None if item is None else _num(item.price)
        if item is None:
            item = PriceListItem.objects.create(price_list=price_list, product=product, min_quantity=min_quantity,
                                                price=price)
        else:
            item.price = price
            item.save(update_fields=["price"])
        key = f"items.{product.sku}@{_num(min_quantity)}"
        if old != _num(price):
            audit_record(action="price_list.updated", object_type=OBJECT_TYPE, object_id=price_list.pk,
                         changes={key: [old, _num(price)]})
    return item


def price_item_remove(*, price_list: PriceList, product: Product, min_quantity: Decimal | str | int = 1) -> None:
    min_quantity = quantity_validate(product=product, quantity=min_quantity, field="min_quantity")
    with transaction.atomic():
        price_list = PriceList.objects.select_for_update().get(pk=price_list.pk)
        item = PriceListItem.objects.filter(price_list=price_list, product=product, min_quantity=min_quantity).first()
        if item is None:
            raise NotFound(f"{price_list.name} has no price for {product.sku} from {_num(min_quantity)}",
                           field="min_quantity")
        old = _num(item.price)
        item.delete()
        audit_record(action="price_list.updated", object_type=OBJECT_TYPE, object_id=price_list.pk,
                     changes={f"items.{product.sku}@{_num(min_quantity)}": [old, None]})
