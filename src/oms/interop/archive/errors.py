"""The one error an archive export or import raises: a DomainError with a machine-readable code."""

from __future__ import annotations

from oms.core.errors import DomainError


class ArchiveError(DomainError):
    code = "archive_invalid"
    status = 422
