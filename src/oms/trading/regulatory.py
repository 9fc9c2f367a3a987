"""Regulator-style reports of one trading day, built from the append-only order events and fills.

- ``cat_events``: the day's order events as FINRA CAT-style records (JSON lines): new order (MENO),
  route (MEOR), modification (MEOM), cancellation (MEOC) and execution (MEOT) events with the fields
  CAT asks for (event timestamp to the microsecond, order id and key date, symbol, side, price,
  quantity, order type, time in force, firm-designated account id, route destination and routed id).
- ``rts22_rows``: one MiFIR RTS 22-style transaction report row per fill (CSV): transaction
  reference, venue transaction id, executing entity, buyer and seller, trading date-time,
  capacity, quantity, price and currency, venue (MIC), ISIN, short-selling indicator.

These are the fields, in a plain layout, not a certified submission format.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timezone

from oms.trading.models import Execution, OrderEvent

CAT_SIDES = {"buy": "B", "sell": "SL", "sell_short": "SS"}
CAT_ORDER_TYPES = {"market": "MKT", "limit": "LMT", "stop": "STP", "stop_limit": "STP"}
CAT_TIF = {"day": "DAY", "gtc": "GTC", "ioc": "IOC", "fok": "FOK", "gtd": "GTT", "at_the_open": "DAY",
           "at_the_close": "DAY"}
# Which of our events CAT calls what; the others (acks, pending states) are not CAT events.
CAT_TYPES = {"received": "MENO", "routed": "MEOR", "replaced": "MEOM", "canceled": "MEOC", "expired": "MEOC",
             "rejected": "MEOC", "denied": "MEOC", "filled": "MEOT", "busted": "MEOT", "corrected": "MEOT"}

RTS22_FIELDS = ["report_status", "transaction_reference_number", "venue_transaction_id", "executing_entity_id",
                "buyer_id", "seller_id", "trading_date_time", "trading_capacity", "quantity", "price",
                "price_currency", "venue", "instrument_id", "instrument_symbol", "short_selling_indicator",
                "investment_decision", "execution_within_firm", "order_id"]


def _ts(value: datetime) -> str:
    """UTC, microseconds, as CAT and RTS 22 want them: 2026-01-05T14:30:00.123456Z."""
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _num(value) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def cat_record(event: OrderEvent, *, firm_id: str) -> dict | None:
    kind = CAT_TYPES.get(event.event)
    if kind is None:
        return None
    order = event.order
    record = {
        "actionType": "NEW", "firmROEID": event.exec_id, "type": kind, "CATReporterIMID": firm_id,
        "orderKeyDate": _ts(order.received_at), "orderID": order.number,
        "symbol": order.instrument.symbol if order.instrument_id else order.instrument_ref,
        "eventTimestamp": _ts(event.at), "manualFlag": False, "side": CAT_SIDES.get(order.side, order.side),
    }
    if kind in ("MENO", "MEOM"):
        record.update(price=_num(event.price), quantity=_num(event.quantity), orderType=CAT_ORDER_TYPES.get(
            order.order_type, order.order_type), timeInForce=CAT_TIF.get(order.time_in_force, order.time_in_force),
            tradingSession="REG", firmDesignatedID=order.account.code, accountHolderType="A", deptType="A",
            custDspIntrFlag=False, clOrdID=event.cl_ord_id)
        if kind == "MEOM":
            record.update(priorOrderID=order.number, origClOrdID=event.orig_cl_ord_id, leavesQty=_num(
                event.leaves_qty))
    elif kind == "MEOR":
        record.update(price=_num(event.price), quantity=_num(event.quantity), senderIMID=firm_id,
                      destination=(order.venue.mic or order.venue.code) if order.venue_id else "",
                      destinationType="E", routedOrderID=event.details.get("routed_id", ""), session="FIX",
                      routeRejectedFlag=False, orderType=CAT_ORDER_TYPES.get(order.order_type, order.order_type))
    elif kind == "MEOC":
        record.update(cancelQty=_num(event.quantity - event.cum_qty), leavesQty="0",
                      initiator="F" if event.event in ("rejected", "denied") else "C",
                      reason=event.reject_code or event.event)
    elif kind == "MEOT":
        record.update(tradeID=event.details.get("venue_exec_id", event.exec_id), quantity=_num(event.last_qty),
                      price=_num(event.last_px), cumQty=_num(event.cum_qty), leavesQty=_num(event.leaves_qty),
                      marketCenterID=order.venue.mic or order.venue.code if order.venue_id else "",
                      tradeCancelFlag=event.event == "busted", correctionFlag=event.event == "corrected")
    return record


def cat_lines(events: Iterable[OrderEvent], *, firm_id: str) -> Iterator[str]:
    for event in events:
        record = cat_record(event, firm_id=firm_id)
        if record is not None:
            yield json.dumps(record, separators=(",", ":"))


def _short_indicator(side: str) -> str:
    return {"sell_short": "SESH", "sell": "SELL"}.get(side, "")


def rts22_row(fill: Execution, *, firm_id: str) -> dict:
    account_id = fill.account.lei or fill.account.code
    venue_id = fill.venue.mic or fill.venue.code
    buying = fill.side == "buy"
    return {
        "report_status": "NEWT" if fill.status == Execution.Status.ACTIVE else "CANC",
        "transaction_reference_number": f"{fill.order.number}-{fill.venue.code}-{fill.exec_id}",
        "venue_transaction_id": fill.exec_id, "executing_entity_id": firm_id,
        "buyer_id": account_id if buying else venue_id, "seller_id": venue_id if buying else account_id,
        "trading_date_time": _ts(fill.transact_time), "trading_capacity": "AOTC",
        "quantity": _num(fill.last_qty), "price": _num(fill.last_px), "price_currency": fill.instrument.currency,
        "venue": venue_id, "instrument_id": fill.instrument.isin or "",
        "instrument_symbol": fill.instrument.symbol, "short_selling_indicator": _short_indicator(fill.side),
        "investment_decision": "", "execution_within_firm": "ALGO" if fill.order.source == "fix" else "",
        "order_id": fill.order.number,
    }


def rts22_csv(fills: Iterable[Execution], *, firm_id: str) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=RTS22_FIELDS, lineterminator="\n")
    writer.writeheader()
    for fill in fills:
        writer.writerow(rts22_row(fill, firm_id=firm_id))
    return out.getvalue()


def day_label(day: date) -> str:
    return day.strftime("%Y%m%d")
