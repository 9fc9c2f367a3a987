"""The payments API as an integrator uses it, and bad input that writes nothing."""

import datetime as dt
import json
from io import BytesIO

import pytest
from payments_kit import counts, credit, issue, pay
from pypdf import PdfReader
from oms.core.models import IdempotencyRecord
from oms.payments.models import Payment
from oms.payments.providers import TestProvider

pytestmark = pytest.mark.django_db


def body(**kw):
    return {"customer": "C001", "amount": "100.00", "currency": "USD", "method": "bank_transfer", **kw}


def test_record_with_allocations_and_read_it_back(api, ledger):
    a, b = issue(ledger.acme, "60.00"), issue(ledger.acme, "70.00")
    response = api.post("payments", body(amount="150.00", reference="TRX-9", allocations=[
        {"invoice": a.number, "amount": "60.00"}, {"invoice": b.number, "amount": "40"}]))
    assert response.status_code == 201, response.content
    got = response.json()
    assert got["number"].startswith("PAY-") and got["unallocated"] == "50.00" and got["amount"] == "150.00"
    assert [(x["invoice"], x["amount"]) for x in got["allocations"]] == [(a.number, "60.00"), (b.number, "40.00")]
    assert api.get(f"payments/{got['number']}").json() == got
    listed = api.get("payments", {"customer": "C001", "kind": "payment"}).json()
    assert [p["number"] for p in listed["items"]] == [got["number"]]
    assert api.get("payments", {"method": "cash"}).json()["items"] == []


def test_allocate_later_reverse_and_refund(api, ledger):
    inv = issue(ledger.acme, "80.00")
    number = api.post("payments", body()).json()["number"]
    got = api.post(f"payments/{number}/allocations", {"allocations": [{"invoice": inv.number, "amount": "80.00"}]})
    assert got.status_code == 200, got.content
    assert got.json()["unallocated"] == "20.00"
    allocation_id = got.json()["allocations"][0]["id"]
    reversed_ = api.post(f"payments/allocations/{allocation_id}/reverse", {"reason": "wrong invoice"})
    assert reversed_.status_code == 200, reversed_.content
    assert reversed_.json()["unallocated"] == "100.00"
    assert reversed_.json()["allocations"][1]["reverses"] == allocation_id
    assert api.post(f"payments/allocations/{allocation_id}/reverse", {"reason": "x"}).json()["error"]["code"] == \
        "already_reversed"
    refund = api.post("payments/refunds", {"customer": "C001", "amount": "30.00", "currency": "USD",
                                           "method": "bank_transfer"}, headers={"Idempotency-Key": "rf-1"})
    assert refund.status_code == 201, refund.content
    assert refund.json()["kind"] == "refund" and refund.json()["refund_of"] == number
    again = api.post("payments/refunds", {"customer": "C001", "amount": "30.00", "currency": "USD",
                                          "method": "bank_transfer"}, headers={"Idempotency-Key": "rf-1"})
    assert again.json() == refund.json() and Payment.objects.filter(kind="refund").count() == 1
    too_much = api.post("payments/refunds", {"customer": "C001", "amount": "70.01", "currency": "USD",
                                             "method": "bank_transfer"})
    assert too_much.status_code == 422 and too_much.json()["error"]["code"] == "refund_exceeds_credit"
    assert too_much.json()["error"]["available"] == "70.00"


def test_refund_of_a_credit_note_through_the_api(api, ledger):
    inv = issue(ledger.acme, "100.00")
    pay(ledger.acme, "100.00", (inv, "100.00"))
    cn = credit(inv, "25.00")
    response = api.post("payments/refunds", {"customer": "C001", "amount": "25.00", "currency": "USD",
                                             "method": "cash", "credit_note": cn.number})
    assert response.status_code == 201, response.content
    assert response.json()["credit_note"] == cn.number


def test_idempotent_create(api, ledger):
    first = api.post("payments", body(), headers={"Idempotency-Key": "k-1"})
    second = api.post("payments", body(), headers={"Idempotency-Key": "k-1"})
    assert first.status_code == second.status_code == 201 and first.json() == second.json()
    assert Payment.objects.count() == 1
    other = api.post("payments", body(amount="5.00"), headers={"Idempotency-Key": "k-1"})
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_key_reused"


@pytest.mark.parametrize("payload, status, code, field", [
    (body(amount=10.5), 422, "validation_error", "amount"),
    (body(amount="abc"), 422, "invalid_amount", "amount"),
    (body(amount="0"), 422, "invalid_amount", "amount"),
    (body(amount="1.001"), 422, "invalid_amount", "amount"),
    (body(currency="US"), 422, "validation_error", "currency"),
    (body(currency="ZZZ"), 422, "unknown_currency", "currency"),
    (body(method="barter"), 422, "invalid", "method"),
    (body(customer="NOPE"), 404, "not_found", "customer"),
    (body(received_on="yesterday"), 422, "validation_error", "received_on"),
    (body(allocations=[{"invoice": "INV-NOPE", "amount": "1"}]), 404, "not_found", "allocations.0.invoice"),
    (body(allocations=[{"invoice": "{inv}", "amount": "100.01"}]), 422, "allocation_exceeds_balance",
     "allocations.0.amount"),
    (body(amount="10", allocations=[{"invoice": "{inv}", "amount": "10.01"}]), 422,
     "allocation_exceeds_unallocated", "allocations"),
    (body(amount="10", allocations=[{"invoice": "{inv}", "amount": "5"}, {"invoice": "{inv2}", "amount": "5.01"}]),
     422, "allocation_exceeds_unallocated", "allocations"),
    (body(currency="EUR", allocations=[{"invoice": "{inv}", "amount": "1"}]), 422, "currency_mismatch",
     "allocations.0.invoice"),
    (body(allocations=[{"invoice": "{inv}"}]), 422, "validation_error", "allocations.0.amount"),
])
def test_bad_input_writes_nothing(api, ledger, payload, status, code, field):
    inv, inv2 = issue(ledger.acme, "100.00"), issue(ledger.acme, "100.00")
    raw = json.dumps(payload).replace("{inv}", inv.number).replace("{inv2}", inv2.number)
    before = counts()
    response = api.post("payments", raw=raw, headers={"Idempotency-Key": "bad-1"})
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert (error["code"], error["field"]) == (code, field)
    assert counts() == before
    assert not IdempotencyRecord.objects.filter(key="bad-1").exists()


def test_malformed_json_and_bad_allocation_requests(api, ledger):
    before = counts()
    assert api.post("payments", raw="{nope").json()["error"]["code"] == "malformed_json"
    number = api.post("payments", body()).json()["number"]
    after = counts()
    assert api.post("payments/PAY-NOPE/allocations", {"auto": True}).status_code == 404
    assert api.post(f"payments/{number}/allocations", {}).json()["error"]["code"] == "required"
    assert api.post(f"payments/{number}/allocations", {"auto": True}).json()["error"]["code"] == \
        "nothing_to_allocate"
    assert api.post("payments/allocations/999999/reverse", {"reason": "x"}).status_code == 404
    assert api.post("payments/allocations/1/reverse", {}).json()["error"]["field"] == "reason"
    assert counts() == after and after != before


def test_permissions(make_api, anon_api, ledger):
    assert anon_api.get("payments").status_code == 401
    viewer = make_api("viewer", ["payments.view_payment"])
    assert viewer.get("payments").status_code == 200
    denied = viewer.post("payments", body())
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "permission_denied"
    assert viewer.post("payments/refunds", body()).status_code == 403
    clerk = make_api("clerk", ["payments.add_payment", "payments.view_payment"])
    number = clerk.post("payments", body()).json()["number"]
    assert clerk.post(f"payments/{number}/allocations", {"auto": True}).status_code == 403
    assert clerk.post("payments/allocations/1/reverse", {"reason": "x"}).status_code == 403
    assert make_api("nobody", []).get("reports/aging").status_code == 403


def test_webhook_needs_no_token_and_ignores_duplicates(anon_api, ledger):
    event = TestProvider.webhook_payload(event_id="evt_9", provider_reference="ch_9", amount="12.00",
                                         currency="USD", customer="C001")
    first = anon_api.post("payments/webhooks/test", event)
    assert first.status_code == 200, first.content
    assert first.json()["status"] == "recorded" and first.json()["payment"].startswith("PAY-")
    second = anon_api.post("payments/webhooks/test", event)
    assert second.json() == {**first.json(), "status": "duplicate"}
    assert Payment.objects.count() == 1
    payment = Payment.objects.get()
    from oms.core.models import AuditRecord

    assert AuditRecord.objects.get(object_id=payment.number).actor_label == "test webhook"
    before = counts()
    assert anon_api.post("payments/webhooks/test", raw="{nope").json()["error"]["code"] == "invalid_webhook"
    assert anon_api.post("payments/webhooks/nope", event).status_code == 404
    assert anon_api.post("payments/webhooks/manual", event).json()["error"]["code"] == "webhooks_not_supported"
    assert counts() == before


def test_statement_and_aging(api, ledger):
    inv = issue(ledger.acme, "100.00", on=dt.date(2026, 1, 1))
    pay(ledger.acme, "30.00", (inv, "30.00"), received_on=dt.date(2026, 1, 15))
    st = api.get(f"customers/{ledger.acme.pk}/statement", {"date_from": "2026-01-10"})
    assert st.status_code == 200, st.content
    got = st.json()
    assert got["opening_balance"] == "100.00" and got["closing_balance"] == "70.00" and got["currency"] == "USD"
    assert [(x["kind"], x["credit"], x["balance"]) for x in got["lines"]][0] == ("payment", "30.00", "70.00")
    assert api.get("customers/999999/statement").status_code == 404
    pdf = api.get(f"customers/{ledger.acme.pk}/statement.pdf", {"date_from": "2026-01-10"})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(pdf.content)).pages)
    assert "Acme Retail" in text and "70.00" in text
    aging = api.get("reports/aging", {"as_of": "2026-03-15"}).json()
    assert aging["rows"] == [{"customer": "C001", "customer_name": "Acme Retail", "currency": "USD",
                              "buckets": {"current": "0.00", "1-30": "0.00", "31-60": "70.00", "61-90": "0.00",
                                          "90+": "0.00"}, "total": "70.00", "documents": 1}]
    assert aging["totals"][0]["customer"] is None and aging["totals"][0]["total"] == "70.00"
    assert api.get("reports/aging", {"customer": "C002"}).json()["rows"] == []
    assert api.get("reports/aging", {"customer": "NOPE"}).status_code == 404
    assert api.get("reports/aging", {"as_of": "soon"}).status_code == 422


def test_openapi_lists_the_routes(api):
    paths = api.get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/payments", "/api/v1/payments/{number}", "/api/v1/payments/{number}/allocations",
                 "/api/v1/payments/allocations/{allocation_id}/reverse", "/api/v1/payments/refunds",
                 "/api/v1/payments/webhooks/{provider}", "/api/v1/customers/{customer_id}/statement",
                 "/api/v1/reports/aging"):
        assert path in paths, path
    assert "security" not in paths["/api/v1/payments/webhooks/{provider}"]["post"]
