"""Opening a CSV someone else wrote: its encoding (UTF-8 with or without a byte-order mark,
Windows-1252 and others, detected with charset-normalizer), its delimiter (sniffed), its header,
and its rows with the line each starts on. Streams, so a file of a million orders is never held
in memory whole."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from charset_normalizer import from_bytes

SAMPLE_BYTES = 256 * 1024
DELIMITERS = ",;\t|"
csv.field_size_limit(10 * 1024 * 1024)  # long HTML descriptions


class FileRejected(Exception):
    """The whole file cannot be read as this format; ``code`` is machine-readable."""

    def __init__(self, reason: str, code: str = "invalid_file", column: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.column = column


@dataclass(frozen=True)
class Row:
    line: int  # the line the record starts on, the header being line 1
    end_line: int  # the line it ends on (a quoted cell may span lines)
    values: dict[str, str]
    offset: int  # bytes read so far (for progress)

    def get(self, column: str) -> str:
        return (self.values.get(column) or "").strip()


def detect_encoding(sample: bytes) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 4:  # the sample cut a multi-byte character in two
            return "utf-8"
    # Not UTF-8: Windows-1252 is what Excel and most Western shop back ends write, and a short sample
    # gives a statistical detector too little to tell it from its Central European sibling.
    try:
        sample.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        pass
    best = from_bytes(sample).best()
    return best.encoding if best is not None else "latin_1"


def sniff_delimiter(text_sample: str) -> str:
    head = "\n".join(text_sample.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(head, delimiters=DELIMITERS).delimiter
    except csv.Error:
        first = head.splitlines()[0] if head else ""
        counts = {d: first.count(d) for d in DELIMITERS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def _without_nul(lines: Iterator[str]) -> Iterator[str]:
    """Lines with any NUL character removed: one past the first 256 kB of an otherwise good file
    means nothing, and PostgreSQL refuses it in a text column."""
    for line in lines:
        yield line.replace("\x00", "") if "\x00" in line else line


class _CountingReader(io.RawIOBase):
    """Counts bytes handed to the text decoder, for a progress figure that needs no second pass."""

    def __init__(self, raw) -> None:
        self.raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.raw.read(len(buffer))
        buffer[:len(data)] = data
        self.count += len(data)
        return len(data)


class CsvSource:
    """A CSV file opened for reading: ``header`` and ``rows()``; call ``close()`` when done."""

    def __init__(self, path: str, *, encoding: str | None = None, delimiter: str | None = None) -> None:
        self.path = path
        with open(path, "rb") as handle:
            sample = handle.read(SAMPLE_BYTES)
        if not sample.strip():
            raise FileRejected("The file is empty", "empty_file")
        if b"\x00" in sample and not sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise FileRejected("This is not a text (CSV) file; is it a spreadsheet (.xlsx) or an archive? "
                               "Save it as CSV first", "not_csv")
        self.encoding = encoding or detect_encoding(sample)
        text_sample = sample.decode(self.encoding, errors="replace")
        if "\x00" in text_sample:  # e.g. UTF-16 text encoded twice: not something a person could read either
            raise FileRejected("This is not a text (CSV) file: it holds NUL characters once decoded as "
                               f"{self.encoding}", "not_csv")
        self.delimiter = delimiter or sniff_delimiter(text_sample)
        self._raw = open(path, "rb")  # noqa: SIM115 - closed by close()
        self._counter = _CountingReader(self._raw)
        self._text = io.TextIOWrapper(io.BufferedReader(self._counter, 1024 * 1024), encoding=self.encoding,
                                      newline="")
        self._reader = csv.reader(_without_nul(self._text), delimiter=self.delimiter)
        try:
            header = next(self._reader)
        except (csv.Error, UnicodeDecodeError, StopIteration) as exc:
            self.close()
            raise FileRejected(f"The header line cannot be read: {exc}", "invalid_file") from None
        self.header = [name.strip().lstrip("\ufeff") for name in header]
        if len(self.header) < 2:
            self.close()
            raise FileRejected(f"Only one column was found with the delimiter {self.delimiter!r}: "
                               "is this a CSV file?", "not_csv")

    @property
    def bytes_read(self) -> int:
        return self._counter.count

    def require(self, columns: list[str], what: str) -> None:
        missing = [c for c in columns if c not in self.header]
        if missing:
            raise FileRejected(f"This is not a {what}: the column(s) {', '.join(missing)} are missing "
                               f"(found: {', '.join(self.header[:12])}{'...' if len(self.header) > 12 else ''})",
                               "missing_columns", column=missing[0])

    def rows(self) -> Iterator[Row | Exception]:
        """Rows as dicts; a row that cannot be decoded or parsed is yielded as its exception with the line."""
        previous_end = 1
        header, width = self.header, len(self.header)
        while True:
            try:
                cells = next(self._reader)
            except StopIteration:
                return
            except (csv.Error, UnicodeDecodeError) as exc:
                yield RowUnreadable(previous_end + 1, str(exc))
                return  # the decoder or parser cannot resynchronise after this point
            end = self._reader.line_num
            start, previous_end = previous_end + 1, end
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != width:
                yield RowUnreadable(start, f"has {len(cells)} cells where the header has {width} "
                                           "(an unquoted delimiter or line break?)")
                continue
            yield Row(start, end, dict(zip(header, cells, strict=True)), self.bytes_read)

    def close(self) -> None:
        self._raw.close()


class RowUnreadable(Exception):
    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason
