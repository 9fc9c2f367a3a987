"""Reads for parties: lookups, search and the small helpers documents need (addresses, credit limit)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from oms.core.errors import NotFound
from oms.core.money import Money
from oms.core.services.customfields import custom_filter
from oms.parties.models import Address, CustomerGroup, Party

CUSTOM_TARGET = "parties.party"
SEARCH_FIELDS = ("name", "code", "email", "phone", "tax_id")


def party_get(*, party_id: int) -> Party:
    party = Party.objects.select_related("customer_group").filter(pk=party_id).first()
    if party is None:
        raise NotFound(f"No party with id {party_id}", field="id")
    return party


def party_by_code(*, code: str) -> Party:
    party = Party.objects.select_related("customer_group").filter(code=code).first()
    if party is None:
        raise NotFound(f"No party with code {code!r}", field="code")
    return party


def party_search(queryset: QuerySet[Party] | None = None, *, q: str) -> QuerySet[Party]:
    """Case-insensitive "contains" over name, code, email, phone and tax id. Each word of ``q``
    must match some field, so "acme berlin" finds "ACME GmbH, Berlin"."""
    queryset = Party.objects.all() if queryset is None else queryset
    for word in q.split():
        match = Q()
        for name in SEARCH_FIELDS:
            match |= Q(**{f"{name}__icontains": word})
        queryset = queryset.filter(match)
    return queryset


def party_list(*, q: str | None = None, is_customer: bool | None = None, is_supplier: bool | None = None,
               customer_group: str | None = None, active: bool | None = None, currency: str | None = None,
               custom: dict[str, str] | None = None) -> QuerySet[Party]:
    """Parties matching every filter given; ``custom`` holds ``cf_<key>`` query parameters."""
    qs = Party.objects.select_related("customer_group").prefetch_related("addresses", "contacts")
    if q:
        qs = party_search(qs, q=q)
    if is_customer is not None:
        qs = qs.filter(is_customer=is_customer)
    if is_supplier is not None:
        qs = qs.filter(is_supplier=is_supplier)
    if customer_group:
        qs = qs.filter(customer_group__code=customer_group)
    if active is not None:
        qs = qs.filter(active=active)
    if currency:
        qs = qs.filter(currency=currency)
    if custom:
        qs = custom_filter(qs, target=CUSTOM_TARGET, params=custom)
    return qs


def party_default_address(*, party: Party, kind: str) -> Address | None:
    """The party's default billing or shipping address (None when it has none of that kind)."""
    return party.addresses.filter(kind=kind).order_by("-is_default", "pk").first()


def party_credit_limit(*, party: Party) -> Money | None:
    """The credit limit as Money in the party's currency; None means no limit."""
    return None if party.credit_limit is None else Money(party.credit_limit, party.currency)


def customer_groups() -> QuerySet[CustomerGroup]:
    return CustomerGroup.objects.order_by("name")


def customer_group_get(*, code: str) -> CustomerGroup:
    group = CustomerGroup.objects.filter(code=code).first()
    if group is None:
        raise NotFound(f"No customer group {code!r}", field="code")
    return group
