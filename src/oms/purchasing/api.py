"""Purchasing API: suppliers and their price lists, purchase orders (create, list, get, PDF) with their
actions (send, receive, bill, cancel, close), receipts. Bills, payables aging, replenishment and costs
are in ``api_bills``, mounted on this router."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponse
from ninja import Field, Header, Query, Router, Schema

from oms.core.apikit import idempotent, page_of, require_perm
from oms.core.money import amount_rounded
from oms.core.schemas import AmountIn
from oms.purchasing.api_bills import BillIn, BillOut, TimelineOut, bill_out
from oms.purchasing.api_bills import router as bills_router
from oms.purchasing.pdf import pdf_filename, purchase_order_pdf
from oms.purchasing.selectors import (
    OrderFilter, bill_get, order_get, order_list, order_timeline, receipt_get, receipt_list, supplier_get, supplier_items,
    suppliers,
)
from oms.purchasing.services import (
    BillLineSpec, POLineSpec, purchase_order_cancel, purchase_order_close, purchase_order_create,
    purchase_order_send, receipt_create, supplier_bill_create, supplier_create, supplier_item_set,
)

router = Router(tags=["purchasing"])
router.add_router("", bills_router)


# -- suppliers ---------------------------------------------------------------------------------

class SupplierIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    code: str | None = Field(None, max_length=50, description="Omit to take one from the party number series")
    currency: str | None = Field(None, min_length=3, max_length=3)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=50)
    tax_id: str = Field("", max_length=50)
    payment_terms_days: int = Field(30, ge=0, le=3650)


class SupplierOut(Schema):
    id: int
    code: str
    name: str
    currency: str
    email: str
    payment_terms_days: int
    active: bool


class SupplierItemIn(Schema):
    sku: str = Field(min_length=1, max_length=64, description="The business's SKU")
    supplier_sku: str = Field("", max_length=64, description="The supplier's own part number")
    price: AmountIn
    currency: str | None = Field(None, min_length=3, max_length=3, description="Defaults to the supplier's")
    min_order_quantity: AmountIn = "1"
    lead_time_days: int = Field(7, ge=0, le=3650)
    preferred: bool = False
    active: bool = True


class SupplierItemOut(Schema):
    supplier: str
    sku: str
    supplier_sku: str
    price: Decimal
    currency: str
    min_order_quantity: Decimal
    lead_time_days: int
    preferred: bool
    active: bool

    @staticmethod
    def resolve_supplier(obj):
        return obj.supplier.code

    @staticmethod
    def resolve_sku(obj):
        return obj.product.sku


@router.get("/suppliers", response=list[SupplierOut])
def suppliers_list(request):
    require_perm(request, "parties.view_party")
    return list(suppliers()[:1000])


@router.post("/suppliers", response={201: SupplierOut})
def suppliers_create(request, payload: SupplierIn, idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    """A party with the supplier role."""
    require_perm(request, "parties.add_party")

    def action():
        return 201, SupplierOut.from_orm(supplier_create(**payload.dict())).model_dump(mode="json")

    return idempotent(request, key=idempotency_key, body=payload.dict(), action=action)


@router.get("/suppliers/{code}/items", response=list[SupplierItemOut])
def supplier_items_list(request, code: str):
    """The supplier's price list: their part numbers for the business's SKUs."""
    require_perm(request, "purchasing.view_supplieritem")
    return list(supplier_items(supplier=supplier_get(code=code)))


@router.put("/suppliers/{code}/items", response=SupplierItemOut)
def supplier_items_put(request, code: str, payload: SupplierItemIn):
    """Add or change the supplier's price for one SKU (the same call again changes nothing more)."""
    require_perm(request, "purchasing.change_supplieritem")
    item = supplier_item_set(supplier=supplier_get(code=code), **payload.dict())
    return supplier_items().get(pk=item.pk)


# -- receipts ----------------------------------------------------------------------------------

class ReceiptLineOut(Schema):
    line_id: int
    position: int
    sku: str
    quantity: Decimal
    unit_cost: Decimal
    stock_move: int

    @staticmethod
    def resolve_line_id(obj):
        return obj.order_line_id

    @staticmethod
    def resolve_position(obj):
        return obj.order_line.position

    @staticmethod
    def resolve_sku(obj):
        return obj.order_line.product.sku

    @staticmethod
    def resolve_stock_move(obj):
        return obj.stock_move_id


class FilledOut(Schema):
    order: str | None
    reference: str
    sku: str
    quantity: Decimal


class ReceiptOut(Schema):
    number: str
    purchase_order: str
    warehouse: str
    location: str
    received_on: date
    notes: str
    created_at: datetime
    lines: list[ReceiptLineOut]
    backorders_filled: list[FilledOut] = Field(description="Waiting sales orders this receipt covered")

    @staticmethod
    def resolve_purchase_order(obj):
        return obj.purchase_order.number

    @staticmethod
    def resolve_warehouse(obj):
        return obj.location.warehouse.code

    @staticmethod
    def resolve_location(obj):
        return obj.location.code

    @staticmethod
    def resolve_lines(obj):
        return list(obj.lines.all())


class ReceiptPage(Schema):
    items: list[ReceiptOut]
    next_cursor: str | None


# -- purchase orders ---------------------------------------------------------------------------

class POLineIn(Schema):
    sku: str = Field(min_length=1, max_length=64)
    quantity: AmountIn
    unit_price: AmountIn | None = Field(None, description="Omit to use the supplier's price list")
    description: str | None = Field(None, max_length=300)


class POIn(Schema):
    supplier: str = Field(min_length=1, max_length=50)
    currency: str | None = Field(None, min_length=3, max_length=3, description="Defaults to the supplier's")
    warehouse: str | None = Field(None, max_length=20)
    expected_on: date | None = None
    notes: str = Field("", max_length=5000)
    lines: list[POLineIn] = Field(max_length=1000)
    send: bool = Field(False, description="Send it to the supplier at once")


class POLineOut(Schema):
    id: int
    position: int
    sku: str
    supplier_sku: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    line_total: Decimal
    quantity_received: Decimal
    quantity_billed: Decimal

    @staticmethod
    def resolve_sku(obj):
        return obj.product.sku

    @staticmethod
    def resolve_line_total(obj):
        return amount_rounded(obj.line_total, obj.order.currency)


class POOut(Schema):
    number: str
    status: str
    supplier: str
    supplier_name: str
    currency: str
    warehouse: str
    expected_on: date | None
    total: Decimal
    notes: str
    created_at: datetime
    sent_at: datetime | None
    lines: list[POLineOut]

    @staticmethod
    def resolve_supplier(obj):
        return obj.supplier.code

    @staticmethod
    def resolve_supplier_name(obj):
        return obj.supplier.name

    @staticmethod
    def resolve_warehouse(obj):
        return obj.warehouse.code

    @staticmethod
    def resolve_total(obj):
        return amount_rounded(obj.total, obj.currency)

    @staticmethod
    def resolve_lines(obj):
        return list(obj.lines.all())


class POPage(Schema):
    items: list[POOut]
    next_cursor: str | None


class POListQuery(Schema):
    status: str | None = Field(None, description="One status or several separated by commas")
    supplier: str | None = None
    cursor: str | None = None
    limit: int | None = None


class ReceiveLineIn(Schema):
    line_id: int = Field(description="The id of the purchase order line")
    quantity: AmountIn


class ReceiveIn(Schema):
    lines: list[ReceiveLineIn] | None = Field(None, max_length=1000, description="Omit to receive everything open")
    location: str | None = Field(None, max_length=30, description="A location of the order's warehouse")
    received_on: date | None = None
    notes: str = Field("", max_length=5000)


class ReasonIn(Schema):
    reason: str = Field("", max_length=300)


def _po(number: str) -> dict:
    return POOut.from_orm(order_get(number=number)).model_dump(mode="json")


@router.post("/purchase-orders", response={201: POOut})
def purchase_orders_create(request, payload: POIn, idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    require_perm(request, "purchasing.add_purchaseorder")

    def action():
        order = purchase_order_create(
            supplier=payload.supplier, currency=payload.currency, warehouse=payload.warehouse,
            expected_on=payload.expected_on, notes=payload.notes,
            lines=[POLineSpec(sku=x.sku, quantity=x.quantity, unit_price=x.unit_price, description=x.description)
                   for x in payload.lines])
        if payload.send:
            order = purchase_order_send(order=order)
        return 201, _po(order.number)

    return idempotent(request, key=idempotency_key, body=payload.dict(), action=action)


@router.get("/purchase-orders", response=POPage)
def purchase_orders_list(request, query: Query[POListQuery]):
    require_perm(request, "purchasing.view_purchaseorder")
    filters = OrderFilter(status=query.status, supplier=query.supplier)
    return page_of(order_list(filters=filters), cursor=query.cursor, limit=query.limit)


@router.get("/purchase-orders/{number}", response=POOut)
def purchase_orders_get(request, number: str):
    require_perm(request, "purchasing.view_purchaseorder")
    return order_get(number=number)


@router.get("/purchase-orders/{number}/pdf", response={200: None})
def purchase_orders_pdf(request, number: str):
    """The order as a PDF to send to the supplier, in the supplier's language."""
    require_perm(request, "purchasing.view_purchaseorder")
    order = order_get(number=number)
    response = HttpResponse(purchase_order_pdf(order), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{pdf_filename(order)}"'
    return response


@router.get("/purchase-orders/{number}/timeline", response=list[TimelineOut])
def purchase_orders_timeline(request, number: str):
    require_perm(request, "purchasing.view_purchaseorder")
    return order_timeline(order=order_get(number=number))


def _action(request, number: str, run):
    require_perm(request, "purchasing.change_purchaseorder")
    run(order_get(number=number))
    return order_get(number=number)


@router.post("/purchase-orders/{number}/send", response=POOut)
def purchase_orders_send(request, number: str):
    return _action(request, number, lambda o: purchase_order_send(order=o))


@router.post("/purchase-orders/{number}/cancel", response=POOut)
def purchase_orders_cancel(request, number: str, payload: ReasonIn = None):
    reason = payload.reason if payload else ""
    return _action(request, number, lambda o: purchase_order_cancel(order=o, reason=reason))


@router.post("/purchase-orders/{number}/close", response=POOut)
def purchase_orders_close(request, number: str, payload: ReasonIn):
    """Close a partially received order short (the rest will not come)."""
    return _action(request, number, lambda o: purchase_order_close(order=o, reason=payload.reason))


@router.post("/purchase-orders/{number}/receive", response={201: ReceiptOut})
def purchase_orders_receive(request, number: str, payload: ReceiveIn,
                            idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    """Receive goods (some lines, or everything open) into the order's warehouse, through the stock ledger."""
    require_perm(request, "purchasing.add_receipt")

    def action():
        lines = None if payload.lines is None else {x.line_id: x.quantity for x in payload.lines}
        receipt = receipt_create(order=order_get(number=number), lines=lines, location=payload.location,
                                 received_on=payload.received_on, notes=payload.notes)
        return 201, ReceiptOut.from_orm(receipt_get(number=receipt.number)).model_dump(mode="json")

    return idempotent(request, key=idempotency_key, body=payload.dict(), action=action)


@router.post("/purchase-orders/{number}/bill", response={201: BillOut})
def purchase_orders_bill(request, number: str, payload: BillIn,
                         idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    """Enter the supplier's bill for this order; the three-way match opens it or holds it."""
    require_perm(request, "purchasing.add_supplierbill")

    def action():
        bill = supplier_bill_create(
            order=order_get(number=number), supplier_reference=payload.supplier_reference, currency=payload.currency,
            bill_date=payload.bill_date, due_date=payload.due_date, notes=payload.notes,
            lines=[BillLineSpec(line_id=x.line_id, quantity=x.quantity, unit_price=x.unit_price)
                   for x in payload.lines])
        return 201, bill_out(bill_get(number=bill.number))  # re-read: lines and payments as stored

    return idempotent(request, key=idempotency_key, body=payload.dict(), action=action)


@router.get("/receipts", response=ReceiptPage)
def receipts_list(request, purchase_order: str | None = None, cursor: str | None = None, limit: int | None = None):
    require_perm(request, "purchasing.view_receipt")
    return page_of(receipt_list(purchase_order=purchase_order), cursor=cursor, limit=limit)


@router.get("/receipts/{number}", response=ReceiptOut)
def receipts_get(request, number: str):
    require_perm(request, "purchasing.view_receipt")
    return receipt_get(number=number)
