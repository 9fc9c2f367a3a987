"""The full archive: export everything, import into an empty database, export again: same bytes.

The "fresh database" of the round trip is the test database itself, emptied by rolling back a
savepoint: the demo and the generated data are written and exported inside a savepoint that is then
rolled back, leaving the database exactly as `oms migrate` made it (content types, permissions and
seeded rows only). That runs the round trip in-process on both SQLite and PostgreSQL (the
PostgreSQL pass of the suite), with sequences, deferred foreign keys and exact decimals of each.
A separate test runs the commands end to end in two brand-new SQLite databases with a module off.
"""

import json
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.db import transaction

from oms.catalog.models import Product
from oms.catalog.services import product_create
from oms.core.models import AuditRecord, NumberCounter
from oms.core.services.audit import audit_verify
from oms.core.services.customfields import custom_field_define
from oms.core.services.events import event_publish
from oms.core.services.numbering import series_set_format
from oms.core.services.tokens import token_authenticate, token_create
from oms.demo import demo_load
from oms.interop.archive import ArchiveError, archive_export, archive_import
from oms.parties.models import Party
from oms.sales.lines import LineSpec
from oms.sales.services import OrderSpec, order_create

pytestmark = pytest.mark.django_db


class Rollback(Exception):
    pass


def generate() -> str:
    """Data beyond the demo: custom fields, odd text and decimals, users with groups and
    permissions, a token, a renumbered series, an undelivered outbox event, more orders."""
    custom_field_define(target="catalog.product", key="origin", label="Origin", field_type="text")
    custom_field_define(target="parties.party", key="score", label="Score", field_type="decimal",
                        min_value=Decimal("0.0000000001"))
    product_create(sku="ECLAIR-1", name="Éclair ☕ «spécial» \"quoted\"\nsecond line", unit="kg",
                   tax_category="std", custom={"origin": "Paris"}, low_stock_threshold="1.234")
    Party.objects.filter(code="C0001").update(custom={"score": "98.7654321"})
    group = Group.objects.create(name="Sales desk")
    group.permissions.add(*Permission.objects.filter(codename__in=["view_salesorder", "add_salesorder"]))
    clerk = User.objects.create_user("clerk", email="clerk@example.test", password="pw-12345678")
    clerk.groups.add(group)
    clerk.user_permissions.add(Permission.objects.get(codename="view_product"))
    _, raw = token_create(username="clerk", name="till")
    series_set_format(doc_type="sales.order", fmt="ORD-{YY}-{seq:06d}")
    for n in range(12):
        order_create(spec=OrderSpec(customer=["C0001", "C0002", "C0003"][n % 3], notes=f"generated #{n}",
                                    lines=[LineSpec(sku="TSHIRT-S", quantity="1"),
                                           LineSpec(sku="COFFEE-1KG", quantity="1.125")]), confirm=n % 2 == 0)
    event_publish(event_type="test.generated", aggregate_type="test", aggregate_id="x",
                  payload={"b": [1, 2.5, None], "a": {"z": "ü", "y": True}})
    return raw


def sorted_body(path) -> list[str]:
    """The archive's lines without the header's creation time, sorted."""
    lines = path.read_text(encoding="utf-8").splitlines()
    header = json.loads(lines[0])
    header.pop("created_at")
    return sorted([json.dumps(header, sort_keys=True), *lines[1:]])


def export_then_empty(tmp_path, django_capture_on_commit_callbacks, build) -> tuple:
    """Write data, export it, roll it all back: returns the archive and what ``build`` returned."""
    path = tmp_path / "first.jsonl"
    result = {}
    with pytest.raises(Rollback):
        with transaction.atomic():
            with django_capture_on_commit_callbacks(execute=True):  # seal the audit chain as commits would
                result["value"] = build()
            archive_export(path=path)
            raise Rollback
    assert not Product.objects.exists() and not User.objects.exists()
    return path, result.get("value")


def test_round_trip_gives_back_the_same_bytes(tmp_path, django_capture_on_commit_callbacks):
    def build():
        demo_load()
        return generate()

    first, token = export_then_empty(tmp_path, django_capture_on_commit_callbacks, build)
    summary = archive_import(path=first)
    second = tmp_path / "second.jsonl"
    archive_export(path=second)
    assert sorted_body(first) == sorted_body(second)
    assert summary.records == len(first.read_text().splitlines()) - 2

    # The data is back and alive: the audit chain verifies, logins and tokens work, ids go on.
    assert audit_verify().ok
    assert AuditRecord.objects.filter(seq__isnull=False).count() == AuditRecord.objects.count() > 100
    eclair = Product.objects.get(sku="ECLAIR-1")
    assert eclair.custom == {"origin": "Paris"} and eclair.low_stock_threshold == Decimal("1.234")
    assert eclair.name == "Éclair ☕ «spécial» \"quoted\"\nsecond line"
    clerk = User.objects.get(username="clerk")
    assert clerk.check_password("pw-12345678")
    assert clerk.has_perm("sales.add_salesorder") and clerk.has_perm("catalog.view_product")
    assert not clerk.has_perm("sales.delete_salesorder")
    assert token_authenticate(token).user == clerk
    assert NumberCounter.objects.filter(series__doc_type="sales.order").get().last_value >= 12
    newest = max(Product.objects.values_list("pk", flat=True))
    assert product_create(sku="AFTER", name="Made after the import", unit="pcs").pk > newest
    order = order_create(spec=OrderSpec(customer="C0002", lines=[LineSpec(sku="MUG-01", quantity="1")]))
    assert order.number.startswith("ORD-")


def test_records_are_exact_and_in_a_stable_order(tmp_path, django_capture_on_commit_callbacks):
    first, _ = export_then_empty(tmp_path, django_capture_on_commit_callbacks, demo_load)
    lines = first.read_text(encoding="utf-8").splitlines()
    header, records, end = json.loads(lines[0]), [json.loads(x) for x in lines[1:-1]], json.loads(lines[-1])
    assert (header["format"], header["version"]) == ("oms-archive", 1)
    assert {"core", "catalog", "sales", "interop"} <= set(header["modules"])
    models = [r["model"] for r in records]
    order_of = {name: i for i, name in enumerate(header["models"])}
    assert models == sorted(models, key=order_of.__getitem__)  # grouped by model, in the header's order
    for name in set(models):
        pks = [r["pk"] for r in records if r["model"] == name]
        assert pks == sorted(pks)
    assert order_of["catalog.product"] < order_of["sales.salesorderline"]  # targets before what points at them
    assert end == {"end": {"records": len(records), "counts": {n: models.count(n) for n in header["models"]}}}
    mug = next(r for r in records if r["model"] == "catalog.product" and r["fields"]["sku"] == "MUG-01")
    price = next(r for r in records if r["model"] == "catalog.pricelistitem" and r["fields"]["product"] == mug["pk"]
                 and r["fields"]["price"] == "12.5000")
    assert price["fields"]["min_quantity"] == "1.0000"
    assert mug["fields"]["created_at"].endswith("+00:00") and "." in mug["fields"]["created_at"]
    audit = next(r for r in records if r["model"] == "core.auditrecord")
    assert len(audit["fields"]["hash"]) == 64 and audit["fields"]["seq"] == 1
    assert not any(r["model"].startswith(("sessions.", "admin.", "contenttypes.")) for r in records)


def test_import_refuses_a_database_that_is_not_empty(tmp_path, django_capture_on_commit_callbacks):
    first, _ = export_then_empty(tmp_path, django_capture_on_commit_callbacks, demo_load)
    demo_load()
    before = (Product.objects.count(), AuditRecord.objects.count())
    with pytest.raises(ArchiveError) as caught:
        archive_import(path=first)
    assert caught.value.code == "archive_target_not_empty"
    assert "catalog.product: 9" in caught.value.message and "freshly migrated" in caught.value.message
    assert (Product.objects.count(), AuditRecord.objects.count()) == before


def _dangling_unit(line: str) -> str:
    """A product pointing at a unit of measure that is not in the archive."""
    record = json.loads(line)
    if record.get("model") != "catalog.product":
        return line
    record["fields"]["unit"] = 987654
    return json.dumps(record)


def _rewrite(path, target, change) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    target.write_text("\n".join(change(lines)) + "\n", encoding="utf-8")


@pytest.mark.parametrize("change, code", [
    (lambda lines: lines[:-1], "archive_truncated"),
    (lambda lines: lines[:-5] + lines[-1:], "archive_truncated"),
    (lambda lines: ["not json"] + lines[1:], "archive_not_an_archive"),
    (lambda lines: [lines[0].replace('"version":1', '"version":2')] + lines[1:], "archive_version_unsupported"),
    (lambda lines: [lines[0].replace('"modules":{', '"modules":{"robots":"9.9",')] + lines[1:],
     "archive_module_disabled"),
    (lambda lines: lines[:2] + ['{"model":"robots.robot","pk":1,"fields":{}}'] + lines[2:], "archive_unknown_model"),
    (lambda lines: lines[:2] + ["{broken"] + lines[2:], "archive_bad_record"),
    (lambda lines: [line.replace('"price":"12.5000"', '"price":"twelve"') for line in lines], "archive_bad_record"),
    (lambda lines: [_dangling_unit(line) for line in lines], "archive_broken_reference"),
])
def test_a_bad_archive_is_refused_and_nothing_is_written(tmp_path, django_capture_on_commit_callbacks, change, code):
    first, _ = export_then_empty(tmp_path, django_capture_on_commit_callbacks, demo_load)
    bad = tmp_path / "bad.jsonl"
    _rewrite(first, bad, change)
    with pytest.raises(ArchiveError) as caught:
        archive_import(path=bad)
    assert caught.value.code == code, caught.value.message
    assert not Product.objects.exists() and not AuditRecord.objects.exists()


def test_compressed_archive(tmp_path, django_capture_on_commit_callbacks):
    first = tmp_path / "first.jsonl.gz"
    with pytest.raises(Rollback):
        with transaction.atomic():
            demo_load()
            archive_export(path=first)
            raise Rollback
    assert first.read_bytes()[:2] == b"\x1f\x8b"
    assert archive_import(path=first).counts["catalog.product"] == 9
    assert Product.objects.count() == 9
