"""Sales order services: create, confirm, edit, hold, release, cancel, complete, record fulfilment.

Each service owns its transaction. Locks are taken in one order everywhere: the order row first,
then stock levels by product id (inside the inventory service), then the number counter, and the
audit chain head last, just before commit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Model, ProtectedError, Sum
from django.utils import timezone

from oms.core.errors import Conflict, DomainError, InvalidTransition, NotFound
from oms.core.money import Money, amount_rounded, is_known_currency
from oms.core.services.audit import AuditEntry
from oms.core.services.customfields import custom_values_clean
from oms.core.services.events import effects_write, event_build
from oms.core.services.numbering import number_allocate
from oms.core.sqlbatch import Statement, insert_together, update_statement
from oms.inventory.services import (
    PendingStock, default_location, reservation_release_all, reservation_reserve_new, reservation_set,
)
from oms.parties.models import Party
from oms.sales.hooks import order_cancel_hooks_run
from oms.sales.lines import LineSpec, build_lines, change_lines, line_snapshot, totals_of
from oms.sales.models import EXTERNAL_REF_UNIQUE, Channel, SalesOrder, SalesOrderLine
from oms.sales.selectors import ORDER_CUSTOM_TARGET, placement_context
from oms.sales.states import EDITABLE, OPEN, RESERVING, OrderStatus, transition_check

S = OrderStatus
CREDIT_HOLD_REASON = "credit limit exceeded"


@dataclass(frozen=True)
class OrderSpec:
    customer: str
    lines: list[LineSpec]
    currency: str | None = None
    channel: str = Channel.API
    external_ref: str = ""
    warehouse: str | None = None
    tax_inclusive: bool = False
    notes: str = ""
    custom: dict | None = None
    billing_address: dict | None = None
    shipping_address: dict | None = None


@dataclass(frozen=True)
class LineChange:
    line_id: int
    quantity: object = None
    unit_price: Money | None = None
    discount_percent: object = None
    discount_amount: object = None


@dataclass
class _Effects:
    """Audit entries and events a service collects, written together at the end of its transaction
    (when the order has its number), the audit chain last."""

    def __init__(self, order: SalesOrder) -> None:
        self.order = order
        self.steps: list[tuple[str, dict, str]] = []  # action, changes, status after the step

    def add(self, action: str, changes: dict, *, first: bool = False, status: str | None = None) -> None:
        step = (action, changes, status or self.order.status)
        self.steps.insert(0, step) if first else self.steps.append(step)

    def flush(self, *, rows: Sequence[Sequence[Model]] = (), before: Sequence[Statement] = ()) -> None:
        order = self.order
        total = str(amount_rounded(order.total, order.currency))
        events, entries = [], []
        for action, changes, status in self.steps:
            entries.append(AuditEntry(action=action, object_type="sales.order", object_id=order.number,
                                      changes=changes))
            payload = {**changes, "number": order.number, "status": status, "currency": order.currency,
                       "total": total}
            if "status" in changes:
                payload["previous_status"] = changes["status"][0]
            events.append(event_build(event_type=action, aggregate_type="sales.order", aggregate_id=order.number,
                                      payload=payload))
        effects_write(events=events, entries=entries, rows=rows, before=before)


def _active_customer(party: Party | None, code: str) -> Party:
    if party is None:
        raise NotFound(f"No customer with code {code!r}", field="customer")
    if not party.active:
        raise DomainError(f"Customer {code} is inactive", field="customer", code="inactive_customer")
    return party


def _open_quantities(lines: list[SalesOrderLine]) -> dict:
    """What is still to ship, per product."""
    wanted: dict = {}
    for line in lines:
        if line.product is not None:
            wanted[line.product] = wanted.get(line.product, Decimal(0)) + line.quantity - line.quantity_fulfilled
    return wanted


def _sync_reservations(order: SalesOrder, lines: list[SalesOrderLine]) -> None:
    """Hold stock for what is still to ship on each line (or nothing when the order is not reserving)."""
    wanted = _open_quantities(lines) if order.status in RESERVING else {}
    reservation_set(reference=order.stock_reference, location=default_location(order.warehouse), wanted=wanted)


def _credit_exceeded(order: SalesOrder) -> bool:
    limit = order.customer.credit_limit
    if limit is None or order.customer.currency != order.currency:
        return False
    open_total = (SalesOrder.objects.filter(customer=order.customer, currency=order.currency, status__in=OPEN)
                  .exclude(pk=order.pk).aggregate(s=Sum("total"))["s"]) or Decimal(0)
    return open_total + order.total > limit


def _set_status(order: SalesOrder, to: str, effects: _Effects, action: str, **changes) -> None:
    before = order.status
    transition_check(before, to)
    order.status = to
    effects.add(action, {"status": [before, to], **changes})


def _confirm(order: SalesOrder, effects: _Effects) -> None:
    """Move to confirmed (or on hold when over the credit limit); the caller reserves the stock."""
    _set_status(order, S.CONFIRMED, effects, "order.confirmed")
    order.confirmed_at = timezone.now()
    if _credit_exceeded(order):
        order.held_from, order.hold_reason = S.CONFIRMED, CREDIT_HOLD_REASON
        _set_status(order, S.ON_HOLD, effects, "order.held", reason=CREDIT_HOLD_REASON)


def _with_lines(order: SalesOrder, lines: list[SalesOrderLine]) -> SalesOrder:
    """Attach the lines as if prefetched, so the caller can serialise the order without re-reading it."""
    cached = order.lines.all()
    cached._result_cache = sorted(lines, key=lambda line: line.position)
    cached._prefetch_done = True
    order._prefetched_objects_cache = {"lines": cached}
    return order


def order_create(*, spec: OrderSpec, confirm: bool = False) -> SalesOrder:
    """Price and write an order, as a draft or confirmed with its stock reserved, in one transaction."""
    if not spec.customer:
        raise DomainError("customer is required", field="customer", code="required")
    placement = placement_context(customer=spec.customer, warehouse=spec.warehouse, lines=len(spec.lines))
    customer, location = _active_customer(placement.customer, spec.customer), placement.location
    if location is None:
        raise NotFound(f"No active warehouse {spec.warehouse!r}" if spec.warehouse else "No active warehouse is set up",
                       field="warehouse")
    currency = spec.currency or customer.currency
    if not is_known_currency(currency):
        raise DomainError(f"Unknown currency {currency!r}", field="currency", code="unknown_currency")
    if spec.channel not in Channel.values:
        raise DomainError(f"channel must be one of {Channel.values}", field="channel")
    if not spec.lines:
        raise DomainError("An order needs at least one line", field="lines", code="required")
    duplicate = Conflict(f"An order from {spec.channel} with reference {spec.external_ref!r} exists",
                         field="external_ref", code="duplicate_external_ref")
    if spec.external_ref and SalesOrder.objects.filter(channel=spec.channel, external_ref=spec.external_ref).exists():
        raise duplicate
    custom = (custom_values_clean(target=ORDER_CUSTOM_TARGET, values=spec.custom)
              if spec.custom or placement.has_custom_fields else {})
    addresses = placement.addresses
    order = SalesOrder(id=placement.order_id, customer=customer, currency=currency, channel=spec.channel,
                       external_ref=spec.external_ref, warehouse=location.warehouse, tax_inclusive=spec.tax_inclusive,
                       notes=spec.notes, custom=custom,
                       billing_address=spec.billing_address or addresses.get("billing", {}),
                       shipping_address=spec.shipping_address or addresses.get("shipping", {}))
    lines = build_lines(order, spec.lines, start=1)
    for name, value in totals_of(lines).items():
        setattr(order, name, value)
    if placement.line_ids:
        for line, line_id in zip(lines, placement.line_ids, strict=True):
            line.pk = line_id
    effects = _Effects(order)
    with transaction.atomic(savepoint=False):
        if confirm:
            _confirm(order, effects)
        # Stock rows first (contended per product only) and the number series last: its row lock is
        # held from allocation to commit, so only this order's own rows are written under it.
        reserved = (reservation_reserve_new(location=location, wanted=_open_quantities(lines))
                    if order.status in RESERVING else None)
        order.number = number_allocate(doc_type="sales.order")
        try:
            _insert_order(order, lines, reserved, effects)
        except IntegrityError as exc:
            if _DUPLICATE_REFERENCE.search(str(exc)):  # a concurrent order took the same channel reference
                raise duplicate from exc
            raise
    return _with_lines(order, lines)


# How each database names the unique index of (channel, external_ref) when an insert breaks it
# (SQLite names the columns, not the index).
_DUPLICATE_REFERENCE = re.compile(
    rf"{EXTERNAL_REF_UNIQUE}|{SalesOrder._meta.db_table}\.channel, {SalesOrder._meta.db_table}\.external_ref")


def _insert_order(order: SalesOrder, lines: list[SalesOrderLine], reserved: PendingStock | None,
                  effects: _Effects) -> None:
    """The INSERTs save() and bulk_create would run, without their per-call machinery. With the ids
    drawn beforehand (PostgreSQL), the order, its lines, its stock ledger rows, its audit records
    and its events go in one statement; otherwise the order and the lines first, for their ids."""
    written_with_effects = [[order], lines]
    if order.pk is None:
        insert_together([order])
        insert_together(lines)
        written_with_effects = []
    effects.add("order.created", {"lines": [line_snapshot(x) for x in lines]}, first=True, status=S.DRAFT)
    ledger = reserved.rows(reference=order.stock_reference) if reserved is not None else ()
    effects.flush(rows=[*ledger, *written_with_effects])


def _locked(order: SalesOrder) -> tuple[SalesOrder, list[SalesOrderLine]]:
    locked = (SalesOrder.objects.select_for_update(of=("self",)).select_related("customer", "warehouse")
              .get(pk=order.pk))
    lines = list(locked.lines.select_related("product__unit", "product__tax_category").order_by("position"))
    return locked, lines


def order_confirm(*, order: SalesOrder) -> SalesOrder:
    with transaction.atomic():
        order, lines = _locked(order)
        effects = _Effects(order)
        _confirm(order, effects)
        order.save(update_fields=["status", "confirmed_at", "held_from", "hold_reason", "updated_at"])
        _sync_reservations(order, lines)
        effects.flush()
    return order


def order_cancel(*, order: SalesOrder, reason: str = "") -> SalesOrder:
    with transaction.atomic():
        order, _ = _locked(order)
        effects = _Effects(order)
        _set_status(order, S.CANCELLED, effects, "order.cancelled", reason=reason)
        order.save(update_fields=["status", "updated_at"])
        reservation_release_all(reference=order.stock_reference)
        # Modules above sales follow the cancel in this transaction (shipping cancels its draft and
        # packed shipments); see oms.sales.hooks. A hook that refuses undoes the whole cancel.
        order_cancel_hooks_run(order=order, reason=reason)
        effects.flush()
    return order


def order_hold(*, order: SalesOrder, reason: str) -> SalesOrder:
    if not reason.strip():
        raise DomainError("A hold needs a reason", field="reason", code="required")
    with transaction.atomic():
        order, _ = _locked(order)
        effects = _Effects(order)
        held_from = order.status
        _set_status(order, S.ON_HOLD, effects, "order.held", reason=reason)
        order.held_from, order.hold_reason = held_from, reason
        order.save(update_fields=["status", "held_from", "hold_reason", "updated_at"])
        effects.flush()
    return order


def order_release(*, order: SalesOrder, reason: str = "") -> SalesOrder:
    with transaction.atomic():
        order, _ = _locked(order)
        effects = _Effects(order)
        if order.status != S.ON_HOLD:
            raise InvalidTransition(kind="sales order", from_state=order.status, to_state="released")
        _set_status(order, order.held_from or S.CONFIRMED, effects, "order.released",
                    reason=reason, hold_reason=order.hold_reason)
        order.held_from, order.hold_reason = "", ""
        order.save(update_fields=["status", "held_from", "hold_reason", "updated_at"])
        effects.flush()
    return order


def order_complete(*, order: SalesOrder) -> SalesOrder:
    with transaction.atomic():
        order, _ = _locked(order)
        effects = _Effects(order)
        _set_status(order, S.COMPLETED, effects, "order.completed")
        order.save(update_fields=["status", "updated_at"])
        effects.flush()
    return order


def order_lines_edit(*, order: SalesOrder, add: list[LineSpec] = (), change: list[LineChange] = (),
                     remove: list[int] = ()) -> SalesOrder:
    """Add, change and remove lines in one step; totals and reservations follow in the same transaction."""
    with transaction.atomic():
        order, lines = _locked(order)
        effects = _Effects(order)
        if order.status not in EDITABLE:
            raise Conflict(f"Order {order.number} can no longer be edited (status {order.status})",
                           field="status", code="not_editable")
        before = [line_snapshot(x) for x in lines]
        before_total = order.total
        by_id = {line.pk: line for line in lines}
        for i, line_id in enumerate(remove):
            if line_id not in by_id:
                raise NotFound(f"Order {order.number} has no line {line_id}", field=f"remove.{i}")
            if by_id[line_id].quantity_fulfilled > 0:
                raise Conflict("A line with fulfilled quantity cannot be removed", field=f"remove.{i}",
                               code="line_fulfilled")
        kept = [line for line in lines if line.pk not in set(remove)]
        changed = change_lines(order, by_id, list(change))
        start = max((line.position for line in lines), default=0) + 1
        added = build_lines(order, list(add), start=start, field="add")
        result = kept + added
        if not result:
            raise DomainError("An order needs at least one line; cancel it instead", field="remove")
        for name, value in totals_of(result).items():
            setattr(order, name, value)
        try:
            SalesOrderLine.objects.filter(pk__in=list(remove)).delete()
        except ProtectedError as exc:  # another module's document (a shipment) still refers to the line
            raise Conflict("A line that another document refers to (e.g. a shipment) cannot be removed",
                           field="remove", code="line_in_use") from exc
        if changed:
            SalesOrderLine.objects.bulk_update(changed, ["quantity", "unit_price", "discount_percent",
                                                         "discount_amount", "line_discount", "line_tax", "line_total"])
        SalesOrderLine.objects.bulk_create(added)
        order.save(update_fields=["subtotal", "discount_total", "tax_total", "total", "updated_at"])
        _sync_reservations(order, result)
        effects.add("order.updated", {"lines": [before, [line_snapshot(x) for x in result]],
                                             "total": [str(amount_rounded(before_total, order.currency)),
                                                       str(amount_rounded(order.total, order.currency))]})
        effects.flush()
    return order


FULFILLABLE = frozenset({S.CONFIRMED, S.PARTIALLY_FULFILLED})


def order_fulfilment_record(*, order: SalesOrder, quantities: dict[int, Decimal]) -> SalesOrder:
    """Record quantities shipped (line id -> quantity) and move the order to partially fulfilled or
    fulfilled. Reservations are not touched: the shipping module consumes them itself."""
    with transaction.atomic():
        order, lines = _locked(order)
        effects = _Effects(order)
        by_id = {line.pk: line for line in lines}
        if order.status not in FULFILLABLE:
            raise InvalidTransition(kind="sales order", from_state=order.status, to_state=S.PARTIALLY_FULFILLED)
        if not quantities:
            raise DomainError("Nothing to record", field="quantities", code="required")
        changed, recorded = [], {}
        for line_id, quantity in quantities.items():
            line = by_id.get(line_id)
            if line is None:
                raise NotFound(f"Order {order.number} has no line {line_id}", field=f"quantities.{line_id}")
            if not isinstance(quantity, Decimal) or not quantity.is_finite() or quantity <= 0:
                raise DomainError("quantity must be greater than zero", field=f"quantities.{line_id}",
                                  code="invalid_quantity")
            if line.quantity_fulfilled + quantity > line.quantity:
                raise Conflict(f"Line {line.position} of {order.number} has only "
                               f"{line.quantity - line.quantity_fulfilled} left to fulfil",
                               field=f"quantities.{line_id}", code="exceeds_open_quantity")
            line.quantity_fulfilled += quantity
            changed.append(line)
            recorded[str(line_id)] = str(quantity)
        updates = [update_statement(line, ["quantity_fulfilled"]) for line in changed]
        done = all(line.quantity_fulfilled >= line.quantity for line in lines)
        target = S.FULFILLED if done else S.PARTIALLY_FULFILLED
        if target != order.status:
            _set_status(order, target, effects, f"order.{target}", fulfilled=recorded)
            updates.append(update_statement(order, ["status", "updated_at"]))
        else:
            effects.add("order.fulfilment_recorded", {"fulfilled": recorded})
        effects.flush(before=updates)
    return order
