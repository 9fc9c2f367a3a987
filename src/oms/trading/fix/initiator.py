"""The FIX initiator: a ``VenueGateway`` that routes our orders to a venue over FIX 4.4.

The services call ``send_new`` / ``send_cancel`` / ``send_replace`` after commit; each becomes a
NewOrderSingle / OrderCancelRequest / OrderCancelReplaceRequest on the venue session (stored in the
session's FileStore first, so an order sent while the link is down goes out on the resend after
logon). The venue's ExecutionReports and OrderCancelRejects are decoded and applied through the
services; one the services refuse (an unknown order, a fill beyond the order quantity) is answered
with a BusinessMessageReject naming the ExecID, and nothing is recorded.

FIX wants an order's Symbol and Side on a cancel or replace, which the gateway's requests do not
carry: the gateway keeps the live terms of every order it routed, and asks ``terms_lookup`` (the
services' records) for orders routed before a restart.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import quickfix as fix
from django.db import close_old_connections

from oms.core.errors import DomainError
from oms.trading import gateway
from oms.trading.fix import codec, engine
from oms.trading.fix import values as v
from oms.trading.fix.wire import FixMessage
from oms.trading.gateway import CancelRequest, NewOrder, ReplaceRequest

log = logging.getLogger("oms.trading.fix.initiator")
UNKNOWN_ORDER_CODES = frozenset({"not_found", "unknown_order", "unknown_execution", "unknown_replace"})


@dataclass(frozen=True)
class VenueHandlers:
    """The services the initiator feeds (the trading services; fakes in tests)."""

    execution_report_apply: Callable[..., object]
    cancel_reject_apply: Callable[..., object]


class TermsUnknown(LookupError):
    """A cancel or replace for an order whose Symbol and Side this gateway cannot find."""


class VenueApplication(fix.Application):
    def __init__(self, *, venue: str, config: engine.SessionConfig, handlers: VenueHandlers,
                 dictionary: fix.DataDictionary,
                 terms_lookup: Callable[[str], NewOrder | None] | None = None) -> None:
        super().__init__()
        self.venue = venue
        self.session_id = config.session_id
        self.handlers = handlers
        self.dictionary = dictionary
        self.terms_lookup = terms_lookup
        self._terms: dict[str, NewOrder] = {}
        self._lock = threading.Lock()
        self.logged_on = threading.Event()

    # -- VenueGateway -------------------------------------------------------------------------------

    def send_new(self, order: NewOrder) -> None:
        with self._lock:
            self._terms[order.cl_ord_id] = order
        self._send(codec.new_order_encode(order, transact_time=_now()))

    def send_cancel(self, request: CancelRequest) -> None:
        original = self._terms_of(request.orig_cl_ord_id)
        with self._lock:
            self._terms[request.cl_ord_id] = original
        self._send(codec.cancel_request_encode(request, original=original, transact_time=_now()))

    def send_replace(self, request: ReplaceRequest) -> None:
        original = self._terms_of(request.orig_cl_ord_id)
        replaced = dataclasses.replace(
            original, cl_ord_id=request.cl_ord_id, quantity=request.quantity,
            price=request.price if request.price is not None else original.price,
            stop_price=request.stop_price if request.stop_price is not None else original.stop_price,
            time_in_force=request.time_in_force or original.time_in_force,
            expire_at=request.expire_at or original.expire_at)
        with self._lock:
            self._terms[request.cl_ord_id] = replaced
        self._send(codec.replace_request_encode(request, original=replaced, transact_time=_now()))

    def _terms_of(self, cl_ord_id: str) -> NewOrder:
        with self._lock:
            terms = self._terms.get(cl_ord_id)
        if terms is None and self.terms_lookup is not None:
            terms = self.terms_lookup(cl_ord_id)
        if terms is None:
            raise TermsUnknown(f"no routed order {cl_ord_id!r} on FIX venue {self.venue}")
        return terms

    def _send(self, msg: FixMessage) -> None:
        engine.send(msg, self.session_id, self.dictionary)

    # -- engine callbacks ---------------------------------------------------------------------------

    def onCreate(self, sessionID):  # noqa: N802, N803 - quickfix's names
        log.info("FIX venue session %s created", sessionID.toString())

    def onLogon(self, sessionID):  # noqa: N802, N803
        log.info("FIX venue %s logged on", self.venue)
        self.logged_on.set()

    def onLogout(self, sessionID):  # noqa: N802, N803
        log.info("FIX venue %s logged out", self.venue)
        self.logged_on.clear()
        engine.release_db_connections()

    def toAdmin(self, message, sessionID):  # noqa: N802, N803
        pass

    def fromAdmin(self, message, sessionID):  # noqa: N802, N803
        pass

    def toApp(self, message, sessionID):  # noqa: N802, N803
        pass

    def fromApp(self, message, sessionID):  # noqa: N802, N803
        try:
            self.dispatch(engine.from_quickfix(message))
        except Exception:  # noqa: BLE001 - an exception must not reach the engine (it drops the session)
            log.exception("FIX initiator failed on a message from venue %s", self.venue)
        finally:
            close_old_connections()

    def dispatch(self, msg: FixMessage) -> None:
        seq = msg.header_get(v.MSG_SEQ_NUM)
        ref_seq = int(seq) if seq and seq.isdigit() else 0
        try:
            if msg.msg_type == "8":
                self.handlers.execution_report_apply(report=codec.execution_report_decode(msg, venue=self.venue))
            elif msg.msg_type == "9":
                self.handlers.cancel_reject_apply(reject=codec.cancel_reject_decode(msg, venue=self.venue))
            elif msg.msg_type == "j":
                log.warning("venue %s rejected our message %s: %s", self.venue, msg.get(v.REF_SEQ_NUM),
                            msg.get(v.TEXT))
            else:
                self._send(codec.business_reject_encode(ref_seq_num=ref_seq, ref_msg_type=msg.msg_type,
                                                        reason=v.BUSINESS_REJ_UNSUPPORTED_MSG_TYPE,
                                                        text=f"MsgType {msg.msg_type} is not supported"))
        except v.FieldError as error:
            self._send(codec.session_reject_encode(ref_seq_num=ref_seq, ref_msg_type=msg.msg_type, error=error))
        except DomainError as error:
            reason = v.BUSINESS_REJ_UNKNOWN_ID if error.code in UNKNOWN_ORDER_CODES else v.BUSINESS_REJ_OTHER
            self._send(codec.business_reject_encode(
                ref_seq_num=ref_seq, ref_msg_type=msg.msg_type, reason=reason,
                ref_id=msg.get(v.EXEC_ID) or msg.get(v.CL_ORD_ID), text=f"{error.code}: {error.message}"))


class FixInitiator:
    """A running venue connection, registered as the gateway of ``venue`` while started."""

    def __init__(self, *, venue: str, config: engine.SessionConfig, handlers: VenueHandlers, root: Path,
                 dictionary: Path | None = None, heartbeat: int = 30, reconnect: int = 5,
                 terms_lookup: Callable[[str], NewOrder | None] | None = None, screen_log: bool = False) -> None:
        self.venue = venue
        self.settings = engine.session_settings(connection_type="initiator", sessions=[config], root=root,
                                                dictionary=dictionary, heartbeat=heartbeat, reconnect=reconnect)
        self.application = VenueApplication(venue=venue, config=config, handlers=handlers,
                                            dictionary=engine.data_dictionary(dictionary), terms_lookup=terms_lookup)
        # Kept on self: the C++ engine holds only references to the factories (freed objects crash stop()).
        self._store, self._logs = engine.stores_and_logs(self.settings, screen_log=screen_log)
        self._initiator = fix.ThreadedSocketInitiator(self.application, self._store, self.settings, self._logs)

    def start(self) -> None:
        gateway.gateway_register(venue=self.venue, gateway=self.application)
        self._initiator.start()

    def stop(self) -> None:
        gateway.gateway_unregister(venue=self.venue)
        if self._initiator is not None:  # freed now: see FixAcceptor.stop
            self._initiator.stop()
            self._initiator = None

    def wait_logged_on(self, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        return self.application.logged_on.wait(max(0.0, deadline - time.monotonic()))


def _now() -> datetime:
    return datetime.now(UTC)
