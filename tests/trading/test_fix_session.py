"""FIX sessions on loopback: our acceptor and initiator against test counterparties (quickfix).

The services are replaced by small fakes that keep to the gateway contract, so these tests are about
the FIX layer: routing of reports to the right session, the reject messages, and sequence numbers
that survive a restart of either side. ``test_fix_trading.py`` runs the same flows on the real services.
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest

pytest.importorskip("quickfix", reason="the FIX layer needs the optional 'fix' extra (pip install .[fix])")

from oms.core.errors import DomainError  # noqa: E402
from oms.trading import gateway  # noqa: E402
from oms.trading.fix import command  # noqa: E402
from oms.trading.fix import values as v  # noqa: E402
from oms.trading.fix.acceptor import ClientHandlers, FixAcceptor  # noqa: E402
from oms.trading.fix.client import FixPeer  # noqa: E402
from oms.trading.fix.engine import SessionConfig  # noqa: E402
from oms.trading.fix.initiator import FixInitiator, VenueHandlers  # noqa: E402
from oms.trading.fix.wire import message  # noqa: E402
from oms.trading.gateway import NewOrder, OrderUpdate  # noqa: E402

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples" / "fix-quickfix" / "spec" / "FIX44.xml"
NOW = "20261125-15:10:43.123456"


@pytest.fixture(scope="module")
def dictionary() -> Path:
    if not SAMPLES.is_file():
        pytest.skip(f"the FIX 4.4 data dictionary is not at {SAMPLES} (../shared/samples is absent)")
    return SAMPLES


def wait_until(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class CancelRejected(DomainError):
    code = "cancel_rejected"

    def __init__(self, message, *, code, ord_status=None, order_id=None):
        super().__init__(message, code=code)
        self.ord_status, self.order_id = ord_status, order_id


@dataclass
class FakeTrading:
    """Keeps to the contract of oms.trading.services: records, then announces after 'commit'."""

    orders: dict[tuple[str, str], dict] = field(default_factory=dict)
    reports: list = field(default_factory=list)
    cancel_rejects: list = field(default_factory=list)

    def announce(self, order: dict, exec_type: str, *, last_qty=Decimal(0), last_px=Decimal(0), reject_code=None,
                 text=""):
        update = OrderUpdate(account=order["account"], cl_ord_id=order["cl_ord_id"],
                             orig_cl_ord_id=order.get("orig"), order_id=order["id"],
                             exec_id=f"{order['id']}-{order['events']}", exec_type=exec_type,
                             ord_status=order["status"], instrument=order["instrument"], side=order["side"],
                             order_type=order["order_type"], quantity=order["quantity"], price=order["price"],
                             cum_qty=order["cum"], leaves_qty=order["quantity"] - order["cum"]
                             if order["status"] not in ("canceled", "rejected", "denied", "filled") else Decimal(0),
                             avg_px=order["avg"], last_qty=last_qty, last_px=last_px, reject_code=reject_code,
                             text=text)
        order["events"] += 1
        for listener in gateway.order_updates_listeners():
            listener(update)

    def order_receive(self, *, new: NewOrder, source="api"):
        if (new.account, new.cl_ord_id) in self.orders:
            raise DomainError("ClOrdID already used", code="duplicate_cl_ord_id")
        order = {"account": new.account, "cl_ord_id": new.cl_ord_id, "id": f"TO-{len(self.orders) + 1}",
                 "status": "new", "instrument": new.instrument, "side": new.side, "order_type": new.order_type,
                 "quantity": new.quantity, "price": new.price, "cum": Decimal(0), "avg": Decimal(0), "events": 1,
                 "source": source}
        self.orders[(new.account, new.cl_ord_id)] = order
        if new.instrument == "HALTED":
            order["status"] = "denied"
            self.announce(order, "rejected", reject_code="trading_halted", text="instrument halted")
        else:
            self.announce(order, "new")
        return order

    def fill(self, account, cl_ord_id, qty, px):
        order = self.orders[(account, cl_ord_id)]
        order["avg"] = (order["avg"] * order["cum"] + qty * px) / (order["cum"] + qty)
        order["cum"] += qty
        order["status"] = "filled" if order["cum"] == order["quantity"] else "partially_filled"
        self.announce(order, "trade", last_qty=qty, last_px=px)

    def order_cancel_receive(self, *, request):
        order = self.orders.get((request.account, request.orig_cl_ord_id))
        if order is None:
            raise CancelRejected("no such order", code="unknown_order")
        if order["status"] == "filled":
            raise CancelRejected("order is filled", code="too_late", ord_status="filled", order_id=order["id"])
        order.update(status="canceled", orig=request.orig_cl_ord_id, cl_ord_id=request.cl_ord_id)
        self.orders[(request.account, request.cl_ord_id)] = order
        self.announce(order, "canceled")

    def order_replace_receive(self, *, request):
        order = self.orders[(request.account, request.orig_cl_ord_id)]
        order.update(quantity=request.quantity, price=request.price, orig=request.orig_cl_ord_id,
                     cl_ord_id=request.cl_ord_id)
        self.orders[(request.account, request.cl_ord_id)] = order
        self.announce(order, "replaced")

    def execution_report_apply(self, *, report):
        if report.cl_ord_id.startswith("UNKNOWN"):
            raise DomainError("no routed order", code="unknown_order")
        self.reports.append(report)

    def cancel_reject_apply(self, *, reject):
        self.cancel_rejects.append(reject)

    def client_handlers(self) -> ClientHandlers:
        return ClientHandlers(order_receive=self.order_receive, order_cancel_receive=self.order_cancel_receive,
                              order_replace_receive=self.order_replace_receive)


def nos(cl_ord_id, *, account="ACC1", side="1", symbol="ACME", qty="100", price="12.50", **extra):
    fields = {11: cl_ord_id, 1: account, 21: "1", 55: symbol, 54: side, 60: NOW, 38: qty, 40: "2", 44: price}
    fields.update(extra)
    return message("D", *((tag, val) for tag, val in fields.items() if val is not None))


@pytest.fixture
def link(tmp_path, dictionary):
    """Our acceptor on a free port with one client session, and a test client connected to it."""
    port = free_port()
    fake = FakeTrading()
    ours = [SessionConfig(sender="OMS", target="CLIENT1", port=port, accounts=frozenset({"ACC1", "ACC2"})),
            SessionConfig(sender="OMS", target="CLIENT2", port=port, default_account="ACC3")]

    def acceptor():
        return FixAcceptor(sessions=ours, handlers=fake.client_handlers(), root=tmp_path / "oms",
                           dictionary=dictionary, heartbeat=5)

    def client(name="CLIENT1"):
        return FixPeer(connection_type="initiator", root=tmp_path / name, dictionary=dictionary, heartbeat=5,
                       config=SessionConfig(sender=name, target="OMS", port=port))

    running = {"acceptor": acceptor(), "client": client()}
    running["acceptor"].start()
    running["client"].start()
    assert running["client"].wait_logged_on(), "the client did not log on"
    yield fake, running, acceptor, client
    for part in running.values():
        part.stop()


def is_report(cl_ord_id, exec_type):
    return lambda m: m.msg_type == "8" and m.get(v.CL_ORD_ID) == cl_ord_id and m.get(v.EXEC_TYPE) == exec_type


def test_order_ack_fill_and_cancel_reach_the_client_as_execution_reports(link):
    fake, running, _, _ = link
    client = running["client"]
    client.send(nos("C-1", qty="100", price="12.50"))
    ack = client.expect(is_report("C-1", "0"))
    assert (ack.get(v.ORDER_ID), ack.get(v.ORD_STATUS), ack.get(v.LEAVES_QTY)) == ("TO-1", "0", "100")
    assert fake.orders[("ACC1", "C-1")]["source"] == "fix"

    fake.fill("ACC1", "C-1", Decimal("40"), Decimal("12.4975"))
    fill = client.expect(is_report("C-1", "F"))
    assert (fill.get(v.LAST_QTY), fill.get(v.LAST_PX), fill.get(v.CUM_QTY), fill.get(v.LEAVES_QTY)) == (
        "40", "12.4975", "40", "60")

    client.send(message("F", (41, "C-1"), (11, "C-2"), (1, "ACC1"), (55, "ACME"), (54, "1"), (60, NOW), (38, "100")))
    canceled = client.expect(is_report("C-2", "4"))
    assert (canceled.get(v.ORIG_CL_ORD_ID), canceled.get(v.ORD_STATUS)) == ("C-1", "4")


def test_replace_answers_with_replaced_report(link):
    fake, running, _, _ = link
    client = running["client"]
    client.send(nos("R-1"))
    client.expect(is_report("R-1", "0"))
    client.send(message("G", (41, "R-1"), (11, "R-2"), (1, "ACC1"), (21, "1"), (55, "ACME"), (54, "1"), (60, NOW),
                        (38, "150"), (40, "2"), (44, "12.55")))
    replaced = client.expect(is_report("R-2", "5"))
    assert (replaced.get(v.ORDER_QTY), replaced.get(v.PRICE), replaced.get(v.ORIG_CL_ORD_ID)) == ("150", "12.55", "R-1")


def test_refusals_answer_with_the_right_fix_reject(link):
    fake, running, _, _ = link
    client = running["client"]
    client.send(nos("D-1"))
    client.expect(is_report("D-1", "0"))

    client.send(nos("D-1"))  # duplicate ClOrdID: refused by the services without recording
    duplicate = client.expect(is_report("D-1", "8"))
    assert (duplicate.get(v.ORD_REJ_REASON), duplicate.get(v.ORDER_ID)) == ("6", "NONE")

    client.send(nos("D-2", side="6"))  # sell short exempt: valid FIX, not offered
    assert client.expect(is_report("D-2", "8")).get(v.ORD_REJ_REASON) == "11"

    client.send(nos("D-3", account="OTHER"))  # not an account of this session
    assert client.expect(is_report("D-3", "8")).get(v.ORD_REJ_REASON) == "15"
    assert ("OTHER", "D-3") not in fake.orders

    client.send(nos("D-4", symbol="HALTED"))  # recorded and denied by the services: announced as rejected
    denied = client.expect(is_report("D-4", "8"))
    assert (denied.get(v.ORD_REJ_REASON), denied.get(v.TEXT), denied.get(v.ORDER_ID)) == ("2", "trading_halted: instrument halted",
                                                                                          "TO-2")

    client.send(nos("D-5", qty="0"))
    assert client.expect(is_report("D-5", "8")).get(v.ORD_REJ_REASON) == "13"

    client.send(nos("D-6", side="Z"))  # not a FIX Side at all: the engine's session-level Reject
    reject = client.expect(lambda m: m.msg_type == "3")
    assert (reject.get(v.REF_TAG_ID), reject.get(v.SESSION_REJECT_REASON)) == ("54", "5")

    client.send(message("F", (41, "NOPE"), (11, "D-7"), (1, "ACC1"), (55, "ACME"), (54, "1"), (60, NOW)))
    cxl = client.expect(lambda m: m.msg_type == "9")
    assert (cxl.get(v.CL_ORD_ID), cxl.get(v.CXL_REJ_REASON), cxl.get(v.CXL_REJ_RESPONSE_TO), cxl.get(v.ORD_STATUS)) \
        == ("D-7", "1", "1", "8")

    fake.fill("ACC1", "D-1", Decimal("100"), Decimal("12.5"))
    client.expect(is_report("D-1", "F"))
    client.send(message("F", (41, "D-1"), (11, "D-8"), (1, "ACC1"), (55, "ACME"), (54, "1"), (60, NOW)))
    late = client.expect(lambda m: m.msg_type == "9")
    assert (late.get(v.CXL_REJ_REASON), late.get(v.ORD_STATUS), late.get(v.ORDER_ID)) == ("0", "2", "TO-1")

    client.send(message("H", (11, "D-1"), (55, "ACME"), (54, "1")))  # OrderStatusRequest: not offered
    business = client.expect(lambda m: m.msg_type == "j")
    assert (business.get(v.REF_MSG_TYPE), business.get(v.BUSINESS_REJECT_REASON)) == ("H", "3")


def test_reports_go_to_the_session_that_owns_the_order(link):
    fake, running, _, client_for = link
    other = running["other"] = client_for("CLIENT2")
    other.start()
    assert other.wait_logged_on()
    other.send(nos("X-1", account=None))  # no Account: the session's default account ACC3
    ack = other.expect(is_report("X-1", "0"))
    assert ack.get(v.ACCOUNT) == "ACC3"
    running["client"].send(nos("X-1"))  # the same ClOrdID on another account is another order
    running["client"].expect(is_report("X-1", "0"))
    fake.fill("ACC3", "X-1", Decimal("1"), Decimal("12.5"))
    assert other.expect(is_report("X-1", "F")).get(v.ACCOUNT) == "ACC3"
    fake.order_receive(new=NewOrder(account="ACC3", cl_ord_id="API-1", instrument="ACME", side="buy",
                                    order_type="market", quantity=Decimal(1)))  # entered through the API
    assert all(m.get(v.ACCOUNT) != "ACC3" for m in running["client"].drain())
    assert all(m.get(v.CL_ORD_ID) != "API-1" for m in other.drain())


def test_acceptor_restart_resumes_sequence_numbers(link):
    fake, running, acceptor_for, _ = link
    client = running["client"]
    client.send(nos("S-1"))
    client.expect(is_report("S-1", "0"))
    client.drain(0.3)  # the engine counts a message in after our callback has seen it
    sent_before, expected_before = client.sequence_numbers()
    assert sent_before > 2 and expected_before > 2

    running["acceptor"].stop()  # the OMS goes down ...
    running["acceptor"] = acceptor_for()  # ... and comes back with the same stores
    running["acceptor"].start()
    client.application.logged_on.clear()
    assert client.wait_logged_on(15), "the client did not log on again"

    client.send(nos("S-2"))
    ack = client.expect(is_report("S-2", "0"))
    sent_after, expected_after = client.sequence_numbers()
    # No reset: both directions carry on from where they were (a reset would start again at 1).
    assert sent_after > sent_before and expected_after > expected_before
    assert int(ack.header_get(v.MSG_SEQ_NUM)) >= expected_before
    fake.fill("ACC1", "S-1", Decimal("100"), Decimal("12.5"))  # the order from before the restart still routes
    client.expect(is_report("S-1", "F"))
    assert not [m for m in client.drain() if m.msg_type in ("3", "j")]


def test_reports_made_while_the_client_is_away_are_resent_after_its_logon(link):
    fake, running, _, client_for = link
    client = running["client"]
    client.send(nos("W-1"))
    client.expect(is_report("W-1", "0"))
    client.stop()
    fake.fill("ACC1", "W-1", Decimal("30"), Decimal("12.5"))  # stored on the session, not lost
    fake.fill("ACC1", "W-1", Decimal("70"), Decimal("12.5"))
    running["client"] = client = client_for("CLIENT1")  # a new process with the client's store
    client.start()
    assert client.wait_logged_on(15)
    first = client.expect(lambda m: m.msg_type == "8" and m.get(v.LAST_QTY) == "30", timeout=15)
    second = client.expect(lambda m: m.msg_type == "8" and m.get(v.LAST_QTY) == "70", timeout=15)
    assert first.header_get(43) == "Y" and second.get(v.ORD_STATUS) == "2"  # PossDupFlag: a resend


# --- our initiator against a test venue --------------------------------------------------------------------


def venue_answers(msg, peer):
    """A stand-in venue: acks every order and fills it in two parts; refuses cancels of filled orders."""
    if msg.msg_type == "D":
        common = [(37, f"V-{msg.get(11)}"), (11, msg.get(11)), (55, msg.get(55)), (54, msg.get(54)),
                  (38, msg.get(38))]
        peer.send(message("8", *common, (17, f"E-{msg.get(11)}-0"), (150, "0"), (39, "0"), (151, msg.get(38)),
                          (14, "0"), (6, "0")))
        peer.send(message("8", *common, (17, f"E-{msg.get(11)}-1"), (150, "F"), (39, "1"), (32, "40"),
                          (31, "12.4975"), (151, "60"), (14, "40"), (6, "12.4975"), (851, "1"), (12, "0.35"),
                          (13, "3"), (60, NOW)))
    elif msg.msg_type == "F":
        peer.send(message("9", (37, "V-1"), (11, msg.get(11)), (41, msg.get(41)), (39, "2"), (434, "1"), (102, "0"),
                          (58, "too late: filled")))


def test_initiator_routes_orders_and_applies_the_venue_reports(tmp_path, dictionary):
    port = free_port()
    fake = FakeTrading()
    venue = FixPeer(connection_type="acceptor", root=tmp_path / "venue", dictionary=dictionary, heartbeat=5,
                    config=SessionConfig(sender="XVEN", target="OMS", port=port), on_message=venue_answers)
    ours = FixInitiator(venue="XVEN", config=SessionConfig(sender="OMS", target="XVEN", port=port),
                        handlers=VenueHandlers(execution_report_apply=fake.execution_report_apply,
                                               cancel_reject_apply=fake.cancel_reject_apply),
                        root=tmp_path / "oms", dictionary=dictionary, heartbeat=5, reconnect=1)
    venue.start()
    ours.start()
    try:
        assert ours.wait_logged_on()
        routed = gateway.gateway_for("XVEN")
        assert routed is ours.application
        order = NewOrder(account="ACC1", cl_ord_id="R-1", instrument="ACME", side="sell_short", order_type="limit",
                         quantity=Decimal("100"), price=Decimal("12.49"))
        routed.send_new(order)
        sent = venue.expect(lambda m: m.msg_type == "D")
        assert (sent.get(v.SIDE), sent.get(v.PRICE), sent.get(v.ORDER_QTY)) == ("5", "12.49", "100")
        wait_until(lambda: len(fake.reports) == 2)
        assert [r.exec_type for r in fake.reports] == ["new", "trade"]
        fill = fake.reports[1]
        assert (fill.venue, fill.last_qty, fill.last_px, fill.liquidity, fill.commission, fill.venue_order_id) == (
            "XVEN", Decimal("40"), Decimal("12.4975"), "added", Decimal("0.35"), "V-R-1")

        routed.send_cancel(gateway.CancelRequest(account="ACC1", cl_ord_id="R-2", orig_cl_ord_id="R-1"))
        cancel = venue.expect(lambda m: m.msg_type == "F")
        assert (cancel.get(v.SYMBOL), cancel.get(v.SIDE), cancel.get(v.ORIG_CL_ORD_ID)) == ("ACME", "5", "R-1")
        wait_until(lambda: fake.cancel_rejects)
        assert fake.cancel_rejects[0].ord_status == "filled" and fake.cancel_rejects[0].response_to == "cancel"

        # A report the services refuse is answered with a BusinessMessageReject naming it.
        venue.send(message("8", (37, "V-9"), (11, "UNKNOWN-1"), (17, "E-9"), (150, "F"), (39, "2"), (55, "ACME"),
                           (54, "1"), (32, "1"), (31, "1"), (151, "0"), (14, "1"), (6, "1")))
        business = venue.expect(lambda m: m.msg_type == "j")
        assert (business.get(v.BUSINESS_REJECT_REASON), business.get(v.BUSINESS_REJECT_REF_ID)) == ("1", "E-9")
    finally:
        ours.stop()
        venue.stop()
    assert gateway.gateway_for("XVEN") is None


def test_command_line_session_specs():
    desk = command.client_session("DESK=ALICE, BOB", comp_id="OMS", port=9876)
    assert (desk.sender, desk.target, desk.default_account, desk.accounts) == ("OMS", "DESK", "ALICE",
                                                                              frozenset({"ALICE", "BOB"}))
    assert command.client_session("ANY", comp_id="OMS", port=1).accounts == frozenset()
    code, venue = command.venue_session("XNAS=10.0.0.5:9880/NASDAQ", comp_id="OMS")
    assert (code, venue.host, venue.port, venue.target) == ("XNAS", "10.0.0.5", 9880, "NASDAQ")
    assert command.venue_session("SIM=localhost:9", comp_id="OMS")[1].target == "SIM"
    for bad in ("XNAS=10.0.0.5", "=h:1", "XNAS=h:port"):
        with pytest.raises(ValueError, match="CODE=HOST:PORT"):
            command.venue_session(bad, comp_id="OMS")
    with pytest.raises(ValueError, match="SYMBOL=PRICE"):
        command.prices(["ACME=ten"])
