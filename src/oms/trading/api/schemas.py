"""Schemas of the trading API: what comes in (shapes only; rules are the services') and what goes out."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from ninja import Field, Schema

from oms.core.schemas import AmountIn


class OrderIn(Schema):
    account: str = Field(min_length=1, max_length=30)
    cl_ord_id: str = Field(min_length=1, max_length=64, description="Unique per account")
    instrument: str = Field(min_length=1, max_length=40, description="Symbol or ISIN")
    side: str = Field(max_length=10, description="buy, sell or sell_short")
    order_type: str = Field("limit", max_length=10, description="market, limit, stop or stop_limit")
    quantity: AmountIn
    price: AmountIn | None = None
    stop_price: AmountIn | None = None
    time_in_force: str = Field("day", max_length=12, description="day, gtc, ioc, fok, gtd, at_the_open, at_the_close")
    expire_at: datetime | None = Field(None, description="For gtd orders; UTC when no offset is given")
    venue: str | None = Field(None, max_length=20, description="Omit to route to the account's default venue")
    block_id: str | None = Field(None, max_length=64, description="Makes this a block order, allocated later")


class CancelIn(Schema):
    cl_ord_id: str = Field(min_length=1, max_length=64, description="A new ClOrdID for the cancel request")


class ReplaceIn(Schema):
    cl_ord_id: str = Field(min_length=1, max_length=64, description="A new ClOrdID for the replace request")
    quantity: AmountIn
    price: AmountIn | None = None
    stop_price: AmountIn | None = None
    time_in_force: str | None = Field(None, max_length=12)
    expire_at: datetime | None = None


class OrderOut(Schema):
    number: str
    account: str
    instrument: str
    venue: str | None
    cl_ord_id: str
    orig_cl_ord_id: str
    side: str
    order_type: str
    time_in_force: str
    quantity: Decimal
    price: Decimal | None
    stop_price: Decimal | None
    expire_at: datetime | None
    status: str
    reject_code: str
    reject_text: str
    cum_qty: Decimal
    leaves_qty: Decimal
    avg_px: Decimal
    block_id: str
    received_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_account(obj):
        return obj.account.code

    @staticmethod
    def resolve_instrument(obj):
        return obj.instrument.symbol if obj.instrument_id else obj.instrument_ref

    @staticmethod
    def resolve_venue(obj):
        return obj.venue.code if obj.venue_id else None


class OrderPage(Schema):
    items: list[OrderOut]
    next_cursor: str | None


class OrderEventOut(Schema):
    seq: int
    event: str
    exec_id: str
    exec_type: str
    ord_status: str
    at: datetime
    cl_ord_id: str
    orig_cl_ord_id: str
    quantity: Decimal
    price: Decimal | None
    last_qty: Decimal
    last_px: Decimal
    cum_qty: Decimal
    leaves_qty: Decimal
    avg_px: Decimal
    venue: str
    reject_code: str
    text: str


class ExecutionOut(Schema):
    id: int
    venue: str
    exec_id: str
    order: str
    account: str
    instrument: str
    side: str
    exec_type: str
    last_qty: Decimal
    last_px: Decimal
    liquidity: str
    commission: Decimal
    fees: Decimal
    ref_exec_id: str
    status: str
    transact_time: datetime
    received_at: datetime

    @staticmethod
    def resolve_venue(obj):
        return obj.venue.code

    @staticmethod
    def resolve_order(obj):
        return obj.order.number

    @staticmethod
    def resolve_account(obj):
        return obj.account.code

    @staticmethod
    def resolve_instrument(obj):
        return obj.instrument.symbol


class ExecutionPage(Schema):
    items: list[ExecutionOut]
    next_cursor: str | None


class PositionOut(Schema):
    account: str
    instrument: str
    currency: str
    quantity: Decimal
    avg_cost: Decimal
    realised_pnl: Decimal
    unrealised_pnl: Decimal | None
    mark_price: Decimal | None


class AllocationSplitIn(Schema):
    account: str = Field(min_length=1, max_length=30)
    value: AmountIn = Field(description="A percentage (method percent) or a quantity (method quantity)")


class AllocationIn(Schema):
    order: str = Field(min_length=1, max_length=40, description="The block order's number")
    method: str = Field(max_length=10, description="percent or quantity")
    splits: list[AllocationSplitIn] = Field(min_length=1, max_length=500)


class AllocationOut(Schema):
    id: int
    order: str
    account: str
    instrument: str
    side: str
    method: str
    share: Decimal
    quantity: Decimal
    avg_px: Decimal
    gross: Decimal
    status: str
    created_at: datetime

    @staticmethod
    def resolve_order(obj):
        return obj.order.number

    @staticmethod
    def resolve_account(obj):
        return obj.account.code

    @staticmethod
    def resolve_instrument(obj):
        return obj.instrument.symbol
