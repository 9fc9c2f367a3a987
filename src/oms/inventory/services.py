"""Inventory services: the only code that changes stock.

Every change goes through ``_apply_changes``: conditional UPDATEs (several rows in one statement,
see levels_sql), with rows locked in a fixed order (product id, then location id) so two
transactions wanting the same rows never deadlock, and refused by the WHERE clause, not by a
read-then-write race, when stock is short.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from oms.catalog.models import Product
from oms.catalog.services import quantity_validate
from oms.core.errors import Conflict, DomainError
from oms.core.services.audit import audit_record
from oms.core.sqlbatch import insert_together
from oms.core.services.events import event_build
from oms.core.models import OutboxEvent
from oms.inventory.levels_sql import levels_change
from oms.inventory.models import Location, Reservation, StockLevel, StockMove, Warehouse

QUANTUM = Decimal("0.0001")
ZERO = Decimal(0)


class InsufficientStock(Conflict):
    code = "insufficient_stock"


@dataclass(frozen=True)
class Change:
    product: Product
    location: Location
    on_hand_delta: Decimal
    reserved_delta: Decimal
    kind: str
    reference: str = ""
    reason: str = ""
    unit_cost: Decimal | None = None  # goods received: what one unit cost, in cost_currency
    cost_currency: str = ""


def _dec(value) -> Decimal:
    # SQLite returns NUMERIC results as int or float; quantities have at most 4 places.
    return Decimal(str(value)).quantize(QUANTUM)


def _may_go_short(product: Product) -> bool:
    return product.allow_backorder or not product.is_stocked


_UPDATE = (
    "UPDATE inventory_stocklevel SET on_hand = on_hand + %s, reserved = reserved + %s, "
    "backorder_allowed = %s, updated_at = %s WHERE product_id = %s AND location_id = %s "
    "AND reserved + %s >= 0{guard} RETURNING on_hand, reserved"
)
_GUARD = " AND on_hand + %s >= reserved + %s AND on_hand + %s >= 0"


def _update_level(change: Change) -> tuple[Decimal, Decimal] | None:
    """Apply one change if the stock allows it; returns (on_hand, reserved) after, or None."""
    short_ok = _may_go_short(change.product)
    params = [change.on_hand_delta, change.reserved_delta, short_ok, timezone.now(),
              change.product.pk, change.location.pk, change.reserved_delta]
    if not short_ok:
        params += [change.on_hand_delta, change.reserved_delta, change.on_hand_delta]
    with connection.cursor() as cursor:
        cursor.execute(_UPDATE.format(guard="" if short_ok else _GUARD), params)
        row = cursor.fetchone()
    return None if row is None else (_dec(row[0]), _dec(row[1]))


def _create_level(change: Change) -> tuple[Decimal, Decimal] | None:
    on_hand, reserved = change.on_hand_delta, change.reserved_delta
    if reserved < 0 or (not _may_go_short(change.product) and (on_hand < reserved or on_hand < 0)):
        return None
    try:
        with transaction.atomic():
            StockLevel.objects.create(product=change.product, location=change.location, on_hand=on_hand,
                                      reserved=reserved, backorder_allowed=_may_go_short(change.product))
    except IntegrityError:
        return _update_level(change)  # created concurrently: apply to that row instead
    return on_hand, reserved


def _low_stock_event(change: Change, after: tuple[Decimal, Decimal]) -> OutboxEvent | None:
    threshold = change.product.low_stock_threshold
    if threshold is None:
        return None
    available_after = after[0] - after[1]
    available_before = available_after - change.on_hand_delta + change.reserved_delta
    if available_after < threshold <= available_before:
        return event_build(event_type="stock.low", aggregate_type="catalog.product", aggregate_id=change.product.sku,
                           payload={"sku": change.product.sku, "location": change.location.pk,
                                    "available": available_after, "threshold": threshold})
    return None


@dataclass
class PendingStock:
    """Stock levels already changed (and locked) whose ledger rows are not written yet.

    Lets a caller take its own serialising locks (a document number) after the stock rows and
    just before commit, then record the moves under that number.
    """

    changes: list[Change]
    events: list[OutboxEvent]
    reservations: list[Reservation]

    def record(self, *, reference: str | None = None) -> list[StockMove]:
        """Write the ledger rows; the moves come back with their ids."""
        rows = self.rows(reference=reference)
        # One statement on PostgreSQL (sqlbatch); the moves last, as their ids are returned.
        insert_together(*rows)
        return rows[-1]

    def rows(self, *, reference: str | None = None) -> tuple[list[Reservation], list[OutboxEvent], list[StockMove]]:
        """The ledger rows, unsaved, for a caller that writes them in one statement with its own rows
        (``sqlbatch.insert_together``): reservations, outbox events, stock moves."""
        moves = [StockMove(product=c.product, location=c.location, kind=c.kind, on_hand_delta=c.on_hand_delta,
                           reserved_delta=c.reserved_delta, reason=c.reason, reference=reference or c.reference,
                           unit_cost=c.unit_cost, cost_currency=c.cost_currency)
                 for c in self.changes]
        for row in self.reservations:
            row.reference = reference or row.reference
        return self.reservations, self.events, moves


def _change_levels_at_once(ordered: list[Change]) -> dict[tuple[int, int], tuple[Decimal, Decimal]]:
    """Apply every change the stock allows in one statement (see levels_sql); returns
    (product id, location id) -> (on_hand, reserved) after, for the rows it changed."""
    keys = {(c.product.pk, c.location.pk) for c in ordered}
    if len(ordered) < 2 or len(keys) < len(ordered):  # one row, or the same row twice: one at a time
        return {}
    rows = levels_change([(c.product.pk, c.location.pk, c.on_hand_delta, c.reserved_delta, _may_go_short(c.product))
                          for c in ordered], now=timezone.now())
    return {(product_id, location_id): (_dec(on_hand), _dec(reserved))
            for product_id, location_id, on_hand, reserved in rows}


def _change_levels(changes: list[Change]) -> PendingStock:
    """Apply changes to the stock levels in lock order; all or nothing (the caller's transaction)."""
    if not connection.in_atomic_block:
        raise RuntimeError("stock changes must run inside a transaction")
    ordered = sorted(changes, key=lambda c: (c.product.pk, c.location.pk))
    changed = _change_levels_at_once(ordered)
    events = []
    for change in ordered:
        after = changed.get((change.product.pk, change.location.pk))
        if after is None and len(changed) < len(ordered):
            after = _update_level(change)  # refused (short) or no stock level yet: one row at a time
        if after is None:
            after = _create_level(change) if not StockLevel.objects.filter(
                product=change.product, location=change.location).exists() else None
        if after is None:
            raise InsufficientStock(
                f"Not enough stock of {change.product.sku} at {change.location}",
                field="quantity", extra={"sku": change.product.sku})
        event = _low_stock_event(change, after)
        if event is not None:
            events.append(event)
    return PendingStock(changes=ordered, events=events, reservations=[])


def _apply_changes(changes: list[Change]) -> list[StockMove]:
    return _change_levels(changes).record()


def reservation_reserve_new(*, location: Location, wanted: dict[Product, Decimal]) -> PendingStock:
    """Reserve stock for a document that holds none yet; ``record(reference=...)`` writes the ledger."""
    stocked = {p: q for p, q in wanted.items() if p.is_stocked and q > 0}
    pending = _change_levels([Change(p, location, ZERO, q, StockMove.Kind.RESERVATION) for p, q in stocked.items()])
    pending.reservations = [Reservation(product=p, location=location, quantity=q) for p, q in stocked.items()]
    return pending


def warehouse_create(*, code: str, name: str, address: dict | None = None) -> Warehouse:
    if Warehouse.objects.filter(code=code).exists():
        raise Conflict(f"Warehouse {code!r} already exists", field="code", code="duplicate")
    with transaction.atomic():
        warehouse = Warehouse.objects.create(code=code, name=name, address=address or {})
        Location.objects.create(warehouse=warehouse, code="STOCK", name="Stock", is_default=True)
        audit_record(action="warehouse.created", object_type="inventory.warehouse", object_id=warehouse.pk,
                     changes={"code": code, "name": name})
    return warehouse


def warehouse_update(*, warehouse: Warehouse, name: str | None = None, address: dict | None = None,
                     active: bool | None = None) -> Warehouse:
    with transaction.atomic():
        before = {"name": warehouse.name, "address": warehouse.address, "active": warehouse.active}
        warehouse.name = warehouse.name if name is None else name
        warehouse.address = warehouse.address if address is None else address
        warehouse.active = warehouse.active if active is None else active
        warehouse.save()
        after = {"name": warehouse.name, "address": warehouse.address, "active": warehouse.active}
        audit_record(action="warehouse.updated", object_type="inventory.warehouse", object_id=warehouse.pk,
                     changes={k: [before[k], after[k]] for k in before if before[k] != after[k]})
    return warehouse


def location_create(*, warehouse: Warehouse, code: str, name: str = "", kind: str = Location.Kind.STOCK) -> Location:
    if kind not in Location.Kind.values:
        raise DomainError(f"kind must be one of {Location.Kind.values}", field="kind")
    with transaction.atomic():
        location = Location.objects.create(warehouse=warehouse, code=code, name=name, kind=kind)
        audit_record(action="location.created", object_type="inventory.location", object_id=location.pk,
                     changes={"warehouse": warehouse.code, "code": code, "kind": kind})
    return location


def default_location(warehouse: Warehouse) -> Location:
    location = Location.objects.filter(warehouse=warehouse, is_default=True).first()
    if location is None:
        raise DomainError(f"Warehouse {warehouse.code} has no default location", field="warehouse")
    return location


def stock_adjust(*, product: Product, location: Location, quantity: Decimal, reason: str,
                 kind: str = StockMove.Kind.ADJUSTMENT, reference: str = "") -> StockMove:
    """Add (positive) or remove (negative) on-hand stock, with a reason the ledger keeps."""
    if not product.is_stocked:
        raise DomainError(f"{product.sku} is not a stocked product", field="sku", code="not_stocked")
    if not reason.strip():
        raise DomainError("An adjustment needs a reason", field="reason")
    if quantity == 0:
        raise DomainError("quantity must not be zero", field="quantity", code="invalid_quantity")
    quantity_validate(product=product, quantity=abs(quantity))
    with transaction.atomic():
        (move,) = _apply_changes([Change(product, location, quantity, ZERO, kind, reference, reason)])
        audit_record(action=f"stock.{kind}", object_type="catalog.product", object_id=product.sku,
                     changes={"location": str(location), "on_hand_delta": quantity, "reason": reason})
    return move


@dataclass(frozen=True)
class Receipt:
    """Goods in: ``quantity`` of ``product`` at ``unit_cost`` (in ``currency``)."""

    product: Product
    quantity: Decimal
    unit_cost: Decimal
    currency: str


def stock_receive(*, location: Location, items: list[Receipt], reference: str, reason: str = "") -> list[StockMove]:
    """Receive goods into ``location`` with their unit cost, one ``receipt`` move each, in the caller's
    transaction. On-hand rises, reserved does not: open reservations there (backorders, where
    reserved exceeds on hand) are covered first by what arrives, since only ``on_hand - reserved``
    is available to new orders."""
    if not items:
        raise DomainError("A receipt needs at least one line", field="lines", code="required")
    changes = []
    for i, item in enumerate(items):
        if not item.product.is_stocked:
            raise DomainError(f"{item.product.sku} is not a stocked product", field=f"lines.{i}.sku",
                              code="not_stocked")
        quantity_validate(product=item.product, quantity=item.quantity, field=f"lines.{i}.quantity")
        if item.unit_cost < 0:
            raise DomainError("unit cost must not be negative", field=f"lines.{i}.unit_cost", code="invalid_amount")
        changes.append(Change(item.product, location, item.quantity, ZERO, StockMove.Kind.RECEIPT, reference,
                              reason, unit_cost=item.unit_cost, cost_currency=item.currency))
    with transaction.atomic(savepoint=False):
        moves = _apply_changes(changes)
    return moves


def stock_transfer(*, product: Product, source: Location, destination: Location, quantity: Decimal,
                   reason: str = "") -> list[StockMove]:
    if source.pk == destination.pk:
        raise DomainError("source and destination are the same location", field="destination")
    quantity_validate(product=product, quantity=quantity)
    with transaction.atomic():
        moves = _apply_changes([
            Change(product, source, -quantity, ZERO, StockMove.Kind.TRANSFER_OUT, reason=reason),
            Change(product, destination, quantity, ZERO, StockMove.Kind.TRANSFER_IN, reason=reason),
        ])
        audit_record(action="stock.transfer", object_type="catalog.product", object_id=product.sku,
                     changes={"from": str(source), "to": str(destination), "quantity": quantity})
    return moves


def reservation_set(*, reference: str, location: Location | None, wanted: dict[Product, Decimal]) -> list[StockMove]:
    """Make the document's reservations at ``location`` equal ``wanted`` (product -> quantity).

    Confirming reserves, editing re-reserves only the difference, cancelling (wanted={}) releases
    everything. Non-stocked products are ignored. Must run in the caller's transaction (a new
    document that holds nothing yet uses ``reservation_reserve_new`` instead).
    """
    existing = {r.product_id: r for r in Reservation.objects.filter(reference=reference)}
    stocked = {p: q for p, q in wanted.items() if p.is_stocked and q > 0}
    by_id = {p.pk: p for p in stocked}
    products_needed = [pid for pid in existing if pid not in by_id]
    by_id.update({p.pk: p for p in Product.objects.filter(pk__in=products_needed)} if products_needed else {})
    changes, to_create, to_update, to_delete = [], [], [], []
    for pid in sorted(set(existing) | {p.pk for p in stocked}):
        product = by_id[pid]
        current = existing.get(pid)
        have = current.quantity if current else ZERO
        target = stocked.get(product, ZERO)
        delta = target - have
        if delta == 0:
            continue
        loc = current.location if current else location
        kind = StockMove.Kind.RESERVATION if delta > 0 else StockMove.Kind.RELEASE
        changes.append(Change(product, loc, ZERO, delta, kind, reference))
        if current is None:
            to_create.append(Reservation(reference=reference, product=product, location=loc, quantity=target))
        elif target == 0:
            to_delete.append(current.pk)
        else:
            current.quantity = target
            to_update.append(current)
    if not changes:
        return []
    moves = _apply_changes(changes)
    if to_create:
        Reservation.objects.bulk_create(to_create)
    if to_update:
        Reservation.objects.bulk_update(to_update, ["quantity"])
    if to_delete:
        Reservation.objects.filter(pk__in=to_delete).delete()
    return moves


def reservation_release_all(*, reference: str) -> list[StockMove]:
    return reservation_set(reference=reference, location=None, wanted={})


def reservations_consume(*, reference: str, quantities: dict[Product, Decimal]) -> list[StockMove]:
    """Ship reserved goods (product -> quantity): on-hand and reserved both go down, and the document's
    reservations by as much (used by fulfilment). All or nothing, in the caller's transaction."""
    held: dict[int, Reservation] = {}
    for row in (Reservation.objects.select_related("location").filter(reference=reference,
                                                                       product__in=list(quantities)).order_by("id")):
        held.setdefault(row.product_id, row)  # the oldest, should a document hold one at two locations
    changes, used_up, partly = [], [], []
    for product, quantity in sorted(quantities.items(), key=lambda item: item[0].pk):
        current = held.get(product.pk)
        if current is None or current.quantity < quantity:
            raise InsufficientStock(f"{reference} has not reserved {quantity} of {product.sku}", field="quantity")
        changes.append(Change(product, current.location, -quantity, -quantity, StockMove.Kind.SHIPMENT, reference))
        if current.quantity == quantity:
            used_up.append(current.pk)
        else:
            current.quantity -= quantity
            partly.append(current)
    moves = _apply_changes(changes)
    if used_up:
        Reservation.objects.filter(pk__in=used_up).delete()
    if partly:
        Reservation.objects.bulk_update(partly, ["quantity"])
    return moves
