"""Trading services: every write of the trading module goes through these functions.

The contract with the FIX layer and the simulated venue (see ``oms.trading.gateway``):

- ``order_receive(*, new, source="api") -> TradingOrder`` records a client's order; a rejected or
  denied order is returned with ``status`` and ``reject_code`` (nothing raised); ``OrderRejected``
  only when nothing can be recorded (unknown account, reused ClOrdID).
- ``order_cancel_receive(*, request)`` and ``order_replace_receive(*, request)`` put the order
  pending cancel / pending replace, or raise ``CancelRejected`` (with ``code``, ``ord_status``).
- ``execution_report_apply(*, report)`` and ``cancel_reject_apply(*, reject)`` apply a venue's answers.
"""

from oms.trading.services.allocations import allocation_create
from oms.trading.services.common import CancelRejected, OrderRejected
from oms.trading.services.control import kill_switch_engage, kill_switch_release, trading_day_end
from oms.trading.services.orders import order_cancel_receive, order_receive, order_replace_receive
from oms.trading.services.positions import position_rebuild, positions_check
from oms.trading.services.reference import (
    account_create, instrument_create, instrument_update, restriction_add, restriction_remove, risk_limit_set,
    venue_create,
)
from oms.trading.services.reports import UnknownOrder, cancel_reject_apply, execution_report_apply

__all__ = [
    "CancelRejected", "OrderRejected", "UnknownOrder", "account_create", "allocation_create", "cancel_reject_apply",
    "execution_report_apply", "instrument_create", "instrument_update", "kill_switch_engage", "kill_switch_release",
    "order_cancel_receive", "order_receive", "order_replace_receive", "position_rebuild", "positions_check",
    "restriction_add", "restriction_remove", "risk_limit_set", "trading_day_end", "venue_create",
]
