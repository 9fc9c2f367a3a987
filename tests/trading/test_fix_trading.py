"""FIX end to end on the real trading services: a client on our acceptor, orders recorded in the
database, routed to the simulated venue (or to a venue over FIX through our initiator), and every
change back to the client as an ExecutionReport.

quickfix runs its sessions on its own threads, so these tests commit for real (transactional_db).
"""

from __future__ import annotations

import socket
import threading
import time
from decimal import Decimal as D
from pathlib import Path

import pytest

pytest.importorskip("quickfix", reason="the FIX layer needs the optional 'fix' extra (pip install .[fix])")

from oms.trading.fix import command  # noqa: E402
from oms.trading.fix import values as v  # noqa: E402
from oms.trading.fix import wiring  # noqa: E402
from oms.trading.fix.acceptor import FixAcceptor  # noqa: E402
from oms.trading.fix.client import FixPeer  # noqa: E402
from oms.trading.fix.engine import SessionConfig  # noqa: E402
from oms.trading.fix.initiator import FixInitiator  # noqa: E402
from oms.trading.fix.wire import message  # noqa: E402
from oms.trading.gateway import NewOrder, gateway_register, gateway_unregister  # noqa: E402
from oms.trading.models import Execution, TradingOrder  # noqa: E402
from oms.trading.services import order_receive  # noqa: E402

pytestmark = pytest.mark.django_db(transaction=True)

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples" / "fix-quickfix" / "spec" / "FIX44.xml"
NOW = "20261125-15:10:43.123456"


@pytest.fixture(scope="module")
def dictionary() -> Path:
    if not SAMPLES.is_file():
        pytest.skip(f"the FIX 4.4 data dictionary is not at {SAMPLES} (../shared/samples is absent)")
    return SAMPLES


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def nos(cl_ord_id, *, account="ALICE", symbol="ACME", side="1", qty="100", price="10.00", ord_type="2"):
    fields = [(11, cl_ord_id), (1, account), (21, "1"), (55, symbol), (54, side), (60, NOW), (38, qty),
              (40, ord_type), (44, price), (59, "0")]
    return message("D", *fields)


def report(cl_ord_id, exec_type):
    return lambda m: m.msg_type == "8" and m.get(v.CL_ORD_ID) == cl_ord_id and m.get(v.EXEC_TYPE) == exec_type


@pytest.fixture
def fix_link(market, tmp_path, dictionary):
    port = free_port()
    sessions = [SessionConfig(sender="OMS", target="CLIENT", port=port)]

    def acceptor():
        return FixAcceptor(sessions=sessions, handlers=wiring.client_handlers(), root=tmp_path / "oms",
                           dictionary=dictionary, heartbeat=5)

    running = {"acceptor": acceptor(),
               "client": FixPeer(connection_type="initiator", root=tmp_path / "client", dictionary=dictionary,
                                 heartbeat=5, config=SessionConfig(sender="CLIENT", target="OMS", port=port))}
    running["acceptor"].start()
    running["client"].start()
    assert running["client"].wait_logged_on()
    yield market, running, acceptor
    for part in reversed(list(running.values())):
        part.stop()


def test_new_order_is_acknowledged_and_filled_through_the_simulated_venue(fix_link):
    market, running, _ = fix_link
    client = running["client"]
    market.sim.price_set("ACME", D("10.00"))
    client.send(nos("F-1", qty="100", price="10.00"))
    pending = client.expect(report("F-1", "A"))
    ack = client.expect(report("F-1", "0"))
    fill = client.expect(report("F-1", "F"))
    assert pending.get(v.ORD_STATUS) == "A" and ack.get(v.ORD_STATUS) == "0"
    assert (D(fill.get(v.LAST_QTY)), D(fill.get(v.LAST_PX)), D(fill.get(v.CUM_QTY)), D(fill.get(v.LEAVES_QTY)),
            fill.get(v.ORD_STATUS)) == (D("100"), D("10.00"), D("100"), D("0"), "2")
    order = TradingOrder.objects.get(account__code="ALICE", cl_ord_id="F-1")
    assert (order.source, order.status, order.cum_qty) == ("fix", "filled", D("100"))
    assert fill.get(v.ORDER_ID) == order.number
    fills = Execution.objects.filter(order=order, is_fill=True)
    assert [(f.last_qty, f.last_px) for f in fills] == [(D("100"), D("10.00"))]


def test_bad_orders_get_fix_rejects_and_nothing_half_recorded(fix_link):
    market, running, _ = fix_link
    client = running["client"]
    client.send(nos("B-1", price="10.005"))  # more decimals than the instrument has: recorded as rejected
    too_fine = client.expect(report("B-1", "8"))
    assert too_fine.get(v.ORD_REJ_REASON) == "99" and too_fine.get(v.TEXT).startswith("too_many_decimals: ")
    assert TradingOrder.objects.get(cl_ord_id="B-1").reject_code == "too_many_decimals"

    client.send(nos("B-6", symbol="BND", qty="15", price="10.005"))  # 15 is off BND's lot size of 10
    assert client.expect(report("B-6", "8")).get(v.ORD_REJ_REASON) == "13"

    client.send(nos("B-2", symbol="NOPE"))
    assert client.expect(report("B-2", "8")).get(v.ORD_REJ_REASON) == "1"

    client.send(nos("B-3", ord_type="1"))  # a market order with a price
    assert client.expect(report("B-3", "8")).get(v.ORD_REJ_REASON) == "11"

    client.send(nos("B-1"))  # the ClOrdID is taken: refused without a record
    duplicate = client.expect(report("B-1", "8"))
    assert (duplicate.get(v.ORD_REJ_REASON), duplicate.get(v.ORDER_ID)) == ("6", "NONE")
    assert TradingOrder.objects.filter(cl_ord_id="B-1").count() == 1

    client.send(nos("B-4", account="GHOST"))
    assert client.expect(report("B-4", "8")).get(v.ORD_REJ_REASON) == "15"
    assert not TradingOrder.objects.filter(cl_ord_id="B-4").exists()

    client.send(message("F", (41, "NOPE"), (11, "B-5"), (1, "ALICE"), (55, "ACME"), (54, "1"), (60, NOW)))
    cxl = client.expect(lambda m: m.msg_type == "9")
    assert (cxl.get(v.CL_ORD_ID), cxl.get(v.CXL_REJ_REASON)) == ("B-5", "1")


def test_restart_in_the_middle_then_replace_and_cancel_the_resting_order(fix_link):
    market, running, acceptor_for = fix_link
    client = running["client"]
    market.sim.price_set("ACME", D("11.00"))  # a buy at 10.00 rests
    client.send(nos("M-1", qty="100", price="10.00"))
    client.expect(report("M-1", "0"))
    client.drain(0.3)  # the engine counts a message in after our callback has seen it
    sent_before, expected_before = client.sequence_numbers()
    assert expected_before > 2

    running["acceptor"].stop()
    running["acceptor"] = acceptor_for()
    running["acceptor"].start()
    client.application.logged_on.clear()
    assert client.wait_logged_on(15)

    client.send(message("G", (41, "M-1"), (11, "M-2"), (1, "ALICE"), (21, "1"), (55, "ACME"), (54, "1"), (60, NOW),
                        (38, "80"), (40, "2"), (44, "10.05")))
    client.expect(report("M-2", "E"))
    replaced = client.expect(report("M-2", "5"))
    assert (D(replaced.get(v.ORDER_QTY)), D(replaced.get(v.PRICE))) == (D("80"), D("10.05"))
    client.send(message("F", (41, "M-2"), (11, "M-3"), (1, "ALICE"), (55, "ACME"), (54, "1"), (60, NOW)))
    client.expect(report("M-3", "6"))
    canceled = client.expect(report("M-3", "4"))
    assert canceled.get(v.ORIG_CL_ORD_ID) == "M-2" and canceled.get(v.ORD_STATUS) == "4"
    sent_after, expected_after = client.sequence_numbers()
    assert sent_after > sent_before and expected_after > expected_before  # resumed, never reset
    order = TradingOrder.objects.get(number=canceled.get(v.ORDER_ID))
    assert (order.status, order.quantity, order.price) == ("canceled", D("80"), D("10.05"))


def fix_venue(msg, peer):
    """A venue over FIX: acks each order and fills 40 at 10.00."""
    if msg.msg_type != "D":
        return
    common = [(37, f"V-{msg.get(11)}"), (11, msg.get(11)), (55, msg.get(55)), (54, msg.get(54)), (38, msg.get(38))]
    peer.send(message("8", *common, (17, f"E-{msg.get(11)}-0"), (150, "0"), (39, "0"), (151, msg.get(38)),
                          (14, "0"), (6, "0"), (60, NOW)))
    leaves = D(msg.get(38)) - 40
    peer.send(message("8", *common, (17, f"E-{msg.get(11)}-1"), (150, "F"), (39, "1"), (32, "40"), (31, "10.00"),
                          (151, str(leaves)), (14, "40"), (6, "10.00"), (851, "2"), (60, NOW)))


def test_client_to_venue_over_fix_both_ways(fix_link, tmp_path, dictionary):
    market, running, _ = fix_link
    client = running["client"]
    port = free_port()
    venue = FixPeer(connection_type="acceptor", root=tmp_path / "venue", dictionary=dictionary, heartbeat=5,
                    config=SessionConfig(sender="XSIM", target="OMS", port=port), on_message=fix_venue)
    ours = FixInitiator(venue="SIM", config=SessionConfig(sender="OMS", target="XSIM", port=port),
                        handlers=wiring.venue_handlers(), root=tmp_path / "to-venue", dictionary=dictionary,
                        heartbeat=5, reconnect=1, terms_lookup=wiring.routed_terms)
    venue.start()
    running["venue"] = venue
    ours.start()  # replaces the simulated venue as the gateway of SIM
    running["initiator"] = ours
    assert ours.wait_logged_on()

    client.send(nos("V-1", qty="100", price="10.00"))
    routed = venue.expect(lambda m: m.msg_type == "D")
    order = TradingOrder.objects.get(cl_ord_id="V-1")
    assert routed.get(v.CL_ORD_ID) == order.routed_cl_ord_id and D(routed.get(v.PRICE)) == D("10.00")
    client.expect(report("V-1", "0"))
    fill = client.expect(report("V-1", "F"))
    assert (D(fill.get(v.LAST_QTY)), D(fill.get(v.LEAVES_QTY)), fill.get(v.ORD_STATUS)) == (D("40"), D("60"), "1")
    order.refresh_from_db()
    assert (order.status, order.cum_qty, order.venue_order_id) == ("partially_filled", D("40"), f"V-{routed.get(11)}")
    gateway_register(venue="SIM", gateway=market.sim)


def test_routed_terms_rebuild_an_order_for_a_cancel_after_a_restart(market, run):
    market.sim.price_set("ACME", D("11.00"))
    order = run(order_receive, new=NewOrder(account="ALICE", cl_ord_id="T-1", instrument="ACME", side="buy",
                                            order_type="limit", quantity=D("5"), price=D("10.00")))
    terms = wiring.routed_terms(order.routed_cl_ord_id)
    assert (terms.instrument, terms.side, terms.quantity, terms.price) == ("ACME", "buy", D("5"), D("10.00"))
    assert wiring.routed_terms("nope") is None


def test_oms_fix_acceptor_command_serves_clients_with_the_simulated_venue(market, settings, tmp_path, dictionary,
                                                                          monkeypatch):
    monkeypatch.setenv("OMS_FIX_DATA_DICTIONARY", str(dictionary))
    settings.DATA_DIR = tmp_path / "var"
    port = free_port()
    stop, lines = threading.Event(), []
    options = {"comp_id": "OMS", "port": port, "client": ["DESK=ALICE,BOB"], "venue": [], "simulate": ["SIM"],
               "price": ["ACME=10.00"], "heartbeat": 5, "log_to_screen": False}
    server = threading.Thread(target=command.acceptor_run, args=(options, lines.append, stop))
    server.start()
    client = FixPeer(connection_type="initiator", root=tmp_path / "desk", dictionary=dictionary, heartbeat=5,
                     config=SessionConfig(sender="DESK", target="OMS", port=port))
    try:
        client.start()
        assert client.wait_logged_on(15)
        no_account = [(tag, value) for tag, value in nos("K-1").fields if tag != v.ACCOUNT]
        client.send(message("D", *no_account))  # the session's first account, ALICE
        fill = client.expect(report("K-1", "F"))
        assert fill.get(v.ACCOUNT) == "ALICE" and D(fill.get(v.CUM_QTY)) == D("100")
        client.send(nos("K-2", account="CAROL"))
        assert client.expect(report("K-2", "8")).get(v.ORD_REJ_REASON) == "15"
    finally:
        client.stop()
        stop.set()
        server.join(15)
    assert lines[0].startswith(f"FIX acceptor OMS on port {port} for DESK") and "stopped" in lines[-1]
    assert (tmp_path / "var" / "fix" / "acceptor" / "store").is_dir()


def test_a_cancel_the_venue_refuses_reaches_the_client_as_an_order_cancel_reject(fix_link):
    market, running, _ = fix_link
    client = running["client"]
    market.sim.price_set("ACME", D("11.00"))  # a buy at 10.00 rests
    client.send(nos("R-1", qty="100", price="10.00"))
    client.expect(report("R-1", "0"))
    market.sim.refuse_cancels = "too late to cancel"
    client.send(message("F", (41, "R-1"), (11, "R-2"), (1, "ALICE"), (55, "ACME"), (54, "1"), (60, NOW)))
    client.expect(report("R-2", "6"))  # pending cancel first, then the venue's refusal
    refused = client.expect(lambda m: m.msg_type == "9")
    order = TradingOrder.objects.get(cl_ord_id="R-1")
    assert (refused.get(v.CL_ORD_ID), refused.get(v.ORIG_CL_ORD_ID), refused.get(v.ORDER_ID)) == (
        "R-2", "R-1", order.number)
    assert (refused.get(v.CXL_REJ_RESPONSE_TO), refused.get(v.ORD_STATUS)) == ("1", "0")
    assert "too late to cancel" in refused.get(v.TEXT)
    assert order.status == "new"

    client.send(message("G", (41, "R-1"), (11, "R-3"), (1, "ALICE"), (21, "1"), (55, "ACME"), (54, "1"), (60, NOW),
                        (38, "80"), (40, "2"), (44, "10.05")))
    client.expect(report("R-3", "E"))
    refused = client.expect(lambda m: m.msg_type == "9")
    assert (refused.get(v.CL_ORD_ID), refused.get(v.CXL_REJ_RESPONSE_TO), refused.get(v.ORD_STATUS)) == (
        "R-3", "2", "0")


def test_the_fix_process_routes_orders_entered_in_another_process(market, settings, tmp_path, dictionary,
                                                                  monkeypatch):
    monkeypatch.setenv("OMS_FIX_DATA_DICTIONARY", str(dictionary))
    settings.DATA_DIR = tmp_path / "var"
    gateway_unregister(venue="SIM")  # the API process: SIM's gateway is not here
    order = order_receive(new=NewOrder(account="ALICE", cl_ord_id="X-1", instrument="ACME", side="buy",
                                       order_type="limit", quantity=D("10"), price=D("10.00")))
    assert TradingOrder.objects.get(pk=order.pk).status == "pending_new"
    stop, lines = threading.Event(), []
    options = {"comp_id": "OMS", "port": free_port(), "client": ["DESK=ALICE"], "venue": [], "simulate": ["SIM"],
               "price": ["ACME=10.00"], "heartbeat": 5, "log_to_screen": False}
    server = threading.Thread(target=command.acceptor_run, args=(options, lines.append, stop))
    server.start()
    try:
        deadline = time.monotonic() + 15
        while TradingOrder.objects.get(pk=order.pk).status != "filled" and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        stop.set()
        server.join(15)
    order.refresh_from_db()
    assert (order.status, order.cum_qty) == ("filled", D("10"))
    assert order.requests.get().routed_at is not None
