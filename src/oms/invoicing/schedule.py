"""Dates of a recurring invoice: plain Python, end-of-month safe.

A schedule keeps its day of the month (its *anchor*): one started on 31 January falls on 28 (or 29)
February, then 31 March, 30 April... never drifting to the 28th for good.
"""

from __future__ import annotations

import calendar
from datetime import date

MONTHS = {"monthly": 1, "quarterly": 3}


def add_months(day: date, months: int, *, anchor_day: int | None = None) -> date:
    """``day`` moved by whole months, on ``anchor_day`` (default: ``day``'s own) or the month's last day."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(anchor_day or day.day, last))


def next_run(day: date, interval: str, *, anchor_day: int | None = None) -> date:
    if interval not in MONTHS:
        raise ValueError(f"interval must be one of {sorted(MONTHS)}")
    return add_months(day, MONTHS[interval], anchor_day=anchor_day)


def due_runs(next_date: date, today: date, interval: str, *, anchor_day: int | None = None,
             limit: int = 24) -> list[date]:
    """The scheduled dates up to and including ``today`` (at most ``limit``, oldest first)."""
    runs, day = [], next_date
    while day <= today and len(runs) < limit:
        runs.append(day)
        day = next_run(day, interval, anchor_day=anchor_day)
    return runs
