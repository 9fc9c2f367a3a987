"""Inventory API: warehouses, stock levels, adjustments, transfers, the move ledger and open backorders."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from ninja import Field, Header, Query, Router, Schema

from oms.catalog.models import Product
from oms.core.apikit import idempotent, page_of, require_perm
from oms.core.errors import NotFound
from oms.core.schemas import AmountIn
from oms.core.money import to_decimal
from oms.inventory.models import Location, Warehouse
from oms.inventory.selectors import open_backorders, stock_levels, stock_moves
from oms.inventory.services import default_location, stock_adjust, stock_transfer, warehouse_create, warehouse_update

router = Router(tags=["inventory"])


class WarehouseIn(Schema):
    code: str
    name: str
    address: dict = {}


class WarehousePatch(Schema):
    name: str | None = None
    address: dict | None = None
    active: bool | None = None


class LocationOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    is_default: bool


class WarehouseOut(Schema):
    id: int
    code: str
    name: str
    address: dict
    active: bool
    locations: list[LocationOut]

    @staticmethod
    def resolve_locations(obj):
        return list(obj.locations.all())


def _warehouse(code: str) -> Warehouse:
    warehouse = Warehouse.objects.filter(code=code).first()
    if warehouse is None:
        raise NotFound(f"No warehouse {code!r}", field="warehouse")
    return warehouse


def _product(sku: str) -> Product:
    product = Product.objects.filter(sku=sku).first()
    if product is None:
        raise NotFound(f"No product with SKU {sku!r}", field="sku")
    return product


def _location(warehouse: Warehouse, code: str | None) -> Location:
    if not code:
        return default_location(warehouse)
    location = Location.objects.filter(warehouse=warehouse, code=code).first()
    if location is None:
        raise NotFound(f"No location {code!r} in warehouse {warehouse.code}", field="location")
    return location


@router.get("/warehouses", response=list[WarehouseOut])
def warehouses_list(request):
    require_perm(request, "inventory.view_warehouse")
    return Warehouse.objects.prefetch_related("locations").order_by("code")


@router.get("/warehouses/{code}", response=WarehouseOut)
def warehouses_get(request, code: str):
    require_perm(request, "inventory.view_warehouse")
    return _warehouse(code)


@router.post("/warehouses", response={201: WarehouseOut})
def warehouses_create(request, payload: WarehouseIn, idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    require_perm(request, "inventory.add_warehouse")

    def action():
        warehouse = warehouse_create(code=payload.code, name=payload.name, address=payload.address)
        return 201, WarehouseOut.from_orm(warehouse).model_dump(mode="json")

    return idempotent(request, key=idempotency_key, body=payload.dict(), action=action)


@router.patch("/warehouses/{code}", response=WarehouseOut)
def warehouses_patch(request, code: str, payload: WarehousePatch):
    require_perm(request, "inventory.change_warehouse")
    return warehouse_update(warehouse=_warehouse(code), **payload.dict(exclude_unset=True))


class LevelOut(Schema):
    sku: str
    warehouse: str
    location: str
    on_hand: Decimal
    reserved: Decimal
    available: Decimal

    @staticmethod
    def resolve_sku(obj):
        return obj.product.sku

    @staticmethod
    def resolve_warehouse(obj):
        return obj.location.warehouse.code

    @staticmethod
    def resolve_location(obj):
        return obj.location.code


@router.get("/stock", response=list[LevelOut])
def stock_list(request, sku: str | None = None, warehouse: str | None = None):
    require_perm(request, "inventory.view_stocklevel")
    return stock_levels(sku=sku, warehouse=warehouse).order_by("product__sku", "location_id")[:1000]


class AdjustmentIn(Schema):
    sku: str
    warehouse: str
    location: str | None = None
    quantity: AmountIn
    reason: str


class MoveOut(Schema):
    id: int
    created_at: datetime
    sku: str
    warehouse: str
    location: str
    kind: str
    on_hand_delta: Decimal
    reserved_delta: Decimal
    reason: str
    reference: str

    @staticmethod
    def resolve_sku(obj):
        return obj.product.sku

    @staticmethod
    def resolve_warehouse(obj):
        return obj.location.warehouse.code

    @staticmethod
    def resolve_location(obj):
        return obj.location.code


@router.post("/stock/adjustments", response={201: MoveOut})
def stock_adjustments_create(request, payload: AdjustmentIn,
                             idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    require_perm(request, "inventory.add_stockmove")

    def action():
        warehouse = _warehouse(payload.warehouse)
        move = stock_adjust(product=_product(payload.sku), location=_location(warehouse, payload.location),
                            quantity=to_decimal(payload.quantity, field="quantity"), reason=payload.reason)
        return 201, MoveOut.from_orm(move).model_dump(mode="json")

    return idempotent(request, key=idempotency_key, body=payload.dict(), action=action)


class TransferIn(Schema):
    sku: str
    warehouse: str
    from_location: str | None = None
    to_warehouse: str
    to_location: str | None = None
    quantity: AmountIn
    reason: str = ""


@router.post("/stock/transfers", response={201: list[MoveOut]})
def stock_transfers_create(request, payload: TransferIn,
                           idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    require_perm(request, "inventory.add_stockmove")

    def action():
        source = _location(_warehouse(payload.warehouse), payload.from_location)
        destination = _location(_warehouse(payload.to_warehouse), payload.to_location)
        moves = stock_transfer(product=_product(payload.sku), source=source, destination=destination,
                               quantity=to_decimal(payload.quantity, field="quantity"), reason=payload.reason)
        return 201, [MoveOut.from_orm(m).model_dump(mode="json") for m in moves]

    return idempotent(request, key=idempotency_key, body=payload.dict(), action=action)


class MovePage(Schema):
    items: list[MoveOut]
    next_cursor: str | None


class MoveFilter(Schema):
    sku: str | None = None
    warehouse: str | None = None
    kind: str | None = None
    reference: str | None = None
    cursor: str | None = None
    limit: int | None = None


@router.get("/stock/moves", response=MovePage)
def stock_moves_list(request, filters: Query[MoveFilter]):
    require_perm(request, "inventory.view_stockmove")
    qs = stock_moves(sku=filters.sku, warehouse=filters.warehouse, kind=filters.kind, reference=filters.reference)
    return page_of(qs, cursor=filters.cursor, limit=filters.limit)


class WaitingOut(Schema):
    reference: str = Field(description="The document holding the reservation, e.g. sales.order:12")
    quantity: Decimal = Field(description="What it has reserved here")
    covered: Decimal = Field(description="What the stock on hand covers of it (oldest reservations first)")
    short: Decimal


class BackorderOut(Schema):
    sku: str
    warehouse: str
    location: str
    on_hand: Decimal
    reserved: Decimal
    short: Decimal = Field(description="Reserved beyond what is on hand")
    waiting: list[WaitingOut]


@router.get("/backorders", response=list[BackorderOut])
def backorders_list(request, sku: str | None = None, warehouse: str | None = None):
    """Products reserved beyond what is on hand, per location, with the documents waiting for them."""
    require_perm(request, "inventory.view_stocklevel")
    return [{"sku": b.level.product.sku, "warehouse": b.level.location.warehouse.code,
             "location": b.level.location.code, "on_hand": b.level.on_hand, "reserved": b.level.reserved,
             "short": b.short, "waiting": [{"reference": w.reference, "quantity": w.quantity, "covered": w.covered,
                                            "short": w.short} for w in b.waiting]}
            for b in open_backorders(sku=sku, warehouse=warehouse)]
