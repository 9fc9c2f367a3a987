"""Custom fields: extra fields a business defines on its records, with no migration.

Values are stored in the record's ``custom`` JSON column in a canonical form (decimals and dates
as strings), validated here on every write, and filterable through ``custom_filter``.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import QuerySet

from oms.core import customfield_cache
from oms.core.errors import DomainError
from oms.core.models import CustomFieldDefinition
from oms.core.services.audit import audit_record

FT = CustomFieldDefinition.FieldType


class CustomFieldError(DomainError):
    code = "invalid_custom_field"
    status = 422


def definitions_for(target: str) -> list[CustomFieldDefinition]:
    found = customfield_cache.cached(target)
    if found is None:
        found = list(CustomFieldDefinition.objects.filter(target=target, active=True))
        customfield_cache.store(target, found)
    return found


def _err(defn: CustomFieldDefinition, message: str) -> CustomFieldError:
    return CustomFieldError(f"{defn.label}: {message}", field=f"custom.{defn.key}")


def _bounds(defn: CustomFieldDefinition, number: Decimal) -> None:
    if defn.min_value is not None and number < defn.min_value:
        raise _err(defn, f"must be at least {defn.min_value.normalize():f}")
    if defn.max_value is not None and number > defn.max_value:
        raise _err(defn, f"must be at most {defn.max_value.normalize():f}")


def value_clean(defn: CustomFieldDefinition, value: object) -> object:
    """Validate one value and return its canonical stored form."""
    kind = defn.field_type
    if kind == FT.BOOLEAN:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", "yes", "no"):
            return value.lower() in ("true", "1", "yes")
        raise _err(defn, "must be true or false")
    if kind == FT.NUMBER:
        if isinstance(value, bool) or isinstance(value, float):
            raise _err(defn, "must be a whole number")
        try:
            number = int(str(value).strip())
        except ValueError as exc:
            raise _err(defn, "must be a whole number") from exc
        _bounds(defn, Decimal(number))
        return number
    if kind == FT.DECIMAL:
        if isinstance(value, (bool, float)):
            raise _err(defn, "must be a decimal number written as a string or integer")
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation as exc:
            raise _err(defn, "must be a decimal number") from exc
        if not number.is_finite():
            raise _err(defn, "must be a finite number")
        _bounds(defn, number)
        return str(number)
    if kind == FT.DATE:
        if isinstance(value, datetime.date):
            return value.isoformat()
        try:
            return datetime.date.fromisoformat(str(value)).isoformat()
        except ValueError as exc:
            raise _err(defn, "must be a date as YYYY-MM-DD") from exc
    if not isinstance(value, str):
        raise _err(defn, "must be text")
    if kind == FT.CHOICE:
        if value not in defn.choices:
            raise _err(defn, f"must be one of {', '.join(map(str, defn.choices))}")
        return value
    if defn.max_length is not None and len(value) > defn.max_length:
        raise _err(defn, f"must be at most {defn.max_length} characters")
    if defn.pattern and not re.fullmatch(defn.pattern, value):
        raise _err(defn, f"does not match the required pattern {defn.pattern}")
    return value


def custom_values_clean(*, target: str, values: dict | None, current: dict | None = None) -> dict:
    """Merge ``values`` over ``current``, validate against the target's definitions, return the result.

    A key set to None removes the value. Unknown keys and missing required fields are refused.
    """
    if values is not None and not isinstance(values, dict):
        raise CustomFieldError("custom must be an object of field keys to values", field="custom")
    defs = {d.key: d for d in definitions_for(target)}
    merged = dict(current or {})
    for key, value in (values or {}).items():
        if key not in defs:
            raise CustomFieldError(f"Unknown custom field {key!r} for {target}", field=f"custom.{key}")
        if value is None or value == "":
            merged.pop(key, None)
        else:
            merged[key] = value_clean(defs[key], value)
    for key, defn in defs.items():
        if defn.required and key not in merged:
            raise _err(defn, "is required")
    return merged


def custom_filter(queryset: QuerySet, *, target: str, params: dict[str, str]) -> QuerySet:
    """Filter by ``cf_<key>=value`` query parameters, each compared in the field's canonical form."""
    defs = {d.key: d for d in definitions_for(target)}
    for name, raw in params.items():
        key = name.removeprefix("cf_")
        if key not in defs:
            raise CustomFieldError(f"Unknown custom field {key!r} for {target}", field=name)
        queryset = queryset.filter(**{f"custom__{key}": value_clean(defs[key], raw)})
    return queryset


def custom_field_define(*, target: str, key: str, label: str, field_type: str, **options) -> CustomFieldDefinition:
    if field_type not in FT.values:
        raise DomainError(f"field_type must be one of {FT.values}", field="field_type")
    if field_type == FT.CHOICE and not options.get("choices"):
        raise DomainError("A choice field needs a list of choices", field="choices")
    if options.get("pattern"):
        try:
            re.compile(options["pattern"])
        except re.error as exc:
            raise DomainError(f"Invalid pattern: {exc}", field="pattern") from exc
    with transaction.atomic():
        defn = CustomFieldDefinition(target=target, key=key, label=label, field_type=field_type, **options)
        defn.full_clean()
        defn.save()
        audit_record(action="customfield.defined", object_type="core.customfielddefinition", object_id=defn.pk,
                     changes={"target": target, "key": key, "field_type": field_type})
    return defn
