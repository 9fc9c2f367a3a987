from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from oms.catalog.models import PriceListItem
from oms.catalog.selectors import price_for
from oms.catalog.services import (
    price_item_remove, price_item_set, price_list_create, price_list_deactivate, price_list_update,
)
from oms.core.errors import DomainError
from oms.core.models import AuditRecord
from oms.core.money import Money
from oms.parties.services import customer_group_create

JUNE = date(2025, 6, 15)


@pytest.fixture
def shirt(make_product):
    return make_product()


@pytest.fixture
def vip(db):
    return customer_group_create(code="vip", name="VIP")


def quote(product, quantity="1", on_date=JUNE, group=None, currency="EUR"):
    return price_for(product=product, currency=currency, quantity=quantity, on_date=on_date, customer_group=group)


def test_generic_price(shirt):
    price_list = price_list_create(name="Retail", currency="EUR", items=[{"product": shirt, "price": "19.90"}])
    result = quote(shirt)
    assert result.unit_price == Money(Decimal("19.90"), "EUR")
    assert (result.price_list_id, result.tax_inclusive) == (price_list.pk, False)


def test_one_query_for_candidates(shirt):
    price_list_create(name="Retail", currency="EUR", items=[{"product": shirt, "price": "19.90"}])
    with CaptureQueriesContext(connection) as queries:
        quote(shirt, group=None)
    assert len(queries) == 1


def test_validity_dates(shirt):
    price_list_create(name="Base", currency="EUR", items=[{"product": shirt, "price": "20"}])
    price_list_create(name="Summer sale", currency="EUR", priority=10, valid_from=date(2025, 6, 1),
                      valid_to="2025-06-30", items=[{"product": shirt, "price": "15"}])
    assert quote(shirt, on_date=date(2025, 5, 31)).unit_price.amount == 20
    assert quote(shirt, on_date=date(2025, 6, 1)).unit_price.amount == 15
    assert quote(shirt, on_date=date(2025, 6, 30)).unit_price.amount == 15
    assert quote(shirt, on_date=date(2025, 7, 1)).unit_price.amount == 20


def test_group_list_beats_generic(shirt, vip):
    retail = price_list_create(name="Retail", currency="EUR", priority=50, items=[{"product": shirt, "price": "20"}])
    vip_list = price_list_create(name="VIP", currency="EUR", customer_group="vip", tax_inclusive=True,
                                 items=[{"product": shirt, "price": "17"}])
    assert quote(shirt, group=vip).price_list_id == vip_list.pk
    assert quote(shirt, group=vip).tax_inclusive is True
    assert quote(shirt).price_list_id == retail.pk
    other = customer_group_create(code="other", name="Other")
    assert quote(shirt, group=other).price_list_id == retail.pk


def test_quantity_breaks(shirt):
    price_list_create(name="Retail", currency="EUR", items=[
        {"product": shirt, "price": "10", "min_quantity": 1}, {"product": shirt, "price": "9", "min_quantity": "10"},
        {"product": shirt, "price": "8", "min_quantity": 100}])
    assert [quote(shirt, q).unit_price.amount for q in (1, 9, 10, 99, 100, 1000)] == [10, 10, 9, 9, 8, 8]
    assert quote(shirt, 100).min_quantity == 100


def test_currency_and_inactive_lists(shirt):
    price_list_create(name="US", currency="USD", items=[{"product": shirt, "price": "21"}])
    eur = price_list_create(name="EU", currency="EUR", items=[{"product": shirt, "price": "19"}])
    assert quote(shirt, currency="USD").unit_price == Money(Decimal(21), "USD")
    price_list_deactivate(price_list=eur)
    with pytest.raises(DomainError) as exc:
        quote(shirt)
    assert (exc.value.code, exc.value.field, exc.value.status) == ("no_price", "product", 422)


def test_no_price(shirt, make_product):
    other = make_product(sku="OTHER")
    price_list_create(name="Retail", currency="EUR", items=[{"product": other, "price": "5"}])
    with pytest.raises(DomainError) as exc:
        quote(shirt)
    assert exc.value.code == "no_price"
    with pytest.raises(DomainError) as exc:
        quote(shirt, currency="EURO")
    assert exc.value.field == "currency"
    with pytest.raises(DomainError) as exc:
        quote(other, quantity="0")
    assert exc.value.field == "quantity"


def test_price_list_validation(shirt):
    cases = [
        ({"currency": "ABC"}, "currency"),
        ({"valid_from": "2025-02-01", "valid_to": "2025-01-31"}, "valid_to"),
        ({"valid_from": "yesterday"}, "valid_from"),
        ({"customer_group": "nope"}, "customer_group"),
        ({"items": [{"product": "NOPE", "price": "1"}]}, "items.0.sku"),
        ({"items": [{"product": shirt, "price": "-1"}]}, "items.0.price"),
        ({"items": [{"product": shirt, "price": "1.00001"}]}, "items.0.price"),
        ({"items": [{"product": shirt, "price": 1.5}]}, "items.0.price"),
        ({"items": [{"product": shirt, "price": "1", "min_quantity": "0.5"}]}, "items.0.min_quantity"),
        ({"items": [{"product": shirt, "price": "1"}, {"product": "TSHIRT", "price": "2", "min_quantity": "1.0"}]},
         "items.1.min_quantity"),
    ]
    for kwargs, field in cases:
        with pytest.raises(DomainError) as exc:
            price_list_create(**{"name": "X", "currency": "EUR", **kwargs})
        assert exc.value.field == field, kwargs


def test_price_changes_are_audited_per_break(shirt):
    price_list = price_list_create(name="Retail", currency="EUR", items=[{"product": shirt, "price": "10"}])
    created = AuditRecord.objects.get(object_type="catalog.pricelist", action="price_list.created")
    assert created.changes["items.TSHIRT@1"] == [None, "10"]
    price_list_update(price_list=price_list, items=[{"product": "TSHIRT", "price": "10.00"},
                                                    {"product": "TSHIRT", "price": "9", "min_quantity": 10}])
    updated = AuditRecord.objects.filter(action="price_list.updated").order_by("id").last()
    assert updated.changes == {"items.TSHIRT@10": [None, "9"]}
    price_item_set(price_list=price_list, product=shirt, price="9.50", min_quantity=10)
    assert AuditRecord.objects.filter(action="price_list.updated").order_by("id").last().changes == {
        "items.TSHIRT@10": ["9", "9.5"]}
    price_item_remove(price_list=price_list, product=shirt, min_quantity=10)
    assert list(PriceListItem.objects.values_list("min_quantity", flat=True)) == [Decimal(1)]


def test_currency_change_needs_the_prices_restated(shirt):
    price_list = price_list_create(name="Retail", currency="EUR", items=[{"product": shirt, "price": "10"}])
    with pytest.raises(DomainError) as exc:
        price_list_update(price_list=price_list, currency="USD")
    assert exc.value.field == "currency"
    price_list_update(price_list=price_list, currency="USD", items=[{"product": shirt, "price": "11"}])
    assert quote(shirt, currency="USD").unit_price == Money(Decimal(11), "USD")
