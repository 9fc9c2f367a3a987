"""Suppliers, their price lists and the min/max levels replenishment works from."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from oms.catalog.services import quantity_validate
from oms.core.errors import DomainError
from oms.core.money import to_decimal
from oms.core.services.audit import audit_record
from oms.inventory.models import Warehouse
from oms.parties.models import Party
from oms.parties.services import party_create
from oms.purchasing.models import ReorderRule, SupplierItem
from oms.purchasing.services.common import (
    currency_clean, price_clean, product_clean, supplier_clean, warehouse_clean,
)


def supplier_create(*, name: str, code: str | None = None, currency: str | None = None, email: str = "",
                    phone: str = "", tax_id: str = "", payment_terms_days: int = 30, notes: str = "",
                    addresses: list[dict] | None = None, contacts: list[dict] | None = None) -> Party:
    """A party with the supplier role (and not the customer one), through the parties service."""
    return party_create(name=name, code=code, is_customer=False, is_supplier=True, currency=currency, email=email,
                        phone=phone, tax_id=tax_id, payment_terms_days=payment_terms_days, notes=notes,
                        addresses=addresses, contacts=contacts)


def supplier_item_set(*, supplier: Party | str, sku: str, price: object, currency: str | None = None,
                      supplier_sku: str = "", min_order_quantity: object = 1, lead_time_days: int = 7,
                      preferred: bool = False, active: bool = True) -> SupplierItem:
    """Add or change one line of a supplier's price list. Making it preferred makes the product's other
    suppliers not preferred (one preferred supplier per product)."""
    supplier = supplier_clean(supplier)
    product = product_clean(sku)
    currency = currency_clean(currency or supplier.currency)
    amount = price_clean(price, currency=currency, field="price")
    moq = quantity_validate(product=product, quantity=min_order_quantity, field="min_order_quantity")
    if isinstance(lead_time_days, bool) or not isinstance(lead_time_days, int) or not 0 <= lead_time_days <= 3650:
        raise DomainError("lead_time_days must be a whole number of days from 0 to 3650", field="lead_time_days")
    supplier_sku = (supplier_sku or "").strip()
    if len(supplier_sku) > 64:
        raise DomainError("supplier_sku must be at most 64 characters", field="supplier_sku")
    clash = SupplierItem.objects.filter(supplier=supplier, supplier_sku=supplier_sku).exclude(product=product)
    if supplier_sku and clash.exists():
        raise DomainError(f"{supplier.code} already uses part number {supplier_sku!r} for another product",
                          field="supplier_sku", code="duplicate")
    values = {"supplier_sku": supplier_sku, "price": amount, "currency": currency, "min_order_quantity": moq,
              "lead_time_days": lead_time_days, "preferred": bool(preferred), "active": bool(active)}
    with transaction.atomic():
        if preferred:
            SupplierItem.objects.filter(product=product, preferred=True).exclude(supplier=supplier) \
                .update(preferred=False)
        item, created = SupplierItem.objects.update_or_create(supplier=supplier, product=product, defaults=values)
        audit_record(action="supplier_item.created" if created else "supplier_item.updated",
                     object_type="purchasing.supplier_item", object_id=item.pk,
                     changes={"supplier": supplier.code, "sku": product.sku, **values,
                              "price": str(amount), "min_order_quantity": str(moq)})
    return item


def _level(value: object, *, field: str) -> Decimal:
    amount = to_decimal(value, field=field)
    if amount < 0:
        raise DomainError(f"{field} must not be negative", field=field, code="invalid_quantity")
    return amount


def reorder_rule_set(*, sku: str, warehouse: Warehouse | str, min_quantity: object,
                     max_quantity: object) -> ReorderRule:
    """Set the min and max stock of a product in a warehouse (replenishment buys up to max below min)."""
    product = product_clean(sku)
    warehouse = warehouse_clean(warehouse)
    low, high = _level(min_quantity, field="min_quantity"), _level(max_quantity, field="max_quantity")
    if high < low:
        raise DomainError("max_quantity must not be below min_quantity", field="max_quantity", code="invalid_quantity")
    with transaction.atomic():
        rule, _ = ReorderRule.objects.update_or_create(product=product, warehouse=warehouse,
                                                       defaults={"min_quantity": low, "max_quantity": high})
        audit_record(action="reorder_rule.set", object_type="purchasing.reorder_rule", object_id=rule.pk,
                     changes={"sku": product.sku, "warehouse": warehouse.code, "min": str(low), "max": str(high)})
    return rule
