"""Company settings: the business that owns this database."""

from __future__ import annotations

from django.core.management.color import no_style
from django.db import connection, transaction

from oms.core.errors import DomainError
from oms.core.models import Company
from oms.core.money import is_known_currency
from oms.core.services.audit import audit_record, diff

EDITABLE = ("legal_name", "trade_name", "address_line1", "address_line2", "city", "region", "postal_code",
            "country", "tax_id", "email", "phone", "base_currency", "default_locale", "time_zone")


def company_default() -> Company:
    company = Company.objects.order_by("pk").first()
    if company is None:
        company, created = Company.objects.get_or_create(pk=1, defaults={"legal_name": "My Company"})
        if created:
            # An explicit pk does not advance PostgreSQL's id sequence: move it past 1, or the next
            # company created without a pk (e.g. in the admin) would collide with this one.
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), [Company]):
                    cursor.execute(sql)
    return company


def _values(company: Company) -> dict:
    return {name: getattr(company, name) for name in EDITABLE}


def company_update(*, company: Company | None = None, **changes) -> Company:
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise DomainError(f"Unknown company setting(s): {sorted(unknown)}", field=sorted(unknown)[0])
    if "base_currency" in changes and not is_known_currency(changes["base_currency"]):
        raise DomainError(f"Unknown currency {changes['base_currency']!r}", field="base_currency")
    with transaction.atomic():
        company = company or company_default()
        before = _values(company)
        for name, value in changes.items():
            setattr(company, name, value)
        company.full_clean()
        company.save()
        audit_record(action="company.updated", object_type="core.company", object_id=company.pk,
                     changes=diff(before, _values(company)))
    return company
