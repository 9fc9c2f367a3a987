"""Document numbering: gap-free, duplicate-free numbers per company, document type and period.

A number is taken by one ``UPDATE ... RETURNING`` on the counter row inside the caller's
transaction: the row lock serialises concurrent writers, and a rollback gives the number back, so
there are no gaps. Callers take their number late in the transaction to keep that lock short.
"""

from __future__ import annotations

import re
from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from oms.core.errors import DomainError
from oms.core.models import Company, NumberCounter, NumberSeries
from oms.core.services.audit import audit_record
from oms.core.services.company import company_default

DEFAULT_FORMATS = {
    "sales.quotation": "QT-{YYYY}-{seq:05d}",
    "sales.order": "SO-{YYYY}-{seq:05d}",
}
FALLBACK_FORMAT = "{YYYY}-{seq:06d}"
_PLACEHOLDER = re.compile(r"\{(\w+)(?::[^}]*)?\}")
_ALLOWED = {"YYYY", "YY", "MM", "DD", "seq"}


def format_validate(fmt: str) -> None:
    names = set(_PLACEHOLDER.findall(fmt))
    if "seq" not in names:
        raise DomainError("The format must contain {seq}, e.g. SO-{YYYY}-{seq:05d}", field="format")
    unknown = names - _ALLOWED
    if unknown:
        raise DomainError(f"Unknown placeholder(s) {sorted(unknown)}; allowed: {sorted(_ALLOWED)}", field="format")
    now = timezone.now()
    try:
        samples = {format_render(fmt, seq=n, when=now) for n in (1, 2, 10**9 + 1, 10**9 + 2)}
    except (ValueError, KeyError, IndexError) as exc:
        raise DomainError(f"Invalid format: {exc}", field="format") from exc
    if len(samples) < 4:  # e.g. "{{seq}}" (a literal) or "{seq:e}": every document would get the same number
        raise DomainError("The format must show the whole sequence number, e.g. {seq} or {seq:05d}", field="format")


def format_render(fmt: str, *, seq: int, when: datetime) -> str:
    return fmt.format(YYYY=f"{when.year:04d}", YY=f"{when.year % 100:02d}", MM=f"{when.month:02d}",
                      DD=f"{when.day:02d}", seq=seq)


def series_get(*, doc_type: str, company: Company | None = None, default_format: str | None = None) -> NumberSeries:
    """The series of a document type, created on first use with ``default_format`` (modules pass their
    own, since core does not know them), else a format from ``DEFAULT_FORMATS``, else the fallback."""
    company = company or company_default()
    series = NumberSeries.objects.filter(company=company, doc_type=doc_type).first()
    if series is None:
        fmt = default_format or DEFAULT_FORMATS.get(doc_type, FALLBACK_FORMAT)
        if default_format:
            format_validate(fmt)
        try:
            with transaction.atomic():
                series = NumberSeries.objects.create(company=company, doc_type=doc_type, format=fmt)
        except IntegrityError:
            series = NumberSeries.objects.get(company=company, doc_type=doc_type)
    return series


def series_set_format(*, doc_type: str, fmt: str, reset: str | None = None,
                      company: Company | None = None) -> NumberSeries:
    """Change how new documents are numbered; documents already numbered keep their numbers."""
    format_validate(fmt)
    if reset is not None and reset not in NumberSeries.Reset.values:
        raise DomainError(f"reset must be one of {NumberSeries.Reset.values}", field="reset")
    with transaction.atomic():
        series = series_get(doc_type=doc_type, company=company)
        before = {"format": series.format, "reset": series.reset}
        series.format = fmt
        series.reset = reset or series.reset
        series.save(update_fields=["format", "reset"])
        audit_record(action="numbering.format_changed", object_type="core.numberseries", object_id=series.pk,
                     changes={"format": [before["format"], series.format], "reset": [before["reset"], series.reset]})
    return series


def _next_value(series_id: int, period: str) -> int | None:
    table = NumberCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_value = last_value + 1 WHERE series_id = %s AND period = %s RETURNING last_value",
            [series_id, period],
        )
        row = cursor.fetchone()
    return None if row is None else int(row[0])


# The common case in one statement: find the series and its counter for this period, take the
# next value and return it with the format. Falls back to the slower path when either is missing.
_NEXT_BY_TYPE = (
    "UPDATE core_numbercounter SET last_value = last_value + 1 WHERE id = ("
    " SELECT c.id FROM core_numbercounter c JOIN core_numberseries s ON s.id = c.series_id"
    " WHERE s.doc_type = %s AND s.company_id = {company}"
    " AND c.period = CASE WHEN s.reset = 'yearly' THEN %s ELSE '' END)"
    " RETURNING last_value, (SELECT format FROM core_numberseries WHERE id = core_numbercounter.series_id)"
)


def _next_value_by_type(doc_type: str, company: Company | None, year: str) -> tuple[int, str] | None:
    if company is None:
        sql, params = _NEXT_BY_TYPE.format(company="(SELECT MIN(id) FROM core_company)"), [doc_type, year]
    else:
        sql, params = _NEXT_BY_TYPE.format(company="%s"), [doc_type, company.pk, year]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return None if row is None else (int(row[0]), row[1])


def number_allocate(*, doc_type: str, company: Company | None = None, when: datetime | None = None,
                    series: NumberSeries | None = None, default_format: str | None = None) -> str:
    """The next number of a series. Must run inside the transaction that writes the document.

    ``default_format`` is used only when the series does not exist yet (see ``series_get``).
    """
    if not connection.in_atomic_block:
        raise RuntimeError("number_allocate must run inside the transaction that writes the document")
    when = timezone.localtime(when or timezone.now())
    if series is None:
        fast = _next_value_by_type(doc_type, company, str(when.year))
        if fast is not None:
            return format_render(fast[1], seq=fast[0], when=when)
        series = series_get(doc_type=doc_type, company=company, default_format=default_format)
    period = str(when.year) if series.reset == NumberSeries.Reset.YEARLY else ""
    value = _next_value(series.pk, period)
    if value is None:
        try:
            with transaction.atomic():
                NumberCounter.objects.create(series=series, period=period, last_value=0)
        except IntegrityError:
            pass  # another transaction created it first; its row lock orders us after it
        value = _next_value(series.pk, period)
    return format_render(series.format, seq=value, when=when)
