"""Races that only a real multi-writer database shows (run in the PostgreSQL pass)."""

import threading

import pytest
from django.db import connection

from oms.catalog.models import Product
from oms.catalog.services import product_create, unit_create
from oms.core.errors import Conflict
from oms.core.services.audit import audit_verify


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_of_one_sku_give_one_product_and_409s():
    unit_create(code="pcs", name="Pieces")
    count = 6
    barrier, lock = threading.Barrier(count), threading.Lock()
    created, conflicts, errors = [], [], []

    def worker(n):
        try:
            barrier.wait()
            product = product_create(sku="RACE", name=f"Racer {n}", unit="pcs")
            with lock:
                created.append(product.pk)
        except Conflict as exc:
            with lock:
                conflicts.append(exc.field)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert len(created) == 1 and conflicts == ["sku"] * (count - 1)
    assert Product.objects.filter(sku="RACE").count() == 1
    assert audit_verify().ok
