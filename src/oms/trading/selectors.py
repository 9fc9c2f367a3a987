"""Trading reads: orders, executions, positions, allocations, the blotter, a day's order events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from django.db.models import QuerySet

from oms.core.errors import NotFound
from oms.core.selectors import audit_for_object
from oms.core.sqlbatch import fetch_as
from oms.trading.models import (
    Allocation, Execution, Instrument, KillSwitch, OrderEvent, Position, Restriction, RiskLimit, TradingAccount,
    TradingOrder,
)
from oms.trading.positions import PositionState
from oms.trading.states import WORKING


@dataclass(frozen=True)
class OrderFilter:
    account: str | None = None
    instrument: str | None = None
    status: str | None = None       # one status or several separated by commas
    working: bool | None = None
    block_id: str | None = None


def orders_list(*, filters: OrderFilter) -> QuerySet[TradingOrder]:
    qs = TradingOrder.objects.select_related("account", "instrument", "venue")
    f = filters
    if f.account:
        qs = qs.filter(account__code=f.account)
    if f.instrument:
        qs = qs.filter(instrument__symbol=f.instrument)
    if f.status:
        qs = qs.filter(status__in=f.status.split(","))
    if f.working is True:
        qs = qs.filter(status__in=sorted(WORKING))
    if f.block_id:
        qs = qs.filter(block_id=f.block_id)
    return qs


def order_get(*, ref: str) -> TradingOrder:
    """An order by its number."""
    order = TradingOrder.objects.select_related("account", "instrument", "venue").filter(number=ref).first()
    if order is None:
        raise NotFound(f"No trading order {ref!r}", field="order", code="unknown_order")
    return order


def order_events(*, order: TradingOrder) -> QuerySet[OrderEvent]:
    return OrderEvent.objects.filter(order=order).order_by("seq")


def order_timeline(*, order: TradingOrder):
    return audit_for_object(object_type="trading.order", object_id=order.pk)


def executions_list(*, account: str | None = None, order: str | None = None, fills_only: bool = True,
                    trade_date: date | None = None) -> QuerySet[Execution]:
    qs = Execution.objects.select_related("venue", "order", "account", "instrument")
    if fills_only:
        qs = qs.filter(exec_type__in=["trade", "trade_correct", "trade_cancel"])
    if account:
        qs = qs.filter(account__code=account)
    if order:
        qs = qs.filter(order__number=order)
    if trade_date:
        qs = qs.filter(trade_date=trade_date)
    return qs


def positions_list(*, account: str | None = None, instrument: str | None = None) -> QuerySet[Position]:
    qs = Position.objects.select_related("account", "instrument")
    if account:
        qs = qs.filter(account__code=account)
    if instrument:
        qs = qs.filter(instrument__symbol=instrument)
    return qs


def position_unrealised(position: Position, price: Decimal | None) -> Decimal | None:
    """Unrealised P&L at ``price`` (or at the instrument's reference price; None without either)."""
    price = price if price is not None else position.instrument.reference_price
    if price is None:
        return None
    return PositionState.from_json(position.state).unrealised(price)


def allocations_list(*, order: str | None = None, account: str | None = None) -> QuerySet[Allocation]:
    qs = Allocation.objects.select_related("order", "account", "instrument")
    if order:
        qs = qs.filter(order__number=order)
    if account:
        qs = qs.filter(account__code=account)
    return qs


def account_get(*, code: str) -> TradingAccount:
    account = TradingAccount.objects.select_related("owner", "default_venue").filter(code=code).first()
    if account is None:
        raise NotFound(f"No trading account {code!r}", field="account", code="unknown_account")
    return account


def instrument_get(*, ref: str) -> Instrument:
    instrument = Instrument.objects.filter(symbol=ref).first() or Instrument.objects.filter(isin=ref).first()
    if instrument is None:
        raise NotFound(f"No instrument {ref!r}", field="instrument", code="unknown_instrument")
    return instrument


def risk_limit_get(*, account: str | None) -> RiskLimit | None:
    return RiskLimit.objects.select_related("account").filter(
        **({"account__code": account} if account else {"account__isnull": True})).first()


def kill_switches() -> QuerySet[KillSwitch]:
    return KillSwitch.objects.select_related("account").order_by("id")


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=timezone.utc)
    return start, start + timedelta(days=1)


def events_of_day(*, day: date) -> QuerySet[OrderEvent]:
    start, end = day_bounds(day)
    return (OrderEvent.objects.filter(at__gte=start, at__lt=end)
            .select_related("order__account__owner", "order__instrument", "order__venue").order_by("at", "id"))


def fills_of_day(*, day: date) -> QuerySet[Execution]:
    return (Execution.objects.filter(trade_date=day, is_fill=True)
            .select_related("order", "account__owner", "instrument", "venue").order_by("received_at", "id"))


def standing_facts(*, account_id: int, instrument_id: int, needs_position: bool,
                   exclude_order_id: int | None) -> dict:
    """What the pre-trade checks read after the account's lock, in one portable query: kill switches
    (firm-wide, the account's) and restrictions that apply, and when a check needs them the position
    and the quantity still open on the account's working orders by side (block parents excluded).
    Plain SQL because every order runs it and compiling the equivalent QuerySet of EXISTS and
    sub-selects cost more CPU than the query; values are converted as the ORM converts them."""
    kill, restriction = KillSwitch._meta.db_table, Restriction._meta.db_table
    columns = {
        "kill_firm": (f"EXISTS (SELECT 1 FROM {kill} WHERE account_id IS NULL AND active)", []),
        "kill_own": (f"EXISTS (SELECT 1 FROM {kill} WHERE account_id = %s AND active)", [account_id]),
        "restricted_firm": (f"EXISTS (SELECT 1 FROM {restriction} WHERE account_id IS NULL AND instrument_id = %s)",
                            [instrument_id]),
        "restricted_own": (f"EXISTS (SELECT 1 FROM {restriction} WHERE account_id = %s AND instrument_id = %s)",
                           [account_id, instrument_id]),
    }
    flag = KillSwitch._meta.get_field("active")
    fields = [flag] * 4
    if needs_position:
        statuses = sorted(WORKING)
        working = (f"SELECT SUM(leaves_qty) FROM {TradingOrder._meta.db_table} WHERE account_id = %s "
                   f"AND instrument_id = %s AND status IN ({', '.join('%s' for _ in statuses)}) AND NOT (block_id > '')"
                   + (" AND id <> %s" if exclude_order_id is not None else ""))
        working_params = [account_id, instrument_id, *statuses]
        if exclude_order_id is not None:
            working_params.append(exclude_order_id)
        columns["position"] = (f"(SELECT quantity FROM {Position._meta.db_table} WHERE account_id = %s "
                               "AND instrument_id = %s)", [account_id, instrument_id])
        columns["working_buy"] = (f"({working} AND side = 'buy')", working_params)
        columns["working_sell"] = (f"({working} AND side <> 'buy')", working_params)
        quantity = Position._meta.get_field("quantity")
        fields += [quantity, TradingOrder._meta.get_field("leaves_qty"), TradingOrder._meta.get_field("leaves_qty")]
    sql = "SELECT " + ", ".join(expression for expression, _ in columns.values())
    (row,) = fetch_as(fields, sql, [p for _, params in columns.values() for p in params])
    return dict(zip(columns, row, strict=True))
