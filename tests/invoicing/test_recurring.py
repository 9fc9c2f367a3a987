"""Recurring invoices: dates that keep their day of the month, one invoice per period, never twice."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.management import call_command

from oms.core.errors import DomainError
from oms.invoicing.models import Invoice, RecurringInvoice
from oms.invoicing.schedule import add_months, due_runs, next_run
from oms.invoicing.services import recurring_invoice_create, recurring_invoice_update, recurring_invoices_run
from oms.parties.models import Party

RETAINER = [{"kind": "fee", "description": "Monthly retainer", "quantity": "1", "unit_price": "1500.00"},
            {"kind": "hours", "description": "Support hours", "quantity": "4", "unit_price": "80.00",
             "tax_category": "std"}]


def test_end_of_month_dates_keep_their_day():
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 2, 28), 1, anchor_day=31) == date(2025, 3, 31)
    assert add_months(date(2025, 11, 30), 3, anchor_day=31) == date(2026, 2, 28)
    assert next_run(date(2025, 12, 15), "monthly") == date(2026, 1, 15)
    assert due_runs(date(2025, 1, 31), date(2025, 4, 30), "monthly", anchor_day=31) == [
        date(2025, 1, 31), date(2025, 2, 28), date(2025, 3, 31), date(2025, 4, 30)]
    assert due_runs(date(2025, 5, 1), date(2025, 4, 30), "quarterly") == []
    with pytest.raises(ValueError):
        next_run(date(2025, 1, 1), "weekly")


@pytest.mark.django_db
def test_run_makes_and_issues_the_invoices_due_then_moves_on(world):
    rec = recurring_invoice_create(customer="C001", interval="monthly", next_date=date(2025, 1, 31), lines=RETAINER)
    result = recurring_invoices_run(today=date(2025, 3, 5))
    assert [(x.status, x.issue_date, x.total) for x in result.created] == [
        ("issued", date(2025, 3, 5), D("1852.00")), ("issued", date(2025, 3, 5), D("1852.00"))]
    assert [x.number for x in result.created] == ["INV-2025-00001", "INV-2025-00002"]
    assert "Period 2025-01-31 to 2025-02-27" in result.created[0].notes
    assert "Period 2025-02-28 to 2025-03-30" in result.created[1].notes
    rec.refresh_from_db()
    assert (rec.next_date, rec.anchor_day) == (date(2025, 3, 31), 31)
    assert recurring_invoices_run(today=date(2025, 3, 30)).created == []  # nothing twice
    assert len(recurring_invoices_run(today=date(2025, 3, 31)).created) == 1
    rec.refresh_from_db()
    assert rec.next_date == date(2025, 4, 30) and rec.invoices.count() == 3


@pytest.mark.django_db
def test_drafts_quarterly_and_inactive_schedules(world):
    quarterly = recurring_invoice_create(customer="C001", interval="quarterly", next_date=date(2025, 1, 15),
                                         lines=RETAINER[:1], issue_automatically=False, notes="Hosting")
    off = recurring_invoice_create(customer="C001", interval="monthly", next_date=date(2025, 1, 1), lines=RETAINER)
    recurring_invoice_update(recurring=off, active=False)
    made = recurring_invoices_run(today=date(2025, 1, 15)).created
    assert [(x.status, x.number, x.recurring_id) for x in made] == [("draft", None, quarterly.pk)]
    assert made[0].notes.startswith("Hosting\nPeriod 2025-01-15 to 2025-04-14")
    quarterly.refresh_from_db()
    assert quarterly.next_date == date(2025, 4, 15)


@pytest.mark.django_db
def test_a_failing_schedule_is_reported_and_the_others_run(world):
    good = recurring_invoice_create(customer="C001", interval="monthly", next_date=date(2025, 1, 1), lines=RETAINER)
    bad = recurring_invoice_create(customer="C001", interval="monthly", next_date=date(2025, 1, 1), lines=RETAINER)
    RecurringInvoice.objects.filter(pk=bad.pk).update(customer=Party.objects.create(code="GONE", name="Gone",
                                                                                    active=False))
    result = recurring_invoices_run(today=date(2025, 1, 1))
    assert [x.recurring_id for x in result.created] == [good.pk]
    assert [(r.pk, "inactive" in message) for r, message in result.failed] == [(bad.pk, True)]
    bad.refresh_from_db()
    assert bad.next_date == date(2025, 1, 1)  # tried again next run


@pytest.mark.django_db
def test_schedules_are_validated_like_invoices(world):
    with pytest.raises(DomainError) as exc:
        recurring_invoice_create(customer="C001", interval="weekly", next_date=date(2025, 1, 1), lines=RETAINER)
    assert exc.value.field == "interval"
    with pytest.raises(DomainError) as exc:
        recurring_invoice_create(customer="C001", interval="monthly", next_date=date(2025, 1, 1),
                                 lines=[{"description": "x", "quantity": "1"}])
    assert exc.value.field == "lines.0.unit_price"
    with pytest.raises(DomainError) as exc:
        recurring_invoice_create(customer="C001", interval="monthly", next_date=date(2025, 1, 1),
                                 lines=[{"description": "x", "quantity": "1", "unit_price": "1", "colour": "red"}])
    assert exc.value.field == "lines.0"
    assert RecurringInvoice.objects.count() == 0


@pytest.mark.django_db
def test_management_command(world, capsys):
    recurring_invoice_create(customer="C001", interval="monthly", next_date=date(2025, 6, 1), lines=RETAINER)
    call_command("invoices", "recurring", "--date", "2025-06-01")
    out = capsys.readouterr().out
    assert "INV-2025-00001 C001" in out and "1 invoice(s) made as of 2025-06-01" in out
    invoice = Invoice.objects.get()
    assert invoice.created_by == "recurring invoices"
