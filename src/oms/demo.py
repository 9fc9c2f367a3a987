"""Demo data: a small Indonesian-American apparel and coffee business with a live order book.

Loaded once (``oms demo`` does nothing when the demo company already has products); every record
is written through the modules' services, so the audit trail and ledger are those of real use.
"""

from __future__ import annotations

from decimal import Decimal as D

from django.apps import apps
from django.db import transaction

from oms.core.context import Actor, reset_actor, set_actor
from oms.core.models import Company
from oms.core.services.company import company_default, company_update

# Each module's part of the demo loads only when the module is enabled (its models exist).
if apps.is_installed("oms.parties"):
    from oms.parties.services import customer_group_create, party_create
if apps.is_installed("oms.catalog"):
    from oms.catalog.models import Product
    from oms.catalog.services import price_list_create, product_create, tax_category_create, unit_create
if apps.is_installed("oms.inventory"):
    from oms.inventory.services import default_location, location_create, stock_adjust, warehouse_create
if apps.is_installed("oms.sales"):
    from oms.sales.lines import LineSpec
    from oms.sales.services import OrderSpec, order_cancel, order_create, order_hold
if apps.is_installed("oms.invoicing"):
    from oms.catalog.models import TaxCategory
    from oms.invoicing import services as invoicing
    from oms.sales.models import SalesOrder
if apps.is_installed("oms.shipping"):
    from oms.sales.models import SalesOrder
    from oms.shipping.services import shipment_create, shipment_deliver, shipment_pack, shipment_ship
if apps.is_installed("oms.payments"):
    from oms.invoicing.models import Invoice
    from oms.invoicing.selectors import invoice_balance
    from oms.payments import services as payments

if apps.is_installed("oms.returns"):
    from oms.returns.demo import returns_demo_load
if apps.is_installed("oms.purchasing"):
    from oms.purchasing.demo import purchasing_demo_load
if apps.is_installed("oms.trading"):
    from oms.trading.demo import trading_demo_load

DEMO_ACTOR = Actor(type="system", id="demo", label="demo loader")

PRODUCTS = [
    # sku, name, unit, tax, price USD, price IDR, stock, extra
    ("TSHIRT-S", "Organic T-shirt, size S", "pcs", "std", "19.00", "299000", 40, {}),
    ("TSHIRT-M", "Organic T-shirt, size M", "pcs", "std", "19.00", "299000", 60, {}),
    ("TSHIRT-L", "Organic T-shirt, size L", "pcs", "std", "19.00", "299000", 8, {"low_stock_threshold": "10"}),
    ("HOODIE-M", "Recycled hoodie, size M", "pcs", "std", "49.00", "749000", 25, {}),
    ("MUG-01", "Enamel mug", "pcs", "std", "12.50", "189000", 120, {"barcode": "4006381333931"}),
    ("COFFEE-1KG", "Toraja coffee beans", "kg", "food", "24.00", "360000", D("85.500"), {}),
    ("TOTE-01", "Canvas tote bag", "pcs", "std", "9.90", "149000", 0, {"allow_backorder": True}),
    ("GIFTWRAP", "Gift wrapping", "pcs", "std", "3.00", "45000", None, {"product_type": "service"}),
    ("DESIGN-H", "Custom design, per hour", "h", "std", "80.00", "1200000", None, {"product_type": "service"}),
]

CUSTOMERS = [
    ("C0001", "Kopi Kita Cafe", "IDR", "wholesale", "order@kopikita.id", "Jl. Sudirman 12", "Jakarta", "ID", None),
    ("C0002", "Greenleaf Stores Inc.", "USD", "wholesale", "buying@greenleaf.test", "200 Market St", "Portland",
     "US", "2000.00"),
    ("C0003", "Maya Putri", "IDR", "retail", "maya.putri@example.id", "Jl. Braga 8", "Bandung", "ID", None),
    ("C0004", "John Carter", "USD", "retail", "john.carter@example.com", "14 Elm Road", "Austin", "US", "150.00"),
]


def _company() -> None:
    company_update(company=company_default(), legal_name="PT Nusantara Goods", trade_name="Nusantara Goods",
                   address_line1="Jl. Kemang Raya 21", city="Jakarta Selatan", postal_code="12730", country="ID",
                   tax_id="01.234.567.8-901.000", email="hello@nusantara.test", base_currency="IDR",
                   default_locale="en", time_zone="Asia/Jakarta")


def _parties() -> None:
    customer_group_create(code="retail", name="Retail")
    customer_group_create(code="wholesale", name="Wholesale")
    for code, name, currency, group, email, line1, city, country, limit in CUSTOMERS:
        address = {"line1": line1, "city": city, "country": country}
        party_create(code=code, name=name, currency=currency, customer_group=group, email=email, credit_limit=limit,
                     language="id" if country == "ID" else "en",
                     addresses=[{**address, "kind": "billing", "is_default": True},
                                {**address, "kind": "shipping", "is_default": True}])
    party_create(code="S0001", name="Java Textile Mills", is_customer=False, is_supplier=True, currency="IDR",
                 email="sales@javatextile.test")


def _catalog() -> None:
    unit_create(code="pcs", name="piece", decimals=0)
    unit_create(code="kg", name="kilogram", decimals=3)
    unit_create(code="h", name="hour", decimals=2)
    tax_category_create(code="std", name="PPN 11%", rate="11")
    tax_category_create(code="food", name="Basic food (exempt)", rate="0")
    usd, idr = [], []
    for sku, name, unit, tax, price_usd, price_idr, _stock, extra in PRODUCTS:
        product_create(sku=sku, name=name, unit=unit, tax_category=tax, **extra)
        usd.append({"product": sku, "price": price_usd})
        idr.append({"product": sku, "price": price_idr})
    usd.append({"product": "TSHIRT-M", "price": "16.50", "min_quantity": "20"})
    price_list_create(name="Retail USD", currency="USD", items=usd)
    price_list_create(name="Retail IDR (PPN included)", currency="IDR", tax_inclusive=True, items=idr)
    price_list_create(name="Wholesale IDR", currency="IDR", customer_group="wholesale", priority=10,
                      items=[{"product": i["product"], "price": str(D(i["price"]) * D("0.8"))} for i in idr])


def _inventory() -> None:
    jakarta = warehouse_create(code="JKT", name="Jakarta warehouse")
    warehouse_create(code="SBY", name="Surabaya warehouse")
    location_create(warehouse=jakarta, code="DMG", name="Damaged goods", kind="damaged")
    stock = default_location(jakarta)
    for sku, *_rest, qty, _extra in PRODUCTS:
        product = Product.objects.get(sku=sku)
        if qty:
            stock_adjust(product=product, location=stock, quantity=D(qty), reason="opening stock count")


def _sales() -> int:
    orders = [
        ("C0001", True, [("COFFEE-1KG", "12.500"), ("MUG-01", "24")], {}),
        ("C0002", True, [("TSHIRT-M", "20"), ("HOODIE-M", "5")], {"channel": "web", "external_ref": "GL-88812"}),
        ("C0003", False, [("TSHIRT-S", "1"), ("GIFTWRAP", "1")], {"channel": "web"}),
        ("C0004", True, [("HOODIE-M", "3"), ("TOTE-01", "3")], {}),  # over the credit limit: held
        ("C0002", True, [("DESIGN-H", "6.5")], {"channel": "back_office"}),
        ("C0003", True, [("TSHIRT-L", "2")], {"channel": "pos"}),
    ]
    made = []
    for customer, confirm, lines, extra in orders:
        spec = OrderSpec(customer=customer, lines=[LineSpec(sku=s, quantity=q) for s, q in lines], **extra)
        made.append(order_create(spec=spec, confirm=confirm))
    order_hold(order=made[4], reason="waiting for the signed design brief")
    cancelled = order_create(spec=OrderSpec(customer="C0001", lines=[LineSpec(sku="MUG-01", quantity="6")]),
                             confirm=True)
    order_cancel(order=cancelled, reason="customer ordered by mistake")
    return len(made) + 1


def _invoicing() -> str:
    """An issued invoice for the cafe's order, a credit note (mugs returned) and a debit note
    (freight) on it, and a draft invoice for design hours."""
    order = SalesOrder.objects.filter(customer__code="C0001", status="confirmed").order_by("pk").first()
    invoice = invoicing.invoice_issue(invoice=invoicing.invoice_create_from_order(order=order))
    mugs = invoice.lines.get(sku="MUG-01")
    invoicing.credit_note_create(invoice=invoice, reason="2 mugs arrived chipped",
                                 lines=[invoicing.NoteLineSpec(original_line_id=mugs.pk, quantity="2")])
    ppn = "ppn" if TaxCategory.objects.filter(code="ppn").exists() else None
    invoicing.debit_note_create(invoice=invoice, reason="express freight to Jakarta", lines=[
        invoicing.NoteLineSpec(kind="fee", description="Express freight", quantity="1", unit_price="50000",
                               tax_category=ppn)])
    invoicing.invoice_create(customer="C0002", notes="Store window design, November", lines=[
        invoicing.LineSpec(kind="hours", description="Design work", quantity="6.5", unit_price="80.00"),
        invoicing.LineSpec(kind="expense", description="Print proofs", quantity="1", unit_price="42.00")])
    for customer in ("C0002", "C0003"):  # the web order and the POS order
        order = SalesOrder.objects.filter(customer__code=customer, status="confirmed").order_by("pk").first()
        invoicing.invoice_issue(invoice=invoicing.invoice_create_from_order(order=order))
    invoicing.invoice_issue(invoice=invoicing.invoice_create(customer="C0001", notes="Menu board design", lines=[
        invoicing.LineSpec(kind="hours", sku="DESIGN-H", description="Menu board design", quantity="4",
                           unit_price="960000")]))
    return "4 issued invoices (one with a credit and a debit note), a draft service invoice"


def _shipping() -> str:
    """The POS order shipped and delivered; Greenleaf's web order shipped in part (a backorder of
    hoodies stays open)."""
    pos = SalesOrder.objects.get(channel="pos", customer__code="C0003")
    delivered = shipment_ship(shipment=shipment_pack(shipment=shipment_create(order=pos), parcels=1))
    shipment_deliver(shipment=delivered)
    web = SalesOrder.objects.get(external_ref="GL-88812")
    lines = {line.pk: (line.quantity if line.sku == "TSHIRT-M" else 2) for line in web.lines.all()}
    shipment_ship(shipment=shipment_create(order=web, lines=lines, carrier="UPS", service="Ground",
                                           tracking_number="1Z999AA10123456784"))
    return "2 shipments (one delivered, one partial)"


def _payments() -> str:
    """Payments on the issued invoices: the cafe's order invoice paid in full, a part of Greenleaf's,
    Maya's paid with more than she owed (the rest stays as her credit); the cafe's design invoice is
    left unpaid."""
    def invoice_of(customer: str, **filters) -> Invoice:
        return Invoice.objects.filter(customer__code=customer, kind="invoice", status="issued", **filters) \
            .order_by("pk").first()

    cafe = invoice_of("C0001", sales_order__isnull=False)
    payments.payment_record(customer="C0001", amount=invoice_balance(cafe), currency=cafe.currency,
                            method="bank_transfer", reference="BCA transfer 0012",
                            allocations=[payments.AllocationSpec(invoice=cafe, amount=invoice_balance(cafe))])
    greenleaf = invoice_of("C0002")
    payments.payment_record(customer="C0002", amount="500.00", currency=greenleaf.currency, method="bank_transfer",
                            reference="Wire GL-88812 (1/2)", notes="First instalment",
                            allocations=[payments.AllocationSpec(invoice=greenleaf, amount="500.00")])
    maya = invoice_of("C0003")
    owed = invoice_balance(maya)
    payments.payment_record(customer="C0003", amount=owed + D("100000"), currency=maya.currency,
                            method="bank_transfer", reference="Transfer from M. Putri",
                            notes="Paid IDR 100,000 more than the invoice: kept as credit",
                            allocations=[payments.AllocationSpec(invoice=maya, amount=owed)])
    return "3 payments (one invoice paid, one partly paid, an overpayment kept as customer credit)"


def demo_load() -> str:
    """Load the demo business once; returns what it did."""
    if Company.objects.exclude(legal_name="My Company").exists() and not apps.is_installed("oms.catalog"):
        return "demo data already loaded: nothing to do"
    if apps.is_installed("oms.catalog") and Product.objects.exists():
        return "demo data already loaded: nothing to do"
    token = set_actor(DEMO_ACTOR)
    done = ["company"]
    try:
        with transaction.atomic():
            _company()
            if apps.is_installed("oms.parties"):
                _parties()
                done.append(f"{len(CUSTOMERS) + 1} customers and suppliers")
            if apps.is_installed("oms.catalog"):
                _catalog()
                done.append(f"{len(PRODUCTS)} products with price lists")
            if apps.is_installed("oms.inventory"):
                _inventory()
                done.append("2 warehouses with opening stock")
            if apps.is_installed("oms.sales"):
                done.append(f"{_sales()} sales orders")
            if apps.is_installed("oms.invoicing"):
                done.append(_invoicing())
            if apps.is_installed("oms.payments"):
                done.append(_payments())
            if apps.is_installed("oms.shipping"):
                done.append(_shipping())
            # Later modules keep their part of the demo in their own folder (oms/<module>/demo.py).
            if apps.is_installed("oms.returns"):
                done.append(returns_demo_load())
            if apps.is_installed("oms.purchasing"):
                done.append(purchasing_demo_load())
            if apps.is_installed("oms.trading"):
                done.append(trading_demo_load())
    finally:
        reset_actor(token)
    return "demo data loaded: " + ", ".join(done)
