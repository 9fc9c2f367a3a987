"""FIX 4.4 application messages <-> the gateway dataclasses (pure functions, no engine, no database).

Client side (our acceptor): NewOrderSingle (D), OrderCancelRequest (F) and OrderCancelReplaceRequest (G)
are decoded into ``NewOrder`` / ``CancelRequest`` / ``ReplaceRequest``; ``OrderUpdate`` is encoded as an
ExecutionReport (8), refusals as a rejecting ExecutionReport or an OrderCancelReject (9).
Venue side (our initiator): the same three requests are encoded, and the venue's ExecutionReport and
OrderCancelReject decoded into ``ExecutionReport`` / ``CancelReject``.

A malformed field raises ``FieldError`` (answered with a session Reject); a well-formed request we do
not support raises ``RequestRefused`` with the OrdRejReason / CxlRejReason to answer with.
Quantities and prices stay ``Decimal`` end to end, times are UTC with microseconds.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from oms.trading.gateway import CancelReject, CancelRequest, ExecutionReport, NewOrder, OrderUpdate, ReplaceRequest
from oms.trading.fix import values as v
from oms.trading.fix.reasons import CXL_REJ_REASONS, ORD_REJ_REASONS, cxl_rej_reason, ord_rej_reason
from oms.trading.fix.wire import FixMessage, message

__all__ = ["CXL_REJ_REASONS", "ORD_REJ_REASONS", "RequestRefused", "cxl_rej_reason", "ord_rej_reason"]


class RequestRefused(ValueError):
    """A well-formed request we will not take (answered with an ExecutionReport or OrderCancelReject)."""

    def __init__(self, reason: str, text: str) -> None:
        super().__init__(text)
        self.reason = reason
        self.text = text


def _required(msg: FixMessage, tag: int) -> str:
    value = msg.get(tag)
    if value is None or value == "":
        raise v.FieldError(tag, v.SESSION_REJ_REQUIRED_TAG_MISSING, f"required tag {tag} is missing")
    return value


def _decimal(msg: FixMessage, tag: int) -> Decimal | None:
    value = msg.get(tag)
    return None if value is None else v.parse_decimal(value, tag)


def _positive(msg: FixMessage, tag: int) -> Decimal:
    quantity = v.parse_decimal(_required(msg, tag), tag)
    if quantity <= 0:
        raise RequestRefused(v.ORD_REJ_INCORRECT_QUANTITY, f"tag {tag} must be positive, got {quantity}")
    return quantity


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else v.format_decimal(value)


def _time(value: datetime | None) -> str | None:
    return None if value is None else v.format_timestamp(value)


def _account(msg: FixMessage, default_account: str | None) -> str:
    account = msg.get(v.ACCOUNT) or default_account
    if not account:
        raise RequestRefused(v.ORD_REJ_UNKNOWN_ACCOUNT, "Account (1) is required on this session")
    return account


def _expiry(msg: FixMessage) -> datetime | None:
    if (text := msg.get(v.EXPIRE_TIME)) is not None:
        return v.parse_timestamp(text, v.EXPIRE_TIME)
    if (text := msg.get(v.EXPIRE_DATE)) is not None:
        return v.parse_local_date_end(text, v.EXPIRE_DATE)
    return None


def _supported(table: dict[str, str], code: str, tag: int, what: str) -> str:
    try:
        return v.name_of(table, code, tag)
    except v.FieldError:
        raise RequestRefused(v.ORD_REJ_UNSUPPORTED, f"{what} {code!r} (tag {tag}) is not supported") from None


# --- client -> us -------------------------------------------------------------------------------


def new_order_decode(msg: FixMessage, *, default_account: str | None = None) -> NewOrder:
    _required(msg, v.TRANSACT_TIME)  # required by FIX; the time we record is our own receipt time
    v.parse_timestamp(_required(msg, v.TRANSACT_TIME), v.TRANSACT_TIME)
    tif = msg.get(v.TIME_IN_FORCE)
    return NewOrder(
        account=_account(msg, default_account),
        cl_ord_id=_required(msg, v.CL_ORD_ID),
        instrument=msg.get(v.SYMBOL) or _required(msg, v.SECURITY_ID),
        side=_supported(v.SIDE_CODES, _required(msg, v.SIDE), v.SIDE, "Side"),
        order_type=_supported(v.ORDER_TYPE_CODES, _required(msg, v.ORD_TYPE), v.ORD_TYPE, "OrdType"),
        quantity=_positive(msg, v.ORDER_QTY),
        time_in_force="day" if tif is None else _supported(v.TIME_IN_FORCE_CODES, tif, v.TIME_IN_FORCE,
                                                           "TimeInForce"),
        price=_decimal(msg, v.PRICE),
        stop_price=_decimal(msg, v.STOP_PX),
        expire_at=_expiry(msg),
        venue=msg.get(v.EX_DESTINATION),
    )


def cancel_request_decode(msg: FixMessage, *, default_account: str | None = None) -> CancelRequest:
    return CancelRequest(account=_account(msg, default_account), cl_ord_id=_required(msg, v.CL_ORD_ID),
                         orig_cl_ord_id=_required(msg, v.ORIG_CL_ORD_ID))


def replace_request_decode(msg: FixMessage, *, default_account: str | None = None) -> ReplaceRequest:
    tif = msg.get(v.TIME_IN_FORCE)
    return ReplaceRequest(
        account=_account(msg, default_account),
        cl_ord_id=_required(msg, v.CL_ORD_ID),
        orig_cl_ord_id=_required(msg, v.ORIG_CL_ORD_ID),
        quantity=_positive(msg, v.ORDER_QTY),
        price=_decimal(msg, v.PRICE),
        stop_price=_decimal(msg, v.STOP_PX),
        time_in_force=None if tif is None else _supported(v.TIME_IN_FORCE_CODES, tif, v.TIME_IN_FORCE,
                                                          "TimeInForce"),
        expire_at=_expiry(msg),
    )


# --- us -> client -------------------------------------------------------------------------------


def execution_report_encode(update: OrderUpdate) -> FixMessage:
    return message(
        "8",
        (v.ORDER_ID, update.order_id),
        (v.CL_ORD_ID, update.cl_ord_id),
        (v.ORIG_CL_ORD_ID, update.orig_cl_ord_id),
        (v.EXEC_ID, update.exec_id),
        (v.EXEC_TYPE, v.code_of(v.EXEC_TYPE_CODES, update.exec_type, v.EXEC_TYPE)),
        (v.ORD_STATUS, v.code_of(v.ORD_STATUS_OUT, update.ord_status, v.ORD_STATUS)),
        (v.ORD_REJ_REASON, ord_rej_reason(update.reject_code) if update.exec_type == "rejected" else None),
        (v.ACCOUNT, update.account),
        (v.SYMBOL, update.instrument),
        (v.SIDE, v.code_of(v.SIDE_CODES, update.side, v.SIDE)),
        (v.ORDER_QTY, _dec(update.quantity)),
        (v.ORD_TYPE, v.code_of(v.ORDER_TYPE_CODES, update.order_type, v.ORD_TYPE)),
        (v.PRICE, _dec(update.price)),
        (v.LAST_QTY, _dec(update.last_qty) if update.last_qty else None),
        (v.LAST_PX, _dec(update.last_px) if update.last_qty else None),
        (v.LEAVES_QTY, _dec(update.leaves_qty)),
        (v.CUM_QTY, _dec(update.cum_qty)),
        (v.AVG_PX, _dec(update.avg_px)),
        (v.TRANSACT_TIME, _time(update.transact_time)),
        (v.TEXT, _text(update)),
    )


def _text(update: OrderUpdate) -> str | None:
    """A reject's Text leads with our machine-readable code (OrdRejReason is coarser)."""
    if update.exec_type == "rejected" and update.reject_code:
        return f"{update.reject_code}: {update.text}"[:512] if update.text else update.reject_code
    return update.text[:512] or None


def order_reject_encode(msg: FixMessage, *, exec_id: str, reason: str, text: str, account: str | None,
                        transact_time: datetime) -> FixMessage:
    """An ExecutionReport (ExecType=Rejected) for a NewOrderSingle that was never recorded as an order."""
    side = msg.get(v.SIDE)
    return message(
        "8",
        (v.ORDER_ID, "NONE"),
        (v.CL_ORD_ID, msg.get(v.CL_ORD_ID)),
        (v.EXEC_ID, exec_id),
        (v.EXEC_TYPE, v.EXEC_TYPE_CODES["rejected"]),
        (v.ORD_STATUS, v.ORD_STATUS_CODES["rejected"]),
        (v.ORD_REJ_REASON, reason),
        (v.ACCOUNT, msg.get(v.ACCOUNT) or account),
        (v.SYMBOL, msg.get(v.SYMBOL) or "[N/A]"),
        (v.SIDE, side if side in v.SIDE_CODES.values() else v.SIDE_CODES["buy"]),
        (v.ORDER_QTY, msg.get(v.ORDER_QTY) if v.is_decimal(msg.get(v.ORDER_QTY)) else None),
        (v.LEAVES_QTY, "0"),
        (v.CUM_QTY, "0"),
        (v.AVG_PX, "0"),
        (v.TRANSACT_TIME, v.format_timestamp(transact_time)),
        (v.TEXT, text[:512]),
    )


def cancel_reject_encode(*, cl_ord_id: str, orig_cl_ord_id: str, order_id: str | None, ord_status: str | None,
                         response_to: str, reason: str, text: str, account: str | None) -> FixMessage:
    return message(
        "9",
        (v.ORDER_ID, order_id or "NONE"),
        (v.CL_ORD_ID, cl_ord_id),
        (v.ORIG_CL_ORD_ID, orig_cl_ord_id),
        # An unknown order has no status; FIX asks for Rejected then.
        (v.ORD_STATUS, v.ORD_STATUS_OUT.get(ord_status or "", v.ORD_STATUS_CODES["rejected"])),
        (v.ACCOUNT, account),
        (v.CXL_REJ_RESPONSE_TO, v.RESPONSE_TO_CODES[response_to]),
        (v.CXL_REJ_REASON, reason),
        (v.TEXT, text[:512]),
    )


def business_reject_encode(*, ref_seq_num: int | None, ref_msg_type: str, reason: str, text: str,
                           ref_id: str | None = None) -> FixMessage:
    return message(
        "j",
        (v.REF_SEQ_NUM, None if ref_seq_num is None else str(ref_seq_num)),
        (v.REF_MSG_TYPE, ref_msg_type),
        (v.BUSINESS_REJECT_REF_ID, ref_id),
        (v.BUSINESS_REJECT_REASON, reason),
        (v.TEXT, text[:512]),
    )


def session_reject_encode(*, ref_seq_num: int, ref_msg_type: str, error: v.FieldError) -> FixMessage:
    """A session-level Reject (35=3) for a malformed field the engine's own validation let through."""
    return message(
        "3",
        (v.REF_SEQ_NUM, str(ref_seq_num)),
        (v.TEXT, error.text[:512]),
        (v.REF_TAG_ID, str(error.tag)),
        (v.REF_MSG_TYPE, ref_msg_type),
        (v.SESSION_REJECT_REASON, error.reason),
    )


# --- us -> venue --------------------------------------------------------------------------------


def new_order_encode(order: NewOrder, *, transact_time: datetime) -> FixMessage:
    return message(
        "D",
        (v.CL_ORD_ID, order.cl_ord_id),
        (v.ACCOUNT, order.account),
        (v.HANDL_INST, "1"),  # automated, no broker intervention
        (v.SYMBOL, order.instrument),
        (v.SIDE, v.code_of(v.SIDE_CODES, order.side, v.SIDE)),
        (v.TRANSACT_TIME, v.format_timestamp(transact_time)),
        (v.ORDER_QTY, v.format_decimal(order.quantity)),
        (v.ORD_TYPE, v.code_of(v.ORDER_TYPE_CODES, order.order_type, v.ORD_TYPE)),
        (v.PRICE, _dec(order.price)),
        (v.STOP_PX, _dec(order.stop_price)),
        (v.TIME_IN_FORCE, v.code_of(v.TIME_IN_FORCE_CODES, order.time_in_force, v.TIME_IN_FORCE)),
        (v.EXPIRE_TIME, _time(order.expire_at)),
    )


def cancel_request_encode(request: CancelRequest, *, original: NewOrder, transact_time: datetime) -> FixMessage:
    """FIX wants the order's Symbol, Side and quantity on a cancel: ``original`` carries the live terms."""
    return message(
        "F",
        (v.ORIG_CL_ORD_ID, request.orig_cl_ord_id),
        (v.CL_ORD_ID, request.cl_ord_id),
        (v.ACCOUNT, request.account),
        (v.SYMBOL, original.instrument),
        (v.SIDE, v.code_of(v.SIDE_CODES, original.side, v.SIDE)),
        (v.TRANSACT_TIME, v.format_timestamp(transact_time)),
        (v.ORDER_QTY, v.format_decimal(original.quantity)),
    )


def replace_request_encode(request: ReplaceRequest, *, original: NewOrder, transact_time: datetime) -> FixMessage:
    tif = request.time_in_force or original.time_in_force
    return message(
        "G",
        (v.ORIG_CL_ORD_ID, request.orig_cl_ord_id),
        (v.CL_ORD_ID, request.cl_ord_id),
        (v.ACCOUNT, request.account),
        (v.HANDL_INST, "1"),
        (v.SYMBOL, original.instrument),
        (v.SIDE, v.code_of(v.SIDE_CODES, original.side, v.SIDE)),
        (v.TRANSACT_TIME, v.format_timestamp(transact_time)),
        (v.ORDER_QTY, v.format_decimal(request.quantity)),
        (v.ORD_TYPE, v.code_of(v.ORDER_TYPE_CODES, original.order_type, v.ORD_TYPE)),
        (v.PRICE, _dec(request.price)),
        (v.STOP_PX, _dec(request.stop_price)),
        (v.TIME_IN_FORCE, v.code_of(v.TIME_IN_FORCE_CODES, tif, v.TIME_IN_FORCE)),
        (v.EXPIRE_TIME, _time(request.expire_at if request.expire_at else original.expire_at)),
    )


# --- venue -> us --------------------------------------------------------------------------------


def execution_report_decode(msg: FixMessage, *, venue: str) -> ExecutionReport:
    liquidity = msg.get(v.LAST_LIQUIDITY_IND)
    fees = sum((v.parse_decimal(amount, v.MISC_FEE_AMT) for amount in msg.all(v.MISC_FEE_AMT)), Decimal("0"))
    transact = msg.get(v.TRANSACT_TIME)
    return ExecutionReport(
        venue=venue,
        exec_id=_required(msg, v.EXEC_ID),
        exec_type=v.name_of(v.EXEC_TYPE_CODES, _required(msg, v.EXEC_TYPE), v.EXEC_TYPE),
        ord_status=v.name_of(v.ORD_STATUS_CODES, _required(msg, v.ORD_STATUS), v.ORD_STATUS),
        cl_ord_id=_required(msg, v.CL_ORD_ID),
        orig_cl_ord_id=msg.get(v.ORIG_CL_ORD_ID),
        venue_order_id=msg.get(v.ORDER_ID),
        last_qty=_decimal(msg, v.LAST_QTY) or Decimal("0"),
        last_px=_decimal(msg, v.LAST_PX) or Decimal("0"),
        cum_qty=_decimal(msg, v.CUM_QTY),
        leaves_qty=_decimal(msg, v.LEAVES_QTY),
        liquidity=None if liquidity is None or liquidity not in v.LIQUIDITY_CODES.values()
        else v.name_of(v.LIQUIDITY_CODES, liquidity, v.LAST_LIQUIDITY_IND),
        commission=_decimal(msg, v.COMMISSION) or Decimal("0"),
        fees=fees,
        ref_exec_id=msg.get(v.EXEC_REF_ID),
        transact_time=None if transact is None else v.parse_timestamp(transact, v.TRANSACT_TIME),
        text=msg.get(v.TEXT) or "",
    )


def cancel_reject_decode(msg: FixMessage, *, venue: str) -> CancelReject:
    response_to = v.name_of(v.RESPONSE_TO_CODES, _required(msg, v.CXL_REJ_RESPONSE_TO), v.CXL_REJ_RESPONSE_TO)
    return CancelReject(
        venue=venue,
        cl_ord_id=_required(msg, v.CL_ORD_ID),
        orig_cl_ord_id=_required(msg, v.ORIG_CL_ORD_ID),
        ord_status=v.name_of(v.ORD_STATUS_CODES, _required(msg, v.ORD_STATUS), v.ORD_STATUS),
        reason=msg.get(v.TEXT) or msg.get(v.CXL_REJ_REASON) or "",
        response_to=response_to,
    )


# --- venue side of the simulated counterparty (tests and benchmarks) ----------------------------


def execution_report_for_venue(report: ExecutionReport, *, order: NewOrder) -> FixMessage:
    """What a venue sends us for ``report`` (used by test venues speaking FIX)."""
    return message(
        "8",
        (v.ORDER_ID, report.venue_order_id or "NONE"),
        (v.CL_ORD_ID, report.cl_ord_id),
        (v.ORIG_CL_ORD_ID, report.orig_cl_ord_id),
        (v.EXEC_ID, report.exec_id),
        (v.EXEC_REF_ID, report.ref_exec_id),
        (v.EXEC_TYPE, v.code_of(v.EXEC_TYPE_CODES, report.exec_type, v.EXEC_TYPE)),
        (v.ORD_STATUS, v.code_of(v.ORD_STATUS_CODES, report.ord_status, v.ORD_STATUS)),
        (v.ACCOUNT, order.account),
        (v.SYMBOL, order.instrument),
        (v.SIDE, v.code_of(v.SIDE_CODES, order.side, v.SIDE)),
        (v.ORDER_QTY, v.format_decimal(order.quantity)),
        (v.LAST_QTY, v.format_decimal(report.last_qty)),
        (v.LAST_PX, v.format_decimal(report.last_px)),
        (v.LEAVES_QTY, _dec(report.leaves_qty) or "0"),
        (v.CUM_QTY, _dec(report.cum_qty) or "0"),
        (v.AVG_PX, "0"),
        (v.COMMISSION, v.format_decimal(report.commission) if report.commission else None),
        (v.COMM_TYPE, v.COMM_TYPE_ABSOLUTE if report.commission else None),
        (v.NO_MISC_FEES, "1" if report.fees else None),
        (v.MISC_FEE_AMT, v.format_decimal(report.fees) if report.fees else None),
        (v.MISC_FEE_TYPE, v.MISC_FEE_EXCHANGE if report.fees else None),
        (v.TRANSACT_TIME, _time(report.transact_time)),
        (v.LAST_LIQUIDITY_IND, None if report.liquidity is None
         else v.code_of(v.LIQUIDITY_CODES, report.liquidity, v.LAST_LIQUIDITY_IND)),
        (v.TEXT, report.text or None),
    )
