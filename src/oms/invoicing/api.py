"""Invoicing API: invoices (from an order or by hand), issuing, cancelling, credit and debit notes,
balances. Tax rates and customer balances are in ``api_rates``, mounted on this router.

Documents are addressed by number, or by id (a draft has no number until it is issued).
"""

from __future__ import annotations

from datetime import date

from django.http import HttpResponse
from ninja import Header, Query, Router, Schema

from oms.core.apikit import idempotent, page_of, require_perm, schema_shaped
from oms.core.errors import Conflict
from oms.core.money import amount_rounded
from oms.invoicing.api_rates import router as rates_router
from oms.invoicing.balances import credit_left
from oms.invoicing.pdf import invoice_pdf, pdf_filename
from oms.invoicing.schemas import (
    BalanceOut, FromOrderIn, InvoiceIn, InvoiceOut, InvoicePage, InvoicePatch, NoteIn, ReasonIn, invoice_out,
)
from oms.invoicing.selectors import (
    InvoiceFilter, invoice_account, invoice_find, invoice_get, invoice_list, invoice_timeline,
)
from oms.invoicing.states import ISSUED
from oms.invoicing.ubl import invoice_ubl, ubl_filename
from oms.invoicing.services import (
    credit_note_create, debit_note_create, invoice_cancel, invoice_create, invoice_create_from_order, invoice_issue,
    invoice_update,
)
from oms.sales.selectors import order_find

router = Router(tags=["invoicing"])
router.add_router("", rates_router)


class InvoiceListQuery(Schema):
    status: str | None = None
    customer: str | None = None
    kind: str | None = None
    currency: str | None = None
    sales_order: str | None = None
    due_before: date | None = None
    overdue: bool | None = None
    cursor: str | None = None
    limit: int | None = None


class TimelineOut(Schema):
    seq: int | None
    created_at: str
    actor_label: str
    action: str
    changes: dict


def _out(invoice) -> dict:
    return InvoiceOut(**invoice_out(invoice_get(key=invoice.pk))).model_dump(mode="json")


@router.post("/invoices", response={201: InvoiceOut})
def invoices_create(request, payload: InvoiceIn, idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    """A draft invoice entered by hand (or issued at once with ``issue``). Lines are quantity x unit
    price, with an optional SKU; taxes come from the tax category or explicit tax rate ids."""
    require_perm(request, "invoicing.add_invoice")

    def action():
        invoice = invoice_create(
            customer=payload.customer, currency=payload.currency, tax_inclusive=payload.tax_inclusive,
            payment_terms_days=payload.payment_terms_days, notes=payload.notes,
            billing_address=payload.billing_address, custom=payload.custom,
            lines=[line.to_spec(f"lines.{i}") for i, line in enumerate(payload.lines)])
        if payload.issue:
            invoice = invoice_issue(invoice=invoice)
        return 201, _out(invoice)

    return idempotent(request, key=idempotency_key, body=payload.dict(), action=action)


@router.post("/invoices/from-order/{order_number}", response={201: InvoiceOut})
def invoices_from_order(request, order_number: str, payload: FromOrderIn = None,
                        idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    """Invoice what is left on a sales order: everything ordered, or what was fulfilled, per the
    invoicing settings. 409 ``nothing_to_invoice`` when an earlier invoice covers it all."""
    require_perm(request, "invoicing.add_invoice")
    issue = bool(payload and payload.issue)

    def action():
        return 201, _out(invoice_create_from_order(order=order_find(number=order_number), issue=issue))

    return idempotent(request, key=idempotency_key, body={"issue": issue}, action=action)


@router.get("/invoices", response=InvoicePage)
def invoices_list(request, query: Query[InvoiceListQuery]):
    """Invoices and notes, newest first. ``status`` and ``kind`` take several values separated by
    commas; ``overdue=true``: issued invoices with something left to pay, due before today."""
    require_perm(request, "invoicing.view_invoice")
    filters = InvoiceFilter(**query.dict(exclude={"cursor", "limit"}))
    page = page_of(invoice_list(filters=filters), cursor=query.cursor, limit=query.limit, render=invoice_out)
    return schema_shaped(page)  # invoice_out is the schema's shape (tests/invoicing/test_invoices_api.py)


@router.get("/invoices/{key}", response=InvoiceOut)
def invoices_get(request, key: str):
    require_perm(request, "invoicing.view_invoice")
    return schema_shaped(invoice_out(invoice_get(key=key)))


@router.patch("/invoices/{key}", response=InvoiceOut)
def invoices_patch(request, key: str, payload: InvoicePatch):
    """Change a draft (``lines`` replace all lines). An issued document: 409 ``immutable``."""
    require_perm(request, "invoicing.change_invoice")
    values = payload.dict(exclude_unset=True)
    if payload.lines is not None:
        values["lines"] = [line.to_spec(f"lines.{i}") for i, line in enumerate(payload.lines)]
    invoice = invoice_update(invoice=invoice_find(key=key), **values)
    return invoice_out(invoice_get(key=invoice.pk))


@router.post("/invoices/{key}/issue", response=InvoiceOut)
def invoices_issue(request, key: str):
    """Issue a draft: numbered, dated, due after the payment terms, totals frozen."""
    require_perm(request, "invoicing.change_invoice")
    invoice = invoice_issue(invoice=invoice_find(key=key))
    return invoice_out(invoice_get(key=invoice.pk))


@router.post("/invoices/{key}/cancel", response=InvoiceOut)
def invoices_cancel(request, key: str, payload: ReasonIn = None):
    """Cancel a draft. An issued invoice is not cancelled (409): credit it with a credit note."""
    require_perm(request, "invoicing.change_invoice")
    invoice = invoice_cancel(invoice=invoice_find(key=key), reason=payload.reason if payload else "")
    return invoice_out(invoice_get(key=invoice.pk))


def _note(request, key: str, payload: NoteIn, idempotency_key: str | None, create):
    require_perm(request, "invoicing.add_invoice")

    def action():
        lines = [line.to_spec(f"lines.{i}") for i, line in enumerate(payload.lines)]
        note = create(invoice=invoice_find(key=key), lines=lines, reason=payload.reason)
        return 201, _out(note)

    return idempotent(request, key=idempotency_key, body=payload.dict(), action=action)


@router.post("/invoices/{key}/credit-notes", response={201: InvoiceOut})
def invoices_credit_note(request, key: str, payload: NoteIn,
                         idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    """Issue a credit note on an issued invoice. More than is left to credit: 422
    ``credit_exceeds_balance``, nothing written."""
    return _note(request, key, payload, idempotency_key, credit_note_create)


@router.post("/invoices/{key}/debit-notes", response={201: InvoiceOut})
def invoices_debit_note(request, key: str, payload: NoteIn,
                        idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    """Issue a debit note (e.g. freight) adding to an issued invoice."""
    return _note(request, key, payload, idempotency_key, debit_note_create)


@router.get("/invoices/{key}/balance", response=BalanceOut)
def invoices_balance(request, key: str):
    """The invoice's account: total, notes, payments allocated, what is left to pay and to credit.
    For a note, the account of the invoice it adjusts."""
    require_perm(request, "invoicing.view_invoice")
    invoice = invoice_get(key=key)
    account = invoice.original if invoice.original_id else invoice
    figures = invoice_account(account)
    c = invoice.currency
    return {"invoice": account.number, "currency": c, "total": amount_rounded(figures.total, c),
            "debit_notes": amount_rounded(figures.debited, c), "credit_notes": amount_rounded(figures.credited, c),
            "allocated": amount_rounded(figures.allocated, c), "balance": amount_rounded(figures.balance, c),
            "left_to_credit": amount_rounded(credit_left(total=figures.total, debited=figures.debited,
                                                         credited=figures.credited), c)
            if account.status in ISSUED else 0}


@router.get("/invoices/{key}/timeline", response=list[TimelineOut])
def invoices_timeline(request, key: str):
    require_perm(request, "invoicing.view_invoice")
    return [{"seq": r.seq, "created_at": r.created_at.isoformat(), "actor_label": r.actor_label, "action": r.action,
             "changes": r.changes} for r in invoice_timeline(invoice=invoice_find(key=key))]


def _document(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@router.get("/invoices/{key}/pdf", response={200: None})
def invoices_pdf(request, key: str):
    """The document as a PDF, in the customer's language."""
    require_perm(request, "invoicing.view_invoice")
    invoice = invoice_find(key=key)
    return _document(invoice_pdf(invoice), "application/pdf", pdf_filename(invoice))


@router.get("/invoices/{key}/ubl", response={200: None})
def invoices_ubl(request, key: str):
    """The issued document as UBL 2.1 (PEPPOL BIS Billing 3.0): an Invoice, or a CreditNote."""
    require_perm(request, "invoicing.view_invoice")
    invoice = invoice_find(key=key)
    if invoice.status not in ISSUED:
        raise Conflict("Only an issued document has a UBL form", field="status", code="not_issued")
    return _document(invoice_ubl(invoice), "application/xml", ubl_filename(invoice))
