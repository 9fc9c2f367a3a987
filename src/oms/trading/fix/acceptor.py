"""The FIX acceptor: clients send NewOrderSingle / OrderCancelRequest / OrderCancelReplaceRequest.

Each request is decoded and handed to the trading services; what the client sees comes back from the
services as ``OrderUpdate`` / ``CancelRejectUpdate`` announcements (after commit), which this
application turns into ExecutionReports / OrderCancelRejects for the session that owns the order.
Refusals decided here, before the services (malformed fields, an account the session may not use, a
request the services refuse without recording), are answered at once with the matching FIX reject.

quickfix calls ``fromApp`` on its own threads: every callback closes its Django database connections
when it is done, and no exception escapes into the engine (it would drop the session).
"""

from __future__ import annotations

import logging
import threading
import uuid
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

log = logging.getLogger("oms.trading.fix.acceptor")


@dataclass(frozen=True)
class ClientHandlers:
    """The services the acceptor calls (the trading services; fakes in tests)."""

    order_receive: Callable[..., object]
    order_cancel_receive: Callable[..., object]
    order_replace_receive: Callable[..., object]


class Routes:
    """Which client session gets the reports of an order: the one that sent its ClOrdID.

    Kept in an append-only file (one line per ClOrdID), so that after a restart the fills of orders
    sent before it still reach their client; an order's later reports match by ClOrdID or by
    OrigClOrdID (a cancel the OMS itself started, e.g. the kill switch, names the client's order).
    Orders entered elsewhere (the API) are not sent to FIX clients.
    """

    def __init__(self, path: Path | None) -> None:
        self._lock = threading.Lock()
        self._by_order: dict[tuple[str, str], str] = {}
        self._file = None
        if path is not None:
            if path.is_file():
                for line in path.read_text().splitlines():
                    session, account, cl_ord_id = line.split("\t")
                    self._by_order[(account, cl_ord_id)] = session
            self._file = path.open("a", encoding="utf-8")

    def remember(self, account: str, cl_ord_id: str, session: str) -> None:
        with self._lock:
            if (account, cl_ord_id) in self._by_order:  # first come: a reused ClOrdID is refused anyway,
                return                                   # and must not take the order's reports elsewhere
            self._by_order[(account, cl_ord_id)] = session
            if self._file is not None:
                self._file.write(f"{session}\t{account}\t{cl_ord_id}\n")
                self._file.flush()

    def session_for(self, account: str, *cl_ord_ids: str | None) -> str | None:
        with self._lock:
            for cl_ord_id in cl_ord_ids:
                if cl_ord_id and (session := self._by_order.get((account, cl_ord_id))):
                    return session
            return None

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None


class ClientApplication(fix.Application):
    def __init__(self, *, sessions: list[engine.SessionConfig], handlers: ClientHandlers,
                 dictionary: fix.DataDictionary, routes: Routes) -> None:
        super().__init__()
        self.handlers = handlers
        self.dictionary = dictionary
        self.routes = routes
        self.configs = {config.session_id.toString(): config for config in sessions}
        self.ids = {config.session_id.toString(): config.session_id for config in sessions}

    # -- engine callbacks ---------------------------------------------------------------------------

    def onCreate(self, sessionID):  # noqa: N802, N803 - quickfix's names
        log.info("FIX session %s created", sessionID.toString())

    def onLogon(self, sessionID):  # noqa: N802, N803
        log.info("FIX client logged on: %s", sessionID.toString())

    def onLogout(self, sessionID):  # noqa: N802, N803
        log.info("FIX client logged out: %s", sessionID.toString())
        engine.release_db_connections()

    def toAdmin(self, message, sessionID):  # noqa: N802, N803
        pass

    def fromAdmin(self, message, sessionID):  # noqa: N802, N803
        pass

    def toApp(self, message, sessionID):  # noqa: N802, N803
        pass

    def fromApp(self, message, sessionID):  # noqa: N802, N803
        key = sessionID.toString()
        try:
            msg = engine.from_quickfix(message)
            self.dispatch(msg, key)
        except Exception:  # noqa: BLE001 - an exception must not reach the engine (it drops the session)
            log.exception("FIX acceptor failed on a message from %s", key)
        finally:
            close_old_connections()

    # -- requests -----------------------------------------------------------------------------------

    def dispatch(self, msg: FixMessage, session: str) -> None:
        config = self.configs[session]
        try:
            if msg.msg_type == "D":
                self._new_order(msg, session, config)
            elif msg.msg_type in ("F", "G"):
                self._cancel_or_replace(msg, session, config)
            else:
                self._send(session, codec.business_reject_encode(
                    ref_seq_num=_seq(msg), ref_msg_type=msg.msg_type, reason=v.BUSINESS_REJ_UNSUPPORTED_MSG_TYPE,
                    text=f"MsgType {msg.msg_type} is not supported"))
        except v.FieldError as error:
            self._send(session, codec.session_reject_encode(ref_seq_num=_seq(msg) or 0, ref_msg_type=msg.msg_type,
                                                            error=error))

    def _new_order(self, msg: FixMessage, session: str, config: engine.SessionConfig) -> None:
        try:
            order = codec.new_order_decode(msg, default_account=config.default_account)
            self._check_account(order.account, config)
        except codec.RequestRefused as refused:
            self._send(session, codec.order_reject_encode(msg, exec_id=_reject_id(), reason=refused.reason,
                                                          text=refused.text, account=config.default_account,
                                                          transact_time=_now()))
            return
        self.routes.remember(order.account, order.cl_ord_id, session)
        try:
            self.handlers.order_receive(new=order, source="fix")
        except DomainError as error:  # not recorded (e.g. unknown account, ClOrdID already used)
            self._send(session, codec.order_reject_encode(msg, exec_id=_reject_id(),
                                                          reason=codec.ord_rej_reason(error.code),
                                                          text=f"{error.code}: {error.message}", account=order.account,
                                                          transact_time=_now()))

    def _cancel_or_replace(self, msg: FixMessage, session: str, config: engine.SessionConfig) -> None:
        response_to = "cancel" if msg.msg_type == "F" else "replace"
        cl_ord_id, orig = msg.get(v.CL_ORD_ID) or "", msg.get(v.ORIG_CL_ORD_ID) or ""
        try:
            if msg.msg_type == "F":
                request = codec.cancel_request_decode(msg, default_account=config.default_account)
            else:
                request = codec.replace_request_decode(msg, default_account=config.default_account)
            self._check_account(request.account, config)
        except codec.RequestRefused as refused:
            self._send(session, codec.cancel_reject_encode(
                cl_ord_id=cl_ord_id, orig_cl_ord_id=orig, order_id=None, ord_status=None, response_to=response_to,
                reason=v.CXL_REJ_OTHER, text=refused.text, account=msg.get(v.ACCOUNT) or config.default_account))
            return
        self.routes.remember(request.account, request.cl_ord_id, session)
        try:
            if msg.msg_type == "F":
                self.handlers.order_cancel_receive(request=request)
            else:
                self.handlers.order_replace_receive(request=request)
        except DomainError as error:
            self._send(session, codec.cancel_reject_encode(
                cl_ord_id=cl_ord_id, orig_cl_ord_id=orig, order_id=getattr(error, "order_id", None),
                ord_status=getattr(error, "ord_status", None), response_to=response_to,
                reason=codec.cxl_rej_reason(error.code), text=f"{error.code}: {error.message}",
                account=request.account))

    @staticmethod
    def _check_account(account: str, config: engine.SessionConfig) -> None:
        if config.accounts and account not in config.accounts:
            raise codec.RequestRefused(v.ORD_REJ_UNKNOWN_ACCOUNT, f"account {account!r} is not open to this session")

    # -- announcements from the services ------------------------------------------------------------

    def on_order_update(self, update: gateway.OrderUpdate) -> None:
        session = self.routes.session_for(update.account, update.cl_ord_id, update.orig_cl_ord_id)
        if session in self.ids:
            self._send(session, codec.execution_report_encode(update))

    def on_cancel_reject(self, update: gateway.CancelRejectUpdate) -> None:
        session = self.routes.session_for(update.account, update.cl_ord_id, update.orig_cl_ord_id)
        if session in self.ids:
            self._send(session, codec.cancel_reject_encode(
                cl_ord_id=update.cl_ord_id, orig_cl_ord_id=update.orig_cl_ord_id, order_id=update.order_id,
                ord_status=update.ord_status, response_to=update.response_to,
                reason=codec.cxl_rej_reason(update.reason), text=update.reason or "refused by the venue",
                account=update.account))

    def _send(self, session: str, msg: FixMessage) -> None:
        engine.send(msg, self.ids[session], self.dictionary)


class FixAcceptor:
    """A running acceptor: a quickfix SocketAcceptor subscribed to the trading announcements."""

    def __init__(self, *, sessions: list[engine.SessionConfig], handlers: ClientHandlers, root: Path,
                 dictionary: Path | None = None, heartbeat: int = 30, screen_log: bool = False) -> None:
        self.settings = engine.session_settings(connection_type="acceptor", sessions=sessions, root=root,
                                                dictionary=dictionary, heartbeat=heartbeat)
        self.application = ClientApplication(sessions=sessions, handlers=handlers,
                                             dictionary=engine.data_dictionary(dictionary),
                                             routes=Routes(root / "routes.tsv"))
        # Kept on self: the C++ engine holds only references to the factories (freed objects crash stop()).
        self._store, self._logs = engine.stores_and_logs(self.settings, screen_log=screen_log)
        self._acceptor = fix.ThreadedSocketAcceptor(self.application, self._store, self.settings, self._logs)

    def start(self) -> None:
        gateway.order_updates_subscribe(self.application.on_order_update)
        gateway.cancel_rejects_subscribe(self.application.on_cancel_reject)
        self._acceptor.start()

    def stop(self) -> None:
        """Log out, close the sockets and free the engine: its sessions leave quickfix's global registry
        now, not whenever Python collects it (which would unregister a restarted acceptor's sessions)."""
        if self._acceptor is not None:
            self._acceptor.stop()
            self._acceptor = None
        gateway.order_updates_unsubscribe(self.application.on_order_update)
        gateway.cancel_rejects_unsubscribe(self.application.on_cancel_reject)
        self.application.routes.close()


def _seq(msg: FixMessage) -> int | None:
    value = msg.header_get(v.MSG_SEQ_NUM)
    return int(value) if value and value.isdigit() else None


def _reject_id() -> str:
    return f"REJ-{uuid.uuid4().hex[:20]}"


def _now() -> datetime:
    return datetime.now(UTC)
