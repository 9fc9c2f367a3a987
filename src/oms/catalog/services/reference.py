"""Writes for the catalog's reference data: units of measure, tax categories and catalog settings."""

from __future__ import annotations

import re
from decimal import Decimal

from django.db import IntegrityError, transaction

from oms.catalog.models import CatalogSettings, TaxCategory, UnitOfMeasure
from oms.core.errors import Conflict, DomainError
from oms.core.money import to_decimal
from oms.core.services.audit import audit_record, diff
from oms.parties.services import text_clean

MAX_UNIT_DECIMALS = 4  # quantities are stored with 4 decimal places
_CODE = re.compile(r"[^\s/?#%\\]+")


def code_clean(value: object, *, field: str = "code", max_length: int) -> str:
    """A short identifier that also appears in URLs: no spaces and no / ? # % \\."""
    code = text_clean(value, field=field, max_length=max_length, required=True)
    if not _CODE.fullmatch(code):
        raise DomainError(f"{field} must not contain spaces or any of / ? # % \\", field=field, code="invalid_code")
    return code


def _save_unique(obj, *, label: str) -> None:
    """Save, turning a duplicate code (checked first, then caught from the database for the
    concurrent case) into a 409 rather than a server error."""
    if type(obj).objects.filter(code=obj.code).exclude(pk=obj.pk).exists():
        raise Conflict(f"A {label} {obj.code!r} already exists", field="code", code="duplicate_code")
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        raise Conflict(f"A {label} {obj.code!r} already exists", field="code", code="duplicate_code") from exc


def _unit_values(code: object, name: object, decimals: object) -> dict:
    if isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= MAX_UNIT_DECIMALS:
        raise DomainError(f"decimals must be a whole number from 0 to {MAX_UNIT_DECIMALS}", field="decimals")
    return {"code": code_clean(code, max_length=20), "name": text_clean(name, field="name", max_length=50,
                                                                         required=True), "decimals": decimals}


def _unit_snapshot(unit: UnitOfMeasure) -> dict:
    return {"code": unit.code, "name": unit.name, "decimals": unit.decimals}


def unit_create(*, code: str, name: str, decimals: int = 0) -> UnitOfMeasure:
    with transaction.atomic():
        unit = UnitOfMeasure(**_unit_values(code, name, decimals))
        _save_unique(unit, label="unit")
        audit_record(action="unit.created", object_type="catalog.unitofmeasure", object_id=unit.pk,
                     changes=diff({}, _unit_snapshot(unit)))
    return unit


def unit_update(*, unit: UnitOfMeasure, code: str | None = None, name: str | None = None,
                decimals: int | None = None) -> UnitOfMeasure:
    with transaction.atomic():
        unit = UnitOfMeasure.objects.select_for_update().get(pk=unit.pk)
        before = _unit_snapshot(unit)
        values = _unit_values(unit.code if code is None else code, unit.name if name is None else name,
                              unit.decimals if decimals is None else decimals)
        for key, value in values.items():
            setattr(unit, key, value)
        _save_unique(unit, label="unit")
        changed = diff(before, _unit_snapshot(unit))
        if changed:
            audit_record(action="unit.updated", object_type="catalog.unitofmeasure", object_id=unit.pk,
                         changes=changed)
    return unit


def rate_clean(value: object) -> Decimal:
    rate = to_decimal(value, field="rate")
    if not Decimal(0) <= rate <= Decimal(100):
        raise DomainError("rate must be a percentage from 0 to 100", field="rate")
    if rate != rate.quantize(Decimal("0.0001")):
        raise DomainError("rate may have at most 4 decimals", field="rate")
    return rate.quantize(Decimal("0.0001"))


def _tax_snapshot(category: TaxCategory) -> dict:
    return {"code": category.code, "name": category.name, "rate": str(category.rate)}


def tax_category_create(*, code: str, name: str, rate: Decimal | str | int = 0) -> TaxCategory:
    with transaction.atomic():
        category = TaxCategory(code=code_clean(code, max_length=30),
                               name=text_clean(name, field="name", max_length=100, required=True),
                               rate=rate_clean(rate))
        _save_unique(category, label="tax category")
        audit_record(action="tax_category.created", object_type="catalog.taxcategory", object_id=category.pk,
                     changes=diff({}, _tax_snapshot(category)))
    return category


def tax_category_update(*, category: TaxCategory, code: str | None = None, name: str | None = None,
                        rate: Decimal | str | int | None = None) -> TaxCategory:
    """Change a tax category. Documents already written keep the rate they were written with."""
    with transaction.atomic():
        category = TaxCategory.objects.select_for_update().get(pk=category.pk)
        before = _tax_snapshot(category)
        if code is not None:
            category.code = code_clean(code, max_length=30)
        if name is not None:
            category.name = text_clean(name, field="name", max_length=100, required=True)
        if rate is not None:
            category.rate = rate_clean(rate)
        _save_unique(category, label="tax category")
        changed = diff(before, _tax_snapshot(category))
        if changed:
            audit_record(action="tax_category.updated", object_type="catalog.taxcategory", object_id=category.pk,
                         changes=changed)
    return category


def sku_pattern_clean(pattern: object) -> str:
    pattern = text_clean(pattern, field="sku_pattern", max_length=200)
    if pattern:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise DomainError(f"sku_pattern is not a valid regular expression: {exc}", field="sku_pattern") from exc
    return pattern


def catalog_settings_update(*, sku_pattern: str) -> CatalogSettings:
    """Set the business's SKU rule. It applies to SKUs created from now on; existing ones stay."""
    pattern = sku_pattern_clean(sku_pattern)
    with transaction.atomic():
        settings_row = CatalogSettings.objects.select_for_update().order_by("pk").first()
        if settings_row is None:
            settings_row = CatalogSettings()
        before = settings_row.sku_pattern
        settings_row.sku_pattern = pattern
        settings_row.save()
        if before != pattern:
            audit_record(action="catalog_settings.updated", object_type="catalog.catalogsettings",
                         object_id=settings_row.pk, changes={"sku_pattern": [before, pattern]})
    return settings_row
