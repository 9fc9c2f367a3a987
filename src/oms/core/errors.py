"""Domain errors: raised by services, mapped by the API to one JSON error format.

Every error carries a machine-readable code, a human message and, where it applies, the field
that caused it. The HTTP status is part of the error class so that the mapping lives in one place.
"""

from __future__ import annotations


class DomainError(Exception):
    code = "invalid"
    status = 422

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None,
                 status: int | None = None, extra: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code
        if status:
            self.status = status
        self.extra = extra or {}

    def as_dict(self) -> dict:
        body = {"code": self.code, "message": self.message, "field": self.field}
        body.update(self.extra)
        return {"error": body}


class NotFound(DomainError):
    code = "not_found"
    status = 404


class Conflict(DomainError):
    code = "conflict"
    status = 409


class InvalidTransition(Conflict):
    code = "invalid_transition"

    def __init__(self, *, kind: str, from_state: str, to_state: str) -> None:
        super().__init__(
            f"A {kind} cannot go from {from_state!r} to {to_state!r}",
            field="status",
            extra={"from_state": from_state, "to_state": to_state},
        )


class PermissionDenied(DomainError):
    code = "permission_denied"
    status = 403


class Unavailable(DomainError):
    """The database is busy (SQLite writer lock): the client should retry shortly."""

    code = "busy"
    status = 503
