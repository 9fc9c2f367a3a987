"""Inventory reads: stock levels, the ledger and its consistency check, open backorders."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, QuerySet, Sum

from oms.inventory.backorders import Claim, Cover, cover_in_order
from oms.inventory.models import Reservation, StockLevel, StockMove

QUANTUM = Decimal("0.0001")


def stock_levels(*, sku: str | None = None, warehouse: str | None = None) -> QuerySet[StockLevel]:
    qs = StockLevel.objects.select_related("product", "location__warehouse")
    if sku:
        qs = qs.filter(product__sku=sku)
    if warehouse:
        qs = qs.filter(location__warehouse__code=warehouse)
    return qs


def stock_moves(*, sku: str | None = None, warehouse: str | None = None, kind: str | None = None,
                reference: str | None = None) -> QuerySet[StockMove]:
    qs = StockMove.objects.select_related("product", "location__warehouse")
    if sku:
        qs = qs.filter(product__sku=sku)
    if warehouse:
        qs = qs.filter(location__warehouse__code=warehouse)
    if kind:
        qs = qs.filter(kind=kind)
    if reference:
        qs = qs.filter(reference=reference)
    return qs


def reservations_for(reference: str) -> dict[int, Decimal]:
    return {r.product_id: r.quantity for r in Reservation.objects.filter(reference=reference)}


@dataclass(frozen=True)
class Mismatch:
    product_id: int
    location_id: int
    what: str
    stored: Decimal
    expected: Decimal

    def __str__(self) -> str:
        return (f"product {self.product_id} at location {self.location_id}: {self.what} stored {self.stored}, "
                f"expected {self.expected}")


def _q(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(QUANTUM)


def ledger_check() -> list[Mismatch]:
    """Compare every stored level with the sum of its moves, and reserved with open reservations."""
    ledger = {(r["product_id"], r["location_id"]): (_q(r["on_hand"]), _q(r["reserved"]))
              for r in StockMove.objects.values("product_id", "location_id")
              .annotate(on_hand=Sum("on_hand_delta"), reserved=Sum("reserved_delta"))}
    held = {(r["product_id"], r["location_id"]): _q(r["total"])
            for r in Reservation.objects.values("product_id", "location_id").annotate(total=Sum("quantity"))}
    levels = {(lv.product_id, lv.location_id): (_q(lv.on_hand), _q(lv.reserved)) for lv in StockLevel.objects.all()}
    problems: list[Mismatch] = []
    for key in sorted(set(ledger) | set(levels) | set(held)):
        stored = levels.get(key, (Decimal(0), Decimal(0)))
        expected = ledger.get(key, (Decimal(0), Decimal(0)))
        if stored[0] != expected[0]:
            problems.append(Mismatch(*key, "on hand", stored[0], expected[0]))
        if stored[1] != expected[1]:
            problems.append(Mismatch(*key, "reserved", stored[1], expected[1]))
        if stored[1] != held.get(key, Decimal(0)):
            problems.append(Mismatch(*key, "reserved vs open reservations", stored[1], held.get(key, Decimal(0))))
    return problems


@dataclass(frozen=True)
class Backorder:
    """A product reserved beyond what is on hand at one location, with the documents waiting for it."""

    level: StockLevel
    waiting: list[Cover]  # every reservation there, oldest first, with what on-hand covers of it

    @property
    def short(self) -> Decimal:
        return _q(self.level.reserved - max(self.level.on_hand, Decimal(0)))


def reservation_claims(*, product_id: int, location_id: int) -> list[Claim]:
    """The reservations of a product at a location, oldest first (to cover with ``cover_in_order``)."""
    return [Claim(r.reference, _q(r.quantity)) for r in
            Reservation.objects.filter(product_id=product_id, location_id=location_id).order_by("id")]


def reservations_covered(*, product_id: int, location_id: int, on_hand: Decimal) -> list[Cover]:
    """The reservations of a product at a location, oldest first, each with what ``on_hand`` covers."""
    return cover_in_order(_q(on_hand), reservation_claims(product_id=product_id, location_id=location_id))


def open_backorders(*, sku: str | None = None, warehouse: str | None = None,
                    product_ids: list[int] | None = None) -> list[Backorder]:
    """Stock levels reserved beyond on hand (only products that allow backorders can be), by SKU and
    location, each with its waiting documents."""
    levels = stock_levels(sku=sku, warehouse=warehouse).filter(reserved__gt=F("on_hand"))
    if product_ids is not None:
        levels = levels.filter(product_id__in=product_ids)
    result = []
    for level in levels.order_by("product__sku", "location_id"):
        waiting = reservations_covered(product_id=level.product_id, location_id=level.location_id,
                                       on_hand=level.on_hand)
        result.append(Backorder(level=level, waiting=waiting))
    return result
