"""The admin's order list: its currency filter lists customers' currencies without reading every order."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from oms.core.money import Money
from oms.parties.models import Party
from oms.sales.lines import LineSpec
from oms.sales.services import OrderSpec, order_create

pytestmark = pytest.mark.django_db
LIST = "/admin/sales/salesorder/"


def test_currency_filter_offers_customers_currencies_and_filters_without_a_distinct_over_orders(
        client, admin_user, world):
    Party.objects.create(code="C-EUR", name="Euro Buyer", currency="EUR")
    usd = order_create(spec=OrderSpec(customer="C001", lines=[LineSpec(sku="WIDGET", quantity="1")]))
    fee = Money(Decimal("90.00"), "EUR")
    eur = order_create(spec=OrderSpec(customer="C-EUR", lines=[LineSpec(description="Consulting", quantity="1",
                                                                         unit_price=fee)]))
    client.force_login(admin_user)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(LIST).content.decode()
    assert "?currency__exact=EUR" in page and "?currency__exact=USD" in page
    assert not any("DISTINCT" in q["sql"] and "sales_salesorder" in q["sql"] for q in queries.captured_queries)
    only_usd = client.get(LIST, {"currency__exact": "USD"}).content.decode()
    assert usd.number in only_usd and eur.number not in only_usd
    only_eur = client.get(LIST, {"currency__exact": "EUR"}).content.decode()
    assert eur.number in only_eur and usd.number not in only_eur
