"""Tax rates and invoicing settings.

A rate belongs to a tax category and a jurisdiction ("" = anywhere) and is valid over a period
(``valid_from``/``valid_to`` inclusive, empty = open). Two rates of the same category, jurisdiction
and kind may not be valid on the same day (which one would apply?): 409 ``overlapping_tax_rate``.
A rate's percent never changes once created; a new percent is a new rate from a new date (documents
keep the rate they were written with in any case).
"""

from __future__ import annotations

import re
from datetime import date

from django.db import transaction

from oms.catalog.models import TaxCategory
from oms.catalog.services.reference import code_clean, rate_clean
from oms.core.errors import Conflict, DomainError, NotFound
from oms.core.services.audit import audit_record, diff
from oms.invoicing.models import InvoicingSettings, TaxRate
from oms.parties.services import text_clean

_JURISDICTION = re.compile(r"[A-Z]{2}(-[A-Z0-9]{1,3})?")


def jurisdiction_clean(value: object) -> str:
    text = text_clean(value, field="jurisdiction", max_length=10).upper()
    if text and not _JURISDICTION.fullmatch(text):
        raise DomainError("jurisdiction must be an ISO country code, optionally with a region (ID, US-CA), or empty",
                          field="jurisdiction")
    return text


def _dates(valid_from: date | None, valid_to: date | None) -> None:
    if valid_from and valid_to and valid_to < valid_from:
        raise DomainError("valid_to is before valid_from", field="valid_to")


def _overlap_check(rate: TaxRate) -> None:
    others = TaxRate.objects.filter(category_id=rate.category_id, jurisdiction=rate.jurisdiction, kind=rate.kind,
                                    compound=rate.compound).exclude(pk=rate.pk)
    for other in others:
        starts_before = other.valid_to is None or rate.valid_from is None or rate.valid_from <= other.valid_to
        ends_after = other.valid_from is None or rate.valid_to is None or other.valid_from <= rate.valid_to
        if starts_before and ends_after:
            raise Conflict(f"{other.code} ({other.rate.normalize():f}%) is valid from {other.valid_from or 'always'} "
                           f"to {other.valid_to or 'open'} for the same category and jurisdiction: close it first "
                           "(set its valid_to)", field="valid_from", code="overlapping_tax_rate")


def snapshot(rate: TaxRate) -> dict:
    return {"code": rate.code, "name": rate.name, "category": rate.category.code, "jurisdiction": rate.jurisdiction,
            "rate": str(rate.rate), "kind": rate.kind, "compound": rate.compound,
            "valid_from": rate.valid_from.isoformat() if rate.valid_from else None,
            "valid_to": rate.valid_to.isoformat() if rate.valid_to else None}


def tax_rate_create(*, code: str, name: str, category: str, rate: object, jurisdiction: str = "",
                    kind: str = TaxRate.Kind.STANDARD, compound: bool = False, valid_from: date | None = None,
                    valid_to: date | None = None) -> TaxRate:
    if kind not in TaxRate.Kind.values:
        raise DomainError(f"kind must be one of {TaxRate.Kind.values}", field="kind")
    if compound and kind == TaxRate.Kind.WITHHOLDING:
        raise DomainError("a withholding tax cannot be compound", field="compound")
    _dates(valid_from, valid_to)
    values = {"code": code_clean(code, max_length=30), "name": text_clean(name, field="name", max_length=100,
                                                                          required=True),
              "jurisdiction": jurisdiction_clean(jurisdiction), "rate": rate_clean(rate), "kind": kind,
              "compound": bool(compound), "valid_from": valid_from, "valid_to": valid_to}
    with transaction.atomic():
        found = TaxCategory.objects.select_for_update().filter(code=category).first()  # serialises rate changes
        if found is None:
            raise NotFound(f"Unknown tax category {category!r}", field="category")
        tax_rate = TaxRate(category=found, **values)
        _overlap_check(tax_rate)
        tax_rate.save()
        audit_record(action="tax_rate.created", object_type="invoicing.taxrate", object_id=tax_rate.pk,
                     changes=diff({}, snapshot(tax_rate)))
    return tax_rate


_UNSET = object()


def tax_rate_update(*, rate: TaxRate, name: str | None = None, valid_from: object = _UNSET,
                    valid_to: object = _UNSET) -> TaxRate:
    """Rename a rate or change its validity (e.g. close it when a new rate starts)."""
    with transaction.atomic():
        TaxCategory.objects.select_for_update().filter(pk=rate.category_id).first()
        tax_rate = TaxRate.objects.select_for_update().select_related("category").get(pk=rate.pk)
        before = snapshot(tax_rate)
        if name is not None:
            tax_rate.name = text_clean(name, field="name", max_length=100, required=True)
        if valid_from is not _UNSET:
            tax_rate.valid_from = valid_from
        if valid_to is not _UNSET:
            tax_rate.valid_to = valid_to
        _dates(tax_rate.valid_from, tax_rate.valid_to)
        _overlap_check(tax_rate)
        tax_rate.save()
        changed = diff(before, snapshot(tax_rate))
        if changed:
            audit_record(action="tax_rate.updated", object_type="invoicing.taxrate", object_id=tax_rate.pk,
                         changes=changed)
    return tax_rate


def invoicing_settings_update(*, tax_rounding: str | None = None,
                              invoice_policy: str | None = None) -> InvoicingSettings:
    if tax_rounding is not None and tax_rounding not in InvoicingSettings.Rounding.values:
        raise DomainError(f"tax_rounding must be one of {InvoicingSettings.Rounding.values}", field="tax_rounding")
    if invoice_policy is not None and invoice_policy not in InvoicingSettings.Policy.values:
        raise DomainError(f"invoice_policy must be one of {InvoicingSettings.Policy.values}", field="invoice_policy")
    with transaction.atomic():
        row = InvoicingSettings.objects.select_for_update().order_by("pk").first() or InvoicingSettings()
        before = {"tax_rounding": row.tax_rounding, "invoice_policy": row.invoice_policy}
        row.tax_rounding = tax_rounding or row.tax_rounding
        row.invoice_policy = invoice_policy or row.invoice_policy
        row.save()
        changed = diff(before, {"tax_rounding": row.tax_rounding, "invoice_policy": row.invoice_policy})
        if changed:
            audit_record(action="invoicing_settings.updated", object_type="invoicing.invoicingsettings",
                         object_id=row.pk, changes=changed)
    return row
