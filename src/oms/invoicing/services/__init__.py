"""Invoicing writes, importable from one place: ``from oms.invoicing.services import invoice_issue``."""

from oms.invoicing.services.common import LineSpec
from oms.invoicing.services.invoices import (
    invoice_cancel, invoice_create, invoice_create_from_order, invoice_issue, invoice_payment_status_refresh,
    invoice_update,
)
from oms.invoicing.services.notes import NoteLineSpec, credit_note_create, debit_note_create
from oms.invoicing.services.rates import invoicing_settings_update, tax_rate_create, tax_rate_update
from oms.invoicing.services.recurring import (
    RunResult, recurring_invoice_create, recurring_invoice_update, recurring_invoices_run,
)

__all__ = [
    "LineSpec", "NoteLineSpec", "RunResult", "credit_note_create", "debit_note_create", "invoice_cancel",
    "invoice_create", "invoice_create_from_order", "invoice_issue", "invoice_payment_status_refresh",
    "invoice_update", "invoicing_settings_update", "recurring_invoice_create", "recurring_invoice_update",
    "recurring_invoices_run", "tax_rate_create", "tax_rate_update",
]
