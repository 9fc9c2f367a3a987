#!/usr/bin/env python3
"""Orders per second through FIX, with durable recording, on PostgreSQL.

Our FIX acceptor runs in this process against the built-in simulated venue; FIX clients run in a
second process (so that they do not share our interpreter) and send NewOrderSingles that cross the
venue's price, keeping ``--window`` orders in flight per session. Each order is recorded, routed,
acknowledged and filled (four committed transactions with their audit records and position update)
before its filled ExecutionReport goes back to the client. Prints orders/s, the latency from sending
the order to receiving its fill report (p50/p95/p99), and the pgbench TPC-B figure of the same run.

    OMS_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/oms_fix_bench \\
        .venv/bin/python bench/trading_fix.py [--duration 15] [--sessions 2] [--window 10] [--pgbench 10]

The database is dropped, created and migrated first (it must not be a database you care about).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import socket
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from common import fresh_database, percentiles, pgbench_tps

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/oms_fix_bench"
SYMBOLS = ["ACME", "BOLT", "CRAN", "DYNE"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seed(n_accounts: int) -> None:
    from oms.parties.services import party_create  # noqa: PLC0415 - after django.setup()
    from oms.trading.services import account_create, instrument_create, venue_create  # noqa: PLC0415

    party_create(code="FIXBENCH", name="FIX bench client", currency="USD")
    venue_create(code="SIM", name="Simulated venue", mic="XSIM")
    for symbol in SYMBOLS:
        instrument_create(symbol=symbol, name=symbol, currency="USD", tick_size="0.01", price_decimals=2,
                          reference_price="10.00")
    for i in range(n_accounts):
        account_create(code=f"ACC{i}", name=f"Account {i}", owner="FIXBENCH", base_currency="USD",
                       default_venue="SIM")


class EngineOnly:
    """Services stand-in for --engine-only: every order is filled at once, nothing is recorded."""

    def __init__(self) -> None:
        self.count = 0

    def order_receive(self, *, new, source="api"):
        from oms.trading.gateway import OrderUpdate, order_updates_listeners  # noqa: PLC0415

        self.count += 1
        update = OrderUpdate(account=new.account, cl_ord_id=new.cl_ord_id, orig_cl_ord_id=None,
                             order_id=f"O{self.count}", exec_id=f"E{self.count}", exec_type="trade",
                             ord_status="filled", instrument=new.instrument, side=new.side, order_type=new.order_type,
                             quantity=new.quantity, price=new.price, cum_qty=new.quantity, leaves_qty=Decimal(0),
                             avg_px=new.price, last_qty=new.quantity, last_px=new.price)
        for listener in order_updates_listeners():
            listener(update)

    def refuse(self, **kwargs):
        raise NotImplementedError


def client_main(port: int, sessions: int, duration: float, window: int, root: str, results) -> None:
    """The FIX clients: one initiator per session, each keeping ``window`` orders in flight."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms.settings")
    from oms.trading.fix.client import FixPeer  # noqa: PLC0415 - in the client process only
    from oms.trading.fix.engine import SessionConfig  # noqa: PLC0415
    from oms.trading.fix.wire import message  # noqa: PLC0415

    peers = [FixPeer(connection_type="initiator", root=Path(root) / f"client{i}", heartbeat=30,
                     config=SessionConfig(sender=f"CLIENT{i}", target="OMS", port=port)) for i in range(sessions)]
    for peer in peers:
        peer.start()
    assert all(peer.wait_logged_on(30) for peer in peers), "clients did not log on"
    latencies, done, rejected = [], 0, 0
    sent_at: dict[str, float] = {}
    counter = 0

    def send(i: int, peer) -> None:
        nonlocal counter
        counter += 1
        cl_ord_id = f"B{i}-{counter}"
        sent_at[cl_ord_id] = time.perf_counter()
        peer.send(message("D", (11, cl_ord_id), (1, f"ACC{counter % 4}"), (21, "1"), (55, SYMBOLS[counter % 4]),
                          (54, "1"), (60, time.strftime("%Y%m%d-%H:%M:%S", time.gmtime())), (38, "10"), (40, "2"),
                          (44, "10.00"), (59, "0")))

    started = time.perf_counter()
    stop_at = started + duration
    for i, peer in enumerate(peers):
        for _ in range(window):
            send(i, peer)
    outstanding = sessions * window
    while outstanding:
        for i, peer in enumerate(peers):
            try:
                msg = peer.expect(lambda m: m.msg_type == "8" and m.get(39) in ("2", "8"), timeout=0.05)
            except TimeoutError:
                continue
            latencies.append(time.perf_counter() - sent_at.pop(msg.get(11)))
            outstanding -= 1
            if msg.get(39) == "2":
                done += 1
            else:
                rejected += 1
            if time.perf_counter() < stop_at:
                send(i, peer)
                outstanding += 1
        if time.perf_counter() > stop_at + 60:
            break
    elapsed = time.perf_counter() - started
    for peer in peers:
        peer.stop()
    results.put({"filled": done, "rejected": rejected, "elapsed": elapsed, "latencies": latencies})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=15)
    parser.add_argument("--sessions", type=int, default=4)
    parser.add_argument("--window", type=int, default=5, help="orders in flight per session")
    parser.add_argument("--pgbench", type=int, default=10, help="seconds of pgbench (0: skip)")
    parser.add_argument("--engine-only", action="store_true",
                        help="no services or database: what the FIX layer alone sustains")
    args = parser.parse_args()
    url = os.environ.get("OMS_DATABASE_URL", DEFAULT_URL)
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("set OMS_DATABASE_URL to a PostgreSQL database to drop and fill")
    root = Path(tempfile.mkdtemp(prefix="oms-fix-bench-"))
    os.environ["OMS_DATA_DIR"] = str(root / "var")
    if not args.engine_only:
        fresh_database(url)
    os.environ["OMS_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms.settings")
    import django  # noqa: PLC0415

    django.setup()
    from oms.trading.fix import wiring  # noqa: PLC0415
    from oms.trading.fix.acceptor import ClientHandlers, FixAcceptor  # noqa: PLC0415
    from oms.trading.fix.engine import SessionConfig  # noqa: PLC0415
    from oms.trading.gateway import gateway_register  # noqa: PLC0415
    from oms.trading.models import Execution, TradingOrder  # noqa: PLC0415
    from oms.trading.simulator import SimulatedVenue  # noqa: PLC0415

    if args.engine_only:
        fake = EngineOnly()
        handlers = ClientHandlers(order_receive=fake.order_receive, order_cancel_receive=fake.refuse,
                                  order_replace_receive=fake.refuse)
    else:
        seed(4)
        sim = SimulatedVenue(venue="SIM")
        gateway_register(venue="SIM", gateway=sim)
        for symbol in SYMBOLS:
            sim.price_set(symbol, Decimal("10.00"))
        handlers = wiring.client_handlers()
    port = free_port()
    acceptor = FixAcceptor(sessions=[SessionConfig(sender="OMS", target=f"CLIENT{i}", port=port)
                                     for i in range(args.sessions)], handlers=handlers, root=root / "oms", heartbeat=30)
    acceptor.start()
    results = multiprocessing.get_context("spawn").Queue()
    client = multiprocessing.get_context("spawn").Process(
        target=client_main, args=(port, args.sessions, args.duration, args.window, str(root), results))
    client.start()
    outcome = results.get(timeout=args.duration + 180)
    client.join(30)
    acceptor.stop()
    lat = percentiles([s * 1000 for s in outcome["latencies"]])
    what = ("FIX layer only (no services, no database)" if args.engine_only else
            "FIX orders (NewOrderSingle -> recorded, routed, acked, filled, fill report back), PostgreSQL")
    print(f"\n{what}, {args.sessions} session(s), window {args.window}")
    print(f"  filled {outcome['filled']}, rejected {outcome['rejected']} in {outcome['elapsed']:.1f} s: "
          f"{outcome['filled'] / outcome['elapsed']:.0f} orders/s")
    print(f"  order -> fill report latency: p50 {lat['p50']:.1f} ms, p95 {lat['p95']:.1f} ms, p99 {lat['p99']:.1f} ms")
    if not args.engine_only:
        print(f"  recorded: {TradingOrder.objects.count()} orders, "
              f"{Execution.objects.filter(is_fill=True).count()} fills (durable: each committed before its report)")
    if args.pgbench and not args.engine_only:
        tps = pgbench_tps(args.pgbench)
        print(f"  FIX orders/s as a share of pgbench TPC-B tps: {outcome['filled'] / outcome['elapsed'] / tps:.3f}")
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
