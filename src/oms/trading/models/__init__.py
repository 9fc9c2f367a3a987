"""Trading data: reference data and risk settings (``reference``), orders and what happens to them (``orders``)."""

from oms.trading.models.orders import (
    Allocation, Execution, OrderEvent, OrderRequest, Position, TradingOrder,
)
from oms.trading.models.reference import (
    Instrument, KillSwitch, RiskLimit, Restriction, TradingAccount, Venue,
)

__all__ = ["Allocation", "Execution", "Instrument", "KillSwitch", "OrderEvent", "OrderRequest", "Position",
           "RiskLimit", "Restriction", "TradingAccount", "TradingOrder", "Venue"]
