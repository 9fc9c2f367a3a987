"""Pieces every format reader shares: options, grouping continuation rows, SKU making, issues."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from oms.interop.importers.reading import Row, RowUnreadable
from oms.interop.importers.values import CellError, Issue

SKU_MAX = 64
_SKU_UNSAFE = re.compile(r"[^A-Za-z0-9._]+")
_SKU_ALLOWED = re.compile(r"^[^\s/?#%\\]+$")


@dataclass(frozen=True)
class ReadOptions:
    currency: str  # for files whose prices name no currency
    time_zone: str = "UTC"
    day_first: bool = False


def slug(text: str) -> str:
    return _SKU_UNSAFE.sub("-", text.strip()).strip("-").lower()


def made_sku(*parts: str) -> str:
    """A SKU built from a handle and option values, for shop rows that have none."""
    return "-".join(p for p in (slug(x) for x in parts) if p)[:SKU_MAX]


def sku_cell(raw: str, column: str) -> str:
    sku = (raw or "").strip()
    if not sku:
        return ""
    if len(sku) > SKU_MAX:
        raise CellError(column, f"SKU {sku!r} is longer than {SKU_MAX} characters", "invalid_sku")
    if not _SKU_ALLOWED.match(sku):
        raise CellError(column, f"SKU {sku!r} contains a space or one of / ? # % \\", "invalid_sku")
    return sku


def issue_of(exc: CellError, line: int, key: str = "", severity: str = "error") -> Issue:
    return Issue(line=line, column=exc.column, code=exc.code, reason=exc.reason, key=key, severity=severity)


def unreadable_issue(exc: RowUnreadable) -> Issue:
    return Issue(line=exc.line, column="", code="unreadable_row", reason=f"line {exc.line} {exc.reason}")


def grouped(rows: Iterable[Row | RowUnreadable], key_column: str, *,
            continues: callable = None) -> Iterator[tuple[str, list[Row]] | RowUnreadable]:
    """Consecutive rows sharing ``key_column`` (or, with ``continues``, rows it says belong to the
    one before, such as Odoo's continuation rows with the key left empty) as one group."""
    key, group = None, []
    for row in rows:
        if isinstance(row, RowUnreadable):
            yield row
            continue
        value = row.get(key_column)
        belongs = continues(row) if continues else (value == key)
        if group and belongs:
            group.append(row)
            continue
        if group:
            yield key, group
        key, group = value, [row]
    if group:
        yield key, group
