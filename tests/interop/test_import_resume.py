"""Big imports: batches commit with their checkpoint, a killed run resumes without duplicates; the command."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from test_import_support import SHOPIFY_ORDERS, run, sample, write
from world import make_world

from oms.interop.models import ImportJob
from oms.interop.services_imports import import_job_create, import_job_run
from oms.sales.models import SalesOrder, SalesOrderLine


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


@pytest.fixture
def world(db):
    return make_world()


class Killed(Exception):
    pass


def test_a_killed_import_resumes_after_its_last_committed_batch(world):
    job = import_job_create(upload=str(sample(SHOPIFY_ORDERS)), file_name="orders.csv", format="shopify_orders",
                            currency="EUR")
    seen = []

    def die_after_two_batches(current: ImportJob) -> None:
        seen.append(current.checkpoint_line)
        if len(seen) == 2:
            raise Killed

    with pytest.raises(Killed):
        import_job_run(job=job, batch_size=4, progress=die_after_two_batches)
    job.refresh_from_db()
    assert job.status == "running" and job.checkpoint_line == seen[1] and job.created_count == 8
    assert SalesOrder.objects.count() == 8
    assert 0 < job.bytes_read < job.file_size and 0 < job.progress_percent < 100
    job = import_job_run(job=job, batch_size=4)
    assert (job.status, job.created_count, job.unchanged_count, job.records_seen) == ("done", 19, 0, 19)
    assert SalesOrder.objects.count() == 19 and SalesOrderLine.objects.count() == 40


def test_batches_of_one_give_the_same_result(world):
    job = run(sample(SHOPIFY_ORDERS), "shopify_orders", currency="EUR", batch_size=1)
    assert job.created_count == 19 and SalesOrderLine.objects.count() == 40


def test_the_command_imports_previews_and_resumes(world, tmp_path):
    out = StringIO()
    call_command("import", "shopify_orders", str(sample(SHOPIFY_ORDERS)), "--dry-run", "--currency", "EUR",
                 "--no-progress", stdout=out)
    assert "dry run, nothing written: would have created 19" in out.getvalue()
    assert "line 2: created #1001" in out.getvalue() and not SalesOrder.objects.exists()
    # A run that died half-way is found again by the file's checksum and resumed, not started over.
    stalled = import_job_create(upload=str(SHOPIFY_ORDERS), file_name="orders.csv", format="shopify_orders",
                                currency="EUR")
    ImportJob.objects.filter(pk=stalled.pk).update(status="running")
    out = StringIO()
    report = tmp_path / "errors.csv"
    call_command("import", "shopify_orders", str(SHOPIFY_ORDERS), "--currency", "EUR", "--errors", str(report),
                 stdout=out)
    assert f"resuming import #{stalled.pk}" in out.getvalue() and "created 19" in out.getvalue()
    assert report.read_text().startswith("file,line,column,record,severity,code,reason")
    assert ImportJob.objects.filter(dry_run=False).count() == 1


def test_the_command_reports_bad_usage(world, tmp_path):
    with pytest.raises(CommandError):
        call_command("import")
    with pytest.raises(CommandError):
        call_command("import", "--resume", "999")
    out = StringIO()
    call_command("import", "shopify_products", str(write(tmp_path, "x.csv", "a,b\n1,2\n")), "--no-progress",
                 stdout=out, stderr=StringIO())
    assert "failed" in out.getvalue()


def test_all_loads_an_archive_through_the_archive_reader(world, tmp_path):
    bad = write(tmp_path, "archive.jsonl", '{"format": "something else"}\n')
    with pytest.raises(CommandError):  # the archive reader's own refusal, as a command error
        call_command("import", "--all", str(bad))
