"""Returns API: request (create), list with filters, get, timeline, and the actions approve, reject,
receive, resolve and close. Every create and action takes an ``Idempotency-Key``."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from ninja import Field, Header, Query, Router, Schema

from oms.core.apikit import idempotent, page_of, require_perm
from oms.core.money import amount_rounded
from oms.core.schemas import AmountIn
from oms.returns.selectors import ReturnFilter, return_get, return_list, return_timeline
from oms.returns.services import (
    Inspection, ReturnLineSpec, return_approve, return_close, return_create, return_receive, return_reject,
    return_resolve,
)
from oms.sales.selectors import order_find

router = Router(tags=["returns"])


class ReturnLineIn(Schema):
    line_id: int = Field(description="The id of the sales order line")
    quantity: AmountIn


class ReturnIn(Schema):
    order: str = Field(min_length=1, max_length=50, description="The sales order's number")
    lines: list[ReturnLineIn] = Field(min_length=1, max_length=5000)
    reason: str = Field(max_length=20, description="damaged, defective, wrong_item, not_as_described, "
                                                   "not_needed or other")
    notes: str = Field("", max_length=5000)


class ReturnLineOut(Schema):
    id: int
    line_id: int
    position: int
    sku: str
    description: str
    quantity: Decimal
    quantity_restocked: Decimal
    quantity_damaged: Decimal
    quantity_scrapped: Decimal
    quantity_outstanding: Decimal = Field(description="Not back yet (a partially received return)")

    @staticmethod
    def resolve_line_id(obj):
        return obj.order_line_id

    @staticmethod
    def resolve_position(obj):
        return obj.order_line.position

    @staticmethod
    def resolve_sku(obj):
        return obj.order_line.sku

    @staticmethod
    def resolve_description(obj):
        return obj.order_line.description


class SettlementOut(Schema):
    credit_note: str
    credit_note_total: Decimal
    refund: str | None
    refund_amount: Decimal | None

    @staticmethod
    def resolve_credit_note(obj):
        return obj.credit_note.number

    @staticmethod
    def resolve_credit_note_total(obj):
        return amount_rounded(obj.credit_note.total, obj.credit_note.currency)

    @staticmethod
    def resolve_refund(obj):
        return obj.refund.number if obj.refund_id else None

    @staticmethod
    def resolve_refund_amount(obj):
        return amount_rounded(obj.refund.amount, obj.refund.currency) if obj.refund_id else None


class ReturnOut(Schema):
    id: int
    number: str
    order: str
    customer: str
    status: str
    reason: str
    notes: str
    rejection_reason: str
    resolution: str
    exchange_order: str | None
    created_at: datetime
    updated_at: datetime
    approved_at: datetime | None
    received_at: datetime | None
    closed_at: datetime | None
    lines: list[ReturnLineOut]
    settlements: list[SettlementOut]

    @staticmethod
    def resolve_order(obj):
        return obj.order.number

    @staticmethod
    def resolve_customer(obj):
        return obj.customer.code

    @staticmethod
    def resolve_exchange_order(obj):
        return obj.exchange_order.number if obj.exchange_order_id else None

    @staticmethod
    def resolve_lines(obj):
        return list(obj.lines.all())

    @staticmethod
    def resolve_settlements(obj):
        return list(obj.settlements.all())


class ReturnPage(Schema):
    items: list[ReturnOut]
    next_cursor: str | None


class ReturnListQuery(Schema):
    status: str | None = Field(None, description="One status or several separated by commas")
    order: str | None = None
    customer: str | None = None
    reason: str | None = None
    resolution: str | None = None
    cursor: str | None = None
    limit: int | None = None


class RejectIn(Schema):
    reason: str = Field(min_length=1, max_length=300)


class InspectionIn(Schema):
    line_id: int = Field(description="The id of the sales order line")
    restock: AmountIn = "0"
    damaged: AmountIn = "0"
    scrap: AmountIn = "0"


class ReceiveIn(Schema):
    lines: list[InspectionIn] | None = Field(None, max_length=5000,
                                             description="How each line was found; omit to put everything back "
                                                         "in stock")
    partial: bool = Field(False, description="Only the named lines and quantities arrived now; the rest comes "
                                             "later (the return stays partially received)")


class ReplacementIn(Schema):
    line_id: int
    sku: str = Field(min_length=1, max_length=64)


class ResolveIn(Schema):
    resolution: str = Field(max_length=20, description="refund, store_credit or exchange")
    refund_method: str = Field("bank_transfer", max_length=20)
    replacements: list[ReplacementIn] = Field([], max_length=5000,
                                              description="Exchange: other goods for some lines (e.g. another size)")


class CloseIn(Schema):
    reason: str = Field("", max_length=300)


class TimelineOut(Schema):
    seq: int | None
    created_at: datetime
    actor_label: str
    action: str
    changes: dict


def _out(rma) -> dict:
    return ReturnOut.from_orm(return_get(ref=rma.pk)).model_dump(mode="json")


@router.post("/returns", response={201: ReturnOut})
def returns_create(request, payload: ReturnIn, idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    require_perm(request, "returns.add_return")

    def action():
        rma = return_create(order=order_find(number=payload.order), reason=payload.reason, notes=payload.notes,
                            lines=[ReturnLineSpec(line_id=x.line_id, quantity=x.quantity) for x in payload.lines])
        return 201, _out(rma)

    return idempotent(request, key=idempotency_key, body=payload.dict(), action=action)


@router.get("/returns", response=ReturnPage)
def returns_list(request, query: Query[ReturnListQuery]):
    require_perm(request, "returns.view_return")
    filters = ReturnFilter(**query.dict(exclude={"cursor", "limit"}))
    return page_of(return_list(filters=filters), cursor=query.cursor, limit=query.limit)


@router.get("/returns/{ref}", response=ReturnOut)
def returns_get(request, ref: str):
    require_perm(request, "returns.view_return")
    return return_get(ref=ref)


@router.get("/returns/{ref}/timeline", response=list[TimelineOut])
def returns_timeline(request, ref: str):
    require_perm(request, "returns.view_return")
    return return_timeline(rma=return_get(ref=ref))


def _action(request, ref: str, key: str | None, body: dict, run):
    require_perm(request, "returns.change_return")
    return idempotent(request, key=key, body={"ref": ref, **body},
                      action=lambda: (200, _out(run(return_get(ref=ref)))))


@router.post("/returns/{ref}/approve", response=ReturnOut)
def returns_approve(request, ref: str, idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    return _action(request, ref, idempotency_key, {}, lambda r: return_approve(rma=r))


@router.post("/returns/{ref}/reject", response=ReturnOut)
def returns_reject(request, ref: str, payload: RejectIn,
                   idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    return _action(request, ref, idempotency_key, payload.dict(), lambda r: return_reject(rma=r, reason=payload.reason))


@router.post("/returns/{ref}/receive", response=ReturnOut)
def returns_receive(request, ref: str, payload: ReceiveIn = None,
                    idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    lines = payload.lines if payload else None
    partial = payload.partial if payload else False
    inspection = None if lines is None else [Inspection(line_id=x.line_id, restock=x.restock, damaged=x.damaged,
                                                        scrap=x.scrap) for x in lines]
    body = payload.dict() if payload else {}
    return _action(request, ref, idempotency_key, body,
                   lambda r: return_receive(rma=r, inspection=inspection, partial=partial))


@router.post("/returns/{ref}/resolve", response=ReturnOut)
def returns_resolve(request, ref: str, payload: ResolveIn,
                    idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    replacements = {x.line_id: x.sku for x in payload.replacements}
    return _action(request, ref, idempotency_key, payload.dict(), lambda r: return_resolve(
        rma=r, resolution=payload.resolution, refund_method=payload.refund_method, replacements=replacements))


@router.post("/returns/{ref}/close", response=ReturnOut)
def returns_close(request, ref: str, payload: CloseIn = None,
                  idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    reason = payload.reason if payload else ""
    return _action(request, ref, idempotency_key, {"reason": reason}, lambda r: return_close(rma=r, reason=reason))
