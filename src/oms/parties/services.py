"""Writes for parties: customers and suppliers, their addresses and contacts, and customer groups.

Each write validates the whole resulting record (not only the fields sent), runs in one
transaction and ends with its audit record, so the audit chain lock is the last one taken.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from oms.core.errors import Conflict, DomainError
from oms.core.models import NumberSeries
from oms.core.money import MAX_ABS_AMOUNT, is_known_currency, minor_unit_places, to_decimal
from oms.core.services.audit import audit_record, diff
from oms.core.services.company import company_default
from oms.core.services.customfields import custom_values_clean
from oms.core.services.events import event_publish
from oms.core.services.numbering import number_allocate
from oms.parties.models import Address, Contact, CustomerGroup, Party

CUSTOM_TARGET = "parties.party"
OBJECT_TYPE = "parties.party"
CODE_SERIES = "parties.party"
CODE_FORMAT = "C{seq:05d}"
MAX_PAYMENT_TERMS_DAYS = 3650
_COUNTRY = re.compile(r"[A-Z]{2}")
_SLUG = re.compile(r"[-a-zA-Z0-9_]+")

PARTY_FIELDS = ("code", "name", "is_customer", "is_supplier", "email", "phone", "tax_id", "customer_group",
                "currency", "payment_terms_days", "credit_limit", "language", "notes", "active", "custom")
ADDRESS_FIELDS = ("kind", "name", "line1", "line2", "city", "region", "postal_code", "country", "is_default")
CONTACT_FIELDS = ("name", "role", "email", "phone")


# --- field validation (also used by the admin forms, so errors show next to the field) -------------

def text_clean(value: object, *, field: str, max_length: int, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise DomainError(f"{field} must be text", field=field)
    value = value.strip()
    if required and not value:
        raise DomainError(f"{field} is required", field=field, code="required")
    if len(value) > max_length:
        raise DomainError(f"{field} must be at most {max_length} characters", field=field)
    return value


def email_clean(value: object, *, field: str = "email") -> str:
    email = text_clean(value, field=field, max_length=254)
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise DomainError(f"{email!r} is not a valid email address", field=field, code="invalid_email") from exc
    return email


def _bool(value: object, *, field: str) -> bool:
    if not isinstance(value, bool):
        raise DomainError(f"{field} must be true or false", field=field)
    return value


def credit_limit_clean(value: object, *, currency: str) -> Decimal | None:
    """A limit in the party's currency, to that currency's minor unit; None means no limit."""
    if value is None or value == "":
        return None
    amount = to_decimal(value, field="credit_limit")
    if amount < 0:
        raise DomainError("credit_limit must not be negative", field="credit_limit")
    if amount > MAX_ABS_AMOUNT:
        raise DomainError("credit_limit is too large", field="credit_limit", code="amount_too_large")
    quantum = Decimal(1).scaleb(-minor_unit_places(currency))
    if amount != amount.quantize(quantum):
        raise DomainError(f"credit_limit has more decimals than {currency} allows", field="credit_limit")
    return amount.quantize(quantum)


def address_clean(data: dict, *, field: str = "address") -> dict:
    unknown = set(data) - set(ADDRESS_FIELDS) - {"id"}
    if unknown:
        raise DomainError(f"Unknown address field(s) {sorted(unknown)}", field=f"{field}.{sorted(unknown)[0]}")
    kind = data.get("kind")
    if kind not in Address.Kind.values:
        raise DomainError(f"kind must be one of {Address.Kind.values}", field=f"{field}.kind")
    country = text_clean(data.get("country"), field=f"{field}.country", max_length=2, required=True).upper()
    if not _COUNTRY.fullmatch(country):
        raise DomainError("country must be a 2-letter ISO 3166 code, e.g. DE", field=f"{field}.country")
    return {
        "kind": kind,
        "name": text_clean(data.get("name"), field=f"{field}.name", max_length=200),
        "line1": text_clean(data.get("line1"), field=f"{field}.line1", max_length=200, required=True),
        "line2": text_clean(data.get("line2"), field=f"{field}.line2", max_length=200),
        "city": text_clean(data.get("city"), field=f"{field}.city", max_length=100, required=True),
        "region": text_clean(data.get("region"), field=f"{field}.region", max_length=100),
        "postal_code": text_clean(data.get("postal_code"), field=f"{field}.postal_code", max_length=20),
        "country": country,
        "is_default": _bool(data.get("is_default", False), field=f"{field}.is_default"),
    }


def contact_clean(data: dict, *, field: str = "contact") -> dict:
    unknown = set(data) - set(CONTACT_FIELDS) - {"id"}
    if unknown:
        raise DomainError(f"Unknown contact field(s) {sorted(unknown)}", field=f"{field}.{sorted(unknown)[0]}")
    return {
        "name": text_clean(data.get("name"), field=f"{field}.name", max_length=200, required=True),
        "role": text_clean(data.get("role"), field=f"{field}.role", max_length=100),
        "email": email_clean(data.get("email"), field=f"{field}.email"),
        "phone": text_clean(data.get("phone"), field=f"{field}.phone", max_length=50),
    }


def _group(value: CustomerGroup | str | None) -> CustomerGroup | None:
    if value is None or value == "" or isinstance(value, CustomerGroup):
        return value or None
    group = CustomerGroup.objects.filter(code=value).first()
    if group is None:
        raise DomainError(f"No customer group {value!r}", field="customer_group", code="not_found")
    return group


def party_values_clean(values: dict) -> dict:
    """Validate a whole party (current values with the changes applied)."""
    currency = values["currency"]
    if not is_known_currency(currency):
        raise DomainError(f"Unknown currency code {currency!r}", field="currency", code="unknown_currency")
    terms = values["payment_terms_days"]
    if isinstance(terms, bool) or not isinstance(terms, int) or not 0 <= terms <= MAX_PAYMENT_TERMS_DAYS:
        raise DomainError(f"payment_terms_days must be a whole number from 0 to {MAX_PAYMENT_TERMS_DAYS}",
                          field="payment_terms_days")
    languages = [code for code, _ in settings.LANGUAGES]
    if values["language"] not in languages:
        raise DomainError(f"language must be one of {languages}", field="language")
    cleaned = {
        "code": text_clean(values["code"], field="code", max_length=50, required=True),
        "name": text_clean(values["name"], field="name", max_length=200, required=True),
        "is_customer": _bool(values["is_customer"], field="is_customer"),
        "is_supplier": _bool(values["is_supplier"], field="is_supplier"),
        "email": email_clean(values["email"]),
        "phone": text_clean(values["phone"], field="phone", max_length=50),
        "tax_id": text_clean(values["tax_id"], field="tax_id", max_length=50),
        "customer_group": _group(values["customer_group"]),
        "currency": currency,
        "payment_terms_days": terms,
        "credit_limit": credit_limit_clean(values["credit_limit"], currency=currency),
        "language": values["language"],
        "notes": text_clean(values["notes"], field="notes", max_length=10000),
        "active": _bool(values["active"], field="active"),
    }
    if not (cleaned["is_customer"] or cleaned["is_supplier"]):
        raise DomainError("A party must be a customer, a supplier or both", field="is_customer")
    return cleaned


def _snapshot(party: Party) -> dict:
    """The party as the audit trail records it (codes, not ids; amounts as strings)."""
    values = {name: getattr(party, name) for name in PARTY_FIELDS if name not in ("customer_group", "credit_limit")}
    values["customer_group"] = party.customer_group.code if party.customer_group_id else None
    values["credit_limit"] = credit_limit_str(party)
    return values


def credit_limit_str(party: Party) -> str | None:
    """The limit at its currency's precision: the database keeps 4 places, so 5000.0000 -> "5000.00"."""
    if party.credit_limit is None:
        return None
    return str(party.credit_limit.quantize(Decimal(1).scaleb(-minor_unit_places(party.currency))))


def _children_snapshot(party: Party) -> dict:
    return {
        "addresses": [{"kind": a.kind, **a.as_dict(), "is_default": a.is_default}
                      for a in party.addresses.order_by("pk")],
        "contacts": [{name: getattr(c, name) for name in CONTACT_FIELDS} for c in party.contacts.order_by("pk")],
    }


def _sync(party: Party, model, items: list[dict], clean, field: str) -> None:
    """Make the party's rows match ``items``: rows with an id are updated, without one created,
    and rows not listed deleted. Ids are kept so anything that points at a row keeps pointing at it."""
    if not isinstance(items, list):
        raise DomainError(f"{field} must be a list", field=field)
    existing = {row.pk: row for row in model.objects.filter(party=party)}
    cleaned = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise DomainError(f"{field}.{i} must be an object", field=f"{field}.{i}")
        row_id = item.get("id")
        if row_id is not None and row_id not in existing:
            raise DomainError(f"{field}.{i}.id {row_id} is not one of this party's {field}",
                              field=f"{field}.{i}.id", code="not_found")
        cleaned.append((row_id, clean(item, field=f"{field}.{i}")))
    if model is Address:
        _defaults_fix([data for _, data in cleaned])
    keep = {row_id for row_id, _ in cleaned if row_id is not None}
    model.objects.filter(party=party).exclude(pk__in=keep).delete()
    for row_id, data in cleaned:
        if row_id is None:
            model.objects.create(party=party, **data)
        else:
            model.objects.filter(pk=row_id).update(**data)


def _defaults_fix(addresses: list[dict]) -> None:
    """At most one default address per kind; when none is marked, the first of that kind is it,
    so documents always find a billing and a shipping address without asking."""
    for kind in Address.Kind.values:
        of_kind = [a for a in addresses if a["kind"] == kind]
        marked = [a for a in of_kind if a["is_default"]]
        if len(marked) > 1:
            raise DomainError(f"Only one {kind} address can be the default", field="addresses")
        if of_kind and not marked:
            of_kind[0]["is_default"] = True


def _code_allocate() -> str:
    """The next free code from the party number series (created on first use as C00001...)."""
    company = company_default()
    series = NumberSeries.objects.filter(company=company, doc_type=CODE_SERIES).first()
    if series is None:
        try:
            with transaction.atomic():
                series = NumberSeries.objects.create(company=company, doc_type=CODE_SERIES, format=CODE_FORMAT,
                                                     reset=NumberSeries.Reset.NEVER)
        except IntegrityError:
            series = NumberSeries.objects.get(company=company, doc_type=CODE_SERIES)
    while True:  # skip numbers already taken by hand-entered codes
        code = number_allocate(doc_type=CODE_SERIES, series=series)
        if not Party.objects.filter(code=code).exists():
            return code


def _save(party: Party) -> None:
    if Party.objects.filter(code=party.code).exclude(pk=party.pk).exists():
        raise Conflict(f"A party with code {party.code!r} already exists", field="code", code="duplicate_code")
    try:
        with transaction.atomic():
            party.save()
    except IntegrityError as exc:  # a concurrent insert of the same code
        raise Conflict(f"A party with code {party.code!r} already exists", field="code",
                       code="duplicate_code") from exc


def party_create(*, name: str, code: str | None = None, is_customer: bool = True, is_supplier: bool = False,
                 email: str = "", phone: str = "", tax_id: str = "",
                 customer_group: CustomerGroup | str | None = None, currency: str | None = None,
                 payment_terms_days: int = 30, credit_limit: Decimal | str | int | None = None,
                 language: str | None = None, notes: str = "", active: bool = True, custom: dict | None = None,
                 addresses: list[dict] | None = None, contacts: list[dict] | None = None) -> Party:
    """Create a customer or supplier. Without a code one is taken from the party number series;
    without a currency the company's base currency is used."""
    with transaction.atomic():
        company = company_default() if currency is None or language is None else None
        values = party_values_clean({
            "code": code if code else "-",  # stands in for the code allocated below, once all else is valid
            "name": name, "is_customer": is_customer, "is_supplier": is_supplier,
            "email": email, "phone": phone, "tax_id": tax_id, "customer_group": customer_group,
            "currency": currency if currency is not None else company.base_currency,
            "payment_terms_days": payment_terms_days, "credit_limit": credit_limit,
            "language": language if language is not None else company.default_locale,
            "notes": notes, "active": active,
        })
        custom_values = custom_values_clean(target=CUSTOM_TARGET, values=custom, current=None)
        if not code:
            values["code"] = _code_allocate()
        party = Party(**values, custom=custom_values)
        _save(party)
        _sync(party, Address, addresses or [], address_clean, "addresses")
        _sync(party, Contact, contacts or [], contact_clean, "contacts")
        after = {**_snapshot(party), **_children_snapshot(party)}
        event_publish(event_type="party.created", aggregate_type=OBJECT_TYPE, aggregate_id=party.pk,
                      payload={"id": party.pk, "code": party.code, "name": party.name})
        audit_record(action="party.created", object_type=OBJECT_TYPE, object_id=party.pk, changes=diff({}, after))
    return party


def party_update(*, party: Party, **changes) -> Party:
    """Change some fields. ``addresses``/``contacts``, when given, are the complete new lists
    (rows with an ``id`` are kept and updated, the others created; rows left out are removed)."""
    unknown = set(changes) - set(PARTY_FIELDS) - {"addresses", "contacts"}
    if unknown:
        raise DomainError(f"Unknown party field(s) {sorted(unknown)}", field=sorted(unknown)[0])
    with transaction.atomic():
        party = Party.objects.select_for_update(of=("self",)).select_related("customer_group").get(pk=party.pk)
        before = _snapshot(party)
        children = {"addresses", "contacts"} & set(changes)
        if children:
            before.update(_children_snapshot(party))
        current = {name: getattr(party, name) for name in PARTY_FIELDS}
        values = party_values_clean({**current, **{k: v for k, v in changes.items() if k in PARTY_FIELDS}})
        if "custom" in changes:
            party.custom = custom_values_clean(target=CUSTOM_TARGET, values=changes["custom"], current=party.custom)
        for name, value in values.items():
            setattr(party, name, value)
        _save(party)
        if "addresses" in changes:
            _sync(party, Address, changes["addresses"] or [], address_clean, "addresses")
        if "contacts" in changes:
            _sync(party, Contact, changes["contacts"] or [], contact_clean, "contacts")
        after = _snapshot(party)
        if children:
            after.update(_children_snapshot(party))
        changed = diff(before, after)
        if changed:
            event_publish(event_type="party.updated", aggregate_type=OBJECT_TYPE, aggregate_id=party.pk,
                          payload={"id": party.pk, "code": party.code, "fields": sorted(changed)})
            audit_record(action="party.updated", object_type=OBJECT_TYPE, object_id=party.pk, changes=changed)
    return party


def party_deactivate(*, party: Party) -> Party:
    """Parties are never deleted (orders and invoices point at them); an inactive one is hidden
    from pickers and refused for new documents. Deactivating twice is not an error."""
    with transaction.atomic():
        party = Party.objects.select_for_update().get(pk=party.pk)
        if party.active:
            party.active = False
            party.save(update_fields=["active"])
            event_publish(event_type="party.deactivated", aggregate_type=OBJECT_TYPE, aggregate_id=party.pk,
                          payload={"id": party.pk, "code": party.code})
            audit_record(action="party.deactivated", object_type=OBJECT_TYPE, object_id=party.pk,
                         changes={"active": [True, False]})
    return party


def _group_clean(code: object, name: object) -> dict:
    code = text_clean(code, field="code", max_length=50, required=True)
    if not _SLUG.fullmatch(code):
        raise DomainError("code may contain only letters, digits, - and _", field="code")
    return {"code": code, "name": text_clean(name, field="name", max_length=100, required=True)}


def _group_save(group: CustomerGroup) -> None:
    if CustomerGroup.objects.filter(code=group.code).exclude(pk=group.pk).exists():
        raise Conflict(f"A customer group {group.code!r} already exists", field="code", code="duplicate_code")
    try:
        with transaction.atomic():
            group.save()
    except IntegrityError as exc:
        raise Conflict(f"A customer group {group.code!r} already exists", field="code",
                       code="duplicate_code") from exc


def customer_group_create(*, code: str, name: str) -> CustomerGroup:
    with transaction.atomic():
        group = CustomerGroup(**_group_clean(code, name))
        _group_save(group)
        audit_record(action="customer_group.created", object_type="parties.customergroup", object_id=group.pk,
                     changes=diff({}, {"code": group.code, "name": group.name}))
    return group


def customer_group_update(*, group: CustomerGroup, code: str | None = None, name: str | None = None) -> CustomerGroup:
    with transaction.atomic():
        group = CustomerGroup.objects.select_for_update().get(pk=group.pk)
        before = {"code": group.code, "name": group.name}
        values = _group_clean(group.code if code is None else code, group.name if name is None else name)
        group.code, group.name = values["code"], values["name"]
        _group_save(group)
        changed = diff(before, values)
        if changed:
            audit_record(action="customer_group.updated", object_type="parties.customergroup",
                         object_id=group.pk, changes=changed)
    return group

