"""The audit trail: an append-only, hash-chained record of every state change.

Each record's hash covers its own fields and the previous record's hash, so editing or deleting
any row breaks the chain at that row. The chain head is a single row locked while a record is
appended; services append their audit record as their last write so that lock is held briefly.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal

from django.db import transaction

from oms.core.context import Actor, current_actor, current_request_id
from oms.core.models import AuditChainHead, AuditRecord

GENESIS = "0" * 64


def _json_default(value: object) -> str:
    if isinstance(value, (Decimal, datetime)):
        return value.isoformat() if isinstance(value, datetime) else str(value)
    return str(value)


def jsonable(value: object) -> object:
    """Decimals, dates and other values as the strings they are stored and hashed as."""
    return json.loads(json.dumps(value, default=_json_default))


def record_hash(*, prev_hash: str, seq: int, created_at: datetime, actor_type: str, actor_id: str,
                actor_label: str, action: str, object_type: str, object_id: str, changes: object,
                request_id: str) -> str:
    body = json.dumps(
        [seq, created_at.astimezone(timezone.utc).isoformat(), actor_type, actor_id, actor_label,
         action, object_type, object_id, changes, request_id],
        sort_keys=True, separators=(",", ":"), ensure_ascii=False,
    )
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def _hash_of(rec: AuditRecord, prev_hash: str) -> str:
    return record_hash(prev_hash=prev_hash, seq=rec.seq, created_at=rec.created_at, actor_type=rec.actor_type,
                       actor_id=rec.actor_id, actor_label=rec.actor_label, action=rec.action,
                       object_type=rec.object_type, object_id=rec.object_id, changes=rec.changes,
                       request_id=rec.request_id)


def diff(before: dict, after: dict) -> dict:
    """The fields that changed, as {field: [before, after]}."""
    keys = sorted(set(before) | set(after))
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


@dataclass(frozen=True)
class AuditEntry:
    action: str
    object_type: str
    object_id: object
    changes: dict


def audit_record(*, action: str, object_type: str, object_id: object, changes: dict | None = None,
                 actor: Actor | None = None) -> AuditRecord:
    return audit_record_many(entries=[AuditEntry(action, object_type, object_id, changes or {})], actor=actor)[0]


def audit_record_many(*, entries: list[AuditEntry], actor: Actor | None = None) -> list[AuditRecord]:
    """Append records to the chain in one short critical section (3 statements whatever the count)."""
    actor = actor or current_actor()
    request_id = current_request_id()
    # No savepoint: the caller's transaction is the unit; a failure here rolls it all back.
    with transaction.atomic(savepoint=False):
        head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            # The migration creates the head; a flushed database (`oms flush`, transactional tests)
            # has none. A fresh head starts at seq 0, so if records survived the next insert collides.
            AuditChainHead.objects.get_or_create(pk=1)
            head = AuditChainHead.objects.select_for_update().get(pk=1)
        created_at = datetime.now(timezone.utc)
        prev_hash, seq, records = head.last_hash, head.seq, []
        for entry in entries:
            seq += 1
            rec = AuditRecord(seq=seq, created_at=created_at, actor_type=actor.type, actor_id=actor.id,
                              actor_label=actor.label[:150], action=entry.action, object_type=entry.object_type,
                              object_id=str(entry.object_id), changes=jsonable(entry.changes),
                              request_id=request_id, prev_hash=prev_hash)
            rec.hash = prev_hash = _hash_of(rec, rec.prev_hash)
            records.append(rec)
        AuditRecord.objects.bulk_create(records)
        AuditChainHead.objects.filter(pk=1).update(seq=seq, last_hash=prev_hash)
    return records


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    problems: list[str]


def audit_verify(*, batch_size: int = 5000) -> VerifyResult:
    """Walk the chain in order and report every row whose hash or link does not hold."""
    problems: list[str] = []
    prev_hash, expected_seq, checked, last_id = GENESIS, 1, 0, None
    qs = AuditRecord.objects.order_by("seq")
    last_seq = 0
    while True:
        page = list(qs.filter(seq__gt=last_seq)[:batch_size])
        if not page:
            break
        for rec in page:
            checked += 1
            if rec.seq != expected_seq:
                problems.append(f"record seq {expected_seq}..{rec.seq - 1} missing (deleted?) before id {rec.pk}")
            if rec.prev_hash != prev_hash:
                problems.append(f"record id {rec.pk} (seq {rec.seq}): link to previous record broken")
            if _hash_of(rec, rec.prev_hash) != rec.hash:
                problems.append(f"record id {rec.pk} (seq {rec.seq}): contents do not match its hash (edited?)")
            prev_hash, expected_seq, last_seq, last_id = rec.hash, rec.seq + 1, rec.seq, rec.pk
        if len(page) < batch_size:
            break
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is None and checked:
        problems.append(f"chain head is missing, last record is seq {last_seq} (id {last_id}): "
                        "records at the end may have been deleted")
    if head is not None and (head.seq != last_seq or head.last_hash != prev_hash):
        problems.append(f"chain head says seq {head.seq}, last record is seq {last_seq} (id {last_id}): "
                        "records at the end were deleted or altered")
    return VerifyResult(ok=not problems, checked=checked, problems=problems)
