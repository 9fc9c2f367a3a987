"""Parties API: customers (with addresses and contacts) and customer groups.

Responses are plain JSON-ready dicts built by ``customer_out`` (no schema resolvers), so a create's
first response and its stored idempotent replay are the same data by construction.
"""

from __future__ import annotations

from datetime import datetime

from ninja import Header, Query, Router, Schema

from oms.core.apikit import idempotent, page_of, require_perm
from oms.core.errors import NotFound
from oms.core.schemas import AmountIn
from oms.parties.models import CustomerGroup, Party
from oms.parties.selectors import customer_group_get, customer_groups, party_get, party_list
from oms.parties.services import (
    credit_limit_str, customer_group_create, customer_group_update, party_create, party_deactivate, party_update,
)

router = Router(tags=["parties"])


class AddressIn(Schema):
    id: int | None = None
    kind: str
    name: str = ""
    line1: str
    line2: str = ""
    city: str
    region: str = ""
    postal_code: str = ""
    country: str
    is_default: bool = False


class AddressOut(AddressIn):
    id: int


class ContactIn(Schema):
    id: int | None = None
    name: str
    role: str = ""
    email: str = ""
    phone: str = ""


class ContactOut(ContactIn):
    id: int


class CustomerIn(Schema):
    code: str | None = None
    name: str
    email: str = ""
    phone: str = ""
    tax_id: str = ""
    customer_group: str | None = None
    currency: str | None = None
    payment_terms_days: int = 30
    credit_limit: AmountIn | None = None
    language: str | None = None
    notes: str = ""
    is_supplier: bool = False
    custom: dict = {}
    addresses: list[AddressIn] = []
    contacts: list[ContactIn] = []


class CustomerPatch(Schema):
    code: str | None = None
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    tax_id: str | None = None
    customer_group: str | None = None
    currency: str | None = None
    payment_terms_days: int | None = None
    credit_limit: AmountIn | None = None
    language: str | None = None
    notes: str | None = None
    is_supplier: bool | None = None
    active: bool | None = None
    custom: dict | None = None
    addresses: list[AddressIn] | None = None
    contacts: list[ContactIn] | None = None


class CustomerOut(Schema):
    id: int
    code: str
    name: str
    is_customer: bool
    is_supplier: bool
    email: str
    phone: str
    tax_id: str
    customer_group: str | None
    currency: str
    payment_terms_days: int
    credit_limit: str | None
    language: str
    notes: str
    active: bool
    custom: dict
    created_at: datetime
    addresses: list[AddressOut]
    contacts: list[ContactOut]


class CustomerPage(Schema):
    items: list[CustomerOut]
    next_cursor: str | None


class CustomerFilter(Schema):
    q: str | None = None
    customer_group: str | None = None
    currency: str | None = None
    active: bool | None = None
    is_supplier: bool | None = None
    cursor: str | None = None
    limit: int | None = None


def customer_out(party: Party) -> dict:
    return {
        "id": party.pk, "code": party.code, "name": party.name, "is_customer": party.is_customer,
        "is_supplier": party.is_supplier, "email": party.email, "phone": party.phone, "tax_id": party.tax_id,
        "customer_group": party.customer_group.code if party.customer_group_id else None,
        "currency": party.currency, "payment_terms_days": party.payment_terms_days,
        "credit_limit": credit_limit_str(party),
        "language": party.language, "notes": party.notes, "active": party.active, "custom": party.custom,
        "created_at": party.created_at,
        "addresses": [{"id": a.pk, "kind": a.kind, **a.as_dict(), "is_default": a.is_default}
                      for a in sorted(party.addresses.all(), key=lambda a: a.pk)],
        "contacts": [{"id": c.pk, "name": c.name, "role": c.role, "email": c.email, "phone": c.phone}
                     for c in sorted(party.contacts.all(), key=lambda c: c.pk)],
    }


def _customer(customer_id: int) -> Party:
    party = party_get(party_id=customer_id)
    if not party.is_customer:
        raise NotFound(f"Party {customer_id} is not a customer", field="id")
    return party


def _custom_params(request) -> dict[str, str]:
    return {name: value for name, value in request.GET.items() if name.startswith("cf_")}


@router.get("/customers", response=CustomerPage)
def customers_list(request, filters: Query[CustomerFilter]):
    """Customers, newest first. ``q`` searches name, code, email, phone and tax id; ``cf_<key>``
    filters by a custom field."""
    require_perm(request, "parties.view_party")
    qs = party_list(q=filters.q, is_customer=True, is_supplier=filters.is_supplier,
                    customer_group=filters.customer_group, active=filters.active, currency=filters.currency,
                    custom=_custom_params(request))
    return page_of(qs, cursor=filters.cursor, limit=filters.limit, render=customer_out)


@router.get("/customers/{customer_id}", response=CustomerOut)
def customers_get(request, customer_id: int):
    require_perm(request, "parties.view_party")
    return customer_out(_customer(customer_id))


@router.post("/customers", response={201: CustomerOut})
def customers_create(request, payload: CustomerIn,
                     idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    """Create a customer. Without ``code`` the next number of the party series is used; without
    ``currency`` the company's base currency."""
    require_perm(request, "parties.add_party")

    def action():
        party = party_create(is_customer=True, **payload.dict())
        return 201, customer_out(party)

    return idempotent(request, key=idempotency_key, body=payload.dict(), action=action)


@router.patch("/customers/{customer_id}", response=CustomerOut)
def customers_patch(request, customer_id: int, payload: CustomerPatch):
    """Change the fields sent. ``addresses`` and ``contacts`` replace the lists: include the ``id``
    of each row to keep; rows left out are removed."""
    require_perm(request, "parties.change_party")
    party = party_update(party=_customer(customer_id), **payload.dict(exclude_unset=True))
    return customer_out(party_get(party_id=party.pk))


@router.delete("/customers/{customer_id}", response=CustomerOut)
def customers_delete(request, customer_id: int):
    """Deactivate the customer: parties are kept for the documents that name them."""
    require_perm(request, "parties.delete_party")
    party = party_deactivate(party=_customer(customer_id))
    return customer_out(party_get(party_id=party.pk))


class GroupIn(Schema):
    code: str
    name: str


class GroupPatch(Schema):
    code: str | None = None
    name: str | None = None


class GroupOut(Schema):
    id: int
    code: str
    name: str


@router.get("/customer-groups", response=list[GroupOut])
def customer_groups_list(request):
    require_perm(request, "parties.view_customergroup")
    return customer_groups()


@router.post("/customer-groups", response={201: GroupOut})
def customer_groups_create(request, payload: GroupIn,
                           idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    require_perm(request, "parties.add_customergroup")

    def action():
        group: CustomerGroup = customer_group_create(code=payload.code, name=payload.name)
        return 201, {"id": group.pk, "code": group.code, "name": group.name}

    return idempotent(request, key=idempotency_key, body=payload.dict(), action=action)


@router.patch("/customer-groups/{code}", response=GroupOut)
def customer_groups_patch(request, code: str, payload: GroupPatch):
    require_perm(request, "parties.change_customergroup")
    return customer_group_update(group=customer_group_get(code=code), **payload.dict(exclude_unset=True))
