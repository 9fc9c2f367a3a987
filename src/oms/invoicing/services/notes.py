"""Credit and debit notes: adjustments are documents, never edits.

A note adjusts one issued invoice, is issued at once (its own number series, CN-/DN-), carries a
reason and its author (the audit actor), and is always in the invoice's currency. A line may refer
to a line of the invoice (``original_line_id``): it then takes that line's description, product and
taxes as they were computed on the invoice, and its quantity and unit price unless given. A line
without one is described freely and taxed like a hand-made invoice line.

A credit note may take off at most what is left to credit (invoice total + debit notes - credit
notes so far): otherwise 422 ``credit_exceeds_balance`` and nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from oms.core.errors import Conflict, DomainError, NotFound
from oms.invoicing.balances import credit_check
from oms.invoicing.models import Invoice, InvoiceLine
from oms.invoicing.selectors import invoice_account
from oms.invoicing.services.common import (
    Effects, LineSpec, actor_label, build_lines, line_snapshot, lines_insert, stored_taxes, today,
)
from oms.invoicing.services.invoices import issue_fields, locked, status_refresh, totals_snapshot
from oms.invoicing.states import ISSUED

S, K = Invoice.Status, Invoice.Kind


@dataclass(frozen=True)
class NoteLineSpec:
    original_line_id: int | None = None
    description: str | None = None
    quantity: object = None
    unit_price: object = None
    kind: str = InvoiceLine.Kind.GOODS
    tax_category: str | None = None
    tax_rates: list[int] | None = None


def _specs(invoice: Invoice, lines: list[NoteLineSpec]) -> list[LineSpec]:
    originals = {x.pk: x for x in invoice.lines.select_related("product").prefetch_related("taxes")}
    specs = []
    for i, line in enumerate(lines):
        if line.original_line_id is None:
            specs.append(LineSpec(kind=line.kind, description=line.description, quantity=line.quantity,
                                  unit_price=line.unit_price, tax_category=line.tax_category,
                                  tax_rates=line.tax_rates))
            continue
        src = originals.get(line.original_line_id)
        if src is None:
            raise NotFound(f"Invoice {invoice.number} has no line {line.original_line_id}",
                           field=f"lines.{i}.original_line_id")
        if line.tax_category or line.tax_rates is not None:
            raise DomainError("A line that adjusts an invoice line keeps that line's taxes",
                              field=f"lines.{i}.tax_rates", code="taxes_fixed")
        whole = line.quantity is None and line.unit_price is None  # the whole line, discount included
        specs.append(LineSpec(kind=src.kind, description=line.description or src.description,
                              quantity=src.quantity if line.quantity is None else line.quantity,
                              unit_price=src.unit_price if line.unit_price is None else line.unit_price,
                              discount_amount=src.discount_amount if whole else None, product=src.product,
                              original_line=src, tax_parts=stored_taxes(src)))
    return specs


def _note_create(*, kind: str, invoice: Invoice, lines: list[NoteLineSpec], reason: str) -> Invoice:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("A note needs a reason", field="reason", code="required")
    if len(reason) > 300:
        raise DomainError("reason is longer than 300 characters", field="reason")
    if not lines:
        raise DomainError("A note needs at least one line", field="lines", code="required")
    on = today()
    with transaction.atomic():
        original = locked(invoice)
        if original.kind != K.INVOICE:
            raise DomainError(f"{original.number} is a {original.get_kind_display()}: notes adjust invoices",
                              field="invoice", code="not_an_invoice")
        if original.status not in ISSUED:
            raise Conflict(f"Invoice {original.number or original.pk} is {original.status}: only an issued invoice is "
                           "adjusted with a note (a draft is edited)", field="invoice", code="invoice_not_issued")
        note = Invoice(kind=kind, status=S.ISSUED, customer=original.customer, currency=original.currency,
                       original=original, sales_order_id=original.sales_order_id, reason=reason,
                       tax_inclusive=original.tax_inclusive, payment_terms_days=original.payment_terms_days,
                       billing_address=original.billing_address, language=original.language,
                       created_by=actor_label())
        built = build_lines(note, _specs(original, list(lines)), on_date=on)
        if kind == K.CREDIT_NOTE:
            account = invoice_account(original)
            credit_check(amount=note.total, total=account.total, debited=account.debited, credited=account.credited,
                         currency=original.currency, number=original.number)
        elif note.total <= 0:
            raise DomainError("A debit note must add more than zero", field="lines", code="invalid_amount")
        issue_fields(note, on)
        note.save(force_insert=True)
        taxes = lines_insert(built)
        invoice_effects = Effects(original)
        status_refresh(original, invoice_effects)
        invoice_effects.steps.insert(0, (f"invoice.{'credited' if kind == K.CREDIT_NOTE else 'debited'}",
                                         {"note": note.number, "total": totals_snapshot(note)["total"],
                                          "reason": reason}))
        note_effects = Effects(note)
        note_effects.add(f"{kind}.issued", {"original": original.number, "reason": reason,
                                            "lines": [line_snapshot(x) for x in built.lines],
                                            "issue_date": on.isoformat(), **totals_snapshot(note)})
        note_effects.flush(invoice_effects, rows=taxes)
    return note


def credit_note_create(*, invoice: Invoice, lines: list[NoteLineSpec], reason: str) -> Invoice:
    """Take amounts off an issued invoice with an issued credit note (CN-{YYYY}-{seq})."""
    return _note_create(kind=K.CREDIT_NOTE, invoice=invoice, lines=lines, reason=reason)


def debit_note_create(*, invoice: Invoice, lines: list[NoteLineSpec], reason: str) -> Invoice:
    """Add amounts to an issued invoice (freight, a price correction) with an issued debit note (DN-{YYYY}-{seq})."""
    return _note_create(kind=K.DEBIT_NOTE, invoice=invoice, lines=lines, reason=reason)
