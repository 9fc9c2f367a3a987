"""Recurring invoices: subscriptions and retainers invoiced on a schedule.

``recurring_invoices_run(today=...)`` (``oms invoices recurring``, e.g. daily from cron) makes one
invoice per scheduled date up to today for every active schedule, issues it when the schedule says
so, and moves the schedule on by its interval (end-of-month safe, see ``oms.invoicing.schedule``).
Each schedule runs in its own transaction with its row locked, so two runs at once never invoice a
period twice, and a schedule that fails (an inactive customer, a missing tax rate) is reported
without stopping the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction

from oms.core.errors import DomainError
from oms.core.money import is_known_currency
from oms.core.services.audit import audit_record
from oms.invoicing.models import Invoice, RecurringInvoice
from oms.invoicing.schedule import MONTHS, due_runs, next_run
from oms.invoicing.services.common import LineSpec, build_lines, customer_get, today as local_today
from oms.invoicing.services.invoices import invoice_create, invoice_issue

LINE_KEYS = {"description", "quantity", "unit_price", "tax_category", "kind", "sku", "tax_rates", "discount_amount"}


def line_specs(lines: object) -> list[LineSpec]:
    if not isinstance(lines, list) or not lines:
        raise DomainError("lines must be a non-empty list", field="lines", code="required")
    specs = []
    for i, line in enumerate(lines):
        if not isinstance(line, dict):
            raise DomainError("each line must be an object", field=f"lines.{i}")
        unknown = set(line) - LINE_KEYS
        if unknown:
            raise DomainError(f"unknown line field(s) {sorted(unknown)}", field=f"lines.{i}")
        specs.append(LineSpec(**{k: v for k, v in line.items()}))
    return specs


def _validate(*, customer, currency: str, interval: str, lines: object, tax_inclusive: bool) -> None:
    if interval not in MONTHS:
        raise DomainError(f"interval must be one of {sorted(MONTHS)}", field="interval")
    if not is_known_currency(currency):
        raise DomainError(f"Unknown currency {currency!r}", field="currency", code="unknown_currency")
    trial = Invoice(customer=customer, currency=currency, tax_inclusive=tax_inclusive)
    build_lines(trial, line_specs(lines), on_date=local_today())  # the same checks an invoice gets


def recurring_invoice_create(*, customer: str, interval: str, next_date: date, lines: list[dict],
                             currency: str | None = None, issue_automatically: bool = True,
                             tax_inclusive: bool = False, notes: str = "") -> RecurringInvoice:
    party = customer_get(customer)
    currency = currency or party.currency
    _validate(customer=party, currency=currency, interval=interval, lines=lines, tax_inclusive=tax_inclusive)
    with transaction.atomic():
        rec = RecurringInvoice.objects.create(customer=party, currency=currency, interval=interval,
                                              next_date=next_date, lines=lines, anchor_day=next_date.day,
                                              issue_automatically=issue_automatically, tax_inclusive=tax_inclusive,
                                              notes=notes or "")
        audit_record(action="recurring_invoice.created", object_type="invoicing.recurringinvoice", object_id=rec.pk,
                     changes={"customer": party.code, "interval": interval, "next_date": next_date.isoformat(),
                              "lines": lines})
    return rec


def recurring_invoice_update(*, recurring: RecurringInvoice, **values) -> RecurringInvoice:
    """Change a schedule (``interval``, ``next_date``, ``lines``, ``issue_automatically``, ``tax_inclusive``,
    ``notes``, ``active``); invoices already made keep what they were made with."""
    allowed = {"interval", "next_date", "lines", "issue_automatically", "tax_inclusive", "notes", "active"}
    unknown = set(values) - allowed
    if unknown:
        raise DomainError(f"cannot change {sorted(unknown)}", field=sorted(unknown)[0])
    with transaction.atomic():
        rec = RecurringInvoice.objects.select_for_update().select_related("customer").get(pk=recurring.pk)
        before = {k: getattr(rec, k) for k in allowed}
        for key, value in values.items():
            setattr(rec, key, value)
        if "next_date" in values:
            rec.anchor_day = rec.next_date.day
        _validate(customer=rec.customer, currency=rec.currency, interval=rec.interval, lines=rec.lines,
                  tax_inclusive=rec.tax_inclusive)
        rec.save()
        changes = {k: [str(before[k]) if isinstance(before[k], date) else before[k],
                       str(getattr(rec, k)) if isinstance(getattr(rec, k), date) else getattr(rec, k)]
                   for k in allowed if before[k] != getattr(rec, k)}
        if changes:
            audit_record(action="recurring_invoice.updated", object_type="invoicing.recurringinvoice",
                         object_id=rec.pk, changes=changes)
    return rec


@dataclass
class RunResult:
    created: list[Invoice] = field(default_factory=list)
    failed: list[tuple[RecurringInvoice, str]] = field(default_factory=list)


def _run_one(rec_id: int, today: date) -> list[Invoice]:
    made = []
    with transaction.atomic():
        rec = (RecurringInvoice.objects.select_for_update(of=("self",)).select_related("customer")
               .filter(pk=rec_id, active=True, next_date__lte=today).first())
        if rec is None:  # another run got here first
            return made
        anchor = rec.anchor_day or rec.next_date.day
        runs = due_runs(rec.next_date, today, rec.interval, anchor_day=anchor)
        for run in runs:
            until = next_run(run, rec.interval, anchor_day=anchor) - timedelta(days=1)
            period = f"Period {run.isoformat()} to {until.isoformat()}"
            invoice = invoice_create(customer=rec.customer.code, lines=line_specs(rec.lines), currency=rec.currency,
                                     tax_inclusive=rec.tax_inclusive, recurring=rec,
                                     notes="\n".join(x for x in (rec.notes, period) if x))
            if rec.issue_automatically:
                invoice = invoice_issue(invoice=invoice, issue_date=today)
            made.append(invoice)
        before = rec.next_date
        rec.anchor_day = anchor
        rec.next_date = next_run(runs[-1], rec.interval, anchor_day=anchor)
        rec.save(update_fields=["anchor_day", "next_date"])
        audit_record(action="recurring_invoice.run", object_type="invoicing.recurringinvoice", object_id=rec.pk,
                     changes={"next_date": [before.isoformat(), rec.next_date.isoformat()],
                              "invoices": [x.number or x.pk for x in made]})
    return made


def recurring_invoices_run(*, today: date) -> RunResult:
    """Invoice every active schedule due on or before ``today`` (see the module docstring)."""
    result = RunResult()
    due = (RecurringInvoice.objects.filter(active=True, next_date__lte=today).order_by("pk")
           .values_list("pk", flat=True))
    for rec_id in list(due):
        try:
            result.created += _run_one(rec_id, today)
        except DomainError as exc:
            rec = RecurringInvoice.objects.get(pk=rec_id)
            result.failed.append((rec, f"{exc.field}: {exc.message}" if exc.field else exc.message))
    return result
