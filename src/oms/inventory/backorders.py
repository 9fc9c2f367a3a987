"""Which waiting documents the stock on hand covers, as plain Python (no database).

A product that allows backorders can be reserved beyond what is on hand. The stock on hand at a
location covers its reservations oldest first; what it does not cover is the backorder, and goods
received there fill the oldest waiting documents first.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

ZERO = Decimal(0)


@dataclass(frozen=True)
class Claim:
    reference: str  # the document holding the reservation, e.g. sales.order:12
    quantity: Decimal


@dataclass(frozen=True)
class Cover:
    reference: str
    quantity: Decimal
    covered: Decimal

    @property
    def short(self) -> Decimal:
        return self.quantity - self.covered


def cover_in_order(on_hand: Decimal, claims: list[Claim]) -> list[Cover]:
    """Spread ``on_hand`` over the claims in the order given (oldest first)."""
    left = max(on_hand, ZERO)
    result = []
    for claim in claims:
        covered = min(claim.quantity, left)
        left -= covered
        result.append(Cover(claim.reference, claim.quantity, covered))
    return result


def newly_covered(before: list[Cover], after: list[Cover]) -> dict[str, Decimal]:
    """What each document gained between two coverings of the same claims (e.g. around a receipt)."""
    had = {c.reference: c.covered for c in before}
    gained = {c.reference: c.covered - had.get(c.reference, ZERO) for c in after}
    return {ref: q for ref, q in gained.items() if q > 0}
