"""Invoicing API, reference data and accounts: tax rates, and a customer's balance.

Mounted on the invoicing router by ``oms.invoicing.api``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ninja import Query, Router, Schema

from oms.core.apikit import require_perm
from oms.core.errors import DomainError, NotFound
from oms.core.money import amount_rounded, is_known_currency
from oms.invoicing.models import TaxRate
from oms.invoicing.schemas import TaxRateIn, TaxRateOut, TaxRatePatch, tax_rate_out
from oms.invoicing.selectors import TaxRateFilter, customer_balance, tax_rate_list
from oms.invoicing.services import tax_rate_create, tax_rate_update
from oms.parties.models import Party

router = Router(tags=["invoicing"])


class TaxRateQuery(Schema):
    category: str | None = None
    jurisdiction: str | None = None
    on_date: date | None = None


class CustomerBalanceOut(Schema):
    customer: str
    currency: str
    balance: Decimal


@router.get("/tax-rates", response=list[TaxRateOut])
def tax_rates_list(request, query: Query[TaxRateQuery]):
    """Tax rates by category and jurisdiction; ``on_date`` keeps those valid that day."""
    require_perm(request, "invoicing.view_taxrate")
    return [tax_rate_out(r) for r in tax_rate_list(filters=TaxRateFilter(**query.dict()))]


@router.post("/tax-rates", response={201: TaxRateOut})
def tax_rates_create(request, payload: TaxRateIn):
    """A rate for a tax category in a jurisdiction ("" = anywhere) from ``valid_from`` to ``valid_to``
    (inclusive, empty = open). Overlapping an existing rate of the same kind: 409."""
    require_perm(request, "invoicing.add_taxrate")
    rate = tax_rate_create(**payload.dict())
    return 201, tax_rate_out(TaxRate.objects.select_related("category").get(pk=rate.pk))


@router.patch("/tax-rates/{rate_id}", response=TaxRateOut)
def tax_rates_patch(request, rate_id: int, payload: TaxRatePatch):
    """Rename a rate or change its validity (its percent never changes: create a new rate)."""
    require_perm(request, "invoicing.change_taxrate")
    rate = TaxRate.objects.filter(pk=rate_id).first()
    if rate is None:
        raise NotFound(f"No tax rate {rate_id}", field="id")
    rate = tax_rate_update(rate=rate, **payload.dict(exclude_unset=True))
    return tax_rate_out(rate)


@router.get("/customers/{customer_id}/balance", response=CustomerBalanceOut)
def customers_balance(request, customer_id: int, currency: str | None = None):
    """What the customer owes on issued invoices and notes, less the payments allocated to them, in
    one currency (default: the customer's). Unallocated payments are not subtracted here."""
    require_perm(request, "invoicing.view_invoice")
    party = Party.objects.filter(pk=customer_id, is_customer=True).first()
    if party is None:
        raise NotFound(f"No customer with id {customer_id}", field="id")
    currency = currency or party.currency
    if not is_known_currency(currency):
        raise DomainError(f"Unknown currency {currency!r}", field="currency", code="unknown_currency")
    balance = customer_balance(party, currency)
    return {"customer": party.code, "currency": currency, "balance": amount_rounded(balance, currency)}
