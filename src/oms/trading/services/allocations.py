"""Allocation of a block order's fills to accounts, after the fills, at the block's average price."""

from __future__ import annotations

from django.db import transaction

from oms.core.errors import Conflict, NotFound
from oms.core.models import OutboxEvent
from oms.core.money import minor_unit_places, to_decimal
from oms.core.services.events import event_build
from oms.trading.allocation import allocate
from oms.trading.models import Allocation, TradingAccount, TradingOrder
from oms.trading.services.common import Journal, order_lock, utc_now
from oms.trading.services.positions import position_trade
from oms.trading.services.reports import order_figures
from oms.trading.states import OrdStatus

S = OrdStatus


def allocation_create(*, order: TradingOrder | str, method: str,
                      splits: list[tuple[str, object]]) -> list[Allocation]:
    """Allocate everything a block order filled to accounts: ``splits`` is [(account code, percent or
    quantity)]. The block must be done (filled, cancelled or expired) and not allocated yet; a bust
    or correction of one of its fills reverses its allocations, which are then made again."""
    number = order if isinstance(order, str) else order.number
    found = TradingOrder.objects.filter(number=number).values_list("pk", flat=True).first()
    if found is None:
        raise NotFound(f"No trading order {number!r}", field="order", code="unknown_order")
    shares = [(code, to_decimal(value, field=f"splits.{i}.value")) for i, (code, value) in enumerate(splits)]
    now = utc_now()
    with transaction.atomic():
        order = order_lock(found)
        if not order.block_id:
            raise Conflict(f"Order {order.number} is not a block order", field="order", code="not_a_block_order")
        if order.status not in (S.FILLED, S.CANCELED, S.EXPIRED, S.DONE_FOR_DAY) or order.cum_qty <= 0:
            raise Conflict(f"Order {order.number} is {order.status} with {order.cum_qty} filled: allocate once it "
                           "is done and has fills", field="order", code="block_not_done")
        if Allocation.objects.filter(order=order, status=Allocation.Status.ACTIVE).exists():
            raise Conflict(f"Order {order.number} is already allocated", field="order", code="already_allocated")
        accounts = {a.code: a for a in TradingAccount.objects.filter(code__in=[c for c, _ in shares], active=True)}
        for i, (code, _) in enumerate(shares):
            if code not in accounts:
                raise NotFound(f"No active trading account {code!r}", field=f"splits.{i}.account",
                               code="unknown_account")
        figures = order_figures(order)
        parts = allocate(total=figures.cum, notional=figures.notional, lot_size=order.instrument.lot_size,
                         method=method, splits=shares, amount_places=minor_unit_places(order.instrument.currency))
        rows = []
        share_of = dict(shares)
        for part in sorted(parts, key=lambda p: accounts[p.account].pk):  # positions locked in account order
            account = accounts[part.account]
            seq = None
            if part.quantity > 0:
                seq = position_trade(account=account, instrument=order.instrument, side=order.side,
                                     quantity=part.quantity, price=order.avg_px)
            rows.append(Allocation(order=order, account=account, instrument=order.instrument, side=order.side,
                                   method=method, share=share_of[part.account], quantity=part.quantity,
                                   avg_px=order.avg_px, gross=part.gross, created_at=now, position_seq=seq))
        Allocation.objects.bulk_create(rows)
        journal = Journal()
        details = {"method": method, "parts": [[r.account.code, str(r.quantity), str(r.gross)] for r in rows],
                   "avg_px": str(order.avg_px)}
        journal.add(order, "allocated", "order_status", at=now, details=details)
        OutboxEvent.objects.bulk_create([event_build(event_type="trading.allocated", aggregate_type="trading.order",
                                                     aggregate_id=order.number, payload=details)])
        order.save(update_fields=["event_count", "updated_at"])
        journal.flush()
    return sorted(rows, key=lambda r: [c for c, _ in shares].index(r.account.code))

