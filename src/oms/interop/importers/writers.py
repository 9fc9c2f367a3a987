"""Turning records into products, customers and orders through the owning modules' services.

Products and customers go one by one through ``product_create``/``party_create`` and their
updates (their checks, audit and events apply as for any other write). Orders, which come by the
million, go through ``sales.importing.order_import_many`` in batches, and the customers first seen
on them are written in bulk after the parties module's own checks (``customers_create``). Each
function returns the action per record (created / updated / unchanged) and the issues found."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.db import transaction

from oms.catalog.models import PriceList, PriceListItem, Product, UnitOfMeasure
from oms.catalog.services import (
    price_item_set, price_list_create, product_create, product_update, unit_create,
)
from oms.core.errors import DomainError
from oms.core.services.audit import AuditEntry, audit_record_many
from oms.core.services.company import company_default
from oms.interop.importers.records import CustomerRecord, OrderRecord, ProductRecord
from oms.interop.importers.values import Issue
from oms.interop.models import ExternalKey
from oms.parties.models import Address, Party
from oms.parties.services import address_clean, party_create, party_update, party_values_clean
from oms.sales.importing import ImportedLine, ImportedOrder, ImportResult, order_import_many, rows_insert


@dataclass
class Outcome:
    key: str
    action: str = ""  # created, updated, unchanged; "" when refused
    changes: dict = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    product: Product | None = None


@dataclass
class Context:
    source: str  # shopify, woocommerce, odoo
    currency: str
    origin: dict = field(default_factory=dict)  # the import job and file, kept in the batch audit records
    _unit: UnitOfMeasure | None = None
    _price_list: PriceList | None = None
    _language: str = ""

    def language(self) -> str:
        if not self._language:
            self._language = company_default().default_locale
        return self._language

    def unit(self) -> UnitOfMeasure:
        if self._unit is None:
            self._unit = (UnitOfMeasure.objects.filter(code="pcs").first()
                          or UnitOfMeasure.objects.filter(decimals=0).order_by("id").first()
                          or unit_create(code="pcs", name="piece", decimals=0))
        return self._unit

    def price_list(self) -> PriceList:
        """The general price list in the import's currency (made on first use)."""
        if self._price_list is None:
            self._price_list = (PriceList.objects.filter(currency=self.currency, customer_group=None, active=True)
                                .order_by("-priority", "id").first()
                                or price_list_create(name=f"Standard prices ({self.currency})", currency=self.currency))
        return self._price_list


def _key_set(source: str, kind: str, external_id: str, object_id: int) -> None:
    if external_id:
        ExternalKey.objects.update_or_create(source=source, kind=kind, external_id=external_id[:200],
                                             defaults={"object_id": object_id})


def _key_get(source: str, kind: str, external_id: str) -> int | None:
    if not external_id:
        return None
    return ExternalKey.objects.filter(source=source, kind=kind, external_id=external_id).values_list(
        "object_id", flat=True).first()


# --- products -------------------------------------------------------------------------------

def _product_values(record: ProductRecord, parent: Product | None) -> dict:
    return {"name": record.name, "description": record.description, "barcode": record.barcode,
            "product_type": record.product_type, "active": record.active,
            "variant_attributes": record.attributes if parent else {}, "parent": parent}


def _product_changes(product: Product, values: dict) -> dict:
    changes = {}
    for name, value in values.items():
        current = getattr(product, name)
        if name == "parent":
            if (current.pk if current else None) != (value.pk if value else None):
                changes[name] = value
        elif name == "barcode" and not value:
            continue  # an import without barcodes does not erase the ones set here
        elif current != value:
            changes[name] = value
    return changes


def _product_save(record: ProductRecord, parent: Product | None, ctx: Context, line: int) -> Outcome:
    outcome = Outcome(key=record.sku)
    known = _key_get(ctx.source, "product", record.external_id)
    product = (Product.objects.filter(pk=known).first() if known else None) or \
        Product.objects.filter(sku=record.sku).first()
    values = _product_values(record, parent)

    def write(values: dict) -> Product:
        if product is None:
            return product_create(sku=record.sku, unit=ctx.unit(), **values)
        changes = _product_changes(product, values)
        outcome.changes = {k: str(v) for k, v in changes.items()}
        return product_update(product=product, **changes) if changes else product

    try:
        saved = write(values)
    except DomainError as exc:
        if exc.field != "barcode" or not record.barcode:
            raise
        outcome.issues.append(Issue(line, "barcode", exc.code, f"{exc.message}; imported without the barcode",
                                    key=record.sku, severity="warning"))
        saved = write({**values, "barcode": ""})
    outcome.action = "created" if product is None else ("updated" if outcome.changes else "unchanged")
    if record.price is not None:
        price_list = ctx.price_list()
        old = PriceListItem.objects.filter(price_list=price_list, product=saved, min_quantity=1).values_list(
            "price", flat=True).first()
        if old != record.price:
            price_item_set(price_list=price_list, product=saved, price=record.price)
            outcome.changes["price"] = str(record.price)
            if outcome.action == "unchanged":
                outcome.action = "updated"
    _key_set(ctx.source, "product", record.external_id, saved.pk)
    outcome.product = saved
    return outcome


def product_import(*, record: ProductRecord, ctx: Context, line: int) -> Outcome:
    """A product with its variants, all or nothing (the caller's savepoint)."""
    with transaction.atomic():
        parent = None
        if record.parent_sku:  # a variation given on its own row (WooCommerce)
            parent = Product.objects.filter(sku=record.parent_sku).first()
            if parent is None:
                raise DomainError(f"parent product {record.parent_sku} is not imported (see its own row)",
                                  field="parent", code="unknown_parent")
        outcome = _product_save(record, parent, ctx, line)
        for variant in record.variants:
            sub = _product_save(variant, outcome.product, ctx, line)
            outcome.issues += sub.issues
            if sub.action != "unchanged":
                outcome.changes[variant.sku] = sub.action
                if outcome.action == "unchanged":
                    outcome.action = "updated"
    return outcome


# --- customers ------------------------------------------------------------------------------

def _addresses(record: CustomerRecord) -> list[dict]:
    return [{"kind": a.kind, **a.as_dict()} for a in record.addresses]


def _party_find(record: CustomerRecord, source: str) -> Party | None:
    known = _key_get(source, "customer", record.external_id)
    if known:
        party = Party.objects.filter(pk=known).first()
        if party is not None:
            return party
    if record.email:
        return Party.objects.filter(email__iexact=record.email, is_customer=True).order_by("id").first()
    return None


def customer_import(*, record: CustomerRecord, ctx: Context) -> Outcome:
    outcome = Outcome(key=record.external_id or record.email or record.name)
    with transaction.atomic():
        party = _party_find(record, ctx.source)
        values = {"name": record.name, "email": record.email, "phone": record.phone, "tax_id": record.tax_id}
        if party is None:
            party = party_create(currency=ctx.currency, addresses=_addresses(record), **values)
            outcome.action = "created"
        else:
            changes = {k: v for k, v in values.items() if v and getattr(party, k) != v}
            current = [{"kind": a.kind, **a.as_dict()} for a in party.addresses.order_by("id")]
            if record.addresses and current != _addresses(record):
                changes["addresses"] = _addresses(record)
            if changes:
                party_update(party=party, **changes)
            outcome.action = "updated" if changes else "unchanged"
            outcome.changes = {k: str(v) for k, v in changes.items()}
        _key_set(ctx.source, "customer", record.external_id, party.pk)
    return outcome


# --- orders ---------------------------------------------------------------------------------

def _guest(ctx: Context) -> Party:
    code = f"GUEST-{ctx.source.upper()}"[:50]
    party = Party.objects.filter(code=code).first()
    return party or party_create(code=code, name=f"{ctx.source.title()} guest customers", currency=ctx.currency)


def _customer_code(ctx: Context, record: CustomerRecord) -> str:
    digest = hashlib.sha1(f"{record.external_id or record.email or record.name}".encode()).hexdigest()[:10]
    return f"{ctx.source[:4].upper()}-{digest.upper()}"


def _customers_resolve(records: list[OrderRecord], ctx: Context) -> dict[int, Party | DomainError]:
    """The customer of each order (by index), looked up in bulk; new ones are created in bulk."""
    wanted = {i: r.customer for i, r in enumerate(records)}
    ids = set(r.external_id for r in wanted.values() if r.external_id)
    by_key = dict(ExternalKey.objects.filter(source=ctx.source, kind="customer", external_id__in=ids)
                  .values_list("external_id", "object_id")) if ids else {}
    parties = Party.objects.in_bulk(set(by_key.values()))
    emails = {r.email for r in wanted.values() if r.email and r.external_id not in by_key}
    by_email = {}
    for party in Party.objects.filter(email__in=emails, is_customer=True).order_by("-id") if emails else []:
        by_email[party.email] = party
    names = {r.name for r in wanted.values() if not r.external_id and not r.email and r.name}
    by_name = {p.name: p for p in Party.objects.filter(name__in=names, is_customer=True).order_by("-id")} \
        if names else {}
    found: dict[int, Party | DomainError] = {}
    new: dict[str, tuple[CustomerRecord, str]] = {}
    for i, c in wanted.items():
        party = parties.get(by_key.get(c.external_id)) or by_email.get(c.email) or by_name.get(c.name)
        if party is None and not (c.external_id or c.email or c.name):
            party = _guest(ctx)
        if party is None:
            new.setdefault(c.external_id or c.email or c.name, (c, records[i].currency))
        else:
            found[i] = party
    made = customers_create(customers=new, ctx=ctx) if new else {}
    for i, c in wanted.items():
        if i not in found:
            found[i] = made[c.external_id or c.email or c.name]
    return found


def customers_create(*, customers: dict[str, tuple[CustomerRecord, str]],
                     ctx: Context) -> dict[str, Party | DomainError]:
    """Customers first seen on imported orders, checked like any party (party_values_clean,
    address_clean) and written in bulk with their addresses, external keys and audit records.
    Their codes come from their source key (SHOP-1A2B3C4D5E), so a re-run finds them again."""
    codes = {token: _customer_code(ctx, c) for token, (c, _) in customers.items()}
    existing = {p.code: p for p in Party.objects.filter(code__in=codes.values())}
    result: dict[str, Party | DomainError] = {}
    fresh: list[tuple[str, Party, list[dict], CustomerRecord]] = []
    for token, (c, currency) in customers.items():
        if codes[token] in existing:
            result[token] = existing[codes[token]]
            continue
        try:
            values = party_values_clean({
                "code": codes[token], "name": c.name or c.email, "is_customer": True, "is_supplier": False,
                "email": c.email, "phone": c.phone, "tax_id": c.tax_id, "customer_group": None, "currency": currency,
                "payment_terms_days": 30, "credit_limit": None, "language": ctx.language(), "notes": "",
                "active": True})
            addresses = [address_clean({**a, "is_default": True}, field=f"addresses.{a['kind']}")
                         for a in _addresses(c)]
        except DomainError as exc:
            result[token] = DomainError(f"customer {c.email or c.name}: {exc.message}", field=exc.field,
                                        code=exc.code)
            continue
        party = Party(**values, custom={})
        fresh.append((token, party, addresses, c))
        result[token] = party
    if fresh:
        rows_insert(Party, [party for _, party, _, _ in fresh])
        rows_insert(Address, [Address(party_id=party.pk, **address) for _, party, addresses, _ in fresh
                              for address in addresses])
        ExternalKey.objects.bulk_create([ExternalKey(source=ctx.source, kind="customer", external_id=c.external_id,
                                                     object_id=party.pk)
                                         for _, party, _, c in fresh if c.external_id], ignore_conflicts=True)
        audit_record_many(entries=[AuditEntry(  # one record per batch, as for the orders
            action="party.import_batch", object_type="parties.party",
            object_id=f"{fresh[0][1].pk}..{fresh[-1][1].pk}",
            changes={"created": [{"id": party.pk, "code": party.code, "name": party.name, "email": party.email}
                                 for _, party, _, _ in fresh], **({"origin": ctx.origin} if ctx.origin else {})})])
    return result


def _spec(record: OrderRecord, customer: Party) -> ImportedOrder:
    return ImportedOrder(
        number=record.number, customer=customer, currency=record.currency, created_at=record.created_at,
        status=record.status, external_ref=record.external_id, subtotal=record.subtotal,
        discount_total=record.discount_total if record.subtotal is not None else None,
        shipping_total=record.shipping_total, tax_total=record.tax_total, total=record.total,
        payment_status=record.payment_status, amount_paid=record.amount_paid, amount_refunded=record.amount_refunded,
        paid_at=record.paid_at, fulfilled_at=record.fulfilled_at, cancelled_at=record.cancelled_at,
        notes=record.notes, billing_address=record.billing_address, shipping_address=record.shipping_address,
        lines=[ImportedLine(description=x.description, quantity=x.quantity, unit_price=x.unit_price, sku=x.sku,
                            discount_percent=x.discount_percent, discount_amount=x.discount_amount,
                            tax_rate=x.tax_rate, fulfilled=x.fulfilled) for x in record.lines])


def orders_import(*, records: list[OrderRecord], ctx: Context) -> list[ImportResult | DomainError]:
    """Orders of one batch, in bulk; the result per record is its ImportResult or the customer's error."""
    customers = _customers_resolve(records, ctx)
    specs, out = [], []
    for i, record in enumerate(records):
        customer = customers[i]
        if isinstance(customer, DomainError):
            out.append(customer)
            continue
        specs.append(_spec(record, customer))
        out.append(None)
    results = iter(order_import_many(orders=specs, origin=ctx.origin))
    return [item if item is not None else next(results) for item in out]
