"""Writes for products and variants, and the quantity rule every module applies to a product.

A product's SKU is its identity outside the database: stock moves, orders, events and the audit
trail all name it, so it is fixed at creation (a re-labelled item is a new product).
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.db import IntegrityError, transaction
from stdnum import ean

from oms.catalog.models import Product, TaxCategory, UnitOfMeasure
from oms.catalog.selectors import barcode_forms, catalog_settings
from oms.catalog.services.reference import code_clean
from oms.core.errors import Conflict, DomainError
from oms.core.money import to_decimal
from oms.core.services.audit import audit_record, diff
from oms.core.services.customfields import custom_values_clean
from oms.core.services.events import event_publish
from oms.parties.services import text_clean

OBJECT_TYPE = "catalog.product"
CUSTOM_TARGET = "catalog.product"
MAX_QUANTITY = Decimal(10) ** 12  # far above any real order; stops typos like 1e15 reaching stock
MAX_VARIANT_ATTRIBUTES = 20
BARCODE_LENGTHS = (8, 12, 13)  # EAN-8, UPC-A, EAN-13
_DIGITS = re.compile(r"[0-9]+")
PRODUCT_FIELDS = ("sku", "name", "description", "product_type", "unit", "barcode", "tax_category", "parent",
                  "variant_attributes", "allow_backorder", "low_stock_threshold", "active", "custom")


def quantity_validate(*, product: Product, quantity: object, field: str = "quantity") -> Decimal:
    """A positive quantity of ``product`` with no more decimals than its unit allows (0 for
    pieces, 3 for kilograms), as a Decimal at the unit's precision. Floats are refused."""
    try:
        value = to_decimal(quantity, field=field)
    except DomainError as exc:
        raise DomainError(exc.message, field=field, code="invalid_quantity") from exc
    if value <= 0:
        raise DomainError(f"{field} must be greater than zero", field=field, code="invalid_quantity")
    if value >= MAX_QUANTITY:
        raise DomainError(f"{field} is too large", field=field, code="invalid_quantity")
    unit = product.unit
    quantum = Decimal(1).scaleb(-unit.decimals)
    if value != value.quantize(quantum):
        raise DomainError(f"{product.sku} is counted in {unit.code}, which allows {unit.decimals} decimal(s)",
                          field=field, code="invalid_quantity")
    return value.quantize(quantum)


def sku_clean(value: object, *, pattern: str = "") -> str:
    sku = code_clean(value, field="sku", max_length=64)
    if pattern and not re.fullmatch(pattern, sku):
        raise DomainError(f"SKU {sku!r} does not match this business's SKU pattern {pattern}", field="sku",
                          code="invalid_sku")
    return sku


def barcode_clean(value: object) -> str:
    """An EAN-13, UPC-A or EAN-8 number with a correct check digit, or "" for none."""
    barcode = text_clean(value, field="barcode", max_length=14)
    if not barcode:
        return ""
    if not _DIGITS.fullmatch(barcode) or len(barcode) not in BARCODE_LENGTHS:
        raise DomainError("barcode must be an EAN-13 (13 digits), UPC-A (12) or EAN-8 (8) number", field="barcode",
                          code="invalid_barcode")
    if not ean.is_valid(barcode):
        raise DomainError(f"barcode {barcode} has a wrong check digit (mistyped?)", field="barcode",
                          code="invalid_barcode")
    return barcode


def variant_attributes_clean(value: object) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise DomainError("variant_attributes must be an object of text to text", field="variant_attributes")
    if len(value) > MAX_VARIANT_ATTRIBUTES:
        raise DomainError(f"at most {MAX_VARIANT_ATTRIBUTES} variant attributes", field="variant_attributes")
    cleaned = {}
    for key, val in value.items():
        field = f"variant_attributes.{key}"
        if not isinstance(key, str) or not isinstance(val, str):
            raise DomainError("variant attribute names and values must be text", field=field)
        name = text_clean(key, field=field, max_length=50, required=True)
        cleaned[name] = text_clean(val, field=field, max_length=100, required=True)
    return cleaned


def _threshold_clean(value: object, unit: UnitOfMeasure) -> Decimal | None:
    if value is None or value == "":
        return None
    amount = to_decimal(value, field="low_stock_threshold")
    quantum = Decimal(1).scaleb(-unit.decimals)
    if amount < 0 or amount >= MAX_QUANTITY or amount != amount.quantize(quantum):
        raise DomainError(f"low_stock_threshold must be zero or more, with at most {unit.decimals} decimal(s)",
                          field="low_stock_threshold")
    return amount.quantize(quantum)


def _resolve(model, value, *, field: str, lookup: str = "code"):
    """An instance given as itself or by its code (SKU for products); unknown -> 422 on that field."""
    if value is None or value == "" or isinstance(value, model):
        return value or None
    obj = model.objects.filter(**{lookup: value}).first()
    if obj is None:
        raise DomainError(f"No {model._meta.verbose_name} {value!r}", field=field, code="not_found")
    return obj


def _bool(value: object, *, field: str) -> bool:
    if not isinstance(value, bool):
        raise DomainError(f"{field} must be true or false", field=field)
    return value


def _variant_check(*, product: Product | None, parent: Product | None, attributes: dict) -> None:
    """Variants are one level deep, each told apart from its siblings by its attributes."""
    if parent is None:
        if attributes:
            raise DomainError("variant_attributes are for variants: set parent as well", field="variant_attributes")
        return
    if product is not None and parent.pk == product.pk:
        raise DomainError("A product cannot be a variant of itself", field="parent")
    if parent.parent_id is not None:
        raise DomainError(f"{parent.sku} is itself a variant; variants cannot have variants", field="parent",
                          code="nested_variant")
    if product is not None and product.pk and product.variants.exists():
        raise DomainError(f"{product.sku} has variants, so it cannot become a variant", field="parent",
                          code="nested_variant")
    if not attributes:
        raise DomainError('A variant needs at least one attribute, e.g. {"size": "M"}', field="variant_attributes")
    siblings = Product.objects.filter(parent=parent)
    if product is not None and product.pk:
        siblings = siblings.exclude(pk=product.pk)
    for sku, other in siblings.values_list("sku", "variant_attributes"):
        if other == attributes:
            raise Conflict(f"Variant {sku} of {parent.sku} already has these attributes", field="variant_attributes",
                           code="duplicate_variant")


def _barcode_unique(barcode: str, product: Product | None) -> None:
    """One barcode, one product: a scan must never be ambiguous (UPC-A 0xx and EAN-13 00xx match)."""
    if not barcode:
        return
    clash = Product.objects.filter(barcode__in=barcode_forms(barcode))
    if product is not None and product.pk:
        clash = clash.exclude(pk=product.pk)
    sku = clash.values_list("sku", flat=True).first()
    if sku is not None:
        raise Conflict(f"Barcode {barcode} already belongs to {sku}", field="barcode", code="duplicate_barcode")


def _product_clean(values: dict, *, product: Product | None) -> dict:
    """Validate a whole product (current values with the changes applied); returns model values."""
    unit = _resolve(UnitOfMeasure, values["unit"], field="unit")
    if unit is None:
        raise DomainError("unit is required", field="unit", code="required")
    if values["product_type"] not in Product.Type.values:
        raise DomainError(f"product_type must be one of {Product.Type.values}", field="product_type")
    parent = _resolve(Product, values["parent"], field="parent", lookup="sku")
    attributes = variant_attributes_clean(values["variant_attributes"])
    _variant_check(product=product, parent=parent, attributes=attributes)
    barcode = barcode_clean(values["barcode"])
    _barcode_unique(barcode, product)
    return {
        "name": text_clean(values["name"], field="name", max_length=200, required=True),
        "description": text_clean(values["description"], field="description", max_length=20000),
        "product_type": values["product_type"],
        "unit": unit,
        "barcode": barcode,
        "tax_category": _resolve(TaxCategory, values["tax_category"], field="tax_category"),
        "parent": parent,
        "variant_attributes": attributes,
        "allow_backorder": _bool(values["allow_backorder"], field="allow_backorder"),
        "low_stock_threshold": _threshold_clean(values["low_stock_threshold"], unit),
        "active": _bool(values["active"], field="active"),
    }


def _snapshot(product: Product) -> dict:
    return {
        "sku": product.sku, "name": product.name, "description": product.description,
        "product_type": product.product_type, "unit": product.unit.code, "barcode": product.barcode,
        "tax_category": product.tax_category.code if product.tax_category_id else None,
        "parent": product.parent.sku if product.parent_id else None,
        "variant_attributes": product.variant_attributes, "allow_backorder": product.allow_backorder,
        "low_stock_threshold": None if product.low_stock_threshold is None  # 4 places in the database
        else str(product.low_stock_threshold.quantize(Decimal(1).scaleb(-product.unit.decimals))),
        "active": product.active, "custom": product.custom,
    }


def product_create(*, sku: str, name: str, unit: UnitOfMeasure | str | None = None, product_type: str | None = None,
                   description: str = "", barcode: str = "", tax_category: TaxCategory | str | None = None,
                   parent: Product | str | None = None, variant_attributes: dict | None = None,
                   allow_backorder: bool = False, low_stock_threshold: Decimal | str | None = None,
                   active: bool = True, custom: dict | None = None) -> Product:
    """Create a product, or a variant when ``parent`` (a product or its SKU) is given. A variant
    left without a unit, type or tax category takes its parent's."""
    with transaction.atomic():
        sku = sku_clean(sku, pattern=catalog_settings().sku_pattern)
        if Product.objects.filter(sku=sku).exists():
            raise Conflict(f"A product with SKU {sku!r} already exists", field="sku", code="duplicate_sku")
        parent = _resolve(Product, parent, field="parent", lookup="sku")
        values = _product_clean({
            "name": name, "description": description, "barcode": barcode, "parent": parent,
            "unit": unit if unit is not None or parent is None else parent.unit,
            "product_type": product_type or (parent.product_type if parent else Product.Type.STOCKED),
            "tax_category": tax_category if tax_category is not None or parent is None else parent.tax_category,
            "variant_attributes": variant_attributes, "allow_backorder": allow_backorder,
            "low_stock_threshold": low_stock_threshold, "active": active,
        }, product=None)
        product = Product(sku=sku, custom=custom_values_clean(target=CUSTOM_TARGET, values=custom), **values)
        try:
            with transaction.atomic():
                product.save()
        except IntegrityError as exc:  # the same SKU created concurrently
            raise Conflict(f"A product with SKU {sku!r} already exists", field="sku", code="duplicate_sku") from exc
        event_publish(event_type="product.created", aggregate_type=OBJECT_TYPE, aggregate_id=sku,
                      payload={"sku": sku, "name": product.name})
        audit_record(action="product.created", object_type=OBJECT_TYPE, object_id=sku,
                     changes=diff({}, _snapshot(product)))
    return product


def product_update(*, product: Product, **changes) -> Product:
    """Change some fields; ``unit``, ``tax_category`` and ``parent`` may be given by code/SKU."""
    unknown = set(changes) - set(PRODUCT_FIELDS)
    if unknown:
        raise DomainError(f"Unknown product field(s) {sorted(unknown)}", field=sorted(unknown)[0])
    with transaction.atomic():
        product = (Product.objects.select_for_update(of=("self",)).select_related("unit", "tax_category", "parent")
                   .get(pk=product.pk))
        if "sku" in changes and changes["sku"] != product.sku:
            raise DomainError("A SKU cannot change: stock, orders and the audit trail are kept under it; "
                              "create a new product instead", field="sku", code="immutable")
        before = _snapshot(product)
        current = {name: getattr(product, name) for name in PRODUCT_FIELDS if name not in ("sku", "custom")}
        values = _product_clean({**current, **{k: v for k, v in changes.items() if k in current}}, product=product)
        if "custom" in changes:
            product.custom = custom_values_clean(target=CUSTOM_TARGET, values=changes["custom"],
                                                 current=product.custom)
        for name, value in values.items():
            setattr(product, name, value)
        product.save()
        changed = diff(before, _snapshot(product))
        if changed:
            event_publish(event_type="product.updated", aggregate_type=OBJECT_TYPE, aggregate_id=product.sku,
                          payload={"sku": product.sku, "fields": sorted(changed)})
            audit_record(action="product.updated", object_type=OBJECT_TYPE, object_id=product.sku, changes=changed)
    return product


def product_deactivate(*, product: Product) -> Product:
    """Products are never deleted (stock and orders point at them); inactive ones cannot be sold."""
    return product_update(product=product, active=False)
