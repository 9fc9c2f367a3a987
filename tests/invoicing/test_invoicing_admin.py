"""The invoicing back office: lists with balances and filters, the document page, actions through the
services, and tax rates, schedules and settings saved through the services."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from inv_helpers import hand_invoice, issued

from oms.core.models import AuditRecord
from oms.invoicing.models import Invoice, InvoicingSettings, RecurringInvoice, TaxRate
from oms.invoicing.services import LineSpec, NoteLineSpec, credit_note_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(client, admin_user):
    client.force_login(admin_user)
    return client


def test_list_shows_balances_and_filters_overdue(office, world):
    late = issued()
    Invoice.objects.filter(pk=late.pk).update(due_date=date.today() - timedelta(days=3))
    credit_note_create(invoice=late, reason="discount", lines=[NoteLineSpec(description="Discount", quantity="1",
                                                                            unit_price="45.50")])
    hand_invoice()
    url = reverse("admin:invoicing_invoice_changelist")
    page = office.get(url).content.decode()
    assert late.number in page and "800.00" in page and f"CN-{date.today().year}-00001" in page
    overdue = office.get(url, {"overdue": "yes"}).content.decode()
    assert late.number in overdue and "draft #" not in overdue
    assert office.get(url, {"overdue": "no", "q": "Acme"}).status_code == 200


def test_document_page_shows_lines_taxes_balance_and_timeline(office, world):
    invoice = issued(lines=None)
    page = office.get(reverse("admin:invoicing_invoice_change", args=[invoice.pk])).content.decode()
    assert invoice.number in page and "Consulting" in page and "845.50" in page
    assert "invoice.issued" in page and "invoice.created" in page
    taxed = hand_invoice(lines=[LineSpec(sku="WIDGET", quantity="1", unit_price="10.00")])
    page = office.get(reverse("admin:invoicing_invoice_change", args=[taxed.pk])).content.decode()
    assert "std 10% (standard): 10.00" in page


def test_issue_and_cancel_actions_run_the_services(office, world):
    drafts = [hand_invoice(), hand_invoice()]
    url = reverse("admin:invoicing_invoice_changelist")
    office.post(url, {"action": "issue", "_selected_action": [drafts[0].pk]}, follow=True)
    office.post(url, {"action": "cancel", "_selected_action": [drafts[1].pk]}, follow=True)
    response = office.post(url, {"action": "cancel", "_selected_action": [drafts[0].pk]}, follow=True)
    statuses = dict(Invoice.objects.values_list("pk", "status"))
    assert (statuses[drafts[0].pk], statuses[drafts[1].pk]) == ("issued", "cancelled")
    assert "cannot go from" in response.content.decode()


def test_draft_notes_are_edited_through_the_service_issued_ones_are_read_only(office, world):
    draft = hand_invoice()
    url = reverse("admin:invoicing_invoice_change", args=[draft.pk])
    response = office.post(url, {"notes": "Thank you", "payment_terms_days": "14", "lines-TOTAL_FORMS": "0",
                                 "lines-INITIAL_FORMS": "2", "lines-MIN_NUM_FORMS": "0",
                                 "lines-MAX_NUM_FORMS": "1000"})
    assert response.status_code == 302, response.content.decode()[:2000]
    draft.refresh_from_db()
    assert (draft.notes, draft.payment_terms_days) == ("Thank you", 14)
    assert AuditRecord.objects.filter(action="invoice.updated", object_id=str(draft.pk)).exists()
    done = issued()
    page = office.get(reverse("admin:invoicing_invoice_change", args=[done.pk])).content.decode()
    assert 'name="notes"' not in page


def test_tax_rate_recurring_and_settings_pages_save_through_services(office, world, rates):
    response = office.post(reverse("admin:invoicing_taxrate_add"), {
        "code": "gst", "name": "GST 15%", "category": rates.levy.pk, "jurisdiction": "nz", "rate": "15",
        "kind": "standard", "valid_from": "2025-01-01"})
    assert response.status_code == 302
    gst = TaxRate.objects.get(code="gst")
    assert gst.jurisdiction == "NZ" and AuditRecord.objects.filter(action="tax_rate.created").exists()
    overlap = office.post(reverse("admin:invoicing_taxrate_add"), {
        "code": "gst2", "name": "GST 16%", "category": rates.levy.pk, "jurisdiction": "NZ", "rate": "16",
        "kind": "standard", "valid_from": "2026-01-01"}, follow=True)
    assert "is valid from" in overlap.content.decode() and not TaxRate.objects.filter(code="gst2").exists()
    response = office.post(reverse("admin:invoicing_recurringinvoice_add"), {
        "customer": world.customer.pk, "currency": "USD", "interval": "monthly", "next_date": "2025-01-31",
        "lines": '[{"description": "Retainer", "quantity": "1", "unit_price": "100"}]',
        "issue_automatically": "on", "notes": "", "active": "on"})
    assert response.status_code == 302
    assert RecurringInvoice.objects.get().anchor_day == 31
    response = office.post(reverse("admin:invoicing_invoicingsettings_add"), {"tax_rounding": "document",
                                                                              "invoice_policy": "fulfilled"})
    assert response.status_code == 302
    assert InvoicingSettings.objects.get().tax_rounding == "document"
    for name in ("taxrate", "recurringinvoice", "invoicingsettings", "invoice"):
        assert office.get(reverse(f"admin:invoicing_{name}_changelist")).status_code == 200
