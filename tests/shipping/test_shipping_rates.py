"""Shipping methods and quotes: the pure rate rules, the services, the API."""

from decimal import Decimal as D

import pytest

from oms.core.errors import Conflict, DomainError, NotFound
from oms.core.money import Money
from oms.shipping.rates import FLAT, WEIGHT_BAND, Band, bands_check, rate_compute
from oms.shipping.services import shipping_method_create, shipping_quote, shipping_quotes

BANDS = [Band(D("1"), D("4.00")), Band(D("5"), D("9.50")), Band(D("20"), D("19.00"))]


@pytest.mark.parametrize("weight, expected", [("0", "4.00"), ("1", "4.00"), ("1.001", "9.50"), ("5", "9.50"),
                                              ("19.99", "19.00"), ("20", "19.00")])
def test_weight_bands_are_inclusive_upper_limits(weight, expected):
    assert rate_compute(kind=WEIGHT_BAND, amount=D(0), bands=list(reversed(BANDS)), free_over=None,
                        weight=D(weight), order_value=None) == D(expected)


def test_weight_above_every_band_has_no_rate_and_weight_is_required():
    with pytest.raises(DomainError) as err:
        rate_compute(kind=WEIGHT_BAND, amount=D(0), bands=BANDS, free_over=None, weight=D("20.0001"), order_value=None)
    assert err.value.code == "no_rate"
    with pytest.raises(DomainError) as err:
        rate_compute(kind=WEIGHT_BAND, amount=D(0), bands=BANDS, free_over=None, weight=None, order_value=None)
    assert err.value.code == "required"


def test_flat_rate_and_free_over_threshold_inclusive():
    flat = {"kind": FLAT, "amount": D("5.95"), "bands": [], "free_over": D("50"), "weight": None}
    assert rate_compute(**flat, order_value=None) == D("5.95")
    assert rate_compute(**flat, order_value=D("49.99")) == D("5.95")
    assert rate_compute(**flat, order_value=D("50.00")) == D(0)
    by_weight = {"kind": WEIGHT_BAND, "amount": D(0), "bands": BANDS, "free_over": D("100"), "order_value": D(100)}
    assert rate_compute(**by_weight, weight=D("500")) == D(0)  # free wins even beyond the bands


def test_bands_are_checked():
    assert [b.up_to for b in bands_check(list(reversed(BANDS)))] == [D(1), D(5), D(20)]
    for bad in ([Band(D(0), D(1))], [Band(D(1), D(-1))], [Band(D(1), D(1)), Band(D(1), D(2))]):
        with pytest.raises(DomainError):
            bands_check(bad)


@pytest.mark.django_db
def test_methods_and_quotes_through_the_services():
    shipping_method_create(code="STD", name="Standard", currency="USD", amount="5.95", free_over="50")
    shipping_method_create(code="PARCEL", name="Parcel", currency="USD", kind="weight_band",
                           bands=[("5", "9.50"), ("1", "4.00")], carrier="DHL")
    shipping_method_create(code="EU", name="Europe", currency="EUR", amount="7")
    with pytest.raises(Conflict):
        shipping_method_create(code="STD", name="again", currency="USD")
    with pytest.raises(DomainError):
        shipping_method_create(code="BAD", name="No bands", currency="USD", kind="weight_band")
    with pytest.raises(DomainError):
        shipping_method_create(code="BAD", name="Neg", currency="USD", amount="-1")
    assert shipping_quote(method="STD", order_value=Money("20", "USD")).price == Money("5.95", "USD")
    assert shipping_quote(method="STD", order_value=Money("50", "USD")).price == Money("0", "USD")
    assert shipping_quote(method="PARCEL", weight="2").price == Money("9.50", "USD")
    with pytest.raises(DomainError) as err:
        shipping_quote(method="EU", order_value=Money("20", "USD"))
    assert err.value.code == "currency_mismatch"
    with pytest.raises(NotFound):
        shipping_quote(method="NOPE")
    quotes = shipping_quotes(weight="0.5", order_value=Money("20", "USD"))
    assert [(q.method.code, q.price.amount) for q in quotes] == [("PARCEL", D("4.00")), ("STD", D("5.95"))]
    quotes = shipping_quotes(weight="30", order_value=Money("60", "USD"))  # no band fits; STD is free
    assert [(q.method.code, q.price.amount) for q in quotes] == [("STD", D("0.00"))]


@pytest.mark.django_db
def test_methods_and_quotes_through_the_api(api, world):
    body = {"code": "STD", "name": "Standard", "currency": "USD", "amount": "5.95", "free_over": "50"}
    created = api.post("shipping-methods", body, headers={"Idempotency-Key": "m-1"})
    assert created.status_code == 201, created.content
    assert created.json()["amount"] == "5.95" and created.json()["free_over"] == "50.00"
    assert api.post("shipping-methods", body, headers={"Idempotency-Key": "m-1"}).json() == created.json()
    assert api.post("shipping-methods", {**body, "kind": "weight_band"}).status_code == 422
    api.post("shipping-methods", {"code": "PARCEL", "name": "Parcel", "currency": "USD", "kind": "weight_band",
                                  "bands": [{"up_to": "1", "amount": "4"}, {"up_to": "5", "amount": "9.5"}]})
    assert [m["code"] for m in api.get("shipping-methods").json()] == ["PARCEL", "STD"]
    order = api.post("orders", {"customer": "C001", "lines": [{"sku": "WIDGET", "quantity": "2"}]}).json()  # 22.00
    quotes = api.post("shipping-quotes", {"order": order["number"], "weight": "3"}).json()
    assert [(q["method"], q["amount"]) for q in quotes] == [("STD", "5.95"), ("PARCEL", "9.50")]
    quotes = api.post("shipping-quotes", {"method": "STD", "order_value": "75", "currency": "USD"}).json()
    assert quotes[0]["amount"] == "0.00"
    response = api.post("shipping-quotes", {"method": "PARCEL", "weight": "6"})
    assert response.status_code == 422 and response.json()["error"]["code"] == "no_rate"
    assert api.post("shipping-quotes", {}).status_code == 422
