"""Schemas of the trading reference data, risk limits and kill switch endpoints."""

from __future__ import annotations

from decimal import Decimal

from ninja import Field, Schema

from oms.core.schemas import AmountIn


class InstrumentIn(Schema):
    symbol: str = Field(min_length=1, max_length=30)
    name: str = Field(min_length=1, max_length=200)
    isin: str | None = Field(None, max_length=12)
    mic: str = Field("", max_length=4)
    currency: str = Field(min_length=3, max_length=3)
    tick_size: AmountIn
    lot_size: AmountIn = "1"
    price_decimals: int = Field(2, ge=0, le=8)
    quantity_decimals: int = Field(0, ge=0, le=4)
    reference_price: AmountIn | None = None


class InstrumentPatch(Schema):
    reference_price: AmountIn | None = None
    halted: bool | None = None
    active: bool | None = None


class InstrumentOut(Schema):
    symbol: str
    isin: str | None
    name: str
    mic: str
    currency: str
    tick_size: Decimal
    lot_size: Decimal
    price_decimals: int
    quantity_decimals: int
    reference_price: Decimal | None
    active: bool
    halted: bool


class AccountIn(Schema):
    code: str = Field(min_length=1, max_length=30)
    name: str = Field(min_length=1, max_length=200)
    owner: str = Field(min_length=1, max_length=50, description="The owner party's code")
    base_currency: str = Field(min_length=3, max_length=3)
    default_venue: str | None = Field(None, max_length=20)
    short_selling_allowed: bool = False
    cost_method: str = Field("fifo", max_length=10, description="fifo or average")
    lei: str = Field("", max_length=20)


class AccountOut(Schema):
    code: str
    name: str
    owner: str
    base_currency: str
    default_venue: str | None
    short_selling_allowed: bool
    cost_method: str
    lei: str
    active: bool

    @staticmethod
    def resolve_owner(obj):
        return obj.owner.code

    @staticmethod
    def resolve_default_venue(obj):
        return obj.default_venue.code if obj.default_venue_id else None


class VenueIn(Schema):
    code: str = Field(min_length=1, max_length=20)
    name: str = Field(min_length=1, max_length=100)
    mic: str = Field("", max_length=4)


class VenueOut(Schema):
    code: str
    name: str
    mic: str
    active: bool


class RiskLimitIn(Schema):
    account: str | None = Field(None, max_length=30, description="Omit for the firm-wide limits")
    max_order_quantity: AmountIn | None = None
    max_order_value: AmountIn | None = None
    max_position: AmountIn | None = None
    max_daily_value: AmountIn | None = None
    price_collar_percent: AmountIn | None = None
    max_orders_per_second: int | None = Field(None, ge=1)
    duplicate_window_seconds: int | None = Field(None, ge=1)


class RiskLimitOut(Schema):
    account: str | None
    max_order_quantity: Decimal | None
    max_order_value: Decimal | None
    max_position: Decimal | None
    max_daily_value: Decimal | None
    price_collar_percent: Decimal | None
    max_orders_per_second: int | None
    duplicate_window_seconds: int | None

    @staticmethod
    def resolve_account(obj):
        return obj.account.code if obj.account_id else None


class RestrictionIn(Schema):
    instrument: str = Field(min_length=1, max_length=40)
    account: str | None = Field(None, max_length=30, description="Omit for a firm-wide restriction")
    reason: str = Field("", max_length=200)


class RestrictionOut(Schema):
    id: int
    instrument: str
    account: str | None
    reason: str

    @staticmethod
    def resolve_instrument(obj):
        return obj.instrument.symbol

    @staticmethod
    def resolve_account(obj):
        return obj.account.code if obj.account_id else None


class KillSwitchIn(Schema):
    account: str | None = Field(None, max_length=30, description="Omit for the firm-wide kill switch")
    engaged: bool
    reason: str = Field("", max_length=200)


class KillSwitchOut(Schema):
    account: str | None
    engaged: bool
    reason: str
    cancels_sent: int | None = None
