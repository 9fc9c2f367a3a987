"""Purchasing API, second part: supplier bills (list, get, correct, release, pay), payables aging,
replenishment (the report, min/max levels, suggestions into draft POs), product costs and margins.

Mounted on the purchasing router by ``oms.purchasing.api``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone
from ninja import Field, Header, Query, Router, Schema

from oms.core.apikit import idempotent, page_of, require_perm
from oms.core.money import amount_rounded
from oms.core.schemas import AmountIn
from oms.parties.selectors import party_by_code
from oms.payments.aging import BUCKETS
from oms.purchasing.models import ReorderRule, SupplierBill
from oms.purchasing.selectors import (
    BillFilter, bill_get, bill_list, bill_timeline, payables_aging, product_margins,
)
from oms.purchasing.services import (
    BillLineSpec, reorder_rule_set, replenishment_order, replenishment_suggest, supplier_bill_correct,
    supplier_bill_cancel, supplier_bill_pay, supplier_bill_release,
)

router = Router(tags=["purchasing"])


class TimelineOut(Schema):
    seq: int | None
    created_at: datetime
    actor_label: str
    action: str
    changes: dict


class BillLineIn(Schema):
    line_id: int = Field(description="The id of the purchase order line billed")
    quantity: AmountIn
    unit_price: AmountIn


class BillIn(Schema):
    supplier_reference: str = Field(min_length=1, max_length=100, description="The supplier's invoice number")
    currency: str | None = Field(None, min_length=3, max_length=3, description="Must be the order's currency")
    bill_date: date | None = None
    due_date: date | None = Field(None, description="Defaults to the bill date plus the supplier's payment terms")
    notes: str = Field("", max_length=5000)
    lines: list[BillLineIn] = Field(max_length=1000)


class BillLineOut(Schema):
    line_id: int
    position: int
    sku: str
    quantity: Decimal
    unit_price: Decimal
    line_total: Decimal


class DifferenceOut(Schema):
    line: int
    sku: str
    kind: str = Field(description="quantity_not_received, quantity_over_ordered or price")
    expected: Decimal
    actual: Decimal


class BillPaymentOut(Schema):
    payment: str
    amount: Decimal
    created_at: datetime


class BillOut(Schema):
    number: str
    supplier_reference: str
    supplier: str
    purchase_order: str
    status: str
    currency: str
    bill_date: date
    due_date: date
    total: Decimal
    amount_paid: Decimal
    balance: Decimal
    differences: list[DifferenceOut]
    hold_reason: str
    notes: str
    lines: list[BillLineOut]
    payments: list[BillPaymentOut]


def bill_out(bill: SupplierBill) -> dict:
    """A bill as the API shows it; pass one read through the selectors (lines and payments prefetched)."""
    cur = bill.currency
    return BillOut(
        number=bill.number, supplier_reference=bill.supplier_reference, supplier=bill.supplier.code,
        purchase_order=bill.purchase_order.number, status=bill.status, currency=cur, bill_date=bill.bill_date,
        due_date=bill.due_date, total=amount_rounded(bill.total, cur), amount_paid=amount_rounded(bill.amount_paid, cur),
        balance=amount_rounded(bill.balance, cur), differences=bill.differences, hold_reason=bill.hold_reason,
        notes=bill.notes,
        lines=[BillLineOut(line_id=x.order_line_id, position=x.order_line.position, sku=x.order_line.product.sku,
                           quantity=x.quantity, unit_price=x.unit_price, line_total=amount_rounded(x.line_total, cur))
               for x in bill.lines.all()],
        payments=[BillPaymentOut(payment=p.payment.number, amount=amount_rounded(p.amount, cur),
                                 created_at=p.created_at) for p in bill.payments.all()],
    ).model_dump(mode="json")


class BillPage(Schema):
    items: list[BillOut]
    next_cursor: str | None


class BillListQuery(Schema):
    status: str | None = Field(None, description="One status or several separated by commas")
    supplier: str | None = None
    purchase_order: str | None = None
    cursor: str | None = None
    limit: int | None = None


class CorrectIn(Schema):
    lines: list[BillLineIn] = Field(min_length=1, max_length=1000)
    reason: str = Field("", max_length=300)


class ReleaseIn(Schema):
    reason: str = Field(min_length=1, max_length=300)


class CancelBillIn(Schema):
    reason: str = Field(min_length=1, max_length=300)


class PayIn(Schema):
    method: str = Field(max_length=15, description="bank_transfer, cash, card or other")
    amount: AmountIn | None = Field(None, description="Omit to pay the whole balance")
    paid_on: date | None = None
    reference: str = Field("", max_length=100)


class AgingQuery(Schema):
    as_of: date | None = None
    supplier: str | None = None
    currency: str | None = Field(None, min_length=3, max_length=3)


class AgingRowOut(Schema):
    supplier: str | None
    supplier_name: str | None
    currency: str
    documents: int
    buckets: dict[str, Decimal]
    total: Decimal


class AgingOut(Schema):
    as_of: date
    buckets: list[str]
    rows: list[AgingRowOut]
    totals: list[AgingRowOut]


@router.get("/supplier-bills/aging", response=AgingOut)
def supplier_bills_aging(request, query: Query[AgingQuery]):
    """What the business owes its suppliers by days past due (current, 1-30, 31-60, 61-90, 90+)."""
    require_perm(request, "purchasing.view_supplierbill")
    supplier = party_by_code(code=query.supplier) if query.supplier else None
    report = payables_aging(as_of=query.as_of or timezone.localdate(), supplier=supplier, currency=query.currency)

    def row_out(row):
        party = row.customer
        return {"supplier": party.code if party else None, "supplier_name": party.name if party else None,
                "currency": row.currency, "documents": row.documents,
                "buckets": {b: amount_rounded(v, row.currency) for b, v in row.buckets.items()},
                "total": amount_rounded(row.total, row.currency)}

    return {"as_of": report.as_of, "buckets": list(BUCKETS), "rows": [row_out(r) for r in report.rows],
            "totals": [row_out(r) for r in report.totals]}


@router.get("/supplier-bills", response=BillPage)
def supplier_bills_list(request, query: Query[BillListQuery]):
    require_perm(request, "purchasing.view_supplierbill")
    filters = BillFilter(status=query.status, supplier=query.supplier, purchase_order=query.purchase_order)
    return page_of(bill_list(filters=filters), cursor=query.cursor, limit=query.limit, render=bill_out)


@router.get("/supplier-bills/{number}", response=BillOut)
def supplier_bills_get(request, number: str):
    require_perm(request, "purchasing.view_supplierbill")
    return bill_out(bill_get(number=number))


@router.get("/supplier-bills/{number}/timeline", response=list[TimelineOut])
def supplier_bills_timeline(request, number: str):
    require_perm(request, "purchasing.view_supplierbill")
    return bill_timeline(bill=bill_get(number=number))


@router.post("/supplier-bills/{number}/correct", response=BillOut)
def supplier_bills_correct(request, number: str, payload: CorrectIn):
    """Correct a held bill's lines and match again (released when no difference is left)."""
    require_perm(request, "purchasing.change_supplierbill")
    supplier_bill_correct(bill=bill_get(number=number), reason=payload.reason,
                          lines=[BillLineSpec(line_id=x.line_id, quantity=x.quantity, unit_price=x.unit_price)
                                 for x in payload.lines])
    return bill_out(bill_get(number=number))


@router.post("/supplier-bills/{number}/release", response=BillOut)
def supplier_bills_release(request, number: str, payload: ReleaseIn):
    """Release a held bill as it stands, accepting its differences."""
    require_perm(request, "purchasing.change_supplierbill")
    supplier_bill_release(bill=bill_get(number=number), reason=payload.reason)
    return bill_out(bill_get(number=number))


@router.post("/supplier-bills/{number}/cancel", response=BillOut)
def supplier_bills_cancel(request, number: str, payload: CancelBillIn,
                          idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    """Cancel an unpaid bill; what it billed goes back on the order's lines."""
    require_perm(request, "purchasing.change_supplierbill")

    def action():
        supplier_bill_cancel(bill=bill_get(number=number), reason=payload.reason)
        return 200, bill_out(bill_get(number=number))

    return idempotent(request, key=idempotency_key, body=payload.dict(), action=action)


@router.post("/supplier-bills/{number}/pay", response=BillOut)
def supplier_bills_pay(request, number: str, payload: PayIn,
                       idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    """Pay (part of) an open bill: a payment to the supplier, recorded by the payments module."""
    require_perm(request, "purchasing.change_supplierbill")
    require_perm(request, "payments.add_payment")

    def action():
        supplier_bill_pay(bill=bill_get(number=number), method=payload.method, amount=payload.amount,
                          paid_on=payload.paid_on, reference=payload.reference)
        return 200, bill_out(bill_get(number=number))

    return idempotent(request, key=idempotency_key, body=payload.dict(), action=action)


# -- replenishment -----------------------------------------------------------------------------

class SuggestionOut(Schema):
    sku: str
    warehouse: str
    on_hand: Decimal
    reserved: Decimal
    backordered: Decimal
    incoming: Decimal
    projected: Decimal
    min_level: Decimal | None
    max_level: Decimal | None
    quantity: Decimal = Field(description="What to buy")
    reason: str = Field(description="backorder or below_min")
    supplier: str | None
    unit_price: Decimal | None
    currency: str | None
    lead_time_days: int | None
    expected_on: date | None


def _suggestion_out(s) -> dict:
    p, o = s.position, s.option
    return {"sku": p.sku, "warehouse": p.warehouse, "on_hand": p.on_hand, "reserved": p.reserved,
            "backordered": p.backordered, "incoming": p.incoming, "projected": p.projected, "min_level": p.min_level,
            "max_level": p.max_level, "quantity": s.quantity, "reason": s.reason,
            "supplier": o.supplier if o else None, "unit_price": o.price if o else None,
            "currency": o.currency if o else None, "lead_time_days": o.lead_time_days if o else None,
            "expected_on": s.expected_on}


class ReplenishIn(Schema):
    warehouse: str | None = Field(None, max_length=20)
    skus: list[str] | None = Field(None, max_length=5000, description="Omit to order every suggestion")


class OrderMadeOut(Schema):
    number: str
    supplier: str
    currency: str
    warehouse: str
    total: Decimal
    lines: int


class RuleIn(Schema):
    sku: str = Field(min_length=1, max_length=64)
    warehouse: str = Field(min_length=1, max_length=20)
    min_quantity: AmountIn
    max_quantity: AmountIn


class RuleOut(Schema):
    sku: str
    warehouse: str
    min_quantity: Decimal
    max_quantity: Decimal


@router.get("/replenishment", response=list[SuggestionOut])
def replenishment_report(request, warehouse: str | None = None):
    """What to buy now: per product, warehouse and supplier, from stock, reservations, backorders,
    open purchase orders, min/max levels and lead times."""
    require_perm(request, "purchasing.view_purchaseorder")
    return [_suggestion_out(s) for s in replenishment_suggest(warehouse=warehouse)]


@router.post("/replenishment/orders", response={201: list[OrderMadeOut]})
def replenishment_orders(request, payload: ReplenishIn,
                         idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    """Turn the suggestions into draft purchase orders, one per supplier (and currency and warehouse)."""
    require_perm(request, "purchasing.add_purchaseorder")

    def action():
        orders = replenishment_order(warehouse=payload.warehouse, skus=payload.skus)
        return 201, [OrderMadeOut(number=o.number, supplier=o.supplier.code, currency=o.currency,
                                  warehouse=o.warehouse.code, total=amount_rounded(o.total, o.currency),
                                  lines=o.lines.count()).model_dump(mode="json") for o in orders]

    return idempotent(request, key=idempotency_key, body=payload.dict(), action=action)


@router.put("/replenishment/rules", response=RuleOut)
def replenishment_rules_put(request, payload: RuleIn):
    """Set a product's min and max stock in a warehouse."""
    require_perm(request, "purchasing.change_reorderrule")
    rule = ReorderRule.objects.select_related("product", "warehouse").get(pk=reorder_rule_set(**payload.dict()).pk)
    return {"sku": rule.product.sku, "warehouse": rule.warehouse.code, "min_quantity": rule.min_quantity,
            "max_quantity": rule.max_quantity}


class MarginOut(Schema):
    sku: str
    currency: str
    average_cost: Decimal
    received_quantity: Decimal
    sold_quantity: Decimal
    average_price: Decimal | None
    unit_margin: Decimal | None


@router.get("/product-costs", response=list[MarginOut])
def product_costs(request, sku: str | None = None):
    """Each product's moving-average cost of received goods, beside its average net selling price."""
    require_perm(request, "purchasing.view_productcost")
    return [{"sku": m.cost.product.sku, "currency": m.cost.currency, "average_cost": m.cost.average_cost,
             "received_quantity": m.cost.received_quantity, "sold_quantity": m.sold_quantity,
             "average_price": m.average_price, "unit_margin": m.unit_margin} for m in product_margins(sku=sku)]
