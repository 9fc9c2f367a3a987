import pytest

from oms.catalog.services import product_create, tax_category_create, unit_create


@pytest.fixture
def pcs(db):
    return unit_create(code="pcs", name="Pieces", decimals=0)


@pytest.fixture
def kg(db):
    return unit_create(code="kg", name="Kilogram", decimals=3)


@pytest.fixture
def vat(db):
    return tax_category_create(code="std", name="Standard", rate="20")


@pytest.fixture
def make_product(pcs):
    def factory(sku="TSHIRT", name="T-shirt", **kwargs):
        kwargs.setdefault("unit", pcs)
        return product_create(sku=sku, name=name, **kwargs)

    return factory
