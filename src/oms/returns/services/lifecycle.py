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
from oms.returns.states import ReturnStatus, transition_check
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


def _parts(rma: Return, i: int, item: Inspection, line: ReturnLine, partial: bool) -> tuple:
    parts = []
    for name in ("restock", "damaged", "scrap"):
        value = to_decimal(getattr(item, name) or 0, field=f"lines.{i}.{name}")
        if value < 0:
            raise DomainError(f"lines.{i}.{name} must not be negative", field=f"lines.{i}.{name}",
                              code="invalid_quantity")
        if value and line.order_line.product is not None:
            quantity_validate(product=line.order_line.product, quantity=value, field=f"lines.{i}.{name}")
        parts.append(value)
    left, total = line.quantity_outstanding, sum(parts)
    if partial and total > left:
        raise Conflict(f"Only {text(left)} of order line {item.line_id} is still to come back on return "
                       f"{rma.number}, not {text(total)}", field=f"lines.{i}", code="exceeds_outstanding",
                       extra={"outstanding": text(left)})
    if not partial and total != left:
        raise DomainError(f"Restocked, damaged and scrapped of order line {item.line_id} must add up to "
                          f"{text(left)}", field=f"lines.{i}", code="inspection_mismatch")
    return tuple(parts)


def _inspections(rma: Return, lines: list[ReturnLine], inspection: list[Inspection] | None,
                 partial: bool) -> dict[int, tuple]:
    """Per return line: what arrives now as (restocked, damaged, scrapped).

    A full receipt (the default) takes everything still outstanding: the parts of every line add up
    to what is outstanding on it; no inspection given means everything back to stock. A partial
    receipt names only the lines (and quantities) that arrived, each at most what is outstanding.
    """
    by_order_line = {line.order_line_id: line for line in lines}
    if inspection is None:
        if partial:
            raise DomainError("A partial receipt says which lines arrived and how they were found", field="lines",
                              code="required")
        return {line.pk: (line.quantity_outstanding, ZERO, ZERO) for line in lines}
    found: dict[int, tuple] = {}
    for i, item in enumerate(inspection):
        line = by_order_line.get(item.line_id)
        if line is None:
            raise NotFound(f"Return {rma.number} has no line for order line {item.line_id}",
                           field=f"lines.{i}.line_id")
        if line.pk in found:
            raise DomainError(f"Order line {item.line_id} is named twice", field=f"lines.{i}.line_id",
                              code="duplicate")
        found[line.pk] = _parts(rma, i, item, line, partial)
    if partial:
        if not any(sum(parts) for parts in found.values()):
            raise DomainError("A partial receipt needs at least one quantity that arrived", field="lines",
                              code="required")
        return found
    missing = [line.order_line_id for line in lines if line.pk not in found and line.quantity_outstanding]
    if missing:
        raise DomainError(f"Say how every returned line was found; missing order lines {missing}", field="lines",
                          code="required")
    return found


def return_receive(*, rma: Return, inspection: list[Inspection] | None = None, partial: bool = False) -> Return:
    """Goods are back: each part goes to the warehouse's stock, damaged or scrap location as
    inspected, through the stock ledger (receipt moves referring to the return).

    By default everything still outstanding arrives now and the return is ``received``. With
    ``partial=True`` only the named quantities arrive; the return is ``partially_received`` until
    the rest comes (by further partial receipts or one full receipt), then ``received``.
    """
    with transaction.atomic():
        rma = locked(rma)
        transition_check(rma.status, S.PARTIALLY_RECEIVED if partial else S.RECEIVED)
        lines = list(rma.lines.select_related("order_line__product__unit").order_by("id"))
        found = _inspections(rma, lines, inspection, partial)
        kinds = (Location.Kind.STOCK, Location.Kind.DAMAGED, Location.Kind.SCRAP)
        moves = []
        for line in lines:
            arrived = found.get(line.pk, (ZERO, ZERO, ZERO))
            line.quantity_restocked += arrived[0]
            line.quantity_damaged += arrived[1]
            line.quantity_scrapped += arrived[2]
            product = line.order_line.product
            if product is None or not product.is_stocked:
                continue  # a service or a consumable: nothing comes back into stock
            for kind, quantity in zip(kinds, arrived, strict=True):
                if quantity > 0:
                    moves.append((product, _location(rma.order, kind, f"lines.{line.order_line_id}.{kind}"),
                                  quantity, kind))
        complete = not any(line.quantity_outstanding for line in lines)
        changes = move(rma, S.RECEIVED if complete else S.PARTIALLY_RECEIVED)
        for product, location, quantity, kind in sorted(moves, key=lambda m: (m[0].pk, m[1].pk)):  # lock order
            stock_adjust(product=product, location=location, quantity=quantity, kind=StockMove.Kind.RECEIPT,
                         reason=f"return {rma.number} ({kind})", reference=rma.stock_reference)
        ReturnLine.objects.bulk_update(lines, ["quantity_restocked", "quantity_damaged", "quantity_scrapped"])
        if complete:
            rma.received_at = timezone.now()
        rma.save(update_fields=["status", "received_at", "updated_at"])
        changes["lines"] = {str(line.order_line_id): {"restock": text(found[line.pk][0]),
                                                      "damaged": text(found[line.pk][1]),
                                                      "scrap": text(found[line.pk][2])}
                            for line in lines if line.pk in found and sum(found[line.pk])}
        if not complete:
            changes["outstanding"] = {str(line.order_line_id): text(line.quantity_outstanding) for line in lines
                                      if line.quantity_outstanding}
        record(rma, "return.received" if complete else "return.partially_received", changes)
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
