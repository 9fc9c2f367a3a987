"""Idempotency keys: a retried create runs once and replays the first response."""

import threading
import time
from decimal import Decimal

import pytest
from django.db import connection

from oms.core.context import Actor, reset_actor, set_actor
from oms.core.errors import DomainError
from oms.core.models import Company, IdempotencyRecord
from oms.core.services.idempotency import (
    MAX_KEY_LENGTH, IdempotencyKeyReused, idempotent_run, request_fingerprint,
)

pytestmark = pytest.mark.django_db

FP = request_fingerprint(method="POST", path="/api/v1/things", body={"name": "A", "price": "1.50"})


class Action:
    """Creates a Company row (a real side effect) and counts its runs."""

    def __init__(self, status=201, fail=False):
        self.runs, self.status, self.fail = 0, status, fail

    def __call__(self):
        self.runs += 1
        company = Company.objects.create(legal_name=f"Made by action run {self.runs}")
        if self.fail:
            raise RuntimeError("the work failed after its first write")
        return self.status, {"id": company.pk, "total": Decimal("1.50")}


def test_fingerprint_depends_on_method_path_and_body():
    same = request_fingerprint(method="POST", path="/api/v1/things", body={"price": "1.50", "name": "A"})
    assert same == FP  # key order does not matter
    assert request_fingerprint(method="PUT", path="/api/v1/things", body={"name": "A", "price": "1.50"}) != FP
    assert request_fingerprint(method="POST", path="/api/v1/other", body={"name": "A", "price": "1.50"}) != FP
    assert request_fingerprint(method="POST", path="/api/v1/things", body={"name": "A", "price": "1.5"}) != FP


def test_same_key_same_request_runs_once_and_replays():
    action = Action()
    first = idempotent_run(key="k-1", fingerprint=FP, action=action)
    second = idempotent_run(key="k-1", fingerprint=FP, action=action)
    assert action.runs == 1
    assert first == second == (201, {"id": first[1]["id"], "total": "1.50"})
    assert Company.objects.filter(legal_name__startswith="Made by action").count() == 1
    record = IdempotencyRecord.objects.get(key="k-1")
    assert (record.status_code, record.response) == first


def test_replay_keeps_a_non_201_status():
    action = Action(status=200)
    assert idempotent_run(key="k-200", fingerprint=FP, action=action)[0] == 200
    assert idempotent_run(key="k-200", fingerprint=FP, action=action)[0] == 200
    assert action.runs == 1


def test_same_key_different_request_is_409():
    action = Action()
    idempotent_run(key="k-1", fingerprint=FP, action=action)
    other = request_fingerprint(method="POST", path="/api/v1/things", body={"name": "B"})
    with pytest.raises(IdempotencyKeyReused) as exc:
        idempotent_run(key="k-1", fingerprint=other, action=action)
    assert exc.value.status == 409
    assert exc.value.code == "idempotency_key_reused"
    assert exc.value.field == "Idempotency-Key"
    assert action.runs == 1


def test_a_failing_action_releases_the_key_and_its_writes():
    failing = Action(fail=True)
    with pytest.raises(RuntimeError):
        idempotent_run(key="k-retry", fingerprint=FP, action=failing)
    assert not IdempotencyRecord.objects.filter(key="k-retry").exists()
    assert not Company.objects.filter(legal_name__startswith="Made by action").exists()
    retry = Action()
    status, body = idempotent_run(key="k-retry", fingerprint=FP, action=retry)
    assert (status, retry.runs) == (201, 1)
    assert Company.objects.filter(pk=body["id"]).exists()


def test_a_domain_error_is_not_remembered():
    def refuse():
        raise DomainError("name is taken", field="name")

    with pytest.raises(DomainError):
        idempotent_run(key="k-err", fingerprint=FP, action=refuse)
    action = Action()
    assert idempotent_run(key="k-err", fingerprint=FP, action=action)[0] == 201
    assert action.runs == 1


def test_different_actors_do_not_collide():
    action = Action()
    results = []
    for actor in (Actor(type="token", id="1", label="a"), Actor(type="token", id="2", label="b"),
                  Actor(type="user", id="1", label="a")):
        token = set_actor(actor)
        try:
            results.append(idempotent_run(key="shared-key", fingerprint=FP, action=action))
            results.append(idempotent_run(key="shared-key", fingerprint=FP, action=action))
        finally:
            reset_actor(token)
    assert action.runs == 3
    assert len({body["id"] for _, body in results}) == 3
    assert IdempotencyRecord.objects.filter(key="shared-key").count() == 3


def test_no_key_runs_every_time():
    action = Action()
    idempotent_run(key=None, fingerprint=FP, action=action)
    idempotent_run(key=None, fingerprint=FP, action=action)
    assert action.runs == 2
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.parametrize("key", ["", "k" * (MAX_KEY_LENGTH + 1)])
def test_empty_or_overlong_key_is_refused(key):
    action = Action()
    with pytest.raises(DomainError) as exc:
        idempotent_run(key=key, fingerprint=FP, action=action)
    assert exc.value.field == "Idempotency-Key"
    assert action.runs == 0


def test_longest_key_is_accepted():
    action = Action()
    key = "k" * MAX_KEY_LENGTH
    idempotent_run(key=key, fingerprint=FP, action=action)
    idempotent_run(key=key, fingerprint=FP, action=action)
    assert action.runs == 1


# -- concurrency (PostgreSQL) ------------------------------------------------------------------

@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_run_once():
    threads_count = 8
    runs, results, errors = [], [], []
    lock = threading.Lock()
    barrier = threading.Barrier(threads_count)

    def action():
        company = Company.objects.create(legal_name="Concurrent create")
        with lock:
            runs.append(company.pk)
        time.sleep(0.3)  # hold the claim while the other requests arrive
        return 201, {"id": company.pk}

    def worker():
        try:
            barrier.wait()
            result = idempotent_run(key="same-key", fingerprint=FP, action=action)
            with lock:
                results.append(result)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(threads_count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert len(runs) == 1
    assert Company.objects.filter(legal_name="Concurrent create").count() == 1
    assert len(results) == threads_count
    assert all(r == (201, {"id": runs[0]}) for r in results)
    assert IdempotencyRecord.objects.filter(key="same-key").count() == 1
