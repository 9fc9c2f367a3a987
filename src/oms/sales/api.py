"""Sales API: orders (create as draft or confirmed, list, get) and their actions and edits."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from ninja import Field, Header, Query, Router, Schema

from oms.core.apikit import idempotent, json_timestamp, page_of, require_perm
from oms.core.money import Money, amount_rounded, to_decimal
from oms.core.schemas import AmountIn
from oms.sales.lines import LineSpec
from oms.sales.selectors import OrderFilter, order_find, order_get, order_list, order_timeline
from oms.sales.services import (
    LineChange, OrderSpec, order_cancel, order_complete, order_confirm, order_create, order_hold,
    order_lines_edit, order_release,
)

router = Router(tags=["sales"])


class MoneyIn(Schema):
    amount: AmountIn
    currency: str = Field(min_length=3, max_length=3)

    def to_money(self, prefix: str) -> Money:
        return Money(to_decimal(self.amount, field=f"{prefix}.amount"), self.currency)


class LineIn(Schema):
    sku: str | None = Field(None, max_length=64)
    description: str | None = Field(None, max_length=300)
    quantity: AmountIn
    unit_price: MoneyIn | None = None
    discount_percent: AmountIn | None = None
    discount_amount: AmountIn | None = None
    tax_rate: AmountIn | None = None

    def to_spec(self, prefix: str) -> LineSpec:
        return LineSpec(sku=self.sku, description=self.description, quantity=self.quantity,
                        unit_price=self.unit_price.to_money(f"{prefix}.unit_price") if self.unit_price else None,
                        discount_percent=self.discount_percent, discount_amount=self.discount_amount,
                        tax_rate=self.tax_rate)


class OrderIn(Schema):
    customer: str = Field(min_length=1, max_length=50, description="The customer's code")
    lines: list[LineIn] = Field(min_length=1, max_length=5000)
    currency: str | None = Field(None, min_length=3, max_length=3)
    channel: str = Field("api", max_length=20)
    external_ref: str = Field("", max_length=100)
    warehouse: str | None = Field(None, max_length=20)
    tax_inclusive: bool = False
    confirm: bool = Field(False, description="Create the order confirmed (reserving stock) instead of as a draft")
    notes: str = Field("", max_length=5000)
    custom: dict | None = None
    billing_address: dict | None = None
    shipping_address: dict | None = None


class LineOut(Schema):
    id: int
    position: int
    sku: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal
    discount_amount: Decimal
    tax_rate: Decimal
    discount: Decimal
    tax: Decimal
    total: Decimal
    quantity_fulfilled: Decimal

    @staticmethod
    def resolve_discount(obj):
        return amount_rounded(obj.line_discount, obj.order.currency)

    @staticmethod
    def resolve_tax(obj):
        return amount_rounded(obj.line_tax, obj.order.currency)

    @staticmethod
    def resolve_total(obj):
        return amount_rounded(obj.line_total, obj.order.currency)


class OrderOut(Schema):
    number: str
    status: str
    customer: str
    customer_name: str
    currency: str
    channel: str
    external_ref: str
    warehouse: str
    tax_inclusive: bool
    subtotal: Decimal
    discount_total: Decimal
    tax_total: Decimal
    total: Decimal
    hold_reason: str
    notes: str
    custom: dict
    billing_address: dict
    shipping_address: dict
    created_at: datetime
    updated_at: datetime
    confirmed_at: datetime | None
    lines: list[LineOut]

    @staticmethod
    def resolve_customer(obj):
        return obj.customer.code

    @staticmethod
    def resolve_subtotal(obj):
        return amount_rounded(obj.subtotal, obj.currency)

    @staticmethod
    def resolve_discount_total(obj):
        return amount_rounded(obj.discount_total, obj.currency)

    @staticmethod
    def resolve_tax_total(obj):
        return amount_rounded(obj.tax_total, obj.currency)

    @staticmethod
    def resolve_total(obj):
        return amount_rounded(obj.total, obj.currency)

    @staticmethod
    def resolve_customer_name(obj):
        return obj.customer.name

    @staticmethod
    def resolve_warehouse(obj):
        return obj.warehouse.code

    @staticmethod
    def resolve_lines(obj):
        return list(obj.lines.all())


class OrderPage(Schema):
    items: list[OrderOut]
    next_cursor: str | None


class OrderListQuery(Schema):
    status: str | None = Field(None, description="One status or several separated by commas")
    customer: str | None = None
    channel: str | None = None
    sku: str | None = None
    external_ref: str | None = None
    currency: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    total_min: Decimal | None = None
    total_max: Decimal | None = None
    cursor: str | None = None
    limit: int | None = None


class ActionIn(Schema):
    reason: str = Field("", max_length=200)


class LineChangeIn(Schema):
    line_id: int
    quantity: AmountIn | None = None
    unit_price: MoneyIn | None = None
    discount_percent: AmountIn | None = None
    discount_amount: AmountIn | None = None


class EditIn(Schema):
    add: list[LineIn] = Field([], max_length=5000)
    change: list[LineChangeIn] = Field([], max_length=5000)
    remove: list[int] = Field([], max_length=5000)


class TimelineOut(Schema):
    seq: int | None
    created_at: datetime
    actor_label: str
    action: str
    changes: dict


def _out(order) -> dict:
    """``OrderOut`` of an order as JSON-ready values, built directly: every placed order is answered
    (and stored for replays) with it, and the schema's validation cost a twentieth of a placement's
    CPU. tests/sales/test_orders_api.py holds it equal to the schema's output."""
    currency = order.currency

    def rounded(amount: Decimal) -> str:
        return str(amount_rounded(amount, currency))

    return {
        "number": order.number, "status": order.status, "customer": order.customer.code,
        "customer_name": order.customer.name, "currency": currency, "channel": order.channel,
        "external_ref": order.external_ref, "warehouse": order.warehouse.code, "tax_inclusive": order.tax_inclusive,
        "subtotal": rounded(order.subtotal), "discount_total": rounded(order.discount_total),
        "tax_total": rounded(order.tax_total), "total": rounded(order.total), "hold_reason": order.hold_reason,
        "notes": order.notes, "custom": order.custom, "billing_address": order.billing_address,
        "shipping_address": order.shipping_address, "created_at": json_timestamp(order.created_at),
        "updated_at": json_timestamp(order.updated_at),
        "confirmed_at": json_timestamp(order.confirmed_at) if order.confirmed_at else None,
        "lines": [{"id": line.pk, "position": line.position, "sku": line.sku, "description": line.description,
                   "quantity": str(line.quantity), "unit_price": str(line.unit_price),
                   "discount_percent": str(line.discount_percent), "discount_amount": str(line.discount_amount),
                   "tax_rate": str(line.tax_rate), "discount": rounded(line.line_discount),
                   "tax": rounded(line.line_tax), "total": rounded(line.line_total),
                   "quantity_fulfilled": str(line.quantity_fulfilled)}
                  for line in order.lines.all()],
    }


@router.post("/orders", response={201: OrderOut})
def orders_create(request, payload: OrderIn, idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    require_perm(request, "sales.add_salesorder")

    def action():
        spec = OrderSpec(
            customer=payload.customer, currency=payload.currency, channel=payload.channel,
            external_ref=payload.external_ref, warehouse=payload.warehouse, tax_inclusive=payload.tax_inclusive,
            notes=payload.notes, custom=payload.custom, billing_address=payload.billing_address,
            shipping_address=payload.shipping_address,
            lines=[line.to_spec(f"lines.{i}") for i, line in enumerate(payload.lines)])
        return 201, _out(order_create(spec=spec, confirm=payload.confirm))

    return idempotent(request, key=idempotency_key, body=payload.dict(), action=action)


@router.get("/orders", response=OrderPage)
def orders_list(request, query: Query[OrderListQuery]):
    require_perm(request, "sales.view_salesorder")
    filters = OrderFilter(**query.dict(exclude={"cursor", "limit"}))
    custom = {k: v for k, v in request.GET.items() if k.startswith("cf_")}
    by = "created_at" if query.created_from or query.created_to else None  # walk the created_at index
    return page_of(order_list(filters=filters, custom=custom), cursor=query.cursor, limit=query.limit, by=by)


@router.get("/orders/{number}", response=OrderOut)
def orders_get(request, number: str):
    require_perm(request, "sales.view_salesorder")
    return order_get(number=number)


@router.get("/orders/{number}/timeline", response=list[TimelineOut])
def orders_timeline(request, number: str):
    require_perm(request, "sales.view_salesorder")
    return order_timeline(order=order_find(number=number))


def _action(request, number: str, run):
    require_perm(request, "sales.change_salesorder")
    return order_get(number=run(order_find(number=number)).number)


@router.post("/orders/{number}/confirm", response=OrderOut)
def orders_confirm(request, number: str):
    return _action(request, number, lambda order: order_confirm(order=order))


@router.post("/orders/{number}/cancel", response=OrderOut)
def orders_cancel(request, number: str, payload: ActionIn = None):
    reason = payload.reason if payload else ""
    return _action(request, number, lambda order: order_cancel(order=order, reason=reason))


@router.post("/orders/{number}/hold", response=OrderOut)
def orders_hold(request, number: str, payload: ActionIn):
    return _action(request, number, lambda order: order_hold(order=order, reason=payload.reason))


@router.post("/orders/{number}/release", response=OrderOut)
def orders_release(request, number: str, payload: ActionIn = None):
    reason = payload.reason if payload else ""
    return _action(request, number, lambda order: order_release(order=order, reason=reason))


@router.post("/orders/{number}/complete", response=OrderOut)
def orders_complete(request, number: str):
    return _action(request, number, lambda order: order_complete(order=order))


@router.post("/orders/{number}/edit", response=OrderOut)
def orders_edit(request, number: str, payload: EditIn):
    add = [line.to_spec(f"add.{i}") for i, line in enumerate(payload.add)]
    change = [LineChange(line_id=c.line_id, quantity=c.quantity, discount_percent=c.discount_percent,
                         discount_amount=c.discount_amount,
                         unit_price=c.unit_price.to_money(f"change.{i}.unit_price") if c.unit_price else None)
              for i, c in enumerate(payload.change)]
    return _action(request, number,
                   lambda order: order_lines_edit(order=order, add=add, change=change, remove=payload.remove))
