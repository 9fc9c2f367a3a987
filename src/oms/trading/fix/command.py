"""``oms fix acceptor``: run the FIX acceptor for clients, and optionally FIX links to venues.

    oms fix acceptor --port 9876 --client CLIENT1=ALICE,BOB --client CLIENT2 \\
        [--venue XNAS=10.0.0.5:9880/XNASFIX] [--simulate SIM] [--comp-id OMS]

``--client SENDER=ACCOUNTS`` opens a session for a client whose SenderCompID is SENDER; with
accounts listed the client may trade only those (the first is used when Account (1) is absent).
``--venue CODE=HOST:PORT[/TARGET]`` connects to a venue over FIX and routes that venue's orders
through it. ``--simulate CODE`` routes a venue's orders to the built-in simulated venue instead
(``--price SYMBOL=PX`` feeds it prices). Orders, cancels and replaces accepted elsewhere (the
API) for these venues are routed from here: every second, the pending ones are sent. Sessions and their sequence numbers live under
``$OMS_DATA_DIR/fix/``; stop with Ctrl-C or SIGTERM (a clean logout).
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from decimal import Decimal, InvalidOperation

from django.db import close_old_connections

from oms.trading.fix import engine, wiring
from oms.trading.fix.acceptor import FixAcceptor
from oms.trading.fix.engine import SessionConfig
from oms.trading.fix.initiator import FixInitiator
from oms.trading.gateway import gateway_register, gateway_unregister
from oms.trading.services.routing import routing_dispatch
from oms.trading.simulator import SimulatedVenue

log = logging.getLogger("oms.trading.fix.command")
DISPATCH_INTERVAL = 1.0  # seconds between routing passes for requests accepted in other processes


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True)
    run = sub.add_parser("acceptor", help="accept FIX 4.4 clients (and route to FIX venues)")
    run.add_argument("--port", type=int, default=9876, help="where clients connect (default 9876)")
    run.add_argument("--comp-id", default="OMS", help="our CompID (default OMS)")
    run.add_argument("--client", action="append", default=[], metavar="SENDER[=ACCOUNT,...]", required=True,
                     help="a client session; repeat for more")
    run.add_argument("--venue", action="append", default=[], metavar="CODE=HOST:PORT[/TARGET]",
                     help="route a venue's orders over FIX")
    run.add_argument("--simulate", action="append", default=[], metavar="CODE",
                     help="route a venue's orders to the built-in simulated venue")
    run.add_argument("--price", action="append", default=[], metavar="SYMBOL=PRICE",
                     help="a price for the simulated venues")
    run.add_argument("--heartbeat", type=int, default=30, help="HeartBtInt in seconds (default 30)")
    run.add_argument("--log-to-screen", action="store_true", help="print FIX traffic instead of logging to files")


def client_session(spec: str, *, comp_id: str, port: int) -> SessionConfig:
    sender, _, accounts = spec.partition("=")
    names = [name.strip() for name in accounts.split(",") if name.strip()]
    if not sender.strip():
        raise ValueError(f"--client {spec!r}: the client's SenderCompID is missing")
    return SessionConfig(sender=comp_id, target=sender.strip(), port=port,
                         default_account=names[0] if names else None, accounts=frozenset(names))


def venue_session(spec: str, *, comp_id: str) -> tuple[str, SessionConfig]:
    code, _, where = spec.partition("=")
    address, _, target = where.partition("/")
    host, _, port = address.rpartition(":")
    if not code or not host or not port.isdigit():
        raise ValueError(f"--venue {spec!r}: expected CODE=HOST:PORT[/TARGET]")
    return code, SessionConfig(sender=comp_id, target=target or code, host=host, port=int(port))


def prices(specs: list[str]) -> dict[str, Decimal]:
    result = {}
    for spec in specs:
        symbol, _, value = spec.partition("=")
        try:
            result[symbol] = Decimal(value)
        except InvalidOperation:
            raise ValueError(f"--price {spec!r}: expected SYMBOL=PRICE") from None
    return result


def acceptor_run(options: dict, write, stop: threading.Event | None = None) -> None:
    """Run until SIGINT/SIGTERM (or ``stop`` is set)."""
    comp_id, port = options["comp_id"], options["port"]
    clients = [client_session(spec, comp_id=comp_id, port=port) for spec in options["client"]]
    venues = [venue_session(spec, comp_id=comp_id) for spec in options["venue"]]
    feed = prices(options["price"])
    stop = stop or threading.Event()
    simulated = []
    for code in options["simulate"]:
        sim = SimulatedVenue(venue=code)
        gateway_register(venue=code, gateway=sim)
        simulated.append((code, sim))
    links = [FixInitiator(venue=code, config=config, handlers=wiring.venue_handlers(),
                          root=engine.data_root(f"venue-{code}"), heartbeat=options["heartbeat"],
                          terms_lookup=wiring.routed_terms, screen_log=options["log_to_screen"])
             for code, config in venues]
    acceptor = FixAcceptor(sessions=clients, handlers=wiring.client_handlers(), root=engine.data_root("acceptor"),
                           heartbeat=options["heartbeat"], screen_log=options["log_to_screen"])
    for link in links:
        link.start()
    acceptor.start()
    for _, sim in simulated:  # after start: fills of resting orders reach the clients
        for symbol, price in feed.items():
            sim.price_set(symbol, price)
    write(f"FIX acceptor {comp_id} on port {port} for {', '.join(c.target for c in clients)}"
          f"{'; venues ' + ', '.join(code for code, _ in venues) if venues else ''}"
          f"{'; simulated ' + ', '.join(code for code, _ in simulated) if simulated else ''}. Ctrl-C stops.")
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)} \
        if threading.current_thread() is threading.main_thread() else {}
    try:
        # The gateways live in this process: send what other processes (the API, the kill switch) accepted
        # for them. Each pass is one short transaction per venue; a failing pass is logged and retried.
        while not stop.wait(DISPATCH_INTERVAL):
            try:
                routing_dispatch()
            except Exception:  # noqa: BLE001 - the database may be away for a moment; the next pass retries
                log.exception("routing the pending requests failed")
            finally:
                close_old_connections()
    finally:
        acceptor.stop()
        for link in links:
            link.stop()
        for code, _ in simulated:
            gateway_unregister(venue=code)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        write("FIX acceptor stopped (sessions logged out; sequence numbers kept)")
