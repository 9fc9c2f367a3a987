"""oms trading check / report / day-end: positions proved against fills, CAT-style events, RTS 22 rows."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal as D

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from oms.trading.gateway import NewOrder
from oms.trading.models import Position, TradingOrder
from oms.trading.services import order_receive
from oms.trading.services.common import utc_now

pytestmark = pytest.mark.django_db


def _day_of_trading(market):
    market.sim.price_set("ACME", D("10.00"))
    market.sim.fill_size = D(60)
    market.run(order_receive, new=NewOrder(account="ALICE", cl_ord_id="c1", instrument="ACME", side="buy",
                                           order_type="limit", quantity=D(100), price=D("10.00")))
    market.run(order_receive, new=NewOrder(account="ALICE", cl_ord_id="c2", instrument="ACME", side="sell_short",
                                           order_type="limit", quantity=D(10), price=D("12.00"),
                                           time_in_force="gtc"))
    market.run(order_receive, new=NewOrder(account="ALICE", cl_ord_id="c3", instrument="ACME", side="buy",
                                           order_type="limit", quantity=D(10), price=D("10.001")))
    first = TradingOrder.objects.get(cl_ord_id="c1")
    market.sim.bust(first.executions.filter(is_fill=True).first().exec_id)
    market.sim.price_set("ACME", D("10.00"))  # fills 60 of the 100 open again


def _run(*args) -> str:
    out = io.StringIO()
    call_command("trading", *args, stdout=out)
    return out.getvalue()


def test_check_proves_positions_and_finds_a_tampered_one(market):
    _day_of_trading(market)
    assert "trading OK" in _run("check")
    Position.objects.filter(account=market.alice).update(quantity=D(999))
    with pytest.raises(CommandError, match="1 position"):
        _run("check")


def test_cat_report(market, tmp_path):
    _day_of_trading(market)
    target = tmp_path / "cat.jsonl"
    _run("report", "--date", utc_now().date().isoformat(), "--format", "cat", "--output", str(target),
         "--firm-id", "FIRM1")
    records = [json.loads(line) for line in target.read_text().splitlines()]
    first = TradingOrder.objects.get(cl_ord_id="c1")
    mine = [r for r in records if r["orderID"] == first.number]
    assert [r["type"] for r in mine] == ["MENO", "MEOR", "MEOT", "MEOT", "MEOT"]
    new, route, fill, bust, _ = mine
    assert (new["side"], new["quantity"], new["price"], new["orderType"], new["timeInForce"]) == (
        "B", "100", "10", "LMT", "DAY")
    assert new["firmDesignatedID"] == "ALICE" and new["CATReporterIMID"] == "FIRM1"
    assert route["destination"] == "XSIM" and route["routedOrderID"] == first.number + ".1"
    assert (fill["quantity"], fill["price"], fill["tradeCancelFlag"]) == ("60", "10", False)
    assert bust["tradeCancelFlag"] is True
    assert all(len(r["eventTimestamp"]) == len("2026-01-05T14:30:00.123456Z") for r in records)
    short = [r for r in records if r["type"] == "MENO" and r["side"] == "SS"]
    assert len(short) == 1 and short[0]["timeInForce"] == "GTC"
    rejected = [r for r in records if r["type"] == "MEOC" and r["reason"] == "too_many_decimals"]
    assert len(rejected) == 1


def test_rts22_report(market):
    _day_of_trading(market)
    text = _run("report", "--date", utc_now().date().isoformat(), "--format", "rts22", "--firm-id",
                "5493001KJTIIGC8Y1R12")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["report_status"], r["quantity"], r["price"], r["buyer_id"], r["seller_id"]) for r in rows] == [
        ("CANC", "60", "10", "ALICE", "XSIM"), ("NEWT", "60", "10", "ALICE", "XSIM")]
    assert {r["instrument_id"] for r in rows} == {"US0378331005"} and {r["venue"] for r in rows} == {"XSIM"}
    assert {r["executing_entity_id"] for r in rows} == {"5493001KJTIIGC8Y1R12"}
    assert rows[0]["trading_date_time"].endswith("Z") and "." in rows[0]["trading_date_time"]


def test_report_of_a_quiet_day_and_bad_dates(market):
    assert _run("report", "--date", "2001-01-01", "--format", "cat") == ""
    assert _run("report", "--date", "2001-01-01", "--format", "rts22").startswith("report_status,")
    with pytest.raises(CommandError):
        _run("report", "--date", "yesterday", "--format", "cat")


def test_day_end_command(market):
    _day_of_trading(market)
    assert TradingOrder.objects.get(cl_ord_id="c1").status == "partially_filled"
    out = _run("day-end")
    assert "1 order(s) expired" in out and "1 good-till order(s) kept working" in out
    statuses = dict(TradingOrder.objects.values_list("cl_ord_id", "status"))
    assert statuses == {"c1": "expired", "c2": "new", "c3": "rejected"}
