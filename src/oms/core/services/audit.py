"""The audit trail: an append-only, hash-chained record of every state change.

Each record's hash covers its own fields and the previous record's hash, so editing or deleting
any row breaks the chain at that row. Records are inserted unchained by the transaction that makes
the change; sealing chains them in id order after commit, under the single chain-head row: right
after each commit (``OMS_AUDIT_SEAL=commit``, the default), or by a background thread per process
that seals the records of many requests at once (``background``, what ``oms serve`` uses: a record
is then unsealed for about ``OMS_AUDIT_SEAL_DELAY_MS``). ``oms audit verify`` seals what is pending.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import logging
import os
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection, transaction

from oms.core.context import Actor, current_actor, current_request_id
from oms.core.models import AuditChainHead, AuditRecord
from oms.core.sqlbatch import Statement, select_related_where, write_together

log = logging.getLogger(__name__)
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
    """Append records in the caller's transaction (one INSERT, no lock); they are chained right after commit.

    Chaining (``audit_seal``) runs after commit in commit order, so no write transaction waits on
    the single chain head. Until sealed (milliseconds), a record has no sequence number or hash.
    """
    records = audit_rows(entries=entries, actor=actor)
    AuditRecord.objects.bulk_create(records)
    audit_seal_after_commit()
    return records


def audit_rows(*, entries: list[AuditEntry], actor: Actor | None = None) -> list[AuditRecord]:
    """Unsaved, unsealed records, for a service that inserts them with its other rows in one
    statement (oms.core.sqlbatch); it must call ``audit_seal_after_commit`` too."""
    actor = actor or current_actor()
    request_id = current_request_id()
    created_at = datetime.now(timezone.utc)
    return [AuditRecord(seq=None, created_at=created_at, actor_type=actor.type, actor_id=actor.id,
                        actor_label=actor.label[:150], action=entry.action, object_type=entry.object_type,
                        object_id=str(entry.object_id), changes=jsonable(entry.changes), request_id=request_id)
            for entry in entries]


def audit_seal_after_commit() -> None:
    """Chain this transaction's records once it commits: right after the commit, in this thread
    (``OMS_AUDIT_SEAL=commit``, the default), or by this process's background sealer, which seals
    the records of many requests at once (``background``, what ``oms serve`` uses). One seal per
    transaction is enough: it chains every record committed so far."""
    hook = _wake_sealer if settings.OMS_AUDIT_SEAL == "background" else audit_seal_quietly
    pending = getattr(connection, "run_on_commit", [])
    if not any(entry[1] is hook for entry in pending):
        transaction.on_commit(hook)


def _lock_head() -> tuple[int, str] | None:
    """The chain head's (seq, last_hash), its row locked; None when another sealer holds it (it, or
    the next one, seals our rows). Plain SQL: this runs after every committing write."""
    skip_locked = (connection.ops.for_update_sql(skip_locked=True)
                   if connection.features.has_select_for_update_skip_locked else "")
    # PostgreSQL: the seal's COMMIT need not wait for its WAL flush (the request waits for this
    # hook). Safe because a seal is derived data: a crash loses the whole seal transaction (the
    # records and the head together), and the next seal redoes it from the committed records.
    async_commit = (", set_config('synchronous_commit', 'off', true)" if connection.vendor == "postgresql" else "")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT seq, last_hash{async_commit} FROM {AuditChainHead._meta.db_table} WHERE id = 1 "
                       f"{skip_locked}")
        row = cursor.fetchone()
    if row is None and not AuditChainHead.objects.filter(pk=1).exists():
        # The migration creates the head; a flushed database (`oms flush`, transactional tests) has none.
        AuditChainHead.objects.get_or_create(pk=1)
        head = AuditChainHead.objects.select_for_update().get(pk=1)
        return head.seq, head.last_hash
    return None if row is None else (int(row[0]), row[1])  # (without the set_config column)


def _seals(records: list[AuditRecord]) -> Statement:
    """Set seq, prev_hash and hash of unsealed rows in one UPDATE (sealed rows are never touched)."""
    table = AuditRecord._meta.db_table
    cases = {name: " ".join("WHEN %s THEN %s" for _ in records) for name in ("seq", "prev_hash", "hash")}
    params: list = []
    for name in ("seq", "prev_hash", "hash"):
        for rec in records:
            params += [rec.pk, getattr(rec, name)]
    ids = ", ".join("%s" for _ in records)
    params += [rec.pk for rec in records]
    sql = (f"UPDATE {table} SET seq = CASE id {cases['seq']} END, prev_hash = CASE id {cases['prev_hash']} END, "
           f"hash = CASE id {cases['hash']} END WHERE id IN ({ids}) AND seq IS NULL")
    return sql, params


def audit_seal(*, batch_size: int = 500) -> int:
    """Chain every committed, unsealed record in id order; returns how many were sealed."""
    sealed = 0
    while True:
        with transaction.atomic():
            head = _lock_head()
            if head is None:
                return sealed
            # A statement of its own, after the lock: its snapshot sees what the previous sealer committed.
            # (Plain SQL, as this runs after every committing write.)
            pending = select_related_where(AuditRecord, [], "t0.seq IS NULL ORDER BY t0.id LIMIT %s", [batch_size])
            if not pending:
                return sealed
            seq, prev_hash = head
            for rec in pending:
                seq += 1
                rec.seq, rec.prev_hash = seq, prev_hash
                rec.hash = prev_hash = _hash_of(rec, prev_hash)
            # The records and the head together (one statement on PostgreSQL).
            write_together([_seals(pending), (f"UPDATE {AuditChainHead._meta.db_table} SET seq = %s, last_hash = %s"
                                              " WHERE id = 1", [seq, prev_hash])])
        sealed += len(pending)
        if len(pending) < batch_size:
            return sealed


def audit_seal_quietly() -> None:
    """After-commit hook: sealing must never turn a committed request into an error."""
    try:
        audit_seal()
    except DatabaseError:
        log.exception("audit sealing failed; the records stay unsealed until the next seal")


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    problems: list[str]


def audit_verify(*, batch_size: int = 5000) -> VerifyResult:
    """Seal what is pending, then walk the chain in order and report every row whose hash or link fails."""
    audit_seal()
    problems: list[str] = []
    prev_hash, expected_seq, checked, last_id = GENESIS, 1, 0, None
    qs = AuditRecord.objects.filter(seq__isnull=False).order_by("seq")
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
    unsealed = AuditRecord.objects.filter(seq__isnull=True).count()
    if unsealed:
        problems.append(f"{unsealed} record(s) are not sealed into the chain (a sealer is running; verify again)")
    return VerifyResult(ok=not problems, checked=checked, problems=problems)


class BackgroundSealer:
    """A thread that seals on request, started lazily in the process that first needs it (so a
    forked web worker starts its own). It waits OMS_AUDIT_SEAL_DELAY_MS after a wake-up so that
    the records of the requests committing meanwhile are sealed by the same short transaction."""

    def __init__(self) -> None:
        self._wanted = threading.Event()
        self._pid: int | None = None
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._start_lock = threading.Lock()

    def wake(self) -> None:
        if self._pid != os.getpid() or self._thread is None or not self._thread.is_alive():
            self._start()
        self._wanted.set()

    def stop(self) -> None:
        """Seal what is pending, end the thread and close its connection (tests; shutdown)."""
        self._stopping = True
        self._wanted.set()
        if self._thread is not None and self._pid == os.getpid():
            self._thread.join()

    def _start(self) -> None:
        with self._start_lock:
            if self._pid != os.getpid() or self._thread is None or not self._thread.is_alive():
                if self._pid != os.getpid():
                    atexit.register(self._seal_at_exit)
                self._wanted, self._stopping = threading.Event(), False
                self._thread = threading.Thread(target=self._run, name="oms-audit-sealer", daemon=True)
                self._thread.start()
                self._pid = os.getpid()

    def _seal_at_exit(self) -> None:
        """A worker's last records, as the process exits (unless the sealer was stopped)."""
        if self._thread is not None and self._thread.is_alive() and not self._stopping:
            audit_seal_quietly()

    def _run(self) -> None:
        while not self._stopping:
            self._wanted.wait()
            time.sleep(settings.OMS_AUDIT_SEAL_DELAY_MS / 1000)
            self._wanted.clear()
            try:
                close_old_connections()  # past CONN_MAX_AGE or broken: reconnect before, not after, failing
                audit_seal()
                # Another process may have held the chain head (its seal did not see our records):
                # come back after the delay rather than wait for the next commit to wake us.
                if AuditRecord.objects.filter(seq__isnull=True).exists():
                    self._wanted.set()
            except Exception:  # noqa: BLE001 - the thread must outlive any failure, or sealing stops for good
                log.exception("background audit sealing failed; the records stay unsealed until the next seal")
                _close_quietly()  # the next seal opens a fresh connection
                time.sleep(1)  # the database may be down: retry, but not in a tight loop
                self._wanted.set()
        _close_quietly()


def _close_quietly() -> None:
    try:
        connection.close()
    except Exception:  # noqa: BLE001 - closing a broken connection may raise; the thread must go on
        log.warning("closing the audit sealer's connection failed", exc_info=True)


_sealer = BackgroundSealer()


def _wake_sealer() -> None:
    _sealer.wake()
