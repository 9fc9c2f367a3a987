"""Sales reads: the order list with its filters, lookup by number, an order's timeline."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import connection
from django.db.models import Exists, Model, OuterRef, Prefetch, QuerySet

from oms.core.errors import NotFound
from oms.core.models import CustomFieldDefinition
from oms.core.selectors import audit_for_object
from oms.core.services.customfields import custom_filter
from oms.core.sqlbatch import fetch_as, next_id_sql
from oms.inventory.models import Location, Warehouse
from oms.parties.models import Address, CustomerGroup, Party
from oms.sales.models import SalesOrder, SalesOrderLine

ORDER_CUSTOM_TARGET = "sales.salesorder"


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
        qs = custom_filter(qs, target=ORDER_CUSTOM_TARGET, params=custom)
    return qs


def order_get(*, number: str) -> SalesOrder:
    order = orders_with_lines().filter(number=number).first()
    if order is None:
        raise NotFound(f"No order {number!r}", field="number")
    return order


def order_find(*, number: str) -> SalesOrder:
    """The order row alone, by number: for a service that locks and reads it again (no lines)."""
    order = SalesOrder.objects.filter(number=number).first()
    if order is None:
        raise NotFound(f"No order {number!r}", field="number")
    return order


def order_timeline(*, order: SalesOrder):
    return audit_for_object(object_type="sales.order", object_id=order.number)


# What placing an order reads, in one query: the customer, the default stock location of the named
# (or first active) warehouse, and the customer's default billing and shipping address (the default
# one of each kind, else its first). Written as SQL that PostgreSQL and SQLite both run (no LATERAL):
# the ORM's compilation of the same query as annotated subqueries cost more CPU than the two
# statements it saves. Values are converted as the ORM converts them (sqlbatch.fetch_as).
_ADDRESS_COLUMNS = ("id", "name", "line1", "line2", "city", "region", "postal_code", "country")
_LOCATION_COLUMNS = ("id", "warehouse_id", "code", "name", "kind", "is_default")
_WAREHOUSE_COLUMNS = ("id", "code", "name", "active")  # the address JSON is left deferred (loaded if read)
_PARTS = [  # (model, the table's alias in the query, attnames), in the order of the selected columns
    (Party, "p", tuple(f.attname for f in Party._meta.concrete_fields)),
    (Location, "loc.l", _LOCATION_COLUMNS),
    (Warehouse, "loc.w", _WAREHOUSE_COLUMNS),
    (Address, "b", _ADDRESS_COLUMNS),
    (Address, "s", _ADDRESS_COLUMNS),
]


def _column(alias: str, attname: str, model: type[Model]) -> str:
    column = model._meta.get_field(attname).column
    return f"{alias}_{column}" if alias.startswith("loc.") else f"{alias}.{column}"


@functools.cache
def _placement_sql(by_warehouse_code: bool, vendor: str) -> str:
    def address(alias: str, kind: str) -> str:
        return (f" LEFT JOIN parties_address {alias} ON {alias}.id = (SELECT a.id FROM parties_address a"
                f" WHERE a.party_id = p.id AND a.kind = '{kind}' ORDER BY a.is_default DESC, a.id LIMIT 1)")

    columns = ", ".join(_column(alias, name, model) for model, alias, names in _PARTS for name in names)
    location = ("SELECT " + ", ".join([*(f"l.{c} AS l_{c}" for c in _LOCATION_COLUMNS),
                                       *(f"w.{c} AS w_{c}" for c in _WAREHOUSE_COLUMNS)])
                + " FROM inventory_location l JOIN inventory_warehouse w ON w.id = l.warehouse_id"
                + " WHERE l.is_default AND w.active" + (" AND w.code = %s" if by_warehouse_code else "")
                + " ORDER BY l.warehouse_id LIMIT 1")
    # Three more columns: the ids the order and its lines will have (PostgreSQL draws them here, so
    # that the order, its lines, its stock ledger rows and its audit records, which name the lines,
    # go in one statement; NULL elsewhere), and whether orders have custom field definitions
    # (without any, an order without custom values needs no look at them).
    line_ids = f"(SELECT array_agg({next_id_sql(SalesOrderLine)}) FROM generate_series(1, %s))"
    columns += f", {next_id_sql(SalesOrder)}, {line_ids}" if vendor == "postgresql" else ", NULL, NULL"
    definitions = CustomFieldDefinition._meta.db_table
    columns += f", EXISTS (SELECT 1 FROM {definitions} d WHERE d.target = '{ORDER_CUSTOM_TARGET}')"
    return (f"SELECT {columns} FROM parties_party p LEFT JOIN ({location}) loc ON 1 = 1"
            + address("b", "billing") + address("s", "shipping") + " WHERE p.code = %s AND p.is_customer")


_PLACEMENT_FIELDS = [model._meta.get_field(name) for model, _, names in _PARTS for name in names]


def _instance(model: type[Model], names: tuple[str, ...], values: tuple) -> Model:
    """An instance as if read by the ORM, from some of its fields (the others deferred, loaded if read)."""
    given = dict(zip(names, values, strict=True))
    attnames = [f.attname for f in model._meta.concrete_fields if f.attname in given]
    return model.from_db(connection.alias, attnames, [given[a] for a in attnames])


@dataclass(frozen=True)
class Placement:
    """What placing an order reads first. ``customer`` is None when no customer has the code,
    ``location`` None when no active warehouse matches."""

    customer: Party | None
    location: Location | None = None
    addresses: dict = field(default_factory=dict)  # kind ("billing", "shipping") -> address dict
    order_id: int | None = None  # drawn from the id sequences (PostgreSQL), else None
    line_ids: list[int] | None = None
    has_custom_fields: bool = True


def placement_context(*, customer: str, warehouse: str | None, lines: int) -> Placement:
    """The customer, the stock location with its warehouse, the customer's addresses, ids for a new
    order of ``lines`` lines and whether orders have custom field definitions, in one query."""
    vendor = connection.vendor
    params = [lines] if vendor == "postgresql" else []
    params += [warehouse, customer] if warehouse else [customer]
    rows = fetch_as(_PLACEMENT_FIELDS, _placement_sql(bool(warehouse), vendor), params)
    if not rows:
        return Placement(customer=None)
    *values, order_id, line_ids, has_custom_fields = rows[0]  # the raw columns after the converted ones
    found = []
    for model, _, names in _PARTS:
        found.append((model, names, values[:len(names)]))
        values = values[len(names):]
    party = _instance(*found[0])
    if party.customer_group_id is not None:  # prices need only its id
        party.customer_group = _instance(CustomerGroup, ("id",), (party.customer_group_id,))
    addresses = {kind: _instance(*part).as_dict() for kind, part in (("billing", found[3]), ("shipping", found[4]))
                 if part[2][0] is not None}
    location = None
    if found[1][2][0] is not None:
        location = _instance(*found[1])
        location.warehouse = _instance(*found[2])
    return Placement(customer=party, location=location, addresses=addresses, order_id=order_id, line_ids=line_ids,
                     has_custom_fields=bool(has_custom_fields))
