"""`oms export --all` and `oms import --all` end to end, as an operator runs them: two brand-new
SQLite databases (their own OMS_DATA_DIR), with every module enabled, and with the shipping,
returns, purchasing, trading and back-office modules disabled."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from oms.interop.archive import archive_export

REDUCED = ["core", "parties", "catalog", "inventory", "sales", "invoicing", "payments", "interop"]
OMS = Path(sys.executable).parent / "oms"
IMPORT = ("import sys, django; django.setup()\n"
          "from oms.interop.archive import ArchiveError, archive_import\n"
          "try:\n    print(archive_import(path=sys.argv[1]).records)\n"
          "except ArchiveError as exc:\n    print(exc.code, exc.message); sys.exit(3)\n")


def run(data_dir: Path, *args: str, modules: list[str] | None = REDUCED) -> subprocess.CompletedProcess:
    """A command in its own SQLite database; ``modules=None`` enables every module (the default install)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("OMS_DATABASE_URL", "OMS_TEST_DATABASE_NAME", "OMS_MODULES")}
    env.update(OMS_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="oms.settings")
    if modules is not None:
        env["OMS_MODULES"] = ",".join(modules)
    command = [sys.executable, "-c", IMPORT, *args[1:]] if args[0] == "import-all" else [str(OMS), *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)


def ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def body(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    header = json.loads(lines[0])
    header.pop("created_at")
    return sorted([json.dumps(header, sort_keys=True), *lines[1:]])


@pytest.mark.django_db
def test_export_all_with_a_disabled_module_and_load_it_into_a_new_database(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("runs in the SQLite pass: the commands use SQLite databases of their own")
    source, target = tmp_path / "source", tmp_path / "target"
    ok(run(source, "migrate", "-v0"))
    ok(run(source, "demo"))
    first = tmp_path / "first.jsonl"
    assert "archive written" in ok(run(source, "export", "--all", str(first), "--no-progress"))

    lines = first.read_text(encoding="utf-8").splitlines()
    header = json.loads(lines[0])
    assert sorted(header["modules"]) == sorted(REDUCED)
    models = {json.loads(line).get("model", "") for line in lines[1:-1]}
    assert {"invoicing.invoice", "payments.payment", "sales.salesorder"} <= models
    assert not any(m.startswith(("shipping.", "returns.", "purchasing.", "trading.", "backoffice.")) for m in models)

    # An archive of every module does not go into an installation without them.
    everything = tmp_path / "everything.jsonl"
    archive_export(path=everything)
    ok(run(target, "migrate", "-v0"))
    refused = run(target, "import-all", str(everything))
    assert refused.returncode == 3 and "archive_module_disabled" in refused.stdout and "shipping" in refused.stdout

    assert ok(run(target, "import-all", str(first))).strip() == str(len(lines) - 2)
    second = tmp_path / "second.jsonl"
    ok(run(target, "export", "--all", str(second), "--no-progress"))
    assert body(first) == body(second)
    assert "chain intact" in ok(run(target, "audit", "verify"))
    again = run(target, "import-all", str(first))
    assert again.returncode == 3 and "archive_target_not_empty" in again.stdout


@pytest.mark.django_db
def test_every_module_round_trips_through_the_commands(tmp_path):
    """The default install (all modules, each with its demo data): export, import into a new
    database with `oms import --all`, export again: the same lines."""
    if connection.vendor != "sqlite":
        pytest.skip("runs in the SQLite pass: the commands use SQLite databases of their own")
    source, target = tmp_path / "source", tmp_path / "target"
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    for data, *args in ((source, "migrate", "-v0"), (source, "demo"), (target, "migrate", "-v0"),
                        (source, "export", "--all", str(first), "--no-progress")):
        ok(run(data, *args, modules=None))
    models = {json.loads(line).get("model", "") for line in first.read_text(encoding="utf-8").splitlines()[1:-1]}
    assert {"shipping.shipment", "returns.return", "purchasing.purchaseorder", "trading.tradingorder",
            "payments.payment"} <= models
    assert "archive loaded" in ok(run(target, "import", "--all", str(first), modules=None))
    ok(run(target, "export", "--all", str(second), "--no-progress", modules=None))
    assert body(first) == body(second)
    assert "chain intact" in ok(run(target, "audit", "verify", modules=None))


@pytest.mark.django_db
def test_export_command_writes_an_entity(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("runs in the SQLite pass: the commands use SQLite databases of their own")
    data = tmp_path / "data"
    ok(run(data, "migrate", "-v0"))
    ok(run(data, "demo"))
    ok(run(data, "export", "orders", str(tmp_path / "orders.xlsx")))
    assert (tmp_path / "orders.xlsx").read_bytes()[:2] == b"PK"
    out = ok(run(data, "export", "products", "-", "--format", "shopify", "--price-list", "Retail USD"))
    assert out.startswith("Handle,Title,Body (HTML)") and "MUG-01" in out
    bad = run(data, "export", "customers", "-", "--status", "paid")
    assert bad.returncode != 0 and "no filter 'status'" in bad.stderr
