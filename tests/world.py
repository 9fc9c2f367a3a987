"""A small business for sales and inventory tests: a warehouse, products with prices, customers, stock."""

from dataclasses import dataclass
from decimal import Decimal as D

from oms.catalog.models import PriceList, PriceListItem, Product, TaxCategory, UnitOfMeasure
from oms.inventory.models import Location, StockLevel, Warehouse
from oms.inventory.services import default_location, stock_adjust, warehouse_create
from oms.parties.models import CustomerGroup, Party


@dataclass
class World:
    warehouse: Warehouse
    location: Location
    customer: Party
    widget: Product  # stocked, 10 in stock, 10.00 USD, 10% tax
    gadget: Product  # stocked, 5 in stock, 25.50 USD, 10% tax
    service: Product  # not stocked, 100.00 USD
    backorderable: Product  # stocked, 0 in stock, backorders allowed
    flour: Product  # sold by the kg (3 decimals)


def make_world() -> World:
    pcs = UnitOfMeasure.objects.create(code="pcs", name="piece", decimals=0)
    kg = UnitOfMeasure.objects.create(code="kg", name="kilogram", decimals=3)
    vat = TaxCategory.objects.create(code="std", name="Standard", rate=D("10"))
    group = CustomerGroup.objects.create(code="retail", name="Retail")
    customer = Party.objects.create(code="C001", name="Acme Retail", email="buy@acme.test", currency="USD",
                                    customer_group=group)
    warehouse = warehouse_create(code="MAIN", name="Main warehouse")
    location = default_location(warehouse)

    def product(sku, name, price, **kw):
        kw.setdefault("unit", pcs)
        p = Product.objects.create(sku=sku, name=name, tax_category=vat, **kw)
        PriceListItem.objects.create(price_list=prices, product=p, price=D(price))
        return p

    prices = PriceList.objects.create(name="Retail USD", currency="USD")
    widget = product("WIDGET", "Widget", "10.00")
    gadget = product("GADGET", "Gadget", "25.50")
    service = product("SETUP", "Setup service", "100.00", product_type=Product.Type.SERVICE)
    backorderable = product("BACKO", "Made to order", "7.00", allow_backorder=True)
    flour = product("FLOUR", "Flour", "1.20", unit=kg)
    stock_adjust(product=widget, location=location, quantity=D(10), reason="initial count")
    stock_adjust(product=gadget, location=location, quantity=D(5), reason="initial count")
    stock_adjust(product=flour, location=location, quantity=D("100.000"), reason="initial count")
    return World(warehouse, location, customer, widget, gadget, service, backorderable, flour)


def level(product, location):
    row = StockLevel.objects.filter(product=product, location=location).first()
    return (row.on_hand, row.reserved) if row else (D(0), D(0))
