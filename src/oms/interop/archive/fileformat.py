"""The archive's file format: JSON lines, one header, one line per record, one end line.

Every line is ``json.dumps(..., sort_keys=True)`` with exact encodings, so that the same data always
gives the same bytes: decimals as their stored digits (``"19.0000"``), timestamps with their
microseconds and offset (``"2026-11-25T15:10:45.123456+00:00"``), dates as ``YYYY-MM-DD``.
A name ending in ``.gz`` is read and written gzip-compressed.
"""

from __future__ import annotations

import gzip
import json
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import IO

FORMAT_NAME = "oms-archive"
FORMAT_VERSION = 1


def _default(value: object) -> str:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    raise TypeError(f"Cannot write {type(value).__name__} to the archive")


def dumps(obj: object) -> str:
    return json.dumps(obj, default=_default, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def open_archive(path: str | Path, mode: str) -> IO[str]:
    """Open for text reading ("r") or writing ("w") in UTF-8, gzip-compressed when the name ends in .gz."""
    path = Path(path)
    if path.suffix == ".gz":
        return gzip.open(path, mode + "t", encoding="utf-8", newline="\n")
    return path.open(mode, encoding="utf-8", newline="\n")
