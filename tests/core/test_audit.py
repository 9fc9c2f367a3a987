"""The audit trail: append-only, hash-chained, and any edit or cut is detected."""

import time
from datetime import datetime, timedelta, timezone
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from oms.core.context import Actor
from oms.core.models import AuditChainHead, AuditRecord
from oms.core.services import audit as audit_service
from oms.core.services.audit import (
    GENESIS, AuditEntry, audit_record, audit_record_many, audit_seal, audit_verify,
)

pytestmark = pytest.mark.django_db

TABLE = AuditRecord._meta.db_table


def sealed(records):
    """Records as chained by the sealer (which runs after commit; tests run inside one transaction)."""
    audit_seal()
    return [AuditRecord.objects.get(pk=r.pk) for r in records]


def make_records(n=4):
    return sealed([audit_record(action=f"test.step{i}", object_type="test.thing", object_id=i,
                                changes={"n": [i, i + 1]}) for i in range(n)])


def raw_sql(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_records_form_a_hash_chain():
    records = make_records(4)
    for prev, rec in zip(records, records[1:]):
        assert rec.prev_hash == prev.hash
        assert rec.seq == prev.seq + 1
    first = AuditRecord.objects.order_by("seq").first()
    assert first.seq == 1 and first.prev_hash == GENESIS
    head = AuditChainHead.objects.get(pk=1)
    assert (head.seq, head.last_hash) == (records[-1].seq, records[-1].hash)
    result = audit_verify()
    assert result.ok, result.problems
    assert result.checked == AuditRecord.objects.count()


def test_many_records_in_one_call_chain_too():
    records = sealed(audit_record_many(entries=[AuditEntry("test.bulk", "test.thing", i, {"i": i})
                                                for i in range(5)], actor=Actor(type="user", id="7", label="alice")))
    assert [r.prev_hash for r in records[1:]] == [r.hash for r in records[:-1]]
    stored = AuditRecord.objects.filter(action="test.bulk").order_by("seq")
    assert [(r.actor_type, r.actor_id, r.actor_label) for r in stored] == [("user", "7", "alice")] * 5
    assert audit_verify(batch_size=2).ok  # verification pages through the chain


def test_verify_small_batches_still_checks_every_record():
    make_records(7)
    result = audit_verify(batch_size=3)
    assert result.ok
    assert result.checked == AuditRecord.objects.count()


def test_editing_a_row_with_sql_is_detected_and_named():
    records = make_records(4)
    target = records[1]
    raw_sql(f"UPDATE {TABLE} SET action = %s WHERE id = %s", ["test.forged", target.pk])
    result = audit_verify()
    assert not result.ok
    assert any(f"id {target.pk} " in p and "hash" in p for p in result.problems), result.problems


def test_editing_changes_json_is_detected():
    records = make_records(3)
    raw_sql(f"UPDATE {TABLE} SET changes = %s WHERE id = %s", ['{"n": [0, 999]}', records[0].pk])
    result = audit_verify()
    assert not result.ok
    assert any(f"id {records[0].pk} " in p for p in result.problems)


def test_deleting_a_middle_row_is_detected():
    records = make_records(5)
    raw_sql(f"DELETE FROM {TABLE} WHERE id = %s", [records[2].pk])
    result = audit_verify()
    assert not result.ok
    assert any("missing" in p for p in result.problems), result.problems
    assert any(f"id {records[3].pk} " in p for p in result.problems)


def test_deleting_the_last_row_is_detected_by_the_chain_head():
    records = make_records(3)
    raw_sql(f"DELETE FROM {TABLE} WHERE id = %s", [records[-1].pk])
    result = audit_verify()
    assert not result.ok
    assert any("chain head" in p for p in result.problems), result.problems


def test_deleting_the_chain_head_and_the_last_row_is_detected():
    records = make_records(3)
    raw_sql(f"DELETE FROM {TABLE} WHERE id = %s", [records[-1].pk])
    raw_sql(f"DELETE FROM {AuditChainHead._meta.db_table}", [])
    result = audit_verify()
    assert not result.ok
    assert any("chain head" in p for p in result.problems), result.problems


def test_an_emptied_database_starts_a_new_chain():
    """After a flush (tests, `oms flush`) there is no chain head row: the next record creates it."""
    raw_sql(f"DELETE FROM {TABLE}", [])
    raw_sql(f"DELETE FROM {AuditChainHead._meta.db_table}", [])
    (rec,) = sealed([audit_record(action="test.after_flush", object_type="test.thing", object_id=1)])
    assert (rec.seq, rec.prev_hash) == (1, GENESIS)
    assert audit_verify().ok


def test_the_orm_refuses_to_change_or_delete_records():
    rec = make_records(1)[0]
    stored = AuditRecord.objects.get(pk=rec.pk)
    stored.action = "test.forged"
    with pytest.raises(PermissionError):
        stored.save()
    with pytest.raises(PermissionError):
        stored.delete()
    with pytest.raises(PermissionError):
        AuditRecord.objects.filter(pk=rec.pk).delete()
    with pytest.raises(PermissionError):
        AuditRecord.objects.filter(pk=rec.pk).update(action="test.forged")
    assert AuditRecord.objects.get(pk=rec.pk).action == rec.action
    assert audit_verify().ok


def test_audit_verify_command():
    records = make_records(3)
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    assert "OK" in out.getvalue()
    raw_sql(f"UPDATE {TABLE} SET object_id = %s WHERE id = %s", ["666", records[1].pk])
    err = StringIO()
    with pytest.raises(CommandError, match="BROKEN"):
        call_command("audit", "verify", stdout=StringIO(), stderr=err)
    assert f"id {records[1].pk} " in err.getvalue()


def test_timestamps_are_utc_with_microseconds(monkeypatch):
    moment = datetime(2025, 1, 2, 3, 4, 5, 123456, tzinfo=timezone.utc)

    class FixedClock(datetime):
        @classmethod
        def now(cls, tz=None):
            return moment

    monkeypatch.setattr(audit_service, "datetime", FixedClock)
    rec = audit_record(action="test.clock", object_type="test.thing", object_id=1)
    monkeypatch.undo()
    stored = AuditRecord.objects.get(pk=rec.pk)
    assert stored.created_at == moment
    assert stored.created_at.microsecond == 123456
    assert stored.created_at.utcoffset() == timedelta(0)
    assert audit_verify().ok  # the hash was computed over exactly what the database kept


def test_real_timestamps_are_utc_and_round_trip_exactly():
    rec = make_records(1)[0]
    stored = AuditRecord.objects.get(pk=rec.pk)
    assert stored.created_at == rec.created_at
    assert stored.created_at.utcoffset() == timedelta(0)
    assert abs(stored.created_at - datetime.now(timezone.utc)) < timedelta(minutes=5)


# -- no way to write through the admin or the API ----------------------------------------------

def test_admin_cannot_add_change_or_delete_audit_records(client, admin_user):
    rec = make_records(1)[0]
    client.force_login(admin_user)
    assert client.get("/admin/core/auditrecord/").status_code == 200
    assert client.get("/admin/core/auditrecord/add/").status_code == 403
    assert client.post("/admin/core/auditrecord/add/", {"action": "x", "seq": 99}).status_code == 403
    response = client.post(f"/admin/core/auditrecord/{rec.pk}/change/",
                           {"action": "test.forged", "object_type": "x", "object_id": "x", "seq": rec.seq})
    assert response.status_code in (302, 403)
    assert client.get(f"/admin/core/auditrecord/{rec.pk}/delete/").status_code == 403
    assert client.post(f"/admin/core/auditrecord/{rec.pk}/delete/", {"post": "yes"}).status_code == 403
    response = client.post("/admin/core/auditrecord/", {"action": "delete_selected", "_selected_action": [rec.pk],
                                                         "post": "yes"})
    stored = AuditRecord.objects.get(pk=rec.pk)
    assert (stored.action, stored.hash) == (rec.action, rec.hash)
    assert audit_verify().ok


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_api_has_no_write_route_for_audit(api, method):
    rec = make_records(1)[0]
    for path in ("audit", f"audit/{rec.pk}", f"audit/{rec.seq}"):
        call = getattr(api, method)
        response = call(path) if method == "delete" else call(path, {"action": "test.forged"})
        assert response.status_code in (404, 405), (path, response.status_code)
    assert AuditRecord.objects.get(pk=rec.pk).action == rec.action


def test_records_are_appended_unsealed_and_chained_in_commit_order_by_the_sealer():
    first = audit_record(action="test.unsealed", object_type="test.thing", object_id=1)
    assert (first.seq, first.hash) == (None, "")  # no lock on the chain inside the writing transaction
    second = audit_record(action="test.unsealed", object_type="test.thing", object_id=2)
    assert audit_seal() >= 2
    a, b = AuditRecord.objects.get(pk=first.pk), AuditRecord.objects.get(pk=second.pk)
    assert b.seq == a.seq + 1 and b.prev_hash == a.hash
    assert audit_seal() == 0  # sealed rows are never sealed again
    assert audit_verify().ok


@pytest.mark.django_db(transaction=True)
def test_committed_records_are_sealed_right_after_commit():
    with transaction.atomic():
        rec = audit_record(action="test.commit", object_type="test.thing", object_id=1)
    stored = AuditRecord.objects.get(pk=rec.pk)
    assert stored.seq is not None and len(stored.hash) == 64


def test_one_seal_after_commit_however_many_records_a_transaction_writes(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        audit_record(action="test.one", object_type="test.thing", object_id=1)
        audit_record(action="test.two", object_type="test.thing", object_id=2)
    assert len(callbacks) == 1
    assert not AuditRecord.objects.filter(seq__isnull=True).exists()


@pytest.fixture
def background_sealer(settings, monkeypatch):
    """OMS_AUDIT_SEAL=background with a sealer of the test's own, stopped (connection closed) after it."""
    settings.OMS_AUDIT_SEAL, settings.OMS_AUDIT_SEAL_DELAY_MS = "background", 20
    sealer = audit_service.BackgroundSealer()
    monkeypatch.setattr(audit_service, "_sealer", sealer)
    seals = []
    real_seal = audit_service.audit_seal
    monkeypatch.setattr(audit_service, "audit_seal", lambda **kw: seals.append(real_seal(**kw)) or seals[-1])
    monkeypatch.setattr(audit_service, "audit_seal_quietly", lambda: pytest.fail("the committing thread sealed"))
    yield seals
    sealer.stop()


def wait_until_sealed(timeout=10.0):
    deadline = time.monotonic() + timeout
    while AuditRecord.objects.filter(seq__isnull=True).exists():
        assert time.monotonic() < deadline, "the background sealer did not seal the committed records"
        time.sleep(0.02)


@pytest.mark.django_db(transaction=True)
def test_background_sealer_chains_what_the_requests_committed_in_fewer_transactions(background_sealer):
    committed = []
    for i in range(30):
        with transaction.atomic():
            committed.append(audit_record(action="test.background", object_type="test.thing", object_id=i))
    wait_until_sealed()
    chained = list(AuditRecord.objects.filter(pk__in=[r.pk for r in committed]).order_by("seq"))
    assert [r.pk for r in chained] == [r.pk for r in committed]  # commit order = chain order here
    assert all(b.prev_hash == a.hash for a, b in zip(chained, chained[1:]))
    assert audit_verify().ok
    # The 30 commits woke one thread, which sealed them in batches, not one transaction per commit.
    assert 1 <= len([n for n in background_sealer if n]) < 30


@pytest.mark.django_db(transaction=True)
def test_background_sealer_seals_what_is_committed_after_an_earlier_batch(background_sealer):
    with transaction.atomic():
        first = audit_record(action="test.first", object_type="test.thing", object_id=1)
    wait_until_sealed()
    with transaction.atomic():
        second = audit_record(action="test.second", object_type="test.thing", object_id=2)
    wait_until_sealed()
    a, b = AuditRecord.objects.get(pk=first.pk), AuditRecord.objects.get(pk=second.pk)
    assert b.seq == a.seq + 1 and b.prev_hash == a.hash


def test_a_transaction_wakes_the_sealer_once_and_only_when_it_commits(background_sealer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        audit_record(action="test.one", object_type="test.thing", object_id=1)
        audit_record(action="test.two", object_type="test.thing", object_id=2)
    assert callbacks == [audit_service._wake_sealer]  # one wake-up, run only if the transaction commits


@pytest.mark.django_db(transaction=True)
def test_background_sealer_comes_back_when_another_process_held_the_chain_head(background_sealer, monkeypatch):
    real_seal = audit_service.audit_seal
    calls = []

    def head_busy_the_first_time(**kw):
        calls.append(1)
        return 0 if len(calls) == 1 else real_seal(**kw)  # the first time, another sealer held the head

    monkeypatch.setattr(audit_service, "audit_seal", head_busy_the_first_time)
    with transaction.atomic():
        audit_record(action="test.retry", object_type="test.thing", object_id=1)
    wait_until_sealed()  # without another commit to wake it
    assert len(calls) >= 2


@pytest.mark.django_db(transaction=True)
def test_background_sealer_starts_again_after_it_was_stopped(background_sealer):
    audit_service._sealer.stop()
    with transaction.atomic():
        audit_record(action="test.after_stop", object_type="test.thing", object_id=1)
    wait_until_sealed()
