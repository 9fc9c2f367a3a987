"""`oms import` and `oms export` given files that are missing, not files, not text or not what they
claim: a one-line command error (exit status 1, no traceback), nothing written."""

from __future__ import annotations

import gzip
import io
import zipfile
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from world import make_world

from oms.catalog.models import Product
from oms.interop.archive import ArchiveError, archive_import
from oms.interop.models import ImportJob
from oms.sales.models import SalesOrder


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"


@pytest.fixture
def world(db):
    return make_world()


def command_error(*args: str) -> str:
    with pytest.raises(CommandError) as caught:
        call_command(*args, stdout=StringIO(), stderr=StringIO())
    return str(caught.value)


def test_import_of_a_missing_file_or_a_directory(world, tmp_path):
    assert "No such file" in command_error("import", "shopify_orders", str(tmp_path / "missing.csv"), "--no-progress")
    assert "directory" in command_error("import", "shopify_orders", str(tmp_path), "--no-progress")
    assert "No such file" in command_error("import", "--all", str(tmp_path / "missing.jsonl"))
    assert not ImportJob.objects.exists() and not SalesOrder.objects.exists()


def test_export_to_a_folder_that_does_not_exist(world, tmp_path):
    assert "No such file" in command_error("export", "products", str(tmp_path / "no" / "p.csv"))
    assert "No such file" in command_error("export", "--all", str(tmp_path / "no" / "a.jsonl"), "--no-progress")


def _zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("archive.jsonl", '{"format":"oms-archive","version":1}\n')
    return out.getvalue()


@pytest.mark.parametrize("name, content", [
    ("random.jsonl", bytes(range(256)) * 8),
    ("windows.jsonl", '{"format":"oms-archive","note":"caf\u00e9"}\n'.encode("cp1252")),
    ("archive.zip", _zip()),
    ("fake.jsonl.gz", b"this is not gzip at all\n"),
    ("cut.jsonl.gz", gzip.compress(b'{"format":"oms-archive","version":1}\n' * 50)[:40]),
    ("empty.jsonl", b""),
])
def test_an_archive_that_is_not_one_is_refused_cleanly(db, tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ArchiveError) as caught:
        archive_import(path=path)
    assert caught.value.code in ("archive_not_an_archive", "archive_truncated", "archive_version_unsupported")
    assert command_error("import", "--all", str(path)) == caught.value.message
    assert not Product.objects.exists()
