"""Demo data of the trading module, loaded by ``oms demo`` through the module's services.

The demo runs inside one transaction, so the after-commit routing would only happen at its end:
each order is routed at once here (``routing_dispatch``) to a simulated venue that answers synchronously;
the deferred routing that follows the commit then finds nothing left to do.
"""

from __future__ import annotations

from decimal import Decimal as D

from oms.parties.models import Party
from oms.parties.services import party_create
from oms.trading.gateway import NewOrder, gateway_register, gateway_unregister
from oms.trading.models import TradingOrder
from oms.trading.services import (
    account_create, allocation_create, instrument_create, order_receive, restriction_add, risk_limit_set,
    venue_create,
)
from oms.trading.services.routing import routing_dispatch
from oms.trading.simulator import SimulatedVenue


def _owner(code: str, name: str) -> Party:
    return Party.objects.filter(code=code).first() or party_create(code=code, name=name, currency="USD")


def _order(sim: SimulatedVenue, **kw) -> TradingOrder:
    kw.setdefault("order_type", "limit")
    order = order_receive(new=NewOrder(**kw), source="demo")
    if order.status == "pending_new":
        routing_dispatch(venue=order.venue.code)
    order.refresh_from_db()
    return order


def trading_demo_load() -> str:
    """Load this module's part of the demo business; returns what it did (one phrase)."""
    venue_create(code="SIM", name="Simulated exchange", mic="XSIM")
    instrument_create(symbol="AAPL", name="Apple Inc.", isin="US0378331005", mic="XNAS", currency="USD",
                      tick_size="0.01", reference_price="190.00")
    instrument_create(symbol="MSFT", name="Microsoft Corp.", isin="US5949181045", mic="XNAS", currency="USD",
                      tick_size="0.01", reference_price="410.00")
    instrument_create(symbol="TLKM", name="Telkom Indonesia", isin="ID1000129000", mic="XIDX", currency="IDR",
                      tick_size="10", lot_size="100", price_decimals=0, reference_price="3500")
    fund = _owner("TRD-FUND", "Nusantara Growth Fund")
    family = _owner("TRD-FAMILY", "Wijaya Family Office")
    account_create(code="FUND-1", name="Nusantara Growth Fund", owner=fund, base_currency="USD",
                   default_venue="SIM", short_selling_allowed=True, lei="5493001KJTIIGC8Y1R12")
    account_create(code="FAMILY-1", name="Wijaya Family Office", owner=family, base_currency="USD",
                   default_venue="SIM", cost_method="average")
    account_create(code="BLOCK", name="Firm block account", owner=fund, base_currency="USD", default_venue="SIM",
                   short_selling_allowed=True)
    risk_limit_set(price_collar_percent=D(10), max_order_value=D(2_000_000), max_orders_per_second=50)
    restriction_add(instrument="TLKM", account="FAMILY-1", reason="conflict of interest (demo)")

    sim = SimulatedVenue(venue="SIM", fill_size=D(60))
    gateway_register(venue="SIM", gateway=sim)
    try:
        sim.price_set("AAPL", D("189.95"))
        _order(sim, account="FUND-1", cl_ord_id="DEMO-1", instrument="AAPL", side="buy", quantity=D(100),
               price=D("190.00"))
        sim.price_set("AAPL", D("189.90"))                      # fills the other 40 of DEMO-1
        sim.price_set("AAPL", D("192.00"))
        _order(sim, account="FUND-1", cl_ord_id="DEMO-2", instrument="AAPL", side="sell", quantity=D(40),
               price=D("191.50"))                                # realised P&L on 40
        _order(sim, account="FAMILY-1", cl_ord_id="DEMO-3", instrument="MSFT", side="buy", quantity=D(50),
               price=D("405.00"), time_in_force="gtc")           # rests on the blotter
        _order(sim, account="FAMILY-1", cl_ord_id="DEMO-4", instrument="TLKM", side="buy", quantity=D(1000),
               price=D("3500"))                                  # denied: restricted
        sim.price_set("MSFT", D("409.00"))
        block = _order(sim, account="BLOCK", cl_ord_id="DEMO-5", instrument="MSFT", side="buy", quantity=D(120),
                       price=D("410.00"), block_id="BLK-DEMO-1")
        sim.price_set("MSFT", D("409.50"))                       # the block's second part
        allocation_create(order=block.number, method="percent", splits=[("FUND-1", "60"), ("FAMILY-1", "40")])
    finally:
        gateway_unregister(venue="SIM")
    return "trading: 3 instruments, 3 accounts, a simulated venue, 5 orders with fills, positions and an allocation"
