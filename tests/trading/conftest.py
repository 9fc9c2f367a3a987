"""A small market for trading tests: a simulated venue SIM, instruments, accounts; helpers to run
services with their after-commit work (routing, the venue's answers, announcements) executed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal as D

import pytest

from oms.parties.models import Party
from oms.trading.gateway import (
    CancelRejectUpdate, OrderUpdate, cancel_rejects_subscribe, cancel_rejects_unsubscribe, gateway_register,
    gateway_unregister, order_updates_subscribe, order_updates_unsubscribe,
)
from oms.trading.models import Instrument, TradingAccount, Venue
from oms.trading.services import account_create, instrument_create, venue_create
from oms.trading.simulator import SimulatedVenue


@dataclass(repr=False)
class Market:
    venue: Venue
    acme: Instrument          # tick 0.01, lot 1, ISIN US0378331005, USD
    bond: Instrument          # tick 0.005, lot 10, 3 price decimals
    alice: TradingAccount     # FIFO, may sell short
    bob: TradingAccount       # average cost, no short selling
    block: TradingAccount     # the firm's block account
    sim: SimulatedVenue
    run: Callable
    updates: list[OrderUpdate] = field(default_factory=list)
    rejects: list[CancelRejectUpdate] = field(default_factory=list)


def make_market(run) -> Market:
    owner = Party.objects.create(code="P-TRD", name="Trading Client", currency="USD")
    venue = venue_create(code="SIM", name="Simulated venue", mic="XSIM")
    acme = instrument_create(symbol="ACME", name="Acme Corp", currency="USD", tick_size="0.01", lot_size="1",
                             isin="US0378331005", mic="XNAS", price_decimals=2, reference_price="10.00")
    bond = instrument_create(symbol="BND", name="Bond fund", currency="USD", tick_size="0.005", lot_size="10",
                             price_decimals=3, quantity_decimals=0)
    alice = account_create(code="ALICE", name="Alice", owner=owner, base_currency="USD", default_venue="SIM",
                           short_selling_allowed=True, cost_method="fifo")
    bob = account_create(code="BOB", name="Bob", owner=owner, base_currency="USD", default_venue="SIM",
                         cost_method="average")
    block = account_create(code="BLOCK", name="Block account", owner=owner, base_currency="USD",
                           default_venue="SIM", short_selling_allowed=True)
    return Market(venue, acme, bond, alice, bob, block, SimulatedVenue(venue="SIM"), run)


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Call a service and run its after-commit work (routing, the simulated venue's answers) at once."""
    def call(func, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return func(*args, **kwargs)
    return call


@pytest.fixture
def market(db, run):
    m = make_market(run)
    gateway_register(venue="SIM", gateway=m.sim)
    order_updates_subscribe(m.updates.append)
    cancel_rejects_subscribe(m.rejects.append)
    yield m
    gateway_unregister(venue="SIM")
    order_updates_unsubscribe(m.updates.append)
    cancel_rejects_unsubscribe(m.rejects.append)


def qty(value) -> D:
    return D(str(value))


class SilentVenue:
    """A venue that takes orders and says nothing; the test plays its reports."""

    def send_new(self, order):
        pass

    def send_cancel(self, request):
        pass

    def send_replace(self, request):
        pass


@pytest.fixture
def silent_market(transactional_db):
    """The market with committed transactions (for races on PostgreSQL) and a venue that never answers."""
    m = make_market(None)
    gateway_register(venue="SIM", gateway=SilentVenue())
    yield m
    gateway_unregister(venue="SIM")
