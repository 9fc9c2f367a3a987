"""Accounts-receivable aging and statement arithmetic as plain Python (no database).

Open balances fall in buckets by days past their due date on the report date: ``current`` (not yet
due, or due that day), ``1-30``, ``31-60``, ``61-90`` and ``90+``. Amounts in different currencies
are never added together: a row is one customer in one currency.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

BUCKETS = ("current", "1-30", "31-60", "61-90", "90+")


def bucket_of(*, due_date: date | None, as_of: date) -> str:
    """The bucket of a balance due on ``due_date`` (no due date means due on receipt: current)."""
    days = (as_of - due_date).days if due_date else 0
    if days <= 0:
        return "current"
    if days <= 30:
        return "1-30"
    if days <= 60:
        return "31-60"
    if days <= 90:
        return "61-90"
    return "90+"


@dataclass(frozen=True)
class OpenItem:
    customer: Hashable
    currency: str
    due_date: date | None
    balance: Decimal


@dataclass
class AgingRow:
    customer: Hashable
    currency: str
    buckets: dict[str, Decimal] = field(default_factory=lambda: {b: Decimal(0) for b in BUCKETS})
    documents: int = 0

    @property
    def total(self) -> Decimal:
        return sum(self.buckets.values(), Decimal(0))


def aging_rows(items: Iterable[OpenItem], *, as_of: date) -> list[AgingRow]:
    """One row per customer and currency with the sum of each bucket; items owing nothing are left out."""
    rows: dict[tuple, AgingRow] = {}
    for item in items:
        if item.balance <= 0:
            continue
        row = rows.setdefault((item.customer, item.currency), AgingRow(item.customer, item.currency))
        row.buckets[bucket_of(due_date=item.due_date, as_of=as_of)] += item.balance
        row.documents += 1
    return list(rows.values())


def aging_totals(rows: Iterable[AgingRow]) -> list[AgingRow]:
    """The overall total of each currency (``customer`` is None)."""
    totals: dict[str, AgingRow] = {}
    for row in rows:
        total = totals.setdefault(row.currency, AgingRow(None, row.currency))
        for name, amount in row.buckets.items():
            total.buckets[name] += amount
        total.documents += row.documents
    return [totals[c] for c in sorted(totals)]


@dataclass(frozen=True)
class Entry:
    """A statement line before its running balance: ``debit`` raises what the customer owes,
    ``credit`` lowers it; ``applied`` is shown for allocations, which move no money."""

    on: date
    order: tuple
    kind: str
    reference: str
    description: str
    debit: Decimal = Decimal(0)
    credit: Decimal = Decimal(0)
    applied: Decimal = Decimal(0)


def running_balance(entries: Iterable[Entry], *, opening: Decimal) -> list[tuple[Entry, Decimal]]:
    """Entries in date order, each with the balance after it."""
    balance = opening
    result = []
    for entry in sorted(entries, key=lambda e: (e.on, e.order)):
        balance = balance + entry.debit - entry.credit
        result.append((entry, balance))
    return result
