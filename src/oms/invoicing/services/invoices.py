"""Invoice services: create (by hand or from a sales order), edit a draft, issue, cancel, and the
payment status the payments module refreshes.

Each service owns its transaction. Locks, in one order everywhere: the invoice row first (a new
invoice from an order: the order row), then the number counter (taken late, at issue), and the
audit records last.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from oms.core.errors import Conflict, DomainError, NotFound
from oms.core.money import amount_rounded, is_known_currency
from oms.core.services.customfields import custom_values_clean
from oms.core.services.numbering import number_allocate
from oms.invoicing.models import Invoice, InvoiceLine, InvoiceLineTax, RecurringInvoice
from oms.invoicing.selectors import invoice_account, invoiced_quantities, invoicing_settings
from oms.invoicing.services.common import (
    Built, Effects, LineSpec, actor_label, build_lines, customer_get, default_billing_address, line_snapshot,
    lines_insert, lines_save, stored_taxes, today,
)
from oms.invoicing.states import ISSUED, payment_status, transition_check
from oms.parties.models import Party
from oms.sales.models import SalesOrder
from oms.sales.states import OrderStatus

S, K = Invoice.Status, Invoice.Kind
CUSTOM_TARGET = "invoicing.invoice"
DOC_TYPES = {K.INVOICE: "invoicing.invoice", K.CREDIT_NOTE: "invoicing.credit_note",
             K.DEBIT_NOTE: "invoicing.debit_note"}
DEFAULT_FORMATS = {K.INVOICE: "INV-{YYYY}-{seq:05d}", K.CREDIT_NOTE: "CN-{YYYY}-{seq:05d}",
                   K.DEBIT_NOTE: "DN-{YYYY}-{seq:05d}"}
INVOICEABLE_ORDERS = frozenset({OrderStatus.CONFIRMED, OrderStatus.PARTIALLY_FULFILLED, OrderStatus.FULFILLED,
                                OrderStatus.COMPLETED})
MAX_TERMS_DAYS = 3650
LINE_FIELDS = ["kind", "product", "sku", "description", "quantity", "unit_price", "discount_amount", "tax_rate",
               "tax_percent", "tax_category", "line_subtotal", "line_tax", "line_total"]
TOTAL_FIELDS = ["subtotal", "tax_total", "withholding_total", "total"]
LINE_RELATED = ("product__tax_category", "product__unit", "tax_category", "order_line__product", "original_line")


def locked(invoice: Invoice) -> Invoice:
    return (Invoice.objects.select_for_update(of=("self",)).select_related("customer", "original")
            .get(pk=invoice.pk))


def immutable_check(invoice: Invoice) -> None:
    if invoice.status != S.DRAFT:
        label = invoice.number or f"#{invoice.pk}"
        raise Conflict(f"{label} is {invoice.status}: only a draft can be changed (an issued document is corrected "
                       "with a credit or debit note)", field="status", code="immutable")


def _terms(value: object, party: Party) -> int:
    if value is None:
        return party.payment_terms_days
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_TERMS_DAYS:
        raise DomainError(f"payment_terms_days must be a whole number from 0 to {MAX_TERMS_DAYS}",
                          field="payment_terms_days")
    return value


def totals_snapshot(invoice: Invoice) -> dict:
    return {name: str(amount_rounded(getattr(invoice, name), invoice.currency)) for name in TOTAL_FIELDS}


def _write_new(invoice: Invoice, built: Built, effects: Effects, action: str = "invoice.created") -> list:
    """Insert the document and its lines; returns the lines' tax rows, for ``effects.flush(rows=...)``."""
    invoice.save(force_insert=True)
    taxes = lines_insert(built)
    effects.add(action, {"lines": [line_snapshot(x) for x in built.lines], **totals_snapshot(invoice)})
    return taxes


def _issued_changes(invoice: Invoice) -> dict:
    return {"status": [S.DRAFT, S.ISSUED], "number": invoice.number, "issue_date": invoice.issue_date.isoformat(),
            "due_date": invoice.due_date.isoformat() if invoice.due_date else None, **totals_snapshot(invoice)}


def invoice_create(*, customer: str, lines: list[LineSpec], currency: str | None = None, tax_inclusive: bool = False,
                   notes: str = "", payment_terms_days: int | None = None, billing_address: dict | None = None,
                   language: str | None = None, custom: dict | None = None,
                   recurring: RecurringInvoice | None = None) -> Invoice:
    """A draft invoice entered by hand (hours, fees, expenses, goods): quantity x unit price per line."""
    party = customer_get(customer)
    currency = currency or party.currency
    if not is_known_currency(currency):
        raise DomainError(f"Unknown currency {currency!r}", field="currency", code="unknown_currency")
    invoice = Invoice(kind=K.INVOICE, status=S.DRAFT, customer=party, currency=currency,
                      tax_inclusive=bool(tax_inclusive), notes=notes or "",
                      payment_terms_days=_terms(payment_terms_days, party),
                      billing_address=billing_address or default_billing_address(party),
                      language=language or party.language, created_by=actor_label(), recurring=recurring,
                      custom=custom_values_clean(target=CUSTOM_TARGET, values=custom))
    built = build_lines(invoice, list(lines), on_date=today())
    with transaction.atomic():
        effects = Effects(invoice)
        taxes = _write_new(invoice, built, effects)
        effects.flush(rows=taxes)
    return invoice


def _order_line_specs(order: SalesOrder, policy: str) -> list[LineSpec]:
    """What is left to invoice on each order line (ordered or fulfilled, less what earlier invoices hold).

    A line's discount is invoiced in proportion to its quantity, cumulatively, so that the parts on
    successive invoices add up to the order line's discount exactly.
    """
    done = invoiced_quantities(order_id=order.pk)
    specs = []
    for line in order.lines.select_related("product__tax_category", "product__unit").order_by("position"):
        cap = line.quantity_fulfilled if policy == "fulfilled" else line.quantity
        invoiced, discounted = done.get(line.pk, (Decimal(0), Decimal(0)))
        quantity = min(cap, line.quantity) - invoiced
        if quantity <= 0:
            continue
        share = amount_rounded(line.line_discount * (invoiced + quantity) / line.quantity, order.currency)
        discount = max(Decimal(0), share - discounted)
        product = line.product
        kind = InvoiceLine.Kind.FEE if product is not None and product.product_type == "service" else \
            InvoiceLine.Kind.GOODS
        if product is not None and product.unit.code in ("h", "hr", "hour"):
            kind = InvoiceLine.Kind.HOURS
        specs.append(LineSpec(kind=kind, description=line.description, quantity=quantity, unit_price=line.unit_price,
                              discount_amount=discount, order_line=line, product=product, tax_percent=line.tax_rate))
    return specs


def invoice_create_from_order(*, order: SalesOrder, issue: bool = False) -> Invoice:
    """A draft invoice for what is left to invoice on a sales order: every ordered quantity, or only
    the fulfilled ones when the invoicing policy says so. 409 ``nothing_to_invoice`` when nothing is left.

    With ``issue``, the invoice is issued in the same transaction, as ``invoice_issue`` would issue
    the draft today: taxed on today's date, numbered, due ``payment_terms_days`` later."""
    on = today()
    with transaction.atomic():
        order = (SalesOrder.objects.select_for_update(of=("self",)).select_related("customer")
                 .filter(pk=order.pk).first())
        if order is None:
            raise NotFound("No such order", field="order")
        if order.status not in INVOICEABLE_ORDERS:
            raise Conflict(f"Order {order.number} is {order.status}: only confirmed orders are invoiced",
                           field="order", code="order_not_invoiceable")
        rules = invoicing_settings()
        specs = _order_line_specs(order, rules.invoice_policy)
        if not specs:
            what = "fulfilled" if rules.invoice_policy == "fulfilled" else "ordered"
            raise Conflict(f"Everything {what} on order {order.number} is already invoiced", field="order",
                           code="nothing_to_invoice")
        party = order.customer
        invoice = Invoice(kind=K.INVOICE, status=S.DRAFT, customer=party, currency=order.currency, sales_order=order,
                          tax_inclusive=order.tax_inclusive, payment_terms_days=party.payment_terms_days,
                          billing_address=order.billing_address or default_billing_address(party),
                          language=party.language, created_by=actor_label(),
                          custom=custom_values_clean(target=CUSTOM_TARGET, values=None))
        built = build_lines(invoice, specs, on_date=on, rounding=rules.tax_rounding)
        if issue:  # numbered after pricing, just before the writes: the series stays locked until commit
            transition_check(invoice.status, S.ISSUED, kind=invoice.kind)
            invoice.status = S.ISSUED
            issue_fields(invoice, on)
        effects = Effects(invoice)
        taxes = _write_new(invoice, built, effects)
        effects.steps[-1][1]["sales_order"] = order.number
        if issue:
            effects.add("invoice.issued", _issued_changes(invoice))
        effects.flush(rows=taxes)
    return invoice


def _editable(invoice: Invoice) -> dict:
    return {"notes": invoice.notes, "payment_terms_days": invoice.payment_terms_days,
            "billing_address": dict(invoice.billing_address or {}), "tax_inclusive": invoice.tax_inclusive,
            "custom": dict(invoice.custom or {}), **totals_snapshot(invoice)}


def invoice_update(*, invoice: Invoice, lines: list[LineSpec] | None = None, notes: str | None = None,
                   payment_terms_days: int | None = None, billing_address: dict | None = None,
                   tax_inclusive: bool | None = None, custom: dict | None = None) -> Invoice:
    """Change a draft (its lines are replaced when given). An issued document: 409 ``immutable``."""
    with transaction.atomic():
        invoice = locked(invoice)
        immutable_check(invoice)
        before = _editable(invoice)
        if notes is not None:
            invoice.notes = notes
        if payment_terms_days is not None:
            invoice.payment_terms_days = _terms(payment_terms_days, invoice.customer)
        if billing_address is not None:
            invoice.billing_address = billing_address
        if tax_inclusive is not None:
            invoice.tax_inclusive = bool(tax_inclusive)
        if custom is not None:
            invoice.custom = custom_values_clean(target=CUSTOM_TARGET, values=custom, current=invoice.custom)
        if lines is not None and invoice.sales_order_id:
            raise DomainError("The lines of an invoice made from an order follow the order: cancel the draft and "
                              "invoice the order again", field="lines", code="order_lines_fixed")
        old_lines = list(invoice.lines.select_related(*LINE_RELATED).prefetch_related("taxes"))
        specs = list(lines) if lines is not None else [respec(x) for x in old_lines]
        built = build_lines(invoice, specs, on_date=today())
        changes = {}
        if lines is not None:
            changes["lines"] = [[line_snapshot(x) for x in old_lines], None]
            InvoiceLine.objects.filter(invoice=invoice).delete()
            lines_save(built)
            changes["lines"][1] = [line_snapshot(x) for x in built.lines]
        else:
            lines_replace_amounts(old_lines, built)
        invoice.save()
        after = _editable(invoice)
        changes.update({k: [before[k], after[k]] for k in before if before[k] != after[k]})
        effects = Effects(invoice)
        effects.add("invoice.updated", changes)
        effects.flush()
    return invoice


def respec(line: InvoiceLine) -> LineSpec:
    """A written line as input again, to re-price it (on another date, or with other settings)."""
    taxes = list(line.taxes.all())
    kwargs = {}
    if line.tax_category_id:
        plain = next((t for t in taxes if t.tax_rate_id is None), None)
        kwargs = {"tax_category": line.tax_category.code, "tax_percent": plain.percent if plain else None}
    elif taxes and all(t.tax_rate_id for t in taxes):
        kwargs = {"tax_rates": [t.tax_rate_id for t in taxes]}
    else:
        kwargs = {"tax_parts": stored_taxes(line)}
    return LineSpec(kind=line.kind, description=line.description, quantity=line.quantity, unit_price=line.unit_price,
                    discount_amount=line.discount_amount, product=line.product, order_line=line.order_line,
                    original_line=line.original_line, **kwargs)


# What pricing a line sets, as stored: a line whose values all match was priced the same way.
_PRICED = tuple(InvoiceLine._meta.get_field(name).attname for name in LINE_FIELDS)
_TAX_PRICED = ("tax_rate_id", "code", "name", "percent", "kind", "compound", "taxable", "amount")


def _repriced(old: list[InvoiceLine], built: Built) -> bool:
    """Whether pricing the lines again changed any stored line or line tax (issued under the rates
    and settings the draft was priced with: no)."""
    for new, existing, new_taxes in zip(built.lines, old, built.taxes, strict=True):
        if any(getattr(new, name) != getattr(existing, name) for name in _PRICED):
            return True
        stored = [tuple(getattr(t, name) for name in _TAX_PRICED) for t in existing.taxes.all()]
        if stored != [tuple(getattr(t, name) for name in _TAX_PRICED) for t in new_taxes]:
            return True
    return False


def lines_replace_amounts(old: list[InvoiceLine], built: Built) -> None:
    """Store re-priced amounts and taxes on the existing lines (their ids do not change)."""
    for new, existing in zip(built.lines, old, strict=True):
        new.pk = existing.pk
    InvoiceLine.objects.bulk_update(built.lines, LINE_FIELDS)
    InvoiceLineTax.objects.filter(line_id__in=[x.pk for x in old]).delete()
    for line, rows in zip(built.lines, built.taxes):
        for row in rows:
            row.line = line
    InvoiceLineTax.objects.bulk_create([row for rows in built.taxes for row in rows])


def number_take(invoice: Invoice, on: date) -> str:
    when = timezone.make_aware(datetime.combine(on, time(12)))
    return number_allocate(doc_type=DOC_TYPES[invoice.kind], when=when, default_format=DEFAULT_FORMATS[invoice.kind])


def issue_fields(invoice: Invoice, on: date) -> None:
    """Number, dates and the moment of issue (call late in the transaction: the number series locks)."""
    invoice.issue_date = on
    invoice.due_date = None if invoice.kind == K.CREDIT_NOTE else on + timedelta(days=invoice.payment_terms_days)
    invoice.issued_at = timezone.now()
    invoice.number = number_take(invoice, on)


def invoice_issue(*, invoice: Invoice, issue_date: date | None = None) -> Invoice:
    """Issue a draft: re-taxed on the issue date, totals frozen, numbered (gap-free per series and
    year), due ``payment_terms_days`` after the issue date. From then on it never changes."""
    on = issue_date or today()
    with transaction.atomic():
        invoice = locked(invoice)
        transition_check(invoice.status, S.ISSUED, kind=invoice.kind)
        lines = list(invoice.lines.select_related(*LINE_RELATED).prefetch_related("taxes"))
        if not lines:
            raise DomainError("An invoice without lines cannot be issued", field="lines", code="required")
        built = build_lines(invoice, [respec(x) for x in lines], on_date=on)
        if _repriced(lines, built):  # else the stored lines are already what the issue date gives
            lines_replace_amounts(lines, built)
        invoice.status = S.ISSUED
        issue_fields(invoice, on)
        invoice.save()
        effects = Effects(invoice)
        effects.add(f"{invoice.kind}.issued", _issued_changes(invoice))
        effects.flush()
    return invoice


def invoice_cancel(*, invoice: Invoice, reason: str = "") -> Invoice:
    """Cancel a draft (an issued invoice is corrected with a credit note instead: 409)."""
    with transaction.atomic():
        invoice = locked(invoice)
        transition_check(invoice.status, S.CANCELLED, kind=invoice.kind)
        invoice.status = S.CANCELLED
        invoice.save(update_fields=["status"])
        effects = Effects(invoice)
        effects.add("invoice.cancelled", {"status": [S.DRAFT, S.CANCELLED], "reason": reason})
        effects.flush()
    return invoice


def status_refresh(invoice: Invoice, effects: Effects) -> None:
    """Set a locked, issued invoice's status from its balance (inside the caller's transaction)."""
    if invoice.kind != K.INVOICE or invoice.status not in ISSUED:
        return
    account = invoice_account(invoice)
    adjusted = account.total + account.debited - account.credited
    new = payment_status(balance=account.balance, allocated=account.allocated, adjusted_total=adjusted)
    if new == invoice.status:
        return
    before = invoice.status
    transition_check(before, new, kind=invoice.kind)
    invoice.status = new
    invoice.save(update_fields=["status"])
    effects.add("invoice.payment_status_changed", {"status": [before, new], "balance": str(account.balance)})


def invoice_payment_status_refresh(*, invoice: Invoice) -> Invoice:
    """Recompute an invoice's status from its balance: ``paid`` when nothing is left to pay,
    ``partially_paid`` when payments were allocated and something is left, else ``issued``.

    For the payments module: call it after writing or reversing allocations, in the same
    transaction (it locks the invoice row). Given a credit or debit note, it refreshes the invoice
    the note adjusts. Drafts and cancelled invoices are left as they are. Returns the invoice.
    """
    original_id = Invoice.objects.filter(pk=invoice.pk).values_list("original_id", flat=True).first()
    with transaction.atomic():
        target = locked(Invoice(pk=original_id or invoice.pk))
        effects = Effects(target)
        status_refresh(target, effects)
        effects.flush()
    return target
