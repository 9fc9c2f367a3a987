"""Idempotency keys for create endpoints: a retried request never creates a second record.

The key is claimed (a row inserted) in the same transaction as the work it guards. A concurrent
request with the same key blocks on that row's unique index until the first commits, then replays
its response. The same key with a different body is refused with 409.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from django.db import connection, transaction
from django.utils import timezone

from oms.core.context import current_actor
from oms.core.errors import Conflict, DomainError
from oms.core.models import IdempotencyRecord
from oms.core.services.audit import jsonable

MAX_KEY_LENGTH = 255


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"


def request_fingerprint(*, method: str, path: str, body: object) -> str:
    raw = json.dumps([method, path, jsonable(body)], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(raw.encode()).hexdigest()


def _replay(record: IdempotencyRecord, fingerprint: str) -> tuple[int, object]:
    if record.request_hash != fingerprint:
        raise IdempotencyKeyReused("This Idempotency-Key was already used with a different request",
                                   field="Idempotency-Key")
    return record.status_code, record.response


def idempotent_run(*, key: str | None, fingerprint: str, action: Callable[[], tuple[int, object]]) -> tuple[int, object]:
    """Run ``action`` (which returns status and a JSON-ready body) at most once per key and actor."""
    if key is None:
        with transaction.atomic():
            return action()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise DomainError(f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters", field="Idempotency-Key")
    actor_key = current_actor().key
    with transaction.atomic():
        record_id = _claim(actor_key, key, fingerprint)
        if record_id is None:
            return _replay(IdempotencyRecord.objects.get(actor_key=actor_key, key=key), fingerprint)
        status, body = action()
        body = jsonable(body)
        _store(record_id, status, body)
        return status, body


_CLAIM = (
    "INSERT INTO core_idempotencyrecord (actor_key, key, request_hash, status_code, created_at) "
    "VALUES (%s, %s, %s, 0, %s) ON CONFLICT (actor_key, key) DO NOTHING RETURNING id"
)


def _claim(actor_key: str, key: str, fingerprint: str) -> int | None:
    """Insert the key's row, or return None when it exists (a concurrent twin waits here for the
    first transaction to finish, then sees the row). One statement, no savepoint."""
    with connection.cursor() as cursor:
        cursor.execute(_CLAIM, [actor_key, key, fingerprint, timezone.now()])
        row = cursor.fetchone()
    return None if row is None else row[0]


def _store(record_id: int, status: int, body: object) -> None:
    """Keep the response for replays: one plain UPDATE (it runs for every guarded request), the
    body prepared by the model field as the ORM would."""
    response = IdempotencyRecord._meta.get_field("response").get_db_prep_save(body, connection=connection)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {IdempotencyRecord._meta.db_table} SET status_code = %s, response = %s WHERE id = %s",
                       [status, response, record_id])
