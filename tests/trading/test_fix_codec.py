"""The FIX 4.4 codec: messages <-> gateway dataclasses, checked against the QuickFIX data dictionary.

Pure: no engine, no socket, no database.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oms.trading.fix import codec
from oms.trading.fix import values as v
from oms.trading.fix.dictionary import FixDictionary
from oms.trading.fix.wire import FixMessage, decode, encode, message
from oms.trading.gateway import (
    EXEC_TYPES, ORD_STATUSES, SIDES, TIMES_IN_FORCE, ORDER_TYPES, CancelRequest, ExecutionReport, NewOrder,
    OrderUpdate, ReplaceRequest,
)

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples" / "fix-quickfix" / "spec"
T0 = datetime(2026, 11, 25, 15, 10, 43, 123456, tzinfo=UTC)


@pytest.fixture(scope="module")
def dd() -> FixDictionary:
    path = SAMPLES / "FIX44.xml"
    if not path.is_file():
        pytest.skip(f"the FIX 4.4 data dictionary is not at {path} (../shared/samples is absent)")
    return FixDictionary(path)


def wire_round_trip(msg: FixMessage) -> FixMessage:
    return decode(encode(msg, sender="CLIENT", target="OMS", seq_num=7))


def new_order(**overrides) -> NewOrder:
    fields = dict(account="ACC1", cl_ord_id="C-1", instrument="ACME", side="buy", order_type="limit",
                  quantity=Decimal("100"), time_in_force="day", price=Decimal("12.34"))
    fields.update(overrides)
    return NewOrder(**fields)


def update(**overrides) -> OrderUpdate:
    fields = dict(account="ACC1", cl_ord_id="C-1", orig_cl_ord_id=None, order_id="TO-000001", exec_id="E-1",
                  exec_type="trade", ord_status="partially_filled", instrument="ACME", side="buy",
                  order_type="limit", quantity=Decimal("100"), price=Decimal("12.34"), cum_qty=Decimal("40"),
                  leaves_qty=Decimal("60"), avg_px=Decimal("12.3333333"), last_qty=Decimal("40"),
                  last_px=Decimal("12.30"), transact_time=T0)
    fields.update(overrides)
    return OrderUpdate(**fields)


# --- the code tables are the dictionary's --------------------------------------------------------


@pytest.mark.parametrize(("table", "tag"), [
    (v.SIDE_CODES, v.SIDE), (v.ORDER_TYPE_CODES, v.ORD_TYPE), (v.TIME_IN_FORCE_CODES, v.TIME_IN_FORCE),
    (v.EXEC_TYPE_CODES, v.EXEC_TYPE), (v.ORD_STATUS_OUT, v.ORD_STATUS), (v.LIQUIDITY_CODES, v.LAST_LIQUIDITY_IND),
    (v.RESPONSE_TO_CODES, v.CXL_REJ_RESPONSE_TO),
    ({"x": code for code in codec.ORD_REJ_REASONS.values()}, v.ORD_REJ_REASON),
    ({"x": code for code in codec.CXL_REJ_REASONS.values()}, v.CXL_REJ_REASON),
])
def test_every_code_we_use_is_in_the_fix44_dictionary(dd, table, tag):
    assert set(table.values()) <= dd.fields[tag].enums


def test_every_gateway_enum_has_a_fix_code():
    assert set(SIDES) == set(v.SIDE_CODES)
    assert set(ORDER_TYPES) == set(v.ORDER_TYPE_CODES)
    assert set(TIMES_IN_FORCE) == set(v.TIME_IN_FORCE_CODES)
    assert set(EXEC_TYPES) == set(v.EXEC_TYPE_CODES)
    assert set(ORD_STATUSES) == set(v.ORD_STATUS_OUT)


def test_the_dictionary_check_finds_what_is_wrong(dd):
    problems = dd.problems(message("D", (11, "C"), (54, "Z"), (9999, "1"), (17, "E")))
    assert problems == ["required OrdType (40) missing", "required TransactTime (60) missing",
                        "Side (54) value 'Z' not in the dictionary", "unknown tag 9999",
                        "ExecID (17) not allowed in NewOrderSingle"]


def test_tag_numbers_match_the_dictionary_names(dd):
    for name, number in [("Account", v.ACCOUNT), ("ClOrdID", v.CL_ORD_ID), ("OrigClOrdID", v.ORIG_CL_ORD_ID),
                         ("ExecType", v.EXEC_TYPE), ("LeavesQty", v.LEAVES_QTY), ("ExpireTime", v.EXPIRE_TIME),
                         ("LastLiquidityInd", v.LAST_LIQUIDITY_IND), ("CxlRejResponseTo", v.CXL_REJ_RESPONSE_TO),
                         ("BusinessRejectReason", v.BUSINESS_REJECT_REASON), ("ExecRefID", v.EXEC_REF_ID),
                         ("MiscFeeAmt", v.MISC_FEE_AMT), ("StopPx", v.STOP_PX), ("ExDestination", v.EX_DESTINATION)]:
        assert dd.numbers[name] == number


# --- client -> us ----------------------------------------------------------------------------------


def test_new_order_single_decodes_with_exact_decimals_and_utc_expiry(dd):
    msg = message("D", (11, "C-9"), (1, "ACC1"), (21, "1"), (55, "ACME"), (54, "5"), (60, "20261125-15:10:43.5"),
                  (38, "250"), (40, "4"), (44, "10.015"), (99, "10.02"), (59, "6"),
                  (126, "20261126-20:00:00.000001"), (100, "XNAS"))
    assert dd.problems(msg) == []
    order = codec.new_order_decode(wire_round_trip(msg))
    assert order == NewOrder(account="ACC1", cl_ord_id="C-9", instrument="ACME", side="sell_short",
                             order_type="stop_limit", quantity=Decimal("250"), time_in_force="gtd",
                             price=Decimal("10.015"), stop_price=Decimal("10.02"),
                             expire_at=datetime(2026, 11, 26, 20, 0, 0, 1, tzinfo=UTC), venue="XNAS")
    assert isinstance(order.price, Decimal) and str(order.price) == "10.015"


def test_expire_date_means_the_end_of_that_day():
    msg = message("D", (11, "C"), (1, "A"), (55, "X"), (54, "1"), (60, "20261125-15:10:43"), (38, "1"),
                  (40, "2"), (44, "1"), (59, "6"), (432, "20261127"))
    assert codec.new_order_decode(msg).expire_at == datetime(2026, 11, 27, 23, 59, 59, 999999, tzinfo=UTC)


def test_session_default_account_applies_when_account_is_absent():
    msg = message("D", (11, "C"), (55, "X"), (54, "1"), (60, "20261125-15:10:43"), (38, "1"), (40, "1"))
    assert codec.new_order_decode(msg, default_account="HOUSE").account == "HOUSE"
    with pytest.raises(codec.RequestRefused) as refused:
        codec.new_order_decode(msg)
    assert refused.value.reason == v.ORD_REJ_UNKNOWN_ACCOUNT


@pytest.mark.parametrize(("tag", "value", "kind", "reason"), [
    (38, None, v.FieldError, v.SESSION_REJ_REQUIRED_TAG_MISSING),       # no OrderQty
    (11, None, v.FieldError, v.SESSION_REJ_REQUIRED_TAG_MISSING),       # no ClOrdID
    (38, "1e3", v.FieldError, v.SESSION_REJ_DATA_FORMAT),               # exponent form is not FIX
    (38, "NaN", v.FieldError, v.SESSION_REJ_DATA_FORMAT),
    (44, "12,5", v.FieldError, v.SESSION_REJ_DATA_FORMAT),
    (60, "2026-11-25 15:10", v.FieldError, v.SESSION_REJ_DATA_FORMAT),  # TransactTime not a UTCTimestamp
    (126, "20261332-00:00:00", v.FieldError, v.SESSION_REJ_DATA_FORMAT),
    (38, "0", codec.RequestRefused, v.ORD_REJ_INCORRECT_QUANTITY),
    (38, "-5", codec.RequestRefused, v.ORD_REJ_INCORRECT_QUANTITY),
    (54, "6", codec.RequestRefused, v.ORD_REJ_UNSUPPORTED),             # sell short exempt: not offered
    (40, "P", codec.RequestRefused, v.ORD_REJ_UNSUPPORTED),             # pegged
    (59, "5", codec.RequestRefused, v.ORD_REJ_UNSUPPORTED),             # GTX
])
def test_bad_new_order_single_is_refused_with_the_right_reason(tag, value, kind, reason):
    base = {11: "C-1", 1: "ACC1", 55: "ACME", 54: "1", 60: "20261125-15:10:43", 38: "10", 40: "2", 44: "1.5",
            59: "6", 126: "20261126-00:00:00"}
    if value is None:
        del base[tag]
    else:
        base[tag] = value
    with pytest.raises(kind) as error:
        codec.new_order_decode(message("D", *base.items()))
    assert error.value.reason == reason
    if kind is v.FieldError:
        assert error.value.tag == tag


def test_cancel_and_replace_requests_decode(dd):
    cancel = message("F", (41, "C-1"), (11, "C-2"), (1, "ACC1"), (55, "ACME"), (54, "1"),
                     (60, "20261125-15:10:43"), (38, "100"))
    replace = message("G", (41, "C-2"), (11, "C-3"), (1, "ACC1"), (21, "1"), (55, "ACME"), (54, "1"),
                      (60, "20261125-15:10:43"), (38, "80.5"), (40, "2"), (44, "12.30"), (59, "1"))
    assert dd.problems(cancel) == [] and dd.problems(replace) == []
    assert codec.cancel_request_decode(wire_round_trip(cancel)) == CancelRequest(account="ACC1", cl_ord_id="C-2",
                                                                                 orig_cl_ord_id="C-1")
    assert codec.replace_request_decode(wire_round_trip(replace)) == ReplaceRequest(
        account="ACC1", cl_ord_id="C-3", orig_cl_ord_id="C-2", quantity=Decimal("80.5"), price=Decimal("12.30"),
        time_in_force="gtc")


# --- us -> client ------------------------------------------------------------------------------------


@pytest.mark.parametrize("exec_type, ord_status", [
    ("new", "new"), ("trade", "partially_filled"), ("trade", "filled"), ("canceled", "canceled"),
    ("replaced", "new"), ("pending_cancel", "pending_cancel"), ("pending_replace", "pending_replace"),
    ("expired", "expired"), ("done_for_day", "done_for_day"), ("trade_cancel", "new"),
    ("trade_correct", "filled"), ("restated", "new"), ("suspended", "suspended"),
])
def test_order_updates_become_valid_execution_reports(dd, exec_type, ord_status):
    msg = codec.execution_report_encode(update(exec_type=exec_type, ord_status=ord_status))
    assert dd.problems(msg) == []
    back = wire_round_trip(msg)
    assert back.get(v.EXEC_TYPE) == v.EXEC_TYPE_CODES[exec_type]
    assert back.get(v.ORD_STATUS) == v.ORD_STATUS_CODES[ord_status]
    assert back.get(v.AVG_PX) == "12.3333333" and back.get(v.TRANSACT_TIME) == "20261125-15:10:43.123456"


def test_a_denied_order_reaches_the_client_as_rejected_with_a_reason(dd):
    msg = codec.execution_report_encode(update(exec_type="rejected", ord_status="denied", reject_code="max_order_value",
                                               text="order value above limit", cum_qty=Decimal("0"),
                                               leaves_qty=Decimal("0"), avg_px=Decimal("0"), last_qty=Decimal("0")))
    assert dd.problems(msg) == []
    assert (msg.get(v.EXEC_TYPE), msg.get(v.ORD_STATUS), msg.get(v.ORD_REJ_REASON)) == ("8", "8", "3")
    assert msg.get(v.TEXT) == "max_order_value: order value above limit" and msg.get(v.LAST_QTY) is None
    assert codec.execution_report_encode(update(exec_type="rejected", ord_status="rejected",
                                                reject_code="something_new")).get(v.ORD_REJ_REASON) == "99"


def test_order_reject_for_an_unrecorded_order_is_a_valid_execution_report(dd):
    bad = message("D", (11, "C-1"), (55, "ACME"), (54, "9"), (38, "abc"))
    msg = codec.order_reject_encode(bad, exec_id="R-1", reason=v.ORD_REJ_UNSUPPORTED, text="Side 9", account="ACC1",
                                    transact_time=T0)
    assert dd.problems(msg) == []
    assert msg.get(v.ORDER_ID) == "NONE" and msg.get(v.ORDER_QTY) is None


def test_cancel_reject_and_business_reject_are_valid(dd):
    reject = codec.cancel_reject_encode(cl_ord_id="C-2", orig_cl_ord_id="C-1", order_id=None, ord_status=None,
                                        response_to="replace", reason=codec.cxl_rej_reason("not_found"),
                                        text="unknown order", account="ACC1")
    assert dd.problems(reject) == []
    assert (reject.get(v.ORDER_ID), reject.get(v.ORD_STATUS), reject.get(v.CXL_REJ_REASON),
            reject.get(v.CXL_REJ_RESPONSE_TO)) == ("NONE", "8", "1", "2")
    business = codec.business_reject_encode(ref_seq_num=12, ref_msg_type="8", reason=v.BUSINESS_REJ_UNKNOWN_ID,
                                            text="no such order", ref_id="E-9")
    assert dd.problems(business) == []


# --- us <-> venue ------------------------------------------------------------------------------------


def test_orders_to_a_venue_are_valid_and_cancel_replace_carry_the_live_terms(dd):
    order = new_order(time_in_force="gtd", expire_at=T0, stop_price=None)
    new = codec.new_order_encode(order, transact_time=T0)
    cancel = codec.cancel_request_encode(CancelRequest(account="ACC1", cl_ord_id="C-2", orig_cl_ord_id="C-1"),
                                         original=order, transact_time=T0)
    replace = codec.replace_request_encode(ReplaceRequest(account="ACC1", cl_ord_id="C-3", orig_cl_ord_id="C-1",
                                                          quantity=Decimal("50"), price=Decimal("12.35")),
                                           original=order, transact_time=T0)
    for msg in (new, cancel, replace):
        assert dd.problems(msg) == [], msg
    assert codec.new_order_decode(wire_round_trip(new)) == order
    assert replace.get(v.SYMBOL) == "ACME" and replace.get(v.TIME_IN_FORCE) == "6"
    assert replace.get(v.EXPIRE_TIME) == "20261125-15:10:43.123456"


def test_venue_execution_report_round_trip_with_fees_and_bust_reference(dd):
    report = ExecutionReport(venue="SIM", exec_id="V-7", exec_type="trade_cancel", ord_status="new",
                             cl_ord_id="R-1", venue_order_id="VO-1", last_qty=Decimal("10"), last_px=Decimal("9.99"),
                             cum_qty=Decimal("0"), leaves_qty=Decimal("100"), liquidity="removed",
                             commission=Decimal("1.25"), fees=Decimal("0.0307"), ref_exec_id="V-3",
                             transact_time=T0, text="bust")
    msg = codec.execution_report_for_venue(report, order=new_order(cl_ord_id="R-1"))
    assert dd.problems(msg) == []
    assert codec.execution_report_decode(wire_round_trip(msg), venue="SIM") == report


def test_venue_execution_report_with_unknown_exec_type_is_a_field_error():
    msg = message("8", (37, "X"), (11, "R-1"), (17, "E"), (150, "B"), (39, "0"), (55, "A"), (54, "1"),
                  (151, "0"), (14, "0"), (6, "0"))
    with pytest.raises(v.FieldError) as error:
        codec.execution_report_decode(msg, venue="SIM")
    assert error.value.tag == v.EXEC_TYPE


def test_venue_cancel_reject_decodes():
    msg = message("9", (37, "VO-1"), (11, "R-2"), (41, "R-1"), (39, "2"), (434, "1"), (102, "0"), (58, "filled"))
    reject = codec.cancel_reject_decode(wire_round_trip(msg), venue="SIM")
    assert (reject.ord_status, reject.response_to, reject.reason) == ("filled", "cancel", "filled")


# --- properties ----------------------------------------------------------------------------------------

quantities = st.decimals(min_value=Decimal("0.000001"), max_value=Decimal("1e12"), places=6, allow_nan=False,
                         allow_infinity=False)
prices = st.decimals(min_value=Decimal("0.00000001"), max_value=Decimal("1e9"), places=8, allow_nan=False,
                     allow_infinity=False)
moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31),
                       timezones=st.just(UTC))
ids = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._", min_size=1, max_size=20)


@settings(deadline=None)
@given(quantity=quantities, price=prices, stop=st.none() | prices, expire=st.none() | moments, cl_ord_id=ids,
       side=st.sampled_from(SIDES), order_type=st.sampled_from(ORDER_TYPES), tif=st.sampled_from(TIMES_IN_FORCE))
def test_new_order_survives_the_wire_exactly(quantity, price, stop, expire, cl_ord_id, side, order_type, tif):
    order = new_order(quantity=quantity, price=price, stop_price=stop, expire_at=expire, cl_ord_id=cl_ord_id,
                      side=side, order_type=order_type, time_in_force=tif)
    back = codec.new_order_decode(wire_round_trip(codec.new_order_encode(order, transact_time=T0)))
    assert back == order
    assert back.quantity.as_tuple() == quantity.as_tuple() or back.quantity == quantity


@settings(deadline=None)
@given(last_qty=quantities, last_px=prices, cum=quantities, leaves=quantities, commission=prices, moment=moments)
def test_venue_fill_survives_the_wire_exactly(last_qty, last_px, cum, leaves, commission, moment):
    report = ExecutionReport(venue="SIM", exec_id="E1", exec_type="trade", ord_status="partially_filled",
                             cl_ord_id="R-1", venue_order_id="V1", last_qty=last_qty, last_px=last_px, cum_qty=cum,
                             leaves_qty=leaves, commission=commission, transact_time=moment)
    msg = codec.execution_report_for_venue(report, order=new_order(cl_ord_id="R-1"))
    assert codec.execution_report_decode(wire_round_trip(msg), venue="SIM") == report


@settings(deadline=None)
@given(moment=moments)
def test_timestamps_keep_microseconds(moment):
    assert v.parse_timestamp(v.format_timestamp(moment), 60) == moment


def test_decimals_never_go_out_in_exponent_form():
    assert v.format_decimal(Decimal("1E+2")) == "100"
    assert v.format_decimal(Decimal("1E-7")) == "0.0000001"
    with pytest.raises(ValueError):
        v.format_decimal(Decimal("NaN"))


def test_nanosecond_timestamps_are_read_to_the_microsecond():
    assert v.parse_timestamp("20261125-15:10:43.123456789", 60) == T0


def test_wire_checks_length_and_checksum():
    raw = encode(message("0"), sender="A", target="B")
    assert decode(raw).msg_type == "0"
    with pytest.raises(ValueError, match="CheckSum"):
        decode(raw[:-4] + "000\x01")
    with pytest.raises(ValueError):
        decode(raw.replace("9=", "9=1", 1))
