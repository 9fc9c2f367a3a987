"""The order work page: header, lines, merged timeline, only the allowed buttons, actions through the services."""

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.urls import reverse

from oms.backoffice.selectors.orders import _details, invoice_of, order_documents
from oms.backoffice.templatetags.backoffice import money
from oms.core.errors import NotFound
from oms.core.models import AuditRecord
from oms.inventory.selectors import ledger_check
from oms.sales.models import SalesOrder

if apps.is_installed("oms.invoicing"):
    from oms.invoicing.models import Invoice
    from oms.invoicing.services import NoteLineSpec, credit_note_create

pytestmark = pytest.mark.django_db
NEEDS_ALL = pytest.mark.skipif(not all(apps.is_installed(f"oms.{m}") for m in ("shipping", "invoicing", "payments")),
                               reason="needs the shipping, invoicing and payments modules")


def url(order, action=None):
    if action:
        return reverse("backoffice:order-action", kwargs={"ref": order.number, "name": action})
    return reverse("backoffice:order", kwargs={"ref": order.number})


def buttons(html: str) -> set[str]:
    return {part.split('"', 1)[0] for part in html.split('data-action="')[1:]}


@NEEDS_ALL
def test_page_shows_header_lines_documents_and_a_merged_timeline(demo, staff):
    order = SalesOrder.objects.get(external_ref="GL-88812")  # shipped in part, invoiced, paid in part
    html = staff.get(url(order)).content.decode()
    assert order.number in html and order.customer.name in html and money(order.total, "USD") in html
    assert "TSHIRT-M" in html and "HOODIE-M" in html
    assert "1Z999AA10123456784" in html and "INV-" in html and "Wire GL-88812 (1/2)" in html
    for action in ("order.created", "order.confirmed", "shipment.shipped", "invoice.issued", "payment.recorded"):
        assert action in html, action
    assert buttons(html) == {"ship", "pay", "hold"}  # partially fulfilled: ship the rest, take money, hold


def test_buttons_follow_the_state(demo, staff):
    expected = {"draft": {"confirm", "cancel"}, "on_hold": {"release", "cancel"}, "cancelled": set()}
    for status, wanted in expected.items():
        order = SalesOrder.objects.filter(status=status).first()
        assert buttons(staff.get(url(order)).content.decode()) == wanted, status


@NEEDS_ALL
def test_draft_to_paid_through_the_buttons(demo, staff):
    order = SalesOrder.objects.get(status="draft")
    assert staff.post(url(order, "confirm")).status_code == 302
    order.refresh_from_db()
    assert order.status == "confirmed"
    staff.post(url(order, "ship"), {"carrier": "JNE", "tracking_number": "JNE123"})
    order.refresh_from_db()
    assert order.status == "fulfilled" and order.shipments.get().tracking_number == "JNE123"
    staff.post(url(order, "invoice"))
    invoice = order.invoices.get()
    assert invoice.status == "issued" and invoice.number.startswith("INV-")
    page = staff.get(url(order)).content.decode()
    assert buttons(page) == {"pay", "complete"}
    staff.post(url(order, "pay"), {"invoice": invoice.pk, "amount": str(invoice.total), "method": "cash"})
    invoice.refresh_from_db()
    assert invoice.status == "paid"
    assert buttons(staff.get(url(order)).content.decode()) == {"complete"}
    assert ledger_check() == []


def test_a_refused_action_is_shown_and_writes_nothing(demo, staff):
    order = SalesOrder.objects.get(status="cancelled")
    audit_before = AuditRecord.objects.count()
    response = staff.post(url(order, "confirm"), follow=True)
    assert response.status_code == 200
    assert "cancelled" in response.content.decode() and "confirmed" in response.content.decode()
    order.refresh_from_db()
    assert order.status == "cancelled" and AuditRecord.objects.count() == audit_before
    held = SalesOrder.objects.filter(status="confirmed").first()
    staff.post(url(held, "hold"), {"reason": "  "})  # a hold needs a reason
    held.refresh_from_db()
    assert held.status == "confirmed"


@NEEDS_ALL
def test_overpaying_is_refused(demo, staff):
    order = SalesOrder.objects.get(external_ref="GL-88812")
    invoice = order.invoices.get()
    staff.post(url(order, "pay"), {"invoice": invoice.pk, "amount": "999999", "method": "cash"})
    invoice.refresh_from_db()
    assert invoice.status == "partially_paid"


def test_actions_of_a_module_that_is_off_do_not_exist(demo, staff):
    order = SalesOrder.objects.filter(status="confirmed").first()
    for action, module in (("ship", "shipping"), ("invoice", "invoicing"), ("pay", "payments")):
        if not apps.is_installed(f"oms.{module}"):
            assert staff.post(url(order, action)).status_code == 404


def test_actions_need_their_permission(demo, client, django_user_model):
    viewer = django_user_model.objects.create_user(username="viewer", password="pw-12345678", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_salesorder"))
    client.force_login(viewer)
    order = SalesOrder.objects.get(status="draft")
    assert buttons(client.get(url(order)).content.decode()) == set()
    assert client.post(url(order, "confirm")).status_code == 403
    order.refresh_from_db()
    assert order.status == "draft"
    assert client.post(url(order, "explode")).status_code == 404
    assert client.get(url(order, "confirm")).status_code == 405


def test_unknown_order_is_404_and_lookup_by_id_works(demo, staff):
    assert staff.get("/backoffice/orders/SO-0000-404/").status_code == 404
    order = SalesOrder.objects.first()
    assert staff.get(f"/backoffice/orders/{order.pk}/").status_code == 200


@NEEDS_ALL
def test_printable_documents(demo, staff):
    order = SalesOrder.objects.get(external_ref="GL-88812")
    confirmation = staff.get(reverse("backoffice:order-print", kwargs={"ref": order.number}))
    assert confirmation.status_code == 200 and "window.print()" in confirmation.content.decode()
    shipment = order.shipments.get()
    slip = staff.get(reverse("backoffice:packing-slip", kwargs={"ref": order.number, "shipment_id": shipment.pk}))
    assert slip.status_code == 200 and "1Z999AA10123456784" in slip.content.decode()
    invoice = order.invoices.get()
    pdf = staff.get(reverse("backoffice:invoice-pdf", kwargs={"ref": order.number, "invoice_id": invoice.pk}))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    other = SalesOrder.objects.exclude(pk=order.pk).first()
    assert staff.get(reverse("backoffice:invoice-pdf", kwargs={"ref": other.number, "invoice_id": invoice.pk})
                     ).status_code == 404  # a document is reached through its own order only


def test_money_is_shown_in_the_currency_s_minor_units():
    assert money("1250000.0000", "IDR") == "1,250,000.00" and money("19.5", "USD") == "19.50"
    assert money(None) == "" and money("3.14159") == "3.14159"


def test_order_list_pages_by_id_and_filters(demo, staff):
    page = staff.get("/backoffice/orders/?queue=on_hold").content.decode()
    held = SalesOrder.objects.filter(status="on_hold")
    assert all(o.number in page for o in held)
    assert SalesOrder.objects.get(status="draft").number not in page
    first = staff.get("/backoffice/orders/").content.decode()
    newest = SalesOrder.objects.order_by("-id").first()
    assert newest.number in first
    older = staff.get(f"/backoffice/orders/?before={newest.pk}").content.decode()
    assert newest.number not in older.split('id="bo-orders"')[1]
    assert staff.get("/backoffice/orders/?customer=C0001&status=cancelled&channel=api").status_code == 200


def test_admin_order_page_links_to_the_work_page(demo, staff):
    order = SalesOrder.objects.first()
    html = staff.get(reverse("admin:sales_salesorder_change", args=[order.pk])).content.decode()
    assert url(order) in html


@pytest.mark.skipif(not apps.is_installed("oms.returns"), reason="returns module is not enabled")
def test_returns_are_on_the_order_page_and_in_its_timeline(demo, staff):
    rma = apps.get_model("returns", "Return").objects.select_related("order").first()
    html = staff.get(url(rma.order)).content.decode()
    assert 'id="bo-returns"' in html and rma.number in html
    assert "return.created" in html or "return.requested" in html or "return." in html
    response = staff.get("/backoffice/search/", {"q": rma.number})
    assert response.status_code == 302 and response["Location"] == url(rma.order)


def test_timeline_details_read_as_changes():
    assert _details({"status": ["draft", "confirmed"], "lines": [1], "carrier": "", "reason": "late"}) == \
        "status: draft → confirmed, reason: late"
    assert _details({"note": ["", "x"]}) == "note: — → x"
    assert len(_details({"notes": "y" * 500})) == 240


@NEEDS_ALL
def test_documents_hold_the_notes_on_the_orders_invoices_and_no_others(demo):
    order = SalesOrder.objects.get(external_ref="GL-88812")
    invoice = order.invoices.get()
    lines = [NoteLineSpec(description="Goodwill", quantity="1", unit_price="1.00", tax_category="std")]
    note = credit_note_create(invoice=invoice, lines=lines, reason="goodwill")
    imported = credit_note_create(invoice=invoice, lines=lines, reason="imported without its order")
    Invoice.objects.filter(pk=imported.pk).update(sales_order=None)  # found through its original only
    other = SalesOrder.objects.exclude(pk=order.pk).filter(invoices__isnull=False).first()
    assert {note.pk, imported.pk} <= {doc.pk for doc in order_documents(order).invoices}
    assert not {note.pk, imported.pk} & {doc.pk for doc in order_documents(other).invoices}
    assert invoice_of(order, imported.pk).balance is not None
    with pytest.raises(NotFound):
        invoice_of(other, imported.pk)
