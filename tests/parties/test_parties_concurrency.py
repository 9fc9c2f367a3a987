"""Races that only a real multi-writer database shows (run in the PostgreSQL pass)."""

import threading

import pytest
from django.db import connection

from oms.parties.models import Party
from oms.parties.services import party_create


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_get_distinct_allocated_codes():
    count = 6
    barrier, errors = threading.Barrier(count), []

    def worker(n):
        try:
            barrier.wait()
            party_create(name=f"Customer {n}", currency="EUR")
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
    assert sorted(Party.objects.values_list("code", flat=True)) == [f"C{n:05d}" for n in range(1, count + 1)]
