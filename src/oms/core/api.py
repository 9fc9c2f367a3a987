"""Core API: company settings, custom field definitions, the audit trail and the outbox."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from ninja import Query, Router, Schema

from oms.core.apikit import page_of, require_perm
from oms.core.models import CustomFieldDefinition
from oms.core.selectors import audit_records
from oms.core.services.company import company_default, company_update
from oms.core.services.customfields import custom_field_define

router = Router(tags=["core"])


class CompanyOut(Schema):
    legal_name: str
    trade_name: str
    address_line1: str
    address_line2: str
    city: str
    region: str
    postal_code: str
    country: str
    tax_id: str
    email: str
    phone: str
    base_currency: str
    default_locale: str
    time_zone: str


class CompanyPatch(Schema):
    legal_name: str | None = None
    trade_name: str | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None
    tax_id: str | None = None
    email: str | None = None
    phone: str | None = None
    base_currency: str | None = None
    default_locale: str | None = None
    time_zone: str | None = None


@router.get("/company", response=CompanyOut)
def company_get(request):
    return company_default()


@router.patch("/company", response=CompanyOut)
def company_patch(request, payload: CompanyPatch):
    require_perm(request, "core.change_company")
    return company_update(**payload.dict(exclude_unset=True, exclude_none=True))


class CustomFieldIn(Schema):
    target: str
    key: str
    label: str
    field_type: str
    required: bool = False
    choices: list[str] = []
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    max_length: int | None = None
    pattern: str = ""
    help_text: str = ""


class CustomFieldOut(CustomFieldIn):
    id: int
    active: bool


@router.get("/custom-fields", response=list[CustomFieldOut])
def custom_fields_list(request, target: str | None = None):
    qs = CustomFieldDefinition.objects.all()
    return qs.filter(target=target) if target else qs


@router.post("/custom-fields", response={201: CustomFieldOut})
def custom_fields_create(request, payload: CustomFieldIn):
    require_perm(request, "core.add_customfielddefinition")
    data = payload.dict()
    return 201, custom_field_define(target=data.pop("target"), key=data.pop("key"), label=data.pop("label"),
                                    field_type=data.pop("field_type"), **data)


class AuditOut(Schema):
    id: int
    seq: int | None
    created_at: datetime
    actor_type: str
    actor_id: str
    actor_label: str
    action: str
    object_type: str
    object_id: str
    changes: dict
    request_id: str
    hash: str


class AuditPage(Schema):
    items: list[AuditOut]
    next_cursor: str | None


class AuditFilter(Schema):
    object_type: str | None = None
    object_id: str | None = None
    action: str | None = None
    cursor: str | None = None
    limit: int | None = None


@router.get("/audit", response=AuditPage)
def audit_list(request, filters: Query[AuditFilter]):
    require_perm(request, "core.view_auditrecord")
    qs = audit_records(object_type=filters.object_type, object_id=filters.object_id, action=filters.action)
    return page_of(qs, cursor=filters.cursor, limit=filters.limit)


