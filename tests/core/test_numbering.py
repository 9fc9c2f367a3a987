"""Document numbering: formats, yearly reset, format changes, no gaps, no duplicates."""

import threading
from datetime import datetime, timezone

import pytest
from django.db import connection, transaction

from oms.core.errors import DomainError
from oms.core.models import AuditRecord, Company, NumberCounter, NumberSeries
from oms.core.services.company import company_default
from oms.core.services.numbering import (
    format_render, format_validate, number_allocate, series_get, series_set_format,
)

pytestmark = pytest.mark.django_db

WHEN = datetime(2025, 3, 7, 12, 0, tzinfo=timezone.utc)


def allocate(doc_type, when=WHEN, **kw):
    with transaction.atomic():
        return number_allocate(doc_type=doc_type, when=when, **kw)


# -- formats -----------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt, seq, expected", [
    ("SO-{YYYY}-{seq:05d}", 42, "SO-2025-00042"),
    ("{YY}{MM}{DD}/{seq}", 7, "250307/7"),
    ("INV{seq:03d}", 12345, "INV12345"),
    ("X-{seq}", 1, "X-1"),
])
def test_format_render(fmt, seq, expected):
    format_validate(fmt)
    assert format_render(fmt, seq=seq, when=WHEN) == expected


@pytest.mark.parametrize("fmt, message", [
    ("SO-{YYYY}", "{seq}"),
    ("SO-{year}-{seq}", "year"),
    ("{seq}-{0}", "0"),
    ("SO-{seq:s}", "Invalid format"),
    ("SO-{YYYY:05d}-{seq}", "Invalid format"),
    ("SO-{seq", ""),
])
def test_format_validation_errors(fmt, message):
    with pytest.raises(DomainError) as exc:
        format_validate(fmt)
    assert exc.value.field == "format"
    assert message in exc.value.message


@pytest.mark.parametrize("fmt", ["SO-{{seq}}", "SO-{seq:e}", "SO-{seq:.2g}"])
def test_format_that_would_repeat_numbers_is_refused(fmt):
    """A format whose output does not change with the sequence would hand out duplicate numbers."""
    with pytest.raises(DomainError) as exc:
        format_validate(fmt)
    assert exc.value.field == "format"


def test_series_set_format_validates_and_audits():
    with pytest.raises(DomainError) as exc:
        series_set_format(doc_type="test.doc", fmt="no-seq")
    assert exc.value.field == "format"
    with pytest.raises(DomainError) as exc:
        series_set_format(doc_type="test.doc", fmt="T-{seq}", reset="monthly")
    assert exc.value.field == "reset"
    series = series_set_format(doc_type="test.doc", fmt="T-{seq}", reset="never")
    assert (series.format, series.reset) == ("T-{seq}", "never")
    record = AuditRecord.objects.filter(action="numbering.format_changed").order_by("-seq").first()
    assert record.object_id == str(series.pk)
    assert record.changes["format"][1] == "T-{seq}"


@pytest.mark.parametrize("fmt", ["SO-{YYYY}", "SO-{nope}-{seq}", "SO-{{seq}}"])
def test_admin_refuses_a_bad_format(client, admin_user, fmt):
    series = series_get(doc_type="sales.order")
    client.force_login(admin_user)
    response = client.post(f"/admin/core/numberseries/{series.pk}/change/",
                           {"company": series.company_id, "doc_type": "sales.order", "format": fmt, "reset": "yearly"})
    assert response.status_code == 200  # the form is shown again with the error
    assert response.context["adminform"].form.errors["format"]
    series.refresh_from_db()
    assert series.format == "SO-{YYYY}-{seq:05d}"


def test_admin_accepts_a_good_format(client, admin_user):
    series = series_get(doc_type="sales.order")
    client.force_login(admin_user)
    response = client.post(f"/admin/core/numberseries/{series.pk}/change/",
                           {"company": series.company_id, "doc_type": "sales.order", "format": "S{seq:06d}",
                            "reset": "never"})
    assert response.status_code == 302
    assert allocate("sales.order") == "S000001"


# -- allocation --------------------------------------------------------------------------------

def test_default_format_for_sales_orders():
    assert allocate("sales.order") == "SO-2025-00001"
    assert allocate("sales.order") == "SO-2025-00002"
    assert allocate("sales.quotation") == "QT-2025-00001"


@pytest.mark.django_db(transaction=True)
def test_allocation_must_run_inside_a_transaction():
    assert not connection.in_atomic_block
    with pytest.raises(RuntimeError, match="inside the transaction"):
        number_allocate(doc_type="test.doc")
    assert not NumberCounter.objects.filter(series__doc_type="test.doc").exists()


def test_yearly_reset_starts_at_one_in_a_new_year():
    series_set_format(doc_type="test.doc", fmt="D-{YYYY}-{seq:04d}", reset="yearly")
    assert allocate("test.doc", when=datetime(2024, 12, 31, 12, tzinfo=timezone.utc)) == "D-2024-0001"
    assert allocate("test.doc", when=datetime(2024, 12, 31, 13, tzinfo=timezone.utc)) == "D-2024-0002"
    assert allocate("test.doc", when=datetime(2025, 1, 1, 12, tzinfo=timezone.utc)) == "D-2025-0001"
    assert allocate("test.doc", when=datetime(2025, 6, 1, 12, tzinfo=timezone.utc)) == "D-2025-0002"


def test_never_reset_continues_across_years():
    series_set_format(doc_type="test.doc", fmt="N-{seq}", reset="never")
    assert allocate("test.doc", when=datetime(2024, 12, 31, 12, tzinfo=timezone.utc)) == "N-1"
    assert allocate("test.doc", when=datetime(2025, 1, 1, 12, tzinfo=timezone.utc)) == "N-2"


def test_format_change_does_not_renumber_and_the_sequence_continues():
    first = [allocate("sales.order"), allocate("sales.order")]
    assert first == ["SO-2025-00001", "SO-2025-00002"]
    series = series_get(doc_type="sales.order")
    counter = NumberCounter.objects.get(series=series)
    series_set_format(doc_type="sales.order", fmt="ORD/{YY}{MM}/{seq:04d}")
    counter.refresh_from_db()
    assert counter.last_value == 2  # nothing was renumbered or reset
    assert allocate("sales.order") == "ORD/2503/0003"
    record = AuditRecord.objects.filter(action="numbering.format_changed").order_by("-seq").first()
    assert record.changes["format"] == ["SO-{YYYY}-{seq:05d}", "ORD/{YY}{MM}/{seq:04d}"]


def test_rollback_gives_the_number_back():
    assert allocate("sales.order") == "SO-2025-00001"
    with pytest.raises(ZeroDivisionError):
        with transaction.atomic():
            taken = number_allocate(doc_type="sales.order", when=WHEN)
            assert taken == "SO-2025-00002"
            1 / 0  # noqa: B018 - the document write fails after the number was taken
    assert allocate("sales.order") == "SO-2025-00002"
    assert allocate("sales.order") == "SO-2025-00003"


def test_numbers_are_per_company():
    first = company_default()
    other = Company.objects.create(legal_name="Second Ltd")
    assert allocate("sales.order", company=first) == "SO-2025-00001"
    assert allocate("sales.order", company=other) == "SO-2025-00001"
    assert allocate("sales.order", company=first) == "SO-2025-00002"
    assert NumberSeries.objects.filter(doc_type="sales.order").count() == 2


# -- concurrency (PostgreSQL) ------------------------------------------------------------------

@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_allocation_has_no_gaps_and_no_duplicates():
    threads_count, per_thread = 16, 50
    results: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    barrier = threading.Barrier(threads_count)

    def worker():
        try:
            barrier.wait()
            mine = []
            for _ in range(per_thread):
                # Each thread races to create the company, series and counter rows on first use.
                with transaction.atomic():
                    mine.append(number_allocate(doc_type="conc.doc", when=WHEN))
            with lock:
                results.extend(mine)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(threads_count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    total = threads_count * per_thread
    assert len(results) == total
    assert len(set(results)) == total
    assert all(n.startswith("2025-") for n in results)
    assert sorted(int(n.split("-")[1]) for n in results) == list(range(1, total + 1))
