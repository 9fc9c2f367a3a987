"""Inventory reads: stock levels, the ledger and its consistency check."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet, Sum

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
