"""Pieces every module's API uses: token auth, permissions, pagination, idempotency, error format."""

from __future__ import annotations

import base64
import json
import logging
from datetime import datetime
from collections.abc import Callable

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import OperationalError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer as BaseJSONRenderer
from ninja.responses import NinjaJSONEncoder
from ninja.security import HttpBearer

from oms.core.context import Actor, set_actor
from oms.core.errors import DomainError, PermissionDenied
from oms.core.plans import custom_plans
from oms.core.services.idempotency import idempotent_run, request_fingerprint
from oms.core.services.tokens import token_authenticate

log = logging.getLogger(__name__)
MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50


def json_timestamp(value: datetime) -> str:
    """A timestamp as the API writes it: ISO 8601 with its microseconds, UTC as "Z"."""
    return value.isoformat().replace("+00:00", "Z")


class _Encoder(NinjaJSONEncoder):
    """Timestamps with their microseconds (Django's encoder cuts them to milliseconds)."""

    def default(self, o):
        if isinstance(o, datetime):
            return json_timestamp(o)
        return super().default(o)


def schema_shaped(payload: object, *, status: int = 200) -> JsonResponse:
    """A body already in the shape of the endpoint's response schema (built by a render function
    that a test keeps equal to the schema's output), sent as the API's JSON without validating it
    again: for pages of documents, where validating the nested objects cost as much as building them."""
    return JsonResponse(payload, status=status, safe=False, encoder=_Encoder)


class JSONRenderer(BaseJSONRenderer):
    encoder_class = _Encoder


class TokenAuth(HttpBearer):
    """``Authorization: Bearer oms_...``; the token's user becomes the request's actor."""

    def authenticate(self, request: HttpRequest, token: str):
        api_token = token_authenticate(token)
        if api_token is None:
            return None
        request.user = api_token.user
        set_actor(Actor(type="token", id=str(api_token.pk),
                        label=f"{api_token.user.get_username()} (token {api_token.prefix})"))
        return api_token


def require_perm(request: HttpRequest, perm: str) -> None:
    """Module permissions are Django model permissions, granted to users through groups."""
    if not request.user.has_perm(perm):
        raise PermissionDenied(f"You need the permission {perm!r} for this action", field=None)


class ErrorOut(Schema):
    error: dict


class Page(Schema):
    next_cursor: str | None = None


def _encode_cursor(value: int) -> str:
    return base64.urlsafe_b64encode(str(value).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return int(base64.urlsafe_b64decode(padded.encode()).decode())
    except (ValueError, UnicodeDecodeError) as exc:
        raise DomainError("cursor is not valid; use next_cursor from the previous page", field="cursor") from exc


def paginate(queryset: QuerySet, *, cursor: str | None, limit: int | None,
             by: str | None = None) -> tuple[list, str | None]:
    """Keyset pagination, newest first: stable while rows are added, one query per page.

    Rows are ordered by id, or by ``by`` (e.g. ``created_at``) then id, so that a list filtered on
    that column walks its index instead of scanning the whole table backwards by id.
    """
    limit = DEFAULT_PAGE_SIZE if limit is None else limit
    if limit < 1 or limit > MAX_PAGE_SIZE:
        raise DomainError(f"limit must be between 1 and {MAX_PAGE_SIZE}", field="limit")
    if by is None:
        if cursor:
            queryset = queryset.filter(pk__lt=_decode_cursor(cursor))
        rows = list(queryset.order_by("-pk")[: limit + 1])
        next_cursor = _encode_cursor(rows[limit - 1].pk) if len(rows) > limit else None
        return rows[:limit], next_cursor
    if cursor:
        value, pk = _decode_pair(cursor)
        queryset = queryset.filter(Q(**{f"{by}__lt": value}) | Q(**{by: value, "pk__lt": pk}))
    rows = list(queryset.order_by(f"-{by}", "-pk")[: limit + 1])
    next_cursor = _encode_pair(getattr(rows[limit - 1], by), rows[limit - 1].pk) if len(rows) > limit else None
    return rows[:limit], next_cursor


def page_of(queryset: QuerySet, *, cursor: str | None, limit: int | None, by: str | None = None,
            render: Callable[[object], object] | None = None) -> dict:
    """One page of a list endpoint, ``{"items", "next_cursor"}``, each row through ``render`` if given.

    Its statements are planned for the filter values asked (``custom_plans``): a list's filters are the
    caller's choice, and a prepared statement's generic plan, made for common values, walked every
    invoice or payment to find a status that has few or none (100-170 ms instead of 5 at a million)."""
    with custom_plans():
        rows, next_cursor = paginate(queryset, cursor=cursor, limit=limit, by=by)
        return {"items": [render(row) for row in rows] if render else rows, "next_cursor": next_cursor}


def _encode_pair(value: object, pk: int) -> str:
    raw = json.dumps([value.isoformat() if isinstance(value, datetime) else str(value), pk])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_pair(cursor: str) -> tuple[object, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value, pk = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        return datetime.fromisoformat(value), int(pk)
    except (ValueError, TypeError, UnicodeDecodeError) as exc:
        raise DomainError("cursor is not valid; use next_cursor from the previous page", field="cursor") from exc


def idempotent(request: HttpRequest, *, key: str | None, body: object,
               action: Callable[[], tuple[int, object]]) -> JsonResponse:
    """Run a create at most once per Idempotency-Key; the first response is replayed byte for byte.

    ``action`` returns the status and a body already serialised by its response schema, so the
    stored body and a replay are identical (and are not validated a second time).
    """
    fingerprint = request_fingerprint(method=request.method or "", path=request.path, body=body)
    status, payload = idempotent_run(key=key, fingerprint=fingerprint, action=action)
    response = schema_shaped(payload, status=status)
    if key:
        response["Idempotency-Key"] = key
    return response


def _error(api: NinjaAPI, request, status: int, code: str, message: str, field: str | None = None,
           **extra) -> HttpResponse:
    return api.create_response(request, {"error": {"code": code, "message": message, "field": field, **extra}},
                               status=status)


_NOT_FIELDS = {"body", "query", "path", "header", "payload", "str", "int", "float", "bool", "dict", "list",
               "decimal", "datetime", "date"}


def _field_of(loc: list) -> str:
    """pydantic's error location as a dotted field name, without the union member tags it adds."""
    parts = [str(p) for p in loc if not (isinstance(p, str) and (p in _NOT_FIELDS or "[" in p))]
    return ".".join(parts) or ".".join(map(str, loc))


def install_error_handlers(api: NinjaAPI) -> None:
    """One error format everywhere: {"error": {"code", "message", "field"}}."""

    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        response = api.create_response(request, exc.as_dict(), status=exc.status)
        if exc.status == 503:
            response["Retry-After"] = "1"
        return response

    @api.exception_handler(ValidationError)
    def validation_error(request, exc: ValidationError):
        first = exc.errors[0] if exc.errors else {}
        field = _field_of(list(first.get("loc", [])))
        message = f"{field}: {first.get('msg', 'invalid value')}" if field else first.get("msg", "invalid")
        details = [{"field": _field_of(list(e.get("loc", []))), "message": e.get("msg", "")} for e in exc.errors]
        return _error(api, request, 422, "validation_error", message, field, details=details)

    @api.exception_handler(AuthenticationError)
    def auth_error(request, exc):
        return _error(api, request, 401, "unauthorized", "Send a valid API token: Authorization: Bearer <token>")

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        if exc.status_code == 400 and "parse request body" in str(exc):
            return _error(api, request, 400, "malformed_json", "The request body is not valid JSON", "body")
        return _error(api, request, exc.status_code, f"http_{exc.status_code}", str(exc))

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return _error(api, request, 404, "not_found", str(exc) or "Not found")

    @api.exception_handler(ObjectDoesNotExist)
    def does_not_exist(request, exc):
        return _error(api, request, 404, "not_found", str(exc) or "Not found")

    @api.exception_handler(DjangoValidationError)
    def django_validation(request, exc: DjangoValidationError):
        if hasattr(exc, "error_dict"):
            field, errors = next(iter(exc.error_dict.items()))
            return _error(api, request, 422, "validation_error", f"{field}: {errors[0].messages[0]}", field)
        return _error(api, request, 422, "validation_error", exc.messages[0])

    @api.exception_handler(OperationalError)
    def operational(request, exc: OperationalError):
        if "locked" in str(exc) or "busy" in str(exc):
            response = _error(api, request, 503, "busy", "The database is busy; retry shortly")
            response["Retry-After"] = "1"
            return response
        log.exception("database error")
        return _error(api, request, 503, "database_unavailable", "The database is not available")
