"""Turn an export's rows into a file: CSV streamed in pieces, XLSX written row by row.

Both keep memory flat however many rows there are: CSV is produced in blocks of lines as the
response is sent; XLSX uses openpyxl's write-only mode (rows go straight to a temporary file) and
the finished workbook is sent from disk.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO

from openpyxl import Workbook

from oms.interop.exporters.columns import Column, csv_text, xlsx_value

LINES_PER_BLOCK = 500


class _Echo:
    """A file-like object whose write() returns what it was given, for csv.writer."""

    def write(self, value: str) -> str:
        return value


def csv_blocks(columns: list[Column], rows: Iterable[object]) -> Iterator[str]:
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    yield writer.writerow([c.name for c in columns])
    block: list[str] = []
    for row in rows:
        block.append(writer.writerow([csv_text(c.get(row)) for c in columns]))
        if len(block) == LINES_PER_BLOCK:
            yield "".join(block)
            block = []
    if block:
        yield "".join(block)


def xlsx_file(columns: list[Column], rows: Iterable[object], *, title: str) -> IO[bytes]:
    """The workbook in an anonymous temporary file (deleted when closed), positioned at its start."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([c.name for c in columns])
    for row in rows:
        sheet.append([xlsx_value(c.get(row)) for c in columns])
    target = tempfile.TemporaryFile(suffix=".xlsx")
    workbook.save(target)
    target.seek(0)
    return target
