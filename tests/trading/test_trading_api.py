"""The trading API: reference data, orders (new, cancel, replace) with Idempotency-Key, errors, positions,
allocations, risk limits, kill switch, permissions."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from oms.trading.models import Instrument, OrderEvent, TradingOrder

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_run(api, django_capture_on_commit_callbacks):
    """The API client, with each request's after-commit work (routing, the venue's answers) run at once."""
    class Client:
        def __getattr__(self, name):
            method = getattr(api, name)

            def call(*args, **kwargs):
                with django_capture_on_commit_callbacks(execute=True):
                    return method(*args, **kwargs)
            return call
    return Client()


ORDER = {"account": "ALICE", "cl_ord_id": "c1", "instrument": "ACME", "side": "buy", "order_type": "limit",
         "quantity": "100", "price": "9.00"}


def test_reference_data(api, market):
    created = api.post("trading/instruments", {"symbol": "GLOB", "name": "Globex", "isin": "US38259P5089",
                                               "currency": "USD", "tick_size": "0.01", "mic": "XNAS"},
                       headers={"Idempotency-Key": "i1"})
    assert created.status_code == 201, created.content
    assert created.json()["isin"] == "US38259P5089" and D(created.json()["tick_size"]) == D("0.01")
    bad = api.post("trading/instruments", {"symbol": "BAD", "name": "Bad", "isin": "US0378331006",
                                           "currency": "USD", "tick_size": "0.01"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_isin"
    assert bad.json()["error"]["field"] == "isin" and not Instrument.objects.filter(symbol="BAD").exists()
    dup = api.post("trading/instruments", {"symbol": "GLOB", "name": "Again", "currency": "USD", "tick_size": "1"})
    assert dup.status_code == 409 and dup.json()["error"]["code"] == "duplicate"
    assert api.get("trading/instruments/US0378331005").json()["symbol"] == "ACME"
    patched = api.patch("trading/instruments/ACME", {"reference_price": "10.50", "halted": True}).json()
    assert D(patched["reference_price"]) == D("10.50") and patched["halted"] is True
    account = api.post("trading/accounts", {"code": "CAROL", "name": "Carol", "owner": "P-TRD",
                                            "base_currency": "EUR", "default_venue": "SIM"})
    assert account.status_code == 201 and account.json()["owner"] == "P-TRD"
    assert api.post("trading/accounts", {"code": "DAN", "name": "Dan", "owner": "NOPE",
                                         "base_currency": "EUR"}).json()["error"]["code"] == "unknown_owner"
    assert api.post("trading/venues", {"code": "XLON", "name": "London", "mic": "XLON"}).status_code == 201
    assert [v["code"] for v in api.get("trading/venues").json()] == ["SIM", "XLON"]


def test_order_lifecycle_through_the_api(api_run, market):
    first = api_run.post("trading/orders", ORDER, headers={"Idempotency-Key": "o1"})
    assert first.status_code == 201, first.content
    again = api_run.post("trading/orders", ORDER, headers={"Idempotency-Key": "o1"})
    assert again.json() == first.json() and TradingOrder.objects.count() == 1
    number = first.json()["number"]
    assert first.json()["status"] == "pending_new"  # as recorded; the venue's ack follows after commit
    assert api_run.get(f"trading/orders/{number}").json()["status"] == "new"
    replaced = api_run.post(f"trading/orders/{number}/replace", {"cl_ord_id": "c2", "quantity": "150",
                                                                 "price": "9.50"})
    assert replaced.status_code == 200 and replaced.json()["status"] == "pending_replace"
    body = api_run.get(f"trading/orders/{number}").json()
    assert (body["status"], body["quantity"], body["price"], body["cl_ord_id"]) == (
        "new", "150.0000", "9.50000000", "c2")
    market.sim.price_set("ACME", D("9.50"))
    assert api_run.get(f"trading/orders/{number}").json()["status"] == "filled"
    executions = api_run.get("trading/executions", {"account": "ALICE"}).json()["items"]
    assert [(e["exec_type"], e["last_qty"], e["last_px"]) for e in executions] == [
        ("trade", "150.0000", "9.50000000")]
    positions = api_run.get("trading/positions", {"account": "ALICE", "price": "10.00"}).json()
    [position] = positions
    assert (position["account"], position["instrument"], position["currency"]) == ("ALICE", "ACME", "USD")
    assert [D(position[k]) for k in ("quantity", "avg_cost", "realised_pnl", "unrealised_pnl", "mark_price")] == [
        D(150), D("9.50"), D(0), D(75), D(10)]
    cancel = api_run.post(f"trading/orders/{number}/cancel", {"cl_ord_id": "c3"})
    assert cancel.status_code == 409 and cancel.json()["error"]["code"] == "order_done"
    assert cancel.json()["error"]["ord_status"] == "filled"
    events = api_run.get(f"trading/orders/{number}/events").json()
    assert [e["event"] for e in events] == ["received", "routed", "acknowledged", "replace_requested", "replaced",
                                            "filled"]
    assert all("." in e["at"] and e["at"].endswith("Z") for e in events)


def test_rejected_and_denied_orders_answer_422_with_the_code_and_are_recorded(api_run, market):
    bad = api_run.post("trading/orders", {**ORDER, "price": "9.001"}, headers={"Idempotency-Key": "b1"})
    assert bad.status_code == 422
    error = bad.json()["error"]
    assert (error["code"], error["field"], error["order"]["status"]) == ("too_many_decimals", "price", "rejected")
    replay = api_run.post("trading/orders", {**ORDER, "price": "9.001"}, headers={"Idempotency-Key": "b1"})
    assert replay.status_code == 422 and replay.json() == bad.json()
    api_run.put("trading/risk-limits", {"account": "ALICE", "max_order_quantity": "10"})
    denied = api_run.post("trading/orders", {**ORDER, "cl_ord_id": "c2"})
    assert denied.status_code == 422 and denied.json()["error"]["code"] == "max_order_quantity"
    assert denied.json()["error"]["order"]["status"] == "denied"
    assert TradingOrder.objects.count() == 2 and OrderEvent.objects.filter(event="denied").count() == 1
    dup = api_run.post("trading/orders", {**ORDER, "cl_ord_id": "c2"})
    assert dup.status_code == 409 and dup.json()["error"]["code"] == "duplicate_cl_ord_id"
    shape = api_run.post("trading/orders", {**ORDER, "quantity": 1.5})
    assert shape.status_code == 422 and shape.json()["error"]["code"] == "validation_error"
    assert TradingOrder.objects.count() == 2


def test_risk_limits_restrictions_and_kill_switch(api_run, market):
    assert api_run.get("trading/risk-limits").json() is None
    firm = api_run.put("trading/risk-limits", {"price_collar_percent": "5", "max_orders_per_second": 10})
    assert firm.status_code == 200 and firm.json()["account"] is None
    assert api_run.get("trading/risk-limits").json()["price_collar_percent"] == "5.000"
    unknown = api_run.put("trading/risk-limits", {"account": "NOPE", "max_position": "5"})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "unknown_account"
    assert api_run.post("trading/restrictions", {"instrument": "BND", "reason": "watch list"}).status_code == 201
    assert api_run.post("trading/orders", {**ORDER, "instrument": "BND", "quantity": "10",
                                           "price": "9.000"}).json()["error"]["code"] == "restricted_instrument"
    api_run.post("trading/orders", {**ORDER, "cl_ord_id": "c2", "price": "9.60"})
    engaged = api_run.post("trading/kill-switch", {"account": "ALICE", "engaged": True, "reason": "test"},
                           headers={"Idempotency-Key": "k1"})
    assert engaged.json() == {"account": "ALICE", "engaged": True, "reason": "test", "cancels_sent": 1}
    assert TradingOrder.objects.get(cl_ord_id="c2").status == "canceled"
    assert api_run.post("trading/orders", {**ORDER, "cl_ord_id": "c3", "price": "9.61"}).json()["error"][
        "code"] == "kill_switch"
    assert api_run.get("trading/kill-switch").json() == [{"account": "ALICE", "engaged": True, "reason": "test",
                                                          "cancels_sent": None}]
    api_run.post("trading/kill-switch", {"account": "ALICE", "engaged": False})
    assert api_run.post("trading/orders", {**ORDER, "cl_ord_id": "c4", "price": "9.62"}).status_code == 201


def test_block_allocation_through_the_api(api_run, market):
    market.sim.price_set("ACME", D("10.00"))
    block = api_run.post("trading/orders", {**ORDER, "account": "BLOCK", "cl_ord_id": "blk", "price": "10.00",
                                            "quantity": "10", "block_id": "B1"}).json()
    body = {"order": block["number"], "method": "percent",
            "splits": [{"account": "ALICE", "value": "50"}, {"account": "BOB", "value": "25"},
                       {"account": "BLOCK", "value": "25"}]}
    done = api_run.post("trading/allocations", body, headers={"Idempotency-Key": "a1"})
    assert done.status_code == 201, done.content
    assert [(a["account"], a["quantity"]) for a in done.json()] == [("ALICE", "5.0000"), ("BOB", "3.0000"),
                                                                   ("BLOCK", "2.0000")]
    assert api_run.post("trading/allocations", body, headers={"Idempotency-Key": "a1"}).json() == done.json()
    again = api_run.post("trading/allocations", body)
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_allocated"
    assert len(api_run.get("trading/allocations", {"order": block["number"]}).json()) == 3


def test_permissions(make_api, market):
    viewer = make_api("viewer", ["trading.view_tradingorder"])
    assert viewer.get("trading/orders").status_code == 200
    refused = viewer.post("trading/orders", ORDER)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "permission_denied"
    assert not TradingOrder.objects.exists()
    assert viewer.post("trading/kill-switch", {"engaged": True}).status_code == 403


def test_unauthenticated(anon_api, market):
    assert anon_api.get("trading/orders").status_code == 401
