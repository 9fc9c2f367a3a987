"""Interop API: exports, streamed.

``GET /api/v1/exports/{entity}?format=csv|xlsx|shopify`` with the entity's filters. CSV (and the
Shopify CSV) is a streamed response produced while it is sent; XLSX is written to a temporary file
and sent from it. Each entity needs its view permission (e.g. ``sales.view_salesorder``).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from pydantic import field_validator

from oms.core.apikit import require_perm
from oms.interop.exporters import ExportRequest, export_csv, export_for, export_xlsx

router = Router(tags=["interop"])

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ExportQuery(Schema):
    format: Literal["csv", "xlsx", "shopify"] = Field("csv", description="csv and xlsx: our columns; shopify: "
                                                                         "Shopify's CSV columns (products, orders)")
    status: str | None = Field(None, max_length=200, description="orders, invoices, payments: one status or "
                                                                 "several separated by commas")
    customer: str | None = Field(None, max_length=50, description="orders, invoices, payments: a customer code")
    channel: str | None = Field(None, max_length=20, description="orders: the sales channel")
    kind: str | None = Field(None, max_length=20, description="invoices: invoice, credit_note, debit_note; "
                                                              "payments: payment, refund")
    active: bool | None = Field(None, description="products, customers")
    created_from: date | None = Field(None, description="first day (included) of the creation date")
    created_to: date | None = Field(None, description="last day (included) of the creation date")
    price_list: str | None = Field(None, max_length=100, description="products: the price list (id or name) "
                                                                     "whose price is exported")

    @field_validator("status", "customer", "channel", "kind", "price_list")
    @classmethod
    def no_nul(cls, value: str | None) -> str | None:
        # A NUL never belongs in a filter, and PostgreSQL refuses it in a query (a 500 otherwise).
        if value is not None and "\x00" in value:
            raise ValueError("must not contain NUL characters")
        return value


def export_filename(entity: str, fmt: str) -> str:
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    suffix = "xlsx" if fmt == "xlsx" else "csv"
    return f"{entity}{'-shopify' if fmt == 'shopify' else ''}-{stamp}.{suffix}"


def export_response(export, fmt: str, request: ExportRequest, *, queryset=None):
    """A streamed CSV or an XLSX file response; filters and permission are checked before."""
    filename = export_filename(export.entity, fmt)
    if fmt == "xlsx":
        return FileResponse(export_xlsx(export, request, queryset=queryset), as_attachment=True, filename=filename,
                            content_type=XLSX_TYPE)
    response = StreamingHttpResponse(export_csv(export, request, queryset=queryset),
                                     content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@router.get("/exports/{entity}", response={200: None},
            summary="Export products, customers, orders (with lines), invoices or payments")
def exports_get(request, entity: str, query: Query[ExportQuery]):
    export = export_for(entity, query.format)
    require_perm(request, export.permission)
    filters = ExportRequest(**query.dict(exclude={"format"}))
    return export_response(export, query.format, filters)
