"""Rate selection for every method type: flat, weight band, order-value band, free over, and
destination zones (country, region, postcode pattern); quotes for an order or a cart."""

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oms.core.errors import Conflict, DomainError
from oms.core.money import Money
from oms.sales.lines import LineSpec
from oms.sales.services import OrderSpec, order_create
from oms.shipping.rates import (
    VALUE_BAND, Area, Destination, ValueBand, postcode_matches, postcode_pattern_check, rate_compute,
    value_bands_check, zone_matches,
)
from oms.shipping.services import (
    shipping_method_create, shipping_quote, shipping_quotes, shipping_quotes_for_cart, shipping_quotes_for_order,
    shipping_zone_create,
)

VALUE_BANDS = [ValueBand(D("0"), D("8.00")), ValueBand(D("50"), D("4.00")), ValueBand(D("100"), D("0.00"))]


@pytest.mark.parametrize("value, expected", [("0", "8.00"), ("49.99", "8.00"), ("50", "4.00"), ("99.99", "4.00"),
                                             ("100", "0.00"), ("1000000", "0.00")])
def test_value_bands_take_the_last_band_reached(value, expected):
    assert rate_compute(kind=VALUE_BAND, amount=D(0), bands=[], free_over=None, weight=None,
                        order_value=D(value), value_bands=list(reversed(VALUE_BANDS))) == D(expected)


def test_value_bands_need_a_value_and_a_band_below_it():
    with pytest.raises(DomainError) as err:
        rate_compute(kind=VALUE_BAND, amount=D(0), bands=[], free_over=None, weight=None, order_value=None,
                     value_bands=VALUE_BANDS)
    assert err.value.code == "required"
    with pytest.raises(DomainError) as err:
        rate_compute(kind=VALUE_BAND, amount=D(0), bands=[], free_over=None, weight=None, order_value=D("10"),
                     value_bands=[ValueBand(D("20"), D("1"))])
    assert err.value.code == "no_rate"
    for bad in ([ValueBand(D(-1), D(1))], [ValueBand(D(1), D(-1))], [ValueBand(D(1), D(1)), ValueBand(D(1), D(2))]):
        with pytest.raises(DomainError):
            value_bands_check(bad)


@pytest.mark.parametrize("pattern, postcode, expected", [
    ("", "anything", True), ("40*", "40115", True), ("40*", "41115", False), ("SW1?*", "sw1a 1aa", True),
    ("1000-1999", "1500", True), ("1000-1999", "2000", False), ("1000-1999", "999", False),
    ("1000-1999", "15000", False), ("1000-1999", "ABCD", False), ("12345", "12345", True), ("12345", "1234", False),
])
def test_postcode_patterns(pattern, postcode, expected):
    assert postcode_matches(pattern, postcode) is expected


def test_postcode_ranges_are_checked():
    assert postcode_pattern_check(" sw1a * ") == "SW1A*"
    for bad in ("2000-1000", "100-2000"):
        with pytest.raises(DomainError):
            postcode_pattern_check(bad)


@given(st.integers(min_value=0, max_value=99999), st.integers(min_value=0, max_value=99999),
       st.integers(min_value=0, max_value=99999))
def test_a_range_holds_exactly_the_numbers_between_its_ends(a, b, code):
    low, high = sorted((a, b))
    assert postcode_matches(f"{low:05d}-{high:05d}", f"{code:05d}") is (low <= code <= high)


def test_zones_match_country_then_region_then_postcode():
    java = [Area("ID", "Jawa Barat"), Area("ID", "", "10*")]
    assert zone_matches(java, Destination("id", "jawa barat", "40115"))
    assert zone_matches(java, Destination("ID", "DKI Jakarta", "10110"))
    assert not zone_matches(java, Destination("ID", "Bali", "80361"))
    assert not zone_matches(java, Destination("MY", "Jawa Barat", "10110"))
    assert not zone_matches(java, None)
    assert Destination.of_address({"country": "US", "region": "TX", "postal_code": "73301"}) == \
        Destination("US", "TX", "73301")
    assert Destination.of_address({"city": "nowhere"}) is None


@pytest.fixture
def methods(db):
    shipping_zone_create(code="JAVA", name="Java", areas=[{"country": "ID", "region": "Jawa Barat"},
                                                          {"country": "ID", "postcode_pattern": "10*"}])
    shipping_zone_create(code="US-TX", name="Texas", areas=[{"country": "US", "region": "TX"}])
    shipping_zone_create(code="US-NYC", name="New York City",
                         areas=[{"country": "us", "postcode_pattern": "10000-10299"}])
    return {
        "FLAT": shipping_method_create(code="FLAT", name="Flat", currency="USD", amount="9.00"),
        "WEIGHT": shipping_method_create(code="WEIGHT", name="By weight", currency="USD", kind="weight_band",
                                         bands=[("1", "3.00"), ("5", "7.00")]),
        "VALUE": shipping_method_create(code="VALUE", name="By value", currency="USD", kind="value_band",
                                        value_bands=[("0", "6.00"), ("50", "2.50")]),
        "FREE": shipping_method_create(code="FREE", name="Free over 100", currency="USD", amount="12", free_over="100"),
        "TX": shipping_method_create(code="TX", name="Texas courier", currency="USD", amount="1.00", zone="US-TX"),
        "NYC": shipping_method_create(code="NYC", name="NYC bike", currency="USD", amount="1.50", zone="US-NYC"),
        "JAVA": shipping_method_create(code="JAVA", name="Java courier", currency="IDR", amount="15000", zone="JAVA"),
    }


def codes(quotes):
    return [(q.method.code, q.price.amount) for q in quotes]


def test_every_method_type_is_selected_and_priced(methods):
    usd = lambda v: Money(v, "USD")  # noqa: E731
    assert codes(shipping_quotes(order_value=usd("20"), weight="0.5")) == [
        ("WEIGHT", D("3.00")), ("VALUE", D("6.00")), ("FLAT", D("9.00")), ("FREE", D("12.00"))]
    # value band drops at 50, the weight band needs a weight, FREE is free from 100
    assert codes(shipping_quotes(order_value=usd("100"))) == [("FREE", D("0.00")), ("VALUE", D("2.50")),
                                                              ("FLAT", D("9.00"))]
    # zones: only methods whose zone covers the destination join the zone-less ones
    texas = codes(shipping_quotes(order_value=usd("20"), destination=Destination("US", "TX", "73301")))
    assert texas[0] == ("TX", D("1.00")) and "NYC" not in dict(texas)
    nyc = codes(shipping_quotes(order_value=usd("20"), destination=Destination("US", "NY", "10118")))
    assert nyc[0] == ("NYC", D("1.50")) and "TX" not in dict(nyc)
    assert "NYC" not in dict(codes(shipping_quotes(order_value=usd("20"), destination=Destination("US", "NY",
                                                                                                  "11201"))))
    assert codes(shipping_quotes(order_value=Money("500000", "IDR"), destination=Destination("ID", "Jawa Barat",
                                                                                            "40115"))) == [
        ("JAVA", D("15000.00"))]
    assert codes(shipping_quotes(order_value=Money("500000", "IDR"), destination=Destination("ID", "Bali"))) == []


def test_one_method_for_a_destination_outside_its_zone_is_refused(methods):
    with pytest.raises(DomainError) as err:
        shipping_quote(method="TX", order_value=Money("20", "USD"), destination=Destination("US", "CA"))
    assert err.value.code == "not_available" and err.value.field == "destination"
    with pytest.raises(DomainError) as err:
        shipping_quote(method="TX", order_value=Money("20", "USD"))
    assert err.value.code == "required"
    assert shipping_quote(method="TX", destination=Destination("US", "TX")).price == Money("1.00", "USD")


def test_methods_are_checked(methods):
    with pytest.raises(DomainError) as err:
        shipping_method_create(code="V2", name="No bands", currency="USD", kind="value_band")
    assert err.value.field == "value_bands"
    with pytest.raises(DomainError):
        shipping_method_create(code="V3", name="Mixed", currency="USD", kind="flat", value_bands=[("0", "1")])
    with pytest.raises(DomainError) as err:
        shipping_method_create(code="Z", name="Zone?", currency="USD", zone="MARS")
    assert err.value.code == "not_found"
    with pytest.raises(Conflict):
        shipping_zone_create(code="JAVA", name="again", areas=[{"country": "ID"}])
    for areas in ([], [{"country": "Indonesia"}], [{"country": "ID", "postcode_pattern": "9-1"}]):
        with pytest.raises(DomainError):
            shipping_zone_create(code="BAD", name="Bad", areas=areas)


def test_quotes_for_an_order_use_its_total_and_shipping_address(methods, world):
    address = {"line1": "1 Main St", "city": "Austin", "region": "TX", "postal_code": "73301", "country": "US"}
    order = order_create(spec=OrderSpec(customer="C001", lines=[LineSpec(sku="WIDGET", quantity="5")],
                                        shipping_address=address, billing_address=address))  # 55.00
    assert codes(shipping_quotes_for_order(order=order)) == [("TX", D("1.00")), ("VALUE", D("2.50")),
                                                             ("FLAT", D("9.00")), ("FREE", D("12.00"))]
    cart = shipping_quotes_for_cart(customer="C001", lines=[LineSpec(sku="GADGET", quantity="4")],  # 112.20
                                    destination=Destination("US", "NY", "10118"), weight="2")
    assert codes(cart) == [("FREE", D("0.00")), ("NYC", D("1.50")), ("VALUE", D("2.50")), ("WEIGHT", D("7.00")),
                           ("FLAT", D("9.00"))]


def test_quote_endpoint_for_a_cart_or_an_order(api, world, methods):
    cart = {"customer": "C001", "lines": [{"sku": "WIDGET", "quantity": "1"}],
            "destination": {"country": "US", "region": "TX", "postcode": "73301"}}
    quotes = api.post("shipping/quote", cart)
    assert quotes.status_code == 200, quotes.content
    assert [(q["method"], q["amount"]) for q in quotes.json()] == [("TX", "1.00"), ("VALUE", "6.00"),
                                                                  ("FLAT", "9.00"), ("FREE", "12.00")]
    order = api.post("orders", {"customer": "C001", "lines": [{"sku": "WIDGET", "quantity": "10"}]}).json()  # 110
    by_order = api.post("shipping/quote", {"order": order["number"], "destination": {"country": "US",
                                                                                   "postcode": "10001"}}).json()
    assert [(q["method"], q["amount"]) for q in by_order][:3] == [("FREE", "0.00"), ("NYC", "1.50"),
                                                                 ("VALUE", "2.50")]
    for body, code, field in [({"customer": "C001", "lines": [{"sku": "WIDGET", "quantity": "1"}]}, "required",
                               "destination"),
                              ({"lines": []}, "required", "customer"),
                              ({**cart, "lines": [{"sku": "NOPE", "quantity": "1"}]}, "unknown_sku", "lines.0.sku"),
                              ({**cart, "customer": "NOBODY"}, "not_found", "customer")]:
        response = api.post("shipping/quote", body)
        assert response.status_code in (404, 422), response.content
        assert (response.json()["error"]["code"], response.json()["error"]["field"]) == (code, field)
    # the older endpoint takes a destination too
    old = api.post("shipping-quotes", {"order_value": "20", "currency": "USD",
                                       "destination": {"country": "US", "region": "TX"}}).json()
    assert old[0]["method"] == "TX"
    made = api.post("shipping-methods", {"code": "V", "name": "Value", "currency": "USD", "kind": "value_band",
                                         "value_bands": [{"from_value": "0", "amount": "5"}], "zone": "US-TX"})
    assert made.status_code == 201, made.content
    assert made.json()["zone"] == "US-TX" and made.json()["value_bands"] == [{"from_value": "0.00", "amount": "5.00"}]
    zones = api.get("shipping-zones").json()
    assert [z["code"] for z in zones] == ["JAVA", "US-NYC", "US-TX"]
    created = api.post("shipping-zones", {"code": "EU", "name": "Europe", "areas": [{"country": "DE"}]},
                       headers={"Idempotency-Key": "z-1"})
    assert created.status_code == 201 and created.json()["areas"][0]["country"] == "DE"
