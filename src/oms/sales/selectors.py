"""Sales reads: the order list with its filters, lookup by number, an order's timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import connection
from django.db.models import Exists, Model, OuterRef, Prefetch, QuerySet

from oms.core.errors import NotFound
from oms.core.selectors import audit_for_object
from oms.core.services.customfields import custom_filter
from oms.inventory.models import Location, Warehouse
from oms.parties.models import Address, CustomerGroup, Party
from oms.sales.models import SalesOrder, SalesOrderLine


@dataclass(frozen=True)
class OrderFilter:
    status: str | None = None
    customer: str | None = None
    channel: str | None = None
    sku: str | None = None
    external_ref: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    total_min: Decimal | None = None
    total_max: Decimal | None = None
    currency: str | None = None


def orders_with_lines() -> QuerySet[SalesOrder]:
    """Orders with customer, warehouse and lines loaded in a constant number of queries."""
    return SalesOrder.objects.select_related("customer", "warehouse").prefetch_related(
        Prefetch("lines", queryset=SalesOrderLine.objects.order_by("position")))


def order_list(*, filters: OrderFilter, custom: dict[str, str] | None = None) -> QuerySet[SalesOrder]:
    qs = orders_with_lines()
    f = filters
    if f.status:
        qs = qs.filter(status__in=f.status.split(","))
    if f.customer:
        qs = qs.filter(customer__code=f.customer)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.external_ref:
        qs = qs.filter(external_ref=f.external_ref)
    if f.currency:
        qs = qs.filter(currency=f.currency)
    if f.sku:
        qs = qs.filter(Exists(SalesOrderLine.objects.filter(order=OuterRef("pk"), sku=f.sku)))
    if f.created_from:
        qs = qs.filter(created_at__gte=f.created_from)
    if f.created_to:
        qs = qs.filter(created_at__lt=f.created_to)
    if f.total_min is not None:
        qs = qs.filter(total__gte=f.total_min)
    if f.total_max is not None:
        qs = qs.filter(total__lte=f.total_max)
    if custom:
        qs = custom_filter(qs, target="sales.salesorder", params=custom)
    return qs


def order_get(*, number: str) -> SalesOrder:
    order = orders_with_lines().filter(number=number).first()
    if order is None:
        raise NotFound(f"No order {number!r}", field="number")
    return order


def order_timeline(*, order: SalesOrder):
    return audit_for_object(object_type="sales.order", object_id=order.number)


# What placing an order reads, in one query: the customer, the default stock location of the named
# (or first active) warehouse, and the customer's default billing and shipping address (the default
# one of each kind, else its first). Written as SQL that PostgreSQL and SQLite both run (no LATERAL):
# the ORM's compilation of the same query as annotated subqueries cost more CPU than the two
# statements it saves.
_ADDRESS_COLUMNS = ("name", "line1", "line2", "city", "region", "postal_code", "country")  # Address.as_dict
_LOCATION_COLUMNS = ("id", "warehouse_id", "code", "name", "kind", "is_default")
_WAREHOUSE_COLUMNS = ("id", "code", "name", "active")  # the address JSON is left deferred (loaded if read)


def _placement_sql(by_warehouse_code: bool) -> str:
    def address(alias: str, kind: str) -> str:
        return (f" LEFT JOIN parties_address {alias} ON {alias}.id = (SELECT a.id FROM parties_address a"
                f" WHERE a.party_id = p.id AND a.kind = '{kind}' ORDER BY a.is_default DESC, a.id LIMIT 1)")

    columns = ", ".join([*(f"loc.l_{c}" for c in _LOCATION_COLUMNS), *(f"loc.w_{c}" for c in _WAREHOUSE_COLUMNS),
                         *(f"b.{c} AS b_{c}" for c in _ADDRESS_COLUMNS), "b.id AS b_id",
                         *(f"s.{c} AS s_{c}" for c in _ADDRESS_COLUMNS), "s.id AS s_id"])
    location = ("SELECT " + ", ".join([*(f"l.{c} AS l_{c}" for c in _LOCATION_COLUMNS),
                                       *(f"w.{c} AS w_{c}" for c in _WAREHOUSE_COLUMNS)])
                + " FROM inventory_location l JOIN inventory_warehouse w ON w.id = l.warehouse_id"
                + " WHERE l.is_default AND w.active" + (" AND w.code = %s" if by_warehouse_code else "")
                + " ORDER BY l.warehouse_id LIMIT 1")
    return (f"SELECT p.*, {columns} FROM parties_party p LEFT JOIN ({location}) loc ON 1 = 1"
            + address("b", "billing") + address("s", "shipping") + " WHERE p.code = %s AND p.is_customer")


_PLACEMENT_SQL = {True: _placement_sql(True), False: _placement_sql(False)}


def _loaded(model: type[Model], values: dict) -> Model:
    """An instance as if read by the ORM, from some of its fields (the others deferred, loaded if read)."""
    fields = [f for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(connection.alias, [f.attname for f in fields],
                         [f.to_python(values[f.attname]) for f in fields])  # e.g. SQLite's 1 -> True


def placement_context(*, customer: str, warehouse: str | None) -> tuple[Party | None, Location | None, dict]:
    """(customer, stock location with its warehouse, {kind: address dict}) in one query; the customer is
    None when no customer has that code, the location None when no active warehouse matches."""
    params = [warehouse, customer] if warehouse else [customer]
    party = next(iter(Party.objects.raw(_PLACEMENT_SQL[bool(warehouse)], params)), None)
    if party is None:
        return None, None, {}
    if party.customer_group_id is not None:  # prices need only its id
        party.customer_group = _loaded(CustomerGroup, {"id": party.customer_group_id})
    addresses = {kind: {c: getattr(party, f"{prefix}_{c}") for c in _ADDRESS_COLUMNS}
                 for kind, prefix in (("billing", "b"), ("shipping", "s"))
                 if getattr(party, f"{prefix}_id") is not None}
    if party.l_id is None:
        return party, None, addresses
    location = _loaded(Location, {c: getattr(party, f"l_{c}") for c in _LOCATION_COLUMNS})
    location.warehouse = _loaded(Warehouse, {c: getattr(party, f"w_{c}") for c in _WAREHOUSE_COLUMNS})
    return party, location, addresses
