"""Accounts-receivable aging and customer statements on the database."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.utils import timezone
from payments_kit import credit, debit, issue, pay

from oms.invoicing.models import Invoice
from oms.invoicing.selectors import invoice_balance
from oms.payments.selectors import ar_aging, customer_credit, customer_statement
from oms.payments.services import AllocationSpec, allocation_reverse, payment_allocate, payment_refund

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 6, 30)


def due_on(customer, amount, due: dt.date, **kw):
    """An invoice issued 30 days before ``due`` (terms 30)."""
    return issue(customer, amount, on=due - dt.timedelta(days=30), **kw)


def test_aging_buckets_per_customer_and_overall(ledger):
    acme, bolt = ledger.acme, ledger.bolt
    due_on(acme, "10.00", AS_OF)  # current
    due_on(acme, "20.00", AS_OF + dt.timedelta(days=5))  # not yet due: current
    part = due_on(acme, "100.00", AS_OF - dt.timedelta(days=45))  # 31-60, 60 paid
    pay(acme, "60.00", (part, "60.00"))
    with_note = due_on(acme, "50.00", AS_OF - dt.timedelta(days=75))  # 61-90, + debit 5 - credit 15
    debit(with_note, "5.00")
    credit(with_note, "15.00")
    due_on(acme, "7.77", AS_OF - dt.timedelta(days=91))  # 90+
    paid = due_on(acme, "33.00", AS_OF - dt.timedelta(days=10))
    pay(acme, "33.00", (paid, "33.00"))  # paid: not in the report
    due_on(acme, "12.00", AS_OF - dt.timedelta(days=1), currency="EUR")  # 1-30, its own row
    due_on(bolt, "3.00", AS_OF - dt.timedelta(days=30))  # 1-30
    issue(acme, "999.00", on=AS_OF + dt.timedelta(days=1))  # issued after the report date: left out
    pay(acme, "500.00")  # unapplied credit is not an open balance

    report = ar_aging(as_of=AS_OF)
    rows = {(r.customer.code, r.currency): r for r in report.rows}
    assert list(rows) == [("C001", "EUR"), ("C001", "USD"), ("C002", "USD")]
    assert rows[("C001", "USD")].buckets == {"current": D("30.00"), "1-30": D(0), "31-60": D("40.00"),
                                             "61-90": D("40.00"), "90+": D("7.77")}
    assert rows[("C001", "USD")].total == D("117.77") and rows[("C001", "USD")].documents == 5
    assert rows[("C001", "EUR")].buckets["1-30"] == D("12.00")
    assert rows[("C002", "USD")].buckets["1-30"] == D("3.00")
    totals = {t.currency: t for t in report.totals}
    assert totals["USD"].total == D("120.77") and totals["USD"].buckets["1-30"] == D("3.00")
    assert totals["EUR"].total == D("12.00")
    only_bolt = ar_aging(as_of=AS_OF, customer=bolt)
    assert [(r.customer.code, r.total) for r in only_bolt.rows] == [("C002", D("3.00"))]
    assert [r.currency for r in ar_aging(as_of=AS_OF, currency="EUR").rows] == ["EUR"]
    # Later, everything has moved on by 60 days.
    later = {(r.customer.code, r.currency): r for r in ar_aging(as_of=AS_OF + dt.timedelta(days=60)).rows}
    assert later[("C001", "USD")].buckets["90+"] == D("87.77")


def test_aging_total_equals_open_balances(ledger):
    invoices = [due_on(ledger.acme, amount, AS_OF - dt.timedelta(days=days))
                for amount, days in (("10.01", 0), ("20.02", 31), ("30.03", 95))]
    pay(ledger.acme, "15.00", (invoices[2], "15.00"))
    report = ar_aging(as_of=AS_OF)
    assert report.totals[0].total == sum(invoice_balance(i) for i in invoices) == D("45.06")


def test_statement_running_balance_opening_and_closing(ledger):
    acme = ledger.acme
    jan = issue(acme, "100.00", on=dt.date(2026, 1, 5))
    p1 = pay(acme, "150.00", (jan, "100.00"), received_on=dt.date(2026, 1, 20), reference="TRX-1")
    feb = issue(acme, "80.00", on=dt.date(2026, 2, 3))
    payment_allocate(payment=p1, allocations=[AllocationSpec(feb, "50.00")])
    cn = credit(jan, "10.00")  # jan is paid: 10 is owed back
    payment_refund(customer=acme, amount="10.00", currency="USD", method="bank_transfer", credit_note=cn,
                   received_on=timezone.localdate())
    other = pay(acme, "5.00", received_on=dt.date(2026, 2, 10))
    payment_refund(customer=acme, amount="5.00", currency="USD", method="cash", received_on=timezone.localdate())
    allocation = p1.allocations.get(invoice=feb)
    allocation_reverse(allocation=allocation, reason="wrong invoice")
    issue(acme, "1.00", currency="EUR", on=dt.date(2026, 1, 6))  # another currency: not on this statement

    st = customer_statement(customer=acme, currency="USD", date_from=dt.date(2026, 2, 1))
    assert st.opening_balance == D("-50.00")  # 100 invoiced, 150 paid before February
    kinds = [(e.kind, e.reference, e.debit, e.credit, e.applied, bal) for e, bal in st.lines]
    today = timezone.localdate()
    assert kinds[0] == ("invoice", feb.number, D("80.00"), D(0), D(0), D("30.00"))
    assert kinds[1] == ("payment", other.number, D(0), D("5.00"), D(0), D("25.00"))
    assert [k[0] for k in kinds[2:]] == ["credit_note", "refund", "refund", "allocation", "allocation", "reversal"]
    assert all(e.on == today for e, _ in st.lines[2:])
    assert st.closing_balance == D("30.00")  # 25 - 10 credited + 10 refunded + 5 refunded
    # The statement agrees with the documents: what is owed on them less the unapplied credit.
    open_total = sum(invoice_balance(i) for i in (jan, feb))
    assert st.closing_balance == open_total - customer_credit(acme, "USD").amount == D("80.00") - D("50.00")
    assert st.credit == D("50.00")
    everything = customer_statement(customer=acme)
    assert everything.opening_balance == 0 and everything.closing_balance == st.closing_balance
    until_jan = customer_statement(customer=acme, date_to=dt.date(2026, 1, 31))
    assert until_jan.closing_balance == D("-50.00") and len(until_jan.lines) == 2
    eur = customer_statement(customer=acme, currency="EUR")
    assert eur.closing_balance == D("1.00") and [e.kind for e, _ in eur.lines] == ["invoice"]
    assert Invoice.objects.filter(customer=acme).count() == 4
