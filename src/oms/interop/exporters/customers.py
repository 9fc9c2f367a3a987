"""Customers in our own columns: one row per customer with its default billing and shipping address."""

from __future__ import annotations

from django.db.models import QuerySet

from oms.core.services.customfields import definitions_for
from oms.interop.exporters.base import Export, created_between, with_children
from oms.interop.exporters.columns import Column, ExportRequest, address_columns, custom_columns, money
from oms.parties.models import Address, Party
from oms.parties.selectors import CUSTOM_TARGET


def default_address(party: Party, kind: str) -> dict | None:
    """The default address of a kind, else the first of that kind: the rule of
    ``parties.selectors.party_default_address``, applied to the addresses read with the party's
    chunk (no query per row)."""
    of_kind = sorted((a for a in party.export_addresses if a.kind == kind), key=lambda a: (not a.is_default, a.pk))
    return of_kind[0].as_dict() if of_kind else None


def _queryset(request: ExportRequest) -> QuerySet[Party]:
    qs = Party.objects.filter(is_customer=True).select_related("customer_group")
    if request.active is not None:
        qs = qs.filter(active=request.active)
    return created_between(qs.order_by("code"), request)


def _rows(queryset: QuerySet[Party], request: ExportRequest):
    return with_children(queryset, children=lambda ids: Address.objects.filter(party_id__in=ids),
                         parent_field="party_id", attr="export_addresses")


def _columns(request: ExportRequest) -> list[Column]:
    return [
        Column("code", lambda p: p.code),
        Column("name", lambda p: p.name),
        Column("email", lambda p: p.email),
        Column("phone", lambda p: p.phone),
        Column("tax_id", lambda p: p.tax_id),
        Column("customer_group", lambda p: p.customer_group.code if p.customer_group else ""),
        Column("currency", lambda p: p.currency),
        Column("payment_terms_days", lambda p: p.payment_terms_days),
        Column("credit_limit", lambda p: money(p.credit_limit, p.currency)),
        Column("language", lambda p: p.language),
        Column("is_supplier", lambda p: p.is_supplier),
        Column("active", lambda p: p.active),
        Column("notes", lambda p: p.notes),
        Column("created_at", lambda p: p.created_at),
        *address_columns("billing", lambda p: default_address(p, Address.Kind.BILLING)),
        *address_columns("shipping", lambda p: default_address(p, Address.Kind.SHIPPING)),
        *custom_columns(definitions_for(CUSTOM_TARGET), lambda p: p.custom),
    ]


CUSTOMERS = Export(entity="customers", title="Customers", model=Party, permission="parties.view_party",
                   filters=frozenset({"active", "created_from", "created_to"}),
                   queryset=_queryset, columns=_columns, rows=_rows)
