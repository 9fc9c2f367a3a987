"""Global search: one box for order, invoice, payment, shipment, return and purchase order numbers,
customers, SKUs, barcodes and tracking numbers.

Document numbers, SKUs, barcodes, tracking numbers, customer codes and emails are matched exactly
(any case), each through its unique or secondary index, so a lookup costs the same on a million
orders as on ten. Only when nothing matches exactly are customer and product names searched by
"contains" (on the much smaller master data).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import Q
from django.urls import reverse

from oms.catalog.models import Product
from oms.catalog.selectors import barcode_forms, product_list
from oms.parties.models import Party
from oms.parties.selectors import party_search
from oms.sales.models import Channel, SalesOrder

if apps.is_installed("oms.shipping"):
    from oms.shipping.models import Shipment
if apps.is_installed("oms.invoicing"):
    from oms.invoicing.models import Invoice
if apps.is_installed("oms.payments"):
    from oms.payments.models import Payment
if apps.is_installed("oms.returns"):
    from oms.returns.models import Return
if apps.is_installed("oms.purchasing"):
    from oms.purchasing.models import PurchaseOrder

LIMIT = 10
MAX_QUERY = 100
MIN_CONTAINS = 2


@dataclass(frozen=True)
class Hit:
    kind: str  # order, invoice, payment, shipment, customer, product
    title: str
    detail: str
    url: str
    exact: bool = False


@dataclass
class SearchResult:
    q: str
    hits: list[Hit] = field(default_factory=list)

    @property
    def only_exact(self) -> Hit | None:
        """The hit to open straight away: the single exact match (a scanned or typed number)."""
        exact = [h for h in self.hits if h.exact]
        return exact[0] if len(exact) == 1 and len(self.hits) == 1 else None


def _spellings(q: str) -> set[str]:
    return {q, q.upper(), q.lower()}


def _order_url(number: str) -> str:
    return reverse("backoffice:order", kwargs={"ref": number})


def _admin(obj) -> str:
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])


def _orders(q: str) -> list[Hit]:
    # Two queries, not one OR: each uses its own index (the number's unique one; the external
    # reference's unique (channel, external_ref) index, which needs the channel and the non-empty test).
    qs = SalesOrder.objects.select_related("customer")
    rows = list(qs.filter(number__in=_spellings(q))[:LIMIT]) or list(
        qs.filter(channel__in=Channel.values, external_ref__in=_spellings(q)).exclude(external_ref="")[:LIMIT])
    return [Hit("order", o.number, f"{o.customer.name} · {o.get_status_display()} · {o.total} {o.currency}",
                _order_url(o.number), exact=True) for o in rows]


def _invoices(q: str) -> list[Hit]:
    rows = Invoice.objects.select_related("customer", "sales_order").filter(number__in=_spellings(q))[:LIMIT]
    return [Hit("invoice", i.number, f"{i.customer.name} · {i.get_status_display()} · {i.total} {i.currency}",
                _order_url(i.sales_order.number) if i.sales_order_id else _admin(i), exact=True) for i in rows]


def _payments(q: str) -> list[Hit]:
    rows = Payment.objects.select_related("customer").filter(number__in=_spellings(q))[:LIMIT]
    return [Hit("payment", p.number, f"{p.customer.name} · {p.amount} {p.currency}", _admin(p), exact=True)
            for p in rows]


def _shipments(q: str) -> list[Hit]:
    qs = Shipment.objects.select_related("order")
    rows = list(qs.filter(tracking_number__in=_spellings(q))[:LIMIT]) or list(qs.filter(number__in=_spellings(q))[:LIMIT])
    return [Hit("shipment", str(s), f"{s.order.number} · {s.carrier} {s.tracking_number} · {s.get_status_display()}",
                _order_url(s.order.number), exact=True) for s in rows]


def _returns(q: str) -> list[Hit]:
    rows = Return.objects.select_related("order", "customer").filter(number__in=_spellings(q))[:LIMIT]
    return [Hit("return", r.number, f"{r.order.number} · {r.customer.name} · {r.get_status_display()}",
                _order_url(r.order.number), exact=True) for r in rows]


def _purchase_orders(q: str) -> list[Hit]:
    rows = PurchaseOrder.objects.select_related("supplier").filter(number__in=_spellings(q))[:LIMIT]
    return [Hit("purchase_order", p.number, f"{p.supplier.name} · {p.get_status_display()}", _admin(p), exact=True)
            for p in rows]


def _customer_hit(p: Party, exact: bool) -> Hit:
    return Hit("customer", f"{p.name} ({p.code})", p.email, f"{reverse('backoffice:order-list')}?customer={p.code}",
               exact=exact)


def _product_hit(p: Product, exact: bool) -> Hit:
    return Hit("product", f"{p.sku} · {p.name}", p.barcode, _admin(p), exact=exact)


def _customers_exact(q: str) -> list[Hit]:
    rows = Party.objects.filter(Q(code__in=_spellings(q)) | Q(email__in=_spellings(q)))[:LIMIT]
    return [_customer_hit(p, True) for p in rows]


def _products_exact(q: str) -> list[Hit]:
    rows = Product.objects.filter(Q(sku__in=_spellings(q)) | Q(barcode__in=barcode_forms(q)))[:LIMIT]
    return [_product_hit(p, True) for p in rows]


def _customers_containing(q: str) -> list[Hit]:
    return [_customer_hit(p, False) for p in party_search(q=q).order_by("name")[:LIMIT]]


def _products_containing(q: str) -> list[Hit]:
    return [_product_hit(p, False) for p in product_list(q=q).order_by("sku")[:LIMIT]]


def global_search(*, q: str) -> SearchResult:
    q = q.strip()[:MAX_QUERY]
    result = SearchResult(q=q)
    if not q:
        return result
    finders = [_orders]
    if apps.is_installed("oms.invoicing"):
        finders.append(_invoices)
    if apps.is_installed("oms.payments"):
        finders.append(_payments)
    if apps.is_installed("oms.shipping"):
        finders.append(_shipments)
    if apps.is_installed("oms.returns"):
        finders.append(_returns)
    if apps.is_installed("oms.purchasing"):
        finders.append(_purchase_orders)
    finders += [_customers_exact, _products_exact]
    for find in finders:
        result.hits.extend(find(q))
    if not result.hits and len(q) >= MIN_CONTAINS:
        # Names only when nothing matched exactly: a typed or scanned number never pays for a scan
        # of the customer and product names.
        result.hits.extend(_customers_containing(q) + _products_containing(q))
    return result
