"""Writing orders that happened elsewhere (imported history), many at a time.

An imported order keeps its original number, dates, status, totals, taxes, discounts, payment and
fulfilment state; it reserves no stock (what it sold left the other system's shelves) and takes
no number from our series. Its channel is ``import`` and its external reference the source id.
Running the same import again updates the orders it made (found by number) and leaves the
unchanged ones alone. Rows go in with ``bulk_create``: a handful of queries per batch, not per order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from oms.catalog.models import Product
from oms.core.errors import Conflict, DomainError
from oms.core.money import amount_rounded, is_known_currency
from oms.core.services.audit import AuditEntry, audit_record_many
from oms.inventory.models import Warehouse
from oms.parties.models import Party
from oms.sales.models import Channel, PaymentStatus, SalesOrder, SalesOrderLine
from oms.sales.pricing import LineInput, line_amounts
from oms.sales.states import OrderStatus

ZERO = Decimal(0)
IMPORT_BATCH_ACTION = "order.import_batch"
_DONE = {OrderStatus.FULFILLED, OrderStatus.COMPLETED}
_ORDER_FIELDS = ("status", "customer_id", "currency", "external_ref", "billing_address", "shipping_address",
                 "subtotal", "discount_total", "shipping_total", "tax_total", "total", "payment_status",
                 "amount_paid", "amount_refunded", "paid_at", "fulfilled_at", "cancelled_at", "confirmed_at",
                 "created_at", "notes")
_LINE_FIELDS = ("position", "product_id", "sku", "description", "quantity", "unit_price", "discount_percent",
                "discount_amount", "tax_rate", "line_discount", "line_tax", "line_total", "quantity_fulfilled")


@dataclass
class ImportedLine:
    description: str
    quantity: Decimal
    unit_price: Decimal
    sku: str = ""
    discount_percent: Decimal = ZERO
    discount_amount: Decimal = ZERO
    tax_rate: Decimal = ZERO
    fulfilled: bool = False


@dataclass
class ImportedOrder:
    number: str
    customer: Party
    currency: str
    created_at: datetime
    status: str
    lines: list[ImportedLine]
    external_ref: str = ""
    subtotal: Decimal | None = None  # None: computed from the lines
    discount_total: Decimal | None = None
    shipping_total: Decimal = ZERO
    tax_total: Decimal | None = None
    total: Decimal | None = None
    payment_status: str = ""
    amount_paid: Decimal = ZERO
    amount_refunded: Decimal = ZERO
    paid_at: datetime | None = None
    fulfilled_at: datetime | None = None
    cancelled_at: datetime | None = None
    notes: str = ""
    billing_address: dict = field(default_factory=dict)
    shipping_address: dict = field(default_factory=dict)


@dataclass
class ImportResult:
    number: str
    action: str = ""  # created, updated, unchanged; empty when refused
    error: DomainError | None = None


def import_warehouse() -> Warehouse:
    warehouse = Warehouse.objects.filter(active=True).order_by("id").first()
    if warehouse is None:
        raise DomainError("No active warehouse is set up; create one before importing orders", field="warehouse",
                          code="no_warehouse")
    return warehouse


def _check(spec: ImportedOrder) -> None:
    if not is_known_currency(spec.currency):
        raise DomainError(f"Unknown currency {spec.currency!r}", field="currency", code="unknown_currency")
    if spec.status not in OrderStatus.values:
        raise DomainError(f"status must be one of {OrderStatus.values}", field="status", code="invalid_status")
    if spec.payment_status not in PaymentStatus.values:
        raise DomainError(f"payment status must be one of {PaymentStatus.values}", field="payment_status",
                          code="invalid_status")
    if not spec.lines:
        raise DomainError("An order needs at least one line", field="lines", code="required")


def _build(spec: ImportedOrder, products: dict[str, int], warehouse: Warehouse) -> tuple[SalesOrder, list]:
    _check(spec)
    order = SalesOrder(number=spec.number, status=spec.status, customer=spec.customer, currency=spec.currency,
                       channel=Channel.IMPORT, external_ref=spec.external_ref, warehouse=warehouse,
                       billing_address=spec.billing_address, shipping_address=spec.shipping_address,
                       shipping_total=spec.shipping_total, payment_status=spec.payment_status,
                       amount_paid=spec.amount_paid, amount_refunded=spec.amount_refunded, paid_at=spec.paid_at,
                       fulfilled_at=spec.fulfilled_at, cancelled_at=spec.cancelled_at, notes=spec.notes,
                       created_at=spec.created_at,
                       confirmed_at=None if spec.status == OrderStatus.DRAFT else spec.created_at)
    lines, sums = [], {"subtotal": ZERO, "discount_total": ZERO, "tax_total": ZERO, "total": ZERO}
    for position, item in enumerate(spec.lines, start=1):
        amounts = line_amounts(LineInput(item.quantity, item.unit_price, item.discount_percent,
                                         item.discount_amount, item.tax_rate),
                               currency=spec.currency, tax_inclusive=False, field=f"lines.{position}")
        done = item.fulfilled or spec.status in _DONE
        lines.append(SalesOrderLine(
            position=position, product_id=products.get(item.sku), sku=item.sku, description=item.description[:300],
            quantity=item.quantity, unit_price=item.unit_price, discount_percent=item.discount_percent,
            discount_amount=item.discount_amount, tax_rate=item.tax_rate, line_discount=amounts.discount,
            line_tax=amounts.tax, line_total=amounts.total, quantity_fulfilled=item.quantity if done else ZERO))
        sums["subtotal"] += amounts.gross
        sums["discount_total"] += amounts.discount
        sums["tax_total"] += amounts.tax
        sums["total"] += amounts.total
    # The source's own totals win: they are what the customer was charged (shipping included).
    for name, computed in sums.items():
        given = getattr(spec, name)
        setattr(order, name, computed + (spec.shipping_total if name == "total" else ZERO) if given is None
                else given)
    return order, lines


def _order_state(order: SalesOrder) -> tuple:
    return tuple(_norm(getattr(order, name)) for name in _ORDER_FIELDS)


def _line_state(line: SalesOrderLine) -> tuple:
    return tuple(_norm(getattr(line, name)) for name in _LINE_FIELDS)


def _norm(value: object) -> object:
    if isinstance(value, Decimal):
        return value.normalize()
    if isinstance(value, datetime):
        return value.timestamp()
    return value


def _snapshot(order: SalesOrder) -> dict:
    return {"number": order.number, "status": order.status, "currency": order.currency,
            "total": str(amount_rounded(order.total, order.currency)), "external_ref": order.external_ref}


def rows_insert(model, objects: list) -> None:
    """bulk_create, or on PostgreSQL a COPY (several times faster for the millions of rows of a
    history import). Objects get their ids either way."""
    if not objects:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objects)
        return
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT nextval(pg_get_serial_sequence('{meta.db_table}', 'id')) "
                       "FROM generate_series(1, %s)", [len(objects)])
        for obj, (pk,) in zip(objects, cursor.fetchall(), strict=True):
            obj.pk = pk
        columns = ", ".join(connection.ops.quote_name(name) for name in ["id"] + [f.column for f in fields])
        sql = f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN"
        # Plain values (str, int, Decimal, aware datetime) go to COPY as they are; only JSON and
        # auto_now columns need Django's preparation, which is most of the cost when done for all.
        prepared = {i for i, f in enumerate(fields) if isinstance(f, models.JSONField)
                    or getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)}
        with connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:  # IntegrityError as Django's
            for obj in objects:
                copy.write_row([obj.pk] + [f.get_db_prep_save(f.pre_save(obj, True), connection) if i in prepared
                                           else getattr(obj, f.attname) for i, f in enumerate(fields)])
        for obj in objects:
            obj._state.adding, obj._state.db = False, connection.alias


def _write(built: list[tuple[ImportedOrder, SalesOrder, list]], existing: dict[str, SalesOrder],
           old_lines: dict[int, list[SalesOrderLine]], results: dict[str, ImportResult], origin: dict) -> None:
    new = [(order, lines) for _, order, lines in built if order.number not in existing]
    changed = []
    for spec, order, lines in built:
        current = existing.get(order.number)
        if current is None:
            continue
        order.pk, order.custom, order.updated_at = current.pk, current.custom, timezone.now()
        same = (_order_state(order) == _order_state(current)
                and [_line_state(x) for x in lines] == [_line_state(x) for x in old_lines.get(current.pk, [])])
        results[spec.number].action = "unchanged" if same else "updated"
        if not same:
            changed.append((order, lines))
    rows_insert(SalesOrder, [order for order, _ in new])
    if changed:
        SalesOrder.objects.bulk_update([order for order, _ in changed], list(_ORDER_FIELDS) + ["updated_at"])
        SalesOrderLine.objects.filter(order_id__in=[order.pk for order, _ in changed]).delete()
    all_lines = []
    for order, lines in new + changed:
        for line in lines:
            line.order = order
        all_lines += lines
    for line in all_lines:
        line.order_id = line.order.pk
    rows_insert(SalesOrderLine, all_lines)
    for order, _ in new:
        results[order.number].action = "created"
    # One audit record per batch naming every order it wrote (a million records, each sealed into
    # the hash chain, would cost more than the import itself); the orders' own fields say the rest.
    # ``origin`` names the file it came from, so an auditor can go from one order to its import.
    if new or changed:
        numbers = [order.number for order, _ in new + changed]
        audit_record_many(entries=[AuditEntry(
            action=IMPORT_BATCH_ACTION, object_type="sales.order",
            object_id=f"{numbers[0]}..{numbers[-1]}"[:100],
            changes={"created": [_snapshot(order) for order, _ in new],
                     "updated": [_snapshot(order) for order, _ in changed],
                     **({"origin": origin} if origin else {})})])


def order_import_many(*, orders: list[ImportedOrder], warehouse: Warehouse | None = None,
                      origin: dict | None = None) -> list[ImportResult]:
    """Create or update imported orders, in one transaction; each order goes in whole or not at all.

    ``origin`` (e.g. the import job and file) is kept in the batch's audit record.

    Orders that fail a check are refused one by one (their result carries the error) and the rest
    are written in bulk. Should the bulk write itself fail, each order is retried in its own savepoint."""
    warehouse = warehouse or import_warehouse()
    results = {spec.number: ImportResult(spec.number) for spec in orders}
    numbers = list(results)
    existing = {o.number: o for o in SalesOrder.objects.filter(number__in=numbers)}
    skus = {line.sku for spec in orders for line in spec.lines if line.sku}
    products = dict(Product.objects.filter(sku__in=skus).values_list("sku", "id")) if skus else {}
    refs = {spec.external_ref for spec in orders if spec.external_ref}
    taken_refs = dict(SalesOrder.objects.filter(channel=Channel.IMPORT, external_ref__in=refs)
                      .values_list("external_ref", "number")) if refs else {}
    built = []
    for spec in orders:
        current = existing.get(spec.number)
        try:
            if current is not None and current.channel != Channel.IMPORT:
                raise Conflict(f"Number {spec.number} belongs to an order entered here ({current.channel}), "
                               "not to an imported one", field="number", code="number_taken")
            owner = taken_refs.get(spec.external_ref)
            if owner is not None and owner != spec.number:
                raise Conflict(f"Source id {spec.external_ref} was imported as order {owner}", field="external_ref",
                               code="duplicate_external_ref")
            order, lines = _build(spec, products, warehouse)
        except DomainError as exc:
            results[spec.number].error = exc
            continue
        built.append((spec, order, lines))
    old_lines: dict[int, list[SalesOrderLine]] = {}
    ids = [existing[spec.number].pk for spec, _, _ in built if spec.number in existing]
    for line in SalesOrderLine.objects.filter(order_id__in=ids).order_by("order_id", "position") if ids else []:
        old_lines.setdefault(line.order_id, []).append(line)
    try:
        with transaction.atomic():
            _write(built, existing, old_lines, results, origin or {})
    except IntegrityError:
        for item in built:  # find the order at fault; the others still go in
            try:
                with transaction.atomic():
                    _write([item], existing, old_lines, results, origin or {})
            except IntegrityError as exc:
                results[item[0].number].action = ""
                results[item[0].number].error = Conflict(f"Order {item[0].number} clashes with an existing record: "
                                                         f"{exc}", field="number", code="conflict")
    return [results[number] for number in numbers]
