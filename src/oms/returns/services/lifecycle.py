"""Return services: request (create), approve, reject, receive (by inspection, into the ledger), close.

Each service owns its transaction. Locks are taken in one order: the sales order row first (so
that concurrent returns of the same order are counted one after the other and can never together
exceed what was shipped), then the return row, then stock levels (inside the inventory service),
then the number counter; audit records last.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from oms.catalog.services import quantity_validate
from oms.core.errors import Conflict, DomainError, NotFound
from oms.core.money import to_decimal
from oms.core.services.numbering import number_allocate
from oms.inventory.models import Location, StockMove
from oms.inventory.services import default_location, stock_adjust
from oms.returns.models import Resolution, Return, ReturnLine, ReturnReason
from oms.returns.selectors import returnable_quantities
from oms.returns.services.common import lock_order, locked, move, record, text
from oms.returns.states import ReturnStatus
from oms.sales.models import SalesOrder, SalesOrderLine

S = ReturnStatus
DOC_TYPE = "returns.return"
DEFAULT_FORMAT = "RMA-{YYYY}-{seq:05d}"
ZERO = Decimal(0)


@dataclass(frozen=True)
class ReturnLineSpec:
    line_id: int  # the sales order line
    quantity: object


@dataclass(frozen=True)
class Inspection:
    """How one returned line was found on arrival; the three add up to the line's quantity."""

    line_id: int  # the sales order line
    restock: object = 0
    damaged: object = 0
    scrap: object = 0


def _quantity(line: SalesOrderLine, raw: object, field: str) -> Decimal:
    if line.product is not None:
        return quantity_validate(product=line.product, quantity=raw, field=field)
    quantity = to_decimal(raw, field=field)
    if quantity <= 0:
        raise DomainError(f"{field} must be greater than zero", field=field, code="invalid_quantity")
    return quantity


def return_create(*, order: SalesOrder, lines: list[ReturnLineSpec], reason: str, notes: str = "") -> Return:
    """Request a return of shipped order lines. Each line may return at most what was shipped less
    what other returns (not rejected) already hold: 409 ``exceeds_returnable`` otherwise, and
    nothing is written."""
    if reason not in ReturnReason.values:
        raise DomainError(f"reason must be one of {ReturnReason.values}", field="reason", code="invalid_reason")
    if not lines:
        raise DomainError("A return needs at least one line", field="lines", code="required")
    with transaction.atomic():
        order = lock_order(order)
        order_lines = {x.pk: x for x in SalesOrderLine.objects.filter(order=order).select_related("product__unit")}
        returnable = returnable_quantities(order=order)
        wanted: dict[int, Decimal] = {}
        for i, spec in enumerate(lines):
            line = order_lines.get(spec.line_id)
            if line is None:
                raise NotFound(f"Order {order.number} has no line {spec.line_id}", field=f"lines.{i}.line_id")
            if spec.line_id in wanted:
                raise DomainError(f"Order line {spec.line_id} is named twice", field=f"lines.{i}.line_id",
                                  code="duplicate")
            quantity = _quantity(line, spec.quantity, f"lines.{i}.quantity")
            left = max(returnable[line.pk], ZERO)
            if quantity > left:
                raise Conflict(f"Line {line.position} of {order.number} can return at most {text(left)} (shipped "
                               f"{text(line.quantity_fulfilled)}, less earlier returns), not {text(quantity)}",
                               field=f"lines.{i}.quantity", code="exceeds_returnable",
                               extra={"returnable": text(left)})
            wanted[line.pk] = quantity
        rma = Return.objects.create(number=f"~{uuid.uuid4().hex}", order=order, customer=order.customer,
                                    reason=reason, notes=notes)
        ReturnLine.objects.bulk_create([ReturnLine(rma=rma, order_line_id=pk, quantity=q) for pk, q in wanted.items()])
        rma.number = number_allocate(doc_type=DOC_TYPE, default_format=DEFAULT_FORMAT)  # last: the counter lock
        Return.objects.filter(pk=rma.pk).update(number=rma.number)
        record(rma, "return.requested", {"reason": reason, "lines": {str(pk): text(q) for pk, q in wanted.items()}})
    return rma


def return_approve(*, rma: Return) -> Return:
    with transaction.atomic():
        rma = locked(rma)
        changes = move(rma, S.APPROVED)
        rma.approved_at = timezone.now()
        rma.save(update_fields=["status", "approved_at", "updated_at"])
        record(rma, "return.approved", changes)
    return rma


def return_reject(*, rma: Return, reason: str) -> Return:
    """Refuse a requested return, or withdraw an approved one before the goods come back; its
    quantities may be returned again."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("A rejection needs a reason", field="reason", code="required")
    with transaction.atomic():
        rma = locked(rma)
        changes = move(rma, S.REJECTED, {"reason": reason})
        rma.rejection_reason = reason[:300]
        rma.save(update_fields=["status", "rejection_reason", "updated_at"])
        record(rma, "return.rejected", changes)
    return rma


def _location(order: SalesOrder, kind: str, field: str) -> Location:
    if kind == Location.Kind.STOCK:
        return default_location(order.warehouse)
    found = Location.objects.filter(warehouse=order.warehouse, kind=kind).order_by("id").first()
    if found is None:
        raise Conflict(f"Warehouse {order.warehouse.code} has no {kind} location for returned goods", field=field,
                       code="no_location", extra={"kind": kind})
    return found


def _inspections(rma: Return, lines: list[ReturnLine], inspection: list[Inspection] | None) -> dict[int, tuple]:
    """Per return line: (restocked, damaged, scrapped), adding up to its quantity. No inspection
    given: everything goes back to stock."""
    by_order_line = {line.order_line_id: line for line in lines}
    if inspection is None:
        return {line.pk: (line.quantity, ZERO, ZERO) for line in lines}
    found: dict[int, tuple] = {}
    for i, item in enumerate(inspection):
        line = by_order_line.get(item.line_id)
        if line is None:
            raise NotFound(f"Return {rma.number} has no line for order line {item.line_id}",
                           field=f"lines.{i}.line_id")
        if line.pk in found:
            raise DomainError(f"Order line {item.line_id} is named twice", field=f"lines.{i}.line_id",
                              code="duplicate")
        parts = []
        for name in ("restock", "damaged", "scrap"):
            value = to_decimal(getattr(item, name) or 0, field=f"lines.{i}.{name}")
            if value < 0:
                raise DomainError(f"lines.{i}.{name} must not be negative", field=f"lines.{i}.{name}",
                                  code="invalid_quantity")
            if value and line.order_line.product is not None:
                quantity_validate(product=line.order_line.product, quantity=value, field=f"lines.{i}.{name}")
            parts.append(value)
        if sum(parts) != line.quantity:
            raise DomainError(f"Restocked, damaged and scrapped of order line {item.line_id} must add up to "
                              f"{text(line.quantity)}", field=f"lines.{i}", code="inspection_mismatch")
        found[line.pk] = tuple(parts)
    missing = [line.order_line_id for line in lines if line.pk not in found]
    if missing:
        raise DomainError(f"Say how every returned line was found; missing order lines {missing}", field="lines",
                          code="required")
    return found


def return_receive(*, rma: Return, inspection: list[Inspection] | None = None) -> Return:
    """The goods are back: each line's quantity goes to the warehouse's stock, damaged or scrap
    location as inspected, through the stock ledger (receipt moves referring to the return)."""
    with transaction.atomic():
        rma = locked(rma)
        changes = move(rma, S.RECEIVED)
        lines = list(rma.lines.select_related("order_line__product__unit").order_by("id"))
        found = _inspections(rma, lines, inspection)
        kinds = (Location.Kind.STOCK, Location.Kind.DAMAGED, Location.Kind.SCRAP)
        moves = []
        for line in lines:
            line.quantity_restocked, line.quantity_damaged, line.quantity_scrapped = found[line.pk]
            product = line.order_line.product
            if product is None or not product.is_stocked:
                continue  # a service or a consumable: nothing comes back into stock
            for kind, quantity in zip(kinds, found[line.pk], strict=True):
                if quantity > 0:
                    moves.append((product, _location(rma.order, kind, f"lines.{line.order_line_id}.{kind}"),
                                  quantity, kind))
        for product, location, quantity, kind in sorted(moves, key=lambda m: (m[0].pk, m[1].pk)):  # lock order
            stock_adjust(product=product, location=location, quantity=quantity, kind=StockMove.Kind.RECEIPT,
                         reason=f"return {rma.number} ({kind})", reference=rma.stock_reference)
        ReturnLine.objects.bulk_update(lines, ["quantity_restocked", "quantity_damaged", "quantity_scrapped"])
        rma.received_at = timezone.now()
        rma.save(update_fields=["status", "received_at", "updated_at"])
        changes["lines"] = {str(line.order_line_id): {"restock": text(line.quantity_restocked),
                                                      "damaged": text(line.quantity_damaged),
                                                      "scrap": text(line.quantity_scrapped)} for line in lines}
        record(rma, "return.received", changes)
    return rma


def return_close(*, rma: Return, reason: str = "") -> Return:
    """Close a received return without settling it (nothing is owed: e.g. a goodwill return)."""
    with transaction.atomic():
        rma = locked(rma)
        changes = move(rma, S.CLOSED, {"resolution": Resolution.NONE, "reason": reason})
        rma.resolution, rma.closed_at = Resolution.NONE, timezone.now()
        rma.save(update_fields=["status", "resolution", "closed_at", "updated_at"])
        record(rma, "return.closed", changes)
    return rma
