"""Aging buckets and the statement's running balance as plain Python: no database."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from oms.payments.aging import BUCKETS, Entry, OpenItem, aging_rows, aging_totals, bucket_of, running_balance

AS_OF = date(2026, 6, 30)


@pytest.mark.parametrize("days_past_due, bucket", [
    (-10, "current"), (0, "current"), (1, "1-30"), (30, "1-30"), (31, "31-60"), (60, "31-60"),
    (61, "61-90"), (90, "61-90"), (91, "90+"), (400, "90+"),
])
def test_bucket_boundaries(days_past_due, bucket):
    assert bucket_of(due_date=AS_OF - timedelta(days=days_past_due), as_of=AS_OF) == bucket


def test_no_due_date_is_current():
    assert bucket_of(due_date=None, as_of=AS_OF) == "current"


def test_rows_per_customer_and_currency_and_totals():
    items = [
        OpenItem("A", "USD", AS_OF, D("10.00")),
        OpenItem("A", "USD", AS_OF - timedelta(days=45), D("20.05")),
        OpenItem("A", "USD", AS_OF - timedelta(days=100), D("0.01")),
        OpenItem("A", "EUR", AS_OF - timedelta(days=5), D("7")),
        OpenItem("B", "USD", AS_OF - timedelta(days=61), D("3.30")),
        OpenItem("B", "USD", AS_OF - timedelta(days=61), D("0")),  # paid: left out
        OpenItem("B", "USD", AS_OF - timedelta(days=61), D("-5")),  # over-credited: left out
    ]
    rows = {(r.customer, r.currency): r for r in aging_rows(items, as_of=AS_OF)}
    assert set(rows) == {("A", "USD"), ("A", "EUR"), ("B", "USD")}
    a_usd = rows[("A", "USD")]
    assert a_usd.buckets == {"current": D("10.00"), "1-30": D(0), "31-60": D("20.05"), "61-90": D(0),
                             "90+": D("0.01")}
    assert a_usd.total == D("30.06") and a_usd.documents == 3
    assert rows[("B", "USD")].buckets["61-90"] == D("3.30") and rows[("B", "USD")].documents == 1
    totals = {t.currency: t for t in aging_totals(rows.values())}
    assert totals["USD"].total == D("33.36") and totals["EUR"].buckets["1-30"] == D(7)
    assert list(totals["USD"].buckets) == list(BUCKETS)


def test_running_balance_in_date_order():
    entries = [
        Entry(date(2026, 1, 5), (1, 1), "payment", "PAY-1", "", credit=D("40")),
        Entry(date(2026, 1, 1), (0, 1), "invoice", "INV-1", "", debit=D("100")),
        Entry(date(2026, 1, 5), (2, 1), "allocation", "INV-1", "", applied=D("40")),
        Entry(date(2026, 1, 9), (1, 2), "refund", "RF-1", "", debit=D("5")),
    ]
    lines = running_balance(entries, opening=D("12.50"))
    assert [(e.reference, b) for e, b in lines] == [("INV-1", D("112.50")), ("PAY-1", D("72.50")),
                                                    ("INV-1", D("72.50")), ("RF-1", D("77.50"))]
