"""Allocation arithmetic and rules as plain Python: what a payment may be applied to, and how much.

The services read the rows, lock them and hand the numbers to these functions; nothing here touches
the database, so every rule is tested on its own (tests/payments/test_allocation_unit.py).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from oms.core.errors import Conflict, DomainError
from oms.core.money import CurrencyMismatch, amount_rounded, minor_unit_places, to_decimal

ALLOCATABLE_KINDS = ("invoice", "debit_note")
ALLOCATABLE_STATUSES = ("issued", "partially_paid")


class AllocationExceedsBalance(DomainError):
    code = "allocation_exceeds_balance"
    status = 422


class AllocationExceedsUnallocated(DomainError):
    code = "allocation_exceeds_unallocated"
    status = 422


class RefundExceedsCredit(DomainError):
    code = "refund_exceeds_credit"
    status = 422


@dataclass(frozen=True)
class OpenDocument:
    """What the rules need to know about an invoice or debit note.

    An invoice and the notes that adjust it are one account: ``balance`` is the account's open
    balance, ``status`` the account's (the invoice's) status, and ``account`` its key (the
    invoice's; None means the document is its own account).
    """

    key: Hashable
    number: str
    kind: str
    status: str
    customer: Hashable
    currency: str
    balance: Decimal
    account: Hashable = None

    @property
    def account_key(self) -> Hashable:
        return self.key if self.account is None else self.account


@dataclass(frozen=True)
class Requested:
    """One requested allocation: ``field`` names it in errors (e.g. ``allocations.1``)."""

    key: Hashable
    amount: Decimal
    field: str


def amount_clean(value: object, *, currency: str, field: str = "amount") -> Decimal:
    """A positive amount with no more decimals than the currency's minor unit (no float ever)."""
    amount = to_decimal(value, field=field)
    if amount <= 0:
        raise DomainError(f"{field} must be greater than zero", field=field, code="invalid_amount")
    places = minor_unit_places(currency)
    if amount != amount.quantize(Decimal(1).scaleb(-places)):
        raise DomainError(f"{field} has more decimals than {currency} allows ({places})", field=field,
                          code="invalid_amount")
    return amount


def allocations_check(*, customer: Hashable, currency: str, available: Decimal,
                      requests: Sequence[Requested], documents: dict[Hashable, OpenDocument]) -> Decimal:
    """Refuse any request that breaks a rule; returns the total to allocate.

    Rules, in the order they are reported: each document is allocated once per request; it is the
    customer's; it is an invoice or debit note; it is open (issued or partially paid); its currency
    is the payment's; the amounts for one account (an invoice and its notes) do not exceed its open
    balance; and all of it together does not exceed what the payment has left (``available``).
    """
    seen: set = set()
    per_account: dict[Hashable, Decimal] = {}
    total = Decimal(0)
    for req in requests:
        doc = documents[req.key]
        if req.key in seen:
            raise DomainError(f"{doc.number} is listed twice; send one allocation per document",
                              field=f"{req.field}.invoice", code="duplicate_invoice")
        seen.add(req.key)
        if doc.customer != customer:
            raise DomainError(f"{doc.number} belongs to another customer", field=f"{req.field}.invoice",
                              code="customer_mismatch")
        if doc.kind not in ALLOCATABLE_KINDS:
            raise DomainError(f"{doc.number} is a {doc.kind.replace('_', ' ')}; payments are allocated to "
                              "invoices and debit notes", field=f"{req.field}.invoice", code="not_allocatable")
        if doc.status not in ALLOCATABLE_STATUSES:
            raise Conflict(f"{doc.number} is {doc.status}; only issued or partially paid documents take payments",
                           field=f"{req.field}.invoice", code="invoice_not_open")
        if doc.currency != currency:
            raise CurrencyMismatch(f"{doc.number} is in {doc.currency}, the payment in {currency}",
                                   field=f"{req.field}.invoice")
        account_total = per_account.get(doc.account_key, Decimal(0)) + req.amount
        if account_total > doc.balance:
            balance = amount_rounded(doc.balance, currency)
            raise AllocationExceedsBalance(
                f"{amount_rounded(account_total, currency)} {currency} is more than the open balance of "
                f"{doc.number} ({balance} {currency})", field=f"{req.field}.amount", extra={"balance": str(balance)})
        per_account[doc.account_key] = account_total
        total += req.amount
    if total > available:
        left = amount_rounded(available, currency)
        raise AllocationExceedsUnallocated(
            f"Allocations of {amount_rounded(total, currency)} {currency} exceed what the payment has left "
            f"({left} {currency})", field="allocations", extra={"unallocated": str(left)})
    return total


def split_in_order(amount: Decimal, items: Iterable[tuple[Hashable, Decimal]]) -> list[tuple[Hashable, Decimal]]:
    """Apply ``amount`` to the items in the order given, each up to its open amount (oldest first).

    Returns the non-zero parts; what is left over (amount minus their sum) stays unapplied. Items
    with nothing open are skipped. Exact: parts are Decimal differences, never rounded.
    """
    if amount < 0:
        raise ValueError("amount must not be negative")
    left = amount
    parts: list[tuple[Hashable, Decimal]] = []
    for key, open_amount in items:
        if left <= 0:
            break
        if open_amount <= 0:
            continue
        part = min(left, open_amount)
        parts.append((key, part))
        left -= part
    return parts


def credit_note_refundable(*, credit_note_total: Decimal, already_refunded: Decimal,
                           original_balance: Decimal) -> Decimal:
    """What a credit note can still pay back in money.

    A credit note first reduces what is owed on the invoice it adjusts; only what takes that
    invoice below zero (the customer had already paid) is money owed back, and never more than the
    note itself less what was refunded on it before.
    """
    over_credited = max(Decimal(0), -original_balance)
    return max(Decimal(0), min(credit_note_total - already_refunded, over_credited))
