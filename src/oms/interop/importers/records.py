"""What the format readers produce: plain records, already parsed and checked cell by cell, that the
writers turn into products, customers and orders. One record may span several source lines
(a Shopify order's line items, an Odoo quotation's continuation rows)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from oms.interop.importers.values import Issue


@dataclass
class ProductRecord:
    sku: str
    name: str
    description: str = ""
    barcode: str = ""
    price: Decimal | None = None
    parent_sku: str = ""  # set for a variant
    attributes: dict[str, str] = field(default_factory=dict)
    active: bool = True
    product_type: str = "stocked"
    external_id: str = ""
    variants: list[ProductRecord] = field(default_factory=list)


@dataclass
class AddressRecord:
    kind: str
    name: str = ""
    line1: str = ""
    line2: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = ""

    def is_complete(self) -> bool:
        return bool(self.line1 and self.city and len(self.country) == 2)

    def as_dict(self) -> dict:
        return {"name": self.name, "line1": self.line1, "line2": self.line2, "city": self.city,
                "region": self.region, "postal_code": self.postal_code, "country": self.country}


@dataclass
class CustomerRecord:
    name: str
    email: str = ""
    phone: str = ""
    tax_id: str = ""
    external_id: str = ""
    addresses: list[AddressRecord] = field(default_factory=list)
    is_company: bool = False


@dataclass
class OrderLineRecord:
    description: str
    quantity: Decimal
    unit_price: Decimal
    sku: str = ""
    discount_percent: Decimal = Decimal(0)
    discount_amount: Decimal = Decimal(0)
    tax_rate: Decimal = Decimal(0)
    fulfilled: bool = False


@dataclass
class OrderRecord:
    number: str
    currency: str
    created_at: datetime
    status: str
    customer: CustomerRecord
    lines: list[OrderLineRecord] = field(default_factory=list)
    external_id: str = ""
    subtotal: Decimal | None = None
    discount_total: Decimal = Decimal(0)
    shipping_total: Decimal = Decimal(0)
    tax_total: Decimal | None = None
    total: Decimal | None = None
    payment_status: str = ""
    amount_paid: Decimal = Decimal(0)
    amount_refunded: Decimal = Decimal(0)
    paid_at: datetime | None = None
    fulfilled_at: datetime | None = None
    cancelled_at: datetime | None = None
    notes: str = ""
    billing_address: dict = field(default_factory=dict)
    shipping_address: dict = field(default_factory=dict)


@dataclass
class Item:
    """One record read from the file with the lines it came from, or the issues that stopped it."""

    line: int
    end_line: int
    key: str
    record: ProductRecord | CustomerRecord | OrderRecord | None
    issues: list[Issue] = field(default_factory=list)
    offset: int = 0

    @property
    def failed(self) -> bool:
        return any(issue.severity == "error" for issue in self.issues)
