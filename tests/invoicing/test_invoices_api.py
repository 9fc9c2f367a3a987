"""The invoicing API as an integrator uses it: create, issue, adjust, read balances, and every kind of
bad input answered with a clear 4xx and nothing written."""

from datetime import date, timedelta
from io import BytesIO

import pytest
from pypdf import PdfReader

from oms.core.models import AuditRecord, IdempotencyRecord, NumberCounter, OutboxEvent
from oms.invoicing.models import Invoice, InvoiceLine, InvoiceLineTax, TaxRate
from oms.invoicing.schemas import InvoiceOut, InvoicePage, invoice_out
from oms.invoicing.selectors import InvoiceFilter, invoice_get, invoice_list
from oms.sales.models import SalesOrder

pytestmark = pytest.mark.django_db
YEAR = date.today().year
HAND = {"customer": "C001", "lines": [
    {"kind": "hours", "description": "Consulting", "quantity": "10", "unit_price": "80.00"},
    {"kind": "goods", "sku": "WIDGET", "quantity": "2", "unit_price": {"amount": "10.00", "currency": "USD"}}]}


def snapshot():
    return (Invoice.objects.count(), InvoiceLine.objects.count(), InvoiceLineTax.objects.count(),
            TaxRate.objects.count(), OutboxEvent.objects.count(), AuditRecord.objects.count(),
            list(NumberCounter.objects.order_by("pk").values_list("last_value", flat=True)))


def created(api, body=HAND, **headers):
    response = api.post("invoices", body, headers=headers or None)
    assert response.status_code == 201, response.content
    return response.json()


def test_create_issue_and_read_back(api, world):
    draft = created(api)
    assert (draft["status"], draft["number"], draft["total"], draft["balance"]) == ("draft", None, "822.00", "0.00")
    assert draft["tax_summary"] == [{"code": "std", "name": "Standard", "percent": "10", "kind": "standard",
                                     "compound": False, "taxable": "20.00", "tax": "2.00"}]
    assert [x["kind"] for x in draft["lines"]] == ["hours", "goods"] and draft["lines"][1]["tax_category"] == "std"
    issued = api.post(f"invoices/{draft['id']}/issue").json()
    assert issued["number"] == f"INV-{YEAR}-00001" and issued["balance"] == "822.00"
    assert issued["due_date"] == (date.today() + timedelta(days=30)).isoformat()
    assert api.get(f"invoices/{issued['number']}").json() == issued == api.get(f"invoices/{draft['id']}").json()
    balance = api.get(f"invoices/{issued['number']}/balance").json()
    assert balance == {"invoice": issued["number"], "currency": "USD", "total": "822.00", "debit_notes": "0.00",
                       "credit_notes": "0.00", "allocated": "0.00", "balance": "822.00", "left_to_credit": "822.00"}
    timeline = api.get(f"invoices/{issued['number']}/timeline").json()
    assert [t["action"] for t in timeline] == ["invoice.created", "invoice.issued"]
    assert all(t["actor_label"].startswith("root") for t in timeline)


def test_idempotent_create_and_issue_at_once(api, world):
    first = created(api, {**HAND, "issue": True}, **{"Idempotency-Key": "k-1"})
    again = api.post("invoices", {**HAND, "issue": True}, headers={"Idempotency-Key": "k-1"})
    assert again.status_code == 201 and again.json() == first
    assert Invoice.objects.count() == 1 and first["status"] == "issued"


def test_invoice_from_order_once(api, world):
    order = api.post("orders", {"customer": "C001", "confirm": True,
                                "lines": [{"sku": "WIDGET", "quantity": "3"}]}).json()
    response = api.post(f"invoices/from-order/{order['number']}", {"issue": True},
                        headers={"Idempotency-Key": "from-order-1"})
    assert response.status_code == 201, response.content
    invoice = response.json()
    assert (invoice["sales_order"], invoice["total"], invoice["status"]) == (order["number"], order["total"], "issued")
    replay = api.post(f"invoices/from-order/{order['number']}", {"issue": True},
                      headers={"Idempotency-Key": "from-order-1"})
    assert replay.json() == invoice
    before = snapshot()
    twice = api.post(f"invoices/from-order/{order['number']}")
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "nothing_to_invoice"
    assert api.post("invoices/from-order/SO-NOPE").status_code == 404
    assert snapshot() == before


def test_invoices_are_read_back_exactly_as_their_schema_shows_them(api, world):
    """The list and the read of one invoice send invoice_out's dict without validating it again
    (apikit.schema_shaped); it must equal the InvoiceOut schema's output, field for field, for a
    draft, an issued invoice, one invoiced from an order, a credit note and a debit note."""
    created(api)  # a draft
    invoice = created(api, {**HAND, "issue": True, "tax_inclusive": True})
    order = api.post("orders", {"customer": "C001", "confirm": True,
                                "lines": [{"sku": "WIDGET", "quantity": "3", "discount_percent": "12.5"}]}).json()
    api.post(f"invoices/from-order/{order['number']}", {"issue": True})
    api.post(f"invoices/{invoice['number']}/credit-notes", {
        "reason": "returned", "lines": [{"original_line_id": invoice["lines"][1]["id"], "quantity": "1"}]})
    api.post(f"invoices/{invoice['number']}/debit-notes", {
        "reason": "freight", "lines": [{"kind": "fee", "description": "Freight", "unit_price": "25.005",
                                        "quantity": "1"}]})
    page = api.get("invoices").json()
    assert len(page["items"]) == 5
    expected = InvoicePage.model_validate({"items": [invoice_out(x) for x in invoice_list(filters=InvoiceFilter())],
                                           "next_cursor": None}).model_dump(mode="json")
    assert page == expected
    for item in page["items"]:
        key = item["number"] or str(item["id"])
        one = api.get(f"invoices/{key}").json()
        assert one == item == InvoiceOut.model_validate(invoice_out(invoice_get(key=key))).model_dump(mode="json")


def test_credit_and_debit_notes(api, world):
    invoice = created(api, {**HAND, "issue": True})
    widget_line = invoice["lines"][1]["id"]
    credit = api.post(f"invoices/{invoice['number']}/credit-notes", {
        "reason": "one widget returned", "lines": [{"original_line_id": widget_line, "quantity": "1"}]},
        headers={"Idempotency-Key": "cn-1"})
    assert credit.status_code == 201, credit.content
    note = credit.json()
    assert (note["kind"], note["number"], note["original"], note["total"], note["balance"]) == (
        "credit_note", f"CN-{YEAR}-00001", invoice["number"], "11.00", "0.00")
    debit = api.post(f"invoices/{invoice['number']}/debit-notes", {
        "reason": "freight", "lines": [{"kind": "fee", "description": "Freight", "unit_price": "25.00",
                                        "quantity": "1"}]}).json()
    assert (debit["number"], debit["total"]) == (f"DN-{YEAR}-00001", "25.00")
    balance = api.get(f"invoices/{invoice['number']}/balance").json()
    assert (balance["balance"], balance["left_to_credit"]) == ("836.00", "836.00")
    assert api.get(f"invoices/{debit['number']}/balance").json() == balance
    got = api.get(f"invoices/{invoice['number']}").json()
    assert (got["balance"], got["status"]) == ("836.00", "issued")
    customer_id = world.customer.pk
    assert api.get(f"customers/{customer_id}/balance").json() == {"customer": "C001", "currency": "USD",
                                                                  "balance": "836.00"}
    listed = api.get("invoices", {"kind": "credit_note,debit_note"}).json()["items"]
    assert [x["number"] for x in listed] == [debit["number"], note["number"]]


def test_list_filters_and_pagination(api, world):
    ids = [created(api)["id"] for _ in range(3)]
    api.post(f"invoices/{ids[0]}/issue")
    Invoice.objects.filter(pk=ids[0]).update(due_date=date.today() - timedelta(days=1))
    assert [x["id"] for x in api.get("invoices", {"status": "draft"}).json()["items"]] == [ids[2], ids[1]]
    assert [x["id"] for x in api.get("invoices", {"overdue": "true"}).json()["items"]] == [ids[0]]
    assert len(api.get("invoices", {"overdue": "false"}).json()["items"]) == 2
    assert [x["id"] for x in api.get("invoices", {"due_before": date.today().isoformat()}).json()["items"]] == [ids[0]]
    page = api.get("invoices", {"limit": 2}).json()
    rest = api.get("invoices", {"limit": 2, "cursor": page["next_cursor"]}).json()
    assert [x["id"] for x in page["items"] + rest["items"]] == ids[::-1] and rest["next_cursor"] is None
    assert api.get("invoices", {"customer": "NOPE"}).json()["items"] == []


def test_tax_rates_endpoints(api, rates):
    listed = api.get("tax-rates", {"category": "ppn"}).json()
    assert [(r["code"], r["rate"], r["valid_to"]) for r in listed] == [("ppn-11", "11", "2024-12-31"),
                                                                      ("ppn-12", "12", None)]
    assert [r["code"] for r in api.get("tax-rates", {"category": "ppn", "on_date": "2024-12-31"}).json()] == ["ppn-11"]
    made = api.post("tax-rates", {"code": "gst", "name": "GST 15%", "category": "levy", "jurisdiction": "nz",
                                  "rate": "15"})
    assert made.status_code == 201 and made.json()["jurisdiction"] == "NZ"
    closed = api.patch(f"tax-rates/{made.json()['id']}", {"valid_to": "2030-12-31"})
    assert closed.json()["valid_to"] == "2030-12-31"


@pytest.mark.parametrize("path, body, status, code, field", [
    ("invoices", {**HAND, "customer": "NOPE"}, 404, "not_found", "customer"),
    ("invoices", {**HAND, "lines": []}, 422, "validation_error", "lines"),
    ("invoices", {**HAND, "lines": [{"description": "x", "quantity": 1.5, "unit_price": "1"}]}, 422,
     "validation_error", "lines.0.quantity"),
    ("invoices", {**HAND, "lines": [{"description": "x", "quantity": "1",
                                     "unit_price": {"amount": "5", "currency": "EUR"}}]}, 422, "currency_mismatch",
     "lines.0.unit_price.currency"),
    ("invoices", {**HAND, "lines": [{"description": "x", "quantity": "-1", "unit_price": "5"}]}, 422,
     "invalid_quantity", "lines.0.quantity"),
    ("invoices", {**HAND, "lines": [{"description": "x", "quantity": "1", "unit_price": "5",
                                     "tax_category": "nope"}]}, 404, "not_found", "lines.0.tax_category"),
    ("tax-rates", {"code": "bad", "name": "Bad", "category": "levy", "rate": "5", "valid_from": "2025-02-01",
                   "valid_to": "2025-01-01"}, 422, "invalid", "valid_to"),
    ("tax-rates", {"code": "ppn-13", "name": "PPN 13%", "category": "ppn", "jurisdiction": "ID", "rate": "13"},
     409, "overlapping_tax_rate", "valid_from"),
])
def test_bad_input_is_a_clear_4xx_and_writes_nothing(api, world, rates, path, body, status, code, field):
    before = snapshot()
    response = api.post(path, body)
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert (error["code"], error["field"]) == (code, field)
    assert snapshot() == before


def test_an_expired_tax_rate_is_refused(api, world, rates):
    before = snapshot()
    response = api.post("invoices", {**HAND, "lines": [{"description": "Beans", "quantity": "1", "unit_price": "5",
                                                        "tax_rates": [rates.ppn11.pk]}]})
    assert response.status_code == 422
    error = response.json()["error"]
    assert (error["code"], error["field"]) == ("tax_rate_not_valid", "lines.0.tax_rates")
    assert "tax rate outside its validity" in error["message"]
    assert snapshot() == before


def test_notes_refused_without_writing(api, world):
    invoice = created(api, {**HAND, "issue": True})  # 822.00
    before = snapshot()
    too_much = api.post(f"invoices/{invoice['number']}/credit-notes", {
        "reason": "all and more", "lines": [{"description": "x", "quantity": "1", "unit_price": "822.01"}]},
        headers={"Idempotency-Key": "cn-big"})
    assert too_much.status_code == 422
    assert too_much.json()["error"]["code"] == "credit_exceeds_balance"
    assert too_much.json()["error"]["left_to_credit"] == "822.00"
    wrong_currency = api.post(f"invoices/{invoice['number']}/debit-notes", {
        "reason": "freight", "lines": [{"description": "x", "quantity": "1",
                                        "unit_price": {"amount": "1", "currency": "IDR"}}]})
    assert (wrong_currency.status_code, wrong_currency.json()["error"]["code"]) == (422, "currency_mismatch")
    no_reason = api.post(f"invoices/{invoice['number']}/credit-notes", {"reason": "", "lines": [
        {"description": "x", "quantity": "1", "unit_price": "1"}]})
    assert no_reason.status_code == 422 and no_reason.json()["error"]["field"] == "reason"
    bad_line = api.post(f"invoices/{invoice['number']}/credit-notes", {"reason": "x", "lines": [
        {"original_line_id": 999999, "quantity": "1"}]})
    assert bad_line.status_code == 404 and bad_line.json()["error"]["field"] == "lines.0.original_line_id"
    assert snapshot() == before
    assert not IdempotencyRecord.objects.filter(key="cn-big").exists()


def test_editing_or_cancelling_an_issued_invoice_is_refused(api, world):
    invoice = created(api, {**HAND, "issue": True})
    before = snapshot()
    edit = api.patch(f"invoices/{invoice['number']}", {"notes": "new terms"})
    assert edit.status_code == 409
    assert (edit.json()["error"]["code"], edit.json()["error"]["field"]) == ("immutable", "status")
    cancel = api.post(f"invoices/{invoice['number']}/cancel", {"reason": "oops"})
    assert cancel.status_code == 409 and cancel.json()["error"]["code"] == "invalid_transition"
    assert cancel.json()["error"]["from_state"] == "issued"
    again = api.post(f"invoices/{invoice['number']}/issue")
    assert again.status_code == 409 and again.json()["error"]["code"] == "invalid_transition"
    assert snapshot() == before
    assert api.get(f"invoices/{invoice['number']}").json() == invoice


def test_draft_patch_and_cancel(api, world):
    draft = created(api)
    patched = api.patch(f"invoices/{draft['id']}", {"notes": "net 7", "payment_terms_days": 7, "lines": [
        {"kind": "fee", "description": "Fixed fee", "quantity": "1", "unit_price": "500"}]})
    assert patched.status_code == 200, patched.content
    assert (patched.json()["total"], patched.json()["notes"]) == ("500.00", "net 7")
    bad = api.patch(f"invoices/{draft['id']}", {"payment_terms_days": -1})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "payment_terms_days"
    cancelled = api.post(f"invoices/{draft['id']}/cancel", {"reason": "duplicate"})
    assert cancelled.json()["status"] == "cancelled"
    assert api.get("invoices/999999").status_code == 404


def test_permissions(make_api, world):
    viewer = make_api("viewer", ["invoicing.view_invoice"])
    assert viewer.get("invoices").status_code == 200
    refused = viewer.post("invoices", HAND)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "permission_denied"
    assert viewer.get("tax-rates").status_code == 403
    clerk = make_api("clerk", ["invoicing.add_invoice", "invoicing.view_invoice"])
    draft = clerk.post("invoices", HAND).json()
    assert clerk.post(f"invoices/{draft['id']}/issue").status_code == 403
    assert SalesOrder.objects.count() == 0


def test_openapi_lists_the_invoicing_endpoints(api):
    paths = api.get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/invoices", "/api/v1/invoices/from-order/{order_number}", "/api/v1/invoices/{key}/issue",
                 "/api/v1/invoices/{key}/credit-notes", "/api/v1/invoices/{key}/balance", "/api/v1/tax-rates",
                 "/api/v1/customers/{customer_id}/balance"):
        assert path in paths, path


def test_list_reads_a_constant_number_of_queries(api, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    created(api, {**HAND, "issue": True})
    with CaptureQueriesContext(connection) as few:
        assert len(api.get("invoices").json()["items"]) == 1
    for _ in range(4):
        created(api, {**HAND, "issue": True})
    with CaptureQueriesContext(connection) as many:
        assert len(api.get("invoices").json()["items"]) == 5
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_reading_an_invoice_again_reads_the_same_queries(api, world):
    """The lookup's QuerySet is built once per process: reusing it must not change what it reads."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    number = created(api, {**HAND, "issue": True})["number"]
    reads = []
    for _ in range(3):
        with CaptureQueriesContext(connection) as queries:
            body = api.get(f"invoices/{number}").json()
        reads.append([q["sql"] for q in queries.captured_queries])
        assert body["lines"] and all("taxes" in line for line in body["lines"])
    assert reads[0] == reads[1] == reads[2]


def test_pdf_and_ubl_of_an_issued_invoice_through_the_api(api, world):
    created = api.post("invoices", {"customer": "C001", "issue": True, "lines": [
        {"kind": "fee", "description": "Setup fee", "quantity": "1", "unit_price": "100.00"}]})
    assert created.status_code == 201, created.content
    number = created.json()["number"]
    pdf = api.get(f"invoices/{number}/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert number in "".join(page.extract_text() for page in PdfReader(BytesIO(pdf.content)).pages)
    ubl = api.get(f"invoices/{number}/ubl")
    assert ubl.status_code == 200 and b"<cbc:ID>" + number.encode() in ubl.content
