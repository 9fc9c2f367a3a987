"""Odoo exports with external ids: products and customers, both header styles; re-import updates."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from test_import_support import issues, run, write
from world import make_world

from oms.catalog.models import PriceListItem, Product
from oms.interop.models import ExternalKey
from oms.parties.models import Party

PRODUCTS_LABELS = ("External ID,Name,Internal Reference,Barcode,Sales Price,Product Type\n"
                   "__export__.product_template_12_a1b2,Large Desk,E-COM09,4006381333931,1299.00,Goods\n"
                   "product.product_product_4,Storage Box,E-COM08,,15.80,Goods\n"
                   "__export__.product_template_30_c3d4,Installation,,,\"1.250,00\",service\n")
CUSTOMERS_TECHNICAL = ("id,name,email,phone,street,street2,city,zip,state_id,country_id,vat,is_company\n"
                       "base.res_partner_12,Azure Interior,azure.interior24@example.com,(870)-931-0505,"
                       "4557 De Silva St,,Fremont,94538,California (US),United States,,True\n"
                       "base.res_partner_4,Ready Mat,ready.mat28@example.com,,7500 W Linne Road,,Tracy,95304,"
                       "California (US),US,BE0477472701,1\n"
                       "__export__.res_partner_99,Nowhere,,,,,,,,Atlantis,,0\n")


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


@pytest.fixture
def world(db):
    return make_world()


def test_odoo_products_by_label_headers(world, tmp_path):
    job = run(write(tmp_path, "product.template.csv", PRODUCTS_LABELS), "odoo_products")
    assert (job.created_count, job.error_count) == (3, 0)
    desk = Product.objects.get(sku="E-COM09")
    assert (desk.name, desk.barcode) == ("Large Desk", "4006381333931")
    assert PriceListItem.objects.get(product=desk).price == D("1299.00")
    install = Product.objects.get(name="Installation")  # no Internal Reference: keyed on the external id
    assert install.sku == "__export__-product_template_30_c3d4" and install.product_type == "service"
    assert PriceListItem.objects.get(product=install).price == D("1250.00")
    key = ExternalKey.objects.get(source="odoo", kind="product", external_id="product.product_product_4")
    assert key.object_id == Product.objects.get(sku="E-COM08").pk
    renamed = PRODUCTS_LABELS.replace("Storage Box,E-COM08,,15.80", "Storage Box XL,E-COM08,,16.80")
    job = run(write(tmp_path, "again.csv", renamed), "odoo_products")
    assert (job.created_count, job.updated_count, job.unchanged_count) == (0, 1, 2)
    assert Product.objects.get(sku="E-COM08").name == "Storage Box XL"
    assert PriceListItem.objects.get(product__sku="E-COM08").price == D("16.80")


def test_odoo_customers_with_addresses(world, tmp_path):
    job = run(write(tmp_path, "res.partner.csv", CUSTOMERS_TECHNICAL), "odoo_customers")
    assert job.created_count == 2
    assert issues(job) == [(4, "country_id", "error", "invalid_country")]
    azure = Party.objects.get(email="azure.interior24@example.com")
    address = azure.addresses.get(kind="billing")
    assert (address.line1, address.city, address.postal_code, address.region, address.country) == (
        "4557 De Silva St", "Fremont", "94538", "California", "US")
    assert azure.addresses.filter(kind="shipping").exists()
    assert Party.objects.get(name="Ready Mat").tax_id == "BE0477472701"
    moved = CUSTOMERS_TECHNICAL.replace("4557 De Silva St,,Fremont,94538", "1 Market St,,San Francisco,94105")
    job = run(write(tmp_path, "again.csv", moved), "odoo_customers")
    assert (job.created_count, job.updated_count, job.unchanged_count) == (0, 1, 1)
    azure.refresh_from_db()
    assert azure.addresses.get(kind="billing").city == "San Francisco"
    assert Party.objects.filter(name="Azure Interior").count() == 1
