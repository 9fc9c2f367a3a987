"""Shared helpers for the import tests (no tests here): where the samples are, running a job."""

from __future__ import annotations

from pathlib import Path

import pytest

from oms.interop.models import ImportJob
from oms.interop.services_imports import import_job_create, import_job_run

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO.parent / "shared" / "samples"
SHOPIFY_PRODUCTS = SAMPLES / "shopify/GoncharIV-Shopify-training/product_template.csv"
SHOPIFY_PRODUCTS_OLD = SAMPLES / "shopify/Text-Connects-DemoProducts/product_template.csv"
SHOPIFY_ORDERS = SAMPLES / "shopify/luistatera-forezia-mock-data/orders_export.csv"
WOO_PRODUCTS = SAMPLES / "woocommerce/plugins/woocommerce/sample-data/sample_products.csv"
ODOO_QUOTATIONS = (SAMPLES / "odoo-documentation/content/applications/essentials/export_import_data"
                   / "o2m-quotations-order-lines.csv")
# Odoo vendor price lists (product.supplierinfo): purchasing data, not one of the import formats.
ODOO_PURCHASE = SAMPLES / "odoo-documentation/content/applications/inventory_and_mrp/purchase"
ODOO_VENDOR_PRICELISTS = (ODOO_PURCHASE / "products/pricelist/pricelist-example.csv",
                          ODOO_PURCHASE / "purchases/master/import/vendor_pricelists_template.csv")


def sample(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"sample file {path} is not available (../shared/samples beside the repository)")
    return path


def run(path: Path | str, fmt: str, *, dry_run: bool = False, currency: str = "USD", batch_size: int = 500,
        progress=None) -> ImportJob:
    job = import_job_create(upload=str(path), file_name=Path(path).name, format=fmt, dry_run=dry_run,
                            currency=currency)
    return import_job_run(job=job, batch_size=batch_size, progress=progress)


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def issues(job: ImportJob) -> list[tuple]:
    return [(i.line, i.column, i.severity, i.code) for i in job.issues.order_by("line", "id")]
